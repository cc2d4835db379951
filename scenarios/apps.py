from django.apps import AppConfig

from kernel.roles import AppRoles


class ScenariosConfig(AppConfig):
    """What-if projections of a service area under the other model or a hybrid (issue 14)."""

    name = "scenarios"
    verbose_name = "Scenarios"
    roles = AppRoles(
        # Leadership's one write: a scenario is a projection, never a recorded fact.
        # Changing or deleting one is its author's (or Operations') right, checked per object.
        leadership_extra=frozenset({"add_scenario"}),
    )
