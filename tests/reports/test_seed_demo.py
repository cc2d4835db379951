"""manage.py seed_demo: the demo logins, the industry story, the worked example, every report; never twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from kernel.months import add_months, current_month
from reports.models import ComparisonReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(new_york, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return add_months(current_month(), -1)


def test_the_demo_follows_the_industry_story_and_keeps_the_worked_example(seeded) -> None:
    assert authenticate(username="leadership", password="leadership-demo").groups.filter(name="Leadership").exists()
    assert authenticate(username="operations", password="operations-demo").groups.filter(name="Operations").exists()
    assert authenticate(username="admin", password="admin-demo").is_superuser
    assert ComparisonReport.objects.filter(month__lte=seeded).count() >= 24
    latest = ComparisonReport.objects.get(month=seeded).payload
    for area in latest["service_areas"]:
        if area["name"] == "Help desk":
            continue
        staff, managed = area["staff_aug"]["phases"], area["managed"]["phases"]
        # Staff aug is cheaper in months 1-6, managed breaks even in months 6-12 and is cheaper after.
        assert Decimal(staff["1-6"]) < Decimal(managed["1-6"]), area["name"]
        assert 6 <= area["break_even_month"] <= 12, area["name"]
        assert Decimal(staff["13-24"]) > Decimal(managed["13-24"]), area["name"]
    contradictions = [text for area in latest["service_areas"] for text in area["checklist"]["contradictions"]]
    assert any("has run 24 months" in text for text in contradictions)
    if add_months(seeded, -23) <= dt.date(2026, 4, 1) <= seeded:
        april = ComparisonReport.objects.get(month=dt.date(2026, 4, 1)).payload
        rows = {row["name"]: row["figures"] for row in april["engagements"]}
        assert rows["Help desk (augmented)"]["total_cost"] == "4192.50"
        assert rows["Help desk (MSP)"]["total_cost"] == "6340.00"
        assert rows["Help desk (MSP)"]["uptime_pct"] == "99.688"


def test_seeding_twice_is_refused_without_reset(seeded) -> None:
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo")


def test_make_demo_can_run_again_and_keeps_the_data(seeded) -> None:
    before = ComparisonReport.objects.count()
    call_command("seed_demo", "--keep-existing", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert ComparisonReport.objects.count() == before
