"""A closed month refuses every write dated in it, whichever way the write comes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from billing.models import ContractorRate, OneTimeCharge, Period
from billing.services import (
    contractor_rate_create,
    contractor_rate_update,
    invoice_create,
    invoice_update,
    one_time_charge_create,
    period_close,
)
from engagements.models import TimeEntry
from engagements.services.entries import time_entry_create, time_entry_update
from tests.billing.conftest import APRIL, d, local
from tests.billing.factories import ContractorRateFactory, OneTimeChargeFactory
from tests.factories import ContractorFactory, EngagementFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

CLOSED = "April 2026 is closed: reopen the period before recording, changing or deleting"


@pytest.fixture
def april_closed(superuser) -> Period:
    return period_close(month=APRIL, user=superuser)


def test_closing_records_who_closed_the_month_and_when(superuser) -> None:
    period = period_close(month=d(17), user=superuser)
    assert (period.month, period.closed, period.closed_by) == (APRIL, True, superuser)
    assert period.closed_at is not None


def test_a_month_cannot_be_closed_twice(april_closed, superuser) -> None:
    with pytest.raises(ValidationError, match="April 2026 is already closed."):
        period_close(month=APRIL, user=superuser)


def test_closing_needs_the_close_permission(leadership_user) -> None:
    with pytest.raises(PermissionDenied):
        period_close(month=APRIL, user=leadership_user)
    assert not Period.objects.closed().exists()


def test_operations_may_close_a_month(operations_user) -> None:
    assert period_close(month=APRIL, user=operations_user).closed


def test_the_service_refuses_a_new_entry_in_a_closed_month(april_closed) -> None:
    contractor = ContractorFactory()
    with pytest.raises(ValidationError, match=CLOSED + " time entries dated in it."):
        time_entry_create(contractor=contractor, date=d(3), hours=Decimal("8"))
    time_entry_create(contractor=contractor, date=d(1, 5), hours=Decimal("8"))  # May is open
    assert list(TimeEntry.objects.values_list("date", flat=True)) == [d(1, 5)]


def test_an_entry_cannot_be_moved_into_or_out_of_a_closed_month(superuser) -> None:
    inside, outside = TimeEntryFactory(date=d(3)), TimeEntryFactory(date=d(3, 5))
    period_close(month=APRIL, user=superuser)
    with pytest.raises(ValidationError, match=CLOSED):
        time_entry_update(entry=outside, date=d(4))
    with pytest.raises(ValidationError, match=CLOSED):
        time_entry_update(entry=inside, date=d(4, 5))


def test_queryset_update_is_refused_and_changes_nothing(superuser) -> None:
    entry = TimeEntryFactory(date=d(3), hours=Decimal("8"))
    period_close(month=APRIL, user=superuser)
    with pytest.raises(ValidationError, match=CLOSED):
        TimeEntry.objects.filter(pk=entry.pk).update(hours=Decimal("1"))
    entry.refresh_from_db()
    assert entry.hours == Decimal("8")


def test_queryset_update_cannot_move_entries_into_a_closed_month(superuser) -> None:
    entry = TimeEntryFactory(date=d(3, 5))
    period_close(month=APRIL, user=superuser)
    with pytest.raises(ValidationError, match=CLOSED):
        TimeEntry.objects.filter(pk=entry.pk).update(date=d(3))


def test_bulk_create_is_refused_and_saves_nothing(april_closed) -> None:
    contractor = ContractorFactory()
    rows = [
        TimeEntry(contractor=contractor, date=d(day, month), hours=Decimal("1")) for day, month in [(30, 3), (1, 4)]
    ]
    with pytest.raises(ValidationError, match=CLOSED):
        TimeEntry.objects.bulk_create(rows)
    assert not TimeEntry.objects.exists()


def test_deleting_one_entry_or_a_queryset_is_refused(superuser) -> None:
    entry = TimeEntryFactory(date=d(3))
    period_close(month=APRIL, user=superuser)
    with pytest.raises(ValidationError, match=CLOSED):
        entry.delete()
    with pytest.raises(ValidationError, match=CLOSED):
        TimeEntry.objects.all().delete()
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_a_charge_in_a_closed_month_is_refused_with_the_months_named(superuser) -> None:
    period_close(month=d(1, 3), user=superuser)
    period_close(month=APRIL, user=superuser)
    charge = OneTimeChargeFactory(date=d(1, 5), engagement=EngagementFactory(start_date=d(1, 1)))
    with pytest.raises(ValidationError, match="March 2026 is closed: .* one-time charges dated in it."):
        OneTimeCharge.objects.filter(pk=charge.pk).update(date=d(1, 3))
    assert OneTimeCharge.objects.get().date == d(1, 5)
    rows = [
        OneTimeCharge(engagement=charge.engagement, date=day, amount=Decimal("1"), kind="other")
        for day in (d(2, 3), d(2))
    ]
    with pytest.raises(ValidationError, match="March 2026 is closed: .* Also closed: April 2026."):
        OneTimeCharge.objects.bulk_create(rows)
    with pytest.raises(ValidationError, match=CLOSED + " one-time charges dated in it."):
        one_time_charge_create(engagement=charge.engagement, date=d(2), amount=Decimal("10"), kind="other")


def test_the_admin_add_form_shows_the_closed_month_and_saves_nothing(april_closed, operations_client) -> None:
    engagement = EngagementFactory()
    response = operations_client.post(
        "/admin/billing/onetimecharge/add/",
        {
            "engagement": engagement.pk,
            "date": "2026-04-02",
            "amount": "99.00",
            "kind": "setup",
            "description": "",
            "source": "",
            "external_id": "",
        },
    )
    assert response.status_code == 200
    assert CLOSED in " ".join(response.context["adminform"].form.non_field_errors())
    assert not OneTimeCharge.objects.exists()


def test_the_time_entry_admin_add_form_shows_the_closed_month_and_saves_nothing(
    april_closed, operations_client
) -> None:
    contractor = ContractorFactory()
    operations_client.raise_request_exception = False
    response = operations_client.post(
        "/admin/engagements/timeentry/add/",
        {
            "contractor": contractor.pk,
            "date": "2026-04-01",
            "hours": "7.50",
            "description": "",
            "source": "",
            "external_id": "",
        },
    )
    assert response.status_code == 200
    assert CLOSED in " ".join(response.context["adminform"].form.non_field_errors())
    assert not TimeEntry.objects.exists()


def test_a_rate_change_reaching_into_a_closed_month_is_refused(superuser) -> None:
    rate = ContractorRateFactory(
        effective_from=d(1, 3), contractor=ContractorFactory(engagement=EngagementFactory(start_date=d(1, 1)))
    )
    period_close(month=APRIL, user=superuser)
    with pytest.raises(ValidationError, match="April 2026 is closed"):
        contractor_rate_update(rate=rate, hourly_rate=Decimal("99.00"))
    with pytest.raises(ValidationError, match="April 2026 is closed"):
        contractor_rate_create(contractor=rate.contractor, hourly_rate=Decimal("99.00"), effective_from=d(20))
    # A new rate from May on leaves April's figures alone.
    contractor_rate_create(contractor=rate.contractor, hourly_rate=Decimal("99.00"), effective_from=d(1, 5))
    assert ContractorRate.objects.count() == 2


def test_invoices_of_a_closed_month_are_locked(superuser) -> None:
    engagement = EngagementFactory()
    invoice = invoice_create(engagement=engagement, period=APRIL, number="A-1", amount=Decimal("10.00"))
    period_close(month=APRIL, user=superuser)
    with pytest.raises(ValidationError, match=CLOSED + " invoices dated in it."):
        invoice_update(invoice=invoice, amount=Decimal("20.00"))
    with pytest.raises(ValidationError, match=CLOSED):
        invoice_create(engagement=EngagementFactory(), period=d(9), number="B-1", amount=Decimal("10.00"))
    with pytest.raises(ValidationError, match=CLOSED):
        invoice.delete()


def test_tickets_of_a_closed_month_are_refused(april_closed) -> None:
    from sla.models import Ticket
    from sla.services.tickets import ticket_create

    engagement = EngagementFactory()
    with pytest.raises(ValidationError, match=CLOSED):
        ticket_create(engagement=engagement, priority="P2", category="incident", opened_at=local(7, 9))
    assert not Ticket.objects.exists()


def test_outages_of_a_closed_month_are_refused(april_closed) -> None:
    from sla.models import Outage
    from sla.services.monitoring import monitored_service_create, outage_create

    service = monitored_service_create(engagement=EngagementFactory(), name="VPN")
    with pytest.raises(ValidationError, match=CLOSED):
        outage_create(service=service, started_at=local(7, 9), ended_at=local(7, 10))
    assert not Outage.objects.exists()
