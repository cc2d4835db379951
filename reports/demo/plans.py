"""The plan of the demo's story: each service area's vendors, rates, growth, fees, services and checklist.

Staff augmentation is cheaper in months 1-6, then climbs with hours, extra
contractors and the management tax; the managed service is dearer up front
(onboarding and setup charges, internal onboarding time), breaks even in
months 6-12 and stays flat after. reports.demo.story records it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sla.services.policies import CreditTierSpec, PriorityTargetSpec

TARGETS: list[PriorityTargetSpec] = [
    {"priority": "P1", "response_minutes": 15, "resolution_minutes": 240},
    {"priority": "P2", "response_minutes": 30, "resolution_minutes": 480},
    {"priority": "P3", "response_minutes": 240, "resolution_minutes": 1440},
    {"priority": "P4", "response_minutes": 480, "resolution_minutes": 4320},
]
TIERS: list[CreditTierSpec] = [
    {"below_pct": Decimal("99.900"), "credit_pct": Decimal("10.000")},
    {"below_pct": Decimal("99.000"), "credit_pct": Decimal("25.000")},
    {"below_pct": Decimal("95.000"), "credit_pct": Decimal("100.000")},
]


@dataclass(frozen=True)
class AreaPlan:
    """The parameters of one service area's story."""

    name: str
    staff_vendor: str
    msp_vendor: str
    rates: tuple[int, ...]
    base_hours: int
    hours_growth: Decimal
    joins: tuple[tuple[int, int], ...]
    supervision: Decimal
    supervision_growth: Decimal
    fee: int
    onboarding: int
    setup: int
    tickets: int = 0
    services: tuple[tuple[str, int], ...] = ()
    milestones: bool = False
    msp_currency: str = "USD"
    checklist: dict[str, bool] = field(default_factory=dict)


PLANS = (
    AreaPlan(
        name="Cloud infrastructure",
        staff_vendor="Northwind Talent",
        msp_vendor="Stratus Managed Cloud",
        rates=(105, 98, 92),
        base_hours=110,
        hours_growth=Decimal(4),
        joins=((7, 100), (13, 95)),
        supervision=Decimal(14),
        supervision_growth=Decimal(2),
        fee=36000,
        onboarding=40000,
        setup=12000,
        tickets=45,
        services=(("Compute platform", 6000), ("Object storage", 2500)),
        checklist={
            "short_term": False,
            "offload_downtime_risk": True,
            "predictable_cost": True,
            "internal_manager": True,
            "specific_skill_short": False,
        },
    ),
    AreaPlan(
        name="Security monitoring",
        staff_vendor="Blue Ridge Staffing",
        msp_vendor="Sentinel SOC Services",
        rates=(95, 88),
        base_hours=120,
        hours_growth=Decimal("3.5"),
        joins=((9, 90),),
        supervision=Decimal(10),
        supervision_growth=Decimal("1.6"),
        fee=19500,
        onboarding=24000,
        setup=7500,
        tickets=35,
        services=(("SIEM", 3000),),
        msp_currency="EUR",
        checklist={
            "short_term": False,
            "offload_downtime_risk": True,
            "predictable_cost": True,
            "internal_manager": False,
            "specific_skill_short": False,
        },
    ),
    AreaPlan(
        name="ERP migration",
        staff_vendor="Keystone Consultants",
        msp_vendor="Atlas ERP Services",
        rates=(115, 110, 100, 96),
        base_hours=100,
        hours_growth=Decimal("4.5"),
        joins=((8, 105),),
        supervision=Decimal(16),
        supervision_growth=Decimal("2.2"),
        fee=52000,
        onboarding=60000,
        setup=20000,
        tickets=12,
        milestones=True,
        checklist={
            "short_term": True,
            "offload_downtime_risk": False,
            "predictable_cost": False,
            "internal_manager": True,
            "specific_skill_short": True,
        },
    ),
)
