"""Closing a month from one screen: pick it, read its checks, close it with one confirmation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.admin.closing import close_checks
from billing.models import Period
from billing.services import period_close
from engagements.models import ChangedMonth
from reports.demo.worked_example import build_worked_example
from reports.hooks import recompute_deferred
from reports.services import report_build, snapshots_compute
from tests.billing.factories import InvoiceFactory
from tests.factories import EngagementFactory
from tests.reports.test_browser import browser, eventually, sign_in, submitted_and_loaded
from tests.sla.factories import MonitoredServiceFactory, OutageFactory, TicketFactory, ny

APRIL = dt.date(2026, 4, 1)
URL = "/admin/billing/period/close/"
__all__ = ["browser"]  # the fixture, shared with the report's browser tests


def checks_of(response) -> dict[str, object]:
    return {check.key: check for check in response.context["checks"]}


@pytest.fixture
def loose_ends(db) -> dict[str, object]:
    """April 2026 with an outage still open, a ticket unresolved and an engagement without its invoice."""
    engagement = EngagementFactory(name="Cloud (managed)")
    outage = OutageFactory(
        service=MonitoredServiceFactory(engagement=engagement, name="VPN"), started_at=ny(2026, 4, 28, 9), ended_at=None
    )
    ticket = TicketFactory(engagement=engagement, opened_at=ny(2026, 4, 29, 10), summary="Printer on fire")
    InvoiceFactory(engagement=EngagementFactory(), period=APRIL)
    return {"engagement": engagement, "outage": outage, "ticket": ticket}


def close_form(response) -> dict[str, str]:
    return {"month": response.context["month_value"], "seen": response.context["signature"]}


@pytest.mark.django_db
def test_the_screen_shows_the_months_checks_with_links_to_the_rows(operations_client, loose_ends) -> None:
    response = operations_client.get(URL, {"month": "2026-04"})

    assert response.status_code == 200
    checks = checks_of(response)
    assert list(checks) == ["data_gaps", "open_outages", "unresolved_tickets", "missing_invoices", "stale_snapshots"]
    outages = checks["open_outages"]
    assert outages.count == 1 and outages.findings[0].url == f"/admin/sla/outage/{loose_ends['outage'].pk}/change/"
    assert outages.findings[0].text == "VPN (Cloud (managed)) down since 2026-04-28 09:00"
    assert operations_client.get(outages.url).context["cl"].result_count == 1
    tickets = checks["unresolved_tickets"]
    assert tickets.count == 1 and "Printer on fire" in tickets.findings[0].text
    assert operations_client.get(tickets.url).context["cl"].result_count == 1
    invoices = checks["missing_invoices"]
    assert invoices.count == 1 and invoices.title == "Invoices missing for April 2026"
    assert invoices.findings[0].url.endswith(f"?engagement={loose_ends['engagement'].pk}&period=2026-04-01")
    assert checks["stale_snapshots"].count == 1  # nothing computed for April yet
    page = response.content.decode()
    assert "I have read the 4 warnings above and close April 2026 anyway." in page
    assert '<option value="2026-04" selected>April 2026</option>' in page


@pytest.mark.django_db
def test_warnings_must_be_acknowledged_and_then_one_post_closes_the_month(
    operations_client, operations_user, loose_ends
) -> None:
    shown = operations_client.get(URL, {"month": "2026-04"})

    refused = operations_client.post(URL, close_form(shown))
    assert refused.status_code == 200 and "Tick the box" in refused.content.decode()
    assert not Period.objects.closed().exists()

    closed = operations_client.post(URL, {**close_form(shown), "acknowledge": "yes"})
    assert closed.status_code == 302 and closed.url == f"{URL}?month=2026-04"
    period = Period.objects.get(month=APRIL)
    assert period.closed and period.closed_by == operations_user
    after = operations_client.get(closed.url).content.decode()
    assert "April 2026 closed: its facts are locked." in after and "was closed on" in after
    assert 'id="close-form"' not in after and "/reports/2026-04/" in after


@pytest.mark.django_db
def test_a_close_is_refused_when_the_checks_changed_since_the_page_was_shown(operations_client, loose_ends) -> None:
    shown = operations_client.get(URL, {"month": "2026-04"})
    TicketFactory(engagement=loose_ends["engagement"], opened_at=ny(2026, 4, 30, 10))

    refused = operations_client.post(URL, {**close_form(shown), "acknowledge": "yes"})

    assert "The checks changed since the page was shown" in refused.content.decode()
    assert not Period.objects.closed().exists()


@pytest.mark.django_db
def test_a_month_without_warnings_closes_without_the_box(operations_client, monkeypatch) -> None:
    monkeypatch.setattr("billing.admin.periods.close_checks", lambda month: [])
    response = operations_client.post(URL, {"month": "2026-03", "seen": ""})
    assert response.status_code == 302 and Period.objects.get(month=dt.date(2026, 3, 1)).closed


@pytest.mark.django_db
def test_the_close_service_still_decides(operations_client, superuser, monkeypatch) -> None:
    monkeypatch.setattr("billing.admin.periods.close_checks", lambda month: [])
    period_close(month=APRIL, user=superuser)
    response = operations_client.post(URL, {"month": "2026-04", "seen": ""})
    assert response.status_code == 200 and "April 2026 is already closed." in response.content.decode()


@pytest.mark.django_db
def test_leadership_reads_the_checks_but_cannot_close(leadership_client) -> None:
    page = leadership_client.get(URL, {"month": "2026-04"})
    assert page.status_code == 200 and 'id="close-form"' not in page.content.decode()
    assert leadership_client.post(URL, {"month": "2026-04", "acknowledge": "yes", "seen": ""}).status_code == 403
    assert not Period.objects.exists()


@pytest.mark.django_db
def test_the_period_list_links_to_the_close_screen(operations_client) -> None:
    assert f'href="{URL}"' in operations_client.get("/admin/billing/period/").content.decode()


def _more_loose_ends(count: int) -> None:
    for index in range(count):
        engagement = EngagementFactory()
        OutageFactory(
            service=MonitoredServiceFactory(engagement=engagement), started_at=ny(2026, 4, 2 + index), ended_at=None
        )
        TicketFactory(engagement=engagement, opened_at=ny(2026, 4, 2 + index, 10))


@pytest.mark.django_db
def test_the_screen_costs_the_same_number_of_queries_whatever_the_rows(operations_client) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert operations_client.get(URL, {"month": "2026-04"}).status_code == 200
        return len(ctx.captured_queries)

    _more_loose_ends(1)
    queries()
    few = queries()
    _more_loose_ends(8)
    assert {c.key: c.count for c in close_checks(APRIL)}["open_outages"] == 9
    assert queries() == few


# --- in a real browser ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_operations_closes_a_month_from_the_close_screen_and_the_report_says_closed(
    browser, live_server, operations_user, settings
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    settings.TIME_ZONE = "America/New_York"
    with recompute_deferred():
        example = build_worked_example()
    snapshots_compute(engagement_ids=[example.augmented.pk, example.msp.pk], month=APRIL)
    report_build(month=APRIL)
    ChangedMonth.objects.all().delete()

    sign_in(browser, f"{live_server.url}/admin/login/", operations_user.username)
    # The operations home's start, then the month picker (it submits itself on change).
    browser.find_element(By.PARTIAL_LINK_TEXT, "Close a month").click()
    picker = Select(browser.find_element(By.NAME, "month"))
    if any(option.get_attribute("value") == "2026-04" for option in picker.options):
        picker.select_by_value("2026-04")
        # The URL changes before the new page has loaded: wait for its heading too.
        assert eventually(
            lambda: browser.current_url.endswith("?month=2026-04") and "Checks for April 2026" in browser.page_source
        )
    else:  # run long after April 2026: the picker offers the last twelve months, a link may name any
        browser.get(f"{live_server.url}/admin/billing/period/close/?month=2026-04")
    assert "Checks for April 2026" in browser.page_source
    acknowledge = browser.find_elements(By.NAME, "acknowledge")
    if acknowledge:
        acknowledge[0].click()
    close = browser.find_element(By.CSS_SELECTOR, "input[type=submit][value='Close April 2026']")
    # The POST answers with a redirect to the month's screen, now showing it closed (or an error).
    submitted_and_loaded(browser, close, click=True)
    assert eventually(lambda: "was closed on" in browser.page_source or 'role="alert"' in browser.page_source)
    errors = [element.text for element in browser.find_elements(By.CSS_SELECTOR, "[role=alert]")]
    assert "April 2026 closed: its facts are locked." in browser.page_source, errors
    assert Period.objects.get(month=APRIL).closed
    submitted_and_loaded(browser, browser.find_element(By.LINK_TEXT, "See the report"), click=True)
    assert browser.current_url.endswith("/reports/2026-04/")
    badge = browser.find_element(By.CSS_SELECTOR, "[data-closed]")
    assert badge.text == "Closed (final)"
