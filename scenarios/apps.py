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

    def ready(self) -> None:
        from reports.demo import demo_seeded
        from scenarios.demo import on_demo_seeded

        # seed_demo (reports) announces the demo; the demo's scenarios are this app's to add.
        demo_seeded.connect(on_demo_seeded, dispatch_uid="scenarios.demo")
