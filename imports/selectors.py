"""Reads of the imports app."""

from __future__ import annotations

import csv

from django.contrib.contenttypes.models import ContentType
from django.db import models

from imports.models import ImportedRow, ImportJob


def provenance_of(obj: models.Model) -> ImportedRow | None:
    """Return the file and line a record last came from, if it was imported."""
    content_type = ContentType.objects.get_for_model(type(obj))
    return ImportedRow.objects.select_related("file").filter(content_type=content_type, object_id=obj.pk).first()


# Header signatures of each format, most specific first: every group must have one of its names
# (compared case-folded, except Clockify's "Start Date", which Toggl writes "Start date").
SIGNATURES: tuple[tuple[str, str, tuple[tuple[str, ...], ...]], ...] = (
    ("outages", "generic", (("service",), ("started_at",))),
    ("tickets", "generic", (("priority",), ("category",), ("opened_at",))),
    ("timesheets", "generic", (("contractor",), ("date",), ("hours",))),
    ("tickets", "jira", (("issue type",), ("created",), ("issue key", "issue id", "key"))),
    ("tickets", "zendesk", (("id", "ticket id"), ("created at", "requested", "created"), ("ticket type", "type"))),
    ("timesheets", "harvest", (("first name",), ("last name",), ("hours",))),
    ("timesheets", "clockify", (("user",), ("Start Date", "duration (h)", "duration (decimal)"))),
    ("timesheets", "toggl", (("user", "member"), ("start date",), ("duration",))),
    ("timesheets", "kimai", (("date", "datum"), ("project", "projekt"), ("duration", "dauer"))),
    ("outages", "uptimerobot", (("event", "event type"), ("monitor", "monitor name", "friendly name"))),
)
HEAD_BYTES = 64 * 1024


def header_of(head: bytes) -> list[str]:
    """Return the column names of a file's first line (any usual delimiter; BOM and quotes removed)."""
    text = head[:HEAD_BYTES].decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max(",;\t|", key=first.count)
    return [name.strip() for name in next(csv.reader([first], delimiter=delimiter), [])]


def format_detect(head: bytes) -> tuple[str, str] | None:
    """Return the (kind, format) a file's header belongs to, or None when no signature fits."""
    names = header_of(head)
    folded = {name.casefold() for name in names}
    for kind, fmt, groups in SIGNATURES:
        if all(any(_has(alias, names, folded) for alias in group) for group in groups):
            return kind, fmt
    return None


def _has(alias: str, names: list[str], folded: set[str]) -> bool:
    return alias in names if alias != alias.casefold() else alias in folded


def import_jobs_recent(*, limit: int = 20) -> list[ImportJob]:
    """Return the latest import jobs with who asked (one query)."""
    return list(ImportJob.objects.select_related("requested_by", "engagement", "import_file")[:limit])
