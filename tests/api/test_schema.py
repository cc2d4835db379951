"""The OpenAPI schema holds every path and field of api.md; the docs page loads nothing from a CDN."""

from __future__ import annotations

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db

# api.md's resource table: path -> fields besides id.
CONTRACT = {
    "vendors": ["name", "kind"],
    "service-areas": ["name"],
    "people": ["name", "email"],
    "internal-rates": ["person", "hourly_cost", "effective_from"],
    "engagements": [
        "name",
        "vendor",
        "model",
        "service_area",
        "start_date",
        "end_date",
        "currency",
        "cost_center",
        "owner",
        "sla_policy",
    ],
    "contractors": ["engagement", "name", "role"],
    "contractor-rates": ["contractor", "hourly_rate", "effective_from"],
    "time-entries": ["contractor", "date", "hours", "description", "source", "external_id"],
    "overhead-entries": ["engagement", "person", "date", "hours", "activity"],
    "milestones": ["engagement", "title", "due_date", "delivered_date", "accepted"],
    "fee-schedules": ["engagement", "monthly_fee", "effective_from"],
    "one-time-charges": ["engagement", "date", "amount", "kind", "description"],
    "calendars": ["name", "time_zone", "always_on", "working_hours", "holidays"],
    "sla-policies": ["name", "calendar", "uptime_target", "max_credit_pct", "credit_tiers", "priority_targets"],
    "services": ["engagement", "name"],
    "outages": ["service", "started_at", "ended_at", "planned", "source", "external_id"],
    "tickets": [
        "engagement",
        "priority",
        "category",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "pauses",
        "source",
        "external_id",
    ],
    "invoices": ["engagement", "period", "number", "amount"],
    "exchange-rates": ["month", "currency", "rate_to_base"],
    "periods": ["month", "closed"],
    "snapshots": [
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
    ],
}
NESTED = {
    ("calendars", "working_hours"): ["weekday", "start", "end"],
    ("sla-policies", "credit_tiers"): ["below_pct", "credit_pct"],
    ("sla-policies", "priority_targets"): ["priority", "response_minutes", "resolution_minutes"],
    ("tickets", "pauses"): ["started_at", "ended_at"],
}
COMMANDS = [
    ("/api/v1/periods/{month}/close/", "post"),
    ("/api/v1/periods/{month}/reopen/", "post"),
    ("/api/v1/reports/{month}/", "get"),
    ("/api/v1/recompute/", "post"),
    ("/api/v1/recompute/{id}/", "get"),
    ("/api/v1/imports/", "post"),
]


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node:
        return _resolve(schema, node["allOf"][0])
    return node


def _list_item(schema: dict, path: str) -> dict:
    listing = schema["paths"][f"/api/v1/{path}/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = _resolve(schema, listing)
    return _resolve(schema, page["properties"]["results"]["items"])


@pytest.mark.parametrize("path", sorted(CONTRACT))
def test_every_resource_of_the_contract_lists_its_fields_in_the_schema(schema, path) -> None:
    properties = _list_item(schema, path)["properties"]
    assert {"id", *CONTRACT[path]} <= set(properties)


@pytest.mark.parametrize(("path", "field"), sorted(NESTED))
def test_nested_lists_of_the_contract_have_their_fields(schema, path, field) -> None:
    nested = _list_item(schema, path)["properties"][field]
    assert set(NESTED[(path, field)]) <= set(_resolve(schema, nested["items"])["properties"])


@pytest.mark.parametrize(("path", "method"), COMMANDS)
def test_the_commands_and_computed_reads_are_in_the_schema(schema, path, method) -> None:
    assert method in schema["paths"][path]


def test_list_posts_with_external_ids_take_one_object_or_a_list(schema) -> None:
    for path in ("time-entries", "outages", "tickets"):
        body = schema["paths"][f"/api/v1/{path}/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["oneOf"][1]["type"] == "array"


def test_the_docs_page_loads_its_assets_from_this_server_only(client) -> None:
    page = client.get("/api/docs/").content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    assets += re.findall(r"""["'](https?://[^"']+)["']""", page)
    assert any("swagger-ui" in url for url in assets)
    assert [url for url in assets if url.startswith(("http:", "https:", "//"))] == []
    assert "/static/drf_spectacular_sidecar/" in page


def test_the_docs_assets_are_served(client, settings) -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


# --- issue 13: every operation documents its errors; the field constraints are stated -------------------

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_every_operation_documents_its_errors_in_the_one_shape(schema) -> None:
    missing = []
    for path, method, operation in _operations(schema):
        if not path.startswith("/api/v1/"):
            continue
        expected = {"400", "401", "403", "404", "429", "503"}
        if method != "get":
            expected |= {"409"}
        if method in ("post", "put", "patch"):
            expected |= {"413"}
        responses = operation["responses"]
        missing += [f"{method.upper()} {path} {code}" for code in sorted(expected - set(responses))]
        for code in expected & set(responses):
            body = responses[code]["content"]["application/json"]["schema"]
            named = schema["components"]["schemas"].get(body.get("$ref", "").rsplit("/", 1)[-1], {})
            refs = [body.get("$ref")] + [item.get("$ref") for item in named.get("oneOf", [])]
            assert "#/components/schemas/Errors" in refs, (method, path, code, body)
    assert missing == []


def test_the_error_component_is_the_shape_of_api_md(schema) -> None:
    errors = schema["components"]["schemas"]["Errors"]
    row = _resolve(schema, errors["properties"]["errors"]["items"])
    assert set(row["properties"]) == {"row", "field", "message"}


def test_field_constraints_are_in_the_schema(schema) -> None:
    components = schema["components"]["schemas"]
    assert components["Vendor"]["properties"]["name"]["minLength"] == 1
    assert components["Vendor"]["additionalProperties"] is False
    assert components["Pause"]["additionalProperties"] is False
    hours = components["TimeEntry"]["properties"]["hours"]
    assert not hours["pattern"].startswith("^-")
    assert components["TimeEntry"]["properties"]["contractor"]["minimum"] == 1
    assert components["Engagement"]["properties"]["currency"]["pattern"]
    assert components["ExchangeRate"]["properties"]["month"]["pattern"]
    page_size = next(p for p in schema["paths"]["/api/v1/vendors/"]["get"]["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["type"] == "integer"
