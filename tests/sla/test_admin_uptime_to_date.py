"""The uptime page labels the month under way as provisional, to date (QA C12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/admin/sla/monitoredservice/uptime/"


@pytest.fixture
def mid_november(time_machine, settings) -> None:
    settings.TIME_ZONE = "America/New_York"
    time_machine.move_to(dt.datetime(2026, 11, 18, 15, tzinfo=dt.UTC), tick=False)


def test_the_current_month_says_to_date_and_provisional(mid_november, operations_client: Client) -> None:
    response = operations_client.get(URL, {"month": "2026-11"})

    page = response.content.decode()
    assert response.context["title"] == "Uptime in November 2026 (to date, provisional)"
    assert 'id="uptime-to-date"' in page and "Provisional (to date)" in page
    assert "recorded up to 18 November" in page


def test_a_finished_month_carries_no_to_date_label(mid_november, operations_client: Client) -> None:
    response = operations_client.get(URL, {"month": "2026-10"})

    assert response.context["title"] == "Uptime in October 2026"
    assert 'id="uptime-to-date"' not in response.content.decode()


def test_a_month_ahead_says_it_has_not_begun(mid_november, operations_client: Client) -> None:
    page = operations_client.get(URL, {"month": "2027-01"}).content.decode()

    assert "January 2027 has not begun" in page
