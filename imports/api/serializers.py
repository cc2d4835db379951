"""Serializers of the imports endpoint: the upload's fields and the report's shape."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from engagements.models import Engagement
from imports.parsers import FORMATS
from imports.services import IMPORTERS, REPLACE_KIND_MESSAGE, REPLACE_KINDS
from kernel.api.fields import BatchPrimaryKeyRelatedField, StrictSerializer

ALL_FORMATS = sorted({fmt for formats in FORMATS.values() for fmt in formats})


class ImportRequestSerializer(StrictSerializer):
    """An export file to import."""

    kind = serializers.ChoiceField(choices=sorted(IMPORTERS))
    format = serializers.ChoiceField(choices=ALL_FORMATS)
    engagement = BatchPrimaryKeyRelatedField(
        queryset=Engagement.objects.all(),
        required=False,
        allow_null=True,
        help_text="Where rows go whose file does not say (or names no engagement).",
    )
    dry_run = serializers.BooleanField(default=False, help_text="Report what would happen; write nothing.")
    allow_partial = serializers.BooleanField(default=False, help_text="Import the good rows of a half-valid file.")
    move = serializers.BooleanField(
        default=False,
        help_text="Move rows already stored under another engagement to this one (the `engagement` sent, or the one "
        "a row names). false: such rows are rejected, naming the engagement they are stored under. The report's "
        "`moves` says what moved (a dry run: what would move).",
    )
    replace = serializers.BooleanField(
        default=False,
        help_text="Timesheets only: this export is the whole truth for its days. Once its rows are written, the "
        "time entries an earlier import of the same format stored for the engagements its rows went to, dated from "
        "each engagement's first to its last date in the file, that the file no longer has, are removed (audited). "
        "Nothing is removed when a row is rejected (allow_partial); a removal in a closed month refuses the file. "
        "The report's `removed` and `removals` say what was removed (a dry run: what would be).",
    )
    day_first = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Dates like 03/04/2024: true = 3 April, false = 4 March; empty = decide from the file.",
    )
    tz = serializers.CharField(required=False, max_length=64, help_text="IANA zone of times without an offset.")
    file = serializers.FileField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["format"] not in FORMATS[attrs["kind"]]:
            raise serializers.ValidationError(
                {"format": f"{attrs['kind']} come in these formats: {', '.join(FORMATS[attrs['kind']])}."}
            )
        if attrs["replace"] and attrs["kind"] not in REPLACE_KINDS:
            raise serializers.ValidationError({"replace": REPLACE_KIND_MESSAGE})
        return attrs


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Line in the file (the header is line 1).")
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    """What an import did (or would do, in a dry run)."""

    kind = serializers.CharField()
    format = serializers.CharField()
    sha256 = serializers.CharField()
    read = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejected_rows = ImportRowErrorSerializer(many=True)
    unmatched = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    warnings = serializers.ListField(child=serializers.CharField())
    moves = serializers.ListField(
        child=serializers.CharField(),
        help_text="With move: rows moved from another engagement, per pair of engagements (a dry run: would move).",
    )
    removed = serializers.IntegerField(
        help_text="With replace: time entries of earlier imports removed (a dry run: that would be), all counted."
    )
    removals = serializers.ListField(
        child=serializers.CharField(),
        help_text="With replace: the first 50 of them, described (person, date, hours, and the file and line "
        "they came from).",
    )
    dry_run = serializers.BooleanField()
    written = serializers.BooleanField()
    file_id = serializers.IntegerField(allow_null=True)


class ImportRefusedSerializer(ImportReportSerializer):
    """The report of a file whose rejected rows kept it from being imported, in the API's error shape."""

    errors = ImportRowErrorSerializer(many=True, help_text="The rejected rows (as `rejected_rows`).")  # type: ignore[assignment]


class ImportJobSerializer(serializers.Serializer):
    """An import running in the background (a file above IMPORT_BACKGROUND_BYTES): its state and, once done, counts."""

    id = serializers.IntegerField()
    url = serializers.CharField(help_text="This job's address.")
    state = serializers.ChoiceField(choices=["queued", "running", "done", "refused", "failed", "cancelled"])
    kind = serializers.CharField()
    format = serializers.CharField()
    name = serializers.CharField(help_text="The uploaded file's name.")
    size = serializers.IntegerField(help_text="Bytes.")
    dry_run = serializers.BooleanField()
    allow_partial = serializers.BooleanField()
    move = serializers.BooleanField(help_text="Rows stored under another engagement move to this one.")
    rows_read = serializers.IntegerField(help_text="Rows read so far (all rows once finished).")
    rows_estimate = serializers.IntegerField(help_text="Lines in the file less the header (an estimate).")
    progress_pct = serializers.IntegerField(help_text="0-100; 100 once the job has ended.")
    rows_counted = serializers.IntegerField(
        allow_null=True,
        help_text="While the import first checks the file (header, date order, rows): the rows counted so far "
        "(rows_read stays 0 meanwhile); null before and after.",
    )
    cancel_requested = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejected_rows = ImportRowErrorSerializer(many=True)
    unmatched = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    warnings = serializers.ListField(child=serializers.CharField())
    rate_warnings = serializers.ListField(
        child=serializers.CharField(), help_text="Contractors with hours on days without a bill rate in effect."
    )
    moves = serializers.ListField(
        child=serializers.CharField(),
        help_text="With move, once ended: rows moved from another engagement (a dry run: would move).",
    )
    replace = serializers.BooleanField(
        help_text="Timesheets: entries of earlier imports on the file's days that the file no longer has are removed."
    )
    removed = serializers.IntegerField(
        help_text="With replace, once ended: time entries removed (a dry run: that would be), all counted."
    )
    removals = serializers.ListField(
        child=serializers.CharField(), help_text="With replace, once ended: the first 50 of them, described."
    )
    written = serializers.BooleanField()
    file_id = serializers.IntegerField(allow_null=True, help_text="The imported file's record, once written.")
    error = serializers.CharField(help_text="Why the job failed or was cancelled; empty otherwise.")
    requested_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
