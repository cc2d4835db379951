"""Once created the role groups; config.apps.WiringConfig now syncs them after every migrate (kept for history)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0002_cross_table_rules"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
