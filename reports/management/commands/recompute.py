"""manage.py recompute: recompute stored months (snapshots and report), e.g. after an upgrade.

    manage.py recompute --month 2026-10 [--engagement 7]
    manage.py recompute --from 2026-01 --to 2026-10
    manage.py recompute --all          every month with a stored snapshot or report
    manage.py recompute --outdated     only months an upgrade left behind
    add --queue to hand the months to the workers instead of computing them here

The steps are the month job's (reports.services.jobs); an unchanged month stays unchanged.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from engagements.models import Engagement
from kernel.months import current_month, month_iso, months_between, parse_month
from reports.services.jobs import recompute_month_request
from reports.services.upgrade import (
    MonthOutcome,
    later_reports_rebuild,
    month_recompute_in_process,
    outdated_months,
    stored_months,
)


def _month(raw: str, option: str) -> dt.date:
    month = parse_month(raw, any_year=True)  # its own message for a month far ahead (below)
    if month is None:
        raise CommandError(f"{option} {raw!r} is not a month: write it as YYYY-MM, e.g. 2026-10.")
    if month > current_month():
        raise CommandError(f"{option} {month_iso(month)} is in the future: there is nothing to compute yet.")
    return month


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Recompute stored months (snapshots and report) with the current code: one month, a range, "
        "every stored month, or only those built by an older version (--outdated, after an upgrade)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--month", metavar="YYYY-MM", help="One month.")
        which.add_argument("--all", action="store_true", help="Every month with a stored snapshot or report.")
        which.add_argument(
            "--outdated",
            action="store_true",
            help="Only months whose stored report or open-month snapshots an older version built.",
        )
        parser.add_argument("--from", dest="first", metavar="YYYY-MM", help="First month of a range (with --to).")
        parser.add_argument("--to", dest="last", metavar="YYYY-MM", help="Last month of a range (with --from).")
        parser.add_argument("--engagement", type=int, metavar="ID", help="Only this engagement (with --month).")
        parser.add_argument(
            "--queue", action="store_true", help="Queue a job per month for the workers instead of computing here."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        months = self._months(options)
        engagement = options["engagement"]
        if engagement is not None and not Engagement.objects.filter(pk=engagement).exists():
            raise CommandError(f"No engagement with id {engagement}.")
        if not months:
            self.stdout.write("Nothing to recompute: every stored month is up to date.")
            return
        if options["queue"]:
            self._queue(months, engagement)
        else:
            self._run(months, engagement)

    def _months(self, options: dict[str, Any]) -> list[dt.date]:
        ranged = options["first"] is not None or options["last"] is not None
        chosen = [options["month"] is not None, options["all"], options["outdated"], ranged]
        if sum(chosen) != 1:
            raise CommandError("Say which months: --month YYYY-MM, --from YYYY-MM --to YYYY-MM, --all or --outdated.")
        if options["engagement"] is not None and options["month"] is None:
            raise CommandError("--engagement goes with --month (one engagement-month).")
        if options["month"] is not None:
            return [_month(options["month"], "--month")]
        if options["all"]:
            return stored_months()
        if options["outdated"]:
            return outdated_months()
        if options["first"] is None or options["last"] is None:
            raise CommandError("A range needs both --from YYYY-MM and --to YYYY-MM.")
        first, last = _month(options["first"], "--from"), _month(options["last"], "--to")
        if first > last:
            raise CommandError(f"--from {month_iso(first)} is after --to {month_iso(last)}.")
        return months_between(first, last)

    def _queue(self, months: list[dt.date], engagement: int | None) -> None:
        for month in months:
            job = recompute_month_request(month, engagement)
            self.stdout.write(f"{month_iso(month)}: job {job.pk} {job.get_state_display().lower()}")
        self.stdout.write(self.style.SUCCESS(f"Queued {_plural(len(months), 'month')} for the workers."))

    def _run(self, months: list[dt.date], engagement: int | None) -> None:
        start, changed = time.monotonic(), 0
        for index, month in enumerate(months, 1):
            # Oldest first, each month's later reports left to the end: every report is built once.
            outcome = month_recompute_in_process(month, engagement, rebuild_later=False)
            changed += outcome.snapshots_changed > 0 or outcome.report_changed
            self.stdout.write(f"[{index}/{len(months)}] {self._describe(outcome)}")
        later = later_reports_rebuild(months)
        if later:
            rebuilt = sum(1 for _, report_changed in later if report_changed)
            first, last = month_iso(later[0][0]), month_iso(later[-1][0])
            span = first if first == last else f"{first} to {last}"
            self.stdout.write(
                f"Later reports whose trends show these months: {_plural(len(later), 'report')} ({span}), "
                f"{rebuilt} changed."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed {_plural(len(months), 'month')} in {time.monotonic() - start:.1f} s: "
                f"{changed} changed, {len(months) - changed} unchanged."
            )
        )

    @staticmethod
    def _describe(outcome: MonthOutcome) -> str:
        report = "report rebuilt" if outcome.report_changed else "report unchanged"
        return (
            f"{month_iso(outcome.month)}: {_plural(outcome.engagements, 'engagement')}, "
            f"{outcome.snapshots_changed} snapshots changed, {report} (job {outcome.job_id})"
        )
