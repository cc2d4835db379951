"""Who is acting right now: the request's user, an import, a task.

A context variable rather than thread-locals, so it is right under threads,
async views and Celery workers alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Actor:
    """The user (if any) and a label for what is writing."""

    user_id: int | None = None
    label: str = ""


_current: ContextVar[Actor] = ContextVar("audit_actor", default=Actor(label="system"))


def current_actor() -> Actor:
    """Return the actor of the current context."""
    return _current.get()


def acting_as(user: Any = None, label: str = "") -> contextlib.AbstractContextManager[Actor]:
    """Attribute writes inside the block to a user and/or a label."""
    user_id = getattr(user, "pk", None) if user is not None and getattr(user, "is_authenticated", False) else None
    return _ActingAs(Actor(user_id=user_id, label=label))


class _ActingAs:
    """The block of acting_as: sets the actor on entry, restores the previous one on exit.

    A class, not a @contextmanager generator: a block left open (a view whose
    error escapes before it exits the block) is then dropped by the garbage
    collector without running anything. An open generator would be closed by
    the collector instead, and its `finally` would reset the actor at whatever
    moment the collector ran: in another request, or inside a ContextVar.set,
    which crashes CPython 3.11 (python/cpython#148891).
    """

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._token: Token[Actor] | None = None

    def __enter__(self) -> Actor:
        self._token = _current.set(self.actor)
        return self.actor

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None


class AuditActorMiddleware:
    """Attribute every write made while serving a request to its user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # request.user is lazy: token-authenticated API users are resolved by
        # DRF later, so the API's views set the actor themselves as well.
        with acting_as(getattr(request, "user", None), label=f"web {request.method} {request.path}"[:200]):
            return self.get_response(request)
