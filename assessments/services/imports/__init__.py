"""Imports of units, frameworks and answers, the per-unit workbook's upload, the answers export.

Every import validates every row first, collecting a ``RowError`` (row number, column, message in
the active language) for each bad cell, and writes only when there is none, in one transaction:
``ImportRejected`` lists the errors and means nothing was written. Files are opened by
``assessments.spreadsheets``, which refuses hostile files before anything parses them.
"""

from assessments.services.imports.answers import import_answers
from assessments.services.imports.answers_format import EXPORT_COLUMNS, export_rows
from assessments.services.imports.common import ImportRejected, ImportSummary, RowError
from assessments.services.imports.frameworks import import_framework
from assessments.services.imports.units import import_units
from assessments.services.imports.workbook import WorkbookResult, import_workbook

APPROVED_IMPORT_PERMISSION = "assessments.import_approved_answers"


def can_import_approved(user: object) -> bool:
    """Who may import answers as approved submissions: superusers, and staff with the permission.

    The permission is meant to live on ``Submission`` (``Meta.permissions``); until it exists
    only superusers pass, since Django grants them every permission.
    """
    return bool(
        getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
        and user.has_perm(APPROVED_IMPORT_PERMISSION)  # type: ignore[attr-defined]
    )


__all__ = [
    "APPROVED_IMPORT_PERMISSION",
    "EXPORT_COLUMNS",
    "ImportRejected",
    "ImportSummary",
    "RowError",
    "WorkbookResult",
    "can_import_approved",
    "export_rows",
    "import_answers",
    "import_framework",
    "import_units",
    "import_workbook",
]
