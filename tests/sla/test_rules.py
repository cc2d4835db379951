"""Every bad input to the SLA app gets a message a person understands, on the right field; the database backs it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kernel.services import translate_database_error
from sla.models import CreditTier, Outage, Ticket, TicketPause, WorkingHours
from sla.services.assignments import sla_assignment_create
from sla.services.calendars import coverage_calendar_create, working_hours_set
from sla.services.monitoring import monitored_service_create, outage_create, outage_update
from sla.services.policies import credit_tiers_set, sla_policy_create, sla_policy_update
from sla.services.tickets import (
    ticket_pause_create,
    ticket_pause_update,
    ticket_pauses_set,
    ticket_update,
)
from tests.factories import EngagementFactory
from tests.sla.factories import (
    CoverageCalendarFactory,
    MonitoredServiceFactory,
    SLAPolicyFactory,
    TicketFactory,
    ny,
    office_hours,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- tickets ---------------------------------------------------------------------------


def test_a_first_response_before_the_ticket_was_opened_is_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        TicketFactory(opened_at=ny(2026, 4, 14, 10), first_response_at=ny(2026, 4, 14, 9, 59))
    assert errors_of(excinfo) == {"first_response_at": ["The first response cannot be before the ticket was opened."]}
    assert not Ticket.objects.exists()


def test_a_ticket_resolved_before_it_was_opened_is_refused() -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10))
    with pytest.raises(ValidationError) as excinfo:
        ticket_update(ticket=ticket, resolved_at=ny(2026, 4, 13, 10))
    assert errors_of(excinfo) == {"resolved_at": ["A ticket cannot be resolved before it was opened."]}


def test_a_ticket_needs_a_known_priority_and_category() -> None:
    with pytest.raises(ValidationError) as excinfo:
        TicketFactory(priority="P9", category="gossip")
    errors = errors_of(excinfo)
    assert errors["priority"] == ["Value 'P9' is not a valid choice."]
    assert errors["category"] == ["Value 'gossip' is not a valid choice."]


def test_the_same_source_and_external_id_cannot_be_recorded_twice() -> None:
    engagement = EngagementFactory()
    TicketFactory(engagement=engagement, source="jira", external_id="HD-1")
    with pytest.raises(ValidationError) as excinfo:
        TicketFactory(engagement=engagement, source="jira", external_id="HD-1")
    assert errors_of(excinfo) == {"__all__": ["A ticket with this source and external id already exists."]}
    # Rows without an external id (typed in by hand) never collide.
    TicketFactory(engagement=engagement, source="jira", external_id="")
    TicketFactory(engagement=engagement, source="jira", external_id="")


def test_moving_a_tickets_times_may_not_strand_a_pause() -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10))
    ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 11), ended_at=ny(2026, 4, 14, 12))
    with pytest.raises(ValidationError) as excinfo:
        ticket_update(ticket=ticket, opened_at=ny(2026, 4, 14, 11, 30))
    assert errors_of(excinfo) == {
        "opened_at": ["A pause of this ticket starts before this time; move or delete the pause first."]
    }
    ticket.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        ticket_update(ticket=ticket, resolved_at=ny(2026, 4, 14, 11, 30))
    assert errors_of(excinfo) == {
        "resolved_at": ["A pause of this ticket runs past this time; end the pause at or before it first."]
    }


# --- pauses ---------------------------------------------------------------------------------


def test_a_pause_before_the_ticket_was_opened_is_refused() -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10))
    with pytest.raises(ValidationError) as excinfo:
        ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 9), ended_at=ny(2026, 4, 14, 11))
    assert errors_of(excinfo) == {
        "started_at": ["A pause cannot start before the ticket was opened (2026-04-14 10:00 EDT)."]
    }


def test_a_pause_after_the_ticket_was_resolved_is_refused() -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10), resolved_at=ny(2026, 4, 14, 16))
    with pytest.raises(ValidationError) as excinfo:
        ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 15), ended_at=ny(2026, 4, 14, 17))
    assert errors_of(excinfo) == {
        "ended_at": ["A pause cannot end after the ticket was resolved (2026-04-14 16:00 EDT)."]
    }
    with pytest.raises(ValidationError) as excinfo:
        ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 16), ended_at=ny(2026, 4, 14, 17))
    assert errors_of(excinfo) == {
        "started_at": ["A pause cannot start once the ticket is resolved (2026-04-14 16:00 EDT)."]
    }
    with pytest.raises(ValidationError) as excinfo:
        ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 15))
    assert errors_of(excinfo) == {
        "ended_at": ["The ticket is resolved, so the pause must end by 2026-04-14 16:00 EDT."]
    }


def test_a_pause_that_overlaps_another_pause_of_the_ticket_is_refused() -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10))
    ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 11), ended_at=ny(2026, 4, 14, 12))
    with pytest.raises(ValidationError) as excinfo:
        ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 11, 30), ended_at=ny(2026, 4, 14, 13))
    assert errors_of(excinfo) == {
        "started_at": [
            "This pause overlaps another pause of the same ticket (2026-04-14 11:00 EDT to 2026-04-14 12:00 EDT)."
        ]
    }
    # Touching is fine: one wait ends as the next begins.
    ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 12), ended_at=ny(2026, 4, 14, 13))
    assert TicketPause.objects.filter(ticket=ticket).count() == 2


def test_a_running_pause_overlaps_every_later_pause() -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10))
    ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 11))
    with pytest.raises(ValidationError) as excinfo:
        ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 15, 11), ended_at=ny(2026, 4, 15, 12))
    assert errors_of(excinfo) == {
        "started_at": [
            "This pause overlaps another pause of the same ticket (2026-04-14 11:00 EDT to now (still running))."
        ]
    }


def test_a_pause_that_ends_before_it_starts_is_refused() -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10))
    pause = ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 11))
    with pytest.raises(ValidationError) as excinfo:
        ticket_pause_update(pause=pause, ended_at=ny(2026, 4, 14, 11))
    assert errors_of(excinfo) == {"ended_at": ["A pause must end after it starts."]}


def test_a_set_of_pauses_that_overlap_each_other_is_refused_as_a_whole() -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10))
    with pytest.raises(ValidationError) as excinfo:
        ticket_pauses_set(
            ticket=ticket,
            pauses=[
                {"started_at": ny(2026, 4, 14, 11), "ended_at": ny(2026, 4, 14, 13)},
                {"started_at": ny(2026, 4, 14, 12), "ended_at": ny(2026, 4, 14, 14)},
            ],
        )
    assert errors_of(excinfo) == {
        "pauses": ["The pause from 2026-04-14 11:00 EDT overlaps the next one (from 2026-04-14 12:00 EDT)."]
    }
    assert not TicketPause.objects.exists()


# --- outages and services ------------------------------------------------------------------


def test_an_outage_ending_before_it_starts_is_refused() -> None:
    service = MonitoredServiceFactory()
    for end in (ny(2026, 4, 20, 9), ny(2026, 4, 20, 10)):
        with pytest.raises(ValidationError) as excinfo:
            outage_create(service=service, started_at=ny(2026, 4, 20, 10), ended_at=end)
        assert errors_of(excinfo) == {"ended_at": ["An outage must end after it starts."]}
    outage = outage_create(service=service, started_at=ny(2026, 4, 20, 10))
    with pytest.raises(ValidationError) as excinfo:
        outage_update(outage=outage, ended_at=ny(2026, 4, 19, 10))
    assert errors_of(excinfo) == {"ended_at": ["An outage must end after it starts."]}


def test_a_negative_business_impact_is_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        monitored_service_create(engagement=EngagementFactory(), name="VPN", business_impact_per_hour=Decimal("-1"))
    assert errors_of(excinfo) == {"business_impact_per_hour": ["The business impact per hour cannot be negative."]}


def test_an_engagement_monitors_a_service_name_once() -> None:
    engagement = EngagementFactory()
    monitored_service_create(engagement=engagement, name="Email")
    with pytest.raises(ValidationError) as excinfo:
        monitored_service_create(engagement=engagement, name="Email")
    assert errors_of(excinfo) == {"__all__": ["This engagement already monitors a service with this name."]}


# --- calendars --------------------------------------------------------------------------------


def test_an_unknown_time_zone_is_refused() -> None:
    for name in ("Mars/Olympus_Mons", "America", "EST5EDT/x"):
        with pytest.raises(ValidationError) as excinfo:
            coverage_calendar_create(name="Office", time_zone=name, always_on=True)
        assert errors_of(excinfo) == {
            "time_zone": [
                (f"{name!r} is not a known time zone: use an IANA name such as America/New_York, Europe/Berlin or UTC.")
            ]
        }


def test_working_hours_that_end_before_they_start_are_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        coverage_calendar_create(
            name="Office", time_zone="Europe/Berlin", working_hours=office_hours((dt.time(17), dt.time(9)))
        )
    assert errors_of(excinfo) == {
        "working_hours": ["Monday 17:00-09:00: the end must be after the start (use no end for midnight)."]
    }
    calendar = CoverageCalendarFactory(always_on=False, working_hours=office_hours())
    row = WorkingHours(calendar=calendar, weekday=5, start=dt.time(12), end=dt.time(11))
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert errors_of(excinfo) == {
        "end": ["Working hours must end after they start (leave the end empty for midnight)."]
    }


def test_overlapping_working_hours_on_one_day_are_refused_but_a_lunch_break_is_fine() -> None:
    calendar = coverage_calendar_create(
        name="Office",
        time_zone="Europe/Berlin",
        working_hours=office_hours((dt.time(9), dt.time(12)), (dt.time(13), dt.time(17))),
    )
    assert WorkingHours.objects.filter(calendar=calendar).count() == 10
    with pytest.raises(ValidationError) as excinfo:
        working_hours_set(calendar=calendar, working_hours=office_hours((dt.time(9), dt.time(12)), (dt.time(11), None)))
    assert errors_of(excinfo) == {"working_hours": ["Monday 09:00-12:00 overlaps 11:00-24:00."]}


def test_a_calendar_needs_working_hours_or_24x7_but_not_both() -> None:
    with pytest.raises(ValidationError) as excinfo:
        coverage_calendar_create(name="Nothing", time_zone="UTC")
    assert errors_of(excinfo) == {
        "working_hours": ["Add working hours or tick 24x7: without either the SLA clock would never run."]
    }
    with pytest.raises(ValidationError) as excinfo:
        coverage_calendar_create(name="Both", time_zone="UTC", always_on=True, working_hours=office_hours())
    assert errors_of(excinfo) == {
        "working_hours": ["A 24x7 calendar ignores working hours: untick 24x7 or remove the hours."]
    }


# --- policies -------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [Decimal("0"), Decimal("-1"), Decimal("100.001")])
def test_an_uptime_target_outside_0_to_100_is_refused(target: Decimal) -> None:
    with pytest.raises(ValidationError) as excinfo:
        sla_policy_create(name="Bad", calendar=CoverageCalendarFactory(), uptime_target=target)
    assert errors_of(excinfo) == {"uptime_target": ["The uptime target must be more than 0% and at most 100%."]}


def test_an_uptime_target_of_exactly_100_is_allowed() -> None:
    policy = sla_policy_create(name="Perfect", calendar=CoverageCalendarFactory(), uptime_target=Decimal("100"))
    assert policy.uptime_target == Decimal("100")


def test_tiers_that_do_not_descend_are_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        SLAPolicyFactory(
            credit_tiers=[
                {"below_pct": Decimal("99.900"), "credit_pct": Decimal("25")},
                {"below_pct": Decimal("99.000"), "credit_pct": Decimal("10")},
            ]
        )
    assert errors_of(excinfo) == {
        "credit_tiers": [
            (
                "Tiers must descend: the credit must grow as uptime falls, but below 99% credits 10%, "
                "not more than the 25% of below 99.9%."
            )
        ]
    }
    assert not CreditTier.objects.exists()


def test_two_tiers_with_one_threshold_are_refused() -> None:
    policy = SLAPolicyFactory()
    with pytest.raises(ValidationError) as excinfo:
        credit_tiers_set(
            policy=policy,
            tiers=[
                {"below_pct": Decimal("99.000"), "credit_pct": Decimal("10")},
                {"below_pct": Decimal("99.000"), "credit_pct": Decimal("25")},
            ],
        )
    assert errors_of(excinfo) == {"credit_tiers": ["Two tiers have the same uptime threshold (below 99%)."]}


def test_a_tier_above_the_uptime_target_is_refused_also_when_the_target_moves() -> None:
    with pytest.raises(ValidationError) as excinfo:
        SLAPolicyFactory(
            uptime_target=Decimal("99.000"),
            credit_tiers=[{"below_pct": Decimal("99.500"), "credit_pct": Decimal("10")}],
        )
    assert errors_of(excinfo) == {
        "credit_tiers": [
            ("A tier cannot start above the uptime target (99%): below 99.5% would credit a month that met the SLA.")
        ]
    }
    policy = SLAPolicyFactory(uptime_target=Decimal("99.900"))
    with pytest.raises(ValidationError) as excinfo:
        sla_policy_update(policy=policy, uptime_target=Decimal("99.500"))
    assert "cannot start above the uptime target (99.5%)" in errors_of(excinfo)["credit_tiers"][0]


@pytest.mark.parametrize(
    ("tier", "message"),
    [
        (
            {"below_pct": Decimal("0"), "credit_pct": Decimal("10")},
            "A tier's uptime threshold must be more than 0% and at most 100%.",
        ),
        (
            {"below_pct": Decimal("99"), "credit_pct": Decimal("100.5")},
            "A tier's credit must be more than 0% and at most 100%.",
        ),
    ],
)
def test_a_tier_outside_0_to_100_is_refused(tier: dict[str, Decimal], message: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        SLAPolicyFactory(credit_tiers=[tier])
    assert errors_of(excinfo) == {"credit_tiers": [message]}


def test_a_priority_target_must_be_at_least_a_minute() -> None:
    with pytest.raises(ValidationError) as excinfo:
        SLAPolicyFactory(priority_targets=[{"priority": "P1", "response_minutes": 0, "resolution_minutes": -5}])
    assert errors_of(excinfo) == {
        "response_minutes": ["The response target must be at least 1 minute."],
        "resolution_minutes": ["The resolution target must be at least 1 minute."],
    }


def test_a_policy_has_one_target_per_priority() -> None:
    with pytest.raises(ValidationError) as excinfo:
        SLAPolicyFactory(
            priority_targets=[
                {"priority": "P1", "response_minutes": 15, "resolution_minutes": 60},
                {"priority": "P1", "response_minutes": 30, "resolution_minutes": 60},
            ]
        )
    assert errors_of(excinfo) == {"priority_targets": ["Each priority may have one target only."]}


@pytest.mark.parametrize("field", ["max_credit_pct", "attainment_goal"])
def test_the_maximum_credit_and_attainment_goal_are_percentages(field: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        SLAPolicyFactory(**{field: Decimal("101")})
    assert list(errors_of(excinfo)) == [field]


def test_an_engagement_gets_one_policy_change_per_day() -> None:
    engagement = EngagementFactory()
    sla_assignment_create(engagement=engagement, policy=SLAPolicyFactory(), effective_from=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError) as excinfo:
        sla_assignment_create(engagement=engagement, policy=SLAPolicyFactory(), effective_from=dt.date(2026, 4, 1))
    assert errors_of(excinfo) == {"__all__": ["This engagement already has a policy taking effect on this date."]}


# --- the database backs the rules on every other path -------------------------------------


def test_the_database_refuses_an_outage_that_ends_before_it_starts_and_the_message_is_translated() -> None:
    service = MonitoredServiceFactory()
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Outage.objects.create(service=service, started_at=ny(2026, 4, 20, 10), ended_at=ny(2026, 4, 20, 9))
    error = translate_database_error(excinfo.value)
    assert error is not None and error.message_dict == {"ended_at": ["An outage must end after it starts."]}


@pytest.mark.parametrize(
    "fields",
    [
        {"first_response_at": ny(2026, 4, 14, 9)},
        {"resolved_at": ny(2026, 4, 14, 9)},
        {"priority": "P9"},
        {"category": "gossip"},
    ],
)
def test_the_database_refuses_impossible_tickets(fields: dict[str, object]) -> None:
    engagement = EngagementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(
            engagement=engagement,
            **{"priority": "P1", "category": "incident", "opened_at": ny(2026, 4, 14, 10), **fields},
        )


def test_the_database_refuses_a_pause_that_ends_before_it_starts() -> None:
    ticket = TicketFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketPause.objects.create(ticket=ticket, started_at=ny(2026, 4, 14, 12), ended_at=ny(2026, 4, 14, 11))


def test_the_database_refuses_a_policy_target_of_zero() -> None:
    policy = SLAPolicyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(policy).objects.filter(pk=policy.pk).update(uptime_target=Decimal("0"))
