"""Back the cross-table rules with triggers, on PostgreSQL and SQLite alike.

A CHECK constraint cannot look at another table, yet these rules span two:
an entry's date must lie inside its engagement's dates, one contractor's
hours on one day total at most 24, contractors belong to staff augmentation
engagements only, and an engagement cannot shrink around its entries. The
services validate each rule with a friendly message first; these triggers are
the backstop for every other path (raw SQL, races between two requests).
The message of each error is the rule's name, which the services translate.
"""

from django.db import migrations

PG_FORWARD = r"""
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
CREATE TRIGGER engagements_timeentry_rules BEFORE INSERT OR UPDATE ON engagements_timeentry
    FOR EACH ROW EXECUTE FUNCTION engagements_timeentry_rules();

CREATE OR REPLACE FUNCTION engagements_overheadentry_rules() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM engagements_engagement e WHERE e.id = NEW.engagement_id
                   AND NEW.date >= e.start_date AND (e.end_date IS NULL OR NEW.date <= e.end_date)) THEN
        RAISE EXCEPTION 'engagements_overheadentry_date_in_engagement' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER engagements_overheadentry_rules BEFORE INSERT OR UPDATE ON engagements_overheadentry
    FOR EACH ROW EXECUTE FUNCTION engagements_overheadentry_rules();

CREATE OR REPLACE FUNCTION engagements_contractor_rules() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM engagements_engagement e WHERE e.id = NEW.engagement_id AND e.model = 'staff_aug') THEN
        RAISE EXCEPTION 'engagements_contractor_staff_aug_only' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER engagements_contractor_rules BEFORE INSERT OR UPDATE ON engagements_contractor
    FOR EACH ROW EXECUTE FUNCTION engagements_contractor_rules();

CREATE OR REPLACE FUNCTION engagements_engagement_rules() RETURNS trigger AS $$
BEGIN
    IF NEW.model <> 'staff_aug' AND EXISTS (SELECT 1 FROM engagements_contractor WHERE engagement_id = NEW.id) THEN
        RAISE EXCEPTION 'engagements_contractor_staff_aug_only' USING ERRCODE = '23514';
    END IF;
    IF EXISTS (SELECT 1 FROM engagements_timeentry t JOIN engagements_contractor c ON c.id = t.contractor_id
               WHERE c.engagement_id = NEW.id AND (t.date < NEW.start_date OR (NEW.end_date IS NOT NULL AND t.date > NEW.end_date)))
       OR EXISTS (SELECT 1 FROM engagements_overheadentry o WHERE o.engagement_id = NEW.id
               AND (o.date < NEW.start_date OR (NEW.end_date IS NOT NULL AND o.date > NEW.end_date))) THEN
        RAISE EXCEPTION 'engagements_engagement_dates_cover_entries' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER engagements_engagement_rules BEFORE UPDATE ON engagements_engagement
    FOR EACH ROW EXECUTE FUNCTION engagements_engagement_rules();
"""

PG_REVERSE = """
DROP TRIGGER IF EXISTS engagements_timeentry_rules ON engagements_timeentry;
DROP TRIGGER IF EXISTS engagements_overheadentry_rules ON engagements_overheadentry;
DROP TRIGGER IF EXISTS engagements_contractor_rules ON engagements_contractor;
DROP TRIGGER IF EXISTS engagements_engagement_rules ON engagements_engagement;
DROP FUNCTION IF EXISTS engagements_timeentry_rules, engagements_overheadentry_rules,
    engagements_contractor_rules, engagements_engagement_rules;
"""

_SQLITE_TIME = """
CREATE TRIGGER engagements_timeentry_rules_{op} BEFORE {OP} ON engagements_timeentry
BEGIN
    SELECT RAISE(ABORT, 'engagements_timeentry_date_in_engagement')
      FROM engagements_contractor c JOIN engagements_engagement e ON e.id = c.engagement_id
     WHERE c.id = NEW.contractor_id
       AND (NEW.date < e.start_date OR (e.end_date IS NOT NULL AND NEW.date > e.end_date));
    -- SQLite sums decimals as floats; hours have two places, so round back.
    SELECT RAISE(ABORT, 'engagements_timeentry_daily_hours')
     WHERE ROUND((SELECT COALESCE(SUM(hours), 0) FROM engagements_timeentry
                   WHERE contractor_id = NEW.contractor_id AND date = NEW.date {not_self}) + NEW.hours, 2) > 24;
END;
"""
_SQLITE_OVERHEAD = """
CREATE TRIGGER engagements_overheadentry_rules_{op} BEFORE {OP} ON engagements_overheadentry
BEGIN
    SELECT RAISE(ABORT, 'engagements_overheadentry_date_in_engagement')
     WHERE NOT EXISTS (SELECT 1 FROM engagements_engagement e WHERE e.id = NEW.engagement_id
                       AND NEW.date >= e.start_date AND (e.end_date IS NULL OR NEW.date <= e.end_date));
END;
"""
_SQLITE_CONTRACTOR = """
CREATE TRIGGER engagements_contractor_rules_{op} BEFORE {OP} ON engagements_contractor
BEGIN
    SELECT RAISE(ABORT, 'engagements_contractor_staff_aug_only')
     WHERE NOT EXISTS (SELECT 1 FROM engagements_engagement e WHERE e.id = NEW.engagement_id AND e.model = 'staff_aug');
END;
"""
SQLITE_FORWARD = [
    _SQLITE_TIME.format(op="insert", OP="INSERT", not_self=""),
    _SQLITE_TIME.format(op="update", OP="UPDATE", not_self="AND id <> NEW.id"),
    _SQLITE_OVERHEAD.format(op="insert", OP="INSERT"),
    _SQLITE_OVERHEAD.format(op="update", OP="UPDATE"),
    _SQLITE_CONTRACTOR.format(op="insert", OP="INSERT"),
    _SQLITE_CONTRACTOR.format(op="update", OP="UPDATE"),
    """
CREATE TRIGGER engagements_engagement_rules_update BEFORE UPDATE ON engagements_engagement
BEGIN
    SELECT RAISE(ABORT, 'engagements_contractor_staff_aug_only')
     WHERE NEW.model <> 'staff_aug' AND EXISTS (SELECT 1 FROM engagements_contractor WHERE engagement_id = NEW.id);
    SELECT RAISE(ABORT, 'engagements_engagement_dates_cover_entries')
     WHERE EXISTS (SELECT 1 FROM engagements_timeentry t JOIN engagements_contractor c ON c.id = t.contractor_id
                   WHERE c.engagement_id = NEW.id
                     AND (t.date < NEW.start_date OR (NEW.end_date IS NOT NULL AND t.date > NEW.end_date)))
        OR EXISTS (SELECT 1 FROM engagements_overheadentry o WHERE o.engagement_id = NEW.id
                   AND (o.date < NEW.start_date OR (NEW.end_date IS NOT NULL AND o.date > NEW.end_date)));
END;
""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "engagements_timeentry_rules_insert",
        "engagements_timeentry_rules_update",
        "engagements_overheadentry_rules_insert",
        "engagements_overheadentry_rules_update",
        "engagements_contractor_rules_insert",
        "engagements_contractor_rules_update",
        "engagements_engagement_rules_update",
    )
]


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
    dependencies = [("engagements", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
