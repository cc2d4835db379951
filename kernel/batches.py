"""Batch upserts on (source, external_id): the rows' problems, the outcome, and row-by-row writes.

Shared by the API's list POSTs and the file importers. A batch is all or
nothing unless the caller asks for a partial write; each problem names the row
(the index in an API list, or the line of a file) and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Model

from kernel.services import atomic_service
from kernel.sql import array_cursor

CHUNK = 500
M = TypeVar("M", bound=Model)
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class RowProblem:
    """One problem of one row (row = index in an API list, or line of a file; None = the whole batch)."""

    row: int | None
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        """Return the problem as the API answers it."""
        return {"row": self.row, "field": self.field, "message": self.message}


class BatchRejected(Exception):
    """A batch with bad rows: nothing of it was stored."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__("; ".join(f"row {p.row}: {p.field or '-'}: {p.message}" for p in problems[:5]))
        self.problems = sorted(problems, key=lambda p: (p.row is not None, p.row or 0))


@dataclass
class UpsertOutcome:
    """What a batch upsert did, row by row, and (in a partial write) the rows it left out."""

    objects: list[Any] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Return how many rows ended with a status (created, updated, unchanged)."""
        return self.statuses.count(status)

    def add(self, row: int, obj: Any, status: str) -> None:
        """Record one row's result."""
        self.rows.append(row)
        self.objects.append(obj)
        self.statuses.append(status)

    def extend(self, other: UpsertOutcome) -> None:
        """Append another batch's results."""
        self.objects += other.objects
        self.statuses += other.statuses
        self.rows += other.rows
        self.problems += other.problems


def problems_of(row: int | None, exc: ValidationError) -> list[RowProblem]:
    """Return a Django ValidationError as row problems, one per field message."""
    if hasattr(exc, "error_dict"):
        return [
            RowProblem(row, None if name == "__all__" else name, message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [RowProblem(row, None, message) for message in exc.messages]


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- the lookup of stored rows by (source, external_id) -----------------------------------------

# One probe of the partial unique index per key (PostgreSQL): a LATERAL subquery with LIMIT is never
# flattened into a join, so the plan stays a nested loop of index lookups whatever the table's
# statistics say. (`source = %s AND external_id IN (...)` was planned on `source` alone while the
# statistics still described an empty table, reading every row of the source per batch.)
_PG_BY_KEYS = """
SELECT {columns} FROM unnest(%b::text[], %b::text[]) AS k(source, external_id)
CROSS JOIN LATERAL (SELECT * FROM {table} t WHERE t.source = k.source AND t.external_id = k.external_id
                    AND NOT (t.external_id = '') LIMIT 1) t
"""
# A PostgreSQL lookup takes this many keys (two binary arrays); SQLite's takes `chunks`' default.
_PG_KEYS_PER_QUERY = 5000
# SQLite: the keys as a table of constants joined to the index (a row-value IN scans the whole index);
# CROSS JOIN makes SQLite keep the keys as the outer loop. The predicate is the partial index's own.
_SQLITE_BY_KEYS = """
WITH k(source, external_id) AS (VALUES {values})
SELECT t.* FROM k CROSS JOIN {table} t ON t."source" = k.source AND t."external_id" = k.external_id
WHERE NOT (t."external_id" = '')
"""


def stored_by_keys(model: type[M], keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], M]:
    """Return the stored rows of `model` with these (source, external_id) keys, through its unique index.

    The model has `source` and `external_id` columns and the partial unique
    index of `kernel.facts.source_external_id_unique`. One query per 500 keys,
    each an index probe per key: the cost follows the batch, not the table.
    """
    wanted = list({(source, external_id) for source, external_id in keys if external_id})
    using = router.db_for_read(model)
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    found: dict[tuple[str, str], M] = {}
    if connection.vendor == "postgresql":
        fields = model._meta.concrete_fields
        sql = _PG_BY_KEYS.format(
            table=table, columns=", ".join(f"t.{connection.ops.quote_name(f.column)}" for f in fields)
        )
        names = [f.attname for f in fields]
        with array_cursor(using) as cursor:
            for chunk in chunks(wanted, _PG_KEYS_PER_QUERY):
                cursor.execute(sql, [[s for s, _ in chunk], [e for _, e in chunk]])
                for values in cursor.fetchall():
                    row = model.from_db(using, names, values)
                    found[(row.source, row.external_id)] = row  # type: ignore[attr-defined]
        return found
    for chunk in chunks(wanted):
        values = ", ".join(["(%s, %s)"] * len(chunk))
        sql, params = _SQLITE_BY_KEYS.format(table=table, values=values), [v for key in chunk for v in key]
        for row in model._default_manager.raw(sql, params):
            columns = vars(row)
            found[(columns["source"], columns["external_id"])] = row
    return found


# --- row by row, through another app's services ---------------------------------------------------

RowWrite = Callable[[], tuple[Any, str]]


@atomic_service
def upsert_each(
    *, items: Sequence[tuple[int, RowWrite]], keys: Sequence[tuple[int, str, str]] = (), partial: bool = False
) -> UpsertOutcome:
    """Run one service call per row, each in a savepoint; all or nothing unless partial.

    `keys` are the rows' (row, source, external_id): a key repeated within the batch is refused.
    """
    outcome = UpsertOutcome(problems=duplicate_keys(keys))
    repeated = {p.row for p in outcome.problems}
    for row, write in items:
        if row in repeated:
            continue
        try:
            with transaction.atomic():
                obj, status = write()
        except ValidationError as exc:
            outcome.problems += problems_of(row, exc)
            continue
        outcome.add(row, obj, status)
    if outcome.problems and not partial:
        raise BatchRejected(outcome.problems)
    return outcome


def duplicate_keys(items: Sequence[tuple[int, str, str]]) -> list[RowProblem]:
    """Return a problem for each row repeating the (source, external_id) of an earlier row of the batch."""
    first: dict[tuple[str, str], int] = {}
    problems = []
    for row, source, external_id in items:
        if not external_id:
            continue
        key = (source, external_id)
        if key in first:
            problems.append(
                RowProblem(row, "external_id", f"Row {first[key]} already has source {source!r} and this external id.")
            )
        else:
            first[key] = row
    return problems
