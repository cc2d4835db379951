"""Models of the billing app."""

from billing.models.charges import (
    ChargeKind,
    CreditStatus,
    Invoice,
    InvoiceLine,
    OneTimeCharge,
    Reconciliation,
    ServiceCredit,
)
from billing.models.periods import ExchangeRate, Period, PeriodReopening
from billing.models.rates import ContractorRate, FeeSchedule, InternalRate

__all__ = [
    "ChargeKind",
    "ContractorRate",
    "CreditStatus",
    "ExchangeRate",
    "FeeSchedule",
    "InternalRate",
    "Invoice",
    "InvoiceLine",
    "OneTimeCharge",
    "Period",
    "PeriodReopening",
    "Reconciliation",
    "ServiceCredit",
]
