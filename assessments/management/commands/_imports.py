"""What the import commands share: reading the file, reporting bad rows, the period."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils.translation import gettext as _

from assessments.models import Period
from assessments.services.imports import ImportRejected, ImportSummary
from assessments.spreadsheets import Sheet, SpreadsheetRejected, read_path


def read(path: str) -> Sheet:
    try:
        return read_path(Path(path))
    except SpreadsheetRejected as exc:
        raise CommandError(exc.message) from exc


def period(year: int) -> Period:
    try:
        return Period.objects.get(year=year)
    except Period.DoesNotExist:
        raise CommandError(_("There is no period %(year)s.") % {"year": year}) from None


def rejected(exc: ImportRejected, stderr: OutputWrapper) -> CommandError:
    """Print every bad row on stderr; the returned error stops the command (exit status 1)."""
    for error in exc.errors:
        stderr.write(str(error))
    return CommandError(str(exc))


def report(
    command: BaseCommand, summary: ImportSummary, *, dry_run: bool, verbosity: object
) -> None:
    """The counts (and with -v 2 every change) on stdout."""
    if isinstance(verbosity, int) and verbosity >= 2:
        for line in summary.lines:
            command.stdout.write(f"  {line}")
    for note in summary.notes:
        command.stdout.write(f"  {note}")
    text = str(summary)
    if dry_run:
        text = _("Dry run, nothing saved: %(summary)s") % {"summary": text}
    command.stdout.write(command.style.SUCCESS(text))
