"""factory_boy factories of the engagements app (data that tests do not care about)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from engagements.models import (
    Contractor,
    DeliveryModel,
    Engagement,
    OverheadEntry,
    Person,
    ServiceArea,
    TimeEntry,
    Vendor,
    VendorKind,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    kind = VendorKind.BOTH


class ServiceAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceArea
        django_get_or_create = ["name"]

    name = "Help desk"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Manager {n}")


class EngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engagement

    name = factory.Sequence(lambda n: f"Engagement {n}")
    vendor = factory.SubFactory(VendorFactory)
    model = DeliveryModel.STAFF_AUG
    service_area = factory.SubFactory(ServiceAreaFactory)
    start_date = dt.date(2026, 1, 1)
    currency = "USD"


class ContractorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contractor

    engagement = factory.SubFactory(EngagementFactory)
    name = factory.Sequence(lambda n: f"Contractor {n}")


class TimeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeEntry

    contractor = factory.SubFactory(ContractorFactory)
    date = dt.date(2026, 4, 1)
    hours = Decimal("8.00")


class OverheadEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OverheadEntry

    engagement = factory.SubFactory(EngagementFactory)
    person = factory.SubFactory(PersonFactory)
    date = dt.date(2026, 4, 1)
    hours = Decimal("1.00")
    activity = "supervision"
