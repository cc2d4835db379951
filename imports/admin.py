"""The admin's import wizard: upload, preview (a dry run), confirm by the job's id, and the result.

Every upload is stored with an `ImportJob`, so confirming a preview imports
the same stored file, never a second upload. Files above
IMPORT_BACKGROUND_BYTES run as Celery jobs; their page shows a progress bar
that polls the job's API endpoint (config/static/imports/job_progress.js: the
CSP allows no inline script). The upload's "Move rows already stored under
another engagement to this one" box is the wizard's `move`; a job whose rows
were refused for that reason offers the box again on its page (a new preview
of the stored file).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt

from engagements.models import Engagement, TimeEntry
from engagements.selectors import missing_rate_warnings
from imports import jobs
from imports.mapping import MOVE_HINT, MOVE_OPTION_WIZARD, move_hint_naming
from imports.models import ImportedRow, ImportFile, ImportJob, ImportKind, JobState
from imports.parsers import FORMATS, FileError, parse
from imports.parsers.source import sniff
from imports.rejections import grouped
from imports.selectors import format_detect
from imports.services import REPLACE_KIND_MESSAGE, REPLACE_KINDS

PERMISSION = "imports.import_data"
SAMPLE_ROWS = 20
# Rejected rows listed on a page (the API's job endpoint lists them all).
REJECTED_SHOWN = 200
DETECT = ""
DAY_ORDER = [("", "Decide from the file"), ("1", "Day first (31/12/2024)"), ("0", "Month first (12/31/2024)")]
TOOLS = {
    "harvest": "Harvest",
    "toggl": "Toggl Track",
    "clockify": "Clockify",
    "kimai": "Kimai",
    "jira": "Jira",
    "zendesk": "Zendesk",
    "uptimerobot": "UptimeRobot",
    "generic": "Generic CSV",
}
# What the preview's sample shows of each kind's records: (attribute, heading). Internal
# fields (derived ids, hashes, empty e-mails) stay out.
SAMPLE_COLUMNS = {
    "timesheets": [
        ("person", "Person"),
        ("date", "Date"),
        ("hours", "Hours"),
        ("project", "Project"),
        ("client", "Client"),
        ("description", "Description"),
    ],
    "tickets": [
        ("external_id", "Ticket"),
        ("engagement_hint", "Engagement"),
        ("priority", "Priority"),
        ("category", "Category"),
        ("opened_at", "Opened"),
        ("first_response_at", "First response"),
        ("resolved_at", "Resolved"),
        ("summary", "Summary"),
    ],
    "outages": [
        ("monitor", "Service"),
        ("started_at", "Started"),
        ("ended_at", "Ended"),
        ("planned", "Planned"),
        ("reason", "Reason"),
    ],
}
DERIVED_ID = "sha256:"
# The move option's words, on the upload form and on a job's page (the refusals name it: MOVE_OPTION_WIZARD).
MOVE_LABEL = "Move rows already stored under another engagement to this one"
MOVE_HELP = (
    "Unticked, such rows are refused, naming the engagement they are under. Ticked, they move (hours or tickets) "
    "to the engagement chosen above, or to the one their row names, changing both engagements' figures; the "
    "preview lists what would move."
)
# The replace option's words (timesheets), on the upload form and on a job's page.
REPLACE_LABEL = "Replace: this export is the whole truth for its days"
REPLACE_HELP = (
    "Timesheets only. Ticked, entries an earlier import of the same tool stored for the engagements this file's "
    "rows go to, on the days from each one's first to its last date in the file, that the file no longer has "
    "(a row corrected in the tracker) are removed. Hand-entered hours and other tools' entries stay. The preview "
    "lists what would be removed; nothing is removed when a row is rejected."
)


def source_choices() -> list[tuple[str, Any]]:
    """Return the export choices grouped by kind: only pairs that go together can be picked."""
    groups: list[tuple[str, Any]] = [(DETECT, "Detect from the file's header")]
    for kind in ImportKind:
        groups.append((kind.label, [(f"{kind.value}:{fmt}", f"{kind.label}: {TOOLS[fmt]}") for fmt in FORMATS[kind]]))
    return groups


def source_label(kind: str, fmt: str) -> str:
    """Return how a kind and format read on the pages ("Timesheets: Harvest")."""
    return f"{ImportKind(kind).label}: {TOOLS.get(fmt, fmt)}"


def _day_first(value: str) -> bool | None:
    return None if value == "" else value == "1"


class ImportUploadForm(forms.Form):
    """The file, what it is (or detect it) and how to read it."""

    file = forms.FileField(help_text="A CSV export of a time tracker, help desk or uptime monitor.")
    source = forms.ChoiceField(
        label="Export",
        choices=source_choices,
        required=False,
        help_text="The tool and kind of records; detected from the header when left on detect.",
    )
    engagement = forms.ModelChoiceField(
        queryset=Engagement.objects.order_by("name"),
        required=False,
        help_text="For rows whose file does not name an engagement (or names none that exists).",
    )
    move = forms.BooleanField(required=False, label=MOVE_LABEL, help_text=MOVE_HELP)
    replace = forms.BooleanField(required=False, label=REPLACE_LABEL, help_text=REPLACE_HELP)
    day_first = forms.TypedChoiceField(
        choices=DAY_ORDER, coerce=_day_first, empty_value=None, required=False, label="Dates like 03/04/2024"
    )
    tz = forms.CharField(required=False, label="Time zone", help_text="IANA name for times without an offset.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = int(settings.IMPORT_MAX_BYTES)
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(f"The file is larger than {limit:,} bytes (IMPORT_MAX_BYTES): split it.")
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        if upload is None:
            return data
        # Binary files first: a PNG is named as a PNG, whether the export is chosen or detected.
        upload.seek(0)
        try:
            sniff(upload)
        except FileError as exc:
            self.add_error("file", f"The file cannot be imported: {exc}.")
            return data
        detected = format_detect(upload.read(64 * 1024))
        upload.seek(0)
        chosen = _pair(data["source"]) if data.get("source") else None
        if chosen is None and detected is None:
            self.add_error("source", "The header matches no export this importer knows: choose the tool.")
        elif chosen is not None and detected is not None and chosen != detected:
            self.add_error(
                "source",
                f"This file's header is that of {source_label(*detected)}, not {source_label(*chosen)}: "
                "choose that, or detect.",
            )
        else:
            data["kind"], data["format"] = chosen or detected or ("", "")
            if data.get("replace") and data["kind"] not in REPLACE_KINDS:
                self.add_error("replace", REPLACE_KIND_MESSAGE)
        return data


def _pair(source: str) -> tuple[str, str]:
    kind, _, fmt = source.partition(":")
    return kind, fmt


def too_large(request: HttpRequest) -> bool:
    """Tell whether the request declares a body past IMPORT_MAX_BYTES (checked before it is read)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return declared > int(settings.IMPORT_MAX_BYTES) + 64 * 1024


def csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """Run the CSRF check the view was exempted from (after the length check); the 403 page, or None."""
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    return check.process_view(request, _checked_view, (), {})


def _checked_view(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError  # never called: only named to the CSRF check


def sample_of(job: ImportJob) -> tuple[list[str], list[list[Any]]]:
    """Return the headings and first rows of a job's file, as its parser reads them (the file's head only)."""
    try:
        with default_storage.open(job.upload.name, "rb") as handle:
            head = b"".join(handle.readline() for _ in range(SAMPLE_ROWS + 1))
        records = parse(job.kind, job.format, head, day_first=job.day_first, tz=job.time_zone or settings.TIME_ZONE)
    except (FileError, FileNotFoundError, OSError, ValueError):
        return [], []
    columns = SAMPLE_COLUMNS[job.kind]
    rows = [[_shown(getattr(record, name, None)) for name, _ in columns] for record in records.records]
    # Columns the file leaves empty (a generic file has no client) are left out.
    kept = [i for i in range(len(columns)) if any(row[i] != "" for row in rows)]
    return [columns[i][1] for i in kept], [[row[i] for i in kept] for row in rows]


def _shown(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        # Instants in the organisation's zone, compact; dates as the file's day.
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(DERIVED_ID):
        return ""
    return value


def move_refused(job: ImportJob) -> int:
    """Return how many of a finished job's listed rows were refused as stored under another engagement.

    Those are what the job's page offers to preview again with moving allowed (none once moving was).
    """
    if job.move or job.active or job.state not in (JobState.DONE, JobState.REFUSED):
        return 0
    return sum(MOVE_HINT in row["message"] for row in job.rejected_rows)


def rate_warnings(job: ImportJob) -> list[str]:
    """Return the missing-rate warnings of a job: the import's own, else those of the entries it wrote."""
    if job.rate_warnings or job.kind != ImportKind.TIMESHEETS or not job.import_file_id or job.dry_run:
        return list(job.rate_warnings)
    rows = ImportedRow.objects.filter(
        file_id=job.import_file_id, content_type=ContentType.objects.get_for_model(TimeEntry)
    )
    # One row per contractor and day is all the selector reads.
    days = TimeEntry.objects.filter(pk__in=rows.values("object_id")).values("contractor_id", "date").distinct()
    return missing_rate_warnings(days)


@admin.register(ImportFile)
class ImportFileAdmin(admin.ModelAdmin):
    """Imported files with their counts; "Add" opens the import wizard."""

    list_display = [
        "name",
        "export",
        "engagement",
        "uploaded",
        "rows",
    ]
    list_filter = ["kind", "format"]
    list_select_related = ["engagement", "uploaded_by"]
    search_fields = ["name"]
    date_hierarchy = "uploaded_at"
    exclude = ["sha256"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Export", ordering="kind")
    def export(self, obj: ImportFile) -> str:
        # One column for kind and tool, as the wizard words them: the list fits a 1400-px screen.
        return source_label(obj.kind, obj.format)

    @admin.display(description="Rows")
    def rows(self, obj: ImportFile) -> str:
        # The counts in one cell (zeros left out), so the list fits a 1400-px screen.
        counts = [
            ("created", obj.created),
            ("updated", obj.updated),
            ("unchanged", obj.unchanged),
            ("removed", obj.removed),
        ]
        parts = [f"{count:,} {label}" for label, count in counts if count]
        rejected = f"; {obj.rejected:,} rejected" if obj.rejected else ""
        return f"{obj.read:,} read: {', '.join(parts) or 'none written'}{rejected}"

    @admin.display(description="Uploaded", ordering="uploaded_at")
    def uploaded(self, obj: ImportFile) -> str:
        # The same compact local format as the import jobs list; who, in the same cell, so that the
        # counts keep room on a 1400-px screen.
        when = timezone.localtime(obj.uploaded_at).strftime("%Y-%m-%d %H:%M")
        return f"{when} by {obj.uploaded_by}" if obj.uploaded_by else when

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:imports_importfile_upload"))

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        # Exempt from the middleware's CSRF check, which reads the whole body: the view checks the
        # declared length first, then CSRF itself (upload_view).
        upload = csrf_exempt(self.upload_view)
        return [
            path("upload/", wrap(upload), name="imports_importfile_upload"),
            path("job/<int:pk>/", wrap(self.job_view), name="imports_importfile_job"),
            path("job/<int:pk>/confirm/", wrap(self.confirm_view), name="imports_importfile_confirm"),
            path("job/<int:pk>/cancel/", wrap(self.cancel_view), name="imports_importfile_cancel"),
            path("job/<int:pk>/retry/", wrap(self.retry_view), name="imports_importfile_retry"),
            path("job/<int:pk>/move/", wrap(self.move_view), name="imports_importfile_move"),
            *super().get_urls(),
        ]

    def _check(self, request: HttpRequest) -> None:
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Show the upload form; a valid upload becomes a preview job and its page."""
        self._check(request)
        if request.method == "POST" and too_large(request):
            # Before request.POST is touched: the body is never read.
            limit = int(settings.IMPORT_MAX_BYTES)
            form = ImportUploadForm(initial={"tz": settings.TIME_ZONE})
            error = f"The file is larger than {limit:,} bytes (IMPORT_MAX_BYTES): split it."
            return self._render(request, "upload.html", {"form": form, "too_large": error}, status=413)
        if request.method == "POST":
            refused = csrf_refusal(request)
            if refused is not None:
                return refused
        form = ImportUploadForm(request.POST or None, request.FILES or None, initial={"tz": settings.TIME_ZONE})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            options = jobs.JobOptions(
                kind=data["kind"],
                fmt=data["format"],
                engagement=data.get("engagement"),
                day_first=data.get("day_first"),
                tz=data.get("tz") or "",
                dry_run=True,
                # The preview counts the good rows even when some are rejected.
                allow_partial=True,
                move=bool(data.get("move")),
                replace=bool(data.get("replace")),
            )
            upload = data["file"]
            job = jobs.job_create(upload=upload, name=upload.name or "", options=options, user=request.user)
            jobs.job_start(job)
            return HttpResponseRedirect(reverse("admin:imports_importfile_job", args=[job.pk]))
        return self._render(request, "upload.html", {"form": form})

    def job_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Show a job: its progress while it runs, then the preview (with confirm) or the result."""
        self._check(request)
        job = jobs.job_fail_if_stale(get_object_or_404(ImportJob.objects.select_related("engagement"), pk=pk))
        progress = jobs.job_progress(job)
        rejected_groups = grouped(job.rejected_rows)
        context: dict[str, Any] = {
            "job": job,
            "source": source_label(job.kind, job.format),
            "rows_read": progress.read,
            "rows_total": progress.total,
            "progress_pct": progress.pct,
            "rows_counted": progress.counted,
            "status_url": reverse("import-job", kwargs={"pk": job.pk}),
            "good_rows": job.created + job.updated + job.unchanged,
            # Removals are changes too: a corrected export may only drop entries.
            "changes": job.created + job.updated + job.removed,
            # One line per reason, with the lines it covers: a file under the wrong engagement is one reason.
            "rejected_shown": [
                {
                    "lines": group.lines,
                    "count": group.count,
                    "field": group.field,
                    "message": move_hint_naming(group.message, MOVE_OPTION_WIZARD),
                }
                for group in rejected_groups[:REJECTED_SHOWN]
            ],
            "move_refused": move_refused(job),
            "move_label": MOVE_LABEL,
            "rejected_more": max(len(rejected_groups) - REJECTED_SHOWN, 0),
        }
        if job.dry_run and job.state == JobState.DONE:
            context["sample_columns"], context["sample"] = sample_of(job)
            context["confirmed_by"] = ImportJob.objects.filter(preview_of=job).order_by("-requested_at").first()
        if job.state == JobState.DONE:
            context["rate_warnings"] = rate_warnings(job)
        if not job.dry_run and job.state == JobState.DONE and job.kind == ImportKind.TIMESHEETS and job.engagement_id:
            entries = reverse("admin:engagements_timeentry_changelist")
            context["entries_url"] = f"{entries}?engagement__id__exact={job.engagement_id}"
        return self._render(request, "job.html", context)

    def confirm_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Import the previewed file (the stored one) and show the import's page."""
        self._check(request)
        preview = get_object_or_404(ImportJob, pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:imports_importfile_job", args=[pk]))
        try:
            job = jobs.job_confirm(
                preview=preview, allow_partial=request.POST.get("allow_partial") == "1", user=request.user
            )
        except (ValueError, FileNotFoundError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:imports_importfile_upload"))
        jobs.job_start(job)
        return HttpResponseRedirect(reverse("admin:imports_importfile_job", args=[job.pk]))

    def retry_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Read a failed job's stored file again with the date order chosen on its page (no new upload)."""
        self._check(request)
        failed = get_object_or_404(ImportJob, pk=pk)
        if request.method != "POST" or request.POST.get("day_first") not in ("0", "1"):
            return HttpResponseRedirect(reverse("admin:imports_importfile_job", args=[pk]))
        try:
            job = jobs.job_retry(failed=failed, day_first=request.POST["day_first"] == "1", user=request.user)
        except (ValueError, FileNotFoundError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:imports_importfile_upload"))
        jobs.job_start(job)
        return HttpResponseRedirect(reverse("admin:imports_importfile_job", args=[job.pk]))

    def move_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Preview a job's stored file again, moving the rows stored under another engagement (box ticked)."""
        self._check(request)
        job = get_object_or_404(ImportJob, pk=pk)
        if request.method != "POST" or request.POST.get("move") != "1":
            return HttpResponseRedirect(reverse("admin:imports_importfile_job", args=[pk]))
        try:
            again = jobs.job_preview_moving(job=job, user=request.user)
        except (ValueError, FileNotFoundError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:imports_importfile_upload"))
        jobs.job_start(again)
        return HttpResponseRedirect(reverse("admin:imports_importfile_job", args=[again.pk]))

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Cancel a queued job, or ask a running one to stop."""
        self._check(request)
        job = get_object_or_404(ImportJob, pk=pk)
        if request.method == "POST":
            jobs.job_cancel(job=job)
            self.message_user(request, "Cancelling: nothing of this file will be written.", messages.WARNING)
        return HttpResponseRedirect(reverse("admin:imports_importfile_job", args=[pk]))

    def _render(self, request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Import an export file",
            "opts": self.model._meta,
            "max_bytes": int(settings.IMPORT_MAX_BYTES),
            "background_bytes": jobs.background_bytes(),
            **context,
        }
        return TemplateResponse(request, f"admin/imports/{template}", context, status=status)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Uploads, previews and background imports with their state; each links to its page."""

    # One "Result" column worded by step: a preview's counts are what it *would* write (QA C11).
    list_display = ["page", "step", "what", "state", "rows", "result", "when"]
    list_display_links = None
    list_filter = ["state", "kind"]
    list_select_related = ["requested_by"]
    search_fields = ["name"]
    date_hierarchy = "requested_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # A job is read on its wizard page (progress, preview or result), not as a form of raw fields.
        if not object_id.isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(reverse("admin:imports_importfile_job", args=[int(object_id)]))

    @admin.display(description="File", ordering="requested_at")
    def page(self, obj: ImportJob) -> str:
        url = reverse("admin:imports_importfile_job", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.name or f"job {obj.pk}")

    @admin.display(description="Step", ordering="dry_run")
    def step(self, obj: ImportJob) -> str:
        step = "Preview (nothing written)" if obj.dry_run else "Import"
        # The one option that changes other engagements' figures is named where the step is.
        options = [name for name, on in (("moving rows", obj.move), ("replacing", obj.replace)) if on]
        return ", ".join([step, *options])

    @admin.display(description="Export")
    def what(self, obj: ImportJob) -> str:
        return f"{TOOLS.get(obj.format, obj.format)} {obj.kind}"

    @admin.display(description="Requested", ordering="requested_at")
    def when(self, obj: ImportJob) -> str:
        return timezone.localtime(obj.requested_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description="Rows read", ordering="rows_read")
    def rows(self, obj: ImportJob) -> str:
        return f"{obj.rows_read:,}"

    @admin.display(description="Result")
    def result(self, obj: ImportJob) -> str:
        return job_result(obj)


def job_result(job: ImportJob) -> str:
    """Return a job's outcome in a few words; a preview's counts say "would", since it wrote nothing."""
    if job.active:
        return "-"
    if job.state in (JobState.FAILED, JobState.CANCELLED):
        return "nothing written"
    if job.state == JobState.REFUSED or (not job.dry_run and not job.written):
        return f"nothing written: {job.rejected:,} rejected" if job.rejected else "nothing written: refused"
    counts = [f"{job.created:,} created"] + ([f"{job.updated:,} updated"] if job.updated else [])
    counts += [f"{job.removed:,} removed"] if job.removed else []
    rejected = f"; {job.rejected:,} rejected" if job.rejected else ""
    if job.dry_run:
        would = [f"would create {job.created:,}"] + ([f"update {job.updated:,}"] if job.updated else [])
        would += [f"remove {job.removed:,}"] if job.removed else []
        return f"{', '.join(would)}{rejected}"
    return f"{', '.join(counts)}{rejected and rejected + ' skipped'}"
