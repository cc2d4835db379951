"""One write path: the admin and the API call each entity's named services, and a write runs its guards once."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from rest_framework.test import APIClient

from billing.models import Invoice
from billing.services import period_close
from engagements.admin.base import ReadOnlyAdmin, ServiceBackedAdmin, ServiceBackedInline
from engagements.models import AuditLog, Contractor, TimeEntry
from engagements.services.entries import time_entries_record_week, time_entry_create
from kernel import facts
from kernel.api.viewsets import ServiceViewSet
from kernel.facts import RecordedFact
from kernel.services import assign, atomic_service

pytestmark = pytest.mark.django_db

APRIL_2 = dt.date(2026, 4, 2)

# SQL statements of one write, inside the test's transaction (so the service's
# own atomic block shows as one SAVEPOINT/RELEASE pair), the audit's content
# type cached. Before the one write path: 21 through the service (10 of them
# savepoint statements; 22 with the content type lookup), 20 for the API's
# POST, 28 for its PATCH. The API's answers add 2 for their missing-rate
# warnings (the contractor's first rate; the contractor's name, as anna has none).
# The API's POST writes plain values and reads nothing back, and leaves the
# day's 24 h to the database's rule (18, against 20 with bulk_create's read-back
# and the day's hours read first; the answer's row read included), and reads the
# contractor once, with its engagement, for the validation and the upsert (17).
# On PostgreSQL the audit row comes with the INSERT itself: one statement fewer.
SERVICE_CREATE_QUERIES = 16
API_CREATE_QUERIES = 16 if connection.vendor == "postgresql" else 17
API_UPDATE_QUERIES = 26


@pytest.fixture
def guard_calls() -> Iterator[list[set[Any]]]:
    """Record the month keys of every guard run while the test runs."""
    calls: list[set[Any]] = []

    def spy(model: type[RecordedFact], keys: set[Any]) -> None:
        calls.append(set(keys))

    facts.register_write_guard(spy)
    yield calls
    facts._guards.remove(spy)


def test_creating_a_time_entry_through_its_service_takes_a_fixed_number_of_queries(
    anna: Contractor, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(SERVICE_CREATE_QUERIES):
        time_entry_create(contractor=anna, date=APRIL_2, hours=Decimal("2.00"))


def test_creating_and_changing_a_time_entry_through_the_api_take_a_fixed_number_of_queries(
    anna: Contractor, api: APIClient, django_assert_num_queries: Any
) -> None:
    body = {"contractor": anna.pk, "date": "2026-04-02", "hours": "3.00"}
    api.get("/api/v1/")  # authenticates once, so both counts below start from the same cache
    with django_assert_num_queries(API_CREATE_QUERIES):
        created = api.post("/api/v1/time-entries/", body, format="json")
    assert created.status_code == 201
    with django_assert_num_queries(API_UPDATE_QUERIES):
        changed = api.patch(f"/api/v1/time-entries/{created.json()['id']}/", {"hours": "4.00"}, format="json")
    assert changed.status_code == 200 and TimeEntry.objects.get().hours == Decimal("4.00")


def test_a_service_write_runs_the_guards_once(anna: Contractor, guard_calls: list[set[Any]]) -> None:
    entry = time_entry_create(contractor=anna, date=APRIL_2, hours=Decimal("2.00"))
    assert guard_calls == [{(anna.engagement_id, dt.date(2026, 4, 1))}]
    guard_calls.clear()
    entry.hours = Decimal("3.00")
    entry.full_clean()
    entry.save()
    # Outside validated_save, full_clean and save each check for themselves.
    assert len(guard_calls) == 2


def test_an_api_batch_runs_the_guards_once_per_month(
    anna: Contractor, api: APIClient, guard_calls: list[set[Any]]
) -> None:
    rows = [{"contractor": anna.pk, "date": f"2026-04-0{day}", "hours": "1.00"} for day in (2, 3, 6)]
    response = api.post("/api/v1/time-entries/", rows, format="json")
    assert response.status_code == 200 and TimeEntry.objects.count() == 3
    # The upsert checks the batch's months, and the bulk write's safety net finds them checked.
    assert guard_calls == [{(anna.engagement_id, dt.date(2026, 4, 1))}]


def test_a_bare_save_into_a_closed_month_is_refused_and_changes_nothing(anna: Contractor, superuser: Any) -> None:
    entry = time_entry_create(contractor=anna, date=APRIL_2, hours=Decimal("2.00"))
    period_close(month=dt.date(2026, 3, 1), user=superuser)
    entry.date = dt.date(2026, 3, 31)
    with pytest.raises(ValidationError, match="March 2026 is closed"):
        entry.save()
    entry.refresh_from_db()
    assert entry.date == APRIL_2


def test_a_refused_write_leaves_the_callers_transaction_usable(anna: Contractor, superuser: Any) -> None:
    entry = time_entry_create(contractor=anna, date=APRIL_2, hours=Decimal("2.00"))
    period_close(month=dt.date(2026, 4, 1), user=superuser)
    with pytest.raises(ValidationError, match="April 2026 is closed"):
        TimeEntry(contractor=anna, date=APRIL_2, hours=Decimal("1.00")).save()
    with pytest.raises(ValidationError, match="April 2026 is closed"):
        entry.delete()
    # No savepoint was needed: the refusals came before anything was written.
    assert TimeEntry.objects.count() == 1


def _savepoints(fn: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return sum(1 for query in queries.captured_queries if query["sql"].startswith("SAVEPOINT"))


def test_a_service_called_by_a_service_joins_its_block_without_a_savepoint(anna: Contractor) -> None:
    @atomic_service
    def inner() -> None:
        TimeEntry.objects.exists()

    @atomic_service
    def outer() -> None:
        inner()
        inner()

    # Called from here (inside the test's transaction) the outer service takes
    # one savepoint, so this caller could catch its error; the inner ones none.
    assert _savepoints(outer) == 1
    assert _savepoints(inner) == 1


def test_a_refused_day_of_the_week_timesheet_leaves_the_other_days_checked(anna: Contractor, superuser: Any) -> None:
    period_close(month=dt.date(2026, 3, 1), user=superuser)
    hours = {dt.date(2026, 3, 31): Decimal("8"), APRIL_2: Decimal("30"), dt.date(2026, 4, 3): Decimal("8")}
    with pytest.raises(ValidationError) as refused:
        time_entries_record_week(contractor=anna, hours_by_day=hours)
    assert sorted(refused.value.message_dict) == ["2026-03-31", "2026-04-02"]
    assert not TimeEntry.objects.exists()


def test_assign_refuses_a_field_outside_the_entitys_allow_list(anna: Contractor) -> None:
    with pytest.raises(TypeError, match="cannot set id on Contractor"):
        assign(anna, {"name": "Anne", "id": 99}, allowed=("name",))
    assert anna.name == "Anna"


def _registered_admins() -> list[tuple[type[Any], Any]]:
    return [(model, model_admin) for model, model_admin in admin.site._registry.items()]


def _form_fields(model_admin: Any, user: Any) -> list[str]:
    request = RequestFactory().get("/")
    request.user = user
    return list(model_admin.get_form(request, None).base_fields)


def _accepts(service: Any, names: list[str]) -> bool:
    parameters = inspect.signature(service).parameters
    has_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return has_kwargs or set(names) <= set(parameters)


def _concrete(model: type[Any], names: list[str]) -> list[str]:
    columns = {field.name for field in model._meta.concrete_fields}
    return [name for name in names if name in columns]


@pytest.mark.parametrize(
    ("model", "model_admin"), _registered_admins(), ids=lambda value: getattr(value, "__name__", "")
)
def test_every_admin_of_a_recorded_fact_writes_through_the_entitys_services(
    model: type[Any], model_admin: Any, superuser: Any
) -> None:
    if not issubclass(model, RecordedFact):
        return
    assert isinstance(model_admin, ServiceBackedAdmin | ReadOnlyAdmin), f"{model.__name__} has a plain ModelAdmin"
    if isinstance(model_admin, ReadOnlyAdmin):
        return
    services = model_admin.write_services()
    if services.create is not None and type(model_admin).save_model is ServiceBackedAdmin.save_model:
        fields = _concrete(model, _form_fields(model_admin, superuser))
        assert _accepts(services.create, fields), f"{services.create.__name__} does not take {fields}"
    for inline in model_admin.inlines:
        if issubclass(inline, ServiceBackedInline) and inline.services is not None:
            fk = next(f.name for f in inline.model._meta.fields if f.is_relation and f.related_model is model)
            assert _accepts(inline.services.create, [*_concrete(inline.model, list(inline.fields or [])), fk])


def _service_viewsets() -> list[type[ServiceViewSet]]:
    found: list[type[ServiceViewSet]] = []
    pending = list(ServiceViewSet.__subclasses__())
    while pending:
        view = pending.pop()
        pending += view.__subclasses__()
        found.append(view)
    return found


def test_every_api_resource_names_the_services_its_writes_call() -> None:
    get_resolver().url_patterns  # noqa: B018  # loads every API module, so every viewset is a subclass now
    views = _service_viewsets()
    assert len(views) > 10
    for view in views:
        assert view.services is not None, f"{view.__name__} names no services"
        assert view.services.update is not None or "patch" not in view.http_method_names, view.__name__


def test_an_invoice_added_in_the_admin_goes_through_invoice_create(operations_client: Any, anna: Contractor) -> None:
    data = {
        "engagement": anna.engagement_id,
        "period": "2026-04-01",
        "number": "  INV-9  ",
        "amount": "100.00",
        "received": "",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
    }
    response = operations_client.post("/admin/billing/invoice/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # invoice_create trims the number and reconciles; a bare save would do neither.
    invoice = Invoice.objects.get()
    assert invoice.number == "INV-9" and invoice.reconciled_at is not None
    assert AuditLog.objects.filter(object_id=invoice.pk, action="create").exists()


def test_a_time_entry_in_a_closed_month_is_a_form_error_in_the_admin(
    operations_client: Any, anna: Contractor, superuser: Any
) -> None:
    period_close(month=dt.date(2026, 4, 1), user=superuser)
    data = {
        "contractor": anna.pk,
        "date": "2026-04-02",
        "hours": "2",
        "description": "",
        "source": "",
        "external_id": "",
    }
    response = operations_client.post("/admin/engagements/timeentry/add/", data)
    assert response.status_code == 200 and "April 2026 is closed" in response.content.decode()
    assert not TimeEntry.objects.exists()
