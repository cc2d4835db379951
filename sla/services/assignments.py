"""Services for assigning SLA policies to engagements from a date on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from engagements.models import Engagement
from kernel.months import today
from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save
from sla.models import SLAAssignment, SLAPolicy
from sla.selectors import current_policy_id
from sla.services.policies import assignments_changed


@atomic_service
def sla_assignment_save(*, assignment: SLAAssignment) -> SLAAssignment:
    """Validate and save an assignment; the months and ticket clocks from its date (old or new) follow it."""
    before = SLAAssignment.objects.filter(pk=assignment.pk).first() if assignment.pk else None
    validated_save(assignment)
    changed = [assignment] if before is None else [before, assignment]
    assignments_changed(changed, reason="SLA assignment changed")
    return assignment


@atomic_service
def sla_assignment_create(*, engagement: Engagement, policy: SLAPolicy, effective_from: dt.date) -> SLAAssignment:
    """Apply a policy to an engagement from a date on (until its next assignment)."""
    return sla_assignment_save(
        assignment=SLAAssignment(engagement=engagement, policy=policy, effective_from=effective_from)
    )


@atomic_service
def sla_assignment_update(*, assignment: SLAAssignment, **fields: Any) -> SLAAssignment:
    """Change which policy applies or from when."""
    assign(assignment, fields, allowed=("engagement", "policy", "effective_from"))
    return sla_assignment_save(assignment=assignment)


@atomic_service
def sla_assignment_delete(*, assignment: SLAAssignment) -> None:
    """Remove an assignment; the previous one (if any) governs its months again."""
    validated_delete(assignment)
    assignments_changed([assignment], reason="SLA assignment removed")


@atomic_service
def engagement_policy_set(*, engagement: Engagement, policy: SLAPolicy | None, on: dt.date | None = None) -> None:
    """Make a policy govern an engagement from a day on (its start date if it has not started, else today)."""
    if policy is None:
        if current_policy_id(engagement) is not None:
            raise ValidationError(
                {
                    "sla_policy": "A policy cannot be removed here: assign another one, or remove the assignment in the admin."
                }
            )
        return
    if current_policy_id(engagement) == policy.pk:
        return
    day = on or max(engagement.start_date, today())
    existing = SLAAssignment.objects.filter(engagement=engagement, effective_from=day).first()
    if existing is not None:
        sla_assignment_update(assignment=existing, policy=policy)
    else:
        sla_assignment_create(engagement=engagement, policy=policy, effective_from=day)


ASSIGNMENT = WriteServices(
    create=sla_assignment_create, update=sla_assignment_update, delete=sla_assignment_delete, instance="assignment"
)
