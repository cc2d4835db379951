"""/api/v1/scenarios/: both roles create, only the author or Operations change; the projection is read-only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scenarios.models import Scenario
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.scenarios.test_pages import build_area

pytestmark = pytest.mark.django_db
D = Decimal


def body(area_id: int, **inputs) -> dict:
    return {
        "service_area": area_id,
        "name": "Help desk to an MSP",
        "start_month": "2026-12",
        "inputs": {"managed_fee": "9000.00", "onboarding_charges": "10000.00", "onboarding_months": 2} | inputs,
    }


def test_leadership_creates_and_reads_a_scenario_with_its_projection(leadership_user) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 11)
    client = token_client(leadership_user)
    created = client.post("/api/v1/scenarios/", body(area.pk, credit_pct="2"), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["author"] == leadership_user.pk and data["start_month"] == "2026-12"
    assert data["inputs"]["credit_pct"] == "2.000" and data["inputs"]["chosen_plan"] == "managed"
    projection = data["projection"]
    assert set(projection) >= {"current", "staff_aug", "managed", "hybrid", "months", "drawn"}
    managed = projection["managed"]
    assert len(managed["monthly"]) == 24 and len(managed["cumulative"]) == 24
    assert set(managed["phases"]) == {"m1_6", "m7_12", "m13_24"} and "break_even_month" in managed
    assert len(projection["staff_aug"]["band"]["low"]) == 24
    assert data["sentence"].startswith("Moving the Help desk to a managed service")
    # A hybrid area: the quote must cover the staff-aug work too (QA B3), said beside the sentence.
    assert data["quote_scope"].startswith("The quoted fee must cover the work of today's staff-aug hours")
    listed = client.get(f"/api/v1/scenarios/?service_area={area.pk}").json()
    assert [row["id"] for row in listed["results"]] == [data["id"]]


def test_only_the_author_or_operations_change_or_delete(leadership_user, operations_user) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 3)
    author = token_client(leadership_user)
    scenario_id = author.post("/api/v1/scenarios/", body(area.pk), format="json").json()["id"]
    other = UserFactory(username="lead-2")
    other.groups.set(leadership_user.groups.all())
    stranger = token_client(other)
    assert stranger.get(f"/api/v1/scenarios/{scenario_id}/").status_code == 200
    assert stranger.patch(f"/api/v1/scenarios/{scenario_id}/", {"name": "x"}, format="json").status_code == 403
    assert stranger.delete(f"/api/v1/scenarios/{scenario_id}/").status_code == 403
    changed = author.patch(f"/api/v1/scenarios/{scenario_id}/", {"inputs": {"hours_kept_pct": "50"}}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["inputs"]["hours_kept_pct"] == "50.000"
    assert changed.json()["inputs"]["managed_fee"] == "9000.00"  # a partial change leaves the rest
    ops = token_client(operations_user)
    assert ops.patch(f"/api/v1/scenarios/{scenario_id}/", {"name": "Ops"}, format="json").status_code == 200
    assert ops.delete(f"/api/v1/scenarios/{scenario_id}/").status_code == 204
    assert not Scenario.objects.exists()


def test_bad_inputs_answer_400_in_the_house_shape(operations_user) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 3)
    response = token_client(operations_user).post(
        "/api/v1/scenarios/",
        body(area.pk, credit_pct="101", onboarding_months=13, managed_fee="-1", colour="red"),
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    messages = {(e["field"], e["message"]) for e in errors}
    assert any(field.endswith("credit_pct") and msg == "Enter a percentage from 0 to 100." for field, msg in messages)
    assert any(field.endswith("onboarding_months") for field, _ in messages)
    assert any(field.endswith("colour") for field, _ in messages)


def test_a_closed_start_month_is_a_400(operations_user) -> None:
    from django.utils import timezone

    from billing.models import Period

    area = build_area(1, dt.date(2026, 1, 1), 3)
    Period.objects.create(month=dt.date(2026, 12, 1), closed=True, closed_at=timezone.now())
    response = token_client(operations_user).post("/api/v1/scenarios/", body(area.pk), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": None,
            "field": "start_month",
            "message": "December 2026 is closed: start the scenario in an open month.",
        }
    ]


def test_the_projection_is_read_only(operations_user) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 3)
    response = token_client(operations_user).post(
        "/api/v1/scenarios/", {**body(area.pk), "projection": {}}, format="json"
    )
    assert response.status_code == 400


def test_who_may_reach_scenarios(nobody_user, leadership_user) -> None:
    assert token_client(None).get("/api/v1/scenarios/").status_code == 401
    assert token_client(nobody_user).get("/api/v1/scenarios/").status_code == 403
    assert token_client(nobody_user).post("/api/v1/scenarios/", {}, format="json").status_code == 403
    assert token_client(leadership_user).get("/api/v1/scenarios/").status_code == 200
