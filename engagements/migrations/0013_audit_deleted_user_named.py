"""An audit row of a user who is later deleted still says who acted: "alice (deleted user)", not "system".

The rows lose their actor (ON DELETE SET NULL, kept by migration 0012's
triggers) and the trigger now writes the user's name into `actor_label`,
which the trail shows when there is no actor. The label held how the user
acted ("web POST /admin/..."), never shown while the actor was set. The ORM
leaves the rows to the trigger (on_delete DO_NOTHING): Django's own SET NULL
ran before the delete and left the trigger nothing to name.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import DO_NOTHING

# 200 characters in all (actor_label's length); a username has at most 150.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION engagements_auditlog_actor_deleted() RETURNS trigger AS $$
BEGIN
    UPDATE engagements_auditlog a SET actor_id = NULL, actor_label = {label}
      FROM old_rows o WHERE a.actor_id = o.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql SET enable_seqscan = off;
"""
PG_FORWARD = _PG_FUNCTION.format(label="left(o.username, 180) || ' (deleted user)'")
PG_REVERSE = _PG_FUNCTION.format(label="a.actor_label")

_SQLITE_TRIGGER = """
CREATE TRIGGER engagements_auditlog_actor_deleted AFTER DELETE ON auth_user
BEGIN UPDATE engagements_auditlog SET actor_id = NULL{label} WHERE actor_id = OLD.id; END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS engagements_auditlog_actor_deleted;"
SQLITE_FORWARD = _SQLITE_TRIGGER.format(label=", actor_label = substr(OLD.username, 1, 180) || ' (deleted user)'")
SQLITE_REVERSE = _SQLITE_TRIGGER.format(label="")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0012_audit_references_per_statement"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    # on_delete is not part of the schema: the AlterField changes Django's state only.
    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(forward, reverse),
    ]
