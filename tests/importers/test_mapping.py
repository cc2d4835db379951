"""The mappers match names one way: an engagement typed with other spacing or case is the same engagement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engagements.selectors import engagement_matching
from imports.mapping.tickets import ticket_records_map
from imports.mapping.timesheets import time_records_map
from imports.parsers import TicketRecord, TimeRecord

pytestmark = pytest.mark.django_db

TYPED = "  help   DESK (acme) "


def time_record(project: str) -> TimeRecord:
    return TimeRecord(
        row=2,
        person="peter  TESTER",
        email=None,
        project=project,
        client=None,
        task=None,
        date=dt.date(2024, 5, 6),
        hours=Decimal("1.5"),
        description="",
        billable=None,
        external_id="t-1",
        started_at=None,
        ended_at=None,
    )


def ticket_record(hint: str) -> TicketRecord:
    return TicketRecord(
        row=2,
        external_id="T-1",
        engagement_hint=hint,
        priority="P2",
        category="incident",
        opened_at=dt.datetime(2024, 5, 6, 9, tzinfo=dt.UTC),
        first_response_at=None,
        resolved_at=None,
        summary="",
    )


def test_the_engagement_matcher_ignores_case_and_runs_of_whitespace(import_world) -> None:
    assert engagement_matching(TYPED) == import_world.help_desk
    assert engagement_matching("Help desk") is None
    assert engagement_matching("   ") is None


def test_timesheets_and_tickets_match_the_same_typed_name_to_the_same_engagement(import_world) -> None:
    entries = time_records_map(records=[time_record(TYPED)], fmt="generic", engagement=None)
    tickets = ticket_records_map(records=[ticket_record(TYPED)], fmt="generic", engagement=None)
    assert not entries.problems and not tickets.problems
    assert entries.items[0][1].contractor.engagement == import_world.help_desk
    assert tickets.items[0][1]["engagement"] == import_world.help_desk
