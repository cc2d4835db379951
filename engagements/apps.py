from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EngagementsConfig(AppConfig):
    """Vendors, engagements of both models and the facts recorded on them."""

    name = "engagements"
    verbose_name = "Engagements"

    def ready(self) -> None:
        from engagements.services.trail import audit_and_mark
        from kernel.facts import register_write_listener

        # Every recorded write of every app leaves an audit row and marks its months.
        register_write_listener(audit_and_mark)
        # Keep the groups' permissions complete as later apps add models.
        post_migrate.connect(_sync_roles_once, dispatch_uid="engagements.sync_roles")


def _sync_roles_once(sender: AppConfig, **kwargs: object) -> None:
    # post_migrate fires once per app; the last one ("reports") sees every model.
    if sender.name == "reports":
        from kernel.roles import sync_roles

        sync_roles()
