"""Write guards (billing's closed periods) see exactly the months a write changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.core.exceptions import ValidationError

from engagements.models import Milestone
from engagements.services.engagements import milestone_create, milestone_deliver
from kernel import facts
from tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


def refuse_march(model: type[facts.RecordedFact], keys: set[facts.MonthKey]) -> None:
    if any(month == MARCH for _, month in keys):
        raise ValidationError("March 2026 is locked.")


@pytest.fixture
def lock_march() -> Iterator[Callable[[], None]]:
    """Return a switch that makes every write touching March 2026 fail."""
    yield lambda: facts.register_write_guard(refuse_march)
    if refuse_march in facts._guards:
        facts._guards.remove(refuse_march)


@pytest.fixture
def march_milestone() -> Milestone:
    engagement = EngagementFactory(start_date=dt.date(2026, 1, 1))
    return milestone_create(engagement=engagement, title="Cutover", due_date=dt.date(2026, 3, 20))


def test_a_fact_due_in_a_locked_month_can_still_be_delivered_in_an_open_one(march_milestone, lock_march) -> None:
    lock_march()
    milestone_deliver(milestone=march_milestone, delivered_date=dt.date(2026, 4, 2), accepted=False)
    assert Milestone.objects.get().delivered_date == dt.date(2026, 4, 2)


def test_accepting_it_changes_the_locked_months_on_time_count_and_is_refused(march_milestone, lock_march) -> None:
    lock_march()
    with pytest.raises(ValidationError, match="March 2026 is locked"):
        milestone_deliver(milestone=march_milestone, delivered_date=dt.date(2026, 4, 2), accepted=True)


def test_changing_anything_else_about_it_belongs_to_the_locked_month(march_milestone, lock_march) -> None:
    lock_march()
    march_milestone.title = "Renamed"
    with pytest.raises(ValidationError, match="March 2026 is locked") as excinfo:
        march_milestone.full_clean()
    assert "__all__" in excinfo.value.message_dict


def test_moving_a_date_into_a_locked_month_is_refused_and_rolled_back(lock_march) -> None:
    engagement = EngagementFactory(start_date=dt.date(2026, 1, 1))
    milestone = milestone_create(engagement=engagement, title="Cutover", due_date=dt.date(2026, 4, 20))
    lock_march()
    with pytest.raises(ValidationError, match="March 2026 is locked"):
        Milestone.objects.filter(pk=milestone.pk).update(due_date=dt.date(2026, 3, 31))
    assert Milestone.objects.get().due_date == dt.date(2026, 4, 20)


class TestAnEngagementChange:
    """Changing an engagement touches the months whose figures it changes, and no others."""

    @pytest.fixture
    def engagement(self):
        return EngagementFactory(start_date=dt.date(2026, 1, 15), end_date=dt.date(2026, 6, 30))

    def test_moving_its_end_date_guards_only_the_months_in_between(self, engagement) -> None:
        from engagements.services.engagements import engagement_update

        asked: set[dt.date] = set()

        def record(model: type[facts.RecordedFact], keys: set[facts.MonthKey]) -> None:
            asked.update(month for _, month in keys)

        facts.register_write_guard(record)
        try:
            engagement_update(engagement=engagement, end_date=dt.date(2026, 4, 10))
        finally:
            facts._guards.remove(record)
        assert asked == {dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)}

    def test_moving_its_end_date_marks_every_month_it_ran_for_recomputing(self, engagement, time_machine) -> None:
        from engagements.models import ChangedMonth
        from engagements.services.engagements import engagement_update

        time_machine.move_to(dt.datetime(2026, 9, 15, 12, tzinfo=dt.UTC))
        ChangedMonth.objects.all().delete()
        engagement_update(engagement=engagement, end_date=dt.date(2026, 4, 10))
        assert set(ChangedMonth.objects.values_list("month", flat=True)) == {
            dt.date(2026, month, 1) for month in range(1, 7)
        }

    def test_moving_its_end_date_across_a_locked_month_is_refused(self, engagement, lock_march) -> None:
        from engagements.services.engagements import engagement_update

        lock_march()
        with pytest.raises(ValidationError, match="March 2026 is locked"):
            engagement_update(engagement=engagement, end_date=dt.date(2026, 2, 28))

    def test_renaming_it_is_allowed_while_a_month_it_ran_in_is_locked(self, engagement, lock_march) -> None:
        from engagements.services.engagements import engagement_update

        lock_march()
        engagement_update(engagement=engagement, name="Renamed", cost_center="CC-9")
        engagement.refresh_from_db()
        assert engagement.name == "Renamed"

    def test_changing_its_currency_touches_every_month_it_ran(self, engagement, lock_march) -> None:
        from engagements.services.engagements import engagement_update

        lock_march()
        with pytest.raises(ValidationError, match="March 2026 is locked"):
            engagement_update(engagement=engagement, currency="EUR")
