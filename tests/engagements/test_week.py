"""The weekly timesheet shows every recorded hour, totals, locked days and missing rates, in constant queries."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import period_close
from engagements.models import TimeEntry
from tests.billing.factories import ContractorRateFactory
from tests.factories import ContractorFactory, EngagementFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

WEEK = "/admin/engagements/timeentry/week/"
MONDAY = dt.date(2026, 4, 6)


def url(engagement, monday: dt.date = MONDAY) -> str:
    return f"{WEEK}?engagement={engagement.pk}&week={monday.isoformat()}"


def post(client, engagement, monday: dt.date, rows: list[tuple[int, list[str]]]):
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows))}
    for i, (contractor_id, hours) in enumerate(rows):
        data[f"form-{i}-contractor"] = str(contractor_id)
        for d, value in enumerate(hours):
            data[f"form-{i}-d{d}"] = value
    return client.post(url(engagement, monday), data)


def rated_contractor(**kwargs):
    contractor = ContractorFactory(**kwargs)
    ContractorRateFactory(contractor=contractor, effective_from=dt.date(2026, 1, 1))
    return contractor


def test_imported_hours_are_shown_read_only_with_their_source_and_count_in_the_totals(operations_client) -> None:
    ada = rated_contractor(name="Ada")
    engagement = ada.engagement
    bob = rated_contractor(name="Bob", engagement=engagement)
    for day in range(6, 11):  # Monday to Friday, 7.5 h a day from the time tracker
        TimeEntryFactory(contractor=ada, date=dt.date(2026, 4, day), hours=Decimal("7.5"), source="harvest")
    TimeEntryFactory(contractor=bob, date=dt.date(2026, 4, 6), hours=Decimal("2"))  # by hand
    TimeEntryFactory(contractor=bob, date=dt.date(2026, 4, 6), hours=Decimal("6"), source="api")

    response = operations_client.get(url(engagement))
    rows = {row.name: row for row in response.context["rows"]}
    assert rows["Ada"].total == Decimal("37.5") and rows["Bob"].total == Decimal("8")
    assert rows["Ada"].cells[0].imported == [("harvest", Decimal("7.50"))]
    assert rows["Ada"].form.initial["d0"] is None  # the grid edits hand-entered hours only
    assert rows["Bob"].form.initial["d0"] == Decimal("2.00")
    assert response.context["day_totals"][0] == Decimal("15.5")
    assert response.context["week_total"] == Decimal("45.5")
    page = response.content.decode()
    assert "+ 7.50 h harvest" in page and "+ 6.00 h api" in page
    assert "data-week-total>45.50<" in page


def test_saving_the_grid_leaves_imported_hours_alone(operations_client) -> None:
    ada = rated_contractor()
    TimeEntryFactory(contractor=ada, date=MONDAY, hours=Decimal("7.5"), source="harvest")
    response = post(operations_client, ada.engagement, MONDAY, [(ada.pk, ["0.5", "8", "", "", "", "", ""])])
    assert response.status_code == 302
    assert sorted(TimeEntry.objects.values_list("date", "hours", "source")) == [
        (MONDAY, Decimal("0.50"), ""),
        (MONDAY, Decimal("7.50"), "harvest"),
        (MONDAY + dt.timedelta(days=1), Decimal("8.00"), ""),
    ]


def test_days_of_a_closed_month_are_locked_and_not_taken_from_the_post(operations_client, superuser) -> None:
    ada = rated_contractor()
    TimeEntryFactory(contractor=ada, date=dt.date(2026, 3, 30), hours=Decimal("4"))
    period_close(month=dt.date(2026, 3, 1), user=superuser)
    monday = dt.date(2026, 3, 30)  # Mon 30 and Tue 31 March are closed, April is open

    page = operations_client.get(url(ada.engagement, monday))
    form = page.context["rows"][0].form
    assert form.fields["d0"].disabled and form.fields["d1"].disabled and not form.fields["d2"].disabled
    assert "March 2026 is closed" in page.content.decode()

    # A post that still carries the closed days (a stale page) saves April and leaves March untouched.
    response = post(operations_client, ada.engagement, monday, [(ada.pk, ["9", "9", "8", "", "", "", ""])])
    assert response.status_code == 302
    assert sorted(TimeEntry.objects.values_list("date", "hours")) == [
        (dt.date(2026, 3, 30), Decimal("4.00")),
        (dt.date(2026, 4, 1), Decimal("8.00")),
    ]


def test_days_outside_the_engagement_are_locked(operations_client) -> None:
    engagement = EngagementFactory(start_date=dt.date(2026, 4, 8))
    ada = rated_contractor(engagement=engagement)
    page = operations_client.get(url(engagement))
    form = page.context["rows"][0].form
    assert [form.fields[f"d{i}"].disabled for i in range(7)] == [True, True] + [False] * 5
    assert "outside the engagement" in page.content.decode()
    assert post(operations_client, engagement, MONDAY, [(ada.pk, ["8", "", "8", "", "", "", ""])]).status_code == 302
    assert list(TimeEntry.objects.values_list("date", flat=True)) == [dt.date(2026, 4, 8)]


def test_a_contractor_without_a_rate_is_flagged_and_the_save_warns(operations_client) -> None:
    ada = rated_contractor(name="Ada")
    bob = ContractorFactory(name="Bob Stone", engagement=ada.engagement)
    ContractorRateFactory(contractor=bob, effective_from=dt.date(2026, 4, 9))  # from Thursday on
    page = operations_client.get(url(ada.engagement))
    rows = {row.name: row for row in page.context["rows"]}
    assert rows["Ada"].rate_warning == ""
    assert (
        rows["Bob Stone"].rate_warning
        == "No bill rate in effect on Mon 06, Tue 07, Wed 08: hours are saved but not costed."
    )

    response = post(
        operations_client, ada.engagement, MONDAY, [(ada.pk, [""] * 7), (bob.pk, ["8", "", "", "8", "", "", ""])]
    )
    assert response.status_code == 302
    warnings = [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert len(warnings) == 1 and warnings[0].startswith("Bob Stone (")
    assert "Mon 06 Apr 2026" in warnings[0] and "Thu" not in warnings[0]
    assert TimeEntry.objects.filter(contractor=bob).count() == 2


def test_the_week_opens_on_the_organisations_today_not_the_servers(operations_client, settings, time_machine) -> None:
    settings.TIME_ZONE = "America/New_York"
    # Monday 02:00 UTC is still Sunday evening in New York: the week is the one ending that Sunday.
    time_machine.move_to(dt.datetime(2026, 4, 6, 2, 0, tzinfo=dt.UTC))
    engagement = EngagementFactory()
    page = operations_client.get(f"{WEEK}?engagement={engagement.pk}")
    assert page.context["monday"] == dt.date(2026, 3, 30)


def test_the_grid_tabs_along_each_row_then_down(operations_client) -> None:
    engagement = EngagementFactory()
    first, second = rated_contractor(name="A", engagement=engagement), rated_contractor(name="B", engagement=engagement)
    page = operations_client.get(url(engagement)).content.decode()
    names = re.findall(r'<input type="number" name="(form-\d-d\d)"', page)
    assert names == [f"form-{row}-d{day}" for row in (0, 1) for day in range(7)]
    assert "tabindex" not in page.split('id="week-grid"')[1].split("</table>")[0]
    assert first.pk != second.pk


def test_the_page_takes_the_same_queries_for_2_or_12_contractors(operations_client) -> None:
    engagement = EngagementFactory()

    def run() -> int:
        for contractor in engagement.contractors.all():
            TimeEntryFactory(contractor=contractor, date=MONDAY, hours=Decimal("7.5"), source="harvest")
            TimeEntryFactory(contractor=contractor, date=MONDAY, hours=Decimal("0.5"))
        with CaptureQueriesContext(connection) as ctx:
            assert operations_client.get(url(engagement)).status_code == 200
        TimeEntry.objects.all().delete()
        return len(ctx.captured_queries)

    for i in range(2):
        rated_contractor(engagement=engagement, name=f"few {i}")
    few = run()
    for i in range(10):
        ContractorFactory(engagement=engagement, name=f"many {i}")  # without rates: flagged, same queries
    assert run() == few
