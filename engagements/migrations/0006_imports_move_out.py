"""ImportFile and ImportedRow now belong to the imports app: forget them here, state only (tables and rows stay)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0005_imports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ImportedRow"),
                migrations.DeleteModel(name="ImportFile"),
            ],
            database_operations=[],
        ),
    ]
