"""Tickets and outages in bulk: the upserts on (source, external_id) behind the API's list POSTs and file imports.

Each row goes through sla's own services in a savepoint; a batch is all or
nothing unless the caller asks for a partial write. A row without an external
id is always created.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kernel.batches import CREATED, UpsertOutcome, upsert_each
from sla.models import Outage, Ticket
from sla.services.monitoring import outage_create, outage_upsert
from sla.services.tickets import ticket_create, ticket_upsert

Rows = Sequence[tuple[int, dict[str, Any]]]


def _ticket_write(fields: dict[str, Any]) -> tuple[Ticket, str]:
    fields = dict(fields)
    if not fields.get("external_id"):
        fields.pop("external_id", None)
        return ticket_create(**fields), CREATED
    source, external_id = fields.pop("source", ""), fields.pop("external_id")
    return ticket_upsert(source=source, external_id=external_id, **fields)


def _outage_write(fields: dict[str, Any]) -> tuple[Outage, str]:
    fields = dict(fields)
    if not fields.get("external_id"):
        fields.pop("external_id", None)
        return outage_create(**fields), CREATED
    source, external_id = fields.pop("source", ""), fields.pop("external_id")
    return outage_upsert(source=source, external_id=external_id, **fields)


def _upsert(write: Callable[[dict[str, Any]], tuple[Any, str]], items: Rows, partial: bool) -> UpsertOutcome:
    keys = [(row, fields.get("source", ""), fields.get("external_id", "")) for row, fields in items]
    writes = [(row, lambda f=fields: write(f)) for row, fields in items]
    return upsert_each(items=writes, keys=keys, partial=partial)


def tickets_upsert(*, items: Rows, partial: bool = False) -> UpsertOutcome:
    """Create or update tickets (row, fields) on (source, external_id) through ticket_upsert, row by row."""
    return _upsert(_ticket_write, items, partial)


def outages_upsert(*, items: Rows, partial: bool = False) -> UpsertOutcome:
    """Create or update outages (row, fields) on (source, external_id) through outage_upsert, row by row."""
    return _upsert(_outage_write, items, partial)
