"""Ticket parsers: Jira Service Management, Zendesk and a generic layout.

Where the column names come from (public exports seen in the wild; neither
vendor documents the CSV header list itself):
- Jira "Export CSV (all fields)": Summary, Issue key, Issue id, Issue Type,
  Priority, Created, Resolved, Project name, and the JSM custom fields
  "Custom field (Request Type)" and "Custom field ([CHART] Date of First
  Response)". The SLA column "Custom field (Time to first response)" holds
  the time *remaining* against the goal (e.g. "-01:30" when breached), not a
  timestamp, so first_response_at comes from the [CHART] date field or stays
  None. Jira writes dates like "11/May/24 3:26 PM"; other forms parse too.
- Zendesk ticket CSV export: Id, Subject (optional, as a summary is
  everywhere), Priority, Ticket type, Created at, Solved at, Organization,
  Group, "First reply time in minutes" (calendar minutes; first_response_at =
  Created at + those minutes).

A first response after the resolution is refused, as is one before opening.

Priorities (our choice beyond the brief): Highest/Urgent/Blocker -> P1,
High/Critical -> P2, Medium/Normal/Major -> P3, Low/Lowest/Minor/Trivial -> P4,
"P1".."P4" (also "P2 - High") and "1".."4" pass through. Categories come from
the issue or ticket type by keyword; a type that fits none (e.g. Epic) or a
missing priority is a row error, never a default. Derived ids hash only the
engagement hint, opened_at and summary so a later re-export with a new status,
priority or resolution maps to the same ticket.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import BinaryIO

from imports.parsers.base import Context
from imports.parsers.records import StableIds, TicketRecord
from imports.parsers.table import Col, Row, TableRecords
from imports.parsers.text import parse_span

CATEGORIES = ("incident", "request", "security", "change")

_PRIORITY_NAMES = {
    "highest": "P1",
    "urgent": "P1",
    "blocker": "P1",
    "high": "P2",
    "critical": "P2",
    "medium": "P3",
    "normal": "P3",
    "major": "P3",
    "low": "P4",
    "lowest": "P4",
    "minor": "P4",
    "trivial": "P4",
}
_CATEGORY_WORDS = (  # checked in order: "Security incident" is security, "Change request" a change
    ("security", ("security", "vulnerability", "phishing", "malware")),
    ("change", ("change",)),
    ("incident", ("incident", "problem", "bug", "outage", "defect", "fault")),
    ("request", ("request", "question", "task", "sub-task", "support", "help", "access", "how")),
)

JIRA = {
    "key": Col(("Issue key", "Key")),
    "id": Col(("Issue id",)),
    "summary": Col(("Summary",), required=True),
    "priority": Col(("Priority",), required=True),
    "type": Col(("Issue Type",), required=True),
    "request_type": Col(("Custom field (Request Type)", "Request Type")),
    "created": Col(("Created",), required=True),
    "resolved": Col(("Resolved", "Resolution date")),
    "first_response": Col(("Custom field ([CHART] Date of First Response)", "Date of First Response")),
    "project": Col(("Project name", "Project")),
}

ZENDESK = {
    "id": Col(("Id", "Ticket ID"), required=True),
    "subject": Col(("Subject",)),
    "priority": Col(("Priority",), required=True),
    "type": Col(("Ticket type", "Type"), required=True),
    "created": Col(("Created at", "Requested", "Created"), required=True),
    "solved": Col(("Solved at", "Solved")),
    "first_reply": Col(("First reply time in minutes",)),
    "organization": Col(("Organization",)),
    "group": Col(("Group",)),
}

GENERIC = {
    "external_id": Col(("external_id",)),
    "engagement": Col(("engagement",)),
    "priority": Col(("priority",), required=True),
    "category": Col(("category",), required=True),
    "opened_at": Col(("opened_at",), required=True),
    "first_response_at": Col(("first_response_at",)),
    "resolved_at": Col(("resolved_at",)),
    "summary": Col(("summary",)),
}


def priority_of(value: str) -> str:
    """P1-P4 for a tool's priority name."""
    text = value.strip().lower()
    numbered = re.match(r"p?([1-4])\b", text)
    if numbered:
        return f"P{numbered.group(1)}"
    if text in _PRIORITY_NAMES:
        return _PRIORITY_NAMES[text]
    raise ValueError(f"'{value}' is not a known priority (use P1-P4, Urgent, High, Normal or Low)")


def category_of(value: str) -> str | None:
    """Our category for a tool's issue or ticket type, None if none fits."""
    text = re.sub(r"^\[system\]\s*", "", value.strip().lower())
    for category, words in _CATEGORY_WORDS:
        if any(re.search(rf"\b{re.escape(word)}", text) for word in words):
            return category
    return None


def parse_jira(source: BinaryIO, context: Context) -> TableRecords[TicketRecord]:
    """Jira (Service Management) CSV export; category from Issue Type, then Request Type."""
    ids = StableIds("tickets")

    def build(row: Row) -> TicketRecord | None:
        key = row.value("key") or row.value("id")
        if not key:
            row.fail("key", "Issue key is missing")
        return _ticket(
            row,
            ids,
            key,
            hint=row.value("project"),
            priority_key="priority",
            category=_category(row, ("type", "request_type")),
            opened_key="created",
            first_response=row.moment("first_response"),
            first_key="first_response",
            resolved_key="resolved",
            summary=row.text("summary"),
        )

    return TableRecords(
        source,
        context,
        JIRA,
        build,
        one_of=[("key", "id")],
        date_keys=["created", "resolved", "first_response"],
        notes=ids.warnings,
    )


def parse_zendesk(source: BinaryIO, context: Context) -> TableRecords[TicketRecord]:
    """Zendesk ticket CSV export; the engagement hint is Organization, else Group."""
    ids = StableIds("tickets")

    def build(row: Row) -> TicketRecord | None:
        opened = row.moment("created", required=True)
        delay = row.convert("first_reply", _reply_delay)
        first = opened + delay if opened and delay is not None else None
        return _ticket(
            row,
            ids,
            row.value("id", True),
            hint=row.value("organization") or row.value("group"),
            priority_key="priority",
            category=_category(row, ("type",)),
            opened=opened,
            first_response=first,
            first_key="first_reply",
            resolved_key="solved",
            summary=row.text("subject"),
        )

    return TableRecords(source, context, ZENDESK, build, date_keys=["created", "solved"], notes=ids.warnings)


def parse_generic(source: BinaryIO, context: Context) -> TableRecords[TicketRecord]:
    """Generic ticket CSV.

    Columns: external_id (optional; derived when blank), engagement (optional
    name; the upload's engagement applies when blank), priority (required:
    P1-P4 or a name listed in this module's docstring), category (required:
    incident, request, security or change), opened_at (required),
    first_response_at, resolved_at (optional), summary (optional). Timestamps
    are ISO 8601, e.g. 2024-03-04T10:00:00+01:00; without an offset they are
    local time in the upload's zone.
    """
    ids = StableIds("tickets")

    def build(row: Row) -> TicketRecord | None:
        return _ticket(
            row,
            ids,
            row.value("external_id"),
            hint=row.value("engagement"),
            priority_key="priority",
            category=_category(row, ("category",)),
            opened_key="opened_at",
            first_response=row.moment("first_response_at"),
            first_key="first_response_at",
            resolved_key="resolved_at",
            summary=row.text("summary"),
        )

    return TableRecords(
        source,
        context,
        GENERIC,
        build,
        date_keys=["opened_at", "first_response_at", "resolved_at"],
        notes=ids.warnings,
    )


def _reply_delay(value: str) -> timedelta:
    """Zendesk's first reply time: whole calendar minutes after creation."""
    delay = parse_span(value, bare_unit=60)
    if delay < timedelta(0):
        raise ValueError("a reply cannot come before the ticket")
    return delay


def _category(row: Row, keys: tuple[str, ...]) -> str | None:
    """The category from the first of `keys` whose cell maps to one."""
    cells = [(key, row.text(key)) for key in keys if row.text(key) not in ("", "-")]
    for _, cell in cells:
        category = category_of(cell)
        if category:
            return category
    if cells:
        key, cell = cells[0]
        row.fail(key, f"{row.columns.label(key)}: '{cell}' fits no category ({', '.join(CATEGORIES)})")
    else:
        row.fail(keys[0], f"{row.columns.label(keys[0])} is missing")
    return None


def _ticket(
    row: Row,
    ids: StableIds,
    external_id: str | None,
    *,
    hint: str | None,
    priority_key: str,
    category: str | None,
    summary: str,
    opened: datetime | None = None,
    opened_key: str = "",
    first_response: datetime | None = None,
    first_key: str | None = None,
    resolved_key: str = "",
) -> TicketRecord | None:
    """Check the timestamps' order and build the record once the row has no errors."""
    if opened_key:
        opened = row.moment(opened_key, required=True)
    cell = row.text(priority_key)
    priority = row.convert(priority_key, priority_of) if cell not in ("", "-") else None
    if priority is None and cell in ("", "-"):
        row.fail(priority_key, f"{row.columns.label(priority_key)} is missing")
    resolved = row.moment(resolved_key) if resolved_key else None
    if opened and resolved and resolved < opened:
        row.fail(resolved_key, "the ticket is resolved before it was opened")
    if opened and first_response and first_response < opened:
        row.fail(first_key, "the first response is before the ticket was opened")
    elif resolved and first_response and first_response > resolved:
        row.fail(first_key, "the first response is after the ticket was resolved")
    if not row.ok or opened is None or priority is None or category is None:
        return None
    key = external_id or ids.derive(row.number, hint, opened, summary)
    return TicketRecord(row.number, key, hint, priority, category, opened, first_response, resolved, summary)
