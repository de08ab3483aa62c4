"""Importing units: matched by code, blocks and links found by code or NFC-normalised name,
idempotent, all rows or none."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.utils import translation

from assessments.models import Participation, Unit
from assessments.services import imports
from assessments.spreadsheets import read_bytes
from tests import factories
from tests.assessments.conftest import in_vietnamese
from tests.imports.conftest import csv_lines, csv_sheet, database_state, error, xlsx_bytes

HEADER = "code,name,block,parent,valid_from,valid_to,predecessor"


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def blocks(db):
    return {
        "quan": factories.make_block(
            "quan-thi-xa", name_vi="Quận, thị xã", name_en="Urban districts"
        ),
        "huyen": factories.make_block("huyen", name_vi="Huyện", name_en="Rural districts"),
        "phuong": factories.make_block("phuong-thi-tran", name_vi="Phường, thị trấn"),
    }


FILE = csv_lines(
    HEADER,
    # A child before its parent, a successor before its predecessor: order does not matter.
    "phuong-co-nhue-1,Phường Cổ Nhuế 1,phuong-thi-tran,quan-bac-tu-liem,2014-04-01,,",
    "quan-bac-tu-liem,Quận Bắc Từ Liêm,Quận, thị xã,,01/04/2014,,Huyện Từ Liêm",
    "huyen-tu-liem,Huyện Từ Liêm,huyen,,,31/03/2014,",
).replace("Quận, thị xã", '"Quận, thị xã"')


def test_units_are_created_with_their_block_parent_validity_and_predecessor(blocks):
    summary = imports.import_units(sheet=csv_sheet(FILE, "units.csv"))

    assert (summary.created, summary.changed, summary.unchanged) == (3, 0, 0)
    ward = Unit.objects.get(code="phuong-co-nhue-1")
    district = Unit.objects.get(code="quan-bac-tu-liem")
    assert (ward.block, ward.parent, ward.valid_from) == (
        blocks["phuong"],
        district,
        dt.date(2014, 4, 1),
    )
    assert district.block == blocks["quan"]
    assert district.predecessor == Unit.objects.get(code="huyen-tu-liem")
    assert Unit.objects.get(code="huyen-tu-liem").valid_to == dt.date(2014, 3, 31)
    assert district.search_name == "quan bac tu liem"


def test_importing_the_same_units_again_changes_nothing(blocks):
    imports.import_units(sheet=csv_sheet(FILE))
    before = database_state()

    summary = imports.import_units(sheet=csv_sheet(FILE))

    assert (summary.created, summary.changed, summary.unchanged) == (0, 0, 3)
    assert database_state() == before


def test_names_are_matched_after_nfc_normalisation(blocks):
    decomposed = unicodedata.normalize("NFD", "Huyện Từ Liêm")
    factories.make_unit(blocks["huyen"], code="huyen-tu-liem", name="Huyện Từ Liêm")
    sheet = csv_sheet(
        csv_lines(
            HEADER,
            f"quan-nam-tu-liem,Quận Nam Từ Liêm,{unicodedata.normalize('NFD', 'Huyện')},,,,"
            f"{decomposed}",
        )
    )

    imports.import_units(sheet=sheet)

    unit = Unit.objects.get(code="quan-nam-tu-liem")
    assert unit.predecessor.code == "huyen-tu-liem"
    assert unit.block == blocks["huyen"]


def test_names_are_stored_in_nfc(blocks):
    name = unicodedata.normalize("NFD", "Xã Thụy An")
    imports.import_units(sheet=csv_sheet(csv_lines(HEADER, f"xa-thuy-an,{name},huyen,,,,")))

    assert Unit.objects.get(code="xa-thuy-an").name == unicodedata.normalize("NFC", name)


def test_a_changed_unit_is_updated_and_reported(blocks):
    imports.import_units(sheet=csv_sheet(FILE))

    summary = imports.import_units(
        sheet=csv_sheet(
            FILE.replace("Huyện Từ Liêm,huyen,,,31/03/2014", "Huyện Từ Liêm,huyen,,,30/03/2014")
        )
    )

    assert (summary.changed, summary.unchanged) == (1, 2)
    assert Unit.objects.get(code="huyen-tu-liem").valid_to == dt.date(2014, 3, 30)


def test_an_xlsx_file_with_date_cells_is_read_like_csv(blocks):
    data = xlsx_bytes(
        [
            HEADER.split(","),
            ["huyen-tu-liem", "Huyện Từ Liêm", "huyen", None, None, dt.datetime(2014, 3, 31), None],
        ]
    )

    imports.import_units(sheet=read_bytes(data, name="units.xlsx"))

    assert Unit.objects.get(code="huyen-tu-liem").valid_to == dt.date(2014, 3, 31)


@pytest.mark.parametrize(
    ("line", "column", "message", "params"),
    [
        (
            "Huyện Ba Vì,Huyện Ba Vì,huyen,,,,",
            "code",
            "“%(code)s” is not a valid code: use letters without accents, digits and hyphens.",
            {"code": "Huyện Ba Vì"},
        ),
        ("huyen-ba-vi,,huyen,,,,", "name", "The name is missing.", {}),
        (
            "huyen-ba-vi,Huyện Ba Vì,khoi-la,,,,",
            "block",
            "Unknown block “%(block)s”. The blocks are: %(codes)s.",
            {"block": "khoi-la", "codes": "huyen, phuong-thi-tran, quan-thi-xa"},
        ),
        (
            "huyen-ba-vi,Huyện Ba Vì,huyen,huyen-khong-co,,,",
            "parent",
            "No unit has the code or name “%(unit)s”.",
            {"unit": "huyen-khong-co"},
        ),
        (
            "huyen-ba-vi,Huyện Ba Vì,huyen,,31/02/2014,,",
            "valid_from",
            "Not a date: write it as YYYY-MM-DD or DD/MM/YYYY.",
            {},
        ),
        (
            "huyen-ba-vi,Huyện Ba Vì,huyen,,2014-05-01,2014-04-01,",
            "valid_to",
            "A unit cannot end before it starts.",
            {},
        ),
        (
            "huyen-ba-vi,Huyện Ba Vì,huyen,,,,huyen-ba-vi",
            "predecessor",
            "A unit cannot refer to itself here.",
            {},
        ),
    ],
)
def test_a_bad_unit_row_is_named_and_nothing_is_written(blocks, line, column, message, params):
    before = database_state()

    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_units(sheet=csv_sheet(csv_lines(HEADER, line)))

    assert caught.value.errors == [error(2, column, in_vietnamese(message, **params))]
    assert database_state() == before


def test_a_duplicate_code_names_its_first_row(blocks):
    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_units(sheet=csv_sheet(FILE + "huyen-tu-liem,Huyện Từ Liêm,huyen,,,,\n"))

    assert caught.value.errors == [
        error(
            5,
            "code",
            in_vietnamese(
                "The code %(code)s is already in row %(row)d.", code="huyen-tu-liem", row=4
            ),
        )
    ]


def test_a_loop_of_parents_is_refused(blocks):
    sheet = csv_sheet(csv_lines(HEADER, "a,A,huyen,b,,,", "b,B,huyen,a,,,"))

    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_units(sheet=sheet)

    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "parent"), (3, "parent")]


def test_units_can_be_made_to_take_part_in_a_period(blocks):
    period = factories.make_period(2015, state="draft")

    imports.import_units(sheet=csv_sheet(FILE), period=period)

    assert set(
        Participation.objects.filter(period=period).values_list("unit__code", "block__code")
    ) == {
        ("phuong-co-nhue-1", "phuong-thi-tran"),
        ("quan-bac-tu-liem", "quan-thi-xa"),
        ("huyen-tu-liem", "huyen"),
    }
