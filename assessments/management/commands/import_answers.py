from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from assessments.management.commands import _imports
from assessments.services.imports import ImportRejected, import_answers


class Command(BaseCommand):
    help = (
        "Import a period's answers from a CSV or XLSX file, one row per unit and indicator "
        "(see the README for the columns), with the self-assessment form's validation. All rows "
        "or none. --approved records them as approved submissions (past years)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument("--period", type=int, required=True, metavar="YEAR")
        parser.add_argument(
            "--approved",
            action="store_true",
            help="store each unit's submission as approved (past years), audited",
        )
        parser.add_argument(
            "--actor", metavar="USERNAME", help="the user the audit trail names (default: none)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report only")

    def handle(
        self,
        *args: object,
        file: str,
        period: int,
        approved: bool,
        actor: str | None,
        dry_run: bool,
        **options: object,
    ) -> None:
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(_("There is no user %(username)s.") % {"username": actor})
        sheet = _imports.read(file)
        target = _imports.period(period)
        try:
            summary = import_answers(
                sheet=sheet, period=target, approved=approved, actor=user, dry_run=dry_run
            )
        except ImportRejected as exc:
            raise _imports.rejected(exc, self.stderr) from exc
        _imports.report(self, summary, dry_run=dry_run, verbosity=options["verbosity"])
