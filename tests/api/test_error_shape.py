"""Issue 13: one error shape for every 4xx/5xx of the API, hostile bodies answered 400/413, races 409."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, OperationalError
from django.test import RequestFactory
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import ParseError

from engagements.api.views import TimeEntryViewSet
from kernel.api import errors
from kernel.api.parsers import MAX_DEPTH, _flat_rows, check_sane
from kernel.batches import BatchRejected, RowProblem
from sla.models import Outage
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int) -> list[dict]:
    """Assert the answer is JSON of the one shape and return its errors."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) >= {"errors"} and body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"row", "field", "message"}, error
        assert error["row"] is None or isinstance(error["row"], int)
        assert error["field"] is None or isinstance(error["field"], str)
        assert isinstance(error["message"], str) and error["message"]
    return body["errors"]


def post_raw(client, path: str, body: str | bytes, content_type: str = "application/json"):
    return client.generic("POST", path, body, content_type=content_type)


# --- one shape -----------------------------------------------------------------------------------------


def test_field_errors_of_a_patch_have_the_shape(world, ops_api) -> None:
    response = ops_api.patch(
        f"/api/v1/time-entries/{world.anna.time_entries.first().pk}/", {"hours": "25"}, format="json"
    )
    assert assert_error_shape(response, 400) == [
        {"row": None, "field": "hours", "message": "Hours must be more than 0 and at most 24."}
    ]


def test_a_problem_of_the_whole_object_has_a_null_field(world, ops_api) -> None:
    # A Django ValidationError without a field (was `__all__` or `non_field_errors`).
    response = ops_api.delete(f"/api/v1/vendors/{world.staff_aug.vendor_id}/")
    [error] = assert_error_shape(response, 400)
    assert error["field"] is None and "cannot be deleted" in error["message"]


@pytest.mark.parametrize(
    ("persona", "path", "status"),
    [
        ("anonymous", "/api/v1/vendors/", 401),
        ("nobody", "/api/v1/vendors/", 403),
        ("operations", "/api/v1/vendors/999999/", 404),
        ("operations", "/api/v1/no-such-resource/", 404),
        ("operations", "/api/v1/time-entries/?month=2026-5x", 400),
        ("operations", "/api/v1/time-entries/?cursor=garbage", 404),
    ],
)
def test_reads_answer_every_error_in_the_shape(api_as, world, persona, path, status, settings) -> None:
    settings.DEBUG = False
    assert_error_shape(api_as(persona).get(path), status)


def test_a_verb_the_resource_lacks_answers_405_in_the_shape(world, ops_api) -> None:
    assert_error_shape(ops_api.put("/api/v1/periods/2026-04/", {}, format="json"), 405)


# --- hostile bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/time-entries/", "/api/v1/vendors/"])
def test_deeply_nested_json_answers_400_not_500(world, ops_api, path) -> None:
    body = "[" * 100_000 + "]" * 100_000
    [error] = assert_error_shape(post_raw(ops_api, path, body), 400)
    assert "nested" in error["message"]
    nested = json.dumps(
        {"name": "x", "kind": "msp", "notes": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
    )
    assert "nested" in assert_error_shape(post_raw(ops_api, "/api/v1/vendors/", nested), 400)[0]["message"]


def _nested(levels: int) -> object:
    """A list of rows whose deepest value sits `levels` containers down (a row's list holds the last one)."""
    inner: object = ["x"]
    for _ in range(levels - 3):
        inner = [inner]
    return [{"a": 1, "notes": inner}, {"b": "flat"}]


@pytest.mark.parametrize("texts", [True, False], ids=["strings checked", "depth only"])
def test_the_depth_limit_admits_exactly_max_depth_levels(texts: bool) -> None:
    check_sane(_nested(MAX_DEPTH), texts=texts)
    with pytest.raises(ParseError, match="nested more than"):
        check_sane(_nested(MAX_DEPTH + 1), texts=texts)


@pytest.mark.parametrize(
    ("body", "flat"),
    [
        ('[{"a": 1, "b": "x"}, {"a": 2}]', True),
        ('[{"a": 1, "b": {"c": 2}}, 3]', False),  # a nested object: more braces than rows
        ('[{"a": [1]}]', False),  # a nested list: a second bracket
        ('[{"a": "[x]"}]', False),  # a bracket in a string: counted, so the rows are walked instead
        ('{"a": 1}', False),
    ],
)
def test_a_batch_is_known_flat_from_its_brackets_alone(body: str, flat: bool) -> None:
    assert _flat_rows(body.encode(), json.loads(body)) is flat


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/vendors/", '{"name": "x", "kind": "\\ud800"}'),
        ("/api/v1/tickets/", '[{"engagement": 1, "priority": "P1\\udfff", "category": "incident"}]'),
        ("/api/v1/vendors/", '{"name": "x", "kind": "msp", "\\ud83d": 1}'),
    ],
)
def test_a_lone_surrogate_answers_400_not_500(world, ops_api, path, body) -> None:
    [error] = assert_error_shape(post_raw(ops_api, path, body), 400)
    assert "surrogate" in error["message"]


def test_malformed_json_answers_400_in_the_shape(world, ops_api) -> None:
    assert_error_shape(post_raw(ops_api, "/api/v1/vendors/", '{"name": '), 400)
    assert_error_shape(post_raw(ops_api, "/api/v1/time-entries/", "[NaN]"), 400)


def test_a_body_over_the_limit_answers_413_in_the_shape(world, ops_api, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    rows = [{"contractor": world.anna.pk, "date": "2026-04-01", "hours": "1", "description": "x" * 100}] * 200
    [error] = assert_error_shape(ops_api.post("/api/v1/time-entries/", rows, format="json"), 413)
    assert "10,000 bytes" in error["message"]
    assert_error_shape(ops_api.post("/api/v1/vendors/", {"name": "x" * 20_000, "kind": "msp"}, format="json"), 413)
    # A form body too (Django's own limit, which used to answer an HTML "Bad Request (400)").
    form = ops_api.post("/api/v1/vendors/", {"name": "x" * 20_000, "kind": "msp"})
    assert_error_shape(form, 413)


def test_an_import_over_its_limit_answers_413_before_it_is_read(world, ops_api, settings) -> None:
    settings.IMPORT_MAX_BYTES = 1_000
    upload = SimpleUploadedFile("big.csv", b"a,b\n" + b"1,2\n" * 100_000)
    response = ops_api.post(
        "/api/v1/imports/", {"kind": "timesheets", "format": "generic", "file": upload}, format="multipart"
    )
    [error] = assert_error_shape(response, 413)
    assert "IMPORT_MAX_BYTES" in error["message"]


def test_an_import_under_the_limit_whose_declared_length_is_small_still_checks_the_file(
    world, ops_api, settings
) -> None:
    settings.IMPORT_MAX_BYTES = 100_000
    upload = SimpleUploadedFile("big.csv", b"a,b\n" + b"1,2\n" * 30_000)
    response = ops_api.post(
        "/api/v1/imports/", {"kind": "timesheets", "format": "generic", "file": upload}, format="multipart"
    )
    assert_error_shape(response, 413)


# --- unknown fields and local times ----------------------------------------------------------------------


def test_unknown_fields_are_refused_by_name(world, ops_api) -> None:
    response = ops_api.patch(f"/api/v1/vendors/{world.staff_aug.vendor_id}/", {"nmae": "Typo"}, format="json")
    assert [e["field"] for e in assert_error_shape(response, 400)] == ["nmae"]
    row = {"contractor": world.anna.pk, "date": "2026-04-02", "hours": "1", "houres": "2"}
    errors = assert_error_shape(ops_api.post("/api/v1/time-entries/", [row], format="json"), 400)
    assert [(e["row"], e["field"]) for e in errors] == [(0, "houres")]
    ticket = {
        "engagement": world.managed.pk,
        "priority": "P1",
        "category": "incident",
        "opened_at": "2026-04-03T09:00:00Z",
        "pauses": [{"started_at": "2026-04-03T09:10:00Z", "why": "x"}],
    }
    errors = assert_error_shape(ops_api.post("/api/v1/tickets/", ticket, format="json"), 400)
    assert [e["field"] for e in errors] == ["pauses[0].why"]


def test_read_only_fields_sent_back_unchanged_are_ignored(world, ops_api) -> None:
    entry = ops_api.get(f"/api/v1/time-entries/{world.anna.time_entries.first().pk}/").json()
    response = ops_api.put(f"/api/v1/time-entries/{entry['id']}/", {**entry, "hours": "2.00"}, format="json")
    assert response.status_code == 200, response.json()


def test_a_read_only_field_sent_with_another_value_is_refused_by_name(world, ops_api) -> None:
    entry = ops_api.get(f"/api/v1/time-entries/{world.anna.time_entries.first().pk}/").json()

    response = ops_api.put(f"/api/v1/time-entries/{entry['id']}/", {**entry, "engagement": 999}, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["engagement"]


def test_a_read_only_field_sent_on_a_create_is_refused(world, ops_api) -> None:
    response = ops_api.post("/api/v1/vendors/", {"id": 12345, "name": "New vendor", "kind": "msp"}, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["id"]


@pytest.fixture
def new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


def outage(world, started_at: str) -> dict:
    return {
        "service": world.email.pk,
        "started_at": started_at,
        "ended_at": None,
        "source": "t",
        "external_id": started_at,
    }


def test_a_time_without_offset_is_read_in_the_organisations_zone(world, ops_api, new_york) -> None:
    response = ops_api.post("/api/v1/outages/", outage(world, "2026-04-21T10:00:00"), format="json")
    assert response.status_code == 201, response.json()
    stored = Outage.objects.get(external_id="2026-04-21T10:00:00")
    assert stored.started_at == dt.datetime(2026, 4, 21, 14, 0, tzinfo=dt.UTC)


def test_a_local_time_the_clocks_skip_is_refused(world, ops_api, new_york) -> None:
    response = ops_api.post("/api/v1/outages/", [outage(world, "2026-03-08T02:30:00")], format="json")
    [error] = assert_error_shape(response, 400)
    assert (error["row"], error["field"]) == (0, "started_at") and "does not exist" in error["message"]


def test_a_local_time_the_clocks_show_twice_is_refused(world, ops_api, new_york) -> None:
    response = ops_api.post("/api/v1/outages/", [outage(world, "2026-11-01T01:30:00")], format="json")
    [error] = assert_error_shape(response, 400)
    assert "happens twice" in error["message"] and "-04:00 or -05:00" in error["message"]
    with_offset = ops_api.post("/api/v1/outages/", outage(world, "2026-11-01T01:30:00-05:00"), format="json")
    assert with_offset.status_code == 201, with_offset.json()


# --- conflicts and an unreachable database ----------------------------------------------------------------


def test_a_batch_that_lost_a_race_on_its_keys_answers_409(world, ops_api, monkeypatch) -> None:
    def lose(self, rows):
        try:
            raise IntegrityError("UNIQUE constraint failed: engagements_timeentry.source, external_id")
        except IntegrityError as exc:
            raise BatchRejected([RowProblem(None, None, "Another request stored some rows.")]) from exc

    monkeypatch.setattr(TimeEntryViewSet, "upsert", lose)
    row = {"contractor": world.anna.pk, "date": "2026-04-02", "hours": "1", "source": "s", "external_id": "e"}
    [error] = assert_error_shape(ops_api.post("/api/v1/time-entries/", [row], format="json"), 409)
    assert "again" in error["message"]


def test_a_write_refused_by_a_unique_key_answers_409(world, ops_api, monkeypatch) -> None:
    from engagements.api import views

    def clash(self, serializer):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(views.VendorViewSet, "perform_create", clash)
    assert_error_shape(ops_api.post("/api/v1/vendors/", {"name": "New", "kind": "msp"}, format="json"), 409)


def test_an_unreachable_database_answers_503_json(world, operations_user, monkeypatch) -> None:
    def down(self, key):
        raise OperationalError("connection to server at 10.0.0.5 failed")

    monkeypatch.setattr(TokenAuthentication, "authenticate_credentials", down)
    response = token_client(operations_user).get("/api/v1/vendors/")
    [error] = assert_error_shape(response, 503)
    assert "10.0.0.5" not in error["message"] and response["Retry-After"]


def test_a_crash_outside_the_views_answers_json_under_api(settings) -> None:
    request = RequestFactory().get("/api/v1/vendors/")
    try:
        raise OperationalError("server closed the connection")
    except OperationalError:
        assert_error_shape(errors.server_error(request), 503)
    try:
        raise RuntimeError("bug")
    except RuntimeError:
        assert_error_shape(errors.server_error(request), 500)
    assert errors.server_error(RequestFactory().get("/reports/"))["Content-Type"].startswith("text/html")


def test_a_body_django_refuses_before_the_view_answers_413_json_under_api() -> None:
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

    request = RequestFactory().post("/api/v1/vendors/")
    assert_error_shape(errors.bad_request(request, RequestDataTooBig("too big")), 413)
    assert_error_shape(errors.bad_request(request, TooManyFieldsSent("too many")), 400)
    assert errors.bad_request(RequestFactory().post("/admin/"), RequestDataTooBig("x")).status_code == 400


@pytest.mark.parametrize("query", ["at_from=1029-10-28T14:49:15.4-21:58", "at_to=9999-12-31T23:59:59-23:59"])
def test_an_instant_filter_outside_the_sane_years_answers_400(ops_api, query) -> None:
    response = ops_api.get(f"/api/v1/audit/?{query}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_an_instant_filter_with_an_offset_postgresql_cannot_read_is_read_in_utc(ops_api) -> None:
    # PostgreSQL reads offsets up to 15:59; Python (and so the client) may send up to 23:59.
    response = ops_api.get("/api/v1/audit/?at_to=2026-04-01T00:00:00%2B23:59")

    assert response.status_code == 200


def test_a_date_filter_outside_the_sane_years_answers_400(ops_api) -> None:
    response = ops_api.get("/api/v1/time-entries/?date_from=0001-01-01")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "date_from"


@pytest.mark.parametrize("value", ["-1.1e-308", "1.5", "0", "99999999999999999999"])
def test_an_id_filter_takes_only_a_whole_positive_id(ops_api, value) -> None:
    # Found by the negative fuzzing: a decimal field took 1e-308 for an integer id and answered 200.
    response = ops_api.get(f"/api/v1/audit/?object_id={value}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "object_id"


def test_an_id_filter_finds_the_rows_of_one_object(ops_api) -> None:
    assert ops_api.get("/api/v1/audit/?object_id=1").status_code == 200


def test_a_missing_object_is_a_404_naming_what_was_looked_for(world, ops_api) -> None:
    answer = ops_api.get("/api/v1/vendors/999999/")
    assert answer.status_code == 404
    assert answer.json() == {"errors": [{"row": None, "field": None, "message": "No vendor has id 999999."}]}
