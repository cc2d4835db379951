from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.signals import setting_changed
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import Model

from kernel.roles import AppRoles


class SlaConfig(AppConfig):
    """SLA policies, coverage calendars, tickets, outages and uptime."""

    name = "sla"
    verbose_name = "SLA"
    # Every SLA row is a recorded fact: Operations edits them all.
    roles = AppRoles()

    def ready(self) -> None:
        from kernel.services import register_database_rule
        from sla import tasks  # noqa: F401 - registers the tasks with the in-process (eager) worker too

        # A check that fires in a race the service lost reads like the model's own
        # message: each is written once, on the model's constraint, and read from there.
        for model_name, name, field in DATABASE_RULES:
            register_database_rule(name, field, constraint_message(self.get_model(model_name), name))
        # The triggers of migration 0003, in the words of the model's own check.
        from sla.models.tickets import OPENED_BEFORE_ENGAGEMENT_MESSAGE, TICKETS_BEFORE_START_MESSAGE

        register_database_rule("sla_ticket_opened_in_engagement", "opened_at", OPENED_BEFORE_ENGAGEMENT_MESSAGE)
        register_database_rule("sla_engagement_start_after_tickets", "start_date", TICKETS_BEFORE_START_MESSAGE)
        # The same rule on the engagement's form and API, before the trigger has to refuse the save.
        from engagements.models.core import register_engagement_check
        from sla.models.tickets import check_engagement_start

        register_engagement_check(check_engagement_start)
        # Those triggers compare instants with local midnights: PostgreSQL learns the zone from each connection.
        connection_created.connect(share_zone, dispatch_uid="sla_share_zone")
        setting_changed.connect(share_changed_zone, dispatch_uid="sla_share_changed_zone")


def share_zone(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Tell a new PostgreSQL session the organisation's zone (SQLite's triggers read the process's, Django's)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('sla.time_zone', %s, false)", [settings.TIME_ZONE])


def share_changed_zone(*, setting: str, **kwargs: Any) -> None:
    """Tell the open sessions a zone changed at run time (tests; Django resets the process's zone alike).

    On the driver's connection itself, as Django's own reset of the session's
    zone does: the code that changed the setting may be one that must not use
    the database through Django (pytest-django blocks it in tests without the
    database, and a PostgreSQL session opened by an earlier test is still open).
    """
    if setting != "TIME_ZONE":
        return
    from psycopg.pq import TransactionStatus

    for connection in connections.all(initialized_only=True):
        session = connection.connection
        # A session in a failed transaction learns nothing now; its rollback restores the zone it had.
        if connection.vendor != "postgresql" or session is None or connection.needs_rollback:
            continue
        if session.info.transaction_status != TransactionStatus.INERROR:
            session.execute("SELECT set_config('sla.time_zone', %s, false)", [settings.TIME_ZONE])


def constraint_message(model: type[Model], name: str) -> str:
    """Return the violation message of a model's constraint by name."""
    return str(next(c.violation_error_message for c in model._meta.constraints if c.name == name))


# (model, constraint, field) of the database checks whose violation a person may meet.
DATABASE_RULES = (
    ("Ticket", "sla_ticket_response_not_before_opened", "first_response_at"),
    ("Ticket", "sla_ticket_resolved_not_before_opened", "resolved_at"),
    ("Ticket", "sla_ticket_response_not_after_resolved", "first_response_at"),
    ("Ticket", "sla_ticket_source_external_id_unique", "external_id"),
    ("TicketPause", "sla_ticketpause_ends_after_start", "ended_at"),
    ("Outage", "sla_outage_ends_after_start", "ended_at"),
    ("Outage", "sla_outage_source_external_id_unique", "external_id"),
    ("SLAPolicy", "sla_slapolicy_uptime_target_range", "uptime_target"),
    ("WorkingHours", "sla_workinghours_end_after_start", "end"),
)
