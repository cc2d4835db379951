"""In a real browser (Debian's headless Chromium): leadership asks "What if..." from the report and saves a scenario."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from engagements.models import ChangedMonth
from reports.hooks import recompute_deferred
from reports.services import report_build
from tests.reports.test_browser import browser, eventually, sign_in, submitted_and_loaded
from tests.scenarios.test_pages import build_area

__all__ = ["browser"]  # the fixture, shared with the report's browser tests

OCTOBER = dt.date(2026, 10, 1)


def screenshot(driver, width: int, path: Path) -> int:
    """Save a full-page screenshot at a width; return the page's scroll width (no sideways scroll: <= width)."""
    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(width, min(height + 100, 6000))
    driver.save_screenshot(str(path))
    return int(driver.execute_script("return document.documentElement.scrollWidth"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_leadership_starts_what_if_from_the_report_saves_and_sees_the_chart_and_sentence(
    browser, live_server, leadership_user, tmp_path
) -> None:
    from selenium.webdriver.common.by import By

    with recompute_deferred():
        area = build_area(2, dt.date(2026, 1, 1), 10)
    ChangedMonth.objects.all().delete()
    report_build(month=OCTOBER)
    sign_in(browser, f"{live_server.url}/reports/login/", leadership_user.username)
    browser.get(f"{live_server.url}/reports/2026-10/")
    link = browser.find_element(By.CSS_SELECTOR, f"a[href$='/reports/scenarios/new/?area={area.pk}']")
    submitted_and_loaded(browser, link, click=True)
    assert eventually(lambda: "What if... the Help desk changed model" in browser.page_source, timeout=30)
    # Prefilled from the area's realized data: an estimate of a fee for the whole (hybrid) area, today's
    # managed fee 5,000.00 + October's staff-aug vendor cost 34,290.00, labelled as one.
    fee = browser.find_element(By.NAME, "managed_fee")
    assert fee.get_attribute("value") == "39290"
    assert "Estimate, replace it with the provider's quote for the whole area" in browser.page_source
    fee.clear()
    fee.send_keys("9000")
    browser.find_element(By.NAME, "onboarding_charges").clear()
    browser.find_element(By.NAME, "onboarding_charges").send_keys("10000")
    submitted_and_loaded(
        browser, browser.find_element(By.CSS_SELECTOR, "form.scn-main button[type=submit]"), click=True
    )
    sentence = browser.find_element(By.ID, "sentence").text
    assert sentence.startswith("Moving the Help desk to a managed service at USD 9,000/month would")
    assert "over 24 months it" in sentence
    chart = browser.find_element(By.CSS_SELECTOR, "#chart svg")
    assert chart.size["width"] > 300 and chart.size["height"] > 100
    assert "break-even" in chart.get_attribute("innerHTML") or "none in 24 months" in browser.page_source
    assert browser.find_element(By.ID, "scope").text.startswith("The quoted fee must cover the work of")
    shots = Path(os.environ.get("SCENARIO_SCREENSHOTS", tmp_path))
    assert screenshot(browser, 1400, shots / "scenario-1400.png") <= 1400
    assert chart_text_px(browser) >= 11
    assert screenshot(browser, 375, shots / "scenario-375.png") <= 375
    # On a phone the chart keeps its size and scrolls sideways in its own box, not the page.
    assert chart_text_px(browser) >= 11


def chart_text_px(driver) -> float:
    """Return the chart's smallest text at 100% zoom: the font size times the scale the SVG is drawn at."""
    return float(
        driver.execute_script(
            "const svg = document.querySelector('#chart svg.chart');"
            " return svg.getBoundingClientRect().width / svg.viewBox.baseVal.width *"
            " Math.min(...Array.from(svg.querySelectorAll('text')).map(t => +t.getAttribute('font-size')));"
        )
    )
