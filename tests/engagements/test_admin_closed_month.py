"""A fact of a closed month opens read-only in the admin, saying why, instead of failing on save (QA C10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from billing.services import period_close
from tests.billing.factories import InvoiceFactory
from tests.factories import TimeEntryFactory
from tests.sla.factories import MonitoredServiceFactory, OutageFactory, TicketFactory, ny

pytestmark = pytest.mark.django_db

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
NOTE = "March 2026 is closed (final): reopen the period to change this."


def change_page(client: Client, obj) -> tuple[str, object]:
    response = client.get(f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/")
    assert response.status_code == 200
    return response.content.decode(), response


def test_an_entry_of_a_closed_month_is_read_only_with_the_note(operations_client, superuser) -> None:
    entry = TimeEntryFactory(date=dt.date(2026, 3, 30), hours=Decimal("4"))
    period_close(month=MARCH, user=superuser)

    page, response = change_page(operations_client, entry)

    assert NOTE in [str(message) for message in response.context["messages"]]
    assert 'name="_save"' not in page and "/delete/" not in page
    assert 'name="hours"' not in page  # shown as text, not an input
    # A form opened before the close and saved after it: the service refuses it and says why.
    refused = operations_client.post(
        f"/admin/engagements/timeentry/{entry.pk}/change/",
        {"contractor": entry.contractor_id, "date": "2026-03-30", "hours": "5", "description": ""},
    )
    assert refused.status_code == 200 and "March 2026 is closed" in refused.content.decode()
    entry.refresh_from_db()
    assert entry.hours == Decimal("4")


def test_an_entry_of_an_open_month_stays_editable(operations_client, superuser) -> None:
    entry = TimeEntryFactory(date=dt.date(2026, 4, 1), hours=Decimal("4"))
    period_close(month=MARCH, user=superuser)

    page, response = change_page(operations_client, entry)

    assert 'name="_save"' in page and 'name="hours"' in page
    assert not [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("fact", ["invoice", "outage"])
def test_billing_and_sla_facts_of_a_closed_month_are_read_only_too(operations_client, superuser, fact) -> None:
    if fact == "invoice":
        obj = InvoiceFactory(period=MARCH)
    else:
        service = MonitoredServiceFactory()
        obj = OutageFactory(service=service, started_at=ny(2026, 3, 10, 9), ended_at=ny(2026, 3, 10, 11))
    period_close(month=MARCH, user=superuser)

    page, response = change_page(operations_client, obj)

    assert NOTE in [str(message) for message in response.context["messages"]]
    assert 'name="_save"' not in page


def test_a_ticket_opened_in_a_closed_month_can_still_get_its_resolution(operations_client, superuser) -> None:
    ticket = TicketFactory(opened_at=ny(2026, 3, 20, 10), summary="Still open")
    period_close(month=MARCH, user=superuser)

    page, response = change_page(operations_client, ticket)

    form = response.context["adminform"].form
    assert "resolved_at" in form.fields and "first_response_at" in form.fields
    assert "opened_at" not in form.fields and "summary" not in form.fields and "priority" not in form.fields
    assert 'name="_save"' in page and "/delete/" not in page
    notes = [str(message) for message in response.context["messages"]]
    assert notes == [
        "March 2026 is closed (final): the fields dated in it cannot change; reopen the period to change them."
    ]


def test_the_lock_costs_one_query_on_the_change_page(operations_client, superuser) -> None:
    open_entry = TimeEntryFactory(date=dt.date(2026, 4, 2))
    closed_entry = TimeEntryFactory(date=dt.date(2026, 3, 2))
    period_close(month=MARCH, user=superuser)

    counts = []
    for entry in (open_entry, closed_entry):
        with CaptureQueriesContext(connection) as queries:
            change_page(operations_client, entry)
        counts.append(len(queries))
    # The closed one shows no inputs (fewer widgets to fill) yet reads the periods once, like the open one.
    assert counts[1] <= counts[0] + 1, counts
