"""Ticket and outage querysets named after business states, in organisation-local months."""

from __future__ import annotations

import datetime as dt

import pytest

from sla.models import Outage, Ticket, TicketState
from tests.sla.factories import OutageFactory, SLAAssignmentFactory, TicketFactory, ny

pytestmark = pytest.mark.django_db
APRIL = dt.date(2026, 4, 15)


@pytest.fixture(autouse=True)
def _new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


def summaries(queryset) -> set[str]:
    return set(queryset.values_list("summary", flat=True))


def test_tickets_opened_and_resolved_in_a_local_month() -> None:
    TicketFactory(summary="march night", opened_at=ny(2026, 3, 31, 23, 30), resolved_at=ny(2026, 4, 1, 0, 30))
    TicketFactory(summary="april", opened_at=ny(2026, 4, 30, 23, 59), resolved_at=ny(2026, 5, 1, 0, 0))
    assert summaries(Ticket.objects.opened_in(APRIL)) == {"april"}
    assert summaries(Ticket.objects.resolved_in(APRIL)) == {"march night"}
    assert summaries(Ticket.objects.backlog_of(APRIL)) == {"april"}
    assert summaries(Ticket.objects.alive_in(APRIL)) == {"march night", "april"}


def test_tickets_open_at_an_instant() -> None:
    TicketFactory(summary="open", opened_at=ny(2026, 4, 1, 10), resolved_at=ny(2026, 4, 1, 12))
    assert summaries(Ticket.objects.open_at(ny(2026, 4, 1, 10))) == {"open"}
    assert summaries(Ticket.objects.open_at(ny(2026, 4, 1, 12))) == set()
    assert summaries(Ticket.objects.open_at(ny(2026, 4, 1, 9, 59))) == set()


def test_every_ticket_is_in_exactly_one_sla_state(time_machine) -> None:
    time_machine.move_to(ny(2026, 5, 12, 15))
    engagement = SLAAssignmentFactory().engagement
    TicketFactory(
        engagement=engagement,
        priority="P1",
        summary="breached",
        opened_at=ny(2026, 4, 1, 10),
        first_response_at=ny(2026, 4, 1, 11),
        resolved_at=ny(2026, 4, 1, 11),
    )
    TicketFactory(
        engagement=engagement,
        priority="P1",
        summary="met",
        opened_at=ny(2026, 4, 1, 10),
        first_response_at=ny(2026, 4, 1, 10, 5),
        resolved_at=ny(2026, 4, 1, 11),
    )
    TicketFactory(engagement=engagement, summary="running", opened_at=ny(2026, 5, 12, 14, 55))
    TicketFactory(summary="no target", opened_at=ny(2026, 4, 1, 10), resolved_at=ny(2026, 4, 1, 11))
    for state in TicketState:
        tickets = list(Ticket.objects.in_state(state))
        assert [ticket.summary for ticket in tickets] == [state.label.lower()]
        assert tickets[0].state == state


def test_outages_in_a_month_include_ongoing_ones_and_planned_ones_can_be_left_out() -> None:
    OutageFactory(reason="over", started_at=ny(2026, 3, 31, 23), ended_at=ny(2026, 4, 1, 1))
    OutageFactory(reason="ongoing", started_at=ny(2026, 2, 1), ended_at=None)
    OutageFactory(reason="planned", started_at=ny(2026, 4, 25, 1), ended_at=ny(2026, 4, 25, 3), planned=True)
    OutageFactory(reason="may", started_at=ny(2026, 5, 1), ended_at=ny(2026, 5, 1, 1))
    reasons = set(Outage.objects.in_month(APRIL).unplanned().values_list("reason", flat=True))
    assert reasons == {"over", "ongoing"}
    assert set(Outage.objects.ongoing().values_list("reason", flat=True)) == {"ongoing"}
