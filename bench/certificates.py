"""Benchmark of certificate rendering: the portal's code against plain WeasyPrint.

Renders N certificates (default 100) as one PDF through ``awards.rendering.render_pdf`` (the
portal's template, fonts, QR codes, one HTML document with page breaks, PDF/A-3b), then writes
the very same HTML with plain ``weasyprint.HTML(string=…).write_pdf()`` (no PDF/A), in one
process, after a warm-up that loads the fonts. Also times ``render_each`` (the same document laid
out once, written as N single PDFs, what issuing a period's certificates does). Each figure is the
best of ``--repeat`` runs. Prints pages per second for each and the ratio portal / plain, and
whether the issue's targets are met (≥ 30 pages/s and ≥ 0.8 of plain WeasyPrint).

No database is needed: the certificates' content is built in memory with realistic Vietnamese
unit names and 12-character verification codes.

    .venv/bin/python bench/certificates.py [--count 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hanoi_ict.settings")
os.environ.setdefault("TESTING", "1")  # no secrets needed; nothing is written

import django  # noqa: E402

django.setup()

from weasyprint import HTML  # noqa: E402

from awards import rendering  # noqa: E402
from awards.models import new_verification_code  # noqa: E402

NAMES = [
    "Sở Thông tin và Truyền thông",
    "Cục Thuế thành phố Hà Nội",
    "Quận Hoàn Kiếm",
    "Huyện Ứng Hòa",
    "Phường Dịch Vọng Hậu",
    "Xã Thủy Xuân Tiên",
    "Ban Quản lý các khu công nghiệp và chế xuất Hà Nội",
]
CATEGORIES = ["bang_khen", "dich_vu_cong", "tien_bo"]


def contents(count: int) -> list[rendering.CertificateContent]:
    result = []
    for n in range(count):
        category = CATEGORIES[n % 3]
        code = new_verification_code()
        result.append(
            rendering.CertificateContent(
                category=category,
                unit_name=NAMES[n % len(NAMES)],
                achievement=rendering.ACHIEVEMENTS[category].format(year=2014),
                decision_number="…/QĐ-UBND (số minh họa — quyết định năm 2014 không được công bố)",
                decision_date_line="ngày 19 tháng 7 năm 2015",
                register_number=n + 1,
                place_and_date="Hà Nội, ngày 19 tháng 7 năm 2015",
                signatory_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
                signatory_name="Lê Hồng Sơn",
                verification_code=code,
                verify_url=f"https://xephang-cntt.hanoi.gov.vn/verify/{code}/",
            )
        )
    return result


def best_of(repeat: int, run) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = run()
        best = min(best, time.perf_counter() - start)
    return best, value


def pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    line = next(line for line in info.decode().splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    certificates = contents(args.count)
    html = rendering.certificate_html(certificates)
    HTML(string=rendering.certificate_html(certificates[:1]), base_url=str(ROOT)).write_pdf()

    portal_s, portal_pdf = best_of(args.repeat, lambda: rendering.render_pdf(certificates))
    plain_s, plain_pdf = best_of(
        args.repeat, lambda: HTML(string=html, base_url=str(ROOT)).write_pdf()
    )
    each_s, singles = best_of(args.repeat, lambda: rendering.render_each(certificates))
    assert pages(portal_pdf) == pages(plain_pdf) == args.count == len(singles)

    portal_rate, plain_rate = args.count / portal_s, args.count / plain_s
    ratio = portal_rate / plain_rate
    load = os.getloadavg()[0]
    print(f"{args.count} certificates, A4 landscape, best of {args.repeat}; load {load:.2f}")
    print(f"portal (render_pdf, one PDF/A-3b)   {portal_s:6.2f} s  {portal_rate:6.1f} pages/s")
    print(f"plain WeasyPrint (same HTML)        {plain_s:6.2f} s  {plain_rate:6.1f} pages/s")
    each_rate = args.count / each_s
    print(f"portal (render_each, single PDFs)   {each_s:6.2f} s  {each_rate:6.1f} pages/s")
    print(f"ratio portal / plain                {ratio:6.2f}")
    met = portal_rate >= 30 and ratio >= 0.8
    print(f"targets (>= 30 pages/s, >= 0.8 of plain): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
