"""The report pages ask for Django permissions, not group names: a user holding them needs no group."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from reports.services import report_build, snapshots_compute
from tests.factories import UserFactory

APRIL = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def april_report(worked_example):
    snapshots_compute(engagement_ids=[worked_example.augmented.pk, worked_example.msp.pk], month=APRIL)
    return report_build(month=APRIL)


def _client_with(client, *codenames: str):
    user = UserFactory(username="perms-only")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="reports", codename__in=codenames))
    client.force_login(user)
    return client


def test_the_view_permission_of_reports_opens_the_pages_without_a_group(client, april_report) -> None:
    reader = _client_with(client, "view_comparisonreport")
    assert reader.get(reverse("reports:month", kwargs={"month": "2026-04"})).status_code == 200
    assert reader.post(reverse("reports:recompute", kwargs={"month": "2026-04"})).status_code == 403


def test_asking_for_a_recompute_needs_the_permission_to_add_a_job(client, april_report) -> None:
    asker = _client_with(client, "view_comparisonreport", "add_recomputejob")
    assert asker.post(reverse("reports:recompute", kwargs={"month": "2026-04"})).status_code == 302
