"""In a real browser (Debian's headless Chromium): leadership reads the report; operations makes it stale and fresh again."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engagements.models import ChangedMonth
from reports.demo.worked_example import build_worked_example
from reports.hooks import recompute_deferred
from reports.services import report_build, snapshots_compute
from tests.reports.pdf import pdf_text

APRIL = dt.date(2026, 4, 1)
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """A headless Chromium that saves downloads into tmp_path/downloads."""
    if not (CHROMIUM and CHROMEDRIVER):
        reason = "needs Debian's chromium and chromium-driver packages (.ci/run installs them)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set but the browser test {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # The flags the machine notes ask for: no sandbox as root, and no calls home.
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,1000",
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def computed_worked_example() -> list[int]:
    """Record the worked example and compute April 2026 in this process; leave no marks behind."""
    with recompute_deferred():
        example = build_worked_example()
    ids = [example.augmented.pk, example.msp.pk]
    snapshots_compute(engagement_ids=ids, month=APRIL)
    report_build(month=APRIL)
    ChangedMonth.objects.all().delete()
    return ids


def sign_in(driver, url: str, username: str, password: str = "pw") -> None:
    """Sign in on the login page at url and wait for the page the form leads to."""
    from selenium.webdriver.common.by import By

    driver.get(url)
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    submitted_and_loaded(driver, driver.find_element(By.NAME, "password"))


def submitted_and_loaded(driver, element, *, click: bool = False) -> None:
    """Submit element's form (or click it) and wait until the next page has replaced this one.

    WebDriver returns from a submit or a click before the browser has the answer; reading the URL or the
    page straight after reads the old page on a loaded machine (a CI run once saw the login page there).
    """
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element("tag name", "html")
    if click:
        element.click()
    else:
        element.submit()
    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(page))


def eventually(check: Callable[[], bool], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_leadership_lands_on_the_latest_report_sees_its_charts_and_downloads_the_pdf(
    browser, live_server, leadership_user, new_york
) -> None:
    from selenium.webdriver.common.by import By

    computed_worked_example()
    sign_in(browser, f"{live_server.url}/reports/login/", leadership_user.username)
    assert browser.current_url.endswith("/reports/2026-04/"), browser.page_source[:3000]
    assert "6,340.00" in browser.page_source and "4,192.50" in browser.page_source
    charts = browser.find_elements(By.CSS_SELECTOR, "svg")
    assert len(charts) >= 3
    assert all(chart.size["width"] > 100 and chart.size["height"] > 50 for chart in charts[:3])
    browser.find_element(By.PARTIAL_LINK_TEXT, "PDF").click()
    assert eventually(lambda: any(p.suffix == ".pdf" for p in browser.downloads.iterdir()), timeout=30)
    pdf = next(p for p in browser.downloads.iterdir() if p.suffix == ".pdf")
    text = pdf_text(pdf.read_bytes())
    assert "Delivery model comparison: April 2026" in text
    assert "Total cost\n4,192.50\n6,340.00" in text


@pytest.mark.slow
@pytest.mark.live_worker
@pytest.mark.django_db(transaction=True)
def test_operations_adds_hours_in_the_admin_and_watches_the_month_go_stale_then_fresh(
    browser, live_server, operations_user, restartable_worker, new_york
) -> None:
    from selenium.webdriver.common.by import By

    ids = computed_worked_example()
    sign_in(browser, f"{live_server.url}/admin/login/", operations_user.username)

    # The weekly timesheet: one page for the whole team's week.
    browser.get(f"{live_server.url}/admin/engagements/timeentry/week/?engagement={ids[0]}&week=2026-04-13")
    browser.find_element(By.NAME, "form-0-d1").send_keys("2")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit][value='Save the week']").click()
    # The click returns before the next page has loaded: wait for it.
    assert eventually(lambda: "Saved the week" in browser.page_source, timeout=30), browser.page_source[:2000]

    def april_state() -> str:
        browser.get(f"{live_server.url}/reports/")
        row = browser.find_element(By.XPATH, "//tr[td/a[contains(., 'April 2026')]]")
        return row.find_element(By.CSS_SELECTOR, ".badge").text

    # No worker consumes the queue yet: the recompute waits in Redis, the month shows stale.
    assert april_state() == "stale"
    restartable_worker.start(TIME_ZONE="America/New_York")
    assert eventually(lambda: april_state() == "fresh", timeout=90)


# The README's picture: refreshed on request (UPDATE_SCREENSHOTS=1) so that a test run leaves the tree clean;
# every run still takes the screenshot, into var/.
_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = _ROOT / ("docs/img" if os.environ.get("UPDATE_SCREENSHOTS") else "var/screenshots") / "report.png"


def viewport(driver, width: int, height: int = 900) -> None:
    """Set the page's viewport itself (the window size would include the browser's own bars)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_verdict_is_on_the_first_screen_and_a_phone_never_scrolls_sideways(
    browser, live_server, settings
) -> None:
    import io

    import time_machine
    from django.core.management import call_command
    from selenium.webdriver.common.by import By

    from tests.reports.conftest import DEMO_TODAY

    settings.TIME_ZONE = "America/New_York"
    with time_machine.travel(DEMO_TODAY):
        call_command("seed_demo", stdout=io.StringIO())
        viewport(browser, 1400, 900)
        sign_in(browser, f"{live_server.url}/reports/login/", "leadership", password="leadership-demo")
        assert browser.current_url.endswith("/reports/2026-05/"), browser.current_url
        cards = browser.find_elements(By.CSS_SELECTOR, "[data-verdict-area]")
        assert len(cards) == 4  # the demo's four service areas
        height = browser.execute_script("return window.innerHeight")
        assert height == 900
        for card in cards:
            box = browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()", card)
            assert box["top"] >= 0 and box["bottom"] <= height, (card.text[:60], box)
            assert card.find_element(By.CSS_SELECTOR, ".sentence").text
        # Chart text at 100% zoom: the font size times the scale each chart is drawn at.
        sizes = browser.execute_script(
            "return Array.from(document.querySelectorAll('svg.chart')).map(svg =>"
            " svg.getBoundingClientRect().width / svg.viewBox.baseVal.width *"
            " Math.min(...Array.from(svg.querySelectorAll('text')).map(t => +t.getAttribute('font-size'))))"
        )
        assert len(sizes) >= 9 and min(sizes) >= 11, sizes
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOT))

        for path in ("/reports/2026-05/", "/reports/", "/reports/2026-05/vendors/", "/reports/2026-06/"):
            viewport(browser, 375, 800)
            browser.get(f"{live_server.url}{path}")
            widths = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], (path, widths)
        browser.get(f"{live_server.url}/reports/2026-05/")
        browser.save_screenshot(str(browser.downloads.parent / "report-375.png"))
