"""Importing a period's answers: one row per unit and indicator, all rows or none.

Each row's values are checked by the self-assessment form's own fields and checks
(``answer_rows``), so an import accepts exactly what the form accepts. What only a file can get
wrong is checked here: unknown units and indicators, an indicator that does not apply to the
unit's block, a duplicate row, a change the workflow no longer allows. The columns are in
``answers_format``.

Two ways to write, after every row is valid:

* drafts (default): each unit's submission is created as a draft if missing; values are written
  where they differ (as ``save_answers`` would, with the same rule on what may still change:
  a submitted or approved submission not at all, a returned one only in its reopened indicators),
  links not yet attached are added; every change leaves the workflow's audit entry;
* approved (``approved=True``, admins, for past years): each unit's submission is created as
  approved with its answers, reviewers' corrections and evidence links, audited as the workflow
  audits each step (values, links, corrections with their reason, the approved status), with
  the file's name as the reason. Only units without a submission get one; a unit whose
  approved submission already says what the file says is left alone.

Writes are in ``answer_writes``: bulk (COPY on PostgreSQL), 10,000 rows in seconds.

Importing the same file again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from assessments.models import Indicator, Participation, Period, Submission, Unit
from assessments.services import submissions as workflow
from assessments.services.imports.answer_rows import ParsedAnswer, RowValues
from assessments.services.imports.answer_writes import StoredAnswers, write
from assessments.services.imports.answers_format import COLUMNS, INFORMATIONAL, value_cells
from assessments.services.imports.common import (
    ImportRejected,
    ImportSummary,
    RowError,
    Table,
    file_error,
    import_transaction,
)
from assessments.spreadsheets import Sheet


def import_answers(
    *,
    sheet: Sheet,
    period: Period,
    approved: bool = False,
    actor: User | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Import a file of answers into ``period``: all rows or none.

    Raises ``ImportRejected`` with every bad row (row number, column, message) and writes
    nothing then. ``approved`` stores each unit's submission as approved (past years; only for
    admins, which the caller checks). ``dry_run`` validates and reports what would change.
    """
    if approved and period.state == Period.State.PUBLISHED:
        raise file_error(
            _("Period %(year)s is published; its answers are frozen.") % {"year": period.year}
        )
    if not approved and period.state not in (Period.State.DRAFT, Period.State.OPEN):
        raise file_error(
            _(
                "Period %(year)s is past self-assessment: answers can only be imported into it "
                "as approved submissions."
            )
            % {"year": period.year}
        )
    errors: list[RowError] = []
    table = Table(sheet, COLUMNS, errors=errors, ignored=INFORMATIONAL)
    if errors:
        raise ImportRejected(errors)
    with import_transaction(dry_run=dry_run):
        # One import per period at a time (PostgreSQL; SQLite serialises writers anyway).
        Period.objects.select_for_update().get(pk=period.pk)
        parsed = validate_rows(table, period=period, approved=approved)
        existing = StoredAnswers.load(period, {item.unit.pk for item in parsed})
        if approved:
            summary = plan_approved(parsed, existing, table, errors)
        else:
            summary = plan_drafts(parsed, existing, table, errors)
        if errors:
            raise ImportRejected(errors)
        if not dry_run:
            write(
                parsed,
                existing,
                period=period,
                actor=actor,
                approved=approved,
                reason=_("Imported as approved from %(file)s.") % {"file": sheet.name}
                if approved
                else "",
            )
            summary.written = True
    return summary


def validate_rows(
    table: Table, *, period: Period, approved: bool = False, unit: Unit | None = None
) -> list[ParsedAnswer]:
    """Every row of ``table`` checked; errors go to ``table.errors``. ``unit``: every row's unit."""
    taking_part = {
        p.unit.code: p
        for p in Participation.objects.filter(period=period).select_related("unit", "block")
    }
    indicators = {i.code: i for i in Indicator.objects.filter(framework__period=period)}
    applies = set(
        Indicator.blocks.through.objects.filter(indicator__framework__period=period).values_list(
            "indicator_id", "block_id"
        )
    )
    unknown_units = _unknown_units(table, taking_part) if unit is None else {}
    values = RowValues(approved=approved)
    seen: dict[tuple[str, str], int] = {}
    parsed: list[ParsedAnswer] = []
    for row in table:
        code = unit.code if unit is not None else row.text("unit_code")
        participation = taking_part.get(code)
        indicator_code = row.text("indicator_code")
        indicator = indicators.get(indicator_code)
        if participation is None:
            if not code:
                message = _("The unit code is missing.")
            elif code in unknown_units:
                message = _("%(unit)s does not take part in %(year)s.") % {
                    "unit": unknown_units[code],
                    "year": period.year,
                }
            else:
                message = _("No unit has the code “%(code)s”.") % {"code": code}
            row.error("unit_code", message)
        if indicator is None:
            row.error(
                "indicator_code",
                _("The criteria of %(year)s have no indicator “%(code)s”.")
                % {"year": period.year, "code": indicator_code}
                if indicator_code
                else _("The indicator code is missing."),
            )
        if participation is None or indicator is None:
            continue
        if (indicator.pk, participation.block_id) not in applies:
            row.error(
                "indicator_code",
                _("Indicator %(code)s does not apply to the block of %(unit)s (%(block)s).")
                % {
                    "code": indicator.code,
                    "unit": participation.unit.name,
                    "block": participation.block.name,
                },
            )
            continue
        key = (code, indicator.code)
        if key in seen:
            row.error(
                "indicator_code",
                _("Row %(row)d already gives %(code)s of this unit.")
                % {"row": seen[key], "code": indicator.code},
            )
            continue
        seen[key] = row.number
        item = values.parse(row, participation.unit, indicator)
        if item is not None:
            parsed.append(item)
    return parsed


def _unknown_units(table: Table, taking_part: dict[str, Participation]) -> dict[str, str]:
    """Codes in the file of units that exist but do not take part: code → name."""
    codes = {row.text("unit_code") for row in table} - set(taking_part)  # rows: cached
    return dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))


def plan_drafts(
    parsed: list[ParsedAnswer], stored: StoredAnswers, table: Table, errors: list[RowError]
) -> ImportSummary:
    """What a draft import changes; a change the workflow no longer allows is an error."""
    summary = ImportSummary(rows=len(table))
    editable_by_unit: dict[int, set[int] | None] = {}
    new_units: set[int] = set()
    links = 0
    for item in parsed:
        answer = stored.answer(item)
        old = workflow.answer_values(answer)
        changed = old != item.values
        new_links = stored.new_links(item)
        if not changed and not new_links:
            summary.unchanged += 1
            continue
        submission = stored.submissions.get(item.unit.pk)
        if submission is not None:
            if item.unit.pk not in editable_by_unit:
                editable_by_unit[item.unit.pk] = workflow.editable_indicator_ids(submission)
            editable = editable_by_unit[item.unit.pk]
            if editable is not None and item.indicator.pk not in editable:
                column = table.label("unit_code") if "unit_code" in table.positions else ""
                if submission.status in (Submission.Status.SUBMITTED, Submission.Status.APPROVED):
                    message = _("This submission is %(status)s and can no longer be changed.") % {
                        "status": submission.get_status_display().lower()
                    }
                else:
                    message = _("Indicator %(code)s was not reopened for revision.") % {
                        "code": item.indicator.code
                    }
                    column = table.label("indicator_code")
                errors.append(RowError(item.row, column, message))
                continue
        else:
            new_units.add(item.unit.pk)
        if changed:
            if answer is None or old == workflow.AnswerValues():
                summary.created += 1
            else:
                summary.changed += 1
            summary.line(
                _("%(unit)s · %(code)s: %(before)s → %(after)s")
                % {
                    "unit": item.unit.code,
                    "code": item.indicator.code,
                    "before": _shown(item.indicator, old),
                    "after": _shown(item.indicator, item.values),
                }
            )
        else:
            summary.unchanged += 1
        links += len(new_links)
    if new_units:
        summary.notes.append(
            _("%(count)d draft submissions will be started.") % {"count": len(new_units)}
        )
    if links:
        summary.notes.append(_("%(count)d evidence links will be added.") % {"count": links})
    return summary


def plan_approved(
    parsed: list[ParsedAnswer], stored: StoredAnswers, table: Table, errors: list[RowError]
) -> ImportSummary:
    """An approved import creates submissions; a unit that has one must match the file."""
    summary = ImportSummary(rows=len(table))
    by_unit: dict[int, list[ParsedAnswer]] = defaultdict(list)
    for item in parsed:
        by_unit[item.unit.pk].append(item)
    for unit_items in by_unit.values():
        unit = unit_items[0].unit
        submission = stored.submissions.get(unit.pk)
        if submission is None:
            summary.created += len(unit_items)
            summary.line(
                _("%(unit)s: %(count)d answers, approved")
                % {"unit": unit.code, "count": len(unit_items)}
            )
            continue
        if submission.status == Submission.Status.APPROVED and _same_as_stored(
            unit_items, submission, stored
        ):
            summary.unchanged += len(unit_items)
            continue
        errors.append(
            RowError(
                unit_items[0].row,
                table.label("unit_code"),
                _(
                    "%(unit)s already has a submission for %(year)s (%(status)s) that differs from "
                    "the file; an approved import only creates new submissions."
                )
                % {
                    "unit": unit.name,
                    "year": submission.period.year,
                    "status": submission.get_status_display().lower(),
                },
            )
        )
    if by_unit:
        summary.notes.append(
            _("%(count)d submissions will be recorded as approved.")
            % {
                "count": sum(
                    1 for items in by_unit.values() if items[0].unit.pk not in stored.submissions
                )
            }
        )
    return summary


def _same_as_stored(
    items: list[ParsedAnswer], submission: Submission, stored: StoredAnswers
) -> bool:
    answered = {
        indicator_id
        for (submission_id, indicator_id), answer in stored.answers.items()
        if submission_id == submission.pk
    }
    if answered != {item.indicator.pk for item in items}:
        return False
    for item in items:
        answer = stored.answer(item)
        if answer is None or workflow.answer_values(answer) != item.values:
            return False
        if answer.reviewer_value != item.reviewer_value:
            return False
        if answer.reviewer_reason != item.reviewer_reason:
            return False
        if stored.links.get(answer.pk, set()) != set(item.links):
            return False
    return True


def _shown(indicator: Indicator, values: workflow.AnswerValues) -> str:
    """A value as the preview shows it: "40/50", "có", "3.5", or "—" when empty."""
    value, numerator, denominator, points = value_cells(
        indicator.kind,
        values.value_yes,
        values.numerator,
        values.denominator,
        values.count,
        values.points,
    )
    if indicator.kind == Indicator.Kind.RATE:
        if numerator is None and denominator is None:
            return "—"
        return f"{numerator if numerator is not None else '—'}/{denominator or '—'}"
    shown = value if value is not None else points
    return "—" if shown is None else str(shown)
