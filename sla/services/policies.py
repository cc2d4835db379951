"""Services for coverage calendars, SLA policies and their assignment to engagements.

Calendars and policies are shared configuration: a change re-marks every
month that the policy governs and re-computes the clocks of its tickets
(after commit, in a task), so stored figures follow the configuration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import pairwise
from typing import Any, NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import sla.calendar as clock
from engagements.models import Engagement
from engagements.queue import enqueue_on_commit
from engagements.services.marks import mark_months_changed
from kernel.services import validated_delete, validated_save
from sla.models import (
    CoverageCalendar,
    CreditTier,
    Holiday,
    PriorityTarget,
    SLAAssignment,
    SLAPolicy,
    WorkingHours,
)
from sla.models.policies import BELOW_PCT_MESSAGE, CREDIT_PCT_MESSAGE, HUNDRED
from sla.selectors import current_policy_id

REFRESH_TASK = "sla.refresh_ticket_clocks"


class WorkingHoursSpec(TypedDict):
    """Opening hours on a weekday (0 = Monday); end None means midnight."""

    weekday: int
    start: dt.time
    end: dt.time | None


class HolidaySpec(TypedDict):
    """A closed local date."""

    date: dt.date
    name: NotRequired[str]


class CreditTierSpec(TypedDict):
    """Credit owed below an uptime threshold."""

    below_pct: Decimal
    credit_pct: Decimal


class PriorityTargetSpec(TypedDict):
    """Response and resolution targets of a priority, in business minutes."""

    priority: str
    response_minutes: int
    resolution_minutes: int


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _assign(instance: Any, fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"cannot set {', '.join(sorted(unknown))} on {type(instance).__name__}")
    for name, value in fields.items():
        setattr(instance, name, value)


# --- what a configuration change sets in motion ------------------------------------------


def policies_changed(policy_ids: Iterable[int], *, reason: str = "SLA policy changed") -> None:
    """Mark the months the policies govern and queue the refresh of their tickets' clocks after commit."""
    assignments = list(SLAAssignment.objects.filter(policy_id__in=list(policy_ids)))
    if not assignments:
        return
    _assignments_changed(assignments, reason=reason)


def _assignments_changed(assignments: Sequence[SLAAssignment], *, reason: str) -> None:
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


def _calendar_changed(calendar: CoverageCalendar) -> None:
    if calendar.pk is not None:
        policies_changed(calendar.policies.values_list("pk", flat=True), reason="Coverage calendar changed")


# --- coverage calendars ---------------------------------------------------------------------


def check_working_hours(always_on: bool, working: Sequence[WorkingHoursSpec]) -> None:
    """Refuse hours that overlap or run backwards, and calendars that would never or ambiguously run."""
    if always_on and working:
        raise ValidationError(
            {"working_hours": "A 24x7 calendar ignores working hours: untick 24x7 or remove the hours."}
        )
    if not always_on and not working:
        raise ValidationError(
            {"working_hours": "Add working hours or tick 24x7: without either the SLA clock would never run."}
        )
    try:
        clock.validate_working([clock.WorkingInterval(row["weekday"], row["start"], row["end"]) for row in working])
    except ValueError as exc:
        raise ValidationError({"working_hours": _sentence(str(exc))}) from None


@transaction.atomic
def coverage_calendar_save(*, calendar: CoverageCalendar) -> CoverageCalendar:
    """Validate and save a calendar built elsewhere (the admin's form)."""
    validated_save(calendar)
    _calendar_changed(calendar)
    return calendar


@transaction.atomic
def coverage_calendar_create(
    *,
    name: str,
    time_zone: str,
    always_on: bool = False,
    working_hours: Sequence[WorkingHoursSpec] = (),
    holidays: Sequence[HolidaySpec] = (),
) -> CoverageCalendar:
    """Record a coverage calendar: 24x7, or working hours in a time zone, with holidays."""
    calendar = validated_save(CoverageCalendar(name=name, time_zone=time_zone, always_on=always_on))
    working_hours_set(calendar=calendar, working_hours=working_hours)
    holidays_set(calendar=calendar, holidays=holidays)
    return calendar


@transaction.atomic
def coverage_calendar_update(
    *,
    calendar: CoverageCalendar,
    working_hours: Sequence[WorkingHoursSpec] | None = None,
    holidays: Sequence[HolidaySpec] | None = None,
    **fields: Any,
) -> CoverageCalendar:
    """Change a calendar (name, zone, 24x7) and, when given, replace its working hours or holidays."""
    _assign(calendar, fields, ("name", "time_zone", "always_on"))
    coverage_calendar_save(calendar=calendar)
    if working_hours is not None or "always_on" in fields:
        current = working_hours if working_hours is not None else _working_specs(calendar)
        working_hours_set(calendar=calendar, working_hours=current)
    if holidays is not None:
        holidays_set(calendar=calendar, holidays=holidays)
    return calendar


def _working_specs(calendar: CoverageCalendar) -> list[WorkingHoursSpec]:
    return [
        WorkingHoursSpec(weekday=row.weekday, start=row.start, end=row.end)
        for row in WorkingHours.objects.filter(calendar=calendar)
    ]


@transaction.atomic
def working_hours_set(*, calendar: CoverageCalendar, working_hours: Sequence[WorkingHoursSpec]) -> bool:
    """Make a calendar's working hours exactly these; return whether anything changed."""
    check_working_hours(calendar.always_on, working_hours)
    wanted = {(row["weekday"], row["start"], row["end"]) for row in working_hours}
    existing = {(row.weekday, row.start, row.end): row for row in WorkingHours.objects.filter(calendar=calendar)}
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    # Removals first, so each new row is checked against the final set only.
    if stale:
        WorkingHours.objects.filter(pk__in=stale).delete()
    added = sorted(wanted - set(existing))
    for weekday, start, end in added:
        validated_save(WorkingHours(calendar=calendar, weekday=weekday, start=start, end=end))
    changed = bool(stale or added)
    if changed:
        _calendar_changed(calendar)
    return changed


@transaction.atomic
def holidays_set(*, calendar: CoverageCalendar, holidays: Sequence[HolidaySpec]) -> bool:
    """Make a calendar's holidays exactly these (matched on date); return whether anything changed."""
    wanted = {row["date"]: row.get("name", "") for row in holidays}
    if len(wanted) != len(holidays):
        raise ValidationError({"holidays": "The same date is listed twice."})
    existing = {row.date: row for row in Holiday.objects.filter(calendar=calendar)}
    stale = [row.pk for day, row in existing.items() if day not in wanted]
    if stale:
        Holiday.objects.filter(pk__in=stale).delete()
    changed = bool(stale)
    for day, name in sorted(wanted.items()):
        row = existing.get(day)
        if row is not None and row.name == name:
            continue
        row = row or Holiday(calendar=calendar, date=day)
        row.name = name
        validated_save(row)
        # Only a new or removed date moves a clock; a renamed holiday does not.
        changed = changed or row.date not in existing
    if changed:
        _calendar_changed(calendar)
    return changed


@transaction.atomic
def coverage_calendar_delete(*, calendar: CoverageCalendar) -> None:
    """Delete a calendar with its hours and holidays; refused while a policy uses it."""
    if calendar.policies.exists():
        raise ValidationError(f"{calendar} cannot be deleted while SLA policies use it.")
    WorkingHours.objects.filter(calendar=calendar).delete()
    Holiday.objects.filter(calendar=calendar).delete()
    validated_delete(calendar)


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


@transaction.atomic
def sla_policy_save(*, policy: SLAPolicy) -> SLAPolicy:
    """Validate and save a policy built elsewhere (the admin's form, whose tier inline checks the target)."""
    validated_save(policy)
    policies_changed([policy.pk])
    return policy


@transaction.atomic
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


@transaction.atomic
def sla_policy_update(
    *,
    policy: SLAPolicy,
    credit_tiers: Sequence[CreditTierSpec] | None = None,
    priority_targets: Sequence[PriorityTargetSpec] | None = None,
    **fields: Any,
) -> SLAPolicy:
    """Change a policy and, when given, replace its credit tiers or priority targets."""
    _assign(policy, fields, ("name", "calendar", "uptime_target", "max_credit_pct", "attainment_goal"))
    policy.full_clean()
    # A new target is checked against the tiers the policy will have after this change.
    check_credit_tiers(_tier_specs(policy) if credit_tiers is None else credit_tiers, policy.uptime_target)
    sla_policy_save(policy=policy)
    if credit_tiers is not None:
        credit_tiers_set(policy=policy, tiers=credit_tiers)
    if priority_targets is not None:
        priority_targets_set(policy=policy, targets=priority_targets)
    return policy


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
def sla_policy_delete(*, policy: SLAPolicy) -> None:
    """Delete a policy with its tiers and targets; refused while an engagement is assigned to it."""
    if policy.assignments.exists():
        raise ValidationError(f"{policy} cannot be deleted while engagements are assigned to it.")
    CreditTier.objects.filter(policy=policy).delete()
    PriorityTarget.objects.filter(policy=policy).delete()
    validated_delete(policy)


# --- assignments ----------------------------------------------------------------------------


@transaction.atomic
def sla_assignment_save(*, assignment: SLAAssignment) -> SLAAssignment:
    """Validate and save an assignment; the months and ticket clocks from its date (old or new) follow it."""
    before = SLAAssignment.objects.filter(pk=assignment.pk).first() if assignment.pk else None
    validated_save(assignment)
    changed = [assignment] if before is None else [before, assignment]
    _assignments_changed(changed, reason="SLA assignment changed")
    return assignment


@transaction.atomic
def sla_assignment_create(*, engagement: Engagement, policy: SLAPolicy, effective_from: dt.date) -> SLAAssignment:
    """Apply a policy to an engagement from a date on (until its next assignment)."""
    return sla_assignment_save(
        assignment=SLAAssignment(engagement=engagement, policy=policy, effective_from=effective_from)
    )


@transaction.atomic
def sla_assignment_update(*, assignment: SLAAssignment, **fields: Any) -> SLAAssignment:
    """Change which policy applies or from when."""
    _assign(assignment, fields, ("engagement", "policy", "effective_from"))
    return sla_assignment_save(assignment=assignment)


@transaction.atomic
def sla_assignment_delete(*, assignment: SLAAssignment) -> None:
    """Remove an assignment; the previous one (if any) governs its months again."""
    validated_delete(assignment)
    _assignments_changed([assignment], reason="SLA assignment removed")


@transaction.atomic
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
    day = on or max(engagement.start_date, timezone.localdate())
    existing = SLAAssignment.objects.filter(engagement=engagement, effective_from=day).first()
    if existing is not None:
        sla_assignment_update(assignment=existing, policy=policy)
    else:
        sla_assignment_create(engagement=engagement, policy=policy, effective_from=day)
