"""24 months of both delivery models in three service areas, recorded as reports.demo.plans tells.

Everything is written through the services (bulk writes through the audited,
month-marking querysets).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from billing.models import CreditStatus, Invoice, ServiceCredit
from billing.selectors import engagement_month_costs
from billing.services import (
    contractor_rate_create,
    exchange_rate_set,
    fee_schedule_create,
    internal_rate_create,
    invoices_reconcile_month,
    next_invoice_for,
    one_time_charge_create,
    service_credit_apply,
    service_credit_claim,
    service_credit_grant,
    service_credits_assess,
)
from engagements.models import (
    Engagement,
    Milestone,
    OverheadEntry,
    Person,
    TimeEntry,
    Vendor,
)
from engagements.services.engagements import (
    compliance_attestation_create,
    contractor_create,
    engagement_create,
    person_create,
    service_area_create,
    vendor_create,
)
from kernel.months import add_months, days_in, first_of, local_midnight
from reports.demo.plans import PLANS, TARGETS, TIERS, AreaPlan
from reports.services.checklists import checklist_set
from sla.models import Outage, Ticket
from sla.services.assignments import sla_assignment_create
from sla.services.calendars import coverage_calendar_create
from sla.services.monitoring import monitored_service_create
from sla.services.policies import sla_policy_create

SEED = 20260401
QUARTER = Decimal("0.25")
UTC = dt.UTC


def weekdays(month: dt.date) -> list[dt.date]:
    """Return the Monday-to-Friday dates of a month."""
    days = (month.replace(day=i) for i in range(1, days_in(month) + 1))
    return [day for day in days if day.weekday() < 5]


def _quarters(total: Decimal, parts: int) -> list[Decimal]:
    """Split hours into `parts` quarter-hour amounts that add up to total (rounded to a quarter)."""
    quarters = int((total / QUARTER).to_integral_value(ROUND_HALF_UP))
    base, extra = divmod(quarters, parts)
    return [QUARTER * (base + (1 if i < extra else 0)) for i in range(parts)]


class Story:
    """Writes the story of every service area for the 24 months ending `last_month`."""

    def __init__(self, *, last_month: dt.date, manager: Person) -> None:
        self.last = first_of(last_month)
        self.first = add_months(self.last, -23)
        self.months = [add_months(self.first, k) for k in range(24)]
        self.manager = manager
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.engagements: list[Engagement] = []
        self.calendar = coverage_calendar_create(name="24x7 (demo)", time_zone="UTC", always_on=True)

    # --- the story, area by area ------------------------------------------------------------

    def build(self) -> list[Engagement]:
        for month in self.months:
            exchange_rate_set(
                month=month, currency="EUR", rate_to_base=Decimal("1.08") + Decimal(month.month % 5) / 100
            )
        for plan in PLANS:
            self._area(plan)
        return self.engagements

    def _area(self, plan: AreaPlan) -> None:
        area = service_area_create(name=plan.name)
        staffing = vendor_create(name=plan.staff_vendor, kind="staffing")
        msp = vendor_create(name=plan.msp_vendor, kind="msp")
        staff = engagement_create(
            name=f"{plan.name} (augmented)",
            vendor=staffing,
            model="staff_aug",
            service_area=area,
            start_date=self.first,
            owner=self.manager,
            cost_center="IT-200",
        )
        managed = engagement_create(
            name=f"{plan.name} (managed)",
            vendor=msp,
            model="managed",
            service_area=area,
            start_date=self.first,
            owner=self.manager,
            cost_center="IT-200",
            currency=plan.msp_currency,
        )
        self.engagements += [staff, managed]
        self._staff_aug(plan, staff)
        self._managed(plan, managed)
        for engagement, is_managed in ((staff, False), (managed, True)):
            policy = sla_policy_create(
                name=f"{engagement.name} {'SLA' if is_managed else 'OLA'}",
                calendar=self.calendar,
                uptime_target=Decimal("99.900") if is_managed else Decimal("99.500"),
                credit_tiers=TIERS if is_managed else (),
                priority_targets=TARGETS,
            )
            sla_assignment_create(engagement=engagement, policy=policy, effective_from=self.first)
            if plan.tickets:
                self._tickets(engagement, plan.tickets, managed=is_managed)
            for name, impact in plan.services:
                self._outages(engagement, name, Decimal(impact), managed=is_managed)
            if plan.milestones:
                self._milestones(engagement, managed=is_managed)
        self._attestations(staffing, msp)
        checklist_set(service_area=area, **plan.checklist)

    def _staff_aug(self, plan: AreaPlan, engagement: Engagement) -> None:
        rates = list(plan.rates)
        contractors = []
        for i, rate in enumerate(rates, start=1):
            contractors.append((contractor_create(engagement=engagement, name=f"{plan.name} contractor {i}"), 1, rate))
        for n, (month_index, rate) in enumerate(plan.joins, start=len(rates) + 1):
            contractors.append(
                (contractor_create(engagement=engagement, name=f"{plan.name} contractor {n}"), month_index, rate)
            )
        entries = []
        for contractor, joined, rate in contractors:
            start = self.months[joined - 1]
            contractor_rate_create(contractor=contractor, hourly_rate=Decimal(rate), effective_from=start)
            # A yearly increase once the engagement enters its second year.
            contractor_rate_create(
                contractor=contractor,
                hourly_rate=(Decimal(rate) * Decimal("1.05")).quantize(Decimal("0.01")),
                effective_from=self.months[max(12, joined)],
            )
            for index, month in enumerate(self.months, start=1):
                if index < joined:
                    continue
                hours = min(Decimal(172), plan.base_hours + plan.hours_growth * (index - 1))
                hours += Decimal(self.rng.randint(-6, 6))
                days = weekdays(month)
                for day, amount in zip(days, _quarters(hours, len(days)), strict=True):
                    if amount:
                        entries.append(TimeEntry(contractor=contractor, date=day, hours=amount, source="demo"))
        TimeEntry.objects.bulk_create(entries, batch_size=2000)
        overhead = []
        joins = {index for index, _ in plan.joins} | {1}
        for index, month in enumerate(self.months, start=1):
            supervision = plan.supervision + plan.supervision_growth * (index - 1)
            work = [
                ("supervision", supervision),
                ("qa_review", Decimal(3) + Decimal("0.6") * (index - 1)),
                ("rework", Decimal(1) + Decimal("0.5") * (index - 1)),
            ]
            if index in joins:
                work.append(("onboarding", Decimal(16)))
            days = weekdays(month)
            for activity, hours in work:
                for week, amount in enumerate(_quarters(hours, 4)):
                    if amount:
                        overhead.append(
                            OverheadEntry(
                                engagement=engagement,
                                person=self.manager,
                                activity=activity,
                                date=days[min(week * 5, len(days) - 1)],
                                hours=amount,
                            )
                        )
        OverheadEntry.objects.bulk_create(overhead, batch_size=2000)
        one_time_charge_create(
            engagement=engagement,
            date=self.first,
            amount=Decimal("4500.00"),
            kind="placement",
            description="Placement fees",
        )

    def _managed(self, plan: AreaPlan, engagement: Engagement) -> None:
        fee_schedule_create(engagement=engagement, monthly_fee=Decimal(plan.fee), effective_from=self.first)
        fee_schedule_create(
            engagement=engagement,
            monthly_fee=(Decimal(plan.fee) * Decimal("1.03")).quantize(Decimal(1)),
            effective_from=self.months[12],
        )
        one_time_charge_create(
            engagement=engagement,
            date=self.first,
            amount=Decimal(plan.onboarding),
            kind="onboarding",
            description="Transition and onboarding (30-90 days)",
        )
        one_time_charge_create(
            engagement=engagement,
            date=self.months[1].replace(day=10),
            amount=Decimal(plan.setup),
            kind="setup",
            description="Tooling and monitoring setup",
        )
        overhead = []
        for index, month in enumerate(self.months, start=1):
            hours = {1: Decimal(36), 2: Decimal(24), 3: Decimal(12)}.get(index, Decimal(6))
            activity = "onboarding" if index <= 2 else "vendor_management"
            for week, amount in enumerate(_quarters(hours, 3)):
                overhead.append(
                    OverheadEntry(
                        engagement=engagement,
                        person=self.manager,
                        activity=activity,
                        date=weekdays(month)[week * 5],
                        hours=amount,
                    )
                )
        OverheadEntry.objects.bulk_create(overhead)

    def _instant(self, month: dt.date, day_fraction: float) -> dt.datetime:
        start = dt.datetime(month.year, month.month, 1, tzinfo=UTC)
        end = dt.datetime.combine(add_months(month, 1), dt.time(), tzinfo=UTC)
        return start + (end - start) * day_fraction

    def _tickets(self, engagement: Engagement, per_month: int, *, managed: bool) -> None:
        tickets = []
        # Months here are UTC, the engagement begins at its local midnight: none is opened before it (sla rule).
        began = local_midnight(engagement.start_date)
        for index, month in enumerate(self.months, start=1):
            # Staff aug slips as load and turnover grow; the MSP is slow only while onboarding.
            late_share = (0.25 if index <= 3 else 0.05) if managed else 0.05 + 0.006 * index
            for _ in range(per_month + self.rng.randint(-5, 5)):
                opened = max(self._instant(month, self.rng.random() * 0.97), began)
                priority = self.rng.choices(["P1", "P2", "P3", "P4"], weights=[5, 15, 50, 30])[0]
                target = next(t for t in TARGETS if t["priority"] == priority)
                late = self.rng.random() < late_share
                respond = target["response_minutes"] * (
                    self.rng.uniform(1.1, 3) if late else self.rng.uniform(0.1, 0.9)
                )
                resolve = target["resolution_minutes"] * (
                    self.rng.uniform(1.1, 2.5) if late else self.rng.uniform(0.2, 0.95)
                )
                responded = opened + dt.timedelta(minutes=respond)
                resolved = opened + dt.timedelta(minutes=resolve)
                tickets.append(
                    Ticket(
                        engagement=engagement,
                        priority=priority,
                        category="incident",
                        opened_at=opened,
                        first_response_at=responded if responded < self.now else None,
                        resolved_at=resolved if resolved < self.now and self.rng.random() > 0.02 else None,
                        summary=f"{engagement.service_area} incident",
                        source="demo",
                    )
                )
        # Their clocks are computed by the refresh the SLA assignment queued for after commit.
        Ticket.objects.bulk_create(tickets, batch_size=2000)

    def _outages(self, engagement: Engagement, name: str, impact: Decimal, *, managed: bool) -> None:
        service = monitored_service_create(engagement=engagement, name=name, business_impact_per_hour=impact)
        outages = []
        for index, month in enumerate(self.months, start=1):
            count = self.rng.choice([0, 1, 1, 2] if managed else [0, 1, 2, 2, 3])
            for _ in range(count):
                start = self._instant(month, self.rng.random() * 0.95)
                minutes = self.rng.randint(5, 40) if managed and index > 3 else self.rng.randint(15, 150)
                outages.append(
                    Outage(
                        service=service,
                        started_at=start,
                        ended_at=start + dt.timedelta(minutes=minutes),
                        reason="Unplanned outage",
                        source="demo",
                    )
                )
            if managed:
                start = self._instant(month, 0.5).replace(hour=2, minute=0, second=0, microsecond=0)
                outages.append(
                    Outage(
                        service=service,
                        started_at=start,
                        ended_at=start + dt.timedelta(hours=2),
                        planned=True,
                        reason="Announced maintenance",
                        source="demo",
                    )
                )
        Outage.objects.bulk_create(outages)

    def _milestones(self, engagement: Engagement, *, managed: bool) -> None:
        milestones = []
        for index, month in enumerate(self.months, start=1):
            due = month.replace(day=15)
            slip = self.rng.random() < (0.2 if managed else 0.35)
            delivered = due + dt.timedelta(days=self.rng.randint(3, 12) if slip else -self.rng.randint(0, 4))
            done = delivered < self.now.date()
            milestones.append(
                Milestone(
                    engagement=engagement,
                    title=f"{engagement.service_area} wave {index}",
                    due_date=due,
                    delivered_date=delivered if done else None,
                    accepted=done and self.rng.random() > 0.1,
                )
            )
        Milestone.objects.bulk_create(milestones)

    def _attestations(self, staffing: Vendor, msp: Vendor) -> None:
        month_end = add_months(self.last, 1) - dt.timedelta(days=1)
        compliance_attestation_create(
            vendor=msp,
            type="soc2_type2",
            issued=month_end - dt.timedelta(days=330),
            expires=month_end + dt.timedelta(days=35),
            reference="SOC2-2025",
        )
        compliance_attestation_create(
            vendor=msp, type="iso_27001", issued=self.first, expires=self.first + dt.timedelta(days=3 * 365)
        )
        compliance_attestation_create(
            vendor=staffing, type="hipaa_baa", issued=self.first, expires=self.first + dt.timedelta(days=2 * 365 + 200)
        )

    # --- money that follows the figures: invoices and the credit ledger ---------------------------

    def invoices_and_credits(self, engagements: list[Engagement]) -> None:
        """Record the vendors' invoices (a few off the expected amount) and the credits' claims."""
        for month in self.months:
            service_credits_assess(month=month)
            costs = engagement_month_costs([e.pk for e in engagements], month)
            invoices = []
            for engagement in engagements:
                amount = costs[engagement.pk].gross_vendor_cost
                if self.rng.random() < 0.08:
                    amount += Decimal(self.rng.choice([-1, 1]) * self.rng.randint(250, 1800))
                invoices.append(
                    Invoice(
                        engagement=engagement,
                        period=month,
                        number=f"{engagement.pk:03d}-{month:%Y%m}",
                        amount=max(amount, Decimal(0)),
                        received=add_months(month, 1) + dt.timedelta(days=5),
                    )
                )
            # One audited bulk write and one reconciliation per month (invoice_create reconciles one by one).
            Invoice.objects.bulk_create(invoices)
            invoices_reconcile_month(month=month)
        recent = add_months(self.last, -2)
        for credit in ServiceCredit.objects.filter(status=CreditStatus.ELIGIBLE).order_by("month", "pk"):
            if credit.month >= recent:
                continue
            service_credit_claim(credit=credit, note="Claimed at the monthly service review")
            if credit.month < add_months(self.last, -5):
                service_credit_grant(credit=credit, note="Granted by the provider")
                invoice = next_invoice_for(credit)
                if invoice is not None:
                    service_credit_apply(credit=credit, invoice=invoice)


def demo_manager() -> Person:
    """Record the internal manager of the demo engagements with the organisation's default internal rate."""
    manager = person_create(name="Dana Whitfield", email="dana.whitfield@example.com")
    internal_rate_create(person=None, hourly_cost=Decimal("95.00"), effective_from=dt.date(2020, 1, 1))
    internal_rate_create(person=manager, hourly_cost=Decimal("120.00"), effective_from=dt.date(2020, 1, 1))
    return manager
