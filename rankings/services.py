"""Scoring and publishing a period.

Scoring: approved answers in, one working ``Result`` per participating unit out. The rules live
in ``rankings/scoring.py``; this module only loads plain data in a handful of queries, hands it to
the rules block by block, and stores what changed.

Publishing: the working results are copied into a new ``Publication`` (a frozen, numbered
version) that the public pages read; re-scoring afterwards changes the working results only.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    Answer,
    Evidence,
    GradeThresholdOverride,
    Indicator,
    Participation,
    Period,
    Submission,
)
from rankings import scoring
from rankings.models import Publication, PublishedResult, Result, ScoringRun
from rankings.public import forget_public_state
from rankings.selectors import (
    RESULT_FIELDS,
    changes_since_publication,
    comparable,
    methodology_snapshot,
)

# Why a unit is not ranked, stored as a code and shown through NOT_RANKED_REASONS.
NO_SUBMISSION = "no_submission"


class ScoringError(Exception):
    """The period cannot be scored as asked; the message is shown to the user."""


class PublicationError(Exception):
    """The period cannot be published as asked; the message is shown to the user."""


def score_period(*, period: Period, actor: User | None = None) -> ScoringRun:
    """Score, grade and rank every participating unit of ``period`` and store the results.

    Idempotent: a second run with the same answers writes nothing (and says so in its run
    record); after a changed answer only the results that changed are rewritten.

    A published period may be scored again (after a correction): its working results change,
    its published versions do not; ``publish_period`` then makes the correction public.
    """
    started_at = timezone.now()
    clock = time.perf_counter()
    with transaction.atomic():
        # Lock the period row so two admins scoring at once run one after the other.
        period = Period.objects.select_for_update().get(pk=period.pk)
        if connection.vendor == "postgresql":
            # The planner over-estimates the evidence check and JIT-compiles the answers query
            # for longer than it runs (bench/scoring.py); this transaction only.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        # Millions of small objects: a collection pass would walk them all, repeatedly.
        with scoring.gc_paused():
            outcomes = compute_results(period=period)
            changed = _store_results(period=period, outcomes=outcomes, scored_at=started_at)
        if period.state in {Period.State.DRAFT, Period.State.OPEN, Period.State.REVIEW}:
            period.state = Period.State.SCORED
            period.save(update_fields=["state"])
        run = ScoringRun.objects.create(
            period=period,
            started_by=actor,
            started_at=started_at,
            duration_ms=round((time.perf_counter() - clock) * 1000),
            units_count=len(outcomes),
            ranked_count=sum(1 for _block, result in outcomes.values() if result.ranked),
            changed_count=changed,
        )
    return run


def compute_results(*, period: Period) -> dict[int, tuple[int, scoring.UnitResult]]:
    """unit id → (block id, result), computed from the period's approved submissions."""
    participations = list(
        Participation.objects.filter(period=period).values_list(
            "unit_id", "unit__code", "unit__predecessor__code", "block_id", "block__code"
        )
    )
    specs_by_block = _indicator_specs_by_block(period)
    thresholds_by_block = _thresholds_by_block(period)
    previous = _previous_standings(period)
    answers_by_unit = _approved_answers(period)
    statuses = dict(Submission.objects.filter(period=period).values_list("unit_id", "status"))

    units_by_block: dict[int, list[scoring.UnitInput]] = defaultdict(list)
    unit_ids: dict[str, int] = {}
    block_codes: dict[int, str] = {}
    for unit_id, unit_code, predecessor_code, block_id, block_code in participations:
        unit_ids[unit_code] = unit_id
        block_codes[block_id] = block_code
        answers = answers_by_unit.get(unit_id)
        if answers is None and statuses.get(unit_id) == Submission.Status.APPROVED:
            answers = []  # approved, but nothing answered: ranked with zero points
        units_by_block[block_id].append(
            scoring.UnitInput(
                unit_code=unit_code,
                answers=answers,
                not_ranked_reason=""
                if answers is not None
                else statuses.get(unit_id, NO_SUBMISSION),
                predecessor_code=predecessor_code,
            )
        )

    outcomes: dict[int, tuple[int, scoring.UnitResult]] = {}
    for block_id, units in units_by_block.items():
        results = scoring.score_block(
            block_code=block_codes[block_id],
            indicators=specs_by_block.get(block_id, []),
            units=units,
            thresholds=thresholds_by_block.get(block_id, period.thresholds),
            previous=previous,
        )
        for result in results:
            outcomes[unit_ids[result.unit_code]] = (block_id, result)
    return outcomes


def _indicator_specs_by_block(period: Period) -> dict[int, list[scoring.IndicatorSpec]]:
    indicators = (
        Indicator.objects.filter(framework__period=period)
        .select_related("group")
        .prefetch_related("blocks")
        .order_by("order", "code")
    )
    by_block: dict[int, list[scoring.IndicatorSpec]] = defaultdict(list)
    for indicator in indicators:
        spec = indicator.spec
        for block in indicator.blocks.all():
            by_block[block.pk].append(spec)
    return by_block


def _thresholds_by_block(period: Period) -> dict[int, scoring.Thresholds]:
    return {
        override.block_id: override.thresholds
        for override in GradeThresholdOverride.objects.filter(period=period)
    }


def _previous_standings(period: Period) -> dict[str, scoring.PreviousStanding]:
    """Standings of the latest earlier period that has results, keyed by unit code."""
    previous = (
        Period.objects.filter(
            Exists(Result.objects.filter(period=OuterRef("pk"))), year__lt=period.year
        )
        .order_by("-year")
        .first()
    )
    if previous is None:
        return {}
    return {
        unit_code: scoring.PreviousStanding(block_code=block_code, rank=rank)
        for unit_code, block_code, rank in Result.objects.filter(period=previous)
        .order_by()
        .values_list("unit__code", "block__code", "rank")
    }


def _approved_answers(period: Period) -> dict[int, list[scoring.AnswerInput]]:
    rows = (
        Answer.objects.filter(
            submission__period=period, submission__status=Submission.Status.APPROVED
        )
        .annotate(has_evidence=Exists(Evidence.objects.filter(answer=OuterRef("pk"))))
        .order_by()  # Answer.Meta.ordering would join three tables and sort every answer
        .values_list(
            "submission__unit_id",
            "indicator__code",
            *Answer.UNIT_VALUE_FIELDS,
            *Answer.REVIEWER_VALUE_FIELDS,
            "has_evidence",
        )
    )
    by_unit: dict[int, list[scoring.AnswerInput]] = defaultdict(list)
    # Most values repeat (yes/no, points, counts): one Value object per distinct value.
    values: dict[tuple, scoring.Value | None] = {_NO_VALUE: None}
    for row in rows:
        unit_key, reviewer_key = row[2:7], row[7:12]
        if unit_key not in values:
            values[unit_key] = scoring.Value(*unit_key)
        if reviewer_key not in values:
            values[reviewer_key] = scoring.Value(*reviewer_key)
        by_unit[row[0]].append(
            scoring.AnswerInput(row[1], values[unit_key], values[reviewer_key], row[12])
        )
    return by_unit


# The five value columns in scoring.Value's order (yes, numerator, denominator, count, points).
_NO_VALUE = (None, None, None, None, None)


def explanation_entries(
    scores: Iterable[scoring.IndicatorScore], memo: dict[int, dict] | None = None
) -> list[dict]:
    """The per-indicator explanation as JSON-ready dicts (decimals as strings).

    ``score_block`` shares one IndicatorScore among equal values; ``memo`` (keyed by the
    object's id, valid while the scores live) builds each shared entry once.
    """
    entries = []
    for score in scores:
        entry = memo.get(id(score)) if memo is not None else None
        if entry is None:
            entry = explanation_entry(score)
            if memo is not None:
                memo[id(score)] = entry
        entries.append(entry)
    return entries


def explanation_entry(score: scoring.IndicatorScore) -> dict:
    """One indicator's line of the explanation: value used, whose, rule, formula, points."""
    value = score.value
    return {
        "code": score.indicator_code,
        "group": score.group,
        "kind": score.kind.value,
        "max_points": str(score.max_points),
        "source": score.source.value if score.source else None,
        "value": None if value is None else _value_record(value),
        "points": str(score.points),
        "rule": score.rule.value,
        "formula": score.formula,
        "block_best": score.block_best,
    }


def _explanation_json(scores: Iterable[scoring.IndicatorScore], memo: dict[int, str]) -> str:
    """The explanation as JSON text, each shared entry encoded once (``memo`` as above)."""
    parts = []
    for score in scores:
        text = memo.get(id(score))
        if text is None:
            text = memo[id(score)] = json.dumps(explanation_entry(score), separators=(",", ":"))
        parts.append(text)
    return "[" + ",".join(parts) + "]"


def _value_record(value: scoring.Value) -> dict[str, object]:
    """The fields of a value that are set (decimals as strings), in the explanation."""
    record: dict[str, object] = {}
    if value.yes is not None:
        record["yes"] = value.yes
    if value.numerator is not None:
        record["numerator"] = value.numerator
    if value.denominator is not None:
        record["denominator"] = value.denominator
    if value.count is not None:
        record["count"] = value.count
    if value.points is not None:
        record["points"] = str(value.points)
    return record


def _result_values(
    block_id: int, result: scoring.UnitResult, memo: dict[int, dict] | None = None
) -> dict:
    """The Result columns of one unit's result (the explanation as JSON-ready dicts)."""
    return {
        **_result_columns(block_id, result),
        "explanation": explanation_entries(result.indicators, memo),
    }


def _result_columns(block_id: int, result: scoring.UnitResult) -> dict:
    groups = result.group_points or {}
    return {
        "block_id": block_id,
        "group_i": groups.get("I"),
        "group_ii": groups.get("II"),
        "group_iii": groups.get("III"),
        "group_iv": groups.get("IV"),
        "total": result.total,
        "maximum": result.maximum,
        "index": result.index,
        "percent": result.percent,
        "grade": result.grade.value if result.grade else "",
        "rank": result.rank,
        "rank_change": result.rank_change,
        "not_ranked_reason": result.not_ranked_reason,
    }


def _store_results(
    *, period: Period, outcomes: dict[int, tuple[int, scoring.UnitResult]], scored_at: dt.datetime
) -> int:
    """Write new and changed results, delete those of units no longer taking part."""
    if connection.vendor == "postgresql":
        return _store_results_by_copy(period=period, outcomes=outcomes, scored_at=scored_at)
    existing = {
        row["unit_id"]: row
        for row in Result.objects.filter(period=period).values("unit_id", *RESULT_FIELDS)
    }
    memo: dict[int, dict] = {}
    to_write = []
    for unit_id, (block_id, result) in outcomes.items():
        values = _result_values(block_id, result, memo)
        old = existing.get(unit_id)
        if old is not None and comparable(old) == comparable(values):
            continue
        to_write.append(Result(period=period, unit_id=unit_id, scored_at=scored_at, **values))
    if to_write:
        Result.objects.bulk_create(
            to_write,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["period", "unit"],
            update_fields=[*RESULT_FIELDS, "scored_at"],
        )
    return len(to_write) + _delete_gone(period=period, outcomes=outcomes)


_COPY_COLUMNS = ("period_id", "unit_id", "scored_at", *RESULT_FIELDS)


def _store_results_by_copy(
    *, period: Period, outcomes: dict[int, tuple[int, scoring.UnitResult]], scored_at: dt.datetime
) -> int:
    """PostgreSQL: COPY the fresh results into a temporary table, then upsert only what differs.

    The same outcome as the ORM path (unchanged rows keep their ``scored_at``), several times
    faster at 10,000 units: no per-value quoting in Python, no read-back of stored explanations.
    Runs inside ``score_period``'s transaction (the temporary table is dropped on commit).
    """
    columns = ", ".join(_COPY_COLUMNS)
    memo: dict[int, str] = {}
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor, for COPY
        cursor.execute(
            f"CREATE TEMP TABLE scoring_result ON COMMIT DROP AS "
            f"SELECT {columns} FROM rankings_result WITH NO DATA"
        )
        with cursor.copy(f"COPY scoring_result ({columns}) FROM STDIN") as copy:
            for unit_id, (block_id, result) in outcomes.items():
                values = _result_columns(block_id, result)
                values["explanation"] = _explanation_json(result.indicators, memo)
                copy.write_row((period.pk, unit_id, scored_at, *(values[f] for f in RESULT_FIELDS)))
        updates = ", ".join(f"{f} = EXCLUDED.{f}" for f in (*RESULT_FIELDS, "scored_at"))
        differs = " OR ".join(f"r.{f} IS DISTINCT FROM EXCLUDED.{f}" for f in RESULT_FIELDS)
        cursor.execute(
            f"INSERT INTO rankings_result AS r ({columns}) SELECT {columns} FROM scoring_result "
            f"ON CONFLICT (period_id, unit_id) DO UPDATE SET {updates} WHERE {differs}"
        )
        written = cursor.rowcount  # inserted and changed rows only
        cursor.execute("DROP TABLE scoring_result")
    return written + _delete_gone(period=period, outcomes=outcomes)


def _delete_gone(*, period: Period, outcomes: dict[int, tuple[int, scoring.UnitResult]]) -> int:
    """Delete the results of units that no longer take part; found by id in Python."""
    stored = set(Result.objects.filter(period=period).values_list("unit_id", flat=True))
    gone = stored - outcomes.keys()
    if gone:
        Result.objects.filter(period=period, unit_id__in=gone).delete()
    return len(gone)


@transaction.atomic
def publish_period(
    *,
    period: Period,
    actor: User | None,
    note: str = "",
    published_at: dt.datetime | None = None,
) -> Publication:
    """Publish the period's working results as a new, frozen version and make it current.

    The first publication needs a scored period; it sets the period PUBLISHED with its
    ``published_at``. A later one (a correction, after scoring again) needs a public note of what
    changed and is refused when nothing changed since the current version. Earlier versions are
    kept, readable, and never edited. ``published_at`` is for archives and the demo (default: now).
    """
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.state not in {Period.State.SCORED, Period.State.PUBLISHED}:
        raise PublicationError(
            _("Period %(year)s is not scored yet: score it before publishing it.")
            % {"year": period.year}
        )
    results = list(Result.objects.filter(period=period))
    if not results:
        raise PublicationError(
            _("Period %(year)s has no results to publish: score it first.") % {"year": period.year}
        )
    current, changes = changes_since_publication(period)
    note = note.strip()
    if current is not None:
        if not changes:
            raise PublicationError(
                _("Nothing changed since version %(version)s: there is nothing to publish.")
                % {"version": current.version}
            )
        if not note:
            raise PublicationError(
                _("Say in the public note what changed since version %(version)s.")
                % {"version": current.version}
            )
        Publication.objects.filter(pk=current.pk).update(is_current=False)
    latest = period.publications.aggregate(latest=Max("version"))["latest"] or 0
    when = published_at or timezone.now()
    publication = Publication.objects.create(
        period=period,
        version=latest + 1,
        published_at=when,
        published_by=actor,
        note=note,
        is_current=True,
        methodology=methodology_snapshot(period),
    )
    PublishedResult.objects.bulk_create(
        [
            PublishedResult(
                publication=publication,
                period=period,
                unit_id=result.unit_id,
                scored_at=result.scored_at,
                **{name: getattr(result, name) for name in RESULT_FIELDS},
            )
            for result in results
        ],
        batch_size=2000,
    )
    if period.state != Period.State.PUBLISHED or period.published_at is None:
        period.state = Period.State.PUBLISHED
        period.published_at = period.published_at or when
        period.save(update_fields=["state", "published_at"])
    # Public pages key their caches on the publication state: make them read it again.
    forget_public_state()
    transaction.on_commit(forget_public_state)
    return publication
