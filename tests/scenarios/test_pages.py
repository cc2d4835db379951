"""Scenario pages: the form prefilled from realized data, the result, CSV, PDF, permissions, query counts."""

from __future__ import annotations

import datetime as dt
import re
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


def save(area, start: dt.date, author=None, name: str = "", **inputs) -> Scenario:
    values = {"managed_fee": D("9000.00"), "onboarding_charges": D("6000.00"), "onboarding_months": 2} | inputs
    name = name or f"{area.name} managed"
    return scenario_create(author=author, service_area=area, name=name, start_month=start, **values)


def test_the_form_is_prefilled_from_the_areas_realized_data(leadership_client) -> None:
    area = build_area(2, dt.date(2026, 1, 1), 10)
    page = leadership_client.get(f"/reports/scenarios/new/?area={area.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    # QA B3: a hybrid area's quote is not today's managed fee alone (5,000.00), which would make the staff-aug
    # work look free, but an estimate of both: October's 190 h + 191 h at 90.00 = 34,290.00, + 5,000.00.
    assert 'value="39290"' in html and 'value="5000"' not in html
    assert (
        "Estimate, replace it with the provider&#x27;s quote for the whole area: today&#x27;s managed fee "
        "USD 5,000.00 + the staff-aug vendor cost it takes over USD 34,290.00 in October 2026 = USD 39,290.00."
    ) in html
    assert "Managed fee in October 2026 (the provider&#x27;s fee only)" in html
    assert "Mean bill rate (hours-weighted)" in html and "USD 90.00" in html
    assert "10.0%" in html and "10.000%" not in html  # staff-aug overhead ratio 9 / 90, one decimal (QA C2)
    assert '<option value="managed" selected>' in html  # a hybrid area: what if all of it were managed


def _managed_only(name: str, staff_months: int = 0):
    """An area whose managed service ran January-October 2026, after staff aug in its first `staff_months`."""
    area = ServiceAreaFactory(name=name)
    msp = EngagementFactory(service_area=area, model=DeliveryModel.MANAGED)
    staff = EngagementFactory(service_area=area, model=DeliveryModel.STAFF_AUG)
    for k in range(10):
        month = dt.date(2026, 1 + k, 1)
        snapshot(msp, month, fee_cost=D("6000.00"), overhead_cost=D("60.00"))
        if k >= 10 - 6 and k < 10 - 6 + staff_months:
            snapshot(staff, month, hours=100, labor_cost=D("9000.00"))
    return area


def test_a_managed_only_area_is_prefilled_as_a_new_quote_and_says_so(leadership_client) -> None:
    """QA B1b: "Moving the Help desk to a managed service" of an area that is managed only."""
    area = _managed_only("Help desk")
    html = leadership_client.get(f"/reports/scenarios/new/?area={area.pk}").content.decode()
    assert 'value="6000"' in html
    assert "Today&#x27;s managed fee (USD 6,000.00 in October 2026, the provider&#x27;s fee only): replace" in html
    # No staff-aug data: its overhead ratio is unknown, not 0%.
    assert "<td>Staff-aug overhead ratio (this area)</td><td>-</td>" in html
    scenario = save(area, dt.date(2026, 12, 1), managed_fee=D("6000.00"), onboarding_charges=D(0))
    page = leadership_client.get(f"/reports/scenarios/{scenario.pk}/").content.decode()
    assert "Re-quoting the Help desk&#x27;s managed service at USD 6,000/month" in page
    assert "Moving the Help desk" not in page and "break even in month 1" not in page
    assert "The quoted fee replaces today&#x27;s managed fee" in page
    assert "Current managed cost per month (fee + our overhead - credits)" in page


def test_a_managed_area_that_had_staff_aug_hours_defaults_to_staff_aug(leadership_client) -> None:
    area = _managed_only("Service desk", staff_months=3)
    html = leadership_client.get(f"/reports/scenarios/new/?area={area.pk}").content.decode()
    assert '<option value="staff_aug" selected>' in html


def test_a_staff_aug_area_is_prefilled_with_its_vendor_cost(leadership_client) -> None:
    area = ServiceAreaFactory(name="Field support")
    staff = EngagementFactory(service_area=area, model=DeliveryModel.STAFF_AUG)
    for k in range(4):
        snapshot(staff, dt.date(2026, 7 + k, 1), hours=100, labor_cost=D("8000.00"), overhead_cost=D("800.00"))
    html = leadership_client.get(f"/reports/scenarios/new/?area={area.pk}").content.decode()
    # The provider replaces the vendor cost (8,000.00), not our own overhead on it.
    assert 'value="8000"' in html and '<option value="managed" selected>' in html
    assert "the staff-aug vendor cost it takes over USD 8,000.00 in October 2026." in html
    assert "Estimate, replace it with the provider" in html


def test_an_area_without_data_asks_for_the_quote(leadership_client) -> None:
    area = ServiceAreaFactory(name="New area")
    html = leadership_client.get(f"/reports/scenarios/new/?area={area.pk}").content.decode()
    assert "No cost last month to estimate from: enter the provider&#x27;s quote for the whole area." in html


def test_the_result_page_says_what_the_quote_covers_with_one_decimal_percentages(leadership_client) -> None:
    area = build_area(1, dt.date(2026, 1, 1), 10)
    scenario = save(area, dt.date(2026, 12, 1), credit_pct=D("0.621"), hours_kept_pct=D("30"))
    page = leadership_client.get(f"/reports/scenarios/{scenario.pk}/").content.decode()
    assert '<p class="scope" id="scope">The quoted fee must cover the work of today&#x27;s staff-aug hours' in page
    assert "as well as what today&#x27;s managed service does" in page
    assert "<td>0.6%</td>" in page and "<td>30.0%</td>" in page and "0.621%" not in page
    # The CSV keeps the exact figures.
    text = leadership_client.get(f"/reports/scenarios/{scenario.pk}.csv").content.decode()
    assert "input,Expected credits,0.621%" in text and "the quote must cover," in text
    words = pdf_text(leadership_client.get(f"/reports/scenarios/{scenario.pk}.pdf").content)
    assert "The quoted fee must cover the work of" in words and "0.6%" in words and "0.621%" not in words


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
    assert "from July 2026, by" in listing
    # QA C2: a name that carries its start month is not followed by it again.
    save(area, dt.date(2026, 12, 1), name="Help desk: what if, from December 2026")
    listing = leadership_client.get(f"/reports/scenarios/?area={area.pk}").content.decode()
    assert "from December 2026</a>" in listing and 'December 2026</a>\n    <span class="note">from' not in listing
    assert listing.count("from December 2026") == 1
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
    # Error percentages to one decimal on the page (QA C2), e.g. "(-8.7%)", never 3 places.
    assert re.search(r"\(-?\d+\.\d%\)</td>", page) and not re.search(r"\d\.\d{3}%", page)


def test_the_report_tag_shows_hindsight_per_area() -> None:
    area = build_area(1, dt.date(2026, 1, 1), 10)
    other = build_area(1, dt.date(2026, 1, 1), 10, name="Cloud")
    save(area, dt.date(2026, 7, 1))
    save(other, dt.date(2026, 12, 1))  # not started by the report's month
    template = Template("{% load scenarios %}{% for id in ids %}[{% scenario_hindsight month id %}]{% endfor %}")
    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"month": dt.date(2026, 9, 1), "ids": [area.pk, other.pk]}))
    assert "Help desk managed" in html and "Scenarios in hindsight" in html and "Cloud managed" not in html
    assert re.search(r"\(-?\d+\.\d%\)</td>", html) and not re.search(r"\d\.\d{3}%", html)
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


@pytest.mark.parametrize("area", ["99999999999999999999999", "%C2%B2", "-1", "abc"])
def test_a_bad_area_in_the_query_string_is_ignored_not_a_server_error(leadership_client, area) -> None:
    """A hand-edited link (?area=...) never answers 500: an id that cannot exist is no area."""
    build_area(1, dt.date(2026, 1, 1), 3)
    for path in ("/reports/scenarios/new/", "/reports/scenarios/"):
        assert leadership_client.get(f"{path}?area={area}").status_code == 200
    assert leadership_client.get("/reports/scenarios/99999999999999999999999/").status_code == 404


def test_deleting_a_scenario_asks_first(leadership_client, leadership_user, operations_user) -> None:
    """QA C15: one click on "Delete this scenario" deleted it; now a page asks, and only a POST deletes."""
    area = build_area(1, dt.date(2026, 1, 1), 3)
    mine = save(area, dt.date(2026, 12, 1), author=leadership_user)
    other = save(area, dt.date(2026, 12, 1), author=operations_user)
    page = leadership_client.get(f"/reports/scenarios/{mine.pk}/").content.decode()
    assert f'href="/reports/scenarios/{mine.pk}/delete/"' in page and 'action="/reports/scenarios/' not in page
    confirm = leadership_client.get(f"/reports/scenarios/{mine.pk}/delete/")
    html = confirm.content.decode()
    assert confirm.status_code == 200 and "Delete scenario “Help desk managed”?" in html
    assert 'id="confirm-delete"' in html and "this cannot be undone" in html
    assert Scenario.objects.filter(pk=mine.pk).exists()
    assert leadership_client.get(f"/reports/scenarios/{other.pk}/delete/").status_code == 403
    assert leadership_client.post(f"/reports/scenarios/{mine.pk}/delete/").status_code == 302
    assert not Scenario.objects.filter(pk=mine.pk).exists()
