"""Make an entry's insert and a change of its engagement's dates serialize on PostgreSQL (issue 13, finding 5).

Migration 0002's triggers check both sides of "an entry lies within its
engagement's dates": the entry's trigger reads the engagement's dates, the
engagement's trigger looks for entries outside the new dates. Under READ
COMMITTED each read its own snapshot and neither saw the other's
uncommitted row, so an insert and a concurrent `end_date` change could both
commit, leaving an entry after the end date.

Now the entry's trigger reads the dates with FOR SHARE on the engagement
row. FOR SHARE, not FOR KEY SHARE: changing the dates is an UPDATE of
non-key columns, which takes FOR NO KEY UPDATE, and only FOR SHARE conflicts
with that. Then:

- the entry first: the engagement's UPDATE waits for the entry's commit
  before its BEFORE UPDATE trigger runs; the trigger's queries take a new
  snapshot (a VOLATILE plpgsql function under READ COMMITTED), see the entry
  and refuse the dates;
- the dates first: the entry's FOR SHARE waits for the UPDATE's commit, and
  a locking read returns the row's latest version (READ COMMITTED re-reads a
  row it waited for), so the entry is checked against the new dates and refused.

SQLite needs no change: its write transactions run one at a time.
"""

from django.db import migrations

PG_FORWARD = r"""
CREATE OR REPLACE FUNCTION engagements_timeentry_rules() RETURNS trigger AS $$
DECLARE eng RECORD; total numeric;
BEGIN
    -- Lock the contractor row so two concurrent inserts cannot both pass the daily total,
    -- and share-lock the engagement row so its dates cannot change until this commits.
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

CREATE OR REPLACE FUNCTION engagements_overheadentry_rules() RETURNS trigger AS $$
DECLARE eng RECORD;
BEGIN
    -- Share-lock the engagement row: its dates cannot change until this commits.
    SELECT e.start_date, e.end_date INTO eng FROM engagements_engagement e WHERE e.id = NEW.engagement_id FOR SHARE;
    IF NOT FOUND OR NEW.date < eng.start_date OR (eng.end_date IS NOT NULL AND NEW.date > eng.end_date) THEN
        RAISE EXCEPTION 'engagements_overheadentry_date_in_engagement' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

# Migration 0002's bodies, unchanged.
PG_REVERSE = r"""
CREATE OR REPLACE FUNCTION engagements_timeentry_rules() RETURNS trigger AS $$
DECLARE eng RECORD; total numeric;
BEGIN
    -- Lock the contractor row so two concurrent inserts cannot both pass the daily total.
    SELECT e.start_date, e.end_date INTO eng
      FROM engagements_contractor c JOIN engagements_engagement e ON e.id = c.engagement_id
     WHERE c.id = NEW.contractor_id FOR UPDATE OF c;
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

CREATE OR REPLACE FUNCTION engagements_overheadentry_rules() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM engagements_engagement e WHERE e.id = NEW.engagement_id
                   AND NEW.date >= e.start_date AND (e.end_date IS NULL OR NEW.date <= e.end_date)) THEN
        RAISE EXCEPTION 'engagements_overheadentry_date_in_engagement' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("engagements", "0008_moved_parents")]
    operations = [migrations.RunPython(forward, reverse)]
