"""The embedded default under several processes: concurrent writers wait, not fail (issue 13, finding 8).

Two simultaneous time-entry POSTs on SQLite under gunicorn with 3 workers
used to end in 500 "database is locked" for one of each pair: a transaction
began without the write lock, read, then wanted to write while the other
held it, and SQLite refuses at once rather than wait (the busy timeout
cannot help: waiting would deadlock, or the snapshot read is stale). With
config.settings.base.SQLITE_OPTIONS each transaction takes the write lock
when it begins (BEGIN IMMEDIATE), where the busy timeout applies.

Two threads, each on its own connection to a SQLite file in tmp_path (as two
processes would be), read then write in one transaction at the same time.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connections, transaction

from config.settings.base import DATABASES, SQLITE_OPTIONS

_aliases = itertools.count()


@pytest.fixture
def sqlite_file(tmp_path: Path, django_db_blocker: Any) -> Iterator[Any]:
    """Yield a function that names a connection alias to a SQLite file with the given OPTIONS."""
    made: list[str] = []

    def open_with(options: dict[str, Any]) -> str:
        alias = f"sqlite_file_{next(_aliases)}"
        settings = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3"), "OPTIONS": options}
        configured = connections.configure_settings({"default": settings})["default"]
        connections.settings[alias] = configured
        made.append(alias)
        with transaction.atomic(using=alias):
            connections[alias].cursor().execute("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, writer INT)")
        return alias

    with django_db_blocker.unblock():
        yield open_with
        for alias in made:
            connections[alias].close()
            del connections.settings[alias]


def write_at_once(alias: str, writers: int = 2) -> list[Any]:
    """Run writers that each count the rows then insert one, in one transaction, at the same time."""
    start = threading.Barrier(writers)
    results: list[Any] = [None] * writers

    def write(i: int) -> None:
        try:
            start.wait()
            with transaction.atomic(using=alias):
                cursor = connections[alias].cursor()
                cursor.execute("SELECT COUNT(*) FROM item")
                time.sleep(0.2)  # both inside their transaction at once
                cursor.execute("INSERT INTO item (writer) VALUES (%s)", [i])
            results[i] = "written"
        except OperationalError as exc:
            results[i] = exc
        finally:
            connections[alias].close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_the_sqlite_default_opens_in_wal_mode_with_immediate_transactions_and_a_busy_timeout(sqlite_file) -> None:
    assert SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE" and SQLITE_OPTIONS["timeout"] >= 5
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        assert DATABASES["default"]["OPTIONS"] == SQLITE_OPTIONS
    alias = sqlite_file(dict(SQLITE_OPTIONS))
    cursor = connections[alias].cursor()
    assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == SQLITE_OPTIONS["timeout"] * 1000


def test_two_writers_at_once_both_succeed_one_after_the_other(sqlite_file) -> None:
    alias = sqlite_file(dict(SQLITE_OPTIONS))
    assert write_at_once(alias) == ["written", "written"]
    with transaction.atomic(using=alias):
        assert connections[alias].cursor().execute("SELECT COUNT(*) FROM item").fetchone()[0] == 2


def test_without_immediate_transactions_one_of_two_writers_failed(sqlite_file) -> None:
    """The finding, reproduced with the options of before: the test above is not vacuous."""
    alias = sqlite_file({"timeout": 5})
    results = write_at_once(alias)
    assert results.count("written") == 1
    assert any("database is locked" in str(result) for result in results)
