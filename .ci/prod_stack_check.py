"""Start the production stack as the README tells a user, then check it end to end.

gunicorn + a Celery worker + Celery beat against PostgreSQL and Redis, with
DEBUG off. Checks /healthz, the worker heartbeat sent by beat, and a
recompute requested through the API that the worker carries out.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
ENV = {
    **os.environ,
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_COOKIES": "0",
    # Plain HTTP on localhost: no redirect to HTTPS (on by default with DEBUG off).
    "SECURE_SSL_REDIRECT": "0",
    "DATABASE_URL": os.environ.get("PROD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/delivery_prodcheck"),
    "CELERY_BROKER_URL": os.environ.get("PROD_BROKER_URL", "redis://127.0.0.1:6379/13"),
    "CELERY_TASK_DEFAULT_QUEUE": f"prodcheck-{secrets.token_hex(4)}",
    "TIME_ZONE": "America/New_York",
    "VAR_DIR": str(ROOT / "var" / "prodcheck"),
}


def run(*args: str) -> str:
    return subprocess.run(args, cwd=ROOT, env=ENV, check=True, capture_output=True, text=True).stdout


def request(path: str, *, token: str = "", data: dict | None = None) -> tuple[int, dict]:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(BASE + path, data=body, method="POST" if body else "GET")
    req.add_header("Accept", "application/json")
    if body:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def wait_for(what: str, check, timeout: float = 120) -> object:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        time.sleep(1)
    sys.exit(f"prod stack check: timed out waiting for {what}")


def main() -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "delivery_prodcheck"], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "delivery_prodcheck"], check=True)
    Path(ENV["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    run(str(BIN / "python"), "manage.py", "migrate", "--noinput")
    run(str(BIN / "python"), "manage.py", "collectstatic", "--noinput")
    run(str(BIN / "python"), "manage.py", "seed_demo")
    token = run(str(BIN / "python"), "manage.py", "drf_create_token", "operations").split()[2]
    logs = Path(ENV["VAR_DIR"])
    procs = [
        subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", "2"],
            cwd=ROOT,
            env=ENV,
            stdout=open(logs / "gunicorn.log", "w"),
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                ENV["CELERY_TASK_DEFAULT_QUEUE"],
                "--concurrency=2",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=ENV,
            stdout=open(logs / "worker.log", "w"),
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO"],
            cwd=ROOT,
            env=ENV,
            stdout=open(logs / "beat.log", "w"),
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        status, health = wait_for("/healthz", lambda: request("/healthz"))  # type: ignore[misc]
        print("healthz:", status, health)
        # Anonymous callers get one word per check (details are for staff).
        assert status == 200 and health["database"] == health["broker"] == health["static"] == "ok", health
        # Static files are served by the app itself (WhiteNoise) with DEBUG off.
        with urllib.request.urlopen(BASE + "/static/admin/css/base.css", timeout=30) as resp:
            assert resp.status == 200, resp.status
        # Beat sends the heartbeat every minute; its first run is at start.
        wait_for("a worker heartbeat sent by beat", lambda: request("/healthz")[1]["worker"] == "ok", 150)
        month = time.strftime("%Y-%m", time.localtime(time.time() - 40 * 86400))
        status, job = request("/api/v1/recompute/", token=token, data={"month": month})
        print("recompute:", status, job)
        assert status == 202, job
        done = wait_for(
            "the recompute to finish in the worker",
            lambda: (
                (r := request(f"/api/v1/recompute/{job['id']}/", token=token)[1]).get("state") in {"done", "failed"}
                and r
            ),
        )
        print("job:", done)
        assert done["state"] == "done", done  # type: ignore[index]
        print("prod stack check: ok")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
