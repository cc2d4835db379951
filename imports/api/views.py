"""The imports endpoint: an export file in, the import's report out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from imports import jobs
from imports.api import serializers
from imports.mapping import MOVE_OPTION_API, move_hint_naming
from imports.models import ImportJob
from imports.parsers.text import DATE_ORDER, DATE_ORDER_CHOICE
from imports.services import FileError, file_import
from kernel.api.errors import Conflict, ErrorsSerializer, PayloadTooLarge
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


def file_error_message(exc: FileError) -> str:
    """Return a whole-file error as the API words it (the date-order hint names the day_first field)."""
    if exc.code == DATE_ORDER:
        return str(exc).replace(DATE_ORDER_CHOICE, "set day_first to true (DD/MM) or false (MM/DD)")
    return str(exc)


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
            202: OpenApiResponse(
                serializers.ImportJobSerializer,
                description="A file above IMPORT_BACKGROUND_BYTES: the job that imports it (Location: its URL).",
            ),
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="ImportRefusal",
                    serializers=[serializers.ImportRefusedSerializer, ErrorsSerializer],
                    resource_type_field_name=None,
                ),
                description="Field errors or an unusable file (`errors`); or the report of a file whose "
                "rejected rows kept it from being imported (`errors` = its rejected rows, with the report), or that "
                "was refused whole (replace would remove entries in a closed month: an error on `replace`).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Import a file; a file with rejected rows imports nothing unless allow_partial (400 then).

        A file above IMPORT_BACKGROUND_BYTES is imported by a job: 202, its URL in Location.
        """
        limit = import_limit()
        form = serializers.ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        if upload.size is None or upload.size > limit:
            raise too_large(limit)
        if upload.size > jobs.background_bytes():
            return self._background(request, form.validated_data)
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
                move=form.validated_data["move"],
                replace=form.validated_data["replace"],
                user=request.user,
            )
        except FileError as exc:
            raise ValidationError({"file": [file_error_message(exc)]}) from exc
        body = report.as_dict()
        body["rejected_rows"] = rows_for_api(body["rejected_rows"])
        if report.refused and not report.dry_run:
            # The one error shape, with the report beside it.
            return Response({"errors": body["rejected_rows"], **body}, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_200_OK)

    def _background(self, request: Request, data: dict[str, Any]) -> Response:
        upload = data["file"]
        options = jobs.JobOptions(
            kind=data["kind"],
            fmt=data["format"],
            engagement=data.get("engagement"),
            day_first=data.get("day_first"),
            tz=data.get("tz") or "",
            dry_run=data["dry_run"],
            allow_partial=data["allow_partial"],
            move=data["move"],
            replace=data["replace"],
        )
        job = jobs.job_start(jobs.job_create(upload=upload, name=upload.name or "", options=options, user=request.user))
        body = job_body(request, job)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


def job_body(request: Request, job: ImportJob) -> dict[str, Any]:
    """Return a job as the API shows it (progress from the cache while it runs)."""
    names: list[str] = list(serializers.ImportJobSerializer().fields)
    values = {name: getattr(job, name) for name in names if hasattr(job, name)}
    progress = jobs.job_progress(job)
    return {
        **values,
        "url": request.build_absolute_uri(reverse("import-job", kwargs={"pk": job.pk})),
        "rows_read": progress.read,
        "rows_estimate": progress.total,
        "progress_pct": progress.pct,
        "rows_counted": progress.counted,
        "file_id": job.import_file_id,
        "rejected_rows": rows_for_api(job.rejected_rows),
        "error": job.error.replace(DATE_ORDER_CHOICE, "set day_first to true (DD/MM) or false (MM/DD)")
        if job.error_code == DATE_ORDER
        else job.error,
    }


def rows_for_api(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return rejected rows as the API words them: a row refused for moving names the `move` field."""
    return [{**row, "message": move_hint_naming(row["message"], MOVE_OPTION_API)} for row in rows]


def _job(pk: int) -> ImportJob:
    return jobs.job_fail_if_stale(get_object_or_404(ImportJob.objects.all(), pk=pk))


class ImportJobView(ApiViewMixin, APIView):
    """An import job: state, progress (rows read), and once finished the counts and rejected rows."""

    required_permissions = {"GET": ("imports.import_data",)}

    @extend_schema(responses={200: serializers.ImportJobSerializer})
    def get(self, request: Request, pk: int) -> Response:
        """Show a job; poll it until `state` is done, refused, failed or cancelled."""
        return Response(job_body(request, _job(pk)))


class ImportJobCancelView(ApiViewMixin, APIView):
    """Cancel an import job."""

    required_permissions = {"POST": ("imports.import_data",)}

    @extend_schema(request=None, responses={202: serializers.ImportJobSerializer, 409: ErrorsSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Cancel a queued job now, or ask a running one to stop (202); 409 when it has already ended."""
        job = _job(pk)
        if not job.active:
            raise Conflict(f"The job has already ended ({job.get_state_display().lower()}).")
        return Response(job_body(request, jobs.job_cancel(job=job)), status=status.HTTP_202_ACCEPTED)
