"""On the demo (tickets, breaches, outages, recorded credits): every figure's link lists exactly its rows.

A module of its own: the demo is seeded once for the module (`seeded_demo`) and
must not meet the worked-example fixtures of test_drilldown.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from kernel.months import month_iso
from tests.reports.test_drilldown import ENGAGEMENT_LINK, _check, _listed

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_every_link_kind_of_the_demo_lists_exactly_its_rows(seeded_demo: dt.date) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    page = client.get(reverse("reports:month", kwargs={"month": month_iso(seeded_demo)})).content.decode()
    links = ENGAGEMENT_LINK.findall(page)
    kinds = {figure for figure, _, _ in links}
    assert kinds >= {
        "hours",
        "overhead_hours",
        "fee_cost",
        "tickets_opened",
        "tickets_resolved",
        "breached_tickets",
        "downtime_hours",
    }, kinds
    for figure, url, text in links:
        _check(figure, _listed(client, url), text, url)


def test_a_vendors_breached_tickets_link_lists_exactly_those_tickets(seeded_demo: dt.date) -> None:
    import re

    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    page = client.get(reverse("reports:vendors", kwargs={"month": month_iso(seeded_demo)})).content.decode()
    links = re.findall(r'<td data-figure="vendor_breaches"><a href="([^"]+)">([^<]+)</a></td>', page)
    assert links
    for url, text in links:
        _check("breached_tickets", _listed(client, url), text, url)
