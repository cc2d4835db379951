"""Benchmark an admin save on the embedded default: how long a person waits (not a test).

Builds the demo data once (`seed_demo`, SQLite in var/bench/admin_save.sqlite3, reused after), copies it to
a throwaway file per run, signs in as the demo's operations user and saves the latest time entry of an open month
through the admin change form (a month gets marked, so the changed-months recompute runs in-process as it
does without a broker), alternating its hours. Each save is timed twice:

- response: from the POST until the response is handed to the server (Django's `request_finished`, which a
  server sends once it has written the response; what the person waits for);
- after it: the in-process work that ran after that (the recompute, on the process's background thread
  in "after response" mode), which no person waits for.

Two modes: "in request" is the behaviour before issue 11 (the recompute ran at commit, inside the request),
"after response" the current one (engagements.queue).

    .venv/bin/python -m bench.admin_save [SAVES]      # 10 saves per mode by default
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "var" / "bench" / "admin_save.sqlite3"
SAVES = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10
ZONE = "America/New_York"
RUN_AFTER_RESPONSE = "engagements.queue.run_after_response"
# How far back the saved entry's month is: a month's change rebuilds the reports whose 24-month window holds it.
AGES = (0, 12, 23)


def _seed() -> None:
    """Build the demo database once (a few minutes), for every later run to copy."""
    DEMO.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{DEMO}", "DEBUG": "1", "TIME_ZONE": ZONE, "LOG_LEVEL": "WARNING"}
    env.pop("CELERY_BROKER_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    print(f"building the demo data in {DEMO} (first run only)", flush=True)
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, stdout=subprocess.DEVNULL)


def _setup(path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DEBUG", "1")
    os.environ["TIME_ZONE"] = ZONE
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    # The copy may predate a migration added since it was built.
    call_command("migrate", "--noinput", verbosity=0)


@dataclass
class Timing:
    response: list[float]
    after: list[float]


def _entry_form(entry_id: int) -> dict[str, str]:
    from engagements.models import TimeEntry

    entry = TimeEntry.objects.get(pk=entry_id)
    return {
        "contractor": str(entry.contractor_id),
        "date": entry.date.isoformat(),
        "hours": str(entry.hours),
        "description": entry.description,
        "source": entry.source,
        "external_id": entry.external_id,
    }


def _time_saves(client: object, entry_id: int, saves: int) -> Timing:
    from django.core.signals import request_finished
    from django.test import Client

    from engagements.queue import run_after_response, wait_for_background_tasks

    assert isinstance(client, Client)
    handed: list[float] = []

    def response_handed(**_: object) -> None:
        handed.append(time.perf_counter())

    # Runs before the queue's receiver (reconnected after it): the moment the server closes the response.
    request_finished.disconnect(dispatch_uid=RUN_AFTER_RESPONSE)
    request_finished.connect(response_handed, weak=False, dispatch_uid="bench.response_handed")
    request_finished.connect(run_after_response, dispatch_uid=RUN_AFTER_RESPONSE)
    timing = Timing([], [])
    url = f"/admin/engagements/timeentry/{entry_id}/change/"
    try:
        for _ in range(saves):
            form = _entry_form(entry_id)
            # Always a change (the entry's month gets marked): never the value it has.
            form["hours"] = "7.25" if form["hours"] != "7.25" else "6.75"
            start = time.perf_counter()
            response = client.post(url, form)
            # Without a broker the recompute runs on the background thread once the response is sent.
            wait_for_background_tasks()
            done = time.perf_counter()
            assert response.status_code == 302, response.status_code
            timing.response.append(handed[-1] - start)
            timing.after.append(done - handed[-1])
    finally:
        request_finished.disconnect(dispatch_uid="bench.response_handed")
    return timing


def _entry_in(months_back: int) -> int:
    """Return a time entry of the month `months_back` before the demo's latest (open) month."""
    from django.db.models import Max

    from engagements.models import TimeEntry
    from kernel.months import add_months, first_of

    latest = TimeEntry.objects.aggregate(last=Max("date"))["last"]
    assert latest is not None, "the demo has no time entry"
    month = add_months(first_of(latest), -months_back)
    entry = TimeEntry.objects.filter(date__gte=month, date__lt=add_months(month, 1)).order_by("date", "pk").first()
    assert entry is not None, f"no time entry in {month}"
    return entry.pk


def _run(mode: str, entry_id: int, saves: int) -> Timing:
    from django.contrib.auth import get_user_model
    from django.core.signals import request_started
    from django.test import Client

    from engagements.models import ChangedMonth
    from engagements.queue import _open_request

    if mode == "in request":
        # Before issue 11: nothing collects the request's tasks, so the recompute runs at commit.
        request_started.disconnect(dispatch_uid="engagements.queue.open_request")
    try:
        client = Client()
        client.force_login(get_user_model().objects.get(username="operations"))
        timing = _time_saves(client, entry_id, saves)
        assert not ChangedMonth.objects.exists(), "the recompute did not run"
        return timing
    finally:
        request_started.connect(_open_request, dispatch_uid="engagements.queue.open_request")


def _figures(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"median {statistics.median(ms):7.1f} ms  (min {ms[0]:.1f}, max {ms[-1]:.1f})"


def main() -> None:
    if not DEMO.exists():
        _seed()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "admin_save.sqlite3"
        shutil.copy(DEMO, copy)
        _setup(copy)
        print(f"admin save of one time entry, demo data, SQLite, no broker; {SAVES} saves per case")
        # One save first: the first request pays for imports and template loading.
        _run("after response", _entry_in(0), 1)
        for months_back in AGES:
            entry_id = _entry_in(months_back)
            print(
                f"-- an entry {months_back} month(s) before the latest month (each later report in its window rebuilt)"
            )
            for mode in ("in request", "after response"):
                timing = _run(mode, entry_id, SAVES)
                print(f"   {mode:15} response: {_figures(timing.response)}")
                print(f"   {'':15} after it: {_figures(timing.after)}")


if __name__ == "__main__":
    main()
