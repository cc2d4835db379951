"""The SLA admin: operations record through the services, lists stay fast, leadership only looks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.models import CoverageCalendar, CreditTier, SLAPolicy, Ticket, TicketPause, WorkingHours
from sla.services.monitoring import monitored_service_create, outage_create
from sla.services.tickets import ticket_pause_create
from tests.factories import EngagementFactory
from tests.sla.factories import (
    CoverageCalendarFactory,
    MonitoredServiceFactory,
    OutageFactory,
    SLAAssignmentFactory,
    SLAPolicyFactory,
    TicketFactory,
    ny,
)

pytestmark = pytest.mark.django_db
TICKETS = "/admin/sla/ticket/"
UPTIME = "/admin/sla/monitoredservice/uptime/"


@pytest.fixture(autouse=True)
def _new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


def management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# --- the ticket list -----------------------------------------------------------------------------


def test_the_ticket_list_shows_state_and_slack(operations_client) -> None:
    engagement = SLAAssignmentFactory().engagement
    TicketFactory(
        engagement=engagement,
        priority="P1",
        opened_at=ny(2026, 4, 14, 10),
        first_response_at=ny(2026, 4, 14, 10, 5),
        resolved_at=ny(2026, 4, 14, 12),
        summary="VPN down",
    )
    page = operations_client.get(TICKETS).content.decode()
    assert "VPN down" in page and ">Met<" in page
    assert "resp. 0:10" in page and "resol. 2:00" in page  # slack in h:mm: 15 - 5 minutes, 240 - 120 minutes


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=breached", {"late"}),
        ("state=met", {"on time"}),
        ("state=running", {"open"}),
        ("state=no_target", {"untracked"}),
        ("priority=P1", {"late"}),
        ("month=2026-05", {"open"}),
        ("opened_month=2026-05", {"open"}),
        ("month=2026-04", {"late", "on time", "untracked"}),
        ("resolved_month=2026-04", {"on time", "untracked"}),
        ("breached=yes", {"late"}),
        ("breached=no", {"on time", "open", "untracked"}),
        ("breached_month=2026-04", {"late"}),
        ("breached_month=2026-05", set()),
        ("breached=yes&opened_month=2026-05", set()),
    ],
)
def test_the_ticket_list_filters_by_state_priority_and_month(
    operations_client, time_machine, query: str, expected: set[str]
) -> None:
    time_machine.move_to(ny(2026, 5, 12, 15))
    engagement = SLAAssignmentFactory().engagement
    TicketFactory(
        engagement=engagement,
        priority="P1",
        summary="late",
        opened_at=ny(2026, 4, 1, 10),
        first_response_at=ny(2026, 4, 1, 11),
    )
    TicketFactory(
        engagement=engagement,
        summary="on time",
        opened_at=ny(2026, 4, 2, 10),
        first_response_at=ny(2026, 4, 2, 10, 5),
        resolved_at=ny(2026, 4, 2, 11),
    )
    TicketFactory(engagement=engagement, summary="open", opened_at=ny(2026, 5, 12, 14, 55))
    TicketFactory(
        engagement=EngagementFactory(),
        summary="untracked",
        opened_at=ny(2026, 4, 3, 10),
        resolved_at=ny(2026, 4, 3, 11),
    )
    response = operations_client.get(f"{TICKETS}?{query}")
    assert response.status_code == 200
    assert {ticket.summary for ticket in response.context["cl"].result_list} == expected


def test_the_ticket_list_filters_by_engagement(operations_client) -> None:
    mine, other = EngagementFactory(), EngagementFactory()
    TicketFactory(engagement=mine, summary="mine")
    TicketFactory(engagement=other, summary="other")
    response = operations_client.get(f"{TICKETS}?engagement__id__exact={mine.pk}")
    assert [ticket.summary for ticket in response.context["cl"].result_list] == ["mine"]


def test_the_ticket_list_takes_the_same_queries_for_3_or_30_tickets(operations_client) -> None:
    def make(count: int) -> None:
        for i in range(count):
            engagement = SLAAssignmentFactory().engagement
            TicketFactory(
                engagement=engagement, opened_at=ny(2026, 4, 1 + i % 28, 10), resolved_at=ny(2026, 4, 1 + i % 28, 12)
            )

    filtered = f"{TICKETS}?state=met&month=2026-04"
    make(3)
    few, few_filtered = queries(operations_client, TICKETS), queries(operations_client, filtered)
    make(27)
    assert queries(operations_client, TICKETS) == few
    assert queries(operations_client, filtered) == few_filtered


def test_the_ticket_list_never_counts_the_whole_table(operations_client) -> None:
    TicketFactory()
    with CaptureQueriesContext(connection) as ctx:
        operations_client.get(TICKETS)
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


# --- recording tickets through the admin ---------------------------------------------------------


def ticket_form(engagement, **overrides: str) -> dict[str, str]:
    return {
        "engagement": str(engagement.pk),
        "priority": "P2",
        "category": "incident",
        "summary": "Printer on fire",
        "opened_at_0": "2026-04-14",
        "opened_at_1": "10:00:00",
        "first_response_at_0": "2026-04-14",
        "first_response_at_1": "10:30:00",
        "resolved_at_0": "",
        "resolved_at_1": "",
        "source": "",
        "external_id": "",
        **management("pauses"),
        **overrides,
    }


def test_operations_adds_a_ticket_with_a_pause_and_its_clocks_are_computed(operations_client) -> None:
    engagement = SLAAssignmentFactory().engagement
    data = ticket_form(
        engagement,
        resolved_at_0="2026-04-14",
        resolved_at_1="20:00:00",
        **management("pauses", total=1),
        **{
            "pauses-0-started_at_0": "2026-04-14",
            "pauses-0-started_at_1": "11:00:00",
            "pauses-0-ended_at_0": "2026-04-14",
            "pauses-0-ended_at_1": "13:00:00",
            "pauses-0-reason": "waiting_on_customer",
        },
    )
    response = operations_client.post(f"{TICKETS}add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket = Ticket.objects.get()
    # 10 hours open, 2 of them paused, against an 8-hour P2 resolution target.
    assert ticket.resolution_elapsed == dt.timedelta(hours=8)
    assert (ticket.response_met, ticket.resolution_met) == (True, True)
    assert TicketPause.objects.get().ticket == ticket


def test_a_ticket_resolved_before_it_was_opened_shows_the_field_message(operations_client) -> None:
    engagement = EngagementFactory()
    response = operations_client.post(
        f"{TICKETS}add/", ticket_form(engagement, resolved_at_0="2026-04-13", resolved_at_1="10:00:00")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["resolved_at"] == [
        "A ticket cannot be resolved before it was opened."
    ]
    assert not Ticket.objects.exists()


def test_overlapping_pauses_in_the_inline_are_refused(operations_client) -> None:
    engagement = EngagementFactory()
    rows = {}
    for i, (start, end) in enumerate([("11:00:00", "13:00:00"), ("12:00:00", "14:00:00")]):
        rows |= {
            f"pauses-{i}-started_at_0": "2026-04-14",
            f"pauses-{i}-started_at_1": start,
            f"pauses-{i}-ended_at_0": "2026-04-14",
            f"pauses-{i}-ended_at_1": end,
            f"pauses-{i}-reason": "waiting_on_customer",
        }
    response = operations_client.post(
        f"{TICKETS}add/", ticket_form(engagement, **management("pauses", total=2), **rows)
    )
    assert response.status_code == 200
    [formset] = response.context["inline_admin_formsets"]
    assert formset.formset.non_form_errors() == [
        "The pause from 2026-04-14 11:00 EDT overlaps the next one (from 2026-04-14 12:00 EDT)."
    ]
    assert not Ticket.objects.exists()


def test_a_pause_outside_the_tickets_life_shows_the_field_message(operations_client) -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10))
    data = ticket_form(
        ticket.engagement,
        **management("pauses", total=1),
        **{
            "pauses-0-started_at_0": "2026-04-14",
            "pauses-0-started_at_1": "09:00:00",
            "pauses-0-ended_at_0": "",
            "pauses-0-ended_at_1": "",
            "pauses-0-reason": "waiting_on_vendor",
            "pauses-0-ticket": str(ticket.pk),
        },
    )
    response = operations_client.post(f"{TICKETS}{ticket.pk}/change/", data)
    assert response.status_code == 200
    [formset] = response.context["inline_admin_formsets"]
    assert formset.formset.errors[0]["started_at"] == [
        "A pause cannot start before the ticket was opened (2026-04-14 10:00 EDT)."
    ]


def test_deleting_a_ticket_in_the_admin_deletes_its_pauses_through_the_audit_trail(operations_client) -> None:
    from engagements.models import AuditLog

    ticket = TicketFactory()
    ticket_pause_create(ticket=ticket, started_at=ticket.opened_at + dt.timedelta(hours=1))
    response = operations_client.post(f"{TICKETS}{ticket.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Ticket.objects.exists() and not TicketPause.objects.exists()
    assert AuditLog.objects.filter(content_type__model="ticketpause", action="delete").count() == 1


# --- policies and calendars ----------------------------------------------------------------------


def policy_form(calendar, tiers: list[tuple[str, str]], **overrides: str) -> dict[str, str]:
    data = {
        "name": "Gold",
        "calendar": str(calendar.pk),
        "uptime_target": "99.900",
        "max_credit_pct": "100",
        "attainment_goal": "95",
        **management("targets", total=1),
        "targets-0-priority": "P1",
        "targets-0-response_minutes": "15",
        "targets-0-resolution_minutes": "240",
        **management("credit_tiers", total=len(tiers)),
        **overrides,
    }
    for i, (below, credit) in enumerate(tiers):
        data |= {f"credit_tiers-{i}-below_pct": below, f"credit_tiers-{i}-credit_pct": credit}
    return data


def test_operations_adds_a_policy_with_targets_and_tiers(operations_client) -> None:
    calendar = CoverageCalendarFactory()
    response = operations_client.post(
        "/admin/sla/slapolicy/add/", policy_form(calendar, [("99.9", "10"), ("99", "25"), ("95", "100")])
    )
    assert response.status_code == 302
    policy = SLAPolicy.objects.get()
    assert [(t.below_pct, t.credit_pct) for t in policy.credit_tiers.all()] == [
        (Decimal("99.900"), Decimal("10.000")),
        (Decimal("99.000"), Decimal("25.000")),
        (Decimal("95.000"), Decimal("100.000")),
    ]
    assert policy.targets.get().resolution_minutes == 240


def test_tiers_that_do_not_descend_are_refused_in_the_admin(operations_client) -> None:
    response = operations_client.post(
        "/admin/sla/slapolicy/add/", policy_form(CoverageCalendarFactory(), [("99.9", "25"), ("99", "10")])
    )
    assert response.status_code == 200
    tiers = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is CreditTier)
    assert tiers.formset.non_form_errors() == [
        (
            "Tiers must descend: the credit must grow as uptime falls, but below 99% credits 10%, "
            "not more than the 25% of below 99.9%."
        )
    ]
    assert not SLAPolicy.objects.exists()


def test_an_uptime_target_above_100_shows_the_field_message(operations_client) -> None:
    response = operations_client.post(
        "/admin/sla/slapolicy/add/", policy_form(CoverageCalendarFactory(), [], uptime_target="100.5")
    )
    assert response.context["adminform"].form.errors["uptime_target"] == [
        "The uptime target must be more than 0% and at most 100%."
    ]


def test_operations_adds_a_calendar_with_a_lunch_break_and_a_holiday(operations_client) -> None:
    data = {
        "name": "Berlin office",
        "time_zone": "Europe/Berlin",
        **management("working_hours", total=2),
        "working_hours-0-weekday": "0",
        "working_hours-0-start": "09:00",
        "working_hours-0-end": "12:00",
        "working_hours-1-weekday": "0",
        "working_hours-1-start": "13:00",
        "working_hours-1-end": "",
        **management("holidays", total=1),
        "holidays-0-date": "2026-10-03",
        "holidays-0-name": "Tag der Deutschen Einheit",
    }
    response = operations_client.post("/admin/sla/coveragecalendar/add/", data)
    assert response.status_code == 302
    calendar = CoverageCalendar.objects.get()
    assert [str(row) for row in WorkingHours.objects.filter(calendar=calendar)] == [
        "Monday 09:00-12:00",
        "Monday 13:00-24:00",
    ]
    assert calendar.holidays.get().name == "Tag der Deutschen Einheit"


def test_an_unknown_time_zone_shows_the_field_message(operations_client) -> None:
    data = {
        "name": "Mars",
        "time_zone": "Mars/Olympus_Mons",
        "always_on": "on",
        **management("working_hours"),
        **management("holidays"),
    }
    response = operations_client.post("/admin/sla/coveragecalendar/add/", data)
    assert response.context["adminform"].form.errors["time_zone"] == [
        "'Mars/Olympus_Mons' is not a known time zone: use an IANA name such as America/New_York, Europe/Berlin or UTC."
    ]


def test_overlapping_working_hours_are_refused_in_the_admin(operations_client) -> None:
    data = {
        "name": "Office",
        "time_zone": "UTC",
        **management("working_hours", total=2),
        "working_hours-0-weekday": "2",
        "working_hours-0-start": "09:00",
        "working_hours-0-end": "13:00",
        "working_hours-1-weekday": "2",
        "working_hours-1-start": "12:00",
        "working_hours-1-end": "17:00",
        **management("holidays"),
    }
    response = operations_client.post("/admin/sla/coveragecalendar/add/", data)
    hours = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is WorkingHours)
    assert hours.formset.non_form_errors() == ["Wednesday 09:00-13:00 overlaps 12:00-17:00."]
    assert not CoverageCalendar.objects.exists()


def test_a_policy_in_use_cannot_be_deleted_and_says_why(operations_client) -> None:
    assignment = SLAAssignmentFactory()
    response = operations_client.post(f"/admin/sla/slapolicy/{assignment.policy.pk}/delete/", {"post": "yes"})
    assert SLAPolicy.objects.filter(pk=assignment.policy.pk).exists()
    page = response.content.decode()
    assert "Cannot delete SLA policy" in page and f"{assignment.policy} from 2026-01-01" in page


# --- outages and the uptime view ---------------------------------------------------------------


def test_the_outage_list_shows_duration_and_engagement(operations_client) -> None:
    engagement = EngagementFactory(name="Help desk (MSP)")
    outage_create(
        service=monitored_service_create(engagement=engagement, name="Email"),
        started_at=ny(2026, 4, 20, 10),
        ended_at=ny(2026, 4, 20, 11, 30),
    )
    page = operations_client.get("/admin/sla/outage/").content.decode()
    assert "Help desk (MSP)" in page and "1:30" in page


def test_the_outage_list_takes_the_same_queries_for_3_or_30_outages(operations_client) -> None:
    OutageFactory.create_batch(3)
    few = queries(operations_client, "/admin/sla/outage/")
    OutageFactory.create_batch(27)
    assert queries(operations_client, "/admin/sla/outage/") == few


def test_the_uptime_view_shows_each_service_to_three_decimals(operations_client) -> None:
    engagement = EngagementFactory(name="Help desk (MSP)", start_date=dt.date(2026, 4, 11))
    email = monitored_service_create(engagement=engagement, name="Email")
    outage_create(service=email, started_at=ny(2026, 4, 20, 10), ended_at=ny(2026, 4, 20, 11))
    outage_create(service=email, started_at=ny(2026, 4, 20, 10, 30), ended_at=ny(2026, 4, 20, 11, 30))
    monitored_service_create(engagement=engagement, name="VPN")
    page = operations_client.get(f"{UPTIME}?month=2026-04").content.decode()
    assert "Uptime in April 2026" in page
    assert "99.688" in page and "100.000" in page and "99.844" in page  # Email, VPN, their mean
    assert "1:30" in page


def test_the_uptime_view_takes_the_same_queries_for_3_or_30_engagements(operations_client) -> None:
    def make(count: int) -> None:
        for _ in range(count):
            OutageFactory(service=MonitoredServiceFactory(engagement=EngagementFactory(start_date=dt.date(2026, 1, 1))))

    make(3)
    few = queries(operations_client, f"{UPTIME}?month=2026-04")
    make(27)
    assert queries(operations_client, f"{UPTIME}?month=2026-04") == few


def test_the_service_list_links_to_the_uptime_view(operations_client) -> None:
    assert UPTIME in operations_client.get("/admin/sla/monitoredservice/").content.decode()


# --- leadership looks, never changes ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        TICKETS,
        "/admin/sla/outage/",
        "/admin/sla/monitoredservice/",
        UPTIME,
        "/admin/sla/slapolicy/",
        "/admin/sla/coveragecalendar/",
        "/admin/sla/slaassignment/",
    ],
)
def test_leadership_can_view_the_sla_pages(leadership_client, url: str) -> None:
    assert leadership_client.get(url).status_code == 200


def test_leadership_can_open_a_ticket_but_not_change_or_add_one(leadership_client) -> None:
    ticket = TicketFactory(summary="Read me")
    page = leadership_client.get(f"{TICKETS}{ticket.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert leadership_client.post(f"{TICKETS}{ticket.pk}/change/", ticket_form(ticket.engagement)).status_code == 403
    assert leadership_client.get(f"{TICKETS}add/").status_code == 403
    assert leadership_client.post(f"{TICKETS}{ticket.pk}/delete/", {"post": "yes"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.summary == "Read me"


def test_leadership_cannot_change_a_policy(leadership_client) -> None:
    policy = SLAPolicyFactory()
    response = leadership_client.post(f"/admin/sla/slapolicy/{policy.pk}/change/", policy_form(policy.calendar, []))
    assert response.status_code == 403


def test_someone_without_a_role_cannot_see_the_uptime_view(client, nobody_user) -> None:
    client.force_login(nobody_user)
    assert client.get(UPTIME).status_code == 403


def test_a_new_tickets_pause_before_it_was_opened_is_refused_on_the_form(operations_client) -> None:
    data = ticket_form(
        EngagementFactory(),
        **management("pauses", total=1),
        **{
            "pauses-0-started_at_0": "2026-04-14",
            "pauses-0-started_at_1": "09:00:00",
            "pauses-0-ended_at_0": "2026-04-14",
            "pauses-0-ended_at_1": "09:30:00",
            "pauses-0-reason": "waiting_on_vendor",
        },
    )
    response = operations_client.post(f"{TICKETS}add/", data)
    assert response.status_code == 200
    [formset] = response.context["inline_admin_formsets"]
    assert formset.formset.errors[0]["started_at"] == [
        "A pause cannot start before the ticket was opened (2026-04-14 10:00 EDT)."
    ]
    assert not Ticket.objects.exists()
