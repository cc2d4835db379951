"""QA fixes on the import path: local times, the API's date-order hint, binary files on detect, previews' counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportFile, ImportJob, JobState
from imports.services import file_import
from tests.importers.import_world import SAMPLES

pytestmark = pytest.mark.django_db
UPLOAD = "/admin/imports/importfile/upload/"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def text_of(page) -> str:
    return re.sub(r"\s+", " ", page.content.decode())


def upload(client, world, name: str, content: bytes | None = None, **extra: object):
    data = {
        "source": "",
        "engagement": world.help_desk.pk,
        "day_first": "",
        "tz": "UTC",
        "file": SimpleUploadedFile(name, content if content is not None else (SAMPLES / name).read_bytes()),
        **extra,
    }
    return client.post(UPLOAD, data, follow=True)


# --- C7: a binary file on "detect" ----------------------------------------------------------------


def test_a_png_on_detect_is_named_as_a_png(operations_client, import_world) -> None:
    page = upload(operations_client, import_world, "fake.csv", PNG)
    text = text_of(page)
    assert "this is a PNG image, not a CSV export" in text
    assert "matches no export" not in text
    assert not ImportJob.objects.exists()


def test_a_detected_file_with_undecidable_dates_is_read_again_with_the_order_chosen(
    operations_client, import_world
) -> None:
    page = upload(operations_client, import_world, "clockify_time_entries_import_test_1.csv")
    failed = page.context["job"]
    assert failed.state == JobState.FAILED and failed.error_code == "date_order", failed.error
    text = text_of(page)
    assert 'id="retry"' in text and "Month first (March 4)" in text
    again = operations_client.post(
        reverse("admin:imports_importfile_retry", args=[failed.pk]), {"day_first": "0"}, follow=True
    )
    job = again.context["job"]
    assert job.upload.name == failed.upload.name and job.day_first is False and job.state == JobState.DONE
    assert "Preview: nothing has been written yet" in text_of(again)


# --- B4: "imported before" in the organisation's zone, labelled --------------------------------


def test_imported_before_names_the_local_time_with_its_zone(settings, import_world) -> None:
    settings.TIME_ZONE = "America/New_York"
    data = (SAMPLES / "harvest_semicolon_crlf.csv").read_bytes()
    first = file_import(kind="timesheets", fmt="harvest", data=data, engagement=import_world.help_desk)
    ImportFile.objects.filter(pk=first.file_id).update(uploaded_at=dt.datetime(2026, 11, 30, 13, 44, tzinfo=dt.UTC))
    again = file_import(kind="timesheets", fmt="harvest", data=data, engagement=import_world.help_desk, dry_run=True)
    [note] = [w for w in again.warnings if "imported before" in w]
    assert "(2026-11-30 08:44 EST)" in note, note
