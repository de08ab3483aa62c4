"""Opening uploaded CSV and XLSX files safely, and writing them.

Every file to import is hostile until shown otherwise. ``read_upload``, ``read_path`` and
``read_bytes`` accept a file only when

* its name ends in ``.csv`` or ``.xlsx`` and its size is within ``IMPORT_MAX_BYTES`` — checked
  from the declared size before a byte is read, and again on what was read;
* its bytes are that kind of file, sniffed from the content: a program, a PDF, an old ``.xls``,
  a web page or a ZIP posing as CSV is refused with a message that says what it really is;
* a CSV is UTF-8 text (a BOM is allowed) without NUL bytes; when it is not, the message names
  the row and column of the first cell that is not UTF-8;
* an XLSX is a ZIP package whose directory is vetted *before* openpyxl sees it: the number of
  entries, every entry's name (no absolute paths, ``..``, backslashes or control characters), the
  total unpacked size, each entry's compression ratio, no encryption, only stored or deflated
  entries; every XML part is scanned for a DTD or entity declaration (XML bombs), and openpyxl
  itself parses with defusedxml (``openpyxl.DEFUSEDXML`` must be True, or nothing is read);
* it has at most ``IMPORT_MAX_ROWS`` data rows.

Every refusal is a ``SpreadsheetRejected`` with a message fit to show the user (in the active
language); no other exception escapes for any byte content. Nothing is written anywhere.

The limits come from settings when set there (``IMPORT_MAX_BYTES``, ``IMPORT_MAX_ROWS``,
``IMPORT_MAX_UNPACKED_BYTES``), else from the defaults below.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MEGABYTE: Final = 1024 * 1024
DEFAULT_MAX_BYTES: Final = 10 * MEGABYTE
DEFAULT_MAX_ROWS: Final = 100_000
DEFAULT_MAX_UNPACKED_BYTES: Final = 50 * MEGABYTE
MAX_ZIP_ENTRIES: Final = 1_000
MAX_ZIP_RATIO: Final = 100
"""The largest unpacked/packed ratio of an entry above ``RATIO_FLOOR_BYTES`` (real sheets: 5–25)."""
RATIO_FLOOR_BYTES: Final = 1 * MEGABYTE
MAX_COLUMNS: Final = 100
MAX_CSV_FIELD: Final = 100_000

CSV: Final = "csv"
XLSX: Final = "xlsx"
FORMATS: Final = (CSV, XLSX)

XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE: Final = "text/csv; charset=utf-8"

Cell = str | int | float | Decimal | bool | dt.date | dt.datetime | dt.time | None

_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_ZIP_END_RECORD = b"PK\x05\x06"
_ZIP_END_RECORD_SIZE = 22
_ZIP_MAX_COMMENT = 0xFFFF
_OLE_COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXECUTABLE_SIGNATURES = (
    b"\x7fELF",  # Linux and other Unix programs
    b"MZ",  # Windows programs and DLLs
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java class
    b"#!",  # scripts
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_XML_DANGER = (b"<!DOCTYPE", b"<!ENTITY")
_CONTENT_TYPES_PART = "[Content_Types].xml"
_WORKBOOK_PART = "xl/workbook.xml"
_ALLOWED_COMPRESSION = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_UNSAFE_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


class SpreadsheetRejected(ValueError):
    """A file to import is refused; ``message`` says why. ``row``/``column`` locate it if known."""

    def __init__(self, message: str, *, row: int | None = None, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_unpacked_bytes: int
    max_entries: int = MAX_ZIP_ENTRIES
    max_ratio: int = MAX_ZIP_RATIO


def limits() -> Limits:
    """The limits in force: settings where they are set, else the defaults of this module."""
    return Limits(
        max_bytes=int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)),
        max_rows=int(getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)),
        max_unpacked_bytes=int(
            getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)
        ),
    )


@dataclass(frozen=True)
class Sheet:
    """The rows of one table, each with its row number as a spreadsheet program shows it.

    Row numbers count from 1 (CSV: records, so a quoted cell over several lines is one row;
    XLSX: the sheet's row numbers). Completely empty rows are left out; trailing empty cells of a
    row are cut. ``extra`` holds the rows of other sheets asked for by name (XLSX only).
    """

    name: str
    format: str
    rows: list[tuple[int, tuple[Cell, ...]]]
    extra: dict[str, list[tuple[Cell, ...]]] = field(default_factory=dict)


def require_defusedxml() -> None:
    """openpyxl parses with defusedxml only when it is importable; refuse to read otherwise."""
    import openpyxl

    if getattr(openpyxl, "DEFUSEDXML", False) is not True:
        raise ImproperlyConfigured(
            "defusedxml is not installed (or OPENPYXL_DEFUSEDXML is off): XLSX files cannot be "
            "read safely. Install the packages in requirements.txt."
        )


def file_format(name: str) -> str:
    """``csv`` or ``xlsx`` from a file name, or ``SpreadsheetRejected``."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in FORMATS:
        raise SpreadsheetRejected(
            _("“%(name)s” is not a CSV or Excel (.xlsx) file; only these can be imported.")
            % {"name": _shown(name)}
        )
    return extension


def read_upload(
    upload: UploadedFile, *, extra_sheets: Sequence[str] = (), limit: Limits | None = None
) -> Sheet:
    """Read an uploaded file (admin or officer page); the declared size is checked first."""
    limit = limit or limits()
    name, fmt, data = upload_bytes(upload, limit=limit)
    return read_bytes(data, name=name, fmt=fmt, extra_sheets=extra_sheets, limit=limit)


def upload_bytes(upload: UploadedFile, *, limit: Limits | None = None) -> tuple[str, str, bytes]:
    """(shown name, format, bytes) of an upload, its name and declared size checked first."""
    limit = limit or limits()
    name = _shown(upload.name or "")
    fmt = file_format(name)
    _check_size(upload.size, name=name, max_bytes=limit.max_bytes)
    try:
        upload.seek(0)
        data = upload.read(limit.max_bytes + 1)
    except (OSError, ValueError) as exc:
        raise SpreadsheetRejected(
            _("“%(name)s” could not be read; upload it again.") % {"name": name}
        ) from exc
    _check_size(len(data), name=name, max_bytes=limit.max_bytes)
    return name, fmt, data


def read_path(
    path: str | Path, *, extra_sheets: Sequence[str] = (), limit: Limits | None = None
) -> Sheet:
    """Read a file given on the command line; its size is checked before it is opened."""
    limit = limit or limits()
    path = Path(path)
    name = _shown(path.name)
    fmt = file_format(path.name)
    try:
        size = path.stat().st_size
        _check_size(size, name=name, max_bytes=limit.max_bytes)
        with path.open("rb") as handle:
            data = handle.read(limit.max_bytes + 1)
    except OSError as exc:
        raise SpreadsheetRejected(
            _("“%(name)s” could not be read: %(reason)s")
            % {"name": name, "reason": exc.strerror or exc}
        ) from exc
    return read_bytes(data, name=name, fmt=fmt, extra_sheets=extra_sheets, limit=limit)


def read_bytes(
    data: bytes,
    *,
    name: str,
    fmt: str | None = None,
    extra_sheets: Sequence[str] = (),
    limit: Limits | None = None,
) -> Sheet:
    """Vet ``data`` as the CSV or XLSX file ``name`` and return its rows."""
    limit = limit or limits()
    name = _shown(name)
    fmt = fmt or file_format(name)
    _check_size(len(data), name=name, max_bytes=limit.max_bytes)
    if fmt == CSV:
        return Sheet(name=name, format=CSV, rows=_read_csv(data, name=name, limit=limit))
    rows, extra = _read_xlsx(data, name=name, extra_sheets=extra_sheets, limit=limit)
    return Sheet(name=name, format=XLSX, rows=rows, extra=extra)


# --- size and type ---------------------------------------------------------------------------


def _check_size(size: int | None, *, name: str, max_bytes: int) -> None:
    if size is None:
        return
    if size <= 0:
        raise SpreadsheetRejected(_("“%(name)s” is empty.") % {"name": name})
    if size > max_bytes:
        raise SpreadsheetRejected(
            _("“%(name)s” is larger than %(limit)s; split it into smaller files.")
            % {"name": name, "limit": megabytes(max_bytes)}
        )


def _refuse_foreign(head: bytes, *, name: str, expected: str) -> None:
    """Refuse a file whose first bytes show it is something else than ``expected``."""
    if head.startswith(_EXECUTABLE_SIGNATURES):
        raise SpreadsheetRejected(
            _("“%(name)s” is a program, not a spreadsheet; it cannot be imported.") % {"name": name}
        )
    if head.startswith(b"%PDF-"):
        raise SpreadsheetRejected(
            _("“%(name)s” is a PDF document, not a spreadsheet.") % {"name": name}
        )
    if head.startswith(_OLE_COMPOUND_FILE):
        raise SpreadsheetRejected(
            _(
                "“%(name)s” is in the old Excel format (.xls) or password-protected; remove the "
                "password and save it as .xlsx or CSV UTF-8."
            )
            % {"name": name}
        )
    if expected == CSV and head.startswith((_ZIP_LOCAL_HEADER, _ZIP_EMPTY)):
        raise SpreadsheetRejected(
            _(
                "“%(name)s” is an Excel workbook or another ZIP file, not CSV text; if it is a "
                "workbook, rename it to end in .xlsx."
            )
            % {"name": name}
        )


# --- CSV -------------------------------------------------------------------------------------


def _read_csv(data: bytes, *, name: str, limit: Limits) -> list[tuple[int, tuple[Cell, ...]]]:
    _refuse_foreign(data[:16], name=name, expected=CSV)
    if data.startswith(_UTF16_BOMS):
        raise SpreadsheetRejected(
            _(
                "“%(name)s” is saved as UTF-16 (“Unicode text”); save it as “CSV UTF-8 "
                "(comma delimited)”."
            )
            % {"name": name}
        )
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise SpreadsheetRejected(
            _(
                "“%(name)s” contains NUL bytes (line %(line)d): it is not a text file. Save it "
                "as “CSV UTF-8 (comma delimited)”."
            )
            % {"name": name, "line": line},
            row=line,
        )
    body = data.removeprefix(_UTF8_BOM)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _encoding_error(body, exc, name=name) from None
    if text.lstrip()[:1] == "<":
        raise SpreadsheetRejected(
            _("“%(name)s” is a web page or an XML file, not CSV text.") % {"name": name}
        )
    delimiter = _delimiter(text)
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CSV_FIELD)
    try:
        for number, record in enumerate(reader, start=1):
            texts = record[:MAX_COLUMNS]
            while texts and not texts[-1].strip():
                texts.pop()
            if not texts:
                continue
            if len(rows) > limit.max_rows:  # the header plus max_rows data rows
                raise _too_many_rows(name, limit)
            rows.append((number, tuple(as_read(unicodedata.normalize("NFC", c)) for c in texts)))
    except csv.Error as exc:
        raise SpreadsheetRejected(
            _("“%(name)s” is not well-formed CSV near row %(row)d: %(reason)s")
            % {"name": name, "row": number + 1, "reason": exc},
            row=number + 1,
        ) from None
    finally:
        csv.field_size_limit(old_limit)
    return rows


def _delimiter(text: str) -> str:
    """Comma, unless the first line is clearly separated by semicolons (Excel in some locales)."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def _encoding_error(body: bytes, exc: UnicodeDecodeError, *, name: str) -> SpreadsheetRejected:
    """Name the first cell that is not UTF-8: its row (record) and its column's heading.

    Decoding as Latin-1 maps every byte to one character, and UTF-8 never uses the bytes of
    commas, quotes or line breaks inside a character, so the CSV splits the same way.
    """
    header: list[str] = []
    reader = csv.reader(io.StringIO(body.decode("latin-1"), newline=""), delimiter=",")
    with contextlib.suppress(csv.Error):
        for number, record in enumerate(reader, start=1):
            if number == 1:
                header = [cell.encode("latin-1").decode("utf-8", "replace") for cell in record]
            for index, cell in enumerate(record):
                try:
                    cell.encode("latin-1").decode("utf-8")
                except UnicodeDecodeError:
                    column = header[index] if index < len(header) and number > 1 else ""
                    return SpreadsheetRejected(
                        _(
                            "“%(name)s” is not UTF-8 text: row %(row)d, column %(column)s has "
                            "bytes of another encoding (Windows-1258 or TCVN3?). Save the file "
                            "as “CSV UTF-8 (comma delimited)”."
                        )
                        % {"name": name, "row": number, "column": column or index + 1},
                        row=number,
                        column=column or column_letter(index),
                    )
    line = body.count(b"\n", 0, exc.start) + 1
    return SpreadsheetRejected(
        _(
            "“%(name)s” is not UTF-8 text (line %(line)d). Save the file as “CSV UTF-8 (comma "
            "delimited)”."
        )
        % {"name": name, "line": line},
        row=line,
    )


# --- XLSX ------------------------------------------------------------------------------------


def _read_xlsx(
    data: bytes, *, name: str, extra_sheets: Sequence[str], limit: Limits
) -> tuple[list[tuple[int, tuple[Cell, ...]]], dict[str, list[tuple[Cell, ...]]]]:
    require_defusedxml()
    head = data[:16]
    _refuse_foreign(head, name=name, expected=XLSX)
    if not head.startswith(_ZIP_LOCAL_HEADER):
        if head.lstrip()[:1] == b"<":
            raise SpreadsheetRejected(
                _("“%(name)s” is a web page or an XML file, not an Excel workbook.")
                % {"name": name}
            )
        raise SpreadsheetRejected(
            _(
                "“%(name)s” is not an Excel workbook (.xlsx); if it is CSV text, rename it to "
                "end in .csv."
            )
            % {"name": name}
        )
    _vet_package(data, name=name, limit=limit)
    return _parse_workbook(data, name=name, extra_sheets=extra_sheets, limit=limit)


def _not_a_workbook(name: str) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _("“%(name)s” is not a readable Excel workbook (.xlsx); it may be damaged.")
        % {"name": name}
    )


def _vet_package(data: bytes, *, name: str, limit: Limits) -> None:
    """Refuse a ZIP bomb, an XML bomb or a strange package from its directory and XML parts."""
    _check_end_record(data, name=name, limit=limit)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
            _check_directory(infos, name=name, limit=limit)
            names = {info.filename for info in infos}
            if _CONTENT_TYPES_PART not in names or _WORKBOOK_PART not in names:
                raise _not_a_workbook(name)
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    _scan_xml(package, info, name=name)
    except SpreadsheetRejected:
        raise
    except Exception as exc:
        # zipfile raises a wide, undocumented set of exceptions on malformed input (BadZipFile,
        # OSError, EOFError, zlib.error, NotImplementedError, struct.error, ...): all mean the same.
        raise _not_a_workbook(name) from exc


def _check_end_record(data: bytes, *, name: str, limit: Limits) -> None:
    """The entry count the end record declares, before ``zipfile`` builds an object per entry."""
    tail = data[-(_ZIP_END_RECORD_SIZE + _ZIP_MAX_COMMENT) :]
    position = tail.rfind(_ZIP_END_RECORD)
    if position < 0 or len(tail) - position < _ZIP_END_RECORD_SIZE:
        raise _not_a_workbook(name)
    entries = struct.unpack_from("<H", tail, position + 10)[0]
    if entries != 0xFFFF:  # 0xFFFF defers to a ZIP64 record: counted again once listed
        _check_entry_count(entries, name=name, limit=limit)


def _check_entry_count(entries: int, *, name: str, limit: Limits) -> None:
    if entries > limit.max_entries:
        raise SpreadsheetRejected(
            _("“%(name)s” contains more than %(limit)s parts, which is not allowed.")
            % {"name": name, "limit": number_format(limit.max_entries, force_grouping=True)}
        )


def points_outside_package(entry: str) -> bool:
    """Whether a ZIP entry's name could land outside the folder it is unpacked in (``../``, an
    absolute or drive path, backslashes) or hides characters (controls, direction overrides)."""
    parts = entry.replace("\\", "/").split("/")
    return (
        entry.startswith(("/", "\\"))
        or "\\" in entry
        or ".." in parts
        or (len(entry) > 1 and entry[1] == ":")
        or any(unicodedata.category(char) in _UNSAFE_NAME_CATEGORIES for char in entry)
    )


def _check_directory(infos: list[zipfile.ZipInfo], *, name: str, limit: Limits) -> None:
    _check_entry_count(len(infos), name=name, limit=limit)
    seen: set[str] = set()
    total = 0
    for info in infos:
        entry = info.filename
        if points_outside_package(entry):
            raise SpreadsheetRejected(
                _(
                    "“%(name)s” contains a part named “%(entry)s”, which points outside the "
                    "package; it is not a genuine Excel workbook."
                )
                % {"name": name, "entry": _shown(entry, keep_path=True)}
            )
        if entry in seen:
            raise SpreadsheetRejected(
                _("“%(name)s” is damaged: it contains two parts with the same name.")
                % {"name": name}
            )
        seen.add(entry)
        if info.flag_bits & 0x1:
            raise SpreadsheetRejected(
                _("“%(name)s” is encrypted; save it again without a password.") % {"name": name}
            )
        if info.compress_type not in _ALLOWED_COMPRESSION:
            raise _not_a_workbook(name)
        total += info.file_size
        if total > limit.max_unpacked_bytes:
            raise SpreadsheetRejected(
                _("“%(name)s” unpacks to more than %(limit)s, which is not allowed.")
                % {"name": name, "limit": megabytes(limit.max_unpacked_bytes)}
            )
        if info.file_size > RATIO_FLOOR_BYTES and (
            info.compress_size <= 0 or info.file_size > limit.max_ratio * info.compress_size
        ):
            raise SpreadsheetRejected(
                _(
                    "“%(name)s” contains a part compressed more than %(ratio)d times (a “zip "
                    "bomb”), which is not allowed."
                )
                % {"name": name, "ratio": limit.max_ratio}
            )


def _scan_xml(package: zipfile.ZipFile, info: zipfile.ZipInfo, *, name: str) -> None:
    """Refuse an XML part with a DTD or an entity declaration (billion laughs, external entities).

    Reading is bounded: ``zipfile`` never returns more than the declared size, already vetted.
    defusedxml would refuse them too when openpyxl parses; this says so clearly and earlier.
    """
    carry = b""
    with package.open(info) as part:
        first = True
        while chunk := part.read(256 * 1024):
            if first and chunk.startswith(_UTF16_BOMS):
                chunk = chunk.decode("utf-16", "replace").encode("utf-8", "replace")
            first = False
            window = carry + chunk
            if any(token in window for token in _XML_DANGER):
                raise _xml_bomb(name)
            carry = window[-16:]


def _parse_workbook(
    data: bytes, *, name: str, extra_sheets: Sequence[str], limit: Limits
) -> tuple[list[tuple[int, tuple[Cell, ...]]], dict[str, list[tuple[Cell, ...]]]]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, missing default styles
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
    except Exception as exc:
        raise _xml_bomb(name) if _defused(exc) else _not_a_workbook(name) from exc
    try:
        worksheets = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
        if not worksheets:
            raise _not_a_workbook(name)
        rows = _sheet_rows(worksheets[0], name=name, limit=limit)
        extra: dict[str, list[tuple[Cell, ...]]] = {}
        for title in extra_sheets:
            if title in workbook.sheetnames:
                extra[title] = [cells for _n, cells in _sheet_rows(workbook[title], name, limit)]
        return rows, extra
    except SpreadsheetRejected:
        raise
    except Exception as exc:
        raise _xml_bomb(name) if _defused(exc) else _not_a_workbook(name) from exc
    finally:
        workbook.close()


def _defused(exc: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps its exception in its own)."""
    from defusedxml import DefusedXmlException

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _xml_bomb(name: str) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "“%(name)s” contains XML with a DTD or entity declarations (an “XML bomb”?), which "
            "is not allowed."
        )
        % {"name": name}
    )


def _sheet_rows(worksheet: Any, name: str, limit: Limits) -> list[tuple[int, tuple[Cell, ...]]]:
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number > limit.max_rows + 50:  # header rows above the data, then max_rows rows
            raise _too_many_rows(name, limit)
        cells = _trimmed(values[:MAX_COLUMNS])
        if not cells:
            continue
        rows.append(
            (
                number,
                tuple(
                    unicodedata.normalize("NFC", cell) if isinstance(cell, str) else cell
                    for cell in cells
                ),
            )
        )
    return rows


def _trimmed(cells: Sequence[Cell]) -> tuple[Cell, ...]:
    """``cells`` without trailing empty ones; () for a row with nothing in it."""
    end = len(cells)
    while end and _blank(cells[end - 1]):
        end -= 1
    return tuple(as_read(cell) for cell in cells[:end])


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _too_many_rows(name: str, limit: Limits) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _("“%(name)s” has more than %(limit)s rows; split it into smaller files.")
        % {"name": name, "limit": number_format(limit.max_rows, force_grouping=True)}
    )


# --- writing ---------------------------------------------------------------------------------


# A text cell starting with one of these is a formula to Excel and LibreOffice ("CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_written(cell: Cell) -> Cell:
    """A cell as the portal writes it into a spreadsheet: text that would start a formula gets a
    leading apostrophe (Excel shows it as text); numbers, dates and other text are unchanged."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def as_text_cell(cell: Any) -> Any:
    """An openpyxl cell whose text openpyxl took for a formula (it starts with "="), kept as the
    text it is: a note or a comment typed into the portal never runs in Excel."""
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def as_read(cell: Cell) -> Cell:
    """The reverse of ``as_written`` for an imported cell, so an export imports back unchanged."""
    if isinstance(cell, str) and cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a BOM (so Excel shows Vietnamese correctly), comma-separated, CRLF rows."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else as_written(cell) for cell in row])
    return _UTF8_BOM + buffer.getvalue().encode("utf-8")


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str) -> bytes:
    """One sheet: a bold header row, then the rows (numbers stay numbers)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    heading = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([as_text_cell(WriteOnlyCell(sheet, value=value)) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- helpers ---------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def megabytes(size: int) -> str:
    """``size`` bytes in megabytes for a message ("10 MB"); bytes under a tenth of a megabyte."""
    if size < MEGABYTE // 10:
        return _("%(size)s bytes") % {"size": number_format(size, force_grouping=True)}
    tenths = round(size * 10 / MEGABYTE)
    if tenths % 10 == 0:
        return _("%(size)s MB") % {"size": number_format(tenths // 10, force_grouping=True)}
    return _("%(size)s MB") % {"size": number_format(tenths / 10, decimal_pos=1)}


def _shown(name: str, *, keep_path: bool = False) -> str:
    """A file name safe to put in a message: no path, no control characters, not too long."""
    name = unicodedata.normalize("NFC", name)
    if not keep_path:
        name = name.replace("\\", "/").rsplit("/", 1)[-1]
    safe = "".join(
        "\N{REPLACEMENT CHARACTER}"
        if unicodedata.category(char) in _UNSAFE_NAME_CATEGORIES
        else char
        for char in name
    )
    return safe if len(safe) <= 80 else safe[:79] + "…"
