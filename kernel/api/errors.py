"""One error shape for every 4xx/5xx of the API: `{"errors": [{"row", "field", "message"}]}` (docs/api.md).

`exception_handler` is DRF's EXCEPTION_HANDLER: every error a view raises
(validation, permissions, throttling, parse errors, Django's own errors)
answers in that shape. A lost race on a unique key answers 409 (send the
request again); a database that cannot be reached answers 503. The
`bad_request`, `permission_denied`, `page_not_found` and `server_error`
handlers are the root URLconf's handler400/403/404/500: under `/api/` they
answer the same shape (a body over the size limit is a 413, an unknown path
a 404, a crash a 500, an unreachable database a 503), elsewhere Django's pages.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from kernel.batches import RowProblem

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# Errors that mean "the database cannot be reached" (down, restarting, connections exhausted).
UNREACHABLE = (OperationalError, InterfaceError)


class Conflict(exceptions.APIException):
    """A write lost a race with a concurrent one (a unique key stored meanwhile): sending it again works."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Another request stored the same record meanwhile; send the request again."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    """A request body past the size limit."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class ServiceUnavailable(exceptions.APIException):
    """The database cannot be reached right now."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is unavailable (its database cannot be reached); try again shortly."
    default_code = "unavailable"


class RowErrorSerializer(serializers.Serializer):
    """One problem: of a row of a batch (`row`), of a field (`field`), or of the whole request (both null)."""

    row = serializers.IntegerField(allow_null=True, help_text="Index of the row in the list sent (0 = first).")
    field = serializers.CharField(allow_null=True, help_text="The field at fault; nested fields are dotted.")
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    """Why a request was refused or failed (nothing of a refused write was stored)."""

    # A declared field: DRF's serializer metaclass moves it out of the class, so
    # it never hides the `errors` property the stubs see it overriding.
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]


def flatten_errors(row: int | None, detail: Any, prefix: str = "") -> list[RowProblem]:
    """Return an error detail (a serializer's, or any DRF exception's) as flat (row, field, message) problems.

    Nested fields are dotted (`pauses[0].ended_at`); `non_field_errors`,
    `__all__` and `detail` are problems of the whole object (field None).
    """
    if isinstance(detail, dict):
        problems = []
        for name, value in detail.items():
            if isinstance(name, int) or str(name).isdigit():
                dotted = f"{prefix}[{name}]"
            else:
                label = None if name in WHOLE_OBJECT else str(name)
                dotted = f"{prefix}.{label}" if prefix and label else (label or prefix)
            problems += flatten_errors(row, value, dotted)
        return problems
    if isinstance(detail, list):
        if detail and all(isinstance(item, dict | list) for item in detail):
            problems = []
            for index, item in enumerate(detail):
                problems += flatten_errors(row, item, f"{prefix}[{index}]")
            return problems
        return [RowProblem(row, prefix or None, str(message)) for message in detail]
    return [RowProblem(row, prefix or None, str(detail))]


# The keys DRF and Django use for a problem of the whole object rather than of one field.
WHOLE_OBJECT = frozenset({"non_field_errors", "__all__", "detail"})


def error_body(problems: Iterable[RowProblem]) -> dict[str, list[dict[str, Any]]]:
    """Return the API's error body for some problems."""
    return {"errors": [problem.as_dict() for problem in problems]}


def message_body(message: str) -> dict[str, list[dict[str, Any]]]:
    """Return the error body of one problem of the whole request."""
    return error_body([RowProblem(None, None, message)])


def api_exception(exc: BaseException) -> BaseException:
    """Return the DRF exception that answers a Django or database error (or the error itself)."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(serializers.as_serializer_error(exc))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(_too_large_message())
    if isinstance(exc, SuspiciousOperation):
        # Too many fields or files, a malformed multipart body: the request's fault.
        return exceptions.ParseError(str(exc) or "The request is malformed.")
    if isinstance(exc, IntegrityError):
        # The services check every rule before writing, so a key the database
        # refuses was stored by a concurrent request after the check: retryable.
        logger.warning("API write lost a race: %s", exc)
        return Conflict()
    if isinstance(exc, UNREACHABLE):
        logger.error("API request failed on the database: %s", exc)
        return ServiceUnavailable()
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error of an API view in the one error shape (None: a crash, a 500)."""
    # Imported here: DRF's settings load this module while rest_framework.views is still loading.
    from rest_framework.views import exception_handler as drf_exception_handler

    translated = not_found(exc, context) if isinstance(exc, Http404) else api_exception(exc)
    if not isinstance(translated, exceptions.APIException):
        return None
    response = drf_exception_handler(translated, context)
    if response is None:
        return None
    response.data = error_body(flatten_errors(None, response.data))
    if isinstance(translated, ServiceUnavailable):
        response["Retry-After"] = "30"
    return response


def not_found(exc: Http404, context: dict[str, Any]) -> exceptions.NotFound:
    """A 404 of a resource's view, naming what was looked for ("No vendor has id 999999.").

    Without this, Django's handler answered it, with the message of a path that does not exist.
    """
    view = context.get("view")
    queryset = getattr(view, "queryset", None)
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    key = getattr(view, "kwargs", {}).get(lookup)
    if queryset is None or key is None:
        return exceptions.NotFound()
    return exceptions.NotFound(f"No {queryset.model._meta.verbose_name} has id {key}.")


def _too_large_message() -> str:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"The request body is larger than {limit:,} bytes: send less per request." if limit else ""


def is_api(request: HttpRequest) -> bool:
    """Return whether a request is for the API (answered in JSON when it fails)."""
    return request.path.startswith(API_PREFIX)


def _json(message: str, code: int) -> JsonResponse:
    return JsonResponse(message_body(message), status=code)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a too-large or malformed request; JSON (413/400) under /api/."""
    if not is_api(request):
        return defaults.bad_request(request, exception)
    translated = api_exception(exception)
    if isinstance(translated, exceptions.APIException):
        return _json(str(translated.detail), translated.status_code)
    return _json("The request is malformed.", status.HTTP_400_BAD_REQUEST)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: JSON under /api/."""
    if not is_api(request):
        return defaults.permission_denied(request, exception)
    return _json(str(exception) or str(exceptions.PermissionDenied.default_detail), status.HTTP_403_FORBIDDEN)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/ (an unknown path)."""
    if not is_api(request):
        return defaults.page_not_found(request, exception)
    return _json("No such path in the API: see /api/v1/ for its resources.", status.HTTP_404_NOT_FOUND)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/; 503 when the database cannot be reached (Django logged the error)."""
    if not is_api(request):
        return defaults.server_error(request)
    if isinstance(sys.exc_info()[1], UNREACHABLE):
        response = _json(ServiceUnavailable.default_detail, status.HTTP_503_SERVICE_UNAVAILABLE)
        response["Retry-After"] = "30"
        return response
    return _json("The server failed to answer this request; the error has been logged.", 500)
