"""What every recorded write leaves behind: the audit trail and the changed-month marks.

Registered with the kernel's write pipeline in `EngagementsConfig.ready()`, so
every model of every app (on every write path, bulk ones included) is audited
and marks the months it touches, without the kernel naming this app.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.utils import timezone
from django.utils.text import capfirst

from engagements.models import AuditAction, AuditLog, Engagement
from engagements.services.marks import forget_engagements, mark_months_changed
from kernel.actor import current_actor
from kernel.facts import MonthKey, RecordedFact, RowChange, created


def audit_and_mark(model: type[RecordedFact], changes: list[RowChange], bulk: bool) -> None:
    """Write one audit row per changed row and mark every (engagement, month) the rows touch."""
    actor = current_actor()
    content_type = ContentType.objects.get_for_model(model)
    rows, keys = [], set[MonthKey]()
    for change in changes:
        old, new = change.old, change.new
        action = AuditAction.CREATE if old is None else AuditAction.DELETE if new is None else AuditAction.UPDATE
        keys |= model.month_keys(old or {}) | model.month_keys(new or {})
        if old is not None and new is not None and old.get("_engagement") != new.get("_engagement"):
            # A row moved to another engagement (a contractor with its hours, a service with its outages):
            # the months its guard saw, under both engagements, lose or gain what moved with it.
            keys |= model.guarded_keys(old, new)
        rows.append((action, change.pk, model.describe_row(new or old or {})[:200], change.changes))
    _write_audit_rows(rows, actor_id=actor.user_id, actor_label=actor.label[:200], bulk=bulk, content_type=content_type)
    if model is Engagement:
        # A deleted engagement takes its marks and snapshots with it (CASCADE); a mark naming it
        # would break its foreign key at commit. The months it leaves are handed on instead.
        gone = {change.pk for change in changes if change.new is None}
        if gone:
            forget_engagements({key for key in keys if key[0] in gone})
            keys = {key for key in keys if key[0] not in gone}
    mark_months_changed(keys, reason=f"{model._meta.verbose_name} changed")


def audit_and_mark_inserted(model: type[RecordedFact], pks: Sequence[int], rows: Sequence[dict[str, Any]]) -> None:
    """audit_and_mark for rows inserted from plain values: a creation audit row each, the months they touch marked.

    The Python path: SQLite, and a model whose audit rows the database cannot
    spell as this trail does (see audit_statement, which PostgreSQL runs inside the INSERT).
    """
    audit_and_mark(model, [created(pk, row) for pk, row in zip(pks, rows, strict=True)], True)


def audit_statement(model: type[RecordedFact]) -> tuple[str, list[Any]] | None:
    """Return the INSERT of the creation audit rows of the rows in `inserted`, with its parameters, or None.

    Run by the INSERT of a batch itself (kernel.facts.InStatement), on
    PostgreSQL: the database builds each audit row from the row as stored,
    as the Python path would write it (the tests compare the two).
    """
    select = _audit_select(model)
    using = router.db_for_write(AuditLog)
    if select is None or connections[using].vendor != "postgresql" or router.db_for_write(model) != using:
        return None
    actor = current_actor()
    columns = ", ".join((*_AUDIT_COLUMNS, "changes"))
    content_type = ContentType.objects.get_for_model(model).pk
    params: list[Any] = [timezone.now(), actor.user_id, actor.label[:200], content_type]
    return f"INSERT INTO {AuditLog._meta.db_table} ({columns}) {select}", params


def mark_inserted(model: type[RecordedFact], pks: Sequence[int], rows: Sequence[dict[str, Any]]) -> None:
    """Mark the months rows inserted from plain values touch (their audit rows came with the INSERT)."""
    mark_months_changed(model.month_keys_of_rows(rows), reason=f"{model._meta.verbose_name} changed")


# The JSON text of a column's value as the Python trail writes it (kernel.facts._jsonable, then
# DjangoJSONEncoder), for the column types the database can write identically; a model with any other
# column is audited in Python. The changes are spelled as JSON text and parsed once: building them with
# jsonb_build_object and to_jsonb per value cost the database half as much again.
_JSON_OF: dict[type[models.Field[Any, Any]], str] = {
    models.BigAutoField: "{}::text",
    models.AutoField: "{}::text",
    models.BigIntegerField: "{}::text",
    models.IntegerField: "{}::text",
    models.PositiveIntegerField: "{}::text",
    models.PositiveBigIntegerField: "{}::text",
    models.PositiveSmallIntegerField: "{}::text",
    models.SmallIntegerField: "{}::text",
    models.BooleanField: "{}::text",
    models.CharField: "to_json({})::text",
    models.TextField: "to_json({})::text",
    # str(Decimal) of a value at the column's places is its numeric text; date.isoformat() is YYYY-MM-DD.
    models.DecimalField: """'"' || {}::text || '"'""",
    models.DateField: """'"' || to_char({}, 'YYYY-MM-DD') || '"'""",
}


def _json_expression(field: models.Field[Any, Any], column: str) -> str | None:
    """Return SQL giving the JSON text of the column's value (`null` for NULL), or None for another type."""
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    template = _JSON_OF.get(type(field))
    return None if template is None else f"COALESCE({template.format(column)}, 'null')"


@functools.cache
def _audit_select(model: type[RecordedFact]) -> str | None:
    """Return the SELECT of a model's creation audit rows from the rows just inserted (the relation `inserted`).

    None when the database cannot write them as the Python trail does: a
    column of another type, a label of the model's own (describe_row), or a
    name or title column (the label's first choice).
    """
    names = model.audited_attnames()
    if model.describe_row.__func__ is not RecordedFact.describe_row.__func__ or {"name", "title"} & set(names):  # type: ignore[attr-defined]
        return None
    fields = {name: model._meta.get_field(name) for name in names}
    pairs = []
    for name, field in fields.items():
        expression = _json_expression(field, f't."{field.column}"') if isinstance(field, models.Field) else None
        if expression is None:
            return None
        pairs.append(f"'\"{name}\": [null, ' || {expression} || ']'")
    # The label: the verbose name, then the month fields and hours that are set (describe_row's parts).
    parts = []
    for name in (*model.month_fields, "hours"):
        part = fields.get(name)
        if type(part) is models.DateField:
            parts.append(f"to_char(t.\"{part.column}\", 'YYYY-MM-DD')")
        elif isinstance(part, models.DecimalField):
            parts.append(f'NULLIF(t."{part.column}", 0)::text')
        elif part is not None or name != "hours":
            return None
    label = f"COALESCE(NULLIF(concat_ws(' ', {', '.join(parts)}), ''), '#')"
    verbose = str(model._meta.verbose_name).replace("'", "''")
    changes = "('{' || " + " || ', ' || ".join(pairs) + " || '}')::jsonb"
    return (
        f"SELECT %s, %s, %s, '{AuditAction.CREATE.value}', true, %s, t.id, "
        f"left('{verbose} ' || {label}, 200), {changes} "
        # The rows the INSERT returned, in their order (ids increase as they were inserted).
        f'FROM inserted t ORDER BY t."{model._meta.pk.column}"'
    )


# Audit rows of one write at or above this many go in with COPY on PostgreSQL (a batch, an import).
COPY_AUDIT_ROWS = 100
_AUDIT_COLUMNS = ("at", "actor_id", "actor_label", "action", "bulk", "content_type_id", "object_id", "object_repr")


def _write_audit_rows(
    rows: Sequence[tuple[str, int, str, dict[str, Any]]],
    *,
    actor_id: int | None,
    actor_label: str,
    bulk: bool,
    content_type: ContentType,
) -> None:
    """Write the audit rows (action, object id, label, changes) of one write, in bulk.

    A batch's rows go in with COPY on PostgreSQL: building a model instance
    and adapting a JSON parameter per row cost more than the rows it audits.
    The same columns either way; `at` is the moment of the write, as auto_now_add sets it.
    """
    connection = connections[router.db_for_write(AuditLog)]
    if connection.vendor != "postgresql" or len(rows) < COPY_AUDIT_ROWS:
        AuditLog.objects.bulk_create(
            [
                AuditLog(
                    actor_id=actor_id,
                    actor_label=actor_label,
                    action=action,
                    bulk=bulk,
                    content_type=content_type,
                    object_id=pk,
                    object_repr=label,
                    changes=changed,
                )
                for action, pk, label, changed in rows
            ],
            batch_size=1000,
        )
        return
    now = timezone.now()
    columns = ", ".join((*_AUDIT_COLUMNS, "changes"))
    encoder = DjangoJSONEncoder()
    with connection.cursor() as cursor, cursor.copy(f"COPY {AuditLog._meta.db_table} ({columns}) FROM STDIN") as copy:
        for action, pk, label, changed in rows:
            copy.write_row(
                (now, actor_id, actor_label, action, bulk, content_type.pk, pk, label, encoder.encode(changed))
            )


# --- Reading the trail ---------------------------------------------------------------------------
# The rows keep column values as written ({"vendor_id": [None, 1]}); people read field labels and
# names ("Vendor: (none) -> Acme"). Names are looked up per related model, not per row.
NONE = "(none)"


@dataclass(frozen=True)
class FieldChange:
    """One field of one audit row, as people read it."""

    label: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.label}: {self.old} → {self.new}"


def _fields_by_attname(model: type[models.Model] | None) -> dict[str, models.Field[Any, Any]]:
    if model is None:
        return {}
    return {field.attname: field for field in model._meta.concrete_fields}


def _in_field_order(changes: dict[str, Any], fields: dict[str, models.Field[Any, Any]]) -> list[tuple[str, Any]]:
    """Return a row's changes in its model's field order, then any others by name.

    PostgreSQL's jsonb stores an object's keys in an order of its own (shorter
    keys first), SQLite as written: without this, the same change would read
    in a different order on each database.
    """
    position = {name: n for n, name in enumerate(fields)}
    return sorted(changes.items(), key=lambda item: (position.get(item[0], len(position)), item[0]))


def _names_of(model: type[models.Model], ids: set[Any]) -> dict[Any, str]:
    """Return each row's name (its `name` column where it has one, else its str()) in one query."""
    if "name" in {field.name for field in model._meta.concrete_fields}:
        return dict(model._base_manager.filter(pk__in=ids).values_list("pk", "name"))
    return {obj.pk: str(obj) for obj in model._base_manager.filter(pk__in=ids)}


def _plain(field: models.Field[Any, Any] | None, value: Any) -> str:
    if value is None or value == "":
        return NONE
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        # Kept as UTC ISO text; people read the organisation's local time, as in the When column.
        with contextlib.suppress(ValueError):
            return f"{timezone.localtime(dt.datetime.fromisoformat(value)):%Y-%m-%d %H:%M %Z}"
    return str(value)


def readable_changes(rows: Sequence[AuditLog]) -> dict[int, list[FieldChange]]:
    """Return each audit row's changes with field labels and names for ids (one query per related model)."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    fields_of: dict[int, dict[str, models.Field[Any, Any]]] = {}
    for row in rows:
        fields = fields_of.setdefault(row.content_type_id, _fields_by_attname(row.content_type.model_class()))
        for key, values in row.changes.items():
            field = fields.get(key)
            if field is not None and field.is_relation and field.related_model is not None:
                wanted[cast(type[models.Model], field.related_model)] |= {v for v in values if v is not None}
    names = {model: _names_of(model, ids) for model, ids in wanted.items() if ids}
    readable: dict[int, list[FieldChange]] = {}
    for row in rows:
        fields = fields_of[row.content_type_id]
        changes = []
        for key, (old, new) in _in_field_order(row.changes, fields):
            field = fields.get(key)
            label = capfirst(str(field.verbose_name)) if field is not None else key
            if field is not None and field.is_relation and field.related_model is not None:
                known = names.get(cast(type[models.Model], field.related_model), {})
                shown = [NONE if v is None else known.get(v, f"#{v} (deleted)") for v in (old, new)]
            else:
                shown = [_plain(field, v) for v in (old, new)]
            if shown[0] != shown[1]:  # a create lists every column: leave out the ones left empty
                changes.append(FieldChange(label, shown[0], shown[1]))
        readable[row.pk] = changes
    return readable
