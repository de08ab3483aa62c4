"""Published periods for the public pages, built through the real scoring and publishing services.

``published``: 2013 and 2014 scored and published; two blocks (districts, communes). In 2014 the
districts are Hoàn Kiếm (1st), Đống Đa (2nd), Ba Đình (3rd) and Tây Hồ (a draft: not ranked); the
communes are Cổ Loa (1st) and Bát Tràng (2nd). 2013 had Ba Đình first and Hoàn Kiếm third.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache

from assessments import services as assessment_services
from assessments.models import Block, Indicator, Period, Submission, Unit
from rankings.models import Publication
from rankings.services import publish_period, score_period
from tests import factories

INDICATORS = [
    ("I", "I.1", "rate", 40),
    ("II", "II.4", "count", 30),
    ("III", "III.1", "scale", 20),
    ("IV", "IV.1", "yes_no", 10),
]
# unit code → (name, block, 2014 values, 2013 values); values: I.1 numerator of 40, II.4 count,
# III.1 points, IV.1 yes; None: a draft that year.
UNITS = {
    "quan-hoan-kiem": ("Quận Hoàn Kiếm", "districts", (40, 10, "20", True), (20, 5, "10", True)),
    "quan-dong-da": ("Quận Đống Đa", "districts", (30, 5, "15", True), (30, 5, "10", True)),
    "quan-ba-dinh": ("Quận Ba Đình", "districts", (20, 0, "10", False), (40, 10, "20", True)),
    "quan-tay-ho": ("Quận Tây Hồ", "districts", None, (10, 0, "5", False)),
    "xa-co-loa": ("Xã Cổ Loa", "communes", (36, 8, "18", True), (20, 2, "10", True)),
    "xa-bat-trang": ("Xã Bát Tràng", "communes", (20, 4, "10", True), (30, 4, "12", True)),
}


@dataclass
class Published:
    periods: dict[int, Period]
    blocks: dict[str, Block]
    units: dict[str, Unit]
    indicators: dict[int, dict[str, Indicator]]
    admin: object

    def publication(self, year: int) -> Publication:
        return Publication.objects.get(period__year=year, is_current=True)


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts without rendered pages kept from another test."""
    cache.clear()
    yield
    cache.clear()


def make_year(
    year: int, blocks: dict[str, Block], units: dict[str, Unit], column: int
) -> tuple[Period, dict[str, Indicator]]:
    period = factories.make_period(year)
    framework = factories.make_framework(period, list(blocks.values()), INDICATORS)
    indicators = {i.code: i for i in framework.indicators.all()}
    for code, row in UNITS.items():
        unit = units[code]
        factories.make_participation(period, unit)
        values = row[column]
        if values is None:
            factories.make_submission(unit, period, Submission.Status.DRAFT)
            continue
        rate, count, points, yes = values
        submission = factories.make_submission(unit, period, Submission.Status.APPROVED)
        factories.make_answer(submission, indicators["I.1"], numerator=rate, denominator=40)
        factories.make_answer(submission, indicators["II.4"], count=count)
        factories.make_answer(submission, indicators["III.1"], points=Decimal(points))
        factories.make_answer(submission, indicators["IV.1"], value_yes=yes)
    return period, indicators


@pytest.fixture
def published(db, admin_user) -> Published:
    blocks = {
        "districts": factories.make_block(
            "quan", name_vi="Quận, thị xã", name_en="Urban districts and town", order=3
        ),
        "communes": factories.make_block("xa", name_vi="Xã", name_en="Communes", order=6),
    }
    units = {}
    for code, (name, block, *_values) in UNITS.items():
        unit = factories.make_unit(blocks[block], code=code, name=name)
        units[code] = assessment_services.save_unit(unit=unit)  # fills search_name
    periods, indicators = {}, {}
    for year, column in ((2013, 3), (2014, 2)):
        periods[year], indicators[year] = make_year(year, blocks, units, column)
        score_period(period=periods[year])
        publish_period(period=periods[year], actor=admin_user)
    return Published(periods, blocks, units, indicators, admin_user)


def visible_text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
