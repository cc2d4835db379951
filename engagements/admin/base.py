"""Admin building blocks: service-backed saves, a paginator that never counts millions, the audit trail."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from engagements.models import AuditLog
from engagements.services.engagements import record_delete, record_save

AUDIT_ROWS_SHOWN = 20


def staff_user(request: HttpRequest) -> User:
    """Return the request's user, for services that record who acted."""
    # The admin site lets only logged-in staff through, never AnonymousUser.
    return cast(User, request.user)


class CappedCountPaginator(Paginator):
    """Count at most CAP rows, so a million-row changelist never runs a full COUNT(*)."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        # Django turns a sliced count into COUNT(*) over a LIMITed subquery; an
        # admin changelist always paginates a QuerySet.
        rows = cast(models.QuerySet[Any], self.object_list)
        return rows[: self.CAP + 1].count()


class ServiceBackedAdmin(admin.ModelAdmin):
    """ModelAdmin whose saves and deletes go through the services, with the object's audit trail."""

    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        record_save(instance=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            record_delete(instance=obj)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        # The audited queryset delete records every row it removes; a guard
        # (a closed month) or a protected reference refuses all of them.
        try:
            queryset.delete()
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        except models.ProtectedError as exc:
            self.message_user(
                request, f"Not deleted: {len(exc.protected_objects)} other records depend on these.", messages.ERROR
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_delete(instance=obj)
        for obj in instances:
            record_save(instance=obj)
        formset.save_m2m()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + ("audit_trail",) if obj is not None else fields

    @admin.display(description="Audit trail")
    def audit_trail(self, obj: Any) -> str:
        """Show who changed this record, when, from what to what."""
        content_type = ContentType.objects.get_for_model(type(obj))
        rows = (
            AuditLog.objects.filter(content_type=content_type, object_id=obj.pk)
            .select_related("actor")
            .order_by("-at", "-id")[:AUDIT_ROWS_SHOWN]
        )
        return format_html(
            "<table><tr><th>When</th><th>Who</th><th>What</th><th>Changes</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        f"{row.at:%Y-%m-%d %H:%M:%S}",
                        row.actor or row.actor_label,
                        row.get_action_display() + (" (bulk)" if row.bulk else ""),
                        "; ".join(f"{k}: {v[0]} → {v[1]}" for k, v in row.changes.items()),
                    )
                    for row in rows
                ),
            ),
        )


class ServiceBackedInline(admin.TabularInline):
    """Inline whose rows are saved by the parent admin's service-backed save_formset."""

    extra = 0
    show_change_link = True
