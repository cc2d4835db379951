from django.apps import AppConfig
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


def constraint_message(model: type[Model], name: str) -> str:
    """Return the violation message of a model's constraint by name."""
    return str(next(c.violation_error_message for c in model._meta.constraints if c.name == name))


# (model, constraint, field) of the database checks whose violation a person may meet.
DATABASE_RULES = (
    ("Ticket", "sla_ticket_response_not_before_opened", "first_response_at"),
    ("Ticket", "sla_ticket_resolved_not_before_opened", "resolved_at"),
    ("Ticket", "sla_ticket_source_external_id_unique", "external_id"),
    ("TicketPause", "sla_ticketpause_ends_after_start", "ended_at"),
    ("Outage", "sla_outage_ends_after_start", "ended_at"),
    ("Outage", "sla_outage_source_external_id_unique", "external_id"),
    ("SLAPolicy", "sla_slapolicy_uptime_target_range", "uptime_target"),
    ("WorkingHours", "sla_workinghours_end_after_start", "end"),
)
