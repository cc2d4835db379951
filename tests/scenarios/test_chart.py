"""The scenario chart's text: a readable size everywhere, and labels inside the drawing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from reports.charts import Label
from scenarios.charts import FONT, MIN_WIDTH, RIGHT, WIDTH, scenario_chart
from scenarios.projection import MANAGED, Quote, Realized, project

D = Decimal
REALIZED = Realized(
    base_month=dt.date(2026, 6, 1),
    history_hours=tuple(D(h) for h in (100, 110, 120, 130, 140, 150)),
    mean_rate=D("100.00"),
    staff_overhead_pct=D("12.000"),
)


def _labels(quote: Quote) -> list[Label]:
    chart = scenario_chart(project(REALIZED, quote), MANAGED, "t")
    return [shape for shape in chart.shapes if isinstance(shape, Label)]


def test_every_text_is_at_least_11_px_at_the_narrowest_width_the_page_draws_it() -> None:
    labels = _labels(Quote(start_month=dt.date(2026, 7, 1), managed_fee=D("9000.00"), onboarding_months=2))
    assert {label.size for label in labels} == {FONT}
    assert FONT * MIN_WIDTH / WIDTH >= 11
    assert any(label.text == "break-even: month 3" and label.anchor == "start" for label in labels)


def test_a_late_break_even_label_stays_inside_the_chart() -> None:
    # A dear onboarding: 200,000.00 in month 1, then 20,000.00 a month against (150 + 10t) h x 112.00: the plan
    # catches up only in month 22 (cumulative 15,040.00 below the current plan).
    quote = Quote(
        start_month=dt.date(2026, 7, 1),
        managed_fee=D("20000.00"),
        onboarding_charges=D("200000.00"),
        onboarding_months=1,
    )
    (marker,) = [label for label in _labels(quote) if label.text.startswith("break-even")]
    month = int(marker.text.rsplit(" ", 1)[1])
    assert month == 22 and marker.anchor == "end" and marker.x < WIDTH - RIGHT


def test_the_band_is_in_the_legend_only_when_there_is_a_staff_aug_plan() -> None:
    quote = Quote(start_month=dt.date(2026, 7, 1), managed_fee=D("9000.00"))
    assert "Staff-aug band" in {label.text for label in _labels(quote)}
    managed_only = Realized(base_month=dt.date(2026, 6, 1), current_managed=D("6000.00"))
    chart = scenario_chart(project(managed_only, quote), MANAGED, "t")
    texts = {shape.text for shape in chart.shapes if isinstance(shape, Label)}
    assert "Staff-aug band" not in texts and "Staff augmentation" not in texts and "Managed service" in texts
