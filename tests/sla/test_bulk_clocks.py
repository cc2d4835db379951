"""Refreshing a month of clocks costs the same few queries for 10, 100 or 10,000 tickets (bench.bulk_clocks times it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import ChangedMonth
from sla.models import Ticket, TicketPause
from sla.services.calendars import coverage_calendar_create
from sla.services.clocks import ticket_clocks_refresh
from tests.factories import EngagementFactory
from tests.sla.factories import SLAAssignmentFactory, SLAPolicyFactory, ny, office_hours

pytestmark = pytest.mark.django_db
APRIL = dt.date(2026, 4, 1)
END_OF_APRIL = ny(2026, 5, 1)
# Savepoint, tickets, pauses, assignments + policies + calendars (select_related),
# targets, tiers, working hours, holidays, one executemany, one upsert of marks, release.
REFRESH_QUERIES = 11


@pytest.fixture(autouse=True)
def _new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def engagements() -> list[int]:
    """Two engagements under a business-hours policy and one under none."""
    calendar = coverage_calendar_create(
        name="Office",
        time_zone="America/New_York",
        working_hours=office_hours(),
        holidays=[{"date": dt.date(2026, 4, 3)}],
    )
    policy = SLAPolicyFactory(calendar=calendar)
    governed = [SLAAssignmentFactory(policy=policy).engagement for _ in range(2)]
    return [engagement.pk for engagement in [*governed, EngagementFactory()]]


def bulk_tickets(engagement_ids: list[int], count: int) -> list[Ticket]:
    """Insert a month of tickets without computing their clocks (as a raw import would leave them)."""
    step = dt.timedelta(days=29) / count
    tickets = []
    for i in range(count):
        opened = ny(2026, 4, 1, 8) + step * i
        resolved = opened + dt.timedelta(hours=3 + i % 50) if i % 3 else None
        tickets.append(
            Ticket(
                engagement_id=engagement_ids[i % len(engagement_ids)],
                priority=f"P{i % 4 + 1}",
                category="incident",
                opened_at=opened,
                first_response_at=opened + dt.timedelta(minutes=i % 90) if i % 5 else None,
                resolved_at=resolved,
            )
        )
    tickets = Ticket.objects.bulk_create(tickets, batch_size=1000)
    TicketPause.objects.bulk_create(
        [
            TicketPause(
                ticket=t, started_at=t.opened_at + dt.timedelta(hours=1), ended_at=t.opened_at + dt.timedelta(hours=2)
            )
            for t in tickets[::4]
        ],
        batch_size=1000,
    )
    return tickets


def refresh_queries(engagement_ids: list[int]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        changed = ticket_clocks_refresh(engagement_ids=engagement_ids, month=APRIL, now=END_OF_APRIL)
    return changed, len(ctx.captured_queries)


def test_refreshing_10_or_100_tickets_takes_the_same_queries(engagements, django_assert_num_queries) -> None:
    bulk_tickets(engagements, 10)
    with django_assert_num_queries(REFRESH_QUERIES):
        assert ticket_clocks_refresh(engagement_ids=engagements, month=APRIL, now=END_OF_APRIL) == 10
    Ticket.objects.all().delete()
    bulk_tickets(engagements, 100)
    with django_assert_num_queries(REFRESH_QUERIES):
        assert ticket_clocks_refresh(engagement_ids=engagements, month=APRIL, now=END_OF_APRIL) == 100


@pytest.mark.slow
def test_a_month_of_10000_tickets_refreshes_every_clock_with_the_same_queries(
    engagements, django_assert_num_queries
) -> None:
    # How long it takes is measured by `python -m bench.bulk_clocks`, not asserted here.
    bulk_tickets(engagements, 10_000)
    with django_assert_num_queries(REFRESH_QUERIES):
        assert ticket_clocks_refresh(engagement_ids=engagements, month=APRIL, now=END_OF_APRIL) == 10_000
    assert Ticket.objects.filter(resolution_elapsed__isnull=True).count() == 0
    assert Ticket.objects.filter(policy__isnull=False).count() == 6_667


def test_a_second_refresh_changes_nothing_and_marks_nothing(engagements) -> None:
    bulk_tickets(engagements, 30)
    ticket_clocks_refresh(engagement_ids=engagements, month=APRIL, now=END_OF_APRIL)
    ChangedMonth.objects.all().delete()
    assert refresh_queries(engagements)[0] == 0
    assert not ChangedMonth.objects.exists()


def test_the_bulk_refresh_agrees_with_the_one_ticket_refresh(engagements) -> None:
    from sla.services.clocks import ticket_clock_refresh

    tickets = bulk_tickets(engagements, 40)
    ticket_clocks_refresh(engagement_ids=engagements, month=APRIL, now=END_OF_APRIL)
    stored = {t.pk: t for t in Ticket.objects.all()}
    for ticket in tickets:
        single = Ticket.objects.get(pk=ticket.pk)
        ticket_clock_refresh(ticket=single, now=END_OF_APRIL)
        bulk = stored[ticket.pk]
        assert (
            single.response_met,
            single.resolution_met,
            single.resolution_due_at,
            single.resolution_slack_minutes,
        ) == (bulk.response_met, bulk.resolution_met, bulk.resolution_due_at, bulk.resolution_slack_minutes)


def test_the_refresh_marks_the_months_whose_outcomes_changed(engagements) -> None:
    bulk_tickets(engagements, 12)
    ChangedMonth.objects.all().delete()
    ticket_clocks_refresh(engagement_ids=engagements, month=APRIL, now=END_OF_APRIL)
    assert set(ChangedMonth.objects.values_list("engagement_id", "month")) == {
        (engagement_id, APRIL) for engagement_id in engagements
    }
