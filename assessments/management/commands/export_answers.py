import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from assessments.management.commands import _imports
from assessments.services.imports import EXPORT_COLUMNS, export_rows
from assessments.spreadsheets import write_csv, write_xlsx


class Command(BaseCommand):
    help = (
        "Write every answer of a period as CSV or XLSX in the format import_answers reads "
        "(FILE '-' writes CSV to standard output)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("file", help="a .csv or .xlsx file to write, or - for stdout")
        parser.add_argument(
            "--format", choices=["csv", "xlsx"], help="default: from the file's extension"
        )

    def handle(
        self, *args: object, year: int, file: str, format: str | None, **options: object
    ) -> None:
        period = _imports.period(year)
        fmt = format or (Path(file).suffix.lower().lstrip(".") if file != "-" else "csv")
        if fmt not in ("csv", "xlsx"):
            raise CommandError(_("Give a file ending in .csv or .xlsx, or --format."))
        rows = export_rows(period)
        if fmt == "csv":
            data = write_csv(EXPORT_COLUMNS, rows)
        else:
            data = write_xlsx(EXPORT_COLUMNS, rows, title=f"answers-{year}")
        if file == "-":
            sys.stdout.buffer.write(data)
            return
        Path(file).write_bytes(data)
        self.stderr.write(
            _("Wrote %(count)d answers of %(year)s to %(file)s.")
            % {"count": len(rows), "year": year, "file": file}
        )
