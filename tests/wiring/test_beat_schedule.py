"""The beat schedule: one list, created after migrate, then the admin's to edit (superusers only)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.beat import SCHEDULE, sync_schedule

pytestmark = pytest.mark.django_db

HEARTBEAT = "engagements.heartbeat"


def migrate_again() -> None:
    call_command("migrate", verbosity=0, interactive=False)


def test_migrate_puts_every_job_of_the_list_in_the_schedule() -> None:
    assert set(PeriodicTask.objects.values_list("task", flat=True)) >= {job.task for job in SCHEDULE}
    previous = PeriodicTask.objects.get(task="reports.compute_previous_month")
    assert (previous.crontab.minute, previous.crontab.hour, previous.crontab.day_of_month) == ("0", "6", "1")
    assert previous.kwargs == '{"send_email": true}'


def test_a_second_migrate_keeps_a_schedule_edited_in_the_admin() -> None:
    job = PeriodicTask.objects.get(task=HEARTBEAT)
    job.interval, _ = IntervalSchedule.objects.get_or_create(every=7, period=IntervalSchedule.MINUTES)
    job.enabled = False
    job.save()
    migrate_again()
    job = PeriodicTask.objects.get(task=HEARTBEAT)
    assert (job.interval.every, job.enabled) == (7, False)
    assert PeriodicTask.objects.filter(task=HEARTBEAT).count() == 1


def test_a_job_renamed_in_the_admin_is_not_created_again() -> None:
    PeriodicTask.objects.filter(task=HEARTBEAT).update(name="Heartbeat (renamed)")
    assert sync_schedule() == []
    assert PeriodicTask.objects.filter(task=HEARTBEAT).count() == 1


def test_a_missing_job_is_created_and_only_that_one() -> None:
    PeriodicTask.objects.filter(task=HEARTBEAT).delete()
    assert sync_schedule() == ["Worker heartbeat"]
    assert PeriodicTask.objects.get(task=HEARTBEAT).interval.every == 1


def test_neither_role_holds_any_permission_on_the_jobs(operations_user, leadership_user) -> None:
    # Schedules are technical: superusers only (kernel.roles.AppRoles.hidden).
    for user in (operations_user, leadership_user):
        assert not any(perm.startswith("django_celery_beat.") for perm in user.get_all_permissions())


def test_only_a_superuser_opens_or_changes_a_periodic_task_in_the_admin(operations_client, superuser_client) -> None:
    job = PeriodicTask.objects.get(task=HEARTBEAT)
    url = f"/admin/django_celery_beat/periodictask/{job.pk}/change/"
    assert operations_client.get(url).status_code == 403
    assert operations_client.post(url, {"name": job.name, "task": HEARTBEAT, "enabled": ""}).status_code == 403
    assert PeriodicTask.objects.get(pk=job.pk).enabled
    assert b'name="_save"' in superuser_client.get(url).content


@pytest.mark.django_db(transaction=True)
def test_a_flush_brings_the_groups_and_the_schedule_back() -> None:
    # seed_demo --reset flushes the database and relies on this.
    from django.contrib.auth.models import Group

    from kernel.roles import LEADERSHIP, OPERATIONS

    call_command("flush", interactive=False, verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) >= {OPERATIONS, LEADERSHIP}
    assert Group.objects.get(name=OPERATIONS).permissions.filter(codename="change_timeentry").exists()
    assert PeriodicTask.objects.filter(task__in=[job.task for job in SCHEDULE]).count() == len(SCHEDULE)
