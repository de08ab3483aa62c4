"""The real service on the real demo data reproduces the published 2014 results (DOMAIN.md §5)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from assessments.models import Answer, Evidence, Period, Submission
from rankings.models import Publication, PublishedResult, Result
from rankings.selectors import grade_table, published_grade_table

pytestmark = pytest.mark.usefixtures("demo_db")

PUBLISHED_2014 = {  # block: (Tốt, Khá, Trung bình, Yếu, total)
    "so-nganh": (6, 13, 3, 0, 22),
    "hiep-quan": (5, 1, 2, 1, 9),
    "quan-thi-xa": (3, 10, 0, 0, 13),
    "huyen": (0, 17, 0, 0, 17),
    "phuong-thi-tran": (6, 23, 0, 0, 29),
    "xa": (0, 17, 4, 0, 21),
}
ONLINE_CODES = ("II.6a", "II.6b", "II.6c")


def results_2014() -> list[Result]:
    return list(Result.objects.filter(period__year=2014).select_related("unit", "block"))


def points(result: Result, code: str) -> Decimal:
    return next((Decimal(e["points"]) for e in result.explanation if e["code"] == code), Decimal(0))


def test_scoring_2014_gives_exactly_the_published_block_by_grade_table(db):
    rows, overall = grade_table(Period.objects.get(year=2014))

    table = {row.block.code: (*row.grade_counts, row.total) for row in rows}
    assert table == PUBLISHED_2014
    assert (*overall.grade_counts, overall.total) == (20, 81, 9, 1, 111)


def test_every_2014_unit_is_ranked_without_ties_inside_its_block(db):
    results = results_2014()

    assert all(r.rank is not None for r in results)
    for block in PUBLISHED_2014:
        indexes = [r.index for r in results if r.block.code == block]
        assert len(indexes) == len(set(indexes)), block


def test_the_certificate_of_merit_quota_of_19_falls_between_two_different_indexes(db):
    tot = sorted(
        (r for r in results_2014() if r.grade == "tot"), key=lambda r: (-r.index, r.unit.name)
    )

    assert len(tot) == 20
    assert tot[18].index > tot[19].index


def test_four_online_service_honourees_stand_clear_of_the_fifth(db):
    results = results_2014()
    merit = {
        r.unit_id
        for r in sorted(
            (r for r in results if r.grade == "tot"), key=lambda r: (-r.index, r.unit.name)
        )[:19]
    }
    candidates = sorted(
        (r for r in results if r.unit_id not in merit and points(r, "II.6b") > 0),
        key=lambda r: (-sum(points(r, c) for c in ONLINE_CODES) / 12, -r.index, r.unit.name),
    )

    share = [sum(points(r, c) for c in ONLINE_CODES) / 12 for r in candidates]
    assert len(candidates) > 4
    assert share[3] > share[4]


def test_at_least_six_units_rose_and_the_best_riser_below_tot_rose_exactly_five_places(db):
    results = results_2014()
    risers = [r for r in results if r.rank_change is not None and r.rank_change >= 1]

    assert len(risers) >= 6
    assert max(r.rank_change for r in results if r.rank_change is not None) == 5
    index_2013 = dict(Result.objects.filter(period__year=2013).values_list("unit__code", "index"))

    def gain(r: Result) -> Decimal:
        return r.index - index_2013[r.unit.code]

    improved = sorted(
        (r for r in risers if r.grade != "tot"),
        key=lambda r: (-r.rank_change, -gain(r), r.unit.name),
    )
    assert improved[0].rank_change == 5
    assert len(improved) >= 7
    assert (improved[5].rank_change, gain(improved[5])) != (
        improved[6].rank_change,
        gain(improved[6]),
    )


def test_bac_and_nam_tu_liem_have_no_rank_change_because_tu_liem_was_a_rural_district(db):
    changes = dict(
        Result.objects.filter(
            period__year=2014, unit__code__in=["quan-bac-tu-liem", "quan-nam-tu-liem"]
        ).values_list("unit__code", "rank_change")
    )

    assert changes == {"quan-bac-tu-liem": None, "quan-nam-tu-liem": None}
    assert Result.objects.get(period__year=2013, unit__code="huyen-tu-liem").block.code == "huyen"


def test_the_demo_shows_missing_evidence_and_relative_counts_in_the_explanations(db):
    explanations = [e for r in results_2014() for e in r.explanation]

    missing = [e for e in explanations if e["rule"] == "missing_evidence"]
    assert missing and all(e["points"] == "0.00" for e in missing)
    counts = [e for e in explanations if e["kind"] == "count" and e["value"]]
    assert any(e["value"]["count"] > e["block_best"] for e in counts)  # raw best without evidence
    assert any(
        Decimal(e["points"]) == Decimal(e["max_points"]) / 2
        and e["value"]["count"] * 2 == e["block_best"]
        for e in counts
    )


def test_the_demo_has_reviewer_corrections_with_reasons_and_evidence_records(db):
    corrected = Answer.objects.filter(submission__period__year=2014).exclude(reviewer_reason="")

    assert corrected.count() >= 10
    assert Evidence.objects.filter(answer__submission__period__year=2014).count() > 2000
    assert (
        not Submission.objects.filter(period__year__lte=2014)
        .exclude(status=Submission.Status.APPROVED)
        .exists()
    )


def test_export_results_2014_matches_the_stored_results(db):
    out = io.StringIO()

    call_command("export_results", "2014", stdout=out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    stored = {r.unit.code: r for r in results_2014()}
    assert len(rows) == 111 == len(stored)
    for row in rows:
        result = stored[row["unit_code"]]
        assert row["block_code"] == result.block.code
        assert Decimal(row["total"]) == result.total
        assert Decimal(row["index"]) == result.index
        assert row["grade"] == result.grade
        assert int(row["rank"]) == result.rank
        assert row["rank_change"] == ("" if result.rank_change is None else str(result.rank_change))


def test_load_demo_a_second_time_changes_nothing(db):
    def snapshot():
        return (
            list(Result.objects.order_by("pk").values()),
            Answer.objects.count(),
            Evidence.objects.count(),
            Submission.objects.count(),
            Period.objects.get(year=2014).scoring_runs.count(),
            list(Publication.objects.order_by("pk").values()),
            PublishedResult.objects.count(),
        )

    before = snapshot()

    call_command("load_demo", stdout=io.StringIO())

    assert snapshot() == before


def test_the_demo_publishes_2013_and_2014_as_announced(db):
    publications = {
        p.period.year: p
        for p in Publication.objects.select_related("period").filter(is_current=True)
    }

    assert sorted(publications) == [2013, 2014]
    assert all(p.version == 1 for p in publications.values())
    assert publications[2014].published_at.date().isoformat() == "2015-07-19"
    assert Period.objects.get(year=2014).state == Period.State.PUBLISHED
    assert Period.objects.get(year=2015).state == Period.State.OPEN
    rows, overall = published_grade_table(publications[2014])
    assert {row.block.code: (*row.grade_counts, row.total) for row in rows} == PUBLISHED_2014
    assert (*overall.grade_counts, overall.total) == (20, 81, 9, 1, 111)


def test_a_newcomers_first_page_is_the_2014_announcement(db, client):
    response = client.get("/")

    assert response.status_code == 200
    assert response.context["period"].year == 2014
    table = {
        row.block.code: (*row.grade_counts, row.total) for row in response.context["grade_rows"]
    }
    assert table == PUBLISHED_2014
    assert "20" in response.content.decode() and "111" in response.content.decode()
