"""Reads of the SLA app for billing, reports and the admin: constant queries whatever the volume.

Months are calendar months in the organisation's zone (settings.TIME_ZONE);
`month` arguments may be any day of the month. Percentages come back
unrounded (the domain rounds only for reporting, with kernel.money.round_pct).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from engagements.models import Engagement
from engagements.selectors import engagement_dates_for
from kernel import months
from kernel.money import HUNDRED, exact
from kernel.months import Interval, active_window, first_of, last_day_of, month_window
from sla.calendar.coverage import CoverageCalendar
from sla.calendar.credits import CreditTier, credit_pct
from sla.calendar.uptime import downtime, uptime_pct
from sla.models import MonitoredService, Outage, SLAAssignment, SLAPolicy, Ticket

_MICROS_PER_HOUR = Decimal(3_600_000_000)
ALWAYS_ON = CoverageCalendar("UTC", always_on=True)

ServiceUptime = tuple[MonitoredService, Decimal | None, dt.timedelta]


# --- policies ------------------------------------------------------------------------


def policy_for(engagement_id: int, day: dt.date) -> SLAPolicy | None:
    """Return the policy in effect for an engagement on a date (its latest assignment from on or before it)."""
    assignment = (
        SLAAssignment.objects.filter(engagement_id=engagement_id, effective_from__lte=day)
        .select_related("policy__calendar")
        .order_by("-effective_from")
        .first()
    )
    return assignment.policy if assignment else None


class PolicyTimelines:
    """Every assignment of some engagements, loaded once, answering "which policy on this day?"."""

    def __init__(self, assignments: Iterable[SLAAssignment]) -> None:
        self._starts: dict[int, list[dt.date]] = defaultdict(list)
        self._policies: dict[int, list[SLAPolicy]] = defaultdict(list)
        for assignment in sorted(assignments, key=lambda a: (a.engagement_id, a.effective_from)):
            self._starts[assignment.engagement_id].append(assignment.effective_from)
            self._policies[assignment.engagement_id].append(assignment.policy)
        self._calendars: dict[int, CoverageCalendar] = {}

    def policy_on(self, engagement_id: int, day: dt.date) -> SLAPolicy | None:
        """Return the policy in effect for an engagement on a date, or None."""
        index = bisect.bisect_right(self._starts.get(engagement_id, []), day)
        return self._policies[engagement_id][index - 1] if index else None

    def calendar_of(self, policy: SLAPolicy | None) -> CoverageCalendar:
        """Return the pure-maths calendar of a policy (24x7 without one), built once per calendar."""
        if policy is None:
            return ALWAYS_ON
        if policy.calendar_id not in self._calendars:
            self._calendars[policy.calendar_id] = policy.calendar.as_calendar()
        return self._calendars[policy.calendar_id]


# A policy's goal when none is set, and the goal of an engagement without a policy.
DEFAULT_ATTAINMENT_GOAL: Decimal = SLAPolicy._meta.get_field("attainment_goal").default


class AttainmentGoals:
    """The attainment goal of every policy assignment of some engagements, answering "which goal on this day?"."""

    def __init__(self, rows: Iterable[tuple[int, dt.date, Decimal]]) -> None:
        self._starts: dict[int, list[dt.date]] = defaultdict(list)
        self._goals: dict[int, list[Decimal]] = defaultdict(list)
        for engagement_id, effective_from, goal in sorted(rows, key=lambda row: (row[0], row[1])):
            self._starts[engagement_id].append(effective_from)
            self._goals[engagement_id].append(goal)

    def goal_on(self, engagement_id: int, day: dt.date) -> Decimal:
        """Return the goal of the policy in effect on a date, or the default goal without a policy."""
        index = bisect.bisect_right(self._starts.get(engagement_id, []), day)
        return self._goals[engagement_id][index - 1] if index else DEFAULT_ATTAINMENT_GOAL


def attainment_goals_for(engagement_ids: Iterable[int]) -> AttainmentGoals:
    """Load the attainment goals of the engagements' policy assignments (one query)."""
    rows = SLAAssignment.objects.filter(engagement_id__in=list(engagement_ids)).values_list(
        "engagement_id", "effective_from", "policy__attainment_goal"
    )
    return AttainmentGoals(rows)


def _policy_shown() -> Coalesce:
    """The outer engagement's policy in effect today, else the first one to take effect."""
    today = months.today()
    assignments = SLAAssignment.objects.filter(engagement=OuterRef("pk"))
    current = assignments.filter(effective_from__lte=today).order_by("-effective_from").values("policy_id")[:1]
    upcoming = assignments.order_by("effective_from").values("policy_id")[:1]
    return Coalesce(Subquery(current), Subquery(upcoming))


def engagements_with_policy(queryset: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """Annotate `current_policy_id`: the policy in effect today, else the first one to take effect."""
    return queryset.annotate(current_policy_id=_policy_shown())


def current_policy_id(engagement: Engagement) -> int | None:
    """Return the id of the engagement's policy as `engagements_with_policy` computes it."""
    if hasattr(engagement, "current_policy_id"):
        annotated: int | None = engagement.current_policy_id
        return annotated
    return Engagement.objects.filter(pk=engagement.pk).values_list(_policy_shown(), flat=True).first()


def policy_timelines_for(engagement_ids: Iterable[int]) -> PolicyTimelines:
    """Load the assignments of engagements with their policies, targets, tiers and calendars (5 queries)."""
    assignments = (
        SLAAssignment.objects.filter(engagement_id__in=list(engagement_ids))
        .select_related("policy__calendar")
        .prefetch_related(
            "policy__targets", "policy__credit_tiers", "policy__calendar__working_hours", "policy__calendar__holidays"
        )
    )
    return PolicyTimelines(assignments)


# --- uptime and credits --------------------------------------------------------------


def _active_window(dates: tuple[dt.date, dt.date | None] | None, month: dt.date) -> Interval | None:
    if dates is None:
        return None
    return active_window(month, dates[0], dates[1])


def _service_uptimes(
    engagement_ids: list[int], month: dt.date, dates: dict[int, tuple[dt.date, dt.date | None]]
) -> dict[int, list[ServiceUptime]]:
    services = MonitoredService.objects.filter(engagement_id__in=engagement_ids).order_by("engagement_id", "name", "pk")
    outages: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
    rows = (
        Outage.objects.unplanned()
        .in_month(month)
        .filter(service__engagement_id__in=engagement_ids)
        .values_list("service_id", "started_at", "ended_at")
    )
    for service_id, started_at, ended_at in rows:
        outages[service_id].append((started_at, ended_at))
    result: dict[int, list[ServiceUptime]] = {engagement_id: [] for engagement_id in engagement_ids}
    for service in services:
        window = _active_window(dates.get(service.engagement_id), month)
        if window is None:
            result[service.engagement_id].append((service, None, dt.timedelta(0)))
            continue
        down = outages[service.pk]
        result[service.engagement_id].append((service, uptime_pct(window, down), downtime(down, window)))
    return result


def service_uptime_for(engagement_ids: list[int], month: dt.date) -> dict[int, list[ServiceUptime]]:
    """Return each engagement's services with their uptime (None outside the active window) and downtime."""
    ids = list(engagement_ids)
    return _service_uptimes(ids, month, engagement_dates_for(ids))


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    with exact():
        return sum(values, Decimal(0)) / len(values)


def mean_uptime(rows: list[ServiceUptime]) -> Decimal | None:
    """Return the unrounded mean uptime of an engagement's services, or None without any."""
    return _mean([uptime for _, uptime, _ in rows if uptime is not None])


def _engagement_uptimes(per_service: dict[int, list[ServiceUptime]]) -> dict[int, Decimal | None]:
    return {engagement_id: mean_uptime(rows) for engagement_id, rows in per_service.items()}


def uptime_for(engagement_ids: list[int], month: dt.date) -> dict[int, Decimal | None]:
    """Return each engagement's unrounded uptime % over its active part of the month (mean of its services)."""
    # None, not 100, when the engagement has no monitored service or no active day in the month.
    return _engagement_uptimes(service_uptime_for(engagement_ids, month))


def _last_active_day(dates: tuple[dt.date, dt.date | None] | None, month: dt.date) -> dt.date | None:
    if dates is None:
        return None
    start, end = dates
    last = last_day_of(month) if end is None else min(end, last_day_of(month))
    return last if last >= max(start, first_of(month)) else None


def credit_pct_for(engagement_ids: list[int], month: dt.date) -> dict[int, Decimal]:
    """Return each engagement's service credit % for the month: the tier of its unrounded uptime, capped."""
    # The policy is the one in effect on the engagement's last active day of the
    # month; the credit is 0 without a policy, without services or without an active day.
    ids = list(engagement_ids)
    dates = engagement_dates_for(ids)
    uptimes = _engagement_uptimes(_service_uptimes(ids, month, dates))
    timelines = policy_timelines_for(ids)
    credits: dict[int, Decimal] = {}
    for engagement_id in ids:
        last_day = _last_active_day(dates.get(engagement_id), month)
        policy = timelines.policy_on(engagement_id, last_day) if last_day else None
        if policy is None or uptimes.get(engagement_id) is None:
            credits[engagement_id] = Decimal(0)
            continue
        tiers = [CreditTier(tier.below_pct, tier.credit_pct) for tier in policy.credit_tiers.all()]
        credits[engagement_id] = credit_pct(uptimes[engagement_id], tiers, policy.max_credit_pct)
    return credits


def _hours(span: dt.timedelta) -> Decimal:
    with exact():
        return Decimal(span // dt.timedelta(microseconds=1)) / _MICROS_PER_HOUR


def downtime_hours_for(
    engagement_ids: list[int], month: dt.date
) -> dict[int, list[tuple[int, Decimal, Decimal | None]]]:
    """Return each engagement's (service id, unplanned downtime hours unrounded, business impact per hour)."""
    return {
        engagement_id: [(service.pk, _hours(down), service.business_impact_per_hour) for service, _, down in rows]
        for engagement_id, rows in service_uptime_for(engagement_ids, month).items()
    }


# --- tickets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketOutcomes:
    """One engagement's ticket figures for a month (domain.md "Outcomes")."""

    tickets_opened: int
    tickets_resolved: int
    backlog: int
    response_met_pct: Decimal | None
    resolution_met_pct: Decimal | None
    response_measured: int
    resolution_measured: int
    mttr_hours: Decimal | None
    breaches: int


NO_TICKETS = TicketOutcomes(0, 0, 0, None, None, 0, 0, None, 0)


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    with exact():
        return Decimal(part) * HUNDRED / Decimal(whole)


def _mean_hours(total: dt.timedelta | None, count: int) -> Decimal | None:
    if not count or total is None:
        return None
    with exact():
        return Decimal(total // dt.timedelta(microseconds=1)) / count / _MICROS_PER_HOUR


def ticket_outcomes_for(engagement_ids: list[int], month: dt.date) -> dict[int, TicketOutcomes]:
    """Return each engagement's ticket outcomes for the month from the stored clocks (one query)."""
    # response_met_pct is over tickets opened in the month that have a first
    # response and a target; resolution_met_pct over tickets resolved in the
    # month that have a target; mttr_hours is the mean business time to resolve
    # of tickets resolved in the month; breaches counts response and resolution
    # breaches of tickets opened or resolved in the month (running ones too).
    ids = list(engagement_ids)
    start, end = month_window(month)
    opened = Q(opened_at__gte=start, opened_at__lt=end)
    resolved = Q(resolved_at__gte=start, resolved_at__lt=end)
    in_month = opened | resolved
    answered = Q(first_response_at__isnull=False)
    rows = (
        Ticket.objects.filter(engagement_id__in=ids)
        .alive_in(month)
        .order_by()
        .values("engagement_id")
        .annotate(
            opened=Count("pk", filter=opened),
            resolved=Count("pk", filter=resolved),
            backlog=Count("pk", filter=Q(resolved_at__isnull=True) | Q(resolved_at__gte=end)),
            response_measured=Count("pk", filter=opened & answered & Q(response_met__isnull=False)),
            responses_met=Count("pk", filter=opened & answered & Q(response_met=True)),
            resolution_measured=Count("pk", filter=resolved & Q(resolution_met__isnull=False)),
            resolutions_met=Count("pk", filter=resolved & Q(resolution_met=True)),
            timed=Count("pk", filter=resolved & Q(resolution_elapsed__isnull=False)),
            time_to_resolve=Sum("resolution_elapsed", filter=resolved),
            response_breaches=Count("pk", filter=in_month & Q(response_met=False)),
            resolution_breaches=Count("pk", filter=in_month & Q(resolution_met=False)),
        )
    )
    outcomes = dict.fromkeys(ids, NO_TICKETS)
    for row in rows:
        outcomes[row["engagement_id"]] = TicketOutcomes(
            tickets_opened=row["opened"],
            tickets_resolved=row["resolved"],
            backlog=row["backlog"],
            response_met_pct=_pct(row["responses_met"], row["response_measured"]),
            resolution_met_pct=_pct(row["resolutions_met"], row["resolution_measured"]),
            response_measured=row["response_measured"],
            resolution_measured=row["resolution_measured"],
            mttr_hours=_mean_hours(row["time_to_resolve"], row["timed"]),
            breaches=row["response_breaches"] + row["resolution_breaches"],
        )
    return outcomes
