"""Extension points of engagements' admin pages: an app above adds its inlines without re-registering an admin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.admin import ModelAdmin
from django.contrib.admin.options import InlineModelAdmin
from django.db import models
from django.http import HttpRequest


@dataclass(frozen=True)
class ExtraInline:
    """An inline another app adds to a model's page; `shown(obj)` (obj None on the add page) may hide it."""

    inline: type[InlineModelAdmin[Any, Any]]
    shown: Callable[[Any], bool] | None = None

    def shows_on(self, obj: Any) -> bool:
        """Tell whether the inline appears on the page of `obj`."""
        return self.shown is None or self.shown(obj)


if TYPE_CHECKING:
    # What the mixin is mixed into, so that mypy checks its super() call.
    _ModelAdmin = ModelAdmin[Any]
else:
    _ModelAdmin = object

_EXTRA_INLINES: dict[type[models.Model], list[ExtraInline]] = {}


def add_inline(
    model: type[models.Model],
    inline: type[InlineModelAdmin[Any, Any]],
    *,
    shown: Callable[[Any], bool] | None = None,
) -> None:
    """Add an inline to the admin page of one of engagements' models (once, however often it is called)."""
    extras = _EXTRA_INLINES.setdefault(model, [])
    if all(extra.inline is not inline for extra in extras):
        extras.append(ExtraInline(inline, shown))


def extra_inlines(model: type[models.Model]) -> list[ExtraInline]:
    """Return the inlines other apps added to the model's page, in the order they were added."""
    return list(_EXTRA_INLINES.get(model, ()))


class ExtensibleAdmin(_ModelAdmin):
    """A ModelAdmin mixin whose page shows its own inlines, then the ones other apps added."""

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[InlineModelAdmin[Any, Any]]]:
        own = list(super().get_inlines(request, obj))
        return own + [extra.inline for extra in extra_inlines(self.model) if extra.shows_on(obj)]
