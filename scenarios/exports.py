"""A scenario as CSV and as PDF: the same figures as its page."""

from __future__ import annotations

import io
from typing import Any

from kernel.exports import SafeCsvWriter
from kernel.exports import markup_text as esc
from reports.charts import to_drawing
from scenarios.charts import scenario_chart
from scenarios.presentation import PHASE_LABELS, Presented, pct
from scenarios.projection import CURRENT, PLAN_LABELS, PLANS


def scenario_csv(view: Presented) -> str:
    """Return a scenario as CSV text: inputs, drawn inputs, the 24 months of every plan, phases, hindsight."""
    out = io.StringIO()
    # Names come from users: a name starting with '=' must not run as a formula in a spreadsheet.
    writer = SafeCsvWriter(out)
    projection = view.projection
    writer.writerow([f"Scenario: {view.scenario.name}", f"currency {view.currency}"])
    writer.writerow(["sentence", view.sentence])
    if view.scope:
        writer.writerow(["the quote must cover", view.scope])
    for label, value in view.csv_input_rows:
        writer.writerow(["input", label, value])
    for label, value in view.csv_drawn_rows:
        writer.writerow(["drawn", label, value])
    writer.writerow([])
    keys = [CURRENT, *PLANS]
    plans = {CURRENT: projection.current, **projection.plans}
    writer.writerow(
        ["month", "month index", "staff-aug hours", *(f"{PLAN_LABELS[k]} monthly" for k in keys)]
        + ["staff-aug band low", "staff-aug band high"]
    )
    staff = projection.plans["staff_aug"]
    for i, month in enumerate(projection.months):
        writer.writerow(
            [f"{month:%Y-%m}", i + 1, projection.hours[i], *(plans[k].monthly[i] for k in keys)]
            + [
                staff.band_low[i] if staff.band_low else "",
                staff.band_high[i] if staff.band_high else "",
            ]
        )
    writer.writerow([])
    writer.writerow(["plan", *PHASE_LABELS.values(), "24 months", "saving vs current", "+/-", "break-even month"])
    for key in keys:
        plan = plans[key]
        writer.writerow(
            [PLAN_LABELS[key], *plan.phases.values(), plan.total]
            + ([] if key == CURRENT else [plan.saving, plan.saving_band, plan.break_even_month or ""])
        )
    if view.hindsight:
        writer.writerow([])
        writer.writerow(
            [
                "hindsight month",
                "index",
                "projected",
                "actual",
                "projected cumulative",
                "actual cumulative",
                "error",
                "error %",
            ]
        )
        for row in view.hindsight:
            writer.writerow(
                [
                    f"{row.month:%Y-%m}",
                    row.index,
                    row.projected,
                    row.actual,
                    row.projected_cumulative,
                    row.actual_cumulative,
                    row.error,
                    "" if row.error_pct is None else row.error_pct,
                ]
            )
    return out.getvalue()


def _table(rows: list[list[str]], widths: list[float]) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f8")]),
            ]
        )
    )
    return table


def scenario_pdf(view: Presented) -> bytes:
    """Render a scenario as PDF bytes (every text from the data escaped before it reaches a Paragraph)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    margin = 15 * mm
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin
    )
    doc.title = f"Scenario: {view.scenario.name}"
    width = A4[0] - 2 * margin
    chart = scenario_chart(view.projection, view.scenario.chosen_plan, "Cumulative cost over 24 months")
    phase_rows = [["Plan", *PHASE_LABELS.values(), "24 months", "Saving", "+/-", "Break-even"]] + [
        [row["label"], *row["phases"], row["total"], row["saving"], row["saving_band"], str(row["break_even"])]
        for row in view.phase_rows
    ]
    story: list[Any] = [
        Paragraph(f"Scenario: {esc(view.scenario.name)}", styles["Title"]),
        Paragraph(esc(view.sentence), styles["Heading3"]),
        *([Paragraph(esc(view.scope), styles["Normal"])] if view.scope else []),
        to_drawing(chart, scale=width / chart.width),
        Spacer(1, 4 * mm),
        _table(phase_rows, [width * f for f in (0.16, 0.12, 0.12, 0.12, 0.13, 0.13, 0.1, 0.12)]),
        Paragraph("Inputs", styles["Heading2"]),
        _table([["Input", "Value"], *([a, b] for a, b in view.input_rows)], [width * 0.4, width * 0.6]),
        Paragraph("Drawn from realized data", styles["Heading2"]),
        _table([["Figure", "Value"], *([a, b] for a, b in view.drawn_rows)], [width * 0.4, width * 0.6]),
    ]
    if view.hindsight:
        story.append(Paragraph("Hindsight: the chosen plan against what happened", styles["Heading2"]))
        rows = [["Month", "Projected cum.", "Actual cum.", "Error", "Error %"]] + [
            [
                f"{r.index} ({r.month:%b %Y})",
                f"{r.projected_cumulative:,.2f}",
                f"{r.actual_cumulative:,.2f}",
                f"{r.error:,.2f}",
                pct(r.error_pct),
            ]
            for r in view.hindsight
        ]
        story.append(_table(rows, [width * 0.2] * 5))
    doc.build(story)
    return buffer.getvalue()
