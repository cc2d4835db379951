from django.apps import AppConfig

from kernel.roles import AppRoles


class EngagementsConfig(AppConfig):
    """Vendors, engagements of both models and the facts recorded on them."""

    name = "engagements"
    verbose_name = "Engagements"
    roles = AppRoles(
        # The audit trail: Operations may look, never edit.
        read_only_models=frozenset({"auditlog"}),
        # The machinery's own rows (marks waiting for the job, unsent tasks, worker heartbeats):
        # superusers only; the operations home and /healthz say what a person needs from them.
        hidden_models=frozenset({"changedmonth", "pendingtask", "workerheartbeat"}),
        # Reading every API resource (Leadership reads engagements, snapshots and reports only).
        operations_extra=frozenset({"read_api"}),
    )

    def ready(self) -> None:
        from engagements.models.core import (
            CONTRACTOR_ENTRIES_OUTSIDE_MESSAGE,
            CONTRACTORS_STAFF_AUG_ONLY_MESSAGE,
            ENTRIES_OUTSIDE_DATES_MESSAGE,
        )
        from engagements.models.entries import DAILY_HOURS_MESSAGE, DATE_IN_ENGAGEMENT_MESSAGE
        from engagements.services.trail import audit_and_mark, audit_and_mark_inserted, audit_statement, mark_inserted
        from kernel.facts import InStatement, register_write_listener
        from kernel.services import register_database_rule

        # Every recorded write of every app leaves an audit row and marks its months.
        # A batch inserted from plain values: on PostgreSQL its audit rows come with the INSERT itself.
        register_write_listener(
            audit_and_mark,
            on_insert=audit_and_mark_inserted,
            in_statement=InStatement(sql=audit_statement, after=mark_inserted),
        )
        # Without a broker, the recompute a save asks for runs once its response is sent.
        from engagements.queue import connect_after_response

        connect_after_response()
        # The triggers of migration 0002, in the words of the models' own checks (a race the service lost).
        for name, field, message in (
            ("engagements_timeentry_date_in_engagement", "date", DATE_IN_ENGAGEMENT_MESSAGE),
            ("engagements_timeentry_daily_hours", "hours", DAILY_HOURS_MESSAGE),
            ("engagements_overheadentry_date_in_engagement", "date", DATE_IN_ENGAGEMENT_MESSAGE),
            ("engagements_contractor_staff_aug_only", "engagement", CONTRACTORS_STAFF_AUG_ONLY_MESSAGE),
            ("engagements_engagement_dates_cover_entries", "start_date", ENTRIES_OUTSIDE_DATES_MESSAGE),
            # Migration 0008: a contractor moved to another engagement takes their hours along.
            ("engagements_contractor_entries_in_engagement", "engagement", CONTRACTOR_ENTRIES_OUTSIDE_MESSAGE),
        ):
            register_database_rule(name, field, message)
