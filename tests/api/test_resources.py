"""Resources written through the API go through the services: their rules answer, in contract shapes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import Period
from engagements.models import Engagement
from sla.models import SLAAssignment, Ticket

pytestmark = pytest.mark.django_db


def test_an_engagement_is_created_with_its_sla_policy(world, ops_api) -> None:
    body = {
        "name": "Cloud (MSP)",
        "vendor": world.staff_aug.vendor_id,
        "model": "managed",
        "service_area": world.staff_aug.service_area_id,
        "start_date": "2026-05-01",
        "currency": "eur",
        "sla_policy": world.policy.pk,
    }
    response = ops_api.post("/api/v1/engagements/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["sla_policy"] == world.policy.pk and response.json()["currency"] == "EUR"
    engagement = Engagement.objects.get(name="Cloud (MSP)")
    assert SLAAssignment.objects.get(engagement=engagement).effective_from == dt.date(2026, 5, 1)


def test_a_model_rule_answers_400_with_its_field_message(world, ops_api) -> None:
    response = ops_api.patch(f"/api/v1/engagements/{world.staff_aug.pk}/", {"start_date": "2026-05-01"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "row": None,
                "field": "start_date",
                "message": "Entries are recorded outside these dates; move or delete them first.",
            }
        ]
    }


def test_a_contractor_cannot_join_a_managed_engagement(world, ops_api) -> None:
    response = ops_api.post("/api/v1/contractors/", {"engagement": world.managed.pk, "name": "X"}, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "engagement" and "staff augmentation" in error["message"]


def test_a_calendar_is_created_with_working_hours_and_holidays(ops_api, db) -> None:
    body = {
        "name": "Berlin office",
        "time_zone": "Europe/Berlin",
        "working_hours": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
        "holidays": ["2026-12-25"],
    }
    response = ops_api.post("/api/v1/calendars/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["working_hours"] == [{"weekday": 0, "start": "09:00:00", "end": "17:00:00"}]
    assert response.json()["holidays"] == ["2026-12-25"]


def test_a_policy_with_tiers_that_do_not_descend_is_refused(world, ops_api) -> None:
    body = {
        "name": "Bad",
        "calendar": world.policy.calendar_id,
        "uptime_target": "99.9",
        "credit_tiers": [{"below_pct": "99.9", "credit_pct": "20"}, {"below_pct": "99", "credit_pct": "10"}],
    }
    response = ops_api.post("/api/v1/sla-policies/", body, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "credit_tiers" and "descend" in error["message"]


def test_a_tickets_pauses_are_replaced_by_a_put(world, ops_api) -> None:
    ticket = Ticket.objects.get(external_id="tic-0")
    body = ops_api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    body["pauses"] = []
    body["resolved_at"] = "2026-04-02T12:00:00Z"
    response = ops_api.put(f"/api/v1/tickets/{ticket.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["pauses"] == [] and response.json()["resolution_met"] is True


def test_invoices_and_exchange_rates_take_months_as_year_and_month(world, ops_api) -> None:
    body = {"engagement": world.managed.pk, "period": "2026-05", "number": "INV-2", "amount": "6000.00"}
    response = ops_api.post("/api/v1/invoices/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["period"] == "2026-05"
    rate = ops_api.post(
        "/api/v1/exchange-rates/", {"month": "2026-05", "currency": "gbp", "rate_to_base": "1.27"}, format="json"
    )
    assert rate.status_code == 201 and rate.json()["currency"] == "GBP"


def test_closing_a_period_through_the_api_locks_its_facts(world, ops_api) -> None:
    response = ops_api.post("/api/v1/periods/2026-04/close/")
    assert response.status_code == 200 and response.json()["closed"] is True
    assert Period.objects.get(month=dt.date(2026, 4, 1)).closed
    refused = ops_api.post(
        "/api/v1/time-entries/", {"contractor": world.anna.pk, "date": "2026-04-20", "hours": "1.00"}, format="json"
    )
    assert refused.status_code == 400
    assert "April 2026 is closed" in refused.json()["errors"][0]["message"]
    deleted = ops_api.delete(f"/api/v1/one-time-charges/{world.managed.one_time_charges.get().pk}/")
    assert deleted.status_code == 400 and "April 2026 is closed" in str(deleted.json())
    assert ops_api.post("/api/v1/periods/2026-04/close/").status_code == 400


def test_a_protected_record_cannot_be_deleted(world, ops_api) -> None:
    response = ops_api.delete(f"/api/v1/vendors/{world.staff_aug.vendor_id}/")
    assert response.status_code == 400 and "cannot be deleted" in str(response.json())


def test_an_overhead_entry_is_changed_through_the_validated_save(world, ops_api) -> None:
    entry = world.staff_aug.overhead_entries.first()
    response = ops_api.patch(f"/api/v1/overhead-entries/{entry.pk}/", {"hours": "25"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"row": None, "field": "hours", "message": "Hours must be more than 0 and at most 24."}]
    }
    assert (
        ops_api.patch(f"/api/v1/overhead-entries/{entry.pk}/", {"hours": "2.5"}, format="json").json()["hours"]
        == "2.50"
    )
    entry.refresh_from_db()
    assert entry.hours == Decimal("2.50")


def test_huge_ids_and_years_are_refused_not_crashed_on(world, ops_api) -> None:
    assert ops_api.get(f"/api/v1/vendors/{2**70}/").status_code == 404
    body = {"contractor": 2**70, "date": "9999-01-01", "hours": "1"}
    errors = ops_api.post("/api/v1/time-entries/", body, format="json").json()["errors"]
    assert {e["field"] for e in errors} == {"contractor", "date"}
