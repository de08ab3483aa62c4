from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments import services


class Command(BaseCommand):
    help = "Open a new period by copying another period's framework, thresholds and units."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help="the year of the new period, e.g. 2015")
        parser.add_argument(
            "--copy-from", type=int, required=True, metavar="YEAR", help="the period to copy"
        )

    def handle(self, *args: object, year: int, copy_from: int, **options: object) -> None:
        try:
            period = services.open_period(year=year, copy_from=copy_from)
        except services.AssessmentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Period {period.year} opened ({period.get_state_display()}): "
                f"{period.framework.indicators.count()} indicators and "
                f"{period.participations.count()} units copied from {copy_from}."
            )
        )
