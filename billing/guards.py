"""The closed-period lock, as a write guard every recorded fact's write paths run."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from kernel.facts import MonthKey, RecordedFact
from kernel.months import month_label


def refuse_closed_months(model: type[RecordedFact], keys: set[MonthKey]) -> None:
    """Refuse any write that touches a closed month (admin, API, imports and bulk writes alike)."""
    from billing.models import Period

    months = {month for _, month in keys}
    closed = sorted(Period.objects.closed().filter(month__in=months).values_list("month", flat=True))
    if not closed:
        return
    first, *others = closed
    message = (
        f"{month_label(first)} is closed: reopen the period before recording, changing or deleting "
        f"{model._meta.verbose_name_plural} dated in it."
    )
    if others:
        message += f" Also closed: {', '.join(month_label(m) for m in others)}."
    raise ValidationError(message, code="period_closed")
