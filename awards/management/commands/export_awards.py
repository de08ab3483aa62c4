import csv
import json

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Period
from awards.models import Award

COLUMNS = [
    "category",
    "unit_code",
    "unit_name",
    "block_code",
    "rank",
    "index",
    "rank_change",
    "status",
]


def award_rows(period: Period) -> list[list[object]]:
    awards = Award.objects.filter(period=period).select_related("unit", "unit__block")
    return [
        [
            a.category,
            a.unit.code,
            a.unit.name,
            a.why.get("block") or a.unit.block.code,
            a.why.get("rank"),
            a.why.get("index"),
            a.why.get("rank_change"),
            a.status,
        ]
        for a in awards.in_list_order()
    ]


class Command(BaseCommand):
    help = "Write the awards of a period as CSV or JSON to standard output."

    def add_arguments(self, parser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args: object, year: int, format: str, **options: object) -> None:
        period = Period.objects.filter(year=year).first()
        if period is None:
            raise CommandError(f"No period {year}.")
        rows = award_rows(period)
        if format == "json":
            self.stdout.write(
                json.dumps(
                    [dict(zip(COLUMNS, row, strict=True)) for row in rows],
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
