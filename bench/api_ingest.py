"""Benchmark (not a test): time entries in bulk through the API, a file import and PostgreSQL COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delivery_bench_api .venv/bin/python -m bench.api_ingest [ROWS] [BATCH,BATCH]

All three paths write the same rows into the same table, with its triggers
(the cross-table rules) in place, on the production stack: PostgreSQL, a
Redis broker and a Celery worker process (started by the bench, on a queue of
its own) that runs the report recompute the writes ask for:

- API: the list POST in batches of 1,000 and of 5,000 rows (the API's largest),
  the whole product path in the web process (token authentication, the
  validation, the upsert's batch checks, the insert, the audit trail, the
  changed-month marks, the recompute sent to the worker); the request bodies
  are encoded before the clock starts (the client's work);
- API changes: the same rows posted again (batches of 5,000) with another
  description, into the full table: every row an update (a corrected export);
- file import: `imports.services.file_import` of a generated generic CSV,
  in a child process whose peak resident memory (VmHWM) is reported;
- COPY: ten COPY statements of a tenth of the rows each, each committed, so
  the statement-level rules run as they would for a bulk load; run three
  times, the median run is the baseline (a run lasts a few seconds, which a
  neighbour's burst on a shared machine moves by a third).

Each path starts from an empty table (time entries, audit rows, marks and
import records are emptied first), so the bench can run again on the same
database. It prints rows/s overall and over the first and the last 10% of the
rows: a path whose cost grows with the table shows it as a last 10% slower
than the first.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Self
from urllib.parse import urlparse

from bench._rates import Marks, window_rates

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/delivery_bench_api"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# Production-like settings: DEBUG off (no query log), a key, the test client's host, no throttling in the way.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-that-is-long-enough-for-checks")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.setdefault("API_THROTTLE_RATE", "1000000/hour")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# One database connection (one backend) per process for the whole run, so the CPU it spends can be read.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "86400")
# As in production: a Redis broker (its own database and queue, so no other worker takes the bench's
# tasks) and a Celery worker process that runs the report recompute the writes ask for.
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "bench-ingest")
os.environ.setdefault("CACHE_KEY_PREFIX", "bench-ingest")

CONTRACTORS = 100
COPY_RUNS = 3  # the COPY baseline is the median of this many runs (see main)
START = dt.date(2019, 1, 1)
# Names of its own: other benches may share the database (bench.billing_cost_engine has "Bench vendor").
VENDOR, AREA, ENGAGEMENT = "Ingest bench vendor", "Ingest bench area", "Ingest bench staff aug"
BENCH_USER, CSV_NAME = "bench-ingest", "bench-ingest.csv"
FIELDS = ("contractor", "date", "hours", "description", "source", "external_id")
Row = tuple[int, str, str, str, str, str]


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def rows(count: int, contractor_ids: list[int], source: str) -> list[Row]:
    """Return (contractor, date, hours, description, source, external_id): one 8 h day per contractor and day."""
    result = []
    for i in range(count):
        day = START + dt.timedelta(days=i // len(contractor_ids))
        result.append((contractor_ids[i % len(contractor_ids)], day.isoformat(), "8.00", f"Work {i}", source, f"R-{i}"))
    return result


def empty_tables() -> None:
    """Remove what a previous path or run of this bench wrote, and nothing else (the database may be shared).

    Its time entries, their audit rows (the bench user's), its engagement's
    changed-month marks and its import records go; raw deletes, as for a
    fixture: the bench's own rows are not facts anyone reports on.
    """
    from django.contrib.auth.models import User
    from django.db import connection

    from engagements.models import AuditLog, ChangedMonth, Contractor, Engagement, TimeEntry
    from imports.models import ImportedRow, ImportFile

    engagement = Engagement.objects.get(name=ENGAGEMENT)
    contractor_ids = list(Contractor.objects.filter(engagement=engagement).values_list("pk", flat=True))
    user_ids = list(User.objects.filter(username=BENCH_USER).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        for model, column, ids in (
            (TimeEntry, "contractor_id", contractor_ids),
            (AuditLog, "actor_id", user_ids),
            (ChangedMonth, "engagement_id", [engagement.pk]),
        ):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} = ANY(%s)", [ids])
    # Its import records (and their provenance rows) go through the ORM's cascade.
    ImportFile.objects.filter(name=CSV_NAME).delete()
    # Reclaim the deleted rows' pages and refresh the statistics, as a TRUNCATE would leave them: ANALYZE
    # alone would record 0 rows over the dead pages, and plans would treat the table as empty however it grows.
    with connection.cursor() as cursor:
        for table in (TimeEntry, AuditLog, ChangedMonth, ImportedRow, ImportFile):
            cursor.execute(f"VACUUM ANALYZE {table._meta.db_table}")


def setup() -> tuple[list[int], str]:
    """Migrate, find or record the engagement with its contractors; return their ids and an Operations token."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from engagements.models import Contractor, Engagement, ServiceArea, Vendor
    from engagements.services.engagements import (
        contractor_create,
        engagement_create,
        service_area_create,
        vendor_create,
    )
    from kernel.roles import OPERATIONS

    engagement = Engagement.objects.filter(name=ENGAGEMENT).first()
    if engagement is None:
        vendor = Vendor.objects.filter(name=VENDOR).first() or vendor_create(name=VENDOR, kind="staffing")
        area = ServiceArea.objects.filter(name=AREA).first() or service_area_create(name=AREA)
        engagement = engagement_create(
            name=ENGAGEMENT, vendor=vendor, model="staff_aug", service_area=area, start_date=dt.date(2018, 1, 1)
        )
    for i in range(Contractor.objects.filter(engagement=engagement).count(), CONTRACTORS):
        contractor_create(engagement=engagement, name=f"Contractor {i:03d}")
    user, _ = User.objects.get_or_create(username=BENCH_USER, defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=OPERATIONS))
    token, _ = Token.objects.get_or_create(user=user)
    ids = list(Contractor.objects.filter(engagement=engagement).order_by("pk").values_list("pk", flat=True))
    # As config/wsgi.py does in a gunicorn worker once the project is loaded.
    from config.startup import load_url_conf, settle_loaded_process

    load_url_conf()
    settle_loaded_process()
    return ids[:CONTRACTORS], token.key


class AutoAnalyze:
    """Analyze the tables as autovacuum would (50 rows + 10% changed), on a server where it is off.

    A thread on its own connection, checking every few seconds: the plans of
    the path under test (and of the report recompute after each batch) then
    see the table grow, as they do on a server with its defaults.
    """

    TABLES = ("engagements_timeentry", "engagements_auditlog", "engagements_changedmonth")

    def __init__(self, url: str, every: float = 3.0) -> None:
        import threading

        self.url, self.every, self.runs = url, every, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _loop(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(self.every):
                due = conn.execute(
                    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
                    "WHERE s.relname = ANY(%s) AND s.n_mod_since_analyze > 50 + 0.1 * GREATEST(c.reltuples, 0)",
                    [list(self.TABLES)],
                ).fetchall()
                for (table,) in due:
                    conn.execute(f'ANALYZE "{table}"')
                    self.runs += 1


class Clock:
    """Wall seconds, and CPU seconds of this process plus its database backend, at each mark.

    On a shared machine the wall clock measures the neighbours too; the CPU
    spent on the path (Python and PostgreSQL, both on this machine) does not,
    so its first and last 10% show whether the work per row grows.
    """

    def __init__(self) -> None:
        self.wall: Marks = [(0, 0.0)]
        self.cpu: Marks = [(0, 0.0)]
        self._backends: dict[int, tuple[float, float]] = {}
        self._started = time.perf_counter()
        self._cpu_started = time.process_time()
        self._backend_seconds()

    def _backend_seconds(self) -> float:
        """Return the CPU seconds of the backends this process used since the start (first reading = 0)."""
        from django.db import connection

        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            now = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:  # PostgreSQL on another machine: Python's CPU only
            now = 0.0
        first, _ = self._backends.get(pid, (now, now))
        self._backends[pid] = (first, now)
        return sum(last - first for first, last in self._backends.values())

    def cpu_now(self) -> float:
        """Return the CPU seconds of this process and its backends since the clock started."""
        return time.process_time() - self._cpu_started + self._backend_seconds()

    def mark(self, rows: int) -> None:
        self.wall.append((rows, time.perf_counter() - self._started))
        self.cpu.append((rows, time.process_time() - self._cpu_started + self._backend_seconds()))


class Worker:
    """A Celery worker process on the bench's queue, as production runs one beside the web processes.

    It runs the changed-months recompute that the writes ask for, on the
    machine's other core. `drained()` waits until the queue is empty and the
    worker idle; `cpu_seconds` is what the worker process spent (its
    database backend aside).
    """

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.cpu_seconds = 0.0

    def __enter__(self) -> Self:
        queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
        command = [sys.executable, "-m", "celery", "--quiet", "-A", "config", "worker", "--pool", "solo", "-Q", queue]
        command += [
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
            "-n",
            f"bench-ingest-{os.getpid()}@%h",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT)
        from config.celery import app

        self.app = app
        self._purge()
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1.0):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("The bench's Celery worker did not start (is Redis at CELERY_BROKER_URL running?).")
        return self

    def _purge(self) -> None:
        with self.app.connection_for_write() as connection:
            connection.default_channel.queue_purge(os.environ["CELERY_TASK_DEFAULT_QUEUE"])

    def drained(self) -> float:
        """Wait until every task sent has run; return the seconds waited."""
        started = time.perf_counter()
        queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
        while True:
            with self.app.connection_for_write() as connection:
                waiting = connection.default_channel.client.llen(queue)
            inspect = self.app.control.inspect(timeout=1.0)
            # Active, and scheduled: the recompute is sent with a countdown (RECOMPUTE_DELAY_SECONDS).
            busy = [*(inspect.active() or {}).values(), *(inspect.scheduled() or {}).values()]
            if not waiting and not any(busy):
                return time.perf_counter() - started
            time.sleep(0.5)

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            self.cpu_seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        self.process.terminate()
        self.process.wait(timeout=30)


def ingest_api(data: Sequence[Row], token: str, batch: int, expect: str = "created") -> Clock:
    """POST the rows in batches through the API; return the marks after each batch.

    The request bodies are made before the clock starts: encoding them is the
    client's work, not the server's. `expect` is what each row must come out as
    ("updated" when the rows are stored already and the batch changes them).
    """
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    bodies = [
        json.dumps([dict(zip(FIELDS, row, strict=True)) for row in data[offset : offset + batch]])
        for offset in range(0, len(data), batch)
    ]
    clock = Clock()
    for offset, body in zip(range(0, len(data), batch), bodies, strict=True):
        # secure=True: production settings redirect plain HTTP to HTTPS.
        response = client.post("/api/v1/time-entries/", body, content_type="application/json", secure=True)
        if response.status_code != 200 or response.json()[expect] != min(batch, len(data) - offset):
            raise SystemExit(f"batch at {offset} failed: {response.status_code} {response.content[:500]!r}")
        clock.mark(min(offset + batch, len(data)))
        if len(clock.wall) % 40 == 0:
            done, seconds = clock.wall[-1]
            print(f"  api: {done:>9,} rows, {done / seconds:,.0f} rows/s", file=sys.stderr, flush=True)
    return clock


def api_client_child(count: int, batch: int, part: int, parts: int, start_at: float) -> None:
    """In a child process: POST every `parts`-th batch of the rows (from batch `part`); print the marks as JSON.

    The children start together at `start_at` (time.time()), as clients sending to the web processes of
    one server; each reports when its batches ended, on that shared clock, and its CPU with its backend's.
    """
    contractor_ids, token = setup()
    data = rows(count, contractor_ids, "bench-api")
    mine = [data[offset : offset + batch] for offset in range(part * batch, len(data), parts * batch)]
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    bodies = [json.dumps([dict(zip(FIELDS, row, strict=True)) for row in chunk]) for chunk in mine]
    clock = Clock()
    time.sleep(max(0.0, start_at - time.time()))
    cpu_started, ended = clock.cpu_now(), []
    for chunk, body in zip(mine, bodies, strict=True):
        response = client.post("/api/v1/time-entries/", body, content_type="application/json", secure=True)
        if response.status_code != 200 or response.json()["created"] != len(chunk):
            raise SystemExit(f"a batch failed: {response.status_code} {response.content[:500]!r}")
        ended.append((len(chunk), time.time() - start_at))
    print(json.dumps({"ended": ended, "cpu": clock.cpu_now() - cpu_started}))


def ingest_api_clients(count: int, batch: int, parts: int) -> tuple[Marks, float]:
    """POST the rows from `parts` client processes at once; return the merged marks and their CPU seconds."""
    start_at = time.time() + 15  # time for every child to load the project and encode its bodies
    command = [sys.executable, "-m", "bench.api_ingest", "--api-client-child", str(count), str(batch)]
    children = [
        subprocess.Popen([*command, str(part), str(parts), repr(start_at)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for part in range(parts)
    ]
    results = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode != 0:
            raise SystemExit("an API client process failed")
        results.append(json.loads(out.strip().splitlines()[-1]))
    ends = sorted((seconds, done) for result in results for done, seconds in result["ended"])
    marks: Marks = [(0, 0.0)]
    for seconds, done in ends:
        marks.append((marks[-1][0] + done, seconds))
    return marks, sum(result["cpu"] for result in results)


def ingest_copy(data: Sequence[Row]) -> Clock:
    """COPY the rows in ten statements, each committed; return the marks after each."""
    from django.db import connection, transaction

    step = max(1, -(-len(data) // 10))
    clock = Clock()
    columns = "(contractor_id, date, hours, description, source, external_id)"
    for offset in range(0, len(data), step):
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.copy(f"COPY engagements_timeentry {columns} FROM STDIN") as copy,
        ):
            for row in data[offset : offset + step]:
                copy.write_row(row)
        clock.mark(min(offset + step, len(data)))
    return clock


def write_generic_csv(path: Path, count: int) -> None:
    """Write the rows as a generic timesheet CSV (contractors by name, the engagement given at import)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "contractor", "date", "hours", "description"])
        for i in range(count):
            day = START + dt.timedelta(days=i // CONTRACTORS)
            writer.writerow([f"F-{i}", f"Contractor {i % CONTRACTORS:03d}", day.isoformat(), "8.00", f"Work {i}"])


def peak_resident_kb() -> int:
    """Return this process's peak resident memory in kB.

    VmHWM (Linux) is this program's own: ru_maxrss keeps the high-water mark
    of the parent the child was forked from, across exec.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def file_import_child(path: str) -> None:
    """In a child process: import the CSV, print JSON with the marks and the peak resident memory.

    The marks start when writing starts (`progress(0)`): the first pass over
    the file (header, date order, row count) comes before, timed on its own
    with the first sign of progress (`counting`, from its first row), so the
    first 10% is not slowed by that one-off pass.
    """
    import django

    django.setup()
    from django.contrib.auth.models import User

    from engagements.models import Engagement
    from imports.services import file_import

    engagement = Engagement.objects.get(name=ENGAGEMENT)
    user = User.objects.get(username=BENCH_USER)
    # As a Celery worker (which runs import jobs) does once its tasks are loaded (config/celery.py).
    from config.startup import settle_loaded_process

    settle_loaded_process()
    baseline_kb = peak_resident_kb()
    started = time.perf_counter()
    clock: Clock | None = None
    seen: dict[str, float] = {}

    def progress(done: int) -> None:
        nonlocal clock
        if clock is None:
            seen.setdefault("first_progress", time.perf_counter() - started)
            seen["writing"] = time.perf_counter() - started
            clock = Clock()
        if done:
            clock.mark(done)

    def counting(rows: int) -> None:
        seen.setdefault("first_progress", time.perf_counter() - started)

    report = file_import(
        kind="timesheets",
        fmt="generic",
        data=Path(path),
        name=CSV_NAME,
        engagement=engagement,
        user=user,
        progress=progress,
        counting=counting,
    )
    seconds = time.perf_counter() - started
    peak_kb = peak_resident_kb()
    assert clock is not None
    print(
        json.dumps(
            {
                "marks": clock.wall,
                "cpu_marks": clock.cpu,
                "seconds": seconds,
                "first_progress": seen["first_progress"],
                "writing": seen["writing"],
                "created": report.created,
                "rejected": report.rejected,
                "baseline_mb": baseline_kb / 1024,
                "peak_mb": peak_kb / 1024,
            }
        )
    )


def ingest_file(count: int) -> tuple[Marks, Marks, dict[str, float], float]:
    """Import a generated generic CSV of `count` rows in a child process.

    Return the wall and CPU marks (rows written, at each progress call, from
    the start of writing), the memory and the first pass's times, and the
    seconds of the whole call: before the first row comes the first pass over
    the file, after the last the commit and the report recompute the embedded
    default runs in-process, one-off costs the windows leave out and the
    overall rate includes.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        write_generic_csv(path, count)
        size_mb = path.stat().st_size / 2**20
        child = subprocess.run(
            [sys.executable, "-m", "bench.api_ingest", "--file-import-child", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if child.returncode != 0:
        raise SystemExit(f"file import failed:\n{child.stderr[-3000:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    if result["created"] != count:
        raise SystemExit(f"file import created {result['created']} of {count} rows ({result['rejected']} rejected)")
    wall = [(int(done), float(seconds)) for done, seconds in result["marks"]]
    cpu = [(int(done), float(seconds)) for done, seconds in result["cpu_marks"]]
    memory = {"file_mb": size_mb, "baseline_mb": result["baseline_mb"], "peak_mb": result["peak_mb"]}
    memory |= {"first_progress": result["first_progress"], "writing": result["writing"]}
    return wall, cpu, memory, float(result["seconds"])


HEADER = (
    f"{'path':<22} {'rows':>9} {'seconds':>8} {'rows/s':>8} {'first 10%':>10} {'last 10%':>9} {'last/first':>10}"
    f" | {'CPU s':>6} {'first 10%':>10} {'last 10%':>9} {'last/first':>10}"
)


def report_line(label: str, wall: Marks, cpu: Marks, seconds: float | None = None) -> tuple[float, str]:
    """Return a path's overall rows/s and its line of the table (`seconds`: the whole call, if longer).

    Left of the bar, wall-clock rows/s; right of it, rows per CPU second (Python and PostgreSQL).
    """
    total, written = wall[-1]
    seconds = seconds or written
    first, last = window_rates(wall, total)
    cpu_first, cpu_last = window_rates(cpu, total)
    rate = total / seconds
    line = (
        f"{label:<22} {total:>9,} {seconds:>8.1f} {rate:>8,.0f} {first:>10,.0f} {last:>9,.0f} {last / first:>10.0%}"
        f" | {cpu[-1][1]:>6.1f} {cpu_first:>10,.0f} {cpu_last:>9,.0f} {cpu_last / cpu_first:>10.0%}"
    )
    return rate, line


def main(argv: Sequence[str]) -> None:
    if argv[:1] == ["--file-import-child"]:
        file_import_child(argv[1])
        return
    if argv[:1] == ["--api-client-child"]:
        count, batch, part, parts = (int(value) for value in argv[1:5])
        api_client_child(count, batch, part, parts, float(argv[5]))
        return
    count = int(argv[0]) if argv else 200_000
    # The batch sizes of the API runs: 1,000 rows, and the API's largest batch (kernel.api.fields.MAX_BATCH).
    batches = [int(size) for size in argv[1].split(",")] if len(argv) > 1 else [1_000, 5_000]
    ensure_database(os.environ["DATABASE_URL"])
    contractor_ids, token = setup()
    from django.db import connection

    from engagements.models import TimeEntry

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark compares against PostgreSQL COPY: set DATABASE_URL to PostgreSQL.")
    version = connection.cursor().connection.info.server_version // 10000
    sizes = " and ".join(f"{size:,}" for size in batches)
    print(f"{count:,} time entries, {len(contractor_ids)} contractors, API batches of {sizes}, PostgreSQL {version}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0] == "on"
    analyzer = contextlib.nullcontext() if autovacuum else AutoAnalyze(os.environ["DATABASE_URL"])
    if not autovacuum:
        print("note: autovacuum is off on this server; the bench analyzes the tables as autovacuum would")

    apis: list[tuple[int, Clock, float]] = []
    with analyzer, Worker() as worker:
        for size in batches:
            empty_tables()
            api = ingest_api(rows(count, contractor_ids, "bench-api"), token, size)
            assert TimeEntry.objects.filter(contractor_id__in=contractor_ids).count() == count
            apis.append((size, api, worker.drained()))
        # The same rows again with another description, into the full table: every row an update
        # (a corrected export imported again).
        changed = [(*row[:3], f"{row[3]} (corrected)", *row[4:]) for row in rows(count, contractor_ids, "bench-api")]
        updates = ingest_api(changed, token, max(batches), expect="updated")
        worker.drained()

        # Two clients at once, as two web processes (gunicorn workers) would serve them.
        empty_tables()
        clients, clients_cpu = ingest_api_clients(count, max(batches), 2)
        assert TimeEntry.objects.filter(contractor_id__in=contractor_ids).count() == count
        clients_caught_up = worker.drained()

        empty_tables()
        connection.close()  # the child process imports on its own connection
        imported, imported_cpu, memory, import_seconds = ingest_file(count)
        assert TimeEntry.objects.filter(contractor_id__in=contractor_ids).count() == count
        worker.drained()

        # COPY takes a few seconds, where a neighbour's burst on a shared machine moves the figure by a
        # third: the baseline is the median of COPY_RUNS runs, each into the emptied table.
        copies = []
        for _ in range(COPY_RUNS):
            empty_tables()
            copies.append(ingest_copy(rows(count, contractor_ids, "bench-copy")))
            assert TimeEntry.objects.filter(contractor_id__in=contractor_ids).count() == count
        empty_tables()
        copied = sorted(copies, key=lambda clock: clock.wall[-1][1])[len(copies) // 2]

    print(HEADER)
    api_rates = []
    for size, api, _ in apis:
        api_rate, line = report_line(f"API, batches of {size:,}", api.wall, api.cpu)
        api_rates.append((size, api, api_rate))
        print(line)
    print(report_line(f"API, changes x {max(batches):,}", updates.wall, updates.cpu)[1])
    two_clients = f"API, 2 clients x {max(batches):,}"
    clients_rate, line = report_line(two_clients, clients, [(0, 0.0), (count, clients_cpu)])
    print(line.split(" | ")[0] + f" | {clients_cpu:>6.1f}  (the two processes together)")
    print(report_line("file import (generic)", imported, imported_cpu, import_seconds)[1])
    copy_rate, line = report_line(f"COPY (median of {COPY_RUNS})", copied.wall, copied.cpu)
    print(line)
    runs = ", ".join(f"{count / clock.wall[-1][1]:,.0f}" for clock in copies)
    print(f"COPY runs (10 statements each): {runs} rows/s; the median is the baseline below")
    for size, _, caught_up in apis:
        print(f"API, batches of {size:,}: the worker's recompute caught up {caught_up:.1f} s after the last batch")
    print(f"worker (report recompute) CPU over the whole run: {worker.cpu_seconds:.1f} s")
    print(
        f"file import: {memory['file_mb']:.1f} MB file, peak resident memory {memory['peak_mb']:.0f} MB "
        f"({memory['baseline_mb']:.0f} MB before the import); "
        f"{import_seconds - imported[-1][1] - memory['writing']:.1f} s after the last row (commit, report recompute); "
        f"first progress after {memory['first_progress']:.2f} s, writing from {memory['writing']:.1f} s (first pass)"
    )
    print(f"{two_clients}: the worker's recompute caught up {clients_caught_up:.1f} s after the last batch")
    copy_cpu = count / copied.cpu[-1][1]
    print(f"{two_clients} / COPY: {clients_rate / copy_rate:.0%} of COPY's rows/s")
    for size, api, api_rate in api_rates:
        api_cpu = count / api.cpu[-1][1]
        print(
            f"API (batches of {size:,}) / COPY: {api_rate / copy_rate:.0%} of COPY's rows/s; per CPU second"
            f" (Python and PostgreSQL): {api_cpu:,.0f} / {copy_cpu:,.0f} = {api_cpu / copy_cpu:.0%}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
