"""`manage.py import_file`: import a time tracker, help-desk or uptime monitor export from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from engagements.models import Engagement
from engagements.selectors import engagement_matching
from imports.parsers import FORMATS
from imports.services import IMPORTERS, FileError, ImportReport, file_import

BAR_WIDTH = 30


def progress_bar(stream: OutputWrapper) -> Any:
    """Return a callback drawing `[#####.....] done/total` on a command's stream (stderr)."""

    def draw(done: int, total: int) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} rows", ending="")
        if done >= total:
            stream.write("")
        stream.flush()

    return draw


class Command(BaseCommand):
    help = "Import an export file (timesheets, tickets or outages); re-importing a file changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The export file (CSV).")
        parser.add_argument("--kind", required=True, choices=sorted(IMPORTERS))
        parser.add_argument(
            "--format", required=True, dest="fmt", choices=sorted({f for formats in FORMATS.values() for f in formats})
        )
        parser.add_argument("--engagement", help="Engagement (id or name) for rows whose file does not say.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing.")
        parser.add_argument("--allow-partial", action="store_true", help="Import the good rows of a half-valid file.")
        order = parser.add_mutually_exclusive_group()
        order.add_argument(
            "--day-first",
            dest="day_first",
            action="store_const",
            const=True,
            default=None,
            help="Dates like 03/04/2024 are 3 April.",
        )
        order.add_argument(
            "--month-first",
            dest="day_first",
            action="store_const",
            const=False,
            help="Dates like 03/04/2024 are 4 March.",
        )
        parser.add_argument("--tz", help="IANA time zone of times without an offset (default: TIME_ZONE).")
        parser.add_argument("--user", help="Username the import is recorded under.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            report = file_import(
                kind=options["kind"],
                fmt=options["fmt"],
                data=path.read_bytes(),
                name=path.name,
                engagement=self._engagement(options["engagement"]),
                day_first=options["day_first"],
                tz=options["tz"],
                dry_run=options["dry_run"],
                allow_partial=options["allow_partial"],
                user=self._user(options["user"]),
                progress=progress_bar(self.stderr),
            )
        except FileError as exc:
            raise CommandError(str(exc)) from exc
        self._print(report)
        if report.rejected and not report.written and not report.dry_run:
            raise CommandError(
                f"{report.rejected} row(s) rejected: nothing imported (use --allow-partial to import the rest)."
            )

    def _engagement(self, value: str | None) -> Engagement | None:
        if not value:
            return None
        engagement = Engagement.objects.filter(pk=int(value)).first() if value.isdigit() else engagement_matching(value)
        if engagement is None:
            raise CommandError(f"No engagement {value!r}.")
        return engagement

    def _user(self, username: str | None) -> Any:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def _print(self, report: ImportReport) -> None:
        mode = "Dry run: would import" if report.dry_run else ("Imported" if report.written else "Not imported")
        self.stdout.write(
            f"{mode} {report.kind} ({report.format}): read {report.read}, created {report.created}, "
            f"updated {report.updated}, unchanged {report.unchanged}, rejected {report.rejected}."
        )
        for row in report.rejected_rows:
            self.stdout.write(f"  line {row['row']}: {row['field'] or '-'}: {row['message']}")
        for what, names in report.unmatched.items():
            self.stdout.write(f"  unmatched {what}: {', '.join(names)}")
        for warning in report.warnings:
            self.stdout.write(f"  note: {warning}")
