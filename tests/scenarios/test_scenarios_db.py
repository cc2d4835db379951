"""Realized inputs from stored snapshots, the scenario's rules and its services, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import ExchangeRate, Period
from engagements.models import DeliveryModel
from scenarios.models import Scenario
from scenarios.presentation import present, projection_of
from scenarios.selectors import realized_inputs
from scenarios.services import scenario_create, scenario_delete, scenario_update
from tests.factories import EngagementFactory, ServiceAreaFactory, UserFactory
from tests.scenarios.conftest import snapshot

pytestmark = pytest.mark.django_db
D = Decimal
MONTHS = [dt.date(2026, m, 1) for m in range(1, 7)]
JULY = dt.date(2026, 7, 1)


@pytest.fixture
def help_desk():
    """The issue's area: 100, 110, ..., 150 h at 100.00/h with 12% overhead; elsewhere a managed service at 5%."""
    area = ServiceAreaFactory(name="Help desk")
    staff = EngagementFactory(service_area=area, model=DeliveryModel.STAFF_AUG)
    for month, hours in zip(MONTHS, range(100, 160, 10), strict=True):
        labor = D(hours * 100)
        snapshot(staff, month, hours=hours, labor_cost=labor, overhead_cost=labor * D("0.12"))
    cloud = ServiceAreaFactory(name="Cloud")
    msp = EngagementFactory(service_area=cloud, model=DeliveryModel.MANAGED)
    for month in MONTHS:
        snapshot(msp, month, fee_cost=D("10000.00"), overhead_cost=D("490.00"), credit=D("200.00"))
    return area


def test_the_realized_inputs_are_drawn_from_the_snapshots(help_desk, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(1):
        drawn = realized_inputs(help_desk.pk, JULY)
    realized = drawn.realized
    assert realized.base_month == dt.date(2026, 6, 1)
    assert realized.history_hours == tuple(D(h) for h in range(100, 160, 10))
    assert realized.mean_rate == D("100.00")
    assert realized.staff_overhead_pct == D("12.000")
    # 490.00 / (10,000.00 - 200.00) = 5%.
    assert realized.managed_overhead_pct == D("5.000")
    assert drawn.credit_pct == D("2.000")
    assert realized.current_managed == 0 and drawn.area_models == ["staff_aug"]


def test_a_saved_scenario_projects_the_issue_figures_to_the_cent(help_desk) -> None:
    author = UserFactory()
    scenario = scenario_create(
        author=author,
        service_area=help_desk,
        name="Help desk managed",
        start_month=JULY,
        managed_fee=D("9000.00"),
        onboarding_charges=D("10000.00"),
        onboarding_months=2,
        credit_pct=D("2.000"),
        hours_kept_pct=D("30.000"),
    )
    scenario = Scenario.objects.get(pk=scenario.pk)
    projection = projection_of(scenario)
    assert projection.plans["staff_aug"].monthly[0] == D("17920.00")
    managed, hybrid = projection.plans["managed"], projection.plans["hybrid"]
    assert managed.phases == {"m1_6": D("84040.00"), "m7_12": D("55620.00"), "m13_24": D("111240.00")}
    assert managed.break_even_month == 3
    assert hybrid.phases == {"m1_6": D("110248.00"), "m7_12": D("105012.00"), "m13_24": D("246312.00")}
    assert hybrid.break_even_month == 4
    assert scenario.author == author


def test_foreign_currencies_are_converted_and_a_missing_rate_is_said(help_desk) -> None:
    area = ServiceAreaFactory(name="ERP")
    euro = EngagementFactory(service_area=area, model=DeliveryModel.STAFF_AUG, currency="EUR")
    for month in MONTHS:
        snapshot(euro, month, hours=10, labor_cost=D("1000.00"))
    for month in MONTHS[:-1]:
        ExchangeRate.objects.create(month=month, currency="EUR", rate_to_base=D("1.10000000"))
    drawn = realized_inputs(area.pk, JULY)
    assert drawn.realized.history_hours == (D("10.00"),) * 5
    assert drawn.realized.mean_rate == D("110.00")
    assert drawn.notes == ["No EUR exchange rate for June 2026: its EUR engagements are left out."]


def test_inputs_out_of_range_are_refused_with_their_messages(help_desk) -> None:
    with pytest.raises(ValidationError) as caught:
        scenario_create(
            service_area=help_desk,
            name="Bad",
            start_month=JULY,
            managed_fee=D("-1.00"),
            onboarding_months=13,
            credit_pct=D("100.001"),
            hours_kept_pct=D("-0.001"),
            managed_overhead_pct=D("101"),
            one_time_costs=D("-5"),
        )
    errors = caught.value.message_dict
    assert errors["managed_fee"] == ["Enter an amount of 0 or more."]
    assert errors["onboarding_months"] == ["Enter an onboarding length of 0 to 12 months."]
    for name in ("credit_pct", "hours_kept_pct", "managed_overhead_pct"):
        assert errors[name] == ["Enter a percentage from 0 to 100."]
    assert errors["one_time_costs"] == ["Enter an amount of 0 or more."]


def test_a_start_in_a_closed_month_is_refused(help_desk) -> None:
    Period.objects.create(month=JULY, closed=True, closed_at=timezone.now())
    with pytest.raises(ValidationError) as caught:
        scenario_create(service_area=help_desk, name="Late", start_month=dt.date(2026, 7, 15), managed_fee=D(1))
    assert caught.value.message_dict["start_month"] == ["July 2026 is closed: start the scenario in an open month."]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("credit_pct", D("101")),
        ("hours_kept_pct", D("-1")),
        ("managed_overhead_pct", D("100.5")),
        ("onboarding_months", 13),
        ("managed_fee", D("-1")),
        ("start_month", dt.date(2026, 7, 2)),
        ("chosen_plan", "other"),
    ],
)
def test_the_database_refuses_what_the_rules_refuse(help_desk, field, value) -> None:
    scenario = scenario_create(service_area=help_desk, name="S", start_month=JULY, managed_fee=D(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Scenario.objects.filter(pk=scenario.pk).update(**{field: value})


def test_only_the_author_or_operations_change_or_delete(help_desk, leadership_user, operations_user) -> None:
    other = UserFactory(username="other-leader")
    other.groups.set(leadership_user.groups.all())
    scenario = scenario_create(
        author=leadership_user, service_area=help_desk, name="S", start_month=JULY, managed_fee=D(1)
    )
    with pytest.raises(PermissionDenied):
        scenario_update(scenario=scenario, user=other, name="Mine now")
    scenario_update(scenario=scenario, user=leadership_user, name="Renamed")
    scenario_update(scenario=scenario, user=operations_user, managed_fee=D(2))
    with pytest.raises(PermissionDenied):
        scenario_delete(scenario=scenario, user=other)
    scenario_delete(scenario=scenario, user=operations_user)
    assert not Scenario.objects.exists()


def test_the_realized_inputs_are_kept_until_the_area_or_start_changes(help_desk) -> None:
    scenario = scenario_create(service_area=help_desk, name="S", start_month=JULY, managed_fee=D(1))
    kept = dict(scenario.realized)
    snapshot(EngagementFactory(service_area=help_desk), dt.date(2026, 6, 1), hours=1000, labor_cost=D("1.00"))
    scenario = scenario_update(scenario=scenario, name="Renamed", managed_fee=D(5))
    assert scenario.realized == kept
    scenario = scenario_update(scenario=scenario, start_month=dt.date(2026, 8, 1))
    assert scenario.realized["start_month"] == "2026-08-01" and scenario.realized != kept


def test_hindsight_of_a_scenario_in_the_past(help_desk) -> None:
    staff = help_desk.engagements.get()
    for month in (JULY, dt.date(2026, 8, 1)):
        snapshot(staff, month, hours=100, labor_cost=D("17000.00"))
    scenario = scenario_create(
        service_area=help_desk, name="S", start_month=JULY, managed_fee=D("9000.00"), chosen_plan="staff_aug"
    )
    view = present(scenario, [D("17000.00"), D("17000.00")])
    assert [row.error for row in view.hindsight] == [D("920.00"), D("2960.00")]
    assert view.hindsight[-1].error_pct == D("8.706")


def test_an_area_with_scenarios_is_not_deleted_under_them(help_desk) -> None:
    from engagements.services.engagements import service_area_delete

    scenario_create(service_area=ServiceAreaFactory(name="Empty"), name="S", start_month=JULY, managed_fee=D(1))
    with pytest.raises(ValidationError, match="cannot be deleted while it has scenarios"):
        service_area_delete(area=Scenario.objects.get().service_area)


@pytest.mark.parametrize("start", [dt.date(1990, 1, 1), dt.date(2099, 1, 1)])
def test_a_start_month_the_data_cannot_speak_for_is_refused(help_desk, start) -> None:
    """QA C3: 1990-01 and 2099-01 were saved and projected as if they followed the data."""
    with pytest.raises(ValidationError) as caught:
        scenario_create(service_area=help_desk, name="Far", start_month=start, managed_fee=D(1))
    (message,) = caught.value.message_dict["start_month"]
    assert message.startswith("Start the scenario between ") and "hindsight covers at most 24 months" in message
    assert not Scenario.objects.exists()
