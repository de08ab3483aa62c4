"""The public pages: home, a period, a block, a unit, the methodology; Vietnamese and English."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import Answer
from rankings import selectors
from rankings.services import publish_period, score_period
from tests.rankings.conftest import visible_text


def rows_of(response, table_class: str) -> list[list[str]]:
    """The body rows of the first table of that class, as lists of cell texts."""
    content = response.content.decode()
    table = re.search(rf'<table class="{table_class}[^"]*">(.*?)</table>', content, re.S)
    assert table, f"no table.{table_class}"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S)
    assert body
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells])
    return rows


class TestHome:
    def test_with_nothing_published_the_home_page_says_so_in_vietnamese(self, db, client):
        response = client.get("/")

        assert response.status_code == 200
        assert '<html lang="vi">' in response.content.decode()
        assert "Chưa có kết quả nào được công bố." in visible_text(response)

    def test_the_home_page_shows_the_latest_published_period_and_its_grade_table(
        self, published, client
    ):
        response = client.get("/")

        assert response.status_code == 200
        assert response.context["period"].year == 2014
        assert rows_of(response, "grade-table") == [
            ["Quận, thị xã", "1", "1", "0", "1", "1", "4"],
            ["Xã", "1", "0", "1", "0", "0", "2"],
        ]
        text = visible_text(response)
        assert "Xếp hạng ứng dụng CNTT năm 2014" in text

    def test_the_chart_is_an_svg_image_with_a_text_alternative_and_a_number_in_every_segment(
        self, published, client
    ):
        content = client.get("/").content.decode()

        svg = re.search(r'<svg [^>]*role="img"[^>]*>(.*?)</svg>', content, re.S)
        assert svg
        assert "<title" in svg.group(1) and "<desc" in svg.group(1)
        desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg.group(1), re.S)
        assert desc and "Quận, thị xã: 1 Tốt, 1 Khá, 0 Trung bình, 1 Yếu" in desc.group(1)
        counts = re.findall(r'<text class="count"[^>]*>(\d+)</text>', svg.group(1))
        assert counts == ["1", "1", "1", "1", "1"]  # districts: Tốt, Khá, Yếu; communes: Tốt, TB
        # Every grade has its own pattern, and the legend names each one.
        for grade in ("tot", "kha", "trung_binh", "yeu"):
            assert f'id="fill-{grade}"' in svg.group(1)

    def test_the_home_page_links_every_block_the_methodology_the_downloads_and_other_years(
        self, published, client
    ):
        content = client.get("/").content.decode()

        for url in (
            reverse("rankings:block", args=[2014, "quan"]),
            reverse("rankings:block", args=[2014, "xa"]),
            reverse("rankings:methodology", args=[2014]),
            reverse("rankings:download", args=[2014, "csv"]),
            reverse("rankings:download", args=[2014, "xlsx"]),
            reverse("rankings:download", args=[2014, "json"]),
            reverse("rankings:period", args=[2013]),
            reverse("rankings:search"),
        ):
            assert f'href="{url}' in content, url

    def test_a_period_page_shows_that_years_table(self, published, client):
        response = client.get(reverse("rankings:period", args=[2013]))

        assert response.status_code == 200
        assert rows_of(response, "grade-table")[0] == ["Quận, thị xã", "1", "1", "1", "1", "4"]


class TestLanguage:
    def test_english_is_at_en_and_vietnamese_at_the_root(self, published, client):
        english = client.get("/en/")
        vietnamese = client.get("/")

        assert '<html lang="en">' in english.content.decode()
        assert english["Content-Language"] == "en"
        assert "IT application ranking 2014" in visible_text(english)
        assert "Urban districts and town" in visible_text(english)
        assert "Quận Hoàn Kiếm" in visible_text(client.get("/en/results/2014/quan/"))
        assert vietnamese["Content-Language"] == "vi"

    def test_public_pages_ignore_the_language_cookie(self, published, client):
        client.cookies["django_language"] = "en"

        response = client.get("/")

        assert '<html lang="vi">' in response.content.decode()
        assert "Quận, thị xã" in visible_text(response)

    def test_the_switch_is_a_plain_link_to_the_same_page_in_the_other_language(
        self, published, client
    ):
        content = client.get("/results/2014/quan/?sort=-total").content.decode()
        english = client.get("/en/results/2014/quan/?sort=-total").content.decode()

        switch = re.search(r'<span class="language-switch">(.*?)</span>', content, re.S)
        assert switch and 'href="/en/results/2014/quan/?sort=-total"' in switch.group(1)
        back = re.search(r'<span class="language-switch">(.*?)</span>', english, re.S)
        assert back and 'href="/results/2014/quan/?sort=-total"' in back.group(1)
        assert "csrfmiddlewaretoken" not in content and "<form" not in switch.group(1)

    def test_working_pages_still_follow_the_cookie_of_the_language_form(
        self, published, client, admin_user
    ):
        client.force_login(admin_user)
        client.post(reverse("set_language"), {"language": "en", "next": "/"})

        response = client.get(reverse("rankings:scoring", args=[2014]))

        assert '<html lang="en">' in response.content.decode()
        assert '<html lang="vi">' in client.get("/").content.decode()


class TestBlockPage:
    url = "/results/2014/quan/"

    def test_the_ranking_lists_rank_unit_groups_total_index_grade_and_change(
        self, published, client
    ):
        rows = rows_of(client.get(self.url), "ranking")

        not_ranked = "Không được xếp hạng (không có báo cáo tự đánh giá được phê duyệt)"
        assert rows == [
            [
                "1",
                "Quận Hoàn Kiếm",
                "40,00",
                "30,00",
                "20,00",
                "10,00",
                "100,00",
                "1,0000",
                "Tốt",
                "▲ 2",
            ],
            [
                "2",
                "Quận Đống Đa",
                "30,00",
                "15,00",
                "15,00",
                "10,00",
                "70,00",
                "0,7000",
                "Khá",
                "=",
            ],
            [
                "3",
                "Quận Ba Đình",
                "20,00",
                "0,00",
                "10,00",
                "0,00",
                "30,00",
                "0,3000",
                "Yếu",
                "▼ 2",
            ],
            ["–", "Quận Tây Hồ", not_ranked],
        ]

    def test_the_compiled_ranking_reads_what_the_orm_query_reads(self, published):
        publication = selectors.publication_of(2014)
        assert publication is not None

        rows = selectors.block_ranking(publication, "quan")

        expected = selectors.block_ranking_queryset(publication.pk, "quan")
        assert [tuple(row) for row in rows] == list(expected)
        assert rows[0].total == Decimal("100.00") and str(rows[0].total) == "100.00"
        assert rows[-1].rank is None and rows[-1].unit_name == "Quận Tây Hồ"
        assert selectors.block_ranking(publication, "xa") != rows

    def test_the_footer_has_the_averages_of_the_ranked_units(self, published, client):
        response = client.get(self.url)

        averages = response.context["averages"]
        assert averages.ranked == 3
        assert averages.group_points == (
            Decimal("30.00"),
            Decimal("15.00"),
            Decimal("15.00"),
            Decimal("6.67"),
        )
        assert (averages.total, averages.index) == (Decimal("66.67"), Decimal("0.6667"))
        assert "66,67" in response.content.decode()

    @pytest.mark.parametrize(
        ("sort", "order"),
        [
            ("-total", ["Quận Hoàn Kiếm", "Quận Đống Đa", "Quận Ba Đình"]),
            ("total", ["Quận Ba Đình", "Quận Đống Đa", "Quận Hoàn Kiếm"]),
            ("unit", ["Quận Ba Đình", "Quận Đống Đa", "Quận Hoàn Kiếm"]),
            ("-change", ["Quận Hoàn Kiếm", "Quận Đống Đa", "Quận Ba Đình"]),
            ("-iii", ["Quận Hoàn Kiếm", "Quận Đống Đa", "Quận Ba Đình"]),
            ("nonsense", ["Quận Hoàn Kiếm", "Quận Đống Đa", "Quận Ba Đình"]),
        ],
    )
    def test_the_table_sorts_by_any_column_and_keeps_unranked_units_last(
        self, published, client, sort, order
    ):
        rows = rows_of(client.get(self.url, {"sort": sort}), "ranking")

        assert [row[1] for row in rows] == [*order, "Quận Tây Hồ"]

    def test_the_sorted_column_is_announced_and_its_link_reverses_the_order(
        self, published, client
    ):
        content = client.get(self.url, {"sort": "-total"}).content.decode()

        heading = re.search(
            r'<th scope="col" class="num" aria-sort="descending"><a href="([^"]+)"', content
        )
        assert heading and heading.group(1) == "?sort=total"  # fmt: skip

    def test_the_other_blocks_are_one_link_away(self, published, client):
        content = client.get(self.url).content.decode()

        assert f'href="{reverse("rankings:block", args=[2014, "xa"])}"' in content

    def test_each_language_links_to_its_own_pages_whichever_was_served_first(
        self, published, client
    ):
        english = client.get("/en" + self.url).content.decode()
        vietnamese = client.get(self.url).content.decode()
        english_again = client.get("/en" + self.url).content.decode()

        for page, prefix in ((english, "/en"), (vietnamese, ""), (english_again, "/en")):
            assert f'href="{prefix}/results/2014/quan/download.csv"' in page
            assert f'href="{prefix}/results/2014/xa/"' in page
            assert f'<a class="brand" href="{prefix}/">' in page
        assert 'href="/results/2014/quan/download.csv"' not in english

    def test_an_unknown_block_or_year_is_not_found(self, published, client):
        assert client.get("/results/2014/nowhere/").status_code == 404
        assert client.get("/results/2012/quan/").status_code == 404


class TestUnitPage:
    url = "/units/quan-hoan-kiem/"

    def test_the_profile_lists_every_published_year(self, published, client):
        response = client.get(self.url)

        assert response.status_code == 200
        history = [
            (y.result.period.year, y.result.rank, y.result.total)
            for y in response.context["history"]
        ]
        assert history == [(2013, 3, Decimal("55.00")), (2014, 1, Decimal("100.00"))]

    def test_the_chart_labels_every_years_point(self, published, client):
        content = client.get(self.url).content.decode()

        svg = re.search(r'<svg [^>]*role="img"[^>]*>(.*?)</svg>', content, re.S)
        assert svg
        labels = re.findall(r'<text class="point"[^>]*>([^<]+)</text>', svg.group(1))
        assert labels == ["55,00%", "100,00%"]

    def test_group_scores_stand_beside_the_block_average(self, published, client):
        groups = client.get(self.url).context["groups"]

        assert [(g["code"], g["points"], g["average"]) for g in groups] == [
            ("I", Decimal("40.00"), Decimal("30.00")),
            ("II", Decimal("30.00"), Decimal("15.00")),
            ("III", Decimal("20.00"), Decimal("15.00")),
            ("IV", Decimal("10.00"), Decimal("6.67")),
        ]

    def test_a_unit_without_published_results_is_not_found(self, published, client):
        assert client.get("/units/no-such-unit/").status_code == 404


class TestMethodology:
    def test_the_methodology_lists_the_frameworks_indicators_and_maxima(self, published, client):
        response = client.get(reverse("rankings:methodology", args=[2014]))

        assert response.status_code == 200
        indicators = rows_of(response, "indicators")
        assert [row[0] for row in indicators] == ["I.1"]  # group I's table
        text = visible_text(response)
        for code in ("I.1", "II.4", "III.1", "IV.1"):
            assert code in text
        assert "80%" in text and "65%" in text and "50%" in text

    def test_the_worked_examples_are_written_by_the_scoring_code(self, published, client):
        content = client.get(reverse("rankings:methodology", args=[2014])).content.decode()

        assert "<code>40 × 45 / 50 = 36.00</code>" in content  # rate
        assert "<code>30 × 3 / 6 = 15.00</code>" in content  # count
        assert "<code>10 × 1 = 10.00</code>" in content  # yes/no
        assert "<code>10 = 10.00</code>" in content  # scale: half of 20

    def test_the_block_maxima_are_the_ones_the_results_were_scored_with(self, published, client):
        response = client.get(reverse("rankings:methodology", args=[2014]))

        maxima = {b["code"]: Decimal(b["maximum"]) for b in response.context["blocks"]}
        results = published.publication(2014).results.select_related("block")
        assert {r.block.code: r.maximum for r in results} == maxima

    def test_the_tie_rule_is_shown_with_ranks_computed_by_the_rules(self, published, client):
        response = client.get(reverse("rankings:methodology", args=[2014]))

        assert response.context["tie_example"] == {"A": 1, "B": 1, "C": 3}


class TestVersions:
    @pytest.fixture
    def corrected(self, published):
        Answer.objects.filter(
            submission__period__year=2014,
            submission__unit__code="quan-dong-da",
            indicator__code="IV.1",
        ).update(reviewer_value_yes=False, reviewer_reason="Chưa ban hành kế hoạch")
        score_period(period=published.periods[2014])
        publish_period(
            period=published.periods[2014],
            actor=published.admin,
            note="Sửa chỉ tiêu IV.1 của Quận Đống Đa.",
        )
        return published

    def test_the_pages_show_the_current_version_and_its_note(self, corrected, client):
        response = client.get("/results/2014/")

        assert response.context["publication"].version == 2
        assert "Sửa chỉ tiêu IV.1 của Quận Đống Đa." in visible_text(response)
        rows = rows_of(client.get("/results/2014/quan/"), "ranking")
        assert rows[1][1:8] == [
            "Quận Đống Đa",
            "30,00",
            "15,00",
            "15,00",
            "0,00",
            "60,00",
            "0,6000",
        ]

    def test_the_earlier_version_stays_readable_with_a_notice(self, corrected, client):
        response = client.get("/results/2014/quan/", {"version": 1})

        assert response.status_code == 200
        assert response.context["publication"].version == 1
        assert rows_of(response, "ranking")[1][6] == "70,00"
        assert "đã được đính chính" in visible_text(response)
        home = client.get("/results/2014/", {"version": 1}).content.decode()
        assert 'href="/results/2014/quan/?version=1"' in home

    @pytest.mark.parametrize("version", ["3", "0", "x", "99999999"])
    def test_a_version_that_does_not_exist_is_not_found(self, corrected, client, version):
        assert client.get("/results/2014/", {"version": version}).status_code == 404


def test_the_healthz_view_answers_without_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200 and response.content == b"ok\n"
    assert not response.cookies


def test_readyz_answers_ok_while_the_database_answers(db, client):
    response = client.get("/readyz")

    assert response.status_code == 200 and response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store" and not response.cookies


def test_readyz_answers_503_while_the_database_is_unreachable(db, client):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", refuse)
        response = client.get("/readyz")

    assert response.status_code == 503 and response.content == b"database unavailable\n"
    assert response["Retry-After"] == "10"
