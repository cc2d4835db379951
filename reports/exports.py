"""The report as CSV: the same figures as the page, one section after another."""

from __future__ import annotations

import io
from typing import Any

from kernel.exports import SafeCsvWriter
from reports.presentation import MODELS, ROWS


def _raw(group: dict[str, Any] | None, where: str, key: str) -> Any:
    if not group:
        return ""
    source = group["figures"] if where == "figures" else group.get("phases", {}) if where == "phases" else group
    value = source.get(key)
    return "" if value is None else value


def report_csv(payload: dict[str, Any]) -> str:
    """Return the whole report as CSV text (plain numbers, no thousands separators)."""
    out = io.StringIO()
    # Names come from users: a name starting with '=' must not run as a formula in a spreadsheet.
    writer = SafeCsvWriter(out)
    writer.writerow([f"Delivery model comparison: {payload['month_label']}", f"currency {payload['currency']}"])
    for note in payload["currency_notes"]:
        writer.writerow(["note", note])
    for error in payload["errors"]:
        writer.writerow(["error", error])
    writer.writerow([])
    writer.writerow(["section", "scope", "figure", *(label for _, label in MODELS)])
    scopes = [("Overall", payload["overall"])] + [(area["name"], area) for area in payload["service_areas"]]
    for name, scope in scopes:
        for label, where, key, _ in ROWS:
            writer.writerow(["figures", name, label.strip(), *(_raw(scope.get(m), where, key) for m, _ in MODELS)])
        writer.writerow(["figures", name, "Break-even month", scope.get("break_even_month") or ""])
        forecast = scope["forecast"]
        writer.writerow(
            ["forecast", name, "Projected gap over 12 months (staff aug - managed)", forecast["gap_12"] or ""]
        )
        writer.writerow(
            ["forecast", name, "Projected gap over 24 months (staff aug - managed)", forecast["gap_24"] or ""]
        )
        for i, month in enumerate(forecast["months"]):
            staff = forecast["staff_aug"][i] if i < len(forecast["staff_aug"]) else ""
            managed = forecast["managed"][i] if i < len(forecast["managed"]) else ""
            writer.writerow(["forecast", name, month, staff, managed])
    writer.writerow([])
    writer.writerow(["cumulative", "scope", "month index", *(label for _, label in MODELS)])
    for name, scope in scopes:
        lengths = [len((scope.get(m) or {}).get("cumulative") or []) for m, _ in MODELS]
        for i in range(max(lengths)):
            cells = [((scope.get(m) or {}).get("cumulative") or [])[i : i + 1] for m, _ in MODELS]
            writer.writerow(["cumulative", name, i + 1, *(c[0] if c else "" for c in cells)])
    writer.writerow([])
    writer.writerow(
        [
            "monthly",
            "model",
            "month",
            "vendor",
            "overhead",
            "one_time",
            "credit",
            "total",
            "uptime_pct",
            "response_met_pct",
            "resolution_met_pct",
        ]
    )
    for model, label in MODELS:
        for point in (payload["overall"].get(model) or {}).get("series") or []:
            if point.get("has_data"):
                writer.writerow(
                    [
                        "monthly",
                        label,
                        point["month"],
                        point["vendor"],
                        point["overhead"],
                        point["one_time"],
                        point["credit"],
                        point["total"],
                        point["uptime_pct"] or "",
                        point["response_met_pct"] or "",
                        point["resolution_met_pct"] or "",
                    ]
                )
    writer.writerow([])
    figure_names = list(payload["engagements"][0]["figures"]) if payload["engagements"] else []
    writer.writerow(
        [
            "engagement",
            "name",
            "service area",
            "model",
            "vendor",
            "currency",
            "month index",
            *figure_names,
            "time_to_value_days",
            "time_to_value_note",
        ]
    )
    for row in payload["engagements"]:
        ttv = row.get("time_to_value_days")
        writer.writerow(
            [
                "engagement",
                row["name"],
                row["service_area"],
                row["model"],
                row["vendor"],
                row["currency"],
                row["month_index"],
                *("" if row["figures"][n] is None else row["figures"][n] for n in figure_names),
                "" if ttv is None else ttv,
                row.get("time_to_value_note") or "",
            ]
        )
    writer.writerow([])
    writer.writerow(["checklist", "service area", "question", "answer"])
    for area in payload["service_areas"]:
        checklist = area["checklist"]
        for question in checklist["questions"]:
            answer = {True: "yes", False: "no", None: ""}[question["answer"]]
            writer.writerow(["checklist", area["name"], question["question"], answer])
        writer.writerow(["checklist", area["name"], "Recommendation", checklist["recommendation_label"]])
        for text in checklist["contradictions"]:
            writer.writerow(["checklist", area["name"], "Contradiction", text])
    writer.writerow([])
    writer.writerow(["event", "kind", "date", "engagement", "text"])
    for event in payload["events"]:
        writer.writerow(["event", event["kind"], event["date"], event["engagement"], event["text"]])
    return out.getvalue()
