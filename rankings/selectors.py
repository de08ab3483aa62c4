"""Reads of results shared by the pages, the exports and the commands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from assessments.models import Block, GradeThresholdOverride, Period
from rankings import scoring
from rankings.models import Grade, Result

GRADE_ORDER = [Grade.TOT, Grade.KHA, Grade.TRUNG_BINH, Grade.YEU]


@dataclass
class GradeRow:
    block: Block | None  # None for the all-blocks row
    counts: dict[str, int] = field(default_factory=dict)
    not_ranked: int = 0
    total: int = 0

    @property
    def grade_counts(self) -> list[int]:
        return [self.counts.get(grade, 0) for grade in GRADE_ORDER]


def grade_table(period: Period) -> tuple[list[GradeRow], GradeRow]:
    """The block × grade table of DOMAIN.md §5 (one query) and its all-blocks row."""
    aggregates = {
        f"n_{grade.value}": Count("pk", filter=Q(grade=grade.value)) for grade in GRADE_ORDER
    }
    rows_by_block: dict[int, dict[str, Any]] = {
        row["block"]: dict(row)
        for row in Result.objects.filter(period=period)
        .values("block")
        .annotate(
            total=Count("pk"), not_ranked=Count("pk", filter=Q(rank__isnull=True)), **aggregates
        )
    }
    blocks = Block.objects.filter(pk__in=rows_by_block).order_by("order")
    rows: list[GradeRow] = []
    overall = GradeRow(block=None)
    for block in blocks:
        data = rows_by_block[block.pk]
        row = GradeRow(
            block=block,
            counts={grade.value: data[f"n_{grade.value}"] for grade in GRADE_ORDER},
            not_ranked=data["not_ranked"],
            total=data["total"],
        )
        rows.append(row)
        for grade, count in row.counts.items():
            overall.counts[grade] = overall.counts.get(grade, 0) + count
        overall.not_ranked += row.not_ranked
        overall.total += row.total
    return rows, overall


def period_results(period: Period) -> QuerySet[Result]:
    """Every result of the period in the published order: block, rank, then name."""
    return Result.objects.filter(period=period).select_related("unit", "block").in_block_order()


EXPORT_COLUMNS = [
    "block_code",
    "unit_code",
    "unit_name",
    "group_i",
    "group_ii",
    "group_iii",
    "group_iv",
    "total",
    "maximum",
    "index",
    "percent",
    "grade",
    "rank",
    "rank_change",
]


def export_rows(period: Period) -> list[list[str]]:
    """The rows of ``export_results`` (and of the open-data downloads), as strings."""

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return [
        [
            result.block.code,
            result.unit.code,
            result.unit.name,
            text(result.group_i),
            text(result.group_ii),
            text(result.group_iii),
            text(result.group_iv),
            text(result.total),
            text(result.maximum),
            text(result.index),
            text(result.percent),
            result.grade,
            text(result.rank),
            text(result.rank_change),
        ]
        for result in period_results(period)
    ]


def thresholds_for(*, period: Period, block: Block) -> scoring.Thresholds:
    """The grade thresholds of a block in a period: its override, else the period's."""
    override = GradeThresholdOverride.objects.filter(period=period, block=block).first()
    return override.thresholds if override else period.thresholds
