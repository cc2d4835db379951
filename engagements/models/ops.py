"""Operational state shared by every app: changed-month marks, failed enqueues, worker heartbeats."""

from __future__ import annotations

from django.db import models


class ChangedMonth(models.Model):
    """An (engagement, month) whose recorded facts changed since its snapshot was computed.

    It lives at the bottom of the stack so that every writer can set it in
    its own transaction; the reports jobs consume it. Because the marks are
    in the database, a broker outage loses no work.
    """

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="First day of the month.")
    marked_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    # Set by a job that claimed the mark; a mark re-set after the claim keeps
    # a newer marked_at, so the job does not clear it.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["month", "engagement_id"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "month"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.engagement_id} {self.month:%Y-%m}"


class PendingTask(models.Model):
    """A task that could not be sent to the broker; re-sent by the beat job."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    error = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.attempts} attempts)"


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task; /healthz reports it."""

    hostname = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
