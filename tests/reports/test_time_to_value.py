"""Time to value: days from an engagement's start to the first month both ticket attainments reach the goal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from engagements.services.engagements import engagement_create, milestone_create, service_area_create, vendor_create
from reports import maths
from reports.exports import report_csv
from reports.services import report_build, snapshots_compute
from sla.services.assignments import sla_assignment_create
from sla.services.calendars import coverage_calendar_create
from sla.services.policies import sla_policy_create
from sla.services.tickets import ticket_create

START = dt.date(2026, 1, 10)
JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
GOAL = D("95.000")


def _month(month: dt.date, response: str | None, resolution: str | None, **counts: int) -> maths.MonthAttainment:
    return maths.MonthAttainment(
        month=month,
        response_met_pct=None if response is None else D(response),
        resolution_met_pct=None if resolution is None else D(resolution),
        tickets=counts.pop("tickets", 1),
        **counts,
    )


# --- the pure function ------------------------------------------------------------------


def test_value_reached_in_the_third_month_counts_the_days_to_that_months_end() -> None:
    rows = [_month(JAN, "80", "90"), _month(FEB, "94.999", "99"), _month(MAR, "95", "96")]
    assert maths.time_to_value(START, rows, GOAL, None) == (dt.date(2026, 3, 31) - START).days == 80


def test_an_engagement_that_never_reaches_the_goal_has_no_time_to_value_yet() -> None:
    rows = [_month(JAN, "80", "90"), _month(FEB, "90", "94")]
    assert maths.time_to_value(START, rows, GOAL, dt.date(2026, 1, 20)) is None


def test_an_engagement_without_tickets_counts_to_its_first_accepted_milestone() -> None:
    rows = [_month(JAN, None, None, tickets=0), _month(FEB, None, None, tickets=0)]
    assert maths.time_to_value(START, rows, GOAL, dt.date(2026, 2, 3)) == 24


def test_an_engagement_without_tickets_or_accepted_milestone_has_not_reached_value() -> None:
    # The caller passes only accepted milestones: an unaccepted delivery gives None here.
    rows = [_month(JAN, None, None, tickets=0)]
    assert maths.time_to_value(START, rows, GOAL, None) is None


def test_a_month_with_only_one_of_the_two_attainments_at_goal_does_not_count() -> None:
    rows = [_month(JAN, "100", "94"), _month(FEB, "96", None), _month(MAR, None, "100")]
    assert maths.time_to_value(START, rows, GOAL, None) is None


def test_a_goal_of_90_is_reached_earlier_than_a_goal_of_95() -> None:
    rows = [_month(JAN, "92", "91"), _month(FEB, "97", "95")]
    assert maths.time_to_value(START, rows, D("90"), None) == 21
    assert maths.time_to_value(START, rows, D("95"), None) == 49


def test_a_months_own_policy_goal_overrides_the_default_goal() -> None:
    rows = [maths.MonthAttainment(JAN, D("92"), D("91"), tickets=1, goal=D("90"))]
    assert maths.time_to_value(START, rows, GOAL, None) == 21


def test_the_counts_decide_exactly_when_the_stored_percentage_is_rounded_up_to_the_goal() -> None:
    # 1,899,991 of 2,000,000 is 94.99955%, which the snapshot stores rounded as 95.000: not at goal.
    row = maths.MonthAttainment(
        JAN,
        D("95.000"),
        D("100"),
        response_met=1899991,
        response_measured=2000000,
        resolution_met=1,
        resolution_measured=1,
        tickets=1,
    )
    assert not maths.reaches_goal(row, GOAL)
    exact = maths.MonthAttainment(
        JAN,
        D("95.000"),
        D("100"),
        response_met=19,
        response_measured=20,
        resolution_met=1,
        resolution_measured=1,
        tickets=1,
    )
    assert maths.reaches_goal(exact, GOAL)


def test_the_summary_gives_median_and_mean_of_the_reached_values_and_the_count() -> None:
    summary = maths.summarize_time_to_value([21, None, 50, 30, 40])
    assert summary == maths.TimeToValueSummary(median_days=D(35), mean_days=D("35.3"), reached=4, counted=5)
    assert maths.summarize_time_to_value([None]) == maths.TimeToValueSummary(None, None, 0, 1)


# --- the report ---------------------------------------------------------------------------


def _utc(month: dt.date, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, hour, minute, tzinfo=dt.UTC)


def _tickets(engagement, month: dt.date, *, missed: int) -> None:
    """Record one ticket that meets both targets and `missed` that miss both (P2: 60 min / 480 min)."""
    ticket_create(
        engagement=engagement,
        priority="P2",
        category="incident",
        opened_at=_utc(month, 12, 10),
        first_response_at=_utc(month, 12, 10, 30),
        resolved_at=_utc(month, 12, 11),
    )
    for _ in range(missed):
        ticket_create(
            engagement=engagement,
            priority="P2",
            category="incident",
            opened_at=_utc(month, 13, 8),
            first_response_at=_utc(month, 13, 10),
            resolved_at=_utc(month, 13, 20),
        )


@pytest.fixture
def march_report(db):
    area = service_area_create(name="Help desk")
    msp, agency = vendor_create(name="MSP", kind="msp"), vendor_create(name="Agency", kind="staffing")
    calendar = coverage_calendar_create(name="24x7", time_zone="UTC", always_on=True)
    targets = [{"priority": "P2", "response_minutes": 60, "resolution_minutes": 480}]
    strict = sla_policy_create(name="Strict", calendar=calendar, uptime_target=D("99.000"), priority_targets=targets)
    lenient = sla_policy_create(
        name="Lenient",
        calendar=calendar,
        uptime_target=D("99.000"),
        attainment_goal=D("50.000"),
        priority_targets=targets,
    )

    def engagement(name: str, model: str, start: dt.date):
        vendor = msp if model == "managed" else agency
        return engagement_create(name=name, vendor=vendor, model=model, service_area=area, start_date=start)

    onboarding = engagement("MSP onboarding", "managed", START)
    quick = engagement("MSP lenient", "managed", START)
    for managed, policy in ((onboarding, strict), (quick, lenient)):
        sla_assignment_create(engagement=managed, policy=policy, effective_from=START)
        _tickets(managed, JAN, missed=1)  # 50% in January: the lenient goal only
        _tickets(managed, FEB, missed=0)  # 100% in February
    task = engagement("Contractor task", "staff_aug", dt.date(2026, 2, 1))
    milestone_create(engagement=task, title="Draft", due_date=dt.date(2026, 2, 5), delivered_date=dt.date(2026, 2, 5))
    milestone_create(
        engagement=task,
        title="Final",
        due_date=dt.date(2026, 2, 20),
        delivered_date=dt.date(2026, 2, 20),
        accepted=True,
    )
    waiting = engagement("Contractor waiting", "staff_aug", MAR)
    milestone_create(engagement=waiting, title="Unaccepted", due_date=MAR, delivered_date=dt.date(2026, 3, 2))
    ids = [onboarding.pk, quick.pk, task.pk, waiting.pk]
    for month in (JAN, FEB, MAR):
        snapshots_compute(engagement_ids=ids, month=month)
    return report_build(month=MAR)


def test_the_report_stores_each_engagements_time_to_value_and_each_models_summary(
    march_report,
    leadership_client,
) -> None:
    payload = march_report.payload
    by_name = {row["name"]: row for row in payload["engagements"]}
    assert by_name["MSP onboarding"]["time_to_value_days"] == 49  # February 28 - January 10
    assert by_name["MSP lenient"]["time_to_value_days"] == 21  # goal 50%: January 31 - January 10
    assert by_name["Contractor task"]["time_to_value_days"] == 19  # the accepted milestone, not the draft
    assert by_name["Contractor task"]["time_to_value_basis"] == "milestone"
    waiting = by_name["Contractor waiting"]
    assert (waiting["time_to_value_days"], waiting["time_to_value_note"]) == (None, "not yet")

    managed, staff = payload["overall"]["managed"], payload["overall"]["staff_aug"]
    assert (managed["time_to_value_median_days"], managed["time_to_value_mean_days"]) == ("35", "35.0")
    assert (managed["time_to_value_reached"], managed["time_to_value_counted"]) == (2, 2)
    assert (staff["time_to_value_median_days"], staff["time_to_value_reached"], staff["time_to_value_counted"]) == (
        "19",
        1,
        2,
    )
    area = payload["service_areas"][0]
    assert area["managed"]["time_to_value_median_days"] == "35"

    html = leadership_client.get(reverse("reports:month", kwargs={"month": "2026-03"})).content.decode()
    assert "<td>Time to value (median days)</td><td>19.0</td><td>35.0</td>" in html
    assert "Time to value (days)" in html and "<td>not yet</td>" in html
    csv_text = report_csv(payload)
    assert "figures,Overall,Time to value (median days),days,19,35," in csv_text
    # Engagement rows end with time to value (days), its note, then the row's data gaps.
    assert ",49,," in csv_text and ",not yet," in csv_text
    pdf = leadership_client.get(reverse("reports:month_pdf", kwargs={"month": "2026-03"}))
    assert pdf.status_code == 200
