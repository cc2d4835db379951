"""Issue 13: identical batches sent at once: the loser of the race on (source, external_id) answers 409, never 400/500.

PostgreSQL only: a race needs two connections at once on one database (CI's
PostgreSQL stage); the SQLite test database is one in-memory connection.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import pytest
from django.db import connection, connections

from engagements.models import TimeEntry
from tests.api.conftest import build_world, token_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROUNDS = 20
ROWS = 40


def at_once(*calls: Any) -> list[Any]:
    """Run the calls in threads released together, each on its own connection; return their results."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Any) -> None:
        try:
            start.wait()
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_identical_batches_at_once_answer_200_or_a_retryable_409(operations_user) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a race needs two connections at once: PostgreSQL (set DATABASE_URL, as CI's PostgreSQL stage)")
    world = build_world()
    clients = [token_client(operations_user), token_client(operations_user)]
    statuses: list[int] = []
    for round_ in range(ROUNDS):
        batch = [
            {
                "contractor": world.anna.pk,
                "date": f"2026-05-{1 + i % 28:02d}",
                "hours": "0.10",
                "source": "race",
                "external_id": f"r{round_}-{i}",
            }
            for i in range(ROWS)
        ]
        answers = at_once(*(lambda c=c, b=batch: c.post("/api/v1/time-entries/", b, format="json") for c in clients))
        for answer in answers:
            assert not isinstance(answer, BaseException), answer
            assert answer.status_code in (200, 409), (answer.status_code, answer.json())
            if answer.status_code == 409:
                [error] = answer.json()["errors"]
                assert error["row"] is None and "again" in error["message"]
                # Retryable: sending it again answers 200 (every row unchanged).
                again = clients[0].post("/api/v1/time-entries/", batch, format="json")
                assert again.status_code == 200 and again.json()["unchanged"] == ROWS
            statuses.append(answer.status_code)
        assert TimeEntry.objects.filter(source="race", external_id__startswith=f"r{round_}-").count() == ROWS
    assert 200 in statuses
    print(f"statuses: 200 x {statuses.count(200)}, 409 x {statuses.count(409)}")


def test_two_batches_at_once_that_together_pass_24_hours_for_a_day_one_is_refused(operations_user) -> None:
    """Each batch is fine alone (13 h for Anna on a day); sent at once, one answers 400 on hours, never both 200.

    Whichever check sees the other batch refuses: the service's own (it committed first) or the database's
    statement-level rule (both passed the service's check; the second to take the contractor's lock is refused).
    """
    if connection.vendor != "postgresql":
        pytest.skip("a race needs two connections at once: PostgreSQL (set DATABASE_URL, as CI's PostgreSQL stage)")
    world = build_world()
    clients = [token_client(operations_user), token_client(operations_user)]
    for round_ in range(ROUNDS):
        day = f"2026-06-{1 + round_:02d}"
        batches = [
            [
                {
                    "contractor": world.anna.pk,
                    "date": day,
                    "hours": "13.00",
                    "source": "day",
                    "external_id": f"{side}{round_}",
                },
                {
                    "contractor": world.ben.pk,
                    "date": day,
                    "hours": "1.00",
                    "source": "day",
                    "external_id": f"{side}b{round_}",
                },
            ]
            for side in "xy"
        ]
        answers = at_once(
            *(
                lambda c=c, b=b: c.post("/api/v1/time-entries/", b, format="json")
                for c, b in zip(clients, batches, strict=True)
            )
        )
        codes = sorted(answer.status_code for answer in answers)
        assert codes == [200, 400], [(a.status_code, a.content[:300]) for a in answers]
        [refusal] = [answer.json()["errors"] for answer in answers if answer.status_code == 400]
        assert {error["field"] for error in refusal} == {"hours"}, refusal
        assert all("24" in error["message"] for error in refusal), refusal
        stored = TimeEntry.objects.filter(contractor=world.anna, date=day).values_list("hours", flat=True)
        assert sum(stored) == 13


def test_changes_of_the_same_rows_at_once_leave_an_unbroken_audit_chain(operations_user) -> None:
    """Two batches changing the same stored rows at once: each audit row's "before" is the other's "after".

    The write locks the rows it changes before reading their "before" (in id order), so the second
    batch waits, reads what the first stored, and audits from there: no change is recorded from a
    value that was no longer stored.
    """
    if connection.vendor != "postgresql":
        pytest.skip("a race needs two connections at once: PostgreSQL (set DATABASE_URL, as CI's PostgreSQL stage)")
    from engagements.models import AuditLog

    world = build_world()
    clients = [token_client(operations_user), token_client(operations_user)]

    def batch(hours: str) -> list[dict[str, Any]]:
        return [
            {
                "contractor": world.anna.pk,
                "date": f"2026-05-{1 + i:02d}",
                "hours": hours,
                "source": "chain",
                "external_id": f"c{i}",
            }
            for i in range(20)
        ]

    assert clients[0].post("/api/v1/time-entries/", batch("1.00"), format="json").status_code == 200
    for round_ in range(ROUNDS // 4):
        answers = at_once(
            *(
                lambda c=c, h=h: c.post("/api/v1/time-entries/", batch(h), format="json")
                for c, h in zip(clients, (f"2.{round_:02d}", f"3.{round_:02d}"), strict=True)
            )
        )
        assert all(getattr(answer, "status_code", None) == 200 for answer in answers), answers
    for entry in TimeEntry.objects.filter(source="chain"):
        trail = AuditLog.objects.filter(content_type__model="timeentry", object_id=entry.pk).order_by("id")
        hours = [row.changes["hours"] for row in trail if "hours" in row.changes]
        assert all(after[1] == before[0] for after, before in itertools.pairwise(hours)), hours
        assert hours[-1][1] == str(entry.hours)
