"""Services for rates, fee schedules, one-time charges and exchange rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from billing.models import ContractorRate, ExchangeRate, FeeSchedule, InternalRate, OneTimeCharge
from engagements.models import Contractor, Engagement, Person
from kernel.months import first_of
from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save

CONTRACTOR_RATE_FIELDS = ("contractor", "hourly_rate", "effective_from")
INTERNAL_RATE_FIELDS = ("person", "hourly_cost", "effective_from")
FEE_SCHEDULE_FIELDS = ("engagement", "monthly_fee", "effective_from")
ONE_TIME_CHARGE_FIELDS = ("engagement", "date", "amount", "kind", "description", "source", "external_id")
EXCHANGE_RATE_FIELDS = ("month", "currency", "rate_to_base")


@atomic_service
def contractor_rate_create(*, contractor: Contractor, hourly_rate: Decimal, effective_from: dt.date) -> ContractorRate:
    """Set a contractor's bill rate from a date on; the months it prices are marked for recompute."""
    return validated_save(ContractorRate(contractor=contractor, hourly_rate=hourly_rate, effective_from=effective_from))


@atomic_service
def contractor_rate_update(*, rate: ContractorRate, **fields: Any) -> ContractorRate:
    """Change a contractor's bill rate."""
    assign(rate, fields, allowed=CONTRACTOR_RATE_FIELDS)
    return validated_save(rate)


def contractor_rate_delete(*, rate: ContractorRate) -> None:
    """Delete a contractor's bill rate (the previous one applies again)."""
    validated_delete(rate)


@atomic_service
def internal_rate_create(*, person: Person | None, hourly_cost: Decimal, effective_from: dt.date) -> InternalRate:
    """Set a person's loaded internal cost from a date on (no person: the organisation default)."""
    return validated_save(InternalRate(person=person, hourly_cost=hourly_cost, effective_from=effective_from))


@atomic_service
def internal_rate_update(*, rate: InternalRate, **fields: Any) -> InternalRate:
    """Change an internal rate."""
    assign(rate, fields, allowed=INTERNAL_RATE_FIELDS)
    return validated_save(rate)


def internal_rate_delete(*, rate: InternalRate) -> None:
    """Delete an internal rate."""
    validated_delete(rate)


@atomic_service
def fee_schedule_create(*, engagement: Engagement, monthly_fee: Decimal, effective_from: dt.date) -> FeeSchedule:
    """Set a managed engagement's monthly fee from a date on."""
    return validated_save(FeeSchedule(engagement=engagement, monthly_fee=monthly_fee, effective_from=effective_from))


@atomic_service
def fee_schedule_update(*, fee: FeeSchedule, **fields: Any) -> FeeSchedule:
    """Change a monthly fee."""
    assign(fee, fields, allowed=FEE_SCHEDULE_FIELDS)
    return validated_save(fee)


def fee_schedule_delete(*, fee: FeeSchedule) -> None:
    """Delete a monthly fee."""
    validated_delete(fee)


@atomic_service
def one_time_charge_create(
    *,
    engagement: Engagement,
    date: dt.date,
    amount: Decimal,
    kind: str,
    description: str = "",
    source: str = "",
    external_id: str = "",
) -> OneTimeCharge:
    """Record a charge billed once (onboarding, setup, placement...)."""
    charge = OneTimeCharge(
        engagement=engagement,
        date=date,
        amount=amount,
        kind=kind,
        description=description,
        source=source,
        external_id=external_id,
    )
    return validated_save(charge)


@atomic_service
def one_time_charge_update(*, charge: OneTimeCharge, **fields: Any) -> OneTimeCharge:
    """Change a one-time charge."""
    assign(charge, fields, allowed=ONE_TIME_CHARGE_FIELDS)
    return validated_save(charge)


def one_time_charge_delete(*, charge: OneTimeCharge) -> None:
    """Delete a one-time charge."""
    validated_delete(charge)


@atomic_service
def exchange_rate_set(*, month: dt.date, currency: str, rate_to_base: Decimal) -> ExchangeRate:
    """Set (create or replace) a currency's rate to the base currency for a month."""
    month, currency = first_of(month), currency.strip().upper()
    rate = ExchangeRate.objects.filter(month=month, currency=currency).first() or ExchangeRate(
        month=month, currency=currency
    )
    rate.rate_to_base = rate_to_base
    return validated_save(rate)


@atomic_service
def exchange_rate_update(*, rate: ExchangeRate, **fields: Any) -> ExchangeRate:
    """Change an exchange rate (its month, currency or rate)."""
    assign(rate, fields, allowed=EXCHANGE_RATE_FIELDS)
    return validated_save(rate)


def exchange_rate_delete(*, rate: ExchangeRate) -> None:
    """Delete a month's rate (figures in that currency then have none to convert with)."""
    validated_delete(rate)


CONTRACTOR_RATE = WriteServices(
    create=contractor_rate_create, update=contractor_rate_update, delete=contractor_rate_delete, instance="rate"
)
INTERNAL_RATE = WriteServices(
    create=internal_rate_create, update=internal_rate_update, delete=internal_rate_delete, instance="rate"
)
FEE_SCHEDULE = WriteServices(
    create=fee_schedule_create, update=fee_schedule_update, delete=fee_schedule_delete, instance="fee"
)
ONE_TIME_CHARGE = WriteServices(
    create=one_time_charge_create, update=one_time_charge_update, delete=one_time_charge_delete, instance="charge"
)
EXCHANGE_RATE = WriteServices(
    create=exchange_rate_set, update=exchange_rate_update, delete=exchange_rate_delete, instance="rate"
)
