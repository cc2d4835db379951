"""Every rule of a recorded fact gives a person a message they understand, and the database backs it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from engagements.models import ComplianceAttestation, DeliveryModel, Milestone, TimeEntry
from engagements.services.engagements import contractor_create, engagement_create, engagement_update
from engagements.services.entries import overhead_entry_create, time_entry_create
from tests.factories import (
    ContractorFactory,
    EngagementFactory,
    PersonFactory,
    ServiceAreaFactory,
    TimeEntryFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db
APRIL_2 = dt.date(2026, 4, 2)


def messages_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("-1"), Decimal("24.01")])
def test_an_entry_must_have_more_than_zero_and_at_most_24_hours(hours: Decimal) -> None:
    contractor = ContractorFactory()
    with pytest.raises(ValidationError) as excinfo:
        time_entry_create(contractor=contractor, date=APRIL_2, hours=hours)
    assert messages_of(excinfo)["hours"] == ["Hours must be more than 0 and at most 24."]


def test_a_contractors_hours_on_one_day_total_at_most_24() -> None:
    contractor = ContractorFactory(name="Ada")
    time_entry_create(contractor=contractor, date=APRIL_2, hours=Decimal("16.50"))
    with pytest.raises(ValidationError) as excinfo:
        time_entry_create(contractor=contractor, date=APRIL_2, hours=Decimal("8"))
    assert messages_of(excinfo)["hours"] == [
        "Ada already has 16.50 h on 2026-04-02; a day holds at most 24 h, so at most 7.50 h more."
    ]
    time_entry_create(contractor=contractor, date=APRIL_2, hours=Decimal("7.50"))
    assert TimeEntry.objects.filter(contractor=contractor).count() == 2


def test_changing_an_entry_does_not_count_its_own_old_hours_against_the_day() -> None:
    entry = TimeEntryFactory(hours=Decimal("20"))
    entry.hours = Decimal("24")
    entry.full_clean()


def test_an_entry_dated_outside_the_engagement_is_refused_with_its_dates() -> None:
    engagement = EngagementFactory(start_date=dt.date(2026, 4, 1), end_date=dt.date(2026, 4, 30))
    contractor = ContractorFactory(engagement=engagement)
    for day in (dt.date(2026, 3, 31), dt.date(2026, 5, 1)):
        with pytest.raises(ValidationError) as excinfo:
            time_entry_create(contractor=contractor, date=day, hours=Decimal("1"))
        assert messages_of(excinfo)["date"] == [
            "The date must be within the engagement's dates (2026-04-01 to 2026-04-30)."
        ]


def test_an_overhead_entry_dated_before_the_engagement_starts_is_refused() -> None:
    engagement = EngagementFactory(start_date=dt.date(2026, 4, 11))
    with pytest.raises(ValidationError) as excinfo:
        overhead_entry_create(
            engagement=engagement,
            person=PersonFactory(),
            date=dt.date(2026, 4, 10),
            hours=Decimal("2"),
            activity="supervision",
        )
    assert "within the engagement's dates (2026-04-11 to open-ended)" in messages_of(excinfo)["date"][0]


def test_contractors_can_only_join_staff_augmentation_engagements() -> None:
    managed = EngagementFactory(model=DeliveryModel.MANAGED)
    with pytest.raises(ValidationError) as excinfo:
        contractor_create(engagement=managed, name="Bob")
    assert messages_of(excinfo)["engagement"] == ["Contractors can only be added to staff augmentation engagements."]


def test_an_engagement_with_contractors_cannot_become_managed() -> None:
    contractor = ContractorFactory()
    with pytest.raises(ValidationError) as excinfo:
        engagement_update(engagement=contractor.engagement, model=DeliveryModel.MANAGED)
    assert "only staff augmentation engagements can have them" in messages_of(excinfo)["model"][0]


def test_an_engagement_cannot_shrink_around_its_recorded_entries() -> None:
    entry = TimeEntryFactory(date=dt.date(2026, 4, 20))
    with pytest.raises(ValidationError) as excinfo:
        engagement_update(engagement=entry.contractor.engagement, end_date=dt.date(2026, 4, 15))
    assert messages_of(excinfo)["start_date"] == [
        "Entries are recorded outside these dates; move or delete them first."
    ]


def test_the_end_date_cannot_be_before_the_start_date() -> None:
    with pytest.raises(ValidationError) as excinfo:
        engagement_create(
            name="Backwards",
            vendor=VendorFactory(),
            model=DeliveryModel.MANAGED,
            service_area=ServiceAreaFactory(),
            start_date=dt.date(2026, 4, 1),
            end_date=dt.date(2026, 3, 31),
        )
    assert messages_of(excinfo)["end_date"] == ["The end date cannot be before the start date."]


@pytest.mark.parametrize("code", ["XYZ", "US", "EU1"])
def test_the_currency_must_be_a_real_iso_4217_code(code: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        engagement_create(
            name="Odd money",
            vendor=VendorFactory(),
            model=DeliveryModel.MANAGED,
            service_area=ServiceAreaFactory(),
            start_date=dt.date(2026, 4, 1),
            currency=code,
        )
    assert "is not an ISO 4217 currency code" in messages_of(excinfo)["currency"][0]


def test_a_lower_case_currency_code_is_accepted_and_stored_upper_case() -> None:
    engagement = engagement_create(
        name="Euro work",
        vendor=VendorFactory(),
        model=DeliveryModel.MANAGED,
        service_area=ServiceAreaFactory(),
        start_date=dt.date(2026, 4, 1),
        currency="eur",
    )
    assert engagement.currency == "EUR"


def test_source_and_external_id_are_unique_where_given() -> None:
    contractor = ContractorFactory()
    time_entry_create(contractor=contractor, date=APRIL_2, hours=Decimal("1"), source="harvest", external_id="42")
    with pytest.raises(ValidationError) as excinfo:
        time_entry_create(contractor=contractor, date=APRIL_2, hours=Decimal("1"), source="harvest", external_id="42")
    assert "A time entry with this source and external id already exists." in str(excinfo.value)
    # Hand-entered rows have no external id: any number of them may coexist.
    time_entry_create(contractor=contractor, date=APRIL_2, hours=Decimal("1"))
    time_entry_create(contractor=contractor, date=APRIL_2, hours=Decimal("1"))


def test_a_milestone_can_only_be_accepted_once_delivered() -> None:
    milestone = Milestone(engagement=EngagementFactory(), title="Go live", due_date=APRIL_2, accepted=True)
    with pytest.raises(ValidationError) as excinfo:
        milestone.full_clean()
    assert messages_of(excinfo)["accepted"] == ["A milestone can only be accepted once it has been delivered."]


def test_an_attestation_must_expire_after_it_was_issued() -> None:
    attestation = ComplianceAttestation(vendor=VendorFactory(), type="soc2_type2", issued=APRIL_2, expires=APRIL_2)
    with pytest.raises(ValidationError) as excinfo:
        attestation.full_clean()
    assert messages_of(excinfo)["expires"] == ["An attestation must expire after it was issued."]


class TestTheDatabaseBacksEveryRule:
    """Writes that skip the services (bulk paths, races) still cannot break a rule."""

    def _refused(self, rule: str, objs: list[TimeEntry]) -> None:
        with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
            TimeEntry.objects.bulk_create(objs)
        assert rule in str(excinfo.value)

    def test_hours_outside_0_to_24(self) -> None:
        contractor = ContractorFactory()
        self._refused("hours_between_0_and_24", [TimeEntry(contractor=contractor, date=APRIL_2, hours=Decimal("0"))])

    def test_a_day_over_24_hours(self) -> None:
        contractor = ContractorFactory()
        TimeEntryFactory(contractor=contractor, date=APRIL_2, hours=Decimal("20"))
        self._refused(
            "engagements_timeentry_daily_hours",
            [TimeEntry(contractor=contractor, date=APRIL_2, hours=Decimal("4.01"))],
        )

    def test_a_date_outside_the_engagement(self) -> None:
        contractor = ContractorFactory()
        self._refused(
            "engagements_timeentry_date_in_engagement",
            [TimeEntry(contractor=contractor, date=dt.date(2025, 12, 31), hours=Decimal("1"))],
        )

    def test_a_contractor_on_a_managed_engagement(self) -> None:
        from engagements.models import Contractor

        managed = EngagementFactory(model=DeliveryModel.MANAGED)
        with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
            Contractor.objects.bulk_create([Contractor(engagement=managed, name="Sneaky")])
        assert "engagements_contractor_staff_aug_only" in str(excinfo.value)

    def test_an_end_date_before_the_start_date(self) -> None:
        engagement = EngagementFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            type(engagement).objects.filter(pk=engagement.pk).update(end_date=dt.date(2025, 1, 1))

    def test_an_unknown_currency(self) -> None:
        engagement = EngagementFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            type(engagement).objects.filter(pk=engagement.pk).update(currency="XYZ")
