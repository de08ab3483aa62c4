"""The per-unit XLSX workbook for offline self-assessment: one row per indicator of the unit.

The officer downloads it from the self-assessment page, fills the yellow cells (values, note,
evidence links) and uploads it back (``services.imports.import_workbook``). Each row shows the
indicator's group, code, name, guidance, kind, maximum points and what may be entered; the
limits are the form's own (``forms.value_fields``) and Excel enforces them too through data
validation. Cells a kind does not use are grey and locked. The current values are filled in, so
the upload is the whole self-assessment as the officer wants it, as the form's Save is.

A very hidden sheet records the unit, the year, the submission's version when downloaded and the
layout's version; a hidden row under the headings holds the column keys the upload reads.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assessments import spreadsheets
from assessments.forms import plain, value_fields
from assessments.models import Answer, Indicator, Participation, Submission
from assessments.services import submissions as workflow

FORMAT = "hanoi-ict-entry/1"
META_SHEET = "_portal"
KEY_ROW = 6
FIRST_ROW = KEY_ROW + 1
KEYS = (
    "group",
    "indicator_code",
    "indicator_name",
    "guidance",
    "kind",
    "max_points",
    "evidence_required",
    "value",
    "numerator",
    "denominator",
    "points",
    "note",
    "evidence_link",
    "limits",
)
INPUT_KEYS = ("value", "numerator", "denominator", "points", "note", "evidence_link")
INFORMATIONAL_KEYS = tuple(key for key in KEYS if key not in INPUT_KEYS and key != "indicator_code")
WIDTHS = {
    "group": 8,
    "indicator_code": 8,
    "indicator_name": 40,
    "guidance": 50,
    "kind": 16,
    "max_points": 9,
    "evidence_required": 11,
    "value": 14,
    "numerator": 12,
    "denominator": 12,
    "points": 9,
    "note": 30,
    "evidence_link": 40,
    "limits": 45,
}
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
UNUSED_FILL = PatternFill("solid", fgColor="D9D9D9")
HEADING_FILL = PatternFill("solid", fgColor="DDEBF7")
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    Indicator.Kind.YES_NO: ("value",),
    Indicator.Kind.COUNT: ("value",),
    Indicator.Kind.RATE: ("numerator", "denominator"),
    Indicator.Kind.SCALE: ("points",),
}


def headings() -> dict[str, str]:
    """The visible heading of each column, in the active language (errors name these)."""
    return {
        "group": _("Group"),
        "indicator_code": _("Code"),
        "indicator_name": _("Indicator"),
        "guidance": _("Guidance"),
        "kind": _("Kind"),
        "max_points": _("Max. points"),
        "evidence_required": _("Evidence required"),
        "value": _("Value (yes/no or number)"),
        "numerator": _("Numerator"),
        "denominator": _("Denominator"),
        "points": _("Points"),
        "note": _("Note"),
        "evidence_link": _("Evidence links (http/https)"),
        "limits": _("What to enter"),
    }


def file_name(participation: Participation) -> str:
    return f"tu-danh-gia-{participation.period.year}-{participation.unit.code}.xlsx"


def build(submission: Submission, participation: Participation) -> bytes:
    """The workbook of ``submission``'s unit for its period, filled with the current values."""
    indicators = workflow.applicable_indicators(submission)
    answers = {
        answer.indicator_id: answer
        for answer in Answer.objects.filter(submission=submission).prefetch_related("evidence")
    }
    editable = workflow.editable_indicator_ids(submission)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Self-assessment")[:31]
    columns = {key: index for index, key in enumerate(KEYS, start=1)}
    labels = headings()

    unit, period = participation.unit, participation.period
    sheet["A1"] = _("Self-assessment %(year)s: %(unit)s") % {"year": period.year, "unit": unit.name}
    sheet["A1"].font = Font(bold=True, size=14)
    deadline = workflow.deadline_for(participation)
    sheet["A2"] = _("Block: %(block)s · unit code: %(code)s · deadline: %(deadline)s") % {
        "block": participation.block.name,
        "code": unit.code,
        "deadline": deadline.strftime("%d/%m/%Y") if deadline else "—",
    }
    sheet["A3"] = _(
        "Fill in the yellow cells only; grey cells do not apply. Do not change the codes, the "
        "headings or the sheet's layout. Then upload this file on the self-assessment page: "
        "it is saved only if every row is valid."
    )
    sheet["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=len(KEYS))
    sheet.row_dimensions[3].height = 32

    for key, column in columns.items():
        heading = sheet.cell(row=KEY_ROW - 1, column=column, value=labels[key])
        heading.font = Font(bold=True)
        heading.fill = HEADING_FILL
        heading.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.cell(row=KEY_ROW, column=column, value=key)
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS[key]
    sheet.row_dimensions[KEY_ROW].hidden = True

    validations = _Validations(sheet)
    for offset, indicator in enumerate(indicators):
        row = FIRST_ROW + offset
        answer = answers.get(indicator.pk)
        can_edit = editable is None or indicator.pk in editable
        _write_row(sheet, row, columns, indicator, answer, can_edit, validations)
    validations.attach()

    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=columns["indicator_name"])
    sheet.protection.sheet = True  # no password: it guards against slips, not against people
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.formatCells = False

    meta = workbook.create_sheet(META_SHEET)
    for pair in (
        ("format", FORMAT),
        ("unit_code", unit.code),
        ("year", period.year),
        ("version", submission.version),
    ):
        meta.append(pair)
    meta.sheet_state = "veryHidden"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_row(
    sheet: Any,
    row: int,
    columns: dict[str, int],
    indicator: Indicator,
    answer: Answer | None,
    can_edit: bool,
    validations: _Validations,
) -> None:
    used = KIND_COLUMNS[indicator.kind]
    values: dict[str, Any] = {
        "group": indicator.group.code,
        "indicator_code": indicator.code,
        "indicator_name": indicator.name,
        "guidance": indicator.guidance,
        "kind": indicator.get_kind_display(),
        "max_points": Decimal(plain(indicator.max_points)),
        "evidence_required": _("yes") if indicator.evidence_required else _("no"),
        "limits": limits_text(indicator, can_edit),
    }
    if answer is not None:
        values.update(_answer_cells(indicator, answer))
    for key, column in columns.items():
        cell = spreadsheets.as_text_cell(sheet.cell(row=row, column=column, value=values.get(key)))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        is_input = key in INPUT_KEYS and (key in used or key in ("note", "evidence_link"))
        if key in INPUT_KEYS:
            if is_input and can_edit:
                cell.fill = INPUT_FILL
                cell.protection = Protection(locked=False)
            else:
                cell.fill = UNUSED_FILL
    if can_edit:
        for key in used:
            validations.add(indicator, key, sheet.cell(row=row, column=columns[key]).coordinate)


def _answer_cells(indicator: Indicator, answer: Answer) -> dict[str, Any]:
    cells: dict[str, Any] = {"note": answer.note}
    if indicator.kind == Indicator.Kind.YES_NO and answer.value_yes is not None:
        cells["value"] = "có" if answer.value_yes else "không"
    elif indicator.kind == Indicator.Kind.COUNT:
        cells["value"] = answer.count
    elif indicator.kind == Indicator.Kind.RATE:
        cells["numerator"], cells["denominator"] = answer.numerator, answer.denominator
    elif answer.points is not None:
        cells["points"] = Decimal(plain(answer.points))
    links = [evidence.link for evidence in answer.evidence.all() if evidence.link]
    cells["evidence_link"] = "\n".join(links)
    return cells


def _limits(indicator: Indicator) -> dict[str, tuple[Any, Any]]:
    """The form's own limits of each input of the indicator: key → (min, max)."""
    found = {}
    for name, field in value_fields(indicator).items():
        key = {"value_yes": "value", "count": "value"}.get(name, name)
        found[key] = (getattr(field, "min_value", None), getattr(field, "max_value", None))
    return found


def limits_text(indicator: Indicator, can_edit: bool = True) -> str:
    """What may be entered for the indicator, in words."""
    if not can_edit:
        return _("Not reopened for revision: this row cannot change.")
    limits = _limits(indicator)

    def number(value: Any) -> str:
        return number_format(value, force_grouping=True)

    if indicator.kind == Indicator.Kind.YES_NO:
        text = _("Value: “có” or “không”.")
    elif indicator.kind == Indicator.Kind.COUNT:
        low, high = limits["value"]
        text = _("Value: a whole number from %(min)s to %(max)s.") % {
            "min": number(low),
            "max": number(high),
        }
    elif indicator.kind == Indicator.Kind.RATE:
        (n_low, n_high), (d_low, d_high) = limits["numerator"], limits["denominator"]
        text = _(
            "%(numerator)s: a whole number from %(n_min)s to %(n_max)s; %(denominator)s: from "
            "%(d_min)s to %(d_max)s; the numerator cannot exceed the denominator."
        ) % {
            "numerator": indicator.numerator_label or _("Numerator"),
            "denominator": indicator.denominator_label or _("Denominator"),
            "n_min": number(n_low),
            "n_max": number(n_high),
            "d_min": number(d_low),
            "d_max": number(d_high),
        }
    else:
        text = _("Points: from 0 to %(max)s, in steps of 0.5.") % {
            "max": plain(indicator.max_points)
        }
    if indicator.evidence_required:
        text += " " + _(
            "Evidence is required: give a link here (several: one per line) or upload a file on "
            "the form."
        )
    return text


class _Validations:
    """Excel's data validation for the input cells, grouped so the workbook stays small."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.groups: dict[tuple, DataValidation] = {}

    def add(self, indicator: Indicator, key: str, coordinate: str) -> None:
        limits = _limits(indicator)
        if indicator.kind == Indicator.Kind.YES_NO:
            group: tuple = ("list",)
        elif indicator.kind == Indicator.Kind.SCALE:
            group = ("points", coordinate, plain(indicator.max_points))
        else:
            low, high = limits[key]
            group = ("whole", low, high)
        validation = self.groups.get(group)
        if validation is None:
            validation = self._make(group)
            self.groups[group] = validation
        validation.add(coordinate)

    def _make(self, group: tuple) -> DataValidation:
        if group[0] == "list":
            validation = DataValidation(type="list", formula1='"có,không"', allow_blank=True)
            validation.error = _("Choose “có” or “không”.")
        elif group[0] == "points":
            _kind, cell, maximum = group
            validation = DataValidation(
                type="custom",
                formula1=f"AND(ISNUMBER({cell}),{cell}>=0,{cell}<={maximum},MOD({cell}*2,1)=0)",
                allow_blank=True,
            )
            validation.error = _("Points from 0 to %(max)s, in steps of 0.5.") % {"max": maximum}
        else:
            _kind, low, high = group
            validation = DataValidation(
                type="whole",
                operator="between",
                formula1=str(low),
                formula2=str(high),
                allow_blank=True,
            )
            validation.error = _("A whole number from %(min)s to %(max)s.") % {
                "min": low,
                "max": high,
            }
        validation.errorTitle = _("Not a valid value")
        validation.showErrorMessage = True
        return validation

    def attach(self) -> None:
        for validation in self.groups.values():
            self.sheet.add_data_validation(validation)
