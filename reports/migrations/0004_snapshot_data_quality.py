"""Snapshots carry their data gaps (domain.md "Data completeness") and breaches counted as tickets."""

import re
from typing import Any

from django.db import migrations, models

HOURS = re.compile(r"\(([0-9.]+) h\)")


def _gap(note: str) -> dict[str, Any]:
    """Read a cost note of the cost engine back as a gap (the next recompute writes the exact ones)."""
    kind = (
        "missing_monthly_fee"
        if note.startswith("No monthly fee")
        else "missing_internal_rate"
        if "internal rate" in note
        else "missing_bill_rate"
    )
    hours = HOURS.search(note)
    subject = note.split(" has no ", 1)[0] if " has no " in note else "Monthly fee"
    return {
        "kind": kind,
        "subject": subject,
        "subject_id": None,
        "hours": hours.group(1) if hours else None,
        "tickets": None,
        "message": note,
    }


def mark_incomplete(apps: Any, schema_editor: Any) -> None:
    # Until the next recompute rewrites them, a snapshot with cost notes is incomplete and lists them.
    snapshot = apps.get_model("reports", "MonthlySnapshot")
    for pk, notes in snapshot.objects.values_list("pk", "missing_rates").iterator():
        if notes:
            snapshot.objects.filter(pk=pk).update(complete=False, data_quality=[_gap(note) for note in notes])


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_recomputejob_resumed_at")]

    operations = [
        migrations.AddField(
            model_name="monthlysnapshot",
            name="breached_tickets",
            field=models.PositiveIntegerField(
                default=0, help_text="Tickets that missed a response or a resolution target, each counted once."
            ),
        ),
        migrations.AddField(
            model_name="monthlysnapshot",
            name="response_breaches",
            field=models.PositiveIntegerField(default=0, help_text="Tickets that missed the response target."),
        ),
        migrations.AddField(
            model_name="monthlysnapshot",
            name="resolution_breaches",
            field=models.PositiveIntegerField(default=0, help_text="Tickets that missed the resolution target."),
        ),
        migrations.AlterField(
            model_name="monthlysnapshot",
            name="breaches",
            field=models.PositiveIntegerField(default=0, help_text="Response and resolution misses, counted apart."),
        ),
        migrations.AddField(
            model_name="monthlysnapshot",
            name="data_quality",
            field=models.JSONField(
                blank=True, default=list, help_text='What lacks a cost or a target (domain.md "Data completeness").'
            ),
        ),
        migrations.AddField(
            model_name="monthlysnapshot",
            name="complete",
            field=models.BooleanField(default=True, help_text="No gap in the data behind these figures."),
        ),
        migrations.RunPython(mark_incomplete, migrations.RunPython.noop),
    ]
