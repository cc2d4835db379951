"""Personas and shared fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from kernel.roles import LEADERSHIP, OPERATIONS
from tests.factories import UserFactory

# The sample-import world is shared by the importer and API tests; a plugin
# makes its fixture known by name without importing it into each module.
pytest_plugins = ["tests.importers.import_world"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def tasks_in_process(request):
    """Run tasks in-process in every test but the live-worker ones, whatever broker is configured.

    A test's data lives in its own open transaction, which no worker process can see.
    """
    if request.node.get_closest_marker("live_worker"):
        yield
        return
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def _user_in(group: str | None, username: str, **extra: object):
    user = UserFactory(username=username, is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def operations_user(db):
    return _user_in(OPERATIONS, "ops")


@pytest.fixture
def leadership_user(db):
    return _user_in(LEADERSHIP, "lead")


@pytest.fixture
def nobody_user(db):
    return _user_in(None, "nobody")


@pytest.fixture
def superuser(db):
    return _user_in(None, "root", is_superuser=True)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def operations_client(operations_user) -> Client:
    return _client_for(operations_user)


@pytest.fixture
def leadership_client(leadership_user) -> Client:
    return _client_for(leadership_user)


@pytest.fixture
def superuser_client(superuser) -> Client:
    return _client_for(superuser)


def _test_database_url() -> str:
    """Return a DATABASE_URL naming the test database pytest-django created."""
    from django.db import connection

    params = connection.settings_dict
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{params['NAME']}"


@pytest.fixture(scope="session")
def live_worker(django_db_setup, django_db_blocker) -> Iterator[str]:
    """Start a real Celery worker process on the test database; yield its queue name.

    Under pytest-xdist each test process that runs a live-worker test starts its
    own Celery worker, on a queue of its own and on that process's own test
    database (pytest-django suffixes it with the xdist worker id), so two can run
    side by side without seeing each other's tasks.
    """
    from django.db import connection

    if not settings.CELERY_BROKER_URL or connection.vendor != "postgresql":
        reason = (
            "needs a real broker and a database a second process can open: set CELERY_BROKER_URL "
            "and DATABASE_URL to PostgreSQL (.ci/run does)"
        )
        if os.environ.get("REQUIRE_LIVE_WORKER"):
            pytest.fail(f"REQUIRE_LIVE_WORKER is set but the live worker {reason}")
        pytest.skip(reason)
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    log = open(ROOT / "var" / f"live-worker-{queue}.log", "w")  # noqa: SIM115 - closed below
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        queue,
        "--pool=solo",
        f"--hostname={queue}@%h",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_worker(app, f"{queue}@", proc)
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE


def _wait_for_worker(app, prefix: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the Celery worker exited with {proc.returncode}; see var/live-worker-*.log")
        replies = app.control.ping(timeout=1.0) or []
        if any(name.startswith(prefix) for reply in replies for name in reply):
            return
    pytest.fail("the Celery worker did not answer a ping within 60 s")


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2) -> bool:
    """Poll until predicate() is true (for effects of another process); return whether it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
