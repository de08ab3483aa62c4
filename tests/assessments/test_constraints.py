"""The invariants the database itself enforces, whatever code (or SQL) writes the row.

Each rule has a row that breaks it (refused with IntegrityError) and a row that keeps it
(accepted), so a constraint that is too strict fails here as well as one that is missing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import (
    Answer,
    Evidence,
    GradeThresholdOverride,
    Indicator,
    Participation,
    Period,
    Submission,
    Unit,
)
from tests import factories


@pytest.fixture
def framework(period, block):
    return factories.make_framework(
        period,
        [block],
        [
            ("I", "I.1", Indicator.Kind.RATE, 5),
            ("I", "I.4", Indicator.Kind.SCALE, 4),
        ],
    )


@pytest.fixture
def rate_indicator(framework):
    return framework.indicators.get(code="I.1")


@pytest.fixture
def scale_indicator(framework):
    return framework.indicators.get(code="I.4")


@pytest.fixture
def submission(unit, period):
    return factories.make_submission(unit, period)


@pytest.fixture
def answer(submission, rate_indicator):
    return factories.make_answer(submission, rate_indicator, numerator=3, denominator=4)


@contextmanager
def refused(constraint: str | None = None) -> Iterator[None]:
    """The database refuses what the block writes, naming ``constraint`` (a check constraint).

    The savepoint is rolled back so the test can go on. SQLite and PostgreSQL both name a
    failed check constraint in the message; SQLite does not name unique constraints.
    """
    match = re.escape(constraint) if constraint else None
    with pytest.raises(IntegrityError, match=match), transaction.atomic():
        yield


# Indicators


@pytest.mark.parametrize("max_points", ["0", "-1", "100.5"])
def test_database_refuses_an_indicator_whose_maximum_is_not_above_0_and_at_most_100(
    framework, max_points
):
    group = framework.groups.get()

    with refused("indicator_max_points_positive"):
        Indicator.objects.create(
            framework=framework,
            group=group,
            code="X.1",
            name_vi="Chỉ tiêu X.1",
            kind=Indicator.Kind.SCALE,
            max_points=Decimal(max_points),
        )


@pytest.mark.parametrize("max_points", ["0.5", "100"])
def test_database_accepts_an_indicator_with_a_maximum_between_0_and_100(framework, max_points):
    Indicator.objects.create(
        framework=framework,
        group=framework.groups.get(),
        code="X.1",
        name_vi="Chỉ tiêu X.1",
        kind=Indicator.Kind.SCALE,
        max_points=Decimal(max_points),
    )

    assert framework.indicators.filter(code="X.1").exists()


def test_database_refuses_changing_an_indicators_maximum_to_zero(rate_indicator):
    with refused("indicator_max_points_positive"):
        Indicator.objects.filter(pk=rate_indicator.pk).update(max_points=0)
    rate_indicator.refresh_from_db()
    assert rate_indicator.max_points == Decimal(5)


# Submissions


def test_database_refuses_a_second_submission_of_a_unit_for_the_same_period(submission):
    with refused():
        Submission.objects.create(unit=submission.unit, period=submission.period)
    assert Submission.objects.filter(unit=submission.unit).count() == 1


def test_database_accepts_a_submission_of_the_same_unit_for_another_period(submission):
    Submission.objects.create(unit=submission.unit, period=factories.make_period(2015))

    assert Submission.objects.filter(unit=submission.unit).count() == 2


def test_database_refuses_an_approved_submission_without_its_approval_time(unit, period):
    with refused("approved_submission_has_approval_time"):
        Submission.objects.create(unit=unit, period=period, status=Submission.Status.APPROVED)


def test_database_refuses_marking_a_submission_approved_without_its_approval_time(submission):
    with refused("approved_submission_has_approval_time"):
        Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.APPROVED)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFT


def test_database_accepts_an_approved_submission_with_its_approval_time(submission):
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.APPROVED, approved_at=timezone.now()
    )

    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED


# Answers: the unit's columns and the reviewer's columns follow the same rules.

BAD_ANSWER_VALUES = [
    pytest.param(
        {"numerator": 5, "denominator": 4},
        "answer_unit_numerator_within_denominator",
        id="unit-numerator-above-denominator",
    ),
    pytest.param(
        {"reviewer_numerator": 5, "reviewer_denominator": 4, "reviewer_reason": "Sai số liệu"},
        "answer_reviewer_numerator_within_denominator",
        id="reviewer-numerator-above-denominator",
    ),
    pytest.param(
        {"numerator": 0, "denominator": 0},
        "answer_unit_denominator_positive",
        id="unit-denominator-zero",
    ),
    pytest.param(
        {"reviewer_numerator": 0, "reviewer_denominator": 0, "reviewer_reason": "Sai số liệu"},
        "answer_reviewer_denominator_positive",
        id="reviewer-denominator-zero",
    ),
    pytest.param(
        {"points": Decimal("2.3")},
        "answer_unit_points_on_half_grid",
        id="unit-points-off-the-half-grid",
    ),
    pytest.param(
        {"reviewer_points": Decimal("1.2"), "reviewer_reason": "Thiếu minh chứng"},
        "answer_reviewer_points_on_half_grid",
        id="reviewer-points-off-the-half-grid",
    ),
    pytest.param(
        {"points": Decimal("-0.5")}, "answer_unit_points_on_half_grid", id="unit-points-negative"
    ),
    pytest.param(
        {"reviewer_points": Decimal("-1"), "reviewer_reason": "Thiếu minh chứng"},
        "answer_reviewer_points_on_half_grid",
        id="reviewer-points-negative",
    ),
    pytest.param(
        {"reviewer_points": Decimal("2")},
        "answer_reviewer_value_has_reason",
        id="reviewer-points-without-reason",
    ),
    pytest.param(
        {"reviewer_numerator": 1, "reviewer_denominator": 4},
        "answer_reviewer_value_has_reason",
        id="reviewer-rate-without-reason",
    ),
    pytest.param(
        {"reviewer_value_yes": False},
        "answer_reviewer_value_has_reason",
        id="reviewer-yes-no-without-reason",
    ),
    pytest.param(
        {"reviewer_count": 0},
        "answer_reviewer_value_has_reason",
        id="reviewer-count-without-reason",
    ),
]

GOOD_ANSWER_VALUES = [
    pytest.param({"numerator": 4, "denominator": 4}, id="unit-numerator-equal-to-denominator"),
    pytest.param({"numerator": 0, "denominator": 1}, id="unit-numerator-zero"),
    pytest.param(
        {"reviewer_numerator": 2, "reviewer_denominator": 4, "reviewer_reason": "Sai số liệu"},
        id="reviewer-rate-with-reason",
    ),
    pytest.param({"points": Decimal("2.5")}, id="unit-points-on-the-half-grid"),
    pytest.param({"points": Decimal("0")}, id="unit-points-zero"),
    pytest.param(
        {"reviewer_points": Decimal("3.5"), "reviewer_reason": "Thiếu minh chứng"},
        id="reviewer-points-with-reason",
    ),
    pytest.param({"reviewer_reason": "", "reviewer_comment": "Đạt"}, id="no-reviewer-value"),
]


@pytest.mark.parametrize(("values", "constraint"), BAD_ANSWER_VALUES)
def test_database_refuses_an_answer_that_breaks_a_value_rule(
    submission, rate_indicator, values, constraint
):
    with refused(constraint):
        Answer.objects.create(submission=submission, indicator=rate_indicator, **values)
    assert not Answer.objects.exists()


@pytest.mark.parametrize(("values", "constraint"), BAD_ANSWER_VALUES)
def test_database_refuses_changing_an_answer_so_that_it_breaks_a_value_rule(
    answer, values, constraint
):
    with refused(constraint):
        Answer.objects.filter(pk=answer.pk).update(**values)
    answer.refresh_from_db()
    assert (answer.numerator, answer.denominator) == (3, 4)


@pytest.mark.parametrize("values", GOOD_ANSWER_VALUES)
def test_database_accepts_an_answer_within_the_value_rules(submission, rate_indicator, values):
    Answer.objects.create(submission=submission, indicator=rate_indicator, **values)

    assert Answer.objects.filter(submission=submission).count() == 1


def test_database_refuses_a_second_answer_to_the_same_indicator(answer):
    with refused():
        Answer.objects.create(submission=answer.submission, indicator=answer.indicator)


# Answer.clean(): the rules that need the indicator.


def test_full_clean_refuses_points_above_the_indicators_maximum(submission, scale_indicator):
    answer = Answer(submission=submission, indicator=scale_indicator, points=Decimal("4.5"))

    with pytest.raises(ValidationError) as error:
        answer.full_clean()

    assert "maximum" in str(error.value)


def test_full_clean_refuses_reviewer_points_above_the_indicators_maximum(
    submission, scale_indicator
):
    answer = Answer(
        submission=submission,
        indicator=scale_indicator,
        points=Decimal("4"),
        reviewer_points=Decimal("5"),
        reviewer_reason="Tính lại",
    )

    with pytest.raises(ValidationError) as error:
        answer.full_clean()

    assert "reviewer_reason" in error.value.message_dict


def test_full_clean_accepts_points_equal_to_the_indicators_maximum(submission, scale_indicator):
    answer = Answer(submission=submission, indicator=scale_indicator, points=Decimal("4"))

    answer.full_clean()
    answer.save()

    assert Answer.objects.get().points == Decimal("4")


# Evidence


def test_database_refuses_evidence_with_neither_file_nor_link(answer):
    with refused("evidence_has_file_or_link"):
        Evidence.objects.create(answer=answer, title="Không có gì")


def test_database_refuses_removing_the_link_of_evidence_without_a_file(answer):
    evidence = answer.evidence.get()

    with refused("evidence_has_file_or_link"):
        Evidence.objects.filter(pk=evidence.pk).update(link="")


@pytest.mark.parametrize(
    "source",
    [
        pytest.param({"link": "https://example.org/ke-hoach.pdf"}, id="link"),
        pytest.param({"file": "evidence/0123456789abcdef.pdf"}, id="file"),
    ],
)
def test_database_accepts_evidence_with_a_file_or_a_link(answer, source):
    Evidence.objects.create(answer=answer, title="Kế hoạch", **source)

    assert answer.evidence.count() == 2


# Grade thresholds, on the period and on a block's override

BAD_THRESHOLDS = [
    pytest.param(("65", "80", "50"), id="good-below-fair"),
    pytest.param(("80", "50", "50"), id="fair-equal-to-average"),
    pytest.param(("80", "65", "0"), id="average-zero"),
    pytest.param(("101", "65", "50"), id="good-above-100"),
]


def _thresholds(values: tuple[str, str, str]) -> dict[str, Decimal]:
    tot, kha, trung_binh = (Decimal(v) for v in values)
    return {"tot_threshold": tot, "kha_threshold": kha, "trung_binh_threshold": trung_binh}


@pytest.mark.parametrize("values", BAD_THRESHOLDS)
def test_database_refuses_period_thresholds_that_do_not_descend(db, values):
    with refused("period_thresholds_descend"):
        Period.objects.create(year=2015, **_thresholds(values))


@pytest.mark.parametrize("values", BAD_THRESHOLDS)
def test_database_refuses_a_block_override_whose_thresholds_do_not_descend(period, block, values):
    with refused("override_thresholds_descend"):
        GradeThresholdOverride.objects.create(period=period, block=block, **_thresholds(values))


def test_database_refuses_changing_period_thresholds_so_they_do_not_descend(period):
    with refused("period_thresholds_descend"):
        Period.objects.filter(pk=period.pk).update(kha_threshold=90)
    period.refresh_from_db()
    assert period.kha_threshold == Decimal(65)


@pytest.mark.parametrize(
    "values", [("80", "65", "50"), ("100", "99.99", "0.01"), ("90", "70", "55")]
)
def test_database_accepts_thresholds_that_descend(period, block, values):
    Period.objects.create(year=2015, **_thresholds(values))
    GradeThresholdOverride.objects.create(period=period, block=block, **_thresholds(values))

    assert Period.objects.get(year=2015).tot_threshold == Decimal(values[0])


def test_database_refuses_a_second_override_for_the_same_block_and_period(period, block):
    GradeThresholdOverride.objects.create(period=period, block=block)

    with refused():
        GradeThresholdOverride.objects.create(period=period, block=block)


# Participation and units


def test_database_refuses_a_second_participation_of_a_unit_in_a_period(period, unit, other_block):
    factories.make_participation(period, unit)

    with refused():
        Participation.objects.create(period=period, unit=unit, block=other_block)
    assert Participation.objects.get(unit=unit).block == unit.block


def test_database_accepts_a_unit_taking_part_in_two_periods(period, unit):
    factories.make_participation(period, unit)
    factories.make_participation(factories.make_period(2015), unit)

    assert Participation.objects.filter(unit=unit).count() == 2


def test_database_refuses_a_unit_that_ends_before_it_starts(block):
    with refused("unit_valid_to_after_valid_from"):
        Unit.objects.create(
            code="quan-moi",
            name="Quận Mới",
            block=block,
            valid_from=dt.date(2014, 4, 1),
            valid_to=dt.date(2014, 3, 31),
        )


def test_database_refuses_moving_a_units_end_before_its_start(block):
    unit = factories.make_unit(block, valid_from=dt.date(2014, 4, 1))

    with refused("unit_valid_to_after_valid_from"):
        Unit.objects.filter(pk=unit.pk).update(valid_to=dt.date(2013, 12, 31))


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [
        (dt.date(2014, 4, 1), dt.date(2014, 4, 1)),
        (dt.date(2014, 4, 1), None),
        (None, dt.date(2014, 3, 31)),
    ],
)
def test_database_accepts_a_unit_whose_dates_are_in_order_or_open(block, valid_from, valid_to):
    Unit.objects.create(
        code="quan-moi", name="Quận Mới", block=block, valid_from=valid_from, valid_to=valid_to
    )

    assert Unit.objects.filter(code="quan-moi").exists()


def test_database_refuses_a_unit_that_is_its_own_predecessor(unit):
    with refused("unit_not_its_own_predecessor"):
        Unit.objects.filter(pk=unit.pk).update(predecessor=unit)
