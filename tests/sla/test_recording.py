"""SLA facts are recorded like every other fact: audited on every path, and marking the months they touch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from engagements.models import AuditLog, ChangedMonth
from kernel.facts import _guards, register_write_guard
from kernel.months import month_of
from sla.models import Outage, Ticket, TicketPause
from sla.services.monitoring import outage_update
from sla.services.tickets import ticket_pause_create, ticket_update
from tests.factories import EngagementFactory
from tests.sla.factories import MonitoredServiceFactory, OutageFactory, SLAAssignmentFactory, TicketFactory, ny

pytestmark = pytest.mark.django_db


JUNE = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _new_york_in_june(settings, time_machine) -> None:
    """Today is 15 June 2026 in New York, so "up to the current month" means up to June."""
    settings.TIME_ZONE = "America/New_York"
    time_machine.move_to(ny(2026, 6, 15, 12))


def marked(engagement_id: int) -> set[dt.date]:
    return set(ChangedMonth.objects.filter(engagement_id=engagement_id).values_list("month", flat=True))


def test_an_outage_marks_every_month_it_spans() -> None:
    service = MonitoredServiceFactory()
    ChangedMonth.objects.all().delete()
    OutageFactory(service=service, started_at=ny(2026, 1, 31, 23), ended_at=ny(2026, 3, 1, 1))
    assert marked(service.engagement_id) == {dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)}


def test_an_ongoing_outage_marks_every_month_up_to_the_current_one() -> None:
    service = MonitoredServiceFactory()
    ChangedMonth.objects.all().delete()
    OutageFactory(service=service, started_at=ny(2026, 4, 20), ended_at=None)
    assert marked(service.engagement_id) == {dt.date(2026, 4, 1), dt.date(2026, 5, 1), JUNE}


def test_a_ticket_marks_the_months_from_opening_to_resolution_for_the_backlog() -> None:
    engagement = EngagementFactory()
    ChangedMonth.objects.all().delete()  # recording the engagement itself marks its months
    ticket = TicketFactory(engagement=engagement, opened_at=ny(2026, 2, 27), resolved_at=ny(2026, 4, 2))
    assert marked(ticket.engagement_id) == {dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 4, 1)}


def test_an_assignment_marks_every_month_from_its_date_to_the_current_one() -> None:
    engagement = EngagementFactory()
    ChangedMonth.objects.all().delete()  # recording the engagement itself marks its months
    assignment = SLAAssignmentFactory(engagement=engagement, effective_from=dt.date(2026, 3, 15))
    assert marked(assignment.engagement_id) == {dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1), JUNE}


def test_a_new_monitored_service_marks_the_current_month() -> None:
    engagement = EngagementFactory()
    ChangedMonth.objects.all().delete()  # recording the engagement itself marks its months
    service = MonitoredServiceFactory(engagement=engagement)
    assert marked(service.engagement_id) == {JUNE}


def test_a_pause_marks_its_tickets_engagement() -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10), resolved_at=ny(2026, 4, 16))
    ChangedMonth.objects.all().delete()
    ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 11), ended_at=ny(2026, 4, 14, 12))
    assert marked(ticket.engagement_id) == {dt.date(2026, 4, 1)}


def test_a_bulk_update_of_outages_is_audited_and_marks_both_months() -> None:
    outage = OutageFactory(started_at=ny(2026, 4, 20, 10), ended_at=ny(2026, 4, 20, 11))
    ChangedMonth.objects.all().delete()
    Outage.objects.filter(pk=outage.pk).update(started_at=ny(2026, 5, 20, 10), ended_at=ny(2026, 5, 20, 11))
    assert marked(outage.service.engagement_id) == {dt.date(2026, 4, 1), dt.date(2026, 5, 1)}
    entry = AuditLog.objects.filter(content_type__model="outage", bulk=True).get()
    assert set(entry.changes) == {"started_at", "ended_at"}


def test_every_write_of_a_ticket_and_its_pauses_is_in_the_audit_trail() -> None:
    ticket = TicketFactory(opened_at=ny(2026, 4, 14, 10))
    pause = ticket_pause_create(ticket=ticket, started_at=ny(2026, 4, 14, 11))
    ticket_update(ticket=ticket, resolved_at=ny(2026, 4, 14, 15))
    actions = list(AuditLog.objects.order_by("id").values_list("content_type__model", "action"))
    assert actions[-4:] == [
        ("ticket", "create"),
        ("ticketpause", "create"),
        ("ticketpause", "update"),
        ("ticket", "update"),
    ]
    pause.refresh_from_db()
    assert pause.ended_at == ny(2026, 4, 14, 15)


def test_a_write_guard_can_refuse_a_month_for_every_sla_fact() -> None:
    def refuse_april(model: type, keys: set[tuple[int, dt.date]]) -> None:
        if any(month == dt.date(2026, 4, 1) for _, month in keys):
            raise ValidationError(f"April 2026 is closed for {model._meta.verbose_name_plural}.")

    register_write_guard(refuse_april)
    try:
        service = MonitoredServiceFactory(engagement=EngagementFactory())
        with pytest.raises(ValidationError, match="April 2026 is closed for outages"), transaction.atomic():
            OutageFactory(service=service, started_at=ny(2026, 4, 20, 10), ended_at=ny(2026, 4, 20, 11))
        outage = OutageFactory(service=service, started_at=ny(2026, 3, 20, 10), ended_at=ny(2026, 3, 20, 11))
        with pytest.raises(ValidationError, match="April 2026 is closed for outages"), transaction.atomic():
            outage_update(outage=outage, ended_at=ny(2026, 4, 1, 1))
        with pytest.raises(ValidationError, match="April 2026 is closed for tickets"), transaction.atomic():
            Ticket.objects.bulk_create(
                [
                    Ticket(
                        engagement=service.engagement,
                        priority="P1",
                        category="incident",
                        opened_at=ny(2026, 4, 2),
                        resolved_at=ny(2026, 4, 3),
                    )
                ]
            )
        assert month_of(ny(2026, 3, 31, 23)) == dt.date(2026, 3, 1)
    finally:
        _guards.remove(refuse_april)
    assert not TicketPause.objects.exists()
