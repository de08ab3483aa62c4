"""The certificate's HTML: the form of DOMAIN.md §7 in both sizes (no database)."""

from __future__ import annotations

from awards import rendering


def content(**fields) -> rendering.CertificateContent:
    values = {
        "category": "bang_khen",
        "unit_name": "Sở Tư pháp",
        "achievement": rendering.ACHIEVEMENTS["bang_khen"].format(year=2014),
        "decision_number": "…/QĐ-UBND",
        "decision_date_line": "ngày 19 tháng 7 năm 2015",
        "register_number": 7,
        "place_and_date": "Hà Nội, ngày 19 tháng 7 năm 2015",
        "signatory_title": "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        "signatory_name": "Lê Hồng Sơn",
        "verification_code": "ABCD-EFGH-JKMN",
        "verify_url": "http://127.0.0.1:8000/verify/ABCD-EFGH-JKMN/",
    }
    return rendering.CertificateContent(**(values | fields))


def test_without_an_uploaded_emblem_the_certificate_prints_none():
    html = rendering.certificate_html([content()])

    assert 'class="emblem"' not in html


def test_an_uploaded_emblem_is_printed_at_the_top():
    html = rendering.certificate_html([content(emblem_uri="file:///srv/media/quoc-huy.png")])

    assert '<img class="emblem" src="file:///srv/media/quoc-huy.png"' in html
    assert html.index('class="emblem"') < html.index("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")


def test_the_stylesheet_names_a_vietnamese_font_first_and_both_page_sizes_exist():
    a4 = rendering.certificate_html([content()], rendering.A4)
    official = rendering.certificate_html([content()], rendering.OFFICIAL)

    assert 'font-family: "Noto Serif", "Noto Sans", "DejaVu Serif"' in a4
    assert "size: 297mm 210mm" in a4
    assert "size: 400mm 300mm" in official
    assert "width: 320.00mm; height: 230.00mm" in official  # the inner frame, DOMAIN.md §7


def test_the_committees_honours_carry_its_name_and_title():
    html = rendering.certificate_html([content(category="dich_vu_cong")])

    assert rendering.COMMITTEE_AUTHORITY in html and "GIẤY CHỨNG NHẬN" in html
    assert rendering.CITY_AUTHORITY not in html
