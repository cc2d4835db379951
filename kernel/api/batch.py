"""List POSTs: one object or a list, upserted on (source, external_id), all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from django.db import IntegrityError, transaction
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.inspectors import ViewInspector
from rest_framework.views import APIView

from kernel.batches import BatchRejected, RowProblem, UpsertOutcome
from kernel.facts import guards_run_once
from kernel.services import translate_database_error

if TYPE_CHECKING:
    # The stubs' name for what `permission_classes` holds (classes, or `&`/`|` compositions).

    # What the mixins below are mixed into, so that mypy checks their super() calls and view methods.
    _APIView = APIView
    _GenericAPIView = GenericAPIView
else:
    _APIView = _GenericAPIView = object
from kernel.api.errors import Conflict, ErrorsSerializer, flatten_errors
from kernel.api.fields import MAX_BATCH
from kernel.api.parsers import SafeJSONParser
from kernel.api.plain import PlainRows
from kernel.api.schema import ApiSchema


class UpsertResultSerializer(serializers.Serializer):
    """What a batch did."""

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField(), help_text="The rows' ids, in the order sent.")
    warnings = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="What the stored rows still lack (e.g. hours without a bill rate in effect); resources that warn.",
    )


# The batch's refusal is the API's one error shape.
BatchErrorSerializer = ErrorsSerializer


class UpsertSchema(ApiSchema):
    """OpenAPI of a list POST that takes one object or a list, and answers a row or the batch's counts."""

    def _is_upsert(self) -> bool:
        return self.method == "POST" and getattr(self.view, "action", None) == "create"

    def _get_request_for_media_type(
        self, serializer: Any, direction: Literal["request", "response"] = "request"
    ) -> Any:
        schema, required = super()._get_request_for_media_type(serializer, direction)
        if self._is_upsert() and schema is not None:
            schema = {"oneOf": [schema, {"type": "array", "items": schema, "minItems": 1, "maxItems": MAX_BATCH}]}
            required = True
        return schema, required

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> Any:
        bodies = super()._get_response_bodies(direction)
        if not self._is_upsert():
            return bodies
        assert isinstance(self.view, GenericAPIView), "only resource viewsets upsert"
        item_class = self.view.get_serializer_class()
        assert issubclass(item_class, serializers.Serializer), "a resource serializer describes one row"
        item = self.resolve_serializer(item_class(), "response").ref
        result = self.resolve_serializer(UpsertResultSerializer(), "response").ref
        errors = self.resolve_serializer(BatchErrorSerializer(), "response").ref
        return {
            "201": {"content": {"application/json": {"schema": item}}, "description": "One object, created."},
            "200": {
                "content": {"application/json": {"schema": {"anyOf": [item, result]}}},
                "description": "One object, updated or unchanged; or a list's counts.",
            },
            **{code: body for code, body in bodies.items() if code not in ("200", "201")},
            "400": {"content": {"application/json": {"schema": errors}}, "description": "Bad rows; nothing stored."},
        }


class BatchUpsertMixin(_GenericAPIView):
    """List POST: one object or a JSON list, upserted on (source, external_id), all or nothing.

    Subclasses implement `upsert(rows)` with the validated rows (index, data)
    and return an UpsertOutcome, raising BatchRejected for bad rows.
    """

    schema: ViewInspector | None = UpsertSchema()
    parser_classes: Sequence[type[BaseParser]] = [SafeJSONParser]

    def upsert(self, rows: list[tuple[int, dict[str, Any]]]) -> UpsertOutcome:
        raise NotImplementedError

    def row_instance(self, obj: Any) -> Any:
        """Return the model instance a single POST answers with (an upsert may hold plain rows)."""
        return obj

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = request.data
        many = isinstance(payload, list)
        items = payload if many else [payload]
        if not items:
            return _rejected([RowProblem(None, None, "The list is empty: send at least one object.")])
        if len(items) > MAX_BATCH:
            return _rejected([RowProblem(None, None, f"Send at most {MAX_BATCH} rows per request.")])
        context = self.get_serializer_context()
        batch = BatchListSerializer(child=self.get_serializer_class()(context=context), data=items, context=context)
        batch.is_valid()
        problems = [p for index, detail in sorted(batch.row_errors.items()) for p in flatten_errors(index, detail)]
        try:
            # One transaction, each (model, month) guarded once: the upsert's own
            # check of the batch and the bulk write's safety net share it.
            with transaction.atomic(), guards_run_once():
                outcome = self.upsert(batch.valid_rows)
                if problems:
                    # The good rows were checked by the services too; store none of them.
                    raise BatchRejected([])
        except BatchRejected as exc:
            if lost_a_race(exc):
                raise Conflict() from exc
            problems += exc.problems
        if problems:
            return _rejected(sorted(problems, key=lambda p: (p.row is not None, p.row or 0)))
        if not many:
            body = self.get_serializer(self.row_instance(outcome.objects[0])).data
            code = status.HTTP_201_CREATED if outcome.statuses[0] == "created" else status.HTTP_200_OK
            return Response(body, status=code)
        return Response(
            {
                "created": outcome.count("created"),
                "updated": outcome.count("updated"),
                "unchanged": outcome.count("unchanged"),
                "ids": [obj.pk for obj in outcome.objects],
            }
        )


class BatchListSerializer(serializers.ListSerializer):
    """Validate every row of a batch, keeping the good rows and each bad row's errors."""

    def to_internal_value(self, data: Any) -> list[Any]:
        self.valid_rows: list[tuple[int, dict[str, Any]]] = []
        self.row_errors: dict[int, Any] = {}
        plain = PlainRows(cast(serializers.Serializer, self.child))
        for index, item in enumerate(data):
            value = plain.validate(item)
            if value is not None:
                self.valid_rows.append((index, value))
                continue
            try:
                self.valid_rows.append((index, self.run_child_validation(item)))
            except ValidationError as exc:
                self.row_errors[index] = exc.detail
        return [row for _, row in self.valid_rows]


def lost_a_race(exc: BatchRejected) -> bool:
    """Return whether a batch was refused because a concurrent batch stored one of its keys first.

    The upserts turn a unique-key error of their bulk write into a refusal of
    the whole batch; one that names no database rule of the apps is a key
    another request inserted after this one looked: sending it again works.
    """
    cause = exc.__cause__
    return isinstance(cause, IntegrityError) and translate_database_error(cause) is None


def _rejected(problems: Sequence[RowProblem]) -> Response:
    return Response({"errors": [problem.as_dict() for problem in problems]}, status=status.HTTP_400_BAD_REQUEST)
