"""Vetting of uploaded evidence: names, sizes, types sniffed from content, zip and XML bombs."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments.evidence import (
    ALLOWED,
    DEFAULT_MAX_BYTES,
    CheckedUpload,
    EvidenceRejected,
    check_upload,
    clean_file_name,
    configured_max_bytes,
)

MB = 1024 * 1024
LIMIT = 10 * MB

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
OFFICE_DOCUMENT_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English, the msgid language."""
    with translation.override("en"):
        yield


# --- Building sample files -------------------------------------------------------------------


def minimal_pdf() -> bytes:
    return (
        b"%PDF-1.4\n"
        b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n"
        b"%%EOF\n"
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def minimal_png() -> bytes:
    """A real 1×1 white RGB PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def jpeg_header() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def minimal_webp() -> bytes:
    body = b"WEBPVP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def content_types(overrides: dict[str, str], *, prolog: str = "") -> bytes:
    items = "".join(
        f'<Override PartName="{part}" ContentType="{kind}"/>' for part, kind in overrides.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"{prolog}"
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="{RELS_TYPE}"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{items}</Types>"
    ).encode()


def package_rels(target: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{OFFICE_DOCUMENT_REL}" Target="{target}"/>'
        "</Relationships>"
    ).encode()


def zipped(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


def docx_parts(main_type: str = DOCX_MAIN) -> dict[str, bytes]:
    return {
        "[Content_Types].xml": content_types({"/word/document.xml": main_type}),
        "_rels/.rels": package_rels("word/document.xml"),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Báo cáo tự đánh giá</w:t></w:r></w:p></w:body></w:document>"
        ).encode(),
    }


def minimal_docx() -> bytes:
    return zipped(docx_parts())


def minimal_xlsx() -> bytes:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    worksheet_rel = f"{relationships}/worksheet"
    return zipped(
        {
            "[Content_Types].xml": content_types(
                {
                    "/xl/workbook.xml": XLSX_MAIN,
                    "/xl/worksheets/sheet1.xml": (
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
                    ),
                }
            ),
            "_rels/.rels": package_rels("xl/workbook.xml"),
            "xl/workbook.xml": (
                f'<workbook xmlns="{main}" xmlns:r="{relationships}">'
                '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ).encode(),
            "xl/_rels/workbook.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{worksheet_rel}" Target="worksheets/sheet1.xml"/>'
                "</Relationships>"
            ).encode(),
            "xl/worksheets/sheet1.xml": (
                f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
                "<is><t>Điểm</t></is></c></row></sheetData></worksheet>"
            ).encode(),
        }
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    """An upload named exactly ``name``.

    Django's ``UploadedFile`` keeps only the basename of the name it is given and refuses "" and
    "..", but other code can build upload objects too: the name is set past that setter so that
    ``check_upload``'s own name checks are what is tested.
    """
    uploaded = SimpleUploadedFile("placeholder", content, content_type="application/octet-stream")
    uploaded._name = name
    return uploaded


def rejection(name: str, content: bytes, *, max_bytes: int = LIMIT) -> str:
    """The message with which ``check_upload`` refuses the file; fails the test if it accepts."""
    with pytest.raises(EvidenceRejected) as caught:
        check_upload(upload(name, content), max_bytes=max_bytes)
    return caught.value.message


def name_rejection(name: str) -> str:
    with pytest.raises(EvidenceRejected) as caught:
        clean_file_name(name)
    return caught.value.message


# --- Accepted files ---------------------------------------------------------------------------


def test_a_minimal_pdf_is_accepted_with_its_name_type_size_and_hash() -> None:
    content = minimal_pdf()

    checked = check_upload(upload("Báo cáo 2024.pdf", content), max_bytes=LIMIT)

    assert checked == CheckedUpload(
        original_name="Báo cáo 2024.pdf",
        extension="pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def test_a_real_png_is_accepted() -> None:
    checked = check_upload(upload("screenshot.png", minimal_png()), max_bytes=LIMIT)

    assert checked.content_type == "image/png"
    assert checked.extension == "png"


@pytest.mark.parametrize("name", ["photo.jpg", "photo.jpeg", "PHOTO.JPEG"])
def test_a_jpeg_is_accepted_under_either_extension_in_any_case(name: str) -> None:
    checked = check_upload(upload(name, jpeg_header()), max_bytes=LIMIT)

    assert checked.content_type == "image/jpeg"
    assert checked.extension == name.rpartition(".")[2].lower()
    assert checked.original_name == name


def test_a_webp_is_accepted() -> None:
    checked = check_upload(upload("scan.webp", minimal_webp()), max_bytes=LIMIT)

    assert checked.content_type == "image/webp"


def test_a_docx_built_with_zipfile_is_accepted() -> None:
    checked = check_upload(upload("Quyết định.docx", minimal_docx()), max_bytes=LIMIT)

    assert checked.content_type == DOCX_TYPE
    assert checked.extension == "docx"


def test_an_xlsx_built_with_zipfile_is_accepted() -> None:
    checked = check_upload(upload("Bảng điểm.xlsx", minimal_xlsx()), max_bytes=LIMIT)

    assert checked.content_type == XLSX_TYPE
    assert checked.extension == "xlsx"


def test_a_docx_whose_main_part_type_comes_from_a_default_is_accepted() -> None:
    parts = docx_parts()
    parts["[Content_Types].xml"] = (
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="XML" ContentType="' + DOCX_MAIN.encode() + b'"/></Types>'
    )

    checked = check_upload(upload("default.docx", zipped(parts)), max_bytes=LIMIT)

    assert checked.content_type == DOCX_TYPE


def test_the_reported_size_and_sha256_match_the_content_across_many_chunks() -> None:
    content = minimal_pdf() + bytes(range(256)) * 20_000  # 5 MB: several upload chunks
    uploaded = upload("big.pdf", content)

    checked = check_upload(uploaded, max_bytes=LIMIT)

    assert checked.size == len(content) == uploaded.size
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.pdf", minimal_pdf()), ("a.docx", minimal_docx()), ("a.xlsx", minimal_xlsx())],
)
def test_the_file_is_rewound_after_it_is_accepted(name: str, content: bytes) -> None:
    uploaded = upload(name, content)
    uploaded.read(3)

    check_upload(uploaded, max_bytes=LIMIT)

    assert uploaded.tell() == 0
    assert uploaded.read() == content


def test_the_file_is_rewound_after_it_is_rejected() -> None:
    uploaded = upload("report.pdf", b"<html>not a pdf</html>")

    with pytest.raises(EvidenceRejected):
        check_upload(uploaded, max_bytes=LIMIT)

    assert uploaded.tell() == 0


def test_a_file_of_exactly_the_limit_is_accepted() -> None:
    content = minimal_pdf().ljust(LIMIT, b" ")

    assert check_upload(upload("full.pdf", content), max_bytes=LIMIT).size == LIMIT


def test_the_limit_defaults_to_ten_megabytes_and_follows_the_setting(settings) -> None:
    del settings.EVIDENCE_MAX_BYTES
    assert configured_max_bytes() == DEFAULT_MAX_BYTES == 10 * MB

    settings.EVIDENCE_MAX_BYTES = 3 * MB
    assert configured_max_bytes() == 3 * MB


def test_the_allowed_types_are_exactly_those_of_the_issue() -> None:
    assert dict(ALLOWED) == {
        "pdf": "application/pdf",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "webp": "image/webp",
        "docx": DOCX_TYPE,
        "xlsx": XLSX_TYPE,
    }


def test_a_rejection_is_a_value_error_carrying_its_message() -> None:
    with pytest.raises(ValueError, match="empty") as caught:
        check_upload(upload("blank.pdf", b""), max_bytes=LIMIT)

    assert isinstance(caught.value, EvidenceRejected)
    assert str(caught.value) == caught.value.message


# --- File names -------------------------------------------------------------------------------


def test_a_file_name_is_stripped_and_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "  Báo cáo tự đánh giá.pdf ")

    assert clean_file_name(decomposed) == "Báo cáo tự đánh giá.pdf"


def test_a_name_with_a_parent_directory_component_is_rejected() -> None:
    message = name_rejection("../../etc/passwd.pdf")

    assert "“../../etc/passwd.pdf”" in message
    assert "“..”" in message


def test_a_name_that_is_only_the_parent_directory_is_rejected() -> None:
    assert "“..”" in name_rejection("..")


@pytest.mark.parametrize(
    "name", ["../report.pdf", "..\\report.pdf", "..", "report.pdf\x00", "", "evidence/a.pdf"]
)
def test_an_upload_with_a_hostile_name_is_rejected_whatever_its_content(name: str) -> None:
    message = rejection(name, minimal_pdf())

    assert ("“" in message) if name else ("no name" in message)


def test_a_name_with_a_nul_byte_is_rejected_and_shown_without_it() -> None:
    message = name_rejection("report.pdf\x00.exe")

    assert "“report.pdf\N{REPLACEMENT CHARACTER}.exe”" in message
    assert "\x00" not in message
    assert "control" in message


@pytest.mark.parametrize(
    "name",
    ["report\n.pdf", "report\r.pdf", "report\t.pdf", "\x1b[31mreport.pdf", "report\x7f.pdf"],
)
def test_a_name_with_control_characters_is_rejected(name: str) -> None:
    message = name_rejection(name)

    assert "report" in message
    assert "control" in message
    assert not any(unicodedata.category(char) == "Cc" for char in message)


def test_a_name_with_a_right_to_left_override_hiding_its_real_extension_is_rejected() -> None:
    message = name_rejection("invoice\u202efdp.exe")

    assert "“invoice\N{REPLACEMENT CHARACTER}fdp.exe”" in message


def test_a_name_with_a_slash_is_rejected() -> None:
    message = name_rejection("evidence/report.pdf")

    assert "“evidence/report.pdf”" in message
    assert "path" in message


def test_a_name_with_a_backslash_is_rejected() -> None:
    message = name_rejection("C:\\Users\\officer\\report.pdf")

    assert "“C:\\Users\\officer\\report.pdf”" in message
    assert "path" in message


def test_an_empty_name_is_rejected() -> None:
    assert "no name" in name_rejection("")


def test_a_name_of_only_spaces_is_rejected() -> None:
    assert "no name" in name_rejection("   ")


@pytest.mark.parametrize("name", [".", "...", ". . .", " .. . "])
def test_a_name_of_only_dots_and_spaces_is_rejected(name: str) -> None:
    message = name_rejection(name)

    assert name.strip() in message


def test_a_name_of_two_hundred_characters_is_accepted() -> None:
    name = "a" * 196 + ".pdf"

    assert clean_file_name(name) == name


def test_a_name_longer_than_two_hundred_characters_is_rejected_and_shown_shortened() -> None:
    name = "Báo cáo " + "a" * 189 + ".pdf"  # 201 characters

    message = name_rejection(name)

    assert "“Báo cáo aaaa" in message
    assert "200" in message
    assert len(message) < 200


# --- Sizes and extensions ---------------------------------------------------------------------


def test_an_empty_file_is_rejected() -> None:
    assert rejection("empty.pdf", b"") == "“empty.pdf” is empty."


def test_a_file_one_byte_over_the_limit_is_rejected_with_the_limit_in_megabytes() -> None:
    content = minimal_pdf().ljust(LIMIT + 1, b" ")

    assert rejection("too-big.pdf", content) == "“too-big.pdf” is larger than 10 MB."


def test_a_fractional_limit_is_shown_with_one_decimal() -> None:
    content = minimal_pdf().ljust(MB, b" ")

    assert "larger than 0.5 MB" in rejection("half.pdf", content, max_bytes=MB // 2)


def test_a_file_whose_declared_size_understates_its_content_is_measured_not_trusted() -> None:
    uploaded = upload("liar.pdf", minimal_pdf().ljust(2 * MB, b" "))
    uploaded.size = 100

    with pytest.raises(EvidenceRejected, match=r"“liar\.pdf” is larger than 1 MB"):
        check_upload(uploaded, max_bytes=MB)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00" + bytes(60)),
        ("page.html", b"<!DOCTYPE html><html><body>Report</body></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("report", minimal_pdf()),
        (".pdf", minimal_pdf()),
        ("report.pdf.", minimal_pdf()),
        ("archive.zip", minimal_docx()),
        ("macro.docm", minimal_docx()),
    ],
)
def test_a_file_with_an_extension_that_is_not_allowed_is_rejected(
    name: str, content: bytes
) -> None:
    message = rejection(name, content)

    assert f"“{name}”" in message
    assert "not an accepted type" in message
    assert "PDF" in message and "DOCX" in message


# --- Content that does not match its name -----------------------------------------------------


def test_an_elf_program_named_as_a_pdf_is_rejected() -> None:
    message = rejection("report.pdf", b"\x7fELF\x02\x01\x01\x00" + bytes(120))

    assert message == (
        "“report.pdf” is a program, not a document; it cannot be uploaded as evidence."
    )


def test_a_windows_program_named_as_a_pdf_is_rejected() -> None:
    message = rejection("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120) + b"PE\x00\x00")

    assert "“report.pdf” is a program" in message


def test_a_self_extracting_program_carrying_a_zip_named_as_a_docx_is_rejected() -> None:
    message = rejection("report.docx", b"MZ\x90\x00" + bytes(200) + minimal_docx())

    assert "“report.docx” is a program" in message


def test_html_named_as_a_pdf_is_rejected() -> None:
    message = rejection("report.pdf", b"<html><body>%PDF-1.4 pretend</body></html>")

    assert message == "“report.pdf” is not really a PDF; its content does not match its name."


@pytest.mark.parametrize(
    "prefix", [b"\xef\xbb\xbf", b"  \r\n\t", b"<html>" + b" " * 100], ids=["bom", "space", "html"]
)
def test_a_pdf_marker_after_the_first_byte_is_not_enough(prefix: bytes) -> None:
    message = rejection("shifted.pdf", prefix + minimal_pdf())

    assert "“shifted.pdf” is not really a PDF" in message


def test_a_png_named_as_a_jpeg_is_rejected_with_the_extension_it_needs() -> None:
    message = rejection("photo.jpg", minimal_png())

    assert message == "“photo.jpg” is really a PNG image; rename it to end in .png."


def test_a_pdf_named_as_a_docx_is_rejected() -> None:
    message = rejection("report.docx", minimal_pdf())

    assert "“report.docx” is really a PDF" in message


def test_a_riff_file_that_is_not_webp_is_rejected() -> None:
    wave = b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + bytes(28)

    assert "“sound.webp” is not really a WebP image" in rejection("sound.webp", wave)


def test_a_docx_renamed_to_xlsx_is_rejected_with_the_extension_it_needs() -> None:
    message = rejection("report.xlsx", minimal_docx())

    assert message == "“report.xlsx” is really a Word document (.docx); rename it to end in .docx."


def test_an_xlsx_renamed_to_docx_is_rejected() -> None:
    assert "“sheet.docx” is really an Excel workbook" in rejection("sheet.docx", minimal_xlsx())


def test_a_zip_without_content_types_is_rejected() -> None:
    parts = docx_parts()
    del parts["[Content_Types].xml"]

    message = rejection("report.docx", zipped(parts))

    assert message == (
        "“report.docx” is not really a Word document (.docx); its content does not match its name."
    )


def test_a_docx_without_its_document_part_is_rejected() -> None:
    parts = docx_parts()
    del parts["word/document.xml"]

    assert "“report.docx” is not really a Word document" in rejection("report.docx", zipped(parts))


def test_a_docx_whose_content_types_are_not_a_types_document_is_rejected() -> None:
    parts = docx_parts()
    parts["[Content_Types].xml"] = b"<Other/>"

    assert "“report.docx” is not really a Word document" in rejection("report.docx", zipped(parts))


def test_a_macro_enabled_document_renamed_to_docx_is_rejected() -> None:
    content = zipped(docx_parts("application/vnd.ms-word.document.macroEnabled.main+xml"))

    message = rejection("macro.docx", content)

    assert message == "“macro.docx” contains macros; save it as a plain .docx file or as PDF."


def test_an_encrypted_or_old_format_office_file_named_docx_is_rejected() -> None:
    compound_file = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)

    message = rejection("secret.docx", compound_file)

    assert "“secret.docx” is password-protected or in the old Office format" in message


def test_a_truncated_zip_named_docx_is_rejected() -> None:
    content = minimal_docx()

    message = rejection("broken.docx", content[: len(content) // 2])

    assert "“broken.docx” is not really a Word document" in message


def test_a_zip_with_corrupted_content_types_data_is_rejected_not_crashed() -> None:
    content = bytearray(minimal_docx())
    start = content.index(b"[Content_Types].xml") + len("[Content_Types].xml")
    content[start : start + 40] = bytes(40)

    message = rejection("corrupt.docx", bytes(content))

    assert "“corrupt.docx”" in message


def test_a_zip_with_two_entries_of_the_same_name_is_rejected() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in docx_parts().items():
            package.writestr(name, data)
        with pytest.warns(UserWarning, match="Duplicate name"):
            package.writestr("[Content_Types].xml", b"<Types/>")

    message = rejection("twice.docx", buffer.getvalue())

    assert "“twice.docx” is damaged" in message


def test_an_encrypted_zip_entry_is_rejected_not_crashed() -> None:
    content = bytearray(minimal_docx())
    # Set the "encrypted" flag bit on every local and central header.
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = content.find(signature)
        while position >= 0:
            content[position + flag_offset] |= 0x01
            position = content.find(signature, position + 4)

    assert "“locked.docx” is not really a Word document" in rejection("locked.docx", bytes(content))


# --- Zip bombs and XML bombs ------------------------------------------------------------------


def zeros(total: int, chunk: int = MB) -> Iterator[bytes]:
    block = bytes(chunk)
    for _ in range(total // chunk):
        yield block


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A docx whose document part unpacks to 200 MB of zeros (about 200 KB compressed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        parts = docx_parts()
        del parts["word/document.xml"]
        for name, data in parts.items():
            package.writestr(name, data)
        with package.open("word/document.xml", "w", force_zip64=True) as entry:
            for block in zeros(200 * MB):
                entry.write(block)
    return buffer.getvalue()


def test_a_zip_bomb_unpacking_to_hundreds_of_megabytes_is_rejected(zip_bomb: bytes) -> None:
    assert len(zip_bomb) < 2 * MB

    message = rejection("bomb.docx", zip_bomb)

    assert message == "“bomb.docx” unpacks to more than 100 MB, which is not allowed."


def test_a_zip_bomb_is_rejected_under_the_other_office_extension_too(zip_bomb: bytes) -> None:
    assert "“bomb.xlsx” unpacks to more than 100 MB" in rejection("bomb.xlsx", zip_bomb)


def test_an_entry_compressed_more_than_two_hundred_times_is_rejected() -> None:
    parts = docx_parts()
    parts["word/media/blank.bin"] = bytes(5 * MB)

    message = rejection("dense.docx", zipped(parts))

    assert message == (
        "“dense.docx” contains a part compressed more than 200 times, which is not allowed."
    )


def test_declared_sizes_forged_in_the_directory_are_rejected_before_any_entry_is_read() -> None:
    content = bytearray(minimal_docx())
    # Claim 4 GB uncompressed for the first entry in the central directory.
    directory = content.index(b"PK\x01\x02")
    content[directory + 24 : directory + 28] = struct.pack("<I", 0xFFFFFFFE)

    message = rejection("forged.docx", bytes(content))

    assert "“forged.docx” unpacks to more than 100 MB" in message


def many_entries_zip(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as package:
        for name, data in docx_parts().items():
            package.writestr(name, data)
        for number in range(count):
            package.writestr(f"customXml/item{number}.xml", b"")
    return buffer.getvalue()


def test_a_zip_with_five_thousand_entries_is_rejected() -> None:
    message = rejection("many.docx", many_entries_zip(5_000))

    assert message == "“many.docx” contains more than 2,000 parts, which is not allowed."


def test_a_zip_that_understates_its_entry_count_is_still_rejected() -> None:
    content = bytearray(many_entries_zip(5_000))
    end_record = content.rindex(b"PK\x05\x06")
    content[end_record + 8 : end_record + 12] = struct.pack("<HH", 3, 3)

    assert "“many.docx” contains more than 2,000 parts" in rejection("many.docx", bytes(content))


def test_a_zip_with_two_thousand_entries_is_accepted() -> None:
    content = many_entries_zip(2_000 - len(docx_parts()))

    assert check_upload(upload("full.docx", content), max_bytes=LIMIT).content_type == DOCX_TYPE


BILLION_LAUGHS = (
    '<!DOCTYPE Types [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10))
    + "]>"
)
"""Nine levels of ten references each: "&lol9;" expands to a billion "lol"s."""


def test_a_billion_laughs_xml_bomb_in_content_types_is_rejected() -> None:
    parts = docx_parts()
    bomb = content_types({"/word/document.xml": DOCX_MAIN}, prolog=BILLION_LAUGHS)
    parts["[Content_Types].xml"] = bomb.replace(b"application/xml", b"&lol9;")

    message = rejection("laughs.docx", zipped(parts))

    assert message == "“laughs.docx” contains XML with a DTD or entities, which is not allowed."


def test_an_external_entity_in_content_types_is_rejected() -> None:
    parts = docx_parts()
    prolog = '<!DOCTYPE Types [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    xxe = content_types({"/word/document.xml": DOCX_MAIN}, prolog=prolog)
    parts["[Content_Types].xml"] = xxe.replace(b"application/xml", b"&xxe;")

    message = rejection("xxe.docx", zipped(parts))

    assert message == "“xxe.docx” contains XML with a DTD or entities, which is not allowed."


def test_an_oversized_content_types_part_is_rejected() -> None:
    parts = docx_parts()
    noise = random.Random(0).randbytes(600_000).hex().encode()  # 1.2 MB that will not compress
    filler = b"<!--" + noise + b"-->"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"] + filler

    assert "“padded.docx” is not really a Word document" in rejection("padded.docx", zipped(parts))


# --- Any bytes at all -------------------------------------------------------------------------

SIGNATURES = [
    b"",
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x7fELF",
    b"MZ",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
]
SAMPLES = [minimal_docx(), minimal_xlsx(), many_entries_zip(10)]


@st.composite
def hostile_bytes(draw: st.DrawFn) -> bytes:
    """Random bytes, random bytes behind a real signature, or a real package with bytes flipped."""
    kind = draw(st.sampled_from(["random", "signed", "mutated"]))
    if kind == "random":
        return draw(st.binary(max_size=4096))
    if kind == "signed":
        return draw(st.sampled_from(SIGNATURES)) + draw(st.binary(max_size=2048))
    content = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        position = draw(st.integers(min_value=0, max_value=len(content) - 1))
        content[position] = draw(st.integers(min_value=0, max_value=255))
    if draw(st.booleans()):
        content = content[: draw(st.integers(min_value=0, max_value=len(content)))]
    return bytes(content)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=hostile_bytes(),
    stem=st.text(min_size=0, max_size=20),
    extension=st.sampled_from(sorted(ALLOWED)),
)
def test_any_bytes_under_any_allowed_name_are_accepted_or_rejected_never_crash(
    content: bytes, stem: str, extension: str
) -> None:
    uploaded = upload(f"{stem}.{extension}", content)

    try:
        checked = check_upload(uploaded, max_bytes=LIMIT)
    except EvidenceRejected as rejected:
        assert rejected.message
    else:
        assert checked.size == len(content)
        assert checked.sha256 == hashlib.sha256(content).hexdigest()
        assert checked.content_type == ALLOWED[extension]
    assert uploaded.tell() == 0
