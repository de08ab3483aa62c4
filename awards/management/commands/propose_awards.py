from django.core.management.base import BaseCommand, CommandError

from assessments.models import Period
from awards import services


class Command(BaseCommand):
    help = "Propose the awards of a period from its results and rules (DOMAIN.md §6); idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("year", type=int)

    def handle(self, *args: object, year: int, **options: object) -> None:
        period = Period.objects.filter(year=year).first()
        if period is None:
            raise CommandError(f"No period {year}.")
        outcome = services.propose_awards(period=period)
        for warning in outcome.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(
            f"{year}: {outcome.created} proposed, {outcome.updated} changed, "
            f"{outcome.removed} withdrawn, {outcome.kept} decided and kept."
        )
