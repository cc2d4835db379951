"""The beat schedule: every app's periodic jobs in one list, created after migrate and then left to the admin.

The wiring layer names each app's task by its registered name. `sync_schedule` only adds the jobs that
are missing, so an interval, crontab, kwargs or `enabled` changed in the admin survives every migrate.
A job is found by its name or its task, so renaming one in the admin does not bring a copy back;
deleting one does (the next migrate creates it again): disable a job to stop it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q


@dataclass(frozen=True)
class Job:
    """One periodic job: every `minutes`, or at a crontab (minute, hour, day of month) in the site's zone."""

    name: str
    task: str
    minutes: int | None = None
    crontab: tuple[str, str, str] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


SCHEDULE = (
    Job("Worker heartbeat", "engagements.heartbeat", minutes=1),
    Job("Re-send tasks queued while the broker was down", "engagements.resend_pending_tasks", minutes=5),
    Job("Refresh the SLA clocks of unresolved tickets", "sla.refresh_running_clocks", minutes=15),
    Job("Reports: recompute changed months", "reports.recompute_changed", minutes=5),
    Job("Reports: resume stalled jobs", "reports.resume_stalled_jobs", minutes=15),
    Job("Reports: recompute months built by an older version", "reports.recompute_outdated", minutes=60),
    Job("Imports: fail abandoned jobs, delete old uploads", "imports.sweep_jobs", minutes=15),
    Job("Reports: compute the current month (nightly)", "reports.compute_current_month", crontab=("30", "2", "*")),
    Job(
        "Reports: close the previous month and email Leadership (1st)",
        "reports.compute_previous_month",
        crontab=("0", "6", "1"),
        kwargs={"send_email": True},
    ),
)


def schedule_of(job: Job) -> dict[str, Any]:
    """Return the `interval` or `crontab` of a new periodic task for the job (schedules are shared rows)."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    if job.crontab is not None:
        minute, hour, day_of_month = job.crontab
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month=day_of_month,
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        return {"crontab": crontab}
    assert job.minutes is not None, f"{job.name} has neither minutes nor a crontab"
    every, _ = IntervalSchedule.objects.get_or_create(every=job.minutes, period=IntervalSchedule.MINUTES)
    return {"interval": every}


def sync_schedule(jobs: tuple[Job, ...] = SCHEDULE) -> list[str]:
    """Create the jobs the beat schedule lacks and return their names; never change an existing row."""
    from django_celery_beat.models import PeriodicTask

    names, tasks = [job.name for job in jobs], [job.task for job in jobs]
    present = PeriodicTask.objects.filter(Q(name__in=names) | Q(task__in=tasks)).values_list("name", "task")
    known = {value for row in present for value in row}
    created = []
    for job in jobs:
        if job.name in known or job.task in known:
            continue
        PeriodicTask.objects.create(name=job.name, task=job.task, kwargs=json.dumps(job.kwargs), **schedule_of(job))
        created.append(job.name)
    return created
