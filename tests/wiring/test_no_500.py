"""Query strings people edit or keep from old links never crash a page: out-of-range dates and bad ids answer 200/404."""

from __future__ import annotations

import pytest
from django.test import Client

from engagements.models import DeliveryModel
from tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db

URLS = [
    "/admin/engagements/timeentry/week/?engagement={staff_aug}&week=9999-12-31",
    "/admin/engagements/timeentry/week/?engagement={staff_aug}&week=0001-01-01",
    "/admin/engagements/timeentry/week/?engagement={staff_aug}&week=2199-12-31",
    "/admin/engagements/timeentry/week/?engagement={staff_aug}&week=1900-01-01",
    "/admin/engagements/timeentry/week/?engagement=99999999999999999999&week=2026-11-30",
    "/admin/sla/monitoredservice/uptime/?month=9999-12",
    "/admin/sla/monitoredservice/uptime/?month=0001-01",
    "/admin/sla/monitoredservice/uptime/?month=2199-12&engagement=99999999999999999999",
    "/reports/0001-01/vendors/",
    "/reports/9999-12/vendors/",
    "/reports/9999-12/",
    "/admin/billing/invoice/add/?engagement=abc",
    "/admin/billing/invoice/add/?engagement=99999999999999999999&period=2026-10-01",
    "/admin/sla/outage/add/?service=abc",
    "/admin/engagements/timeentry/add/?contractor=abc",
    "/admin/engagements/timeentry/add/?contractor=-1",
    "/admin/billing/period/close/?month=9999-12",
    "/admin/engagements/timeentry/?month=9999-12",
]


@pytest.mark.parametrize("url", URLS)
def test_no_query_string_makes_a_page_fail(superuser_client: Client, url: str) -> None:
    staff_aug = EngagementFactory(model=DeliveryModel.STAFF_AUG)

    response = superuser_client.get(url.format(staff_aug=staff_aug.pk))

    assert response.status_code in (200, 302, 400, 404), (url, response.status_code)


def test_a_bad_prefill_id_is_dropped_and_a_good_one_kept(superuser_client: Client) -> None:
    engagement = EngagementFactory()

    good = superuser_client.get(f"/admin/billing/invoice/add/?engagement={engagement.pk}&period=2026-10-01")
    bad = superuser_client.get("/admin/billing/invoice/add/?engagement=abc&period=2026-10-01")

    assert good.context["adminform"].form.initial["engagement"] == str(engagement.pk)
    assert "engagement" not in bad.context["adminform"].form.initial
    assert bad.context["adminform"].form.initial["period"] == "2026-10-01"


def test_a_week_outside_the_sane_years_shows_this_week(superuser_client: Client) -> None:
    staff_aug = EngagementFactory(model=DeliveryModel.STAFF_AUG)

    far = superuser_client.get(f"/admin/engagements/timeentry/week/?engagement={staff_aug.pk}&week=9999-12-31")
    this = superuser_client.get(f"/admin/engagements/timeentry/week/?engagement={staff_aug.pk}")

    assert far.context["monday"] == this.context["monday"]
