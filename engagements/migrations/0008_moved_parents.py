"""Back the rule that moving a contractor to another engagement cannot strand their hours.

A contractor's time entries reach their engagement through the contractor, so
changing `engagement_id` moves them all: the move is refused when one of them
would lie outside the new engagement's dates (the rule migration 0002 gives
each entry, seen from the parent). The services say it first with the count
and the dates (`Contractor.clean`); this trigger is the backstop for every
other path (a queryset update, raw SQL, a race with a change of the dates).
On PostgreSQL the new engagement's row is locked FOR SHARE, so a concurrent
change of its dates waits for the move (and the move for it).
"""

from django.db import migrations

PG_FORWARD = r"""
CREATE OR REPLACE FUNCTION engagements_contractor_move_rules() RETURNS trigger AS $$
DECLARE eng RECORD;
BEGIN
    IF NEW.engagement_id IS DISTINCT FROM OLD.engagement_id THEN
        SELECT e.start_date, e.end_date INTO eng FROM engagements_engagement e
         WHERE e.id = NEW.engagement_id FOR SHARE;
        IF EXISTS (SELECT 1 FROM engagements_timeentry t WHERE t.contractor_id = NEW.id
                   AND (t.date < eng.start_date OR (eng.end_date IS NOT NULL AND t.date > eng.end_date))) THEN
            RAISE EXCEPTION 'engagements_contractor_entries_in_engagement' USING ERRCODE = '23514';
        END IF;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER engagements_contractor_move_rules BEFORE UPDATE OF engagement_id ON engagements_contractor
    FOR EACH ROW EXECUTE FUNCTION engagements_contractor_move_rules();
"""

PG_REVERSE = """
DROP TRIGGER IF EXISTS engagements_contractor_move_rules ON engagements_contractor;
DROP FUNCTION IF EXISTS engagements_contractor_move_rules;
"""

SQLITE_FORWARD = [
    """
CREATE TRIGGER engagements_contractor_move_rules BEFORE UPDATE OF engagement_id ON engagements_contractor
WHEN NEW.engagement_id <> OLD.engagement_id
BEGIN
    SELECT RAISE(ABORT, 'engagements_contractor_entries_in_engagement')
     WHERE EXISTS (SELECT 1 FROM engagements_timeentry t JOIN engagements_engagement e ON e.id = NEW.engagement_id
                   WHERE t.contractor_id = NEW.id
                     AND (t.date < e.start_date OR (e.end_date IS NOT NULL AND t.date > e.end_date)));
END;
"""
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS engagements_contractor_move_rules;"]


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
    dependencies = [("engagements", "0007_read_api_permission")]
    operations = [migrations.RunPython(forward, reverse)]
