"""factory_boy factories of the billing app (data that tests do not care about)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from billing.models import ContractorRate, ExchangeRate, FeeSchedule, InternalRate, Invoice, OneTimeCharge
from engagements.models import DeliveryModel
from tests.factories import ContractorFactory, EngagementFactory, PersonFactory


class ManagedEngagementFactory(EngagementFactory):
    model = DeliveryModel.MANAGED


class ContractorRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractorRate

    contractor = factory.SubFactory(ContractorFactory)
    hourly_rate = Decimal("100.00")
    effective_from = dt.date(2026, 1, 1)


class InternalRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InternalRate

    person = factory.SubFactory(PersonFactory)
    hourly_cost = Decimal("100.00")
    effective_from = dt.date(2026, 1, 1)


class FeeScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeSchedule

    engagement = factory.SubFactory(ManagedEngagementFactory)
    monthly_fee = Decimal("3000.00")
    effective_from = dt.date(2026, 1, 1)


class OneTimeChargeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OneTimeCharge

    engagement = factory.SubFactory(EngagementFactory)
    date = dt.date(2026, 4, 1)
    amount = Decimal("100.00")
    kind = "setup"


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    engagement = factory.SubFactory(EngagementFactory)
    period = dt.date(2026, 4, 1)
    number = factory.Sequence(lambda n: f"INV-{n:05d}")
    amount = Decimal("1000.00")


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    month = dt.date(2026, 4, 1)
    currency = "EUR"
    rate_to_base = Decimal("1.08000000")
