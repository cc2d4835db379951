"""Hours without a bill rate in effect are saved with a warning naming the contractor and the days (admin, API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import TimeEntry
from engagements.selectors import days_without_bill_rate, missing_rate_warnings
from tests.api.conftest import token_client
from tests.billing.factories import ContractorRateFactory
from tests.factories import ContractorFactory, EngagementFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

TIME_ENTRIES = "/api/v1/time-entries/"


def test_days_before_the_first_rate_have_none_in_effect() -> None:
    priced = ContractorFactory(name="Ana")
    ContractorRateFactory(contractor=priced, hourly_rate=Decimal("90"), effective_from=dt.date(2026, 4, 10))
    unpriced = ContractorFactory(name="Bo")
    entries = [
        TimeEntry(contractor=priced, date=dt.date(2026, 4, 9)),
        TimeEntry(contractor=priced, date=dt.date(2026, 4, 10)),
        TimeEntry(contractor=unpriced, date=dt.date(2026, 4, 1)),
    ]
    assert days_without_bill_rate(entries) == {
        priced.pk: [dt.date(2026, 4, 9)],
        unpriced.pk: [dt.date(2026, 4, 1)],
    }


def test_the_warning_names_the_contractor_engagement_and_days() -> None:
    contractor = ContractorFactory(name="Bo Chen", engagement=EngagementFactory(name="Platform team"))
    rows = [{"contractor_id": contractor.pk, "date": dt.date(2026, 4, day)} for day in range(1, 9)]
    (warning,) = missing_rate_warnings(rows)
    assert warning.startswith("Bo Chen (Platform team) has no bill rate in effect on Wed 01 Apr 2026, Thu 02 Apr")
    assert "and 3 more day(s)" in warning


def test_no_warning_when_a_rate_covers_every_day() -> None:
    contractor = ContractorFactory()
    ContractorRateFactory(contractor=contractor, effective_from=dt.date(2026, 1, 1))
    assert missing_rate_warnings([TimeEntry(contractor=contractor, date=dt.date(2026, 4, 1))]) == []


def test_the_check_takes_two_queries_for_any_number_of_contractors() -> None:
    entries = [TimeEntry(contractor=ContractorFactory(), date=dt.date(2026, 4, 1)) for _ in range(12)]
    with CaptureQueriesContext(connection) as ctx:
        assert len(missing_rate_warnings(entries)) == 12
    assert len(ctx.captured_queries) == 2


def test_the_admin_saves_the_hours_and_warns(operations_client) -> None:
    contractor = ContractorFactory(name="Bo Chen")
    response = operations_client.post(
        "/admin/engagements/timeentry/add/",
        {"contractor": contractor.pk, "date": "2026-04-02", "hours": "7.50", "description": "", "source": ""},
        follow=True,
    )
    assert TimeEntry.objects.filter(contractor=contractor, hours=Decimal("7.50")).exists()
    warnings = [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert any("Bo Chen" in w and "Thu 02 Apr 2026" in w for w in warnings)


def test_the_api_answers_a_created_row_with_warnings(operations_user) -> None:
    contractor = ContractorFactory(name="Bo Chen")
    client = token_client(operations_user)
    body = {"contractor": contractor.pk, "date": "2026-04-02", "hours": "7.50"}
    response = client.post(TIME_ENTRIES, body, format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["warnings"]) == 1 and "Bo Chen" in response.json()["warnings"][0]
    # Reading it back carries no warnings (they belong to the answer of a write).
    assert client.get(f"{TIME_ENTRIES}{response.json()['id']}/").json()["warnings"] == []


def test_the_api_batch_answer_lists_the_warnings(operations_user) -> None:
    priced, unpriced = ContractorFactory(name="Ana"), ContractorFactory(name="Bo Chen")
    ContractorRateFactory(contractor=priced, effective_from=dt.date(2026, 1, 1))
    rows = [
        {"contractor": c.pk, "date": "2026-04-02", "hours": "8", "source": "harvest", "external_id": str(c.pk)}
        for c in (priced, unpriced)
    ]
    response = token_client(operations_user).post(TIME_ENTRIES, rows, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    (warning,) = response.json()["warnings"]
    assert warning.startswith("Bo Chen (")


def test_an_update_answer_carries_warnings(operations_user) -> None:
    entry = TimeEntryFactory(contractor=ContractorFactory(name="Bo Chen"))
    response = token_client(operations_user).patch(f"{TIME_ENTRIES}{entry.pk}/", {"hours": "6"}, format="json")
    assert response.status_code == 200, response.content
    assert "Bo Chen" in response.json()["warnings"][0]
