from django.apps import AppConfig

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

        # A check that fires in a race the service lost reads like the service's own message.
        for name, field, message in DATABASE_RULES:
            register_database_rule(name, field, message)


DATABASE_RULES = (
    (
        "sla_ticket_response_not_before_opened",
        "first_response_at",
        "The first response cannot be before the ticket was opened.",
    ),
    ("sla_ticket_resolved_not_before_opened", "resolved_at", "A ticket cannot be resolved before it was opened."),
    (
        "sla_ticket_source_external_id_unique",
        "external_id",
        "A ticket with this source and external id already exists.",
    ),
    ("sla_ticketpause_ends_after_start", "ended_at", "A pause must end after it starts."),
    ("sla_outage_ends_after_start", "ended_at", "An outage must end after it starts."),
    (
        "sla_outage_source_external_id_unique",
        "external_id",
        "An outage with this source and external id already exists.",
    ),
    ("sla_slapolicy_uptime_target_range", "uptime_target", "The uptime target must be more than 0% and at most 100%."),
    (
        "sla_workinghours_end_after_start",
        "end",
        "Working hours must end after they start (leave the end empty for midnight).",
    ),
)
