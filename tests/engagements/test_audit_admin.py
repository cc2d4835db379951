"""The audit trail reads as names and field labels, per record (History) and as a filterable list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.admin.registry import AuditLogAdmin
from engagements.models import AuditLog, Engagement, ServiceArea
from engagements.services.trail import readable_changes
from kernel.actor import acting_as
from tests.factories import (
    ContractorFactory,
    EngagementFactory,
    ServiceAreaFactory,
    TimeEntryFactory,
    UserFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db

AUDIT = "/admin/engagements/auditlog/"


@pytest.fixture
def moved_engagement() -> Engagement:
    """An engagement created with vendor Acme by maria, then moved to vendor Beta."""
    maria = UserFactory(username="maria", is_staff=True)
    acme, beta = VendorFactory(name="Acme"), VendorFactory(name="Beta")
    with acting_as(maria):
        engagement = EngagementFactory(name="Help desk", vendor=acme, service_area=ServiceAreaFactory(name="Support"))
        engagement.vendor = beta
        engagement.save()
    return engagement


def trail_of(obj) -> list[AuditLog]:
    return list(AuditLog.objects.filter(content_type__model=obj._meta.model_name, object_id=obj.pk).order_by("id"))


def test_changes_read_as_field_labels_and_names(moved_engagement) -> None:
    created, changed = trail_of(moved_engagement)
    readable = readable_changes([created, changed])
    assert [str(c) for c in readable[changed.pk]] == ["Vendor: Acme → Beta"]
    created_lines = [str(c) for c in readable[created.pk]]
    assert "Vendor: (none) → Acme" in created_lines
    assert "Service area: (none) → Support" in created_lines
    assert "Model: (none) → Staff augmentation" in created_lines  # a choice by its label
    assert not any("_id" in line for line in created_lines)
    assert not any("(none) → (none)" in line for line in created_lines)  # empty columns of a create left out


def test_a_deleted_row_is_named_by_its_id(moved_engagement) -> None:
    area = ServiceArea.objects.create(name="Gone")
    with acting_as(None):
        moved_engagement.service_area = area
        moved_engagement.save()
    moved_engagement.service_area = ServiceArea.objects.get(name="Support")
    moved_engagement.save()
    area_pk = area.pk
    area.delete()
    row = trail_of(moved_engagement)[2]
    assert [str(c) for c in readable_changes([row])[row.pk]] == [f"Service area: Support → #{area_pk} (deleted)"]


def test_the_change_page_shows_the_readable_trail_and_links_the_history(operations_client, moved_engagement) -> None:
    page = operations_client.get(reverse("admin:engagements_engagement_change", args=[moved_engagement.pk]))
    html = page.content.decode()
    assert "Vendor: Acme → Beta" in html and "vendor_id" not in html
    assert reverse("admin:engagements_engagement_history", args=[moved_engagement.pk]) in html


def test_the_history_button_shows_the_audit_rows_of_the_record(operations_client, moved_engagement) -> None:
    entry = TimeEntryFactory(contractor=ContractorFactory(engagement=moved_engagement), hours=Decimal("8"))
    entry.hours = Decimal("7.5")
    entry.save()
    page = operations_client.get(reverse("admin:engagements_timeentry_history", args=[entry.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hours: 8.00 → 7.50" in html
    assert f"Contractor: (none) → {entry.contractor.name}" in html
    history = operations_client.get(reverse("admin:engagements_engagement_history", args=[moved_engagement.pk]))
    assert "maria" in history.content.decode() and "Vendor: Acme → Beta" in history.content.decode()


def test_the_audit_list_reads_names_and_filters_by_user_record_type_and_month(
    operations_client, moved_engagement, time_machine
) -> None:
    time_machine.move_to(dt.datetime(2026, 5, 3, 12, tzinfo=dt.UTC))
    VendorFactory(name="Later")  # by nobody in particular, in May
    page = operations_client.get(AUDIT)
    assert "Vendor: Acme → Beta" in page.content.decode()

    maria = AuditLog.objects.filter(actor__username="maria").first()
    assert maria is not None
    by_user = operations_client.get(f"{AUDIT}?actor__id__exact={maria.actor_id}")
    assert {row.actor.username for row in by_user.context["cl"].result_list} == {"maria"}

    vendor_type = AuditLog.objects.get(object_repr__endswith="Later").content_type_id
    by_type = operations_client.get(f"{AUDIT}?content_type__id__exact={vendor_type}")
    assert {row.content_type.model for row in by_type.context["cl"].result_list} == {"vendor"}
    assert "Vendor" in [label for _, label in by_type.context["cl"].filter_specs[1].lookup_choices]

    by_month = operations_client.get(f"{AUDIT}?month=2026-05")
    assert [row.object_repr for row in by_month.context["cl"].result_list] == ["vendor Later"]


def test_the_record_type_filter_offers_only_audited_records_even_to_a_superuser(admin_client) -> None:
    page = admin_client.get(AUDIT)
    offered = [label for _, label in page.context["cl"].filter_specs[1].lookup_choices]
    assert {"Time entry", "Ticket", "Invoice", "Vendor"} <= set(offered)
    assert not {"Crontab", "Group", "User", "Import file", "Comparison report"} & set(offered)


def test_the_trail_names_who_acted_after_their_account_is_deleted(operations_client, moved_engagement) -> None:
    get_user_model().objects.get(username="maria").delete()
    rows = operations_client.get(f"{AUDIT}?q=maria").context["cl"].result_list
    assert rows and {AuditLogAdmin.actor_display(None, row) for row in rows} == {"maria (deleted user)"}
    history = operations_client.get(reverse("admin:engagements_engagement_history", args=[moved_engagement.pk]))
    assert "maria (deleted user)" in history.content.decode()


def test_the_audit_list_takes_the_same_queries_for_3_or_30_rows(operations_client) -> None:
    def make(count: int) -> None:
        for i in range(count):
            engagement = EngagementFactory(vendor=VendorFactory())
            engagement.vendor = VendorFactory()
            engagement.save()
            TimeEntryFactory(contractor=ContractorFactory(engagement=engagement), date=dt.date(2026, 4, 1 + i % 28))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert operations_client.get(AUDIT).status_code == 200
        return len(ctx.captured_queries)

    make(1)
    few = queries()
    make(10)
    assert queries() == few
