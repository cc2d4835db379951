"""Scenario pages: the form prefilled from realized data, the result, CSV, PDF, permissions, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from engagements.models import DeliveryModel
from scenarios.models import Scenario
from scenarios.services import scenario_create
from tests.factories import EngagementFactory, ServiceAreaFactory, UserFactory
from tests.reports.pdf import pdf_text
from tests.scenarios.conftest import snapshot

pytestmark = pytest.mark.django_db
D = Decimal


def build_area(engagements: int, first: dt.date, months: int, name: str = "Help desk"):
    """An area with `engagements` staff-aug engagements and one managed, with snapshots for `months` months."""
    area = ServiceAreaFactory(name=name)
    staff = [EngagementFactory(service_area=area, model=DeliveryModel.STAFF_AUG) for _ in range(engagements)]
    msp = EngagementFactory(service_area=area, model=DeliveryModel.MANAGED)
    for k in range(months):
        month = dt.date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)
        for i, engagement in enumerate(staff):
            hours = 100 + 10 * k + i
            snapshot(engagement, month, hours=hours, labor_cost=D(hours * 90), overhead_cost=D(hours * 9))
        snapshot(msp, month, fee_cost=D("5000.00"), overhead_cost=D("100.00"))
    return area


def save(area, start: dt.date, author=None, **inputs) -> Scenario:
    values = {"managed_fee": D("9000.00"), "onboarding_charges": D("6000.00"), "onboarding_months": 2} | inputs
    return scenario_create(author=author, service_area=area, name=f"{area.name} managed", start_month=start, **values)


def test_the_form_is_prefilled_from_the_areas_realized_data(leadership_client) -> None:
    area = build_area(2, dt.date(2026, 1, 1), 10)
    page = leadership_client.get(f"/reports/scenarios/new/?area={area.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="5000"' in html  # the area's managed fee last month
    assert "Mean bill rate (hours-weighted)" in html and "USD 90.00" in html
    assert "10.000%" in html  # staff-aug overhead ratio: 9 / 90


def test_without_an_area_the_form_offers_to_prefill_from_one(leadership_client) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 3)
    html = leadership_client.get("/reports/scenarios/new/").content.decode()
    assert 'id="prefill"' in html and f'<option value="{area.pk}">Help desk</option>' in html
    assert 'id="prefill"' not in leadership_client.get(f"/reports/scenarios/new/?area={area.pk}").content.decode()


def test_leadership_saves_a_scenario_and_sees_its_sentence_and_chart(leadership_client, leadership_user) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 10)
    response = leadership_client.post(
        f"/reports/scenarios/new/?area={area.pk}",
        {
            "service_area": area.pk,
            "name": "Help desk to an MSP",
            "start_month": "2026-12",
            "managed_fee": "9000",
            "onboarding_charges": "10000",
            "onboarding_months": "2",
            "credit_pct": "2",
            "managed_overhead_pct": "",
            "hours_kept_pct": "30",
            "one_time_costs": "0",
            "chosen_plan": "managed",
        },
    )
    scenario = Scenario.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/scenarios/{scenario.pk}/"
    assert scenario.author == leadership_user and scenario.start_month == dt.date(2026, 12, 1)
    page = leadership_client.get(response["Location"]).content.decode()
    assert "Moving the Help desk to a managed service at USD 9,000/month" in page
    assert "<svg" in page and "break-even" in page and "Months 13-24" in page
    assert "Drawn from realized data" in page


def test_the_form_says_what_is_wrong(leadership_client) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 3)
    response = leadership_client.post(
        "/reports/scenarios/new/",
        {
            "service_area": area.pk,
            "name": "x",
            "start_month": "2026-12",
            "managed_fee": "-1",
            "onboarding_months": "20",
            "credit_pct": "120",
            "hours_kept_pct": "30",
            "one_time_costs": "0",
            "onboarding_charges": "0",
            "chosen_plan": "managed",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and not Scenario.objects.exists()
    assert "Enter an amount of 0 or more." in html
    assert "Enter an onboarding length of 0 to 12 months." in html
    assert "Enter a percentage from 0 to 100." in html


def test_who_may_see_save_and_change(
    client, leadership_client, operations_client, nobody_user, leadership_user
) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 3)
    scenario = save(area, dt.date(2026, 12, 1))
    assert client.get("/reports/scenarios/").status_code == 302  # to the login page
    client.force_login(nobody_user)
    assert client.get(f"/reports/scenarios/{scenario.pk}/").status_code == 403
    assert leadership_client.get(f"/reports/scenarios/{scenario.pk}/").status_code == 200
    # Leadership may not change another's scenario; Operations may.
    assert leadership_client.get(f"/reports/scenarios/{scenario.pk}/edit/").status_code == 403
    assert leadership_client.post(f"/reports/scenarios/{scenario.pk}/delete/").status_code == 403
    assert operations_client.get(f"/reports/scenarios/{scenario.pk}/edit/").status_code == 200
    mine = save(area, dt.date(2026, 12, 1), author=leadership_user)
    assert leadership_client.get(f"/reports/scenarios/{mine.pk}/edit/").status_code == 200
    assert leadership_client.post(f"/reports/scenarios/{mine.pk}/delete/").status_code == 302
    assert not Scenario.objects.filter(pk=mine.pk).exists()


def test_changing_a_scenario_through_its_page(operations_client) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 3)
    scenario = save(area, dt.date(2026, 12, 1))
    data = {
        "service_area": area.pk,
        "name": "Renamed",
        "start_month": "2026-12",
        "managed_fee": "8000",
        "onboarding_charges": "0",
        "onboarding_months": "0",
        "credit_pct": "0",
        "managed_overhead_pct": "4",
        "hours_kept_pct": "0",
        "one_time_costs": "0",
        "chosen_plan": "hybrid",
    }
    response = operations_client.post(f"/reports/scenarios/{scenario.pk}/edit/", data)
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert (scenario.name, scenario.managed_fee, scenario.chosen_plan) == ("Renamed", D("8000.00"), "hybrid")


def test_the_list_csv_and_pdf(leadership_client) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 10)
    scenario = save(area, dt.date(2026, 7, 1))
    listing = leadership_client.get(f"/reports/scenarios/?area={area.pk}").content.decode()
    assert "Help desk managed" in listing and "Moving the Help desk" in listing
    csv = leadership_client.get(f"/reports/scenarios/{scenario.pk}.csv")
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode()
    assert "2026-07,1," in text and "hindsight month" in text and "Managed service monthly" in text
    pdf = leadership_client.get(f"/reports/scenarios/{scenario.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    words = pdf_text(pdf.content)
    assert "Help desk managed" in words and "Hindsight" in words


def test_a_scenario_in_the_past_shows_hindsight(leadership_client) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 10)
    scenario = save(area, dt.date(2026, 7, 1), chosen_plan="staff_aug")
    page = leadership_client.get(f"/reports/scenarios/{scenario.pk}/").content.decode()
    assert "Hindsight: the staff augmentation plan against what happened" in page
    assert "4 (Oct 2026)" in page


def test_the_report_tag_shows_hindsight_per_area() -> None:
    area = build_area(1, dt.date(2026, 1, 1), 10)
    other = build_area(1, dt.date(2026, 1, 1), 10, name="Cloud")
    save(area, dt.date(2026, 7, 1))
    save(other, dt.date(2026, 12, 1))  # not started by the report's month
    template = Template("{% load scenarios %}{% for id in ids %}[{% scenario_hindsight month id %}]{% endfor %}")
    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"month": dt.date(2026, 9, 1), "ids": [area.pk, other.pk]}))
    assert "Help desk managed" in html and "Scenarios in hindsight" in html and "Cloud managed" not in html
    assert len(queries) == 2  # scenarios, then every area's actual costs: once for the page
    assert Template("{% load scenarios %}[{% scenario_hindsight month 1 %}]").render(
        Context({"month": dt.date(2026, 1, 1)})
    ).split() == ["[", "]"]


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_pages_query_counts_do_not_grow_with_months_or_engagements(leadership_client) -> None:
    UserFactory()
    small = build_area(1, dt.date(2026, 5, 1), 6, name="Small")
    big = build_area(4, dt.date(2025, 9, 1), 14, name="Big")
    few = save(small, dt.date(2026, 9, 1))  # 2 real months since its start
    many = save(big, dt.date(2026, 2, 1))  # 9 real months since its start
    for suffix in ("/", ".csv", ".pdf"):
        assert _queries(leadership_client, f"/reports/scenarios/{few.pk}{suffix}") == _queries(
            leadership_client, f"/reports/scenarios/{many.pk}{suffix}"
        )
    assert _queries(leadership_client, f"/reports/scenarios/new/?area={small.pk}") == _queries(
        leadership_client, f"/reports/scenarios/new/?area={big.pk}"
    )
    save(small, dt.date(2026, 12, 1))
    one = _queries(leadership_client, f"/reports/scenarios/?area={big.pk}")
    assert _queries(leadership_client, "/reports/scenarios/") == one
