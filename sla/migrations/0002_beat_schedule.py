"""Put the SLA app's periodic job into the beat schedule (editable in the admin)."""

from django.db import migrations

JOBS = [
    ("Refresh the SLA clocks of unresolved tickets", "sla.refresh_running_clocks", 15),
]


def add_jobs(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in JOBS:
        every, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every})


def remove_jobs(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[n for n, _, _ in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(add_jobs, remove_jobs)]
