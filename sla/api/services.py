"""An engagement's SLA policy as the API shows it (one field) over sla's effective-dated assignments.

These belong in sla/services and sla/selectors; they live here until the SLA
app takes them over (the API's only need of them).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from engagements.models import Engagement
from sla.models import SLAAssignment, SLAPolicy
from sla.services.policies import sla_assignment_create, sla_assignment_update


def engagements_with_policy(queryset: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """Annotate `current_policy_id`: the policy in effect today, else the first one to take effect."""
    today = timezone.localdate()
    assignments = SLAAssignment.objects.filter(engagement=OuterRef("pk"))
    current = assignments.filter(effective_from__lte=today).order_by("-effective_from").values("policy_id")[:1]
    upcoming = assignments.order_by("effective_from").values("policy_id")[:1]
    return queryset.annotate(current_policy_id=Coalesce(Subquery(current), Subquery(upcoming)))


def current_policy_id(engagement: Engagement) -> int | None:
    """Return the id of the engagement's policy as `engagements_with_policy` computes it."""
    if hasattr(engagement, "current_policy_id"):
        return engagement.current_policy_id  # type: ignore[no-any-return]
    return engagements_with_policy(Engagement.objects.filter(pk=engagement.pk)).values_list(
        "current_policy_id", flat=True
    ).first()


@transaction.atomic
def engagement_policy_set(*, engagement: Engagement, policy: SLAPolicy | None, on: dt.date | None = None) -> None:
    """Make a policy govern an engagement from a day on (its start date if it has not started, else today)."""
    if policy is None:
        if current_policy_id(engagement) is not None:
            raise ValidationError(
                {"sla_policy": "A policy cannot be removed here: assign another one, or remove the assignment in the admin."}
            )
        return
    if current_policy_id(engagement) == policy.pk:
        return
    day = on or max(engagement.start_date, timezone.localdate())
    existing = SLAAssignment.objects.filter(engagement=engagement, effective_from=day).first()
    if existing is not None:
        sla_assignment_update(assignment=existing, policy=policy)
    else:
        sla_assignment_create(engagement=engagement, policy=policy, effective_from=day)
