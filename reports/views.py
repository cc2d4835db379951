"""Leadership pages: the months, one month's report, its CSV and PDF (for those who may view reports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kernel.months import current_month, month_iso, parse_month
from reports.exports import report_csv, report_xlsx
from reports.history import engagement_history, history_page
from reports.page_queries import closed_months, month_figures, report_months
from reports.pages import index_row, month_page, neighbours, vendor_rows
from reports.pdf import report_pdf
from reports.selectors import (
    MonthStatus,
    data_gaps,
    latest_report_month,
    month_status,
    months_overview,
    recent_jobs,
    report_for,
    snapshots_for,
    sort_scorecards,
    vendor_scorecards,
)
from reports.services.jobs import recompute_month_request
from reports.services.upgrade import report_is_outdated

View = Callable[..., HttpResponse]
# Reading the reports and asking for a recompute (both roles read; Operations asks).
READ_REPORTS = "reports.view_comparisonreport"
REQUEST_RECOMPUTE = "reports.add_recomputejob"


def can_read_reports(user: Any) -> bool:
    """Tell whether the user may read the reports (Leadership, Operations, superusers)."""
    return bool(user.is_authenticated and user.has_perm(READ_REPORTS))


def can_request_recompute(user: Any) -> bool:
    """Tell whether the user may ask for a recompute (Operations, superusers)."""
    return bool(user.is_authenticated and user.has_perm(REQUEST_RECOMPUTE))


def report_reader_required(view: View) -> View:
    """Send anonymous users to log in; refuse (403) users who may not view the reports."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("reports:login"))
        if not can_read_reports(request.user):
            raise PermissionDenied("Your account may not view the reports.")
        return view(request, *args, **kwargs)

    return wrapper


def _month(raw: str) -> dt.date:
    month = parse_month(raw)
    if month is None:
        raise Http404("Not a month")
    return month


class ReportsLoginView(LoginView):
    """Log in; without a `next`, land on the latest report."""

    template_name = "reports/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("reports:latest")


@require_GET
@report_reader_required
def index(request: HttpRequest) -> HttpResponse:
    """List the months: cost per model and the gap, fresh or stale, open or closed, and running jobs."""
    statuses = months_overview()
    current = current_month()
    if not any(status.month == current for status in statuses):
        # The current month is always listed: provisional, to date, even before its first report
        # (not in the overview: no report, no snapshot and no job yet).
        statuses.insert(0, MonthStatus(current, None, None, 0, stale=False, job=None))
    figures = month_figures()
    closed = closed_months()
    rows = [
        {
            **index_row(figures.get(status.month)),
            "status": status,
            "iso": month_iso(status.month),
            "closed": status.month in closed,
            "provisional": status.month == current,
        }
        for status in statuses
    ]
    running = any(status.job for status in statuses)
    return render(
        request,
        "reports/index.html",
        {"rows": rows, "jobs": recent_jobs(), "auto_refresh": running, "currency": settings.BASE_CURRENCY},
    )


@require_GET
@report_reader_required
def latest(request: HttpRequest) -> HttpResponse:
    """Redirect to the newest report (or the months page when there is none yet)."""
    month = latest_report_month()
    if month is None:
        return redirect("reports:index")
    return redirect("reports:month", month=month_iso(month))


@require_GET
@report_reader_required
def pick(request: HttpRequest) -> HttpResponse:
    """The month picker's target: go to the month chosen (keeping the area filter)."""
    month = parse_month(request.GET.get("month", ""))
    if month is None:
        return redirect("reports:latest")
    url = reverse("reports:month", kwargs={"month": month_iso(month)})
    area = _area(request)
    return redirect(f"{url}?area={area}" if area is not None else url)


def _area(request: HttpRequest) -> int | None:
    raw = request.GET.get("area", "")
    return int(raw) if raw.isdigit() else None


@require_GET
@report_reader_required
def month_report(request: HttpRequest, month: str) -> HttpResponse:
    """Show one month's report: the verdict per area first, then the gaps in the data, then the details."""
    when = _month(month)
    current = current_month()
    if when > current:
        raise Http404("This month has not begun.")
    report = report_for(when)
    status = month_status(when)
    if report is None and status.job is None and when != current:
        raise Http404("No report for this month yet.")
    area = _area(request)
    context: dict[str, Any] = {
        "month": when,
        "iso": month_iso(when),
        "status": status,
        "report": report,
        "auto_refresh": status.job is not None,
        "can_recompute": can_request_recompute(request.user),
        "provisional": when == current,
        "closed": when in closed_months(),
        "nav": neighbours(when, report_months(), current),
        "area": area,
        "time_zone": settings.TIME_ZONE,
    }
    if report is None and when == current:
        # Changes recompute their engagements' figures before the report to date is built (QA C4): say so,
        # and list the gaps found so far (the ops home links here for them).
        context["partial"] = {"engagements": snapshots_for(when).count(), "gaps": data_gaps(when)}
    if report is not None:
        page = month_page(report.payload, area_id=area, with_links=bool(request.user.is_staff))
        context["view"] = context["page"] = page
        context["area"] = page["area_id"]
        context["area_choices"] = [(a["id"], a["name"]) for a in report.payload["service_areas"]]
        # Stored before an upgrade: say so rather than show a report without its verdicts as if it had none.
        context["outdated"] = report_is_outdated(report.payload)
    return render(request, "reports/month.html", context)


@require_GET
@report_reader_required
def vendors(request: HttpRequest, month: str) -> HttpResponse:
    """The vendor scorecards of a month, sortable by cost, attainment, credits or variance."""
    when = _month(month)
    current = current_month()
    report = report_for(when)
    # As the month's report: no page for a month that has not begun or has no report (QA C8; far months crashed).
    if when > current or (report is None and when != current):
        raise Http404("No report for this month.")
    rows = (report.payload.get("vendors") if report is not None else None) or vendor_scorecards(when)
    ordering = request.GET.get("sort", "name")
    try:
        rows = sort_scorecards(rows, ordering)
    except ValueError:
        ordering = "name"
    sorts = [
        ("name", "Name"),
        ("-cost", "Cost"),
        ("-attainment", "Attainment"),
        ("-credits", "Credits"),
        ("-variance", "Variance"),
    ]
    return render(
        request,
        "reports/vendors.html",
        {
            "month": when,
            "iso": month_iso(when),
            "rows": vendor_rows(rows, month_iso(when), bool(request.user.is_staff)),
            "sort": ordering,
            "sorts": sorts,
            "closed": when in closed_months(),
            "provisional": when == current,
            "currency": settings.BASE_CURRENCY,
            "nav": neighbours(when, report_months(), current),
        },
    )


@require_GET
@report_reader_required
def engagement(request: HttpRequest, pk: int) -> HttpResponse:
    """One engagement's last 24 months from its snapshots: a table and a chart."""
    found = engagement_history(pk)
    if found is None:
        raise Http404("No such engagement.")
    item, history = found
    return render(
        request,
        "reports/engagement.html",
        {**history_page(item, history), "engagement": item, "with_links": bool(request.user.is_staff)},
    )


@require_GET
@report_reader_required
def month_csv(request: HttpRequest, month: str) -> HttpResponse:
    """Download one month's report as CSV."""
    report = report_for(_month(month))
    if report is None:
        raise Http404("No report for this month yet.")
    response = HttpResponse(report_csv(report.payload), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="delivery-report-{month}.csv"'
    return response


@require_GET
@report_reader_required
def month_xlsx(request: HttpRequest, month: str) -> HttpResponse:
    """Download one month's report as an XLSX workbook (the CSV's sections, one sheet each), for finance."""
    report = report_for(_month(month))
    if report is None:
        raise Http404("No report for this month yet.")
    response = HttpResponse(
        report_xlsx(report.payload), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="delivery-report-{month}.xlsx"'
    return response


@require_GET
@report_reader_required
def month_pdf(request: HttpRequest, month: str) -> HttpResponse:
    """Download one month's report as PDF."""
    report = report_for(_month(month))
    if report is None:
        raise Http404("No report for this month yet.")
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="delivery-report-{month}.pdf"'
    return response


@require_POST
@report_reader_required
def recompute(request: HttpRequest, month: str) -> HttpResponse:
    """Ask for a month to be recomputed (needs the permission to add a recompute job)."""
    if not can_request_recompute(request.user):
        raise PermissionDenied("Your account may not ask for a recompute.")
    job = recompute_month_request(_month(month), requested_by=request.user)
    messages.success(request, f"Recompute of {job.month:%B %Y} requested.")
    return redirect("reports:month", month=month)
