"""Who is acting right now: the request's user, an import, a task.

A context variable rather than thread-locals, so it is right under threads,
async views and Celery workers alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
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


@contextlib.contextmanager
def acting_as(user: Any = None, label: str = "") -> Iterator[Actor]:
    """Attribute writes inside the block to a user and/or a label."""
    user_id = getattr(user, "pk", None) if user is not None and getattr(user, "is_authenticated", False) else None
    token = _current.set(Actor(user_id=user_id, label=label))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


class AuditActorMiddleware:
    """Attribute every write made while serving a request to its user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # request.user is lazy: token-authenticated API users are resolved by
        # DRF later, so the API's views set the actor themselves as well.
        with acting_as(getattr(request, "user", None), label=f"web {request.method} {request.path}"[:200]):
            return self.get_response(request)
