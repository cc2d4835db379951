"""Statements whose parameters are large arrays: bound by the server, not spelled into the SQL.

Django's PostgreSQL backend binds parameters on the client by default: each
value of a list becomes a literal inside the statement's text, which the
server then parses. A batch's arrays (thousands of values per column) cost
less sent as parameters of their own, in the binary format where psycopg has
one (integers, dates, decimals).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import connections


@contextlib.contextmanager
def array_cursor(using: str) -> Iterator[Any]:
    """Yield a Django cursor for statements with array parameters (server-side binding on PostgreSQL).

    The statement goes through Django's cursor wrapper (its query log and
    error translation) either way; other databases get their usual cursor.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    # Defined only when psycopg 3 is installed (as here): the stubs do not know it.
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = ServerBindingCursor(connection.connection)
    # As connection.cursor() wraps its own: the debug wrapper logs the statement when queries are logged.
    wrapper = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapper:
        yield wrapper
