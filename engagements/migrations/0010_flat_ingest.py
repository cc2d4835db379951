"""Keep the time-entry rules' cost flat as history grows (issue 12, item 1).

Two costs grew with the table:

- The daily-hours SUM of migration 0002/0009's row trigger ran once per
  inserted row, and PostgreSQL planned it on the single-column
  `contractor_id` index (the foreign key's), reading all of a contractor's
  history to add up one day: about 1,000 rows per insert at 200,000 rows.
- A COPY or a batch of 1,000 rows ran 1,000 such checks, one per row.

Now:

1. The foreign keys' own single-column indexes on `contractor_id` (time
   entries) and `engagement_id` (overhead entries) are dropped: the
   (contractor, date) and (engagement, date) indexes of 0001 start with the
   same column and serve every lookup by it, and with one index there is no
   wrong one to pick. Dropped with DROP INDEX (found by introspection), not
   AlterField: on SQLite AlterField rebuilds the table and loses its triggers.
2. On PostgreSQL the time-entry rules run once per statement (an AFTER
   statement trigger with transition tables): one INSERT of 500 rows, one
   UPDATE of a batch or one COPY of 200,000 rows is checked with three
   set-based queries. The daily total is summed per distinct (contractor,
   day) of the statement through the composite index (a LATERAL lookup, so
   the plan cannot turn into a join on a scan of the table), with sequential
   scans off for the function: PL/pgSQL keeps a session's plan, and one made
   while the table was empty (an import's first batch) would otherwise scan
   the whole table for every later batch.
   Exact under concurrent writers: the statement first locks its contractors
   (FOR NO KEY UPDATE, in id order, so two batches cannot deadlock on them)
   and share-locks their engagements (migration 0009's reason), then checks in
   later queries, whose snapshot (READ COMMITTED, a VOLATILE function) sees
   every batch that held those locks before. An AFTER trigger sees all the
   rows of its statement, so a batch is checked as a whole, and an UPDATE that
   swaps hours between two entries of one day is not refused halfway.
3. SQLite triggers are row-level only: its BEFORE triggers keep summing one
   day per row, now through the composite index, the only one left
   (tests/engagements/test_ingest_plans.py checks both plans).
"""

from django.db import migrations, models
from django.db.models.deletion import PROTECT

PG_FORWARD = r"""
DROP TRIGGER IF EXISTS engagements_timeentry_rules ON engagements_timeentry;
DROP FUNCTION IF EXISTS engagements_timeentry_rules();

CREATE OR REPLACE FUNCTION engagements_timeentry_batch_rules() RETURNS trigger AS $$
BEGIN
    -- Serialize writers of the same contractors (id order: no deadlock between two batches), and
    -- share-lock their engagements so their dates cannot change until this commits (0009).
    PERFORM 1 FROM engagements_contractor c JOIN engagements_engagement e ON e.id = c.engagement_id
      WHERE c.id IN (SELECT DISTINCT contractor_id FROM new_rows)
      ORDER BY c.id FOR NO KEY UPDATE OF c FOR SHARE OF e;
    -- The queries below take a snapshot after the locks: they see every batch that held them first.
    IF EXISTS (SELECT 1 FROM new_rows n
                 JOIN engagements_contractor c ON c.id = n.contractor_id
                 JOIN engagements_engagement e ON e.id = c.engagement_id
                WHERE n.date < e.start_date OR (e.end_date IS NOT NULL AND n.date > e.end_date)) THEN
        RAISE EXCEPTION 'engagements_timeentry_date_in_engagement' USING ERRCODE = '23514';
    END IF;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT contractor_id, date FROM new_rows) d
                 CROSS JOIN LATERAL (SELECT SUM(t.hours) AS total FROM engagements_timeentry t
                                      WHERE t.contractor_id = d.contractor_id AND t.date = d.date) s
                WHERE s.total > 24) THEN
        RAISE EXCEPTION 'engagements_timeentry_daily_hours' USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql
-- PL/pgSQL plans these queries once per session and keeps the plan: planned on an empty table (the
-- first batch of an import) it would seq-scan the whole table for every later batch. Off, the plan
-- is the index lookups above whatever the table's size was at planning time.
SET enable_seqscan = off;

CREATE TRIGGER engagements_timeentry_rules_insert AFTER INSERT ON engagements_timeentry
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION engagements_timeentry_batch_rules();
CREATE TRIGGER engagements_timeentry_rules_update AFTER UPDATE ON engagements_timeentry
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION engagements_timeentry_batch_rules();
"""

# Migration 0009's row trigger, unchanged.
PG_REVERSE = r"""
DROP TRIGGER IF EXISTS engagements_timeentry_rules_insert ON engagements_timeentry;
DROP TRIGGER IF EXISTS engagements_timeentry_rules_update ON engagements_timeentry;
DROP FUNCTION IF EXISTS engagements_timeentry_batch_rules();

CREATE OR REPLACE FUNCTION engagements_timeentry_rules() RETURNS trigger AS $$
DECLARE eng RECORD; total numeric;
BEGIN
    SELECT e.start_date, e.end_date INTO eng
      FROM engagements_contractor c JOIN engagements_engagement e ON e.id = c.engagement_id
     WHERE c.id = NEW.contractor_id FOR UPDATE OF c FOR SHARE OF e;
    IF NEW.date < eng.start_date OR (eng.end_date IS NOT NULL AND NEW.date > eng.end_date) THEN
        RAISE EXCEPTION 'engagements_timeentry_date_in_engagement' USING ERRCODE = '23514';
    END IF;
    SELECT COALESCE(SUM(hours), 0) INTO total FROM engagements_timeentry
     WHERE contractor_id = NEW.contractor_id AND date = NEW.date AND id <> NEW.id;
    IF total + NEW.hours > 24 THEN
        RAISE EXCEPTION 'engagements_timeentry_daily_hours' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER engagements_timeentry_rules BEFORE INSERT OR UPDATE ON engagements_timeentry
    FOR EACH ROW EXECUTE FUNCTION engagements_timeentry_rules();
"""

# (model, foreign key column): the single-column indexes the composite indexes make redundant.
REDUNDANT = (("timeentry", "contractor_id"), ("overheadentry", "engagement_id"))


def _single_column_indexes(schema_editor, table: str, column: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]
    ]


def drop_redundant_indexes(apps, schema_editor):
    for model_name, column in REDUNDANT:
        table = apps.get_model("engagements", model_name)._meta.db_table
        for name in _single_column_indexes(schema_editor, table, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def restore_indexes(apps, schema_editor):
    for model_name, column in REDUNDANT:
        model = apps.get_model("engagements", model_name)
        if not _single_column_indexes(schema_editor, model._meta.db_table, column):
            field = next(f for f in model._meta.fields if f.column == column)
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("engagements", "0009_entry_dates_lock")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="overheadentry",
                    name="engagement",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=PROTECT,
                        related_name="overhead_entries",
                        to="engagements.engagement",
                    ),
                ),
                migrations.AlterField(
                    model_name="timeentry",
                    name="contractor",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=PROTECT,
                        related_name="time_entries",
                        to="engagements.contractor",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_redundant_indexes, restore_indexes)],
        ),
        migrations.RunPython(forward, reverse),
    ]
