"""Moving a parent to another engagement moves the facts recorded through it; deleting an engagement.

Issue 13, findings 2 and 7. A contractor's hours and rates reach their
engagement through the contractor, a monitored service's outages through the
service (every other fact names its engagement itself: a ticket's pauses and an
invoice's lines move with a parent whose own months already cover them). So a
move is refused when those facts would lie outside the new engagement's dates
or touch a closed month of either engagement, and an allowed move marks the
facts' months under both, on every write path: services, a bare save(), a
queryset update, and (for the dates) the database itself.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from billing.services import contractor_rate_create, period_close
from engagements.models import AuditLog, ChangedMonth, Contractor, Engagement, TimeEntry
from engagements.services.engagements import (
    contractor_create,
    contractor_update,
    engagement_create,
    engagement_delete,
    service_area_create,
    vendor_create,
)
from engagements.services.entries import time_entry_create
from kernel.months import current_month
from reports.models import ComparisonReport
from reports.services import report_build, snapshots_compute
from sla.models import MonitoredService, Outage
from sla.services.monitoring import monitored_service_create, monitored_service_update, outage_create

pytestmark = pytest.mark.django_db
JANUARY, MARCH, APRIL = dt.date(2026, 1, 1), dt.date(2026, 3, 1), dt.date(2026, 4, 1)
UTC = dt.UTC


class Engagements:
    """Three staff augmentation engagements and two managed ones of one vendor."""

    def __init__(self) -> None:
        self.vendor = vendor_create(name="Acme", kind="both")
        self.area = service_area_create(name="Help desk")

    def make(self, name: str, model: str = "staff_aug", start: dt.date = JANUARY, end: dt.date | None = None):
        return engagement_create(
            name=name, vendor=self.vendor, model=model, service_area=self.area, start_date=start, end_date=end
        )


@pytest.fixture
def world() -> dict[str, Any]:
    engagements = Engagements()
    old, same_dates = engagements.make("Old"), engagements.make("Same dates")
    short = engagements.make("Short", start=JANUARY, end=dt.date(2026, 3, 31))
    anna = contractor_create(engagement=old, name="Anna")
    time_entry_create(contractor=anna, date=dt.date(2026, 3, 10), hours=Decimal("8"))
    time_entry_create(contractor=anna, date=dt.date(2026, 4, 2), hours=Decimal("8"))
    managed, other_managed = engagements.make("MSP", "managed"), engagements.make("MSP 2", "managed")
    email = monitored_service_create(engagement=managed, name="Email")
    outage_create(
        service=email,
        started_at=dt.datetime(2026, 3, 31, 23, tzinfo=UTC),
        ended_at=dt.datetime(2026, 4, 1, 1, tzinfo=UTC),
    )
    return {
        "engagements": engagements,
        "old": old,
        "same_dates": same_dates,
        "short": short,
        "anna": anna,
        "managed": managed,
        "other_managed": other_managed,
        "email": email,
    }


def marked() -> set[tuple[int, dt.date]]:
    return set(ChangedMonth.objects.values_list("engagement_id", "month"))


def test_every_parent_a_recorded_fact_reaches_its_engagement_through_is_a_fact_parent() -> None:
    """The hole was a parent FK in an engagement_path: each such parent's snapshots carry its facts' months."""
    from billing.models import ContractorRate
    from engagements.querysets import ParentFactQuerySet, fact_children

    assert {child for child, _ in fact_children(Contractor)} == {TimeEntry, ContractorRate}
    assert {child for child, _ in fact_children(MonitoredService)} == {Outage}
    for parent in (Contractor, MonitoredService):
        assert isinstance(parent.objects.none(), ParentFactQuerySet)


def test_the_service_refuses_a_move_that_leaves_hours_outside_the_dates(world) -> None:
    with pytest.raises(ValidationError) as excinfo:
        contractor_update(contractor=world["anna"], engagement=world["short"])
    assert excinfo.value.message_dict == {
        "engagement": [
            (
                "1 of this contractor's time entries would lie outside Short's dates (2026-01-01 to 2026-03-31); "
                "move or delete them first."
            )
        ]
    }
    assert Contractor.objects.get(pk=world["anna"].pk).engagement_id == world["old"].pk


@pytest.mark.parametrize("closed", [MARCH, APRIL])
def test_the_service_refuses_a_move_touching_a_closed_month(world, superuser, closed: dt.date) -> None:
    period_close(month=closed, user=superuser)
    with pytest.raises(ValidationError) as excinfo:
        contractor_update(contractor=world["anna"], engagement=world["same_dates"])
    (message,) = excinfo.value.message_dict["engagement"]
    assert f"{closed:%B %Y} is closed" in message
    with pytest.raises(ValidationError) as excinfo:
        monitored_service_update(service=world["email"], engagement=world["other_managed"])
    assert f"{closed:%B %Y} is closed" in excinfo.value.message_dict["engagement"][0]
    assert Contractor.objects.get(pk=world["anna"].pk).engagement_id == world["old"].pk
    assert MonitoredService.objects.get(pk=world["email"].pk).engagement_id == world["managed"].pk


def test_renaming_a_parent_with_facts_in_a_closed_month_is_still_allowed(world, superuser) -> None:
    period_close(month=MARCH, user=superuser)
    contractor_update(contractor=world["anna"], name="Anna B.")
    monitored_service_update(service=world["email"], name="Mail")


def test_an_allowed_move_marks_both_engagements_and_is_audited(world) -> None:
    old, new, anna = world["old"], world["same_dates"], world["anna"]
    contractor_rate_create(contractor=anna, hourly_rate=Decimal("80"), effective_from=dt.date(2026, 2, 1))
    ChangedMonth.objects.all().delete()
    contractor_update(contractor=anna, engagement=new)
    months = marked()
    for engagement in (old, new):
        assert {(engagement.pk, MARCH), (engagement.pk, APRIL)} <= months
        # The rate prices February on: its months move too.
        assert (engagement.pk, dt.date(2026, 2, 1)) in months
    (audit,) = AuditLog.objects.filter(object_id=anna.pk, content_type__model="contractor", action="update")
    assert audit.changes == {"engagement_id": [old.pk, new.pk]}


def test_an_allowed_service_move_marks_every_month_its_outages_span(world) -> None:
    ChangedMonth.objects.all().delete()
    monitored_service_update(service=world["email"], engagement=world["other_managed"])
    for engagement in (world["managed"], world["other_managed"]):
        assert {(engagement.pk, MARCH), (engagement.pk, APRIL), (engagement.pk, current_month())} <= marked()


def test_a_ticket_or_an_invoice_moved_out_of_a_closed_month_is_refused_with_its_pauses_and_lines(
    world, superuser
) -> None:
    """The other parents in an engagement_path (a ticket's pauses, an invoice's lines) name their engagement
    themselves: their own months cover their children's, so their own guard and marks already hold."""
    from billing.services import invoice_create, invoice_update
    from sla.services.tickets import ticket_create, ticket_update

    opened = dt.datetime(2026, 3, 30, 9, tzinfo=UTC)
    ticket = ticket_create(
        engagement=world["managed"],
        priority="P1",
        category="incident",
        opened_at=opened,
        pauses=[{"started_at": opened + dt.timedelta(hours=1), "ended_at": opened + dt.timedelta(hours=2)}],
    )
    invoice = invoice_create(engagement=world["managed"], period=MARCH, number="INV-1", amount=Decimal("10.00"))
    ChangedMonth.objects.all().delete()
    ticket_update(ticket=ticket, engagement=world["other_managed"])
    invoice_update(invoice=invoice, engagement=world["other_managed"])
    assert {(world["managed"].pk, MARCH), (world["other_managed"].pk, MARCH)} <= marked()
    period_close(month=MARCH, user=superuser)
    with pytest.raises(ValidationError, match="March 2026 is closed"):
        ticket_update(ticket=ticket, engagement=world["managed"])
    with pytest.raises(ValidationError, match="March 2026 is closed"):
        invoice_update(invoice=invoice, engagement=world["managed"])


def test_a_bare_save_and_a_queryset_update_cannot_move_facts_out_of_a_closed_month(world, superuser) -> None:
    period_close(month=MARCH, user=superuser)
    anna = Contractor.objects.get(pk=world["anna"].pk)
    anna.engagement = world["same_dates"]
    with pytest.raises(ValidationError, match="March 2026 is closed"):
        anna.save()
    with pytest.raises(ValidationError, match="March 2026 is closed"):
        Contractor.objects.filter(pk=anna.pk).update(engagement=world["same_dates"])
    with pytest.raises(ValidationError, match="March 2026 is closed"):
        MonitoredService.objects.filter(pk=world["email"].pk).update(engagement=world["other_managed"])
    assert Contractor.objects.get(pk=anna.pk).engagement_id == world["old"].pk
    assert MonitoredService.objects.get(pk=world["email"].pk).engagement_id == world["managed"].pk


def test_a_queryset_update_marks_both_engagements(world) -> None:
    ChangedMonth.objects.all().delete()
    Contractor.objects.filter(pk=world["anna"].pk).update(engagement=world["same_dates"])
    assert {(world["old"].pk, APRIL), (world["same_dates"].pk, APRIL)} <= marked()


def test_the_database_refuses_a_move_that_leaves_hours_outside_the_dates(world) -> None:
    """The backstop for paths past the pipeline (raw SQL, a plain manager, a race with a change of dates)."""
    refused = pytest.raises((IntegrityError, DatabaseError), match="engagements_contractor_entries_in_engagement")
    with refused, transaction.atomic():
        Contractor._base_manager.filter(pk=world["anna"].pk).update(engagement=world["short"])
    assert Contractor.objects.get(pk=world["anna"].pk).engagement_id == world["old"].pk
    # A move inside the dates passes the trigger.
    Contractor._base_manager.filter(pk=world["anna"].pk).update(engagement=world["same_dates"])


def test_an_empty_engagement_is_deleted_without_a_dangling_mark(world) -> None:
    empty = world["engagements"].make("Empty", "managed")
    engagement_delete(engagement=empty)
    assert not Engagement.objects.filter(pk=empty.pk).exists()
    assert not ChangedMonth.objects.filter(engagement_id=empty.pk).exists()
    connection.check_constraints()


def test_an_engagement_with_facts_is_refused_with_a_message(world) -> None:
    with pytest.raises(ValidationError) as excinfo:
        engagement_delete(engagement=world["old"])
    assert excinfo.value.messages == ["Old cannot be deleted while it has contractors."]
    assert Engagement.objects.filter(pk=world["old"].pk).exists()


def test_deleting_an_engagement_rebuilds_the_reports_that_counted_it(world, django_capture_on_commit_callbacks) -> None:
    empty = world["engagements"].make("Counted, then deleted", "managed")
    snapshots_compute(engagement_ids=[empty.pk], month=APRIL)
    report_build(month=APRIL)
    assert "Counted, then deleted" in json.dumps(ComparisonReport.objects.get(month=APRIL).payload)
    with django_capture_on_commit_callbacks(execute=True):
        engagement_delete(engagement=empty)
    assert "Counted, then deleted" not in json.dumps(ComparisonReport.objects.get(month=APRIL).payload)


def test_the_admin_deletes_an_empty_engagement_and_explains_a_refusal(world, superuser, client) -> None:
    client.force_login(superuser)
    empty = world["engagements"].make("Empty", "managed")
    response = client.post(f"/admin/engagements/engagement/{empty.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Engagement.objects.filter(pk=empty.pk).exists()
    connection.check_constraints()
    page = client.get(f"/admin/engagements/engagement/{world['old'].pk}/delete/").content.decode()
    assert "protected related objects" in page


def test_the_admin_shows_a_refused_move_on_the_engagement_field(world, operations_client) -> None:
    anna = world["anna"]
    response = operations_client.post(
        f"/admin/engagements/contractor/{anna.pk}/change/",
        {"engagement": world["short"].pk, "name": anna.name, "role": "", "email": ""},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["engagement"] == [
        (
            "1 of this contractor's time entries would lie outside Short's dates (2026-01-01 to 2026-03-31); "
            "move or delete them first."
        )
    ]
    assert Contractor.objects.get(pk=anna.pk).engagement_id == world["old"].pk
