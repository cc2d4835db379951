"""Check the audit trail's two references once per statement, not once per row (issue 12).

A batch of 5,000 time entries writes 5,000 audit rows, and PostgreSQL checked
each row's foreign keys (actor -> auth_user, content_type ->
django_content_type) with a query of its own at commit: about 12% of the
API's bulk write. The constraints go (the fields are db_constraint=False);
triggers keep their rules on PostgreSQL:

1. An INSERT (a batch, a COPY) or UPDATE of audit rows, once per statement
   (transition table): the statement's distinct users and content types are
   locked FOR KEY SHARE, as a foreign key's check locks each row's (in id
   order, so two writers cannot deadlock), so a delete of one waits for this
   transaction and its trigger then sees these rows; then a later query, whose
   snapshot sees any delete the locks waited for, refuses an id that does not
   exist (23503 foreign_key_violation, which Django raises as IntegrityError).
2. Deleting users sets their audit rows' actor to NULL (ON DELETE SET NULL:
   Django's collector does it first, this covers raw SQL); deleting a content
   type audit rows name is refused (PROTECT); so is changing a referenced id
   (the constraints' ON UPDATE NO ACTION) and a TRUNCATE of either table that
   leaves audit rows naming it (which the constraints refused too). Django's
   flush truncates the audit table in the same statement: the TRUNCATE
   triggers run after it and find nothing.

On SQLite the foreign keys stay (the schema change below is PostgreSQL's
only): checking one there is an in-process lookup, not the cost this removes,
and they are checked at commit, which row triggers cannot be: Django's flush
(after each transactional test, `manage.py flush`) deletes the tables in no
fixed order, and a trigger refusing to delete a content type audit rows still
name would refuse whenever it came first. Row triggers add what PostgreSQL's
give: a missing reference refused at the statement, not at commit, and ON
DELETE SET NULL for a raw delete of a user. A later AlterField that makes
Django rebuild the SQLite table would drop these triggers and the foreign
keys (tests/engagements/test_audit_references.py would fail).

Existing rows: the foreign keys guaranteed every reference until now, so no
row needs checking before the triggers take over.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models.deletion import PROTECT, SET_NULL

PG_FORWARD = r"""
CREATE OR REPLACE FUNCTION engagements_auditlog_references() RETURNS trigger AS $$
DECLARE
    users integer[];
    types integer[];
    missing integer;
BEGIN
    -- The statement's distinct references: a batch has one user (or none) and one content type.
    SELECT array_agg(DISTINCT r.actor_id) FILTER (WHERE r.actor_id IS NOT NULL), array_agg(DISTINCT r.content_type_id)
      INTO users, types
      FROM (SELECT DISTINCT actor_id, content_type_id FROM new_rows) r;
    PERFORM 1 FROM auth_user WHERE id = ANY (users) ORDER BY id FOR KEY SHARE;
    PERFORM 1 FROM django_content_type WHERE id = ANY (types) ORDER BY id FOR KEY SHARE;
    SELECT min(i) INTO missing FROM unnest(users) i WHERE NOT EXISTS (SELECT 1 FROM auth_user WHERE id = i);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "engagements_auditlog" names user %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'engagements_auditlog', COLUMN = 'actor_id',
                  DETAIL = format('Key (actor_id)=(%s) is not present in table "auth_user".', missing);
    END IF;
    SELECT min(i) INTO missing FROM unnest(types) i WHERE NOT EXISTS (SELECT 1 FROM django_content_type WHERE id = i);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "engagements_auditlog" names content type %, which does not exist',
            missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'engagements_auditlog', COLUMN = 'content_type_id',
                  DETAIL = format('Key (content_type_id)=(%s) is not present in table "django_content_type".', missing);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER engagements_auditlog_references_insert AFTER INSERT ON engagements_auditlog
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION engagements_auditlog_references();
CREATE TRIGGER engagements_auditlog_references_update AFTER UPDATE ON engagements_auditlog
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION engagements_auditlog_references();

-- ON DELETE SET NULL. The lookups by id go through the audit table's indexes (actor_id's; content_type_id leads
-- the composite one) whatever its size was when PL/pgSQL planned them (migration 0010's reason).
CREATE OR REPLACE FUNCTION engagements_auditlog_actor_deleted() RETURNS trigger AS $$
BEGIN
    UPDATE engagements_auditlog SET actor_id = NULL WHERE actor_id = ANY (ARRAY(SELECT id FROM old_rows));
    RETURN NULL;
END $$ LANGUAGE plpgsql SET enable_seqscan = off;

CREATE TRIGGER engagements_auditlog_actor_deleted AFTER DELETE ON auth_user
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION engagements_auditlog_actor_deleted();

-- PROTECT. A delete waited for the FOR KEY SHARE lock of any transaction writing rows that name the content
-- type; this later query's snapshot sees those rows.
CREATE OR REPLACE FUNCTION engagements_auditlog_content_type_deleted() RETURNS trigger AS $$
DECLARE named integer;
BEGIN
    SELECT min(o.id) INTO named FROM old_rows o
     WHERE EXISTS (SELECT 1 FROM engagements_auditlog a WHERE a.content_type_id = o.id);
    IF named IS NOT NULL THEN
        RAISE EXCEPTION 'delete on table "django_content_type" refused: audit rows name content type %', named
            USING ERRCODE = 'foreign_key_violation', TABLE = 'django_content_type',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "engagements_auditlog".', named);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql SET enable_seqscan = off;

CREATE TRIGGER engagements_auditlog_content_type_deleted AFTER DELETE ON django_content_type
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION engagements_auditlog_content_type_deleted();

-- A referenced id that changes (ON UPDATE NO ACTION), row by row: Django never changes a primary key, and a
-- statement trigger would capture every row of every UPDATE of the users (each sign-in's last_login).
CREATE OR REPLACE FUNCTION engagements_auditlog_key_kept() RETURNS trigger AS $$
DECLARE named boolean;
BEGIN
    IF TG_TABLE_NAME = 'auth_user' THEN
        named := EXISTS (SELECT 1 FROM engagements_auditlog WHERE actor_id = OLD.id);
    ELSE
        named := EXISTS (SELECT 1 FROM engagements_auditlog WHERE content_type_id = OLD.id);
    END IF;
    IF named THEN
        RAISE EXCEPTION 'update on table "%" refused: audit rows name its row %', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql SET enable_seqscan = off;

CREATE TRIGGER engagements_auditlog_key_kept BEFORE UPDATE OF id ON auth_user
    FOR EACH ROW WHEN (NEW.id <> OLD.id) EXECUTE FUNCTION engagements_auditlog_key_kept();
CREATE TRIGGER engagements_auditlog_key_kept BEFORE UPDATE OF id ON django_content_type
    FOR EACH ROW WHEN (NEW.id <> OLD.id) EXECUTE FUNCTION engagements_auditlog_key_kept();

-- TRUNCATE fires no delete trigger. Every audit row names a content type; an actor is optional.
CREATE OR REPLACE FUNCTION engagements_auditlog_truncated() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM engagements_auditlog WHERE TG_TABLE_NAME <> 'auth_user' OR actor_id IS NOT NULL) THEN
        RAISE EXCEPTION 'truncate of table "%" refused: audit rows name its rows', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME,
                  HINT = 'Truncate table "engagements_auditlog" at the same time.';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER engagements_auditlog_truncated AFTER TRUNCATE ON auth_user
    FOR EACH STATEMENT EXECUTE FUNCTION engagements_auditlog_truncated();
CREATE TRIGGER engagements_auditlog_truncated AFTER TRUNCATE ON django_content_type
    FOR EACH STATEMENT EXECUTE FUNCTION engagements_auditlog_truncated();
"""

PG_REVERSE = r"""
DROP TRIGGER IF EXISTS engagements_auditlog_references_insert ON engagements_auditlog;
DROP TRIGGER IF EXISTS engagements_auditlog_references_update ON engagements_auditlog;
DROP TRIGGER IF EXISTS engagements_auditlog_actor_deleted ON auth_user;
DROP TRIGGER IF EXISTS engagements_auditlog_content_type_deleted ON django_content_type;
DROP TRIGGER IF EXISTS engagements_auditlog_key_kept ON auth_user;
DROP TRIGGER IF EXISTS engagements_auditlog_key_kept ON django_content_type;
DROP TRIGGER IF EXISTS engagements_auditlog_truncated ON auth_user;
DROP TRIGGER IF EXISTS engagements_auditlog_truncated ON django_content_type;
DROP FUNCTION IF EXISTS engagements_auditlog_references(), engagements_auditlog_actor_deleted(),
    engagements_auditlog_content_type_deleted(), engagements_auditlog_key_kept(), engagements_auditlog_truncated();
"""

# (trigger, event, condition of refusal, message); SQLite 3.40's RAISE takes a literal message only.
_SQLITE_REFUSALS = (
    (
        "engagements_auditlog_actor_insert",
        "INSERT",
        "NEW.actor_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM auth_user WHERE id = NEW.actor_id)",
        "engagements_auditlog.actor_id names a user that does not exist",
    ),
    (
        "engagements_auditlog_actor_update",
        "UPDATE OF actor_id",
        "NEW.actor_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM auth_user WHERE id = NEW.actor_id)",
        "engagements_auditlog.actor_id names a user that does not exist",
    ),
    (
        "engagements_auditlog_content_type_insert",
        "INSERT",
        "NOT EXISTS (SELECT 1 FROM django_content_type WHERE id = NEW.content_type_id)",
        "engagements_auditlog.content_type_id names a content type that does not exist",
    ),
    (
        "engagements_auditlog_content_type_update",
        "UPDATE OF content_type_id",
        "NOT EXISTS (SELECT 1 FROM django_content_type WHERE id = NEW.content_type_id)",
        "engagements_auditlog.content_type_id names a content type that does not exist",
    ),
)
SQLITE_FORWARD = [
    f"CREATE TRIGGER {name} BEFORE {event} ON engagements_auditlog WHEN {refused}\n"
    f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
    for name, event, refused, message in _SQLITE_REFUSALS
] + [
    # ON DELETE SET NULL for a raw delete (the foreign key, kept on SQLite, is NO ACTION).
    """
CREATE TRIGGER engagements_auditlog_actor_deleted AFTER DELETE ON auth_user
BEGIN UPDATE engagements_auditlog SET actor_id = NULL WHERE actor_id = OLD.id; END;
"""
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (*(refusal[0] for refusal in _SQLITE_REFUSALS), "engagements_auditlog_actor_deleted")
]


class AlterFieldOnPostgreSQL(migrations.AlterField):
    """An AlterField whose schema change is made on PostgreSQL only: SQLite keeps its foreign keys (see above)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("engagements", "0011_audit_content_type_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    # Reversed, the triggers go first, then Django's AlterField re-adds the constraints (the rows are valid).
    operations = [
        AlterFieldOnPostgreSQL(
            model_name="auditlog",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        AlterFieldOnPostgreSQL(
            model_name="auditlog",
            name="content_type",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.RunPython(forward, reverse),
    ]
