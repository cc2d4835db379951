"""The two roles: Operations records facts, Leadership reads.

Groups are created by a migration and re-synced after every migrate, so a
model added by a later migration gets its permissions in the groups too.
"""

from __future__ import annotations

from typing import Any

OPERATIONS = "Operations"
LEADERSHIP = "Leadership"
DOMAIN_APPS = ("engagements", "sla", "billing", "reports")

# Computed or internal rows: Operations may look, never edit.
READ_ONLY_MODELS = {
    "engagements.auditlog",
    "engagements.changedmonth",
    "engagements.pendingtask",
    "engagements.workerheartbeat",
    "billing.periodreopening",
    "engagements.importedrow",
    "engagements.importfile",
    "reports.monthlysnapshot",
    "reports.comparisonreport",
    "reports.recomputejob",
}
# Permissions beyond add/change/delete/view that Operations holds. Reopening
# a closed period is deliberately not here: it is granted person by person.
OPERATIONS_EXTRA = {"billing.close_period", "engagements.import_data"}
# Operations edits the schedules of the jobs (django-celery-beat); Leadership reads them.
SCHEDULE_APPS = ("django_celery_beat",)


def sync_roles(apps: Any = None, **_: Any) -> None:
    """Create both groups and give them exactly their permissions."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = list(Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).select_related("content_type"))
    operations, leadership = [], []
    for perm in perms:
        label = f"{perm.content_type.app_label}.{perm.content_type.model}"
        action = perm.codename.split("_", 1)[0]
        full = f"{perm.content_type.app_label}.{perm.codename}"
        if action == "view":
            operations.append(perm)
            leadership.append(perm)
        elif (action in {"add", "change", "delete"} and label not in READ_ONLY_MODELS) or full in OPERATIONS_EXTRA:
            operations.append(perm)
    schedules = list(Permission.objects.filter(content_type__app_label__in=SCHEDULE_APPS))
    operations += schedules
    leadership += [perm for perm in schedules if perm.codename.startswith("view_")]
    Group.objects.get_or_create(name=OPERATIONS)[0].permissions.set(operations)
    Group.objects.get_or_create(name=LEADERSHIP)[0].permissions.set(leadership)
