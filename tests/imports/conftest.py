"""Imports: the officers' fixtures (an open 2014 period with one indicator of each kind, two units
in two blocks), files built in memory, and a snapshot of everything an import could write."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

from assessments.models import (
    Answer,
    AuditEntry,
    Block,
    CriteriaGroup,
    Evidence,
    Framework,
    Indicator,
    Participation,
    Submission,
    Unit,
)
from assessments.services.imports import RowError
from assessments.spreadsheets import Sheet, read_bytes

# The officers' fixtures, shared with tests/assessments (pytest finds fixtures imported here).
from tests.assessments.conftest import (  # noqa: F401
    draft,
    fast_password_hashing,
    indicators,
    media_root,
    open_period,
    other_draft,
    other_participation,
    participation,
    submitted,
)


def csv_sheet(text: str, name: str = "answers.csv") -> Sheet:
    return read_bytes(text.encode("utf-8"), name=name)


def csv_lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def xlsx_bytes(rows: Sequence[Sequence[object]], *, title: str = "Sheet") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def database_state() -> dict[str, object]:
    """Everything an import may write, in a form two snapshots can be compared in."""
    return {
        "units": sorted(
            Unit.objects.values_list(
                "code",
                "name",
                "block_id",
                "parent_id",
                "predecessor_id",
                "valid_from",
                "valid_to",
            )
        ),
        "participations": sorted(
            Participation.objects.values_list("period_id", "unit_id", "block_id")
        ),
        "blocks": Block.objects.count(),
        "frameworks": sorted(Framework.objects.values_list("period_id", "name_vi")),
        "groups": sorted(
            CriteriaGroup.objects.values_list("framework_id", "code", "name_vi", "order")
        ),
        "indicators": sorted(
            Indicator.objects.values_list("framework_id", "code", "kind", "max_points", "order")
        ),
        "submissions": sorted(
            Submission.objects.values_list("unit_id", "period_id", "status", "version")
        ),
        "answers": sorted(
            Answer.objects.values_list(
                "submission_id",
                "indicator_id",
                *Answer.UNIT_VALUE_FIELDS,
                "note",
                *Answer.REVIEWER_VALUE_FIELDS,
            ),
            key=str,
        ),
        "evidence": sorted(Evidence.objects.values_list("answer_id", "link", "file")),
        "audit": AuditEntry.objects.count(),
    }


def error(row: int, column: str, message: str) -> RowError:
    return RowError(row, column, message)
