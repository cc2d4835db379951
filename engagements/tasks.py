"""Thin Celery entry points of the engagements app."""

from __future__ import annotations

import socket

from celery import shared_task
from django.utils import timezone

from engagements.models import WorkerHeartbeat
from engagements.queue import resend_pending

PENDING_BATCH = 500


# No retries: the beat sends the next heartbeat a minute later anyway.
@shared_task(name="engagements.heartbeat", ignore_result=True)
def heartbeat(hostname: str = "") -> str:
    """Record that a worker is alive (and can reach the database)."""
    name = hostname or socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(hostname=name, defaults={"seen_at": timezone.now()})
    return name


# No retries: a broker still down is tried again on the next beat.
@shared_task(name="engagements.resend_pending_tasks", ignore_result=True)
def resend_pending_tasks() -> int:
    """Re-send the tasks that could not be queued while the broker was away."""
    return resend_pending(limit=PENDING_BATCH)
