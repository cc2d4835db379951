"""Help-desk tickets, their pauses, and the SLA clocks computed on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from kernel.facts import MonthKey, RecordedFact, source_external_id_unique
from kernel.months import current_month, local_midnight, month_of, months_between
from sla.models.policies import Priority, SLAPolicy
from sla.querysets import TicketQuerySet, TicketState

if TYPE_CHECKING:
    from engagements.models import Engagement

# Each rule's message, written once: the model's clean(), its database check
# and the race translation (sla.apps) all use it.
RESPONSE_BEFORE_OPENED_MESSAGE = "The first response cannot be before the ticket was opened."
RESPONSE_AFTER_RESOLVED_MESSAGE = "The first response cannot be after the ticket was resolved."
RESOLVED_BEFORE_OPENED_MESSAGE = "A ticket cannot be resolved before it was opened."
# A ticket's facts lie within its engagement, as a time entry's date does; migration 0003's
# triggers back both sides (the ticket's opening, the engagement's start moving past tickets).
OPENED_BEFORE_ENGAGEMENT_MESSAGE = "A ticket cannot be opened before its engagement began."
TICKETS_BEFORE_START_MESSAGE = "Tickets were opened before this start date; move or delete them first."
PAUSE_ENDS_AFTER_START_MESSAGE = "A pause must end after it starts."


class TicketCategory(models.TextChoices):
    INCIDENT = "incident", "Incident"
    REQUEST = "request", "Service request"
    SECURITY = "security", "Security"
    CHANGE = "change", "Change"


class PauseReason(models.TextChoices):
    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    WAITING_ON_VENDOR = "waiting_on_vendor", "Waiting on vendor"


def local_label(instant: dt.datetime) -> str:
    """Format an instant in the organisation's zone for a message, e.g. '2026-04-20 10:00 EDT'."""
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M %Z")


def check_opened_in(engagement: Engagement, opened_at: dt.datetime | None) -> dict[str, str]:
    """Return the field error of a ticket opened before its engagement began, for the model and importers alike.

    The engagement begins at the local midnight of its start date (the
    organisation's zone), where its first month's figures begin.
    """
    if opened_at is not None and opened_at < local_midnight(engagement.start_date):
        # Both in the organisation's zone, where the engagement begins: an instant sent in UTC can fall
        # on the day before the start there, and the message must show why.
        began = local_label(local_midnight(engagement.start_date))
        return {
            "opened_at": f"The ticket was opened before {engagement.name} began ({began}): "
            f"it was opened at {local_label(opened_at)}."
        }
    return {}


def check_engagement_start(engagement: Engagement) -> dict[str, str]:
    """Return the start date's error when a changed engagement would begin after tickets opened on it.

    Registered with engagements (Engagement.clean), so the admin and the API answer on the field; the
    database's trigger (migration 0003) holds every other path.
    """
    if engagement.pk is None or engagement.start_date is None:
        return {}
    first = (
        Ticket.objects.filter(engagement=engagement, opened_at__lt=local_midnight(engagement.start_date))
        .order_by("opened_at")
        .values_list("opened_at", flat=True)
        .first()
    )
    if first is None:
        return {}
    return {"start_date": TICKETS_BEFORE_START_MESSAGE.replace("; ", f" (the first at {local_label(first)}); ", 1)}


# Columns the clock refresh computes from the recorded facts. They are left
# out of the audit trail: they are derived, and a policy change rewrites
# thousands of them at once (the facts they come from are audited).
CLOCK_FIELDS = (
    "policy",
    "response_due_at",
    "resolution_due_at",
    "response_met",
    "resolution_met",
    "response_slack_minutes",
    "resolution_slack_minutes",
    "response_elapsed",
    "resolution_elapsed",
)


def _slack_field(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        help_text="Target minus business minutes on the clock; negative once breached.",
    )


class Ticket(RecordedFact):
    """A help-desk or incident record of an engagement, measured against the SLA policy in effect when opened."""

    month_fields = ("opened_at", "first_response_at", "resolved_at")

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.PROTECT, related_name="tickets")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    category = models.CharField(max_length=10, choices=TicketCategory.choices)
    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=50, blank=True, help_text="Where the row came from: jira, zendesk, api...")
    external_id = models.CharField(max_length=200, blank=True, help_text="The row's id in its source system.")

    # --- computed by the clock refresh (sla.services.clocks) ---
    policy = models.ForeignKey(
        SLAPolicy,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The policy in effect on the day the ticket was opened.",
    )
    response_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Extended by paused business time."
    )
    response_met = models.BooleanField(null=True, editable=False, help_text="Empty while running and not yet breached.")
    resolution_met = models.BooleanField(
        null=True, editable=False, help_text="Empty while running and not yet breached."
    )
    response_slack_minutes = _slack_field("response slack (min)")
    resolution_slack_minutes = _slack_field("resolution slack (min)")
    response_elapsed = models.DurationField(
        null=True, blank=True, editable=False, help_text="Business time from opening to first response (or now)."
    )
    resolution_elapsed = models.DurationField(
        null=True, blank=True, editable=False, help_text="Business time to resolution (or now), minus pauses."
    )

    objects: ClassVar = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["engagement", "opened_at"], name="sla_ticket_opened"),
            models.Index(fields=["engagement", "resolved_at"], name="sla_ticket_resolved"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True) | Q(first_response_at__gte=F("opened_at")),
                name="%(app_label)s_%(class)s_response_not_before_opened",
                violation_error_message=RESPONSE_BEFORE_OPENED_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("opened_at")),
                name="%(app_label)s_%(class)s_resolved_not_before_opened",
                violation_error_message=RESOLVED_BEFORE_OPENED_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True)
                | Q(resolved_at__isnull=True)
                | Q(first_response_at__lte=F("resolved_at")),
                name="%(app_label)s_%(class)s_response_not_after_resolved",
                violation_error_message=RESPONSE_AFTER_RESOLVED_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values),
                name="%(app_label)s_%(class)s_priority_valid",
                violation_error_message="The priority must be P1, P2, P3 or P4.",
            ),
            models.CheckConstraint(
                condition=Q(category__in=TicketCategory.values),
                name="%(app_label)s_%(class)s_category_valid",
                violation_error_message="The category must be incident, request, security or change.",
            ),
            source_external_id_unique("A ticket"),
        ]

    def __str__(self) -> str:
        label = self.external_id or (f"#{self.pk}" if self.pk else "new")
        return f"{self.priority} {label} {self.summary}".strip()[:120]

    @classmethod
    def clock_fields(cls) -> list[models.Field[Any, Any]]:
        """Return the fields of the clock columns, in CLOCK_FIELDS order."""
        by_name = {field.name: field for field in cls._meta.concrete_fields}
        return [by_name[name] for name in CLOCK_FIELDS]

    @classmethod
    def audited_attnames(cls) -> list[str]:
        clock_attnames = {field.attname for field in cls.clock_fields()}
        return [name for name in super().audited_attnames() if name not in clock_attnames]

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        """Return every month from opening to resolution (or the current month): the backlog counts it in each."""
        engagement_id, opened = row.get("_engagement"), row.get("opened_at")
        if engagement_id is None or opened is None:
            return set()
        resolved = row.get("resolved_at")
        last = month_of(resolved) if resolved else max(current_month(), month_of(opened))
        keys = {(engagement_id, month) for month in months_between(month_of(opened), last)}
        if row.get("first_response_at"):
            keys.add((engagement_id, month_of(row["first_response_at"])))
        return keys

    @property
    def state(self) -> TicketState:
        """Return the ticket's SLA state (the same rules as TicketQuerySet.in_state)."""
        if self.response_met is False or self.resolution_met is False:
            return TicketState.BREACHED
        if self.resolved_at is None:
            return TicketState.RUNNING
        return TicketState.MET if self.resolution_met else TicketState.NO_TARGET

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.opened_at and self.first_response_at and self.first_response_at < self.opened_at:
            errors["first_response_at"] = RESPONSE_BEFORE_OPENED_MESSAGE
        elif self.first_response_at and self.resolved_at and self.first_response_at > self.resolved_at:
            errors["first_response_at"] = RESPONSE_AFTER_RESOLVED_MESSAGE
        if self.opened_at and self.resolved_at and self.resolved_at < self.opened_at:
            errors["resolved_at"] = RESOLVED_BEFORE_OPENED_MESSAGE
        if self.engagement_id and self.opened_at:
            # No query where the engagement came with the row (the admin's form, a batch).
            errors |= check_opened_in(self.engagement, self.opened_at)
        if not errors and self.pk and self.opened_at:
            errors |= self._check_pauses_inside()
        if errors:
            raise ValidationError(errors)

    def _check_pauses_inside(self) -> dict[str, str]:
        """Refuse new times that would leave a recorded pause outside the ticket's life."""
        pauses = TicketPause.objects.filter(ticket_id=self.pk)
        if pauses.filter(started_at__lt=self.opened_at).exists():
            return {"opened_at": "A pause of this ticket starts before this time; move or delete the pause first."}
        if self.resolved_at:
            late = Q(started_at__gte=self.resolved_at) | Q(ended_at__isnull=True) | Q(ended_at__gt=self.resolved_at)
            if pauses.filter(late).exists():
                return {
                    "resolved_at": "A pause of this ticket runs past this time; end the pause at or before it first."
                }
        return {}


class TicketPause(RecordedFact):
    """An interval during which a ticket's resolution clock stops (waiting on the customer or a vendor)."""

    engagement_path = "ticket__engagement_id"
    month_fields = ("started_at", "ended_at")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Leave empty while the pause is running.")
    reason = models.CharField(max_length=20, choices=PauseReason.choices, default=PauseReason.WAITING_ON_CUSTOMER)

    class Meta:
        ordering = ["ticket", "started_at"]
        indexes = [models.Index(fields=["ticket", "started_at"], name="sla_pause_ticket_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message=PAUSE_ENDS_AFTER_START_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(reason__in=PauseReason.values),
                name="%(app_label)s_%(class)s_reason_valid",
                violation_error_message="The reason must be waiting on customer or waiting on vendor.",
            ),
        ]

    def __str__(self) -> str:
        if self.started_at is None:
            return "pause"
        end = local_label(self.ended_at) if self.ended_at else "now"
        return f"{self.get_reason_display()}: {local_label(self.started_at)} to {end}"

    @classmethod
    def engagement_ids_of(cls, objs: Sequence[Self]) -> list[int | None]:
        ids = {obj.ticket_id for obj in objs}
        engagement_of = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "engagement_id"))
        return [engagement_of.get(obj.ticket_id) for obj in objs]

    def clean(self) -> None:
        if self.started_at is None:
            return
        if self.ended_at is not None and self.ended_at <= self.started_at:
            raise ValidationError({"ended_at": PAUSE_ENDS_AFTER_START_MESSAGE})
        # The admin validates a new ticket's pauses before the ticket has an id: check
        # against its times all the same, and against other pauses once it is saved.
        ticket = self.ticket if self.ticket_id or TicketPause.ticket.is_cached(self) else None
        if ticket is None or ticket.opened_at is None:
            return
        errors = self._check_inside_ticket(ticket) or (self._check_no_overlap() if ticket.pk else {})
        if errors:
            raise ValidationError(errors)

    def _check_inside_ticket(self, ticket: Ticket) -> dict[str, str]:
        """Return an error when the pause lies outside the ticket's life (opened to resolved)."""
        if self.started_at < ticket.opened_at:
            return {
                "started_at": f"A pause cannot start before the ticket was opened ({local_label(ticket.opened_at)})."
            }
        resolved = ticket.resolved_at
        if resolved is None:
            return {}
        if self.started_at >= resolved:
            return {"started_at": f"A pause cannot start once the ticket is resolved ({local_label(resolved)})."}
        if self.ended_at is None:
            return {"ended_at": f"The ticket is resolved, so the pause must end by {local_label(resolved)}."}
        if self.ended_at > resolved:
            return {"ended_at": f"A pause cannot end after the ticket was resolved ({local_label(resolved)})."}
        return {}

    def _check_no_overlap(self) -> dict[str, str]:
        """Return an error when the pause overlaps another pause of the same ticket (touching is fine)."""
        others = TicketPause.objects.filter(ticket_id=self.ticket.pk).exclude(pk=self.pk)
        others = others.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=self.started_at))
        if self.ended_at is not None:
            others = others.filter(started_at__lt=self.ended_at)
        other = others.order_by("started_at").first()
        if other is None:
            return {}
        until = local_label(other.ended_at) if other.ended_at else "now (still running)"
        return {
            "started_at": f"This pause overlaps another pause of the same ticket ({local_label(other.started_at)} "
            f"to {until})."
        }
