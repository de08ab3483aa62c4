"""Issued certificates as a person and a machine read them (DOMAIN.md §7)."""

from __future__ import annotations

import hashlib
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
import zxingcpp
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from awards import services
from awards.models import Award, Category, Certificate, CertificateBatch

pytestmark = pytest.mark.usefixtures("demo_db")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results" / "certificates"


@pytest.fixture
def awards(db) -> list[Award]:
    services.load_demo_awards(year=2014)
    return services.confirmed_awards(services.Period.objects.get(year=2014))


@pytest.fixture
def merit(awards) -> Award:
    return next(a for a in awards if a.category == Category.BANG_KHEN)


@pytest.fixture
def pdf_path(merit, tmp_path) -> Path:
    certificate = services.issue_certificate(award=merit)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate.pdf.read())
    return path


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdfinfo(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


def to_png(path: Path, out: Path, dpi: int = 150) -> Path:
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(path), str(out)], check=True
    )
    return out.with_suffix(".png")


def test_the_certificate_text_has_the_units_name_with_diacritics_and_the_code(merit, pdf_path):
    text = " ".join(pdftotext(pdf_path).split())

    assert merit.unit.name in text
    assert merit.verification_code in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI" in text
    assert "BẰNG KHEN" in text
    assert "Hà Nội, ngày 19 tháng 7 năm 2015" in text
    assert "số minh họa" in text
    assert f"Số sổ vàng: {merit.register_number}" in text


def test_the_certificate_is_one_a4_landscape_page_in_pdf_a(pdf_path):
    info = pdfinfo(pdf_path)

    assert "Pages:           1" in info
    assert "841.89 x 595.276 pts (A4)" in info
    meta = subprocess.run(
        ["pdfinfo", "-meta", str(pdf_path)], check=True, capture_output=True, text=True
    ).stdout
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta  # PDF/A-3b


def test_the_qr_code_decodes_to_the_verification_address_and_a_look_is_kept(
    merit, pdf_path, tmp_path
):
    png = to_png(pdf_path, tmp_path / "certificate")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "bang-khen-a4.png").write_bytes(png.read_bytes())

    found = zxingcpp.read_barcodes(Image.open(png))

    assert [r.text for r in found] == [services.verify_url(merit.verification_code)]
    assert found[0].text.endswith(f"/verify/{merit.verification_code}/")


def test_the_committees_honour_names_the_committee_and_is_a_giay_chung_nhan(awards, tmp_path):
    honour = next(a for a in awards if a.category == Category.TIEN_BO)
    path = tmp_path / "honour.pdf"
    path.write_bytes(services.issue_certificate(award=honour).pdf.read())

    text = " ".join(pdftotext(path).split())

    assert "BAN CHỈ ĐẠO ỨNG DỤNG CÔNG NGHỆ THÔNG TIN THÀNH PHỐ HÀ NỘI" in text
    assert "GIẤY CHỨNG NHẬN" in text and honour.unit.name in text


def test_downloading_again_returns_the_same_bytes(merit, admin_client):
    certificate = services.issue_certificate(award=merit)
    again = services.issue_certificate(award=merit)
    url = reverse("awards:certificate", args=[certificate.pk])

    first = b"".join(admin_client.get(url).streaming_content)
    second = b"".join(admin_client.get(url).streaming_content)

    assert again.pk == certificate.pk
    assert first == second
    assert hashlib.sha256(first).hexdigest() == certificate.sha256


def test_a_revoked_certificate_shows_as_revoked_at_the_same_address(merit, admin_user, client):
    certificate = services.issue_certificate(award=merit)
    url = reverse("awards:verify", args=[merit.verification_code])
    assert "Hợp lệ" in client.get(url).content.decode()

    services.revoke_certificate(certificate=certificate, actor=admin_user, reason="Cấp nhầm")
    page = client.get(url).content.decode()

    assert "Đã thu hồi" in page and "không còn hiệu lực" in page
    assert merit.unit.name in page


def test_a_reissued_certificate_keeps_the_code_and_shows_the_new_version(merit, admin_user, client):
    old = services.issue_certificate(award=merit)

    new = services.reissue_certificate(certificate=old, actor=admin_user, reason="Sai tên đơn vị")

    old.refresh_from_db()
    assert (old.status, new.status, new.version) == ("reissued", "valid", 2)
    page = client.get(reverse("awards:verify", args=[merit.verification_code])).content.decode()
    assert "Hợp lệ — đã cấp lại" in page


def test_the_batch_makes_one_pdf_and_a_zip_and_reuses_stored_certificates(awards, admin_user):
    period = awards[0].period
    first = services.start_batch(period=period, actor=admin_user)  # immediate in tests
    first.refresh_from_db()

    assert (first.status, first.total, first.done, first.reused) == ("done", 29, 29, 0)
    assert Certificate.objects.filter(award__period=period).count() == 29
    pages = pdfinfo_bytes(first.combined_pdf.read())
    assert "Pages:           29" in pages
    print_pdf = first.print_pdf.read()
    assert "1133.86 x 850.394 pts" in pdfinfo_bytes(print_pdf)  # 400 × 300 mm
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # the official size, first page, for a person to look at
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            "-",
            str(ARTIFACTS / "bang-khen-400x300"),
        ],
        input=print_pdf,
        check=True,
    )
    names = zipfile.ZipFile(io.BytesIO(first.zip_file.read())).namelist()
    assert len(names) == 29 and names[0].startswith("001-bang_khen-")

    second = services.start_batch(period=period, actor=admin_user)
    second.refresh_from_db()
    assert (second.status, second.reused) == ("done", 29)
    assert second.combined_pdf.name == first.combined_pdf.name
    assert Certificate.objects.filter(award__period=period).count() == 29


def test_the_batch_page_shows_progress_and_the_downloads(awards, admin_client):
    response = admin_client.post(reverse("awards:start_batch", args=[2014]))
    batch = CertificateBatch.objects.get()

    page = admin_client.get(response.url).content.decode()
    fragment = admin_client.get(response.url, headers={"HX-Request": "true"}).content.decode()

    assert "<progress" in page and 'value="100"' in page
    assert reverse("awards:batch_file", args=[2014, batch.pk, "zip"]) in page
    assert fragment.lstrip().startswith('<div id="batch-progress"')


def pdfinfo_bytes(data: bytes) -> str:
    return subprocess.run(
        ["pdfinfo", "-"], input=data, check=True, capture_output=True
    ).stdout.decode()


def test_the_issue_certificates_command_copies_the_packed_files(awards, tmp_path):
    out, folder = io.StringIO(), tmp_path / "out"
    call_command("issue_certificates", "2014", "--output", str(folder), stdout=out)

    assert "2014: 29 certificates (0 reused)" in out.getvalue()
    assert sorted(p.suffix for p in folder.iterdir()) == [".pdf", ".pdf", ".zip"]
