"""Checks on an uploaded evidence file before anything about it is stored.

An officer's upload is hostile until shown otherwise. ``check_upload`` accepts it only when its
name is a plain file name, its size is within the limit, its extension is one of ``ALLOWED`` and
its bytes really are that kind of file: the type is sniffed from the content, never taken from the
name or the browser's content type. Word and Excel files are ZIP packages, so their directory is
vetted (entry count, declared unpacked size, compression ratio) before any entry is read, and the
one entry that is read, ``[Content_Types].xml``, is parsed with ``defusedxml`` with DTDs forbidden.

Every refusal is an ``EvidenceRejected`` whose message names the file and is fit to show the
user; no other exception escapes for any byte content. Nothing is written anywhere: the caller
stores the file (privately, under a random name) with what ``CheckedUpload`` reports.
"""

from __future__ import annotations

import contextlib
import hashlib
import struct
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Final
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.spreadsheets import points_outside_package

MEGABYTE: Final = 1024 * 1024
DEFAULT_MAX_BYTES: Final = 10 * MEGABYTE
"""The size limit when ``settings.EVIDENCE_MAX_BYTES`` is not set."""

MAX_NAME_LENGTH: Final = 200
"""The longest file name accepted, in characters after NFC normalisation and stripping."""

MAX_ZIP_ENTRIES: Final = 2_000
MAX_ZIP_UNPACKED_BYTES: Final = 100 * MEGABYTE
MAX_ZIP_RATIO: Final = 200
MAX_CONTENT_TYPES_BYTES: Final = 1 * MEGABYTE
"""``[Content_Types].xml`` is a few kilobytes in real documents; more than this is refused."""

DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ALLOWED: Final[Mapping[str, str]] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "docx": DOCX,
    "xlsx": XLSX,
}
"""Accepted extensions (lower case, without the dot) and the content type each is stored as."""

_KIND = {
    "application/pdf": gettext_lazy("a PDF"),
    "image/png": gettext_lazy("a PNG image"),
    "image/jpeg": gettext_lazy("a JPEG image"),
    "image/webp": gettext_lazy("a WebP image"),
    DOCX: gettext_lazy("a Word document (.docx)"),
    XLSX: gettext_lazy("an Excel workbook (.xlsx)"),
}

_RENAME_TO = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    DOCX: "docx",
    XLSX: "xlsx",
}

# The part every package of the kind has, and the content types its main part may declare.
_OOXML_MAIN_PART = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}
_OOXML_MAIN_TYPES = {
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_OOXML_MACRO_TYPES = frozenset(
    {
        "application/vnd.ms-word.document.macroEnabled.main+xml",
        "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        "application/vnd.ms-excel.template.macroEnabled.main+xml",
    }
)
_CONTENT_TYPES_PART = "[Content_Types].xml"
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"

_HEAD_BYTES = 16
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ZIP_END_RECORD = b"PK\x05\x06"
_ZIP_END_RECORD_SIZE = 22
_ZIP_MAX_COMMENT = 0xFFFF
_OLE_COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXECUTABLE_SIGNATURES = (
    b"\x7fELF",  # Linux and other Unix programs
    b"MZ",  # Windows programs and DLLs (PE)
    b"\xfe\xed\xfa\xce",  # Mach-O, 32-bit
    b"\xfe\xed\xfa\xcf",  # Mach-O, 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O, 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O, 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary, or a Java class file
    b"#!",  # scripts
)
_SHOWN_NAME_LENGTH = 80
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


class EvidenceRejected(ValueError):
    """An uploaded evidence file is refused; ``message`` says why, naming the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    """What is kept about an accepted upload, besides its bytes and who uploaded it."""

    original_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def configured_max_bytes() -> int:
    """The size limit for evidence files: ``settings.EVIDENCE_MAX_BYTES``, else 10 MB."""
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def clean_file_name(name: str) -> str:
    """Return ``name`` NFC-normalised and stripped, or raise ``EvidenceRejected``.

    A hostile name is refused, never repaired: control or invisible characters (NUL, line breaks,
    bidirectional overrides), ``/`` or ``\\``, a ``..`` component, a name of only dots and
    spaces, and a name longer than ``MAX_NAME_LENGTH`` characters.
    """
    name = unicodedata.normalize("NFC", name)
    if any(unicodedata.category(char) in _UNSAFE_CATEGORIES for char in name):
        raise EvidenceRejected(
            _("“%(name)s” contains control or invisible characters; rename the file.")
            % {"name": _shown(name)}
        )
    if ".." in (part.strip() for part in name.replace("\\", "/").split("/")):
        raise EvidenceRejected(
            _("“%(name)s” points outside its folder (“..”); upload the file itself.")
            % {"name": _shown(name)}
        )
    if "/" in name or "\\" in name:
        raise EvidenceRejected(
            _("“%(name)s” is a path, not a file name: it must not contain “/” or “\\”.")
            % {"name": _shown(name)}
        )
    cleaned = name.strip()
    if not cleaned:
        raise EvidenceRejected(_("The file has no name; rename it and upload it again."))
    if not cleaned.strip(". "):
        raise EvidenceRejected(
            _("“%(name)s” is not a usable file name; rename the file.") % {"name": _shown(name)}
        )
    if len(cleaned) > MAX_NAME_LENGTH:
        raise EvidenceRejected(
            _("“%(name)s” is longer than %(limit)d characters; shorten the file name.")
            % {"name": _shown(cleaned), "limit": MAX_NAME_LENGTH}
        )
    return cleaned


def check_upload(uploaded: UploadedFile, *, max_bytes: int) -> CheckedUpload:
    """Vet ``uploaded`` as evidence and describe it, or raise ``EvidenceRejected``.

    Checks, in order: the name (``clean_file_name``), the size (not empty, at most
    ``max_bytes``), the extension (one of ``ALLOWED``) and the content (sniffed from the bytes;
    for Word and Excel the ZIP package is vetted too). Then hashes the content with SHA-256,
    streaming over ``uploaded.chunks()``. The file is rewound to its start before this returns
    or raises. Nothing is written.
    """
    try:
        return _check(uploaded, max_bytes=max_bytes)
    finally:
        with contextlib.suppress(Exception):
            uploaded.seek(0)


def _check(uploaded: UploadedFile, *, max_bytes: int) -> CheckedUpload:
    name = clean_file_name(uploaded.name or "")
    shown = _shown(name)

    _check_size(uploaded.size, shown=shown, max_bytes=max_bytes)

    stem, dot, extension = name.rpartition(".")
    extension = extension.lower()
    if not dot or not stem.strip(". ") or extension not in ALLOWED:
        raise EvidenceRejected(
            _("“%(name)s” is not an accepted type of file; upload a %(allowed)s file.")
            % {"name": shown, "allowed": ", ".join(ext.upper() for ext in ALLOWED)}
        )
    content_type = ALLOWED[extension]

    try:
        uploaded.seek(0)
        head = uploaded.read(_HEAD_BYTES)
    except (OSError, ValueError) as exc:
        raise _unreadable(shown) from exc
    if not isinstance(head, bytes):
        raise _unreadable(shown)
    _check_signature(head, content_type=content_type, shown=shown)
    if content_type in _OOXML_MAIN_PART:
        _check_ooxml(uploaded, content_type=content_type, shown=shown)

    digest = hashlib.sha256()
    size = 0
    try:
        for chunk in uploaded.chunks():
            size += len(chunk)
            if size > max_bytes:
                break
            digest.update(chunk)
    except (OSError, ValueError) as exc:
        raise _unreadable(shown) from exc
    # The declared size came from the request; what was actually read is what counts.
    _check_size(size, shown=shown, max_bytes=max_bytes)

    return CheckedUpload(
        original_name=name,
        extension=extension,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def _check_size(size: int | None, *, shown: str, max_bytes: int) -> None:
    if size is None:
        return
    if size <= 0:
        raise EvidenceRejected(_("“%(name)s” is empty.") % {"name": shown})
    if size > max_bytes:
        raise EvidenceRejected(
            _("“%(name)s” is larger than %(limit)s.")
            % {"name": shown, "limit": _megabytes(max_bytes)}
        )


def _check_signature(head: bytes, *, content_type: str, shown: str) -> None:
    """Refuse ``head`` unless it starts the way a file of ``content_type`` must."""
    actual = _sniff(head)
    if actual == content_type or (actual == "zip" and content_type in _OOXML_MAIN_PART):
        return
    if head.startswith(_EXECUTABLE_SIGNATURES):
        raise EvidenceRejected(
            _("“%(name)s” is a program, not a document; it cannot be uploaded as evidence.")
            % {"name": shown}
        )
    if head.startswith(_OLE_COMPOUND_FILE) and content_type in _OOXML_MAIN_PART:
        raise EvidenceRejected(
            _(
                "“%(name)s” is password-protected or in the old Office format; remove the "
                "password or save it as .%(extension)s."
            )
            % {"name": shown, "extension": _RENAME_TO[content_type]}
        )
    if actual is not None and actual != "zip":
        raise EvidenceRejected(
            _("“%(name)s” is really %(actual)s; rename it to end in .%(extension)s.")
            % {"name": shown, "actual": _KIND[actual], "extension": _RENAME_TO[actual]}
        )
    raise _not_a(shown, content_type)


def _sniff(head: bytes) -> str | None:
    """The content type that ``head`` (the first bytes of a file) shows, or ``None``.

    Office packages cannot be told apart by their first bytes, so both show as ``"zip"``: the
    caller compares that with its DOCX and XLSX types.
    """
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(_ZIP_LOCAL_HEADER):
        return "zip"
    return None


def _check_ooxml(uploaded: UploadedFile, *, content_type: str, shown: str) -> None:
    """Vet the ZIP package of a Word or Excel file, reading no entry until its size is vetted."""
    fileobj = uploaded.file
    if fileobj is None:
        raise _unreadable(shown)
    try:
        _check_zip_end_record(fileobj, shown=shown)
        fileobj.seek(0)
        if not zipfile.is_zipfile(fileobj):
            raise _not_a(shown, content_type)
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as package:
            _check_zip_directory(package.infolist(), shown=shown)
            _check_ooxml_parts(package, content_type=content_type, shown=shown)
    except EvidenceRejected:
        raise
    except Exception as exc:
        # zipfile and the XML parser raise a wide, undocumented set of exceptions on malformed
        # input (BadZipFile, OSError, EOFError, ValueError, struct.error, zlib.error,
        # NotImplementedError, RuntimeError for encrypted entries, ...). Each means the same
        # thing to the officer: this is not a readable document.
        raise _not_a(shown, content_type) from exc


def _check_zip_end_record(fileobj: IO[bytes], *, shown: str) -> None:
    """Refuse a ZIP whose end record declares too many entries, before ``zipfile`` lists them.

    ``zipfile.ZipFile`` builds an object for every entry of the central directory when it opens,
    so a package claiming a huge number of entries is turned away here first. The entries are
    counted again once listed, since this record can lie.
    """
    fileobj.seek(0, 2)
    end = fileobj.tell()
    start = max(0, end - _ZIP_END_RECORD_SIZE - _ZIP_MAX_COMMENT)
    fileobj.seek(start)
    tail = fileobj.read(end - start)
    position = tail.rfind(_ZIP_END_RECORD)
    if position < 0 or len(tail) - position < _ZIP_END_RECORD_SIZE:
        return  # Not a ZIP: ``zipfile.is_zipfile`` refuses it next.
    entries = struct.unpack_from("<H", tail, position + 10)[0]
    if entries != 0xFFFF:  # 0xFFFF defers to a ZIP64 record: counted once listed.
        _check_entry_count(entries, shown=shown)


def _check_zip_directory(infos: list[zipfile.ZipInfo], *, shown: str) -> None:
    """Refuse a zip bomb from its directory alone: too many entries, too big, too compressed."""
    _check_entry_count(len(infos), shown=shown)
    names = [info.filename for info in infos]
    if any(points_outside_package(name) for name in names):
        raise EvidenceRejected(
            _("“%(name)s” contains a part named outside the document; it cannot be accepted.")
            % {"name": shown}
        )
    if len(set(names)) != len(names):
        raise EvidenceRejected(
            _("“%(name)s” is damaged: it contains two parts with the same name.") % {"name": shown}
        )
    if sum(info.file_size for info in infos) > MAX_ZIP_UNPACKED_BYTES:
        raise EvidenceRejected(
            _("“%(name)s” unpacks to more than %(limit)s, which is not allowed.")
            % {"name": shown, "limit": _megabytes(MAX_ZIP_UNPACKED_BYTES)}
        )
    for info in infos:
        if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1) or (
            info.file_size and not info.compress_size
        ):
            raise EvidenceRejected(
                _(
                    "“%(name)s” contains a part compressed more than %(ratio)d times, which is "
                    "not allowed."
                )
                % {"name": shown, "ratio": MAX_ZIP_RATIO}
            )


def _check_entry_count(entries: int, *, shown: str) -> None:
    if entries > MAX_ZIP_ENTRIES:
        raise EvidenceRejected(
            _("“%(name)s” contains more than %(limit)s parts, which is not allowed.")
            % {"name": shown, "limit": number_format(MAX_ZIP_ENTRIES, force_grouping=True)}
        )


def _check_ooxml_parts(package: zipfile.ZipFile, *, content_type: str, shown: str) -> None:
    """Refuse a package that is not the claimed Office kind, judged by its parts' types."""
    names = set(package.namelist())
    main_part = _OOXML_MAIN_PART[content_type]
    if _CONTENT_TYPES_PART not in names:
        raise _not_a(shown, content_type)
    with package.open(_CONTENT_TYPES_PART) as part:
        data = part.read(MAX_CONTENT_TYPES_BYTES + 1)
    if len(data) > MAX_CONTENT_TYPES_BYTES:
        raise _not_a(shown, content_type)
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise EvidenceRejected(
            _("“%(name)s” contains XML with a DTD or entities, which is not allowed.")
            % {"name": shown}
        ) from exc
    except ParseError as exc:
        raise _not_a(shown, content_type) from exc

    main_type = _part_content_type(root, main_part) if main_part in names else None
    if main_type == _OOXML_MAIN_TYPES[content_type]:
        return
    if main_type in _OOXML_MACRO_TYPES:
        raise EvidenceRejected(
            _("“%(name)s” contains macros; save it as a plain .%(extension)s file or as PDF.")
            % {"name": shown, "extension": _RENAME_TO[content_type]}
        )
    for other, other_part in _OOXML_MAIN_PART.items():
        if (
            other != content_type
            and other_part in names
            and _part_content_type(root, other_part) == _OOXML_MAIN_TYPES[other]
        ):
            raise EvidenceRejected(
                _("“%(name)s” is really %(actual)s; rename it to end in .%(extension)s.")
                % {"name": shown, "actual": _KIND[other], "extension": _RENAME_TO[other]}
            )
    raise _not_a(shown, content_type)


def _part_content_type(types: Element, part: str) -> str | None:
    """The content type ``[Content_Types].xml`` gives ``part``: its Override, else its Default.

    Part names and extensions compare case-insensitively, as the Open Packaging Conventions
    require.
    """
    if types.tag != f"{_CONTENT_TYPES_NS}Types":
        return None
    part_name = "/" + part.lower()
    extension = part.rpartition(".")[2].lower()
    default = None
    for child in types:
        if (
            child.tag == f"{_CONTENT_TYPES_NS}Override"
            and child.get("PartName", "").lower() == part_name
        ):
            return child.get("ContentType")
        if (
            child.tag == f"{_CONTENT_TYPES_NS}Default"
            and child.get("Extension", "").lower() == extension
        ):
            default = child.get("ContentType")
    return default


def _not_a(shown: str, content_type: str) -> EvidenceRejected:
    return EvidenceRejected(
        _("“%(name)s” is not really %(kind)s; its content does not match its name.")
        % {"name": shown, "kind": _KIND[content_type]}
    )


def _unreadable(shown: str) -> EvidenceRejected:
    return EvidenceRejected(_("“%(name)s” could not be read; upload it again.") % {"name": shown})


def _shown(name: str) -> str:
    """``name`` as safe to put in a message: unsafe characters as �, long names cut short."""
    safe = "".join(
        "\N{REPLACEMENT CHARACTER}" if unicodedata.category(char) in _UNSAFE_CATEGORIES else char
        for char in name
    )
    if len(safe) > _SHOWN_NAME_LENGTH:
        return safe[: _SHOWN_NAME_LENGTH - 1] + "…"
    return safe


def _megabytes(size: int) -> str:
    """``size`` bytes for a message in megabytes, e.g. "10 MB" or "0.5 MB", in the locale's form.

    A limit under a tenth of a megabyte (only ever set in tests) is shown in bytes instead.
    """
    if size < MEGABYTE // 10:
        return _("%(size)s bytes") % {"size": number_format(size, force_grouping=True)}
    tenths = round(size * 10 / MEGABYTE)
    if tenths % 10 == 0:
        return _("%(size)s MB") % {"size": number_format(tenths // 10, force_grouping=True)}
    return _("%(size)s MB") % {"size": number_format(tenths / 10, decimal_pos=1)}
