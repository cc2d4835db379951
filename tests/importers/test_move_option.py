"""Issue 12: `move` on every path a user has: the admin wizard's box, the API's field, background jobs, the hint.

Re-importing a file under another engagement refuses the rows stored under the
first unless moving is asked for; each path names its own way to ask, and a
preview says what would move before anything does.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
import yaml
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from engagements.models import AuditLog, Contractor, Engagement, TimeEntry
from engagements.services.engagements import engagement_create
from imports import jobs
from imports.admin import ImportJobAdmin
from imports.management.commands.import_file import line_of
from imports.models import ImportJob, JobState
from imports.services import file_import
from sla.models import Ticket
from tests.importers.import_world import SAMPLES, build_import_world, build_second_desk
from tests.reports import test_browser as shared

pytestmark = pytest.mark.django_db
browser = shared.browser  # the headless Chromium fixture, by name

UPLOAD = "/admin/imports/importfile/upload/"
API = "/api/v1/imports/"
HARVEST = "harvest_semicolon_crlf.csv"
BOX = "Move rows already stored under another engagement to this one"
WOULD_MOVE = "3 time entries would move from Help desk (Acme) to Help desk (Initech)."
MOVED = "3 time entries moved from Help desk (Acme) to Help desk (Initech)."


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()  # jobs' progress and cancel flags are kept there by job id


@pytest.fixture
def initech(import_world) -> Engagement:
    return build_second_desk(import_world)


@pytest.fixture
def imported_under_acme(import_world, initech) -> None:
    """The Harvest sample already imported under Help desk (Acme)."""
    data = (SAMPLES / HARVEST).read_bytes()
    assert file_import(kind="timesheets", fmt="harvest", data=data, engagement=import_world.help_desk).created == 3


@pytest.fixture
def ops_api(operations_user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=operations_user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def background(settings, django_capture_on_commit_callbacks):
    """Every file runs as a job; its task runs when the request's writes commit (in-process)."""
    settings.IMPORT_BACKGROUND_BYTES = 10
    return django_capture_on_commit_callbacks


def engagements_of_entries() -> set[str]:
    return set(TimeEntry.objects.values_list("contractor__engagement__name", flat=True))


def text_of(page) -> str:
    return re.sub(r"\s+", " ", page.content.decode())


# --- The admin wizard ------------------------------------------------------------------------------------------------


def wizard_upload(client: Client, engagement: Engagement, **extra: object):
    data = {
        "source": "timesheets:harvest",
        "engagement": engagement.pk,
        "day_first": "",
        "tz": "UTC",
        "file": SimpleUploadedFile(HARVEST, (SAMPLES / HARVEST).read_bytes()),
        "preview": "Preview",
        **extra,
    }
    return client.post(UPLOAD, data, follow=True)


def confirm(client: Client, page):
    return client.post(reverse("admin:imports_importfile_confirm", args=[page.context["job"].pk]), follow=True)


def test_the_upload_form_offers_the_box_with_its_help_under_the_engagement(operations_client) -> None:
    text = text_of(operations_client.get(UPLOAD))
    box = '<input type="checkbox" name="move" aria-describedby="id_move_helptext" id="id_move">'
    assert box in text and f'<label for="id_move" class="vCheckboxLabel">{BOX}</label>' in text
    assert text.index('name="engagement"') < text.index('name="move"') < text.index('name="day_first"')
    help_text = text[text.index('id="id_move_helptext"') :]
    assert help_text.startswith('id="id_move_helptext">Unticked, such rows are refused, naming the engagement they')


def test_without_the_box_the_preview_refuses_the_rows_and_says_what_to_tick(
    operations_client, imported_under_acme, initech
) -> None:
    page = wizard_upload(operations_client, initech)
    text = text_of(page)
    assert "3 rows read: would create 0, update 0, leave 0 unchanged; 3 rejected." in text
    rejected = text[text.index('id="rejected"') :]
    assert (
        "This entry was imported before under Help desk (Acme); importing it under Help desk (Initech) would move "
        f'it: import it under that engagement, or allow moving it (tick "{BOX}" and preview again).'
    ) in rejected.replace("&quot;", '"')
    # The box to tick is on this page, with nothing written yet; no confirm is offered.
    offer = text[text.index('id="move-again"') :]
    assert "3 rows (listed below) were imported before under another engagement" in offer
    assert "To move them to Help desk (Initech), tick the box and preview again" in offer
    # The box is the way on: the page does not also say that no row can be imported.
    assert "No row of this file can be imported" not in text
    assert 'name="move" value="1" id="id_move_again" required' in offer
    assert 'id="confirm"' not in text and 'id="moves"' not in text
    assert engagements_of_entries() == {"Help desk (Acme)"}


def test_with_the_box_the_preview_says_what_would_move_and_the_import_moves_it(
    operations_client, operations_user, imported_under_acme, initech
) -> None:
    preview = wizard_upload(operations_client, initech, move="on")
    text = text_of(preview)
    assert "3 rows read: would create 0, update 3, leave 0 unchanged; 0 rejected." in text
    assert f'<li class="warning">{WOULD_MOVE}</li>' in text
    assert "rows stored under another engagement move to Help desk (Initech)" in text
    assert 'id="move-again"' not in text
    assert engagements_of_entries() == {"Help desk (Acme)"}  # a preview writes nothing

    result = text_of(confirm(operations_client, preview))
    assert "3 rows read: 0 created, 3 updated, 0 unchanged." in result
    assert f'<li class="warning">{MOVED}</li>' in result
    assert engagements_of_entries() == {"Help desk (Initech)"}
    job = ImportJob.objects.get(dry_run=False)
    assert job.move and job.preview_of == preview.context["job"]


def test_the_audit_trail_shows_each_entry_moving_to_the_other_engagements_contractor(
    operations_client, operations_user, imported_under_acme, initech
) -> None:
    entries = list(TimeEntry.objects.values_list("pk", flat=True))
    confirm(operations_client, wizard_upload(operations_client, initech, move="on"))
    engagement_of = dict(Contractor.objects.values_list("pk", "engagement__name"))
    moves = AuditLog.objects.filter(
        action="update", content_type__model="timeentry", object_id__in=entries, actor=operations_user
    )
    # One row per moved entry (bulk_update once wrote two).
    assert sorted(log.object_id for log in moves) == sorted(entries)
    for log in moves:
        before, after = log.changes["contractor_id"]
        assert (engagement_of[before], engagement_of[after]) == ("Help desk (Acme)", "Help desk (Initech)")
        assert log.actor_label == f"import harvest:{HARVEST}" and log.bulk


def test_ticking_the_box_on_the_refused_preview_previews_the_same_file_again_moving_the_rows(
    operations_client, imported_under_acme, initech
) -> None:
    refused = wizard_upload(operations_client, initech).context["job"]
    url = reverse("admin:imports_importfile_move", args=[refused.pk])
    # The box left unticked (a browser would not send the form): nothing happens.
    assert operations_client.post(url, {}).url == reverse("admin:imports_importfile_job", args=[refused.pk])
    page = operations_client.post(url, {"move": "1"}, follow=True)
    again = page.context["job"]
    assert (again.dry_run, again.move, again.upload.name) == (True, True, refused.upload.name)
    assert f'<li class="warning">{WOULD_MOVE}</li>' in text_of(page)
    confirm(operations_client, page)
    assert engagements_of_entries() == {"Help desk (Initech)"}


def test_a_preview_with_the_box_and_nothing_to_move_says_so(operations_client, import_world, initech) -> None:
    text = text_of(wizard_upload(operations_client, initech, move="on"))
    assert "No row is stored under another engagement: nothing would move." in text
    assert "would create 3" in text


def test_the_jobs_list_names_the_move_beside_the_step(imported_under_acme, initech) -> None:
    upload = SimpleUploadedFile(HARVEST, (SAMPLES / HARVEST).read_bytes())
    options = jobs.JobOptions(kind="timesheets", fmt="harvest", engagement=initech, dry_run=True, move=True)
    job = jobs.job_run(job_id=jobs.job_create(upload=upload, name=HARVEST, options=options).pk)
    step = ImportJobAdmin.step(None, job)
    assert step == "Preview (nothing written), moving rows"
    assert job.moves == [WOULD_MOVE]


# --- Jobs carry the option -------------------------------------------------------------------------------------------


def test_confirm_and_retry_keep_the_option_of_the_job_they_follow(imported_under_acme, initech) -> None:
    upload = SimpleUploadedFile(HARVEST, (SAMPLES / HARVEST).read_bytes())
    options = jobs.JobOptions(kind="timesheets", fmt="harvest", engagement=initech, dry_run=True, move=True)
    preview = jobs.job_run(job_id=jobs.job_create(upload=upload, name=HARVEST, options=options).pk)
    assert jobs.job_confirm(preview=preview, allow_partial=False).move
    ImportJob.objects.filter(pk=preview.pk).update(state=JobState.FAILED)
    preview.refresh_from_db()
    assert jobs.job_retry(failed=preview, day_first=True).move
    with pytest.raises(ValueError, match="did not move rows"):
        jobs.job_preview_moving(job=preview)


# --- The API ---------------------------------------------------------------------------------------------------------


def api_post(client: APIClient, engagement: Engagement, **fields: object):
    body = {
        "file": SimpleUploadedFile(HARVEST, (SAMPLES / HARVEST).read_bytes()),
        "kind": "timesheets",
        "format": "harvest",
        "engagement": engagement.pk,
        **fields,
    }
    return client.post(API, body, format="multipart")


def test_the_api_refuses_the_rows_without_move_naming_the_field_to_send(ops_api, imported_under_acme, initech) -> None:
    response = api_post(ops_api, initech, move="false")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["errors"] == body["rejected_rows"] and len(body["errors"]) == 3
    assert body["errors"][0]["field"] == "engagement"
    assert body["errors"][0]["message"].endswith("or allow moving it (send move=true).")
    assert body["moves"] == [] and engagements_of_entries() == {"Help desk (Acme)"}


def test_the_api_moves_the_rows_with_move_and_says_so(ops_api, imported_under_acme, initech) -> None:
    response = api_post(ops_api, initech, move="true")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["updated"], body["rejected"], body["moves"]) == (3, 0, [MOVED])
    assert engagements_of_entries() == {"Help desk (Initech)"}


def test_an_api_dry_run_with_move_says_what_would_move_and_moves_nothing(ops_api, imported_under_acme, initech) -> None:
    body = api_post(ops_api, initech, move="true", dry_run="true").json()
    assert (body["dry_run"], body["written"], body["moves"]) == (True, False, [WOULD_MOVE])
    assert engagements_of_entries() == {"Help desk (Acme)"}


@pytest.mark.parametrize("value", ["perhaps", "2", "yes please"])
def test_a_move_that_is_no_boolean_is_a_field_error(ops_api, imported_under_acme, initech, value: str) -> None:
    response = api_post(ops_api, initech, move=value)
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["move"]
    assert engagements_of_entries() == {"Help desk (Acme)"}


def test_a_big_file_without_move_is_refused_by_its_job_naming_the_field(
    ops_api, imported_under_acme, initech, background
) -> None:
    with background(execute=True):
        response = api_post(ops_api, initech)
    assert response.status_code == 202 and response.json()["move"] is False
    body = ops_api.get(response["Location"]).json()
    assert (body["state"], body["rejected"], body["moves"]) == ("refused", 3, [])
    assert body["rejected_rows"][0]["message"].endswith("or allow moving it (send move=true).")
    assert engagements_of_entries() == {"Help desk (Acme)"}


def test_a_big_file_with_move_is_moved_by_its_job(ops_api, imported_under_acme, initech, background) -> None:
    with background(execute=True):
        response = api_post(ops_api, initech, move="true")
    assert response.status_code == 202 and response.json()["move"] is True
    body = ops_api.get(response["Location"]).json()
    assert (body["state"], body["updated"], body["move"], body["moves"]) == ("done", 3, True, [MOVED])
    assert engagements_of_entries() == {"Help desk (Initech)"}


def test_a_big_dry_run_with_move_says_what_would_move(ops_api, imported_under_acme, initech, background) -> None:
    with background(execute=True):
        response = api_post(ops_api, initech, move="true", dry_run="true")
    body = ops_api.get(response["Location"]).json()
    assert (body["state"], body["written"], body["moves"]) == ("done", False, [WOULD_MOVE])
    assert engagements_of_entries() == {"Help desk (Acme)"}


def test_tickets_move_through_the_api_too(ops_api, import_world) -> None:
    data = (SAMPLES / "zendesk.csv").read_bytes()
    file_import(kind="tickets", fmt="zendesk", data=data, engagement=import_world.managed_it)
    umbrella = engagement_create(
        name="Managed IT (Umbrella)",
        vendor=import_world.help_desk.vendor,
        model="managed",
        service_area=import_world.help_desk.service_area,
        start_date=dt.date(2024, 1, 1),
    )
    fields = {"kind": "tickets", "format": "zendesk", "engagement": umbrella.pk}
    body = ops_api.post(API, {"file": SimpleUploadedFile("z.csv", data), "move": "true", **fields}, format="multipart")
    assert body.json()["moves"] == ["2 tickets moved from Managed IT (Globex) to Managed IT (Umbrella)."]
    assert set(Ticket.objects.values_list("engagement__name", flat=True)) == {"Managed IT (Umbrella)"}


def test_the_schema_documents_the_move_field_and_the_moves(client) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)
    components = schema["components"]["schemas"]
    move = components["ImportRequest"]["properties"]["move"]
    assert move["type"] == "boolean" and move["default"] is False
    assert move["description"].startswith("Move rows already stored under another engagement to this one")
    assert "moves" in components["ImportReport"]["properties"]
    assert {"move", "moves"} <= set(components["ImportJob"]["properties"])


# --- The command names its own option --------------------------------------------------------------------------------


def test_the_command_names_move_where_the_wizard_and_the_api_name_theirs(imported_under_acme, initech) -> None:
    data = (SAMPLES / HARVEST).read_bytes()
    report = file_import(kind="timesheets", fmt="harvest", data=data, engagement=initech)
    neutral = report.rejected_rows[0]["message"]
    assert neutral.endswith("import it under that engagement, or allow moving it.")
    assert line_of(report.rejected_rows[0]).endswith("or allow moving it (--move).")


def test_the_commands_dry_run_and_run_with_move_print_what_would_move_and_what_moved(
    imported_under_acme, initech, tmp_path
) -> None:
    path = tmp_path / "harvest.csv"
    path.write_bytes((SAMPLES / HARVEST).read_bytes())
    outputs = []
    for extra in (["--dry-run"], []):
        out = io.StringIO()
        call_command(
            "import_file",
            "--kind",
            "timesheets",
            "--format",
            "harvest",
            "--engagement",
            initech.name,
            "--move",
            *extra,
            str(path),
            stdout=out,
        )
        outputs.append(out.getvalue())
    assert "  moves: " in outputs[0] and "would move" in outputs[0]
    assert "  moves: " in outputs[1] and "would move" not in outputs[1]


# --- In a real browser: the box and the messages at a desk's width and a phone's ------------------------------------

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_refused_rows_offer_the_box_and_the_preview_lists_the_move(
    browser, live_server, operations_user
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from tests.importers.test_import_jobs_browser import clicked_and_loaded

    world = build_import_world()
    desk = build_second_desk(world)
    file_import(kind="timesheets", fmt="harvest", data=(SAMPLES / HARVEST).read_bytes(), engagement=world.help_desk)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def fits(width: int, name: str) -> None:
        shared.viewport(browser, width, 900)
        browser.refresh()
        scroll, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        browser.save_screenshot(str(SCREENSHOTS / f"import-move-{name}-{width}.png"))
        assert scroll <= inner, (name, width, scroll, inner)

    shared.sign_in(browser, f"{live_server.url}/admin/login/", operations_user.username)
    browser.get(f"{live_server.url}{UPLOAD}")
    box = browser.find_element(By.ID, "id_move")
    label = browser.find_element(By.CSS_SELECTOR, "label[for=id_move]")
    assert label.text == BOX and box.is_displayed() and not box.is_selected()
    fits(1400, "upload")
    fits(375, "upload")

    shared.viewport(browser, 1400, 900)
    browser.find_element(By.NAME, "file").send_keys(str(SAMPLES / HARVEST))
    Select(browser.find_element(By.NAME, "engagement")).select_by_value(str(desk.pk))
    clicked_and_loaded(browser, browser.find_element(By.NAME, "preview"))
    offer = browser.find_element(By.ID, "move-again")
    assert "3 rows (listed below) were imported before under another engagement" in offer.text
    rejected = browser.find_element(By.ID, "rejected").text
    assert f'tick "{BOX}" and preview again' in rejected
    fits(1400, "refused")
    fits(375, "refused")

    shared.viewport(browser, 1400, 900)
    browser.find_element(By.CSS_SELECTOR, "label[for=id_move_again]").click()  # the label ticks the box
    clicked_and_loaded(browser, browser.find_element(By.NAME, "preview_moving"))
    assert browser.find_element(By.ID, "moves").text == WOULD_MOVE
    assert "move to Help desk (Initech)" in browser.find_element(By.ID, "move-option").text
    fits(1400, "preview")
    fits(375, "preview")

    shared.viewport(browser, 1400, 900)
    clicked_and_loaded(browser, browser.find_element(By.NAME, "confirm"))
    assert browser.find_element(By.ID, "moves").text == MOVED
    fits(375, "result")
    assert engagements_of_entries() == {"Help desk (Initech)"}
