"""The imports endpoint: an export file in, the import's report out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from imports.api import serializers
from imports.services import FileError, file_import
from kernel.api.errors import ErrorsSerializer, PayloadTooLarge
from kernel.api.parsers import check_content_length
from kernel.api.viewsets import ApiViewMixin


def import_limit() -> int:
    """Return the largest file an import takes, in bytes (the IMPORT_MAX_BYTES setting)."""
    limit: int = settings.IMPORT_MAX_BYTES
    return limit


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than {limit:,} bytes (IMPORT_MAX_BYTES): split it, or import it with the "
        "import_file command."
    )


# What the multipart envelope and the other fields may add to the file's size.
MULTIPART_OVERHEAD = 64 * 1024


class ImportView(ApiViewMixin, APIView):
    """Import a time tracker, help-desk or uptime monitor export."""

    parser_classes = [MultiPartParser, FormParser]
    required_permissions = {"POST": ("imports.import_data",)}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # The declared length first, before authentication (a session's CSRF check reads
        # the body): a file past the limit is refused before it is received.
        limit = import_limit()
        try:
            check_content_length(request.META, limit + MULTIPART_OVERHEAD)
        except PayloadTooLarge:
            raise too_large(limit) from None
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": serializers.ImportRequestSerializer},
        responses={
            200: serializers.ImportReportSerializer,
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="ImportRefusal",
                    serializers=[serializers.ImportRefusedSerializer, ErrorsSerializer],
                    resource_type_field_name=None,
                ),
                description="Field errors or an unusable file (`errors`); or the report of a file whose "
                "rejected rows kept it from being imported (`errors` = its rejected rows, with the report).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Import a file; a file with rejected rows imports nothing unless allow_partial (400 then)."""
        limit = import_limit()
        form = serializers.ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        if upload.size is None or upload.size > limit:
            raise too_large(limit)
        try:
            report = file_import(
                kind=form.validated_data["kind"],
                fmt=form.validated_data["format"],
                data=upload.read(),
                name=upload.name or "",
                engagement=form.validated_data.get("engagement"),
                day_first=form.validated_data.get("day_first"),
                tz=form.validated_data.get("tz"),
                dry_run=form.validated_data["dry_run"],
                allow_partial=form.validated_data["allow_partial"],
                user=request.user,
            )
        except FileError as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        body = report.as_dict()
        if report.rejected and not report.dry_run and not report.written:
            # The one error shape, with the report beside it.
            return Response({"errors": body["rejected_rows"], **body}, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_200_OK)
