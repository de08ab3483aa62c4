"""Importing a period's criteria framework: created or brought in line, refused once answered."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from assessments.models import Framework, Indicator
from assessments.services import imports
from tests import factories
from tests.assessments.conftest import in_vietnamese
from tests.imports.conftest import csv_lines, csv_sheet, database_state, error

HEADER = (
    "group_code,group_name_vi,group_name_en,code,name_vi,name_en,kind,max_points,"
    "evidence_required,online_service,blocks,guidance_vi,numerator_label_vi,denominator_label_vi"
)
ROWS = (
    "I,Cơ sở hạ tầng CNTT,IT infrastructure,I.1,Tỷ lệ cán bộ có máy tính,Staff with a computer,"
    "rate,5,có,không,,Đếm tại ngày 30/11,Số cán bộ có máy tính,Tổng số cán bộ",
    "I,,,I.6,Hội nghị truyền hình,Video conference,yes_no,3,có,không,so-nganh,,,",
    "II,Ứng dụng CNTT,Applications,II.4,Ứng dụng chuyên ngành,Sector applications,count,5,có,"
    "không,so-nganh,,,",
    "II,,,II.6b,Dịch vụ công mức 3-4,Online services,số lượng,4,không,có,,,,",
    "II,,,II.5,Cổng thông tin,Portal,scale,8,có,không,,,,",
)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def setup(db):
    blocks = {
        "so-nganh": factories.make_block("so-nganh", name_vi="Sở, ban, ngành"),
        "xa": factories.make_block("xa", name_vi="Xã"),
    }
    return factories.make_period(2016), blocks


def test_a_framework_is_created_with_groups_indicators_and_blocks(setup):
    period, _blocks = setup

    summary = imports.import_framework(sheet=csv_sheet(csv_lines(HEADER, *ROWS)), period=period)

    assert summary.created == 5
    framework = Framework.objects.get(period=period)
    assert [(g.code, g.name_vi, g.order) for g in framework.groups.all()] == [
        ("I", "Cơ sở hạ tầng CNTT", 1),
        ("II", "Ứng dụng CNTT", 2),
    ]
    rate = Indicator.objects.get(framework=framework, code="I.1")
    assert (rate.kind, rate.max_points, rate.evidence_required, rate.online_service) == (
        "rate",
        Decimal("5.00"),
        True,
        False,
    )
    assert (rate.guidance_vi, rate.numerator_label_vi) == (
        "Đếm tại ngày 30/11",
        "Số cán bộ có máy tính",
    )
    assert set(rate.blocks.values_list("code", flat=True)) == {"so-nganh", "xa"}
    assert list(Indicator.objects.get(code="I.6").blocks.values_list("code", flat=True)) == [
        "so-nganh"
    ]
    online = Indicator.objects.get(code="II.6b")
    assert (online.kind, online.online_service, online.evidence_required) == ("count", True, False)
    assert summary.notes == [
        in_vietnamese(
            "Block %(block)s: %(count)d indicators, maximum %(total)s points.",
            block="so-nganh",
            count=5,
            total="25",
        ),
        in_vietnamese(
            "Block %(block)s: %(count)d indicators, maximum %(total)s points.",
            block="xa",
            count=3,
            total="17",
        ),
    ]


def test_importing_the_same_framework_again_changes_nothing(setup):
    period, _blocks = setup
    sheet = csv_sheet(csv_lines(HEADER, *ROWS))
    imports.import_framework(sheet=sheet, period=period)
    before = database_state()

    summary = imports.import_framework(sheet=sheet, period=period)

    assert (summary.created, summary.changed, summary.deleted, summary.unchanged) == (0, 0, 0, 5)
    assert database_state() == before


def test_a_framework_without_answers_is_brought_in_line_with_the_file(setup):
    period, _blocks = setup
    imports.import_framework(sheet=csv_sheet(csv_lines(HEADER, *ROWS)), period=period)
    changed = [row.replace("scale,8", "scale,7") for row in ROWS[:-1]] + [
        ROWS[-1].replace(",8,", ",7,")
    ]

    summary = imports.import_framework(
        sheet=csv_sheet(csv_lines(HEADER, *changed[:3], changed[4])), period=period
    )

    assert (summary.changed, summary.deleted) == (1, 1)
    assert not Indicator.objects.filter(framework__period=period, code="II.6b").exists()
    assert Indicator.objects.get(framework__period=period, code="II.5").max_points == 7


def test_a_framework_with_answers_cannot_change(setup):
    period, blocks = setup
    imports.import_framework(sheet=csv_sheet(csv_lines(HEADER, *ROWS)), period=period)
    unit = factories.make_unit(blocks["xa"])
    factories.make_participation(period, unit)
    factories.make_answer(
        factories.make_submission(unit, period), Indicator.objects.get(code="II.5"), points=3
    )
    before = database_state()

    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_framework(
            sheet=csv_sheet(csv_lines(HEADER, *ROWS[:-1], ROWS[-1].replace(",8,", ",7,"))),
            period=period,
        )

    assert caught.value.errors[0].row == 0
    assert "2016" in caught.value.errors[0].message
    assert database_state() == before


@pytest.mark.parametrize(
    ("replace", "column", "message", "params"),
    [
        (
            ("rate", "percent"),
            "kind",
            "Unknown kind “%(kind)s”: write yes_no, rate, count or scale.",
            {"kind": "percent"},
        ),
        (("rate,5", "rate,0"), "max_points", "Maximum points must be above 0 and at most 100.", {}),
        (("rate,5", "rate,4.125"), "max_points", "Maximum points have at most 2 decimals.", {}),
        (
            (",có,không,,", ",có,chưa rõ,,"),
            "online_service",
            "Write “có” or “không” (yes or no).",
            {},
        ),
    ],
)
def test_a_bad_indicator_row_is_named_and_nothing_is_written(
    setup, replace, column, message, params
):
    period, _blocks = setup
    before = database_state()

    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_framework(
            sheet=csv_sheet(csv_lines(HEADER, ROWS[0].replace(*replace), *ROWS[1:])), period=period
        )

    assert caught.value.errors == [error(2, column, in_vietnamese(message, **params))]
    assert database_state() == before


def test_unknown_blocks_and_duplicate_codes_are_named(setup):
    period, _blocks = setup
    rows = (
        ROWS[0],
        ROWS[1].replace("so-nganh", "so-nganh;phuong"),
        ROWS[2],
        ROWS[0].replace("I,Cơ sở hạ tầng CNTT,IT infrastructure", "I,,"),
    )

    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_framework(sheet=csv_sheet(csv_lines(HEADER, *rows)), period=period)

    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "blocks"), (5, "code")]
