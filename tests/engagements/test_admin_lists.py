"""Entry lists answer questions: the same filters everywhere (the report's drill-down links) and totals of the rows."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import DeliveryModel
from tests.billing.factories import InvoiceFactory, OneTimeChargeFactory
from tests.factories import (
    ContractorFactory,
    EngagementFactory,
    OverheadEntryFactory,
    ServiceAreaFactory,
    TimeEntryFactory,
    VendorFactory,
)
from tests.sla.factories import MonitoredServiceFactory, OutageFactory, ny

pytestmark = pytest.mark.django_db

TIME = "/admin/engagements/timeentry/"


@pytest.fixture
def two_teams():
    """Two staff-aug engagements of different vendors and areas, each with a contractor named Ana Silva."""
    first = EngagementFactory(
        name="Platform A", vendor=VendorFactory(name="Acme"), service_area=ServiceAreaFactory(name="Cloud")
    )
    second = EngagementFactory(
        name="Platform B", vendor=VendorFactory(name="Beta"), service_area=ServiceAreaFactory(name="Desk")
    )
    ana_a = ContractorFactory(engagement=first, name="Ana Silva")
    ana_b = ContractorFactory(engagement=second, name="Ana Silva")
    for day, hours in ((1, "7.5"), (2, "8"), (30, "6")):
        TimeEntryFactory(contractor=ana_a, date=dt.date(2026, 4, day), hours=Decimal(hours))
    TimeEntryFactory(contractor=ana_a, date=dt.date(2026, 5, 4), hours=Decimal("4"))
    TimeEntryFactory(contractor=ana_b, date=dt.date(2026, 4, 1), hours=Decimal("3"))
    return first, second, ana_a, ana_b


def rows_of(client, url: str) -> list:
    response = client.get(url)
    assert response.status_code == 200, url
    assert "?e=1" not in response.get("Location", "")
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("query", "hours"),
    [
        ("engagement__id__exact={first}", ["7.50", "8.00", "6.00", "4.00"]),
        ("contractor={ana_b}", ["3.00"]),
        ("vendor={acme}", ["7.50", "8.00", "6.00", "4.00"]),
        ("service_area={desk}", ["3.00"]),
        ("month=2026-04", ["7.50", "8.00", "6.00", "3.00"]),
        ("month=2026-04&engagement__id__exact={first}", ["7.50", "8.00", "6.00"]),
        ("month=2026-05", ["4.00"]),
    ],
)
def test_time_entries_filter_by_engagement_contractor_vendor_area_and_month(
    operations_client, two_teams, query: str, hours: list[str]
) -> None:
    first, second, _ana_a, ana_b = two_teams
    url = TIME + "?" + query.format(first=first.pk, ana_b=ana_b.pk, acme=first.vendor_id, desk=second.service_area_id)
    assert sorted(str(e.hours) for e in rows_of(operations_client, url)) == sorted(hours)


def test_the_totals_of_the_filtered_rows_show_above_the_list(operations_client, two_teams) -> None:
    first = two_teams[0]
    response = operations_client.get(f"{TIME}?month=2026-04&engagement__id__exact={first.pk}")
    assert response.context["list_totals"] == {"rows": 3, "figures": [{"label": "Hours", "values": ["21.50 h"]}]}
    assert re.search(
        r"3 rows</strong> matching the filters\s*· Hours: <strong>21.50 h</strong>", response.content.decode()
    )


def test_an_unfiltered_list_is_not_summed(operations_client, two_teams) -> None:
    response = operations_client.get(TIME)
    assert response.context["list_totals"] == {"narrow": True}
    assert "Filter the list" in response.content.decode()


def test_time_entries_offer_no_delivery_model_filter_and_name_contractors_once(operations_client, two_teams) -> None:
    response = operations_client.get(TIME)
    assert "model" not in [
        spec.parameter_name for spec in response.context["cl"].filter_specs if hasattr(spec, "parameter_name")
    ]
    html = response.content.decode()
    assert "Ana Silva (Platform A)" not in html  # the engagement has its own column
    contractor_choices = next(
        s for s in response.context["cl"].filter_specs if getattr(s, "parameter_name", "") == "contractor"
    )
    assert {label for _, label in contractor_choices.lookup_choices} == {
        "Ana Silva - Platform A",
        "Ana Silva - Platform B",
    }


def test_money_totals_are_summed_per_currency(operations_client) -> None:
    usd = EngagementFactory(currency="USD", model=DeliveryModel.MANAGED)
    eur = EngagementFactory(currency="EUR", model=DeliveryModel.MANAGED)
    OneTimeChargeFactory(engagement=usd, amount=Decimal("1250.50"))
    OneTimeChargeFactory(engagement=usd, amount=Decimal("100"))
    OneTimeChargeFactory(engagement=eur, amount=Decimal("99.99"))
    totals = operations_client.get("/admin/billing/onetimecharge/?month=2026-04").context["list_totals"]
    assert totals == {"rows": 3, "figures": [{"label": "Amount", "values": ["EUR 99.99", "USD 1,350.50"]}]}
    InvoiceFactory(engagement=usd, amount=Decimal("1000"))
    invoices = operations_client.get(f"/admin/billing/invoice/?engagement__id__exact={usd.pk}").context["list_totals"]
    assert invoices["figures"][0] == {"label": "Invoiced", "values": ["USD 1,000.00"]}


def test_outages_filter_by_engagement_and_the_months_they_overlap(operations_client, settings) -> None:
    settings.TIME_ZONE = "America/New_York"  # months are the organisation's
    service = MonitoredServiceFactory()
    OutageFactory(service=service, started_at=ny(2026, 4, 30, 23), ended_at=ny(2026, 5, 1, 1))  # across months
    OutageFactory(service=service, started_at=ny(2026, 5, 10, 9), ended_at=ny(2026, 5, 10, 10))
    OutageFactory(started_at=ny(2026, 5, 10, 9), ended_at=ny(2026, 5, 10, 10))  # another engagement
    url = f"/admin/sla/outage/?engagement__id__exact={service.engagement_id}"
    assert len(rows_of(operations_client, url + "&month=2026-04")) == 1
    assert len(rows_of(operations_client, url + "&month=2026-05")) == 2


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/admin/engagements/timeentry/?month=2026-04", lambda n: TimeEntryFactory.create_batch(n)),
        ("/admin/engagements/overheadentry/?month=2026-04", lambda n: OverheadEntryFactory.create_batch(n)),
        ("/admin/billing/onetimecharge/?month=2026-04", lambda n: OneTimeChargeFactory.create_batch(n)),
        ("/admin/billing/invoice/?month=2026-04", lambda n: InvoiceFactory.create_batch(n)),
        ("/admin/sla/outage/?month=2026-04", lambda n: OutageFactory.create_batch(n)),
    ],
)
def test_filtered_lists_with_totals_take_the_same_queries_for_3_or_30_rows(operations_client, url, make) -> None:
    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            assert operations_client.get(url).status_code == 200
        sums = [q for q in ctx.captured_queries if "SUM(" in q["sql"].upper() or '"n"' in q["sql"]]
        return len(ctx.captured_queries), len(sums)

    make(3)
    queries()  # warm the caches (content types, permissions)
    few = queries()
    make(27)
    assert queries() == few
    assert few[1] <= 1  # the totals: one query


def test_the_model_filter_and_unreadable_values(operations_client) -> None:
    OverheadEntryFactory(engagement=EngagementFactory(model=DeliveryModel.MANAGED), hours=Decimal("2"))
    OverheadEntryFactory(engagement=EngagementFactory(model=DeliveryModel.STAFF_AUG), hours=Decimal("3"))
    url = "/admin/engagements/overheadentry/"
    assert [str(e.hours) for e in rows_of(operations_client, f"{url}?model=managed")] == ["2.00"]
    # A stale or hand-typed value is ignored: the whole list, not an error page.
    for query in ("model=hybrid", "engagement__id__exact=abc", "month=2026-13", "vendor="):
        assert len(rows_of(operations_client, f"{url}?{query}")) == 2, query
