"""The OpenAPI of every API operation: its error answers in the one error shape, strict request bodies.

drf-spectacular documents the success answers; this adds, to every operation,
the errors it can answer (400, 401, 403, 404, 429, 503; 409 on writes; 413
and 415 where a body is sent; 405 where the entity's services lack the verb),
each with the `Errors` component, and marks the objects of serializers that
refuse unknown fields with `additionalProperties: false`.
"""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from kernel.api.errors import ErrorsSerializer
from kernel.api.fields import MAX_ID

ERRORS: dict[int, str] = {
    400: "Bad request: the errors name each field (and row) at fault; nothing was stored.",
    401: "No credentials, or a token that is not known.",
    403: "The user lacks the permission this request needs.",
    404: "No such object (or page, or cursor).",
    405: "The resource does not offer this verb.",
    409: "A concurrent request stored the same record first: send the request again.",
    413: "The request body (or file) is larger than the limit.",
    415: "The body is not in a media type this operation takes.",
    429: "Too many requests: wait the Retry-After seconds.",
    503: "The database cannot be reached: try again shortly (Retry-After).",
}
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODIES = frozenset({"POST", "PUT", "PATCH"})
# The verb each write method needs from a ServiceViewSet's services.
SERVICE_VERB = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


class ApiSchema(AutoSchema):
    """The project's AutoSchema (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS)."""

    def error_codes(self) -> list[int]:
        """Return the error status codes this operation can answer."""
        codes = [400, 401, 403, 404, 429, 503]
        if self.method in WRITES:
            codes.append(409)
        if self.method in BODIES:
            codes += [413, 415]
        services = getattr(self.view, "services", None)
        verb = SERVICE_VERB.get(self.method)
        if services is not None and verb is not None and getattr(services, verb) is None:
            codes.append(405)
        return sorted(codes)

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> Any:
        bodies = super()._get_response_bodies(direction)
        errors = self.resolve_serializer(ErrorsSerializer(), "response").ref
        for code in self.error_codes():
            bodies.setdefault(
                str(code), {"content": {"application/json": {"schema": errors}}, "description": ERRORS[code]}
            )
        return bodies

    def _map_serializer_field(
        self, field: Any, direction: Literal["request", "response"], bypass_extensions: bool = False
    ) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if field.read_only or not isinstance(schema, dict) or "$ref" in schema:
            return schema
        if isinstance(field, serializers.CharField) and not field.allow_blank:
            # Blank is refused (DRF trims and refuses an empty required string).
            schema.setdefault("minLength", 1)
        pattern = schema.get("pattern")
        minimum = getattr(field, "min_value", None)
        if isinstance(field, serializers.DecimalField) and pattern and minimum is not None and minimum >= 0:
            # A decimal string that may not be negative.
            schema["pattern"] = pattern.replace("^-?", "^", 1)
        if isinstance(field, serializers.PrimaryKeyRelatedField) and schema.get("type") == "integer":
            # Ids are positive and fit a bigint; others are "not found" (400).
            schema.setdefault("minimum", 1)
            schema.setdefault("maximum", MAX_ID)
        return schema

    def _map_basic_serializer(self, serializer: Any, direction: Literal["request", "response"]) -> Any:
        schema = super()._map_basic_serializer(serializer, direction)
        if getattr(serializer, "refuse_unknown_fields", False) and isinstance(serializer, serializers.Serializer):
            schema["additionalProperties"] = False
        return schema
