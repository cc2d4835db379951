"""A client posting batch after batch queues one recompute at a time, not one per batch (issue 12)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from engagements.models import Contractor
from engagements.services.entries import time_entry_create
from reports import hooks
from tests.factories import ContractorFactory, EngagementFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch, settings: Any) -> list[str]:
    """Coalescing on, under a key of this test's own; the recompute recorded as sent, not run."""
    settings.RECOMPUTE_COALESCE_SECONDS = 60
    monkeypatch.setattr(hooks, "RECOMPUTE_PENDING_KEY", f"test-pending-{uuid.uuid4()}")
    calls: list[str] = []
    import engagements.queue

    monkeypatch.setattr(engagements.queue, "send_task_now", lambda name, kwargs, **_: calls.append(name) or True)
    yield calls
    cache.delete(hooks.RECOMPUTE_PENDING_KEY)


@pytest.fixture
def contractor() -> Contractor:
    return ContractorFactory(engagement=EngagementFactory(start_date=dt.date(2026, 1, 1)))


def _commit_an_entry(contractor: Contractor, day: int) -> None:
    with transaction.atomic():
        time_entry_create(contractor=contractor, date=dt.date(2026, 3, day), hours=Decimal("1.00"))


def test_writes_committed_while_a_recompute_waits_send_no_other(contractor: Contractor, sent: list[str]) -> None:
    for day in (2, 3, 4):
        _commit_an_entry(contractor, day)
    assert sent == ["reports.recompute_changed"]


def test_a_recompute_that_started_lets_the_next_write_send_again(contractor: Contractor, sent: list[str]) -> None:
    _commit_an_entry(contractor, 2)
    hooks.recompute_started()
    _commit_an_entry(contractor, 3)
    assert sent == ["reports.recompute_changed", "reports.recompute_changed"]


def test_without_coalescing_every_commit_sends(contractor: Contractor, sent: list[str], settings: Any) -> None:
    settings.RECOMPUTE_COALESCE_SECONDS = 0
    for day in (2, 3):
        _commit_an_entry(contractor, day)
    assert sent == ["reports.recompute_changed"] * 2


def test_a_cache_that_fails_costs_no_recompute(
    contractor: Contractor, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: object, **kwargs: object) -> bool:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", down)
    for day in (2, 3):
        _commit_an_entry(contractor, day)
    assert sent == ["reports.recompute_changed"] * 2


def test_the_recompute_task_clears_the_flag_before_it_claims_the_marks(sent: list[str]) -> None:
    from reports.tasks import recompute_changed

    assert cache.add(hooks.RECOMPUTE_PENDING_KEY, "1", timeout=60)
    recompute_changed()
    assert cache.get(hooks.RECOMPUTE_PENDING_KEY) is None


def test_with_a_broker_the_recompute_starts_after_the_delay_so_the_next_batches_join_it(
    contractor: Contractor, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.RECOMPUTE_DELAY_SECONDS = 5
    calls: list[tuple[str, float]] = []
    import engagements.queue

    monkeypatch.setattr(
        engagements.queue, "send_task_now", lambda name, kwargs, countdown=0, **_: calls.append((name, countdown))
    )
    _commit_an_entry(contractor, 2)
    assert calls == [("reports.recompute_changed", 5)]
