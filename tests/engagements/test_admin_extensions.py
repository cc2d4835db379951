"""Engagements' admin pages take other apps' inlines through extension points, never a re-registration."""

from __future__ import annotations

import pytest
from django.contrib import admin

from billing.admin.records import FeeScheduleInline, OneTimeChargeInline
from engagements.admin.extensions import add_inline, extra_inlines
from engagements.admin.registry import ContractorAdmin, EngagementAdmin, PersonAdmin
from engagements.models import Contractor, Engagement, Person


@pytest.mark.parametrize(
    ("model", "admin_class"), [(Engagement, EngagementAdmin), (Contractor, ContractorAdmin), (Person, PersonAdmin)]
)
def test_engagements_own_admin_stays_registered(model, admin_class) -> None:
    assert type(admin.site.get_model_admin(model)) is admin_class


def test_billing_adds_its_inlines_to_the_engagement_page() -> None:
    assert [extra.inline for extra in extra_inlines(Engagement)] == [FeeScheduleInline, OneTimeChargeInline]


def test_adding_the_same_inline_twice_shows_it_once() -> None:
    add_inline(Engagement, OneTimeChargeInline)
    assert [extra.inline for extra in extra_inlines(Engagement)].count(OneTimeChargeInline) == 1
