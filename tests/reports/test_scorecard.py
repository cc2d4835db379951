"""Vendor scorecards (domain.md): the worked example's figures, credits and attestations, and constant queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import contractor_rate_create
from billing.services.credits import service_credit_claim, service_credits_assess
from engagements.services.engagements import compliance_attestation_create
from engagements.services.entries import time_entry_create
from reports.selectors import sort_scorecards, vendor_scorecards
from reports.services import report_build, snapshots_compute
from tests.factories import ContractorFactory, EngagementFactory

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


def _cards(example) -> dict[str, dict]:
    snapshots_compute(engagement_ids=[example.augmented.pk, example.msp.pk], month=APRIL)
    return {row["name"]: row for row in vendor_scorecards(APRIL)}


def test_the_worked_example_scorecards(worked_example) -> None:
    compliance_attestation_create(
        vendor=worked_example.msp.vendor, type="soc2_type2", issued=dt.date(2025, 6, 1), expires=dt.date(2026, 6, 15)
    )
    compliance_attestation_create(
        vendor=worked_example.msp.vendor, type="iso_27001", issued=dt.date(2025, 1, 1), expires=dt.date(2027, 1, 1)
    )
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    [credit] = service_credits_assess(month=APRIL)
    service_credit_claim(credit=credit)
    cards = {row["name"]: row for row in vendor_scorecards(APRIL)}
    msp = cards["Helpdesk Managed Services"]
    assert msp["period"] == "2026-04" and msp["currency"] == "USD"
    month = msp["month"]
    assert (month["total_cost"], month["engagements"], month["uptime_pct"]) == ("6340.00", 1, "99.688")
    assert (month["credits_due"], month["credits_claimed"], month["credits_received"]) == ("400.00", "400.00", "0.00")
    assert month["complete"] is True
    assert msp["trailing_12"]["total_cost"] == "6340.00"
    # Expiring within 60 days of April 30 (June 15), valid beyond (2027).
    assert msp["attestations"] == {"valid": 1, "expiring": 1, "expired": 0}
    staffing = cards["Augment Staffing Partners"]["month"]
    assert staffing["total_cost"] == "4192.50" and staffing["uptime_pct"] is None
    assert staffing["credits_due"] == "0.00"


def test_scorecards_sort_by_cost_attainment_credits_and_variance(worked_example) -> None:
    rows = list(_cards(worked_example).values())
    assert [r["name"] for r in sort_scorecards(rows, "-cost")] == [
        "Helpdesk Managed Services",
        "Augment Staffing Partners",
    ]
    assert next(r["name"] for r in sort_scorecards(rows, "cost")) == "Augment Staffing Partners"
    assert next(r["name"] for r in sort_scorecards(rows, "-credits")) == "Helpdesk Managed Services"
    for ordering in ("attainment", "-variance", "name"):
        assert len(sort_scorecards(rows, ordering)) == 2
    with pytest.raises(ValueError, match="ordering must be one of"):
        sort_scorecards(rows, "size")


def _vendors(count: int) -> list[int]:
    ids = []
    for n in range(count):
        contractor = ContractorFactory(engagement=EngagementFactory(start_date=dt.date(2026, 1, 1)))
        contractor_rate_create(contractor=contractor, hourly_rate=Decimal(50 + n), effective_from=dt.date(2026, 1, 1))
        time_entry_create(contractor=contractor, date=dt.date(2026, 4, 8), hours=Decimal("3.50"))
        ids.append(contractor.engagement_id)
    snapshots_compute(engagement_ids=ids, month=APRIL)
    return ids


def _queries() -> int:
    with CaptureQueriesContext(connection) as captured:
        vendor_scorecards(APRIL)
    return len(captured)


def test_the_scorecards_take_a_constant_number_of_queries(new_york) -> None:
    _vendors(2)
    few = _queries()
    _vendors(6)
    assert len(vendor_scorecards(APRIL)) == 8
    assert _queries() == few


def test_the_report_carries_the_scorecards(worked_example) -> None:
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    payload = report_build(month=APRIL).payload
    assert {row["name"] for row in payload["vendors"]} == {"Helpdesk Managed Services", "Augment Staffing Partners"}
