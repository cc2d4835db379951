"""Moving around the reports: previous/next, the month picker, the area filter, the current and closed months,
the months page, the engagement and vendor pages, and the site's own error pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from billing.services.periods import period_close
from kernel.months import current_month, month_iso
from reports.pages import neighbours
from reports.presentation import changes, signed, verdict_card
from reports.services import report_build, snapshots_compute

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(worked_example):
    ids = [worked_example.augmented.pk, worked_example.msp.pk]
    for month in (MARCH, APRIL):
        snapshots_compute(engagement_ids=ids, month=month)
        report_build(month=month)
    return worked_example


def _page(client, month: str, query: str = "") -> str:
    response = client.get(reverse("reports:month", kwargs={"month": month}) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_previous_and_next_months_keep_the_area_filter(leadership_client, reports) -> None:
    area = reports.augmented.service_area_id
    html = _page(leadership_client, "2026-04", f"?area={area}")
    assert f'href="/reports/2026-03/?area={area}" rel="prev">&larr; March 2026' in html
    # The next month with a report is the current one (provisional, never missing).
    assert f'href="/reports/{month_iso(current_month())}/?area={area}" rel="next"' in html
    assert 'rel="prev"' not in _page(leadership_client, "2026-03")


def test_the_month_picker_goes_to_the_month_chosen(leadership_client, reports) -> None:
    response = leadership_client.get(reverse("reports:pick") + "?month=2026-03&area=7")
    assert response["Location"] == "/reports/2026-03/?area=7"
    assert leadership_client.get(reverse("reports:pick") + "?month=soon")["Location"] == reverse("reports:latest")


def test_the_area_filter_shows_that_area_only(leadership_client, reports) -> None:
    html = _page(leadership_client, "2026-04")
    areas = set(re.findall(r'data-verdict-area="(\d+)"', html))
    assert areas == {str(reports.augmented.service_area_id)}
    filtered = _page(leadership_client, "2026-04", "?area=999999")
    # An unknown area shows every area (nothing hidden by a stale link).
    assert set(re.findall(r'data-verdict-area="(\d+)"', filtered)) == areas


def test_the_verdict_comes_first_then_the_gaps_then_the_tables(leadership_client, reports) -> None:
    html = _page(leadership_client, "2026-04")
    verdict, banner, table = html.index("data-verdict-area"), html.index('id="data-quality"'), html.index("<table")
    assert verdict < banner < table


def test_the_current_month_is_provisional_never_missing(operations_client, leadership_client, db) -> None:
    current = month_iso(current_month())
    html = _page(operations_client, current)
    assert "Provisional (to date)" in html and "Recompute now" in html
    assert "Recompute" not in _page(leadership_client, current)
    assert leadership_client.get(reverse("reports:month", kwargs={"month": "2999-01"})).status_code == 404
    index = leadership_client.get(reverse("reports:index")).content.decode()
    assert f'data-month="{current}"' in index and "Provisional (to date)" in index


def test_a_closed_month_is_marked_final_on_its_page_and_the_index(leadership_client, superuser, reports) -> None:
    period_close(month=APRIL, user=superuser)
    report_build(month=APRIL)
    assert "Closed (final)" in _page(leadership_client, "2026-04")
    assert "Closed (final)" not in _page(leadership_client, "2026-03")
    index = leadership_client.get(reverse("reports:index")).content.decode()
    april = index[index.index('data-month="2026-04"') :]
    assert "Closed (final)" in april[: april.index("</tr>")]


def test_the_months_page_shows_the_cost_per_model_and_the_gap(leadership_client, reports) -> None:
    index = leadership_client.get(reverse("reports:index")).content.decode()
    april = index[index.index('data-month="2026-04"') :]
    april = april[: april.index("</tr>")]
    # Staff aug 4,192.50, managed 6,340.00: the gap (staff aug minus managed) is -2,147.50.
    assert "4,192.50" in april and "6,340.00" in april and "-2,147.50" in april and "fresh" in april


def test_the_engagement_page_shows_its_history(leadership_client, reports) -> None:
    response = leadership_client.get(reverse("reports:engagement", kwargs={"pk": reports.augmented.pk}))
    html = response.content.decode()
    assert "Help desk (augmented)" in html and "April 2026" in html and "4,192.50" in html
    assert "<svg" in html and "Data table" in html
    assert leadership_client.get(reverse("reports:engagement", kwargs={"pk": 999999})).status_code == 404


def test_the_vendor_scorecards_sort_by_cost_attainment_credits_and_variance(leadership_client, reports) -> None:
    url = reverse("reports:vendors", kwargs={"month": "2026-04"})
    for sort in ("-cost", "-attainment", "-credits", "-variance", "name", "bogus"):
        response = leadership_client.get(f"{url}?sort={sort}")
        assert response.status_code == 200
    html = leadership_client.get(f"{url}?sort=-cost").content.decode()
    assert '<strong aria-current="true">Cost</strong>' in html and "data-vendor=" in html
    assert "Vendors" in _page(leadership_client, "2026-04")


def test_error_pages_are_the_sites_own_when_debug_is_off(client, nobody_user, settings, db) -> None:
    settings.DEBUG = False
    missing = client.get("/reports/no-such-page/")
    assert missing.status_code == 404 and "Not found" in missing.content.decode()
    assert "All reports" in missing.content.decode()
    client.force_login(nobody_user)
    refused = client.get(reverse("reports:index"))
    assert refused.status_code == 403 and "Not allowed" in refused.content.decode()


def test_changes_against_the_previous_month_and_last_year() -> None:
    series = [
        {"month": "2025-04", "has_data": True, "total": "1000.00", "uptime_pct": "99.500"},
        {"month": "2026-03", "has_data": True, "total": "1500.00", "uptime_pct": "99.960"},
        {"month": "2026-04", "has_data": True, "total": "1200.00", "uptime_pct": "99.980"},
    ]
    rows = {r["label"]: r for r in changes({"series": series}, "2026-04")}
    assert rows["Total cost"]["vs_previous"] == "-300.00 (-20.0%)"
    assert rows["Total cost"]["vs_last_year"] == "+200.00 (+20.0%)"
    assert rows["Uptime"]["vs_previous"] == "±0.0 points"  # +0.02 prints as 0.0: no false sign
    assert rows["Resolution target met"]["vs_previous"] == "-"
    assert changes(None, "2026-04") == []
    assert signed("1234.5", "money", "USD") == "USD +1,234.50"


def test_neighbours_count_the_current_month() -> None:
    nav = neighbours(APRIL, [MARCH, APRIL], dt.date(2026, 6, 1))
    assert (nav["previous"], nav["next"], nav["next_label"]) == ("2026-03", "2026-06", "June 2026")
    assert neighbours(MARCH, [], MARCH)["previous"] is None


def test_an_area_with_one_model_says_so() -> None:
    area = {"id": 1, "name": "ERP", "staff_aug": None, "managed": {"figures": {"total_cost": "10.00"}}}
    card = verdict_card(area, "USD")
    assert card["single"] and card["sentence"] == "ERP runs on Managed service only: there is nothing to compare."
    both = {"id": 2, "name": "Desk", "staff_aug": {"figures": {"total_cost": "30.00"}}, "managed": area["managed"]}
    card = verdict_card(both, "USD")
    assert card["sentence"] == "In Desk, managed service cost USD 20.00 less this month."
    assert card["figures"][0] == {"label": "Cheaper this month", "value": "Managed service, by USD 20.00"}
