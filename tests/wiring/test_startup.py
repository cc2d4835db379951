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
from config.startup import YOUNG_COLLECTION_THRESHOLD, settle_loaded_process


@pytest.fixture
def unsettled() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settling_moves_the_loaded_objects_out_of_the_collectors_passes_and_leaves_it_on(unsettled: None) -> None:
    assert gc.get_freeze_count() == 0
    settle_loaded_process()
    assert gc.get_freeze_count() > 10_000 and gc.isenabled()


def test_settling_collects_young_objects_less_often_and_keeps_the_older_generations_thresholds(
    unsettled: None,
) -> None:
    gc.set_threshold(700, 10, 10)
    settle_loaded_process()
    assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, 10, 10)
    assert YOUNG_COLLECTION_THRESHOLD > 700


def test_a_web_process_loads_its_views_then_settles_before_its_first_request() -> None:
    # In a process of its own: the WSGI module loads the whole project, as a gunicorn worker does.
    code = (
        "import gc, sys, config.wsgi; "
        "print(gc.get_freeze_count(), gc.isenabled(), gc.get_threshold()[0], 'engagements.api.views' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    frozen, enabled, young, views_loaded = out.split()
    assert int(frozen) > 10_000 and enabled == "True"
    assert int(young) == YOUNG_COLLECTION_THRESHOLD
    assert views_loaded == "True"


def test_a_worker_settles_once_its_tasks_are_loaded() -> None:
    receivers = [receiver() for signal in (worker_ready, worker_process_init) for _, receiver in signal.receivers]
    assert receivers.count(celery_config._settle_after_start) == 2
