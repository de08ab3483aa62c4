"""Public pages are cacheable, never show anything unpublished, and make constant queries."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Block, Period, Submission, Unit
from rankings.models import Result
from rankings.services import publish_period, score_period
from tests import factories
from tests.rankings.conftest import make_year

PUBLIC_URLS = [
    "/",
    "/en/",
    "/results/2014/",
    "/results/2013/",
    "/results/2014/quan/",
    "/en/results/2014/xa/",
    "/units/quan-hoan-kiem/",
    "/results/2014/methodology/",
    "/search/?q=quan",
    "/results/2014/download.csv",
    "/results/2014/download.json",
    "/results/2014/download.xlsx",
    "/results/2014/quan/download.csv",
]
# Where the crawl does not go: working pages, behind a login.
PRIVATE_PREFIXES = (
    "/admin/",
    "/accounts/",
    "/my/",
    "/review/",
    "/manage/",
    "/i18n/",
    "/en/manage/",
)


class TestCaching:
    @pytest.mark.parametrize("url", PUBLIC_URLS)
    def test_a_public_response_sets_no_cookie_and_does_not_vary_by_cookie(
        self, published, client, url
    ):
        client.cookies["django_language"] = "en"

        response = client.get(url)

        assert response.status_code == 200
        assert not response.cookies
        assert "Set-Cookie" not in response.headers
        assert "cookie" not in response.get("Vary", "").lower()

    @pytest.mark.parametrize("url", PUBLIC_URLS)
    def test_a_public_response_is_cacheable_by_anyone_with_an_etag(self, published, client, url):
        response = client.get(url)

        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"public", "max-age=300"} <= cache_control
        assert response.has_header("ETag")

    def test_a_logged_in_visitor_gets_the_same_cookieless_public_page(
        self, published, client, officer
    ):
        client.force_login(officer)

        response = client.get("/results/2014/quan/")

        assert not response.cookies and "cookie" not in response.get("Vary", "").lower()
        assert "officer" not in response.content.decode()

    def test_a_request_with_the_current_etag_gets_304_without_a_body(self, published, client):
        etag = client.get("/results/2014/quan/")["ETag"]

        response = client.get("/results/2014/quan/", headers={"if-none-match": etag})

        assert response.status_code == 304
        assert response.content == b""
        assert "public" in response["Cache-Control"]

    def test_the_etag_differs_between_languages(self, published, client):
        assert client.get("/")["ETag"] != client.get("/en/")["ETag"]

    def test_a_new_published_version_changes_the_etag_and_the_page(self, published, client):
        before = client.get("/results/2014/quan/")
        Result.objects.filter(period__year=2014, unit__code="quan-ba-dinh").update(
            total=Decimal("31.00")
        )
        publish_period(period=published.periods[2014], actor=published.admin, note="Sửa tổng.")

        after = client.get("/results/2014/quan/", headers={"if-none-match": before["ETag"]})

        assert after.status_code == 200
        assert after["ETag"] != before["ETag"]
        assert "31,00" in after.content.decode() and "31,00" not in before.content.decode()

    def test_a_rendered_page_is_served_from_the_cache_without_a_query(
        self, published, client, django_assert_num_queries
    ):
        first = client.get("/results/2014/quan/")

        with django_assert_num_queries(0):  # the publication state is kept for a few seconds
            second = client.get("/results/2014/quan/")

        assert second.content == first.content

    def test_parameters_the_page_does_not_read_share_its_cached_copy(
        self, published, client, django_assert_num_queries
    ):
        first = client.get("/results/2014/quan/")

        with django_assert_num_queries(0):
            tagged = client.get("/results/2014/quan/?utm_source=zalo&fbclid=1")

        assert tagged.content == first.content

    def test_a_sorted_table_is_its_own_page_in_the_cache(self, published, client):
        by_rank = client.get("/results/2014/quan/").content.decode()

        by_name = client.get("/results/2014/quan/?sort=-unit").content.decode()

        assert by_name != by_rank
        names = [by_name.index(name) for name in ("Quận Hoàn Kiếm", "Quận Đống Đa", "Quận Ba Đình")]
        assert names == sorted(names)

    def test_with_the_page_cache_off_every_request_renders_from_the_database(
        self, published, client, settings, django_assert_num_queries
    ):
        settings.PUBLIC_PAGE_CACHE = False
        client.get("/results/2014/quan/")

        with CaptureQueriesContext(connection) as queries:
            second = client.get("/results/2014/quan/")

        # One query: the block's rows. Which version is current comes from the publication
        # state, the blocks from the version's frozen methodology, the averages are kept.
        assert second.status_code == 200
        assert [q["sql"] for q in queries.captured_queries if "publishedresult" in q["sql"]]
        assert len(queries) == 1

    def test_with_the_page_cache_off_a_new_version_shows_at_once_and_the_old_one_stays(
        self, published, client, settings
    ):
        settings.PUBLIC_PAGE_CACHE = False
        assert "31,00" not in client.get("/results/2014/quan/").content.decode()
        Result.objects.filter(period__year=2014, unit__code="quan-ba-dinh").update(
            total=Decimal("31.00")
        )
        publish_period(period=published.periods[2014], actor=published.admin, note="Sửa tổng.")

        current = client.get("/results/2014/quan/").content.decode()
        first = client.get("/results/2014/quan/?version=1").content.decode()

        assert "31,00" in current and "đã được đính chính" not in current
        assert "31,00" not in first and "đã được đính chính" in first

    def test_rescoring_without_publishing_does_not_change_the_page(self, published, client):
        before = client.get("/results/2014/quan/")
        Result.objects.filter(period__year=2014, unit__code="quan-ba-dinh").update(
            total=Decimal("31.00")
        )
        cache.clear()

        after = client.get("/results/2014/quan/")

        assert after["ETag"] == before["ETag"] and after.content == before.content


SECRETS = ("Phường Chưa Công Bố", "Phường Bản Nháp", "2015", "2016")


@pytest.fixture
def unpublished(published):
    """Beside the published years: 2015 scored but not published (with a unit that took part
    in 2015 only), a draft submission of another unit, and a 2016 period still a draft."""
    block = published.blocks["districts"]
    secret = assessment_services.save_unit(
        unit=factories.make_unit(block, code="phuong-chua-cong-bo", name="Phường Chưa Công Bố")
    )
    drafting = assessment_services.save_unit(
        unit=factories.make_unit(block, code="phuong-ban-nhap", name="Phường Bản Nháp")
    )
    period, indicators = make_year(2015, published.blocks, published.units, 2)
    factories.make_participation(period, secret)
    submission = factories.make_submission(secret, period, Submission.Status.APPROVED)
    factories.make_answer(submission, indicators["IV.1"], value_yes=True)
    factories.make_participation(period, drafting)
    factories.make_submission(drafting, period, Submission.Status.DRAFT)
    score_period(period=period)
    factories.make_period(2016)
    assert Period.objects.get(year=2015).state == Period.State.SCORED
    return published


def crawl(client, start: list[str]) -> dict[str, bytes]:
    """Every public URL reachable by links from ``start``: URL → body."""
    seen: dict[str, bytes] = {}
    queue = list(start)
    while queue:
        url = queue.pop()
        if url in seen or url.startswith(PRIVATE_PREFIXES):
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = response.content
        if not response["Content-Type"].startswith("text/html"):
            continue
        for href in re.findall(r'href="([^"#]+)"', response.content.decode()):
            href = href.replace("&amp;", "&")
            target = urlsplit(urljoin(url, href))
            if target.netloc or target.path.startswith("/static/"):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen


def test_nothing_unpublished_is_reachable_from_any_public_page_download_or_search(
    unpublished, client
):
    pages = crawl(client, ["/", "/en/", "/search/?q=phuong", "/search/?q=quan"])

    assert len(pages) > 30
    assert any(url.endswith("download.xlsx") for url in pages)
    for url, body in pages.items():
        if url.endswith(".xlsx"):
            continue  # a zip; the same rows as the CSV, checked there
        text = body.decode()
        for secret in SECRETS:
            assert secret not in text, (url, secret)
        # Not even the status of a submission: a not-ranked unit shows no workflow reason.
        assert "bản nháp" not in text.lower() and "draft" not in text.lower(), url


@pytest.mark.parametrize(
    "url",
    [
        "/results/2015/",
        "/en/results/2015/",
        "/results/2015/quan/",
        "/results/2015/methodology/",
        "/results/2015/download.csv",
        "/results/2015/download.json",
        "/results/2015/quan/download.xlsx",
        "/results/2016/",
        "/units/phuong-chua-cong-bo/",
        "/units/phuong-ban-nhap/",
    ],
)
def test_the_urls_of_unpublished_results_are_not_found(unpublished, client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("query", ["chua cong bo", "Chưa Công Bố", "ban nhap"])
def test_the_search_does_not_find_units_without_published_results(unpublished, client, query):
    response = client.get("/search/", {"q": query})

    assert response.context["hits"] == []


def test_a_unit_profile_lists_published_years_only(unpublished, client):
    years = [y.result.period.year for y in client.get("/units/quan-hoan-kiem/").context["history"]]

    assert years == [2013, 2014]


# --- constant queries ---------------------------------------------------------------------------


def publish_many(year: int, count: int, admin) -> None:
    """``count`` units in two blocks, with results, scored and published (bulk, no answers)."""
    blocks = [
        Block.objects.get_or_create(code="many", defaults={"name_vi": "Khối lớn", "order": 1})[0],
        Block.objects.get_or_create(code="other", defaults={"name_vi": "Khối khác", "order": 2})[0],
    ]
    period = factories.make_period(year, state=Period.State.SCORED)
    units = Unit.objects.bulk_create(
        Unit(
            code=f"u{year}-{i:04d}",
            name=f"Đơn vị {year} số {i:04d}",
            search_name=f"don vi {year} so {i:04d}",
            block=blocks[i % 2],
        )
        for i in range(count)
    )
    results = []
    for block_index, block in enumerate(blocks):
        members = [u for i, u in enumerate(units) if i % 2 == block_index]
        for rank, unit in enumerate(members, start=1):
            total = Decimal(100) - Decimal(rank) * Decimal("0.05")
            grade = "tot" if total >= 80 else "kha" if total >= 65 else "trung_binh"
            results.append(
                Result(
                    period=period,
                    unit=unit,
                    block=block,
                    group_i=Decimal("20"),
                    group_ii=total - 50,
                    group_iii=Decimal("15"),
                    group_iv=Decimal("15"),
                    total=total,
                    maximum=Decimal(100),
                    index=(total / 100).quantize(Decimal("0.0001")),
                    percent=total,
                    grade=grade,
                    rank=rank,
                    rank_change=rank % 3 - 1,
                    scored_at=timezone.now(),
                )
            )
    Result.objects.bulk_create(results, batch_size=2000)
    publish_period(period=period, actor=admin)


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(lambda year: "/", id="home"),
        pytest.param(lambda year: f"/results/{year}/many/", id="block"),
        pytest.param(lambda year: f"/units/u{year}-0001/", id="unit"),
        pytest.param(lambda year: f"/results/{year}/", id="period"),
        pytest.param(lambda year: f"/search/?q=don+vi+{year}", id="search"),
    ],
)
def test_public_pages_make_as_many_queries_for_1000_units_as_for_10(
    db, client, admin_user, django_assert_num_queries, page
):
    publish_many(2013, 10, admin_user)
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert client.get(page(2013)).status_code == 200
    publish_many(2014, 1000, admin_user)
    cache.clear()

    with django_assert_num_queries(len(small)):
        response = client.get(page(2014))

    assert response.status_code == 200
    assert len(small) <= 8
