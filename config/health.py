"""/healthz: is the database reachable, is the broker reachable, is a worker alive."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as current_app


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - report, do not crash the probe
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _broker() -> dict[str, Any]:
    if current_app.conf.task_always_eager:
        return {"ok": True, "mode": "in-process (no CELERY_BROKER_URL set)"}
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=current_app.conf.broker_connection_timeout)
        return {"ok": True, "mode": "broker"}
    except Exception as exc:  # noqa: BLE001 - report, do not crash the probe
        return {"ok": False, "mode": "broker", "error": f"{type(exc).__name__}: {exc}"[:300]}


def _worker() -> dict[str, Any]:
    from engagements.models import WorkerHeartbeat

    try:
        last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    except Exception:  # noqa: BLE001 - the database check already says why
        return {"last_heartbeat": None}
    age = (timezone.now() - last).total_seconds() if last else None
    return {"last_heartbeat": last.isoformat() if last else None, "age_seconds": age}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report database and broker reachability (503 when either is down)."""
    database, broker = _database(), _broker()
    ok = database["ok"] and broker["ok"]
    body = {"status": "ok" if ok else "fail", "database": database, "broker": broker, "worker": _worker()}
    return JsonResponse(body, status=200 if ok else 503)
