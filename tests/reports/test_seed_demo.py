"""manage.py seed_demo: the demo logins, the industry story, the worked example, every report; never twice.

The demo is seeded once for the module (the `seeded_demo` fixture, today pinned
to 15 June 2026): its 24 months run from June 2024 to May 2026.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from kernel.months import add_months
from reports.models import ComparisonReport

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
MAY_2026 = dt.date(2026, 5, 1)


def test_the_demo_reports_the_24_months_up_to_last_month(seeded_demo: dt.date) -> None:
    assert seeded_demo == MAY_2026
    assert set(ComparisonReport.objects.values_list("month", flat=True)) == {
        add_months(dt.date(2024, 6, 1), n) for n in range(24)
    }


def test_the_demo_logins_have_their_roles(seeded_demo: dt.date) -> None:
    assert authenticate(username="leadership", password="leadership-demo").groups.filter(name="Leadership").exists()
    assert authenticate(username="operations", password="operations-demo").groups.filter(name="Operations").exists()
    assert authenticate(username="admin", password="admin-demo").is_superuser


def test_the_demo_follows_the_industry_story(seeded_demo: dt.date) -> None:
    latest = ComparisonReport.objects.get(month=seeded_demo).payload
    areas = [area for area in latest["service_areas"] if area["name"] != "Help desk"]
    assert areas
    for area in areas:
        staff, managed = area["staff_aug"]["phases"], area["managed"]["phases"]
        # Staff aug is cheaper in months 1-6, managed breaks even in months 6-12 and is cheaper after.
        assert Decimal(staff["1-6"]) < Decimal(managed["1-6"]), area["name"]
        assert 6 <= area["break_even_month"] <= 12, area["name"]
        assert Decimal(staff["13-24"]) > Decimal(managed["13-24"]), area["name"]
    contradictions = [text for area in latest["service_areas"] for text in area["checklist"]["contradictions"]]
    assert any("has run 24 months" in text for text in contradictions)


def test_the_demo_keeps_the_worked_example_in_april_2026(seeded_demo: dt.date) -> None:
    april = ComparisonReport.objects.get(month=dt.date(2026, 4, 1)).payload
    rows = {row["name"]: row["figures"] for row in april["engagements"]}
    assert rows["Help desk (augmented)"]["total_cost"] == "4192.50"
    assert rows["Help desk (MSP)"]["total_cost"] == "6340.00"
    assert rows["Help desk (MSP)"]["uptime_pct"] == "99.688"


def test_seeding_twice_is_refused_without_reset(seeded_demo: dt.date) -> None:
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo")


def test_make_demo_can_run_again_and_keeps_the_data(seeded_demo: dt.date) -> None:
    before = ComparisonReport.objects.count()
    out = io.StringIO()
    call_command("seed_demo", "--keep-existing", stdout=out)
    assert "kept as it is" in out.getvalue()
    assert ComparisonReport.objects.count() == before
