"""Benchmark (not a test): bulk ingest of time entries through the API's list POST vs PostgreSQL COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delivery_bench_api .venv/bin/python bench/api_ingest.py [ROWS] [BATCH]

Both paths write the same rows into the same table, with the database's
triggers on (the cross-table rules). The API path is the whole product path:
token authentication, per-row validation by the serializer, the batch
validation of the upsert service (engagement dates, 24 h per day, closed
months), the bulk insert, the audit trail and the changed-month marks. COPY
writes the rows and nothing else. The database is created if missing and its
time entries, audit rows and marks are emptied before each path.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

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

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
CONTRACTORS = 100
START = dt.date(2019, 1, 1)


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def rows(contractor_ids: list[int], source: str) -> list[tuple[int, str, str, str, str, str]]:
    """Return (contractor, date, hours, description, source, external_id): one 8 h day per contractor and day."""
    result = []
    for i in range(ROWS):
        day = START + dt.timedelta(days=i // len(contractor_ids))
        result.append((contractor_ids[i % len(contractor_ids)], day.isoformat(), "8.00", f"Work {i}", source, f"R-{i}"))
    return result


def empty_tables() -> None:
    """Remove what a previous run wrote (time entries, their audit rows, changed-month marks)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE engagements_timeentry, engagements_auditlog, engagements_changedmonth")


def setup() -> tuple[list[int], str]:
    """Migrate, record an engagement with contractors, and return their ids and an Operations token."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from engagements.models import Contractor, Engagement
    from engagements.services.engagements import (
        contractor_create,
        engagement_create,
        service_area_create,
        vendor_create,
    )
    from kernel.roles import OPERATIONS

    engagement = Engagement.objects.filter(name="Bench staff aug").first()
    if engagement is None:
        vendor = vendor_create(name="Bench vendor", kind="staffing")
        area = service_area_create(name="Bench area")
        engagement = engagement_create(
            name="Bench staff aug", vendor=vendor, model="staff_aug", service_area=area, start_date=dt.date(2018, 1, 1)
        )
        for i in range(CONTRACTORS):
            contractor_create(engagement=engagement, name=f"Contractor {i:03d}")
    user, _ = User.objects.get_or_create(username="bench-ops", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=OPERATIONS))
    token, _ = Token.objects.get_or_create(user=user)
    ids = list(Contractor.objects.filter(engagement=engagement).order_by("pk").values_list("pk", flat=True))
    return ids, token.key


def ingest_api(data: list[tuple[int, str, str, str, str, str]], token: str) -> float:
    """POST the rows in batches through the API; return the seconds taken."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    fields = ("contractor", "date", "hours", "description", "source", "external_id")
    started = time.perf_counter()
    for offset in range(0, len(data), BATCH):
        body = json.dumps([dict(zip(fields, row, strict=True)) for row in data[offset : offset + BATCH]])
        response = client.post("/api/v1/time-entries/", body, content_type="application/json")
        if response.status_code != 200 or response.json()["created"] != min(BATCH, len(data) - offset):
            raise SystemExit(f"batch at {offset} failed: {response.status_code} {response.content[:500]!r}")
        done = offset + BATCH
        if done % (BATCH * 20) == 0:
            elapsed = time.perf_counter() - started
            print(f"  api: {done:>7} rows, {done / elapsed:,.0f} rows/s", file=sys.stderr)
    return time.perf_counter() - started


def ingest_copy(data: list[tuple[int, str, str, str, str, str]]) -> float:
    """COPY the same rows into the table; return the seconds taken."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        columns = "(contractor_id, date, hours, description, source, external_id)"
        with cursor.copy(f"COPY engagements_timeentry {columns} FROM STDIN") as copy:
            for row in data:
                copy.write_row(row)
    return time.perf_counter() - started


def main() -> None:
    ensure_database(os.environ["DATABASE_URL"])
    contractor_ids, token = setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark compares against PostgreSQL COPY: set DATABASE_URL to PostgreSQL.")
    print(f"{ROWS:,} time entries, {len(contractor_ids)} contractors, API batches of {BATCH:,}")

    empty_tables()
    api_seconds = ingest_api(rows(contractor_ids, "bench-api"), token)
    from engagements.models import AuditLog, TimeEntry

    assert TimeEntry.objects.count() == ROWS
    audit_rows = AuditLog.objects.count()

    empty_tables()
    copy_seconds = ingest_copy(rows(contractor_ids, "bench-copy"))
    assert TimeEntry.objects.count() == ROWS

    api_rate, copy_rate = ROWS / api_seconds, ROWS / copy_seconds
    print(f"API list POST : {api_seconds:8.1f} s  {api_rate:>10,.0f} rows/s  ({audit_rows:,} audit rows written)")
    print(f"PostgreSQL COPY: {copy_seconds:8.1f} s  {copy_rate:>10,.0f} rows/s")
    print(f"ratio COPY/API: {copy_rate / api_rate:.1f}x")
    empty_tables()


if __name__ == "__main__":
    main()
