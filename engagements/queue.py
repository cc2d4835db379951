"""Send tasks without ever letting the broker get in the way of a save.

Without a broker (the embedded default) tasks run in-process. A task sent with
`after_response=True` while a request is being served waits until its response
has been handed to the server (Django's `request_finished`, sent when the
server closes the response) and then runs on the process's one background
thread, so a save answers without waiting for the recompute it asks for, and
neither does the next request on the same keep-alive connection (the redirect
after a save). Setting AFTER_RESPONSE_TASKS = "inline" runs them in the
request's thread after the response instead (the test settings: a test's data
lives in its own transaction, which another thread cannot see). The work is
recorded in the database first (changed-month marks), so a task that fails or
never runs (the process stopped) is redone by the next recompute: nothing is
lost, the month only shows as stale meanwhile.
"""

from __future__ import annotations

import logging
import queue
import threading
from contextvars import ContextVar
from typing import Any

from celery import Celery, current_app
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections, transaction

from engagements.models import PendingTask

log = logging.getLogger(__name__)

# The in-process tasks the current request runs after its response (None: not serving a request).
_after_response: ContextVar[list[tuple[Celery, str, dict[str, Any]]] | None] = ContextVar(
    "after_response", default=None
)


# The background thread's work: (app, task name, kwargs) in the order the requests finished.
_jobs: queue.Queue[tuple[Celery, str, dict[str, Any]]] = queue.Queue()
_worker_lock = threading.Lock()
_worker: threading.Thread | None = None


def _run_in_process(app: Celery, name: str, kwargs: dict[str, Any]) -> None:
    if name not in app.tasks:
        # Workers import every app's tasks module at start; in-process we must ask.
        app.loader.import_default_modules()
    app.tasks[name].apply(kwargs=kwargs, throw=True)


def send_task_now(
    name: str,
    kwargs: dict[str, Any],
    *,
    app: Celery | None = None,
    after_response: bool = False,
    countdown: float = 0,
) -> bool:
    """Send a task; on a broker failure record it as pending and return False.

    `countdown`: with a broker, the worker runs the task that many seconds later (in-process: no wait).

    Without a broker the task runs in-process: now, or with `after_response` (inside a request) once the
    response is sent; the same task with the same arguments runs once per request however often it is sent.
    """
    # The project's app (config.celery) is the current one; naming it would import the wiring layer.
    app = app or current_app
    if app.conf.task_always_eager:
        queued = _after_response.get() if after_response else None
        if queued is not None:
            if (app, name, kwargs) not in queued:
                queued.append((app, name, kwargs))
            return True
        # No broker and no response to wait for: run now, and let its errors reach the caller.
        _run_in_process(app, name, kwargs)
        return True
    try:
        # The queue is named on every send: Celery caches its router's default
        # queue at first use, and the setting is the one source of truth.
        app.send_task(name, kwargs=kwargs, queue=app.conf.task_default_queue, countdown=countdown or None)
        return True
    except Exception as exc:  # noqa: BLE001 - any broker error must not fail the caller's save
        log.warning("Could not send %s (%s); kept as pending", name, exc)
        PendingTask.objects.create(task_name=name, kwargs=kwargs, error=f"{type(exc).__name__}: {exc}"[:2000])
        return False


def enqueue_on_commit(name: str, *, after_response: bool = False, **kwargs: Any) -> None:
    """Send a task once the current transaction commits (never before the data it reads exists)."""
    transaction.on_commit(lambda: send_task_now(name, kwargs, after_response=after_response))


def _open_request(**_: Any) -> None:
    _after_response.set([])


def _run_logged(app: Celery, name: str, kwargs: dict[str, Any]) -> None:
    try:
        _run_in_process(app, name, kwargs)
    except Exception:  # the response is gone; the marks keep the work for the next run
        log.exception("In-process task %s failed after the response; its months stay marked", name)


def _work() -> None:
    """The background thread: run the finished requests' tasks one at a time (one writer, as SQLite likes)."""
    while True:
        app, name, kwargs = _jobs.get()
        try:
            _run_logged(app, name, kwargs)
        finally:
            # This thread's own connection: not left open between jobs.
            connections.close_all()
            _jobs.task_done()


def _start_worker() -> None:
    global _worker  # one background thread per process, started on first use
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work, name="after-response-tasks", daemon=True)
            _worker.start()


def wait_for_background_tasks() -> None:
    """Block until the background thread has run every task handed to it (tests, benchmarks)."""
    _jobs.join()


def run_after_response(**_: Any) -> None:
    """Run the in-process tasks the finished request queued (request_finished: its response is sent)."""
    queued = _after_response.get()
    # Anything sent from here on (a task sending another) runs at once.
    _after_response.set(None)
    if not queued:
        return
    if getattr(settings, "AFTER_RESPONSE_TASKS", "thread") == "inline":
        for app, name, kwargs in queued:
            _run_logged(app, name, kwargs)
        return
    _start_worker()
    for job in queued:
        _jobs.put(job)


def connect_after_response() -> None:
    """Collect in-process tasks per request and run them once its response is sent (AppConfig.ready)."""
    request_started.connect(_open_request, dispatch_uid="engagements.queue.open_request")
    request_finished.connect(run_after_response, dispatch_uid="engagements.queue.run_after_response")


def resend_pending(*, limit: int, app: Celery | None = None) -> int:
    """Try the pending tasks again, oldest first; return how many were sent."""
    app = app or current_app
    sent = 0
    for pending in PendingTask.objects.order_by("created_at")[:limit]:
        try:
            app.send_task(pending.task_name, kwargs=pending.kwargs, queue=app.conf.task_default_queue)
        except Exception as exc:  # noqa: BLE001 - still down: try again on the next beat
            PendingTask.objects.filter(pk=pending.pk).update(attempts=pending.attempts + 1, error=str(exc)[:2000])
            break
        pending.delete()
        sent += 1
    return sent
