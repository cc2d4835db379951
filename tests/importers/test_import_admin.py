"""The admin upload: a preview of what would happen, then a confirm step that writes it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engagements.models import TimeEntry
from imports.models import ImportFile
from tests.importers.import_world import SAMPLES

pytestmark = pytest.mark.django_db
UPLOAD = "/admin/imports/importfile/upload/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def upload(client, world, name: str, **extra: object):
    data = {
        "kind": "timesheets",
        "format": "harvest",
        "engagement": world.help_desk.pk,
        "day_first": "",
        "tz": "UTC",
        "file": SimpleUploadedFile(name, (SAMPLES / name).read_bytes()),
        "preview": "Preview",
        **extra,
    }
    return client.post(UPLOAD, data)


def test_the_upload_shows_a_preview_and_writes_nothing(operations_client, import_world) -> None:
    page = upload(operations_client, import_world, "harvest_semicolon_crlf.csv")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Preview: nothing has been written yet" in text
    assert "3 rows read: 3 would be created" in text and "Anna Schmidt" in text
    assert 'name="confirm"' in text
    assert not TimeEntry.objects.exists() and not ImportFile.objects.exists()


def test_confirming_the_preview_imports_the_file(operations_client, import_world) -> None:
    page = upload(operations_client, import_world, "harvest_semicolon_crlf.csv")
    confirm = {**page.context["confirm_form"].initial, "confirm": "Import"}
    confirm["engagement"] = import_world.help_desk.pk
    response = operations_client.post(UPLOAD, {k: v for k, v in confirm.items() if v is not None})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TimeEntry.objects.count() == 3
    assert ImportFile.objects.get().name == "harvest_semicolon_crlf.csv"


def test_a_preview_with_rejected_rows_lists_them_and_offers_no_confirm(operations_client, import_world) -> None:
    text = upload(operations_client, import_world, "harvest_malformed.csv").content.decode()
    assert "Rejected rows" in text and "nothing would be imported" in text
    assert 'name="confirm"' not in text


def test_people_without_the_import_permission_cannot_upload(client, nobody_user, import_world) -> None:
    client.force_login(nobody_user)
    assert client.get(UPLOAD).status_code == 403
