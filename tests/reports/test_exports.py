"""The CSV and the XLSX of a report: verdict first, data quality, units in headers, break-even in its own column."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.exports import report_csv, report_xlsx
from reports.services import report_build, snapshots_compute

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def april(worked_example) -> dict:
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    return report_build(month=APRIL).payload


def _rows(payload: dict) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(report_csv(payload))) if row]


def test_the_csv_starts_with_the_verdict_then_the_data_quality(april) -> None:
    rows = _rows(april)
    sections = list(dict.fromkeys(row[0] for row in rows[2:] if row[0] not in ("note", "error")))
    assert sections[:4] == ["verdict", "verdict_figures", "data_quality", "figures"]
    verdict = next(row for row in rows if row[0] == "verdict" and row[1] == "Help desk")
    assert verdict[3].startswith("Staff augmentation was cheaper for Help desk in April 2026 by USD 2,147.50")
    drivers = {row[2]: row[4] for row in rows if row[0] == "verdict_figures" and row[2].startswith("Driver")}
    assert sum(Decimal(v) for v in drivers.values()) == Decimal("-2147.50")
    gap = next(row for row in rows if row[0] == "verdict_figures" and row[2].startswith("Gap in the month"))
    assert gap[3:] == ["USD", "-2147.50"]
    assert next(row for row in rows if row[0] == "data_quality" and row[1] != "kind")[:2] == ["data_quality", "none"]


def test_break_even_has_its_own_column_and_percentages_a_unit(april) -> None:
    rows = _rows(april)
    header = next(row for row in rows if row[:2] == ["figures", "scope"])
    assert header == [
        "figures",
        "scope",
        "figure",
        "unit",
        "Staff augmentation",
        "Managed service",
        "both models (scope-wide)",
    ]
    break_even = next(row for row in rows if row[0] == "figures" and row[2] == "Break-even month")
    assert break_even[4:6] == ["", ""]  # never under a model's column
    uptime = next(row for row in rows if row[0] == "figures" and row[1] == "Overall" and row[2] == "Uptime")
    assert uptime[3] == "%" and uptime[5] == "99.688"
    total = next(row for row in rows if row[0] == "figures" and row[1] == "Overall" and row[2] == "Total cost")
    assert total[3:6] == ["USD", "4192.50", "6340.00"]
    monthly = next(row for row in rows if row[:2] == ["monthly", "model"])
    assert "uptime (%)" in monthly and "total (USD)" in monthly
    engagements = next(row for row in rows if row[:2] == ["engagements", "name"])
    assert "uptime_pct (%)" in engagements and "hours (h)" in engagements and "data complete" in engagements


def test_the_xlsx_opens_and_holds_the_figures_as_numbers(april) -> None:
    book = load_workbook(io.BytesIO(report_xlsx(april)))
    assert book.sheetnames[:4] == ["Report", "Verdict", "Verdict figures", "Data quality"]
    figures = book["Figures"]
    total = next(row for row in figures.iter_rows(values_only=True) if row[:2] == ("Overall", "Total cost"))
    assert total[2:5] == ("USD", Decimal("4192.50"), Decimal("6340.00"))
    verdict = book["Verdict figures"]
    gap = next(row for row in verdict.iter_rows(values_only=True) if str(row[1]).startswith("Gap in the month"))
    assert gap[2:] == ("USD", Decimal("-2147.50"))
    assert book["Verdict"]["C2"].value.startswith("Staff augmentation was cheaper")


def test_the_xlsx_is_downloaded_from_the_report(leadership_client, april) -> None:
    response = leadership_client.get(reverse("reports:month_xlsx", kwargs={"month": "2026-04"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="delivery-report-2026-04.xlsx"' in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content))["Verdict"]["A2"].value == "Help desk"


def test_the_vendors_section_names_breached_tickets_as_the_report_does(april) -> None:
    """QA C5: the vendors' 'breaches' are breached tickets; the report's figures call that breached_tickets."""
    rows = _rows(april)
    header = next(row for row in rows if row[0] == "vendors" and row[1] == "vendor")
    assert "breaches (count)" not in header
    at = header.index("breached_tickets (count)")
    assert header[at + 1 : at + 3] == ["response_breaches (count)", "resolution_breaches (count)"]
    for vendor in april["vendors"]:
        assert vendor["month"]["breached_tickets"] == vendor["month"]["breaches"]
    # A payload stored before the name was added still fills the column.
    old = {
        **april,
        "vendors": [
            {**v, "month": {k: x for k, x in v["month"].items() if k != "breached_tickets"}} for v in april["vendors"]
        ],
    }
    old_rows = _rows(old)
    assert [r[at] for r in old_rows if r[0] == "vendors" and r[1] != "vendor"] == [
        r[at] for r in rows if r[0] == "vendors" and r[1] != "vendor"
    ]
