from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Monthly snapshots, the comparison report and the jobs that build them."""

    name = "reports"
    verbose_name = "Reports"
