"""PostgreSQL sessions learn the organisation's zone (the SLA triggers compare instants with local midnights)."""

from __future__ import annotations

import pytest
from django.db import connection


def stored_zone() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('sla.time_zone', true)")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_a_zone_changed_where_the_database_is_blocked_still_reaches_the_open_session(
    django_db_blocker, settings
) -> None:
    connection.ensure_connection()  # a session left open, as an earlier test in this process leaves it
    # As in a test without the database that pytest-xdist runs next in this process: Django's cursor is blocked there.
    with django_db_blocker.block():
        settings.TIME_ZONE = "Asia/Tokyo"
    if connection.vendor == "postgresql":
        assert stored_zone() == "Asia/Tokyo"
    with django_db_blocker.block():
        settings.TIME_ZONE = "America/New_York"
    if connection.vendor == "postgresql":
        assert stored_zone() == "America/New_York"
