"""The operations home: the admin index lists the day's tasks and what needs attention; technical rows stay hidden."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.ops_home import gap_url, hours_minutes
from engagements.models import AttestationType, ComplianceAttestation
from kernel.months import add_months, current_month, today
from sla.attention import tickets_near_breach
from tests.billing.factories import InvoiceFactory
from tests.factories import EngagementFactory, VendorFactory
from tests.sla.factories import MonitoredServiceFactory, OutageFactory, SLAAssignmentFactory, TicketFactory

pytestmark = pytest.mark.django_db

TECHNICAL = {
    "engagements/changedmonth": "Changed months",
    "engagements/pendingtask": "Pending tasks",
    "engagements/workerheartbeat": "Worker heartbeats",
    "django_celery_beat/periodictask": "Periodic tasks",
    "django_celery_beat/crontabschedule": "Crontabs",
    "django_celery_beat/intervalschedule": "Intervals",
}


def home(client) -> str:
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def item(client, key: str):
    return next(entry for entry in client.get("/admin/").context["ops_attention"] if entry.key == key)


def since_start() -> dt.date:
    return add_months(current_month(), -3)


# --- what each role sees -----------------------------------------------------------------


def test_operations_sees_the_days_tasks_one_click_away(operations_client) -> None:
    page = home(operations_client)
    starts = {start.label: start.url for start in operations_client.get("/admin/").context["ops_starts"]}
    assert starts["Enter a week of hours"] == "/admin/engagements/timeentry/week/"
    assert starts["Record an outage"] == "/admin/sla/outage/add/"
    assert starts["Log a ticket"] == "/admin/sla/ticket/add/"
    assert starts["Import a file"].startswith("/admin/imports/importfile/")
    assert starts["Close a month"] == "/admin/billing/period/close/"
    assert starts["See this month's uptime"] == f"/admin/sla/monitoredservice/uptime/?month={current_month():%Y-%m}"
    assert "Needs attention" in page
    for url in starts.values():
        assert operations_client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["operations_client", "leadership_client"])
def test_neither_role_sees_the_technical_models(role, request) -> None:
    client = request.getfixturevalue(role)
    page = home(client)
    for path, label in TECHNICAL.items():
        assert f"/admin/{path}/" not in page and f">{label}<" not in page, label
        assert client.get(f"/admin/{path}/").status_code == 403, path
    assert client.get("/admin/django_celery_beat/").status_code == 404


def test_leadership_gets_the_plain_index_without_tasks(leadership_client) -> None:
    response = leadership_client.get("/admin/")
    assert "ops_starts" not in response.context and "Needs attention" not in response.content.decode()
    assert "/admin/engagements/engagement/" in response.content.decode()


def test_a_superuser_sees_the_home_and_the_technical_models(superuser_client) -> None:
    page = home(superuser_client)
    assert "Needs attention" in page and "Close a month" in page
    for path in TECHNICAL:
        assert f"/admin/{path}/" in page
        assert superuser_client.get(f"/admin/{path}/").status_code == 200, path


# --- needs attention -------------------------------------------------------------------------


def test_only_outages_open_for_more_than_a_day_are_listed(operations_client) -> None:
    now = timezone.now()
    service = MonitoredServiceFactory(engagement=EngagementFactory(start_date=since_start()), name="VPN")
    old = OutageFactory(service=service, started_at=now - dt.timedelta(days=2), ended_at=None)
    OutageFactory(service=service, started_at=now - dt.timedelta(hours=3), ended_at=None)
    OutageFactory(service=service, started_at=now - dt.timedelta(days=3), ended_at=now - dt.timedelta(days=2, hours=20))

    outages = item(operations_client, "long_outages")

    assert outages.count == 1 and outages.findings[0].url == f"/admin/sla/outage/{old.pk}/change/"
    assert "VPN" in outages.findings[0].text and outages.url == "/admin/sla/outage/?ongoing=yes"


def test_tickets_with_under_a_quarter_of_their_target_left_are_about_to_breach(operations_client) -> None:
    # A 24x7 policy: P3 respond within 240 minutes, resolve within 1440.
    now = timezone.now()
    engagement = EngagementFactory(start_date=since_start())
    SLAAssignmentFactory(engagement=engagement, effective_from=since_start())
    hours = dt.timedelta(hours=1)
    resolving = TicketFactory(engagement=engagement, opened_at=now - 20 * hours, first_response_at=now - 19 * hours)
    responding = TicketFactory(engagement=engagement, opened_at=now - dt.timedelta(minutes=200))
    TicketFactory(engagement=engagement, opened_at=now - 2 * hours, first_response_at=now - hours)  # plenty left
    TicketFactory(engagement=engagement, opened_at=now - 30 * hours)  # breached already: not "about to"
    TicketFactory(engagement=engagement, opened_at=now - 23 * hours, resolved_at=now - hours)  # resolved

    near = tickets_near_breach(now)

    assert [(n.ticket.pk, n.clock) for n in near] == [(responding.pk, "response"), (resolving.pk, "resolution")]
    assert near[0].left_minutes == Decimal("40.00") and near[1].left_minutes == Decimal("240.00")
    with time_machine.travel(now, tick=False):
        tickets = item(operations_client, "near_breach")
    assert tickets.count == 2
    assert "0:40 left of the 4:00 response target" in tickets.findings[0].text
    assert tickets.findings[1].url == f"/admin/sla/ticket/{resolving.pk}/change/"


def test_attestations_expiring_within_60_days_are_listed_unless_renewed(operations_client) -> None:
    soon, later = today() + dt.timedelta(days=30), today() + dt.timedelta(days=90)
    vendor, renewed = VendorFactory(name="Stratus"), VendorFactory(name="Renewed Inc")
    expiring = ComplianceAttestation.objects.create(
        vendor=vendor, type=AttestationType.SOC2_TYPE2, issued=soon - dt.timedelta(days=365), expires=soon
    )
    ComplianceAttestation.objects.create(
        vendor=vendor, type=AttestationType.ISO_27001, issued=later - dt.timedelta(days=365), expires=later
    )
    for expires in (soon, later):
        ComplianceAttestation.objects.create(
            vendor=renewed, type=AttestationType.SOC2_TYPE2, issued=expires - dt.timedelta(days=365), expires=expires
        )

    attestations = item(operations_client, "attestations")

    assert attestations.count == 1
    assert attestations.findings[0].text == f"Stratus: SOC 2 Type II expires {soon:%Y-%m-%d}"
    assert attestations.findings[0].url == f"/admin/engagements/complianceattestation/{expiring.pk}/change/"


def test_engagements_active_last_month_without_an_invoice_are_listed(operations_client) -> None:
    last = add_months(current_month(), -1)
    missing = EngagementFactory(name="Help desk (MSP)", start_date=since_start())
    InvoiceFactory(engagement=EngagementFactory(start_date=since_start()), period=last)
    EngagementFactory(start_date=current_month())  # starts this month: nothing to invoice for last month

    invoices = item(operations_client, "missing_invoices")

    assert invoices.count == 1 and invoices.title == f"Invoices missing for {last:%B %Y}"
    assert invoices.findings[0].url == f"/admin/billing/invoice/add/?engagement={missing.pk}&period={last}"
    assert operations_client.get(invoices.findings[0].url).status_code == 200


def test_each_data_gap_links_to_its_rows_or_to_the_form_that_fixes_it() -> None:
    def gap(kind: str, **extra: object) -> dict[str, object]:
        return {"kind": kind, "month": "2026-04", "engagement": 7, "subject": "EUR", "subject_id": 3, **extra}

    assert gap_url(gap("missing_bill_rate")) == "/admin/engagements/timeentry/?contractor=3&month=2026-04"
    assert gap_url(gap("missing_internal_rate")) == (
        "/admin/engagements/overheadentry/?engagement__id__exact=7&month=2026-04"
    )
    assert gap_url(gap("missing_exchange_rate")) == "/admin/billing/exchangerate/add/?currency=EUR&month=2026-04-01"
    assert gap_url(gap("no_sla_policy")) == "/admin/sla/ticket/?engagement__id__exact=7&opened_month=2026-04"


def test_the_data_gaps_of_last_month_and_this_one_come_from_the_reports(operations_client, monkeypatch) -> None:
    asked = []

    def gaps(month: dt.date) -> list[dict[str, object]]:
        asked.append(month)
        return [
            {
                "kind": "missing_bill_rate",
                "month": f"{month:%Y-%m}",
                "engagement": 1,
                "subject_id": 2,
                "subject": "Ann",
                "message": f"Ann has no bill rate in {month:%B}",
            }
        ]

    monkeypatch.setattr("config.ops_home.data_gaps", gaps)
    page = home(operations_client)
    assert asked == [add_months(current_month(), -1), current_month()]
    assert f"Ann has no bill rate in {current_month():%B}" in page


def test_hours_minutes() -> None:
    assert hours_minutes(Decimal("40")) == "0:40" and hours_minutes(Decimal("-65.5")) == "-1:05"


# --- cost ----------------------------------------------------------------------------------


def _rows(count: int) -> None:
    now = timezone.now()
    last = add_months(current_month(), -1)
    for _ in range(count):
        engagement = EngagementFactory(start_date=since_start())
        SLAAssignmentFactory(engagement=engagement, effective_from=since_start())
        TicketFactory(
            engagement=engagement,
            opened_at=now - dt.timedelta(hours=20),
            first_response_at=now - dt.timedelta(hours=19),
        )
        service = MonitoredServiceFactory(engagement=engagement)
        OutageFactory(service=service, started_at=now - dt.timedelta(days=2), ended_at=None)
        vendor = VendorFactory()
        ComplianceAttestation.objects.create(
            vendor=vendor,
            type=AttestationType.SOC2_TYPE2,
            issued=today() - dt.timedelta(days=300),
            expires=today() + dt.timedelta(days=10),
        )
        InvoiceFactory(engagement=EngagementFactory(start_date=since_start()), period=last)


def _queries(client) -> int:
    client.get("/admin/")  # the first request warms the session and the content types
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/admin/").status_code == 200
    return len(ctx.captured_queries)


def test_the_home_costs_the_same_number_of_queries_whatever_the_rows(operations_client) -> None:
    _rows(1)
    few = _queries(operations_client)
    _rows(6)
    assert item(operations_client, "long_outages").count == 7
    assert item(operations_client, "near_breach").count == 7
    assert _queries(operations_client) == few


def test_an_app_declared_hidden_gives_neither_role_anything_but_its_extras() -> None:
    from django.contrib.auth.models import Permission

    from kernel.roles import AppRoles, split_by_role

    perms = Permission.objects.filter(content_type__app_label="django_celery_beat").select_related("content_type")
    rules = {"django_celery_beat": AppRoles(hidden=True, operations_extra=frozenset({"view_periodictask"}))}
    operations, leadership = split_by_role(perms, rules)
    assert [perm.codename for perm in operations] == ["view_periodictask"]
    assert [perm.codename for perm in leadership] == ["view_periodictask"]
