"""Moving a parent (a contractor, a monitored service) to another engagement, and deleting an engagement, via the API.

Issue 13, findings 2 and 7: a moved parent took its facts outside their
engagement's dates and out of a closed month, marking nothing; deleting an
empty engagement answered 500 (its own changed-month mark broke a foreign key
at commit).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from billing.services import period_close
from engagements.models import ChangedMonth, Contractor, Engagement, TimeEntry
from engagements.services.engagements import engagement_create
from sla.models import MonitoredService, Outage

APRIL = dt.date(2026, 4, 1)


def field_messages(body: Any, field: str) -> list[str]:
    """Return the messages of one field, in either error shape (`{field: [...]}` or `{"errors": [...]}`)."""
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [error["message"] for error in body["errors"] if error.get("field") == field]
    return list(body.get(field, [])) if isinstance(body, dict) else []


def another(world, model: str, *, start: dt.date = dt.date(2026, 1, 1), name: str = "Other") -> Engagement:
    source = world.staff_aug
    return engagement_create(
        name=name, vendor=source.vendor, model=model, service_area=source.service_area, start_date=start
    )


def marked() -> set[tuple[int, dt.date]]:
    return set(ChangedMonth.objects.values_list("engagement_id", "month"))


def test_a_contractor_whose_hours_would_lie_outside_the_new_engagement_is_not_moved(world, ops_api) -> None:
    later = another(world, "staff_aug", start=dt.date(2026, 5, 1))
    response = ops_api.patch(f"/api/v1/contractors/{world.anna.pk}/", {"engagement": later.pk}, format="json")
    assert response.status_code == 400
    assert field_messages(response.json(), "engagement") == [
        (
            "1 of this contractor's time entries would lie outside Other's dates (2026-05-01 to open-ended); "
            "move or delete them first."
        )
    ]
    assert Contractor.objects.get(pk=world.anna.pk).engagement_id == world.staff_aug.pk


def test_a_contractor_with_hours_in_a_closed_month_is_not_moved(world, ops_api, superuser) -> None:
    other = another(world, "staff_aug")
    period_close(month=APRIL, user=superuser)
    response = ops_api.patch(f"/api/v1/contractors/{world.anna.pk}/", {"engagement": other.pk}, format="json")
    assert response.status_code == 400
    (message,) = field_messages(response.json(), "engagement")
    assert message.startswith("Moving it to another engagement would move facts recorded in a closed month.")
    assert "April 2026 is closed" in message
    assert Contractor.objects.get(pk=world.anna.pk).engagement_id == world.staff_aug.pk


def test_a_contractor_is_not_moved_to_a_managed_engagement(world, ops_api) -> None:
    response = ops_api.patch(f"/api/v1/contractors/{world.anna.pk}/", {"engagement": world.managed.pk}, format="json")
    assert response.status_code == 400
    assert field_messages(response.json(), "engagement") == [
        "Contractors can only be added to staff augmentation engagements."
    ]
    assert Contractor.objects.get(pk=world.anna.pk).engagement_id == world.staff_aug.pk


def test_a_moved_contractor_marks_the_months_of_both_engagements(world, ops_api) -> None:
    other = another(world, "staff_aug")
    ChangedMonth.objects.all().delete()
    response = ops_api.patch(f"/api/v1/contractors/{world.anna.pk}/", {"engagement": other.pk}, format="json")
    assert response.status_code == 200
    entry = TimeEntry.objects.get(contractor=world.anna)
    assert entry.contractor.engagement_id == other.pk
    # April's hours left the old engagement and reached the new one; the rate (from January) prices
    # every month from January in both.
    assert {(world.staff_aug.pk, APRIL), (other.pk, APRIL)} <= marked()
    assert {(world.staff_aug.pk, dt.date(2026, 1, 1)), (other.pk, dt.date(2026, 1, 1))} <= marked()


def test_a_service_with_outages_in_a_closed_month_is_not_moved(world, ops_api, superuser) -> None:
    other = another(world, "managed")
    period_close(month=APRIL, user=superuser)
    response = ops_api.patch(f"/api/v1/services/{world.email.pk}/", {"engagement": other.pk}, format="json")
    assert response.status_code == 400
    (message,) = field_messages(response.json(), "engagement")
    assert "closed month" in message and "April 2026 is closed" in message
    assert MonitoredService.objects.get(pk=world.email.pk).engagement_id == world.managed.pk


def test_a_moved_service_marks_its_outages_months_in_both_engagements(world, ops_api) -> None:
    other = another(world, "managed")
    ChangedMonth.objects.all().delete()
    response = ops_api.patch(f"/api/v1/services/{world.email.pk}/", {"engagement": other.pk}, format="json")
    assert response.status_code == 200
    assert Outage.objects.get(service=world.email).service.engagement_id == other.pk
    assert {(world.managed.pk, APRIL), (other.pk, APRIL)} <= marked()


def test_an_engagement_with_nothing_recorded_is_deleted(world, ops_api) -> None:
    empty = another(world, "managed", name="Never used")
    response = ops_api.delete(f"/api/v1/engagements/{empty.pk}/")
    assert response.status_code == 204
    assert not Engagement.objects.filter(pk=empty.pk).exists()
    # What failed at commit: a changed-month mark naming the deleted engagement.
    assert not ChangedMonth.objects.filter(engagement_id=empty.pk).exists()
    connection.check_constraints()


def test_an_engagement_with_facts_is_not_deleted(world, ops_api) -> None:
    response = ops_api.delete(f"/api/v1/engagements/{world.staff_aug.pk}/")
    assert response.status_code == 400
    assert "Help desk (Acme) cannot be deleted while it has" in str(response.json())
    assert Engagement.objects.filter(pk=world.staff_aug.pk).exists()
    connection.check_constraints()
