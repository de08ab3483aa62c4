"""The public resources show what is published and nothing else."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services as assessment_services
from assessments.models import Answer, Indicator, Period
from awards.models import Award
from rankings.models import PublishedResult, Result
from rankings.selectors import EXPORT_COLUMNS
from rankings.services import publish_period, score_period
from tests import factories

PUBLIC_LISTS = [
    "/api/v1/periods/",
    "/api/v1/blocks/",
    "/api/v1/units/",
    "/api/v1/frameworks/",
    "/api/v1/results/",
    "/api/v1/awards/",
]


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_periods_are_the_published_ones_only(api, history, draft):
    listed = results(api.get("/api/v1/periods/"))

    assert [(p["year"], p["state"], p["version"]) for p in listed] == [(2013, "published", 1)]
    assert api.get("/api/v1/periods/2013/").json()["version"] == 1
    assert api.get("/api/v1/periods/2014/").status_code == 404  # scored, not published
    assert api.get("/api/v1/periods/2015/").status_code == 404  # open


def test_the_results_are_the_current_version_of_published_periods(api, history):
    listed = results(api.get("/api/v1/results/"))

    assert {row["year"] for row in listed} == {2013}
    ranking = [(r["block"], r["rank"], r["unit"]) for r in listed]
    assert ranking == [
        ("test-so-nganh", 1, "test-so-noi-vu"),
        ("test-so-nganh", 2, "test-so-tai-chinh"),
        ("test-xa", 1, "test-xa-co-loa"),
    ]
    published = PublishedResult.objects.get(unit__code="test-so-noi-vu")
    first = listed[0]
    assert Decimal(first["total"]) == published.total
    assert first["grade"] == published.grade
    assert results(api.get("/api/v1/results/", {"year": 2014})) == []


def test_a_correction_scored_but_not_published_does_not_reach_the_api(api, history, admin_user):
    answers = Answer.objects.filter(
        submission__period=history.published, submission__unit__code="test-so-tai-chinh"
    )
    answers.filter(indicator__code="I.1").update(numerator=50)
    answers.filter(indicator__code="I.2").update(value_yes=True)
    answers.filter(indicator__code="II.1").update(count=9)
    answers.filter(indicator__code="II.2").update(points=Decimal("4"))
    score_period(period=history.published)  # the working results change...
    working = Result.objects.get(period=history.published, unit__code="test-so-tai-chinh")
    assert working.rank == 1

    listed = results(api.get("/api/v1/results/", {"unit": "test-so-tai-chinh"}))

    assert [(r["rank"], r["version"]) for r in listed] == [(2, 1)]  # ...the published do not
    publish_period(period=history.published, actor=admin_user, note="Sửa I.1 của Sở Tài chính")
    listed = results(api.get("/api/v1/results/", {"unit": "test-so-tai-chinh"}))
    assert [(r["rank"], r["version"]) for r in listed] == [(1, 2)]


@pytest.mark.parametrize(
    ("query", "units"),
    [
        ({"block": "test-xa"}, ["test-xa-co-loa"]),
        ({"block": "test-so-nganh", "ordering": "-rank"}, ["test-so-tai-chinh", "test-so-noi-vu"]),
        ({"ordering": "unit"}, ["test-so-noi-vu", "test-so-tai-chinh", "test-xa-co-loa"]),
        ({"year": 2013, "unit": "test-xa-co-loa"}, ["test-xa-co-loa"]),
    ],
)
def test_the_results_are_filtered_and_ordered_as_asked(api, history, query, units):
    assert [r["unit"] for r in results(api.get("/api/v1/results/", query))] == units


def test_the_results_are_filtered_by_grade(api, history):
    grades = {r.unit.code: r.grade for r in PublishedResult.objects.select_related("unit")}
    grade = grades["test-so-noi-vu"]

    listed = results(api.get("/api/v1/results/", {"grade": grade}))

    assert sorted(r["unit"] for r in listed) == sorted(c for c, g in grades.items() if g == grade)
    assert api.get("/api/v1/results/", {"grade": "xuat-sac"}).status_code == 400


def test_a_bad_filter_value_is_a_400_that_says_which(api, history):
    response = api.get("/api/v1/results/", {"year": "last"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "year" in body["errors"]


def test_the_csv_export_is_the_open_data_download(api, client, history):
    exported = api.get("/api/v1/results/export/", {"year": 2013, "format": "csv"})
    download = client.get("/results/2013/download.csv")

    assert exported.status_code == 200
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ket-qua-xep-hang-2013.csv"' in exported["Content-Disposition"]
    assert exported.content == download.content
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0] == EXPORT_COLUMNS
    assert [row[1] for row in rows[1:]] == ["test-so-noi-vu", "test-so-tai-chinh", "test-xa-co-loa"]


def test_the_json_export_is_the_open_data_download_and_follows_the_filters(api, client, history):
    exported = api.get("/api/v1/results/export/", {"year": 2013, "block": "test-xa"})
    download = client.get("/results/2013/test-xa/download.json")

    assert exported.status_code == 200
    assert exported.json() == json.loads(download.content)
    assert [row["unit_code"] for row in exported.json()] == ["test-xa-co-loa"]


def test_an_export_needs_a_published_year(api, history):
    missing = api.get("/api/v1/results/export/", {"format": "csv"})
    unpublished = api.get("/api/v1/results/export/", {"year": 2014, "format": "csv"})

    assert missing.status_code == 400
    assert missing["Content-Type"] == "application/json"  # errors stay JSON
    assert "year" in missing.json()["errors"]
    assert unpublished.status_code == 404


def test_the_units_are_those_with_published_results_and_their_block_each_year(
    api, history, period, block
):
    newcomer = factories.make_unit(block, code="test-so-moi", name="Sở Mới")
    factories.make_participation(period, newcomer)  # takes part in 2015 only

    listed = results(api.get("/api/v1/units/"))

    assert [u["code"] for u in listed] == ["test-so-noi-vu", "test-so-tai-chinh", "test-xa-co-loa"]
    assert listed[0]["years"] == [{"year": 2013, "block": "test-so-nganh"}]
    assert api.get("/api/v1/units/test-so-moi/").status_code == 404


def test_a_unit_shows_its_published_result_of_each_year_only(api, history):
    unit = api.get("/api/v1/units/test-so-noi-vu/").json()

    assert unit["name"] == "Sở Nội vụ"
    assert [(r["year"], r["rank"]) for r in unit["results"]] == [(2013, 1)]


def test_units_are_found_by_name_without_diacritics_and_by_block_and_year(api, history):
    for unit in (history.confirmed.unit, history.proposed.unit):
        assessment_services.save_unit(unit=unit)  # fills the search name

    assert [u["code"] for u in results(api.get("/api/v1/units/", {"q": "noi vu"}))] == [
        "test-so-noi-vu"
    ]
    by_block = results(api.get("/api/v1/units/", {"block": "test-xa", "year": 2013}))
    assert [u["code"] for u in by_block] == ["test-xa-co-loa"]
    assert results(api.get("/api/v1/units/", {"block": "test-xa", "year": 2014})) == []


def test_the_blocks_are_those_ranked_in_published_periods(api, history):
    listed = results(api.get("/api/v1/blocks/"))

    assert [(b["code"], b["years"]) for b in listed] == [
        ("test-so-nganh", [2013]),
        ("test-xa", [2013]),
    ]
    assert api.get("/api/v1/blocks/test-xa/").json()["name_vi"] == "Xã"
    assert api.get("/api/v1/blocks/khong-co/").status_code == 404


def test_the_framework_is_the_one_frozen_with_the_publication(api, history):
    # An admin edits the 2013 criteria after publication: the published framework stays.
    Indicator.objects.filter(framework__period=history.published, code="I.1").update(
        max_points=Decimal("9")
    )

    framework = api.get("/api/v1/frameworks/2013/").json()

    assert [g["code"] for g in framework["groups"]] == ["I", "II"]
    first = framework["groups"][0]["indicators"][0]
    assert (first["code"], first["kind"], first["max_points"]) == ("I.1", "rate", "5.00")
    assert {b["code"]: b["maximum"] for b in framework["blocks"]} == {
        "test-so-nganh": "14.00",
        "test-xa": "14.00",
    }
    assert framework["thresholds"] == {"tot": "80.00", "kha": "65.00", "trung_binh": "50.00"}
    assert api.get("/api/v1/frameworks/2014/").status_code == 404
    assert [f["year"] for f in results(api.get("/api/v1/frameworks/"))] == [2013]


def test_the_awards_are_the_confirmed_ones_of_published_periods(api, history):
    listed = results(api.get("/api/v1/awards/"))

    assert [(a["year"], a["unit"], a["category"]) for a in listed] == [
        (2013, "test-so-noi-vu", "bang_khen")
    ]
    assert listed[0]["decision_number"] == history.confirmed.decision_number
    # The verification code stays on the certificate.
    assert history.confirmed.verification_code not in json.dumps(listed)


def test_nothing_unpublished_appears_in_any_public_resource(api, history, draft, submitted):
    draft_answer = Answer.objects.create(
        submission=draft,
        indicator=Indicator.objects.get(framework__period__year=2015, code="I.1"),
        numerator=1,
        denominator=2,
        note="ghi chú nháp bí mật",
    )
    texts = []
    for url in PUBLIC_LISTS:
        response = api.get(url)
        assert response.status_code == 200
        texts.append(response.content.decode())
    everything = "\n".join(texts)

    assert draft_answer.note not in everything
    assert '"year":2014' not in everything and '"year":2015' not in everything
    assert "dich_vu_cong" not in everything  # the proposed award
    assert Period.objects.filter(year=2014, state=Period.State.SCORED).exists()


def test_public_resources_are_cacheable_and_carry_no_cookie_even_for_a_logged_in_user(
    client, history, officer
):
    client.force_login(officer)

    for url in PUBLIC_LISTS:
        response = client.get(url)
        assert response.status_code == 200
        assert "public" in response["Cache-Control"]
        assert "Cookie" not in response.get("Vary", "")
        assert not response.cookies


@pytest.mark.parametrize("url", PUBLIC_LISTS)
def test_public_resources_cannot_be_written(api, history, url):
    assert api.post(url, {}, format="json").status_code == 405


def test_a_page_past_the_last_is_a_404_and_the_page_size_can_be_chosen(api, history):
    two = api.get("/api/v1/results/", {"page_size": 2}).json()

    assert (two["count"], len(two["results"])) == (3, 2)
    assert two["next"].endswith("page=2&page_size=2")
    assert api.get("/api/v1/results/", {"page": 9}).status_code == 404


@pytest.mark.parametrize(
    ("url", "per_period"),
    [("/api/v1/results/", 0), ("/api/v1/units/", 0), ("/api/v1/awards/", 1)],
)
def test_a_public_list_needs_no_more_queries_for_more_units(
    api, history, block, admin_user, url, per_period
):
    api.get(url)
    with CaptureQueriesContext(connection) as few:
        api.get(url)
    # One more published period, with five more units, results and awards.
    period = factories.make_period(2012)
    framework = factories.make_framework(period, [block], [("I", "I.1", "yes_no", 4)])
    for n in range(5):
        unit = factories.make_unit(block, code=f"test-more-{n}")
        factories.make_participation(period, unit)
        submission = factories.make_submission(unit, period, "approved")
        factories.make_answer(submission, framework.indicators.get(), value_yes=True)
        Award.objects.create(
            period=period,
            unit=unit,
            category="bang_khen",
            status="confirmed",
            register_number=100 + n,
            decision_number="Số 1 (thử)",
        )
    score_period(period=period)
    publish_period(period=period, actor=admin_user)

    with CaptureQueriesContext(connection) as many:
        response = api.get(url, {"page_size": 100})

    assert response.json()["count"] >= 6
    assert len(many) == len(few) + per_period  # awards: one query per published period
