"""The wiring app: what runs once every app is migrated (the roles, the beat schedule)."""

from __future__ import annotations

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate

from kernel.roles import AppRoles


class WiringConfig(AppConfig):
    """Sync the role groups and the beat schedule after every migrate (and flush)."""

    name = "config"
    label = "wiring"
    verbose_name = "Wiring"
    # The jobs' schedules (django-celery-beat) are technical: superusers only, neither role sees them.
    roles = AppRoles(app_label="django_celery_beat", hidden=True)

    def ready(self) -> None:
        post_migrate.connect(after_migrate, dispatch_uid="wiring.after_migrate")
        # The close screen's checks that need reports (billing may not import it).
        from config.ops_home import register_checks

        register_checks()
        from config.throttling import connect_signals

        connect_signals()


def after_migrate(sender: AppConfig, **kwargs: object) -> None:
    """Sync the roles and the schedule once per migrate, when the last app's permissions exist."""
    if sender is not last_migrated_app():
        return
    from config.beat import sync_schedule
    from kernel.roles import sync_roles

    sync_roles()
    sync_schedule()


def last_migrated_app() -> AppConfig:
    """Return the last installed app with models (post_migrate fires for those only, in INSTALLED_APPS order)."""
    return [config for config in apps.get_app_configs() if config.models_module is not None][-1]
