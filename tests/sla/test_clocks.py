"""Tickets' SLA clocks through the models: business hours, pauses, policies in effect, and stored verdicts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kernel.months import zone
from sla.models import Ticket, TicketPause, TicketState
from sla.services.assignments import sla_assignment_create
from sla.services.calendars import coverage_calendar_create
from sla.services.clocks import ticket_clock_refresh, ticket_clocks_refresh_running
from sla.services.policies import priority_targets_set
from sla.services.tickets import ticket_pause_create, ticket_update
from tests.factories import EngagementFactory
from tests.sla.factories import SLAAssignmentFactory, SLAPolicyFactory, TicketFactory, ny, office_hours, targets

pytestmark = pytest.mark.django_db
BERLIN = zone("Europe/Berlin")


@pytest.fixture(autouse=True)
def _new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


def business_hours_engagement(*, zone: str = "America/New_York", holidays=(), hours=None, **target_minutes):
    """Return an engagement under a Monday-Friday 09:00-17:00 policy (P2: respond in 60, resolve in 480 minutes)."""
    calendar = coverage_calendar_create(
        name=f"Office {zone}",
        time_zone=zone,
        working_hours=hours or office_hours(),
        holidays=[{"date": day, "name": "Holiday"} for day in holidays],
    )
    policy = SLAPolicyFactory(calendar=calendar, priority_targets=targets(**{"P2": (60, 480), **target_minutes}))
    return SLAAssignmentFactory(policy=policy, effective_from=dt.date(2026, 1, 1)).engagement


def p2(engagement, **fields):
    """Record a P2 ticket opened Tuesday 14 April 2026 at 16:30 New York time unless told otherwise."""
    return TicketFactory(engagement=engagement, priority="P2", **{"opened_at": ny(2026, 4, 14, 16, 30), **fields})


# --- response ---------------------------------------------------------------------------


def test_a_response_next_morning_counts_only_business_minutes_and_is_met() -> None:
    ticket = p2(business_hours_engagement(), first_response_at=ny(2026, 4, 15, 9, 20))
    assert ticket.response_elapsed == dt.timedelta(minutes=50)
    assert ticket.response_met is True
    assert ticket.response_slack_minutes == Decimal("10.00")
    assert ticket.response_due_at == ny(2026, 4, 15, 9, 30)


def test_a_late_response_is_breached_with_negative_slack() -> None:
    ticket = p2(business_hours_engagement(), first_response_at=ny(2026, 4, 15, 9, 45))
    assert ticket.response_met is False
    assert ticket.response_slack_minutes == Decimal("-15.00")


def test_a_response_exactly_at_the_target_is_met_with_zero_slack() -> None:
    ticket = p2(business_hours_engagement(), first_response_at=ny(2026, 4, 15, 9, 30))
    assert (ticket.response_met, ticket.response_slack_minutes) == (True, Decimal("0.00"))


def test_slack_is_kept_to_the_hundredth_of_a_minute() -> None:
    ticket = p2(business_hours_engagement(), first_response_at=ny(2026, 4, 15, 9, 20, 31))
    assert ticket.response_slack_minutes == Decimal("9.48")


def test_the_response_clock_ignores_pauses() -> None:
    engagement = business_hours_engagement()
    ticket = p2(engagement)
    ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 16, 40), ended_at=ny(2026, 4, 15, 10))
    ticket_update(ticket=ticket, first_response_at=ny(2026, 4, 15, 9, 45))
    assert ticket.response_met is False


def test_a_ticket_resolved_without_a_first_response_stops_its_response_clock_at_resolution() -> None:
    ticket = p2(business_hours_engagement(), resolved_at=ny(2026, 4, 14, 16, 50))
    assert (ticket.response_met, ticket.response_elapsed) == (True, dt.timedelta(minutes=20))


# --- resolution and pauses ----------------------------------------------------------------


def test_resolution_a_business_day_and_a_half_later_is_breached() -> None:
    ticket = p2(business_hours_engagement(), first_response_at=ny(2026, 4, 15, 9), resolved_at=ny(2026, 4, 16, 10))
    assert ticket.resolution_elapsed == dt.timedelta(minutes=30 + 480 + 60)
    assert ticket.resolution_due_at == ny(2026, 4, 15, 16, 30)
    assert (ticket.resolution_met, ticket.resolution_slack_minutes) == (False, Decimal("-90.00"))
    assert ticket.state == TicketState.BREACHED


def test_a_pause_during_business_hours_stops_the_resolution_clock_and_pushes_the_deadline() -> None:
    ticket = p2(business_hours_engagement(), first_response_at=ny(2026, 4, 15, 9))
    ticket_pause_create(
        ticket=ticket, started_at=ny(2026, 4, 15, 10), ended_at=ny(2026, 4, 15, 12), reason="waiting_on_customer"
    )
    assert ticket.resolution_due_at == ny(2026, 4, 16, 10, 30)
    ticket_update(ticket=ticket, resolved_at=ny(2026, 4, 16, 10))
    assert ticket.resolution_elapsed == dt.timedelta(minutes=450)
    assert (ticket.resolution_met, ticket.resolution_slack_minutes) == (True, Decimal("30.00"))
    assert ticket.state == TicketState.MET


def test_an_overnight_pause_extends_nothing() -> None:
    ticket = p2(business_hours_engagement())
    due = ticket.resolution_due_at
    ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 17, 30), ended_at=ny(2026, 4, 15, 8, 30))
    assert ticket.resolution_due_at == due == ny(2026, 4, 15, 16, 30)


def test_a_weekend_pause_extends_nothing() -> None:
    friday = ny(2026, 4, 17, 16)
    ticket = p2(business_hours_engagement(), opened_at=friday)
    due = ticket.resolution_due_at
    ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 17, 17), ended_at=ny(2026, 4, 20, 9))
    assert ticket.resolution_due_at == due == ny(2026, 4, 20, 16)


def test_a_pause_partly_in_business_hours_subtracts_only_that_part() -> None:
    ticket = p2(business_hours_engagement())
    # 16:40 to 09:30 next day: 20 minutes on Tuesday and 30 on Wednesday are business time,
    # so the deadline moves 50 business minutes, from Wednesday 16:30 to Thursday 09:20.
    ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 16, 40), ended_at=ny(2026, 4, 15, 9, 30))
    assert ticket.resolution_due_at == ny(2026, 4, 16, 9, 20)


def test_a_running_pause_holds_the_clock_until_now_and_ends_when_the_ticket_is_resolved() -> None:
    ticket = p2(business_hours_engagement(), first_response_at=ny(2026, 4, 14, 16, 45))
    pause = ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 15, 9))
    ticket_clock_refresh(ticket=ticket, now=ny(2026, 4, 16, 12))
    assert ticket.resolution_elapsed == dt.timedelta(minutes=30)
    assert (ticket.resolution_met, ticket.resolution_slack_minutes) == (None, Decimal("450.00"))
    assert ticket.state == TicketState.RUNNING
    ticket_update(ticket=ticket, resolved_at=ny(2026, 4, 16, 12))
    pause.refresh_from_db()
    assert pause.ended_at == ny(2026, 4, 16, 12)
    assert (ticket.resolution_met, ticket.resolution_elapsed) == (True, dt.timedelta(minutes=30))


# --- running clocks and breaches that stay -----------------------------------------------


def test_a_running_ticket_under_its_targets_is_neither_met_nor_breached() -> None:
    ticket = p2(business_hours_engagement())
    ticket_clock_refresh(ticket=ticket, now=ny(2026, 4, 14, 16, 50))
    assert (ticket.response_met, ticket.resolution_met) == (None, None)
    assert (ticket.response_slack_minutes, ticket.resolution_slack_minutes) == (Decimal("40.00"), Decimal("460.00"))
    assert ticket.state == TicketState.RUNNING


def test_a_breach_recorded_while_running_stays_after_resolution() -> None:
    ticket = p2(business_hours_engagement(), first_response_at=ny(2026, 4, 14, 16, 45))
    changed = ticket_clocks_refresh_running(now=ny(2026, 4, 16, 9))
    ticket.refresh_from_db()
    assert changed == 1 and ticket.resolution_met is False
    ticket_update(ticket=ticket, resolved_at=ny(2026, 4, 16, 9, 30))
    ticket.refresh_from_db()
    assert ticket.resolution_met is False
    assert ticket.state == TicketState.BREACHED
    assert Ticket.objects.breached().get() == ticket


# --- calendars: holidays, two intervals a day, DST -----------------------------------------


def test_a_holiday_is_skipped_by_the_clocks() -> None:
    engagement = business_hours_engagement(holidays=[dt.date(2026, 4, 15)])
    ticket = p2(engagement, first_response_at=ny(2026, 4, 16, 9, 20))
    assert ticket.response_due_at == ny(2026, 4, 16, 9, 30)
    assert (ticket.response_met, ticket.response_elapsed) == (True, dt.timedelta(minutes=50))


def test_a_lunch_break_between_two_intervals_a_day_is_not_counted() -> None:
    hours = office_hours((dt.time(9), dt.time(12)), (dt.time(13), dt.time(17)))
    ticket = p2(business_hours_engagement(hours=hours), opened_at=ny(2026, 4, 14, 11, 30))
    assert ticket.response_due_at == ny(2026, 4, 14, 13, 30)


def test_business_hours_across_spring_forward_in_new_york_keep_their_wall_clock() -> None:
    friday = ny(2026, 3, 6, 16)  # clocks go forward on Sunday 8 March
    ticket = p2(business_hours_engagement(P2=(120, 480)), opened_at=friday)
    assert ticket.response_due_at == ny(2026, 3, 9, 10)
    assert ticket.response_due_at.astimezone(dt.UTC) == dt.datetime(2026, 3, 9, 14, tzinfo=dt.UTC)


def test_a_24x7_clock_across_spring_forward_counts_real_hours() -> None:
    engagement = SLAAssignmentFactory(policy=SLAPolicyFactory(priority_targets=targets(P1=(15, 240)))).engagement
    ticket = TicketFactory(engagement=engagement, priority="P1", opened_at=ny(2026, 3, 7, 23))
    # 23:00 EST plus four real hours is 04:00 EDT: the clock skipped 02:00-03:00.
    assert ticket.resolution_due_at == ny(2026, 3, 8, 4)


def test_business_hours_across_fall_back_in_berlin_keep_their_wall_clock() -> None:
    engagement = business_hours_engagement(zone="Europe/Berlin", P2=(120, 480))
    friday = dt.datetime(2026, 10, 23, 16, tzinfo=BERLIN)  # clocks go back on Sunday 25 October
    ticket = p2(engagement, opened_at=friday)
    assert ticket.response_due_at == dt.datetime(2026, 10, 26, 10, tzinfo=BERLIN)
    assert ticket.response_due_at.astimezone(dt.UTC) == dt.datetime(2026, 10, 26, 9, tzinfo=dt.UTC)


def test_a_24x7_clock_across_fall_back_in_berlin_counts_the_repeated_hour() -> None:
    calendar = coverage_calendar_create(name="Berlin 24x7", time_zone="Europe/Berlin", always_on=True)
    policy = SLAPolicyFactory(calendar=calendar, priority_targets=targets(P1=(15, 240)))
    engagement = SLAAssignmentFactory(policy=policy).engagement
    ticket = TicketFactory(engagement=engagement, priority="P1", opened_at=dt.datetime(2026, 10, 25, 0, tzinfo=BERLIN))
    assert ticket.resolution_due_at == dt.datetime(2026, 10, 25, 3, tzinfo=BERLIN)


# --- which policy ----------------------------------------------------------------------------


def test_the_policy_in_effect_on_the_opened_date_sets_the_targets() -> None:
    engagement = EngagementFactory()
    strict = SLAPolicyFactory(priority_targets=targets(P2=(60, 480)))
    relaxed = SLAPolicyFactory(priority_targets=targets(P2=(240, 960)))
    sla_assignment_create(engagement=engagement, policy=strict, effective_from=dt.date(2026, 1, 1))
    sla_assignment_create(engagement=engagement, policy=relaxed, effective_from=dt.date(2026, 4, 15))
    before = p2(engagement, opened_at=ny(2026, 4, 14, 23, 30), first_response_at=ny(2026, 4, 15, 1))
    after = p2(engagement, opened_at=ny(2026, 4, 15, 0, 30), first_response_at=ny(2026, 4, 15, 2))
    assert (before.policy, before.response_met) == (strict, False)
    assert (after.policy, after.response_met) == (relaxed, True)


def test_a_ticket_without_a_policy_has_no_verdict_but_keeps_its_time_to_resolve() -> None:
    ticket = p2(EngagementFactory(), resolved_at=ny(2026, 4, 15, 16, 30))
    assert (ticket.policy, ticket.response_met, ticket.resolution_met, ticket.resolution_due_at) == (None,) * 4
    assert ticket.resolution_elapsed == dt.timedelta(hours=24)
    assert ticket.state == TicketState.NO_TARGET


def test_a_policy_without_a_target_for_the_priority_gives_no_verdict() -> None:
    policy = SLAPolicyFactory(priority_targets=[{"priority": "P1", "response_minutes": 15, "resolution_minutes": 60}])
    engagement = SLAAssignmentFactory(policy=policy).engagement
    ticket = p2(engagement, resolved_at=ny(2026, 4, 15, 16, 30))
    assert (ticket.policy, ticket.resolution_met) == (policy, None)


def test_a_new_assignment_recomputes_the_clocks_of_tickets_from_its_date(django_capture_on_commit_callbacks) -> None:
    engagement = EngagementFactory()
    ticket = p2(engagement, first_response_at=ny(2026, 4, 14, 18, 30))
    assert ticket.policy is None
    policy = SLAPolicyFactory(priority_targets=targets(P2=(60, 480)))
    with django_capture_on_commit_callbacks(execute=True):
        sla_assignment_create(engagement=engagement, policy=policy, effective_from=dt.date(2026, 4, 1))
    ticket.refresh_from_db()
    assert (ticket.policy, ticket.response_met) == (policy, False)


def test_changing_a_policys_targets_recomputes_its_tickets(django_capture_on_commit_callbacks) -> None:
    engagement = business_hours_engagement()
    ticket = p2(engagement, first_response_at=ny(2026, 4, 15, 9, 45))
    assert ticket.response_met is False
    with django_capture_on_commit_callbacks(execute=True):
        priority_targets_set(policy=ticket.policy, targets=targets(P2=(120, 480)))
    ticket.refresh_from_db()
    assert (ticket.response_met, ticket.response_slack_minutes) == (True, Decimal("45.00"))


def test_clock_columns_stay_out_of_the_audit_trail_but_the_facts_are_in_it() -> None:
    from engagements.models import AuditLog

    ticket = p2(business_hours_engagement())
    ticket_update(ticket=ticket, first_response_at=ny(2026, 4, 15, 9))
    changes = list(AuditLog.objects.filter(content_type__model="ticket").values_list("changes", flat=True))
    assert any("first_response_at" in change for change in changes)
    assert not any("response_met" in change or "policy_id" in change for change in changes)
    assert TicketPause.objects.count() == 0
