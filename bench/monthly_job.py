"""Benchmark the monthly report job on PostgreSQL (not a test).

Generates once (COPY) 24 months for 200 engagements: 1,000,000 time entries,
250,000 tickets, 20,000 outages, plus rates, fees, overhead and charges.
Then measures, and prints as ratios:

- the monthly job (every engagement's snapshot, in batches, then the report)
  against a raw-SQL floor: the same sums in one hand-written query;
- month 24 against month 1: the job's cost must not grow with history;
- one worker against two (processes splitting the engagements).

    .venv/bin/python -m bench.monthly_job          # DATABASE_URL, default below
    make bench                                     # every bench module
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import subprocess
import sys
import time
from typing import Any

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/delivery_bench_jobs"
ENGAGEMENTS, STAFF_AUG = 200, 100
CONTRACTORS_EACH = 4
TIME_ENTRIES, TICKETS, OUTAGES, OVERHEAD_ENTRIES = 1_000_000, 250_000, 20_000, 48_000
FIRST_MONTH, MONTHS = dt.date(2024, 11, 1), 24
RUNS = 5
MARKER = "Bench monthly job (complete)"


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()


def _ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    params = dj_database_url.parse(url)
    conninfo = {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"] or "postgres",
        "password": params["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**conninfo) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{params["NAME"]}"')


def _month(k: int) -> dt.date:
    from kernel.months import add_months

    return add_months(FIRST_MONTH, k)


# --- the generator ---------------------------------------------------------------------------


def _copy(cursor: Any, table: str, columns: list[str], rows: Any) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _generate() -> None:
    from django.db import connection

    from engagements.models import Vendor

    if Vendor.objects.filter(name=MARKER).exists():
        print("data present: generation skipped")
        return
    started = time.monotonic()
    tables = [
        "sla_ticket",
        "sla_outage",
        "sla_monitoredservice",
        "sla_slaassignment",
        "sla_credittier",
        "sla_prioritytarget",
        "sla_slapolicy",
        "sla_coveragecalendar",
        "billing_contractorrate",
        "billing_feeschedule",
        "billing_onetimecharge",
        "billing_internalrate",
        "engagements_timeentry",
        "engagements_overheadentry",
        "engagements_contractor",
        "engagements_engagement",
        "engagements_person",
        "engagements_servicearea",
        "engagements_vendor",
        "reports_monthlysnapshot",
        "reports_comparisonreport",
        "reports_recomputejob",
        "engagements_changedmonth",
    ]
    now = dt.datetime.now(dt.UTC)
    last_day = _month(MONTHS) - dt.timedelta(days=1)
    days = (last_day - FIRST_MONTH).days + 1
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        # The rows are valid by construction: skip the per-row rule triggers (one SUM per time entry).
        for table in (
            "engagements_timeentry",
            "engagements_overheadentry",
            "engagements_contractor",
            "billing_feeschedule",
            "billing_onetimecharge",
        ):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            cursor.execute(
                "INSERT INTO engagements_vendor (name, kind, notes) VALUES ('Bench agency', 'staffing', ''),"
                " ('Bench MSP', 'msp', '')"
            )
            areas = ["Help desk", "Cloud infrastructure", "Security monitoring", "ERP migration"]
            _copy(cursor, "engagements_servicearea", ["name"], ([a] for a in areas))
            _copy(cursor, "engagements_person", ["name", "email"], ([f"Manager {i}", ""] for i in range(1, 21)))
            cursor.execute(
                "INSERT INTO billing_internalrate (person_id, hourly_cost, effective_from) "
                "VALUES (NULL, 95.00, '2020-01-01')"
            )
            _copy(
                cursor,
                "engagements_engagement",
                [
                    "name",
                    "vendor_id",
                    "model",
                    "service_area_id",
                    "start_date",
                    "end_date",
                    "currency",
                    "cost_center",
                    "status",
                    "owner_id",
                ],
                (
                    [
                        f"Bench engagement {i}",
                        1 if i <= STAFF_AUG else 2,
                        "staff_aug" if i <= STAFF_AUG else "managed",
                        (i % 4) + 1,
                        FIRST_MONTH,
                        None,
                        "USD",
                        "",
                        "active",
                        (i % 20) + 1,
                    ]
                    for i in range(1, ENGAGEMENTS + 1)
                ),
            )
            contractors = STAFF_AUG * CONTRACTORS_EACH
            _copy(
                cursor,
                "engagements_contractor",
                ["engagement_id", "name", "email", "role"],
                ([(c - 1) // CONTRACTORS_EACH + 1, f"Contractor {c}", "", ""] for c in range(1, contractors + 1)),
            )
            _copy(
                cursor,
                "billing_contractorrate",
                ["contractor_id", "hourly_rate", "effective_from"],
                ([c, f"{70 + c % 40}.00", day] for c in range(1, contractors + 1) for day in (FIRST_MONTH, _month(12))),
            )
            per_contractor = TIME_ENTRIES // contractors
            _copy(
                cursor,
                "engagements_timeentry",
                ["contractor_id", "date", "hours", "description", "source", "external_id"],
                (
                    [
                        c,
                        FIRST_MONTH + dt.timedelta(days=i * days // per_contractor),
                        f"{0.25 * (1 + (i * 7 + c) % 12):.2f}",
                        "",
                        "bench",
                        "",
                    ]
                    for c in range(1, contractors + 1)
                    for i in range(per_contractor)
                ),
            )
            per_engagement = OVERHEAD_ENTRIES // ENGAGEMENTS
            _copy(
                cursor,
                "engagements_overheadentry",
                ["engagement_id", "person_id", "date", "hours", "activity", "description", "source", "external_id"],
                (
                    [
                        e,
                        (e % 20) + 1,
                        FIRST_MONTH + dt.timedelta(days=i * days // per_engagement),
                        f"{0.5 * (1 + (i + e) % 8):.2f}",
                        "supervision",
                        "",
                        "bench",
                        "",
                    ]
                    for e in range(1, ENGAGEMENTS + 1)
                    for i in range(per_engagement)
                ),
            )
            _copy(
                cursor,
                "billing_feeschedule",
                ["engagement_id", "monthly_fee", "effective_from"],
                ([e, f"{20000 + e * 50}.00", FIRST_MONTH] for e in range(STAFF_AUG + 1, ENGAGEMENTS + 1)),
            )
            _copy(
                cursor,
                "billing_onetimecharge",
                ["engagement_id", "date", "amount", "kind", "description", "source", "external_id"],
                ([e, FIRST_MONTH, "25000.00", "onboarding", "", "bench", ""] for e in range(1, ENGAGEMENTS + 1)),
            )
            cursor.execute("INSERT INTO sla_coveragecalendar (name, time_zone, always_on) VALUES ('24x7', 'UTC', true)")
            cursor.execute(
                "INSERT INTO sla_slapolicy (name, calendar_id, uptime_target, max_credit_pct, attainment_goal) "
                "VALUES ('Bench SLA', 1, 99.900, 100.000, 95.000)"
            )
            _copy(
                cursor,
                "sla_prioritytarget",
                ["policy_id", "priority", "response_minutes", "resolution_minutes"],
                ([1, p, r, s] for p, r, s in (("P1", 15, 240), ("P2", 30, 480), ("P3", 240, 1440), ("P4", 480, 4320))),
            )
            _copy(
                cursor,
                "sla_credittier",
                ["policy_id", "below_pct", "credit_pct"],
                ([1, b, c] for b, c in (("99.900", "10.000"), ("99.000", "25.000"), ("95.000", "100.000"))),
            )
            _copy(
                cursor,
                "sla_slaassignment",
                ["engagement_id", "policy_id", "effective_from"],
                ([e, 1, FIRST_MONTH] for e in range(1, ENGAGEMENTS + 1)),
            )
            _copy(
                cursor,
                "sla_monitoredservice",
                ["engagement_id", "name", "business_impact_per_hour"],
                ([e, "Service", "1000.00"] for e in range(1, ENGAGEMENTS + 1)),
            )
            start = dt.datetime.combine(FIRST_MONTH, dt.time(), tzinfo=dt.UTC)
            span = dt.timedelta(days=days) - dt.timedelta(hours=6)
            _copy(
                cursor,
                "sla_outage",
                ["service_id", "started_at", "ended_at", "planned", "reason", "source", "external_id"],
                (
                    [
                        (i % ENGAGEMENTS) + 1,
                        start + span * ((i * 7919) % OUTAGES) / OUTAGES,
                        start + span * ((i * 7919) % OUTAGES) / OUTAGES + dt.timedelta(minutes=5 + i % 90),
                        i % 10 == 0,
                        "",
                        "bench",
                        "",
                    ]
                    for i in range(OUTAGES)
                ),
            )
            _copy(
                cursor,
                "sla_ticket",
                [
                    "engagement_id",
                    "priority",
                    "category",
                    "opened_at",
                    "first_response_at",
                    "resolved_at",
                    "summary",
                    "source",
                    "external_id",
                    "policy_id",
                    "response_met",
                    "resolution_met",
                    "response_elapsed",
                    "resolution_elapsed",
                ],
                _tickets(start, span, now),
            )
        finally:
            for table in (
                "engagements_timeentry",
                "engagements_overheadentry",
                "engagements_contractor",
                "billing_feeschedule",
                "billing_onetimecharge",
            ):
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute("INSERT INTO engagements_vendor (name, kind, notes) VALUES (%s, 'both', '')", [MARKER])
        cursor.execute("ANALYZE")
    print(f"generated in {time.monotonic() - started:.0f} s")


def _tickets(start: dt.datetime, span: dt.timedelta, now: dt.datetime) -> Any:
    targets = {"P1": (15, 240), "P2": (30, 480), "P3": (240, 1440), "P4": (480, 4320)}
    for i in range(TICKETS):
        priority = ("P1", "P2", "P3", "P3", "P4")[i % 5]
        opened = start + span * ((i * 104729) % TICKETS) / TICKETS
        respond = dt.timedelta(minutes=targets[priority][0] * (0.2 + (i % 13) / 10))
        resolve = dt.timedelta(minutes=targets[priority][1] * (0.3 + (i % 11) / 10))
        resolved = opened + resolve if opened + resolve < now and i % 50 else None
        yield [
            (i % ENGAGEMENTS) + 1,
            priority,
            "incident",
            opened,
            opened + respond,
            resolved,
            "",
            "bench",
            "",
            1,
            respond <= dt.timedelta(minutes=targets[priority][0]),
            None if resolved is None else resolve <= dt.timedelta(minutes=targets[priority][1]),
            respond,
            resolve if resolved else None,
        ]


# --- what is measured ------------------------------------------------------------------------


FLOOR_SQL = """
WITH labor AS (
    SELECT c.engagement_id AS id, SUM(ROUND(t.hours * r.hourly_rate, 2)) AS cost, SUM(t.hours) AS hours
      FROM engagements_timeentry t JOIN engagements_contractor c ON c.id = t.contractor_id
      LEFT JOIN LATERAL (SELECT hourly_rate FROM billing_contractorrate WHERE contractor_id = t.contractor_id
                           AND effective_from <= t.date ORDER BY effective_from DESC LIMIT 1) r ON TRUE
     WHERE t.date BETWEEN %(first)s AND %(last)s GROUP BY 1
), overhead AS (
    SELECT o.engagement_id AS id, SUM(ROUND(o.hours * COALESCE(p.hourly_cost, d.hourly_cost), 2)) AS cost,
           SUM(o.hours) AS hours
      FROM engagements_overheadentry o
      LEFT JOIN LATERAL (SELECT hourly_cost FROM billing_internalrate WHERE person_id = o.person_id
                           AND effective_from <= o.date ORDER BY effective_from DESC LIMIT 1) p ON TRUE
      LEFT JOIN LATERAL (SELECT hourly_cost FROM billing_internalrate WHERE person_id IS NULL
                           AND effective_from <= o.date ORDER BY effective_from DESC LIMIT 1) d ON TRUE
     WHERE o.date BETWEEN %(first)s AND %(last)s GROUP BY 1
), charges AS (
    SELECT engagement_id AS id, SUM(amount) AS cost FROM billing_onetimecharge
     WHERE date BETWEEN %(first)s AND %(last)s GROUP BY 1
), fees AS (
    SELECT DISTINCT ON (engagement_id) engagement_id AS id, monthly_fee FROM billing_feeschedule
     WHERE effective_from <= %(last)s ORDER BY engagement_id, effective_from DESC
), tickets AS (
    SELECT engagement_id AS id,
           COUNT(*) FILTER (WHERE opened_at >= %(start)s AND opened_at < %(end)s) AS opened,
           COUNT(*) FILTER (WHERE resolved_at >= %(start)s AND resolved_at < %(end)s) AS resolved,
           COUNT(*) FILTER (WHERE resolved_at IS NULL OR resolved_at >= %(end)s) AS backlog,
           COUNT(*) FILTER (WHERE opened_at >= %(start)s AND opened_at < %(end)s AND response_met) AS response_met,
           COUNT(*) FILTER (WHERE resolved_at >= %(start)s AND resolved_at < %(end)s AND resolution_met) AS resolution_met,
           SUM(resolution_elapsed) FILTER (WHERE resolved_at >= %(start)s AND resolved_at < %(end)s) AS to_resolve
      FROM sla_ticket WHERE opened_at < %(end)s AND (resolved_at IS NULL OR resolved_at >= %(start)s) GROUP BY 1
), downtime AS (
    SELECT s.engagement_id AS id,
           SUM(LEAST(o.ended_at, %(end)s) - GREATEST(o.started_at, %(start)s)) AS down
      FROM sla_outage o JOIN sla_monitoredservice s ON s.id = o.service_id
     WHERE NOT o.planned AND o.started_at < %(end)s AND o.ended_at > %(start)s GROUP BY 1
)
SELECT e.id, labor.cost, labor.hours, overhead.cost, overhead.hours, charges.cost, fees.monthly_fee,
       tickets.opened, tickets.resolved, tickets.backlog, tickets.response_met, tickets.resolution_met,
       tickets.to_resolve, downtime.down
  FROM engagements_engagement e
  LEFT JOIN labor ON labor.id = e.id LEFT JOIN overhead ON overhead.id = e.id
  LEFT JOIN charges ON charges.id = e.id LEFT JOIN fees ON fees.id = e.id
  LEFT JOIN tickets ON tickets.id = e.id LEFT JOIN downtime ON downtime.id = e.id
"""


def _floor(month: dt.date) -> float:
    from django.db import connection

    from kernel.months import last_day_of, month_window

    start, end = month_window(month)
    last = last_day_of(month)
    params = {"first": month, "last": last, "start": start, "end": end}
    with connection.cursor() as cursor:
        began = time.perf_counter()
        cursor.execute(FLOOR_SQL, params)
        rows = cursor.fetchall()
        elapsed = time.perf_counter() - began
    assert len(rows) == ENGAGEMENTS
    return elapsed


def _ids() -> list[int]:
    from engagements.models import Engagement

    return list(Engagement.objects.order_by("pk").values_list("pk", flat=True))


def _snapshots(month: dt.date, ids: list[int]) -> None:
    from reports.services.jobs import chunks
    from reports.services.snapshots import snapshots_compute

    for batch in chunks(ids):
        snapshots_compute(engagement_ids=batch, month=month)


def _job(month: dt.date) -> float:
    """Time the monthly job from cold (no snapshot of the month): every batch, then the report."""
    from reports.models import MonthlySnapshot
    from reports.services.builder.report import report_build

    MonthlySnapshot.objects.filter(month=month).delete()
    began = time.perf_counter()
    _snapshots(month, _ids())
    middle = time.perf_counter()
    report_build(month=month)
    done = time.perf_counter()
    _split.setdefault(month, []).append((middle - began, done - middle))
    return done - began


_split: dict[dt.date, list[tuple[float, float]]] = {}


def _best(fn: Any, *args: Any) -> float:
    return min(fn(*args) for _ in range(RUNS))


def _worker(url: str, month: dt.date, ids: list[int], barrier: Any, results: Any) -> None:
    _setup(url)
    from django.db import connection

    import reports.services.jobs
    import reports.services.snapshots  # noqa: F401

    connection.ensure_connection()
    barrier.wait()
    began = time.perf_counter()
    _snapshots(month, ids)
    results.put(time.perf_counter() - began)


def _parallel(url: str, month: dt.date, workers: int) -> float:
    """Time `workers` processes splitting the engagements (start-up excluded: all wait at a barrier)."""
    from django.db import connection

    from reports.models import MonthlySnapshot

    MonthlySnapshot.objects.filter(month=month).delete()
    connection.close()
    ids = _ids()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(workers + 1), context.Queue()
    parts = [ids[i::workers] for i in range(workers)]
    processes = [context.Process(target=_worker, args=(url, month, part, barrier, results)) for part in parts]
    for process in processes:
        process.start()
    barrier.wait()
    # The slowest worker's own time: process start-up and exit are not the job's.
    elapsed = max(results.get(timeout=600) for _ in processes)
    for process in processes:
        process.join()
    assert all(p.exitcode == 0 for p in processes)
    return elapsed


def _queries_per_batch(month: dt.date) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.services.snapshots import snapshots_compute

    counts = []
    for size in (10, 50):
        with CaptureQueriesContext(connection) as captured:
            snapshots_compute(engagement_ids=_ids()[:size], month=month)
        counts.append(len(captured))
    return counts[0], counts[1]


def run(url: str) -> None:
    """Generate if needed, measure, print."""
    started = time.monotonic()
    _ensure_database(url)
    _setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _generate()
    first, last = _month(0), _month(MONTHS - 1)
    q10, q50 = _queries_per_batch(last)
    job_last = _best(_job, last)
    job_first = _best(_job, first)
    floor = _best(_floor, last)
    one = min(_parallel(url, last, 1) for _ in range(3))
    two = min(_parallel(url, last, 2) for _ in range(3))
    print(f"engagements {ENGAGEMENTS}, time entries {TIME_ENTRIES:,}, tickets {TICKETS:,}, outages {OUTAGES:,}")
    print(f"queries per snapshot batch: {q10} for 10 engagements, {q50} for 50 (constant)")
    snaps, report = min(_split[last])
    print(f"monthly job, month 24 ({last:%Y-%m}): {job_last:.2f} s (snapshots {snaps:.2f} s + report {report:.2f} s)")
    print(f"raw-SQL floor (same sums, one query): {floor:.2f} s   ratio job/floor {job_last / floor:.1f}x")
    print(f"month 1 ({first:%Y-%m}): {job_first:.2f} s   ratio month 24 / month 1 {job_last / job_first:.2f}")
    print(f"snapshots, one worker: {one:.2f} s   two workers: {two:.2f} s   speed-up {one / two:.2f}x")
    print(f"bench total {time.monotonic() - started:.0f} s")


def main() -> None:
    """Run in a child process on the jobs database (other bench modules may have set up Django already)."""
    url = os.environ.get("BENCH_JOBS_DATABASE_URL", DEFAULT_URL)
    env = {**os.environ, "BENCH_JOBS_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "bench.monthly_job", "--child"], env=env, check=True)


if __name__ == "__main__":
    if "--child" in sys.argv:
        run(os.environ["BENCH_JOBS_DATABASE_URL"])
    else:
        run(os.environ.get("DATABASE_URL", DEFAULT_URL))
