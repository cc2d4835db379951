"""No admin form offers two choices with the same label, over data whose names repeat across engagements."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.forms import BaseForm
from django.urls import reverse

from billing.models import Invoice
from engagements.models import DeliveryModel
from sla.models import MonitoredService, Outage
from tests.factories import ContractorFactory, EngagementFactory, PersonFactory, ServiceAreaFactory, VendorFactory
from tests.sla.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def repeated_names() -> dict[str, Any]:
    """Two staff-aug and two managed engagements whose contractors, services, tickets and invoices share names."""
    area = ServiceAreaFactory(name="Cloud")
    vendor = VendorFactory(name="Acme")
    staff = [
        EngagementFactory(name=f"Platform team {n}", vendor=vendor, service_area=area, model=DeliveryModel.STAFF_AUG)
        for n in ("A", "B")
    ]
    managed = [
        EngagementFactory(
            name=f"Cloud infrastructure {n}", vendor=vendor, service_area=area, model=DeliveryModel.MANAGED
        )
        for n in ("A", "B")
    ]
    for engagement in staff:
        ContractorFactory(engagement=engagement, name="Ana Silva")
    services = [MonitoredService.objects.create(engagement=e, name="Compute platform") for e in managed]
    for engagement in managed:
        TicketFactory(engagement=engagement, priority="P2", summary="VPN down", external_id="")
        Invoice.objects.create(engagement=engagement, number="INV-1", period=dt.date(2026, 4, 1), amount=Decimal("10"))
    PersonFactory(name="Sam Lee", email="sam.lee@example.com")
    PersonFactory(name="Sam Lee", email="sam.lee2@example.com")
    return {"staff": staff, "managed": managed, "services": services}


def _labels(field: Any) -> list[str]:
    labels = []
    for value, label in getattr(field, "choices", []):
        if isinstance(label, (list, tuple)):  # an optgroup
            labels += [str(inner) for _, inner in label]
        elif str(value) != "":
            labels.append(str(label))
    return labels


def _duplicates(where: str, form: Any) -> list[str]:
    problems = []
    for name, field in form.fields.items():
        repeated = [label for label, count in Counter(_labels(field)).items() if count > 1]
        if repeated:
            problems.append(f"{where} field {name!r} repeats {repeated}")
    return problems


def _forms(context: Any) -> list[Any]:
    """Every form a page renders: the admin form, each inline's empty row, and any other form in the context."""
    forms: dict[int, Any] = {}
    for rendered in context if isinstance(context, list) else [context]:  # one per template rendered
        for key, value in rendered.flatten().items():
            found = []
            if key == "adminform":
                found = [value.form]
            elif key == "inline_admin_formsets":
                found = [inline.formset.empty_form for inline in value]
            elif isinstance(value, BaseForm):
                found = [value]
            forms.update((id(form), form) for form in found)
    return list(forms.values())


def _add_pages() -> list[tuple[str, str]]:
    return [
        (
            f"{model._meta.app_label}.{model._meta.model_name}",
            f"admin:{model._meta.app_label}_{model._meta.model_name}_add",
        )
        for model in admin.site._registry
    ]


def test_every_add_form_and_inline_offers_distinct_labels(superuser_client, repeated_names) -> None:
    problems, walked = [], 0
    superuser_client.raise_request_exception = False  # an admin without an add page answers 403
    for name, url_name in _add_pages():
        response = superuser_client.get(reverse(url_name), follow=True)  # an add page may lead to a wizard
        if response.status_code == 403:
            continue  # no add page (rows the system writes)
        assert response.status_code == 200, name
        walked += 1
        problems += [problem for form in _forms(response.context) for problem in _duplicates(name, form)]
    assert walked >= 20
    assert problems == []


def test_every_change_form_with_inlines_offers_distinct_labels(superuser_client, repeated_names) -> None:
    # The change page of a row of every registered model that has one (inlines pick related objects too).
    problems, walked = [], 0
    for model in admin.site._registry:
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        walked += 1
        problems += [problem for form in _forms(response.context) for problem in _duplicates(url, form)]
    assert walked >= 10
    assert problems == []


def test_the_service_dropdown_names_the_engagement_and_its_model(superuser_client, repeated_names) -> None:
    form = superuser_client.get(reverse("admin:sla_outage_add")).context["adminform"].form
    assert sorted(_labels(form.fields["service"])) == [
        "Compute platform - Cloud infrastructure A (managed service)",
        "Compute platform - Cloud infrastructure B (managed service)",
    ]


@pytest.mark.parametrize(
    ("app", "model", "field", "term", "expected"),
    [
        ("sla", "outage", "service", "Compute", {"Compute platform - Cloud infrastructure A (managed service)"}),
        (
            "engagements",
            "timeentry",
            "contractor",
            "Ana",
            {"Ana Silva - Platform team A", "Ana Silva - Platform team B"},
        ),
        (
            "engagements",
            "overheadentry",
            "person",
            "Sam",
            {"Sam Lee <sam.lee@example.com>", "Sam Lee <sam.lee2@example.com>"},
        ),
    ],
)
def test_autocomplete_answers_carry_the_same_labels(
    superuser_client, repeated_names, app: str, model: str, field: str, term: str, expected: set[str]
) -> None:
    response = superuser_client.get(
        reverse("admin:autocomplete"), {"app_label": app, "model_name": model, "field_name": field, "term": term}
    )
    assert response.status_code == 200
    texts = [row["text"] for row in response.json()["results"]]
    assert len(texts) == len(set(texts))
    assert expected <= set(texts)


def test_an_outage_saved_from_the_picker_lands_on_the_chosen_engagement(operations_client, repeated_names) -> None:
    second = repeated_names["services"][1]
    form = operations_client.get(reverse("admin:sla_outage_add")).context["adminform"].form
    value = next(value for value, label in form.fields["service"].choices if "Cloud infrastructure B" in str(label))
    response = operations_client.post(
        reverse("admin:sla_outage_add"),
        {
            "service": str(value),
            "started_at_0": "2026-04-03",
            "started_at_1": "10:00:00",
            "ended_at_0": "2026-04-03",
            "ended_at_1": "11:00:00",
            "reason": "disk full",
            "source": "",
            "external_id": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Outage.objects.get().service.engagement == second.engagement
