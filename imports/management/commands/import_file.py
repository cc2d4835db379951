"""`manage.py import_file`: import a time tracker, help-desk or uptime monitor export from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from engagements.models import Engagement
from engagements.selectors import engagement_matching
from imports.mapping import MOVE_OPTION_COMMAND, move_hint_naming
from imports.parsers import FORMATS
from imports.parsers.text import DATE_ORDER, DATE_ORDER_CHOICE
from imports.rejections import RejectionGroup, grouped
from imports.services import IMPORTERS, REPLACE_KIND_MESSAGE, REPLACE_KINDS, FileError, ImportReport, file_import

BAR_WIDTH = 30


class ProgressBar:
    """Draws `[#####.....] done/total rows` on a command's stream (stderr) as the import reads rows."""

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream, self.rows = stream, 0

    def total(self, rows: int) -> None:
        """Learn the file's number of data rows (called before the first row is read)."""
        self.rows = rows

    def __call__(self, done: int) -> None:
        filled = BAR_WIDTH * done // max(self.rows, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{self.rows} rows", ending="")
        if done >= self.rows:
            self.stream.write("")
        self.stream.flush()


def reason_of(field: str | None, message: str) -> str:
    """A refusal's reason: the field named once (messages often start with it already), the command's option named."""
    message = move_hint_naming(message, MOVE_OPTION_COMMAND)
    if field and not message.casefold().startswith(field.casefold()):
        message = f"{field}: {message}"
    return message


def line_of(row: dict[str, Any]) -> str:
    """One rejected row as a line (a refusal of the whole file, which has none, as its reason alone)."""
    if row["row"] is None:
        return f"  {reason_of(row['field'], row['message'])}"
    return f"  line {row['row']}: {reason_of(row['field'], row['message'])}"


def lines_of(group: RejectionGroup) -> str:
    """The rows refused for one reason: one row as line_of writes it, several with their lines and count."""
    if group.count <= 1:
        return line_of({"row": group.rows[0] if group.rows else None, "field": group.field, "message": group.message})
    return f"  lines {group.lines} ({group.count:,} rows): {reason_of(group.field, group.message)}"


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
        parser.add_argument(
            "--move",
            action="store_true",
            help="Let rows imported before under another engagement move to this one (refused otherwise).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Timesheets: the file is the whole truth for its days; entries an earlier import of the format "
            "stored on them that the file no longer has are removed (listed; nothing when a row is rejected).",
        )
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
        if options["replace"] and options["kind"] not in REPLACE_KINDS:
            raise CommandError(f"--replace: {REPLACE_KIND_MESSAGE}")
        bar = ProgressBar(self.stderr)
        try:
            report = file_import(
                kind=options["kind"],
                fmt=options["fmt"],
                data=path,
                name=path.name,
                engagement=self._engagement(options["engagement"]),
                day_first=options["day_first"],
                tz=options["tz"],
                dry_run=options["dry_run"],
                allow_partial=options["allow_partial"],
                move=options["move"],
                replace=options["replace"],
                user=self._user(options["user"]),
                progress=bar,
                total=bar.total,
            )
        except FileError as exc:
            message = str(exc)
            if exc.code == DATE_ORDER:
                message = message.replace(DATE_ORDER_CHOICE, "pass --day-first (DD/MM) or --month-first (MM/DD)")
            raise CommandError(message) from exc
        self._print(report)
        if report.refused:
            raise CommandError(self._refusal(report))

    @staticmethod
    def _refusal(report: ImportReport) -> str:
        """The error a refused file ends with; a dry run says the same of the real run."""
        prefix = "Dry run: a real run would refuse this file: " if report.dry_run else ""
        whole = [row["message"] for row in report.rejected_rows if row["row"] is None and row["field"] == "replace"]
        if whole:
            return f"{prefix}{whole[0]}"
        if report.created + report.updated + report.unchanged == 0 and report.rejected == report.read - report.skipped:
            return f"{prefix}all {report.rejected} row(s) rejected: nothing imported."
        return f"{prefix}{report.rejected} row(s) rejected: nothing imported (use --allow-partial to import the rest)."

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
        if report.dry_run:
            mode = "Dry run: would refuse" if report.refused else "Dry run: would import"
        else:
            mode = "Imported" if report.written else "Not imported"
        self.stdout.write(
            f"{mode} {report.kind} ({report.format}): read {report.read}, created {report.created}, "
            f"updated {report.updated}, unchanged {report.unchanged}, rejected {report.rejected}."
        )
        if report.skipped:
            self.stdout.write(f"  skipped {report.skipped} row(s) (see the notes)")
        for group in grouped(report.rejected_rows):
            self.stdout.write(lines_of(group))
        for what, names in report.unmatched.items():
            self.stdout.write(f"  unmatched {what}: {', '.join(names)}")
        for move in report.moves:
            self.stdout.write(f"  moves: {move}")
        if report.removed:
            verb = "would remove" if report.dry_run else "removed"
            self.stdout.write(f"  replace: {verb} {report.removed} entr{'y' if report.removed == 1 else 'ies'}")
            for removal in report.removals:
                self.stdout.write(f"  removes: {removal}")
            if report.removed > len(report.removals):
                self.stdout.write(f"  removes: ... and {report.removed - len(report.removals)} more")
        for warning in report.warnings:
            self.stdout.write(f"  note: {warning}")
        for warning in report.rate_warnings:
            self.stdout.write(f"  rates: {warning}")
