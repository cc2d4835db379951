"""Monthly snapshots, comparison reports, decision checklists and the jobs that build them.

Everything here is computed by the jobs (reports.services) from the facts of
the lower apps; only the decision checklist is entered by people.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from billing.models.base import first_of_month_constraint


def _money(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def _pct(**kwargs: Any) -> models.DecimalField:
    # Percentages are stored as reported: 3 places, half up (domain.md "Money").
    return models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True, **kwargs)


def _hours(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


# The figures of a snapshot, in the order the pages and the CSV show them.
MONEY_FIELDS = (
    "labor_cost",
    "overhead_cost",
    "fee_cost",
    "one_time_cost",
    "credit",
    "total_cost",
    "vendor_cost",
)
FIGURE_FIELDS = (
    *MONEY_FIELDS,
    "overhead_ratio",
    "hours",
    "overhead_hours",
    "active_days",
    "days_in_month",
    "credit_pct",
    "uptime_pct",
    "services_monitored",
    "tickets_opened",
    "tickets_resolved",
    "backlog",
    "response_met",
    "response_measured",
    "response_met_pct",
    "resolution_met",
    "resolution_measured",
    "resolution_met_pct",
    "mttr_hours",
    "breaches",
    "breached_tickets",
    "response_breaches",
    "resolution_breaches",
    "milestones_due",
    "milestones_on_time",
    "cost_per_resolved_ticket",
    "downtime_hours",
    "downtime_impact",
    "missing_rates",
)


class MonthlySnapshot(models.Model):
    """The computed cost and outcome figures of one engagement for one month (domain.md).

    Money is in the engagement's currency, rounded line by line as billing
    computes it. Percentages are the reported values (3 places, half up);
    `overhead_ratio` is overhead / vendor cost as such a percentage.
    """

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="snapshots")
    month = models.DateField(help_text="First day of the month.")
    currency = models.CharField(max_length=3)

    labor_cost = _money()
    overhead_cost = _money()
    fee_cost = _money()
    one_time_cost = _money()
    credit = _money()
    total_cost = _money()
    vendor_cost = _money()
    overhead_ratio = _pct(help_text="Overhead cost / vendor cost, in percent; empty when vendor cost is 0.")
    hours = _hours()
    overhead_hours = _hours()
    active_days = models.PositiveSmallIntegerField()
    days_in_month = models.PositiveSmallIntegerField()
    credit_pct = _pct()

    uptime_pct = _pct(help_text="Mean uptime of the engagement's services; empty without services.")
    services_monitored = models.PositiveIntegerField(default=0)
    tickets_opened = models.PositiveIntegerField(default=0)
    tickets_resolved = models.PositiveIntegerField(default=0)
    backlog = models.PositiveIntegerField(default=0)
    response_met = models.PositiveIntegerField(default=0)
    response_measured = models.PositiveIntegerField(default=0)
    response_met_pct = _pct()
    resolution_met = models.PositiveIntegerField(default=0)
    resolution_measured = models.PositiveIntegerField(default=0)
    resolution_met_pct = _pct()
    mttr_hours = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    breaches = models.PositiveIntegerField(default=0, help_text="Response and resolution misses, counted apart.")
    breached_tickets = models.PositiveIntegerField(
        default=0, help_text="Tickets that missed a response or a resolution target, each counted once."
    )
    response_breaches = models.PositiveIntegerField(default=0, help_text="Tickets that missed the response target.")
    resolution_breaches = models.PositiveIntegerField(default=0, help_text="Tickets that missed the resolution target.")
    milestones_due = models.PositiveIntegerField(default=0)
    milestones_on_time = models.PositiveIntegerField(default=0)
    cost_per_resolved_ticket = _money(null=True, blank=True)
    downtime_hours = _hours(default=0)
    downtime_impact = _money(default=0, help_text="Risk carried: never added to the total cost.")
    missing_rates = models.JSONField(default=list, blank=True, help_text="Entries left out of the cost, and why.")
    data_quality = models.JSONField(
        default=list, blank=True, help_text='What lacks a cost or a target (domain.md "Data completeness").'
    )
    complete = models.BooleanField(default=True, help_text="No gap in the data behind these figures.")

    inputs = models.JSONField(default=dict, help_text="What the figures were computed from (selector outputs).")
    fingerprint = models.CharField(max_length=64, help_text="Digest of the inputs: unchanged inputs, unchanged row.")
    computed_at = models.DateTimeField(help_text="When the figures last changed.")
    verified_at = models.DateTimeField(help_text="When a job last checked the figures against the facts.")

    class Meta:
        ordering = ["-month", "engagement_id"]
        indexes = [models.Index(fields=["month", "engagement"], name="reports_snapshot_month")]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "month"], name="%(app_label)s_%(class)s_one_per_month"),
            first_of_month_constraint("month"),
        ]

    def __str__(self) -> str:
        return f"{self.engagement_id} {self.month:%Y-%m}"

    def figures(self) -> dict[str, Any]:
        """Return the figures as a dict (the CSV's and the comparisons' view)."""
        return {name: getattr(self, name) for name in FIGURE_FIELDS}


class ComparisonReport(models.Model):
    """The stored comparison report of one month: both models, overall and per service area, with trends.

    `payload` holds the whole report as JSON (decimals as strings); the pages,
    the CSV, the PDF, the email and the API all render this one document.
    """

    month = models.DateField(unique=True, help_text="First day of the month.")
    payload = models.JSONField(default=dict)
    currency = models.CharField(max_length=3)
    errors = models.JSONField(default=list, blank=True, help_text="Problems the report shows (missing rates...).")
    fingerprint = models.CharField(max_length=64)
    computed_at = models.DateTimeField(help_text="When the report's content last changed.")
    verified_at = models.DateTimeField(help_text="When a job last rebuilt and compared it.")
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When it was emailed to Leadership.")

    class Meta:
        ordering = ["-month"]
        constraints = [first_of_month_constraint("month")]

    def __str__(self) -> str:
        return f"Comparison report {self.month:%B %Y}"


class DecisionChecklist(models.Model):
    """The five questions of domain.md answered for one service area; the report shows its recommendation."""

    service_area = models.OneToOneField(
        "engagements.ServiceArea", on_delete=models.CASCADE, related_name="decision_checklist"
    )
    short_term = models.BooleanField(
        "Short-term project with a clear end date?", null=True, blank=True, help_text="Yes: staff aug. No: managed."
    )
    offload_downtime_risk = models.BooleanField(
        "Offload the risk of downtime entirely?", null=True, blank=True, help_text="Yes: managed. No: staff aug."
    )
    predictable_cost = models.BooleanField(
        "Fixed and predictable monthly cost wanted?", null=True, blank=True, help_text="Yes: managed. No: staff aug."
    )
    internal_manager = models.BooleanField(
        "Internal IT manager to oversee the work?",
        null=True,
        blank=True,
        help_text="Yes: staff aug or managed. No: managed.",
    )
    specific_skill_short = models.BooleanField(
        "Specific skill needed for a few months only?", null=True, blank=True, help_text="Yes: staff aug. No: managed."
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["service_area__name"]

    def __str__(self) -> str:
        return f"Decision checklist: {self.service_area}"

    def answers(self) -> dict[str, bool | None]:
        """Return the answers keyed by question name."""
        from reports.maths import CHECKLIST_QUESTIONS

        return {name: getattr(self, name) for name, _ in CHECKLIST_QUESTIONS}


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class JobKind(models.TextChoices):
    MONTH = "month", "Whole month"
    CHANGED = "changed", "Changed months"


class RecomputeJob(models.Model):
    """A request to recompute a month (or one engagement-month) and its report, with visible progress."""

    month = models.DateField(help_text="First day of the month.")
    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=JobKind.choices, default=JobKind.MONTH)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Engagement-months to compute.")
    done = models.PositiveIntegerField(default=0, help_text="Engagement-months computed so far.")
    send_email = models.BooleanField(default=False, help_text="Email the report to Leadership when done.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    progressed_at = models.DateTimeField(null=True, blank=True, help_text="Last time a batch finished.")
    resumed_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time the stalled-jobs resume sent the missing work again."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["month", "state"], name="reports_job_month_state")]
        constraints = [
            first_of_month_constraint("month"),
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="%(app_label)s_%(class)s_state_valid"),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="%(app_label)s_%(class)s_done_le_total"
            ),
        ]

    def __str__(self) -> str:
        scope = f" engagement {self.engagement_id}" if self.engagement_id else ""
        return f"Recompute {self.month:%Y-%m}{scope}: {self.state}"

    @property
    def progress_pct(self) -> int:
        """Return the share done, 0-100."""
        if not self.total:
            # Nothing counted yet: a queued job has not started; a finished one had nothing to do.
            return 0 if self.active else 100
        return int(self.done * 100 / self.total)

    @property
    def active(self) -> bool:
        """Return whether the job is still queued or running."""
        return self.state in (JobState.QUEUED, JobState.RUNNING)
