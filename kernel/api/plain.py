"""A batch's plainly valid rows, validated as plain data; the serializer answers for every other row.

DRF validates a row through a dozen calls per field (run_validation,
validators, error wrapping): for a list POST of a thousand time entries that
is most of the request. Most rows of a batch are plainly valid: an id, an
ISO date, a number as text, short strings. Those are checked here in a few
comparisons per field, and give exactly what the serializer would have given
(the tests compare the two on generated rows). A row that is not plainly valid
(a missing field, an unknown one, a type to convert, text to trim, a value
out of range) goes through the serializer, which refuses it or converts it
with its own messages. A serializer with a field this module does not know,
or with validation of its own (`validate`, `validate_<field>`), is left to DRF
entirely.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import validators as django_validators
from rest_framework import ISO_8601, serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from kernel.api.fields import (
    MAX_ID,
    MAX_YEAR,
    MIN_YEAR,
    BatchPrimaryKeyRelatedField,
    SaneDateField,
    StrictFieldsMixin,
)

# What a converter returns for a value that is not plainly valid (None is a value).
NOT_PLAIN = object()
Converter = Callable[[Any], Any]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_NUMBER = re.compile(r"-?\d{1,20}(?:\.\d{1,20})?")
# The validators DRF's own fields add, which the converters below check themselves.
_KNOWN_VALIDATORS = (
    django_validators.MaxLengthValidator,
    django_validators.MinLengthValidator,
    django_validators.ProhibitNullCharactersValidator,
    django_validators.MaxValueValidator,
    django_validators.MinValueValidator,
    ProhibitSurrogateCharactersValidator,
)


def _related(field: BatchPrimaryKeyRelatedField) -> Converter:
    found: dict[int, Any] | None = None  # the batch's rows, loaded at the first use (one query)

    def convert(value: Any) -> Any:
        nonlocal found
        if type(value) is not int or not 0 < value <= MAX_ID:
            return NOT_PLAIN
        if found is None:
            found = field._batch()
        return found.get(value, NOT_PLAIN)

    return convert


def _date(field: SaneDateField) -> Converter:
    formats = getattr(field, "input_formats", api_settings.DATE_INPUT_FORMATS)
    if list(formats) != [ISO_8601]:
        raise LookupError("a date field with input formats of its own")

    def convert(value: Any) -> Any:
        if type(value) is not str or len(value) != 10 or not _ISO_DATE.fullmatch(value):
            return NOT_PLAIN
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return NOT_PLAIN
        return day if MIN_YEAR <= day.year <= MAX_YEAR else NOT_PLAIN

    return _remembered(convert)


def _decimal(field: serializers.DecimalField) -> Converter:
    if field.max_digits is None or field.decimal_places is None or field.localize:
        raise LookupError("a decimal field without fixed digits")
    places, whole = field.decimal_places, field.max_digits - field.decimal_places
    quantum, below = Decimal(1).scaleb(-places), Decimal(10) ** whole
    low, high = field.min_value, field.max_value

    def convert(value: Any) -> Any:
        if type(value) is str:
            if not _PLAIN_NUMBER.fullmatch(value):
                return NOT_PLAIN
        elif type(value) is not int:
            return NOT_PLAIN
        try:
            number = Decimal(value)
        except InvalidOperation:
            return NOT_PLAIN
        if int(number.as_tuple().exponent) < -places or abs(number) >= below:
            return NOT_PLAIN
        if (low is not None and number < low) or (high is not None and number > high):
            return NOT_PLAIN
        return number.quantize(quantum)

    return _remembered(convert)


def _remembered(convert: Converter) -> Converter:
    """Return `convert` remembering its answer per text: a batch repeats its days and hours thousands of times.

    A converter lives for one batch (PlainRows is made per request), so this
    holds at most a batch's distinct texts. Other values (numbers) are converted each time.
    """
    seen: dict[str, Any] = {}

    def remembered(value: Any) -> Any:
        if type(value) is not str:
            return convert(value)
        answer = seen.get(value, seen)
        if answer is seen:
            answer = seen[value] = convert(value)
        return answer

    return remembered


def _text(field: serializers.CharField) -> Converter:
    longest, shortest = field.max_length, field.min_length or 0
    allow_blank, trimmed = field.allow_blank, field.trim_whitespace

    def convert(value: Any) -> Any:
        if type(value) is not str or "\x00" in value:
            return NOT_PLAIN
        if (trimmed and value != value.strip()) or (not value and not allow_blank):
            return NOT_PLAIN
        if (longest is not None and len(value) > longest) or len(value) < shortest:
            return NOT_PLAIN
        return value

    return convert


def _converter(field: serializers.Field) -> Converter:
    """Return the plain converter of a writable field, or raise LookupError (no plain path for it)."""
    if any(not isinstance(v, _KNOWN_VALIDATORS) for v in field.validators):
        raise LookupError(f"validators of its own on {field.field_name}")
    if field.allow_null:
        raise LookupError(f"null allowed on {field.field_name}")
    # Exact types: a subclass may convert or check more than its base.
    makers: dict[type[serializers.Field], Callable[[Any], Converter]] = {
        BatchPrimaryKeyRelatedField: _related,
        SaneDateField: _date,
        serializers.DecimalField: _decimal,
        serializers.CharField: _text,
    }
    make = makers.get(type(field))
    if make is None:
        raise LookupError(f"no plain path for {type(field).__name__}")
    return make(field)


class PlainRows:
    """Validate rows as a bound serializer would, where they are plainly valid.

    `plan` is None when the serializer has a field or a validation of its own
    that the plain path does not know: then every row goes through DRF.
    """

    def __init__(self, serializer: serializers.Serializer) -> None:
        self.plan: dict[str, tuple[Converter, serializers.Field]] | None = self._plan(serializer)

    @staticmethod
    def _plan(serializer: serializers.Serializer) -> dict[str, tuple[Converter, serializers.Field]] | None:
        cls = type(serializer)
        if (
            cls.validate is not serializers.Serializer.validate
            or cls.run_validation is not serializers.Serializer.run_validation
            or cls.to_internal_value is not StrictFieldsMixin.to_internal_value
            or serializer.get_validators()
        ):
            return None
        plan = {}
        try:
            for name, field in serializer.fields.items():
                if field.read_only:
                    continue
                if getattr(cls, f"validate_{name}", None) is not None or field.source != name:
                    return None
                plan[name] = (_converter(field), field)
        except LookupError:
            return None
        return plan

    def validate(self, row: Any) -> dict[str, Any] | None:
        """Return the row's validated data, or None when the serializer must look at it."""
        plan = self.plan
        # Exact dict first: a JSON body's rows are dicts, and the ABC check costs more than the row's fields.
        if plan is None or not (type(row) is dict or isinstance(row, Mapping)) or not row.keys() <= plan.keys():
            return None
        data = {}
        for name, (convert, field) in plan.items():
            if name not in row:
                if field.required:
                    return None
                if field.default is not empty:
                    # As DRF gives a missing field with a default: the default, not validated.
                    data[name] = field.get_default()
                continue
            value = convert(row[name])
            if value is NOT_PLAIN:
                return None
            data[name] = value
        return data
