"""Hours dated after the organisation's today are saved with a warning naming the contractor and the days."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages

from engagements.models import TimeEntry
from engagements.selectors import entry_warnings, future_date_warnings
from tests.api.conftest import token_client
from tests.billing.factories import ContractorRateFactory
from tests.factories import ContractorFactory, EngagementFactory

pytestmark = pytest.mark.django_db

TIME_ENTRIES = "/api/v1/time-entries/"
# 23:30 in New York on Thursday 16 April 2026 is already Friday in UTC: "today" is the organisation's Thursday.
EVENING = dt.datetime(2026, 4, 17, 3, 30, tzinfo=dt.UTC)


@pytest.fixture
def thursday_evening_in_new_york(settings):
    settings.TIME_ZONE = "America/New_York"
    with time_machine.travel(EVENING, tick=False):
        yield


def priced_contractor(name: str = "Bo Chen"):
    contractor = ContractorFactory(name=name, engagement=EngagementFactory(name="Platform team"))
    ContractorRateFactory(contractor=contractor, effective_from=dt.date(2026, 1, 1))
    return contractor


def test_a_day_after_the_organisations_today_is_named_and_today_is_not(thursday_evening_in_new_york) -> None:
    contractor = priced_contractor()
    rows = [{"contractor_id": contractor.pk, "date": dt.date(2026, 4, day)} for day in (16, 17, 20)]
    (warning,) = future_date_warnings(rows)
    assert warning == (
        "Bo Chen (Platform team) has hours dated after today (Thu 16 Apr 2026) on Fri 17 Apr 2026, Mon 20 Apr 2026: "
        "they are saved and counted in their month; correct the date if it is a typo."
    )
    assert future_date_warnings(rows[:1]) == []


def test_entry_warnings_give_the_missing_rates_then_the_future_dates(thursday_evening_in_new_york) -> None:
    unpriced = ContractorFactory(name="Ana")
    warnings = entry_warnings([TimeEntry(contractor=unpriced, date=dt.date(2062, 4, 16))])
    assert len(warnings) == 2
    assert warnings[0].startswith("Ana (") and "no bill rate in effect on Sun 16 Apr 2062" in warnings[0]
    assert "dated after today (Thu 16 Apr 2026) on Sun 16 Apr 2062" in warnings[1]


def test_the_api_batch_answer_warns_of_a_year_typed_wrong(operations_user, thursday_evening_in_new_york) -> None:
    contractor = priced_contractor()
    rows = [
        {"contractor": contractor.pk, "date": date, "hours": "8", "source": "harvest", "external_id": date}
        for date in ("2026-04-14", "2062-04-15")
    ]
    response = token_client(operations_user).post(TIME_ENTRIES, rows, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2  # stored all the same
    (warning,) = response.json()["warnings"]
    assert warning.startswith("Bo Chen (Platform team) has hours dated after today") and "Sat 15 Apr 2062" in warning


def test_the_admin_saves_a_future_day_and_warns(operations_client, thursday_evening_in_new_york) -> None:
    contractor = priced_contractor()
    response = operations_client.post(
        "/admin/engagements/timeentry/add/",
        {"contractor": contractor.pk, "date": "2026-04-24", "hours": "7.50", "description": "", "source": ""},
        follow=True,
    )
    assert TimeEntry.objects.filter(contractor=contractor, date=dt.date(2026, 4, 24)).exists()
    warnings = [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert any("dated after today" in w and "Fri 24 Apr 2026" in w for w in warnings), warnings
