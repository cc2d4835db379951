"""The admin operations staff use: field messages, a week per page load, lists that stay fast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import AuditLog, DeliveryModel, TimeEntry
from tests.factories import (
    ContractorFactory,
    EngagementFactory,
    OverheadEntryFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db


def test_operations_adds_a_time_entry_in_the_admin_and_the_trail_names_them(operations_client, operations_user) -> None:
    contractor = ContractorFactory()
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
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.hours == Decimal("7.50")
    assert AuditLog.objects.get(content_type__model="timeentry").actor == operations_user


def test_a_bad_time_entry_shows_field_messages_and_saves_nothing(operations_client) -> None:
    contractor = ContractorFactory(engagement=EngagementFactory(start_date=dt.date(2026, 4, 1)))
    response = operations_client.post(
        "/admin/engagements/timeentry/add/",
        {
            "contractor": contractor.pk,
            "date": "2026-03-01",
            "hours": "25",
            "description": "",
            "source": "",
            "external_id": "",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["hours"] == ["Hours must be more than 0 and at most 24."]
    assert "within the engagement's dates" in errors["date"][0]
    assert not TimeEntry.objects.exists()


def test_the_change_page_shows_the_audit_trail(operations_client) -> None:
    entry = TimeEntryFactory(hours=Decimal("8"))
    TimeEntry.objects.filter(pk=entry.pk).update(hours=Decimal("6"))
    page = operations_client.get(f"/admin/engagements/timeentry/{entry.pk}/change/")
    assert "Hours: 8.00 → 6.00" in page.content.decode()


def test_the_engagement_page_has_contractor_and_milestone_inlines(operations_client) -> None:
    staff_aug = EngagementFactory(model=DeliveryModel.STAFF_AUG)
    managed = EngagementFactory(model=DeliveryModel.MANAGED)
    page = operations_client.get(f"/admin/engagements/engagement/{staff_aug.pk}/change/").content.decode()
    assert "contractors-TOTAL_FORMS" in page and "milestones-TOTAL_FORMS" in page
    page = operations_client.get(f"/admin/engagements/engagement/{managed.pk}/change/").content.decode()
    assert "contractors-TOTAL_FORMS" not in page and "milestones-TOTAL_FORMS" in page


def _changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url", "make"),
    [
        (
            "/admin/engagements/timeentry/",
            lambda n: [TimeEntryFactory(date=dt.date(2026, 4, 1 + i % 28), hours=Decimal("0.5")) for i in range(n)],
        ),
        ("/admin/engagements/overheadentry/", lambda n: OverheadEntryFactory.create_batch(n)),
        ("/admin/engagements/engagement/", lambda n: EngagementFactory.create_batch(n)),
        # One query per related model the page's rows name (here contractors), whatever the number of rows.
        ("/admin/engagements/auditlog/?q=time+entry", lambda n: TimeEntryFactory.create_batch(n)),
        # Filtered: the totals of the filtered rows are one more query, whatever their number.
        (
            "/admin/engagements/timeentry/?month=2026-04",
            lambda n: [TimeEntryFactory(date=dt.date(2026, 4, 1 + i % 28), hours=Decimal("0.5")) for i in range(n)],
        ),
        ("/admin/engagements/overheadentry/?month=2026-04", lambda n: OverheadEntryFactory.create_batch(n)),
    ],
)
def test_changelist_queries_do_not_grow_with_the_number_of_rows(operations_client, url, make) -> None:
    make(3)
    _changelist_queries(operations_client, url)  # warms the content type cache (the audit list's type filter)
    few = _changelist_queries(operations_client, url)
    make(27)
    assert _changelist_queries(operations_client, url) == few


def test_the_changelist_never_counts_the_whole_table(operations_client) -> None:
    TimeEntryFactory()
    with CaptureQueriesContext(connection) as ctx:
        operations_client.get("/admin/engagements/timeentry/")
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


class TestTheWeeklyTimesheet:
    """A team's week of hours is one page load and one save."""

    def _post(self, client, engagement, monday: dt.date, rows: list[tuple[int, list[str]]]):
        data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows))}
        for i, (contractor_id, hours) in enumerate(rows):
            data[f"form-{i}-contractor"] = str(contractor_id)
            for d, value in enumerate(hours):
                data[f"form-{i}-d{d}"] = value
        url = f"/admin/engagements/timeentry/week/?engagement={engagement.pk}&week={monday.isoformat()}"
        return client.post(url, data)

    def test_saves_every_contractors_week_in_one_post(self, operations_client) -> None:
        engagement = EngagementFactory()
        ada, bob = ContractorFactory(engagement=engagement), ContractorFactory(engagement=engagement)
        monday = dt.date(2026, 4, 6)
        response = self._post(
            operations_client,
            engagement,
            monday,
            [(ada.pk, ["8", "8", "8", "8", "6.5", "", ""]), (bob.pk, ["4", "", "4", "", "4", "", ""])],
        )
        assert response.status_code == 302
        assert sorted(TimeEntry.objects.filter(contractor=ada).values_list("hours", flat=True)) == [
            Decimal("6.50"),
            *[Decimal("8.00")] * 4,
        ]
        assert TimeEntry.objects.filter(contractor=bob).count() == 3

    def test_a_second_save_replaces_the_days_instead_of_adding_to_them(self, operations_client) -> None:
        contractor = ContractorFactory()
        monday = dt.date(2026, 4, 6)
        self._post(operations_client, contractor.engagement, monday, [(contractor.pk, ["8", "8", "", "", "", "", ""])])
        self._post(operations_client, contractor.engagement, monday, [(contractor.pk, ["7", "", "", "", "", "", ""])])
        assert list(TimeEntry.objects.filter(contractor=contractor).values_list("date", "hours")) == [
            (monday, Decimal("7.00"))
        ]

    def test_a_bad_day_is_shown_on_its_cell_and_nothing_is_saved(self, operations_client) -> None:
        contractor = ContractorFactory()
        # 20 imported hours on Monday: 8 more by hand would make the day longer than 24 h.
        TimeEntryFactory(contractor=contractor, date=dt.date(2026, 4, 6), hours=Decimal("20"), source="harvest")
        response = self._post(
            operations_client,
            contractor.engagement,
            dt.date(2026, 4, 6),
            [(contractor.pk, ["8", "", "8", "", "", "", ""])],
        )
        assert response.status_code == 200
        form = response.context["formset"].forms[0]
        assert "24" in form.errors["d0"][0]
        assert not TimeEntry.objects.filter(source="").exists()

    def test_the_page_shows_the_hours_already_entered(self, operations_client) -> None:
        entry = TimeEntryFactory(date=dt.date(2026, 4, 7), hours=Decimal("5.25"))
        page = operations_client.get(
            f"/admin/engagements/timeentry/week/?engagement={entry.contractor.engagement_id}&week=2026-04-09"
        )
        assert page.context["formset"].forms[0].initial["d1"] == Decimal("5.25")


def test_the_milestone_action_records_delivery_through_the_service(operations_client) -> None:
    from engagements.models import Milestone
    from engagements.services.engagements import milestone_create

    engagement = EngagementFactory(start_date=dt.date(2020, 1, 1))
    milestone = milestone_create(engagement=engagement, title="Go live", due_date=dt.date(2026, 4, 30))
    response = operations_client.post(
        "/admin/engagements/milestone/",
        {"action": "deliver_and_accept_today", "_selected_action": [milestone.pk]},
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(pk=milestone.pk)
    assert milestone.accepted and milestone.delivered_date is not None
    assert AuditLog.objects.filter(content_type__model="milestone", object_id=milestone.pk, action="update").exists()
