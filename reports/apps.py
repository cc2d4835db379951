from django.apps import AppConfig

from kernel.roles import AppRoles


class ReportsConfig(AppConfig):
    """Monthly snapshots, the comparison report and the jobs that build them."""

    name = "reports"
    verbose_name = "Reports"
    roles = AppRoles(
        # Computed results and the jobs' progress: written by the jobs only.
        read_only_models=frozenset({"monthlysnapshot", "comparisonreport", "recomputejob"}),
        # Operations asks for a recompute (a new job), in the pages and through the API.
        operations_extra=frozenset({"add_recomputejob"}),
    )

    def ready(self) -> None:
        from engagements.services.marks import register_mark_listener, register_removal_listener
        from reports.hooks import rebuild_after_removal, recompute_after_commit

        # Every new changed-month mark, whichever path wrote it, queues a recompute after commit.
        register_mark_listener(recompute_after_commit)
        # A deleted engagement's months: their stored reports are rebuilt without it.
        register_removal_listener(rebuild_after_removal)
