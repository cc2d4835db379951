"""Reopening a closed month: its own permission, a reason, and a record of who, when and why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from billing.models import Period, PeriodReopening
from billing.services import period_close, period_reopen
from engagements.models import AuditLog
from engagements.services.entries import time_entry_create
from kernel.actor import acting_as
from tests.billing.conftest import APRIL, d
from tests.factories import ContractorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def controller(operations_user):
    """An operations user who was also granted the reopen permission, person by person."""
    operations_user.user_permissions.add(Permission.objects.get(codename="reopen_period"))
    return type(operations_user).objects.get(pk=operations_user.pk)  # fresh permission cache


def test_reopening_records_who_when_and_why_and_unlocks_the_month(controller) -> None:
    period_close(month=APRIL, user=controller)
    reopening = period_reopen(month=d(15), user=controller, reason="  Vendor resent the March timesheet  ")
    assert (reopening.reopened_by, reopening.reopened_by_label) == (controller, "ops")
    assert reopening.reason == "Vendor resent the March timesheet"
    assert reopening.reopened_at is not None
    period = Period.objects.get(month=APRIL)
    assert (period.closed, period.closed_at, period.closed_by) == (False, None, None)
    assert list(period.reopenings.all()) == [reopening]
    time_entry_create(contractor=ContractorFactory(), date=d(3), hours=Decimal("1"))


def test_the_audit_trail_keeps_both_the_close_and_the_reopen(controller) -> None:
    with acting_as(controller):
        period_close(month=APRIL, user=controller)
        period_reopen(month=APRIL, user=controller, reason="Late invoice")
    trail = AuditLog.objects.filter(content_type__model="period").order_by("id")
    assert [row.changes.get("closed") for row in trail] == [[None, False], [False, True], [True, False]]
    assert {row.actor for row in trail} == {controller}


def test_operations_cannot_reopen_without_the_reopen_permission(operations_user) -> None:
    period_close(month=APRIL, user=operations_user)
    with pytest.raises(PermissionDenied):
        period_reopen(month=APRIL, user=operations_user, reason="Oops")
    assert Period.objects.get(month=APRIL).closed
    assert not PeriodReopening.objects.exists()


def test_a_reason_is_required(controller) -> None:
    period_close(month=APRIL, user=controller)
    with pytest.raises(ValidationError) as caught:
        period_reopen(month=APRIL, user=controller, reason="   ")
    assert caught.value.message_dict == {"reason": ["Say why the period is reopened."]}
    assert Period.objects.get(month=APRIL).closed


def test_an_open_month_cannot_be_reopened(superuser) -> None:
    with pytest.raises(ValidationError, match="April 2026 is not closed."):
        period_reopen(month=APRIL, user=superuser, reason="why not")


def test_the_reopening_survives_the_users_deletion(superuser) -> None:
    auditor = UserFactory(username="auditor", is_superuser=True)
    period_close(month=APRIL, user=superuser)
    period_reopen(month=APRIL, user=auditor, reason="Audit finding")
    auditor.delete()
    reopening = PeriodReopening.objects.get()
    assert (reopening.reopened_by, reopening.reopened_by_label, reopening.reason) == (None, "auditor", "Audit finding")
