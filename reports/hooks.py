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


def _send_recompute() -> None:
    from engagements.queue import send_task_now
    from reports.services.jobs import RECOMPUTE_CHANGED_TASK

    send_task_now(RECOMPUTE_CHANGED_TASK, {}, after_response=True)


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
