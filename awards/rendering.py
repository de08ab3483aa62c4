"""The certificate as HTML and PDF (DOMAIN.md §7): one template, two page sizes, no ORM.

Printed text is the official Vietnamese of the form; it is not translated with the interface.
Many certificates go into one HTML document with page breaks (STACK.md: ~3× faster than one
document each); ``render_each`` lays that document out once and writes each page as its own PDF.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import segno
from django.conf import settings
from django.template.loader import render_to_string

# WeasyPrint logs every page laid out at INFO; a batch of 100 floods the log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# PDF/A-3b: archival, fonts embedded; WeasyPrint writes the sRGB output intent itself.
PDF_VARIANT = "pdf/a-3b"

CITY_AUTHORITY = "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"
COMMITTEE_AUTHORITY = "BAN CHỈ ĐẠO ỨNG DỤNG CÔNG NGHỆ THÔNG TIN THÀNH PHỐ HÀ NỘI"
TITLES = {"bang_khen": "BẰNG KHEN", "dich_vu_cong": "GIẤY CHỨNG NHẬN", "tien_bo": "GIẤY CHỨNG NHẬN"}
ACHIEVEMENTS = {
    "bang_khen": (
        "Đã có thành tích xuất sắc trong ứng dụng công nghệ thông tin trong hoạt động "
        "của cơ quan nhà nước năm {year}"
    ),
    "dich_vu_cong": (
        "Đã có thành tích xuất sắc trong cung cấp dịch vụ công trực tuyến phục vụ người dân "
        "và doanh nghiệp năm {year}"
    ),
    "tien_bo": (
        "Đã có nhiều nỗ lực, tiến bộ vượt bậc trong ứng dụng công nghệ thông tin trong hoạt "
        "động của cơ quan nhà nước năm {year}"
    ),
}


def authority_for(category: str) -> str:
    return CITY_AUTHORITY if category == "bang_khen" else COMMITTEE_AUTHORITY


@dataclass(frozen=True)
class PageSize:
    """A page and its layout in millimetres; the A4 version scales the official 400 × 300 one."""

    code: str
    width: Decimal
    height: Decimal

    @property
    def scale(self) -> Decimal:
        # A4 is wider for its height than 400 × 300: fit the height, centre the frame.
        return min(self.width / Decimal(400), self.height / Decimal(300))

    def mm(self, value: int | float | str) -> str:
        return f"{(Decimal(str(value)) * self.scale).quantize(Decimal('0.01'))}mm"

    def pt(self, value: int | float | str) -> str:
        return f"{(Decimal(str(value)) * self.scale).quantize(Decimal('0.1'))}pt"

    def layout(self) -> dict[str, str]:
        """Every length the stylesheet uses, scaled to this page."""
        mm = {
            "outer_border": 5,
            "frame_width": 320,
            "frame_height": 230,
            "padding": 8,
            "frame_border": 1.2,
            "emblem": 30,
            "signature_space": 35,
            "qr": 16,
            "column": 140,
            "bottom": 14,
        }
        pt = {
            "national": 17,
            "motto": 16,
            "authority": 19,
            "tang": 18,
            "title": 52,
            "unit": 30,
            "text": 17,
            "small": 13,
            "code": 8,
        }
        values = {name: self.mm(v) for name, v in mm.items()}
        values |= {name: self.pt(v) for name, v in pt.items()}
        values["page"] = f"{self.width}mm {self.height}mm"
        frame_width, frame_height = Decimal(320) * self.scale, Decimal(230) * self.scale
        values["frame_left"] = f"{((self.width - frame_width) / 2).quantize(Decimal('0.01'))}mm"
        values["frame_top"] = f"{((self.height - frame_height) / 2).quantize(Decimal('0.01'))}mm"
        # The decorative border sits a fixed distance outside the frame.
        gap = Decimal(14) * self.scale
        values["border_x"] = f"{((self.width - frame_width) / 2 - gap).quantize(Decimal('0.01'))}mm"
        values["border_y"] = (
            f"{((self.height - frame_height) / 2 - gap).quantize(Decimal('0.01'))}mm"
        )
        return values


A4 = PageSize("a4", Decimal(297), Decimal(210))
OFFICIAL = PageSize("400x300", Decimal(400), Decimal(300))
PAGE_SIZES = {size.code: size for size in (A4, OFFICIAL)}


@dataclass(frozen=True)
class CertificateContent:
    """What one certificate prints."""

    category: str
    unit_name: str
    achievement: str
    decision_number: str
    decision_date_line: str  # "ngày 19 tháng 7 năm 2015"
    register_number: int | None
    place_and_date: str
    signatory_title: str
    signatory_name: str
    verification_code: str
    verify_url: str
    unit_address: str = ""
    emblem_uri: str = ""

    @property
    def authority(self) -> str:
        return authority_for(self.category)

    @property
    def title(self) -> str:
        return TITLES[self.category]

    @property
    def signatory_lines(self) -> list[str]:
        return [line.strip() for line in self.signatory_title.splitlines() if line.strip()]

    @property
    def qr_data_uri(self) -> str:
        qr = segno.make(self.verify_url, error="m")
        svg = qr.svg_inline(scale=4, border=2, dark="#000", light="#fff")
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def vietnamese_date(value: object) -> str:
    """``ngày 19 tháng 7 năm 2015`` as printed on Vietnamese decisions."""
    return f"ngày {value.day} tháng {value.month} năm {value.year}"  # type: ignore[attr-defined]


def certificate_html(contents: Sequence[CertificateContent], size: PageSize = A4) -> str:
    """One HTML document, one page per certificate."""
    return render_to_string(
        "awards/certificate.html", {"certificates": contents, "d": size.layout(), "size": size}
    )


def _html(source: str):
    from weasyprint import HTML

    return HTML(string=source, base_url=str(settings.BASE_DIR))


def render_pdf(contents: Sequence[CertificateContent], size: PageSize = A4) -> bytes:
    """All the certificates as one PDF (one document with page breaks)."""
    return _html(certificate_html(contents, size)).write_pdf(pdf_variant=PDF_VARIANT)


def render_each(contents: Sequence[CertificateContent], size: PageSize = A4) -> list[bytes]:
    """Each certificate as its own PDF, laying the whole batch out once."""
    if not contents:
        return []
    document = _html(certificate_html(contents, size)).render()
    if len(document.pages) != len(contents):
        raise RuntimeError("a certificate did not fit on one page")
    return [document.copy([page]).write_pdf(pdf_variant=PDF_VARIANT) for page in document.pages]
