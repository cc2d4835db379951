"""Scenario pages: the list per area, the "What if..." form, a scenario's result, its CSV and PDF."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from kernel.money import ZERO
from kernel.months import add_months, current_month
from reports.charts import to_svg
from reports.views import report_reader_required
from scenarios.charts import scenario_chart
from scenarios.exports import scenario_csv, scenario_pdf
from scenarios.forms import ScenarioForm
from scenarios.models import Scenario
from scenarios.presentation import Presented, money, pct, present
from scenarios.projection import MANAGED, PLAN_LABELS, STAFF_AUG
from scenarios.selectors import (
    Drawn,
    actual_costs,
    actual_months,
    last_complete_month,
    realized_inputs,
    scenarios_of,
    service_areas,
)
from scenarios.services import INPUT_FIELDS, may_change, scenario_create, scenario_delete, scenario_update

ADD_SCENARIO = "scenarios.add_scenario"


def _scenario(pk: int) -> Scenario:
    scenario = scenarios_of().filter(pk=pk).first()
    if scenario is None:
        raise Http404("No such scenario.")
    return scenario


def _presented(scenario: Scenario) -> Presented:
    until = last_complete_month()
    costs = actual_costs([scenario.service_area_id], scenario.start_month, until).get(scenario.service_area_id, {})
    return present(scenario, actual_months(scenario, costs, until))


# The largest id a primary key column holds on both databases (a hand-edited link may carry any digits).
MAX_ID = 2**63 - 1


def _area_id(request: HttpRequest) -> int | None:
    """Return ?area=<id> as an id, or None when it is not one (never a server error for a bad link)."""
    raw = request.GET.get("area", "")
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


@require_GET
@report_reader_required
def scenario_list(request: HttpRequest) -> HttpResponse:
    """List the saved scenarios per service area (or of one area with ?area=<id>)."""
    area_id = _area_id(request)
    areas: dict[str, list[dict[str, Any]]] = {}
    for scenario in scenarios_of(area_id):
        view = present(scenario)
        # Names drafted before carried "from <month>" already: the list does not say it twice.
        month_in_name = f"{scenario.start_month:%B %Y}" in scenario.name
        areas.setdefault(scenario.service_area.name, []).append(
            {"scenario": scenario, "sentence": view.sentence, "month_in_name": month_in_name}
        )
    return render(
        request,
        "scenarios/list.html",
        {"areas": areas, "area_id": area_id, "can_add": request.user.has_perm(ADD_SCENARIO)},
    )


def _fee_estimate(drawn: Drawn, month: str) -> tuple[Decimal | None, str]:
    """Return the managed fee to prefill and the help text that says what it is and what to replace it with.

    A provider taking the area over replaces today's managed fee and the
    staff-aug vendor cost: prefilling today's fee alone (a hybrid area) would
    make the staff-aug work look free.
    """
    currency = drawn.realized.currency
    fee, staff = drawn.managed_fee, drawn.staff_vendor_cost
    if staff is None:
        if fee is None:
            return None, "No cost last month to estimate from: enter the provider's quote for the whole area."
        return fee.quantize(Decimal("1")), (
            f"Today's managed fee ({money(fee, currency)} in {month}, the provider's fee only): "
            "replace it with the new quote."
        )
    parts = ([f"today's managed fee {money(fee, currency)}"] if fee is not None else []) + [
        f"the staff-aug vendor cost it takes over {money(staff, currency)}"
    ]
    total = (fee or ZERO) + staff
    return total.quantize(Decimal("1")), (
        f"Estimate, replace it with the provider's quote for the whole area: {' + '.join(parts)} in {month}"
        + (f" = {money(total, currency)}." if fee is not None else ".")
    )


def _chosen_default(drawn: Drawn) -> str:
    """Default to the model the area does not run: staff aug for a managed-only area with hours to project."""
    if drawn.area_models == [MANAGED] and drawn.realized.history_hours:
        return STAFF_AUG
    return MANAGED


def _initial(area_id: int | None) -> tuple[dict[str, Any], list[tuple[str, str]], str, str]:
    """Return the form's first values from the area's realized data, the figures behind them, the area, the fee help."""
    start = add_months(current_month(), 1)
    initial: dict[str, Any] = {"start_month": start, "chosen_plan": MANAGED}
    area = service_areas().filter(pk=area_id).first() if area_id else None
    if area is None:
        return initial, [], "", ""
    drawn = realized_inputs(area.pk, start)
    realized, currency = drawn.realized, drawn.realized.currency
    base = f"{realized.base_month:%B %Y}"
    fee, fee_help = _fee_estimate(drawn, base)
    initial |= {
        "service_area": area.pk,
        "name": f"{area.name}: what if",
        "managed_fee": fee,
        "credit_pct": drawn.credit_pct if drawn.credit_pct is not None else Decimal("0.000"),
        "chosen_plan": _chosen_default(drawn),
    }
    figures = [
        (f"Cost in {base} (all models)", money(drawn.monthly_cost, currency)),
        (f"Models in {base}", ", ".join(PLAN_LABELS[model] for model in drawn.area_models) or "none"),
        (f"Managed fee in {base} (the provider's fee only)", money(drawn.managed_fee, currency)),
        (f"Staff-aug vendor cost in {base}", money(drawn.staff_vendor_cost, currency)),
        (
            "Staff-aug hours, last six months",
            ", ".join(f"{m:%b} {h}" for m, h in zip(realized.history_months, realized.history_hours, strict=True))
            or "none",
        ),
        ("Mean bill rate (hours-weighted)", money(realized.mean_rate, currency)),
        ("Staff-aug overhead ratio (this area)", pct(realized.staff_overhead_pct) if realized.history_months else "-"),
        ("Managed overhead ratio (organisation)", pct(realized.managed_overhead_pct)),
        ("Service credits owed (organisation, % of managed fees)", pct(drawn.credit_pct)),
        *(("Note", note) for note in drawn.notes),
    ]
    return initial, figures, area.name, fee_help


@require_http_methods(["GET", "POST"])
@report_reader_required
def scenario_new(request: HttpRequest) -> HttpResponse:
    """Show the "What if..." form prefilled from the area's realized data; save the scenario."""
    if not request.user.has_perm(ADD_SCENARIO):
        raise PermissionDenied("Your account may not save scenarios.")
    initial, figures, area_name, fee_help = _initial(_area_id(request))
    form = ScenarioForm(request.POST or None, initial=initial)
    if fee_help:
        form.fields["managed_fee"].help_text = fee_help
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ("service_area", "name", "start_month", *INPUT_FIELDS)}
        try:
            scenario = scenario_create(author=request.user, **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Scenario “{scenario.name}” saved.")
            return redirect("scenarios:detail", pk=scenario.pk)
    context = {"form": form, "figures": figures, "area_name": area_name, "scenario": None}
    return render(request, "scenarios/form.html", context | {"areas": service_areas() if not figures else []})


@require_http_methods(["GET", "POST"])
@report_reader_required
def scenario_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a scenario's name or inputs (its author or Operations)."""
    scenario = _scenario(pk)
    if not may_change(request.user, scenario):
        raise PermissionDenied("Only the scenario's author or Operations may change it.")
    form = ScenarioForm(request.POST or None, instance=Scenario.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ("service_area", "name", "start_month", *INPUT_FIELDS)}
        try:
            scenario_update(scenario=scenario, user=request.user, **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Scenario “{scenario.name}” saved.")
            return redirect("scenarios:detail", pk=scenario.pk)
    return render(request, "scenarios/form.html", {"form": form, "figures": [], "scenario": scenario})


@require_GET
@report_reader_required
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a scenario: the sentence, the chart, the phase totals, the drawn inputs and the hindsight."""
    view = _presented(_scenario(pk))
    chart = scenario_chart(view.projection, view.scenario.chosen_plan, f"{view.scenario.name}: cumulative cost")
    return render(
        request,
        "scenarios/detail.html",
        {"view": view, "svg": to_svg(chart), "can_change": may_change(request.user, view.scenario)},
    )


@require_http_methods(["GET", "POST"])
@report_reader_required
def scenario_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask before deleting a scenario (GET), then delete it (POST; its author or Operations).

    A page, not a script's confirm(): the site's CSP allows no inline script,
    and a mis-click must not lose a scenario's hand-entered quote.
    """
    scenario = _scenario(pk)
    if request.method == "GET":
        if not may_change(request.user, scenario):
            raise PermissionDenied("Only the scenario's author or Operations may delete it.")
        return render(request, "scenarios/delete.html", {"view": present(scenario)})
    try:
        scenario_delete(scenario=scenario, user=request.user)
    except ValidationError as exc:  # pragma: no cover - nothing protects a scenario today
        messages.error(request, " ".join(exc.messages))
        return redirect("scenarios:detail", pk=pk)
    messages.success(request, f"Scenario “{scenario.name}” deleted.")
    return redirect("scenarios:list")


@require_GET
@report_reader_required
def scenario_csv_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Download a scenario as CSV."""
    response = HttpResponse(scenario_csv(_presented(_scenario(pk))), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scenario-{pk}.csv"'
    return response


@require_GET
@report_reader_required
def scenario_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Download a scenario as PDF."""
    response = HttpResponse(scenario_pdf(_presented(_scenario(pk))), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="scenario-{pk}.pdf"'
    return response
