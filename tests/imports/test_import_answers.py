"""Importing answers: the officer form's validation row by row, all rows or none, audited.

Every bad row is reported with its row number (as a spreadsheet shows it: the headings are row
1), its column (the heading as the file writes it) and a message in Vietnamese; the database is
then exactly as it was.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from assessments.models import Answer, AuditEntry, Evidence, Indicator, Submission
from assessments.services import imports
from assessments.services import submissions as workflow
from tests import factories
from tests.assessments.conftest import in_vietnamese
from tests.imports.conftest import csv_lines, csv_sheet, database_state, error

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

HEADER = "unit_code,indicator_code,value,numerator,denominator,points,note,evidence_link"
LINK = "https://so-noi-vu.hanoi.gov.vn/bao-cao.pdf"
GOOD = (
    f"test-so-noi-vu,I.1,,40,50,,Số liệu ngày 30/11,{LINK}",
    f"test-so-noi-vu,I.2,có,,,,,{LINK}",
    f"test-so-noi-vu,II.1,7,,,,,{LINK}",
    f"test-so-noi-vu,II.2,,,,3.5,,{LINK}",
)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def ready(participation, other_participation):
    """Both units take part in the open 2014 period, whose framework has the four indicators."""
    return participation.period


def rejected(sheet, period, **options) -> list[imports.RowError]:
    before = database_state()
    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_answers(sheet=sheet, period=period, **options)
    assert database_state() == before, "a rejected import must write nothing"
    return caught.value.errors


def values_of(unit_code: str) -> dict[str, tuple]:
    return {
        a.indicator.code: (a.value_yes, a.numerator, a.denominator, a.count, a.points, a.note)
        for a in Answer.objects.filter(submission__unit__code=unit_code).select_related("indicator")
    }


def test_a_good_file_starts_a_draft_with_every_value_and_link_audited(ready, admin_user):
    summary = imports.import_answers(
        sheet=csv_sheet(csv_lines(HEADER, *GOOD)), period=ready, actor=admin_user
    )

    assert (summary.created, summary.changed, summary.unchanged) == (4, 0, 0)
    submission = Submission.objects.get(unit__code="test-so-noi-vu")
    assert submission.status == Submission.Status.DRAFT
    assert values_of("test-so-noi-vu") == {
        "I.1": (None, 40, 50, None, None, "Số liệu ngày 30/11"),
        "I.2": (True, None, None, None, None, ""),
        "II.1": (None, None, None, 7, None, ""),
        "II.2": (None, None, None, None, Decimal("3.5"), ""),
    }
    assert Evidence.objects.filter(answer__submission=submission, link=LINK).count() == 4
    actions = list(AuditEntry.objects.filter(submission=submission).values_list("action", "actor"))
    assert actions.count((AuditEntry.Action.STATUS_CHANGED, admin_user.pk)) == 1
    assert actions.count((AuditEntry.Action.ANSWER_CHANGED, admin_user.pk)) == 4
    assert actions.count((AuditEntry.Action.EVIDENCE_ADDED, admin_user.pk)) == 4
    assert workflow.readiness(submission) == []


def test_importing_the_same_file_again_changes_nothing(ready):
    sheet = csv_sheet(csv_lines(HEADER, *GOOD))
    imports.import_answers(sheet=sheet, period=ready)
    before = database_state()

    summary = imports.import_answers(sheet=sheet, period=ready)

    assert (summary.created, summary.changed, summary.unchanged) == (0, 0, 4)
    assert database_state() == before


def test_a_changed_value_is_written_with_its_before_and_after(ready, admin_user):
    imports.import_answers(sheet=csv_sheet(csv_lines(HEADER, *GOOD)), period=ready)
    changed = GOOD[0].replace(",40,50,", ",45,50,")

    summary = imports.import_answers(
        sheet=csv_sheet(csv_lines(HEADER, changed, *GOOD[1:])), period=ready, actor=admin_user
    )

    assert (summary.created, summary.changed, summary.unchanged) == (0, 1, 3)
    assert values_of("test-so-noi-vu")["I.1"][1:3] == (45, 50)
    entry = AuditEntry.objects.filter(indicator_code="I.1").latest("pk")
    assert (entry.before["numerator"], entry.after["numerator"], entry.actor) == (
        40,
        45,
        admin_user,
    )
    assert Evidence.objects.filter(link=LINK).count() == 4  # the same link is not added twice


def test_a_dry_run_reports_without_writing(ready):
    before = database_state()

    summary = imports.import_answers(
        sheet=csv_sheet(csv_lines(HEADER, *GOOD)), period=ready, dry_run=True
    )

    assert (summary.created, summary.written) == (4, False)
    assert database_state() == before


AT_MOST = "Ensure this value is less than or equal to %(limit_value)s."


def more_than_denominator(value: int) -> str:
    return in_vietnamese(
        "Cannot be more than the %(denominator)s (%(value)s).",
        denominator=in_vietnamese("Denominator").lower(),
        value=value,
    )


BAD_ROWS = [
    pytest.param(
        "khong-co-don-vi,I.1,,40,50,,,",
        "unit_code",
        lambda: in_vietnamese("No unit has the code “%(code)s”.", code="khong-co-don-vi"),
        id="unknown-unit-code",
    ),
    pytest.param(
        "test-xa-co-loa,IX.9,,40,50,,,",
        "indicator_code",
        lambda: in_vietnamese(
            "The criteria of %(year)s have no indicator “%(code)s”.", year=2014, code="IX.9"
        ),
        id="unknown-indicator-code",
    ),
    pytest.param(
        "test-xa-co-loa,I.2,có lẽ,,,,,",
        "value",
        lambda: in_vietnamese("Write “có” or “không” (yes or no)."),
        id="yes-no-neither",
    ),
    pytest.param(
        "test-xa-co-loa,I.1,12,,,,,",
        "value",
        lambda: in_vietnamese(
            "Indicator %(code)s is of the kind “%(kind)s”: leave this column empty and fill "
            "%(columns)s.",
            code="I.1",
            kind=str(Indicator.Kind.RATE.label),
            columns="numerator, denominator",
        ),
        id="value-in-a-column-of-another-kind",
    ),
    pytest.param(
        "test-xa-co-loa,II.1,7.5,,,,,",
        "value",
        lambda: in_vietnamese("Enter a whole number."),
        id="count-not-whole",
    ),
    pytest.param(
        "test-xa-co-loa,I.1,,60,50,,,",
        "numerator",
        lambda: more_than_denominator(50),
        id="numerator-above-denominator",
    ),
    pytest.param(
        "test-xa-co-loa,I.1,,40,,,,",
        "denominator",
        lambda: in_vietnamese("Give both numbers of the rate."),
        id="rate-without-denominator",
    ),
    pytest.param(
        "test-xa-co-loa,II.2,,,,3.3,,",
        "points",
        lambda: in_vietnamese("Points must be in steps of 0.5 (0, 0.5, 1, 1.5, …)."),
        id="points-off-the-half-grid",
    ),
    pytest.param(
        "test-xa-co-loa,II.2,,,,4.5,,",
        "points",
        lambda: in_vietnamese(AT_MOST) % {"limit_value": 4},
        id="points-above-the-maximum",
    ),
    pytest.param(
        "test-xa-co-loa,I.1,,40,50,,,ftp://so-noi-vu.hanoi.gov.vn/a.pdf",
        "evidence_link",
        lambda: in_vietnamese("An evidence link must start with http:// or https://."),
        id="ftp-evidence-link",
    ),
    pytest.param(
        "test-xa-co-loa,I.1,,40,50,,,javascript:alert(1)",
        "evidence_link",
        lambda: in_vietnamese("An evidence link must start with http:// or https://."),
        id="javascript-evidence-link",
    ),
    pytest.param(
        "test-xa-co-loa,I.1,,40,50,,,https://",
        "evidence_link",
        lambda: in_vietnamese("Enter a valid URL."),
        id="malformed-evidence-link",
    ),
]


@pytest.mark.parametrize(("line", "column", "message"), BAD_ROWS)
def test_a_bad_cell_is_named_by_row_and_column_and_nothing_is_written(ready, line, column, message):
    sheet = csv_sheet(csv_lines(HEADER, *GOOD, line))

    errors = rejected(sheet, ready)

    assert errors == [error(6, column, message())]


def test_messages_are_in_vietnamese(ready):
    sheet = csv_sheet(csv_lines(HEADER, "test-so-noi-vu,I.1,,60,50,,,", "so-khong-co,I.2,có,,,,,"))

    errors = rejected(sheet, ready)

    assert errors == [
        error(2, "numerator", "Không được lớn hơn mẫu số (50)."),
        error(3, "unit_code", "Không có đơn vị nào có mã “so-khong-co”."),
    ]


def test_a_unit_that_does_not_take_part_is_named(ready):
    factories.make_unit(code="quan-ba-dinh", name="Quận Ba Đình")

    errors = rejected(csv_sheet(csv_lines(HEADER, "quan-ba-dinh,I.1,,1,2,,,")), ready)

    assert errors == [
        error(
            2,
            "unit_code",
            in_vietnamese(
                "%(unit)s does not take part in %(year)s.", unit="Quận Ba Đình", year=2014
            ),
        )
    ]


def test_an_indicator_of_another_block_is_refused(ready, indicators, block):
    indicators["II.1"].blocks.set([block])  # no longer for Xã Cổ Loa's block

    errors = rejected(csv_sheet(csv_lines(HEADER, "test-xa-co-loa,II.1,3,,,,,")), ready)

    assert errors == [
        error(
            2,
            "indicator_code",
            in_vietnamese(
                "Indicator %(code)s does not apply to the block of %(unit)s (%(block)s).",
                code="II.1",
                unit="Xã Cổ Loa",
                block="Xã",
            ),
        )
    ]


def test_a_duplicate_row_names_the_first(ready):
    sheet = csv_sheet(csv_lines(HEADER, *GOOD, "test-so-noi-vu,I.2,không,,,,,"))

    errors = rejected(sheet, ready)

    assert errors == [
        error(
            6,
            "indicator_code",
            in_vietnamese("Row %(row)d already gives %(code)s of this unit.", row=3, code="I.2"),
        )
    ]


def test_a_too_long_note_is_refused_as_the_form_refuses_it(ready):
    sheet = csv_sheet(csv_lines(HEADER, f"test-so-noi-vu,I.2,có,,,,{'x' * 2001},"))

    errors = rejected(sheet, ready)

    assert [(e.row, e.column) for e in errors] == [(2, "note")]
    assert "2000" in errors[0].message.replace(".", "").replace(",", "")


def test_every_bad_row_is_listed_not_only_the_first(ready):
    sheet = csv_sheet(
        csv_lines(
            HEADER,
            "test-so-noi-vu,I.1,,60,50,,,",
            GOOD[1],
            "test-so-noi-vu,II.2,,,,3.3,,",
            "nobody,II.1,1,,,,,",
        )
    )

    errors = rejected(sheet, ready)

    assert [(e.row, e.column) for e in errors] == [
        (2, "numerator"),
        (4, "points"),
        (5, "unit_code"),
    ]


def test_a_missing_column_is_named_on_the_heading_row(ready):
    sheet = csv_sheet(csv_lines("unit_code,value,numerator", "test-so-noi-vu,,1"))

    errors = rejected(sheet, ready)

    assert errors == [
        error(
            1,
            "indicator_code",
            in_vietnamese("The column “%(column)s” is missing.", column="indicator_code"),
        )
    ]


def test_an_unknown_column_is_refused_rather_than_ignored(ready):
    sheet = csv_sheet(csv_lines(f"{HEADER},numerater", f"{GOOD[0]},41"))

    errors = rejected(sheet, ready)

    assert [(e.row, e.column) for e in errors] == [(1, "numerater")]


def test_headings_are_matched_whatever_their_case_and_spacing(ready):
    sheet = csv_sheet(
        csv_lines(" Unit Code ;INDICATOR_CODE;Numerator;Denominator", "test-so-noi-vu;I.1;1;2")
    )

    summary = imports.import_answers(sheet=sheet, period=ready)

    assert summary.created == 1


def test_reviewers_values_need_the_approved_option(ready):
    sheet = csv_sheet(
        csv_lines(f"{HEADER},reviewer_points,reviewer_reason", f"{GOOD[3]},3,Thiếu biên bản")
    )

    errors = rejected(sheet, ready)

    assert [(e.row, e.column) for e in errors] == [(2, "reviewer_points"), (2, "reviewer_reason")]
    assert errors[0].message == in_vietnamese(
        "Reviewers' values can only be imported with approved submissions (past years)."
    )


def test_a_submitted_submission_cannot_be_changed_by_an_import(ready, submitted):
    changed = "test-so-noi-vu,I.1,,41,50,,,"

    errors = rejected(csv_sheet(csv_lines(HEADER, changed)), ready)

    assert errors == [
        error(
            2,
            "unit_code",
            in_vietnamese(
                "This submission is %(status)s and can no longer be changed.",
                status=in_vietnamese("Submitted").lower(),
            ),
        )
    ]


def test_unchanged_rows_of_a_submitted_submission_are_accepted(ready, submitted):
    same = "test-so-noi-vu,I.1,,40,50,,,https://so-noi-vu.hanoi.gov.vn/quyet-dinh.pdf"

    summary = imports.import_answers(sheet=csv_sheet(csv_lines(HEADER, same)), period=ready)

    assert (summary.changed, summary.unchanged) == (0, 1)


def test_only_reopened_indicators_of_a_returned_submission_change(
    ready, submitted, indicators, reviewer
):
    workflow.return_submission(
        submission=submitted,
        actor=reviewer,
        expected_version=submitted.version,
        reason="Sai số liệu",
        reopen={indicators["I.1"]: "Kiểm tra lại"},
    )
    sheet = csv_sheet(
        csv_lines(HEADER, "test-so-noi-vu,I.1,,45,50,,,", "test-so-noi-vu,II.1,9,,,,,")
    )

    errors = rejected(sheet, ready)

    assert errors == [
        error(
            3,
            "indicator_code",
            in_vietnamese("Indicator %(code)s was not reopened for revision.", code="II.1"),
        )
    ]
    imports.import_answers(
        sheet=csv_sheet(csv_lines(HEADER, "test-so-noi-vu,I.1,,45,50,,,")), period=ready
    )
    assert values_of("test-so-noi-vu")["I.1"][1] == 45


def test_drafts_cannot_be_imported_into_a_period_past_self_assessment(ready):
    ready.state = ready.State.REVIEW
    ready.save()

    errors = rejected(csv_sheet(csv_lines(HEADER, *GOOD)), ready)

    assert errors[0].row == 0
    assert "2014" in errors[0].message


def test_an_empty_file_is_refused(ready):
    errors = rejected(csv_sheet(csv_lines(HEADER)), ready)

    assert errors == [
        error(0, "", in_vietnamese("The file has no rows under its headings."))
    ] or all(e.row in (0, 1) for e in errors)


def test_a_conflicting_write_by_someone_else_saves_nothing(ready, monkeypatch):
    from django.db import IntegrityError

    from assessments.services.imports import answers

    def conflict(*args, **kwargs):
        answers.Submission.objects.create(unit=args[0][0].unit, period=ready)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(answers, "write", conflict)

    errors = rejected(csv_sheet(csv_lines(HEADER, *GOOD)), ready)

    assert errors == [
        error(
            0,
            "",
            in_vietnamese(
                "Someone else changed the same data while the file was being imported; nothing "
                "was saved. Import the file again."
            ),
        )
    ]
