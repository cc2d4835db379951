"""Make closing a month and writing into it serialize on PostgreSQL (issue 13, finding 4).

Every guarded write calls billing_closed_months(months): it takes a *shared*
transaction-level advisory lock per month, then reads which of them are
closed. Closing a month takes the *exclusive* lock of that month
(billing_period_lock, called first thing by period_close, and again by a
trigger on any statement that closes a period, whoever runs it).

Why this is correct under READ COMMITTED:

- A writer that holds the shared lock makes the close wait until the writer
  has committed; every statement the close runs afterwards takes a new
  snapshot, so it sees the write (and assesses credits, reconciles invoices
  over it).
- A writer that comes second waits for the close to commit. The check that
  follows is a separate query inside a VOLATILE plpgsql function, and such a
  query takes a fresh snapshot (PostgreSQL docs, "Function Volatility
  Categories"): it sees the committed close and the write is refused. Had the
  lock and the check been one plain SELECT, the snapshot would date from
  before the wait and the writer would read the month as still open.

Why not the alternatives: a plain check (what was there) reads a snapshot
taken before the close commits; a trigger that checks the period at commit
has the same gap between its check and the commit; a row lock (FOR SHARE) on
the period row needs a row for every month ever written, which the writes
would have to create. Advisory locks need no row: months without a period
row lock the same way. The locks are transaction-level: released at commit
or rollback (or when a savepoint taken before them is rolled back).

SQLite needs none of this: with "transaction_mode": "IMMEDIATE" (settings)
every transaction takes the database's write lock when it begins, so a close
and a write run one after the other.
"""

from django.db import migrations

# The advisory lock space of periods (the letters "BPER"); the key within it is the month's number.
PG_FORWARD = r"""
CREATE OR REPLACE FUNCTION billing_period_lock_key(month date) RETURNS integer AS $$
    SELECT (EXTRACT(YEAR FROM month)::integer * 12 + EXTRACT(MONTH FROM month)::integer - 1)
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION billing_closed_months(months date[]) RETURNS SETOF date AS $$
DECLARE m date;
BEGIN
    -- Shared locks in month order (two writers never block each other; a close waits for both).
    FOR m IN SELECT DISTINCT date_trunc('month', x)::date FROM unnest(months) AS x ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock_shared(1112556882, billing_period_lock_key(m));
    END LOOP;
    -- A new snapshot (VOLATILE function, READ COMMITTED): a close we waited for is seen.
    RETURN QUERY SELECT p.month FROM billing_period p
                  WHERE p.closed AND p.month = ANY(months) ORDER BY p.month;
END $$ LANGUAGE plpgsql VOLATILE;

CREATE OR REPLACE FUNCTION billing_period_lock(month date) RETURNS void AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1112556882, billing_period_lock_key(month));
END $$ LANGUAGE plpgsql VOLATILE;

-- Whoever closes a period (period_close, a shell, raw SQL) waits for the writes in flight in its month.
CREATE OR REPLACE FUNCTION billing_period_close_lock() RETURNS trigger AS $$
BEGIN
    IF NEW.closed AND (TG_OP = 'INSERT' OR NOT OLD.closed OR NEW.month <> OLD.month) THEN
        PERFORM billing_period_lock(NEW.month);
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER billing_period_close_lock BEFORE INSERT OR UPDATE ON billing_period
    FOR EACH ROW EXECUTE FUNCTION billing_period_close_lock();
"""

PG_REVERSE = """
DROP TRIGGER IF EXISTS billing_period_close_lock ON billing_period;
DROP FUNCTION IF EXISTS billing_period_close_lock, billing_period_lock, billing_closed_months, billing_period_lock_key;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_cross_table_rules")]
    operations = [migrations.RunPython(forward, reverse)]
