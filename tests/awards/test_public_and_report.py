"""The awards on the public pages and in the results report, from the published data."""

from __future__ import annotations

import subprocess

import pytest
from django.core.cache import cache
from django.urls import reverse

from assessments.models import Period
from awards import services
from awards.models import Award

pytestmark = pytest.mark.usefixtures("demo_db")


@pytest.fixture
def confirmed(db) -> list[Award]:
    cache.clear()
    services.load_demo_awards(year=2014)
    yield services.confirmed_awards(Period.objects.get(year=2014))
    cache.clear()


def test_the_verification_page_shows_unit_award_period_decision_and_status(client, confirmed):
    award = confirmed[0]

    page = client.get(reverse("awards:verify", args=[award.verification_code])).content.decode()

    assert award.unit.name in page
    assert "Bằng khen" in page
    assert "2014" in page
    assert "số minh họa" in page
    assert "Hợp lệ" in page


def test_the_awards_selector_lists_the_confirmed_awards_of_a_published_period(confirmed):
    listed = services.confirmed_awards(Period.objects.get(year=2014))
    from awards.selectors import awards_for_public

    assert [a.pk for a in awards_for_public(Period.objects.get(year=2014))] == [
        a.pk for a in listed
    ]


def test_the_results_report_has_the_grade_table_and_the_award_lists(
    confirmed, admin_client, tmp_path
):
    response = admin_client.get(reverse("awards:report", args=[2014]))
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)

    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )

    assert response["Content-Type"] == "application/pdf"
    assert "Sở, ban, ngành" in text and "Xã" in text
    assert "111" in text  # all blocks
    assert f"Bằng khen ({19})" in text
    assert confirmed[0].unit.name in text


def test_the_public_home_page_lists_the_awards_confirmed_after_publication(client, undecided_2014):
    cache.clear()
    before = client.get(reverse("rankings:home")).content.decode()
    services.load_demo_awards(year=2014)
    cache.clear()  # the per-process 5-second publication state; other servers wait that long

    after = client.get(reverse("rankings:home")).content.decode()

    merit = services.confirmed_awards(Period.objects.get(year=2014))[0]
    assert 'id="awards-title"' not in before
    assert 'id="awards-title"' in after and merit.unit.name in after


def test_a_unit_page_lists_its_awards(client, confirmed):
    merit = confirmed[0]

    page = client.get(reverse("rankings:unit", args=[merit.unit.code])).content.decode()

    assert 'id="unit-awards-title"' in page and "2014: Bằng khen" in page


def test_the_review_page_shows_each_award_with_its_why(admin_client, db):
    services.propose_awards(period=Period.objects.get(year=2014))

    page = admin_client.get(reverse("awards:review", args=[2014])).content.decode()

    assert "Đề xuất dựa trên phiên bản kết quả đang công bố." in page
    assert "Xếp loại Tốt, chỉ số" in page
    assert "tỷ lệ điểm dịch vụ công trực tuyến" in page
    assert "tăng 5 bậc, chỉ số tăng" in page


def test_an_admin_rejects_and_adds_with_a_reason_and_both_are_audited(admin_client, db):
    period = Period.objects.get(year=2014)
    services.propose_awards(period=period)
    first = Award.objects.filter(period=period).in_list_order().first()

    admin_client.post(
        reverse("awards:reject", args=[2014, first.pk]), {"reason": "Vi phạm quy định"}
    )
    admin_client.post(
        reverse("awards:add", args=[2014]),
        {"unit": first.unit.code, "category": "tien_bo", "reason": "Nỗ lực đặc biệt"},
    )

    first.refresh_from_db()
    assert (first.status, first.category, first.source) == ("proposed", "tien_bo", "admin")
    actions = list(first.events.order_by("pk").values_list("action", "reason", "actor__username"))
    assert actions[-2:] == [
        ("rejected", "Vi phạm quy định", "portal-admin"),
        ("added", "Nỗ lực đặc biệt", "portal-admin"),
    ]


def test_confirming_without_a_decision_number_is_refused(admin_client, undecided_2014):
    period = Period.objects.get(year=2014)
    services.propose_awards(period=period)
    award = Award.objects.filter(period=period).first()

    response = admin_client.post(reverse("awards:confirm", args=[2014, award.pk]), follow=True)

    award.refresh_from_db()
    assert award.status == "proposed"
    assert "Nhập số và ngày quyết định" in response.content.decode()
