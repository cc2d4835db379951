"""Snapshots, comparison reports and the recompute command through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engagements.services.entries import time_entry_create
from reports.services import report_build, snapshots_compute

pytestmark = pytest.mark.django_db

SNAPSHOT_FIELDS = {
    "labor_cost",
    "overhead_cost",
    "fee_cost",
    "one_time_cost",
    "credit",
    "total_cost",
    "vendor_cost",
    "overhead_ratio",
    "hours",
    "overhead_hours",
    "uptime_pct",
    "tickets_opened",
    "tickets_resolved",
    "backlog",
    "response_met_pct",
    "resolution_met_pct",
    "mttr_hours",
    "milestones_due",
    "milestones_on_time",
    "cost_per_resolved_ticket",
    "stale",
    "computed_at",
}


@pytest.fixture
def compute_april(world) -> None:
    """April's snapshots and report, computed through the reports services (as the queued job does)."""
    snapshots_compute(engagement_ids=[world.staff_aug.pk, world.managed.pk], month=dt.date(2026, 4, 1))
    report_build(month=dt.date(2026, 4, 1))


def post_recompute(client, month: str = "2026-04"):
    return client.post("/api/v1/recompute/", {"month": month}, format="json")


@pytest.mark.django_db(transaction=True)
def test_recompute_answers_202_with_a_job_that_has_run_in_process_without_a_broker(world, ops_api) -> None:
    # Tasks run in-process here (tests/conftest.py); CI's production-stack check covers the worker path.
    response = ops_api.post("/api/v1/recompute/", {"month": "2026-04"}, format="json")
    assert response.status_code == 202, response.json()
    job = response.json()
    assert job["month"] == "2026-04" and job["state"] == "done"
    assert ops_api.get(f"/api/v1/recompute/{job['id']}/").json()["state"] == "done"


def test_snapshots_carry_every_field_of_the_contract_and_leadership_reads_them(
    world, ops_api, api_as, compute_april
) -> None:
    response = api_as("leadership").get(f"/api/v1/snapshots/?engagement={world.staff_aug.pk}&month=2026-04")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1
    assert SNAPSHOT_FIELDS.issubset(rows[0])
    assert rows[0]["month"] == "2026-04" and rows[0]["stale"] is False
    assert rows[0]["hours"] == "1.00" and rows[0]["labor_cost"] == "85.00"


def test_a_snapshot_turns_stale_when_its_facts_change(world, ops_api, compute_april) -> None:
    time_entry_create(contractor=world.anna, date=dt.date(2026, 4, 10), hours=Decimal("2.00"))
    rows = ops_api.get(f"/api/v1/snapshots/?engagement={world.staff_aug.pk}&month=2026-04").json()["results"]
    assert rows[0]["stale"] is True


def test_the_months_report_is_served_as_json(world, ops_api, api_as, compute_april) -> None:
    report = api_as("leadership").get("/api/v1/reports/2026-04/")
    assert report.status_code == 200, report.content[:500]
    assert report.json()["month"] == "2026-04"
    assert "stale" in report.json() and "computed_at" in report.json()
    listed = api_as("leadership").get("/api/v1/reports/").json()["results"]
    assert [row["month"] for row in listed] == ["2026-04"]


def test_a_month_without_a_report_is_404_and_a_bad_month_400(ops_api, db) -> None:
    assert ops_api.get("/api/v1/reports/2030-01/").status_code == 404
    assert post_recompute(ops_api, month="2026-13").status_code == 400
    assert ops_api.get("/api/v1/snapshots/?month=April").status_code == 400


def test_recompute_answers_202_with_a_job_to_follow(world, ops_api) -> None:
    response = post_recompute(ops_api)
    assert response.status_code == 202
    job = ops_api.get(f"/api/v1/recompute/{response.json()['id']}/")
    assert job.status_code == 200 and job.json()["state"] in ("queued", "running", "done")


def test_leadership_may_not_start_a_recompute(world, api_as) -> None:
    assert post_recompute(api_as("leadership")).status_code == 403


# --- api.md "Added in v1": completeness, verdict, forecast accuracy, vendor scorecards -----------------


def test_the_report_carries_complete_data_quality_verdict_and_forecast_accuracy(world, api_as, compute_april) -> None:
    body = api_as("leadership").get("/api/v1/reports/2026-04/").json()
    assert body["complete"] is True and body["data_quality"] == []
    [area] = body["service_areas"]
    verdict = area["verdict"]
    assert {"cheaper_in_month", "gap_in_month", "cheaper_trailing_12", "gap_trailing_12", "drivers"} <= set(verdict)
    assert {"leading_driver", "outcomes", "break_even_month", "hybrid"} <= set(verdict)
    drivers = sum(Decimal(v) for v in verdict["drivers"].values())
    assert drivers == Decimal(verdict["gap_in_month"])
    assert set(area["forecast_accuracy"]) == {"staff_aug", "managed"}
    assert set(area["forecast_accuracy"]["managed"]) >= {"mean_abs_error_pct", "months_scored"}


def test_hours_without_a_rate_show_in_the_apis_data_quality(world, api_as) -> None:
    # Ben Okafor has no bill rate: his 40 hours are counted, not priced, and named.
    for day in (14, 15, 16, 17, 20):
        time_entry_create(contractor=world.ben, date=dt.date(2026, 4, day), hours=Decimal("8.00"))
    snapshots_compute(engagement_ids=[world.staff_aug.pk, world.managed.pk], month=dt.date(2026, 4, 1))
    report_build(month=dt.date(2026, 4, 1))
    body = api_as("leadership").get("/api/v1/reports/2026-04/").json()
    assert body["complete"] is False
    [gap] = body["data_quality"]
    assert (gap["kind"], gap["subject"], gap["hours"], gap["engagement"]) == (
        "missing_bill_rate",
        "Ben Okafor",
        "40.00",
        world.staff_aug.pk,
    )
    assert body["service_areas"][0]["staff_aug"]["complete"] is False
    assert body["service_areas"][0]["verdict"]["complete"] is False
    snapshot = api_as("leadership").get(f"/api/v1/snapshots/?engagement={world.staff_aug.pk}&month=2026-04").json()
    assert snapshot["results"][0]["complete"] is False
    assert snapshot["results"][0]["data_quality"][0]["hours"] == "40.00"


def test_vendor_scorecards_are_listed_for_a_month_and_sorted(world, api_as, compute_april) -> None:
    client = api_as("leadership")
    response = client.get("/api/v1/vendor-scorecards/?month=2026-04")
    assert response.status_code == 200, response.content[:300]
    [row] = response.json()
    assert row["name"] == "Acme Staffing" and row["period"] == "2026-04"
    assert {"month", "trailing_12", "attestations"} <= set(row)
    assert {"total_cost", "breaches", "credits_due", "invoice_variance"} <= set(row["month"])
    # QA C5: the same name as the report's figures for the same count (tickets that breached, each once).
    assert row["month"]["breached_tickets"] == row["month"]["breaches"]
    assert row["trailing_12"]["breached_tickets"] == row["trailing_12"]["breaches"]
    for ordering in ("cost", "-attainment", "credits", "-variance"):
        assert client.get(f"/api/v1/vendor-scorecards/?month=2026-04&ordering={ordering}").status_code == 200


def test_vendor_scorecards_refuse_a_missing_month_and_an_unknown_ordering(ops_api, db) -> None:
    for query in ("", "?month=April", "?month=2026-04&ordering=size"):
        response = ops_api.get(f"/api/v1/vendor-scorecards/{query}")
        assert response.status_code == 400, query
        assert response.json()["errors"][0]["field"] in ("month", "ordering")


def test_vendor_scorecards_need_a_login(client, db) -> None:
    assert client.get("/api/v1/vendor-scorecards/?month=2026-04").status_code in (401, 403)


def test_the_schema_documents_the_v1_report_fields_and_the_scorecards(client, db) -> None:
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert "get" in schema["paths"]["/api/v1/vendor-scorecards/"]
    components = schema["components"]["schemas"]
    report = components["Report"]["properties"]
    assert {"complete", "data_quality", "service_areas"} <= set(report)
    area = components["ReportArea"]["properties"]
    assert {"verdict", "forecast_accuracy", "complete"} <= set(area)
    assert {"drivers", "leading_driver", "outcomes", "hybrid", "break_even_month"} <= set(
        components["Verdict"]["properties"]
    )
    assert {"month", "trailing_12", "attestations"} <= set(components["VendorScorecard"]["properties"])


def test_the_verdict_says_how_many_months_each_model_ran_and_compares_the_months_both_ran(api_as, settings) -> None:
    """QA B2: staff aug ran April only, managed April and May; the months both ran are compared apart."""
    from reports.demo.worked_example import build_worked_example

    settings.TIME_ZONE = "America/New_York"
    example = build_worked_example()
    for month in (dt.date(2026, 4, 1), dt.date(2026, 5, 1)):
        snapshots_compute(engagement_ids=[example.augmented.pk, example.msp.pk], month=month)
    report_build(month=dt.date(2026, 5, 1))
    verdict = api_as("leadership").get("/api/v1/reports/2026-05/").json()["service_areas"][0]["verdict"]
    assert verdict["gap_trailing_12"] == "-8147.50"  # as specified: a month without data counts 0
    assert verdict["months_with_data"] == {"staff_aug": 1, "managed": 2}
    assert verdict["cost_trailing_12"] == {"staff_aug": "4192.50", "managed": "12340.00"}
    assert verdict["months_both"] == ["2026-04"] and verdict["same_months"] is False
    assert verdict["gap_months_both"] == "-2147.50" and verdict["cheaper_months_both"] == "staff_aug"
    assert "in the 1 month both ran (April 2026) the managed service cost USD 2,147.50 more" in verdict["sentence"]


def test_the_schema_documents_the_verdicts_months(client, db) -> None:
    import yaml

    verdict = yaml.safe_load(client.get("/api/schema/").content)["components"]["schemas"]["Verdict"]["properties"]
    assert {"months_with_data", "cost_trailing_12", "months_both", "gap_months_both", "cheaper_months_both"} <= set(
        verdict
    )
    assert "same_months" in verdict
