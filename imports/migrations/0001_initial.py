"""ImportFile and ImportedRow move here from engagements: state only, the tables keep their names and rows.

The content types (and so the permissions, import_data among them) are
relabelled rather than created anew, so the groups and the people who hold
them keep them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ("importfile", "importedrow")


def relabel_content_types(apps, schema_editor, source="engagements", target="imports"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    rows = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not rows.filter(app_label=target, model=model).exists():
            rows.filter(app_label=source, model=model).update(app_label=target)


def restore_content_types(apps, schema_editor):
    relabel_content_types(apps, schema_editor, source="imports", target="engagements")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("engagements", "0005_imports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    # engagements forgets the models only once this app knows them.
    run_before = [("engagements", "0006_imports_move_out")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportFile",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("sha256", models.CharField(max_length=64)),
                        ("name", models.CharField(blank=True, max_length=255)),
                        (
                            "kind",
                            models.CharField(
                                choices=[("timesheets", "Timesheets"), ("tickets", "Tickets"), ("outages", "Outages")],
                                max_length=20,
                            ),
                        ),
                        ("format", models.CharField(max_length=20)),
                        ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("day_first", models.BooleanField(blank=True, help_text="Empty: decided from the file.", null=True)),
                        ("time_zone", models.CharField(blank=True, max_length=64)),
                        ("read", models.PositiveIntegerField(default=0)),
                        ("created", models.PositiveIntegerField(default=0)),
                        ("updated", models.PositiveIntegerField(default=0)),
                        ("unchanged", models.PositiveIntegerField(default=0)),
                        ("rejected", models.PositiveIntegerField(default=0)),
                        ("rejected_rows", models.JSONField(blank=True, default=list)),
                        ("warnings", models.JSONField(blank=True, default=list)),
                        (
                            "engagement",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="engagements.engagement",
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "engagements_importfile",
                        "ordering": ["-uploaded_at", "-id"],
                        "permissions": [("import_data", "Can import export files")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("sha256", "kind", "format"),
                                name="engagements_importfile_one_per_file",
                                violation_error_message="This file was already imported as this kind and format.",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ImportedRow",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("row", models.PositiveIntegerField(help_text="Line number in the file (the header is line 1).")),
                        ("object_id", models.PositiveBigIntegerField()),
                        (
                            "content_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="contenttypes.contenttype",
                            ),
                        ),
                        (
                            "file",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="rows", to="imports.importfile"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "engagements_importedrow",
                        "ordering": ["file", "row"],
                        "indexes": [models.Index(fields=["file", "row"], name="engagements_imported_file_row")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("content_type", "object_id"), name="engagements_importedrow_one_per_record"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, restore_content_types, elidable=False),
    ]
