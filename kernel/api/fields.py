"""Serializer fields that refuse what would crash or mislead: ids past bigint, years past 2199, bad months."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.validators import UniqueValidator
from rest_framework.views import APIView

from kernel import months

if TYPE_CHECKING:
    # The stubs' name for what `permission_classes` holds (classes, or `&`/`|` compositions).

    # What the mixins below are mixed into, so that mypy checks their super() calls and view methods.
    _APIView = APIView
    _GenericAPIView = GenericAPIView
else:
    _APIView = _GenericAPIView = object


# The largest id a bigint column holds: bigger ids are "not found", never a crash.
MAX_ID = 2**63 - 1
# Dates and instants outside these years are typing mistakes, and month
# arithmetic over millennia would mark thousands of months for recompute.
MIN_YEAR, MAX_YEAR = months.MIN_YEAR, months.MAX_YEAR
# A batch beyond this is refused: send several batches instead.
MAX_BATCH = 5_000


# A currency as the schema states it (the services also require a known ISO 4217 code).
CURRENCY_PATTERN = r"^\s*[A-Za-z]{3}\s*$"
CURRENCY_FIELD = {
    "validators": [RegexValidator(CURRENCY_PATTERN, "Enter a currency as its 3-letter ISO 4217 code (e.g. USD, EUR).")]
}


def bounded(minimum: Any, maximum: Any, message: str) -> dict[str, Any]:
    """Return a number field's serializer kwargs for a model rule's range, answered with the rule's own message.

    The bounds reach the schema (drf-spectacular reads min_value/max_value).
    """
    return {
        "min_value": minimum,
        "max_value": maximum,
        "error_messages": {"min_value": message, "max_value": message},
    }


def _offset(instant: dt.datetime) -> str:
    """Return an instant's UTC offset as ISO 8601 writes it (-05:00)."""
    text = f"{instant:%z}"
    return f"{text[:3]}:{text[3:5]}"


def _check_year(value: dt.date) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise serializers.ValidationError(f"Enter a date between the years {MIN_YEAR} and {MAX_YEAR}.")


class SaneDateField(serializers.DateField):
    """A date within sane years."""

    def to_internal_value(self, value: Any) -> dt.date:
        result = super().to_internal_value(value)
        _check_year(result)
        return result


class SaneDateTimeField(serializers.DateTimeField):
    """An instant within sane years; a string without offset is in the organisation's zone.

    A local time the zone's clocks skip (a DST gap) or show twice (a fold) is
    refused: only an offset says which instant was meant.
    """

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is not None or not settings.USE_TZ:
            return super().enforce_timezone(value)
        tz = timezone.get_current_timezone()
        earlier = value.replace(tzinfo=tz, fold=0)
        later = value.replace(tzinfo=tz, fold=1)
        if earlier.utcoffset() != later.utcoffset():
            offsets = " or ".join(sorted({_offset(earlier), _offset(later)}))
            local = f"{value:%Y-%m-%dT%H:%M}"
            if earlier.astimezone(dt.UTC) < later.astimezone(dt.UTC):
                raise serializers.ValidationError(
                    f"{local} happens twice in {tz} (the clocks go back): send it with its offset, {offsets}."
                )
            raise serializers.ValidationError(
                f"{local} does not exist in {tz} (the clocks skip it): send the time with its offset."
            )
        return super().enforce_timezone(months.wall_to_utc(value.date(), value.time(), tz))

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            result = super().to_internal_value(value)
        except OverflowError:
            self.fail("invalid", format="an ISO 8601 timestamp")
        _check_year(result)
        return result


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-04"})
class MonthField(serializers.Field):
    """A month written `YYYY-MM`, held as the first day of the month."""

    default_error_messages = {"invalid": "Enter a month as YYYY-MM."}

    def to_internal_value(self, data: Any) -> dt.date:
        month = months.parse_month(str(data), any_year=True)
        if month is None:
            self.fail("invalid")
        _check_year(month)
        return month

    def to_representation(self, value: dt.date | str) -> str:
        return value[:7] if isinstance(value, str) else months.month_iso(value)


def parse_month(raw: str) -> dt.date:
    """Return the first day of a `YYYY-MM` month, or raise a 400."""
    try:
        return MonthField().to_internal_value(raw)
    except serializers.ValidationError as exc:
        raise ValidationError({"month": exc.detail}) from None


class BatchPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key by id, looked up once for a whole batch (one query, not one per row)."""

    default_error_messages = {
        "required": "This field is required.",
        "does_not_exist": "No {model} has id {pk_value}.",
        "incorrect_type": "Send the id as a number, not as {data_type}.",
    }

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        # DRF's words name neither the thing looked for nor what to send ('Invalid pk "9" - object does not exist.').
        queryset = self.queryset
        kwargs.setdefault("model", queryset.model._meta.verbose_name if queryset is not None else "object")
        super().fail(key, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < pk <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        found = self._batch().get(pk)
        if found is None:
            self.fail("does_not_exist", pk_value=data)
        return found

    def _batch(self) -> dict[int, Any]:
        """Load every id of this field in the request's rows at once; cache it in the context."""
        cache = self.context.setdefault("_batch_fk", {})
        key = (id(self.parent.__class__), self.field_name)
        if key not in cache:
            rows = getattr(self.root, "initial_data", None)
            rows = rows if isinstance(rows, list) else [rows]
            ids = set()
            for row in rows:
                raw = row.get(self.field_name) if isinstance(row, dict) else None
                if type(raw) is int:  # most rows: a plain id
                    if 0 < raw <= MAX_ID:
                        ids.add(raw)
                    continue
                # Only what to_internal_value would look up: ints and digit strings.
                if isinstance(raw, bool) or not isinstance(raw, int | str):
                    continue
                with contextlib.suppress(ValueError):
                    if 0 < (pk := int(raw)) <= MAX_ID:
                        ids.add(pk)
            queryset = self.get_queryset()
            assert queryset is not None, "a writable related field has a queryset"
            cache[key] = queryset.in_bulk(ids) if ids else {}
        return cache[key]


class StrictFieldsMixin:
    """Refuse a field the serializer does not know (a typo, or a field of another resource) with a 400 naming it.

    Read-only fields may be sent back exactly as they were read (a GET, edited, PUT
    back): they are ignored. Sent with another value, or on a create, they are
    refused, since the client believes it sets something it cannot. The schema
    marks these objects `additionalProperties: false`.
    """

    refuse_unknown_fields = True

    def to_internal_value(self, data: Any) -> Any:
        known = getattr(self, "fields", {})
        unknown = sorted(str(name) for name in data if name not in known) if isinstance(data, Mapping) else []
        errors: dict[str, Any] = {
            name: ["This field is not known here: remove it (see the schema for the fields)."] for name in unknown
        }
        if isinstance(data, Mapping):
            errors |= {name: [READ_ONLY_MESSAGE] for name in self._read_only_changed(data, known)}
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except ValidationError as exc:
            if not errors:
                raise
            if isinstance(exc.detail, dict):
                errors = {**exc.detail, **errors}
            raise ValidationError(errors) from None
        if errors:
            raise ValidationError(errors)
        return value

    def _read_only_changed(self, data: Mapping[str, Any], known: Mapping[str, Any]) -> list[str]:
        """Return the read-only fields sent with a value other than the stored one (any value on a create)."""
        instance = getattr(self, "instance", None)
        if isinstance(instance, list | tuple) or getattr(self, "many", False):
            instance = None
        changed = []
        for name in data:
            field = known.get(name)
            if field is None or not field.read_only:
                continue
            if instance is None or not _same(field, instance, data[name]):
                changed.append(str(name))
        return sorted(changed)


READ_ONLY_MESSAGE = "This field is read-only: leave it out (or send it back unchanged)."


def _same(field: serializers.Field, instance: Any, sent: Any) -> bool:
    """Return whether a read-only field was sent back as the API shows it for the instance."""
    try:
        shown = field.to_representation(field.get_attribute(instance))
    except (AttributeError, KeyError, TypeError, ValueError):
        return False
    return shown == sent or str(shown) == str(sent)


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    """A plain serializer (a request's or a nested object's fields) that refuses unknown fields."""


class ResourceSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Base serializer: shapes data only; uniqueness and every other rule is the services' (full_clean)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: SaneDateField,
        models.DateTimeField: SaneDateTimeField,
    }
    serializer_related_field = BatchPrimaryKeyRelatedField

    def get_validators(self) -> list[Any]:
        return []

    def build_field(self, field_name: str, info: Any, model_class: Any, nested_depth: int) -> Any:
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        # The model's rules answer uniqueness (one query per batch, with their own messages).
        if "validators" in kwargs:
            kwargs["validators"] = [v for v in kwargs["validators"] if not isinstance(v, UniqueValidator)]
        return field_class, kwargs
