# Issue 12: the audit trail's content_type index goes; its composite (content_type, object_id, -at) index serves
# every lookup by content type, and each index costs every audit row a batch writes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("engagements", "0010_flat_ingest"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="content_type",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
    ]
