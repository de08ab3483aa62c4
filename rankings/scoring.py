"""The scoring rules of DOMAIN.md §4, as pure functions over plain data.

No ORM here: the service in ``rankings/services.py`` loads approved answers, turns them into
these dataclasses, and stores what comes back. The officer's form uses ``score_indicator`` to
preview the points an answer would earn. Decimal throughout; rounding is half-up.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from operator import attrgetter

POINTS_QUANTUM = Decimal("0.01")
INDEX_QUANTUM = Decimal("0.0001")
SCALE_STEP = Decimal("0.5")
GROUPS = ("I", "II", "III", "IV")


class Kind(StrEnum):
    YES_NO = "yes_no"
    RATE = "rate"
    COUNT = "count"
    SCALE = "scale"


class Grade(StrEnum):
    TOT = "tot"
    KHA = "kha"
    TRUNG_BINH = "trung_binh"
    YEU = "yeu"


class Source(StrEnum):
    """Whose value an indicator's points were computed from."""

    UNIT = "unit"
    REVIEWER = "reviewer"


class Rule(StrEnum):
    """Why an indicator scored what it scored, beyond its plain formula (for the explanation)."""

    FORMULA = "formula"
    NO_ANSWER = "no_answer"
    MISSING_EVIDENCE = "missing_evidence"
    BLOCK_BEST_ZERO = "block_best_zero"


class InvalidValue(ValueError):
    """A value breaks its kind's rules (numerator above denominator, points off the 0.5 grid, …)."""


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    code: str
    group: str  # one of GROUPS
    kind: Kind
    max_points: Decimal
    evidence_required: bool = True
    online_service: bool = False


@dataclass(frozen=True, slots=True)
class Value:
    """One entered value; only the fields of the indicator's kind are set."""

    yes: bool | None = None
    numerator: int | None = None
    denominator: int | None = None
    count: int | None = None
    points: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AnswerInput:
    indicator_code: str
    unit_value: Value | None
    reviewer_value: Value | None = None
    has_evidence: bool = False


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Lowest percent of each grade; below ``trung_binh`` is Yếu."""

    tot: Decimal = Decimal("80")
    kha: Decimal = Decimal("65")
    trung_binh: Decimal = Decimal("50")


@dataclass(frozen=True, slots=True)
class PreviousStanding:
    """A unit's place in the previous period: its block and its rank (None: not ranked)."""

    block_code: str
    rank: int | None


@dataclass(frozen=True, slots=True)
class UnitInput:
    unit_code: str
    # None when the unit has no approved submission; the reason is then required.
    answers: Sequence[AnswerInput] | None
    not_ranked_reason: str = ""
    predecessor_code: str | None = None


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    indicator_code: str
    group: str
    kind: Kind
    max_points: Decimal
    source: Source | None  # None when there was no answer
    value: Value | None
    points: Decimal
    rule: Rule
    formula: str  # language-neutral arithmetic, e.g. "5 × 45 / 50 = 4.50"
    block_best: int | None = None  # count indicators: the block's best value V


@dataclass(frozen=True, slots=True)
class UnitResult:
    unit_code: str
    maximum: Decimal
    ranked: bool
    not_ranked_reason: str = ""
    group_points: Mapping[str, Decimal] | None = None  # "I".."IV" → points
    total: Decimal | None = None
    index: Decimal | None = None
    percent: Decimal | None = None
    grade: Grade | None = None
    rank: int | None = None
    rank_change: int | None = None
    indicators: tuple[IndicatorScore, ...] = ()


_ZERO = Decimal("0.00")
_ZERO_TEXT = "0.00"
_HALF_INDEX_STEP = INDEX_QUANTUM / 2
_Scores = tuple[IndicatorScore, ...]
_KEY_FIELD = {Kind.YES_NO: "yes", Kind.SCALE: "points", Kind.COUNT: "count"}
_NEXT_GRADE = {Grade.YEU: Grade.TRUNG_BINH, Grade.TRUNG_BINH: Grade.KHA, Grade.KHA: Grade.TOT}


def round_points(x: Decimal) -> Decimal:
    """Round points half-up to 2 decimals."""
    return x.quantize(POINTS_QUANTUM, rounding=ROUND_HALF_UP)


def round_index(x: Decimal) -> Decimal:
    """Round an index half-up to 4 decimals."""
    return x.quantize(INDEX_QUANTUM, rounding=ROUND_HALF_UP)


def _plain(x: Decimal) -> str:
    """A Decimal without trailing zeros or exponent: 4.00 → "4", 3.50 → "3.5"."""
    return format(x.normalize(), "f")


def validate_value(spec: IndicatorSpec, value: Value) -> None:
    """Raise InvalidValue if ``value`` breaks the rules of ``spec``'s kind."""
    kind = spec.kind
    if kind == Kind.YES_NO:
        if not isinstance(value.yes, bool):
            raise InvalidValue("a yes/no value needs yes or no")
    elif kind == Kind.RATE:
        n, d = value.numerator, value.denominator
        if not isinstance(n, int) or not isinstance(d, int) or bool in (type(n), type(d)):
            raise InvalidValue("a rate needs a whole numerator and denominator")
        if d <= 0:
            raise InvalidValue("a rate's denominator must be above 0")
        if n < 0 or n > d:
            raise InvalidValue("a rate's numerator must be between 0 and the denominator")
    elif kind == Kind.COUNT:
        c = value.count
        if not isinstance(c, int) or isinstance(c, bool):
            raise InvalidValue("a count needs a whole number")
        if c < 0:
            raise InvalidValue("a count must not be negative")
    elif kind == Kind.SCALE:
        p = value.points
        if not isinstance(p, Decimal) or not p.is_finite():
            raise InvalidValue("a scale value needs points as a finite Decimal")
        if p < 0 or p > spec.max_points:
            raise InvalidValue("scale points must be between 0 and the indicator's maximum")
        if p % SCALE_STEP:
            raise InvalidValue("scale points must be in steps of 0.5")
    else:
        raise InvalidValue(f"unknown indicator kind {kind!r}")


def chosen_value(answer: AnswerInput) -> tuple[Source, Value] | None:
    """The value that counts: the reviewer's if set, else the unit's; None if neither."""
    if answer.reviewer_value is not None:
        return Source.REVIEWER, answer.reviewer_value
    if answer.unit_value is not None:
        return Source.UNIT, answer.unit_value
    return None


class _Prepared:
    """Per-indicator lookups computed once (kind as an enum, formula texts, a score cache).

    The cache, used only by ``score_block`` where V is fixed, shares one score among equal values
    of the kinds with few distinct values (yes/no, scale, count); rates are mostly distinct.
    """

    __slots__ = (
        "cache",
        "code",
        "evidence_required",
        "group",
        "key_of",
        "kind",
        "max_points",
        "max_text",
        "no_text",
        "spec",
        "yes_text",
    )

    def __init__(self, spec: IndicatorSpec, *, cached: bool = False) -> None:
        self.spec = spec
        self.code = spec.code
        self.group = spec.group
        self.kind = Kind(spec.kind)
        self.max_points = spec.max_points
        self.evidence_required = spec.evidence_required
        self.max_text = _plain(spec.max_points)
        self.yes_text = f"{self.max_text} × 1 = {round_points(spec.max_points)}"
        self.no_text = f"{self.max_text} × 0 = {_ZERO}"
        self.key_of = attrgetter(_KEY_FIELD.get(self.kind, "yes"))
        self.cache: dict[tuple[Source, object], IndicatorScore] | None = (
            {} if cached and self.kind in _KEY_FIELD else None
        )

    def zero(
        self, source: Source | None, value: Value | None, rule: Rule, best: int | None
    ) -> IndicatorScore:
        return IndicatorScore(
            self.code,
            self.group,
            self.kind,
            self.max_points,
            source,
            value,
            _ZERO,
            rule,
            _ZERO_TEXT,
            best,
        )


@lru_cache(maxsize=512)
def _prepare(spec: IndicatorSpec) -> _Prepared:
    return _Prepared(spec)


def _score(p: _Prepared, answer: AnswerInput | None, block_best: int | None) -> IndicatorScore:
    """Score one indicator from prepared lookups (no argument checks beyond the value's)."""
    if answer is None:
        return p.zero(None, None, Rule.NO_ANSWER, block_best)
    value = answer.reviewer_value
    source = Source.REVIEWER
    if value is None:
        value = answer.unit_value
        source = Source.UNIT
        if value is None:
            return p.zero(None, None, Rule.NO_ANSWER, block_best)
    validate_value(p.spec, value)
    if p.evidence_required and not answer.has_evidence:
        return p.zero(source, value, Rule.MISSING_EVIDENCE, block_best)
    cache = p.cache
    if cache is not None:
        key = (source, p.key_of(value))  # the value is valid, so only its kind's field matters
        hit = cache.get(key)
        if hit is not None:
            return hit
    kind = p.kind
    if kind is Kind.RATE:
        n, d = value.numerator, value.denominator
        points = (p.max_points * n / d).quantize(POINTS_QUANTUM, rounding=ROUND_HALF_UP)  # type: ignore[operator]
        formula = f"{p.max_text} × {n} / {d} = {points!s}"
    elif kind is Kind.SCALE:
        raw: Decimal = value.points  # type: ignore[assignment]
        points = raw.quantize(POINTS_QUANTUM, rounding=ROUND_HALF_UP)
        formula = f"{_plain(raw)} = {points!s}"
    elif kind is Kind.YES_NO:
        if value.yes:
            points = round_points(p.max_points)
            formula = p.yes_text
        else:
            points = _ZERO
            formula = p.no_text
    else:  # count
        v: int = value.count  # type: ignore[assignment]
        best: int = block_best if block_best is not None and block_best >= v else v
        if best == 0:
            return p.zero(source, value, Rule.BLOCK_BEST_ZERO, 0)
        points = (p.max_points * v / best).quantize(POINTS_QUANTUM, rounding=ROUND_HALF_UP)
        formula = f"{p.max_text} × {v} / {best} = {points!s}"
        block_best = best
    score = IndicatorScore(
        p.code,
        p.group,
        kind,
        p.max_points,
        source,
        value,
        points,
        Rule.FORMULA,
        formula,
        block_best,
    )
    if cache is not None:
        cache[key] = score
    return score


def score_indicator(
    spec: IndicatorSpec, answer: AnswerInput | None, *, block_best: int | None = None
) -> IndicatorScore:
    """Score one answer to one indicator by §4; ``block_best`` is V, required for counts.

    A count above ``block_best`` (possible in a preview, where V is the best so far) becomes the
    best itself, so points never exceed the maximum.
    """
    if answer is not None and answer.indicator_code != spec.code:
        raise ValueError(f"answer for {answer.indicator_code!r} given to indicator {spec.code!r}")
    if spec.kind == Kind.COUNT:
        if block_best is None:
            raise ValueError(f"count indicator {spec.code!r} needs block_best")
        if block_best < 0:
            raise ValueError("block_best must not be negative")
    else:
        block_best = None
    return _score(_prepare(spec), answer, block_best)


def _counting_value(spec: IndicatorSpec, answer: AnswerInput | None) -> int | None:
    """The count an answer contributes to V, or None if it does not count."""
    if answer is None or (spec.evidence_required and not answer.has_evidence):
        return None
    value = answer.reviewer_value if answer.reviewer_value is not None else answer.unit_value
    if value is None:
        return None
    validate_value(spec, value)
    return value.count


def _best_counts(
    count_specs: Sequence[IndicatorSpec], answer_maps: Sequence[Mapping[str, AnswerInput]]
) -> dict[str, int]:
    best: dict[str, int] = {}
    for spec in count_specs:
        code = spec.code
        v_max = 0
        for answers in answer_maps:
            v = _counting_value(spec, answers.get(code))
            if v is not None and v > v_max:
                v_max = v
        best[code] = v_max
    return best


def _answer_map(unit: UnitInput, codes: Mapping[str, object]) -> dict[str, AnswerInput]:
    """The unit's answers by indicator code; a repeated answer to a scored indicator is an error."""
    answers = unit.answers or ()
    amap = {a.indicator_code: a for a in answers}
    if len(amap) != len(answers):
        seen: set[str] = set()
        for a in answers:
            if a.indicator_code in seen and a.indicator_code in codes:
                raise ValueError(f"unit {unit.unit_code!r} answers {a.indicator_code!r} twice")
            seen.add(a.indicator_code)
    return amap


def block_best_counts(
    indicators: Sequence[IndicatorSpec], units: Sequence[UnitInput]
) -> dict[str, int]:
    """V per count indicator: the largest counting value among units with answers (0 if none)."""
    codes = {spec.code: spec for spec in indicators}
    maps = [_answer_map(u, codes) for u in units if u.answers is not None]
    return _best_counts([s for s in indicators if s.kind == Kind.COUNT], maps)


def grade_for(percent: Decimal, thresholds: Thresholds) -> Grade:
    """The grade a percent earns under ``thresholds``."""
    if percent >= thresholds.tot:
        return Grade.TOT
    if percent >= thresholds.kha:
        return Grade.KHA
    if percent >= thresholds.trung_binh:
        return Grade.TRUNG_BINH
    return Grade.YEU


def competition_ranks(indexes: Mapping[str, Decimal]) -> dict[str, int]:
    """Rank by index descending; equal indexes share a rank and the next skips (1, 1, 3)."""
    ranks: dict[str, int] = {}
    previous: Decimal | None = None
    rank = 0
    for position, (code, index) in enumerate(
        sorted(indexes.items(), key=lambda item: item[1], reverse=True), start=1
    ):
        if index != previous:
            rank = position
            previous = index
        ranks[code] = rank
    return ranks


def _percent(total: Decimal, maximum: Decimal) -> Decimal:
    return round_index(total / maximum).scaleb(2)


def _threshold(grade: Grade, thresholds: Thresholds) -> Decimal:
    if grade is Grade.TOT:
        return thresholds.tot
    if grade is Grade.KHA:
        return thresholds.kha
    return thresholds.trung_binh


def points_to_next_grade(
    total: Decimal, maximum: Decimal, thresholds: Thresholds
) -> tuple[Grade, Decimal] | None:
    """The next higher grade and the fewest points (in 0.01 steps) that reach it.

    None for Tốt, and when the next grade is out of reach even at the block maximum.
    """
    if maximum <= 0:
        raise ValueError("maximum must be positive")
    target = _NEXT_GRADE.get(grade_for(_percent(total, maximum), thresholds))
    if target is None:
        return None
    threshold = _threshold(target, thresholds)

    def reaches(extra: Decimal) -> bool:
        return _percent(total + extra, maximum) >= threshold

    # Smallest 4-decimal index at or above the threshold, less half a step (half-up rounding).
    lowest_index = (threshold / 100).quantize(INDEX_QUANTUM, rounding=ROUND_CEILING)
    needed = (lowest_index - _HALF_INDEX_STEP) * maximum - total
    extra = max(needed.quantize(POINTS_QUANTUM, rounding=ROUND_CEILING), POINTS_QUANTUM)
    while not reaches(extra):  # guards against inexact division; at most a step or two
        extra += POINTS_QUANTUM
        if total + extra > maximum:
            return None
    while extra > POINTS_QUANTUM and reaches(extra - POINTS_QUANTUM):
        extra -= POINTS_QUANTUM
    if total + extra > maximum:
        return None
    return target, extra


def score_block(
    *,
    block_code: str,
    indicators: Sequence[IndicatorSpec],
    units: Sequence[UnitInput],
    thresholds: Thresholds,
    previous: Mapping[str, PreviousStanding],
) -> list[UnitResult]:
    """Score, grade and rank every unit of one block; ranked units first by (rank, code)."""
    with gc_paused():
        return _score_block(block_code, indicators, units, thresholds, previous)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector: a block creates millions of acyclic objects, and full
    collections over them would cost more than the scoring itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _score_block(
    block_code: str,
    indicators: Sequence[IndicatorSpec],
    units: Sequence[UnitInput],
    thresholds: Thresholds,
    previous: Mapping[str, PreviousStanding],
) -> list[UnitResult]:
    prepared = [_Prepared(spec, cached=True) for spec in indicators]
    codes: dict[str, _Prepared] = {}
    for p in prepared:
        if p.code in codes:
            raise ValueError(f"indicator {p.code!r} given twice")
        if p.group not in GROUPS:
            raise ValueError(f"indicator {p.code!r} has unknown group {p.group!r}")
        codes[p.code] = p
    maximum = sum((p.max_points for p in prepared), Decimal(0))
    if maximum <= 0:
        raise ValueError(f"block {block_code!r} has no points to score")

    seen: set[str] = set()
    ranked_units: list[UnitInput] = []
    answer_maps: list[dict[str, AnswerInput]] = []
    not_ranked: list[UnitResult] = []
    for unit in units:
        if unit.unit_code in seen:
            raise ValueError(f"unit {unit.unit_code!r} given twice")
        seen.add(unit.unit_code)
        if unit.answers is None:
            if not unit.not_ranked_reason.strip():
                raise ValueError(f"unit {unit.unit_code!r} is not ranked but has no reason")
            not_ranked.append(UnitResult(unit.unit_code, maximum, False, unit.not_ranked_reason))
        else:
            ranked_units.append(unit)
            answer_maps.append(_answer_map(unit, codes))

    best = _best_counts([p.spec for p in prepared if p.kind is Kind.COUNT], answer_maps)
    plan = [
        (p, best.get(p.code), p.zero(None, None, Rule.NO_ANSWER, best.get(p.code)))
        for p in prepared
    ]

    scored: dict[str, tuple[UnitInput, dict[str, Decimal], Decimal, Decimal, _Scores]] = {}
    indexes: dict[str, Decimal] = {}
    for unit, amap in zip(ranked_units, answer_maps, strict=True):
        groups = dict.fromkeys(GROUPS, _ZERO)
        scores: list[IndicatorScore] = []
        for p, block_best, no_answer in plan:
            answer = amap.get(p.code)
            s = no_answer if answer is None else _score(p, answer, block_best)
            scores.append(s)
            groups[p.group] += s.points
        total = groups["I"] + groups["II"] + groups["III"] + groups["IV"]
        index = round_index(total / maximum)
        indexes[unit.unit_code] = index
        scored[unit.unit_code] = (unit, groups, total, index, tuple(scores))

    ranks = competition_ranks(indexes)
    results: list[UnitResult] = []
    for code in sorted(scored, key=lambda c: (ranks[c], c)):
        unit, groups, total, index, indicator_scores = scored[code]
        rank = ranks[code]
        percent = index.scaleb(2)
        if code in previous:
            before: PreviousStanding | None = previous[code]
        elif unit.predecessor_code is not None:
            before = previous.get(unit.predecessor_code)
        else:
            before = None
        change = (
            before.rank - rank
            if before is not None and before.rank is not None and before.block_code == block_code
            else None
        )
        results.append(
            UnitResult(
                unit_code=code,
                maximum=maximum,
                ranked=True,
                group_points=groups,
                total=total,
                index=index,
                percent=percent,
                grade=grade_for(percent, thresholds),
                rank=rank,
                rank_change=change,
                indicators=indicator_scores,
            )
        )
    not_ranked.sort(key=lambda r: r.unit_code)
    results.extend(not_ranked)
    return results
