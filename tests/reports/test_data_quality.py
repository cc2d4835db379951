"""Nothing incomplete is silent: hours without a rate, overhead without a rate, tickets without a policy.

The worked example plus 40 h of a contractor who has no bill rate: the hours
show, the cost does not move, and every output names the gap and marks the
figures built on it incomplete (snapshot, payload, CSV, PDF text, email).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engagements.services.engagements import contractor_create, person_create
from engagements.services.entries import overhead_entry_create, time_entry_create
from reports.exports import report_csv
from reports.models import MonthlySnapshot
from reports.pdf import report_pdf
from reports.selectors import data_gaps
from reports.services import report_build, snapshots_compute
from sla.services.tickets import ticket_create
from tests.reports.pdf import pdf_text

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


def _compute(example):
    snapshots_compute(engagement_ids=[example.augmented.pk, example.msp.pk], month=APRIL)
    return report_build(month=APRIL)


@pytest.fixture
def unpriced(worked_example):
    """40 h (two days of 20) of a contractor with no bill rate on the augmented engagement."""
    contractor = contractor_create(engagement=worked_example.augmented, name="Contractor C", role="Analyst")
    for day in (6, 7):
        time_entry_create(contractor=contractor, date=dt.date(2026, 4, day), hours=Decimal("20.00"))
    return contractor


def test_a_complete_month_has_no_gaps(worked_example) -> None:
    payload = _compute(worked_example).payload
    assert payload["complete"] is True and payload["data_quality"] == []
    assert all(row["complete"] for row in payload["engagements"])
    assert MonthlySnapshot.objects.filter(month=APRIL, complete=False).count() == 0


def test_hours_without_a_bill_rate_are_a_gap_with_their_hours(worked_example, unpriced) -> None:
    payload = _compute(worked_example).payload
    [gap] = payload["data_quality"]
    assert gap["kind"] == "missing_bill_rate" and gap["month"] == "2026-04"
    assert gap["engagement"] == worked_example.augmented.pk and gap["engagement_name"] == "Help desk (augmented)"
    assert (gap["subject"], gap["subject_id"], gap["hours"]) == ("Contractor C", unpriced.pk, "40.00")
    assert "40.00 h of Contractor C" in gap["message"] and "2026-04-06 to 2026-04-07" in gap["message"]
    # The hours count, their cost is not invented: staff aug's cost is the worked example's.
    area = payload["service_areas"][0]
    assert area["staff_aug"]["figures"]["hours"] == "77.75"
    assert area["staff_aug"]["figures"]["total_cost"] == "4192.50"
    assert payload["complete"] is False
    assert area["staff_aug"]["complete"] is False and area["managed"]["complete"] is True
    assert payload["overall"]["staff_aug"]["complete"] is False and payload["overall"]["managed"]["complete"]
    assert area["complete"] is False and area["verdict"]["complete"] is False
    assert "Incomplete data" in area["verdict"]["sentence"]
    rows = {row["name"]: row for row in payload["engagements"]}
    assert rows["Help desk (augmented)"]["complete"] is False and rows["Help desk (augmented)"]["data_quality"]
    assert rows["Help desk (MSP)"]["complete"] is True
    snapshot = MonthlySnapshot.objects.get(month=APRIL, engagement=worked_example.augmented)
    assert snapshot.complete is False and snapshot.data_quality[0]["hours"] == "40.00"


def test_the_gap_is_in_the_csv_the_pdf_and_the_selector(worked_example, unpriced) -> None:
    report = _compute(worked_example)
    csv = report_csv(report.payload)
    assert "data complete,no" in csv
    line = next(line for line in csv.splitlines() if line.startswith("data_quality,missing_bill_rate"))
    assert "Contractor C" in line and ",40.00," in line
    text = " ".join(pdf_text(report_pdf(report)).split())
    assert "Incomplete data: 1 gap" in text
    assert "40.00 h of Contractor C" in text
    assert "(incomplete data)" in text
    [gap] = data_gaps(APRIL)
    assert gap == report.payload["data_quality"][0]


def test_overhead_without_a_rate_and_tickets_without_a_policy_are_gaps(worked_example) -> None:
    stranger = person_create(name="Pat Unrated", email="pat@example.com")
    overhead_entry_create(
        engagement=worked_example.augmented,
        person=stranger,
        date=dt.date(2026, 4, 8),
        hours=Decimal("2.50"),
        activity="supervision",
    )
    opened = dt.datetime(2026, 4, 9, 14, tzinfo=dt.UTC)
    ticket_create(engagement=worked_example.augmented, priority="P2", category="incident", opened_at=opened)
    payload = _compute(worked_example).payload
    kinds = {gap["kind"]: gap for gap in payload["data_quality"]}
    assert set(kinds) == {"missing_internal_rate", "no_sla_policy"}
    assert kinds["missing_internal_rate"]["subject"] == "Pat Unrated"
    assert kinds["missing_internal_rate"]["hours"] == "2.50"
    assert kinds["no_sla_policy"]["tickets"] == 1


def test_the_email_leads_with_the_banner_and_the_verdict(worked_example, unpriced, mailoutbox) -> None:
    from django.contrib.auth.models import Group

    from kernel.roles import LEADERSHIP
    from reports.services.email import monthly_email_send
    from tests.factories import UserFactory

    user = UserFactory(email="lead@example.com")
    user.groups.add(Group.objects.get_or_create(name=LEADERSHIP)[0])
    _compute(worked_example)
    assert monthly_email_send(month=APRIL) == 1
    html = mailoutbox[0].alternatives[0][0]
    assert html.index("Incomplete data: 1 gap") < html.index("Verdict by service area") < html.index("Total cost")
    assert "40.00 h of Contractor C" in html
    assert "Staff augmentation was cheaper for Help desk in April 2026 by USD 2,147.50" in html
    assert "INCOMPLETE DATA" in mailoutbox[0].body


def test_an_engagement_whose_currency_has_no_rate_is_a_gap_left_out_of_the_totals(worked_example) -> None:
    from billing.services import contractor_rate_create
    from tests.factories import ContractorFactory, EngagementFactory

    contractor = ContractorFactory(engagement=EngagementFactory(name="Berlin desk", currency="EUR", start_date=APRIL))
    contractor_rate_create(contractor=contractor, hourly_rate=Decimal("100.00"), effective_from=APRIL)
    time_entry_create(contractor=contractor, date=dt.date(2026, 4, 2), hours=Decimal("10.00"))
    snapshots_compute(engagement_ids=[contractor.engagement_id], month=APRIL)
    payload = _compute(worked_example).payload
    [gap] = payload["data_quality"]
    assert (gap["kind"], gap["subject"], gap["engagement_name"]) == ("missing_exchange_rate", "EUR", "Berlin desk")
    assert "left out of the converted totals" in gap["message"]
    assert payload["service_areas"][0]["staff_aug"]["figures"]["total_cost"] == "4192.50"
    assert payload["service_areas"][0]["staff_aug"]["complete"] is False
    assert data_gaps(APRIL) == payload["data_quality"]


def _gappy(count: int) -> list[int]:
    from tests.factories import ContractorFactory, EngagementFactory

    ids = []
    for n in range(count):
        contractor = ContractorFactory(engagement=EngagementFactory(start_date=dt.date(2026, 1, 1)))
        time_entry_create(contractor=contractor, date=dt.date(2026, 4, 8 + n % 20), hours=Decimal("3.50"))
        opened = dt.datetime(2026, 4, 9, 14, tzinfo=dt.UTC)
        ticket_create(engagement=contractor.engagement, priority="P2", category="incident", opened_at=opened)
        ids.append(contractor.engagement_id)
    return ids


def test_gaps_cost_a_constant_number_of_queries(new_york) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.services import build_payload
    from reports.services.snapshots import collect_inputs

    def counted(ids: list[int]) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as inputs:
            collect_inputs(ids, APRIL)
        snapshots_compute(engagement_ids=ids, month=APRIL)
        with CaptureQueriesContext(connection) as payload:
            build_payload(APRIL)
        return len(inputs), len(payload)

    few = counted(_gappy(2))
    many = counted(_gappy(2) + _gappy(5))
    assert len(data_gaps(APRIL)) == 2 * 9  # nine engagements: an unpriced contractor and an uncovered ticket each
    assert many[0] == few[0]
    assert many[1] == few[1]


def test_the_email_writes_amounts_with_separators(worked_example, mailoutbox) -> None:
    from django.contrib.auth.models import Group

    from kernel.roles import LEADERSHIP
    from reports.services.email import monthly_email_send
    from tests.factories import UserFactory

    UserFactory(email="lead@example.com").groups.add(Group.objects.get_or_create(name=LEADERSHIP)[0])
    _compute(worked_example)
    assert monthly_email_send(month=APRIL) == 1
    html = mailoutbox[0].alternatives[0][0]
    assert ">4,192.50<" in html and ">6,340.00<" in html and ">99.7%<" in html
    assert "staff augmentation 4,192.50, managed service 6,340.00" in mailoutbox[0].body
