"""/healthz tells a load balancer whether the database and the broker answer."""

from __future__ import annotations

import pytest

from config.celery import app as current_app

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_and_the_broker(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_healthz_fails_with_503_when_the_broker_is_unreachable(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Celery prefers the environment variable to its configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setitem(current_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    # Connections are pooled: drop them so the next one dials the new URL.
    monkeypatch.setattr(current_app, "_pool", None)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
