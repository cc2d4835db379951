"""The leadership pages: who may read them, what they show, and a query count that does not grow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.services import contractor_rate_create
from engagements.services.entries import time_entry_create
from reports.services import report_build, snapshots_compute
from tests.factories import ContractorFactory, EngagementFactory
from tests.reports.pdf import pdf_text
from tests.reports.test_browser import browser, computed_worked_example, sign_in  # noqa: F401 - browser is a fixture

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def april_report(worked_example):
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    return report_build(month=APRIL)


def _add_staff_aug_engagements(count: int) -> None:
    ids = []
    for _ in range(count):
        contractor = ContractorFactory(engagement=EngagementFactory(start_date=dt.date(2026, 1, 1)))
        contractor_rate_create(contractor=contractor, hourly_rate=Decimal("50.00"), effective_from=dt.date(2026, 1, 1))
        time_entry_create(contractor=contractor, date=dt.date(2026, 4, 7), hours=Decimal("4.00"))
        ids.append(contractor.engagement_id)
    snapshots_compute(engagement_ids=ids, month=APRIL)
    report_build(month=APRIL)


def test_leadership_reads_the_month_report_with_its_figures_and_charts(leadership_client, april_report) -> None:
    response = leadership_client.get(reverse("reports:month", kwargs={"month": "2026-04"}))
    assert response.status_code == 200
    html = response.content.decode()
    # Percentages to one decimal on the page (the CSV and the API keep the exact figures).
    assert "4,192.50" in html and "6,340.00" in html and "99.7%" in html and "14.8%" in html
    assert html.count("<svg") >= 4
    assert "Help desk" in html


def test_operations_and_superusers_read_the_reports_too(operations_client, superuser_client, april_report) -> None:
    for client in (operations_client, superuser_client):
        assert client.get(reverse("reports:index")).status_code == 200
        assert client.get(reverse("reports:month", kwargs={"month": "2026-04"})).status_code == 200


def test_users_of_neither_group_are_refused(client, nobody_user, april_report) -> None:
    client.force_login(nobody_user)
    for name, kwargs in (
        ("reports:index", {}),
        ("reports:month", {"month": "2026-04"}),
        ("reports:month_csv", {"month": "2026-04"}),
        ("reports:month_pdf", {"month": "2026-04"}),
        ("reports:latest", {}),
    ):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, april_report) -> None:
    response = client.get(reverse("reports:month", kwargs={"month": "2026-04"}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reports:login"))


def test_the_months_page_lists_april_as_fresh(leadership_client, april_report) -> None:
    html = leadership_client.get(reverse("reports:index")).content.decode()
    assert "April 2026" in html
    assert "badge fresh" in html


def test_latest_redirects_to_the_newest_report(leadership_client, april_report) -> None:
    response = leadership_client.get(reverse("reports:latest"))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:month", kwargs={"month": "2026-04"})


def test_leadership_logging_in_lands_on_the_latest_report(client, leadership_user, april_report) -> None:
    response = client.post(reverse("reports:login"), {"username": "lead", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:month", kwargs={"month": "2026-04"})


def test_the_csv_download_has_the_same_figures(leadership_client, april_report) -> None:
    response = leadership_client.get(reverse("reports:month_csv", kwargs={"month": "2026-04"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert "4192.50" in text and "6340.00" in text
    assert "14.784" in text and "99.688" in text


def test_the_pdf_download_has_the_same_figures(leadership_client, april_report) -> None:
    response = leadership_client.get(reverse("reports:month_pdf", kwargs={"month": "2026-04"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Delivery model comparison: April 2026" in text
    # Each label is followed by the staff augmentation figure, then the managed one.
    assert "Total cost\n4,192.50\n6,340.00" in text
    assert "Overhead ratio (management tax)\n14.8%\n3.9%" in text
    assert "Uptime\n-\n99.7%" in text
    assert "Notable events" in text
    assert "Help desk (augmented)" in text


def test_a_month_without_a_report_is_not_found(leadership_client, db) -> None:
    assert leadership_client.get(reverse("reports:month", kwargs={"month": "2020-01"})).status_code == 404


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_query_count_does_not_grow_with_engagements(leadership_client, april_report, worked_example) -> None:
    urls = [
        reverse("reports:month", kwargs={"month": "2026-04"}),
        reverse("reports:month", kwargs={"month": "2026-04"}) + f"?area={worked_example.augmented.service_area_id}",
        reverse("reports:index"),
        reverse("reports:month_csv", kwargs={"month": "2026-04"}),
        reverse("reports:vendors", kwargs={"month": "2026-04"}) + "?sort=-cost",
        reverse("reports:engagement", kwargs={"pk": worked_example.augmented.pk}),
    ]
    before = [_queries(leadership_client, url) for url in urls]
    _add_staff_aug_engagements(5)
    after = [_queries(leadership_client, url) for url in urls]
    assert after == before
    assert max(before) <= 12


def test_a_change_against_an_incomplete_month_is_marked_incomplete(leadership_client, worked_example) -> None:
    """May against April, when April's managed side has overhead without an internal rate (authors' note)."""
    import re

    from engagements.services.engagements import person_create
    from engagements.services.entries import overhead_entry_create

    stranger = person_create(name="Pat Unrated", email="pat@example.com")
    overhead_entry_create(
        engagement=worked_example.msp,
        person=stranger,
        date=dt.date(2026, 4, 20),
        hours=Decimal("2.50"),
        activity="qa_review",
    )
    ids = [worked_example.augmented.pk, worked_example.msp.pk]
    for month in (APRIL, dt.date(2026, 5, 1)):
        snapshots_compute(engagement_ids=ids, month=month)
    report = report_build(month=dt.date(2026, 5, 1))
    [may_point] = [p for p in report.payload["overall"]["managed"]["series"] if p["month"] == "2026-05"]
    [april_point] = [p for p in report.payload["overall"]["managed"]["series"] if p["month"] == "2026-04"]
    assert may_point["complete"] is True and april_point["complete"] is False
    html = leadership_client.get(reverse("reports:month", kwargs={"month": "2026-05"})).content.decode()
    [row] = re.findall(r"<tr><td>Managed service: Total cost</td>(.*?)</tr>", html)
    total = ["", *row.removeprefix("<td>").removesuffix("</td>").split("</td><td>")]
    # May itself is complete; its change against April stands on April's gap; last year has no data ("-").
    assert 'class="incomplete"' not in total[1]
    assert 'class="incomplete"' in total[2] and total[2].startswith("-")
    assert total[3] == "-"


def test_the_months_page_offers_every_download_the_month_page_does(leadership_client, april_report) -> None:
    """QA C9: the index offered CSV and PDF, not the XLSX the month page offers."""
    html = leadership_client.get(reverse("reports:index")).content.decode()
    for name in ("reports:month_csv", "reports:month_pdf", "reports:month_xlsx"):
        assert f'href="{reverse(name, kwargs={"month": "2026-04"})}"' in html, name


def test_vendor_scorecards_exist_only_for_months_with_a_report(leadership_client, april_report) -> None:
    """QA C8/B6: months without data answered 200 with an empty table (and the far ones a 500)."""
    from kernel.months import add_months, current_month, month_iso

    def get(month: str):
        return leadership_client.get(reverse("reports:vendors", kwargs={"month": month}))

    assert get("2026-04").status_code == 200
    for month in ("0001-01", "9999-12", "2019-01", month_iso(add_months(current_month(), 1))):
        assert get(month).status_code == 404, month
    # The current month is computed to date and says so, with the base currency in the heading.
    html = get(month_iso(current_month())).content.decode()
    assert "Provisional (to date)" in html and "Cost this month (USD)" in html


def test_vendor_attestations_are_short_with_the_whole_count_in_the_title() -> None:
    from reports.pages import vendor_rows

    [row] = vendor_rows([{"vendor": 1, "name": "V", "attestations": {"valid": 2, "expiring": 0, "expired": 1}}])
    assert row["attestations"] == "2 valid, 1 expired"
    assert row["attestations_full"] == "2 valid, 0 expiring, 1 expired"
    [none] = vendor_rows([{"vendor": 2, "name": "W", "attestations": {"valid": 0, "expiring": 0, "expired": 0}}])
    assert none["attestations"] == "none"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_charts_open_at_the_latest_months(browser, live_server, leadership_user, new_york) -> None:  # noqa: F811
    """QA C14: a chart keeps 580 px on a 375 px screen and its box scrolls; it opened on the oldest months."""
    computed_worked_example()
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True}
    )
    sign_in(browser, f"{live_server.url}/reports/login/", leadership_user.username)
    assert browser.current_url.endswith("/reports/2026-04/")
    boxes = browser.execute_script(
        "return [...document.querySelectorAll('.chart-box')].map(b => [b.scrollLeft, b.scrollWidth - b.clientWidth])"
    )
    overflowing = [left for left, room in boxes if room > 1]
    assert overflowing and all(left > 0 for left in overflowing), boxes
    hints = browser.execute_script("return [...document.querySelectorAll('.chart-hint')].map(h => h.textContent)")
    assert len(hints) == len(overflowing) and "earlier months" in hints[0]


def test_the_current_month_without_a_report_says_which_figures_exist_and_lists_the_gaps(leadership_client, db) -> None:
    """QA C4: after a change the month's snapshots exist, the report to date not yet; the page said 'no figures'."""
    from kernel.months import current_month, month_iso

    month = current_month()
    contractor = ContractorFactory(engagement=EngagementFactory(start_date=month), name="Rateless Rita")
    time_entry_create(contractor=contractor, date=month, hours=Decimal("3.50"))  # no bill rate: a gap
    snapshots_compute(engagement_ids=[contractor.engagement_id], month=month)
    html = leadership_client.get(reverse("reports:month", kwargs={"month": month_iso(month)})).content.decode()
    assert "The figures of 1 engagement were recomputed after changes" in html
    assert "No figures have been computed" not in html
    assert 'data-gap-kind="missing_bill_rate"' in html and "Rateless Rita" in html
