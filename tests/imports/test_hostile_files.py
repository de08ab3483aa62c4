"""Hostile files: refused with a clear message before anything parses them; nothing is written."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.formats import number_format

from assessments import spreadsheets
from assessments.services import imports
from assessments.spreadsheets import SpreadsheetRejected, read_bytes, read_upload
from tests.assessments.conftest import in_vietnamese
from tests.imports.conftest import database_state, xlsx_bytes

HEADER = ["unit_code", "indicator_code", "value", "numerator", "denominator", "points", "note"]
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def refused(data: bytes, name: str, **options) -> str:
    with pytest.raises(SpreadsheetRejected) as caught:
        read_bytes(data, name=name, **options)
    return caught.value.message


def good_workbook() -> bytes:
    return xlsx_bytes([HEADER, ["test-so-noi-vu", "I.1", None, 40, 50, None, None]])


def rebuilt(data: bytes, replace: dict[str, bytes] | None = None, add=()) -> bytes:
    """The package ``data`` with some parts replaced and others added (name, bytes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            package.writestr(info.filename, (replace or {}).get(info.filename) or source.read(info))
        for name, content in add:
            package.writestr(name, content)
    return buffer.getvalue()


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_a_genuine_workbook_is_read():
    sheet = read_bytes(good_workbook(), name="answers.xlsx")

    assert sheet.rows == [(1, tuple(HEADER)), (2, ("test-so-noi-vu", "I.1", None, 40, 50))]


def test_a_zip_bomb_is_refused_from_its_directory():
    bomb = rebuilt(good_workbook(), add=[("xl/media/padding.xml", b" " * (30 * MB))])

    message = refused(bomb, "bomb.xlsx")

    assert message == in_vietnamese(
        "“%(name)s” contains a part compressed more than %(ratio)d times (a “zip bomb”), which "
        "is not allowed.",
        name="bomb.xlsx",
        ratio=100,
    )


def test_a_package_that_unpacks_too_big_is_refused():
    data = good_workbook()
    limit = spreadsheets.Limits(max_bytes=10 * MB, max_rows=100, max_unpacked_bytes=1000)

    message = refused(data, "big.xlsx", limit=limit)

    assert message == in_vietnamese(
        "“%(name)s” unpacks to more than %(limit)s, which is not allowed.",
        name="big.xlsx",
        limit=in_vietnamese("%(size)s bytes", size=number_format(1000, force_grouping=True)),
    )


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


def test_an_xml_bomb_in_a_sheet_is_refused():
    bomb = rebuilt(good_workbook(), replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS})

    message = refused(bomb, "laughs.xlsx")

    assert message == in_vietnamese(
        "“%(name)s” contains XML with a DTD or entity declarations (an “XML bomb”?), which is "
        "not allowed.",
        name="laughs.xlsx",
    )


def test_defusedxml_refuses_the_xml_bomb_even_without_the_scan(monkeypatch):
    """The scan is the first line; openpyxl with defusedxml is the second."""
    bomb = rebuilt(good_workbook(), replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS})
    monkeypatch.setattr(spreadsheets, "_scan_xml", lambda *args, **kwargs: None)

    message = refused(bomb, "laughs.xlsx")

    assert message == refused(
        rebuilt(good_workbook(), replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS}),
        "laughs.xlsx",
    )


def test_too_many_parts_are_refused_before_they_are_listed():
    crowded = rebuilt(good_workbook(), add=[(f"xl/extra/{n}.bin", b"") for n in range(1001)])

    message = refused(crowded, "crowded.xlsx")

    assert message == in_vietnamese(
        "“%(name)s” contains more than %(limit)s parts, which is not allowed.",
        name="crowded.xlsx",
        limit=number_format(1000, force_grouping=True),
    )


@pytest.mark.parametrize("entry", ["../../etc/cron.d/evil", "/etc/passwd", "xl\\..\\evil.xml"])
def test_a_part_named_outside_the_package_is_refused(entry):
    sneaky = rebuilt(good_workbook(), add=[(entry, b"x")])

    message = refused(sneaky, "sneaky.xlsx")

    assert "sneaky.xlsx" in message
    assert message == in_vietnamese(
        "“%(name)s” contains a part named “%(entry)s”, which points outside the package; it is "
        "not a genuine Excel workbook.",
        name="sneaky.xlsx",
        entry=zipfile.ZipFile(io.BytesIO(sneaky)).namelist()[-1],
    )


def test_a_program_renamed_xlsx_is_refused():
    program = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)

    assert refused(program, "answers.xlsx") == (
        "Tệp “answers.xlsx” là chương trình, không phải bảng tính; không thể nhập."
    )


def test_a_program_renamed_csv_is_refused():
    assert refused(b"\x7fELF\x02\x01\x01" + bytes(50), "answers.csv") == in_vietnamese(
        "“%(name)s” is a program, not a spreadsheet; it cannot be imported.", name="answers.csv"
    )


def test_a_web_page_posing_as_csv_is_refused():
    page = b"<!DOCTYPE html><html><body><table><tr><td>unit_code</td></tr></table></body></html>"

    assert refused(page, "answers.csv") == in_vietnamese(
        "“%(name)s” is a web page or an XML file, not CSV text.", name="answers.csv"
    )


def test_a_workbook_renamed_csv_says_what_it_is():
    message = refused(good_workbook(), "answers.csv")

    assert message == (
        "Tệp “answers.csv” là sổ tính Excel hoặc một tệp ZIP khác, không phải văn bản CSV; nếu "
        "là sổ tính Excel, vui lòng đổi đuôi tệp thành .xlsx."
    )


def test_an_old_xls_workbook_is_refused():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)

    assert ".xls" in refused(ole, "answers.xlsx")


def test_csv_text_renamed_xlsx_is_refused():
    assert ".csv" in refused(b"unit_code,indicator_code\n", "answers.xlsx")


def test_nul_bytes_in_a_csv_are_refused():
    message = refused(b"unit_code,indicator_code\nso-noi-vu,I.1\x00\n", "answers.csv")

    assert message == in_vietnamese(
        "“%(name)s” contains NUL bytes (line %(line)d): it is not a text file. Save it as "
        "“CSV UTF-8 (comma delimited)”.",
        name="answers.csv",
        line=2,
    )


def test_a_csv_in_another_encoding_names_the_row_and_column():
    data = "unit_code,indicator_code,note\nso-noi-vu,I.1,Đã kiểm tra\nso-tu-phap,I.1,Ghi chú\n"

    with pytest.raises(SpreadsheetRejected) as caught:
        read_bytes(data.encode("cp1258", errors="replace"), name="answers.csv")

    assert (caught.value.row, caught.value.column) == (2, "note")
    assert caught.value.message == in_vietnamese(
        "“%(name)s” is not UTF-8 text: row %(row)d, column %(column)s has bytes of another "
        "encoding (Windows-1258 or TCVN3?). Save the file as “CSV UTF-8 (comma delimited)”.",
        name="answers.csv",
        row=2,
        column="note",
    )


def test_a_utf16_csv_is_refused_with_advice():
    message = refused("unit_code,indicator_code\n".encode("utf-16"), "answers.csv")

    assert "UTF-16" in message


def test_a_utf8_bom_and_semicolons_are_accepted():
    sheet = read_bytes(b"\xef\xbb\xbfunit_code;note\nso-noi-vu;Ghi ch\xc3\xba\n", name="a.csv")

    assert sheet.rows == [(1, ("unit_code", "note")), (2, ("so-noi-vu", "Ghi chú"))]


def test_other_extensions_are_refused():
    assert refused(b"a,b\n", "answers.txt") == in_vietnamese(
        "“%(name)s” is not a CSV or Excel (.xlsx) file; only these can be imported.",
        name="answers.txt",
    )


def test_an_upload_too_large_is_refused_before_it_is_read(settings):
    settings.IMPORT_MAX_BYTES = 1000

    class Unreadable(SimpleUploadedFile):
        def read(self, *args, **kwargs):  # pragma: no cover - must not be called
            raise AssertionError("read before the size was checked")

    upload = Unreadable("answers.csv", b"unit_code\n", content_type="text/csv")
    upload.size = 5000

    with pytest.raises(SpreadsheetRejected) as caught:
        read_upload(upload)

    assert caught.value.message == in_vietnamese(
        "“%(name)s” is larger than %(limit)s; split it into smaller files.",
        name="answers.csv",
        limit=in_vietnamese("%(size)s bytes", size=number_format(1000, force_grouping=True)),
    )


def test_too_many_rows_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 3
    data = "unit_code\n" + "".join(f"u{n}\n" for n in range(4))

    assert "3" in refused(data.encode(), "answers.csv")


def test_control_characters_in_a_cell_are_a_row_error(participation):
    sheet = read_bytes(
        b"unit_code,indicator_code,note\ntest-so-noi-vu,I.1,chu\x07ong\n", name="a.csv"
    )

    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_answers(sheet=sheet, period=participation.period)

    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "note")]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bomb.xlsx", rebuilt(good_workbook(), add=[("xl/media/pad.xml", b" " * (30 * MB))])),
        (
            "laughs.xlsx",
            rebuilt(good_workbook(), replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS}),
        ),
        ("program.xlsx", b"MZ" + bytes(100)),
        ("page.csv", b"<html><body>unit_code</body></html>"),
        ("nul.csv", b"unit_code,indicator_code\x00\n"),
    ],
)
def test_a_hostile_file_given_to_the_command_writes_nothing(participation, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    before = database_state()

    with pytest.raises(CommandError):
        call_command("import_answers", str(path), "--period", "2014")

    assert database_state() == before
