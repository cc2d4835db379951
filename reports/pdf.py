"""The report as PDF (reportlab): the same figures and charts as the page."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from kernel.exports import markup_text as esc
from reports import charts
from reports.models import ComparisonReport
from reports.presentation import present
from reports.services.builder.words import money


def _table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Any:
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


def _accuracy_text(accuracy: dict[str, Any] | None) -> str:
    """How far the one-month-ahead forecasts of the last 6 months missed, per model (empty when none scored)."""
    words = []
    for model, label in (("staff_aug", "staff aug"), ("managed", "managed")):
        scored = (accuracy or {}).get(model) or {}
        if scored.get("months_scored"):
            months = scored["months_scored"]
            words.append(
                f"{label} {Decimal(scored['mean_abs_error_pct']):.1f}% over {months} month{'s' if months != 1 else ''}"
            )
    if not words:
        return ""
    return " Forecast accuracy (mean absolute error of the one-month-ahead forecasts): " + ", ".join(words) + "."


def _forecast_text(forecast: dict[str, Any], currency: str, accuracy: dict[str, Any] | None = None) -> str:
    def amount(value: str | None) -> str:
        return "-" if value is None else money(value, currency)

    return (
        f"Forecast: projected gap (staff aug minus managed) {amount(forecast['gap_12'])} over 12 months, "
        f"{amount(forecast['gap_24'])} over 24 months. {' '.join(forecast['basis'])}" + _accuracy_text(accuracy)
    )


def _vendors(payload: dict[str, Any], style: Any, width: float) -> Any:
    """The month's vendor scorecards, costliest first (amounts in the base currency)."""
    from reportlab.platypus import Paragraph

    currency = payload["currency"]
    header = ["Vendor", f"Cost ({currency})", "Resolution met", "Uptime", "Tickets breached"]
    header += [f"Credits due ({currency})", f"Invoice variance ({currency})", "Attestations"]
    rows: list[list[Any]] = [header]
    for row in sorted(payload.get("vendors", []), key=lambda r: Decimal(r["month"]["total_cost"]), reverse=True):
        month, att = row["month"], row["attestations"]
        rows.append(
            [
                Paragraph(esc(row["name"]), style),
                f"{Decimal(month['total_cost']):,.2f}",
                "-" if month["resolution_met_pct"] is None else f"{Decimal(month['resolution_met_pct']):.1f}%",
                "-" if month["uptime_pct"] is None else f"{Decimal(month['uptime_pct']):.1f}%",
                f"{month['breaches']:,}",
                f"{Decimal(month['credits_due']):,.2f}",
                f"{Decimal(month['invoice_variance']):,.2f}",
                f"{att['valid']} valid, {att['expiring']} expiring, {att['expired']} expired",
            ]
        )
    widths = [0.18, 0.12, 0.09, 0.08, 0.08, 0.11, 0.12, 0.22]
    return _table(rows, [width * w for w in widths])


def _verdicts(payload: dict[str, Any], styles: Any, width: float) -> list[Any]:
    """The verdict of every service area: its sentence, then its figures (the report's first section)."""
    from reportlab.platypus import KeepTogether, Paragraph

    body = styles["BodyText"]
    small = body.clone("verdict-figures", fontSize=7.5, leading=9)
    parts: list[Any] = [Paragraph("Verdict by service area", styles["Heading2"])]
    for area in payload["service_areas"]:
        verdict = area.get("verdict")
        if not verdict:
            continue
        label = "" if verdict["complete"] else " <font color='#b00020'>(incomplete data)</font>"
        rows, spans = _figure_rows(verdict["figures"], small)
        table = _table(rows, [width * 0.3, width * 0.2, width * 0.3, width * 0.2], header=False)
        table.setStyle([("SPAN", (1, r), (3, r)) for r in spans])
        parts.append(
            KeepTogether([Paragraph(f"<b>{esc(area['name'])}</b>{label}: {esc(verdict['sentence'])}", body), table])
        )
    return parts


# A figure whose value is longer (e.g. what each model ran over 12 months) gets a row of its own.
LONG_FIGURE = 45


def _figure_rows(figures: list[dict[str, str]], style: Any) -> tuple[list[list[Any]], list[int]]:
    """Two figures a row (the verdicts of every area fit near the top of the first page); long ones alone, spanned."""
    from reportlab.platypus import Paragraph

    rows: list[list[Any]] = []
    spans: list[int] = []
    pending: list[Any] = []
    for figure in figures:
        cells = [Paragraph(esc(figure["label"]), style), Paragraph(esc(figure["value"]), style)]
        if len(figure["value"]) > LONG_FIGURE:
            spans.append(len(rows))
            rows.append([*cells, "", ""])
        elif pending:
            rows.append(pending + cells)
            pending = []
        else:
            pending = cells
    if pending:
        rows.append([*pending, "", ""])
    return rows, spans


def _data_quality(payload: dict[str, Any], styles: Any) -> list[Any]:
    """Every gap of the month, named, with what it affects (or a line saying there is none)."""
    from reportlab.platypus import Paragraph

    small = styles["BodyText"].clone("gaps", fontSize=8, leading=10)
    items = payload.get("data_quality", [])
    if not items:
        return [Paragraph("Data complete: every hour is priced and every ticket has an SLA policy.", small)]
    parts: list[Any] = [
        Paragraph(
            f"<font color='#b00020'>Incomplete data: {len(items)} gap{'s' if len(items) != 1 else ''} "
            "in this month's figures. Figures built on them are marked incomplete.</font>",
            styles["Heading3"],
        )
    ]
    for item in items:
        parts.append(Paragraph(f"\u2022 {esc(item['message'])}", small))
    return parts


def _engagements_table(payload: dict[str, Any], view: dict[str, Any], style: Any, width: float) -> Any:
    """One row per engagement; names wrap rather than being cut, the currency shown when any differs."""
    from reportlab.platypus import Paragraph

    base = payload["currency"]
    mixed = any(e["currency"] != base for e in payload["engagements"])
    header = ["Engagement", "Model", *(["Currency"] if mixed else []), "Total", "Overhead", "Ratio", "Credit"]
    header += ["Uptime", "TTV (days)", "Data"]
    rows: list[list[Any]] = [header]
    for e in view["engagements"]:
        rows.append(
            [
                Paragraph(esc(e["name"]), style),
                Paragraph(esc(e["model_label"]), style),
                *([e["currency"]] if mixed else []),
                e["total"],
                e["overhead"],
                e["ratio"],
                e["credit"],
                e["uptime"],
                e["time_to_value"],
                "complete" if e.get("complete", True) else "incomplete",
            ]
        )
    widths = [0.22, 0.13, *([0.07] if mixed else []), 0.11, 0.09, 0.08, 0.08, 0.08, 0.07, 0.1]
    scale = 1 / sum(widths)
    return _table(rows, [width * w * scale for w in widths])


def report_pdf(report: ComparisonReport) -> bytes:
    """Render a stored report as PDF bytes.

    Every text from the data (names, events, sentences) is escaped before it reaches a
    Paragraph: reportlab reads Paragraph text as markup, and `<img src=...>` in a name
    would make the server fetch a URL or read a file, and `<b>` unbalanced would crash.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer

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
    # Times in the organisation's zone, as the pages show them, with the zone named.
    computed = timezone.localtime(report.computed_at)
    story: list[Any] = [
        Paragraph(f"Delivery model comparison: {esc(view['month_label'])}", h1),
        Paragraph(
            f"Computed {computed:%Y-%m-%d %H:%M} {esc(computed.tzname() or '')} ({esc(settings.TIME_ZONE)}). "
            f"Figures in {esc(view['currency'])}.",
            small,
        ),
    ]
    for note in view["notes"]:
        story.append(Paragraph(esc(note), small))
    for error in view["errors"]:
        story.append(Paragraph(f"<font color='#b00020'>Error: {esc(error)}</font>", small))
    story += _verdicts(payload, styles, width)
    story += _data_quality(payload, styles)
    story += [Spacer(1, 4 * mm), Paragraph("Both models, all service areas", h2)]
    rows = [["", *view["models"]]] + [[r["label"], *r["cells"]] for r in view["headline"]]
    story.append(_table(rows, [width * 0.5, width * 0.25, width * 0.25]))
    if view["break_even"]:
        story.append(Paragraph(f"Managed broke even in month {view['break_even']} of engagement.", body))
    forecast = payload["overall"]["forecast"]
    accuracy = payload["overall"].get("forecast_accuracy")
    story.append(Paragraph(esc(_forecast_text(forecast, payload["currency"], accuracy)), small))
    for chart in charts.report_charts(payload).values():
        # A chart's title never stays alone at a page's foot: it moves with its drawing.
        story.append(
            KeepTogether(
                [Spacer(1, 3 * mm), Paragraph(esc(chart.title), styles["Heading4"]), charts.to_drawing(chart, 0.72)]
            )
        )
    for area, raw in zip(view["areas"], payload["service_areas"], strict=True):
        story += [PageBreak(), Paragraph(esc(area["name"]), h2)]
        if raw.get("verdict"):
            story.append(Paragraph(f"<b>{esc(raw['verdict']['sentence'])}</b>", body))
        story.append(Paragraph(esc(area["realized"]), body))
        rows = [["", *view["models"]]] + [[r["label"], *r["cells"]] for r in area["rows"]]
        story.append(_table(rows, [width * 0.5, width * 0.25, width * 0.25]))
        area_forecast = _forecast_text(raw["forecast"], payload["currency"], raw.get("forecast_accuracy"))
        story.append(Paragraph(esc(area_forecast), small))
        chart = charts.cumulative_chart(raw, f"{area['name']}: cumulative cost")
        story.append(
            KeepTogether(
                [Spacer(1, 3 * mm), Paragraph(esc(chart.title), styles["Heading4"]), charts.to_drawing(chart, 0.72)]
            )
        )
        checklist = area["checklist"]
        points_to = checklist.get("points_to") or f"The checklist points to: {checklist['recommendation_label']}."
        answers = [[q["question"], {True: "Yes", False: "No", None: "-"}[q["answer"]]] for q in checklist["questions"]]
        story.append(
            KeepTogether(
                [
                    Paragraph(esc(points_to), styles["Heading4"]),
                    _table([["Question", "Answer"], *answers], [width * 0.8, width * 0.2]),
                ]
            )
        )
        for text in checklist["contradictions"]:
            story.append(Paragraph(f"<font color='#b00020'>Contradiction: {esc(text)}</font>", small))
    story += [PageBreak(), Paragraph("Notable events", h2)]
    if not view["events"]:
        story.append(Paragraph("None this month.", body))
    for event in view["events"]:
        who = f"{event['engagement']}: " if event["engagement"] else ""
        why = f" ({event['why']})" if event.get("why") else ""
        story.append(Paragraph(esc(f"{event['date']} [{event['kind']}] {who}{event['text']}{why}"), small))
    if payload.get("vendors"):
        story += [Spacer(1, 4 * mm), Paragraph(f"Vendor scorecards: {esc(view['month_label'])}", h2)]
        story.append(_vendors(payload, small, width))
    story += [Spacer(1, 4 * mm), Paragraph("Engagements", h2)]
    story.append(_engagements_table(payload, view, small, width))
    doc.build(story)
    return buffer.getvalue()
