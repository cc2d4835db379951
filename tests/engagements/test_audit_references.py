"""The audit trail's references to users and content types hold without per-row foreign key checks (migration 0012).

On PostgreSQL the foreign key constraints are gone and statement triggers
keep their rules; SQLite keeps its foreign keys (checked at commit) and row
triggers refuse a missing reference at the statement, as PostgreSQL does:

- an audit row naming a missing user or content type is refused, inserted or
  updated, in a batch as alone; a valid batch passes;
- deleting a user sets its audit rows' actor to NULL and names the user in
  their label ("ravi (deleted user)"), with raw SQL as through the ORM; deleting or renumbering a content type (or user) audit rows name is
  refused;
- on PostgreSQL a delete of a user waits for a transaction writing audit rows
  that name it, as it waited for the foreign key's lock, and an audit row
  written while its user is being deleted is refused once the delete commits.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Max, Model

from engagements.models import AuditAction, AuditLog
from tests.factories import UserFactory
from tests.races import skip_unless_postgresql

User = get_user_model()


def _row(actor_id: int | None, content_type_id: int, object_id: int = 1) -> AuditLog:
    return AuditLog(
        actor_id=actor_id,
        content_type_id=content_type_id,
        action=AuditAction.CREATE,
        object_id=object_id,
        object_repr="entry",
    )


def _missing_id(model: type[Model]) -> int:
    return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1000


def _raw(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


@pytest.fixture
def content_type(db: Any) -> ContentType:
    """A content type only audit rows name: no permission's foreign key refuses its delete for them."""
    return ContentType.objects.create(app_label="audit_references", model="thing")


@pytest.fixture
def user(db: Any) -> Any:
    return UserFactory()


# --- a missing reference is refused, on both databases --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("field, model", [("actor_id", User), ("content_type_id", ContentType)])
def test_an_audit_row_naming_a_missing_user_or_content_type_is_not_inserted(
    field: str, model: type[Model], user: Any, content_type: ContentType
) -> None:
    row = _row(user.pk, content_type.pk)
    setattr(row, field, _missing_id(model))
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
    assert not AuditLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field, model", [("actor_id", User), ("content_type_id", ContentType)])
def test_an_audit_row_cannot_be_changed_to_name_a_missing_user_or_content_type(
    field: str, model: type[Model], user: Any, content_type: ContentType
) -> None:
    row = AuditLog.objects.bulk_create([_row(user.pk, content_type.pk)])[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).update(**{field: _missing_id(model)})
    row.refresh_from_db()
    assert (row.actor_id, row.content_type_id) == (user.pk, content_type.pk)


@pytest.mark.django_db
def test_a_batch_of_valid_audit_rows_is_stored_and_one_missing_user_refuses_the_whole_batch(
    user: Any, content_type: ContentType
) -> None:
    other = UserFactory()
    types = [content_type.pk, ContentType.objects.get_for_model(AuditLog).pk]
    batch = [_row((user.pk, other.pk, None)[i % 3], types[i % 2], object_id=i) for i in range(300)]
    AuditLog.objects.bulk_create(batch)
    assert AuditLog.objects.count() == 300

    batch = [_row(user.pk, content_type.pk, object_id=i) for i in range(300)]
    batch[150].actor_id = _missing_id(User)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditLog.objects.bulk_create(batch)
    assert AuditLog.objects.count() == 300


# --- the referenced side ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_raw_delete_of_a_user_sets_its_audit_rows_actor_to_null(user: Any, content_type: ContentType) -> None:
    other = UserFactory()
    AuditLog.objects.bulk_create([_row(actor, content_type.pk) for actor in (user.pk, other.pk, user.pk)])
    _raw("DELETE FROM auth_user WHERE id = %s", user.pk)
    assert list(AuditLog.objects.order_by("id").values_list("actor_id", flat=True)) == [None, other.pk, None]


@pytest.mark.django_db
def test_deleting_a_user_through_the_orm_keeps_its_audit_rows_without_an_actor(
    user: Any, content_type: ContentType
) -> None:
    row = AuditLog.objects.bulk_create([_row(user.pk, content_type.pk)])[0]
    user.delete()
    row.refresh_from_db()
    assert row.actor_id is None


@pytest.mark.django_db
def test_a_deleted_users_audit_rows_still_name_them_however_the_user_is_deleted(content_type: ContentType) -> None:
    raw, orm, kept = UserFactory(username="ravi"), UserFactory(username="olga"), UserFactory(username="kim")
    AuditLog.objects.bulk_create(
        [_row(actor.pk, content_type.pk, object_id=n) for n, actor in enumerate((raw, orm, kept))]
    )
    AuditLog.objects.filter(actor=orm).update(actor_label="web POST /admin/engagements/vendor/add/")
    _raw("DELETE FROM auth_user WHERE id = %s", raw.pk)
    orm.delete()
    rows = AuditLog.objects.order_by("object_id").values_list("actor_id", "actor_label")
    assert list(rows) == [(None, "ravi (deleted user)"), (None, "olga (deleted user)"), (kept.pk, "")]


# Refused at the statement on PostgreSQL, at commit on SQLite (its foreign keys): committed for real.
@pytest.mark.django_db(transaction=True)
def test_a_raw_delete_of_a_content_type_audit_rows_name_is_refused(content_type: ContentType) -> None:
    AuditLog.objects.bulk_create([_row(None, content_type.pk)])
    unnamed = ContentType.objects.create(app_label="audit_references", model="unnamed")
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw("DELETE FROM django_content_type WHERE id = %s", content_type.pk)
    _raw("DELETE FROM django_content_type WHERE id = %s", unnamed.pk)
    assert list(ContentType.objects.filter(app_label="audit_references")) == [content_type]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("table", ["auth_user", "django_content_type"])
def test_changing_the_id_of_a_user_or_content_type_audit_rows_name_is_refused(
    table: str, user: Any, content_type: ContentType
) -> None:
    AuditLog.objects.bulk_create([_row(user.pk, content_type.pk)])
    named = user.pk if table == "auth_user" else content_type.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw(f"UPDATE {table} SET id = %s WHERE id = %s", named + 1000, named)
    assert AuditLog.objects.filter(actor_id=user.pk, content_type_id=content_type.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["auth_user", "django_content_type"])
def test_postgresql_truncating_users_or_content_types_audit_rows_name_is_refused(
    table: str, user: Any, content_type: ContentType
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE of every row is covered by the foreign keys)")
    AuditLog.objects.bulk_create([_row(user.pk, content_type.pk)])
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw(f"TRUNCATE {table} CASCADE")
    assert User.objects.filter(pk=user.pk).exists()


# --- concurrent transactions, PostgreSQL only -------------------------------------------------------


def _in_thread(target: Any) -> tuple[threading.Thread, list[BaseException]]:
    """Start target on a thread of its own (its own connection, closed at the end); collect what it raises."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 -- handed back to the test, which asserts on it
            raised.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, raised


@pytest.mark.django_db(transaction=True)
def test_postgresql_deleting_a_user_waits_for_a_transaction_writing_audit_rows_naming_it(
    user: Any, content_type: ContentType
) -> None:
    skip_unless_postgresql()
    written, release = threading.Event(), threading.Event()

    def write_and_hold() -> None:
        with transaction.atomic():
            AuditLog.objects.bulk_create([_row(user.pk, content_type.pk)])
            written.set()
            release.wait(10)

    writer, raised = _in_thread(write_and_hold)
    assert written.wait(10)
    try:
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            _raw("SET LOCAL lock_timeout = '200ms'")
            _raw("DELETE FROM auth_user WHERE id = %s", user.pk)
    finally:
        release.set()
        writer.join(10)
    assert raised == []
    _raw("DELETE FROM auth_user WHERE id = %s", user.pk)
    assert list(AuditLog.objects.values_list("actor_id", flat=True)) == [None]


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock')"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_postgresql_an_audit_row_written_while_its_user_is_being_deleted_is_refused_once_the_delete_commits(
    user: Any, content_type: ContentType
) -> None:
    skip_unless_postgresql()

    def write() -> None:
        AuditLog.objects.bulk_create([_row(user.pk, content_type.pk)])

    with transaction.atomic():
        _raw("DELETE FROM auth_user WHERE id = %s", user.pk)
        writer, raised = _in_thread(write)
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert writer.is_alive(), "the audit row's check did not wait for the delete"
    writer.join(10)
    assert [type(exc) for exc in raised] == [IntegrityError]
    assert not AuditLog.objects.exists()
