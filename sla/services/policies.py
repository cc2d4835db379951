"""Services for SLA policies: their targets, credit tiers, and what a change sets in motion.

Policies are shared configuration: a change re-marks every month that the
policy governs and re-computes the clocks of its tickets
(after commit, in a task), so stored figures follow the configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import pairwise
from typing import Any, TypedDict

from django.core.exceptions import ValidationError

from engagements.queue import enqueue_on_commit
from engagements.services.marks import mark_months_changed
from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save
from sla.models import (
    CoverageCalendar,
    CreditTier,
    PriorityTarget,
    SLAAssignment,
    SLAPolicy,
)
from sla.models.policies import BELOW_PCT_MESSAGE, CREDIT_PCT_MESSAGE, HUNDRED

REFRESH_TASK = "sla.refresh_ticket_clocks"
POLICY_FIELDS = ("name", "calendar", "uptime_target", "max_credit_pct", "attainment_goal")


class CreditTierSpec(TypedDict):
    """Credit owed below an uptime threshold."""

    below_pct: Decimal
    credit_pct: Decimal


class PriorityTargetSpec(TypedDict):
    """Response and resolution targets of a priority, in business minutes."""

    priority: str
    response_minutes: int
    resolution_minutes: int


# --- what a configuration change sets in motion ------------------------------------------


def policies_changed(policy_ids: Iterable[int], *, reason: str = "SLA policy changed") -> None:
    """Mark the months the policies govern and queue the refresh of their tickets' clocks after commit."""
    assignments = list(SLAAssignment.objects.filter(policy_id__in=list(policy_ids)))
    if not assignments:
        return
    assignments_changed(assignments, reason=reason)


def assignments_changed(assignments: Sequence[SLAAssignment], *, reason: str) -> None:
    """Mark the months the assignments govern and queue the refresh of their tickets' clocks after commit."""
    keys = set()
    for assignment in assignments:
        keys |= SLAAssignment.month_keys(
            {"_engagement": assignment.engagement_id, "effective_from": assignment.effective_from}
        )
    mark_months_changed(keys, reason=reason)
    enqueue_on_commit(
        REFRESH_TASK,
        engagement_ids=sorted({assignment.engagement_id for assignment in assignments}),
        since=min(assignment.effective_from for assignment in assignments).isoformat(),
    )


# --- SLA policies ---------------------------------------------------------------------------


def _pct_text(value: Decimal) -> str:
    """Format a percentage for a message without trailing zeros: 99.9, 10, 100."""
    return format(value.normalize(), "f")


def check_credit_tiers(tiers: Sequence[CreditTierSpec], uptime_target: Decimal | None) -> None:
    """Refuse tiers out of range, sharing a threshold, not descending, or crediting a month that met the target."""
    for tier in tiers:
        if not Decimal(0) < tier["below_pct"] <= HUNDRED:
            raise ValidationError({"credit_tiers": BELOW_PCT_MESSAGE})
        if not Decimal(0) < tier["credit_pct"] <= HUNDRED:
            raise ValidationError({"credit_tiers": CREDIT_PCT_MESSAGE})
    ordered = sorted(tiers, key=lambda tier: tier["below_pct"], reverse=True)
    for higher, lower in pairwise(ordered):
        below_higher, below_lower = _pct_text(higher["below_pct"]), _pct_text(lower["below_pct"])
        if higher["below_pct"] == lower["below_pct"]:
            raise ValidationError(
                {"credit_tiers": f"Two tiers have the same uptime threshold (below {below_higher}%)."}
            )
        if lower["credit_pct"] <= higher["credit_pct"]:
            raise ValidationError(
                {
                    "credit_tiers": f"Tiers must descend: the credit must grow as uptime falls, but below "
                    f"{below_lower}% credits {_pct_text(lower['credit_pct'])}%, not more than the "
                    f"{_pct_text(higher['credit_pct'])}% of below {below_higher}%."
                }
            )
    if ordered and uptime_target is not None and ordered[0]["below_pct"] > uptime_target:
        raise ValidationError(
            {
                "credit_tiers": f"A tier cannot start above the uptime target ({_pct_text(uptime_target)}%): "
                f"below {_pct_text(ordered[0]['below_pct'])}% would credit a month that met the SLA."
            }
        )


def _tier_specs(policy: SLAPolicy) -> list[CreditTierSpec]:
    return [
        CreditTierSpec(below_pct=tier.below_pct, credit_pct=tier.credit_pct)
        for tier in CreditTier.objects.filter(policy=policy)
    ]


@atomic_service
def sla_policy_save(*, policy: SLAPolicy) -> SLAPolicy:
    """Validate and save a policy built elsewhere (the admin's form, whose tier inline checks the target)."""
    validated_save(policy)
    policies_changed([policy.pk])
    return policy


@atomic_service
def sla_policy_create(
    *,
    name: str,
    calendar: CoverageCalendar,
    uptime_target: Decimal,
    max_credit_pct: Decimal = Decimal("100.000"),
    attainment_goal: Decimal = Decimal("95.000"),
    credit_tiers: Sequence[CreditTierSpec] = (),
    priority_targets: Sequence[PriorityTargetSpec] = (),
) -> SLAPolicy:
    """Record an SLA policy with its credit tiers and per-priority targets."""
    policy = SLAPolicy(
        name=name,
        calendar=calendar,
        uptime_target=uptime_target,
        max_credit_pct=max_credit_pct,
        attainment_goal=attainment_goal,
    )
    policy.full_clean()
    # The tiers are checked before anything is saved, so a bad set saves nothing.
    check_credit_tiers(credit_tiers, uptime_target)
    validated_save(policy)
    credit_tiers_set(policy=policy, tiers=credit_tiers)
    priority_targets_set(policy=policy, targets=priority_targets)
    return policy


@atomic_service
def sla_policy_update(
    *,
    policy: SLAPolicy,
    credit_tiers: Sequence[CreditTierSpec] | None = None,
    priority_targets: Sequence[PriorityTargetSpec] | None = None,
    **fields: Any,
) -> SLAPolicy:
    """Change a policy and, when given, replace its credit tiers or priority targets."""
    assign(policy, fields, allowed=POLICY_FIELDS)
    policy.full_clean()
    # A new target is checked against the tiers the policy will have after this change.
    check_credit_tiers(_tier_specs(policy) if credit_tiers is None else credit_tiers, policy.uptime_target)
    sla_policy_save(policy=policy)
    if credit_tiers is not None:
        credit_tiers_set(policy=policy, tiers=credit_tiers)
    if priority_targets is not None:
        priority_targets_set(policy=policy, targets=priority_targets)
    return policy


@atomic_service
def credit_tiers_set(*, policy: SLAPolicy, tiers: Sequence[CreditTierSpec]) -> bool:
    """Make a policy's credit tiers exactly these (matched on threshold); return whether anything changed."""
    check_credit_tiers(tiers, policy.uptime_target)
    wanted = {tier["below_pct"]: tier["credit_pct"] for tier in tiers}
    existing = {tier.below_pct: tier for tier in CreditTier.objects.filter(policy=policy)}
    stale = [tier.pk for below, tier in existing.items() if below not in wanted]
    if stale:
        CreditTier.objects.filter(pk__in=stale).delete()
    changed = bool(stale)
    for below, credit in sorted(wanted.items(), reverse=True):
        tier = existing.get(below) or CreditTier(policy=policy, below_pct=below)
        if tier.pk and tier.credit_pct == credit:
            continue
        tier.credit_pct = credit
        validated_save(tier)
        changed = True
    if changed:
        policies_changed([policy.pk], reason="SLA credit tiers changed")
    return changed


@atomic_service
def priority_targets_set(*, policy: SLAPolicy, targets: Sequence[PriorityTargetSpec]) -> bool:
    """Make a policy's priority targets exactly these (matched on priority); return whether anything changed."""
    wanted = {target["priority"]: target for target in targets}
    if len(wanted) != len(targets):
        raise ValidationError({"priority_targets": "Each priority may have one target only."})
    existing = {target.priority: target for target in PriorityTarget.objects.filter(policy=policy)}
    stale = [target.pk for priority, target in existing.items() if priority not in wanted]
    if stale:
        PriorityTarget.objects.filter(pk__in=stale).delete()
    changed = bool(stale)
    for priority, spec in sorted(wanted.items()):
        target = existing.get(priority) or PriorityTarget(policy=policy, priority=priority)
        minutes = (spec["response_minutes"], spec["resolution_minutes"])
        if target.pk and (target.response_minutes, target.resolution_minutes) == minutes:
            continue
        target.response_minutes, target.resolution_minutes = minutes
        validated_save(target)
        changed = True
    if changed:
        policies_changed([policy.pk], reason="SLA targets changed")
    return changed


@atomic_service
def sla_policy_delete(*, policy: SLAPolicy) -> None:
    """Delete a policy with its tiers and targets; refused while an engagement is assigned to it."""
    if policy.assignments.exists():
        raise ValidationError(f"{policy} cannot be deleted while engagements are assigned to it.")
    CreditTier.objects.filter(policy=policy).delete()
    PriorityTarget.objects.filter(policy=policy).delete()
    validated_delete(policy)


POLICY = WriteServices(create=sla_policy_create, update=sla_policy_update, delete=sla_policy_delete, instance="policy")
