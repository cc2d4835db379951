"""Which months are closed."""

from __future__ import annotations

import datetime as dt

from billing.models import Period
from kernel.months import first_of


def is_month_closed(month: dt.date) -> bool:
    """Tell whether the month containing a date is closed."""
    return Period.objects.closed().filter(month=first_of(month)).exists()
