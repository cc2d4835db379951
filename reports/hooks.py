"""Recompute after every write that marks a month.

engagements.services.marks calls its listeners with the (engagement, month)
pairs it marked, inside the writer's transaction. This listener asks for the
changed-months job to run once that transaction commits (once per
transaction, however many rows it wrote). The beat job picks up anything left
over every few minutes. Without a broker the job runs in-process after the
response of the request that wrote (engagements.queue): a save does not wait
for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

_deferred: ContextVar[bool] = ContextVar("reports_recompute_deferred", default=False)


@contextlib.contextmanager
def recompute_deferred() -> Iterator[None]:
    """Write many facts without a recompute after each commit (bulk seeds, imports); recompute once after."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


# Set when a recompute is sent, cleared when one starts: writes committed meanwhile (a client
# posting batch after batch) are picked up by the one already waiting, instead of queueing a
# recompute of the same months per batch. The cache is the broker's Redis (shared with the
# workers) or, without a broker, the process's own memory (the tasks run in it). A lost task
# leaves the flag to expire; its marks are in the database for the beat job meanwhile.
RECOMPUTE_PENDING_KEY = "reports:recompute-changed:pending"


def _send_recompute() -> None:
    from engagements.queue import send_task_now
    from reports.services.jobs import RECOMPUTE_CHANGED_TASK

    if _recompute_already_waiting():
        return
    send_task_now(RECOMPUTE_CHANGED_TASK, {}, after_response=True, countdown=settings.RECOMPUTE_DELAY_SECONDS)


def _recompute_already_waiting() -> bool:
    seconds = settings.RECOMPUTE_COALESCE_SECONDS
    if not seconds:
        return False
    try:
        return not cache.add(RECOMPUTE_PENDING_KEY, "1", timeout=seconds)
    except Exception:  # noqa: BLE001 - a cache that is down must not cost a recompute
        return False


def recompute_started() -> None:
    """Let the next write send a recompute again: this one may have claimed the marks before it."""
    with contextlib.suppress(Exception):
        cache.delete(RECOMPUTE_PENDING_KEY)


def recompute_after_commit(keys: set[Any]) -> None:
    """Queue the changed-months job after the marking transaction commits."""
    if not keys or _deferred.get() or not connection.in_atomic_block:
        return
    if any(entry[1] is _send_recompute for entry in connection.run_on_commit):
        return
    transaction.on_commit(_send_recompute)


def rebuild_after_removal(months: set[Any]) -> None:
    """Rebuild, after commit, the stored reports of the months a deleted engagement spanned.

    Its snapshots went with it (CASCADE), so no changed mark can name it; the
    reports built from them are rebuilt from the snapshots that remain.
    """
    from engagements.queue import enqueue_on_commit
    from reports.models import ComparisonReport

    built = sorted(ComparisonReport.objects.filter(month__in=months).values_list("month", flat=True))
    if built:
        enqueue_on_commit("reports.rebuild_reports", after_response=True, months=[m.isoformat() for m in built])
