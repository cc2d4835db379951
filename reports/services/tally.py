"""Sums of snapshot figures over a group of engagement-months, in one currency."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kernel.money import exact, round_pct, to_cents

ZERO = Decimal("0.00")
CONVERTED = ("labor_cost", "overhead_cost", "fee_cost", "one_time_cost", "credit", "downtime_impact")
SUMMED_MONEY = (*CONVERTED, "total_cost", "vendor_cost")
SUMMED_COUNTS = (
    "hours",
    "overhead_hours",
    "downtime_hours",
    "tickets_opened",
    "tickets_resolved",
    "backlog",
    "breaches",
    "breached_tickets",
    "response_breaches",
    "resolution_breaches",
    "response_met",
    "response_measured",
    "resolution_met",
    "resolution_measured",
    "milestones_due",
    "milestones_on_time",
)


def convert_row(row: dict[str, Any], rate: Decimal | None) -> dict[str, Decimal]:
    """Return a snapshot's money in the report currency: each line converted and rounded, totals rebuilt.

    rate None means the row is already in the report currency.
    """
    if rate is None:
        lines = {name: row[name] for name in CONVERTED}
    else:
        lines = {name: to_cents(row[name] * rate) for name in CONVERTED}
    total = lines["labor_cost"] + lines["overhead_cost"] + lines["fee_cost"] + lines["one_time_cost"] - lines["credit"]
    return {**lines, "total_cost": total, "vendor_cost": total - lines["overhead_cost"]}


@dataclass
class Tally:
    """Running sums of one group (a model, a service area...) in one month or over several."""

    engagements: set[int] = field(default_factory=set)
    sums: dict[str, Decimal] = field(default_factory=dict)
    uptime_weighted: Decimal = Decimal(0)
    services: int = 0
    mttr_weighted: Decimal = Decimal(0)
    mttr_count: int = 0

    def add(self, row: dict[str, Any], money: dict[str, Decimal]) -> None:
        """Add one snapshot (its money already converted)."""
        self.engagements.add(row["engagement_id"])
        for name in SUMMED_MONEY:
            self.sums[name] = self.sums.get(name, ZERO) + money[name]
        for name in SUMMED_COUNTS:
            self.sums[name] = self.sums.get(name, Decimal(0)) + Decimal(row[name] or 0)
        # Uptime is weighted by the services behind each engagement's mean,
        # mean time to resolve by the tickets it was measured on.
        if row["uptime_pct"] is not None and row["services_monitored"]:
            self.uptime_weighted += row["uptime_pct"] * row["services_monitored"]
            self.services += row["services_monitored"]
        if row["mttr_hours"] is not None and row["tickets_resolved"]:
            self.mttr_weighted += row["mttr_hours"] * row["tickets_resolved"]
            self.mttr_count += row["tickets_resolved"]

    def get(self, name: str) -> Decimal:
        """Return a sum (0 when nothing was added)."""
        return self.sums.get(name, ZERO if name in SUMMED_MONEY else Decimal(0))

    @property
    def total_cost(self) -> Decimal:
        return self.get("total_cost")

    @property
    def has_data(self) -> bool:
        return bool(self.engagements)

    def _ratio_pct(self, part: str, whole: str) -> Decimal | None:
        denominator = self.get(whole)
        if not denominator:
            return None
        with exact():
            return round_pct(self.get(part) * 100 / denominator)

    def uptime_pct(self) -> Decimal | None:
        if not self.services:
            return None
        with exact():
            return round_pct(self.uptime_weighted / self.services)

    def figures(self) -> dict[str, Any]:
        """Return the group's figures as JSON-ready strings and ints."""
        resolved = int(self.get("tickets_resolved"))
        with exact():
            per_ticket = to_cents(self.total_cost / resolved) if resolved else None
            mttr = (
                (self.mttr_weighted / self.mttr_count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                if self.mttr_count
                else None
            )
        figures: dict[str, Any] = {"engagements": len(self.engagements)}
        for name in SUMMED_MONEY:
            figures[name] = str(self.get(name))
        for name in ("hours", "overhead_hours", "downtime_hours"):
            figures[name] = str(self.get(name).quantize(Decimal("0.01")))
        for name in SUMMED_COUNTS[3:]:
            figures[name] = int(self.get(name))
        figures.update(
            overhead_ratio=_s(self._ratio_pct("overhead_cost", "vendor_cost")),
            response_met_pct=_s(self._ratio_pct("response_met", "response_measured")),
            resolution_met_pct=_s(self._ratio_pct("resolution_met", "resolution_measured")),
            uptime_pct=_s(self.uptime_pct()),
            mttr_hours=_s(mttr),
            cost_per_resolved_ticket=_s(per_ticket),
        )
        return figures


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
