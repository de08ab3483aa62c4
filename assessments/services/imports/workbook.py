"""Uploading the per-unit workbook (``assessments.entry_workbook``) back into the unit's draft.

The rows are validated exactly as an answers import validates them (which is the form's own
validation); then, only if every row is valid, the values are saved through ``save_answers`` and
new links through ``add_evidence``, the services the form itself calls, in one transaction.
The workbook's submission version is compared with the submission's (compare-and-set): after a
submit, a return or an approval the old workbook is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from assessments import entry_workbook
from assessments.models import Submission
from assessments.services import submissions as workflow
from assessments.services.imports.answer_writes import StoredAnswers
from assessments.services.imports.answers import plan_drafts, validate_rows
from assessments.services.imports.common import (
    Column,
    ImportRejected,
    RowError,
    Table,
    cell_text,
    file_error,
)
from assessments.spreadsheets import XLSX, Sheet

COLUMNS = (
    Column("indicator_code", required=True),
    Column("value"),
    Column("numerator"),
    Column("denominator"),
    Column("points"),
    Column("note"),
    Column("evidence_link"),
)


@dataclass(frozen=True)
class WorkbookResult:
    values_changed: int
    links_added: int


def import_workbook(*, submission: Submission, actor: User, sheet: Sheet) -> WorkbookResult:
    """Save the workbook's rows into ``submission``: all of them, or none.

    Raises ``ImportRejected`` (bad rows, or not this submission's workbook) or
    ``workflow.WorkflowError`` (the submission changed since the download).
    """
    if sheet.format != XLSX:
        raise file_error(
            _("Upload the Excel workbook (.xlsx) downloaded from this page, filled in.")
        )
    meta = {
        cell_text(row[0]): cell_text(row[1]) if len(row) > 1 else ""
        for row in sheet.extra.get(entry_workbook.META_SHEET, [])
        if row
    }
    if meta.get("format") != entry_workbook.FORMAT:
        raise file_error(
            _(
                "This is not the self-assessment workbook of the portal: download it from this "
                "page, fill it in and upload it."
            )
        )
    period, unit = submission.period, submission.unit
    if meta.get("unit_code") != unit.code or meta.get("year") != str(period.year):
        raise file_error(
            _("This workbook is for %(unit)s, %(year)s, not for this self-assessment.")
            % {"unit": meta.get("unit_code") or "?", "year": meta.get("year") or "?"}
        )
    try:
        version = int(meta.get("version", ""))
    except ValueError:
        raise file_error(_("The workbook is damaged: download it again.")) from None

    errors: list[RowError] = []
    table = Table(
        sheet,
        COLUMNS,
        errors=errors,
        ignored=entry_workbook.INFORMATIONAL_KEYS,
        header_key="indicator_code",
        labels=entry_workbook.headings(),
    )
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.version != version:
            raise workflow.WorkflowError(
                _(
                    "The submission changed since this workbook was downloaded (it was submitted, "
                    "returned or approved). Download the workbook again."
                )
            )
        parsed = validate_rows(table, period=period, unit=unit)
        stored = StoredAnswers.load(period, {unit.pk})
        plan_drafts(parsed, stored, table, errors)
        if errors:
            raise ImportRejected(errors)
        changed = workflow.save_answers(
            submission=locked,
            actor=actor,
            values={item.indicator: item.values for item in parsed},
        )
        links = 0
        for item in parsed:
            for link in stored.new_links(item):
                workflow.add_evidence(
                    submission=locked,
                    indicator=item.indicator,
                    actor=actor,
                    link=link,
                    max_bytes=settings.EVIDENCE_MAX_BYTES,
                )
                links += 1
    return WorkbookResult(values_changed=changed, links_added=links)
