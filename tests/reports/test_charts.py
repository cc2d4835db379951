"""The charts tell the truth: shared scales, exact tick labels, fitted percentage axes, every point drawn."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from reports import charts
from reports.charts import Dot, Label, money_scale, money_tick, nice_step, pct_scale, pct_tick


def _point(month: str, total: str | None, credit: str = "0", uptime: str | None = None) -> dict[str, Any]:
    if total is None:
        return {"month": month, "has_data": False}
    return {
        "month": month,
        "has_data": True,
        "vendor": total,
        "overhead": "0",
        "one_time": "0",
        "credit": credit,
        "total": str(Decimal(total) - Decimal(credit)),
        "uptime_pct": uptime,
        "response_met_pct": "90.000",
        "resolution_met_pct": "80.000",
    }


def _payload(staff: list[str | None], managed: list[str | None]) -> dict[str, Any]:
    months = [f"2026-{m:02d}" for m in range(1, len(staff) + 1)]

    def group(totals: list[str | None], uptime: str | None) -> dict[str, Any]:
        known = [Decimal(t) for t in totals if t is not None]
        running, cumulative = Decimal(0), []
        for value in known:
            running += value
            cumulative.append(str(running))
        return {
            "series": [_point(m, t, uptime=uptime) for m, t in zip(months, totals, strict=True)],
            "cumulative": cumulative,
        }

    return {
        "currency": "USD",
        "overall": {"staff_aug": group(staff, "99.660"), "managed": group(managed, "99.950"), "break_even_month": None},
    }


@pytest.mark.parametrize(
    ("span", "step"),
    [
        (Decimal(5), Decimal(1)),
        (Decimal(9), Decimal(2)),
        (Decimal(12), Decimal("2.5")),
        (Decimal(1_250_000), Decimal(250_000)),
        (Decimal(480_000), Decimal(100_000)),
        (Decimal("0.4"), Decimal("0.1")),
        (Decimal(0), Decimal(1)),
    ],
)
def test_steps_are_1_2_2point5_or_5_times_a_power_of_ten(span: Decimal, step: Decimal) -> None:
    assert nice_step(span) == step


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (1_250_000, "1.25M"),
        (2_500, "2.5k"),
        (2_000, "2k"),
        (500_000, "500k"),
        (0, "0"),
        (250, "250"),
        (-100_000, "-100k"),
        (Decimal("0.5"), "0.5"),
    ],
)
def test_money_ticks_are_labelled_exactly(value: Any, label: str) -> None:
    assert money_tick(value) == label


def test_percentage_ticks_are_labelled_exactly() -> None:
    assert pct_tick(Decimal("99.75")) == "99.75%"
    assert pct_tick(Decimal("100.0")) == "100%"


def test_a_money_scale_starts_at_zero_covers_the_data_and_steps_evenly() -> None:
    scale = money_scale([1_180_000.0, 310_000.0])
    assert scale.ticks[0] == 0 and scale.high >= 1_180_000
    steps = {b - a for a, b in zip(scale.ticks, scale.ticks[1:], strict=False)}
    assert len(steps) == 1
    assert [money_tick(t) for t in scale.ticks] == ["0", "250k", "500k", "750k", "1M", "1.25M"]


def test_credits_below_zero_extend_the_scale_downwards() -> None:
    scale = money_scale([40_000.0, -3_000.0])
    assert scale.low < 0 <= scale.high


def test_an_empty_money_scale_still_has_an_axis() -> None:
    assert money_scale([]).ticks == (
        Decimal(0),
        Decimal("0.2"),
        Decimal("0.4"),
        Decimal("0.6"),
        Decimal("0.8"),
        Decimal(1),
    )


def test_uptime_axes_are_fitted_near_100_percent() -> None:
    scale = pct_scale([99.66, 99.95])
    assert 99 <= scale.low < 99.66 and 99.95 <= scale.high <= 100
    assert [pct_tick(t) for t in scale.ticks][-1] == "100%"


def test_equal_percentages_get_a_half_point_window_and_no_data_gets_0_to_100() -> None:
    scale = pct_scale([100.0, 100.0])
    assert scale.high == 100 and scale.low >= 99.5
    assert (pct_scale([]).low, pct_scale([]).high) == (0, 100)


def test_the_monthly_cost_charts_of_both_models_share_one_scale() -> None:
    # Staff aug costs 2.2 times the managed service: on one scale its bars are 2.2 times as tall.
    drawn = charts.report_charts(_payload(["220000"] * 3, ["100000"] * 3))
    staff, managed = drawn["stack_staff_aug"], drawn["stack_managed"]

    def axis(chart: charts.Chart) -> list[str]:
        return [s.text for s in chart.shapes if isinstance(s, Label) and s.x == charts.LEFT - 6]

    assert axis(staff) == axis(managed)
    heights = [max(s.h for s in c.shapes if isinstance(s, charts.Box) and s.title) for c in (staff, managed)]
    assert heights[0] / heights[1] == pytest.approx(2.2)


def test_a_one_month_series_draws_a_marker_with_its_value() -> None:
    chart = charts.cumulative_chart(_payload(["4192.50"], ["6340.00"])["overall"], currency="USD")
    dots = [s for s in chart.shapes if isinstance(s, Dot)]
    assert len(dots) == 2
    svg = charts.to_svg(chart)
    assert "<circle" in svg and "<title>Staff augmentation, month 1: USD 4,192.50</title>" in svg


def test_the_break_even_month_is_marked_and_the_bars_say_their_parts() -> None:
    group = {**_payload(["1", "2", "3"], ["2", "1", "1"])["overall"], "break_even_month": 2}
    chart = charts.cumulative_chart(group, currency="USD")
    assert "break-even: month 2" in [s.text for s in chart.shapes if isinstance(s, Label)]
    bars = charts.to_svg(charts.stacked_cost_chart(group["staff_aug"]["series"], "Cost", "USD"))
    assert "<title>Jan 2026: total USD 1.00 (vendor 1.00, overhead 0.00, one-time 0.00, credits 0.00)</title>" in bars


def test_leading_months_without_data_are_left_out() -> None:
    staff: list[str | None] = [None] * 6 + ["100"] * 3
    managed: list[str | None] = [None] * 7 + ["50"] * 2
    chart = charts.report_charts(_payload(staff, managed))["stack_staff_aug"]
    assert chart.rows[0][0] == "Jul 2026" and len(chart.rows) == 3
    labels = [s.text for s in chart.shapes if isinstance(s, Label) and s.anchor == "middle"]
    assert labels[0] == "Jul 2026"


def test_text_is_at_least_11_px_and_every_chart_has_its_data_table() -> None:
    drawn = charts.report_charts(_payload(["220000", "230000"], ["100000", "90000"]))
    assert set(drawn) == {"cumulative", "stack_staff_aug", "stack_managed", "uptime", "service_levels"}
    for chart in drawn.values():
        assert all(s.size >= 11 for s in chart.shapes if isinstance(s, Label))
        assert chart.columns and chart.rows
        assert f'style="max-width:{chart.width}px"' in charts.to_svg(chart)


def test_uptime_has_its_own_chart_with_two_decimals() -> None:
    chart = charts.report_charts(_payload(["1"], ["1"]))["uptime"]
    assert chart.rows == [["Jan 2026", "99.66%", "99.95%"]]
    ticks = [s.text for s in chart.shapes if isinstance(s, Label) and s.anchor == "end"]
    assert ticks[-1] == "100%" and all(t.startswith("99") or t == "100%" for t in ticks)


def test_titles_are_escaped_and_the_pdf_draws_the_same_shapes() -> None:
    chart = charts.cumulative_chart(_payload(["1", "2"], ["1", "1"])["overall"], "<b>Help & desk</b>")
    assert "&lt;b&gt;Help &amp; desk&lt;/b&gt;" in charts.to_svg(chart)
    drawing = charts.to_drawing(chart, 0.5)
    assert drawing.width == chart.width * 0.5
    assert len(drawing.contents[0].contents) == len(chart.shapes)


def test_a_chart_without_data_draws_axes_and_no_table() -> None:
    chart = charts.cumulative_chart({"staff_aug": None, "managed": None})
    assert chart.rows == []
    assert charts.first_month_with_data() == 0
