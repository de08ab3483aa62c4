"""The proposal on the demo data reproduces the published 2014 commendations (DOMAIN.md §5–6)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from assessments.models import Period
from awards import services
from awards.management.commands.export_awards import COLUMNS
from awards.models import Award, AwardEvent, Category

pytestmark = pytest.mark.usefixtures("demo_db")


def proposed(category: str) -> list[Award]:
    return list(
        Award.objects.filter(period__year=2014, category=category)
        .select_related("unit")
        .order_by("position")
    )


@pytest.fixture
def period_2014(undecided_2014) -> Period:
    period = Period.objects.get(year=2014)
    services.propose_awards(period=period)
    return period


def test_2014_proposes_19_merit_4_online_and_6_most_improved_awards(period_2014):
    assert len(proposed(Category.BANG_KHEN)) == 19
    assert len(proposed(Category.DICH_VU_CONG)) == 4
    assert len(proposed(Category.TIEN_BO)) == 6


def test_the_first_most_improved_unit_rose_five_places_and_that_is_the_largest_rise(period_2014):
    improved = proposed(Category.TIEN_BO)

    assert improved[0].why["rank_change"] == 5
    assert max(a.why["rank_change"] for a in improved) == 5


def test_no_unit_receives_two_awards(period_2014):
    units = list(Award.objects.filter(period=period_2014).values_list("unit_id", flat=True))

    assert len(units) == len(set(units)) == 29


def test_each_category_follows_its_order_in_the_rules(period_2014):
    merit = proposed(Category.BANG_KHEN)
    assert all(a.why["grade"] == "tot" for a in merit)
    keys = [(-Decimal(a.why["index"]), a.unit.name) for a in merit]
    assert keys == sorted(keys)

    online = proposed(Category.DICH_VU_CONG)
    assert all(Decimal(a.why["level34_services"]) > 0 for a in online)
    keys = [
        (-Decimal(a.why["online_share"]), -Decimal(a.why["index"]), a.unit.name) for a in online
    ]
    assert keys == sorted(keys)

    improved = proposed(Category.TIEN_BO)
    assert all(a.why["grade"] != "tot" and a.why["rank_change"] >= 1 for a in improved)
    keys = [(-a.why["rank_change"], -Decimal(a.why["index_gain"]), a.unit.name) for a in improved]
    assert keys == sorted(keys)


def test_proposing_again_changes_nothing_and_keeps_decisions(period_2014, admin_user):
    award = proposed(Category.BANG_KHEN)[0]
    services.reject_award(award=award, actor=admin_user, reason="Hồ sơ chưa đầy đủ")

    outcome = services.propose_awards(period=period_2014)

    assert (outcome.created, outcome.updated, outcome.removed) == (0, 0, 0)
    award.refresh_from_db()
    assert award.status == Award.Status.REJECTED
    assert Award.objects.filter(period=period_2014).count() == 29


def test_export_awards_writes_the_columns_in_order_as_csv_and_json(period_2014):
    out = io.StringIO()
    call_command("export_awards", "2014", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == [
        "category",
        "unit_code",
        "unit_name",
        "block_code",
        "rank",
        "index",
        "rank_change",
        "status",
    ]
    assert len(rows) == 30
    assert rows[1][0] == "bang_khen" and rows[1][-1] == "proposed"
    assert [r[0] for r in rows[1:]] == ["bang_khen"] * 19 + ["dich_vu_cong"] * 4 + ["tien_bo"] * 6

    out = io.StringIO()
    call_command("export_awards", "2014", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert list(data[0]) == COLUMNS
    assert data[-1]["category"] == "tien_bo"


def test_propose_awards_command_is_idempotent(undecided_2014):
    out = io.StringIO()
    call_command("propose_awards", "2014", stdout=out)
    call_command("propose_awards", "2014", stdout=out)

    assert "2014: 29 proposed" in out.getvalue()
    assert "2014: 0 proposed, 0 changed, 0 withdrawn" in out.getvalue()


def test_load_demo_awards_confirms_the_2014_awards_once_with_a_placeholder_decision(
    undecided_2014,
):
    assert services.load_demo_awards(year=2014) == 29
    assert services.load_demo_awards(year=2014) == 0

    confirmed = list(Award.objects.filter(period__year=2014).confirmed().in_list_order())
    assert len(confirmed) == 29
    assert [a.register_number for a in confirmed] == list(range(1, 30))
    assert "số minh họa" in confirmed[0].decision_number
    assert confirmed[0].signatory_title.splitlines() == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert confirmed[0].signatory_name == "Lê Hồng Sơn"
    assert AwardEvent.objects.filter(action=AwardEvent.Action.CONFIRMED).count() == 29
