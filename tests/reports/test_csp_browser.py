"""Under the Content-Security-Policy, in headless Chromium: the report pages, the admin pages and Swagger UI work, with no violation."""

from __future__ import annotations

import pytest

from tests.reports.test_browser import browser, computed_worked_example, eventually, sign_in  # noqa: F401 - a fixture

# The violations the browser reports, collected from before any page script runs.
LISTEN = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile));"
)


def violations(driver) -> list[str]:
    return driver.execute_script("return window.__csp || ['listener missing'];")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_pages_and_swagger_ui_work_under_the_policy(browser, live_server, superuser, new_york) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTEN})
    ids = computed_worked_example()
    seen: dict[str, list[str]] = {}

    sign_in(browser, f"{live_server.url}/reports/login/", superuser.username)
    seen["reports/login"] = violations(browser)
    browser.get(f"{live_server.url}/reports/2026-04/")
    charts = browser.find_elements(By.CSS_SELECTOR, "svg")
    assert len(charts) >= 3 and all(chart.size["width"] > 100 for chart in charts[:3])
    # The inline <style> applies: the header has its colour.
    assert (
        browser.find_element(By.TAG_NAME, "header").value_of_css_property("background-color") == "rgba(31, 58, 95, 1)"
    )
    seen["reports/month"] = violations(browser)

    browser.get(f"{live_server.url}/admin/")
    seen["admin"] = violations(browser)
    browser.get(f"{live_server.url}/admin/engagements/timeentry/week/?engagement={ids[0]}&week=2026-04-13")
    seen["admin week"] = violations(browser)
    # The select submits its form on change (a script file, not an inline handler).
    browser.get(f"{live_server.url}/admin/sla/monitoredservice/uptime/")
    select = Select(browser.find_element(By.ID, "id_month"))
    other = next(str(o.get_attribute("value")) for o in select.options if not o.is_selected())
    select.select_by_value(other)
    assert eventually(lambda: f"month={other}" in browser.current_url, timeout=10), browser.current_url
    seen["admin uptime"] = violations(browser)

    browser.get(f"{live_server.url}/api/docs/")
    assert eventually(lambda: bool(browser.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock")), timeout=20)
    seen["swagger ui"] = violations(browser)

    assert {page: found for page, found in seen.items() if found} == {}
