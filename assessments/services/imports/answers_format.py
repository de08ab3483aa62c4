"""The answers file: its columns, and every answer of a period written in it (the export).

One row per unit and indicator: ``unit_code``, ``indicator_code``, the value in the columns its
kind uses (``value`` for yes/no — "có"/"không" — and counts, ``numerator`` and ``denominator``
for rates, ``points`` for scales), ``note``, ``evidence_link`` (http(s) links separated by spaces
or line breaks), and, for approved submissions only, the reviewer's correction in the same
columns prefixed ``reviewer_`` with its ``reviewer_reason``. ``unit_name`` and
``indicator_name`` are written for people and ignored on import.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from assessments.models import Answer, Indicator, Period
from assessments.services.imports.common import Column
from assessments.spreadsheets import Cell

COLUMNS = (
    Column("unit_code", required=True),
    Column("indicator_code", required=True),
    Column("value"),
    Column("numerator"),
    Column("denominator"),
    Column("points"),
    Column("note"),
    Column("evidence_link"),
    Column("reviewer_value"),
    Column("reviewer_numerator"),
    Column("reviewer_denominator"),
    Column("reviewer_points"),
    Column("reviewer_reason"),
)
INFORMATIONAL = ("unit_name", "indicator_name")
"""Columns an export writes for people to read; an import ignores them."""

EXPORT_COLUMNS = (
    "unit_code",
    "unit_name",
    "indicator_code",
    "indicator_name",
    "value",
    "numerator",
    "denominator",
    "points",
    "note",
    "evidence_link",
    "reviewer_value",
    "reviewer_numerator",
    "reviewer_denominator",
    "reviewer_points",
    "reviewer_reason",
)
KIND_KEYS: dict[str, tuple[str, ...]] = {
    Indicator.Kind.YES_NO: ("value",),
    Indicator.Kind.COUNT: ("value",),
    Indicator.Kind.RATE: ("numerator", "denominator"),
    Indicator.Kind.SCALE: ("points",),
}
VALUE_KEYS = ("value", "numerator", "denominator", "points")
REVIEWER_KEYS = tuple(f"reviewer_{key}" for key in VALUE_KEYS)
# The form's field → the file's column.
FIELD_KEYS = {
    "value_yes": "value",
    "count": "value",
    "numerator": "numerator",
    "denominator": "denominator",
    "points": "points",
    "note": "note",
}
YES_TEXT, NO_TEXT = "có", "không"


def export_rows(period: Period) -> list[list[Cell]]:
    """Every answer of ``period`` in ``EXPORT_COLUMNS`` order, ready to import elsewhere.

    Rows are ordered by unit code, then by the framework's order. A file kept as evidence is
    written as its address on the portal (readable by those who may see the submission).
    """
    answers = (
        Answer.objects.filter(submission__period=period)
        .select_related("submission__unit", "indicator__group")
        .prefetch_related("evidence")
        .order_by(
            "submission__unit__code",
            "indicator__group__order",
            "indicator__order",
            "indicator__code",
        )
    )
    base = str(getattr(settings, "PORTAL_BASE_URL", "")).rstrip("/")
    rows: list[list[Cell]] = []
    with translation.override("vi"):
        for answer in answers:
            indicator = answer.indicator
            links = [
                evidence.link or f"{base}{reverse('assessments:evidence', args=[evidence.pk])}"
                for evidence in sorted(answer.evidence.all(), key=lambda e: (e.uploaded_at, e.pk))
            ]
            own = value_cells(
                indicator.kind,
                answer.value_yes,
                answer.numerator,
                answer.denominator,
                answer.count,
                answer.points,
            )
            reviewer = value_cells(
                indicator.kind,
                answer.reviewer_value_yes,
                answer.reviewer_numerator,
                answer.reviewer_denominator,
                answer.reviewer_count,
                answer.reviewer_points,
            )
            rows.append(
                [
                    answer.submission.unit.code,
                    answer.submission.unit.name,
                    indicator.code,
                    indicator.name_vi,
                    *own,
                    answer.note,
                    "\n".join(links),
                    *reviewer,
                    answer.reviewer_reason,
                ]
            )
    return rows


def value_cells(
    kind: str,
    yes: bool | None,
    numerator: int | None,
    denominator: int | None,
    count: int | None,
    points: Decimal | None,
) -> tuple[Cell, Cell, Cell, Cell]:
    """(value, numerator, denominator, points) as the file writes them."""
    if kind == Indicator.Kind.YES_NO:
        return (None if yes is None else (YES_TEXT if yes else NO_TEXT)), None, None, None
    if kind == Indicator.Kind.COUNT:
        return count, None, None, None
    if kind == Indicator.Kind.RATE:
        return None, numerator, denominator, None
    return None, None, None, None if points is None else _plain(points)


def _plain(number: Decimal) -> Decimal:
    """3.50 → 3.5, 4.0 → 4: the points as people write them."""
    return Decimal(format(number.normalize(), "f"))
