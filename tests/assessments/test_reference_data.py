"""The reference data: blocks, units, who took part in 2013 and 2014, and each year's criteria."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum

from assessments import services
from assessments.models import (
    Block,
    CriteriaGroup,
    Framework,
    GradeThresholdOverride,
    Indicator,
    Participation,
    Period,
    Unit,
)

BLOCK_CODES = ["so-nganh", "hiep-quan", "quan-thi-xa", "huyen", "phuong-thi-tran", "xa"]
UNITS_2014 = {  # DOMAIN.md §2, published
    "so-nganh": 22,
    "hiep-quan": 9,
    "quan-thi-xa": 13,
    "huyen": 17,
    "phuong-thi-tran": 29,
    "xa": 21,
}
BLOCK_MAXIMUM = {  # DOMAIN.md §3: wards, townships and communes have no I.6 and II.4
    "so-nganh": Decimal(100),
    "hiep-quan": Decimal(100),
    "quan-thi-xa": Decimal(100),
    "huyen": Decimal(100),
    "phuong-thi-tran": Decimal(92),
    "xa": Decimal(92),
}
GROUP_MAXIMUM = {"I": Decimal(25), "II": Decimal(45), "III": Decimal(15), "IV": Decimal(15)}


@pytest.fixture
def reference(db):
    return services.load_reference_data()


def membership(year: int) -> Counter[str]:
    """How many units take part in ``year``, by the block they are ranked in that year."""
    return Counter(
        Participation.objects.filter(period__year=year).values_list("block__code", flat=True)
    )


def years_of(unit_name: str) -> set[int]:
    return set(
        Participation.objects.filter(unit__name=unit_name).values_list("period__year", flat=True)
    )


def block_maximum(year: int, block_code: str) -> Decimal:
    return Indicator.objects.filter(
        framework__period__year=year, blocks__code=block_code
    ).aggregate(total=Sum("max_points"))["total"]


def dump_all() -> dict[str, list[dict]]:
    """Every row the loader writes, with its primary key, in a comparable form."""
    models = [
        Block,
        Unit,
        Period,
        GradeThresholdOverride,
        Participation,
        Framework,
        CriteriaGroup,
        Indicator,
        Indicator.blocks.through,
    ]
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def test_2014_has_111_units_in_the_six_published_blocks(reference):
    assert membership(2014) == UNITS_2014
    assert sum(membership(2014).values()) == 111
    assert reference.blocks == 6
    assert list(Block.objects.values_list("code", flat=True)) == BLOCK_CODES


def test_2013_has_its_own_membership_of_110_units(reference):
    assert sum(membership(2013).values()) == 110
    assert membership(2013) != membership(2014)
    # Huyện Từ Liêm was still one rural district; Bắc and Nam Từ Liêm did not exist yet.
    assert membership(2013)["huyen"] == 18
    assert membership(2013)["quan-thi-xa"] == 11


def test_huyen_tu_liem_is_ranked_as_a_rural_district_in_2013_and_not_at_all_in_2014(reference):
    participation = Participation.objects.get(period__year=2013, unit__name="Huyện Từ Liêm")

    assert participation.block.code == "huyen"
    assert years_of("Huyện Từ Liêm") == {2013}
    assert Unit.objects.get(name="Huyện Từ Liêm").valid_to == dt.date(2014, 3, 31)


@pytest.mark.parametrize("name", ["Quận Bắc Từ Liêm", "Quận Nam Từ Liêm"])
def test_the_new_urban_districts_exist_from_2014_with_huyen_tu_liem_as_predecessor(reference, name):
    district = Unit.objects.select_related("predecessor").get(name=name)

    assert district.valid_from == dt.date(2014, 4, 1)
    assert district.predecessor is not None
    assert district.predecessor.name == "Huyện Từ Liêm"
    assert years_of(name) == {2014}
    assert Participation.objects.get(period__year=2014, unit=district).block.code == "quan-thi-xa"


@pytest.mark.parametrize(
    ("ward", "district"),
    [("Phường Cổ Nhuế 1", "Quận Bắc Từ Liêm"), ("Phường Mỹ Đình 1", "Quận Nam Từ Liêm")],
)
def test_the_wards_of_the_new_districts_take_part_only_in_2014(reference, ward, district):
    assert years_of(ward) == {2014}
    assert Unit.objects.get(name=ward).parent.name == district


@pytest.mark.parametrize("year", [2013, 2014])
def test_each_years_framework_has_the_four_groups_with_their_maxima(reference, year):
    framework = Framework.objects.get(period__year=year)

    groups = list(framework.groups.order_by("order").values_list("code", flat=True))
    assert groups == ["I", "II", "III", "IV"]
    for code, maximum in GROUP_MAXIMUM.items():
        indicators = framework.indicators.filter(group__code=code, blocks__code="so-nganh")
        assert indicators.aggregate(total=Sum("max_points"))["total"] == maximum, code


@pytest.mark.parametrize("year", [2013, 2014])
@pytest.mark.parametrize("block_code", BLOCK_CODES)
def test_the_indicators_of_a_block_add_up_to_its_maximum(reference, year, block_code):
    assert block_maximum(year, block_code) == BLOCK_MAXIMUM[block_code]


@pytest.mark.parametrize("block_code", ["phuong-thi-tran", "xa"])
def test_wards_and_communes_are_not_assessed_on_video_conferencing_or_sector_applications(
    reference, block_code
):
    applicable = set(
        Indicator.objects.filter(framework__period__year=2014, blocks__code=block_code).values_list(
            "code", flat=True
        )
    )
    all_codes = set(
        Indicator.objects.filter(framework__period__year=2014).values_list("code", flat=True)
    )

    assert all_codes - applicable == {"I.6", "II.4"}


def test_the_loader_reports_what_it_loaded(reference):
    assert reference.units == Unit.objects.count()
    assert reference.periods == 2
    assert reference.participations == 110 + 111
    assert reference.indicators == 2 * 21


def _nfd_copy_of_fixtures(target: Path) -> Path:
    """The fixtures with every string decomposed (NFD), as a Mac or a Word export may write them."""
    for source in services.FIXTURES_DIR.glob("*.json"):
        data = json.loads(source.read_text(encoding="utf-8"))
        (target / source.name).write_text(
            json.dumps(_decompose(data), ensure_ascii=False), encoding="utf-8"
        )
    return target


def _decompose(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFD", value)
    if isinstance(value, list):
        return [_decompose(item) for item in value]
    if isinstance(value, dict):
        return {key: _decompose(item) for key, item in value.items()}
    return value


def test_names_are_stored_in_nfc_even_when_the_fixture_is_decomposed(db, tmp_path):
    services.load_reference_data(fixtures_dir=_nfd_copy_of_fixtures(tmp_path))

    names = [
        *Unit.objects.values_list("name", flat=True),
        *Block.objects.values_list("name_vi", flat=True),
        *Framework.objects.values_list("name_vi", flat=True),
        *CriteriaGroup.objects.values_list("name_vi", flat=True),
        *Indicator.objects.values_list("name_vi", flat=True),
    ]
    assert names
    assert [n for n in names if not unicodedata.is_normalized("NFC", n)] == []
    # A name typed in NFC (as browsers send it) finds the unit.
    assert Unit.objects.filter(name="Quận Hoàn Kiếm").exists()


def test_unit_names_use_one_tone_mark_style(reference):
    # The new style marks the first vowel of an open "oa", "oe", "uy" (Hòa, Thụy), never
    # "Hoà", "Thuỵ"; after "q" the "u" is part of the consonant, so "Quỳ" is right.
    old_style = re.compile(r"(o[àáảãạèéẻẽẹ]|(?<!q)u[ỳýỷỹỵ])\b", re.IGNORECASE)

    names = list(Unit.objects.values_list("name", flat=True))

    assert [n for n in names if old_style.search(n)] == []
    assert "Huyện Ứng Hòa" in names
    assert "Xã Thụy An" in names


def test_loading_twice_changes_nothing(reference):
    before = dump_all()

    again = services.load_reference_data()

    assert again == reference
    after = dump_all()
    assert {label: len(rows) for label, rows in after.items()} == {
        label: len(rows) for label, rows in before.items()
    }
    assert after == before


def test_loading_again_keeps_an_admins_edit_of_a_framework(reference):
    indicator = Indicator.objects.get(framework__period__year=2014, code="I.1")
    Indicator.objects.filter(pk=indicator.pk).update(max_points=Decimal("6"))

    services.load_reference_data()

    assert Indicator.objects.get(pk=indicator.pk).max_points == Decimal("6")
    assert Indicator.objects.filter(framework__period__year=2014).count() == 21
