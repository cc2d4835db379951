"""The verdict of domain.md on the worked example: cheaper model, gap, drivers adding up to the cent, sentence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.services import fee_schedule_create
from engagements.services.engagements import engagement_create, service_area_create
from reports.services import report_build, snapshots_compute

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


def _april(example) -> dict:
    snapshots_compute(engagement_ids=[example.augmented.pk, example.msp.pk], month=APRIL)
    return report_build(month=APRIL).payload


def test_the_worked_example_verdict_names_staff_aug_cheaper_by_the_gap(worked_example) -> None:
    verdict = _april(worked_example)["service_areas"][0]["verdict"]
    # 4192.50 staff aug - 6340.00 managed
    assert verdict["cheaper_in_month"] == "staff_aug"
    assert verdict["gap_in_month"] == "-2147.50"
    assert verdict["drivers"] == {
        "vendor": "-847.50",
        "overhead": "300.00",
        "one_time": "-2000.00",
        "credits": "400.00",
    }
    assert verdict["leading_driver"] == "one_time"
    assert verdict["hybrid"] is True and verdict["models"] == ["staff_aug", "managed"]
    assert verdict["cheaper_trailing_12"] == "staff_aug" and verdict["gap_trailing_12"] == "-2147.50"
    assert verdict["complete"] is True
    assert verdict["outcomes"]["uptime_pct"] is None  # staff aug has no monitored service


def test_the_drivers_add_up_to_the_gap_to_the_cent(worked_example) -> None:
    for area in _april(worked_example)["service_areas"]:
        verdict = area["verdict"]
        total = sum((Decimal(v) for v in verdict["drivers"].values()), Decimal("0.00"))
        assert total == Decimal(verdict["gap_in_month"])
        staff, managed = area["staff_aug"]["figures"], area["managed"]["figures"]
        assert Decimal(verdict["gap_in_month"]) == Decimal(staff["total_cost"]) - Decimal(managed["total_cost"])


def test_the_sentence_carries_the_currency_and_thousands_separators(worked_example) -> None:
    sentence = _april(worked_example)["service_areas"][0]["verdict"]["sentence"]
    assert sentence.startswith("Staff augmentation was cheaper for Help desk in April 2026 by USD 2,147.50")
    assert "mostly one-time charges" in sentence
    assert "Over the 12 months ending April 2026 staff augmentation cost USD 2,147.50 less." in sentence
    assert "hybrid" in sentence


def test_an_area_with_one_model_says_which_and_that_there_is_nothing_to_compare(worked_example) -> None:
    from engagements.models import Vendor

    network = service_area_create(name="Network")
    solo = engagement_create(
        name="Network NOC",
        vendor=Vendor.objects.get(name="Helpdesk Managed Services"),
        model="managed",
        service_area=network,
        start_date=APRIL,
        owner=worked_example.manager,
        cost_center="IT-200",
    )
    fee_schedule_create(engagement=solo, monthly_fee=Decimal("12345.67"), effective_from=APRIL)
    snapshots_compute(engagement_ids=[solo.pk], month=APRIL)
    payload = _april(worked_example)
    verdict = next(a for a in payload["service_areas"] if a["name"] == "Network")["verdict"]
    assert verdict["cheaper_in_month"] == "none" and verdict["gap_in_month"] is None
    assert verdict["models"] == ["managed"] and verdict["hybrid"] is False
    assert set(verdict["drivers"].values()) == {None}
    assert "Only managed service has been used for Network" in verdict["sentence"]
    assert "nothing to compare" in verdict["sentence"]


def test_a_month_where_one_model_did_not_run_talks_about_that_month_only(worked_example) -> None:
    ids = [worked_example.augmented.pk, worked_example.msp.pk]
    snapshots_compute(engagement_ids=ids, month=APRIL)
    may = dt.date(2026, 5, 1)
    snapshots_compute(engagement_ids=ids, month=may)
    area = report_build(month=may).payload["service_areas"][0]
    assert area["realized"] == (
        "In May 2026 the managed service cost USD 6,000.00. Staff augmentation did not run in May 2026. "
        "No side-by-side comparison this month: the verdict compares the 12 months ending it."
    )
    verdict = area["verdict"]
    assert verdict["cheaper_in_month"] == "none" and verdict["hybrid"] is False
    # April 4,192.50 - (April 6,340.00 + May 6,000.00)
    assert verdict["gap_trailing_12"] == "-8147.50" and verdict["cheaper_trailing_12"] == "staff_aug"
    assert "April" not in area["realized"]
    # The verdict names April only where it compares the 12 months: the one month both models ran (QA B2).
    assert verdict["sentence"].count("April") == 1 and "in the 1 month both ran (April 2026)" in verdict["sentence"]
