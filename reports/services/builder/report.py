"""Build and store the comparison report of a month from the stored snapshots (a constant number of queries)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from engagements.models import Engagement
from kernel.months import add_months, first_of, month_iso, month_label
from reports.models import ComparisonReport, DecisionChecklist
from reports.services.builder.accuracy import accuracy_of, stored_forecasts
from reports.services.builder.data import ALL, MODELS, WINDOW_MONTHS, Groups, load_report_data
from reports.services.builder.quality import Completeness, summary
from reports.services.builder.sections import (
    area_facts,
    break_even,
    checklist_section,
    engagement_rows,
    forecast_section,
    group_section,
    managed_future,
    realized_text,
)
from reports.services.builder.time_to_value import time_to_value_groups, time_to_value_of, with_time_to_value
from reports.services.builder.verdict import VerdictInput, verdict_of
from reports.services.events import notable_events
from reports.services.scorecards import vendor_scorecards

REPORT_VERSION = 4


def _marked(section: dict[str, Any] | None, complete: bool) -> dict[str, Any] | None:
    """Return a group's section with its completeness in the report month (None stays None)."""
    return None if section is None else {**section, "complete": complete}


def build_payload(month: dt.date) -> dict[str, Any]:
    """Compute the whole report of a month as a JSON-ready dict (reads only)."""
    month = first_of(month)
    data = load_report_data(month)
    groups = Groups(data)
    months = [add_months(month, -k) for k in range(WINDOW_MONTHS - 1, -1, -1)]
    present = {key[0] for key in groups.by_month}
    scope_rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in data.rows:
        if row["month"] == month:
            scope_rows[ALL].append(row)
            scope_rows[row["area_id"]].append(row)
    future = managed_future(data, scope_rows)
    ttv = time_to_value_of(data)
    ttv_groups = time_to_value_groups(ttv)
    checklists = {
        c.service_area_id: c for c in DecisionChecklist.objects.filter(service_area_id__in=list(groups.areas))
    }
    quality = Completeness(data)
    forecasts = stored_forecasts(month)
    areas = []
    for area_id, name in sorted(groups.areas.items(), key=lambda item: item[1]):
        area: dict[str, Any] = {"id": area_id, "name": name}
        for model in MODELS:
            section = group_section(groups, (area_id, model), data, months, quality)
            area[model] = _marked(
                with_time_to_value(section, ttv_groups.get((area_id, model))),
                quality.complete((area_id, model), [month]),
            )
        area["complete"] = quality.complete((area_id, ALL), [month])
        area["break_even_month"] = break_even(groups, area_id)
        area["verdict"] = verdict_of(
            groups, quality, VerdictInput(area_id, name, month, data.currency, area["break_even_month"])
        )
        area["forecast"] = forecast_section(groups, area_id, data, future.get(area_id))
        area["forecast_accuracy"] = accuracy_of(groups, area_id, month, forecasts)
        area["checklist"] = checklist_section(checklists.get(area_id), area_facts(groups, area_id, data))
        area["realized"] = realized_text(area, month, data.currency)
        areas.append(area)
    overall = {
        model: _marked(
            with_time_to_value(
                group_section(groups, (ALL, model), data, months, quality), ttv_groups.get((ALL, model))
            ),
            quality.complete((ALL, model), [month]),
        )
        for model in MODELS
    }
    gaps = quality.of_month(month)
    payload = {
        "version": REPORT_VERSION,
        "month": month_iso(month),
        "month_label": month_label(month),
        "currency": data.currency,
        "currency_notes": data.notes,
        "errors": data.errors,
        "complete": not gaps,
        "data_quality": gaps,
        "data_quality_summary": summary(gaps),
        "months": [month_iso(m) for m in months],
        "overall": {
            **overall,
            "complete": not gaps,
            "break_even_month": break_even(groups, ALL) if ALL in present else None,
            "forecast": forecast_section(groups, ALL, data, future.get(ALL)),
            "forecast_accuracy": accuracy_of(groups, ALL, month, forecasts),
        },
        "service_areas": areas,
        "engagements": engagement_rows(data, ttv, quality),
        "events": notable_events(month, data.rows),
        "vendors": vendor_scorecards(month),
    }
    return payload


def payload_fingerprint(payload: dict[str, Any]) -> str:
    """Return a stable digest of a report's content."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def report_build(*, month: dt.date, now: dt.datetime | None = None) -> ComparisonReport:
    """Build and store a month's comparison report; an unchanged report keeps its row (only verified_at moves)."""
    month = first_of(month)
    now = now or timezone.now()
    payload = build_payload(month)
    digest = payload_fingerprint(payload)
    with transaction.atomic():
        report = ComparisonReport.objects.select_for_update().filter(month=month).first()
        if report is not None and report.fingerprint == digest:
            ComparisonReport.objects.filter(pk=report.pk).update(verified_at=now)
            report.verified_at = now
            return report
        report = report or ComparisonReport(month=month)
        report.payload, report.fingerprint = payload, digest
        report.currency, report.errors = payload["currency"], payload["errors"]
        report.computed_at = report.verified_at = now
        report.save()
    return report


def affected_report_months(changed: set[dt.date]) -> list[dt.date]:
    """Return the months of stored reports whose window contains a changed month."""
    if not changed:
        return []
    first, last = min(changed), add_months(max(changed), WINDOW_MONTHS - 1)
    stored = ComparisonReport.objects.filter(month__gte=first, month__lte=last).values_list("month", flat=True)
    return sorted(m for m in stored if any(c <= m < add_months(c, WINDOW_MONTHS) for c in changed))


def engagement_ids_active_in(month: dt.date) -> list[int]:
    """Return the engagements with at least one active day in a month, in id order."""
    return list(Engagement.objects.active_in(month).order_by("pk").values_list("pk", flat=True))
