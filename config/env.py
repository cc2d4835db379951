"""Read configuration from the environment, failing loudly on what is missing.

Production differs from development only through these variables; every one
of them is listed in `.env.example` and the README.
"""

from __future__ import annotations

import enum
import os
from typing import Final

from django.core.exceptions import ImproperlyConfigured

_TRUE: Final = {"1", "true", "yes", "on"}
_FALSE: Final = {"0", "false", "no", "off", ""}


class _Missing(enum.Enum):
    """The type of the no-default marker (an enum, so that mypy can tell it from a value)."""

    MISSING = enum.auto()


_MISSING: Final = _Missing.MISSING


def env_str(name: str, default: str | _Missing = _MISSING) -> str:
    """Return a variable's value, or its default; raise when required and unset."""
    value = os.environ.get(name)
    if value is not None:
        return value
    if default is _MISSING:
        raise ImproperlyConfigured(f"Set the {name} environment variable (see .env.example).")
    return default


def env_bool(name: str, default: bool) -> bool:
    """Return a yes/no variable; reject anything that is neither."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_list(name: str, default: list[str] | _Missing = _MISSING) -> list[str]:
    """Return a comma-separated variable as a list of non-empty items."""
    raw = env_str(name, default=_MISSING if default is _MISSING else ",".join(default))
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    """Return an integer variable."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}.") from exc


# The placeholder of .env.example and the development key: never a production secret.
EXAMPLE_SECRET_KEYS: Final = frozenset(
    {
        "change-me-to-a-long-random-string-of-50-characters-or-more",
        "insecure-development-key-do-not-use-in-production",
    }
)
SECRET_KEY_MIN_LENGTH: Final = 50
SECRET_KEY_MIN_DISTINCT: Final = 5


def check_secret_key(key: str) -> None:
    """Refuse a production SECRET_KEY that is an example value, short, or of little variety."""
    hint = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    if key in EXAMPLE_SECRET_KEYS:
        raise ImproperlyConfigured(f"SECRET_KEY is the example value; {hint}.")
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters long; {hint}.")
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        raise ImproperlyConfigured(
            f"SECRET_KEY must have at least {SECRET_KEY_MIN_DISTINCT} distinct characters; {hint}."
        )
