"""/healthz tells a load balancer whether the database and the broker answer; details for staff only."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from config import health
from tests.engagements.test_queue import hanging_redis  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _broker_url_from_conf_only(monkeypatch) -> None:
    # Celery prefers the environment variable to its configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)


def test_healthz_reports_the_database_and_the_broker(client, superuser_client, settings, monkeypatch) -> None:
    from tests.engagements.test_queue import app_with_broker

    if settings.CELERY_BROKER_URL:
        # With a real broker configured (CI's second run), ping it for real.
        monkeypatch.setattr(health, "current_app", app_with_broker(settings.CELERY_BROKER_URL))
    anonymous = client.get("/healthz")
    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "ok", "database": "ok", "broker": "ok", "static": "ok", "worker": "none"}
    body = superuser_client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == (
        {"ok": True, "mode": "broker"}
        if settings.CELERY_BROKER_URL
        else {"ok": True, "mode": "in-process (no CELERY_BROKER_URL set)"}
    )


def test_healthz_fails_with_503_when_the_broker_is_unreachable(client, superuser_client, monkeypatch) -> None:
    from tests.engagements.test_queue import app_with_broker, closed_port_url

    # A separate app pointed at a closed port: the project app's pools stay untouched.
    url = closed_port_url()
    monkeypatch.setattr(health, "current_app", app_with_broker(url))
    response = client.get("/healthz")
    assert response.status_code == 503
    # Anonymous callers learn the status, not the host, the port or the error text.
    assert response.json() == {"status": "fail", "database": "ok", "broker": "error", "static": "ok", "worker": "none"}
    port = url.rsplit(":", 1)[1].split("/")[0]
    assert port not in response.content.decode()
    staff = superuser_client.get("/healthz")
    assert staff.status_code == 503
    assert staff.json()["broker"]["ok"] is False and staff.json()["broker"]["error"]


def test_anonymous_callers_get_no_database_details(client, superuser_client) -> None:
    assert client.get("/healthz").json()["database"] == "ok"
    assert "vendor" not in client.get("/healthz").content.decode()
    assert superuser_client.get("/healthz").json()["database"]["vendor"]


def test_a_database_error_is_not_shown_to_anonymous_callers(client, monkeypatch) -> None:
    monkeypatch.setattr(
        health, "_database", lambda: {"ok": False, "error": "OperationalError: could not connect to db.internal"}
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert "db.internal" not in response.content.decode()


def test_a_hanging_broker_is_waited_for_at_most_the_broker_check_bound(
    client,
    monkeypatch,
    hanging_redis,  # noqa: F811 - the imported fixture
) -> None:
    from tests.engagements.test_queue import app_with_broker

    waits: list[float | None] = []

    class RecordingThread(threading.Thread):
        def join(self, timeout: float | None = None) -> None:
            waits.append(timeout)
            super().join(timeout)

    monkeypatch.setattr(health, "current_app", app_with_broker(hanging_redis))
    monkeypatch.setattr(health.threading, "Thread", RecordingThread)
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"] == "error"
    # The request waits for the broker only this long (no wall clock measured: CI machines are busy).
    assert waits == [health.BROKER_CHECK_SECONDS]
    assert health.BROKER_CHECK_SECONDS <= 1


def test_the_worker_is_reported_as_one_word(client) -> None:
    from django.utils import timezone

    from engagements.models import WorkerHeartbeat

    WorkerHeartbeat.objects.create(hostname="w1", seen_at=timezone.now())
    assert client.get("/healthz").json()["worker"] == "ok"
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - dt.timedelta(hours=1))
    assert client.get("/healthz").json()["worker"] == "stale"


def manifest_storage(settings, root) -> None:
    """Production's static files: the manifest storage (DEBUG off), collected into root."""
    settings.STATIC_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }


def test_healthz_fails_with_503_when_the_static_files_were_never_collected(
    client, superuser_client, settings, tmp_path
) -> None:
    manifest_storage(settings, tmp_path)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["static"] == "error" and response.json()["status"] == "fail"
    staff = superuser_client.get("/healthz").json()
    assert "collectstatic" in staff["static"]["error"]
    assert str(tmp_path) not in response.content.decode()


def test_healthz_is_ok_once_collectstatic_wrote_its_manifest(client, settings, tmp_path) -> None:
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest_storage(settings, tmp_path)
    (tmp_path / staticfiles_storage.manifest_name).write_text('{"paths": {}, "version": "1.1"}')
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["static"] == "ok"
