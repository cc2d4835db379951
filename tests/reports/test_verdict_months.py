"""The verdict over 12 months when the two models ran different months (QA B2).

gap_trailing_12 counts a month without data as 0 (domain.md), so a model that
ran 1 month looks cheaper than one that ran 7. The verdict carries how many
months each side ran and the gap of the months both ran, and no output (the
sentence, the figures, the page's card, CSV, XLSX, PDF, email, API) calls the
side with fewer months "cheaper over 12 months" without saying so.

The worked example: April 2026 both models (staff aug 4,192.50, managed
6,340.00), May 2026 the managed service only (6,000.00).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from kernel.roles import LEADERSHIP
from reports.exports import report_csv, report_xlsx
from reports.pdf import report_pdf
from reports.presentation import verdict_card
from reports.services import report_build, snapshots_compute
from reports.services.builder.verdict import months_words, uneven_trailing_words
from tests.factories import UserFactory
from tests.reports.pdf import pdf_text

APRIL, MAY = dt.date(2026, 4, 1), dt.date(2026, 5, 1)
pytestmark = pytest.mark.django_db

UNEVEN = (
    "Over the 12 months ending May 2026 staff augmentation ran 1 month (USD 4,192.50) and the managed service 2 "
    "(USD 12,340.00); in the 1 month both ran (April 2026) the managed service cost USD 2,147.50 more."
)
# The card's "Over 12 months" line and the figures say the same, as a value.
UNEVEN_VALUE = "S" + UNEVEN.removeprefix("Over the 12 months ending May 2026 s").removesuffix(".")


def _build(example, *months: dt.date):
    for month in months:
        snapshots_compute(engagement_ids=[example.augmented.pk, example.msp.pk], month=month)
    return report_build(month=months[-1])


@pytest.fixture
def may_report(worked_example):
    return _build(worked_example, APRIL, MAY)


def _verdict(report) -> dict:
    return report.payload["service_areas"][0]["verdict"]


def test_the_verdict_counts_each_models_months_and_compares_the_months_both_ran(may_report) -> None:
    verdict = _verdict(may_report)
    # The spec's field is kept: April 4,192.50 - (April 6,340.00 + May 6,000.00), a month without data counted 0.
    assert verdict["gap_trailing_12"] == "-8147.50" and verdict["cheaper_trailing_12"] == "staff_aug"
    assert verdict["months_with_data"] == {"staff_aug": 1, "managed": 2}
    assert verdict["cost_trailing_12"] == {"staff_aug": "4192.50", "managed": "12340.00"}
    assert verdict["months_both"] == ["2026-04"]
    assert verdict["gap_months_both"] == "-2147.50" and verdict["cheaper_months_both"] == "staff_aug"
    assert verdict["same_months"] is False


def test_the_sentence_says_what_each_side_ran_instead_of_calling_staff_aug_cheaper(may_report) -> None:
    sentence = _verdict(may_report)["sentence"]
    assert UNEVEN in sentence
    assert "8,147.50" not in sentence and "cost USD" not in sentence.replace("cost USD 2,147.50 more", "")
    assert sentence.startswith(
        "Both models ran for Help desk in the 12 months ending May 2026, but only the managed service ran in May 2026."
    )


def test_the_figures_do_not_name_a_model_cheaper_over_12_months(may_report) -> None:
    figures = {f["label"]: f["value"] for f in _verdict(may_report)["figures"]}
    assert "Cheaper over 12 months" not in figures
    assert figures["Over 12 months"] == UNEVEN_VALUE
    assert figures["Gap over 12 months (staff aug - managed)"] == "USD -8,147.50 (a month without data counts 0)"


def test_the_page_card_says_it_too(may_report) -> None:
    area = may_report.payload["service_areas"][0]
    lines = {f["label"]: f["value"] for f in verdict_card(area, "USD")["figures"]}
    assert lines["Over 12 months"] == UNEVEN_VALUE
    assert lines["Cheaper this month"] == "- (only the managed service ran this month)"


def test_the_month_page_shows_the_uneven_months(may_report, leadership_client) -> None:
    html = leadership_client.get(reverse("reports:month", kwargs={"month": "2026-05"})).content.decode()
    assert "Staff augmentation ran 1 month (USD 4,192.50) and the managed service 2 (USD 12,340.00)" in html
    assert "in the 1 month both ran (April 2026) the managed service cost USD 2,147.50 more" in html
    assert "Staff augmentation, by USD 8,147.50" not in html


def test_csv_and_xlsx_carry_the_months_and_the_gap_of_the_months_both_ran(may_report) -> None:
    from openpyxl import load_workbook

    text = report_csv(may_report.payload)
    assert UNEVEN in text
    assert 'Cheaper over the trailing 12 months,,"not like for like: staff augmentation ran 1 month' in text
    for line in (
        'verdict_figures,Help desk,"Months with data in the trailing 12 months, staff aug",months,1',
        'verdict_figures,Help desk,"Months with data in the trailing 12 months, managed",months,2',
        'verdict_figures,Help desk,"Cost over the trailing 12 months, managed",USD,12340.00',
        "verdict_figures,Help desk,Same months for both models,,no",
        "verdict_figures,Help desk,Months both models ran,YYYY-MM,2026-04",
        "verdict_figures,Help desk,Cheaper in the months both ran,,staff augmentation",
        "verdict_figures,Help desk,Gap in the months both ran (staff aug - managed),USD,-2147.50",
    ):
        assert line in text.splitlines(), line
    sheet = load_workbook(io.BytesIO(report_xlsx(may_report.payload)))["Verdict figures"]
    rows = {row[1]: row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Gap in the months both ran (staff aug - managed)"] == -2147.5
    assert rows["Months with data in the trailing 12 months, staff aug"] == 1
    assert str(rows["Cheaper over the trailing 12 months"]).startswith("not like for like")


def test_the_pdf_says_it(may_report) -> None:
    text = " ".join(pdf_text(report_pdf(may_report)).split())
    assert " ".join(UNEVEN.split()) in text
    assert "Cheaper over 12 months" not in text


def test_the_email_says_it(may_report, mailoutbox) -> None:
    from reports.services.email import monthly_email_send

    UserFactory(email="lead@example.com").groups.add(Group.objects.get_or_create(name=LEADERSHIP)[0])
    assert monthly_email_send(month=MAY) == 1
    assert UNEVEN in mailoutbox[0].alternatives[0][0]
    assert UNEVEN in " ".join(mailoutbox[0].body.split())


def test_the_same_months_keep_the_plain_comparison(worked_example) -> None:
    verdict = _verdict(_build(worked_example, APRIL))
    assert verdict["same_months"] is True and verdict["months_both"] == ["2026-04"]
    assert verdict["months_with_data"] == {"staff_aug": 1, "managed": 1}
    assert verdict["gap_months_both"] == verdict["gap_trailing_12"] == "-2147.50"
    assert "Over the 12 months ending April 2026 staff augmentation cost USD 2,147.50 less." in verdict["sentence"]
    assert {"label": "Cheaper over 12 months", "value": "Staff augmentation"} in verdict["figures"]


def test_a_single_model_area_has_no_uneven_words() -> None:
    verdict = {"gap_trailing_12": None, "same_months": False, "months_with_data": {"staff_aug": 0, "managed": 3}}
    assert uneven_trailing_words(verdict, "USD") is None


def test_models_that_never_ran_in_the_same_month_are_not_compared() -> None:
    verdict = {
        "gap_trailing_12": "100.00",
        "same_months": False,
        "months_with_data": {"staff_aug": 2, "managed": 1},
        "cost_trailing_12": {"staff_aug": "1000.00", "managed": "900.00"},
        "months_both": [],
        "gap_months_both": None,
    }
    assert uneven_trailing_words(verdict, "EUR") == (
        "Staff augmentation ran 2 months (EUR 1,000.00) and the managed service 1 (EUR 900.00); "
        "they never ran in the same month, so there is no like-for-like comparison"
    )


def test_months_are_written_as_people_read_them() -> None:
    assert months_words(["2026-04"]) == "April 2026"
    assert months_words(["2025-11", "2025-12", "2026-01"]) == "November 2025 to January 2026"
    assert months_words(["2026-02", "2026-04"]) == "February 2026 and April 2026"
    assert months_words(["2026-01", "2026-03", "2026-05"]) == "January 2026, March 2026 and May 2026"
    assert months_words(["2026-01", "2026-03", "2026-05", "2026-06"]) == "between January 2026 and June 2026"
