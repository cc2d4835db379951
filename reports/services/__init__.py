"""Writes of the reports app: snapshots, reports, jobs, checklists and the monthly email."""

from reports.services.builder.report import build_payload, report_build
from reports.services.jobs import (
    changed_months_recompute,
    month_job_finalize,
    month_job_resume,
    month_job_start,
    recompute_month_request,
    stalled_jobs_resume,
)
from reports.services.snapshots import snapshots_compute

__all__ = [
    "build_payload",
    "changed_months_recompute",
    "month_job_finalize",
    "month_job_resume",
    "month_job_start",
    "recompute_month_request",
    "report_build",
    "snapshots_compute",
    "stalled_jobs_resume",
]
