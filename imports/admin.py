"""The admin's export upload: a preview of what would happen, then a confirm step that writes it."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.urls import path, reverse

from engagements.models import Engagement
from imports.models import ImportFile
from imports.parsers import FORMATS, parse
from imports.services import IMPORTERS, FileError, ImportReport, file_import

PERMISSION = "imports.import_data"
SAMPLE_ROWS = 20
PENDING_DIR = "imports/pending"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
DAY_ORDER = [("", "Decide from the file"), ("1", "Day first (31/12/2024)"), ("0", "Month first (12/31/2024)")]


def _day_first(value: str) -> bool | None:
    return None if value == "" else value == "1"


class ImportOptionsForm(forms.Form):
    """What the file is and how to read it."""

    kind = forms.ChoiceField(choices=[(k, k.capitalize()) for k in sorted(IMPORTERS)])
    format = forms.ChoiceField(choices=[(f, f) for f in sorted({f for fs in FORMATS.values() for f in fs})])
    engagement = forms.ModelChoiceField(
        queryset=Engagement.objects.order_by("name"),
        required=False,
        help_text="For rows whose file does not name an engagement (or names none that exists).",
    )
    day_first = forms.TypedChoiceField(
        choices=DAY_ORDER, coerce=_day_first, empty_value=None, required=False, label="Dates like 03/04/2024"
    )
    tz = forms.CharField(required=False, label="Time zone", help_text="IANA name for times without an offset.")
    allow_partial = forms.BooleanField(required=False, label="Import the good rows even if some are rejected")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind, fmt = data.get("kind"), data.get("format")
        if kind and fmt and fmt not in FORMATS[kind]:
            self.add_error("format", f"{kind} come in these formats: {', '.join(FORMATS[kind])}.")
        return data


class ImportUploadForm(ImportOptionsForm):
    """The options and the file."""

    file = forms.FileField()


class ImportConfirmForm(ImportOptionsForm):
    """The options and the stored file previewed a moment ago."""

    sha256 = forms.RegexField(regex=_SHA256, widget=forms.HiddenInput)
    name = forms.CharField(required=False, widget=forms.HiddenInput)


PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% block content %}
<h1>{{ title }}</h1>
{% if report %}
  <h2>Preview: nothing has been written yet</h2>
  <p>{{ report.read }} rows read: {{ report.created }} would be created, {{ report.updated }} updated,
     {{ report.unchanged }} unchanged; {{ report.rejected }} rejected.</p>
  {% if report.rejected and not allow_partial %}
    <p class="errornote">Rows were rejected, so nothing would be imported. Fix the file, or tick
      "Import the good rows" and preview again.</p>
  {% endif %}
  {% if report.rejected_rows %}
    <table id="rejected"><caption>Rejected rows</caption>
      <tr><th>Line</th><th>Field</th><th>Reason</th></tr>
      {% for row in report.rejected_rows %}<tr><td>{{ row.row }}</td><td>{{ row.field|default:"-" }}</td>
        <td>{{ row.message }}</td></tr>{% endfor %}
    </table>
  {% endif %}
  {% for what, names in report.unmatched.items %}<p><strong>Unmatched {{ what }}:</strong> {{ names|join:", " }}</p>{% endfor %}
  {% for note in report.warnings %}<p class="help">{{ note }}</p>{% endfor %}
  {% if sample %}
    <table id="sample"><caption>First rows of the file</caption>
      <tr>{% for name in sample_columns %}<th>{{ name }}</th>{% endfor %}</tr>
      {% for row in sample %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}
    </table>
  {% endif %}
  {% if can_confirm %}
    <form method="post">{% csrf_token %}{{ confirm_form.as_p }}
      <input type="submit" name="confirm" value="Import {{ report.created|add:report.updated }} rows" class="default">
    </form>
  {% endif %}
  <h2>Upload again</h2>
{% endif %}
<form method="post" enctype="multipart/form-data">{% csrf_token %}{{ form.as_p }}
  <input type="submit" name="preview" value="Preview">
</form>
{% endblock %}"""
)


def _sample(kind: str, fmt: str, data: bytes, options: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Return the first parsed records of the file as table rows."""
    try:
        records = parse(kind, fmt, data, day_first=options.get("day_first"), tz=options.get("tz") or settings.TIME_ZONE)
    except FileError:
        return [], []
    rows = records.records[:SAMPLE_ROWS]
    if not rows:
        return [], []
    columns = [name for name in rows[0].__dataclass_fields__ if name not in ("started_at", "ended_at", "duration")]
    return columns, [[getattr(record, name) for name in columns] for record in rows]


def _run(request: HttpRequest, options: dict[str, Any], data: bytes, name: str, *, dry_run: bool) -> ImportReport:
    return file_import(
        kind=options["kind"],
        fmt=options["format"],
        data=data,
        name=name,
        engagement=options.get("engagement"),
        day_first=options.get("day_first"),
        tz=options.get("tz") or None,
        dry_run=dry_run,
        allow_partial=options.get("allow_partial", False),
        user=request.user,
    )


@admin.register(ImportFile)
class ImportFileAdmin(admin.ModelAdmin):
    """Imported files with their counts; "Add" opens the upload with a preview."""

    list_display = [
        "name",
        "kind",
        "format",
        "engagement",
        "uploaded_by",
        "uploaded_at",
        "read",
        "created",
        "updated",
        "unchanged",
        "rejected",
    ]
    list_filter = ["kind", "format"]
    list_select_related = ["engagement", "uploaded_by"]
    search_fields = ["name", "sha256"]
    date_hierarchy = "uploaded_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:imports_importfile_upload"))

    def get_urls(self) -> list[Any]:
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="imports_importfile_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Show the upload form; a preview runs a dry import; confirm imports the previewed file."""
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None, initial={"tz": settings.TIME_ZONE})
        context: dict[str, Any] = {"form": form}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            context |= self._preview(request, form.cleaned_data, data, upload.name or "")
        return self._render(request, context)

    def _preview(self, request: HttpRequest, options: dict[str, Any], data: bytes, name: str) -> dict[str, Any]:
        try:
            report = _run(request, options, data, name, dry_run=True)
        except FileError as exc:
            self.message_user(request, f"The file cannot be imported: {exc}", messages.ERROR)
            return {}
        stored = f"{PENDING_DIR}/{report.sha256}"
        if not default_storage.exists(stored):
            default_storage.save(stored, ContentFile(data))
        initial = {
            **{k: v for k, v in options.items() if k != "file"},
            "engagement": options.get("engagement"),
            "sha256": report.sha256,
            "name": name,
            "day_first": "" if options.get("day_first") is None else ("1" if options["day_first"] else "0"),
        }
        confirm_form = ImportConfirmForm(initial=initial)
        for field in confirm_form.fields.values():
            field.widget = forms.HiddenInput()
        columns, sample = _sample(options["kind"], options["format"], data, options)
        allow = options.get("allow_partial", False)
        return {
            "report": report,
            "confirm_form": confirm_form,
            "sample": sample,
            "sample_columns": columns,
            "allow_partial": allow,
            "can_confirm": (report.created or report.updated) and (allow or not report.rejected),
        }

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        form = ImportConfirmForm(request.POST)
        stored = f"{PENDING_DIR}/{request.POST.get('sha256', '')}"
        if not form.is_valid() or not default_storage.exists(stored):
            self.message_user(request, "The previewed file is gone: upload it again.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:imports_importfile_upload"))
        with default_storage.open(stored) as handle:
            data = handle.read()
        report = _run(request, form.cleaned_data, data, form.cleaned_data["name"], dry_run=False)
        if not report.written:
            self.message_user(request, f"Nothing imported: {report.rejected} row(s) rejected.", messages.ERROR)
            return self._render(request, {"form": ImportUploadForm(), "report": report})
        default_storage.delete(stored)
        self.message_user(
            request,
            f"Imported {report.kind}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.rejected} rejected.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:imports_importfile_changelist"))

    def _render(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Import an export file",
            "opts": self.model._meta,
            **context,
        }
        return HttpResponse(PAGE.render(context, request))
