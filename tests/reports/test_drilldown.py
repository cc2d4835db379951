"""Every count and amount of the report links to the rows behind it: following the link lists exactly them."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.db.models import QuerySet
from django.urls import reverse

from reports.services import report_build, snapshots_compute

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db
# An engagement table cell: <td data-figure="hours"><a href="...">12.50</a></td>
ENGAGEMENT_LINK = re.compile(r'<td data-figure="(\w+)"[^>]*><a href="([^"]+)">([^<]+)</a></td>')
FIGURE_LINK = re.compile(r'<a href="(/admin/[^"]+)">([^<]+)</a>')


@pytest.fixture
def april_report(worked_example):
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    return report_build(month=APRIL)


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _sum(rows: QuerySet, field: str) -> Decimal:
    return sum((getattr(row, field) for row in rows), Decimal(0))


def _listed(client, url: str) -> QuerySet:
    """Follow a link as the user would and return the changelist's filtered rows."""
    response = client.get(html.unescape(url))
    # An unknown filter parameter would redirect to ?e=1 and list everything: the link must be understood.
    assert response.status_code == 200, (url, response.status_code)
    return response.context["cl"].queryset


def _check(figure: str, rows: QuerySet, text: str, url: str) -> None:
    if figure in ("tickets_opened", "tickets_resolved", "breached_tickets"):
        assert rows.count() == int(_number(text)), (figure, url)
    elif figure in ("hours", "overhead_hours"):
        assert _sum(rows, "hours") == _number(text), (figure, url)
    elif figure == "one_time_cost":
        assert _sum(rows, "amount") == _number(text), (figure, url)
    elif figure == "credit":
        # The credit is computed from the SLA; the list holds the credits recorded (claimed) for the
        # month, which match it once recorded (the demo records them; the worked example does not).
        assert not rows.exists() or _sum(rows, "amount") == _number(text), (figure, url)
    else:  # fees in effect, outages with downtime in the month: the rows exist
        assert rows.count() >= 1, (figure, url)


def test_every_engagement_figure_lists_exactly_its_rows(superuser_client, april_report) -> None:
    page = superuser_client.get(reverse("reports:month", kwargs={"month": "2026-04"})).content.decode()
    links = ENGAGEMENT_LINK.findall(page)
    kinds = {figure for figure, _, _ in links}
    # Each money and hours link kind of the worked example (it has no tickets: the demo's test follows those).
    assert kinds == {"hours", "overhead_hours", "fee_cost", "one_time_cost", "credit", "downtime_hours"}, kinds
    for figure, url, text in links:
        assert "engagement__id__exact=" in url and "2026-04" in url
        _check(figure, _listed(superuser_client, url), text, url)


def test_the_model_figures_of_an_area_list_exactly_their_rows(superuser_client, april_report, worked_example) -> None:
    area = worked_example.augmented.service_area_id
    url = reverse("reports:month", kwargs={"month": "2026-04"}) + f"?area={area}"
    page = superuser_client.get(url).content.decode()
    figures = page[page.index('<table class="figures">') :]
    figures = figures[: figures.index("</table>")]
    rows = re.findall(r"<tr><td[^>]*>([^<]+)</td>(.*?)</tr>", figures)
    checked = 0
    keys = {
        "Contractor hours": "hours",
        "Overhead hours": "overhead_hours",
        "one-time charges": "one_time_cost",
        "service credits": "credit",
    }
    for label, cells in rows:
        if label in keys:
            for link, text in FIGURE_LINK.findall(cells):
                assert f"service_area={area}" in link
                _check(keys[label], _listed(superuser_client, link), text, link)
                checked += 1
    assert checked == 6  # hours (staff aug), overhead hours and one-time charges (both), credits (managed)


def test_leadership_without_the_admin_sees_figures_without_links(client, leadership_user, april_report) -> None:
    leadership_user.is_staff = False
    leadership_user.save()
    client.force_login(leadership_user)
    page = client.get(reverse("reports:month", kwargs={"month": "2026-04"})).content.decode()
    assert 'href="/admin/' not in page and "4,192.50" in page


def test_a_gap_in_the_data_links_to_where_it_is_fixed(superuser_client, worked_example) -> None:
    from engagements.services.entries import time_entry_create
    from tests.factories import ContractorFactory

    # A contractor without any bill rate works 40 hours: the hours are not priced, and the report says so.
    contractor = ContractorFactory(engagement=worked_example.augmented, name="Rateless Rita")
    for day in (6, 7, 8, 9, 10):
        time_entry_create(contractor=contractor, date=dt.date(2026, 4, day), hours=Decimal("8.00"))
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    report_build(month=APRIL)
    page = superuser_client.get(reverse("reports:month", kwargs={"month": "2026-04"})).content.decode()
    banner = page[page.index('id="data-quality"') :]
    banner = banner[: banner.index("</section>")]
    assert "Data incomplete" in banner and "40.00 h" in banner and "Rateless Rita" in banner
    add_rate = reverse("admin:billing_contractorrate_add") + f"?contractor={contractor.pk}"
    assert html.escape(add_rate) in banner or add_rate in banner
    assert reverse("admin:engagements_contractor_change", args=[contractor.pk]) in banner
    # The verdict and the staff aug figures built on those hours carry the marker.
    head = page[: page.index('id="data-quality"')]
    assert 'class="incomplete"' in head
    assert superuser_client.get(add_rate).status_code == 200
    # In the figures, the marker sits on what the unpriced hours leave short, not on every figure.
    table = page[page.index('<table class="figures">') :]
    table = table[: table.index("</table>")]
    marked = {
        label for label, cells in re.findall(r"<tr><td[^>]*>([^<]+)</td>(.*?)</tr>", table) if "incomplete" in cells
    }
    assert marked == {"Total cost", "Vendor cost", "labor", "Overhead ratio (management tax)"}


@pytest.mark.parametrize(
    ("gap", "action", "target"),
    [
        (
            {"kind": "missing_bill_rate", "subject_id": 5},
            "Add a bill rate",
            "/admin/billing/contractorrate/add/?contractor=5",
        ),
        (
            {"kind": "missing_internal_rate", "subject_id": 6},
            "Add an internal rate",
            "/admin/billing/internalrate/add/?person=6",
        ),
        (
            {"kind": "missing_exchange_rate", "subject": "EUR"},
            "Add an exchange rate",
            "/admin/billing/exchangerate/add/?currency=EUR",
        ),
        (
            {"kind": "no_sla_policy", "engagement": 7},
            "Assign an SLA policy",
            "/admin/sla/slaassignment/add/?engagement=7",
        ),
        ({"kind": "something_new"}, "Review", None),
    ],
)
def test_each_kind_of_gap_links_to_the_form_that_fixes_it(gap, action, target) -> None:
    from reports.links import fix_link, subject_link

    assert fix_link(gap) == (action, target)
    expected = {
        "missing_bill_rate": "/admin/engagements/contractor/5/change/",
        "missing_internal_rate": "/admin/engagements/person/6/change/",
        "no_sla_policy": "/admin/engagements/engagement/7/change/",
    }.get(gap["kind"])
    assert subject_link(gap) == expected


def test_figures_without_a_list_or_of_the_other_model_have_no_link() -> None:
    from reports.links import figure_link

    assert figure_link("total_cost", "2026-04", engagement=1) is None
    assert figure_link("hours", "2026-04", area=1, model="managed") is None
    assert figure_link("fee_cost", "2026-04", area=1, model="managed") == (
        "/admin/billing/feeschedule/?service_area=1&month=2026-04"
    )
    assert figure_link("tickets_opened", "2026-04", area=1, model="staff_aug") == (
        "/admin/sla/ticket/?service_area=1&model=staff_aug&opened_month=2026-04"
    )
