"""Unambiguous pickers: a related row is labelled with its parent wherever it is chosen.

Names repeat across engagements ("Compute platform" is a service of two
engagements), so a dropdown or autocomplete that shows only the name lets
people pick the wrong one. Each app registers how its rows are labelled
(`register_picker_label`); every admin form built on these bases
(PickerLabelsMixin) and the admin's autocomplete answers use those labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponseBase

from engagements.models import Contractor, Person


@dataclass(frozen=True)
class PickerLabel:
    """How rows of a model are labelled in pickers, and the joins the label reads (fetched up front)."""

    label: Callable[[Any], str]
    related: tuple[str, ...] = ()


_LABELS: dict[type[models.Model], PickerLabel] = {}


def register_picker_label(model: type[models.Model], label: Callable[[Any], str], *related: str) -> None:
    """Label the model's rows in every picker with `label(obj)`, selecting `related` with them."""
    _LABELS[model] = PickerLabel(label, related)


def picker_label(obj: models.Model) -> str:
    """Return the label a row carries in pickers (its str() unless its app registered one)."""
    entry = _LABELS.get(type(obj)._meta.concrete_model or type(obj))
    return entry.label(obj) if entry else str(obj)


def with_parents(queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """Select the rows a picker label reads along with the choices (one query for the whole list)."""
    entry = _LABELS.get(queryset.model)
    return queryset.select_related(*entry.related) if entry and entry.related else queryset


def labelled(field: Any) -> Any:
    """Make a model choice field label its choices with picker labels."""
    if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
        field.queryset = with_parents(field.queryset)
        field.label_from_instance = picker_label  # type: ignore[method-assign]
    return field


if TYPE_CHECKING:
    _BaseModelAdmin = admin.options.BaseModelAdmin[Any]
else:
    _BaseModelAdmin = object


class PickerLabelsMixin(_BaseModelAdmin):
    """A ModelAdmin or inline whose related-object choices show their parent."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return labelled(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return labelled(super().formfield_for_manytomany(db_field, request, **kwargs))

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # Prefill links (?engagement=8) come from pages and people; a stale or edited one ("abc", an id past
        # bigint) would reach the picker's query and crash the add page, so an invalid id is dropped instead.
        # Inlines (BaseModelAdmin) never reach here; the ModelAdmins mixing this in have the method.
        initial: dict[str, Any] = super().get_changeform_initial_data(request)  # type: ignore[misc]
        return {name: value for name, value in initial.items() if valid_initial(self.model, name, value)}


class PickerAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete answers, labelled like the dropdowns."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return with_parents(super().get_queryset())

    def serialize_result(self, obj: models.Model, to_field_name: str) -> dict[str, Any]:
        # Django's own answer is {"id": ..., "text": str(obj)} (the stubs do not know the method).
        return {"id": str(getattr(obj, to_field_name)), "text": picker_label(obj)}


def valid_initial(model: type[models.Model], name: str, value: Any) -> bool:
    """Say whether a query-string initial value of a related field names ids its picker can look up."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return True
    target = getattr(field, "target_field", None) if isinstance(field, models.Field) and field.is_relation else None
    if target is None:
        return True
    values = value if isinstance(value, list) else str(value).split(",") if field.many_to_many else [value]
    try:
        for raw in values:
            target.run_validators(target.to_python(raw))
    except ValidationError:
        return False
    return True


def autocomplete_view(request: HttpRequest) -> HttpResponseBase:
    return PickerAutocompleteJsonView.as_view(admin_site=admin.site)(request)


# The autocomplete view is the site's, not a ModelAdmin's: the default site takes ours
# (its URLs are built after the admin modules load, so this is in place before any request).
admin.site.autocomplete_view = autocomplete_view  # type: ignore[method-assign,assignment]


def _contractor(contractor: Contractor) -> str:
    return f"{contractor.name} - {contractor.engagement.name}"


def _person(person: Person) -> str:
    return f"{person.name} <{person.email}>" if person.email else person.name


register_picker_label(Contractor, _contractor, "engagement")
register_picker_label(Person, _person)
