"""The award rules of DOMAIN.md §6 on plain data (no database)."""

from __future__ import annotations

from decimal import Decimal

from awards.selection import BANG_KHEN, DICH_VU_CONG, TIEN_BO, Candidate, Rule, select

RULES = [
    Rule(BANG_KHEN, 2, ["-index", "name"], 1),
    Rule(DICH_VU_CONG, 1, ["-online_share", "-index", "name"], 2),
    Rule(TIEN_BO, 1, ["-rank_change", "-index_gain", "name"], 3),
]


def unit(uid: int, name: str, grade: str = "kha", index: str = "0.7000", **fields) -> Candidate:
    return Candidate(
        unit_id=uid,
        unit_code=f"u{uid}",
        unit_name=name,
        block_code="so-nganh",
        grade=grade,
        index=Decimal(index),
        rank=uid,
        **fields,
    )


def codes(selection, category: str) -> list[str]:
    return [p.candidate.unit_code for p in selection.of(category)]


def test_merit_goes_to_good_units_by_index_then_name():
    chosen = select(
        [
            unit(1, "Sở B", "tot", "0.8500"),
            unit(2, "Sở A", "tot", "0.8500"),
            unit(3, "Sở C", "tot", "0.9000"),
            unit(4, "Sở D", "kha", "0.9500"),
            unit(5, "Sở E", "tot", "0.8000"),
        ],
        [Rule(BANG_KHEN, 3, ["-index", "name"], 1)],
    )

    assert codes(chosen, BANG_KHEN) == ["u3", "u2", "u1"]
    assert chosen.ties == []


def test_a_tie_across_the_quota_proposes_every_tied_unit_and_is_reported():
    chosen = select(
        [unit(1, "A", "tot", "0.9"), unit(2, "B", "tot", "0.8"), unit(3, "C", "tot", "0.8")],
        [RULES[0]],
    )

    assert codes(chosen, BANG_KHEN) == ["u1", "u2", "u3"]
    assert chosen.ties == [(BANG_KHEN, 2, ["u2", "u3"])]
    assert chosen.of(BANG_KHEN)[2].why["tied_over_quota"] is True


def test_no_tie_is_reported_when_the_quota_falls_between_different_indexes():
    chosen = select(
        [unit(1, "A", "tot", "0.9"), unit(2, "B", "tot", "0.85"), unit(3, "C", "tot", "0.8")],
        [RULES[0]],
    )

    assert codes(chosen, BANG_KHEN) == ["u1", "u2"]
    assert chosen.ties == []


def test_online_honour_needs_a_level_3_or_4_service_and_skips_units_already_awarded():
    online = {"online_max": Decimal(12)}
    chosen = select(
        [
            unit(
                1,
                "A",
                "tot",
                "0.9",
                online_points=Decimal(12),
                level34_services=Decimal(3),
                **online,
            ),
            unit(
                2,
                "B",
                "kha",
                "0.7",
                online_points=Decimal(11),
                level34_services=Decimal(0),
                **online,
            ),
            unit(
                3,
                "C",
                "kha",
                "0.6",
                online_points=Decimal(9),
                level34_services=Decimal(1),
                **online,
            ),
            unit(
                4,
                "D",
                "kha",
                "0.75",
                online_points=Decimal(9),
                level34_services=Decimal(2),
                **online,
            ),
        ],
        [Rule(BANG_KHEN, 1, ["-index", "name"], 1), Rule(DICH_VU_CONG, 2, RULES[1].ordering, 2)],
    )

    assert codes(chosen, BANG_KHEN) == ["u1"]
    # B has no level-3/4 service; D and C share 9/12, D has the higher index.
    assert codes(chosen, DICH_VU_CONG) == ["u4", "u3"]
    assert chosen.of(DICH_VU_CONG)[0].why["online_share"] == "0.7500"


def test_most_improved_is_below_good_ranked_last_year_and_sorted_by_rise_then_gain():
    chosen = select(
        [
            unit(1, "A", "tot", rank_change=7, index_gain=Decimal("0.1")),
            unit(2, "B", rank_change=3, index_gain=Decimal("0.02")),
            unit(3, "C", rank_change=3, index_gain=Decimal("0.05")),
            unit(4, "D", rank_change=None),
            unit(5, "E", rank_change=0, index_gain=Decimal("0.2")),
            unit(6, "F", rank_change=2, index_gain=Decimal("0.3")),
        ],
        [Rule(TIEN_BO, 3, RULES[2].ordering, 3)],
    )

    assert codes(chosen, TIEN_BO) == ["u3", "u2", "u6"]
    assert chosen.of(TIEN_BO)[0].why["rank_change"] == 3


def test_categories_are_filled_in_their_order_so_a_unit_gets_one_award():
    star = unit(
        1,
        "A",
        "tot",
        "0.95",
        online_points=Decimal(12),
        online_max=Decimal(12),
        level34_services=Decimal(5),
    )
    chosen = select([star], RULES)

    assert [p.category for p in chosen.proposals] == [BANG_KHEN]


def test_a_zero_quota_proposes_nobody():
    chosen = select([unit(1, "A", "tot", "0.9")], [Rule(BANG_KHEN, 0, ["-index", "name"], 1)])

    assert chosen.proposals == [] and chosen.ties == []
