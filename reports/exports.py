"""The report as CSV and as XLSX: the same sections, verdict and data quality first, every figure with its unit.

Both outputs are built from one list of sections (`report_sections`), so the
spreadsheet finance opens holds exactly the CSV's figures. Amounts are plain
numbers (no thousands separators) in the unit the row or header names;
percentages are exact (3 places) with "%" as their unit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from kernel.exports import SafeCsvWriter, csv_cell
from reports.presentation import MODELS, ROWS
from reports.services.builder.verdict import uneven_trailing_words

UNITS = {"pct": "%", "int": "count", "days": "days", "num": "h"}
DRIVER_LABELS = {
    "vendor": "Driver: vendor cost (labor + fees)",
    "overhead": "Driver: internal overhead",
    "one_time": "Driver: one-time charges",
    "credits": "Driver: service credits",
}
OUTCOME_LABELS = {
    "response_met_pct": ("Outcome: response target met, managed - staff aug", "percentage points"),
    "resolution_met_pct": ("Outcome: resolution target met, managed - staff aug", "percentage points"),
    "uptime_pct": ("Outcome: uptime, managed - staff aug", "percentage points"),
    "cost_per_resolved_ticket": ("Outcome: cost per resolved ticket, managed - staff aug", None),
}
MODEL_WORDS = {"staff_aug": "staff augmentation", "managed": "managed service", "equal": "equal", "none": "none"}
# Figures of an engagement row that are percentages or hours (the rest are money in its currency, or counts).
PCT_FIGURES = {"overhead_ratio", "credit_pct", "uptime_pct", "response_met_pct", "resolution_met_pct"}
HOUR_FIGURES = {"hours", "overhead_hours", "mttr_hours", "downtime_hours"}
MONEY_FIGURES = {
    "labor_cost",
    "overhead_cost",
    "fee_cost",
    "one_time_cost",
    "credit",
    "total_cost",
    "vendor_cost",
    "cost_per_resolved_ticket",
    "downtime_impact",
}


@dataclass
class Section:
    """One block of the report: a title (the sheet's name in the XLSX), a header row and rows."""

    name: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _raw(group: dict[str, Any] | None, where: str, key: str) -> Any:
    if not group:
        return ""
    source = group["figures"] if where == "figures" else group.get("phases", {}) if where == "phases" else group
    return _blank(source.get(key))


def _unit(kind: str, currency: str) -> str:
    return currency if kind == "money" else UNITS.get(kind, "")


def _figure_unit(name: str, currency: str) -> str:
    if name in PCT_FIGURES:
        return "%"
    if name in HOUR_FIGURES:
        return "h"
    if name in MONEY_FIGURES:
        return currency
    return "count"


def _trailing_rows(verdict: dict[str, Any], currency: str) -> list[list[Any]]:
    """The 12 months' comparison: each side's months and cost, and the gap of the months both ran."""
    uneven = uneven_trailing_words(verdict, currency)
    cheaper = MODEL_WORDS[verdict["cheaper_trailing_12"]]
    rows: list[list[Any]] = [
        # Not a plain "staff augmentation" when the two sides ran different months (absent months count 0).
        [
            "Cheaper over the trailing 12 months",
            "",
            f"not like for like: {uneven[0].lower()}{uneven[1:]}" if uneven else cheaper,
        ],
        [
            "Gap over the trailing 12 months (staff aug - managed; a month without data counts 0)",
            currency,
            _blank(verdict["gap_trailing_12"]),
        ],
    ]
    if "months_with_data" not in verdict:  # stored before version 4
        return rows
    for model, name in (("staff_aug", "staff aug"), ("managed", "managed")):
        rows.append(
            [f"Months with data in the trailing 12 months, {name}", "months", verdict["months_with_data"][model]]
        )
        rows.append([f"Cost over the trailing 12 months, {name}", currency, _blank(verdict["cost_trailing_12"][model])])
    rows += [
        ["Same months for both models", "", _yes(verdict["same_months"])],
        ["Months both models ran", "YYYY-MM", " ".join(verdict["months_both"])],
        ["Cheaper in the months both ran", "", MODEL_WORDS[verdict["cheaper_months_both"]]],
        ["Gap in the months both ran (staff aug - managed)", currency, _blank(verdict["gap_months_both"])],
    ]
    return rows


def verdict_sections(payload: dict[str, Any]) -> list[Section]:
    """The verdict per service area: its sentence, then each figure with its unit."""
    currency = payload["currency"]
    sentences = Section("Verdict", ["service area", "data complete", "verdict"])
    figures = Section("Verdict figures", ["service area", "figure", "unit", "value"])
    for area in payload["service_areas"]:
        verdict = area.get("verdict")
        if not verdict:
            continue
        sentences.rows.append([area["name"], _yes(verdict["complete"]), verdict["sentence"]])
        rows: list[list[Any]] = [
            ["Cheaper in the month", "", MODEL_WORDS[verdict["cheaper_in_month"]]],
            ["Gap in the month (staff aug - managed)", currency, _blank(verdict["gap_in_month"])],
            *_trailing_rows(verdict, currency),
            *([DRIVER_LABELS[name], currency, _blank(value)] for name, value in verdict["drivers"].items()),
            ["Leading driver", "", _blank(verdict["leading_driver"])],
            *(
                [label, unit or currency, _blank(verdict["outcomes"][name])]
                for name, (label, unit) in OUTCOME_LABELS.items()
            ),
            ["Break-even month", "month of engagement", _blank(verdict["break_even_month"])],
            ["Hybrid (both models active in the month)", "", _yes(verdict["hybrid"])],
            ["Data complete", "", _yes(verdict["complete"])],
        ]
        figures.rows += [[area["name"], *row] for row in rows]
    return [sentences, figures]


def data_quality_section(payload: dict[str, Any]) -> Section:
    """Every gap of the month: what is missing, where, and how many hours or tickets it affects."""
    section = Section(
        "Data quality", ["kind", "month", "engagement", "subject", "hours (h)", "tickets (count)", "message"]
    )
    for item in payload.get("data_quality", []):
        section.rows.append(
            [
                item["kind"],
                item["month"],
                _blank(item.get("engagement_name")),
                _blank(item.get("subject")),
                _blank(item.get("hours")),
                _blank(item.get("tickets")),
                item["message"],
            ]
        )
    if not section.rows:
        section.rows.append(
            ["none", payload["month"], "", "", "", "", "No gaps: every hour priced, every ticket covered."]
        )
    return section


def figures_section(payload: dict[str, Any]) -> Section:
    """The side-by-side figures of every scope; scope-wide values (break-even, gaps) in the last column."""
    currency = payload["currency"]
    section = Section(
        "Figures", ["scope", "figure", "unit", *(label for _, label in MODELS), "both models (scope-wide)"]
    )
    scopes = [("Overall", payload["overall"])] + [(area["name"], area) for area in payload["service_areas"]]
    for name, scope in scopes:
        for label, where, key, kind in ROWS:
            cells = [_raw(scope.get(m), where, key) for m, _ in MODELS]
            section.rows.append([name, label.strip(), _unit(kind, currency), *cells, ""])
        complete = [_yes((scope.get(m) or {}).get("complete", True)) if scope.get(m) else "" for m, _ in MODELS]
        section.rows.append([name, "Data complete", "", *complete, ""])
        section.rows.append(
            [name, "Break-even month", "month of engagement", "", "", _blank(scope.get("break_even_month"))]
        )
        forecast = scope["forecast"]
        section.rows.append(
            [name, "Projected gap over 12 months (staff aug - managed)", currency, "", "", _blank(forecast["gap_12"])]
        )
        section.rows.append(
            [name, "Projected gap over 24 months (staff aug - managed)", currency, "", "", _blank(forecast["gap_24"])]
        )
        for i, month in enumerate(forecast["months"]):
            staff = forecast["staff_aug"][i] if i < len(forecast["staff_aug"]) else ""
            managed = forecast["managed"][i] if i < len(forecast["managed"]) else ""
            section.rows.append([name, f"Forecast {month}", currency, staff, managed, ""])
        accuracy = scope.get("forecast_accuracy") or {}
        if accuracy:
            section.rows.append(
                [
                    name,
                    "Forecast accuracy: mean absolute error of one-month-ahead forecasts",
                    "%",
                    *(_blank((accuracy.get(m) or {}).get("mean_abs_error_pct")) for m, _ in MODELS),
                    "",
                ]
            )
            section.rows.append(
                [
                    name,
                    "Forecast accuracy: months scored",
                    "count",
                    *((accuracy.get(m) or {}).get("months_scored", 0) for m, _ in MODELS),
                    "",
                ]
            )
    return section


def cumulative_section(payload: dict[str, Any]) -> Section:
    currency = payload["currency"]
    section = Section("Cumulative", ["scope", "month of engagement", *(f"{label} ({currency})" for _, label in MODELS)])
    scopes = [("Overall", payload["overall"])] + [(area["name"], area) for area in payload["service_areas"]]
    for name, scope in scopes:
        lengths = [len((scope.get(m) or {}).get("cumulative") or []) for m, _ in MODELS]
        for i in range(max(lengths)):
            cells = [((scope.get(m) or {}).get("cumulative") or [])[i : i + 1] for m, _ in MODELS]
            section.rows.append([name, i + 1, *(c[0] if c else "" for c in cells)])
    return section


def monthly_section(payload: dict[str, Any]) -> Section:
    c = payload["currency"]
    section = Section(
        "Monthly",
        [
            "model",
            "month",
            f"vendor ({c})",
            f"overhead ({c})",
            f"one_time ({c})",
            f"credit ({c})",
            f"total ({c})",
            "uptime (%)",
            "response met (%)",
            "resolution met (%)",
        ],
    )
    for model, label in MODELS:
        for point in (payload["overall"].get(model) or {}).get("series") or []:
            if point.get("has_data"):
                section.rows.append(
                    [
                        label,
                        point["month"],
                        point["vendor"],
                        point["overhead"],
                        point["one_time"],
                        point["credit"],
                        point["total"],
                        _blank(point["uptime_pct"]),
                        _blank(point["response_met_pct"]),
                        _blank(point["resolution_met_pct"]),
                    ]
                )
    return section


def engagements_section(payload: dict[str, Any]) -> Section:
    """One row per engagement; money in the engagement's own currency (its column says which)."""
    names = list(payload["engagements"][0]["figures"]) if payload["engagements"] else []
    header = [
        "name",
        "service area",
        "model",
        "vendor",
        "currency",
        "month of engagement",
        "data complete",
        *(f"{n} ({_figure_unit(n, 'currency')})" for n in names),
        "time_to_value (days)",
        "time_to_value_note",
        "data gaps",
    ]
    section = Section("Engagements", header)
    for row in payload["engagements"]:
        gaps = row.get("data_quality") or []
        section.rows.append(
            [
                row["name"],
                row["service_area"],
                row["model"],
                row["vendor"],
                row["currency"],
                row["month_index"],
                _yes(row.get("complete", True)),
                *(_blank(row["figures"][n]) for n in names),
                _blank(row.get("time_to_value_days")),
                row.get("time_to_value_note") or "",
                " | ".join(item["message"] for item in gaps),
            ]
        )
    return section


def vendors_section(payload: dict[str, Any]) -> Section:
    c = payload["currency"]
    money = ("total_cost", "credits_due", "credits_claimed", "credits_received", "invoice_variance")
    names = [
        "total_cost",
        "engagements",
        "response_met_pct",
        "resolution_met_pct",
        "uptime_pct",
        "breached_tickets",
        "response_breaches",
        "resolution_breaches",
        "credits_due",
        "credits_claimed",
        "credits_received",
        "invoice_variance",
        "complete",
    ]

    def unit(name: str) -> str:
        return c if name in money else "%" if name.endswith("_pct") else "" if name == "complete" else "count"

    header = ["vendor", "period"] + [f"{n} ({unit(n)})" if unit(n) else n for n in names]
    header += ["attestations valid", "expiring (60 days)", "expired"]
    section = Section("Vendors", header)
    for row in payload.get("vendors", []):
        for period in ("month", "trailing_12"):
            figures = row[period]
            # Stored before breached_tickets was added: the same count was named breaches.
            figures = {"breached_tickets": figures.get("breaches"), **figures}
            cells = [_yes(figures[n]) if n == "complete" else _blank(figures[n]) for n in names]
            label = row["period"] if period == "month" else f"12 months ending {row['period']}"
            att = row["attestations"]
            section.rows.append([row["name"], label, *cells, att["valid"], att["expiring"], att["expired"]])
    return section


def checklist_section(payload: dict[str, Any]) -> Section:
    section = Section("Checklist", ["service area", "question", "answer"])
    for area in payload["service_areas"]:
        checklist = area["checklist"]
        for question in checklist["questions"]:
            answer = {True: "yes", False: "no", None: ""}[question["answer"]]
            section.rows.append([area["name"], question["question"], answer])
        points_to = checklist.get("points_to") or f"The checklist points to: {checklist['recommendation_label']}"
        section.rows.append([area["name"], "Points to", points_to])
        for text in checklist["contradictions"]:
            section.rows.append([area["name"], "Contradiction", text])
    return section


def events_section(payload: dict[str, Any]) -> Section:
    section = Section("Events", ["kind", "date", "engagement", "text", "why listed"])
    for event in payload["events"]:
        section.rows.append([event["kind"], event["date"], event["engagement"], event["text"], event.get("why") or ""])
    return section


def report_sections(payload: dict[str, Any]) -> list[Section]:
    """Return the report's sections in reading order: the verdict and data quality first."""
    return [
        *verdict_sections(payload),
        data_quality_section(payload),
        figures_section(payload),
        cumulative_section(payload),
        monthly_section(payload),
        engagements_section(payload),
        vendors_section(payload),
        checklist_section(payload),
        events_section(payload),
    ]


def _title_rows(payload: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [f"Delivery model comparison: {payload['month_label']}", f"currency {payload['currency']}"],
        ["data complete", _yes(payload.get("complete", True))],
    ]
    rows += [["note", note] for note in payload["currency_notes"]]
    rows += [["error", error] for error in payload["errors"]]
    return rows


def report_csv(payload: dict[str, Any]) -> str:
    """Return the whole report as CSV text: each section's rows start with the section's name."""
    out = io.StringIO()
    # Names come from users: a name starting with '=' must not run as a formula in a spreadsheet.
    writer = SafeCsvWriter(out)
    for row in _title_rows(payload):
        writer.writerow(row)
    for section in report_sections(payload):
        key = section.name.lower().replace(" ", "_")
        writer.writerow([])
        writer.writerow([key, *section.header])
        for row in section.rows:
            writer.writerow([key, *row])
    return out.getvalue()


def _cell_value(value: Any) -> Any:
    """Numbers as numbers (exact decimals), text kept as text and neutralised like the CSV's."""
    if isinstance(value, str) and value and (value[0].isdigit() or value[0] == "-"):
        try:
            return Decimal(value)
        except InvalidOperation:
            pass
    return csv_cell(value)


def report_xlsx(payload: dict[str, Any]) -> bytes:
    """Return the report as an XLSX workbook: a sheet per section, numbers as numbers, headers frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    summary = workbook.active
    assert summary is not None, "a new workbook has a sheet"
    summary.title = "Report"
    for row in _title_rows(payload):
        summary.append([_cell_value(v) for v in row])
    bold = Font(bold=True)
    for section in report_sections(payload):
        sheet = workbook.create_sheet(section.name[:31])
        sheet.append(section.header)
        for cell in sheet[1]:
            cell.font = bold
        for row in section.rows:
            sheet.append([_cell_value(v) for v in row])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, Decimal):
                    exponent = cell.value.as_tuple().exponent
                    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
                    cell.number_format = "#,##0" if not places else "#,##0." + "0" * places
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            width = max(len(str(c.value)) if c.value is not None else 0 for c in column)
            letter = column[0].column_letter
            sheet.column_dimensions[letter].width = min(max(width + 2, 10), 60)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
