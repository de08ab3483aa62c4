from django.core.management.base import BaseCommand, CommandParser

from assessments.management.commands import _imports
from assessments.services.imports import ImportRejected, import_framework


class Command(BaseCommand):
    help = (
        "Create or replace a period's criteria framework from a CSV or XLSX file, one row per "
        "indicator (see the README for the columns). Refused once the period has answers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument("--period", type=int, required=True, metavar="YEAR")
        parser.add_argument("--name", default="", help="the framework's name (Vietnamese)")
        parser.add_argument("--dry-run", action="store_true", help="check and report only")

    def handle(
        self, *args: object, file: str, period: int, name: str, dry_run: bool, **options: object
    ) -> None:
        sheet = _imports.read(file)
        target = _imports.period(period)
        try:
            summary = import_framework(sheet=sheet, period=target, name=name, dry_run=dry_run)
        except ImportRejected as exc:
            raise _imports.rejected(exc, self.stderr) from exc
        _imports.report(self, summary, dry_run=dry_run, verbosity=options["verbosity"])
