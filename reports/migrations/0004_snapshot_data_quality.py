"""Snapshots carry their data gaps (domain.md "Data completeness") and breaches counted as tickets."""

from typing import Any

from django.db import migrations, models


def mark_incomplete(apps: Any, schema_editor: Any) -> None:
    # Until the next recompute rewrites them, a snapshot with a cost note is incomplete.
    snapshot = apps.get_model("reports", "MonthlySnapshot")
    for pk, notes in snapshot.objects.values_list("pk", "missing_rates").iterator():
        if notes:
            snapshot.objects.filter(pk=pk).update(complete=False)


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
