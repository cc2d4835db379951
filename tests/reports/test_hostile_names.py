"""Names typed by operations staff reach leadership's PDF and CSV as plain text, never as markup or formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from engagements.models import ServiceArea
from reports.services import report_build, snapshots_compute

APRIL = dt.date(2026, 4, 1)
IMAGE_TAG = '<img src="http://127.0.0.1:9/x"/>'
pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile_report(worked_example):
    # The update goes round the services on purpose: these names pass every rule.
    ServiceArea.objects.filter(pk=worked_example.augmented.service_area_id).update(name=f"{IMAGE_TAG} <b>unclosed")
    worked_example.augmented.refresh_from_db()
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    return report_build(month=APRIL)


def test_a_service_area_named_like_markup_is_printed_as_text_in_the_pdf(leadership_client, hostile_report) -> None:
    response = leadership_client.get(reverse("reports:month_pdf", kwargs={"month": "2026-04"}))

    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "<b>unclosed" in text
    assert 'img src="http://127.0.0.1:9/x"' in text


def test_a_name_starting_with_a_formula_is_quoted_in_the_csv(leadership_client, worked_example) -> None:
    ServiceArea.objects.filter(pk=worked_example.augmented.service_area_id).update(name='=HYPERLINK("http://x")')
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    report_build(month=APRIL)

    response = leadership_client.get(reverse("reports:month_csv", kwargs={"month": "2026-04"}))

    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not any(cell.startswith("=") for cell in cells)
