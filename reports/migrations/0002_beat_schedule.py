"""Put the report jobs into the beat schedule (editable in the admin under Periodic tasks)."""

import json

from django.conf import settings
from django.db import migrations

INTERVAL_JOBS = [
    ("Reports: recompute changed months", "reports.recompute_changed", 5),
    ("Reports: resume stalled jobs", "reports.resume_stalled_jobs", 15),
]
# (name, task, kwargs, minute, hour, day_of_month)
CRONTAB_JOBS = [
    ("Reports: compute the current month (nightly)", "reports.compute_current_month", {}, "30", "2", "*"),
    (
        "Reports: close the previous month and email Leadership (1st)",
        "reports.compute_previous_month",
        {"send_email": True},
        "0",
        "6",
        "1",
    ),
]


def add_jobs(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in INTERVAL_JOBS:
        every, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every})
    for name, task, kwargs, minute, hour, day_of_month in CRONTAB_JOBS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month=day_of_month,
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "kwargs": json.dumps(kwargs)}
        )


def remove_jobs(apps, schema_editor):
    names = [job[0] for job in INTERVAL_JOBS + CRONTAB_JOBS]
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(add_jobs, remove_jobs)]
