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
    # Entries an import with replace removed (earlier imports' rows the file no longer has).
    removed = models.PositiveIntegerField(default=0)
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


class JobState(models.TextChoices):
    """Where an import job is: waiting, reading, or finished one of four ways."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    REFUSED = "refused", "Refused (rows rejected)"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class ImportJob(models.Model):
    """One upload: the stored file, how to read it, and (once run) what the import did or would do.

    Every admin upload is a job, so the preview and the confirm read the same
    stored file; the API makes one for files above IMPORT_BACKGROUND_BYTES. A
    dry run (the admin's preview) counts; its confirm is a second job on the
    same stored file. Progress (rows read) is kept in the cache while the
    import's transaction is open and written here when it ends.
    """

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    format = models.CharField(max_length=20)
    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    upload = models.FileField(upload_to="imports/jobs/%Y/%m/", max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True, help_text="The uploaded file's name.")
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes.")
    rows_estimate = models.PositiveIntegerField(default=0, help_text="Lines in the file, less the header.")
    day_first = models.BooleanField(null=True, blank=True, help_text="Empty: decided from the file.")
    time_zone = models.CharField(max_length=64, blank=True)
    dry_run = models.BooleanField(default=False, help_text="Count what would happen; write nothing.")
    allow_partial = models.BooleanField(default=False, help_text="Import the good rows of a half-valid file.")
    move = models.BooleanField(
        default=False, help_text="Move rows already stored under another engagement to this one (refused otherwise)."
    )
    replace = models.BooleanField(
        default=False,
        help_text="Timesheets: the file is the whole truth for its days; entries an earlier import of the format "
        "stored there that the file no longer has are removed.",
    )
    background = models.BooleanField(default=False, help_text="Run by a Celery task rather than in the request.")
    preview_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="The previewed job."
    )
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Runs started (a lost worker's task returns).")
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejected_rows = models.JSONField(default=list, blank=True)
    unmatched = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    rate_warnings = models.JSONField(
        default=list, blank=True, help_text="Contractors with hours on days without a bill rate in effect."
    )
    moves = models.JSONField(
        default=list, blank=True, help_text="Rows moved (a preview: that would move) from another engagement."
    )
    removed = models.PositiveIntegerField(
        default=0, help_text="With replace: entries removed (a preview: that would be removed)."
    )
    removals = models.JSONField(
        default=list, blank=True, help_text="With replace: the first removed entries, described."
    )
    sha256 = models.CharField(max_length=64, blank=True)
    written = models.BooleanField(default=False)
    import_file = models.ForeignKey(ImportFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True)
    error_code = models.CharField(
        max_length=20, blank=True, help_text="What kind of failure (date_order: the file's date order must be chosen)."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "requested_at"], name="imports_job_state_requested")]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=JobState.values), name="imports_importjob_state_valid"),
            models.CheckConstraint(condition=models.Q(kind__in=ImportKind.values), name="imports_importjob_kind_valid"),
        ]

    def __str__(self) -> str:
        what = "Preview" if self.dry_run else "Import"
        return f"{what} of {self.name or 'a file'} ({self.kind}, {self.format}): {self.get_state_display()}"

    @property
    def active(self) -> bool:
        """Return whether the job is still queued or running."""
        return self.state in ACTIVE_STATES
