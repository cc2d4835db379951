"""The billing admin: rates, fees and charges inline, reconciled invoices, the credit ledger, periods."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import ContractorRate, CreditStatus, Invoice, OneTimeCharge, Period, PeriodReopening, ServiceCredit
from billing.services import invoice_create, period_close, period_ensure, service_credits_assess
from engagements.models import DeliveryModel
from reports.demo.worked_example import WorkedExample
from tests.billing.conftest import APRIL, d
from tests.billing.factories import InvoiceFactory, ManagedEngagementFactory, OneTimeChargeFactory
from tests.factories import ContractorFactory, EngagementFactory, PersonFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "contractorrate",
    "internalrate",
    "feeschedule",
    "onetimecharge",
    "servicecredit",
    "invoice",
    "exchangerate",
    "period",
]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_every_billing_list_opens_for_operations_and_leadership(operations_client, leadership_client, model) -> None:
    assert operations_client.get(f"/admin/billing/{model}/").status_code == 200
    assert leadership_client.get(f"/admin/billing/{model}/").status_code == 200


def test_a_contractors_page_lists_their_rates_inline(operations_client) -> None:
    contractor = ContractorFactory()
    page = operations_client.get(f"/admin/engagements/contractor/{contractor.pk}/change/").content.decode()
    assert "rates-TOTAL_FORMS" in page


def test_a_rate_added_inline_is_saved_through_the_service_path(operations_client) -> None:
    contractor = ContractorFactory()
    data = {
        "engagement": contractor.engagement.pk,
        "name": contractor.name,
        "email": "",
        "role": "",
        "rates-TOTAL_FORMS": "1",
        "rates-INITIAL_FORMS": "0",
        "rates-0-hourly_rate": "88.50",
        "rates-0-effective_from": "2026-04-01",
    }
    response = operations_client.post(f"/admin/engagements/contractor/{contractor.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert ContractorRate.objects.get().hourly_rate == Decimal("88.50")


def test_a_persons_page_lists_their_internal_rates_inline(operations_client) -> None:
    page = operations_client.get(f"/admin/engagements/person/{PersonFactory().pk}/change/").content.decode()
    assert "internal_rates-TOTAL_FORMS" in page


def test_fees_are_inline_on_managed_engagements_only_and_charges_on_both(operations_client) -> None:
    managed, staff_aug = ManagedEngagementFactory(), EngagementFactory(model=DeliveryModel.STAFF_AUG)
    page = operations_client.get(f"/admin/engagements/engagement/{managed.pk}/change/").content.decode()
    assert "fee_schedules-TOTAL_FORMS" in page and "one_time_charges-TOTAL_FORMS" in page
    assert "contractors-TOTAL_FORMS" not in page
    page = operations_client.get(f"/admin/engagements/engagement/{staff_aug.pk}/change/").content.decode()
    assert "fee_schedules-TOTAL_FORMS" not in page and "one_time_charges-TOTAL_FORMS" in page
    assert "contractors-TOTAL_FORMS" in page


def test_an_invoice_entered_in_the_admin_is_reconciled_and_its_variance_is_read_only(
    operations_client, worked_example: WorkedExample
) -> None:
    data = {
        "engagement": worked_example.augmented.pk,
        "period": "2026-04-01",
        "number": "ACME-1",
        "amount": "3700.00",
        "received": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Hours",
        "lines-0-amount": "3700.00",
    }
    assert operations_client.post("/admin/billing/invoice/add/", data).status_code == 302
    invoice = Invoice.objects.get()
    assert (invoice.variance, invoice.reconciliation) == (Decimal("47.50"), "over")
    page = operations_client.get(f"/admin/billing/invoice/{invoice.pk}/change/").content.decode()
    assert "47.50" in page and "Billed over expected" in page
    assert 'name="variance"' not in page and 'name="expected_amount"' not in page


def test_the_credit_ledger_moves_claims_along_with_actions(operations_client, worked_example: WorkedExample) -> None:
    (credit,) = service_credits_assess(month=APRIL)
    url = "/admin/billing/servicecredit/"
    for action, status in [("claim", CreditStatus.CLAIMED), ("grant", CreditStatus.GRANTED)]:
        operations_client.post(url, {"action": action, "_selected_action": [credit.pk]})
        credit.refresh_from_db()
        assert credit.status == status
    invoice_create(engagement=worked_example.msp, period=d(1, 5), number="NW-5", amount=Decimal("5600.00"))
    operations_client.post(url, {"action": "apply_to_next_invoice", "_selected_action": [credit.pk]})
    credit.refresh_from_db()
    assert (credit.status, credit.applied_invoice.number) == (CreditStatus.APPLIED, "NW-5")


def test_a_refused_claim_action_says_why(operations_client, worked_example: WorkedExample) -> None:
    (credit,) = service_credits_assess(month=APRIL)
    response = operations_client.post(
        "/admin/billing/servicecredit/", {"action": "grant", "_selected_action": [credit.pk]}, follow=True
    )
    assert "Only claimed credits can be granted; this one is eligible." in response.content.decode()
    assert ServiceCredit.objects.get().status == CreditStatus.ELIGIBLE


def test_a_month_is_added_open_and_closed_with_the_close_action(operations_client) -> None:
    data = {"month": "2026-04-13", "reopenings-TOTAL_FORMS": "0", "reopenings-INITIAL_FORMS": "0"}
    assert operations_client.post("/admin/billing/period/add/", data).status_code == 302
    period = Period.objects.get()
    assert (period.month, period.closed) == (APRIL, False)
    operations_client.post("/admin/billing/period/", {"action": "close_periods", "_selected_action": [period.pk]})
    assert Period.objects.get().closed


def test_operations_are_not_offered_the_reopen_action(operations_client, superuser) -> None:
    period = period_close(month=APRIL, user=superuser)
    page = operations_client.get("/admin/billing/period/").content.decode()
    assert 'value="close_periods"' in page and 'value="reopen_periods"' not in page
    operations_client.post(
        "/admin/billing/period/",
        {"action": "reopen_periods", "_selected_action": [period.pk], "confirm": "yes", "reason": "please"},
    )
    assert Period.objects.get().closed


def test_reopening_in_the_admin_asks_why_on_a_confirmation_page(operations_client, operations_user, superuser) -> None:
    operations_user.user_permissions.add(Permission.objects.get(codename="reopen_period"))
    period = period_close(month=APRIL, user=superuser)
    action = {"action": "reopen_periods", "_selected_action": [period.pk]}
    page = operations_client.post("/admin/billing/period/", action)
    assert page.status_code == 200
    assert "Reopen closed periods" in page.content.decode() and 'name="reason"' in page.content.decode()
    assert (
        operations_client.post("/admin/billing/period/", {**action, "confirm": "yes", "reason": ""}).status_code == 200
    )
    assert Period.objects.get().closed
    operations_client.post("/admin/billing/period/", {**action, "confirm": "yes", "reason": "Late invoice from Acme"})
    reopening = PeriodReopening.objects.get()
    assert (reopening.reopened_by, reopening.reason) == (operations_user, "Late invoice from Acme")
    assert not Period.objects.get().closed


def test_periods_cannot_be_deleted_in_the_admin(superuser_client) -> None:
    period = period_ensure(month=APRIL)
    assert superuser_client.get(f"/admin/billing/period/{period.pk}/delete/").status_code == 403


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/admin/billing/invoice/", lambda n: InvoiceFactory.create_batch(n)),
        ("/admin/billing/onetimecharge/", lambda n: OneTimeChargeFactory.create_batch(n)),
        (
            "/admin/billing/contractorrate/",
            lambda n: [
                ContractorRate.objects.create(
                    contractor=ContractorFactory(), hourly_rate=Decimal("10"), effective_from=d(1)
                )
                for _ in range(n)
            ],
        ),
    ],
)
def test_changelist_queries_do_not_grow_with_the_number_of_rows(operations_client, url, make) -> None:
    make(2)
    few = _queries(operations_client, url)
    make(10)
    assert _queries(operations_client, url) == few


def test_charges_inline_on_an_engagement_in_a_closed_month_show_the_error(operations_client, superuser) -> None:
    engagement = EngagementFactory(start_date=d(1, 1))
    period_close(month=APRIL, user=superuser)
    data = {
        "name": engagement.name,
        "vendor": engagement.vendor.pk,
        "model": engagement.model,
        "service_area": engagement.service_area.pk,
        "start_date": "2026-01-01",
        "end_date": "",
        "currency": "USD",
        "owner": "",
        "cost_center": "",
        "status": "active",
        "contractors-TOTAL_FORMS": "0",
        "contractors-INITIAL_FORMS": "0",
        "milestones-TOTAL_FORMS": "0",
        "milestones-INITIAL_FORMS": "0",
        "one_time_charges-TOTAL_FORMS": "1",
        "one_time_charges-INITIAL_FORMS": "0",
        "one_time_charges-0-date": "2026-04-03",
        "one_time_charges-0-kind": "setup",
        "one_time_charges-0-amount": "50",
        "one_time_charges-0-description": "",
    }
    response = operations_client.post(f"/admin/engagements/engagement/{engagement.pk}/change/", data)
    assert response.status_code == 200
    assert "April 2026 is closed" in response.content.decode()
    assert not OneTimeCharge.objects.exists()
