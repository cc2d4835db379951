"""Provenance of imported rows: which export file, which line, brought each record."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class ImportKind(models.TextChoices):
    """The kinds of export file, one per registered mapper and writer."""

    TIMESHEETS = "timesheets", "Timesheets"
    TICKETS = "tickets", "Tickets"
    OUTAGES = "outages", "Outages"


class ImportFile(models.Model):
    """One export file imported (tracker, help desk or monitor), identified by its SHA-256."""

    sha256 = models.CharField(max_length=64)
    name = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    format = models.CharField(max_length=20)
    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    day_first = models.BooleanField(null=True, blank=True, help_text="Empty: decided from the file.")
    time_zone = models.CharField(max_length=64, blank=True)
    read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejected_rows = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        # The table and constraint names are those the rows were created under in engagements.
        db_table = "engagements_importfile"
        ordering = ["-uploaded_at", "-id"]
        permissions = [("import_data", "Can import export files")]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256", "kind", "format"],
                name="engagements_importfile_one_per_file",
                violation_error_message="This file was already imported as this kind and format.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or self.sha256[:12]} ({self.kind}, {self.format})"


class ImportedRow(models.Model):
    """The file and line that last created or changed a record."""

    file = models.ForeignKey(ImportFile, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField(help_text="Line number in the file (the header is line 1).")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")

    class Meta:
        db_table = "engagements_importedrow"
        ordering = ["file", "row"]
        indexes = [models.Index(fields=["file", "row"], name="engagements_imported_file_row")]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="engagements_importedrow_one_per_record")
        ]

    def __str__(self) -> str:
        return f"{self.file} line {self.row}"
