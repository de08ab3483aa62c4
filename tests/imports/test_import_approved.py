"""Importing answers as approved submissions (past years): corrections, audit, idempotence."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from assessments.models import Answer, AuditEntry, Submission
from assessments.services import imports
from rankings.models import Result
from rankings.services import score_period
from tests import factories
from tests.assessments.conftest import in_vietnamese
from tests.imports.conftest import csv_lines, csv_sheet, database_state, error

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

HEADER = (
    "unit_code,indicator_code,value,numerator,denominator,points,note,evidence_link,"
    "reviewer_value,reviewer_numerator,reviewer_denominator,reviewer_points,reviewer_reason"
)
LINK = "https://so-noi-vu.hanoi.gov.vn/bao-cao.pdf"
ROWS = (
    f"test-so-noi-vu,I.1,,45,50,,,{LINK},,40,50,,Chỉ 40 máy có bản quyền",
    f"test-so-noi-vu,I.2,có,,,,,{LINK},,,,,",
    f"test-so-noi-vu,II.1,7,,,,,{LINK},,,,,",
    "test-so-noi-vu,II.2,,,,3.5,Ghi chú,,,,,,",
)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def past(participation, other_participation):
    period = participation.period
    period.state = period.State.REVIEW
    period.save()
    return period


def test_approved_import_records_submissions_with_corrections_and_audit(past, admin_user):
    summary = imports.import_answers(
        sheet=csv_sheet(csv_lines(HEADER, *ROWS), name="2014.csv"),
        period=past,
        approved=True,
        actor=admin_user,
    )

    assert (summary.created, summary.written) == (4, True)
    submission = Submission.objects.get(unit__code="test-so-noi-vu", period=past)
    assert submission.status == Submission.Status.APPROVED
    assert submission.approved_at is not None
    rate = Answer.objects.get(submission=submission, indicator__code="I.1")
    assert (rate.numerator, rate.reviewer_numerator, rate.reviewer_reason) == (
        45,
        40,
        "Chỉ 40 máy có bản quyền",
    )
    assert Answer.objects.get(submission=submission, indicator__code="II.2").points == Decimal(
        "3.5"
    )
    entries = AuditEntry.objects.filter(submission=submission)
    reason = in_vietnamese("Imported as approved from %(file)s.", file="2014.csv")
    assert {entry.reason for entry in entries} == {reason}
    assert entries.filter(action=AuditEntry.Action.ANSWER_CHANGED).count() == 4
    assert entries.filter(action=AuditEntry.Action.EVIDENCE_ADDED).count() == 3
    correction = entries.get(action=AuditEntry.Action.REVIEWER_VALUE_CHANGED)
    assert correction.after["value"] == {"numerator": 40, "denominator": 50}
    assert entries.get(action=AuditEntry.Action.STATUS_CHANGED).after == {"status": "approved"}
    assert {entry.actor for entry in entries} == {admin_user}


def test_approved_answers_are_scored_with_the_reviewers_value(past, block):
    imports.import_answers(sheet=csv_sheet(csv_lines(HEADER, *ROWS)), period=past, approved=True)

    score_period(period=past)

    result = Result.objects.get(period=past, unit__code="test-so-noi-vu")
    # I.1: 5 × 40/50 = 4; I.2: 2; II.1: the block's best, 3; II.2: no evidence, 0.
    assert result.total == Decimal("9.00")


def test_importing_the_same_approved_file_again_changes_nothing(past):
    sheet = csv_sheet(csv_lines(HEADER, *ROWS))
    imports.import_answers(sheet=sheet, period=past, approved=True)
    before = database_state()

    summary = imports.import_answers(sheet=sheet, period=past, approved=True)

    assert (summary.created, summary.unchanged) == (0, 4)
    assert database_state() == before


def test_an_approved_import_does_not_overwrite_a_units_own_submission(past, unit):
    factories.make_submission(unit, past)
    before = database_state()

    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_answers(
            sheet=csv_sheet(csv_lines(HEADER, *ROWS)), period=past, approved=True
        )

    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "unit_code")]
    assert "Sở Nội vụ" in caught.value.errors[0].message
    assert database_state() == before


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        pytest.param(
            "test-so-noi-vu,I.1,,45,50,,,,,40,50,,",
            "reviewer_reason",
            "Give the reason for changing the unit's value.",
            id="correction-without-reason",
        ),
        pytest.param(
            "test-so-noi-vu,I.1,,45,50,,,,,,,,Vì sao?",
            "reviewer_reason",
            "A reason needs a reviewer's value beside it.",
            id="reason-without-correction",
        ),
        pytest.param(
            "test-so-noi-vu,II.2,,,,3.5,,,,,,4.5,Quá điểm",
            "reviewer_points",
            "Ensure this value is less than or equal to %(limit_value)s.",
            id="correction-above-the-maximum",
        ),
        pytest.param(
            "test-so-noi-vu,I.2,có,,,,,,,12,,,Sai",
            "reviewer_numerator",
            "Indicator %(code)s is of the kind “%(kind)s”: leave this column empty and fill "
            "%(columns)s.",
            id="correction-in-a-column-of-another-kind",
        ),
    ],
)
def test_a_bad_correction_is_named_and_nothing_is_written(past, line, column, message):
    before = database_state()

    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_answers(sheet=csv_sheet(csv_lines(HEADER, line)), period=past, approved=True)

    assert [(e.row, e.column) for e in caught.value.errors] == [(2, column)]
    expected = in_vietnamese(message)
    if "%(limit_value)s" in message:
        expected = expected % {"limit_value": 4}
    elif "%(code)s" in message:
        expected = caught.value.errors[0].message  # the kind's wording is checked elsewhere
    assert caught.value.errors[0].message == expected
    assert database_state() == before


def test_a_correction_equal_to_the_units_value_is_no_correction(past):
    line = "test-so-noi-vu,I.1,,45,50,,,,,45,50,,"

    imports.import_answers(sheet=csv_sheet(csv_lines(HEADER, line)), period=past, approved=True)

    answer = Answer.objects.get(indicator__code="I.1", submission__period=past)
    assert (answer.reviewer_numerator, answer.reviewer_reason) == (None, "")


def test_approved_answers_cannot_go_into_a_published_period(past):
    past.state = past.State.PUBLISHED
    past.save()

    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_answers(
            sheet=csv_sheet(csv_lines(HEADER, *ROWS)), period=past, approved=True
        )

    assert caught.value.errors == [
        error(
            0, "", in_vietnamese("Period %(year)s is published; its answers are frozen.", year=2014)
        )
    ]


def test_only_superusers_and_holders_of_the_permission_may_import_approved(admin_user):
    staff = factories.make_user("staff", is_staff=True)

    assert imports.can_import_approved(admin_user)
    assert not imports.can_import_approved(staff)
