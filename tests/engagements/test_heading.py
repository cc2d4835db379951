"""After a rejected save the change page names the row as stored, not as the refused form had it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.services import period_close
from engagements.models import TimeEntry
from tests.factories import ContractorFactory, EngagementFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def _post(client, entry: TimeEntry, hours: str):
    return client.post(
        f"/admin/engagements/timeentry/{entry.pk}/change/",
        {
            "contractor": entry.contractor_id,
            "date": entry.date.isoformat(),
            "hours": hours,
            "description": "",
            "source": "",
            "external_id": "",
        },
    )


def test_a_save_refused_by_a_closed_month_keeps_the_stored_value_in_the_heading(operations_client, superuser) -> None:
    contractor = ContractorFactory(engagement=EngagementFactory(start_date=dt.date(2026, 4, 1)))
    entry = TimeEntryFactory(contractor=contractor, date=dt.date(2026, 4, 6), hours=Decimal("7.50"))
    period_close(month=dt.date(2026, 4, 1), user=superuser)

    response = _post(operations_client, entry, "6.5")

    assert response.status_code == 200
    assert "closed" in str(response.context["adminform"].form.errors).lower()
    page = response.content.decode()
    stored = "7.50 h on 2026-04-06"
    assert response.context["subtitle"] == stored and response.context["original"].hours == Decimal("7.50")
    assert f"<h2>{stored}</h2>" in page and "6.5 h" not in page
    # The form keeps what the person typed, so they can correct it.
    assert 'name="hours" value="6.5"' in page
    assert TimeEntry.objects.get(pk=entry.pk).hours == Decimal("7.50")


def test_a_field_error_keeps_the_stored_value_in_the_heading_and_the_breadcrumbs(operations_client) -> None:
    entry = TimeEntryFactory(hours=Decimal("7.50"), date=dt.date(2026, 4, 6))
    stored = str(entry)

    response = _post(operations_client, entry, "25")

    assert response.status_code == 200
    page = response.content.decode()
    assert "25 h" not in page and page.count(stored) >= 2  # heading and breadcrumbs
    assert f"<title>Error: {stored} | Change time entry" in page


def test_a_successful_save_still_shows_the_new_value(operations_client) -> None:
    entry = TimeEntryFactory(hours=Decimal("7.50"), date=dt.date(2026, 4, 6))
    response = _post(operations_client, entry, "6.5")
    assert response.status_code == 302
    page = operations_client.get(f"/admin/engagements/timeentry/{entry.pk}/change/").content.decode()
    assert "<h2>6.50 h on 2026-04-06</h2>" in page
