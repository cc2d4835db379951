"""In a real browser (headless Chromium): operations imports a file through the wizard and watches a job finish."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from engagements.models import TimeEntry
from imports.models import ImportJob, JobState
from tests.importers.import_world import SAMPLES, build_import_world
from tests.reports import test_browser as shared

browser = shared.browser
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # jobs' progress and cancel flags are kept there by job id


def text_of(browser, element_id: str) -> str:
    """Return an element's text, or "" while the page reloads under the read (the job page reloads when it ends)."""
    from selenium.common.exceptions import WebDriverException

    try:
        found = browser.find_elements("id", element_id)
        return found[0].text if found else ""
    except WebDriverException:
        return ""


def clicked_and_loaded(browser, button) -> None:
    """Click a submit button and wait until the next page has replaced this one (no read of the old page)."""
    shared.submitted_and_loaded(browser, button, click=True)


def test_operations_previews_then_imports_the_same_file_without_uploading_it_again(
    browser, live_server, operations_user
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    world = build_import_world()
    shared.sign_in(browser, f"{live_server.url}/admin/login/", operations_user.username)
    browser.get(f"{live_server.url}/admin/imports/importfile/upload/")
    # The export is left on "detect"; only the engagement is chosen.
    browser.find_element(By.NAME, "file").send_keys(str(SAMPLES / "harvest_semicolon_crlf.csv"))
    Select(browser.find_element(By.NAME, "engagement")).select_by_value(str(world.help_desk.pk))
    clicked_and_loaded(browser, browser.find_element(By.NAME, "preview"))
    summary = browser.find_element(By.ID, "summary").text
    assert summary == "3 rows read: would create 3, update 0, leave 0 unchanged; 0 rejected."
    assert "Timesheets: Harvest" in browser.page_source and not TimeEntry.objects.exists()
    clicked_and_loaded(browser, browser.find_element(By.NAME, "confirm"))
    assert browser.find_element(By.ID, "summary").text == "3 rows read: 3 created, 0 updated, 0 unchanged."
    assert TimeEntry.objects.count() == 3
    assert ImportJob.objects.filter(dry_run=False).get().preview_of is not None


def test_the_job_page_follows_a_background_job_until_it_ends(browser, live_server, operations_user) -> None:
    from selenium.webdriver.common.by import By

    world = build_import_world()
    job = ImportJob.objects.create(
        kind="timesheets",
        format="harvest",
        engagement=world.help_desk,
        name="year.csv",
        rows_estimate=1000,
        rows_read=250,
        background=True,
        state=JobState.RUNNING,
    )
    shared.sign_in(browser, f"{live_server.url}/admin/login/", operations_user.username)
    browser.get(f"{live_server.url}/admin/imports/importfile/job/{job.pk}/")
    assert browser.find_element(By.ID, "job-bar").get_attribute("value") == "25"
    # The worker moves on and finishes: the page follows without a click.
    ImportJob.objects.filter(pk=job.pk).update(rows_read=600)
    assert shared.eventually(lambda: "600 of about 1,000" in text_of(browser, "job-status"), 15)
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.DONE, created=1000, written=True)
    assert shared.eventually(lambda: text_of(browser, "summary") != "", 15)
    assert "1,000 created" in browser.find_element(By.ID, "summary").text
