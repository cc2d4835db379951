"""/healthz tells a load balancer whether the database and the broker answer."""

from __future__ import annotations

import pytest

from config import health

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_and_the_broker(client, settings, monkeypatch) -> None:
    from tests.engagements.test_queue import app_with_broker

    if settings.CELERY_BROKER_URL:
        # With a real broker configured (CI's second run), ping it for real.
        monkeypatch.setattr(health, "current_app", app_with_broker(settings.CELERY_BROKER_URL))
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == (
        {"ok": True, "mode": "broker"}
        if settings.CELERY_BROKER_URL
        else {"ok": True, "mode": "in-process (no CELERY_BROKER_URL set)"}
    )


def test_healthz_fails_with_503_when_the_broker_is_unreachable(client, monkeypatch) -> None:
    from tests.engagements.test_queue import app_with_broker, closed_port_url

    # Celery prefers the environment variable to its configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    # A separate app pointed at a closed port: the project app's pools stay untouched.
    monkeypatch.setattr(health, "current_app", app_with_broker(closed_port_url()))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
