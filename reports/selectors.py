"""Reads of the reports app, for the pages, the exports and the API (a constant number of queries)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, QuerySet

from billing.models import ExchangeRate
from engagements.models import ChangedMonth
from kernel.months import add_months, current_month, first_of
from reports.models import ComparisonReport, JobState, MonthlySnapshot, RecomputeJob
from reports.services.builder.data import WINDOW_MONTHS
from reports.services.builder.quality import exchange_gaps, gaps_of_rows, sort_key
from reports.services.scorecards import sort_scorecards, vendor_scorecards

__all__ = [
    "MonthStatus",
    "data_gaps",
    "latest_report_month",
    "month_status",
    "months_overview",
    "recent_jobs",
    "report_for",
    "report_payload",
    "snapshots_for",
    "sort_scorecards",
    "vendor_scorecards",
]


@dataclass(frozen=True)
class MonthStatus:
    """What a reader needs to know about a month's report: when computed, stale or fresh, a job running."""

    month: dt.date
    computed_at: dt.datetime | None
    verified_at: dt.datetime | None
    pending_marks: int
    stale: bool
    job: RecomputeJob | None

    @property
    def state(self) -> str:
        if self.computed_at is None:
            return "missing"
        return "stale" if self.stale else "fresh"


def snapshots_for(month: dt.date, engagement_ids: list[int] | None = None) -> QuerySet[MonthlySnapshot]:
    """Return a month's snapshots with their engagement, service area and vendor."""
    qs = MonthlySnapshot.objects.filter(month=first_of(month)).select_related(
        "engagement__service_area", "engagement__vendor"
    )
    if engagement_ids is not None:
        qs = qs.filter(engagement_id__in=engagement_ids)
    return qs.order_by("engagement__service_area__name", "engagement__model", "engagement__name")


def report_for(month: dt.date) -> ComparisonReport | None:
    """Return a month's stored report, or None."""
    return ComparisonReport.objects.filter(month=first_of(month)).first()


def report_payload(month: dt.date) -> dict[str, Any] | None:
    """Return a month's report as JSON-ready data (what the pages render), or None."""
    report = report_for(month)
    return None if report is None else report.payload


def latest_report_month() -> dt.date | None:
    """Return the newest month with a report, preferring months already over (the current one is partial)."""
    months = ComparisonReport.objects.order_by("-month").values_list("month", flat=True)
    return months.filter(month__lt=current_month()).first() or months.first()


def _active_jobs() -> dict[dt.date, RecomputeJob]:
    jobs: dict[dt.date, RecomputeJob] = {}
    for job in RecomputeJob.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING]).order_by("requested_at"):
        jobs.setdefault(job.month, job)
    return jobs


def _status(
    month: dt.date,
    report: Mapping[str, Any] | None,
    marks: dict[dt.date, int],
    latest: dict[dt.date, dt.datetime],
    jobs: dict[dt.date, RecomputeJob],
) -> MonthStatus:
    window = [add_months(month, -k) for k in range(WINDOW_MONTHS)]
    pending = sum(marks.get(m, 0) for m in window)
    verified = report["verified_at"] if report else None
    newer = any(latest.get(m) and verified and latest[m] > verified for m in window)
    return MonthStatus(
        month=month,
        computed_at=report["computed_at"] if report else None,
        verified_at=verified,
        pending_marks=pending,
        stale=bool(pending or newer),
        job=jobs.get(month),
    )


def months_overview() -> list[MonthStatus]:
    """Return every month with a report, snapshots or a job, newest first, with its status (4 queries)."""
    reports = {row["month"]: row for row in ComparisonReport.objects.values("month", "computed_at", "verified_at")}
    marks = dict(ChangedMonth.objects.order_by().values("month").annotate(n=Count("pk")).values_list("month", "n"))
    latest = dict(
        MonthlySnapshot.objects.order_by().values("month").annotate(at=Max("computed_at")).values_list("month", "at")
    )
    jobs = _active_jobs()
    months = sorted(set(reports) | set(latest) | set(jobs), reverse=True)
    return [_status(m, reports.get(m), marks, latest, jobs) for m in months]


def month_status(month: dt.date) -> MonthStatus:
    """Return one month's status (4 queries)."""
    month = first_of(month)
    first = add_months(month, -(WINDOW_MONTHS - 1))
    report = ComparisonReport.objects.filter(month=month).values("month", "computed_at", "verified_at").first()
    marks = dict(
        ChangedMonth.objects.filter(month__gte=first, month__lte=month)
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    latest = dict(
        MonthlySnapshot.objects.filter(month__gte=first, month__lte=month)
        .order_by()
        .values("month")
        .annotate(at=Max("computed_at"))
        .values_list("month", "at")
    )
    job = (
        RecomputeJob.objects.filter(month=month, state__in=[JobState.QUEUED, JobState.RUNNING])
        .order_by("requested_at")
        .first()
    )
    return _status(month, report, marks, latest, {month: job} if job else {})


def recent_jobs(limit: int = 10) -> list[RecomputeJob]:
    """Return the latest jobs, for the months page."""
    return list(RecomputeJob.objects.select_related("engagement").order_by("-requested_at", "-id")[:limit])


def data_gaps(month: dt.date) -> list[dict[str, Any]]:
    """Return a month's data gaps from the stored snapshots (domain.md "Data completeness"; two queries).

    The same dicts as the report's `data_quality`: kind, month, engagement,
    engagement_name, subject, subject_id, hours, tickets, message.
    """
    month = first_of(month)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in MonthlySnapshot.objects.filter(month=month)
        .order_by("engagement_id")
        .values("engagement_id", "month", "currency", "data_quality", name=F("engagement__name"))
    ]
    foreign = {row["currency"] for row in rows} - {settings.BASE_CURRENCY}
    rates: dict[tuple[dt.date, str], Any] = {}
    if foreign:
        known = ExchangeRate.objects.filter(month=month, currency__in=foreign).values_list("currency", "rate_to_base")
        rates = {(month, currency): value for currency, value in known}
    return sorted(gaps_of_rows(rows) + exchange_gaps(rows, rates), key=sort_key)
