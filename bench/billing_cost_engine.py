"""Benchmark the cost engine against one hand-written SQL query on PostgreSQL (not a test).

Generates (once) a 24-month history of 1,000,000 time entries over 200
engagements, then times `engagement_month_costs` for one month and every
engagement against a single hand-written query computing the same sums with
PostgreSQL's own numeric rounding, checks they agree to the cent, and prints
both times and their ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delivery_bench .venv/bin/python -m bench.billing_cost_engine
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from decimal import Decimal
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/delivery_bench")

TIME_ENTRIES = 1_000_000
OVERHEAD_ENTRIES = 100_000
STAFF_AUG, MANAGED, CONTRACTORS_EACH, PEOPLE = 150, 50, 5, 40
FIRST_DAY, MONTHS = dt.date(2024, 11, 1), 24
MONTH = dt.date(2026, 6, 1)
RUNS = 5
VENDOR = "Bench vendor"
SEED = 20260601

HAND_WRITTEN_SQL = """
WITH labor AS (
    SELECT c.engagement_id AS id, SUM(ROUND(t.hours * r.hourly_rate, 2)) AS cost, SUM(t.hours) AS hours
      FROM engagements_timeentry t
      JOIN engagements_contractor c ON c.id = t.contractor_id
      LEFT JOIN LATERAL (
          SELECT hourly_rate FROM billing_contractorrate
           WHERE contractor_id = t.contractor_id AND effective_from <= t.date
           ORDER BY effective_from DESC LIMIT 1) r ON TRUE
     WHERE c.engagement_id = ANY(%(ids)s) AND t.date BETWEEN %(first)s AND %(last)s
     GROUP BY c.engagement_id
), overhead AS (
    SELECT o.engagement_id AS id,
           SUM(ROUND(o.hours * COALESCE(p.hourly_cost, d.hourly_cost), 2)) AS cost, SUM(o.hours) AS hours
      FROM engagements_overheadentry o
      LEFT JOIN LATERAL (
          SELECT hourly_cost FROM billing_internalrate
           WHERE person_id = o.person_id AND effective_from <= o.date
           ORDER BY effective_from DESC LIMIT 1) p ON TRUE
      LEFT JOIN LATERAL (
          SELECT hourly_cost FROM billing_internalrate
           WHERE person_id IS NULL AND effective_from <= o.date
           ORDER BY effective_from DESC LIMIT 1) d ON TRUE
     WHERE o.engagement_id = ANY(%(ids)s) AND o.date BETWEEN %(first)s AND %(last)s
     GROUP BY o.engagement_id
), charges AS (
    SELECT engagement_id AS id, SUM(amount) AS cost FROM billing_onetimecharge
     WHERE engagement_id = ANY(%(ids)s) AND date BETWEEN %(first)s AND %(last)s
     GROUP BY engagement_id
)
SELECT e.id, COALESCE(labor.cost, 0), COALESCE(labor.hours, 0), COALESCE(overhead.cost, 0),
       COALESCE(overhead.hours, 0), COALESCE(charges.cost, 0)
  FROM engagements_engagement e
  LEFT JOIN labor ON labor.id = e.id
  LEFT JOIN overhead ON overhead.id = e.id
  LEFT JOIN charges ON charges.id = e.id
 WHERE e.id = ANY(%(ids)s)
"""


def _ensure_database() -> None:
    """Create the benchmark database if it does not exist yet."""
    import dj_database_url
    import psycopg

    params = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = params["NAME"]
    server = {
        "user": params.get("USER"),
        "password": params.get("PASSWORD"),
        "host": params.get("HOST"),
        "port": params.get("PORT"),
    }
    with psycopg.connect(dbname="postgres", **{k: v for k, v in server.items() if v}, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup() -> None:
    import django
    from django.core.management import call_command

    _ensure_database()
    django.setup()
    call_command("migrate", verbosity=0)


def _days() -> list[dt.date]:
    """Return every day of the generated history."""
    last = dt.date(FIRST_DAY.year + (FIRST_DAY.month - 1 + MONTHS) // 12, (FIRST_DAY.month - 1 + MONTHS) % 12 + 1, 1)
    return [FIRST_DAY + dt.timedelta(days=n) for n in range((last - FIRST_DAY).days)]


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    """Return a random two-place amount (or hours) between low and high hundredths."""
    return Decimal(rng.randint(low, high)) / 100


def _fixture(rng: random.Random, days: list[dt.date]) -> tuple[list[Any], list[Any], list[Any]]:
    """Return the bench's engagements, contractors and people: found when a previous run recorded them.

    A second run on the same database (or one another benchmark emptied the
    entry tables of) reuses them rather than recording "Bench vendor" again.
    """
    from billing.models import ContractorRate, FeeSchedule, InternalRate, OneTimeCharge
    from engagements.models import Contractor, Engagement, Person, ServiceArea, Vendor

    vendor = Vendor.objects.filter(name=VENDOR).first()
    if vendor is not None:
        engagements = list(Engagement.objects.filter(vendor=vendor).order_by("name"))
        contractors = list(Contractor.objects.filter(engagement__in=engagements).order_by("pk"))
        people = list(Person.objects.filter(name__startswith="Bench manager ").order_by("pk")[:PEOPLE])
        return engagements, contractors, people
    vendor = Vendor.objects.create(name=VENDOR, kind="both")
    areas = [ServiceArea.objects.get_or_create(name=f"Bench area {n}")[0] for n in range(8)]
    engagements = Engagement.objects.bulk_create(
        Engagement(
            name=f"Bench engagement {n:03d}",
            vendor=vendor,
            service_area=areas[n % len(areas)],
            model="staff_aug" if n < STAFF_AUG else "managed",
            start_date=FIRST_DAY,
            currency="USD",
        )
        for n in range(STAFF_AUG + MANAGED)
    )
    contractors = Contractor.objects.bulk_create(
        Contractor(engagement=e, name=f"Contractor {i}")
        for e in engagements[:STAFF_AUG]
        for i in range(CONTRACTORS_EACH)
    )
    people = Person.objects.bulk_create(Person(name=f"Bench manager {n}") for n in range(PEOPLE))
    rate_days = [FIRST_DAY + dt.timedelta(days=n) for n in (0, 137, 301, 466, 610)]
    ContractorRate.objects.bulk_create(
        (
            ContractorRate(contractor=c, hourly_rate=_money(rng, 4000, 15000), effective_from=day)
            for c in contractors
            for day in rate_days
        ),
        batch_size=5000,
    )
    InternalRate.objects.bulk_create(
        [
            InternalRate(person=None, hourly_cost=Decimal("95.00"), effective_from=FIRST_DAY),
            InternalRate(person=None, hourly_cost=Decimal("101.37"), effective_from=dt.date(2025, 9, 17)),
        ]
        + [
            InternalRate(person=p, hourly_cost=_money(rng, 8000, 16000), effective_from=rng.choice(days))
            for p in people[: PEOPLE // 2]
        ]
    )
    FeeSchedule.objects.bulk_create(
        FeeSchedule(engagement=e, monthly_fee=_money(rng, 300000, 1500000), effective_from=day)
        for e in engagements[STAFF_AUG:]
        for day in (FIRST_DAY, rng.choice(days))
    )
    OneTimeCharge.objects.bulk_create(
        (
            OneTimeCharge(
                engagement=rng.choice(engagements),
                date=rng.choice(days),
                kind="other",
                amount=_money(rng, 1000, 500000),
            )
            for _ in range(2000)
        ),
        batch_size=2000,
    )
    return engagements, contractors, people


def _generate() -> None:
    """Write the history: small tables through the ORM, the entry tables with COPY (unaudited: a fixture).

    Entries a previous run left (all or part of them) are removed first, so
    the history is whole whatever state the database is in.
    """
    from django.db import connection, transaction

    rng = random.Random(SEED)
    days = _days()
    started = time.perf_counter()
    with transaction.atomic():
        engagements, contractors, people = _fixture(rng, days)
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM engagements_timeentry WHERE contractor_id = ANY(%s)", [[c.pk for c in contractors]]
            )
            cursor.execute(
                "DELETE FROM engagements_overheadentry WHERE engagement_id = ANY(%s)", [[e.pk for e in engagements]]
            )
            # A generated history is valid by construction: skip the per-row
            # rule triggers while loading (this database is the benchmark's own).
            for table in ("engagements_timeentry", "engagements_overheadentry"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            with cursor.cursor.copy(
                "COPY engagements_timeentry (contractor_id, date, hours, description, source, external_id) FROM STDIN"
            ) as copy:
                for i in range(TIME_ENTRIES):
                    contractor = contractors[i % len(contractors)]
                    day = days[(i // len(contractors)) % len(days)]
                    copy.write_row((contractor.pk, day, _money(rng, 25, 800), "", "bench", ""))
            with cursor.cursor.copy(
                "COPY engagements_overheadentry (engagement_id, person_id, date, hours, activity, description, "
                "source, external_id) FROM STDIN"
            ) as copy:
                for _ in range(OVERHEAD_ENTRIES):
                    copy.write_row(
                        (
                            rng.choice(engagements).pk,
                            rng.choice(people).pk,
                            rng.choice(days),
                            _money(rng, 25, 400),
                            "supervision",
                            "",
                            "bench",
                            "",
                        )
                    )
            # Check the deferred foreign keys now, so the triggers can be switched back on.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in ("engagements_timeentry", "engagements_overheadentry"):
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"generated {TIME_ENTRIES:,} time entries, {OVERHEAD_ENTRIES:,} overhead entries "
        f"in {time.perf_counter() - started:.1f} s"
    )


def _history_present() -> bool:
    """Return whether the bench's own engagements hold the whole history (other benches' rows do not count)."""
    from engagements.models import TimeEntry

    return TimeEntry.objects.filter(contractor__engagement__vendor__name=VENDOR).count() >= TIME_ENTRIES


def _timed(function: Any) -> tuple[float, Any]:
    """Return the median wall time of RUNS calls (after one warm-up) and the last result."""
    result = function()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _hand_written(ids: list[int]) -> dict[int, tuple[Decimal, ...]]:
    from django.db import connection

    from kernel.months import month_bounds

    first, last = month_bounds(MONTH)
    with connection.cursor() as cursor:
        cursor.execute(HAND_WRITTEN_SQL, {"ids": ids, "first": first, "last": last})
        return {row[0]: tuple(Decimal(v) for v in row[1:]) for row in cursor.fetchall()}


def main() -> None:
    """Generate the history if needed, time both ways, check they agree, print the figures."""
    _setup()
    from billing.selectors import engagement_month_costs
    from engagements.models import Engagement, TimeEntry

    if _history_present():
        print("history already present: generation skipped")
    else:
        _generate()
    ids = list(Engagement.objects.filter(vendor__name=VENDOR).values_list("pk", flat=True))
    in_month = TimeEntry.objects.filter(contractor__engagement_id__in=ids).in_month(MONTH).count()
    engine_time, costs = _timed(lambda: engagement_month_costs(ids, MONTH))
    sql_time, sums = _timed(lambda: _hand_written(ids))
    fields = ("labor_cost", "hours", "overhead_cost", "overhead_hours", "one_time_cost")
    mismatches = [
        (pk, name, getattr(costs[pk], name), sums[pk][i])
        for pk in ids
        for i, name in enumerate(fields)
        if getattr(costs[pk], name) != sums[pk][i]
    ]
    total = sum((c.labor_cost for c in costs.values()), Decimal(0))
    print(
        f"month {MONTH:%Y-%m}: {len(ids)} engagements, {in_month:,} time entries in the month, labor {total:,} in all"
    )
    print(f"cost engine (ORM, {len(fields)} sums + fees, credits): {engine_time * 1000:8.1f} ms (median of {RUNS})")
    print(f"hand-written SQL (one query):                {sql_time * 1000:8.1f} ms (median of {RUNS})")
    print(f"ratio engine / SQL: {engine_time / sql_time:.2f}")
    if mismatches:
        for row in mismatches[:10]:
            print("MISMATCH engagement {} {}: engine {}, SQL {}".format(*row))
        raise SystemExit(f"{len(mismatches)} figures differ")
    print(f"agree to the cent: {len(ids) * len(fields)} figures compared")


if __name__ == "__main__":
    main()
