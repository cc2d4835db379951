"""Leadership pages: the months, one month's report, its CSV and PDF (for those who may view reports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kernel.months import month_iso, parse_month
from reports import charts
from reports.exports import report_csv
from reports.pdf import report_pdf
from reports.presentation import present
from reports.selectors import (
    latest_report_month,
    month_status,
    months_overview,
    recent_jobs,
    report_for,
)
from reports.services.jobs import recompute_month_request

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
    """List the months with when each was computed, whether it is stale, and running jobs."""
    statuses = months_overview()
    running = any(status.job for status in statuses)
    return render(
        request,
        "reports/index.html",
        {"statuses": statuses, "jobs": recent_jobs(), "auto_refresh": running},
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
def month_report(request: HttpRequest, month: str) -> HttpResponse:
    """Show one month's comparison report with its charts, checklist and events."""
    when = _month(month)
    report = report_for(when)
    status = month_status(when)
    if report is None and status.job is None:
        raise Http404("No report for this month yet.")
    context: dict[str, Any] = {
        "month": when,
        "status": status,
        "report": report,
        "auto_refresh": status.job is not None,
        "can_recompute": can_request_recompute(request.user),
    }
    if report is not None:
        view = present(report.payload)
        context["view"] = view
        context["charts"] = [
            {"title": chart.title, "svg": charts.to_svg(chart)}
            for chart in charts.report_charts(report.payload).values()
        ]
        context["area_charts"] = {
            area["id"]: charts.to_svg(charts.cumulative_chart(area, f"{area['name']}: cumulative cost"))
            for area in report.payload["service_areas"]
        }
    return render(request, "reports/month.html", context)


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
