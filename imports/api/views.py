"""The imports endpoint: an export file in, the import's report out."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from imports.api import serializers
from imports.services import FileError, file_import
from kernel.api import ApiViewMixin


class ImportView(ApiViewMixin, APIView):
    """Import a time tracker, help-desk or uptime monitor export."""

    parser_classes = [MultiPartParser, FormParser]
    required_permissions = {"POST": ("imports.import_data",)}

    @extend_schema(
        request={"multipart/form-data": serializers.ImportRequestSerializer},
        responses={
            200: serializers.ImportReportSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Field errors, an unusable file, or the report of "
                "a file whose rejected rows kept it from being imported.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Import a file; a file with rejected rows imports nothing unless allow_partial (400 then)."""
        form = serializers.ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
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
            return Response({"file": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        refused = report.rejected and not report.dry_run and not report.written
        return Response(report.as_dict(), status=status.HTTP_400_BAD_REQUEST if refused else status.HTTP_200_OK)
