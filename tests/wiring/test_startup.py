"""Long-running processes keep what they loaded out of the cycle collector's passes, and collection goes on."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from celery.signals import worker_process_init, worker_ready

from config import celery as celery_config
from config.startup import freeze_loaded_objects


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freezing_moves_the_loaded_objects_out_of_the_collectors_passes_and_leaves_it_on(unfrozen: None) -> None:
    assert gc.get_freeze_count() == 0
    freeze_loaded_objects()
    assert gc.get_freeze_count() > 10_000 and gc.isenabled()


def test_a_web_process_freezes_once_its_application_is_loaded() -> None:
    # In a process of its own: the WSGI module loads the whole project, as a gunicorn worker does.
    code = "import gc, config.wsgi; print(gc.get_freeze_count(), gc.isenabled())"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    frozen, enabled = out.split()
    assert int(frozen) > 10_000 and enabled == "True"


def test_a_worker_freezes_once_its_tasks_are_loaded() -> None:
    receivers = [receiver() for signal in (worker_ready, worker_process_init) for _, receiver in signal.receivers]
    assert receivers.count(celery_config._freeze_after_start) == 2
