"""Reads of results shared by the pages, the exports and the commands.

Two kinds of results are read here: the working ``Result`` rows that scoring writes (admins only),
and the ``PublishedResult`` rows frozen in a ``Publication`` (the public). Every public read goes
through a function below that starts from a *current* publication, so nothing unpublished can
reach a public page, a download or the search.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from django.db import connections, router
from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import get_language

from assessments.models import Block, GradeThresholdOverride, Indicator, Period, Unit
from rankings import scoring
from rankings.models import Grade, Publication, PublishedResult, Result

GRADE_ORDER = [Grade.TOT, Grade.KHA, Grade.TRUNG_BINH, Grade.YEU]
GROUP_FIELDS = ("group_i", "group_ii", "group_iii", "group_iv")


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
    """The block × grade table of DOMAIN.md §5 of the working results (one query + blocks)."""
    return _grade_table(Result.objects.filter(period=period))


def published_grade_table(publication: Publication) -> tuple[list[GradeRow], GradeRow]:
    """The block × grade table of one published version."""
    return _grade_table(PublishedResult.objects.filter(publication=publication))


def _grade_table(
    results: QuerySet[Result] | QuerySet[PublishedResult],
) -> tuple[list[GradeRow], GradeRow]:
    aggregates = {
        f"n_{grade.value}": Count("pk", filter=Q(grade=grade.value)) for grade in GRADE_ORDER
    }
    rows_by_block: dict[int, dict[str, Any]] = {
        row["block"]: dict(row)
        for row in results.order_by()
        .values("block")
        .annotate(
            total=Count("pk"), not_ranked=Count("pk", filter=Q(rank__isnull=True)), **aggregates
        )
    }
    blocks = Block.objects.filter(pk__in=rows_by_block).order_by("order", "code")
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
    """Every working result of the period in the published order: block, rank, then name."""
    return Result.objects.filter(period=period).select_related("unit", "block").in_block_order()


def thresholds_for(*, period: Period, block: Block) -> scoring.Thresholds:
    """The grade thresholds of a block in a period: its override, else the period's."""
    override = GradeThresholdOverride.objects.filter(period=period, block=block).first()
    return override.thresholds if override else period.thresholds


# --- exports ------------------------------------------------------------------------------------

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


class ExportableResult(Protocol):
    """A Result or a PublishedResult, with its unit and block loaded."""

    unit: Unit
    block: Block
    group_i: Decimal | None
    group_ii: Decimal | None
    group_iii: Decimal | None
    group_iv: Decimal | None
    total: Decimal | None
    maximum: Decimal
    index: Decimal | None
    percent: Decimal | None
    grade: str
    rank: int | None
    rank_change: int | None


def export_values(result: ExportableResult) -> list[str | None]:
    """One result in ``EXPORT_COLUMNS`` order; None where there is no value."""

    def text(value: object) -> str | None:
        return None if value is None or value == "" else str(value)

    return [
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
        text(result.grade),
        text(result.rank),
        text(result.rank_change),
    ]


def export_rows(results: Iterable[ExportableResult]) -> list[list[str]]:
    """The rows of ``export_results`` and of the open-data downloads, as strings ('' for none).

    ``results``: ``period_results(period)`` (working results, for the command) or
    ``published_results(publication)`` (the public downloads).
    """
    return [["" if v is None else v for v in export_values(result)] for result in results]


# --- comparing results --------------------------------------------------------------------------

# The fields of a result that scoring computes; equal fields mean an unchanged result.
RESULT_FIELDS = (
    "block_id",
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
    "not_ranked_reason",
    "explanation",
)
_QUANTA = {
    "group_i": Decimal("0.01"),
    "group_ii": Decimal("0.01"),
    "group_iii": Decimal("0.01"),
    "group_iv": Decimal("0.01"),
    "total": Decimal("0.01"),
    "maximum": Decimal("0.01"),
    "index": Decimal("0.0001"),
    "percent": Decimal("0.01"),
}


def comparable(values: dict) -> tuple:
    """Field values normalised so a stored row and a fresh result compare equal when unchanged.

    SQLite hands decimals back without their trailing zeros: compare at the stored precision.
    """
    normalised = []
    for name in RESULT_FIELDS:
        value = values[name]
        if value is None or name == "explanation":
            normalised.append(value)
        elif name in _QUANTA:
            normalised.append(str(Decimal(value).quantize(_QUANTA[name])))
        else:
            normalised.append(str(value))
    return tuple(normalised)


def _values_of(row: Result | PublishedResult) -> dict:
    return {name: getattr(row, name) for name in RESULT_FIELDS}


@dataclass(frozen=True)
class ResultChange:
    """How one unit's result differs between two versions (``before`` None: newly listed)."""

    unit: Unit
    before: Result | PublishedResult | None
    after: Result | PublishedResult | None
    fields: tuple[str, ...]

    @property
    def block(self) -> Block:
        row = self.after or self.before
        assert row is not None
        return row.block


def compare_results(
    before: Iterable[Result | PublishedResult], after: Iterable[Result | PublishedResult]
) -> list[ResultChange]:
    """The units whose result differs, in block and name order (rows need unit and block)."""
    old = {row.unit_id: row for row in before}
    new = {row.unit_id: row for row in after}
    changes = []
    for unit_id in old.keys() | new.keys():
        a, b = old.get(unit_id), new.get(unit_id)
        if a is not None and b is not None:
            va, vb = comparable(_values_of(a)), comparable(_values_of(b))
            fields = tuple(name for name, x, y in zip(RESULT_FIELDS, va, vb, strict=True) if x != y)
            if not fields:
                continue
        else:
            fields = ()
        row = b or a
        assert row is not None
        changes.append(ResultChange(unit=row.unit, before=a, after=b, fields=fields))
    changes.sort(key=lambda c: (c.block.order, c.unit.name))
    return changes


def changes_since_publication(period: Period) -> tuple[Publication | None, list[ResultChange]]:
    """The current version of the period (if any) and how the working results differ from it."""
    current = (
        Publication.objects.filter(period=period, is_current=True).select_related("period").first()
    )
    working = Result.objects.filter(period=period).select_related("unit", "block")
    if current is None:
        return None, compare_results([], working)
    published = PublishedResult.objects.filter(publication=current).select_related("unit", "block")
    return current, compare_results(published, working)


# --- publications (public reads) ----------------------------------------------------------------


def current_publication_token() -> str:
    """A short text that changes whenever any period publishes a new version (one query).

    The publication time is part of it, so a database rebuilt with reused ids cannot collide.
    """
    rows = (
        Publication.objects.filter(is_current=True)
        .order_by("pk")
        .values_list("pk", "version", "published_at")
    )
    return ";".join(f"{pk}.{version}.{at.timestamp():.6f}" for pk, version, at in rows) or "none"


def current_publications() -> list[Publication]:
    """The current version of every published period, newest year first."""
    return list(
        Publication.objects.filter(is_current=True)
        .select_related("period")
        .order_by("-period__year")
    )


def publication_of(year: int, version: int | None = None) -> Publication | None:
    """A period's current version, or the given version; None if not published."""
    publications = (
        Publication.objects.select_related("period")
        .defer("methodology")  # large; read through frozen_methodology() where needed
        .filter(period__year=year)
    )
    if version is None:
        return publications.filter(is_current=True).first()
    return publications.filter(version=version).first()


def frozen_methodology(publication: Publication) -> dict:
    """The framework and rules a published version was scored with.

    A version never changes once published, so its decoded snapshot is kept per process
    (keyed by id and publication time, which together never name two different versions).
    """
    return _methodology(publication.pk, publication.published_at)


@functools.lru_cache(maxsize=64)
def _methodology(publication_id: int, published_at: object) -> dict:
    return Publication.objects.values_list("methodology", flat=True).get(pk=publication_id)


def publication_versions(period: Period) -> list[Publication]:
    """Every published version of a period, newest first."""
    return list(Publication.objects.filter(period=period).order_by("-version"))


def published_results(
    publication: Publication, *, block: Block | None = None
) -> QuerySet[PublishedResult]:
    """The results of one version in the published order: block, rank, then name."""
    results = PublishedResult.objects.filter(publication=publication)
    if block is not None:
        results = results.filter(block=block)
    return (
        results.select_related("unit", "block")
        .defer("explanation")  # per-indicator detail: not shown publicly, costly to decode
        .order_by("block__order", "block__code", F("rank").asc(nulls_last=True), "unit__name")
    )


class RankingRow(NamedTuple):
    """One line of a block's ranking table: what the block page shows, and nothing else."""

    unit_code: str
    unit_name: str
    unit_search_name: str
    group_i: Decimal | None
    group_ii: Decimal | None
    group_iii: Decimal | None
    group_iv: Decimal | None
    total: Decimal | None
    index: Decimal | None  # type: ignore[assignment]  # the column, not tuple.index
    grade: str
    rank: int | None
    rank_change: int | None

    @property
    def group_points(self) -> tuple[Decimal | None, ...]:
        return (self.group_i, self.group_ii, self.group_iii, self.group_iv)


# The columns block_ranking reads, in RankingRow's field order (rows are built positionally).
RANKING_FIELDS = (
    "unit__code",
    "unit__name",
    "unit__search_name",
    *GROUP_FIELDS,
    "total",
    "index",
    "grade",
    "rank",
    "rank_change",
)


def block_ranking_queryset(publication_id: int, block_code: str) -> QuerySet[PublishedResult]:
    """``block_ranking``'s query through the ORM (what its compiled statement is made from)."""
    return (
        PublishedResult.objects.filter(publication_id=publication_id, block__code=block_code)
        .order_by(F("rank").asc(nulls_last=True), "unit__name")
        .values_list(*RANKING_FIELDS)
    )


# Stand-ins for the two parameters while the statement is compiled: their order in the
# compiled parameters is the order of the real ones.
_PUBLICATION_PARAMETER, _BLOCK_PARAMETER = -1, "\x1fblock"


@dataclass(frozen=True)
class _Statement:
    sql: str
    parameters: tuple[Any, ...]  # the stand-ins, in the statement's order
    compiler: SQLCompiler  # applies the ORM's converters to the fetched rows
    converters: dict[int, Any]


@functools.cache
def _block_ranking_statement(alias: str) -> _Statement:
    """The block ranking's SQL for a database and the converters of its columns, compiled once.

    Compiling the query is most of its cost in Python (about 1.2 of the 2.3 ms it took on the
    uncached block page); the statement differs only by its two parameters. The converters are
    those the ORM applies to these columns (on SQLite, the decimals' places), applied by the
    compiler that found them (Django's ``apply_converters``); they read no state of its
    connection, so any thread may use them.
    """
    compiler = block_ranking_queryset(_PUBLICATION_PARAMETER, _BLOCK_PARAMETER).query.get_compiler(
        alias
    )
    sql, parameters = compiler.as_sql()
    if sorted(map(str, parameters)) != sorted(map(str, [_PUBLICATION_PARAMETER, _BLOCK_PARAMETER])):
        raise RuntimeError(f"The block ranking's statement has unexpected parameters: {parameters}")
    columns = [select[0] for select in compiler.select[: compiler.col_count]]
    return _Statement(sql, tuple(parameters), compiler, compiler.get_converters(columns))


def block_ranking(publication: Publication, block_code: str) -> list[RankingRow]:
    """One block's results in one version, by rank then name (one query, plain rows).

    The block page renders this on every request its cache does not answer (a new version, a
    new sort order): the statement is compiled once per database, and the rows are plain tuples
    (a fraction of the cost of model instances). A test holds it equal to
    ``block_ranking_queryset`` on both databases.
    """
    alias = router.db_for_read(PublishedResult)
    statement = _block_ranking_statement(alias)
    values: dict[Any, Any] = {_PUBLICATION_PARAMETER: publication.pk, _BLOCK_PARAMETER: block_code}
    with connections[alias].cursor() as cursor:
        cursor.execute(statement.sql, [values[stand_in] for stand_in in statement.parameters])
        fetched: Iterable[Any] = cursor.fetchall()
    if statement.converters:
        fetched = statement.compiler.apply_converters(fetched, statement.converters)
    return [RankingRow._make(row) for row in fetched]


def published_blocks(publication: Publication) -> list[Block]:
    """The blocks ranked in one version, in their order."""
    # The version's frozen methodology lists them (blocks with a result, in order): no join.
    codes = [block["code"] for block in frozen_methodology(publication).get("blocks", [])]
    blocks = {block.code: block for block in Block.objects.filter(code__in=codes)}
    return [blocks[code] for code in codes if code in blocks]


@dataclass(frozen=True)
class BlockAverages:
    """Averages of a block's ranked units (DB aggregates), two decimals; index four."""

    group_i: Decimal | None
    group_ii: Decimal | None
    group_iii: Decimal | None
    group_iv: Decimal | None
    total: Decimal | None
    index: Decimal | None
    ranked: int

    @property
    def group_points(self) -> tuple[Decimal | None, ...]:
        return (self.group_i, self.group_ii, self.group_iii, self.group_iv)


_AVERAGES = {
    **{f"avg_{name}": Avg(name) for name in (*GROUP_FIELDS, "total", "index")},
    "ranked": Count("pk"),
}


def _averages(data: dict[str, Any]) -> BlockAverages:
    def rounded(name: str, places: str = "0.01") -> Decimal | None:
        value = data[f"avg_{name}"]
        return None if value is None else Decimal(str(value)).quantize(Decimal(places))

    return BlockAverages(
        group_i=rounded("group_i"),
        group_ii=rounded("group_ii"),
        group_iii=rounded("group_iii"),
        group_iv=rounded("group_iv"),
        total=rounded("total"),
        index=rounded("index", "0.0001"),
        ranked=data["ranked"],
    )


def block_averages(publication: Publication, block_code: str) -> BlockAverages:
    """The averages of a block's ranked units in one version (one query, then none).

    A published version never changes, so its averages are kept per process, keyed like
    ``frozen_methodology``; the unit page computes the same aggregates (``unit_history``).
    """
    return _block_averages(publication.pk, publication.published_at, block_code)


@functools.lru_cache(maxsize=1024)
def _block_averages(publication_id: int, published_at: object, block_code: str) -> BlockAverages:
    data = PublishedResult.objects.filter(
        publication_id=publication_id, block__code=block_code, rank__isnull=False
    ).aggregate(**_AVERAGES)
    return _averages(data)


@dataclass(frozen=True)
class UnitYear:
    """A unit's published result of one year, beside its block's averages that year."""

    result: PublishedResult
    averages: BlockAverages


def unit_history(unit: Unit) -> list[UnitYear]:
    """The unit's results in the current version of every published period, oldest first.

    Two queries whatever the number of years: the results, and the block averages of every
    (version, block) they belong to.
    """
    results = list(
        PublishedResult.objects.filter(unit=unit, publication__is_current=True)
        .select_related("period", "block", "publication")
        .defer("explanation", "publication__methodology")
        .order_by("period__year")
    )
    if not results:
        return []
    pairs = Q()
    for row in results:
        pairs |= Q(publication_id=row.publication_id, block_id=row.block_id)
    averages = {
        (row["publication"], row["block"]): _averages(dict(row))
        for row in PublishedResult.objects.filter(pairs, rank__isnull=False)
        .order_by()
        .values("publication", "block")
        .annotate(**_AVERAGES)
    }
    empty = _averages({f"avg_{n}": None for n in (*GROUP_FIELDS, "total", "index")} | {"ranked": 0})
    return [
        UnitYear(result=row, averages=averages.get((row.publication_id, row.block_id), empty))
        for row in results
    ]


def published_unit(code: str) -> Unit | None:
    """A unit that has a result in a current publication; None for any other code."""
    return Unit.objects.filter(code=code, published_results__publication__is_current=True).first()


@dataclass(frozen=True)
class UnitHit:
    unit: Unit
    latest: PublishedResult  # the unit's result in its latest published year


def search_units(query: str, *, limit: int = 50) -> list[UnitHit]:
    """Units with published results whose name contains ``query``, accents or not (one query).

    Both sides are folded by ``search_key`` (no diacritics, đ → d, lower-case), so the same
    ``icontains`` works on SQLite and PostgreSQL without ``unaccent``.
    """
    from assessments.services import search_key

    key = search_key(query)
    if not key:
        return []
    rows = (
        PublishedResult.objects.filter(
            publication__is_current=True, unit__search_name__icontains=key
        )
        .select_related("unit", "block", "period")
        .defer("explanation")
        .order_by("unit__search_name", "unit__code", "-period__year")
    )
    hits: dict[int, UnitHit] = {}
    for row in rows[: limit * 20]:
        if row.unit_id not in hits:
            hits[row.unit_id] = UnitHit(unit=row.unit, latest=row)
        if len(hits) >= limit:
            break
    return list(hits.values())


# --- methodology ---------------------------------------------------------------------------------


def methodology_snapshot(period: Period) -> dict[str, Any]:
    """The framework and rules a period was scored with, as plain data to freeze at publication.

    Block maxima are summed from the indicators that apply to each block, as scoring does; the
    blocks are those with a result in the period.
    """
    framework = getattr(period, "framework", None)
    indicators = list(
        Indicator.objects.filter(framework__period=period)
        .select_related("group")
        .prefetch_related("blocks")
        .order_by("order", "code")
    )
    blocks = list(Block.objects.filter(results__period=period).distinct().order_by("order", "code"))
    overrides = {o.block_id: o for o in GradeThresholdOverride.objects.filter(period=period)}

    def thresholds(source: Period | GradeThresholdOverride) -> dict[str, str]:
        return {
            "tot": str(source.tot_threshold),
            "kha": str(source.kha_threshold),
            "trung_binh": str(source.trung_binh_threshold),
        }

    groups: dict[str, dict[str, Any]] = {}
    for indicator in indicators:
        group = indicator.group
        groups.setdefault(
            group.code,
            {
                "code": group.code,
                "name_vi": group.name_vi,
                "name_en": group.name_en,
                "order": group.order,
            },
        )
    block_rows = []
    for block in blocks:
        applicable = [i for i in indicators if any(b.pk == block.pk for b in i.blocks.all())]
        group_maxima = {
            code: str(sum((i.max_points for i in applicable if i.group.code == code), Decimal(0)))
            for code in groups
        }
        block_rows.append(
            {
                "code": block.code,
                "name_vi": block.name_vi,
                "name_en": block.name_en,
                "maximum": str(sum((i.max_points for i in applicable), Decimal(0))),
                "group_maxima": group_maxima,
                "thresholds": thresholds(overrides.get(block.pk, period)),
            }
        )
    return {
        "framework": {
            "name_vi": framework.name_vi if framework else "",
            "name_en": framework.name_en if framework else "",
        },
        "groups": sorted(groups.values(), key=lambda g: (g["order"], g["code"])),
        "indicators": [
            {
                "code": i.code,
                "group": i.group.code,
                "name_vi": i.name_vi,
                "name_en": i.name_en,
                "kind": i.kind,
                "max_points": str(i.max_points),
                "evidence_required": i.evidence_required,
                "online_service": i.online_service,
                "blocks": [b.code for b in blocks if any(x.pk == b.pk for x in i.blocks.all())],
            }
            for i in indicators
        ],
        "blocks": block_rows,
        "thresholds": thresholds(period),
    }


def localised(item: dict[str, Any], field_name: str = "name") -> str:
    """``item["name_en"]`` on English pages when there is one, else ``item["name_vi"]``."""
    english = item.get(f"{field_name}_en")
    if (get_language() or "vi").startswith("en") and english:
        return str(english)
    return str(item.get(f"{field_name}_vi", ""))
