from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Monthly snapshots, the comparison report and the jobs that build them."""

    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from engagements.services.marks import register_mark_listener
        from reports.hooks import recompute_after_commit

        # Every new changed-month mark, whichever path wrote it, queues a recompute after commit.
        register_mark_listener(recompute_after_commit)
