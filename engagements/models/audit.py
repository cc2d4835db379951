"""The audit trail: who changed which recorded fact, when, from what to what."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"


class AuditLog(models.Model):
    """One change to one recorded fact, written on every write path (bulk too)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No foreign key constraint on either reference: PostgreSQL checks one per inserted row, the largest
    # cost left in a batch's write. Triggers of migration 0012 keep the same rules once per statement (the
    # referenced rows locked FOR KEY SHARE, a missing one refused, ON DELETE SET NULL, PROTECT). A user's
    # delete is left to the trigger (DO_NOTHING here): it also names the user in actor_label (0013).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    # Who or what acted when there is no user: "import harvest:<file>", "task ...".
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    # True when the change came from a bulk path (update(), bulk_create, import).
    bulk = models.BooleanField(default=False)
    # No index of its own: the (content_type, object_id, -at) index below starts with it, and a batch's
    # audit rows pay for every index they go into.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(encoder=DjangoJSONEncoder, default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="engagements_audit_obj")]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit trail"

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"
