"""List POSTs: one object or a list, upserted on (source, external_id), all or nothing, named bad rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import period_close
from engagements.models import AuditLog, ChangedMonth, TimeEntry
from sla.models import Outage, Ticket

pytestmark = pytest.mark.django_db


def entries(
    world: Any, count: int, *, source: str = "harvest", start: int = 0, hours: str = "2.00"
) -> list[dict[str, Any]]:
    return [
        {
            "contractor": world.anna.pk if i % 2 == 0 else world.ben.pk,
            "date": (dt.date(2026, 5, 1) + dt.timedelta(days=i % 28)).isoformat(),
            "hours": hours,
            "description": f"Row {i}",
            "source": source,
            "external_id": f"E-{i}",
        }
        for i in range(start, start + count)
    ]


def test_one_object_is_created_and_answers_the_row(world, ops_api) -> None:
    response = ops_api.post("/api/v1/time-entries/", entries(world, 1)[0], format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["hours"] == "2.00"
    assert response.json()["engagement"] == world.staff_aug.pk


def test_the_same_object_again_answers_200_and_changes_nothing(world, ops_api) -> None:
    row = entries(world, 1)[0]
    ops_api.post("/api/v1/time-entries/", row, format="json")
    audit_rows = AuditLog.objects.count()
    again = ops_api.post("/api/v1/time-entries/", row, format="json")
    assert again.status_code == 200
    assert AuditLog.objects.count() == audit_rows


def test_a_list_is_upserted_and_the_same_batch_twice_creates_nothing(world, ops_api) -> None:
    batch = entries(world, 10)
    first = ops_api.post("/api/v1/time-entries/", batch, format="json")
    assert first.status_code == 200, first.json()
    # `warnings` (hours without a bill rate) is tested in tests/engagements/test_missing_rates.py.
    counts = first.json() | {"ids": None, "warnings": None}
    assert counts == {"created": 10, "updated": 0, "unchanged": 0, "ids": None, "warnings": None}
    stored = TimeEntry.objects.count()
    audit_rows = AuditLog.objects.count()
    second = ops_api.post("/api/v1/time-entries/", batch, format="json")
    assert second.json()["created"] == 0 and second.json()["unchanged"] == 10
    assert second.json()["ids"] == first.json()["ids"]
    assert TimeEntry.objects.count() == stored and AuditLog.objects.count() == audit_rows


def test_a_changed_row_is_updated_in_place(world, ops_api) -> None:
    batch = entries(world, 3)
    ops_api.post("/api/v1/time-entries/", batch, format="json")
    batch[1]["hours"] = "3.25"
    answer = ops_api.post("/api/v1/time-entries/", batch, format="json").json()
    assert (answer["created"], answer["updated"], answer["unchanged"]) == (0, 1, 2)
    assert TimeEntry.objects.get(source="harvest", external_id="E-1").hours == Decimal("3.25")


def test_a_batch_with_one_bad_row_stores_nothing_and_names_that_row_and_field(world, ops_api) -> None:
    batch = entries(world, 5)
    batch[3]["hours"] = "25"
    before = TimeEntry.objects.count()
    response = ops_api.post("/api/v1/time-entries/", batch, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"row": 3, "field": "hours", "message": "Hours must be more than 0 and at most 24."}]
    }
    assert TimeEntry.objects.count() == before


def test_field_errors_of_several_rows_are_all_named(world, ops_api) -> None:
    batch = entries(world, 4)
    batch[0]["contractor"] = 999_999
    batch[2]["date"] = "2025-12-31"
    errors = ops_api.post("/api/v1/time-entries/", batch, format="json").json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(0, "contractor"), (2, "date")]
    assert "within the engagement's dates" in errors[1]["message"]


def test_a_key_repeated_within_a_batch_is_refused(world, ops_api) -> None:
    batch = entries(world, 2)
    batch[1]["external_id"] = batch[0]["external_id"]
    errors = ops_api.post("/api/v1/time-entries/", batch, format="json").json()["errors"]
    assert errors == [
        {"row": 1, "field": "external_id", "message": "Row 0 already has source 'harvest' and this external id."}
    ]


def test_a_day_over_24_hours_across_the_batch_names_each_row(world, ops_api) -> None:
    batch = [entries(world, 1, start=0, hours="13.00")[0], entries(world, 1, start=28, hours="12.00")[0]]
    batch[1]["contractor"] = batch[0]["contractor"]
    errors = ops_api.post("/api/v1/time-entries/", batch, format="json").json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(0, "hours"), (1, "hours")]
    assert "would total 25.00 h" in errors[0]["message"]


def test_a_closed_month_is_refused_with_the_rows_that_touch_it(world, ops_api, operations_user) -> None:
    period_close(month=dt.date(2026, 5, 1), user=operations_user)
    response = ops_api.post("/api/v1/time-entries/", entries(world, 2), format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(0, "date"), (1, "date")]
    assert "May 2026 is closed" in errors[0]["message"]


def test_only_the_rows_new_or_stored_in_a_closed_month_are_named(world, ops_api, operations_user) -> None:
    stored = entries(world, 3)  # May 2026
    assert ops_api.post("/api/v1/time-entries/", stored, format="json").status_code == 200
    period_close(month=dt.date(2026, 5, 1), user=operations_user)
    moved_out = {**stored[1], "date": "2026-06-03"}  # its stored day is in closed May
    june = [{**row, "date": "2026-06-04"} for row in entries(world, 2, start=10)]
    into_may = entries(world, 1, start=20)[0]
    response = ops_api.post("/api/v1/time-entries/", [june[0], moved_out, june[1], into_may], format="json")
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(1, "date"), (3, "date")]


def test_an_empty_list_and_a_non_list_are_refused(world, ops_api) -> None:
    assert ops_api.post("/api/v1/time-entries/", [], format="json").status_code == 400
    answer = ops_api.post("/api/v1/time-entries/", ["nonsense"], format="json")
    assert answer.status_code == 400 and answer.json()["errors"][0]["row"] == 0


def test_writes_are_attributed_to_the_token_user(world, ops_api, operations_user) -> None:
    ops_api.post("/api/v1/time-entries/", entries(world, 2), format="json")
    created = AuditLog.objects.filter(content_type__model="timeentry", action="create", bulk=True)
    assert created.count() == 2
    assert {row.actor_id for row in created} == {operations_user.pk}


def test_an_upsert_marks_the_months_it_touches_changed(world, ops_api) -> None:
    ChangedMonth.objects.all().delete()
    ops_api.post("/api/v1/time-entries/", entries(world, 2), format="json")
    assert set(ChangedMonth.objects.values_list("engagement_id", "month")) == {
        (world.staff_aug.pk, dt.date(2026, 5, 1))
    }


def test_a_batch_takes_the_same_number_of_queries_for_3_and_30_rows(world, ops_api) -> None:
    counts = []
    for size, start in ((3, 0), (30, 100)):
        with CaptureQueriesContext(connection) as queries:
            response = ops_api.post(
                "/api/v1/time-entries/", entries(world, size, start=start, hours="0.25"), format="json"
            )
        assert response.status_code == 200, response.json()
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_resent_batch_takes_the_same_number_of_queries_for_3_and_30_rows(world, ops_api) -> None:
    counts = []
    for size, start in ((3, 0), (30, 100)):
        batch = entries(world, size, start=start, hours="0.25")
        ops_api.post("/api/v1/time-entries/", batch, format="json")
        for row in batch:
            row["hours"] = "0.50"
        with CaptureQueriesContext(connection) as queries:
            response = ops_api.post("/api/v1/time-entries/", batch, format="json")
        assert response.json()["updated"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def tickets(world: Any, count: int) -> list[dict[str, Any]]:
    return [
        {
            "engagement": world.managed.pk,
            "priority": "P1",
            "category": "incident",
            "opened_at": f"2026-05-0{1 + i % 9}T09:00:00Z",
            "resolved_at": f"2026-05-0{1 + i % 9}T11:00:00Z",
            "pauses": [
                {"started_at": f"2026-05-0{1 + i % 9}T09:30:00Z", "ended_at": f"2026-05-0{1 + i % 9}T10:00:00Z"}
            ],
            "source": "jira",
            "external_id": f"ITSM-{i}",
        }
        for i in range(count)
    ]


def test_tickets_with_pauses_upsert_and_resending_changes_nothing(world, ops_api) -> None:
    batch = tickets(world, 3)
    assert ops_api.post("/api/v1/tickets/", batch, format="json").json()["created"] == 3
    again = ops_api.post("/api/v1/tickets/", batch, format="json").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    ticket = Ticket.objects.get(source="jira", external_id="ITSM-1")
    assert ticket.pauses.count() == 1 and ticket.resolution_met is True


def test_a_ticket_batch_that_changes_stored_tickets_stores_and_audits_the_new_instants(world, ops_api) -> None:
    batch = tickets(world, 3)
    assert ops_api.post("/api/v1/tickets/", batch, format="json").json()["created"] == 3
    for row in batch:
        row["priority"], row["resolved_at"] = "P2", row["resolved_at"].replace("T11:", "T12:")
    assert ops_api.post("/api/v1/tickets/", batch, format="json").json()["updated"] == 3
    ticket = Ticket.objects.get(external_id="ITSM-1")
    assert (ticket.priority, ticket.resolved_at) == ("P2", dt.datetime(2026, 5, 2, 12, tzinfo=dt.UTC))
    [change] = AuditLog.objects.filter(object_id=ticket.pk, content_type__model="ticket", action="update")
    assert change.changes["priority"] == ["P1", "P2"]
    assert [value[:19] for value in change.changes["resolved_at"]] == ["2026-05-02T11:00:00", "2026-05-02T12:00:00"]


def test_a_ticket_batch_with_a_bad_pause_stores_nothing_and_names_the_nested_field(world, ops_api) -> None:
    batch = tickets(world, 3)
    batch[2]["pauses"][0]["ended_at"] = "yesterday"
    response = ops_api.post("/api/v1/tickets/", batch, format="json")
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(2, "pauses[0].ended_at")]
    assert not Ticket.objects.filter(source="jira").exists()


def test_a_ticket_batch_refused_by_a_model_rule_stores_nothing(world, ops_api) -> None:
    batch = tickets(world, 3)
    batch[1]["resolved_at"] = "2026-04-01T00:00:00Z"
    response = ops_api.post("/api/v1/tickets/", batch, format="json")
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(1, "resolved_at")]
    assert not Ticket.objects.filter(source="jira").exists()


def test_outages_upsert_on_source_and_external_id(world, ops_api) -> None:
    batch = [
        {
            "service": world.email.pk,
            "started_at": "2026-05-03T10:00:00Z",
            "ended_at": None,
            "source": "uptimerobot",
            "external_id": "U-1",
        },
    ]
    assert ops_api.post("/api/v1/outages/", batch, format="json").json()["created"] == 1
    batch[0]["ended_at"] = "2026-05-03T10:30:00Z"
    assert ops_api.post("/api/v1/outages/", batch, format="json").json()["updated"] == 1
    assert Outage.objects.get(external_id="U-1").ended_at == dt.datetime(2026, 5, 3, 10, 30, tzinfo=dt.UTC)
