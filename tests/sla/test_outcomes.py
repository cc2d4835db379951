"""Monthly ticket outcomes from the stored clocks: counts, attainment, MTTR and breaches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kernel.money import round_pct
from sla.selectors import NO_TICKETS, TicketOutcomes, ticket_outcomes_for
from sla.services.clocks import ticket_clocks_refresh
from tests.factories import EngagementFactory
from tests.sla.factories import SLAAssignmentFactory, SLAPolicyFactory, TicketFactory, ny, targets

pytestmark = pytest.mark.django_db
APRIL = dt.date(2026, 4, 1)


@pytest.fixture(autouse=True)
def _new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def engagement():
    """An engagement under a 24x7 policy: P2 answered within an hour, resolved within eight."""
    policy = SLAPolicyFactory(priority_targets=targets(P2=(60, 480)))
    return SLAAssignmentFactory(policy=policy, effective_from=dt.date(2026, 1, 1)).engagement


def ticket(engagement, opened, response=None, resolved=None):
    return TicketFactory(
        engagement=engagement, priority="P2", opened_at=opened, first_response_at=response, resolved_at=resolved
    )


@pytest.fixture
def april(engagement):
    """Five tickets around April, with clocks read at the end of the month."""
    ticket(engagement, ny(2026, 3, 30, 10), ny(2026, 3, 30, 10, 30), ny(2026, 4, 2, 10))  # resolved late
    ticket(engagement, ny(2026, 4, 5, 10), ny(2026, 4, 5, 10, 30), ny(2026, 4, 5, 14))  # all met
    ticket(engagement, ny(2026, 4, 6, 10), ny(2026, 4, 6, 12), ny(2026, 4, 6, 16))  # answered late
    ticket(engagement, ny(2026, 4, 7, 10))  # never answered, still open
    ticket(engagement, ny(2026, 4, 29, 10), ny(2026, 4, 29, 10, 10), ny(2026, 5, 2, 10))  # resolved late, in May
    ticket(engagement, ny(2026, 5, 3, 10))  # another month
    ticket_clocks_refresh(engagement_ids=[engagement.pk], month=APRIL, now=ny(2026, 5, 1))
    return engagement


def test_a_months_ticket_outcomes_are_counted_from_the_stored_clocks(april) -> None:
    outcomes = ticket_outcomes_for([april.pk], APRIL)[april.pk]
    assert (outcomes.tickets_opened, outcomes.tickets_resolved, outcomes.backlog) == (4, 3, 2)
    assert (outcomes.response_measured, outcomes.resolution_measured) == (3, 3)
    assert outcomes.response_met_pct == outcomes.resolution_met_pct
    assert round_pct(outcomes.response_met_pct) == Decimal("66.667")  # unrounded: 66.666...
    assert outcomes.mttr_hours is not None and round_pct(outcomes.mttr_hours) == Decimal("27.333")  # (72 + 4 + 6) / 3
    assert outcomes.breaches == 5


def test_a_month_without_tickets_has_zero_counts_and_no_percentages(april) -> None:
    other = EngagementFactory()
    assert ticket_outcomes_for([other.pk], APRIL) == {other.pk: NO_TICKETS}
    assert TicketOutcomes(0, 0, 0, None, None, 0, 0, None, 0) == NO_TICKETS


def test_tickets_without_a_policy_are_counted_but_not_measured() -> None:
    engagement = EngagementFactory()
    ticket(engagement, ny(2026, 4, 5, 10), ny(2026, 4, 5, 10, 30), ny(2026, 4, 5, 12))
    outcomes = ticket_outcomes_for([engagement.pk], APRIL)[engagement.pk]
    assert (outcomes.tickets_opened, outcomes.tickets_resolved, outcomes.response_measured) == (1, 1, 0)
    assert (outcomes.response_met_pct, outcomes.resolution_met_pct, outcomes.breaches) == (None, None, 0)
    assert outcomes.mttr_hours == Decimal(2)


def test_the_backlog_is_what_is_open_at_the_last_local_moment_of_the_month(engagement) -> None:
    # Resolved at local midnight starting May: still open at the end of April.
    ticket(engagement, ny(2026, 4, 30, 10), ny(2026, 4, 30, 10, 5), ny(2026, 5, 1, 0, 0))
    # Opened at 23:59 on 30 April New York time, which is already May in UTC.
    ticket(engagement, ny(2026, 4, 30, 23, 59))
    outcomes = ticket_outcomes_for([engagement.pk], APRIL)[engagement.pk]
    assert (outcomes.tickets_opened, outcomes.tickets_resolved, outcomes.backlog) == (2, 0, 2)


def test_outcomes_take_one_query_for_any_number_of_engagements(django_assert_num_queries) -> None:
    engagements = [EngagementFactory() for _ in range(25)]
    for index, engagement in enumerate(engagements):
        for day in range(1, 2 + index % 3):
            ticket(engagement, ny(2026, 4, day, 10), ny(2026, 4, day, 10, 5), ny(2026, 4, day, 11))
    with django_assert_num_queries(1):
        outcomes = ticket_outcomes_for([engagement.pk for engagement in engagements], APRIL)
    assert sum(outcome.tickets_opened for outcome in outcomes.values()) == 49
