import csv
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Period
from rankings.selectors import EXPORT_COLUMNS, export_rows, period_results


class Command(BaseCommand):
    help = (
        "Write a period's working results as CSV or JSON (UTF-8, header row), one row per unit. "
        "The public downloads (/results/<year>/download.csv) serve the published version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", type=Path, help="a file to write (default: stdout)")

    def handle(
        self, *args: object, year: int, format: str, output: Path | None, **options: object
    ) -> None:
        try:
            period = Period.objects.get(year=year)
        except Period.DoesNotExist:
            raise CommandError(f"There is no period {year}.") from None
        rows = export_rows(period_results(period))  # the working results, published or not
        if not rows:
            raise CommandError(f"Period {year} has no results: run score_period {year} first.")
        buffer = io.StringIO()
        if format == "csv":
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(EXPORT_COLUMNS)
            writer.writerows(rows)
        else:
            records = [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows]
            json.dump(records, buffer, ensure_ascii=False, indent=1)
            buffer.write("\n")
        if output:
            output.write_text(buffer.getvalue(), encoding="utf-8")
        else:
            self.stdout.write(buffer.getvalue(), ending="")
        if output:
            self.stderr.write(f"Wrote {len(rows)} results of {year} to {output}.")
