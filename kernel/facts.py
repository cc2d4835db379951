"""The base of every recorded fact: audited, guarded and month-marking on every write path.

Signal-based history libraries miss `QuerySet.update()`, `bulk_create()` and
bulk deletes. Here the model's `save()`/`delete()` and the queryset's bulk
methods all go through the same three steps, so no write path escapes them:

1. *guards* (e.g. billing's closed periods) may refuse the write;
2. the change is written to the audit trail (before and after values);
3. every (engagement, month) touched is marked changed, for the jobs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Self

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections, models, router, transaction

from kernel.months import month_of
from kernel.sql import array_cursor

MonthKey = tuple[int, dt.date]
WriteGuard = Callable[[type["RecordedFact"], set[MonthKey]], None]


@dataclass(frozen=True)
class RowChange:
    """One row a write created (old is None), deleted (new is None) or changed, with its diff."""

    pk: int
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    changes: dict[str, list[Any]]


WriteListener = Callable[[type["RecordedFact"], list[RowChange], bool], None]
# A listener's set-based variant for rows inserted from plain values: (model, their ids, their rows).
InsertListener = Callable[[type["RecordedFact"], Sequence[int], Sequence[dict[str, Any]]], None]


@dataclass(frozen=True)
class InStatement:
    """A listener's part of the INSERT of rows from plain values, written by the same statement (PostgreSQL).

    `sql(model)` returns a data-modifying statement reading the just-inserted
    rows from the relation `inserted` (the INSERT's RETURNING *), and its
    parameters, or None when it cannot for this model; `after` then runs
    with the rows' ids and values (what the statement left to Python). A listener
    whose `sql` gives None is called as usual (its `on_insert`, or itself).
    """

    sql: Callable[[type[RecordedFact]], tuple[str, list[Any]] | None]
    after: InsertListener


_guards: list[WriteGuard] = []
_listeners: list[WriteListener] = []
_on_insert: dict[WriteListener, InsertListener] = {}
_in_statement: dict[WriteListener, InStatement] = {}
_PK_CHUNK = 500


@dataclass
class _GuardScope:
    """What one guards_run_once() scope has checked: (model, month key) pairs, and the instances full_clean saw.

    Each pair keeps the savepoints open when it was checked: a check is
    trusted only while they all still are. A guard may hold something until
    the transaction ends (billing's shared lock on the month), and rolling
    back a savepoint taken before the check lets it go, so a later write in
    the same scope (the next row of a partial import) checks again.
    """

    keys: dict[tuple[type[Any], MonthKey], tuple[str, ...]] = field(default_factory=dict)
    cleaned: set[int] = field(default_factory=set)

    def holds(self, key: tuple[type[Any], MonthKey], savepoints: tuple[str, ...]) -> bool:
        checked_under = self.keys.get(key)
        return checked_under is not None and savepoints[: len(checked_under)] == checked_under


_scope: ContextVar[_GuardScope | None] = ContextVar("guard_scope", default=None)


def _transaction(using: str | None) -> contextlib.AbstractContextManager[Any]:
    """Open a transaction for a write made outside one; inside the caller's, add nothing (no savepoint)."""
    return transaction.atomic(using=using) if transaction.get_autocommit(using) else contextlib.nullcontext()


@contextlib.contextmanager
def guards_run_once(using: str | None = None) -> Iterator[None]:
    """Run the write guards once per (model, month) within this block and one transaction.

    validated_save wraps full_clean and save() in it: save() then checks only
    months full_clean did not (a row changed meanwhile). A batch wraps its own
    checks and its bulk write in it. Outside a scope every step checks for itself.
    """
    if _scope.get() is not None:
        # Nested (a service inside a batch): the outer scope's checks still hold.
        yield
        return
    with _transaction(using):
        token = _scope.set(_GuardScope())
        try:
            yield
        finally:
            _scope.reset(token)


def register_write_guard(guard: WriteGuard) -> None:
    """Let an app (billing) veto writes to some months, without the kernel naming it."""
    if guard not in _guards:
        _guards.append(guard)


def register_write_listener(
    listener: WriteListener, *, on_insert: InsertListener | None = None, in_statement: InStatement | None = None
) -> None:
    """Let an app (engagements) record what every write changed: the audit trail, the month marks.

    `on_insert` is the listener's set-based variant for a batch inserted from
    plain values (FactQuerySet.insert_rows), called instead of it with the
    rows' ids and values: it may write what it records without a RowChange per row.
    `in_statement` goes further on PostgreSQL: its SQL joins the INSERT itself.
    """
    if listener not in _listeners:
        _listeners.append(listener)
    if on_insert is not None:
        _on_insert[listener] = on_insert
    if in_statement is not None:
        _in_statement[listener] = in_statement


def source_external_id_unique(noun: str) -> models.UniqueConstraint:
    """Return the rule that an imported row's (source, external_id) is unique where an id is given.

    Hand-entered rows have no external id, so any number of them may coexist.
    """
    return models.UniqueConstraint(
        fields=["source", "external_id"],
        condition=~models.Q(external_id=""),
        name="%(app_label)s_%(class)s_source_external_id_unique",
        violation_error_message=f"{noun} with this source and external id already exists.",
    )


# Values the audit trail keeps as they are (checked by exact type first: a batch calls this per column and row).
_PLAIN_TYPES = frozenset({str, int, bool, float, type(None)})


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, Decimal | dt.date | dt.datetime | dt.time):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


class FactQuerySet(models.QuerySet):
    """QuerySet whose bulk writes are guarded, audited and month-marking too."""

    def _snapshot(self, pks: Iterable[int] | None = None, *, lock: bool = False) -> dict[int, dict[str, Any]]:
        """Return the rows' audited values and engagement by id.

        `lock` (before a write) locks the rows until the transaction ends, in id
        order: a concurrent write of the same rows waits, then reads what this one
        wrote, so each audit row's "before" is the previous write's "after".
        """
        model: type[RecordedFact] = self.model
        names = model.audited_attnames()
        qs = self if pks is None else model._base_manager.filter(pk__in=list(pks))
        if lock and connections[qs.db].features.has_select_for_update_of:
            qs = qs.select_for_update(of=("self",)).order_by("pk")
        extra = {"_engagement": models.F(model.engagement_path)} if model.engagement_path else {}
        rows = qs.values("pk", *names, **extra)
        return {row.pop("pk"): row for row in rows}

    def _snapshot_chunked(self, pks: list[int], *, lock: bool = False) -> dict[int, dict[str, Any]]:
        rows: dict[int, dict[str, Any]] = {}
        if lock:
            pks = sorted(pks)  # every writer locks in id order: no deadlock between two batches
        for i in range(0, len(pks), _PK_CHUNK):
            rows.update(self.model.objects.none()._snapshot(pks[i : i + _PK_CHUNK], lock=lock))
        return rows

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic():
            before = self._snapshot(lock=True)
            count = super().update(**kwargs)
            after = self._snapshot_chunked(list(before))
            # Guards see each row as it was and as it is now, so moving a row
            # into (or out of) a closed month is refused and rolled back.
            self.model.guard_rows(before, after)
            self.model.after_write(before, after, bulk=True)
        return count

    # Django's own marker (templates never call such a method); the stubs let
    # no function carry an attribute, hence the ignore.
    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        with _transaction(self.db):
            before = self._snapshot(lock=True)
            # Refused before anything is written: the caller's transaction stays usable.
            self.model.guard_rows(before, {})
            with transaction.atomic(using=self.db, savepoint=False):
                result = super().delete()
                self.model.after_write(before, {}, bulk=True)
        return result

    delete.alters_data = True  # type: ignore[attr-defined]  # as update above

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        with _transaction(self.db):
            self.model.check_guards(self.model.month_keys_of_objects(objs))
            with transaction.atomic(using=self.db, savepoint=False):
                created = super().bulk_create(objs, *args, **kwargs)
                after = self._snapshot_chunked([obj.pk for obj in created if obj.pk is not None])
                self.model.after_write({}, after, bulk=True)
        return created

    def insert_rows(self, rows: Sequence[dict[str, Any]], engagement_ids: Sequence[int | None]) -> list[int]:
        """Insert rows given as plain values (by attname); return their ids, in order. Guarded, audited, marking.

        bulk_create's three steps without its model instances and without reading
        the rows back: a batch of plain values (the API's, an import's) is written
        in one statement per 1,000 rows, and the audit trail's "after" is built
        from the values themselves, as the columns store them (decimals to their
        places). `engagement_ids` are the rows' engagements, which the caller
        has already read to validate them.
        """
        model: type[RecordedFact] = self.model
        names = model.audited_attnames()
        as_stored = _stored_values(model)
        # Each row as a snapshot row: its columns' values as stored, and its engagement.
        after_rows = [{**as_stored(row), "_engagement": eid} for row, eid in zip(rows, engagement_ids, strict=True)]
        with _transaction(self.db):
            model.check_guards(model.month_keys_of_rows(after_rows))
            with transaction.atomic(using=self.db, savepoint=False):
                pks, written = _insert_values(model, self.db, names, after_rows)
                model.after_insert(pks, after_rows, written=written)
        return pks

    insert_rows.alters_data = True  # type: ignore[attr-defined]  # as update above

    def bulk_update(self, objs: Iterable[Any], fields: Iterable[str], *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        pks = [obj.pk for obj in objs]
        with transaction.atomic():
            before = self._snapshot_chunked(pks, lock=True)
            # Django's bulk_update runs QuerySet.update per batch: through a plain queryset, so that
            # update's own audit does not write a second audit row per row (the one below is the audit).
            count = _update_values(self.model, self.db, objs, list(fields))
            if count is None:
                plain: models.QuerySet[Any] = models.QuerySet(self.model, using=self.db)
                count = plain.bulk_update(objs, fields, *args, **kwargs)
            after = self._snapshot_chunked(pks)
            self.model.guard_rows(before, after)
            self.model.after_write(before, after, bulk=True)
        return count


class RecordedFact(models.Model):
    """Abstract base of every fact operations staff record."""

    # Path from this model to its engagement's id, and the fields that say
    # which month(s) a row belongs to (dates or instants).
    engagement_path: ClassVar[str | None] = "engagement_id"
    month_fields: ClassVar[tuple[str, ...]] = ("date",)

    # A subclass that swaps the manager writes `objects: ClassVar = ...`: to
    # mypy a manager is a class variable, and the plugin still infers its type.
    objects = FactQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, guarded (once per write), audited and month-marking."""
        cls, using = type(self), kwargs.get("using") or router.db_for_write(type(self), instance=self)
        scope = _scope.get()
        cleaned = scope is not None and id(self) in scope.cleaned
        if scope is not None:
            scope.cleaned.discard(id(self))
        # A scope of its own when the caller has none, so the checks below run once.
        with guards_run_once(using) if scope is None else _transaction(using):
            adding = self.pk is None or self._state.adding
            before = {} if adding else cls.objects.none()._snapshot([self.pk], lock=True)
            if not cleaned:
                # No full_clean in this scope: refuse a closed month before writing.
                cls.check_guards(cls.guarded_keys(*self.current_rows(before.get(self.pk), adding=adding)))
            # No savepoint: a refusal is raised before the write, and a database
            # error inside leaves the caller's transaction to roll back.
            with transaction.atomic(using=using, savepoint=False):
                super().save(*args, **kwargs)
                after = cls.objects.none()._snapshot([self.pk])
                # Within a scope, only months not checked yet (a row changed under us).
                cls.guard_rows(before, after)
                cls.after_write(before, after, bulk=False)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Delete, guarded (before anything is written) and audited."""
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with _transaction(using):
            before = type(self).objects.none()._snapshot([self.pk], lock=True)
            type(self).guard_rows(before, {})
            with transaction.atomic(using=using, savepoint=False):
                result = super().delete(*args, **kwargs)
                type(self).after_write(before, {}, bulk=False)
        return result

    @classmethod
    def audited_attnames(cls) -> list[str]:
        """Return the column names whose changes the audit trail keeps."""
        return [f.attname for f in cls._meta.concrete_fields if not f.primary_key]

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        """Return the (engagement, month) pairs a snapshot row belongs to."""
        engagement_id = row.get("_engagement")
        if engagement_id is None:
            return set()
        return {(engagement_id, month_of(row[name])) for name in cls.month_fields if row.get(name)}

    @classmethod
    def month_keys_of_rows(cls, rows: Iterable[dict[str, Any]]) -> set[MonthKey]:
        """Return the month pairs of snapshot rows, each distinct (engagement, instants) looked at once."""
        names = ("_engagement", *cls.month_fields)
        distinct = {tuple(row.get(name) for name in names) for row in rows}
        keys: set[MonthKey] = set()
        for values in distinct:
            keys |= cls.month_keys(dict(zip(names, values, strict=True)))
        return keys

    @classmethod
    def month_keys_of_objects(cls, objs: Sequence[Self]) -> set[MonthKey]:
        """Return the month pairs of unsaved objects (one query per batch)."""
        keys: set[MonthKey] = set()
        engagement_ids = cls.engagement_ids_of(objs)
        for obj, engagement_id in zip(objs, engagement_ids, strict=True):
            row = {name: getattr(obj, name) for name in cls.month_fields}
            keys |= cls.month_keys({**row, "_engagement": engagement_id})
        return keys

    @classmethod
    def engagement_ids_of(cls, objs: Sequence[Self]) -> list[int | None]:
        """Return each object's engagement id; models reached through a parent override this."""
        return [getattr(obj, "engagement_id", None) for obj in objs]

    @classmethod
    def check_guards(cls, rows_or_keys: Iterable[Any]) -> None:
        """Run every registered guard over the months these rows (or keys) touch."""
        keys: set[MonthKey] = set()
        for item in rows_or_keys:
            keys |= cls.month_keys(item) if isinstance(item, dict) else {item}
        scope = _scope.get()
        savepoints: tuple[str, ...] = ()
        if scope is not None:
            savepoints = tuple(transaction.get_connection(router.db_for_write(cls)).savepoint_ids)
            keys = {key for key in keys if not scope.holds((cls, key), savepoints)}
        if keys:
            for guard in _guards:
                guard(cls, keys)
            if scope is not None:
                scope.keys.update(dict.fromkeys(((cls, key) for key in keys), savepoints))

    @classmethod
    def guard_rows(cls, before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]]) -> None:
        """Run the guards over the months whose figures a write changes."""
        keys: set[MonthKey] = set()
        for pk in before.keys() | after.keys():
            keys |= cls.guarded_keys(before.get(pk), after.get(pk))
        cls.check_guards(keys)

    @classmethod
    def guarded_keys(cls, old: dict[str, Any] | None, new: dict[str, Any] | None) -> set[MonthKey]:
        """Return the months a change from `old` to `new` touches (None: created or deleted)."""
        if old is None or new is None:
            return cls.month_keys(old or new or {})
        changes = _diff(old, new)
        if not changes and old.get("_engagement") == new.get("_engagement"):
            return set()
        if len(cls.month_fields) < 2 or old.get("_engagement") != new.get("_engagement"):
            return cls.month_keys(old) | cls.month_keys(new)
        # A fact with several instants (a ticket opened in March, resolved in
        # April) touches the months of the instants that changed; any other
        # change belongs to the month of its first instant.
        primary, keys = cls.month_fields[0], set()
        for name in cls.month_fields:
            if name in changes or (name == primary and changes.keys() - set(cls.month_fields)):
                for row in (old, new):
                    if row.get(name) is not None and row.get("_engagement") is not None:
                        keys.add((row["_engagement"], month_of(row[name])))
        return keys

    def current_rows(
        self, saved: dict[str, Any] | None = None, *, adding: bool | None = None
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """Return this row as last saved (None if new) and as it is in memory.

        `saved` is the stored row when the caller has just read it (save() has).
        """
        cls = type(self)
        old = saved
        if adding is None:
            adding = self.pk is None or self._state.adding
        if old is None and not adding:
            old = cls.objects.none()._snapshot([self.pk]).get(self.pk)
        new = {name: getattr(self, name) for name in cls.audited_attnames()}
        new["_engagement"] = cls.engagement_ids_of([self])[0]
        if old is not None:
            # Extra snapshot columns (not fields) are carried over for month_keys overrides.
            new = {**{k: v for k, v in old.items() if k.startswith("_")}, **new}
        return old, new

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        """Validate, then refuse closed months as a form error rather than a crash at save time.

        Within guards_run_once() (validated_save) the months checked are
        remembered, so the save() that follows does not check them again.
        """
        super().full_clean(*args, **kwargs)
        keys = type(self).guarded_keys(*self.current_rows())
        try:
            self.check_guards(keys)
        except ValidationError as exc:
            raise ValidationError({NON_FIELD_ERRORS: exc.messages}) from exc
        scope = _scope.get()
        if scope is not None:
            scope.cleaned.add(id(self))

    @classmethod
    def after_write(cls, before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]], *, bulk: bool) -> None:
        """Hand the rows that changed to every write listener (the audit trail and month marks)."""
        changes: list[RowChange] = []
        for pk in before.keys() | after.keys():
            old, new = before.get(pk), after.get(pk)
            diff = _diff(old, new)
            if old is not None and new is not None and not diff:
                continue
            changes.append(RowChange(pk=pk, old=old, new=new, changes=diff))
        if not changes:
            return
        for listener in _listeners:
            listener(cls, changes, bulk)

    @classmethod
    def after_insert(
        cls, pks: Sequence[int], rows: Sequence[dict[str, Any]], *, written: Collection[WriteListener] = ()
    ) -> None:
        """Hand rows inserted from plain values to every write listener, set-based where it has a variant.

        `written` are the listeners whose part the INSERT statement itself wrote: only their `after` runs.
        """
        changes: list[RowChange] | None = None
        for listener in _listeners:
            if listener in written:
                _in_statement[listener].after(cls, pks, rows)
                continue
            on_insert = _on_insert.get(listener)
            if on_insert is not None:
                on_insert(cls, pks, rows)
                continue
            if changes is None:
                changes = [
                    RowChange(pk=pk, old=None, new=row, changes=_diff(None, row))
                    for pk, row in zip(pks, rows, strict=True)
                ]
            listener(cls, changes, True)

    @classmethod
    def describe_row(cls, row: dict[str, Any]) -> str:
        """Return a short label of a snapshot row for the audit trail."""
        label = row.get("name") or row.get("title")
        if not label:
            parts = [str(_jsonable(row[name])) for name in (*cls.month_fields, "hours") if row.get(name)]
            label = " ".join(parts) or f"#{row.get('id', '')}"
        return f"{cls._meta.verbose_name} {label}"


_INSERT_CHUNK = 1000


@functools.cache
def _stored_values(model: type[models.Model]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Return a function giving a row's values as the model's columns store them.

    Decimals at their columns' places; a column the row leaves out at its default.
    """
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    every = frozenset(names)
    quanta = [
        (name, _QUANTA[field.decimal_places])
        for name in names
        if isinstance(field := _column(model, name), models.DecimalField) and field.decimal_places is not None
    ]

    def as_stored(row: dict[str, Any]) -> dict[str, Any]:
        if row.keys() == every:  # a batch's rows carry exactly the columns: a copy is the cheapest dict
            values = row.copy()
        else:
            values = {name: row[name] if name in row else _column(model, name).get_default() for name in names}
        for name, quantum in quanta:
            value = values[name]
            if type(value) is Decimal and not value.same_quantum(quantum):
                values[name] = value.quantize(quantum)
        return values

    return as_stored


_QUANTA = [Decimal(1).scaleb(-places) for places in range(10)]


def _column(model: type[models.Model], attname: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(attname)
    assert isinstance(field, models.Field), f"{attname} is a column"
    return field


def _insert_values(
    model: type[RecordedFact], using: str, names: Sequence[str], rows: list[dict[str, Any]]
) -> tuple[list[int], set[WriteListener]]:
    """Insert the rows; return their ids in order, and the listeners whose part the statement wrote.

    PostgreSQL: one INSERT ... SELECT FROM unnest per chunk, which also runs the
    listeners' `in_statement` SQL over the rows it inserted.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        # Django's own bulk insert (SQLite returns the ids too), past the audited bulk_create: the caller audits.
        objs = [model(**{name: row[name] for name in names}) for row in rows]
        plain: models.QuerySet[Any] = models.QuerySet(model, using=using)
        plain.bulk_create(objs, batch_size=_INSERT_CHUNK)
        return [obj.pk for obj in objs], set()
    insert = _insert_sql(model, using, tuple(names))
    pks: list[int] = []
    written: set[WriteListener] = set()
    with array_cursor(using) as cursor:
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = rows[start : start + _INSERT_CHUNK]
            parts = _statement_parts(model)
            written = {listener for listener, _ in parts}
            # Each listener's statement reads the inserted rows; the ids come back in insertion order
            # (the identity column numbers the rows as the ORDER BY produces them).
            sql = f"WITH inserted AS ({insert} RETURNING *)"
            sql += "".join(f", w{i} AS ({part_sql})" for i, (_, (part_sql, _)) in enumerate(parts))
            sql += f" SELECT {connection.ops.quote_name(model._meta.pk.column)} FROM inserted ORDER BY 1"
            params = [[row[name] for row in chunk] for name in names]
            for _, (_, part_params) in parts:
                params += part_params
            cursor.execute(sql, params)
            pks += [pk for (pk,) in cursor.fetchall()]
    return pks, written


# Column types whose values psycopg adapts as array elements as Django would adapt them one by one.
_ARRAY_SAFE = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.CharField,
    models.TextField,
    models.DecimalField,
    models.DateField,
    models.DateTimeField,
)


def _update_values(model: type[models.Model], using: str, objs: Sequence[Any], names: list[str]) -> int | None:
    """Write the objects' values of these fields; return the rows updated, or None where Django must.

    Django's bulk_update builds a CASE WHEN per row and field (about 0.4 ms
    per row of Python for a time entry); on PostgreSQL this is one
    UPDATE ... FROM unnest(arrays) per 1,000 rows, each value prepared by its
    field as Django would. Another database, or a column type outside
    _ARRAY_SAFE, goes through Django's bulk_update.
    """
    connection = connections[using]
    fields = [_column(model, name) for name in names]
    columns = [model._meta.pk, *fields]
    types = [field.target_field if isinstance(field, models.ForeignKey) else field for field in columns]
    if connection.vendor != "postgresql" or not all(isinstance(field, _ARRAY_SAFE) for field in types):
        return None
    qn = connection.ops.quote_name
    arrays = ", ".join(f"%s::{str(field.db_type(connection)).split('(')[0]}[]" for field in types)
    aliases = [f"c{i}" for i in range(len(columns))]
    sql = (
        f"UPDATE {qn(model._meta.db_table)} AS t SET "
        + ", ".join(f"{qn(field.column)} = v.{alias}" for field, alias in zip(fields, aliases[1:], strict=True))
        + f" FROM unnest({arrays}) AS v({', '.join(aliases)}) WHERE t.{qn(model._meta.pk.column)} = v.c0"
    )
    count = 0
    with array_cursor(using) as cursor:
        for start in range(0, len(objs), _INSERT_CHUNK):
            chunk = objs[start : start + _INSERT_CHUNK]
            params = [
                [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in chunk] for field in columns
            ]
            cursor.execute(sql, params)
            count += cursor.rowcount
    return count


def _statement_parts(model: type[RecordedFact]) -> list[tuple[WriteListener, tuple[str, list[Any]]]]:
    """Return the listeners' SQL for an INSERT of this model, each with its parameters (taken now)."""
    parts = []
    for listener in _listeners:
        in_statement = _in_statement.get(listener)
        part = in_statement.sql(model) if in_statement is not None else None
        if part is not None:
            parts.append((listener, part))
    return parts


@functools.cache
def _insert_sql(model: type[models.Model], using: str, names: tuple[str, ...]) -> str:
    """Return the INSERT ... SELECT FROM unnest(arrays) of a model's rows, in the arrays' order."""
    connection = connections[using]
    fields = [_column(model, name) for name in names]
    fields = [field.target_field if isinstance(field, models.ForeignKey) else field for field in fields]
    # Array types without their modifiers (varchar(50)[] would truncate): the table's own types check the values.
    # Binary arrays where psycopg dumps them fastest (numbers, dates, text); decimals as text (faster there).
    arrays = ", ".join(
        f"{'%t' if isinstance(field, models.DecimalField) else '%b'}::{str(field.db_type(connection)).split('(')[0]}[]"
        for field in fields
    )
    qn = connection.ops.quote_name
    # WITH ORDINALITY and ORDER BY fix the insertion order, and so the order of the ids, to the batch's.
    return (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(n) for n in names)}) "
        f"SELECT {', '.join(f'v.c{i}' for i in range(len(names)))} "
        f"FROM unnest({arrays}) WITH ORDINALITY AS v({', '.join(f'c{i}' for i in range(len(names)))}, n) "
        f"ORDER BY v.n"
    )


def created(pk: int, row: dict[str, Any]) -> RowChange:
    """Return the change of a row created with these (snapshot) values."""
    return RowChange(pk=pk, old=None, new=row, changes=_diff(None, row))


def _diff(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, list[Any]]:
    """Return {field: [before, after]} for the columns that differ."""
    if old is None or new is None:
        # Created or deleted: every column, from or to nothing.
        row = old if new is None else new
        if row is None:
            return {}
        side = 0 if new is None else 1
        return {
            name: [_jsonable(value), None] if side == 0 else [None, _jsonable(value)]
            for name, value in row.items()
            if not name.startswith("_")
        }
    names = old.keys()
    changes = {}
    for name in names:
        if name.startswith("_"):
            continue
        before = _jsonable(old.get(name)) if old else None
        after = _jsonable(new.get(name)) if new else None
        if old is None or new is None or before != after:
            changes[name] = [before, after]
    return changes
