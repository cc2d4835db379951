"""Send tasks without ever letting the broker get in the way of a save."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, current_app
from django.db import transaction

from engagements.models import PendingTask

log = logging.getLogger(__name__)


def send_task_now(name: str, kwargs: dict[str, Any], *, app: Celery | None = None) -> bool:
    """Send a task; on a broker failure record it as pending and return False."""
    # The project's app (config.celery) is the current one; naming it would import the wiring layer.
    app = app or current_app
    if app.conf.task_always_eager:
        # No broker: run in-process, and let its errors reach the caller.
        if name not in app.tasks:
            # Workers import every app's tasks module at start; in-process we must ask.
            app.loader.import_default_modules()
        app.tasks[name].apply(kwargs=kwargs, throw=True)
        return True
    try:
        # The queue is named on every send: Celery caches its router's default
        # queue at first use, and the setting is the one source of truth.
        app.send_task(name, kwargs=kwargs, queue=app.conf.task_default_queue)
        return True
    except Exception as exc:  # noqa: BLE001 - any broker error must not fail the caller's save
        log.warning("Could not send %s (%s); kept as pending", name, exc)
        PendingTask.objects.create(task_name=name, kwargs=kwargs, error=f"{type(exc).__name__}: {exc}"[:2000])
        return False


def enqueue_on_commit(name: str, **kwargs: Any) -> None:
    """Send a task once the current transaction commits (never before the data it reads exists)."""
    transaction.on_commit(lambda: send_task_now(name, kwargs))


def resend_pending(*, limit: int, app: Celery | None = None) -> int:
    """Try the pending tasks again, oldest first; return how many were sent."""
    app = app or current_app
    sent = 0
    for pending in PendingTask.objects.order_by("created_at")[:limit]:
        try:
            app.send_task(pending.task_name, kwargs=pending.kwargs, queue=app.conf.task_default_queue)
        except Exception as exc:  # noqa: BLE001 - still down: try again on the next beat
            PendingTask.objects.filter(pk=pending.pk).update(attempts=pending.attempts + 1, error=str(exc)[:2000])
            break
        pending.delete()
        sent += 1
    return sent
