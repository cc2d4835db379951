"""ModelAdmins of vendors, engagements, contractors, entries and milestones."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import CASCADE, Model, QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from engagements.admin.base import CappedCountPaginator, ReadOnlyAdmin, ServiceBackedAdmin, ServiceBackedInline
from engagements.admin.extensions import ExtensibleAdmin
from engagements.admin.lists import ListTotalsMixin, Total, dated_in, engagement_filters, month_filter
from engagements.admin.week import week_view
from engagements.models import (
    AuditLog,
    ChangedMonth,
    ComplianceAttestation,
    Contractor,
    DeliveryModel,
    Engagement,
    Milestone,
    OverheadEntry,
    PendingTask,
    Person,
    ServiceArea,
    TimeEntry,
    Vendor,
    WorkerHeartbeat,
)
from engagements.selectors import entry_warnings
from engagements.services.engagements import (
    ATTESTATION,
    CONTRACTOR,
    ENGAGEMENT,
    MILESTONE,
    PERSON,
    SERVICE_AREA,
    VENDOR,
    milestone_deliver,
)
from engagements.services.entries import OVERHEAD_ENTRY, TIME_ENTRY
from engagements.services.trail import readable_changes
from kernel import months
from kernel.facts import RecordedFact
from kernel.months import month_window


class AttestationInline(ServiceBackedInline):
    model = ComplianceAttestation
    services = ATTESTATION


@admin.register(Vendor)
class VendorAdmin(ServiceBackedAdmin):
    services = VENDOR
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [AttestationInline]


@admin.register(ComplianceAttestation)
class ComplianceAttestationAdmin(ServiceBackedAdmin):
    services = ATTESTATION
    list_display = ["vendor", "type", "issued", "expires"]
    list_filter = ["type"]
    list_select_related = ["vendor"]
    search_fields = ["vendor__name", "reference"]
    autocomplete_fields = ["vendor"]
    date_hierarchy = "expires"


@admin.register(ServiceArea)
class ServiceAreaAdmin(ServiceBackedAdmin):
    services = SERVICE_AREA
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(ExtensibleAdmin, ServiceBackedAdmin):
    services = PERSON
    list_display = ["name", "email", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "email"]
    autocomplete_fields = ["user"]


class ContractorInline(ServiceBackedInline):
    model = Contractor
    fields = ["name", "role", "email"]
    services = CONTRACTOR


class MilestoneInline(ServiceBackedInline):
    model = Milestone
    fields = ["title", "due_date", "delivered_date", "accepted"]
    services = MILESTONE


@admin.register(Engagement)
class EngagementAdmin(ExtensibleAdmin, ServiceBackedAdmin):
    services = ENGAGEMENT
    list_display = ["name", "model", "vendor", "service_area", "start_date", "end_date", "currency", "status"]
    list_filter = ["model", "status", "service_area", "vendor"]
    list_select_related = ["vendor", "service_area"]
    search_fields = ["name", "vendor__name", "cost_center"]
    autocomplete_fields = ["vendor", "service_area", "owner"]
    date_hierarchy = "start_date"
    inlines = [ContractorInline, MilestoneInline]

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        inlines = super().get_inline_instances(request, obj)
        # Contractors belong to staff augmentation engagements only.
        if obj is None or obj.model != DeliveryModel.STAFF_AUG:
            inlines = [i for i in inlines if not isinstance(i, ContractorInline)]
        return inlines

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        extra = ("week_link",) if obj is not None and obj.model == DeliveryModel.STAFF_AUG else ()
        return super().get_readonly_fields(request, obj) + extra

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], list[Any]]:
        """Let the machinery's own rows (changed marks, snapshots, jobs) go with a deleted engagement.

        Nobody may delete them in the admin (read-only), which made Django refuse
        every engagement delete with a 403; they cascade by design. Recorded
        facts still protect the engagement (the page lists them).
        """
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        machinery = set()
        for relation in Engagement._meta.get_fields(include_hidden=True):
            related = relation.related_model
            cascades = relation.auto_created and getattr(relation, "on_delete", None) is CASCADE
            if (
                cascades
                and isinstance(related, type)
                and issubclass(related, Model)
                and not issubclass(related, RecordedFact)
            ):
                machinery.add(str(related._meta.verbose_name))
        return deleted, counts, perms_needed - machinery, protected

    @admin.display(description="Timesheet")
    def week_link(self, obj: Engagement) -> str:
        url = reverse("admin:engagements_timeentry_week") + f"?engagement={obj.pk}"
        return format_html('<a href="{}">Enter a week of hours for every contractor</a>', url)


@admin.register(Contractor)
class ContractorAdmin(ExtensibleAdmin, ServiceBackedAdmin):
    services = CONTRACTOR
    list_display = ["name", "role", "engagement"]
    list_select_related = ["engagement"]
    list_filter = ["engagement__service_area"]
    search_fields = ["name", "email", "engagement__name"]
    autocomplete_fields = ["engagement"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "engagement":
            kwargs["queryset"] = Engagement.objects.filter(model=DeliveryModel.STAFF_AUG)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LargeTableAdmin(ListTotalsMixin, ServiceBackedAdmin):
    """Entry tables grow to millions of rows: no full COUNT, joins selected up front."""

    paginator = CappedCountPaginator
    list_per_page = 100
    date_hierarchy = "date"


@admin.register(TimeEntry)
class TimeEntryAdmin(LargeTableAdmin):
    services = TIME_ENTRY
    list_display = ["date", "contractor_name", "engagement", "hours", "description", "source"]
    list_select_related = ["contractor__engagement"]
    # Time entries are staff augmentation only: no delivery-model filter, whose other choice never matches.
    list_filter = [
        *engagement_filters("contractor__engagement", contractor="contractor", by_model=False),
        month_filter(dated_in("date")),
        "source",
    ]
    search_fields = ["contractor__name", "description", "external_id"]
    autocomplete_fields = ["contractor"]
    change_list_template = "admin/engagements/timeentry/change_list.html"
    list_totals = [Total("Hours", "hours")]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Saved all the same: the hours wait for a rate (the report says the month is incomplete), or a date is checked.
        for warning in entry_warnings([obj]):
            self.message_user(request, warning, messages.WARNING)

    @admin.display(description="Contractor", ordering="contractor__name")
    def contractor_name(self, obj: TimeEntry) -> str:
        # The engagement has its own column: the contractor's label would repeat it.
        return obj.contractor.name

    @admin.display(description="Engagement", ordering="contractor__engagement__name")
    def engagement(self, obj: TimeEntry) -> str:
        return obj.contractor.engagement.name

    def get_urls(self) -> list[Any]:
        week = path("week/", self.admin_site.admin_view(week_view(self)), name="engagements_timeentry_week")
        return [week, *super().get_urls()]


@admin.register(OverheadEntry)
class OverheadEntryAdmin(LargeTableAdmin):
    services = OVERHEAD_ENTRY
    list_display = ["date", "person", "engagement", "activity", "hours"]
    list_select_related = ["person", "engagement"]
    list_filter = [*engagement_filters("engagement"), month_filter(dated_in("date")), "activity"]
    search_fields = ["person__name", "engagement__name", "description"]
    autocomplete_fields = ["engagement", "person"]
    list_totals = [Total("Hours", "hours")]


@admin.register(Milestone)
class MilestoneAdmin(ServiceBackedAdmin):
    services = MILESTONE
    list_display = ["title", "engagement", "due_date", "delivered_date", "accepted"]
    list_select_related = ["engagement"]
    list_filter = [*engagement_filters("engagement"), month_filter(dated_in("due_date"), "month due"), "accepted"]
    search_fields = ["title", "engagement__name"]
    autocomplete_fields = ["engagement"]
    date_hierarchy = "due_date"
    actions = ["deliver_and_accept_today"]

    @admin.action(description="Mark delivered today and accepted", permissions=["change"])
    def deliver_and_accept_today(self, request: HttpRequest, queryset: QuerySet[Milestone]) -> None:
        """Record delivery through the service, one milestone at a time, reporting refusals."""
        today, done = months.today(), 0
        for milestone in queryset.filter(delivered_date__isnull=True):
            try:
                milestone_deliver(milestone=milestone, delivered_date=today, accepted=True)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{milestone}: {' '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, f"{done} milestone(s) marked delivered and accepted.", messages.SUCCESS)


class AuditModelFilter(admin.SimpleListFilter):
    """The kind of record changed, by its readable name (no scan of the trail).

    The recorded facts the user may see here: only they are audited, so a
    superuser is not offered Crontab or Group to filter by, to find nothing.
    """

    title = "record type"
    parameter_name = "content_type__id__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        shown = [
            model
            for model, admin_of in model_admin.admin_site._registry.items()
            if issubclass(model, RecordedFact) and admin_of.has_view_permission(request)
        ]
        types = ContentType.objects.get_for_models(*shown).values()
        labels = [(str(ct.pk), capfirst(str(model._meta.verbose_name))) for ct in types if (model := ct.model_class())]
        return sorted(labels, key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        return queryset.filter(content_type_id=int(value)) if value and value.isdigit() else None


class AuditUserFilter(admin.SimpleListFilter):
    """Who acted: the people who can sign in to the admin (no scan of the trail)."""

    title = "user"
    parameter_name = "actor__id__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        users = User.objects.filter(is_staff=True).order_by("username").values_list("pk", "username")
        return [(str(pk), username) for pk, username in users]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        return queryset.filter(actor_id=int(value)) if value and value.isdigit() else None


def _id_only(label: str) -> bool:
    """Say whether an audit row names its record by id alone ("period #3", "service credit #")."""
    return label.rstrip("0123456789").endswith("#")


def live_labels(rows: list[AuditLog]) -> dict[int, str]:
    """Name the records of the rows labelled by id alone by their str() today: one query per record type."""
    wanted: dict[Any, set[int]] = defaultdict(set)
    for row in rows:
        if _id_only(row.object_repr) and row.content_type.model_class() is not None:
            wanted[row.content_type.model_class()].add(row.object_id)
    found = {model: model._base_manager.in_bulk(ids) for model, ids in wanted.items()}
    labels: dict[int, str] = {}
    for row in rows:
        model = row.content_type.model_class()
        obj = found.get(model, {}).get(row.object_id)
        if obj is not None and model is not None:
            labels[row.pk] = f"{model._meta.verbose_name} {obj}"
    return labels


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["when", "actor_display", "action", "record_type", "object_link", "readable"]
    list_filter = [
        AuditUserFilter,
        AuditModelFilter,
        month_filter(lambda rows, month: rows.filter(at__gte=month_window(month)[0], at__lt=month_window(month)[1])),
        "action",
        "bulk",
    ]
    list_select_related = ["actor", "content_type"]
    search_fields = ["object_repr", "actor_label", "actor__username"]
    date_hierarchy = "at"

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        # Names for the ids of the whole page at once (one query per related model), not per row.
        readable = readable_changes(list(changelist.result_list))
        labels = live_labels(list(changelist.result_list))
        for row in changelist.result_list:
            row.readable_changes = readable.get(row.pk, [])
            row.record_label = labels.get(row.pk)
        return changelist

    @admin.display(description="When", ordering="at")
    def when(self, obj: AuditLog) -> str:
        return f"{timezone.localtime(obj.at):%Y-%m-%d %H:%M}"

    @admin.display(description="Who")
    def actor_display(self, obj: AuditLog) -> str:
        return str(obj.actor or obj.actor_label or "system")

    @admin.display(description="Record type", ordering="content_type__model")
    def record_type(self, obj: AuditLog) -> str:
        model = obj.content_type.model_class()
        return capfirst(str(model._meta.verbose_name)) if model else obj.content_type.model

    @admin.display(description="Record")
    def object_link(self, obj: AuditLog) -> str:
        model = obj.content_type.model_class()
        # Rows labelled by their id alone ("period #3", "service credit #") name the record as it reads now.
        label = getattr(obj, "record_label", None) or live_labels([obj]).get(obj.pk) or obj.object_repr
        if label.endswith("#"):
            label = f"{label}{obj.object_id}"
        if model is None or model not in self.admin_site._registry:
            return label
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_history", args=[obj.object_id])
        return format_html('<a href="{}" title="History of this record">{}</a>', url, label)

    @admin.display(description="Changes")
    def readable(self, obj: AuditLog) -> str:
        changes = getattr(obj, "readable_changes", None)
        if changes is None:
            changes = readable_changes([obj])[obj.pk]
        return format_html_join(mark_safe("<br>"), "{}", ((str(change),) for change in changes))


@admin.register(ChangedMonth)
class ChangedMonthAdmin(ReadOnlyAdmin):
    list_display = ["engagement", "month", "marked_at", "reason", "claimed_at", "claimed_by"]
    list_select_related = ["engagement"]


@admin.register(PendingTask)
class PendingTaskAdmin(ReadOnlyAdmin):
    list_display = ["task_name", "created_at", "attempts", "error"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["hostname", "seen_at"]
