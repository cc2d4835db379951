"""What every named service writes through: validation, the allow-listed assign, database rule messages."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, models, transaction

from kernel.facts import guards_run_once

M = TypeVar("M", bound=models.Model)
P = ParamSpec("P")
R = TypeVar("R")
_in_service: ContextVar[bool] = ContextVar("in_service", default=False)

# Rules the database enforces (triggers, checks) and the field and message a
# person sees when one fires in a race the service lost. Each app registers
# its own in ready(), with the message constant its model's check uses.
DATABASE_RULES: dict[str, tuple[str, str]] = {}


def atomic_service(func: Callable[P, R]) -> Callable[P, R]:
    """Run a named service atomically: in a transaction, with a savepoint only where one is of use.

    Called by a non-service caller inside a transaction (a view, an admin
    action, a test), the service gets a savepoint, so the caller may catch its
    error and carry on. Called by another service, it joins that service's
    block without one: the error goes up to it, and a service that catches a
    nested service's error (the week timesheet) opens its own savepoint.
    """

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        nested = _in_service.get()
        token = _in_service.set(True)
        try:
            with transaction.atomic(savepoint=not nested):
                return func(*args, **kwargs)
        finally:
            _in_service.reset(token)

    return run


def register_database_rule(name: str, field: str, message: str) -> None:
    """Let another app translate its own trigger or constraint name into a field message."""
    DATABASE_RULES[name] = (field, message)


def translate_database_error(exc: DatabaseError) -> ValidationError | None:
    """Return the field error a known rule name in a database error stands for."""
    text = str(exc)
    for name, (field, message) in DATABASE_RULES.items():
        if name in text:
            return ValidationError({field: message})
    return None


def assign(instance: models.Model, fields: Mapping[str, object], *, allowed: Iterable[str]) -> None:
    """Set an instance's fields to new values; a name outside `allowed` is a programming error.

    The allow-list is each entity's own (its update service names it): computed
    columns and keys a service sets itself cannot be reached through **fields.
    """
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"cannot set {', '.join(sorted(unknown))} on {type(instance).__name__}")
    for name, value in fields.items():
        setattr(instance, name, value)


@dataclass(frozen=True)
class WriteServices:
    """The named services that create, change and delete one entity: what the admin and the API call.

    `instance` is the keyword under which update and delete take the row
    (`time_entry_update(entry=...)`). None for a verb the entity does not offer.
    """

    create: Callable[..., Any] | None
    update: Callable[..., Any] | None
    delete: Callable[..., Any] | None
    instance: str


def validated_save(instance: M, *, exclude: list[str] | None = None) -> M:
    """Run every model rule (`full_clean`), then save; database rule errors become field errors.

    Both run in one transaction (the caller's, else one of their own) and the
    write guards run once; no savepoint: the services that call this are atomic,
    and a refused write is refused before anything is written.
    """
    with guards_run_once():
        instance.full_clean(exclude=exclude)
        try:
            instance.save()
        except (IntegrityError, DatabaseError) as exc:
            error = translate_database_error(exc)
            if error is None:
                raise
            raise error from exc
    return instance


def validated_delete(instance: models.Model) -> None:
    """Delete one instance; a protected reference becomes a readable error."""
    try:
        # A savepoint: the admin reports the refusal and carries on in its transaction.
        with transaction.atomic():
            instance.delete()
    except models.ProtectedError as exc:
        names = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ValidationError(f"{instance} cannot be deleted while it has {', '.join(names)}.") from exc
