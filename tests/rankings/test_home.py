"""The public home page: the latest period's units by block, in Vietnamese or English."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Block, Participation, Period, Unit
from tests import factories

BLOCK_NAMES = {  # Vietnamese name, English name, units in 2014
    "so-nganh": ("Sở, ban, ngành", "City departments and agencies", 22),
    "hiep-quan": ("Đơn vị hiệp quản", "Central agencies based in Hanoi", 9),
    "quan-thi-xa": ("Quận, thị xã", "Urban districts and town", 13),
    "huyen": ("Huyện", "Rural districts", 17),
    "phuong-thi-tran": ("Phường, thị trấn", "Wards and townships", 29),
    "xa": ("Xã", "Communes", 21),
}
# Letters that only Vietnamese uses among the languages of the portal.
VIETNAMESE_LETTER = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


@pytest.fixture
def reference(db):
    services.load_reference_data()


def visible_text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def lead(response) -> str:
    """The sentence under the page title."""
    match = re.search(r'<p class="lead">(.*?)</p>', response.content.decode(), flags=re.S)
    assert match, "the page has no lead paragraph"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_home_page_with_an_empty_database_answers_with_a_message_not_an_error(db, client):
    response = client.get("/")

    assert response.status_code == 200
    assert '<html lang="vi">' in response.content.decode()
    assert "load_demo" in lead(response)


def test_home_page_with_an_empty_database_explains_in_vietnamese_that_no_period_exists(db, client):
    sentence = lead(client.get("/"))

    assert "No evaluation period has been set up yet" not in sentence
    assert VIETNAMESE_LETTER.search(sentence)


def test_home_page_shows_the_latest_period_with_its_111_units_by_block(reference, client):
    response = client.get("/")

    assert response.status_code == 200
    text = visible_text(response)
    assert "2014" in lead(response)
    assert "111" in lead(response)
    assert "2013" not in text
    for name_vi, name_en, count in BLOCK_NAMES.values():
        assert f"{name_vi} ({count})" in text
        assert name_en not in text


def test_home_page_lists_the_units_of_the_latest_period_only(reference, client):
    text = visible_text(client.get("/"))

    for name in ("Quận Bắc Từ Liêm", "Phường Cổ Nhuế 1", "Sở Nội vụ", "Xã Cổ Loa"):
        assert name in text
    # Took part in 2013 only.
    for name in ("Huyện Từ Liêm", "Thị trấn Đại Nghĩa", "Xã Kim Sơn"):
        assert name not in text


def test_home_page_lists_each_unit_under_the_block_it_is_ranked_in_that_year(reference, client):
    content = client.get("/").content.decode()
    section = re.search(r'<section class="card" id="quan-thi-xa">(.*?)</section>', content, re.S)

    assert section
    assert "Quận Bắc Từ Liêm" in section.group(1)
    assert "Quận Hoàn Kiếm" in section.group(1)
    assert "Huyện Đông Anh" not in section.group(1)


def test_home_page_makes_the_same_few_queries_for_2_units_as_for_111(
    db, client, django_assert_num_queries
):
    small_block = factories.make_block("small", name_vi="Khối nhỏ")
    period = factories.make_period(2014)
    for _ in range(2):
        factories.make_participation(period, factories.make_unit(small_block))
    with CaptureQueriesContext(connection) as small:
        assert client.get("/").status_code == 200
    assert len(small) <= 3

    Period.objects.all().delete()
    Unit.objects.all().delete()
    Block.objects.all().delete()
    services.load_reference_data()
    assert Participation.objects.filter(period__year=2014).count() == 111

    with django_assert_num_queries(len(small)):
        response = client.get("/")
    assert "Quận Bắc Từ Liêm" in visible_text(response)


def test_home_page_answers_in_english_after_choosing_english(reference, client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302

    response = client.get("/")

    content = response.content.decode()
    assert '<html lang="en">' in content
    text = visible_text(response)
    assert "IT application ranking 2014" in text
    assert "111 units in 6 blocks are assessed in 2014." in text
    for name_vi, name_en, count in BLOCK_NAMES.values():
        assert f"{name_en} ({count})" in text
        assert f"{name_vi} ({count})" not in text
    # Unit names are proper names: they stay Vietnamese.
    assert "Quận Bắc Từ Liêm" in text


def test_the_choice_of_english_lasts_and_can_be_undone(reference, client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()

    client.post(reverse("set_language"), {"language": "vi", "next": "/"})

    text = visible_text(client.get("/"))
    assert "Sở, ban, ngành (22)" in text
    assert "City departments and agencies" not in text
