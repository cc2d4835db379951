"""Only a month that is over can be closed: the service, the admin action, the close screen and the API refuse the rest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from billing.models import Period
from billing.services import month_is_over, period_close, period_ensure
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

NOVEMBER, OCTOBER = dt.date(2026, 11, 1), dt.date(2026, 10, 1)
NOT_OVER = "November 2026 is not over yet: it can be closed from 1 December 2026, once it has ended."
URL = "/admin/billing/period/close/"


@pytest.fixture
def last_day_of_november(time_machine, settings) -> None:
    """30 November 2026, 23:30 in New York: already 1 December in UTC, not yet over where the organisation is."""
    settings.TIME_ZONE = "America/New_York"
    time_machine.move_to(dt.datetime(2026, 12, 1, 4, 30, tzinfo=dt.UTC), tick=False)


def test_a_month_is_over_only_once_it_has_ended_in_the_organisations_zone(last_day_of_november) -> None:
    assert month_is_over(OCTOBER)
    assert not month_is_over(NOVEMBER)
    assert not month_is_over(dt.date(2030, 2, 1))


def test_the_service_refuses_the_current_month_and_names_the_month_field(last_day_of_november, superuser) -> None:
    with pytest.raises(ValidationError) as refused:
        period_close(month=NOVEMBER, user=superuser)

    assert refused.value.message_dict == {"month": [NOT_OVER]}
    assert not Period.objects.filter(month=NOVEMBER, closed=True).exists()


def test_the_service_refuses_a_future_month(superuser) -> None:
    with pytest.raises(ValidationError, match="February 2030 is not over yet"):
        period_close(month=dt.date(2030, 2, 1), user=superuser)


def test_the_service_closes_the_month_once_it_is_over(last_day_of_november, superuser, time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 1, 5, 0, 1, tzinfo=dt.UTC), tick=False)  # 00:00:01 in New York

    assert period_close(month=NOVEMBER, user=superuser).closed


def test_the_api_answers_400_on_the_month_field(last_day_of_november, operations_user) -> None:
    ops_api = token_client(operations_user)
    for month in ("2026-11", "2030-02"):
        response = ops_api.post(f"/api/v1/periods/{month}/close/")

        assert response.status_code == 400, response.content
        [error] = response.json()["errors"]
        assert error["field"] == "month" and "is not over yet" in error["message"]
    assert not Period.objects.filter(closed=True).exists()
    assert ops_api.post("/api/v1/periods/2026-10/close/").status_code == 200


def test_the_admin_action_refuses_with_the_reason(last_day_of_november, superuser_client) -> None:
    period = period_ensure(month=NOVEMBER)

    response = superuser_client.post(
        "/admin/billing/period/", {"action": "close_periods", "_selected_action": [period.pk]}, follow=True
    )

    assert f"November 2026: {NOT_OVER}" in [str(message) for message in response.context["messages"]]
    period.refresh_from_db()
    assert not period.closed


def test_the_close_screen_offers_only_finished_months(last_day_of_november, operations_client) -> None:
    response = operations_client.get(URL)

    offered = [option["value"] for option in response.context["months"]]
    assert "2026-11" not in offered and offered[0] == "2026-10"
    assert response.context["month"] == OCTOBER


@pytest.mark.parametrize("month", ["2026-11", "2030-01"])
def test_the_close_screen_refuses_a_month_not_over_with_a_message(
    last_day_of_november, operations_client, month
) -> None:
    shown = operations_client.get(URL, {"month": month})
    posted = operations_client.post(URL, {"month": month, "acknowledge": "yes", "seen": ""})

    for response in (shown, posted):
        assert response.status_code == 200
        assert "is not over yet" in response.context["error"]
        assert response.context["month"] == OCTOBER
        assert month not in [option["value"] for option in response.context["months"]]
        assert "is not over yet" in response.content.decode()
    assert not Period.objects.filter(closed=True).exists()
