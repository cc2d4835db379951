"""Ticket formats: Jira Service Management, Zendesk and the generic layout."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from imports.parsers import FileError, ParseResult, RowError, parse
from imports.parsers.tickets import category_of, priority_of

Parse = Callable[..., ParseResult[Any]]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Highest", "P1"),
        ("Urgent", "P1"),
        ("Blocker", "P1"),
        ("High", "P2"),
        ("Critical", "P2"),
        ("P2", "P2"),
        ("p2 - High", "P2"),
        ("Medium", "P3"),
        ("Normal", "P3"),
        ("Major", "P3"),
        ("3", "P3"),
        ("Low", "P4"),
        ("Lowest", "P4"),
        ("Minor", "P4"),
        ("Trivial", "P4"),
    ],
)
def test_tool_priorities_map_to_p1_to_p4(name: str, expected: str) -> None:
    assert priority_of(name) == expected


@pytest.mark.parametrize("name", ["P5", "Whenever", "-"])
def test_unknown_priorities_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a known priority"):
        priority_of(name)


@pytest.mark.parametrize(
    ("issue_type", "expected"),
    [
        ("[System] Incident", "incident"),
        ("Problem", "incident"),
        ("Bug", "incident"),
        ("[System] Service request", "request"),
        ("Service request with approvals", "request"),
        ("Question", "request"),
        ("Task", "request"),
        ("IT help", "request"),
        ("[System] Change", "change"),
        ("Change request", "change"),
        ("Security Incident", "security"),
        ("Vulnerability", "security"),
        ("Epic", None),
        ("Story", None),
    ],
)
def test_issue_and_ticket_types_map_to_categories(issue_type: str, expected: str | None) -> None:
    assert category_of(issue_type) == expected


def test_jira_export_with_a_multiline_description_keeps_file_line_numbers(parse_sample: Parse) -> None:
    result = parse_sample("tickets", "jira", "jira.csv", tz="Europe/London")
    assert result.errors == []
    assert [(t.row, t.external_id, t.priority, t.category) for t in result.records] == [
        (2, "ITSM-101", "P1", "incident"),
        (4, "ITSM-102", "P3", "request"),
        (5, "ITSM-103", "P4", "change"),
        (6, "ITSM-104", "P2", "security"),
    ]


def test_jira_dates_are_read_in_the_upload_zone(parse_sample: Parse) -> None:
    vpn = parse_sample("tickets", "jira", "jira.csv", tz="Europe/London").records[0]
    assert vpn.opened_at == datetime(2024, 5, 11, 14, 26, tzinfo=UTC)  # 3:26 PM BST
    assert vpn.first_response_at == datetime(2024, 5, 11, 14, 41, tzinfo=UTC)  # from the [CHART] field
    assert vpn.resolved_at == datetime(2024, 5, 11, 17, 40, tzinfo=UTC)
    assert (vpn.engagement_hint, vpn.summary) == ("Managed IT (Globex)", "VPN down for the Leeds office")


def test_jira_ticket_without_response_or_resolution_stays_open(parse_sample: Parse) -> None:
    laptop = parse_sample("tickets", "jira", "jira.csv").records[1]
    assert (laptop.first_response_at, laptop.resolved_at) == (None, None)


def test_jira_malformed_rows_become_row_errors(parse_sample: Parse) -> None:
    result = parse_sample("tickets", "jira", "jira_malformed.csv")
    assert [t.external_id for t in result.records] == ["ITSM-201"]
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "Priority"),
        (4, "Issue Type"),
        (5, "Created"),
        (6, "Resolved"),
        (7, "Issue key"),
    ]
    assert "'Epic' fits no category" in result.errors[1].message


def test_jira_without_created_and_priority_columns_names_them() -> None:
    with pytest.raises(FileError, match="missing required columns: Priority; Created"):
        parse("tickets", "jira", b"Summary,Issue key,Issue Type\nA,K-1,Incident\n")


def test_zendesk_export_derives_the_first_response_from_reply_minutes(parse_sample: Parse) -> None:
    result = parse_sample("tickets", "zendesk", "zendesk.csv")
    assert result.errors == []
    printer, mfa = result.records
    assert (printer.external_id, printer.priority, printer.category) == ("4711", "P3", "incident")
    assert printer.first_response_at == datetime(2024, 6, 3, 9, 57, tzinfo=UTC)  # 09:15 + 42 min
    assert printer.resolved_at == datetime(2024, 6, 3, 10, 45, tzinfo=UTC)
    assert printer.engagement_hint == "Globex"
    assert (mfa.priority, mfa.category, mfa.engagement_hint) == ("P1", "request", "Service desk")


def test_zendesk_malformed_rows_become_row_errors(parse_sample: Parse) -> None:
    result = parse_sample("tickets", "zendesk", "zendesk_malformed.csv")
    assert [t.external_id for t in result.records] == ["4801"]
    assert result.errors[0] == RowError(3, "Priority", "Priority is missing")
    assert result.errors[1] == RowError(4, "Ticket type", "Ticket type is missing")
    assert [(e.row, e.field) for e in result.errors[2:]] == [(5, "First reply time in minutes"), (6, "Created at")]


def test_generic_tickets_read_iso_timestamps_with_and_without_offset(parse_sample: Parse) -> None:
    result = parse_sample("tickets", "generic", "generic_tickets.csv", tz="Europe/Berlin")
    assert result.errors == []
    outage, access, login = result.records
    assert outage.opened_at == datetime(2024, 7, 1, 6, 0, tzinfo=UTC)
    assert access.opened_at == datetime(2024, 7, 2, 8, 0, tzinfo=UTC)  # naive = Europe/Berlin
    assert (login.priority, login.category) == ("P2", "security")
    assert login.external_id.startswith("sha256:")


def test_generic_ticket_ids_survive_a_later_status_change() -> None:
    header = b"priority,category,opened_at,resolved_at,summary\n"
    before = parse("tickets", "generic", header + b"P3,request,2024-07-02T10:00Z,,Access\n").records[0]
    after = parse("tickets", "generic", header + b"P2,request,2024-07-02T10:00Z,2024-07-03T10:00Z,Access\n").records[0]
    assert before.external_id == after.external_id


def test_generic_tickets_malformed_rows_become_row_errors(parse_sample: Parse) -> None:
    result = parse_sample("tickets", "generic", "generic_tickets_malformed.csv")
    assert [t.external_id for t in result.records] == ["INC-1"]
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "priority"),
        (4, "category"),
        (5, "opened_at"),
        (6, "first_response_at"),
    ]
