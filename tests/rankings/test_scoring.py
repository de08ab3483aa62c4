"""The scoring rules of DOMAIN.md §4 (pure functions, no Django)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rankings.scoring import (
    GROUPS,
    AnswerInput,
    Grade,
    IndicatorSpec,
    InvalidValue,
    Kind,
    PreviousStanding,
    Rule,
    Source,
    Thresholds,
    UnitInput,
    UnitResult,
    Value,
    block_best_counts,
    chosen_value,
    competition_ranks,
    grade_for,
    points_to_next_grade,
    round_index,
    round_points,
    score_block,
    score_indicator,
    validate_value,
)

D = Decimal

YES_NO = IndicatorSpec("I.3", "I", Kind.YES_NO, D("4"))
RATE = IndicatorSpec("I.1", "I", Kind.RATE, D("5"))
COUNT = IndicatorSpec("II.4", "II", Kind.COUNT, D("5"))
SCALE = IndicatorSpec("IV.2", "IV", Kind.SCALE, D("4"))
COUNT_NO_EVIDENCE = IndicatorSpec("II.6b", "II", Kind.COUNT, D("4"), evidence_required=False)
RATE_NO_EVIDENCE = IndicatorSpec("III.3", "III", Kind.RATE, D("5"), evidence_required=False)


def answer(
    spec: IndicatorSpec,
    value: Value | None,
    *,
    reviewer: Value | None = None,
    evidence: bool = True,
) -> AnswerInput:
    return AnswerInput(spec.code, value, reviewer, has_evidence=evidence)


def unit(code: str, *answers: AnswerInput, predecessor: str | None = None) -> UnitInput:
    return UnitInput(code, list(answers), predecessor_code=predecessor)


def not_ranked(code: str, reason: str = "no approved submission") -> UnitInput:
    return UnitInput(code, None, not_ranked_reason=reason)


def block(
    units: list[UnitInput],
    indicators: list[IndicatorSpec],
    *,
    thresholds: Thresholds | None = None,
    previous: dict[str, PreviousStanding] | None = None,
    block_code: str = "so",
) -> list[UnitResult]:
    return score_block(
        block_code=block_code,
        indicators=indicators,
        units=units,
        thresholds=thresholds or Thresholds(),
        previous=previous or {},
    )


def by_code(results: list[UnitResult]) -> dict[str, UnitResult]:
    return {r.unit_code: r for r in results}


def rate(n: int, d: int) -> Value:
    return Value(numerator=n, denominator=d)


def count(v: int) -> Value:
    return Value(count=v)


def points(p: str) -> Value:
    return Value(points=D(p))


YES = Value(yes=True)
NO = Value(yes=False)


# --- rounding ---------------------------------------------------------------------------------


def test_round_points_rounds_half_up_not_half_even() -> None:
    assert round_points(D("2.345")) == D("2.35")
    assert round_points(D("2.325")) == D("2.33")
    assert round_points(D("2.3449")) == D("2.34")
    assert str(round_points(D("4"))) == "4.00"


def test_round_index_rounds_half_up_to_four_decimals() -> None:
    assert round_index(D("0.12345")) == D("0.1235")
    assert round_index(D("0.12125")) == D("0.1213")
    assert round_index(D("0.124999")) == D("0.1250")
    assert str(round_index(D("1"))) == "1.0000"


def test_indicator_points_round_half_up_to_two_decimals() -> None:
    score = score_indicator(RATE, answer(RATE, rate(469, 1000)))  # 5 × 0.469 = 2.345
    assert score.points == D("2.35")
    assert score.formula == "5 × 469 / 1000 = 2.35"


def test_index_is_total_over_block_maximum_rounded_half_up() -> None:
    spec = IndicatorSpec("X", "I", Kind.RATE, D("200"))
    # 200 × 12345 / 100000 = 24.69 points; 24.69 / 200 = 0.12345 → 0.1235 (half-even: 0.1234).
    [result] = block([unit("A", answer(spec, rate(12345, 100000)))], [spec])
    assert result.total == D("24.69")
    assert result.index == D("0.1235")
    assert result.percent == D("12.35")


def test_index_of_one_eighth_is_kept_to_four_decimals() -> None:
    spec = IndicatorSpec("X", "I", Kind.SCALE, D("8"))
    [result] = block([unit("A", answer(spec, points("1")))], [spec])
    assert result.index == D("0.1250")
    assert str(result.percent) == "12.50"


# --- each kind --------------------------------------------------------------------------------


def test_yes_scores_the_maximum_and_no_scores_zero() -> None:
    yes = score_indicator(YES_NO, answer(YES_NO, YES))
    no = score_indicator(YES_NO, answer(YES_NO, NO))
    assert (yes.points, yes.formula, yes.rule) == (D("4.00"), "4 × 1 = 4.00", Rule.FORMULA)
    assert (no.points, no.formula, no.rule) == (D("0.00"), "4 × 0 = 0.00", Rule.FORMULA)


def test_rate_scores_max_times_numerator_over_denominator() -> None:
    score = score_indicator(RATE, answer(RATE, rate(45, 50)))
    assert score.points == D("4.50")
    assert score.formula == "5 × 45 / 50 = 4.50"
    assert score.source is Source.UNIT
    assert score.value == rate(45, 50)
    assert score.block_best is None


def test_rate_accepts_zero_and_full_numerator() -> None:
    assert score_indicator(RATE, answer(RATE, rate(0, 7))).points == D("0.00")
    assert score_indicator(RATE, answer(RATE, rate(7, 7))).points == D("5.00")


def test_count_scores_relative_to_the_block_best() -> None:
    score = score_indicator(COUNT, answer(COUNT, count(3)), block_best=6)
    assert score.points == D("2.50")
    assert score.formula == "5 × 3 / 6 = 2.50"
    assert score.block_best == 6


def test_count_needs_the_block_best() -> None:
    with pytest.raises(ValueError, match="block_best"):
        score_indicator(COUNT, answer(COUNT, count(3)))


def test_count_with_block_best_zero_scores_zero() -> None:
    score = score_indicator(COUNT, answer(COUNT, count(0)), block_best=0)
    assert (score.points, score.rule, score.formula) == (D("0.00"), Rule.BLOCK_BEST_ZERO, "0.00")


def test_count_preview_above_the_best_so_far_becomes_the_best_and_scores_the_maximum() -> None:
    score = score_indicator(COUNT, answer(COUNT, count(9)), block_best=6)
    assert score.points == D("5.00")
    assert score.block_best == 9
    assert score.formula == "5 × 9 / 9 = 5.00"


def test_scale_scores_the_points_themselves() -> None:
    score = score_indicator(SCALE, answer(SCALE, points("3.5")))
    assert score.points == D("3.50")
    assert score.formula == "3.5 = 3.50"


def test_scale_accepts_zero_and_the_maximum() -> None:
    assert score_indicator(SCALE, answer(SCALE, points("0"))).points == D("0.00")
    assert score_indicator(SCALE, answer(SCALE, points("4"))).points == D("4.00")


# --- evidence, reviewer, missing answers ------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "value", "block_best"),
    [
        (YES_NO, YES, None),
        (RATE, rate(5, 5), None),
        (COUNT, count(6), 6),
        (SCALE, points("4"), None),
    ],
    ids=["yes_no", "rate", "count", "scale"],
)
def test_missing_evidence_scores_zero_for_every_kind(
    spec: IndicatorSpec, value: Value, block_best: int | None
) -> None:
    score = score_indicator(spec, answer(spec, value, evidence=False), block_best=block_best)
    assert score.points == D("0.00")
    assert score.rule is Rule.MISSING_EVIDENCE
    assert score.formula == "0.00"
    assert (score.source, score.value) == (Source.UNIT, value)


def test_indicator_without_evidence_requirement_scores_without_evidence() -> None:
    score = score_indicator(RATE_NO_EVIDENCE, answer(RATE_NO_EVIDENCE, rate(1, 2), evidence=False))
    assert score.points == D("2.50")
    assert score.rule is Rule.FORMULA


def test_reviewer_value_wins_over_the_units_own() -> None:
    score = score_indicator(YES_NO, answer(YES_NO, YES, reviewer=NO))
    assert score.points == D("0.00")
    assert (score.source, score.value) == (Source.REVIEWER, NO)
    raised = score_indicator(RATE, answer(RATE, rate(1, 10), reviewer=rate(9, 10)))
    assert raised.points == D("4.50")


def test_reviewer_value_counts_even_when_the_unit_entered_none() -> None:
    score = score_indicator(SCALE, answer(SCALE, None, reviewer=points("2")))
    assert (score.points, score.source) == (D("2.00"), Source.REVIEWER)


def test_chosen_value_prefers_reviewer_then_unit_then_none() -> None:
    assert chosen_value(answer(RATE, rate(1, 2), reviewer=rate(2, 2))) == (
        Source.REVIEWER,
        rate(2, 2),
    )
    assert chosen_value(answer(RATE, rate(1, 2))) == (Source.UNIT, rate(1, 2))
    assert chosen_value(answer(RATE, None)) is None


def test_no_answer_scores_zero() -> None:
    missing = score_indicator(RATE, None)
    empty = score_indicator(RATE, answer(RATE, None))
    for score in (missing, empty):
        assert (score.points, score.rule, score.formula) == (D("0.00"), Rule.NO_ANSWER, "0.00")
        assert score.source is None and score.value is None


def test_an_answer_for_another_indicator_is_refused() -> None:
    with pytest.raises(ValueError, match=r"I\.1"):
        score_indicator(SCALE, answer(RATE, rate(1, 2)))


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        (YES_NO, Value()),
        (YES_NO, Value(count=1)),
        (RATE, Value(denominator=10)),
        (RATE, Value(numerator=1)),
        (RATE, rate(0, 0)),
        (RATE, rate(1, -1)),
        (RATE, rate(-1, 10)),
        (RATE, rate(11, 10)),
        (RATE, Value(numerator=True, denominator=1)),
        (RATE, Value(numerator=D("1"), denominator=2)),  # type: ignore[arg-type]
        (COUNT, Value()),
        (COUNT, count(-1)),
        (COUNT, Value(count=2.0)),  # type: ignore[arg-type]
        (COUNT, Value(count=True)),
        (SCALE, Value()),
        (SCALE, points("-0.5")),
        (SCALE, points("4.5")),
        (SCALE, points("3.25")),
        (SCALE, points("NaN")),
        (SCALE, Value(points=3.5)),  # type: ignore[arg-type]
    ],
    ids=[
        "yes_no_missing",
        "yes_no_wrong_field",
        "rate_no_numerator",
        "rate_no_denominator",
        "rate_zero_denominator",
        "rate_negative_denominator",
        "rate_negative_numerator",
        "rate_numerator_above_denominator",
        "rate_bool_numerator",
        "rate_decimal_numerator",
        "count_missing",
        "count_negative",
        "count_float",
        "count_bool",
        "scale_missing",
        "scale_negative",
        "scale_above_max",
        "scale_off_half_grid",
        "scale_nan",
        "scale_float",
    ],
)
def test_validate_value_rejects_values_that_break_their_kinds_rules(
    spec: IndicatorSpec, value: Value
) -> None:
    with pytest.raises(InvalidValue):
        validate_value(spec, value)
    with pytest.raises(InvalidValue):  # scoring validates the chosen value too
        score_indicator(spec, answer(spec, value), block_best=5)


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        (YES_NO, NO),
        (RATE, rate(0, 1)),
        (RATE, rate(3, 3)),
        (COUNT, count(0)),
        (SCALE, points("0")),
        (SCALE, points("0.5")),
        (SCALE, points("4.0")),
    ],
)
def test_validate_value_accepts_values_on_the_boundaries(spec: IndicatorSpec, value: Value) -> None:
    validate_value(spec, value)


def test_the_reviewers_value_is_the_one_validated() -> None:
    with pytest.raises(InvalidValue):
        score_indicator(RATE, answer(RATE, rate(1, 2), reviewer=rate(3, 2)))
    assert score_indicator(RATE, answer(RATE, rate(3, 2), reviewer=rate(1, 2))).points == D("2.50")


# --- block best of count indicators -----------------------------------------------------------


def test_block_best_is_the_largest_count_among_units_with_answers() -> None:
    units = [
        unit("A", answer(COUNT, count(3))),
        unit("B", answer(COUNT, count(6))),
        unit("C", answer(COUNT, count(2), reviewer=count(4))),
        not_ranked("D"),
    ]
    assert block_best_counts([RATE, COUNT], units) == {"II.4": 6}


def test_block_best_uses_the_reviewers_value() -> None:
    units = [
        unit("A", answer(COUNT, count(9), reviewer=count(2))),
        unit("B", answer(COUNT, count(3))),
    ]
    assert block_best_counts([COUNT], units) == {"II.4": 3}


def test_biggest_count_without_required_evidence_does_not_set_the_block_best() -> None:
    units = [
        unit("A", answer(COUNT, count(10), evidence=False)),
        unit("B", answer(COUNT, count(4))),
        unit("C", answer(COUNT, count(2))),
    ]
    assert block_best_counts([COUNT], units) == {"II.4": 4}
    results = by_code(block(units, [COUNT]))
    assert results["A"].total == D("0.00")
    assert results["A"].indicators[0].rule is Rule.MISSING_EVIDENCE
    assert results["B"].total == D("5.00")
    assert results["C"].total == D("2.50")
    assert results["C"].indicators[0].block_best == 4


def test_count_without_evidence_requirement_sets_the_block_best_without_evidence() -> None:
    units = [
        unit("A", answer(COUNT_NO_EVIDENCE, count(8), evidence=False)),
        unit("B", answer(COUNT_NO_EVIDENCE, count(2))),
    ]
    results = by_code(block(units, [COUNT_NO_EVIDENCE]))
    assert results["A"].total == D("4.00")
    assert results["B"].total == D("1.00")


def test_count_scores_relative_to_the_best_of_the_block() -> None:
    units = [unit("A", answer(COUNT, count(3))), unit("B", answer(COUNT, count(6)))]
    results = by_code(block(units, [COUNT]))
    assert results["A"].indicators[0].formula == "5 × 3 / 6 = 2.50"
    assert results["B"].indicators[0].points == D("5.00")


def test_block_best_zero_gives_everyone_zero_for_that_count() -> None:
    units = [
        unit("A", answer(COUNT, count(0)), answer(RATE, rate(1, 1))),
        unit("B", answer(COUNT, count(0))),
        unit("C", answer(COUNT, count(7), evidence=False)),
    ]
    results = by_code(block(units, [RATE, COUNT]))
    assert block_best_counts([RATE, COUNT], units) == {"II.4": 0}
    for code in "AB":
        score = results[code].indicators[1]
        assert (score.points, score.rule, score.block_best) == (D("0.00"), Rule.BLOCK_BEST_ZERO, 0)
    assert results["A"].total == D("5.00")


def test_counts_of_units_without_a_submission_do_not_exist_for_the_block_best() -> None:
    units = [unit("A", answer(COUNT, count(2))), not_ranked("B")]
    assert block(units, [COUNT])[0].total == D("5.00")


# --- grades -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "grade"),
    [
        ("100.00", Grade.TOT),
        ("80.00", Grade.TOT),
        ("79.99", Grade.KHA),
        ("65.00", Grade.KHA),
        ("64.99", Grade.TRUNG_BINH),
        ("50.00", Grade.TRUNG_BINH),
        ("49.99", Grade.YEU),
        ("0.00", Grade.YEU),
    ],
)
def test_grade_follows_the_default_thresholds(percent: str, grade: Grade) -> None:
    assert grade_for(D(percent), Thresholds()) is grade


def test_grade_follows_per_block_thresholds() -> None:
    strict = Thresholds(tot=D("90"), kha=D("75"), trung_binh=D("60"))
    assert grade_for(D("89.99"), strict) is Grade.KHA
    assert grade_for(D("90.00"), strict) is Grade.TOT
    assert grade_for(D("74.99"), strict) is Grade.TRUNG_BINH
    assert grade_for(D("59.99"), strict) is Grade.YEU


def test_a_unit_at_80_percent_is_tot_and_at_79_99_is_kha() -> None:
    spec = IndicatorSpec("X", "I", Kind.RATE, D("100"))
    units = [unit("A", answer(spec, rate(80, 100))), unit("B", answer(spec, rate(7999, 10000)))]
    results = by_code(block(units, [spec]))
    assert (results["A"].percent, results["A"].grade) == (D("80.00"), Grade.TOT)
    assert (results["B"].percent, results["B"].grade) == (D("79.99"), Grade.KHA)


def test_score_block_grades_with_the_thresholds_it_is_given() -> None:
    spec = IndicatorSpec("X", "I", Kind.RATE, D("100"))
    units = [unit("A", answer(spec, rate(85, 100)))]
    assert block(units, [spec])[0].grade is Grade.TOT
    strict = Thresholds(tot=D("90"), kha=D("85"), trung_binh=D("70"))
    assert block(units, [spec], thresholds=strict)[0].grade is Grade.KHA


# --- points to the next grade -----------------------------------------------------------------


def test_points_to_next_grade_from_just_below_tot() -> None:
    assert points_to_next_grade(D("79.99"), D("100"), Thresholds()) == (Grade.TOT, D("0.01"))


def test_points_to_next_grade_from_each_lower_grade() -> None:
    assert points_to_next_grade(D("70.00"), D("100"), Thresholds()) == (Grade.TOT, D("10.00"))
    assert points_to_next_grade(D("64.00"), D("100"), Thresholds()) == (Grade.KHA, D("1.00"))
    assert points_to_next_grade(D("0.00"), D("92"), Thresholds()) == (
        Grade.TRUNG_BINH,
        D("46.00"),
    )


def test_points_to_next_grade_counts_on_half_up_rounding_of_the_index() -> None:
    # 2399.85 / 3000 = 0.79995, which rounds to 0.8000: 0.85 is enough, not 1.00.
    assert points_to_next_grade(D("2399.00"), D("3000"), Thresholds()) == (Grade.TOT, D("0.85"))


def test_points_to_next_grade_uses_the_thresholds_given() -> None:
    strict = Thresholds(tot=D("90"), kha=D("75"), trung_binh=D("60"))
    assert points_to_next_grade(D("85.00"), D("100"), strict) == (Grade.TOT, D("5.00"))


def test_points_to_next_grade_is_none_for_tot() -> None:
    assert points_to_next_grade(D("80.00"), D("100"), Thresholds()) is None
    assert points_to_next_grade(D("100.00"), D("100"), Thresholds()) is None


@given(
    total_cents=st.integers(0, 100_000),
    maximum=st.integers(1, 1000),
    thresholds=st.sampled_from(
        [Thresholds(), Thresholds(tot=D("90"), kha=D("72.5"), trung_binh=D("33.333"))]
    ),
)
def test_points_to_next_grade_is_the_fewest_hundredths_that_reach_the_next_grade(
    total_cents: int, maximum: int, thresholds: Thresholds
) -> None:
    total = D(total_cents).scaleb(-2)
    top = D(maximum)
    if total > top:
        total = top

    def grade_with(extra: Decimal) -> Grade:
        return grade_for(round_index((total + extra) / top) * 100, thresholds)

    found = points_to_next_grade(total, top, thresholds)
    if grade_with(D(0)) is Grade.TOT:
        assert found is None
        return
    assert found is not None
    grade, extra = found
    assert extra >= D("0.01") and extra == extra.quantize(D("0.01"))
    assert grade_with(extra) is grade
    assert grade_with(extra - D("0.01")) is not grade or extra == D("0.01")
    assert total + extra <= top


# --- ranks ------------------------------------------------------------------------------------


def test_competition_ranks_share_a_rank_and_skip_the_next() -> None:
    ranks = competition_ranks(
        {"A": D("0.9"), "B": D("0.9"), "C": D("0.8"), "D": D("0.7"), "E": D("0.7"), "F": D("0.1")}
    )
    assert ranks == {"A": 1, "B": 1, "C": 3, "D": 4, "E": 4, "F": 6}


def test_ranks_order_by_index_descending_with_ties_sharing_a_rank() -> None:
    spec = IndicatorSpec("X", "I", Kind.SCALE, D("10"))
    units = [
        unit("C", answer(spec, points("9"))),
        unit("A", answer(spec, points("9"))),
        unit("B", answer(spec, points("4"))),
        unit("D", answer(spec, points("9.5"))),
    ]
    results = block(units, [spec])
    assert [(r.unit_code, r.rank) for r in results] == [("D", 1), ("A", 2), ("C", 2), ("B", 4)]


def test_not_ranked_units_keep_their_reason_and_come_last_by_code() -> None:
    units = [
        not_ranked("Z", "submission not approved"),
        unit("M", answer(RATE, rate(1, 2))),
        not_ranked("B", "did not submit"),
    ]
    results = block(units, [RATE, SCALE])
    assert [r.unit_code for r in results] == ["M", "B", "Z"]
    skipped = results[1]
    assert skipped == UnitResult("B", D("9"), False, "did not submit")
    assert skipped.rank is None and skipped.total is None and skipped.indicators == ()
    assert results[2].not_ranked_reason == "submission not approved"


def test_a_not_ranked_unit_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        block([not_ranked("A", "")], [RATE])


def test_a_unit_with_an_empty_submission_is_ranked_with_zero() -> None:
    results = by_code(block([unit("A"), unit("B", answer(RATE, rate(1, 1)))], [RATE]))
    assert results["A"].ranked is True
    assert (results["A"].total, results["A"].rank) == (D("0.00"), 2)


def test_a_repeated_unit_code_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        block([unit("A"), not_ranked("A")], [RATE])


# --- rank change ------------------------------------------------------------------------------


def _ranked_block(
    previous: dict[str, PreviousStanding], *, predecessor: str | None = None
) -> dict[str, UnitResult]:
    spec = IndicatorSpec("X", "I", Kind.SCALE, D("10"))
    units = [
        unit("A", answer(spec, points("9"))),
        unit("B", answer(spec, points("8"))),
        unit("NEW", answer(spec, points("7")), predecessor=predecessor),
    ]
    return by_code(block(units, [spec], previous=previous, block_code="phuong"))


def test_rank_change_is_previous_rank_minus_rank_now() -> None:
    results = _ranked_block(
        {"A": PreviousStanding("phuong", 3), "B": PreviousStanding("phuong", 1)}
    )
    assert results["A"].rank_change == 2
    assert results["B"].rank_change == -1
    assert results["NEW"].rank_change is None


def test_rank_change_of_a_new_unit_comes_from_its_predecessor() -> None:
    results = _ranked_block({"OLD": PreviousStanding("phuong", 7)}, predecessor="OLD")
    assert results["NEW"].rank == 3
    assert results["NEW"].rank_change == 4


def test_rank_change_prefers_the_units_own_standing_over_its_predecessors() -> None:
    previous = {"NEW": PreviousStanding("phuong", 5), "OLD": PreviousStanding("phuong", 9)}
    assert _ranked_block(previous, predecessor="OLD")["NEW"].rank_change == 2


def test_no_rank_change_when_the_previous_rank_was_in_another_block() -> None:
    results = _ranked_block(
        {"A": PreviousStanding("xa", 3), "OLD": PreviousStanding("xa", 1)}, predecessor="OLD"
    )
    assert results["A"].rank_change is None
    assert results["NEW"].rank_change is None


def test_no_rank_change_when_the_unit_existed_but_was_not_ranked() -> None:
    previous = {"NEW": PreviousStanding("phuong", None), "OLD": PreviousStanding("phuong", 1)}
    assert _ranked_block(previous, predecessor="OLD")["NEW"].rank_change is None


def test_no_rank_change_when_the_predecessor_was_not_ranked() -> None:
    previous = {"OLD": PreviousStanding("phuong", None)}
    assert _ranked_block(previous, predecessor="OLD")["NEW"].rank_change is None


# --- the block result -------------------------------------------------------------------------


def test_block_result_sums_groups_and_total_over_the_indicators_given() -> None:
    indicators = [RATE, YES_NO, COUNT, SCALE]  # groups I, I, II, IV; nothing in III
    units = [
        unit(
            "A",
            answer(RATE, rate(45, 50)),
            answer(YES_NO, YES),
            answer(COUNT, count(3)),
            answer(SCALE, points("3.5")),
            answer(RATE_NO_EVIDENCE, rate(1, 1)),  # not an indicator of this block: ignored
        ),
        unit("B", answer(COUNT, count(6))),
    ]
    a = by_code(block(units, indicators))["A"]
    assert a.maximum == D("18")
    assert a.group_points == {"I": D("8.50"), "II": D("2.50"), "III": D("0.00"), "IV": D("3.50")}
    assert tuple(a.group_points) == GROUPS
    assert a.total == D("14.50")
    assert a.index == D("0.8056")
    assert str(a.percent) == "80.56"
    assert a.grade is Grade.TOT
    assert [s.indicator_code for s in a.indicators] == ["I.1", "I.3", "II.4", "IV.2"]


def test_block_result_lists_unanswered_indicators_as_no_answer() -> None:
    [result] = block([unit("A", answer(SCALE, points("2")))], [RATE, SCALE])
    assert [(s.indicator_code, s.rule) for s in result.indicators] == [
        ("I.1", Rule.NO_ANSWER),
        ("IV.2", Rule.FORMULA),
    ]
    assert result.total == D("2.00")


def test_block_maximum_is_the_sum_of_the_indicators_passed() -> None:
    commune = [RATE, YES_NO, SCALE]  # without II.4, as for wards and communes
    [result] = block([unit("A", answer(SCALE, points("4")))], commune)
    assert result.maximum == D("13")
    assert result.index == D("0.3077")


def test_a_repeated_answer_to_an_indicator_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        block([unit("A", answer(RATE, rate(1, 2)), answer(RATE, rate(2, 2)))], [RATE])


def test_equal_values_in_different_units_score_the_same() -> None:
    units = [unit(code, answer(SCALE, points("2.5")), answer(YES_NO, YES)) for code in "ABC"]
    results = block(units, [SCALE, YES_NO])
    assert {r.total for r in results} == {D("6.50")}
    assert [r.rank for r in results] == [1, 1, 1]


def test_equal_values_from_a_unit_and_a_reviewer_keep_their_own_source() -> None:
    units = [
        unit("A", answer(SCALE, points("2"))),
        unit("B", answer(SCALE, points("1"), reviewer=points("2"))),
        unit("C", answer(SCALE, points("2.0"))),
    ]
    sources = {r.unit_code: r.indicators[0].source for r in block(units, [SCALE])}
    assert sources == {"A": Source.UNIT, "B": Source.REVIEWER, "C": Source.UNIT}


# --- properties -------------------------------------------------------------------------------

FRAMEWORK = [
    IndicatorSpec("I.1", "I", Kind.RATE, D("5")),
    IndicatorSpec("I.3", "I", Kind.YES_NO, D("4")),
    IndicatorSpec("I.4", "I", Kind.SCALE, D("4")),
    IndicatorSpec("II.4", "II", Kind.COUNT, D("5")),
    IndicatorSpec("II.6b", "II", Kind.COUNT, D("4"), evidence_required=False),
    IndicatorSpec("III.3", "III", Kind.RATE, D("5"), evidence_required=False),
    IndicatorSpec("IV.3", "IV", Kind.SCALE, D("3")),
]


def _values(spec: IndicatorSpec) -> st.SearchStrategy[Value]:
    if spec.kind is Kind.YES_NO:
        return st.builds(Value, yes=st.booleans())
    if spec.kind is Kind.RATE:
        return st.integers(1, 8).flatmap(
            lambda d: st.builds(Value, numerator=st.integers(0, d), denominator=st.just(d))
        )
    if spec.kind is Kind.COUNT:
        return st.builds(Value, count=st.integers(0, 6))
    steps = int(spec.max_points * 2)
    return st.builds(Value, points=st.integers(0, steps).map(lambda k: D(k) / 2))


def _answers(spec: IndicatorSpec) -> st.SearchStrategy[AnswerInput | None]:
    return st.none() | st.builds(
        AnswerInput,
        indicator_code=st.just(spec.code),
        unit_value=st.none() | _values(spec),
        reviewer_value=st.none() | _values(spec),
        has_evidence=st.booleans(),
    )


@st.composite
def _units(draw: st.DrawFn) -> list[UnitInput]:
    count_ = draw(st.integers(0, 12))
    units = []
    for i in range(count_):
        code = f"U{i:02d}"
        if draw(st.integers(0, 5)) == 0:
            units.append(UnitInput(code, None, not_ranked_reason="no submission"))
            continue
        answers = [a for spec in FRAMEWORK if (a := draw(_answers(spec))) is not None]
        units.append(UnitInput(code, answers, predecessor_code=f"P{i:02d}"))
    return units


_previous = st.dictionaries(
    st.sampled_from([f"U{i:02d}" for i in range(12)] + [f"P{i:02d}" for i in range(12)]),
    st.builds(PreviousStanding, st.sampled_from(["so", "xa"]), st.none() | st.integers(1, 12)),
)


@given(units=_units(), previous=_previous, seed=st.integers(0, 2**32 - 1))
def test_ranks_are_a_competition_ranking_of_the_index_whatever_the_input_order(
    units: list[UnitInput], previous: dict[str, PreviousStanding], seed: int
) -> None:
    results = block(units, FRAMEWORK, previous=previous)
    ranked = [r for r in results if r.ranked]
    assert len(results) == len(units)
    for r in ranked:
        assert r.index is not None
        assert r.rank == 1 + sum(1 for o in ranked if o.index is not None and o.index > r.index)
    assert [(r.rank, r.unit_code) for r in ranked] == sorted((r.rank, r.unit_code) for r in ranked)
    assert all(not r.ranked and r.rank is None for r in results[len(ranked) :])

    shuffled = list(units)
    random.Random(seed).shuffle(shuffled)
    assert block(shuffled, FRAMEWORK, previous=previous) == results


@given(units=_units())
def test_points_stay_within_zero_and_max_and_totals_add_up(units: list[UnitInput]) -> None:
    maximum = sum(spec.max_points for spec in FRAMEWORK)
    for result in block(units, FRAMEWORK):
        assert result.maximum == maximum
        if not result.ranked:
            continue
        assert result.group_points is not None and result.total is not None
        for score in result.indicators:
            assert D(0) <= score.points <= score.max_points
            assert score.points == round_points(score.points)
        for group in GROUPS:
            assert result.group_points[group] == sum(
                (s.points for s in result.indicators if s.group == group), D(0)
            )
        assert result.total == sum(result.group_points.values(), D(0))
        assert result.index == round_index(result.total / maximum)
        assert result.percent == result.index * 100
