"""The monthly email: an HTML summary with a link, the PDF attached, to the Leadership group."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kernel.months import first_of
from kernel.roles import LEADERSHIP
from reports.models import ComparisonReport


def leadership_recipients() -> list[str]:
    """Return the email addresses of the active users of the Leadership group."""
    users = get_user_model().objects.filter(groups__name=LEADERSHIP, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def monthly_email_send(*, month: dt.date, force: bool = False) -> int:
    """Email a month's report to Leadership once (force: again); return how many recipients."""
    from reports.pdf import report_pdf

    report = ComparisonReport.objects.filter(month=first_of(month)).first()
    recipients = leadership_recipients()
    if report is None or not recipients:
        return 0
    # Claim the send with a conditional update: a redelivered task never mails twice.
    claimable = ComparisonReport.objects.filter(pk=report.pk)
    if not force:
        claimable = claimable.filter(emailed_at__isnull=True)
    if not claimable.update(emailed_at=timezone.now()):
        return 0
    try:
        payload = report.payload
        link = settings.SITE_URL + reverse("reports:month", kwargs={"month": payload["month"]})
        context = {"report": report, "payload": payload, "link": link}
        message = EmailMultiAlternatives(
            subject=f"Delivery model comparison: {payload['month_label']}",
            body=render_to_string("reports/email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=recipients,
        )
        message.attach_alternative(render_to_string("reports/email.html", context), "text/html")
        message.attach(f"delivery-report-{payload['month']}.pdf", report_pdf(report), "application/pdf")
        message.send()
    except Exception:
        ComparisonReport.objects.filter(pk=report.pk).update(emailed_at=None)
        raise
    return len(recipients)
