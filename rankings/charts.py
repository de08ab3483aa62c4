"""Server-rendered SVG charts: geometry computed here, drawn by templates (no JS, no CDN).

Both charts are readable without colour: every grade has its own fill pattern and every bar
segment and point carries its number as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from rankings.models import Grade
from rankings.selectors import GRADE_ORDER, GradeRow, UnitYear

WIDTH = 400
MARGIN = 8
BAR_HEIGHT = 26
LABEL_HEIGHT = 20
ROW_GAP = 14
LEGEND_HEIGHT = 34
MIN_SEGMENT = 24  # wide enough for a two-digit count


@dataclass(frozen=True)
class Segment:
    grade: str
    label: str
    count: int
    x: float
    width: float

    @property
    def centre(self) -> float:
        return self.x + self.width / 2

    @property
    def box_x(self) -> float:
        return self.centre - self.box_width / 2

    @property
    def box_width(self) -> int:
        return 22 if self.count < 100 else 32


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: float  # top of the label line
    bar_y: float
    segments: list[Segment]

    @property
    def text_y(self) -> float:
        return self.bar_y + BAR_HEIGHT / 2 + 5

    @property
    def label_y(self) -> float:
        return self.y + LABEL_HEIGHT - 6

    @property
    def box_y(self) -> float:
        return self.bar_y + 5


@dataclass(frozen=True)
class LegendItem:
    grade: str
    label: str
    x: float

    @property
    def text_x(self) -> float:
        return self.x + 24


@dataclass(frozen=True)
class GradeChart:
    width: int
    height: int
    bars: list[Bar]
    legend: list[LegendItem]
    description: str
    bar_height: int = BAR_HEIGHT


def grade_chart(rows: list[GradeRow]) -> GradeChart:
    """Stacked horizontal bars, one per block, on a common scale (the largest block is full)."""
    usable = WIDTH - 2 * MARGIN
    largest = max((row.total for row in rows), default=0) or 1
    scale = usable / largest
    labels = {grade.value: str(grade.label) for grade in GRADE_ORDER}
    bars = []
    y = LEGEND_HEIGHT
    sentences = []
    for row in rows:
        assert row.block is not None
        x = float(MARGIN)
        segments = []
        for grade in GRADE_ORDER:
            count = row.counts.get(grade.value, 0)
            if not count:
                continue
            width = max(count * scale, MIN_SEGMENT)
            segments.append(Segment(grade.value, labels[grade.value], count, x, width))
            x += width
        bars.append(
            Bar(
                label=f"{row.block.name} ({row.total})",
                total=row.total,
                y=y,
                bar_y=y + LABEL_HEIGHT,
                segments=segments,
            )
        )
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
        counts = ", ".join(f"{row.counts.get(g.value, 0)} {labels[g.value]}" for g in GRADE_ORDER)
        sentences.append(f"{row.block.name}: {counts}")
    legend_step = usable / len(GRADE_ORDER)
    legend = [
        LegendItem(grade.value, labels[grade.value], MARGIN + i * legend_step)
        for i, grade in enumerate(GRADE_ORDER)
    ]
    return GradeChart(
        width=WIDTH,
        height=int(y - ROW_GAP + MARGIN),
        bars=bars,
        legend=legend,
        description="; ".join(sentences) + ".",
    )


PLOT_LEFT = 48
PLOT_RIGHT = WIDTH - 12
PLOT_TOP = 28
PLOT_BOTTOM = 212
INDEX_HEIGHT = 250


@dataclass(frozen=True)
class Point:
    year: int
    x: float
    y: float | None  # None: not ranked that year
    label: str

    @property
    def box_x(self) -> float:
        return self.x - 31

    @property
    def box_y(self) -> float:
        return (self.y or 0) - 29

    @property
    def label_y(self) -> float:
        return (self.y or 0) - 15


@dataclass(frozen=True)
class Guide:
    y: float
    label: str
    grade: str

    @property
    def label_y(self) -> float:
        return self.y + 4


@dataclass(frozen=True)
class IndexChart:
    width: int
    height: int
    points: list[Point]
    polyline: str
    guides: list[Guide]
    description: str
    legend: str  # what the dashed lines are
    left: int = PLOT_LEFT
    right: int = PLOT_RIGHT
    top: int = PLOT_TOP
    bottom: int = PLOT_BOTTOM

    @property
    def axis_label_y(self) -> int:
        return self.bottom + 22

    @property
    def tick_x(self) -> int:
        return self.left - 6

    @property
    def not_ranked_y(self) -> int:
        return self.bottom - 8


def plain(value: object) -> str:
    """A number without trailing zeros, in the active language's format: 80.00 → "80"; nothing
    for None or ""."""
    if value is None or value == "":
        return ""
    return number_format(Decimal(format(Decimal(str(value)).normalize(), "f")))


def _y(percent: Decimal) -> float:
    return PLOT_BOTTOM - float(percent) / 100 * (PLOT_BOTTOM - PLOT_TOP)


def index_chart(history: list[UnitYear], thresholds: dict[str, str]) -> IndexChart:
    """The unit's percent of its block's maximum across published years, each point labelled;
    dashed guides at the grade thresholds (of the latest year)."""
    count = len(history)
    span = PLOT_RIGHT - PLOT_LEFT
    points = []
    sentences = []
    for i, year in enumerate(history):
        result = year.result
        x = PLOT_LEFT + (span / 2 if count == 1 else 40 + i * (span - 80) / (count - 1))
        if result.percent is None:
            label = _("not ranked")
            points.append(Point(result.period.year, x, None, label))
        else:
            label = f"{number_format(result.percent, decimal_pos=2)}%"
            points.append(Point(result.period.year, x, _y(result.percent), label))
        grade = f" ({result.get_grade_display()})" if result.grade else ""
        sentences.append(f"{result.period.year}: {label}{grade}")
    polyline = " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points if p.y is not None)
    guides = [
        Guide(
            _y(Decimal(thresholds[grade.value])),
            f"{plain(thresholds[grade.value])}%",
            grade.value,
        )
        for grade in (Grade.TOT, Grade.KHA, Grade.TRUNG_BINH)
        if grade.value in thresholds
    ]
    return IndexChart(
        width=WIDTH,
        height=INDEX_HEIGHT,
        points=points,
        polyline=polyline,
        guides=guides,
        description="; ".join(sentences) + ".",
        legend=", ".join(
            f"{grade.label} {plain(thresholds[grade.value])}%"
            for grade in (Grade.TOT, Grade.KHA, Grade.TRUNG_BINH)
            if grade.value in thresholds
        ),
    )
