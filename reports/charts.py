"""The report's charts, drawn once as shapes and rendered as inline SVG (pages) or reportlab drawings (PDF).

No JavaScript and no CDN: the page gets plain SVG markup from the server. Rules
that keep the charts honest (issue 10): series that are compared share one
scale; ticks sit at 1, 2, 2.5 or 5 x 10^n and are labelled exactly; percentage
axes are fitted to the data; every point has a marker (a one-month series shows)
and a <title> with its value; leading months without data are dropped; each
chart carries the data table a screen reader reads instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Any

WIDTH, HEIGHT = 620, 320
AREA_WIDTH = 560
LEFT, RIGHT, TOP, BOTTOM = 72, 20, 34, 62
FONT = 12  # viewBox units; charts are shown at most 1:1, so at least 12 px at 100% zoom on a desktop
COLORS = {
    "staff_aug": "#b35c00",
    "managed": "#1f5fa8",
    "vendor": "#3a6ea5",
    "overhead": "#c98a14",
    "one_time": "#7a4fa8",
    "credit": "#2e7d4a",
    "band": "#f1f3f6",
    "band_alt": "#e4e8ee",
    "axis": "#555555",
    "grid": "#dddddd",
    "marker": "#b0281a",
    "text": "#222222",
}
MODEL_LABELS = {"staff_aug": "Staff augmentation", "managed": "Managed service"}
PHASE_BANDS = (("Months 1-6", 1, 6), ("Months 7-12", 7, 12), ("Months 13-24", 13, 24))
STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: str
    opacity: float = 1.0
    title: str = ""


@dataclass(frozen=True)
class Path:
    points: list[tuple[float, float]]
    stroke: str
    width: float = 2.0
    dash: str = ""


@dataclass(frozen=True)
class Dot:
    """A point's marker, with its value as a tooltip."""

    x: float
    y: float
    fill: str
    title: str = ""
    r: float = 3.5


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    size: float = FONT
    anchor: str = "start"
    fill: str = COLORS["text"]


@dataclass
class Chart:
    """A chart as shapes in a width x height box (y growing downwards), with the data table behind it."""

    title: str
    shapes: list[Any] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


# --- scales -------------------------------------------------------------------------------


def nice_step(span: Decimal, count: int = 5) -> Decimal:
    """Return the smallest step of 1, 2, 2.5 or 5 x 10^n that covers `span` in at most `count` intervals."""
    if span <= 0:
        return Decimal(1)
    raw = span / count
    exponent = math.floor(math.log10(raw))
    for power in (exponent - 1, exponent, exponent + 1):
        for base in STEPS:
            step = base.scaleb(power)
            if step * count >= span:
                return step
    return Decimal(10).scaleb(exponent + 1)  # pragma: no cover - the loop always finds one


@dataclass(frozen=True)
class Scale:
    """A y axis: its ticks from low to high (low and high are the first and last)."""

    ticks: tuple[Decimal, ...]

    @property
    def low(self) -> float:
        return float(self.ticks[0])

    @property
    def high(self) -> float:
        return float(self.ticks[-1])


def money_scale(values: list[float], count: int = 5) -> Scale:
    """A scale from zero (or below, for negatives) to cover every value."""
    top = Decimal(str(max([0.0, *values])))
    bottom = Decimal(str(min([0.0, *values])))
    if top == bottom:
        top = Decimal(1)
    step = nice_step(top - bottom, count)
    low = (bottom / step).to_integral_value(rounding="ROUND_FLOOR") * step
    high = (top / step).to_integral_value(rounding="ROUND_CEILING") * step
    return _ticks(low, high, step)


def pct_scale(values: list[float], count: int = 5) -> Scale:
    """A percentage scale fitted to the data (never above 100 nor below 0)."""
    if not values:
        return _ticks(Decimal(0), Decimal(100), Decimal(20))
    low, high = Decimal(str(min(values))), Decimal(str(max(values)))
    if high - low < Decimal("0.5"):
        # Near-equal values: show a window of half a point, not a flat line on a 0-100 axis.
        high, low = min(Decimal(100), low + Decimal("0.5")), max(Decimal(0), high - Decimal("0.5"))
    step = nice_step(high - low, count)
    bottom = max(Decimal(0), (low / step).to_integral_value(rounding="ROUND_FLOOR") * step)
    top = min(Decimal(100), (high / step).to_integral_value(rounding="ROUND_CEILING") * step)
    if top <= bottom:  # pragma: no cover - the window above always leaves room
        top = bottom + step
    return _ticks(bottom, top, step)


def _ticks(low: Decimal, high: Decimal, step: Decimal) -> Scale:
    ticks, value = [], low
    while value <= high + step / 1000:
        ticks.append(value)
        value += step
    return Scale(tuple(ticks))


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def money_tick(value: Decimal | float) -> str:
    """Label a money tick exactly: 1.25M, 2.5k, 500, 0 (never rounded to a wrong figure)."""
    number = Decimal(str(value))
    for limit, suffix in ((Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if abs(number) >= limit:
            return _plain(number / limit) + suffix
    return _plain(number)


def pct_tick(value: Decimal | float) -> str:
    """Label a percentage tick exactly: 99.75%, 100%."""
    return _plain(Decimal(str(value))) + "%"


def money(value: float | None, currency: str = "") -> str:
    """Format an amount for a tooltip or a data table as the report's sentences do: USD 12,345.67."""
    if value is None:
        return "-"
    return (f"{currency} " if currency else "") + f"{value:,.2f}"


def pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{Decimal(str(value)):.{digits}f}%"


def month_short(iso: str) -> str:
    """'2026-04' -> 'Apr 2026'."""
    year, month = iso.split("-")
    return f"{MONTH_NAMES[int(month) - 1]} {year}"


# --- frame --------------------------------------------------------------------------------


def _d(value: Any) -> float | None:
    return None if value in (None, "") else float(Decimal(str(value)))


class _Frame:
    """Maps data to the plot area."""

    def __init__(self, chart: Chart, x_count: int, scale: Scale) -> None:
        self.chart, self.x_count, self.scale = chart, max(x_count, 1), scale
        self.plot_w = chart.width - LEFT - RIGHT
        self.plot_h = chart.height - TOP - BOTTOM

    def x(self, index: float) -> float:
        """Centre of slot `index` (0-based)."""
        return LEFT + (index + 0.5) * self.plot_w / self.x_count

    def slot(self) -> float:
        return self.plot_w / self.x_count

    def y(self, value: float) -> float:
        span = (self.scale.high - self.scale.low) or 1.0
        return TOP + self.plot_h * (1 - (value - self.scale.low) / span)

    def axes(self, fmt: Any = money_tick) -> None:
        shapes = self.chart.shapes
        for tick in self.scale.ticks:
            y = self.y(float(tick))
            shapes.append(Path([(LEFT, y), (self.chart.width - RIGHT, y)], COLORS["grid"], 0.5))
            shapes.append(Label(LEFT - 6, y + 4, fmt(tick), FONT, "end"))
        bottom = TOP + self.plot_h
        shapes.append(Path([(LEFT, TOP), (LEFT, bottom), (self.chart.width - RIGHT, bottom)], COLORS["axis"], 1))

    def x_labels(self, labels: list[str]) -> None:
        bottom = TOP + self.plot_h
        # As many labels as fit side by side (about 7 px per character), the last one always.
        widest = max((len(text) for text in labels), default=1) * 7 + 8
        every = max(1, math.ceil(widest / self.slot()))
        for i, text in enumerate(labels):
            if i % every == 0:
                self.chart.shapes.append(Label(self.x(i), bottom + 16, text, FONT, "middle"))

    def legend(self, items: list[tuple[str, str, str]]) -> None:
        x: float = LEFT
        y = self.chart.height - 10
        for text, color, dash in items:
            width = 30 + 7 * len(text)
            if x + width > self.chart.width and x > LEFT:
                break  # pragma: no cover - the legends below fit their charts
            self.chart.shapes.append(Path([(x, y - 4), (x + 18, y - 4)], color, 3, dash))
            self.chart.shapes.append(Label(x + 22, y, text, FONT))
            x += width


def _line(
    chart: Chart, frame: _Frame, points: Sequence[tuple[int, float | None, str]], color: str, dash: str = ""
) -> None:
    """Draw a series as runs of lines between known points, with a marker (and tooltip) at every point."""
    run: list[tuple[float, float]] = []
    for i, value, _ in [*points, (-1, None, "")]:
        if value is None:
            if len(run) > 1:
                chart.shapes.append(Path(run, color, 2.5, dash))
            run = []
        else:
            run.append((frame.x(i), frame.y(value)))
    for i, value, title in points:
        if value is not None:
            chart.shapes.append(Dot(frame.x(i), frame.y(value), color, title))


# --- the charts ---------------------------------------------------------------------------


def cumulative_chart(
    report_group: dict[str, Any],
    title: str = "Cumulative cost by month of engagement",
    currency: str = "",
    width: int = WIDTH,
) -> Chart:
    """Cumulative cost per model by month index (one shared scale), phase bands and the break-even marker."""
    chart = Chart(title, width=width)
    values = {
        model: [_d(v) or 0.0 for v in ((report_group.get(model) or {}).get("cumulative") or [])]
        for model in MODEL_LABELS
    }
    count = max(len(values["staff_aug"]), len(values["managed"]), 1)
    frame = _Frame(chart, count, money_scale(values["staff_aug"] + values["managed"]))
    for i, (label, low, high) in enumerate(PHASE_BANDS):
        if low > count:
            break
        x0 = LEFT + (low - 1) * frame.slot()
        x1 = LEFT + min(high, count) * frame.slot()
        chart.shapes.append(Box(x0, TOP, x1 - x0, frame.plot_h, COLORS["band" if i % 2 == 0 else "band_alt"]))
        if x1 - x0 > 7 * len(label):
            chart.shapes.append(Label((x0 + x1) / 2, TOP - 8, label, FONT, "middle"))
    frame.axes()
    for model, label in MODEL_LABELS.items():
        points = [(i, v, f"{label}, month {i + 1}: {money(v, currency)}") for i, v in enumerate(values[model])]
        _line(chart, frame, points, COLORS[model])
    break_even = report_group.get("break_even_month")
    if break_even:
        x = frame.x(break_even - 1)
        chart.shapes.append(Path([(x, TOP), (x, TOP + frame.plot_h)], COLORS["marker"], 1.5, "4,3"))
        chart.shapes.append(Label(x + 4, TOP + 14, f"break-even: month {break_even}", FONT, "start", COLORS["marker"]))
    frame.x_labels([str(i) for i in range(1, count + 1)])
    frame.legend(
        [(MODEL_LABELS["staff_aug"], COLORS["staff_aug"], ""), (MODEL_LABELS["managed"], COLORS["managed"], "")]
    )
    chart.columns = [
        "Month of engagement",
        *(f"{label} ({currency})".replace(" ()", "") for label in MODEL_LABELS.values()),
    ]
    if any(values.values()):
        chart.rows = [
            [str(i + 1), *(money(v[i]) if i < len(v) else "-" for v in values.values())] for i in range(count)
        ]
    return chart


def first_month_with_data(*series: list[dict[str, Any]]) -> int:
    """Index of the first month where any of the series has data (0 when none has)."""
    starts = [i for s in series for i, p in enumerate(s) if p.get("has_data")]
    return min(starts, default=0)


def stacked_cost_chart(
    series: list[dict[str, Any]], title: str, currency: str = "", scale: Scale | None = None, width: int = WIDTH
) -> Chart:
    """Monthly cost stacked by vendor cost, overhead and one-time charges, credits below zero.

    Pass the same `scale` to charts that are compared (staff aug and managed) so their bars compare.
    """
    chart = Chart(title, width=width)
    scale = scale or money_scale(cost_extremes(series))
    frame = _Frame(chart, len(series), scale)
    frame.axes()
    bar = frame.slot() * 0.7
    parts = (("vendor", "Vendor"), ("overhead", "Overhead"), ("one_time", "One-time"))
    for i, point in enumerate(series):
        if not point.get("has_data"):
            continue
        tip = _bar_title(point, currency)
        base = 0.0
        for key, _label in parts:
            value = _d(point.get(key)) or 0.0
            if value > 0:
                y_top = frame.y(base + value)
                chart.shapes.append(
                    Box(frame.x(i) - bar / 2, y_top, bar, frame.y(base) - y_top, COLORS[key], title=tip)
                )
                base += value
        credit = _d(point.get("credit")) or 0.0
        if credit > 0:
            chart.shapes.append(
                Box(frame.x(i) - bar / 2, frame.y(0), bar, frame.y(-credit) - frame.y(0), COLORS["credit"], title=tip)
            )
    zero = frame.y(0)
    chart.shapes.append(Path([(LEFT, zero), (chart.width - RIGHT, zero)], COLORS["axis"], 1))
    frame.x_labels([month_short(p["month"]) for p in series])
    frame.legend([(label, COLORS[key], "") for key, label in (*parts, ("credit", "Credits"))])
    chart.columns = ["Month", "Vendor", "Overhead", "One-time", "Credits", f"Total ({currency})".replace(" ()", "")]
    chart.rows = [
        [month_short(p["month"]), *(money(_d(p.get(k))) for k in ("vendor", "overhead", "one_time", "credit", "total"))]
        for p in series
        if p.get("has_data")
    ]
    return chart


def _bar_title(point: dict[str, Any], currency: str) -> str:
    return (
        f"{month_short(point['month'])}: total {money(_d(point.get('total')), currency)} "
        f"(vendor {money(_d(point.get('vendor')))}, overhead {money(_d(point.get('overhead')))}, "
        f"one-time {money(_d(point.get('one_time')))}, credits {money(_d(point.get('credit')))})"
    )


def cost_extremes(series: list[dict[str, Any]]) -> list[float]:
    """The bar tops and credit bottoms of a series (what its scale must cover)."""
    tops = [sum(_d(p.get(k)) or 0.0 for k in ("vendor", "overhead", "one_time")) for p in series]
    bottoms = [-(_d(p.get("credit")) or 0.0) for p in series]
    return tops + bottoms


SERVICE_LINES = (
    ("uptime_pct", "uptime", ""),
    ("resolution_met_pct", "resolution met", "6,3"),
    ("response_met_pct", "response met", "2,3"),
)


def service_level_chart(
    report_group: dict[str, Any],
    title: str = "SLA attainment",
    width: int = WIDTH,
    start: int = 0,
    keys: tuple[str, ...] = ("resolution_met_pct", "response_met_pct"),
) -> Chart:
    """Percentages of both models over the months (`keys` of the series), on an axis fitted to the data.

    Uptime (near 100%) and ticket attainment (tens of points lower) get a chart each: on one
    axis the uptime differences that matter would flatten into one line.
    """
    chart = Chart(title, width=width)
    digits = 2 if keys == ("uptime_pct",) else 1
    lines = []
    for model in MODEL_LABELS:
        series = ((report_group.get(model) or {}).get("series") or [])[start:]
        for key, name, dash in SERVICE_LINES:
            if key in keys:
                lines.append((model, name, dash, [(p["month"], _d(p.get(key))) for p in series]))
    months = ((report_group.get("staff_aug") or report_group.get("managed") or {}).get("series") or [])[start:]
    values = [v for *_, points in lines for _, v in points if v is not None]
    frame = _Frame(chart, len(months), pct_scale(values))
    frame.axes(fmt=pct_tick)
    drawn = []
    for model, name, dash, points in lines:
        if any(v is not None for _, v in points):
            label = f"{MODEL_LABELS[model]} {name}"
            tips = [(i, v, f"{label}, {month_short(m)}: {pct(v, digits)}") for i, (m, v) in enumerate(points)]
            _line(chart, frame, tips, COLORS[model], dash)
            drawn.append((label, [pct(v, digits) for _, v in points]))
    frame.x_labels([month_short(p["month"]) for p in months])
    legend = [("Staff aug", COLORS["staff_aug"], ""), ("Managed", COLORS["managed"], "")]
    if len(keys) > 1:
        legend += [(name, COLORS["axis"], dash) for key, name, dash in SERVICE_LINES if key in keys]
    frame.legend(legend)
    chart.columns = ["Month", *(label for label, _ in drawn)]
    if drawn:
        chart.rows = [[month_short(p["month"]), *(column[i] for _, column in drawn)] for i, p in enumerate(months)]
    return chart


# --- renderers ----------------------------------------------------------------------------


def _tip(title: str) -> str:
    return f"<title>{escape(title)}</title>" if title else ""


def to_svg(chart: Chart) -> str:
    """Render a chart as an inline SVG element (shown at most at its own size, so text keeps its size)."""
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width} {chart.height}" '
            f'class="chart" style="max-width:{chart.width}px" role="img" aria-label="{escape(chart.title)}">'
            f"<title>{escape(chart.title)}</title>"
        )
    ]
    for shape in chart.shapes:
        if isinstance(shape, Box):
            parts.append(
                f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{max(shape.w, 0):.1f}" height="{max(shape.h, 0):.1f}" '
                f'fill="{shape.fill}" fill-opacity="{shape.opacity}">{_tip(shape.title)}</rect>'
            )
        elif isinstance(shape, Path):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
            dash = f' stroke-dasharray="{shape.dash}"' if shape.dash else ""
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{shape.stroke}" stroke-width="{shape.width}"{dash}/>'
            )
        elif isinstance(shape, Dot):
            parts.append(
                f'<circle cx="{shape.x:.1f}" cy="{shape.y:.1f}" r="{shape.r}" fill="{shape.fill}" '
                f'stroke="#ffffff" stroke-width="1">{_tip(shape.title)}</circle>'
            )
        elif isinstance(shape, Label):
            parts.append(
                f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" font-size="{shape.size}" text-anchor="{shape.anchor}" '
                f'fill="{shape.fill}" font-family="sans-serif">{escape(shape.text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def to_drawing(chart: Chart, scale: float = 0.7) -> Any:
    """Render a chart as a reportlab Drawing (y flipped: reportlab's origin is bottom-left)."""
    from reportlab.graphics.shapes import Circle, Drawing, Group, PolyLine, Rect, String
    from reportlab.lib.colors import HexColor

    group = Group()
    h = chart.height
    for shape in chart.shapes:
        if isinstance(shape, Box):
            group.add(
                Rect(
                    shape.x,
                    h - shape.y - shape.h,
                    max(shape.w, 0),
                    max(shape.h, 0),
                    fillColor=HexColor(shape.fill),
                    strokeColor=None,
                )
            )
        elif isinstance(shape, Path):
            points = [coord for x, y in shape.points for coord in (x, h - y)]
            dash = [float(part) for part in shape.dash.split(",")] if shape.dash else None
            group.add(
                PolyLine(points, strokeColor=HexColor(shape.stroke), strokeWidth=shape.width, strokeDashArray=dash)
            )
        elif isinstance(shape, Dot):
            group.add(Circle(shape.x, h - shape.y, shape.r, fillColor=HexColor(shape.fill), strokeColor=None))
        elif isinstance(shape, Label):
            group.add(
                String(
                    shape.x,
                    h - shape.y,
                    shape.text,
                    fontSize=shape.size,
                    textAnchor=shape.anchor,
                    fillColor=HexColor(shape.fill),
                    fontName="Helvetica",
                )
            )
    group.scale(scale, scale)
    drawing = Drawing(chart.width * scale, chart.height * scale)
    drawing.add(group)
    return drawing


def report_charts(payload: dict[str, Any]) -> dict[str, Chart]:
    """Return the report's main charts (overall), keyed by name; the monthly cost charts share one scale."""
    overall, currency = payload["overall"], payload.get("currency", "")
    charts = {
        "cumulative": cumulative_chart(
            overall, "Cumulative cost by month of engagement (all service areas)", currency=currency
        )
    }
    models = [(m, label) for m, label in MODEL_LABELS.items() if overall.get(m)]
    all_series = [overall[m]["series"] for m, _ in models]
    start = first_month_with_data(*all_series)
    shared = money_scale([v for s in all_series for v in cost_extremes(s[start:])])
    for model, label in models:
        charts[f"stack_{model}"] = stacked_cost_chart(
            overall[model]["series"][start:], f"{label}: monthly cost ({currency}, same scale)", currency, shared
        )
    charts["uptime"] = service_level_chart(overall, "Uptime of monitored services", start=start, keys=("uptime_pct",))
    charts["service_levels"] = service_level_chart(
        overall, "SLA attainment: tickets that met their target", start=start
    )
    return charts
