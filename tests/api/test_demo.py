"""On the demo data, the API tells what was published for 2014 (DOMAIN.md §5 and §6)."""

from __future__ import annotations

from collections import Counter

from assessments.models import OfficerMembership
from tests.api.conftest import token_client

# DOMAIN.md §5: block → (Tốt, Khá, Trung bình, Yếu)
PUBLISHED_2014 = {
    "so-nganh": (6, 13, 3, 0),
    "hiep-quan": (5, 1, 2, 1),
    "quan-thi-xa": (3, 10, 0, 0),
    "huyen": (0, 17, 0, 0),
    "phuong-thi-tran": (6, 23, 0, 0),
    "xa": (0, 17, 4, 0),
}


def test_the_2014_results_reproduce_the_published_table(demo_db, db, api):
    body = api.get("/api/v1/results/", {"year": 2014, "page_size": 500}).json()

    assert body["count"] == 111
    counts = Counter((row["block"], row["grade"]) for row in body["results"])
    table = {
        block: tuple(counts[(block, grade)] for grade in ("tot", "kha", "trung_binh", "yeu"))
        for block in PUBLISHED_2014
    }
    assert table == PUBLISHED_2014


def test_the_2014_awards_are_the_published_commendations(demo_db, db, api):
    body = api.get("/api/v1/awards/", {"year": 2014, "page_size": 100}).json()

    assert Counter(award["category"] for award in body["results"]) == {
        "bang_khen": 19,
        "dich_vu_cong": 4,
        "tien_bo": 6,
    }
    assert max(award["rank_change"] or 0 for award in body["results"]) == 5


def test_the_open_2015_period_is_not_public_and_its_work_is_the_officers(demo_db, db, api):
    assert [p["year"] for p in api.get("/api/v1/periods/").json()["results"]] == [2014, 2013]
    officer = OfficerMembership.objects.get(user__username="canbo-sotttt").user
    mine = token_client(officer).get("/api/v1/submissions/", {"year": 2015}).json()["results"]
    assert [(s["unit"]["name"], s["status"]) for s in mine] == [
        ("Sở Thông tin và Truyền thông", "draft")
    ]
