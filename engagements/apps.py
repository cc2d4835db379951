from django.apps import AppConfig

from kernel.roles import AppRoles


class EngagementsConfig(AppConfig):
    """Vendors, engagements of both models and the facts recorded on them."""

    name = "engagements"
    verbose_name = "Engagements"
    roles = AppRoles(
        # The audit trail and the machinery's own rows: Operations may look, never edit.
        read_only_models=frozenset({"auditlog", "changedmonth", "pendingtask", "workerheartbeat"}),
        # Reading every API resource (Leadership reads engagements, snapshots and reports only).
        operations_extra=frozenset({"read_api"}),
    )

    def ready(self) -> None:
        from engagements.services.trail import audit_and_mark
        from kernel.facts import register_write_listener

        # Every recorded write of every app leaves an audit row and marks its months.
        register_write_listener(audit_and_mark)
