"""The PDF: verdict first, model names whole, the currency column when an engagement is in another currency,
times in the organisation's zone, and no chart title left alone at a page's foot."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from billing.services import contractor_rate_create, exchange_rate_set
from engagements.services.entries import time_entry_create
from reports import charts
from reports.pdf import report_pdf
from reports.services import report_build, snapshots_compute
from tests.factories import ContractorFactory, EngagementFactory
from tests.reports.pdf import pdf_text

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def with_euros(worked_example):
    contractor = ContractorFactory(
        engagement=EngagementFactory(name="Berlin desk", currency="EUR", start_date=APRIL), name="Jana"
    )
    contractor_rate_create(contractor=contractor, hourly_rate=Decimal("100.00"), effective_from=APRIL)
    time_entry_create(contractor=contractor, date=dt.date(2026, 4, 2), hours=Decimal("10.00"))
    exchange_rate_set(month=APRIL, currency="EUR", rate_to_base=Decimal("1.08"))
    ids = [worked_example.augmented.pk, worked_example.msp.pk, contractor.engagement_id]
    snapshots_compute(engagement_ids=ids, month=APRIL)
    return report_build(month=APRIL)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_verdict_and_data_quality_lead_the_pdf(with_euros) -> None:
    text = _flat(pdf_text(report_pdf(with_euros)))
    verdict = text.index("Verdict by service area")
    assert verdict < text.index("Data complete") < text.index("Both models, all service areas")
    assert "Staff augmentation was cheaper for Help desk in April 2026 by USD" in text


def test_model_names_are_whole_and_the_currency_column_is_kept(with_euros) -> None:
    text = pdf_text(report_pdf(with_euros))
    engagements = _flat(text[text.index("Engagements\n") :])
    assert "Managed service" in engagements and "Managed se " not in engagements
    assert "Staff augmentation" in engagements
    assert "Currency" in engagements and "EUR" in engagements
    assert "rate 1.08 (USD per EUR)" in _flat(text) and "1.08000000" not in text


def test_times_are_in_the_organisations_zone(with_euros) -> None:
    text = _flat(pdf_text(report_pdf(with_euros)))
    assert "(America/New_York)" in text and " UTC." not in text


def test_no_chart_title_ends_a_page(with_euros) -> None:
    titles = {chart.title for chart in charts.report_charts(with_euros.payload).values()}
    titles |= {f"{area['name']}: cumulative cost" for area in with_euros.payload["service_areas"]}
    reader = PdfReader(io.BytesIO(report_pdf(with_euros)))
    for page in reader.pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        assert lines and lines[-1] not in titles


def test_the_pdf_lists_the_vendor_scorecards_and_the_forecast_accuracy(with_euros) -> None:
    text = _flat(pdf_text(report_pdf(with_euros)))
    assert "Vendor scorecards: April 2026" in text
    assert "Helpdesk Managed Services" in text[text.index("Vendor scorecards") :]
    assert "Forecast: projected gap (staff aug minus managed)" in text


def test_a_long_verdict_figure_gets_a_row_of_its_own_across_the_table() -> None:
    """The 'Over 12 months' words of QA B2 wrapped into a 20%-wide cell; alone on a spanned row they read as a line."""
    from reportlab.lib.styles import getSampleStyleSheet

    from reports.pdf import _figure_rows

    long = "Staff augmentation ran 1 month (USD 4,192.50) and the managed service 7 (USD 42,340.00); ..."
    figures = [
        {"label": "Cheaper in October 2026", "value": "Nothing to compare"},
        {"label": "Gap this month", "value": "-"},
        {"label": "Over 12 months", "value": long},
        {"label": "Break-even month", "value": "-"},
    ]
    rows, spans = _figure_rows(figures, getSampleStyleSheet()["BodyText"])
    assert spans == [1] and len(rows) == 3
    assert rows[1][1].text.startswith("Staff augmentation ran 1 month") and rows[1][2:] == ["", ""]
    assert rows[2][2:] == ["", ""]  # the odd one out keeps the left half
