"""Admin building blocks: saves through the named services, read-only pages, a capped paginator, the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.forms import BaseInlineFormSet
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from engagements.admin.pickers import PickerLabelsMixin
from engagements.models import AuditLog
from engagements.selectors import closed_months
from engagements.services.trail import readable_changes
from kernel.facts import RecordedFact
from kernel.months import month_label, month_of
from kernel.services import WriteServices

AUDIT_ROWS_SHOWN = 20
HISTORY_PAGE_ROWS = 100


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

    @property
    def capped(self) -> bool:
        """True when counting stopped at the cap: the list says "more than 10,000", never a false exact number."""
        return self.count > self.CAP

    @property
    def cap_label(self) -> str:
        return f"{self.CAP:,}"


def _model_field_names(model: type[models.Model], names: Iterable[str]) -> list[str]:
    """Return the names among `names` that are the model's own columns (not extra form fields)."""
    columns = {field.name for field in model._meta.concrete_fields if not field.primary_key}
    return [name for name in names if name in columns]


def _adopt(obj: models.Model, created: models.Model) -> None:
    """Make the admin's unsaved instance the row a create service stored (inlines and messages use it)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(created, field.attname))
    obj._state.adding, obj._state.db = False, created._state.db


def service_create(services: WriteServices, obj: models.Model, names: Iterable[str]) -> None:
    """Create the row `obj` describes through the entity's create service (the form's fields as arguments)."""
    if services.create is None:
        raise PermissionDenied(f"{obj._meta.verbose_name_plural} are not entered by hand.")
    arguments = {name: getattr(obj, name) for name in _model_field_names(type(obj), names)}
    _adopt(obj, services.create(**arguments))


def service_update(services: WriteServices, obj: models.Model, changed: Iterable[str]) -> None:
    """Save the changed fields of `obj` through the entity's update service."""
    names = _model_field_names(type(obj), changed)
    if services.update is None:
        if names:
            raise PermissionDenied(f"{obj._meta.verbose_name_plural} cannot be changed.")
        return
    services.update(**{services.instance: obj}, **{name: getattr(obj, name) for name in names})


def service_delete(services: WriteServices, obj: models.Model) -> None:
    """Delete `obj` through the entity's delete service."""
    if services.delete is None:
        raise PermissionDenied(f"{obj._meta.verbose_name_plural} cannot be deleted.")
    services.delete(**{services.instance: obj})


class ReadOnlyAdmin(PickerLabelsMixin, admin.ModelAdmin):
    """Rows the system writes or computes: people with the view permission look, nobody edits here."""

    show_full_result_count = False
    paginator = CappedCountPaginator

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@dataclass(frozen=True)
class ClosedLock:
    """What a closed month locks on one recorded fact: the month, and its month fields dated in closed months."""

    month: dt.date
    locked: frozenset[str]
    # The fact's own month (its first month field) is closed: every field but the later instants is locked.
    primary: bool
    # Nothing is left to change: the form is read-only, with no Save and no Delete.
    whole: bool

    @property
    def note(self) -> str:
        label = month_label(self.month)
        if self.whole:
            return f"{label} is closed (final): reopen the period to change this."
        return f"{label} is closed (final): the fields dated in it cannot change; reopen the period to change them."


_NO_LOCK = "_closed_lock"


def closed_lock(obj: Any) -> ClosedLock | None:
    """Say what closed months lock on a stored fact, as the write guard will (cached on the object for the request).

    The guard refuses a change to a fact whose month is closed; a fact with several instants (a ticket opened in a
    closed month, resolved later) may still change its later instants while their months are open.
    """
    if not isinstance(obj, RecordedFact) or obj.pk is None or not type(obj).month_fields:
        return None
    if _NO_LOCK not in obj.__dict__:
        obj.__dict__[_NO_LOCK] = _read_lock(obj)
    return cast(ClosedLock | None, obj.__dict__[_NO_LOCK])


def _read_lock(obj: RecordedFact) -> ClosedLock | None:
    fields = type(obj).month_fields
    months = {name: month_of(value) for name in fields if (value := getattr(obj, name, None)) is not None}
    closed = closed_months(months.values())
    locked = frozenset(name for name, month in months.items() if month in closed)
    if not locked:
        return None
    primary = fields[0] in locked
    # A later instant still empty (a ticket not resolved yet) can be recorded in an open month.
    whole = primary and all(name in locked for name in fields[1:])
    return ClosedLock(min(months[name] for name in locked), locked, primary, whole)


class ServiceBackedAdmin(PickerLabelsMixin, admin.ModelAdmin):
    """ModelAdmin whose saves and deletes call the entity's named services, with the object's audit trail.

    `services` names them (e.g. `TIME_ENTRY`): the admin, the API, importers and
    jobs write through the same functions. A verb the entity does not offer is
    not offered here either: no add button, no delete, a change refused.
    """

    show_full_result_count = False
    services: ClassVar[WriteServices | None] = None

    def write_services(self) -> WriteServices:
        """Return the entity's services; an admin of a recorded fact without them is a bug."""
        if self.services is None:
            raise ImproperlyConfigured(f"{type(self).__name__} names no services for {self.model.__name__}.")
        return self.services

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.write_services().create is not None and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a fact touches every month it is dated in: none may be closed.
        if closed_lock(obj) is not None:
            return False
        return self.write_services().delete is not None and super().has_delete_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A fact of a closed month is shown read-only (with why) rather than refused on save. A save posted
        # from a form opened before the close still reaches the service, whose refusal says why (not a 403).
        lock = closed_lock(obj) if request.method != "POST" else None
        return (lock is None or not lock.whole) and super().has_change_permission(request, obj)

    def closed_readonly_fields(self, obj: Any) -> tuple[str, ...]:
        """The fields a closed month locks on a fact that can still partly change (its later instants)."""
        lock = closed_lock(obj)
        if lock is None or lock.whole:
            return ()
        if not lock.primary:
            return tuple(sorted(lock.locked))
        later_open = set(type(obj).month_fields[1:]) - lock.locked
        return tuple(
            field.name
            for field in obj._meta.concrete_fields
            if field.editable and not field.primary_key and field.name not in later_open
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            service_update(self.write_services(), obj, form.changed_data)
        else:
            service_create(self.write_services(), obj, form.fields)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            service_delete(self.write_services(), obj)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        # Each row through the delete service (its own rules and cascades), all
        # or nothing: a closed month or a protected reference refuses the lot.
        services = self.write_services()
        try:
            with transaction.atomic():
                for obj in queryset:
                    service_delete(services, obj)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:
        formset.save(commit=False)
        services = getattr(formset, "services", None)
        if services is None:
            if formset.new_objects or formset.changed_objects or formset.deleted_objects:
                raise ImproperlyConfigured(f"The {formset.model.__name__} inline names no services.")
            return
        for obj in formset.deleted_objects:
            service_delete(services, obj)
        for obj, changed in formset.changed_objects:
            service_update(services, obj, changed)
        names = [*formset.form.base_fields, formset.fk.name]
        for obj in formset.new_objects:
            service_create(services, obj, names)
        formset.save_m2m()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        fields += tuple(name for name in self.closed_readonly_fields(obj) if name not in fields)
        return fields + ("audit_trail",) if obj is not None else fields

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        # A rejected save leaves the refused values on `obj` (the form's instance); the heading, the
        # title and the breadcrumbs name the row as stored, the form keeps what was typed.
        lock = closed_lock(obj) if change else None
        if lock is not None:
            # Said before the fields, not after a refused save.
            messages.warning(request, lock.note)
        form = context.get("adminform") and context["adminform"].form
        if change and obj is not None and obj.pk is not None and form is not None and form.errors:
            stored = self.model._default_manager.filter(pk=obj.pk).first()
            if stored is not None:
                context.update(original=stored, subtitle=str(stored))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="Audit trail")
    def audit_trail(self, obj: Any) -> str:
        """Show who changed this record, when, from what to what (field labels, names for ids)."""
        rows = list(audit_rows_of(obj)[:AUDIT_ROWS_SHOWN])
        history = reverse(
            f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        return format_html('{}<p><a href="{}">Full history</a></p>', audit_table(rows), history)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        return audit_history_view(self, request, object_id, extra_context)


def audit_rows_of(obj: models.Model) -> models.QuerySet[AuditLog]:
    """Return the audit rows of one record, newest first, with who acted."""
    content_type = ContentType.objects.get_for_model(type(obj))
    return (
        AuditLog.objects.filter(content_type=content_type, object_id=obj.pk)
        .select_related("actor", "content_type")
        .order_by("-at", "-id")
    )


def audit_table(rows: list[AuditLog]) -> str:
    """Render audit rows as a table people read: local time, who, what, "Field: before → after"."""
    readable = readable_changes(rows)
    return format_html(
        '<table class="audit-trail"><tr><th>When</th><th>Who</th><th>What</th><th>Changes</th></tr>{}</table>',
        format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{timezone.localtime(row.at):%Y-%m-%d %H:%M}",
                    row.actor or row.actor_label or "system",
                    row.get_action_display() + (" (bulk)" if row.bulk else ""),
                    format_html_join(mark_safe("<br>"), "{}", ((str(change),) for change in readable[row.pk])),
                )
                for row in rows
            ),
        ),
    )


def audit_history_view(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None
) -> TemplateResponse:
    """The admin's "History" page of a record: its audit rows (every write path), not Django's own log."""
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404(f"No {model_admin.opts.verbose_name} with id {object_id}.")
    if not model_admin.has_view_or_change_permission(request, obj):
        raise PermissionDenied
    paginator = Paginator(audit_rows_of(obj), HISTORY_PAGE_ROWS)
    page = paginator.get_page(request.GET.get("p"))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"History: {obj}",
        "subtitle": None,
        "object": obj,
        "opts": model_admin.opts,
        "app_label": model_admin.opts.app_label,
        "page": page,
        "trail": audit_table(list(page.object_list)),
        **(extra_context or {}),
    }
    return TemplateResponse(request, "admin/audit_history.html", context)


class ServiceBackedInline(PickerLabelsMixin, admin.TabularInline):
    """Inline whose rows the parent admin saves through the row entity's services (`services`)."""

    extra = 0
    show_change_link = True
    services: ClassVar[WriteServices | None] = None

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # The parent's save_formset sees only the formset: hand it the services.
        return type(formset.__name__, (formset,), {"services": self.services})
