"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init, worker_ready

from config.startup import settle_loaded_process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
@worker_ready.connect
def _settle_after_start(**_: Any) -> None:
    """A worker's tasks are loaded: keep them out of the cycle collector's passes (config.startup)."""
    settle_loaded_process()
