"""The demo-data generator (assessments/demo.py) reproduces DOMAIN.md §5 and shows §4 and §6.

Plain pytest: no database. Scoring goes through ``rankings.scoring.score_block`` directly, not
through the generator's own helpers, so these tests check the data independently.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest

from assessments.demo import (
    DemoAnswer,
    DemoEvidence,
    DemoUnit,
    generate_demo_answers,
    read_fixture_inputs,
)
from rankings.scoring import (
    AnswerInput,
    Grade,
    IndicatorSpec,
    Kind,
    PreviousStanding,
    Rule,
    Thresholds,
    UnitInput,
    UnitResult,
    score_block,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
THRESHOLDS = Thresholds(tot=Decimal("80"), kha=Decimal("65"), trung_binh=Decimal("50"))
PUBLISHED_2014 = {  # Tốt, Khá, Trung bình, Yếu
    "so-nganh": (6, 13, 3, 0),
    "hiep-quan": (5, 1, 2, 1),
    "quan-thi-xa": (3, 10, 0, 0),
    "huyen": (0, 17, 0, 0),
    "phuong-thi-tran": (6, 23, 0, 0),
    "xa": (0, 17, 4, 0),
}
GRADES = (Grade.TOT, Grade.KHA, Grade.TRUNG_BINH, Grade.YEU)
STAFF = {  # realistic total staff per block
    "so-nganh": (60, 400),
    "hiep-quan": (200, 3000),
    "quan-thi-xa": (200, 450),
    "huyen": (150, 350),
    "phuong-thi-tran": (18, 35),
    "xa": (12, 25),
}
# sha256 of the canonical dump of the default output; it pins the data across runs and Python
# versions. If you change the generator or the fixtures on purpose, put the new value here.
FINGERPRINT = "0a61077542f42fb1f70a3041af9d56e8e1dae5cad6c61c9ac2cbd28374fc535a"

Results = dict[int, dict[str, list[UnitResult]]]


@pytest.fixture(scope="module")
def inputs() -> tuple[list[DemoUnit], list[tuple[IndicatorSpec, frozenset[str]]]]:
    return read_fixture_inputs(FIXTURES)


@pytest.fixture(scope="module")
def answers(inputs) -> dict[int, dict[str, list[DemoAnswer]]]:
    units, indicators = inputs
    return generate_demo_answers(units, indicators)


@pytest.fixture(scope="module")
def results(inputs, answers) -> Results:
    units, indicators = inputs
    return score(units, indicators, answers)


def score(units, indicators, answers) -> Results:
    """Both years by score_block: 2013 without a previous period, 2014 against 2013."""
    by_code = {u.code: u for u in units}
    results: Results = {}
    previous: dict[str, PreviousStanding] = {}
    for year in (2013, 2014):
        blocks: dict[str, list[UnitInput]] = {}
        for code, unit_answers in answers[year].items():
            unit = by_code[code]
            blocks.setdefault(unit.block_by_year[year], []).append(
                UnitInput(
                    unit_code=code,
                    answers=[
                        AnswerInput(
                            a.indicator_code, a.unit_value, a.reviewer_value, bool(a.evidence)
                        )
                        for a in unit_answers
                    ],
                    predecessor_code=unit.predecessor,
                )
            )
        results[year] = {
            block: score_block(
                block_code=block,
                indicators=[spec for spec, excluded in indicators if block not in excluded],
                units=members,
                thresholds=THRESHOLDS,
                previous=previous,
            )
            for block, members in blocks.items()
        }
        previous = {
            r.unit_code: PreviousStanding(block, r.rank)
            for block, block_results in results[year].items()
            for r in block_results
        }
    return results


def grade_counts(block_results: list[UnitResult]) -> tuple[int, ...]:
    return tuple(sum(r.grade is g for r in block_results) for g in GRADES)


def points(result: UnitResult, indicator: str) -> Decimal:
    return next(s.points for s in result.indicators if s.indicator_code == indicator)


def award_lists(results: Results, units: list[DemoUnit]) -> dict[str, list[UnitResult]]:
    """DOMAIN.md §6 for 2014, every candidate in order (the quota cuts these lists)."""
    names = {u.code: u.name for u in units}
    predecessor = {u.code: u.predecessor for u in units}
    now = [r for block in results[2014].values() for r in block]
    index_2013 = {r.unit_code: r.index for block in results[2013].values() for r in block}

    merit = sorted(
        (r for r in now if r.grade is Grade.TOT), key=lambda r: (-r.index, names[r.unit_code])
    )
    awarded = {r.unit_code for r in merit[:19]}

    def level_3_services(r: UnitResult) -> bool:
        s = next(s for s in r.indicators if s.indicator_code == "II.6b")
        return s.rule is Rule.FORMULA and s.value is not None and (s.value.count or 0) > 0

    online = sorted(
        (r for r in now if r.unit_code not in awarded and level_3_services(r)),
        key=lambda r: (-online_share(r), -r.index, names[r.unit_code]),
    )
    awarded |= {r.unit_code for r in online[:4]}
    improved = sorted(
        (
            r
            for r in now
            if r.unit_code not in awarded
            and r.grade is not Grade.TOT
            and r.rank_change is not None
            and r.rank_change >= 1
        ),
        key=lambda r: (-r.rank_change, -index_gain(r, index_2013, predecessor), names[r.unit_code]),
    )
    return {"merit": merit, "online": online, "improved": improved}


def online_share(r: UnitResult) -> Decimal:
    return sum(points(r, code) for code in ("II.6a", "II.6b", "II.6c")) / 12


def index_gain(r: UnitResult, index_2013: Mapping[str, Decimal], predecessor) -> Decimal:
    before = index_2013.get(r.unit_code, index_2013.get(predecessor[r.unit_code] or ""))
    return r.index - before


def canonical(answers) -> str:
    return "\n".join(
        f"{year}|{code}|{a!r}"
        for year in sorted(answers)
        for code in sorted(answers[year])
        for a in answers[year][code]
    )


def test_the_2014_grade_counts_of_every_block_are_the_published_ones(results):
    assert {block: grade_counts(rs) for block, rs in results[2014].items()} == PUBLISHED_2014
    assert sum(len(rs) for rs in results[2014].values()) == 111
    totals = [sum(grade_counts(rs)[i] for rs in results[2014].values()) for i in range(4)]
    assert totals == [20, 81, 9, 1]


def test_2013_scores_110_units_with_huyen_tu_liem_among_the_rural_districts(results):
    blocks_2013 = {r.unit_code: block for block, rs in results[2013].items() for r in rs}
    assert len(blocks_2013) == 110
    assert blocks_2013["huyen-tu-liem"] == "huyen"
    assert "quan-bac-tu-liem" not in blocks_2013
    assert all(r.ranked and r.grade is not None for rs in results[2013].values() for r in rs)
    assert all(r.rank_change is None for rs in results[2013].values() for r in rs)


def test_2013_is_somewhat_weaker_than_2014(results):
    def tot(year: int) -> int:
        return sum(grade_counts(rs)[0] for rs in results[year].values())

    def weak(year: int) -> int:
        return sum(sum(grade_counts(rs)[2:]) for rs in results[year].values())

    assert tot(2013) < tot(2014)
    assert weak(2013) > weak(2014)


def test_every_percent_keeps_clear_of_the_thresholds_and_no_block_has_tied_indexes(results):
    for year in (2013, 2014):
        for block, rs in results[year].items():
            indexes = [r.index for r in rs]
            assert len(set(indexes)) == len(indexes), (year, block)
            for r in rs:
                for threshold in (80, 65, 50):
                    assert abs(r.percent - threshold) >= Decimal("0.3"), (year, r.unit_code)


def test_the_2014_awards_are_decided_without_ties_at_any_quota(results, inputs):
    units, _ = inputs
    lists = award_lists(results, units)
    merit, online, improved = lists["merit"], lists["online"], lists["improved"]
    assert len(merit) == 20
    assert merit[18].index != merit[19].index
    assert len(online) >= 5
    assert online_share(online[3]) != online_share(online[4])
    index_2013 = {r.unit_code: r.index for block in results[2013].values() for r in block}
    predecessor = {u.code: u.predecessor for u in units}
    assert len(improved) >= 7
    assert improved[0].rank_change == 5
    sixth, seventh = improved[5], improved[6]
    assert (sixth.rank_change, index_gain(sixth, index_2013, predecessor)) != (
        seventh.rank_change,
        index_gain(seventh, index_2013, predecessor),
    )


def test_the_largest_rise_of_2014_is_5_places_and_at_least_6_units_rose(results):
    changes = [r.rank_change for rs in results[2014].values() for r in rs if r.rank_change]
    assert max(changes) == 5
    assert changes.count(5) == 1
    assert sum(c >= 1 for c in changes) >= 6


def test_bac_and_nam_tu_liem_have_no_rank_change_as_huyen_tu_liem_was_in_another_block(
    results,
):
    districts = {r.unit_code: r for r in results[2014]["quan-thi-xa"]}
    assert districts["quan-bac-tu-liem"].rank_change is None
    assert districts["quan-nam-tu-liem"].rank_change is None


def test_some_units_lose_points_because_evidence_is_missing(results, answers):
    lost = [
        (r.unit_code, s.indicator_code)
        for rs in results[2014].values()
        for r in rs
        for s in r.indicators
        if s.rule is Rule.MISSING_EVIDENCE and s.points == 0
    ]
    assert len(lost) >= 3
    gaps = [
        (code, a.indicator_code)
        for code, unit_answers in answers[2014].items()
        for a in unit_answers
        if not a.evidence
    ]
    assert sorted(gaps) == sorted(lost)


def test_a_count_is_relative_to_a_block_best_that_is_not_the_raw_maximum(results):
    found = []
    for block, rs in results[2014].items():
        for indicator in ("II.4", "II.6b"):
            scores = [s for r in rs for s in r.indicators if s.indicator_code == indicator]
            if not scores:
                continue
            raw_best = max(s.value.count for s in scores)
            block_best = scores[0].block_best
            if raw_best > block_best:
                found.append((block, indicator))
                holder = next(s for s in scores if s.value.count == raw_best)
                assert holder.rule is Rule.MISSING_EVIDENCE
                assert any(s.value.count == block_best and s.points == s.max_points for s in scores)
    assert found


def test_half_of_the_block_best_count_earns_half_the_points(results):
    halves = [
        s
        for rs in results[2014].values()
        for r in rs
        for s in r.indicators
        if s.kind is Kind.COUNT and s.block_best and 2 * s.value.count == s.block_best
    ]
    assert halves
    assert all(2 * s.points == s.max_points for s in halves)


def test_numerators_never_exceed_denominators_and_values_fit_their_kind(answers, inputs):
    _, indicators = inputs
    kinds = {spec.code: spec for spec, _ in indicators}
    for year_answers in answers.values():
        for unit_answers in year_answers.values():
            for a in unit_answers:
                spec = kinds[a.indicator_code]
                for value in (a.unit_value, a.reviewer_value):
                    if value is None:
                        continue
                    if spec.kind is Kind.RATE:
                        assert 0 <= value.numerator <= value.denominator
                    elif spec.kind is Kind.SCALE:
                        assert 0 <= value.points <= spec.max_points
                        assert value.points % Decimal("0.5") == 0
                    elif spec.kind is Kind.COUNT:
                        assert value.count >= 0


def test_every_participating_unit_answers_every_indicator_of_its_block(answers, inputs):
    units, indicators = inputs
    for year in (2013, 2014):
        participants = {u.code: u.block_by_year[year] for u in units if year in u.block_by_year}
        assert set(answers[year]) == set(participants)
        for code, block in participants.items():
            expected = [spec.code for spec, excluded in indicators if block not in excluded]
            assert [a.indicator_code for a in answers[year][code]] == expected
            assert len(expected) == (19 if block in ("phuong-thi-tran", "xa") else 21)


def test_raw_values_are_realistic_for_each_block(answers, inputs):
    units, _ = inputs
    wards = ("phuong-thi-tran", "xa")
    for year in (2013, 2014):
        for unit in units:
            if year not in unit.block_by_year:
                continue
            block = unit.block_by_year[year]
            used = {
                a.indicator_code: a.reviewer_value or a.unit_value for a in answers[year][unit.code]
            }
            staff, computers = used["I.1"].denominator, used["I.2"].denominator
            low, high = STAFF[block]
            assert low * 0.85 <= staff <= high, (year, unit.code, staff)
            assert 0.85 * staff <= computers <= 1.15 * staff, (year, unit.code)
            assert 150 <= used["II.2"].denominator <= 15_000  # outgoing documents
            procedures = used["II.6a"].denominator
            assert 18 <= procedures <= (60 if block in wards else 250)
            assert 700 <= used["II.6c"].denominator <= 90_000  # applications received
            assert 0 <= used["II.6b"].count <= (5 if block in wards else 40)
            if "II.4" in used:
                assert 0 <= used["II.4"].count <= 30


def test_reviewer_corrections_lower_the_units_claim_and_give_a_reason(answers, inputs):
    _, indicators = inputs
    max_points = {spec.code: spec.max_points for spec, _ in indicators}
    for year, year_answers in answers.items():
        corrected = [a for unit in year_answers.values() for a in unit if a.reviewer_value]
        assert 20 <= len(corrected) <= 60, year
        for a in corrected:
            assert a.reviewer_reason
            claimed, found = a.unit_value, a.reviewer_value
            if claimed.points is not None:
                assert claimed.points > found.points
                assert claimed.points <= max_points[a.indicator_code]
            else:
                assert claimed.denominator == found.denominator
                assert claimed.numerator > found.numerator
        untouched = [a for unit in year_answers.values() for a in unit if not a.reviewer_value]
        assert all(not a.reviewer_reason for a in untouched)


def test_evidence_is_one_document_with_a_demo_link_except_the_deliberate_gaps(answers):
    for year, year_answers in answers.items():
        gaps = 0
        for code, unit_answers in year_answers.items():
            for a in unit_answers:
                if not a.evidence:
                    gaps += 1
                    continue
                assert len(a.evidence) == 1
                (evidence,) = a.evidence
                assert isinstance(evidence, DemoEvidence)
                assert evidence.link == (
                    f"https://demo.hanoi-ict.invalid/{year}/{code}/{a.indicator_code}"
                )
                assert evidence.title
        assert 1 <= gaps <= 10, year


def test_some_answers_carry_a_short_note(answers):
    notes = [a.note for unit in answers[2014].values() for a in unit if a.note]
    assert 20 <= len(notes) <= 1000
    assert all(len(note) <= 120 for note in notes)


def test_two_runs_give_identical_output(inputs, answers):
    units, indicators = inputs
    again = generate_demo_answers(units, indicators)
    assert again == answers
    assert canonical(again) == canonical(answers)


def test_the_output_is_pinned_across_python_versions(answers):
    digest = hashlib.sha256(canonical(answers).encode()).hexdigest()
    assert digest == FINGERPRINT


def test_another_seed_gives_other_data_that_still_meets_the_requirements(inputs, answers):
    units, indicators = inputs
    other = generate_demo_answers(units, indicators, seed=7)
    assert other != answers
    results = score(units, indicators, other)
    assert {block: grade_counts(rs) for block, rs in results[2014].items()} == PUBLISHED_2014


def test_generation_takes_under_two_seconds(inputs):
    units, indicators = inputs
    start = time.perf_counter()
    generate_demo_answers(units, indicators)
    assert time.perf_counter() - start < 2
