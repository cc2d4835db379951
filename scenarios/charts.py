"""The scenario chart: the plans' cumulative cost on one scale, the phase bands, the break-even and the band.

Drawn with the report's shapes (reports.charts), so the page renders it as
inline SVG and the PDF as a reportlab drawing.
"""

from __future__ import annotations

import math
from decimal import Decimal

from reports.charts import COLORS, PHASE_BANDS, Box, Chart, Label, Path
from scenarios.projection import CURRENT, HYBRID, MANAGED, PLAN_LABELS, STAFF_AUG, Projection, cumulative

# Shown at most at its own size, and on a narrow screen never below MIN_WIDTH (templates/scenarios/_style.html:
# it scrolls sideways in its own box), so its text is FONT px on a desktop and at least 11 px on a phone.
WIDTH, HEIGHT = 820, 400
MIN_WIDTH = 660
FONT = 14
LEFT, RIGHT, TOP, BOTTOM = 66, 18, 38, 92
CHAR = 0.6 * FONT  # the width of an average character of the legend, to wrap it
PLAN_COLORS = {STAFF_AUG: COLORS["staff_aug"], MANAGED: COLORS["managed"], HYBRID: "#8a63b8", CURRENT: "#777777"}
BAND = "#f7dcc0"


def _scale(value: float) -> tuple[float, int]:
    """Return a tick step of 1, 2, 2.5 or 5 x 10^k giving at most 5 ticks up to value, and the tick count."""
    if value <= 0:
        return 1.0, 1
    raw = value / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step, max(math.ceil(value / step - 1e-9), 1)


def _money(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if abs(value) >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:.0f}"


class _Frame:
    def __init__(self, count: int, top_value: float) -> None:
        self.count, self.top = count, top_value
        self.plot_w, self.plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def slot(self) -> float:
        return self.plot_w / self.count

    def x(self, index: int) -> float:
        return LEFT + (index + 0.5) * self.slot()

    def y(self, value: Decimal | float) -> float:
        return TOP + self.plot_h * (1 - float(value) / self.top)


def scenario_chart(projection: Projection, chosen: str, title: str) -> Chart:
    """Return the cumulative cost of the current plan and the three plans over 24 months."""
    chart = Chart(title, width=WIDTH, height=HEIGHT)
    shapes = chart.shapes
    plans = {key: plan for key, plan in projection.plans.items() if plan.available}
    staff = plans.get(STAFF_AUG)
    high = cumulative(staff.band_high) if staff and staff.band_high else []
    low = cumulative(staff.band_low) if staff and staff.band_low else []
    values = [v for plan in [projection.current, *plans.values()] for v in plan.cumulative] + high
    count = len(projection.months)
    step, ticks = _scale(float(max(values + [Decimal(0)])))
    frame = _Frame(count, step * ticks)
    for i, (label, first, last) in enumerate(PHASE_BANDS):
        x0, x1 = LEFT + (first - 1) * frame.slot(), LEFT + last * frame.slot()
        shapes.append(Box(x0, TOP, x1 - x0, frame.plot_h, COLORS["band" if i % 2 == 0 else "band_alt"]))
        shapes.append(Label((x0 + x1) / 2, TOP - 12, label, FONT, "middle"))
    for i, (lo, hi) in enumerate(zip(low, high, strict=True)):
        if hi > lo:
            width = frame.slot() * 0.7
            shapes.append(Box(frame.x(i) - width / 2, frame.y(hi), width, frame.y(lo) - frame.y(hi), BAND))
    for i in range(ticks + 1):
        value = step * i
        y = frame.y(value)
        shapes.append(Path([(LEFT, y), (WIDTH - RIGHT, y)], COLORS["grid"], 0.5))
        shapes.append(Label(LEFT - 6, y + 5, _money(value), FONT, "end"))
    bottom = TOP + frame.plot_h
    shapes.append(Path([(LEFT, TOP), (LEFT, bottom), (WIDTH - RIGHT, bottom)], COLORS["axis"], 1))
    lines = [(CURRENT, projection.current.cumulative, "5,4")] + [(k, p.cumulative, "") for k, p in plans.items()]
    for key, series, dash in lines:
        width = 3.0 if key == chosen else 2.0
        shapes.append(Path([(frame.x(i), frame.y(v)) for i, v in enumerate(series)], PLAN_COLORS[key], width, dash))
    month = plans[chosen].break_even_month if chosen in plans else None
    if month:
        x = frame.x(month - 1)
        shapes.append(Path([(x, TOP), (x, bottom)], COLORS["marker"], 1.5, "4,3"))
        text = f"break-even: month {month}"
        # Late in the 24 months the label goes left of the marker, so it stays inside the chart.
        right = x + 4 + CHAR * len(text) <= WIDTH - RIGHT
        shapes.append(
            Label(x + 4 if right else x - 4, TOP + 18, text, FONT, "start" if right else "end", COLORS["marker"])
        )
    for i in range(count):
        if i % 3 == 0 or i == count - 1:
            shapes.append(Label(frame.x(i), bottom + 18, str(i + 1), FONT, "middle"))
    band = [("Staff-aug band", BAND, "")] if high else []
    _legend(chart, [(PLAN_LABELS[k], PLAN_COLORS[k], d) for k, _, d in lines] + band)
    return chart


def _legend(chart: Chart, items: list[tuple[str, str, str]]) -> None:
    """Draw the legend under the month numbers, wrapping to a second row when a row is full."""
    x: float = LEFT
    y = HEIGHT - BOTTOM + 50
    for text, color, dash in items:
        width = 30 + CHAR * len(text)
        if x > LEFT and x + width > WIDTH - RIGHT:
            x, y = LEFT, y + FONT + 8
        chart.shapes.append(Path([(x, y - 4), (x + 18, y - 4)], color, 4, dash))
        chart.shapes.append(Label(x + 22, y, text, FONT))
        x += width
