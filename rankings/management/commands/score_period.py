from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Period
from rankings import services
from rankings.selectors import grade_table


class Command(BaseCommand):
    help = "Score, grade and rank every unit of a period from its approved submissions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)

    def handle(self, *args: object, year: int, **options: object) -> None:
        try:
            period = Period.objects.get(year=year)
        except Period.DoesNotExist:
            raise CommandError(f"There is no period {year}.") from None
        try:
            run = services.score_period(period=period)
        except services.ScoringError as exc:
            raise CommandError(str(exc)) from exc
        rows, overall = grade_table(period)
        self.stdout.write(
            f"Scored {run.units_count} units ({run.ranked_count} ranked) of {year} "
            f"in {run.duration_ms} ms; {run.changed_count} results changed."
        )
        self.stdout.write(f"{'block':<18}{'tot':>5}{'kha':>5}{'tb':>5}{'yeu':>5}{'total':>7}")
        for row in [*rows, overall]:
            code = row.block.code if row.block else "all"
            counts = "".join(f"{count:>5}" for count in row.grade_counts)
            self.stdout.write(f"{code:<18}{counts}{row.total:>7}")
