from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Period
from awards import services
from awards.models import CertificateBatch


class Command(BaseCommand):
    help = (
        "Issue the certificates of every confirmed award of a period (reusing stored ones) and "
        "pack them as one PDF and a ZIP; optionally copy both to a folder."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--output", type=Path, help="folder to copy the PDF and the ZIP to")

    def handle(self, *args: object, year: int, output: Path | None, **options: object) -> None:
        period = Period.objects.filter(year=year).first()
        if period is None:
            raise CommandError(f"No period {year}.")
        batch = services.run_batch(batch=CertificateBatch.objects.create(period=period))
        self.stdout.write(
            f"{year}: {batch.total} certificates ({batch.reused} reused); "
            f"PDF {batch.combined_pdf.name or '-'}; ZIP {batch.zip_file.name or '-'}"
        )
        if output is not None and batch.combined_pdf:
            output.mkdir(parents=True, exist_ok=True)
            for stored in (batch.combined_pdf, batch.print_pdf, batch.zip_file):
                with stored.open("rb") as handle:
                    (output / Path(stored.name).name).write_bytes(handle.read())
