"""Changed-month marks: the hand-off from writers to the snapshot jobs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Q
from django.utils import timezone

from engagements.models import ChangedMonth
from kernel.months import first_of

MarkListener = Callable[[set[tuple[int, dt.date]]], None]
RemovalListener = Callable[[set[dt.date]], None]
_listeners: list[MarkListener] = []
_removal_listeners: list[RemovalListener] = []


def register_mark_listener(listener: MarkListener) -> None:
    """Let a higher app (reports) react to new marks, e.g. queue a recompute after commit."""
    if listener not in _listeners:
        _listeners.append(listener)


def register_removal_listener(listener: RemovalListener) -> None:
    """Let a higher app (reports) react to an engagement deleted with the months it spanned."""
    if listener not in _removal_listeners:
        _removal_listeners.append(listener)


def forget_engagements(keys: Iterable[tuple[int, dt.date]]) -> set[dt.date]:
    """Hand on the months of deleted engagements: no mark can name them (their rows are gone).

    Their own marks and snapshots went with them (CASCADE); what is left to
    do is a month-wide result that counted them (reports rebuild the
    comparison report of those months). Returns the months handed on.
    """
    months = {first_of(month) for _, month in keys}
    if months:
        for listener in _removal_listeners:
            listener(months)
    return months


def mark_months_changed(keys: Iterable[tuple[int, dt.date]], *, reason: str = "") -> int:
    """Mark (engagement, month) pairs as needing recompute, in the caller's transaction."""
    now = timezone.now()
    marks = [
        ChangedMonth(engagement_id=engagement_id, month=first_of(month), marked_at=now, reason=reason[:200])
        for engagement_id, month in sorted(set(keys))
    ]
    if not marks:
        return 0
    # One upsert: the unique (engagement, month) keeps one row and moves
    # marked_at forward, so a job that claimed the older mark will not clear it.
    ChangedMonth.objects.bulk_create(
        marks,
        update_conflicts=True,
        unique_fields=["engagement", "month"],
        update_fields=["marked_at", "reason"],
        batch_size=500,
    )
    keys = {(mark.engagement_id, mark.month) for mark in marks}
    for listener in _listeners:
        listener(keys)
    return len(marks)


def claim_changed_months(*, worker: str, limit: int, stale_after: dt.timedelta) -> list[ChangedMonth]:
    """Claim up to `limit` unclaimed (or abandoned) marks with a conditional update; return them."""
    now = timezone.now()
    claimable = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - stale_after)
    claimed: list[ChangedMonth] = []
    for mark in ChangedMonth.objects.filter(claimable).order_by("month", "engagement_id")[: limit * 2]:
        # The row count tells whether we won the race against another worker.
        won = ChangedMonth.objects.filter(claimable, pk=mark.pk, marked_at=mark.marked_at).update(
            claimed_at=now, claimed_by=worker[:200]
        )
        if won:
            mark.claimed_at, mark.claimed_by = now, worker
            claimed.append(mark)
        if len(claimed) >= limit:
            break
    return claimed


def release_changed_month(mark: ChangedMonth) -> bool:
    """Clear a claimed mark unless it was marked again meanwhile; return whether it was cleared."""
    deleted, _ = ChangedMonth.objects.filter(pk=mark.pk, marked_at=mark.marked_at).delete()
    if not deleted:
        ChangedMonth.objects.filter(pk=mark.pk).update(claimed_at=None, claimed_by="")
    return bool(deleted)


__all__ = [
    "claim_changed_months",
    "forget_engagements",
    "mark_months_changed",
    "register_mark_listener",
    "register_removal_listener",
    "release_changed_month",
]
