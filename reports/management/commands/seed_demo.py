"""manage.py seed_demo: demo users, 24 months of both delivery models, the worked example, every report."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from billing.services import invoice_create
from engagements.models import Engagement
from kernel.actor import acting_as
from kernel.months import add_months, current_month
from kernel.roles import LEADERSHIP, OPERATIONS
from reports.demo import demo_seeded
from reports.demo.story import Story, demo_manager
from reports.demo.worked_example import APRIL_2026, build_worked_example
from reports.hooks import recompute_deferred
from reports.services.builder.report import report_build
from reports.services.jobs import SNAPSHOT_BATCH, changed_months_recompute, chunks
from reports.services.snapshots import snapshots_compute

USERS = (
    ("operations", "operations-demo", OPERATIONS, False, "operations@example.com"),
    ("leadership", "leadership-demo", LEADERSHIP, False, "leadership@example.com"),
    ("admin", "admin-demo", None, True, "admin@example.com"),
)


class Command(BaseCommand):
    help = "Load demo data of both delivery models (24 months ending last month) and compute every report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete ALL data first, then seed again.")
        parser.add_argument(
            "--keep-existing", action="store_true", help="When data exists, leave it and exit successfully (make demo)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if Engagement.objects.exists() or get_user_model().objects.filter(username__in=[u[0] for u in USERS]).exists():
            if options["keep_existing"] and not options["reset"]:
                self.stdout.write("Data already present: kept as it is (seed_demo --reset replaces it).")
                return
            if not options["reset"]:
                raise CommandError(
                    "The database already has data; run `manage.py seed_demo --reset` to replace it all."
                )
            self._reset()
        last_month = add_months(current_month(), -1)
        with acting_as(label="seed_demo"), recompute_deferred():
            self._users()
            with transaction.atomic():
                manager = demo_manager()
                story = Story(last_month=last_month, manager=manager)
                engagements = story.build()
                example = build_worked_example()
            self.stdout.write(f"Facts recorded ({time.monotonic() - started:.1f} s); invoices and credits...")
            with transaction.atomic():
                story.invoices_and_credits(engagements)
                if story.first <= APRIL_2026 <= story.last:
                    invoice_create(
                        engagement=example.augmented, period=APRIL_2026, number="AUG-2026-04", amount=Decimal("3652.50")
                    )
                    invoice_create(
                        engagement=example.msp, period=APRIL_2026, number="MSP-2026-04", amount=Decimal("6500.00")
                    )
        self.stdout.write(f"Computing snapshots and reports ({time.monotonic() - started:.1f} s)...")
        months = sorted(set(story.months) | {APRIL_2026})
        self._compute(months)
        with acting_as(label="seed_demo"):
            demo_seeded.send(sender=type(self), last_month=last_month, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready in {time.monotonic() - started:.1f} s: {len(months)} monthly reports, latest "
                f"{last_month:%B %Y}. Logins: operations/operations-demo, leadership/leadership-demo, admin/admin-demo."
            )
        )

    def _reset(self) -> None:
        self.stdout.write("Deleting all data (--reset)...")
        # flush sends post_migrate: the wiring creates the role groups and the beat schedule again.
        call_command("flush", interactive=False, verbosity=0)

    def _users(self) -> None:
        User = get_user_model()
        for username, password, group, superuser, email in USERS:
            if superuser:
                user = User.objects.create_superuser(username=username, password=password, email=email)
            else:
                user = User.objects.create_user(username=username, password=password, email=email, is_staff=True)
                user.groups.add(Group.objects.get(name=group))

    def _compute(self, months: list[dt.date]) -> None:
        for month in months:
            ids = list(Engagement.objects.active_in(month).order_by("pk").values_list("pk", flat=True))
            for batch in chunks(ids, SNAPSHOT_BATCH):
                snapshots_compute(engagement_ids=batch, month=month)
        for month in months:
            report_build(month=month)
        # Marks left for months outside the window (the current month): computed too, no report.
        changed_months_recompute()
