"""Back two ticket rules with the database, on PostgreSQL and SQLite alike (issue 12).

Until now only the file importers refused them; the admin and the API let them through.

1. A first response after the resolution: a CHECK constraint (one row).
2. A ticket opened before its engagement began: a trigger, since the rule
   spans two tables. The engagement begins at the local midnight of its start
   date, in the organisation's zone (settings.TIME_ZONE), where its first
   month's figures begin. Both sides are checked, as migration
   engagements/0002 does for time entries: a ticket opened (or moved) before
   its engagement's start, and an engagement whose start moves later past
   its tickets. The error of each trigger is the rule's name, which sla.apps
   translates into the model's message.

The zone is the application's, read when the row is written, never fixed
here: on PostgreSQL from the session setting `sla.time_zone` that every
Django connection sets (sla.apps; a psql session falls back to its own
TimeZone), on SQLite from the process's zone, which Django sets to
settings.TIME_ZONE (SQLite's 'utc' modifier reads it).

An UPDATE is checked only for rows whose opening or engagement changes, so
the clock refresh, which rewrites thousands of tickets' computed columns,
checks and locks nothing. On PostgreSQL an INSERT (a batch, a COPY) is
checked once per statement (an AFTER statement trigger with a transition
table, as engagements/0010): it share-locks the statement's engagements in
id order, then checks in a later query, whose snapshot sees an engagement
change it waited for; a changed row is checked by a BEFORE row trigger that
reads its engagement FOR SHARE (engagements/0009). The engagement's UPDATE
waits for the tickets' commit and its trigger's query then sees them.
SQLite writes one transaction at a time.

Existing rows: the migration first looks for tickets that break either rule
and stops, naming them, if there are any. A constraint added NOT VALID would
keep refusing every later UPDATE of such a row (the clock refresh included),
and data that breaks a rule is a question for a person, not for a default.
"""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone

SHOWN = 20

PG_FORWARD = r"""
-- The organisation's zone: set by every Django connection (sla.apps), else the session's own.
CREATE OR REPLACE FUNCTION sla_organisation_zone() RETURNS text AS $$
    SELECT COALESCE(NULLIF(current_setting('sla.time_zone', true), ''), current_setting('TimeZone'))
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION sla_ticket_opened_rules() RETURNS trigger AS $$
BEGIN
    -- Share-lock the engagements (id order: no deadlock between two batches): their start cannot move until this
    -- commits, and the query below takes a snapshot after the locks, so it sees a start that moved meanwhile.
    PERFORM 1 FROM engagements_engagement e WHERE e.id IN (SELECT DISTINCT engagement_id FROM new_rows)
      ORDER BY e.id FOR SHARE;
    IF EXISTS (SELECT 1 FROM new_rows n JOIN engagements_engagement e ON e.id = n.engagement_id
                WHERE n.opened_at < e.start_date::timestamp AT TIME ZONE sla_organisation_zone()) THEN
        RAISE EXCEPTION 'sla_ticket_opened_in_engagement' USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER sla_ticket_opened_rules_insert AFTER INSERT ON sla_ticket
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sla_ticket_opened_rules();

-- A change of opening or engagement, row by row: such changes are few, and a statement trigger on UPDATE would
-- capture every row of the clock refresh's updates (a third slower) to find none.
CREATE OR REPLACE FUNCTION sla_ticket_opened_row_rules() RETURNS trigger AS $$
DECLARE began date;
BEGIN
    -- FOR SHARE, as engagements/0009: a locking read returns the start as of the change it may have waited for.
    SELECT e.start_date INTO began FROM engagements_engagement e WHERE e.id = NEW.engagement_id FOR SHARE;
    IF NEW.opened_at < began::timestamp AT TIME ZONE sla_organisation_zone() THEN
        RAISE EXCEPTION 'sla_ticket_opened_in_engagement' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER sla_ticket_opened_rules_update BEFORE UPDATE OF opened_at, engagement_id ON sla_ticket
    FOR EACH ROW WHEN (NEW.opened_at <> OLD.opened_at OR NEW.engagement_id <> OLD.engagement_id)
    EXECUTE FUNCTION sla_ticket_opened_row_rules();

-- The engagement's side: a start moved later may not leave tickets before it (the (engagement, opened_at) index).
CREATE OR REPLACE FUNCTION sla_engagement_start_rules() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM sla_ticket t WHERE t.engagement_id = NEW.id
                  AND t.opened_at < NEW.start_date::timestamp AT TIME ZONE sla_organisation_zone()) THEN
        RAISE EXCEPTION 'sla_engagement_start_after_tickets' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER sla_engagement_start_rules BEFORE UPDATE OF start_date ON engagements_engagement
    FOR EACH ROW WHEN (NEW.start_date > OLD.start_date) EXECUTE FUNCTION sla_engagement_start_rules();
"""

PG_REVERSE = r"""
DROP TRIGGER IF EXISTS sla_engagement_start_rules ON engagements_engagement;
DROP TRIGGER IF EXISTS sla_ticket_opened_rules_insert ON sla_ticket;
DROP TRIGGER IF EXISTS sla_ticket_opened_rules_update ON sla_ticket;
DROP FUNCTION IF EXISTS sla_engagement_start_rules(), sla_ticket_opened_rules(), sla_ticket_opened_row_rules(),
    sla_organisation_zone();
"""

# datetime(day, 'utc') is the UTC instant of the day's local midnight in the process's zone; Django
# stores instants as UTC text ('2024-03-01 05:00:00[.ffffff]'), which compares as text in time order.
_SQLITE_TICKET = """
CREATE TRIGGER sla_ticket_opened_rules_{op} BEFORE {OP} ON sla_ticket {when}
BEGIN
    SELECT RAISE(ABORT, 'sla_ticket_opened_in_engagement')
      FROM engagements_engagement e
     WHERE e.id = NEW.engagement_id AND NEW.opened_at < datetime(e.start_date, 'utc');
END;
"""
SQLITE_FORWARD = [
    _SQLITE_TICKET.format(op="insert", OP="INSERT", when=""),
    _SQLITE_TICKET.format(
        op="update",
        OP="UPDATE OF opened_at, engagement_id",
        when="WHEN NEW.opened_at IS NOT OLD.opened_at OR NEW.engagement_id IS NOT OLD.engagement_id",
    ),
    """
CREATE TRIGGER sla_engagement_start_rules BEFORE UPDATE OF start_date ON engagements_engagement
WHEN NEW.start_date > OLD.start_date
BEGIN
    SELECT RAISE(ABORT, 'sla_engagement_start_after_tickets')
     WHERE EXISTS (SELECT 1 FROM sla_ticket t WHERE t.engagement_id = NEW.id
                      AND t.opened_at < datetime(NEW.start_date, 'utc'));
END;
""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in ("sla_ticket_opened_rules_insert", "sla_ticket_opened_rules_update", "sla_engagement_start_rules")
]


def _local(instant: dt.datetime) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M %Z")


def _label(ticket) -> str:
    name = f"{ticket.source} {ticket.external_id}".strip() if ticket.external_id else "no external id"
    return f"ticket #{ticket.pk} ({name}) of {ticket.engagement.name}"


def _breaking_rows(apps) -> list[str]:
    """Name the stored tickets that break either rule (at most SHOWN of each)."""
    ticket_model = apps.get_model("sla", "Ticket")
    engagement_model = apps.get_model("engagements", "Engagement")
    tickets = ticket_model.objects.select_related("engagement").order_by("pk")
    found = [
        f"{_label(t)}: first response {_local(t.first_response_at)} after resolution {_local(t.resolved_at)}"
        for t in tickets.filter(first_response_at__gt=models.F("resolved_at"))[:SHOWN]
    ]
    zone = timezone.get_default_timezone()
    early: list[str] = []
    # One index range per engagement: (engagement, opened_at) is indexed.
    for engagement_id, start in engagement_model.objects.order_by("pk").values_list("pk", "start_date"):
        began = dt.datetime.combine(start, dt.time(), tzinfo=zone)
        early += [
            f"{_label(t)}: opened {_local(t.opened_at)}, before the engagement began ({start.isoformat()})"
            for t in tickets.filter(engagement_id=engagement_id, opened_at__lt=began)[: SHOWN - len(early)]
        ]
        if len(early) >= SHOWN:
            break
    return found + early


def refuse_breaking_rows(apps, schema_editor):
    found = _breaking_rows(apps)
    if found:
        raise RuntimeError(
            "Some stored tickets break rules this migration adds to the database (a first response after the "
            "resolution, a ticket opened before its engagement began). Correct them (or the engagement's start "
            "date) in the admin, then run migrate again. "
            f"First {SHOWN} of each at most, the organisation's zone:\n  " + "\n  ".join(found)
        )


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    statements = [PG_REVERSE] if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    if schema_editor.connection.vendor in {"postgresql", "sqlite"}:
        for statement in statements:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("sla", "0002_beat_schedule"), ("engagements", "0010_flat_ingest")]
    operations = [
        migrations.RunPython(refuse_breaking_rows, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="ticket",
            constraint=models.CheckConstraint(
                condition=models.Q(first_response_at__isnull=True)
                | models.Q(resolved_at__isnull=True)
                | models.Q(first_response_at__lte=models.F("resolved_at")),
                name="sla_ticket_response_not_after_resolved",
                violation_error_message="The first response cannot be after the ticket was resolved.",
            ),
        ),
        # After the constraint: on SQLite adding it rebuilds the table, which drops the table's triggers.
        migrations.RunPython(forward, reverse),
    ]
