"""The report as PDF (reportlab): the same figures and charts as the page."""

from __future__ import annotations

import io
from typing import Any

from kernel.exports import markup_text as esc
from reports import charts
from reports.models import ComparisonReport
from reports.presentation import present


def _table(rows: list[list[str]], widths: list[float], header: bool = True) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f8")]),
    ]
    if header:
        style.append(("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8))
    table.setStyle(TableStyle(style))
    return table


def report_pdf(report: ComparisonReport) -> bytes:
    """Render a stored report as PDF bytes.

    Every text from the data (names, events, sentences) is escaped before it reaches a
    Paragraph: reportlab reads Paragraph text as markup, and `<img src=...>` in a name
    would make the server fetch a URL or read a file, and `<b>` unbalanced would crash.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    payload = report.payload
    view = present(payload)
    styles = getSampleStyleSheet()
    h1, h2, body = styles["Title"], styles["Heading2"], styles["BodyText"]
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Delivery model comparison {view['month_label']}",
    )
    width = A4[0] - 30 * mm
    story: list[Any] = [
        Paragraph(f"Delivery model comparison: {esc(view['month_label'])}", h1),
        Paragraph(f"Computed {report.computed_at:%Y-%m-%d %H:%M} UTC. Figures in {esc(view['currency'])}.", small),
    ]
    for note in view["notes"]:
        story.append(Paragraph(esc(note), small))
    for error in view["errors"]:
        story.append(Paragraph(f"<font color='#b00020'>Error: {esc(error)}</font>", small))
    story += [Spacer(1, 4 * mm), Paragraph("Both models, all service areas", h2)]
    rows = [["", *view["models"]]] + [[r["label"], *r["cells"]] for r in view["headline"]]
    story.append(_table(rows, [width * 0.5, width * 0.25, width * 0.25]))
    if view["break_even"]:
        story.append(Paragraph(f"Managed broke even in month {view['break_even']} of engagement.", body))
    forecast = view["forecast"]
    story.append(
        Paragraph(
            f"Forecast: projected gap (staff aug minus managed) {esc(forecast['gap_12'])} over 12 months, "
            f"{esc(forecast['gap_24'])} over 24 months. {esc(' '.join(forecast['basis']))}",
            small,
        )
    )
    for chart in charts.report_charts(payload).values():
        story += [Spacer(1, 3 * mm), Paragraph(esc(chart.title), styles["Heading4"]), charts.to_drawing(chart, 0.72)]
    for area, raw in zip(view["areas"], payload["service_areas"], strict=True):
        story += [PageBreak(), Paragraph(esc(area["name"]), h2), Paragraph(esc(area["realized"]), body)]
        rows = [["", *view["models"]]] + [[r["label"], *r["cells"]] for r in area["rows"]]
        story.append(_table(rows, [width * 0.5, width * 0.25, width * 0.25]))
        chart = charts.cumulative_chart(raw, f"{area['name']}: cumulative cost")
        story += [Spacer(1, 3 * mm), charts.to_drawing(chart, 0.72)]
        checklist = area["checklist"]
        story.append(Paragraph(f"Decision checklist: {esc(checklist['recommendation_label'])}", styles["Heading4"]))
        answers = [[q["question"], {True: "Yes", False: "No", None: "-"}[q["answer"]]] for q in checklist["questions"]]
        story.append(_table([["Question", "Answer"], *answers], [width * 0.8, width * 0.2]))
        for text in checklist["contradictions"]:
            story.append(Paragraph(f"<font color='#b00020'>Contradiction: {esc(text)}</font>", small))
    story += [PageBreak(), Paragraph("Notable events", h2)]
    if not view["events"]:
        story.append(Paragraph("None this month.", body))
    for event in view["events"]:
        who = f"{event['engagement']}: " if event["engagement"] else ""
        story.append(Paragraph(esc(f"{event['date']} [{event['kind']}] {who}{event['text']}"), small))
    story += [Spacer(1, 4 * mm), Paragraph("Engagements", h2)]
    rows = [["Engagement", "Model", "Total", "Overhead", "Ratio", "Credit", "Uptime", "TTV (days)"]] + [
        [
            e["name"][:32],
            e["model_label"][:10],
            e["total"],
            e["overhead"],
            e["ratio"],
            e["credit"],
            e["uptime"],
            e["time_to_value"],
        ]
        for e in view["engagements"]
    ]
    widths = [0.25, 0.11, 0.13, 0.11, 0.1, 0.09, 0.11, 0.1]
    story.append(_table(rows, [width * w for w in widths]))
    doc.build(story)
    return buffer.getvalue()
