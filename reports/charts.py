"""The report's charts, drawn once as shapes and rendered as inline SVG (pages) or reportlab drawings (PDF).

No JavaScript and no CDN: the page gets plain SVG markup from the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Any

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 30, 50
COLORS = {
    "staff_aug": "#d9822b",
    "managed": "#2b6cb0",
    "vendor": "#4a7ab7",
    "overhead": "#e0a030",
    "one_time": "#8a63b8",
    "credit": "#3f9a5a",
    "band": "#f1f3f6",
    "band_alt": "#e4e8ee",
    "axis": "#555555",
    "grid": "#dddddd",
    "marker": "#c0392b",
    "text": "#222222",
}
PHASE_BANDS = (("Months 1-6", 1, 6), ("Months 7-12", 7, 12), ("Months 13-24", 13, 24))


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: str
    opacity: float = 1.0


@dataclass(frozen=True)
class Path:
    points: list[tuple[float, float]]
    stroke: str
    width: float = 2.0
    dash: str = ""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    size: float = 10
    anchor: str = "start"
    fill: str = COLORS["text"]


@dataclass
class Chart:
    """A chart as shapes in a WIDTH x HEIGHT box, y growing downwards."""

    title: str
    shapes: list[Any] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT


def _d(value: Any) -> float | None:
    return None if value in (None, "") else float(Decimal(str(value)))


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _money_label(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 1_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:.0f}"


class _Frame:
    """Maps data to the plot area."""

    def __init__(self, chart: Chart, x_count: int, y_min: float, y_max: float) -> None:
        self.chart, self.x_count, self.y_min, self.y_max = chart, max(x_count, 1), y_min, y_max
        self.plot_w = chart.width - LEFT - RIGHT
        self.plot_h = chart.height - TOP - BOTTOM

    def x(self, index: float) -> float:
        """Centre of slot `index` (0-based)."""
        return LEFT + (index + 0.5) * self.plot_w / self.x_count

    def slot(self) -> float:
        return self.plot_w / self.x_count

    def y(self, value: float) -> float:
        span = (self.y_max - self.y_min) or 1.0
        return TOP + self.plot_h * (1 - (value - self.y_min) / span)

    def axes(self, ticks: int = 4, fmt: Any = _money_label) -> None:
        shapes = self.chart.shapes
        for i in range(ticks + 1):
            value = self.y_min + (self.y_max - self.y_min) * i / ticks
            y = self.y(value)
            shapes.append(Path([(LEFT, y), (self.chart.width - RIGHT, y)], COLORS["grid"], 0.5))
            shapes.append(Label(LEFT - 6, y + 3, fmt(value), 9, "end"))
        bottom = TOP + self.plot_h
        shapes.append(Path([(LEFT, TOP), (LEFT, bottom), (self.chart.width - RIGHT, bottom)], COLORS["axis"], 1))

    def x_labels(self, labels: list[str], every: int = 1) -> None:
        bottom = TOP + self.plot_h
        for i, text in enumerate(labels):
            if i % every == 0 or i == len(labels) - 1:
                self.chart.shapes.append(Label(self.x(i), bottom + 14, text, 8, "middle"))

    def legend(self, items: list[tuple[str, str, str]]) -> None:
        x: float = LEFT
        y = self.chart.height - 12
        for text, color, dash in items:
            self.chart.shapes.append(Path([(x, y - 3), (x + 18, y - 3)], color, 3, dash))
            self.chart.shapes.append(Label(x + 22, y, text, 9))
            x += 30 + 6.2 * len(text)


def cumulative_chart(report_group: dict[str, Any], title: str = "Cumulative cost by month of engagement") -> Chart:
    """Cumulative cost per model by month index, with the three phase bands and the break-even marker."""
    chart = Chart(title)
    staff = [_d(v) or 0.0 for v in ((report_group.get("staff_aug") or {}).get("cumulative") or [])]
    managed = [_d(v) or 0.0 for v in ((report_group.get("managed") or {}).get("cumulative") or [])]
    count = max(len(staff), len(managed), 1)
    frame = _Frame(chart, count, 0.0, _nice_max(max(staff + managed + [0.0])))
    for i, (label, low, high) in enumerate(PHASE_BANDS):
        if low > count:
            break
        x0 = LEFT + (low - 1) * frame.slot()
        x1 = LEFT + min(high, count) * frame.slot()
        chart.shapes.append(Box(x0, TOP, x1 - x0, frame.plot_h, COLORS["band" if i % 2 == 0 else "band_alt"]))
        chart.shapes.append(Label((x0 + x1) / 2, TOP - 8, label, 9, "middle"))
    frame.axes()
    for name, values in (("staff_aug", staff), ("managed", managed)):
        if values:
            chart.shapes.append(Path([(frame.x(i), frame.y(v)) for i, v in enumerate(values)], COLORS[name], 2.5))
    break_even = report_group.get("break_even_month")
    if break_even:
        x = frame.x(break_even - 1)
        chart.shapes.append(Path([(x, TOP), (x, TOP + frame.plot_h)], COLORS["marker"], 1.5, "4,3"))
        chart.shapes.append(Label(x + 4, TOP + 12, f"break-even: month {break_even}", 9, "start", COLORS["marker"]))
    frame.x_labels([str(i) for i in range(1, count + 1)], every=3 if count > 12 else 1)
    frame.legend([("Staff augmentation", COLORS["staff_aug"], ""), ("Managed service", COLORS["managed"], "")])
    return chart


def stacked_cost_chart(series: list[dict[str, Any]], title: str) -> Chart:
    """Monthly cost stacked by vendor cost, overhead and one-time charges, with credits below zero."""
    chart = Chart(title)
    tops = [sum(_d(p.get(k)) or 0.0 for k in ("vendor", "overhead", "one_time")) for p in series]
    credits = [_d(p.get("credit")) or 0.0 for p in series]
    y_max = _nice_max(max(tops + [0.0]))
    y_min = -_nice_max(max(credits)) if any(credits) else 0.0
    frame = _Frame(chart, len(series), y_min, y_max)
    frame.axes()
    width = frame.slot() * 0.7
    for i, point in enumerate(series):
        if not point.get("has_data"):
            continue
        base = 0.0
        for key in ("vendor", "overhead", "one_time"):
            value = _d(point.get(key)) or 0.0
            if value > 0:
                y_top = frame.y(base + value)
                chart.shapes.append(Box(frame.x(i) - width / 2, y_top, width, frame.y(base) - y_top, COLORS[key]))
                base += value
        credit = _d(point.get("credit")) or 0.0
        if credit > 0:
            chart.shapes.append(
                Box(frame.x(i) - width / 2, frame.y(0), width, frame.y(-credit) - frame.y(0), COLORS["credit"])
            )
    zero = frame.y(0)
    chart.shapes.append(Path([(LEFT, zero), (chart.width - RIGHT, zero)], COLORS["axis"], 1))
    frame.x_labels([p["month"][2:] for p in series], every=3 if len(series) > 12 else 1)
    frame.legend(
        [
            ("Vendor (labor + fee)", COLORS["vendor"], ""),
            ("Overhead", COLORS["overhead"], ""),
            ("One-time", COLORS["one_time"], ""),
            ("Credits", COLORS["credit"], ""),
        ]
    )
    return chart


def service_level_chart(report_group: dict[str, Any], title: str = "Uptime and SLA attainment") -> Chart:
    """Uptime and ticket attainment of both models over the months."""
    chart = Chart(title)
    lines = []
    for model in ("staff_aug", "managed"):
        series = (report_group.get(model) or {}).get("series") or []
        for key, dash in (("uptime_pct", ""), ("resolution_met_pct", "5,3"), ("response_met_pct", "1,3")):
            lines.append((model, key, dash, [_d(p.get(key)) for p in series]))
    months = (report_group.get("staff_aug") or report_group.get("managed") or {}).get("series") or []
    values = [v for *_, points in lines for v in points if v is not None]
    low = min(values, default=90.0)
    y_min = max(0.0, float(int(low // 5) * 5) - (5 if low % 5 == 0 else 0))
    frame = _Frame(chart, len(months), min(y_min, 95.0), 100.0)
    frame.axes(fmt=lambda v: f"{v:.0f}%")
    for model, _key, dash, points in lines:
        run: list[tuple[float, float]] = []
        for i, value in enumerate(points + [None]):
            if value is None:
                if len(run) > 1:
                    chart.shapes.append(Path(run, COLORS[model], 2, dash))
                elif len(run) == 1:
                    x, y = run[0]
                    chart.shapes.append(Box(x - 2, y - 2, 4, 4, COLORS[model]))
                run = []
            else:
                run.append((frame.x(i), frame.y(value)))
    frame.x_labels([p["month"][2:] for p in months], every=3 if len(months) > 12 else 1)
    frame.legend(
        [
            ("Staff aug", COLORS["staff_aug"], ""),
            ("Managed", COLORS["managed"], ""),
            ("uptime", COLORS["axis"], ""),
            ("resolution met", COLORS["axis"], "5,3"),
            ("response met", COLORS["axis"], "1,3"),
        ]
    )
    return chart


# --- renderers ----------------------------------------------------------------------------


def to_svg(chart: Chart) -> str:
    """Render a chart as an inline SVG element."""
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width} {chart.height}" '
            f'class="chart" role="img" aria-label="{escape(chart.title)}"><title>{escape(chart.title)}</title>'
        )
    ]
    for shape in chart.shapes:
        if isinstance(shape, Box):
            parts.append(
                f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{max(shape.w, 0):.1f}" height="{max(shape.h, 0):.1f}" '
                f'fill="{shape.fill}" fill-opacity="{shape.opacity}"/>'
            )
        elif isinstance(shape, Path):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
            dash = f' stroke-dasharray="{shape.dash}"' if shape.dash else ""
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{shape.stroke}" stroke-width="{shape.width}"{dash}/>'
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
    from reportlab.graphics.shapes import Drawing, Group, PolyLine, Rect, String
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
        elif isinstance(shape, Label):
            anchor = {"start": "start", "middle": "middle", "end": "end"}[shape.anchor]
            group.add(
                String(
                    shape.x,
                    h - shape.y,
                    shape.text,
                    fontSize=shape.size,
                    textAnchor=anchor,
                    fillColor=HexColor(shape.fill),
                    fontName="Helvetica",
                )
            )
    group.scale(scale, scale)
    drawing = Drawing(chart.width * scale, chart.height * scale)
    drawing.add(group)
    return drawing


def report_charts(payload: dict[str, Any]) -> dict[str, Chart]:
    """Return the report's main charts (overall), keyed by name."""
    overall = payload["overall"]
    charts = {"cumulative": cumulative_chart(overall, "Cumulative cost by month of engagement (all service areas)")}
    for model, label in (("staff_aug", "Staff augmentation"), ("managed", "Managed service")):
        group = overall.get(model)
        if group:
            charts[f"stack_{model}"] = stacked_cost_chart(group["series"], f"{label}: monthly cost")
    charts["service_levels"] = service_level_chart(overall)
    return charts
