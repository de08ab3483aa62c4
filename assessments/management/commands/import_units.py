from django.core.management.base import BaseCommand, CommandParser

from assessments.management.commands import _imports
from assessments.services.imports import ImportRejected, import_units


class Command(BaseCommand):
    help = (
        "Create or update units from a CSV or XLSX file (columns: code, name, block, parent, "
        "valid_from, valid_to, predecessor). All rows or none; running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument(
            "--period",
            type=int,
            metavar="YEAR",
            help="also make every unit of the file take part in this period, in its block",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report only")

    def handle(
        self, *args: object, file: str, period: int | None, dry_run: bool, **options: object
    ) -> None:
        sheet = _imports.read(file)
        target = _imports.period(period) if period is not None else None
        try:
            summary = import_units(sheet=sheet, period=target, dry_run=dry_run)
        except ImportRejected as exc:
            raise _imports.rejected(exc, self.stderr) from exc
        _imports.report(self, summary, dry_run=dry_run, verbosity=options["verbosity"])
