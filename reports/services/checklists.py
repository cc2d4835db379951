"""Decision checklists: saved by people, shown in every report."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from engagements.models import ServiceArea
from engagements.queue import enqueue_on_commit
from reports.models import ComparisonReport, DecisionChecklist

REBUILD_TASK = "reports.rebuild_reports"
# Reports rebuilt after a checklist changes: the recent ones people read.
REBUILT_AFTER_CHECKLIST = 24


@transaction.atomic
def checklist_save(*, checklist: DecisionChecklist, user: Any = None) -> DecisionChecklist:
    """Validate and save a checklist; the recent reports are rebuilt after commit to show it."""
    if getattr(user, "is_authenticated", False):
        checklist.updated_by = user
    checklist.full_clean()
    checklist.save()
    months = list(ComparisonReport.objects.order_by("-month").values_list("month", flat=True)[:REBUILT_AFTER_CHECKLIST])
    if months:
        enqueue_on_commit(REBUILD_TASK, months=[m.isoformat() for m in months])
    return checklist


@transaction.atomic
def checklist_set(*, service_area: ServiceArea, user: Any = None, **answers: Any) -> DecisionChecklist:
    """Create or change a service area's checklist answers."""
    checklist = DecisionChecklist.objects.filter(service_area=service_area).first() or DecisionChecklist(
        service_area=service_area
    )
    for name, value in answers.items():
        setattr(checklist, name, value)
    return checklist_save(checklist=checklist, user=user)
