"""Reports add engagements of several currencies with the month's rate, say so, and show a missing rate as an error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.services import contractor_rate_create, exchange_rate_set
from engagements.services.entries import time_entry_create
from reports.services import report_build, snapshots_compute
from tests.factories import ContractorFactory, EngagementFactory

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def two_currencies(db):
    ids = []
    for currency in ("USD", "EUR"):
        contractor = ContractorFactory(engagement=EngagementFactory(currency=currency, start_date=APRIL))
        contractor_rate_create(contractor=contractor, hourly_rate=Decimal("100.00"), effective_from=APRIL)
        time_entry_create(contractor=contractor, date=dt.date(2026, 4, 2), hours=Decimal("10.00"))
        ids.append(contractor.engagement_id)
    snapshots_compute(engagement_ids=ids, month=APRIL)
    return ids


def test_foreign_currency_figures_are_converted_with_the_months_rate(two_currencies) -> None:
    exchange_rate_set(month=APRIL, currency="EUR", rate_to_base=Decimal("1.10"))
    payload = report_build(month=APRIL).payload
    assert payload["overall"]["staff_aug"]["figures"]["labor_cost"] == "2100.00"  # 1,000.00 + 1,000.00 EUR x 1.10
    assert any("EUR figures converted into USD" in note for note in payload["currency_notes"])
    assert payload["errors"] == []


def test_a_missing_rate_is_an_error_in_the_report_never_a_silent_one(two_currencies) -> None:
    payload = report_build(month=APRIL).payload
    assert payload["overall"]["staff_aug"]["figures"]["labor_cost"] == "1000.00"
    assert len(payload["errors"]) == 1
    assert "No exchange rate from EUR to USD for April 2026" in payload["errors"][0]
