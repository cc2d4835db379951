"""Stored months and their versions: which months an upgrade left behind, and recomputing months in-process.

Reports and snapshots are stored documents: code that changes how they are
built (REPORT_VERSION, FIGURES_VERSION) leaves the stored ones as they were
until their month is recomputed. The `recompute` command and the beat's
`reports.recompute_outdated` job use these to bring them up to date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from billing.selectors.registered import closed_months_among
from kernel.months import first_of
from reports.models import ComparisonReport, JobKind, JobState, MonthlySnapshot, RecomputeJob
from reports.services.builder.report import REPORT_VERSION, affected_report_months, report_build
from reports.services.jobs import job_fail, month_batch_compute, month_job_finalize, month_job_start
from reports.services.snapshots import FIGURES_VERSION


def stored_months() -> list[dt.date]:
    """Return every month with a stored snapshot or report, oldest first."""
    snapshots = MonthlySnapshot.objects.order_by().values_list("month", flat=True).distinct()
    reports = ComparisonReport.objects.order_by().values_list("month", flat=True)
    return sorted(set(snapshots) | set(reports))


def outdated_report_months() -> set[dt.date]:
    """Return the months whose stored report was built by an older REPORT_VERSION."""
    old = Q(payload__version__lt=REPORT_VERSION) | Q(payload__version__isnull=True)
    return set(ComparisonReport.objects.filter(old).values_list("month", flat=True))


def outdated_snapshot_months() -> set[dt.date]:
    """Return the open months with a snapshot computed by an older FIGURES_VERSION.

    A closed month's snapshots are final (snapshots_compute never moves
    them), so they cannot be brought up to date and are left out: otherwise
    they would be picked again on every run.
    """
    old = Q(inputs__version__lt=FIGURES_VERSION) | Q(inputs__version__isnull=True)
    months = set(MonthlySnapshot.objects.filter(old).order_by().values_list("month", flat=True).distinct())
    return months - closed_months_among(months)


def outdated_months() -> list[dt.date]:
    """Return the months an upgrade left behind (old report or old open-month snapshots), oldest first."""
    return sorted(outdated_report_months() | outdated_snapshot_months())


def report_is_outdated(payload: dict[str, object] | None) -> bool:
    """Tell whether a stored report's payload was built by an older version of the report."""
    if not payload:
        return False
    version = payload.get("version")
    return not isinstance(version, int) or version < REPORT_VERSION


@dataclass(frozen=True)
class MonthOutcome:
    """What recomputing one month in-process did."""

    month: dt.date
    job_id: int
    engagements: int
    snapshots_changed: int
    report_changed: bool


def _report_stamp(month: dt.date) -> dt.datetime | None:
    return ComparisonReport.objects.filter(month=month).values_list("computed_at", flat=True).first()


def month_recompute_in_process(
    month: dt.date, engagement_id: int | None = None, *, rebuild_later: bool = True
) -> MonthOutcome:
    """Recompute a month (or one engagement-month) now, in this process, as a worker would; return what changed.

    The same steps as the month job's tasks (start, batches, finalize) on a
    job recorded like theirs, so the pages show it; whatever the broker
    settings, nothing is sent to the workers. Idempotent: unchanged inputs
    leave snapshots and reports (and their computed_at) as they were.
    Without rebuild_later, the later reports whose trends show the month are
    left to later_reports_rebuild (many months: each report built once).
    """
    month = first_of(month)
    job = RecomputeJob.objects.create(month=month, engagement_id=engagement_id, kind=JobKind.MONTH)
    started, before = timezone.now(), _report_stamp(month)
    try:
        batches = month_job_start(job=job)
        for batch in batches:
            month_batch_compute(job=job, engagement_ids=batch)
        job.refresh_from_db()
        month_job_finalize(job=job, compute_missing=True, rebuild_later=rebuild_later)
    except Exception as exc:
        job_fail(job_id=job.pk, error=f"{type(exc).__name__}: {exc}")
        raise
    job.refresh_from_db()
    scope = MonthlySnapshot.objects.filter(month=month, computed_at__gte=started)
    if engagement_id is not None:
        scope = scope.filter(engagement_id=engagement_id)
    return MonthOutcome(
        month=month,
        job_id=job.pk,
        engagements=job.total,
        snapshots_changed=scope.count(),
        report_changed=job.state == JobState.DONE and _report_stamp(month) != before,
    )


def later_reports_rebuild(months: Collection[dt.date]) -> list[tuple[dt.date, bool]]:
    """Rebuild, once each and oldest first, the stored reports after these months whose trends show one of them.

    Return each rebuilt month with whether its report changed.
    """
    done = set(months)
    rebuilt = []
    for later in affected_report_months(done):
        if later in done:
            continue
        now = timezone.now()
        rebuilt.append((later, report_build(month=later, now=now).computed_at == now))
    return rebuilt
