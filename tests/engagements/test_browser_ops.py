"""In a real browser (headless Chromium), as operations: a week for a team with imported hours; an unambiguous outage."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest

from engagements.models import DeliveryModel, TimeEntry
from sla.models import MonitoredService, Outage
from tests.billing.factories import ContractorRateFactory
from tests.factories import ContractorFactory, EngagementFactory
from tests.reports.test_browser import browser, eventually, sign_in

__all__ = ["browser"]  # the fixture, shared with the report's browser tests

# The operations guide shows the timesheet: refreshed on request (UPDATE_SCREENSHOTS=1), else into var/.
SHOTS = Path(__file__).resolve().parents[2] / (
    "docs/img" if os.environ.get("UPDATE_SCREENSHOTS") else "var/screenshots"
)
MONDAY = dt.date(2026, 4, 13)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_operations_enters_a_week_for_a_team_with_imported_hours_and_sees_the_totals(
    browser, live_server, operations_user, settings
) -> None:
    from selenium.webdriver.common.by import By

    settings.TIME_ZONE = "America/New_York"
    engagement = EngagementFactory(name="Platform team", start_date=dt.date(2026, 1, 1))
    ada, bob = (ContractorFactory(engagement=engagement, name=name) for name in ("Ada Lovelace", "Bob Stone"))
    ContractorRateFactory(contractor=ada, effective_from=dt.date(2026, 1, 1))  # Bob has no rate: flagged
    for i in range(5):  # the time tracker's import: 7.5 h a day for both
        for contractor in (ada, bob):
            TimeEntry.objects.create(
                contractor=contractor,
                date=MONDAY + dt.timedelta(days=i),
                hours=Decimal("7.5"),
                source="harvest",
                external_id=f"{contractor.pk}-{i}",
            )

    sign_in(browser, f"{live_server.url}/admin/login/", operations_user.username)
    browser.get(f"{live_server.url}/admin/engagements/timeentry/week/?engagement={engagement.pk}&week={MONDAY}")
    page = browser.page_source
    assert page.count("+ 7.50 h harvest") == 10
    assert "No bill rate in effect this week" in page
    week_total = browser.find_element(By.CSS_SELECTOR, "[data-week-total]")
    assert week_total.text == "75.00"

    # Saturday for Ada by hand: the totals follow as she types (no reload).
    saturday = browser.find_element(By.NAME, "form-0-d5")
    saturday.send_keys("4")
    assert eventually(lambda: week_total.text == "79.00", timeout=5)
    assert browser.find_element(By.CSS_SELECTOR, "tr[data-row] [data-row-total]").text == "41.50"
    # Enter moves down the column to Bob's Saturday.
    saturday.send_keys("\n")
    assert browser.switch_to.active_element.get_attribute("name") == "form-1-d5"
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / "weekly-timesheet.png"))

    browser.find_element(By.CSS_SELECTOR, "input[type=submit][value='Save the week']").click()
    # The click returns before the next page has loaded: wait for it.
    assert eventually(lambda: "Saved the week" in browser.page_source, timeout=30), browser.page_source[:2000]
    assert browser.find_element(By.CSS_SELECTOR, "[data-week-total]").text == "79.00"
    assert TimeEntry.objects.filter(contractor=ada, source="").get().hours == Decimal("4.00")
    assert TimeEntry.objects.filter(source="harvest").count() == 10


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_operations_records_an_outage_on_a_service_whose_name_repeats_and_lands_on_the_right_engagement(
    browser, live_server, operations_user, settings
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    settings.TIME_ZONE = "America/New_York"
    first, second = (
        EngagementFactory(name=f"Cloud infrastructure {n}", model=DeliveryModel.MANAGED, start_date=dt.date(2026, 1, 1))
        for n in ("East", "West")
    )
    for engagement in (first, second):
        MonitoredService.objects.create(engagement=engagement, name="Compute platform")

    sign_in(browser, f"{live_server.url}/admin/login/", operations_user.username)
    browser.get(f"{live_server.url}/admin/sla/outage/add/")
    browser.find_element(By.CSS_SELECTOR, ".field-service .select2-selection").click()
    search = browser.find_element(By.CSS_SELECTOR, ".select2-search__field")
    search.send_keys("Compute")
    ok = eventually(
        lambda: len(browser.find_elements(By.CSS_SELECTOR, ".select2-results__option[role=option]")) == 2, 10
    )
    assert ok, browser.find_element(By.CSS_SELECTOR, ".select2-results").get_attribute("innerHTML")
    labels = [o.text for o in browser.find_elements(By.CSS_SELECTOR, ".select2-results__option[role=option]")]
    assert sorted(labels) == [
        "Compute platform - Cloud infrastructure East (managed service)",
        "Compute platform - Cloud infrastructure West (managed service)",
    ]
    next(
        o for o in browser.find_elements(By.CSS_SELECTOR, ".select2-results__option[role=option]") if "West" in o.text
    ).click()
    browser.find_element(By.NAME, "started_at_0").send_keys("2026-04-20")
    browser.find_element(By.NAME, "started_at_1").send_keys("10:00")
    browser.find_element(By.NAME, "ended_at_0").send_keys("2026-04-20")
    browser.find_element(By.NAME, "ended_at_1").send_keys("11:30")
    browser.find_element(By.NAME, "reason").send_keys("Hypervisor restart", Keys.ENTER)
    assert eventually(lambda: "was added successfully" in browser.page_source, timeout=10), browser.page_source[:3000]
    outage = Outage.objects.get()
    assert outage.service.engagement == second
    # The list says where it landed, and filters to that engagement.
    browser.get(f"{live_server.url}/admin/sla/outage/?engagement__id__exact={second.pk}&month=2026-04")
    assert "Cloud infrastructure West" in browser.page_source and "1 row" in browser.page_source
