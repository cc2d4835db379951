"""Back billing's cross-table rules with triggers, on PostgreSQL and SQLite alike.

Fee schedules belong to managed engagements only, and a one-time charge is
dated within its engagement. The services check both first with a friendly
message; these triggers are the backstop for every other path. The message
of each error is the rule's name, which billing's AppConfig registers for
translation into a field error.
"""

from django.db import migrations

PG_FORWARD = r"""
CREATE OR REPLACE FUNCTION billing_feeschedule_rules() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM engagements_engagement e WHERE e.id = NEW.engagement_id AND e.model = 'managed') THEN
        RAISE EXCEPTION 'billing_feeschedule_managed_only' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER billing_feeschedule_rules BEFORE INSERT OR UPDATE ON billing_feeschedule
    FOR EACH ROW EXECUTE FUNCTION billing_feeschedule_rules();

CREATE OR REPLACE FUNCTION billing_onetimecharge_rules() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM engagements_engagement e WHERE e.id = NEW.engagement_id
                   AND NEW.date >= e.start_date AND (e.end_date IS NULL OR NEW.date <= e.end_date)) THEN
        RAISE EXCEPTION 'billing_onetimecharge_date_in_engagement' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER billing_onetimecharge_rules BEFORE INSERT OR UPDATE ON billing_onetimecharge
    FOR EACH ROW EXECUTE FUNCTION billing_onetimecharge_rules();
"""

PG_REVERSE = """
DROP TRIGGER IF EXISTS billing_feeschedule_rules ON billing_feeschedule;
DROP TRIGGER IF EXISTS billing_onetimecharge_rules ON billing_onetimecharge;
DROP FUNCTION IF EXISTS billing_feeschedule_rules, billing_onetimecharge_rules;
"""

_SQLITE_FEE = """
CREATE TRIGGER billing_feeschedule_rules_{op} BEFORE {OP} ON billing_feeschedule
BEGIN
    SELECT RAISE(ABORT, 'billing_feeschedule_managed_only')
     WHERE NOT EXISTS (SELECT 1 FROM engagements_engagement e WHERE e.id = NEW.engagement_id AND e.model = 'managed');
END;
"""
_SQLITE_CHARGE = """
CREATE TRIGGER billing_onetimecharge_rules_{op} BEFORE {OP} ON billing_onetimecharge
BEGIN
    SELECT RAISE(ABORT, 'billing_onetimecharge_date_in_engagement')
     WHERE NOT EXISTS (SELECT 1 FROM engagements_engagement e WHERE e.id = NEW.engagement_id
                       AND NEW.date >= e.start_date AND (e.end_date IS NULL OR NEW.date <= e.end_date));
END;
"""
SQLITE_FORWARD = [
    template.format(op=op, OP=op.upper()) for template in (_SQLITE_FEE, _SQLITE_CHARGE) for op in ("insert", "update")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS billing_{table}_rules_{op};"
    for table in ("feeschedule", "onetimecharge")
    for op in ("insert", "update")
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
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
