"""/healthz: is the database reachable, is the broker reachable, are the static files collected, is a worker alive.

Anonymous callers (the load balancer) get the status code and one word per
check; staff users also get the details (database vendor, error text, the
worker's last heartbeat). The broker check is bounded by BROKER_CHECK_SECONDS,
so a hanging broker still gets an answer quickly.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as current_app

BROKER_CHECK_SECONDS = 1.0
# Beat asks for a heartbeat every minute: older than this, no worker is answering.
WORKER_STALE_SECONDS = 5 * 60


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - report, do not crash the probe
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _ping_broker(app: Any, result: dict[str, Any]) -> None:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=min(BROKER_CHECK_SECONDS, app.conf.broker_connection_timeout))
        result.update(ok=True)
    except Exception as exc:  # noqa: BLE001 - report, do not crash the probe
        result.update(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])


def _broker() -> dict[str, Any]:
    app = current_app
    if app.conf.task_always_eager:
        return {"ok": True, "mode": "in-process (no CELERY_BROKER_URL set)"}
    # A daemon thread: a broker that accepts and never answers is given up on after
    # BROKER_CHECK_SECONDS (the thread ends at the broker's own socket timeout).
    result: dict[str, Any] = {"ok": False, "mode": "broker", "error": "no answer within the time limit"}
    thread = threading.Thread(target=_ping_broker, args=(app, result), name="healthz-broker", daemon=True)
    thread.start()
    thread.join(BROKER_CHECK_SECONDS)
    if thread.is_alive():
        return {"ok": False, "mode": "broker", "error": f"no answer within {BROKER_CHECK_SECONDS:g} s"}
    return result if not result["ok"] else {"ok": True, "mode": "broker"}


def _static() -> dict[str, Any]:
    """Whether the pages can name their static files: with DEBUG off, through the manifest collectstatic writes.

    Without it every page that links a stylesheet answers 500 (the manifest
    storage refuses to guess a file's name) while the database and the broker
    are fine: a deploy that skipped collectstatic must fail its health check.
    """
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return {"ok": True, "mode": "from the apps' folders (DEBUG)"}
    try:
        collected = staticfiles_storage.exists(staticfiles_storage.manifest_name)
    except Exception as exc:  # noqa: BLE001 - report, do not crash the probe
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    if collected:
        return {"ok": True, "mode": "collected"}
    return {
        "ok": False,
        "error": f"no {staticfiles_storage.manifest_name} in STATIC_ROOT: run `manage.py collectstatic`",
    }


def _worker() -> dict[str, Any]:
    from engagements.models import WorkerHeartbeat

    try:
        last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    except Exception:  # noqa: BLE001 - the database check already says why
        return {"last_heartbeat": None}
    age = (timezone.now() - last).total_seconds() if last else None
    return {"last_heartbeat": last.isoformat() if last else None, "age_seconds": age}


def _worker_word(worker: dict[str, Any]) -> str:
    age = worker.get("age_seconds")
    if age is None:
        return "none"
    return "ok" if age <= WORKER_STALE_SECONDS else "stale"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report database, broker and static files (503 when one fails) and the worker; details for staff only."""
    database, broker, static, worker = _database(), _broker(), _static(), _worker()
    ok = database["ok"] and broker["ok"] and static["ok"]
    status = 200 if ok else 503
    if getattr(request, "user", None) is not None and request.user.is_staff:
        body = {
            "status": "ok" if ok else "fail",
            "database": database,
            "broker": broker,
            "static": static,
            "worker": worker,
        }
        return JsonResponse(body, status=status)
    body = {
        "status": "ok" if ok else "fail",
        "database": "ok" if database["ok"] else "error",
        "broker": "ok" if broker["ok"] else "error",
        "static": "ok" if static["ok"] else "error",
        "worker": _worker_word(worker),
    }
    return JsonResponse(body, status=status)
