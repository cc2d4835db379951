"""Once put jobs into the beat schedule; config/beat.py now lists every job, synced after migrate (kept for history)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
