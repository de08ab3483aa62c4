"""Deterministic demo answers for 2013 and 2014 that reproduce the published 2014 results.

Only the grade counts of 2014 are public (DOMAIN.md §5), so every raw value here is synthetic.
The data is planned from the results backwards, then checked forwards with the real scoring
code (``rankings.scoring.score_block``); the generator stops with an ``AssertionError`` if any
requirement below is not met, so it cannot drift silently.

How the data is made
--------------------
1. **Order and grades.** Within each block the 2014 participants are put in a seeded random
   order; position 1 is ranked first. Grades follow from the position (``GRADE_COUNTS[2014]`` is
   the published table: the first 6 of the city departments are Tốt, the next 13 Khá, …). Each
   unit gets a target percent inside its grade band, evenly spaced with a little jitter and at
   least one point away from every threshold, so no two units of a block tie.
2. **2013.** The 2013 order is the 2014 order with a few planned risers (``RISERS``: 2014
   position → places risen) put lower, and the units that left after 2013 (Huyện Từ Liêm, a
   township and a commune) a quarter of the way down their block. The city department at
   position 10 (Khá) rose exactly 5 places; nobody else rose more than 4. 2013 grades are our
   choice (``GRADE_COUNTS[2013]``), somewhat weaker than 2014: 13 Tốt, 70 Khá, 23 Trung bình,
   4 Yếu for 110 units. Bắc and Nam Từ Liêm (2014, districts) inherit from Huyện Từ Liêm (2013,
   rural districts), a different block, so they have no rank change.
3. **Raw values.** Each unit has a size drawn once within realistic ranges for its block (staff,
   outgoing documents, administrative procedures, applications received; ``SIZES``); 2013 is a
   little smaller. Every indicator's value is drawn near the unit's target fraction (with a bias
   per indicator: nearly everyone has a computer, few applications arrive online). Counts (II.4
   sector applications, II.6b level-3/4 services) are fixed per block first, so the block's best
   value V is known before anything else is scored.
4. **Fit.** The gap between the target total and the drawn total is closed with the scale
   indicators in 0.5 steps, round robin (rates, then yes/no answers, only where the scales are
   exhausted), then exactly with the numerator of II.2 (documents sent electronically), whose
   denominator is in the hundreds or thousands.
5. **Effects shown on purpose.**
   - Missing evidence (``MISSING_EVIDENCE``): a few answers per year have no evidence and score
     0. In 2014 the city department with the biggest raw II.4 count has none, so V for II.4 is
     the next unit's count; in 2013 the same holds for II.6b among the central agencies.
   - Count relative to the best (``HALF_OF_BEST``): in 2014 one city department has exactly half
     the block's best II.4 and one rural district half the best II.6b; each gets half the points.
   - Online public services (``ONLINE_LEADERS``): four Khá units lead their block on II.6b and
     have the highest online shares among the units without a Certificate of Merit.
   - Reviewer corrections: 30 answers a year carry a unit value higher than the reviewer found;
     the reviewer's value (set, with a Vietnamese reason) is the one scored.
   - About one answer in twelve has a short Vietnamese note; every other answer has exactly one
     piece of evidence linking to ``https://demo.hanoi-ict.invalid/{year}/{unit}/{indicator}``.
6. **Check.** Both years are scored with ``score_block`` (2014 against 2013's standings) and the
   grade counts, margins (≥ 0.3 from every threshold), absence of ties, the rank changes and the
   preconditions of the 2014 awards (DOMAIN.md §6) are asserted.

Randomness comes from one ``random.Random(seed)`` used only through ``.random()``; integers,
choices and shuffles are derived from it here, and sets are never iterated unsorted, so the output
is the same on every run and Python version.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from rankings.scoring import (
    AnswerInput,
    Grade,
    IndicatorScore,
    IndicatorSpec,
    Kind,
    PreviousStanding,
    Rule,
    Thresholds,
    UnitInput,
    UnitResult,
    Value,
    score_block,
    score_indicator,
    validate_value,
)

YEARS = (2013, 2014)
THRESHOLDS = Thresholds()  # 80 / 65 / 50, as stored for both periods
BLOCKS = ("so-nganh", "hiep-quan", "quan-thi-xa", "huyen", "phuong-thi-tran", "xa")
GRADES = (Grade.TOT, Grade.KHA, Grade.TRUNG_BINH, Grade.YEU)
EVIDENCE_LINK = "https://demo.hanoi-ict.invalid/{year}/{unit}/{indicator}"

# Units per grade (Tốt, Khá, Trung bình, Yếu) and block: 2014 is published, 2013 our choice.
GRADE_COUNTS: dict[int, dict[str, tuple[int, int, int, int]]] = {
    2013: {
        "so-nganh": (4, 12, 5, 1),
        "hiep-quan": (4, 2, 2, 1),
        "quan-thi-xa": (2, 8, 1, 0),
        "huyen": (0, 14, 4, 0),
        "phuong-thi-tran": (3, 21, 4, 0),
        "xa": (0, 13, 7, 2),
    },
    2014: {
        "so-nganh": (6, 13, 3, 0),
        "hiep-quan": (5, 1, 2, 1),
        "quan-thi-xa": (3, 10, 0, 0),
        "huyen": (0, 17, 0, 0),
        "phuong-thi-tran": (6, 23, 0, 0),
        "xa": (0, 17, 4, 0),
    },
}
# Percent range of each grade; targets keep BAND_MARGIN away from both ends.
BANDS: dict[int, dict[Grade, tuple[float, float]]] = {
    2013: {
        Grade.TOT: (80.0, 92.0),
        Grade.KHA: (65.0, 80.0),
        Grade.TRUNG_BINH: (50.0, 65.0),
        Grade.YEU: (38.0, 50.0),
    },
    2014: {
        Grade.TOT: (80.0, 93.0),
        Grade.KHA: (65.0, 80.0),
        Grade.TRUNG_BINH: (50.0, 65.0),
        Grade.YEU: (40.0, 50.0),
    },
}
BAND_MARGIN = 1.0
MIN_THRESHOLD_DISTANCE = Decimal("0.3")
HALF = Decimal("0.5")  # the scale step

# 2014 position in the block → places risen since 2013 (before membership changes shift ranks).
RISERS: dict[str, dict[int, int]] = {
    "so-nganh": {10: 5, 17: 2, 20: 2},
    "hiep-quan": {8: 1},
    "quan-thi-xa": {6: 3},
    "huyen": {12: 3},
    "phuong-thi-tran": {16: 3, 24: 1},
    "xa": {15: 2, 19: 3},
}
BIGGEST_RISE = 5
DEPARTED_AT = 0.25  # units that left after 2013 stood this far down their block's 2013 order

# 2014 position in the block of the units with the best online public services (all Khá).
ONLINE_LEADERS: dict[str, int] = {
    "so-nganh": 7,
    "quan-thi-xa": 4,
    "huyen": 2,
    "phuong-thi-tran": 7,
}
# (year, block, position that year, indicator): answers without evidence. On a count indicator
# the unit also gets the block's biggest raw count, so V comes from the next unit.
MISSING_EVIDENCE: tuple[tuple[int, str, int, str], ...] = (
    (2013, "so-nganh", 9, "IV.1"),
    (2013, "hiep-quan", 4, "II.6b"),
    (2013, "huyen", 11, "I.3"),
    (2013, "xa", 6, "II.3"),
    (2014, "so-nganh", 12, "II.4"),
    (2014, "hiep-quan", 3, "I.6"),
    (2014, "quan-thi-xa", 9, "II.5"),
    (2014, "huyen", 8, "IV.1"),
    (2014, "phuong-thi-tran", 15, "I.4"),
    (2014, "xa", 19, "III.1"),
)
# (year, block, indicator) → position of the unit whose count is exactly half the block's best.
HALF_OF_BEST: dict[tuple[int, str, str], int] = {
    (2014, "so-nganh", "II.4"): 15,
    (2014, "huyen", "II.6b"): 9,
}
REVIEWER_CORRECTIONS_PER_YEAR = 30
NOTE_SHARE = 1 / 12

MERIT_QUOTA = 19
MERIT_GAP = Decimal("0.1")  # planned percent between the 19th and 20th Tốt unit
ONLINE_QUOTA = 4
IMPROVED_QUOTA = 6

# Unit sizes per block, drawn once per unit (2014); 2013 is a little smaller.
SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "so-nganh": {
        "staff": (60, 400),
        "documents": (1200, 8000),
        "procedures": (20, 250),
        "applications": (2000, 40000),
    },
    "hiep-quan": {
        "staff": (200, 3000),
        "documents": (2000, 15000),
        "procedures": (30, 250),
        "applications": (5000, 90000),
    },
    "quan-thi-xa": {
        "staff": (200, 450),
        "documents": (2500, 6000),
        "procedures": (120, 250),
        "applications": (8000, 40000),
    },
    "huyen": {
        "staff": (150, 350),
        "documents": (1800, 4500),
        "procedures": (100, 220),
        "applications": (5000, 30000),
    },
    "phuong-thi-tran": {
        "staff": (18, 35),
        "documents": (300, 900),
        "procedures": (20, 60),
        "applications": (1000, 6000),
    },
    "xa": {
        "staff": (12, 25),
        "documents": (200, 600),
        "procedures": (20, 50),
        "applications": (800, 4000),
    },
}
# Highest count a unit draws (2014; 2013 draws 80 % of it); raised values stay within 0–30 / 0–40
# for departments and districts and 0–5 for wards and communes.
COUNT_CAPS: dict[str, dict[str, int]] = {
    "II.4": {"so-nganh": 24, "hiep-quan": 26, "quan-thi-xa": 22, "huyen": 18},
    "II.6b": {
        "so-nganh": 34,
        "hiep-quan": 35,
        "quan-thi-xa": 28,
        "huyen": 24,
        "phuong-thi-tran": 4,
        "xa": 4,
    },
}


@dataclass(frozen=True, slots=True)
class _RateShape:
    """How a rate's fraction follows the unit's target fraction f: base + slope·f ± spread."""

    denominator: str  # the size it is a share of
    base: float
    slope: float
    spread: float
    ceiling: float = 1.0


RATES: dict[str, _RateShape] = {
    "I.1": _RateShape("staff", 0.78, 0.22, 0.03),
    "I.2": _RateShape("computers", 0.70, 0.30, 0.04),
    "I.5": _RateShape("computers", 0.10, 0.90, 0.06),
    "II.1": _RateShape("staff", 0.15, 0.85, 0.06),
    "II.2": _RateShape("documents", 0.00, 1.00, 0.05, 0.96),
    "II.6a": _RateShape("procedures", -0.05, 0.95, 0.06, 0.85),
    "II.6c": _RateShape("applications", -0.15, 0.55, 0.04, 0.35),
    "III.2": _RateShape("staff", 0.00, 1.00, 0.06),
    "III.3": _RateShape("staff", -0.15, 1.00, 0.08),
}
ONLINE_LEADER_RATES = {"II.6a": (0.93, 1.0), "II.6c": (0.45, 0.60)}
FINE_TUNING_RATE = "II.2"
YES_BONUS = {"I.3": 0.35, "I.6": 0.15, "IV.1": 0.30}  # yes when a draw is below f + bonus

EVIDENCE_TITLES = {
    "I.1": "Báo cáo thống kê trang thiết bị CNTT năm {year} số {number}/BC-{issuer}",
    "I.2": "Hợp đồng cung cấp dịch vụ Internet băng thông rộng năm {year} số {number}/HĐ-{issuer}",
    "I.3": "Biên bản nghiệm thu kết nối mạng diện rộng của Thành phố số {number}/BB-{issuer}",
    "I.4": "Sơ đồ mạng nội bộ và biên bản kiểm tra phòng máy chủ năm {year}",
    "I.5": "Hợp đồng mua bản quyền phần mềm diệt virus năm {year} số {number}/HĐ-{issuer}",
    "I.6": "Biên bản bàn giao hệ thống hội nghị truyền hình trực tuyến số {number}/BB-{issuer}",
    "II.1": "Danh sách cán bộ, công chức sử dụng thư điện tử công vụ năm {year}",
    "II.2": "Báo cáo sổ văn bản đi năm {year} trên hệ thống quản lý văn bản và điều hành",
    "II.3": "Quyết định triển khai hệ thống một cửa điện tử số {number}/QĐ-{issuer}",
    "II.4": "Danh mục ứng dụng chuyên ngành, cơ sở dữ liệu đang sử dụng năm {year}",
    "II.5": "Quyết định kiện toàn Ban biên tập trang thông tin điện tử số {number}/QĐ-{issuer}",
    "II.6a": "Danh mục thủ tục hành chính cung cấp trực tuyến mức độ 2 trở lên năm {year}",
    "II.6b": "Danh mục dịch vụ công trực tuyến mức độ 3, 4 năm {year}",
    "II.6c": "Báo cáo kết quả tiếp nhận hồ sơ trực tuyến năm {year} số {number}/BC-{issuer}",
    "III.1": "Quyết định phân công cán bộ chuyên trách CNTT số {number}/QĐ-{issuer}",
    "III.2": "Báo cáo kết quả kiểm tra kỹ năng sử dụng CNTT năm {year}",
    "III.3": "Danh sách cán bộ, công chức được đào tạo, bồi dưỡng về CNTT năm {year}",
    "IV.1": "Kế hoạch ứng dụng CNTT năm {year} số {number}/KH-{issuer}",
    "IV.2": "Quy chế sử dụng thư điện tử, văn bản điện tử và bảo đảm an toàn thông tin "
    "số {number}/QĐ-{issuer}",
    "IV.3": "Báo cáo sơ kết công tác chỉ đạo ứng dụng CNTT năm {year} số {number}/BC-{issuer}",
    "IV.4": "Báo cáo quyết toán kinh phí ứng dụng CNTT năm {year} số {number}/BC-{issuer}",
}
OTHER_EVIDENCE_TITLE = "Tài liệu kiểm chứng chỉ tiêu {indicator} năm {year}"
NOTES = {
    "I.1": "Tính cả cán bộ hợp đồng được bố trí máy tính.",
    "I.2": "Kết nối qua đường truyền cáp quang.",
    "I.5": "Bản quyền phần mềm diệt virus được gia hạn hằng năm.",
    "II.2": "Số liệu lấy từ hệ thống quản lý văn bản và điều hành.",
    "II.3": "Một cửa điện tử đang vận hành tại bộ phận tiếp nhận và trả kết quả.",
    "II.6b": "Dịch vụ mức độ 3 được cung cấp trên Cổng dịch vụ công của Thành phố.",
    "II.6c": "Chủ yếu là hồ sơ đăng ký qua mạng.",
    "III.3": "Cán bộ tham gia lớp bồi dưỡng do Sở Thông tin và Truyền thông tổ chức.",
    "IV.4": "Kinh phí được bố trí từ nguồn chi thường xuyên.",
}
GENERAL_NOTES = (
    "Số liệu tính đến ngày 30/11/{year}.",
    "Đã gửi kèm danh sách chi tiết.",
    "Số liệu theo báo cáo thống kê của đơn vị.",
)
REVIEWER_REASONS = {
    Kind.RATE: (
        "Số liệu không khớp với báo cáo thống kê năm {year}",
        "Tài liệu kiểm chứng chỉ chứng minh được một phần số liệu kê khai",
        "Đơn vị tính cả số liệu năm trước; chấm lại theo số liệu trong năm {year}",
    ),
    Kind.SCALE: (
        "Chưa đủ các tiêu chí theo hướng dẫn chấm điểm; chấm lại",
        "Tài liệu kiểm chứng chưa thể hiện đầy đủ nội dung kê khai",
    ),
}
ISSUER_SUFFIXES = (" thành phố Hà Nội", " Hà Nội", " Thành phố")
LOCAL_GOVERNMENT_BLOCKS = ("quan-thi-xa", "huyen", "phuong-thi-tran", "xa")


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    block_by_year: Mapping[int, str]
    predecessor: str | None = None


@dataclass(frozen=True, slots=True)
class DemoEvidence:
    title: str
    link: str


@dataclass(frozen=True, slots=True)
class DemoAnswer:
    indicator_code: str
    unit_value: Value
    reviewer_value: Value | None
    reviewer_reason: str
    note: str
    evidence: tuple[DemoEvidence, ...]


Indicators = Sequence[tuple[IndicatorSpec, frozenset[str]]]
Answers = dict[int, dict[str, list[DemoAnswer]]]


def read_fixture_inputs(
    fixtures_dir: Path,
) -> tuple[list[DemoUnit], list[tuple[IndicatorSpec, frozenset[str]]]]:
    """The units (``units.json``) and the indicators with their excluded blocks (framework)."""
    raw_units = json.loads((fixtures_dir / "units.json").read_text(encoding="utf-8"))["units"]
    units = [
        DemoUnit(
            code=u["code"],
            name=u["name"],
            block_by_year={int(year): block for year, block in sorted(u["years"].items())},
            predecessor=u.get("predecessor"),
        )
        for u in raw_units
    ]
    framework = json.loads((fixtures_dir / "framework_2014.json").read_text(encoding="utf-8"))
    indicators = [
        (
            IndicatorSpec(
                code=i["code"],
                group=i["group"],
                kind=Kind(i["kind"]),
                max_points=Decimal(i["max_points"]),
                evidence_required=i["evidence_required"],
                online_service=i["online_service"],
            ),
            frozenset(i["excluded_blocks"]),
        )
        for i in sorted(framework["indicators"], key=lambda i: i["order"])
    ]
    return units, indicators


# --- randomness ----------------------------------------------------------------------------------


class _Draw:
    """Every random choice, derived from ``random.Random.random()`` alone (same everywhere)."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def unit(self) -> float:
        return self._random.random()

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.unit()

    def jitter(self, spread: float) -> float:
        return spread * (2 * self.unit() - 1)

    def integer(self, low: int, high: int) -> int:
        """A whole number from low to high inclusive."""
        return min(high, low + int(self.unit() * (high - low + 1)))

    def pick[T](self, items: Sequence[T]) -> T:
        return items[self.integer(0, len(items) - 1)]

    def shuffled[T](self, items: Iterable[T]) -> list[T]:
        result = list(items)
        for i in range(len(result) - 1, 0, -1):
            j = self.integer(0, i)
            result[i], result[j] = result[j], result[i]
        return result

    def sample[T](self, items: Sequence[T], k: int) -> list[T]:
        return self.shuffled(items)[:k]


def _clip(x: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, x))


def _round_half_up(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- the plan: order, targets, roles -------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What the scores must come out as, decided before any value is drawn."""

    orders: dict[int, dict[str, list[str]]]  # year → block → unit codes, best first
    targets: dict[int, dict[str, Decimal]]  # year → unit code → target percent


def _members(units: Sequence[DemoUnit], year: int) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for unit in sorted(units, key=lambda u: u.code):
        block = unit.block_by_year.get(year)
        if block is not None:
            members.setdefault(block, []).append(unit.code)
    return {block: members[block] for block in _block_order(members)}


def _block_order(blocks: Iterable[str]) -> list[str]:
    known = [b for b in BLOCKS if b in blocks]
    return known + sorted(b for b in blocks if b not in BLOCKS)


def _order_2013(block: str, members: list[str], order_2014: list[str]) -> list[str]:
    """2014's order with the planned risers put lower and departed units a quarter down."""
    position = {code: i for i, code in enumerate(order_2014, start=1)}
    risers = RISERS.get(block, {})
    departed_key = max(1, int(len(order_2014) * DEPARTED_AT + 0.5)) - 0.25

    def key(code: str) -> tuple[float, str]:
        if code not in position:
            return departed_key, code
        rise = risers.get(position[code], 0)
        return (position[code] + rise + 0.5 if rise else position[code]), code

    return sorted(members, key=key)


def _targets(year: int, block: str, order: list[str], draw: _Draw) -> dict[str, Decimal]:
    """Target percents down the order: each grade's positions spread evenly over its band."""
    counts = GRADE_COUNTS[year][block]
    assert sum(counts) == len(order), f"{year} {block}: {len(order)} units, counts {counts}"
    targets: dict[str, Decimal] = {}
    codes = iter(order)
    for grade, how_many in zip(GRADES, counts, strict=True):
        low, high = BANDS[year][grade]
        low, high = low + BAND_MARGIN, high - BAND_MARGIN
        step = (high - low) / how_many if how_many else 0.0
        for i in range(how_many):
            percent = high - (i + 0.5) * step + draw.jitter(step / 4)
            targets[next(codes)] = Decimal(f"{percent:.2f}")
    return targets


def _plan(units: Sequence[DemoUnit], draw: _Draw) -> _Plan:
    orders: dict[int, dict[str, list[str]]] = {
        2014: {block: draw.shuffled(codes) for block, codes in _members(units, 2014).items()}
    }
    orders[2013] = {
        block: _order_2013(block, codes, orders[2014].get(block, []))
        for block, codes in _members(units, 2013).items()
    }
    targets = {
        year: {
            code: percent
            for block, order in orders[year].items()
            for code, percent in _targets(year, block, order, draw).items()
        }
        for year in YEARS
    }
    _separate_merit_quota(targets[2014], orders[2014])
    return _Plan(orders={year: orders[year] for year in YEARS}, targets=targets)


def _separate_merit_quota(targets: dict[str, Decimal], orders: Mapping[str, list[str]]) -> None:
    """Keep the last Tốt unit clearly below the last one within the Certificate of Merit quota."""
    tot = sorted(
        (targets[code] for block, order in orders.items() for code in order[: _tot_count(block)]),
        reverse=True,
    )
    if len(tot) > MERIT_QUOTA and tot[MERIT_QUOTA - 1] - tot[MERIT_QUOTA] < MERIT_GAP:
        lowest = next(code for code, t in targets.items() if t == tot[MERIT_QUOTA])
        targets[lowest] = tot[MERIT_QUOTA - 1] - MERIT_GAP


def _tot_count(block: str) -> int:
    return GRADE_COUNTS[2014][block][0]


@dataclass
class _Roles:
    """The special parts units of one block play in one year, by unit code."""

    missing: dict[str, list[str]] = field(default_factory=dict)  # unit → indicators w/o evidence
    online_leader: str | None = None
    half_of_best: dict[str, str] = field(default_factory=dict)  # count indicator → unit


def _roles(year: int, block: str, order: list[str]) -> _Roles:
    def at(position: int) -> str:
        assert position <= len(order), f"{year} {block} has no position {position}"
        return order[position - 1]

    roles = _Roles()
    for y, b, position, indicator in MISSING_EVIDENCE:
        if (y, b) == (year, block):
            roles.missing.setdefault(at(position), []).append(indicator)
    if year == 2014 and block in ONLINE_LEADERS:
        roles.online_leader = at(ONLINE_LEADERS[block])
    for (y, b, indicator), position in HALF_OF_BEST.items():
        if (y, b) == (year, block):
            roles.half_of_best[indicator] = at(position)
    return roles


# --- raw values ----------------------------------------------------------------------------------


def _profiles(units: Sequence[DemoUnit], draw: _Draw) -> dict[str, dict[str, int]]:
    """Each unit's size in its latest block (staff, documents, procedures, applications)."""
    profiles: dict[str, dict[str, int]] = {}
    for unit in sorted(units, key=lambda u: u.code):
        block = unit.block_by_year[max(unit.block_by_year)]
        profiles[unit.code] = {
            name: int(math.exp(draw.between(math.log(low), math.log(high))))
            for name, (low, high) in SIZES[block].items()
        }
    return profiles


def _sizes(profile: Mapping[str, int], year: int, draw: _Draw) -> dict[str, int]:
    shrink = {2013: (0.90, 0.99), 2014: (1.0, 1.0)}[year]
    sizes = {name: max(1, round(size * draw.between(*shrink))) for name, size in profile.items()}
    sizes["computers"] = max(1, round(sizes["staff"] * draw.between(0.92, 1.08)))
    return sizes


def _scale(points: Decimal) -> Value:
    """Scale points written with one decimal (3.5, 4.0), whatever arithmetic produced them."""
    return Value(points=points.quantize(Decimal("0.1")))


def _rate(numerator_share: float, denominator: int) -> Value:
    numerator = min(denominator, max(0, round(numerator_share * denominator)))
    return Value(numerator=numerator, denominator=denominator)


def _natural_value(
    spec: IndicatorSpec, f: float, sizes: Mapping[str, int], leader: bool, draw: _Draw
) -> Value:
    """A value near the unit's target fraction ``f``, before the fit."""
    if spec.kind is Kind.YES_NO:
        return Value(yes=draw.unit() < f + YES_BONUS.get(spec.code, 0.2))
    if spec.kind is Kind.SCALE:
        half_steps = round(float(spec.max_points) * 2 * _clip(f + draw.jitter(0.08)))
        return _scale(Decimal(half_steps) / 2)
    if spec.kind is Kind.RATE:
        if leader and spec.code in ONLINE_LEADER_RATES:
            share = draw.between(*ONLINE_LEADER_RATES[spec.code])
            return _rate(share, sizes[RATES[spec.code].denominator])
        shape = RATES.get(spec.code, _RateShape("staff", 0.0, 1.0, 0.06))
        floor = 0.0 if spec.online_service else 0.2  # online shares are low for most units
        share = _clip(
            shape.base + shape.slope * f + draw.jitter(shape.spread), floor, shape.ceiling
        )
        return _rate(share, sizes[shape.denominator])
    raise AssertionError(f"counts are drawn per block, not per unit ({spec.code})")


def _block_counts(
    year: int,
    block: str,
    spec: IndicatorSpec,
    fractions: Mapping[str, float],
    roles: _Roles,
    draw: _Draw,
) -> dict[str, int]:
    """One count indicator for a whole block, with the planned best / raw-best / half effects."""
    cap = COUNT_CAPS.get(spec.code, {}).get(block, 10)
    if year == 2013:
        cap = max(1, round(cap * 0.8))
    counts = {
        code: round(cap * _clip(1.6 * (f - 0.45) + draw.jitter(0.15)))
        for code, f in fractions.items()
    }
    unevidenced = {code for code, indicators in roles.missing.items() if spec.code in indicators}
    half = roles.half_of_best.get(spec.code)
    leader = roles.online_leader if spec.code == "II.6b" else None

    def best(excluding: Iterable[str | None]) -> int:
        skip = set(excluding) | unevidenced
        return max((v for code, v in counts.items() if code not in skip), default=0)

    if leader is not None:
        counts[leader] = min(cap + 1, best([leader]) + 1 + draw.integer(0, 2))
    if half is not None:  # V must be even, and must not come from the half unit itself
        v = best([half])
        if v % 2:
            for code in sorted(counts):
                if counts[code] == v and code not in unevidenced and code != half:
                    counts[code] = v + 1
        counts[half] = best([half]) // 2
    for code in sorted(unevidenced):  # the biggest raw count, which does not count
        counts[code] = best([]) + 2 + draw.integer(0, 2)
    return counts


# --- fitting one unit to its target --------------------------------------------------------------


@dataclass
class _Draft:
    """One unit's values in one year while they are made: value used, evidence present."""

    code: str
    values: dict[str, Value]
    missing: frozenset[str]


def _points(
    spec: IndicatorSpec, value: Value, has_evidence: bool, best: Mapping[str, int]
) -> Decimal:
    answer = AnswerInput(spec.code, value, None, has_evidence)
    return score_indicator(spec, answer, block_best=best.get(spec.code)).points


def _nudged(spec: IndicatorSpec, value: Value, up: bool) -> Value | None:
    """The value one notch up or down (half a point; a yes/no flips), or None at the edge."""
    if spec.kind is Kind.SCALE:
        assert value.points is not None
        points = value.points + (HALF if up else -HALF)
        return _scale(points) if 0 <= points <= spec.max_points else None
    if spec.kind is Kind.RATE:
        assert value.numerator is not None and value.denominator is not None
        d = value.denominator
        step = max(1, math.ceil(d / (2 * float(spec.max_points))))
        n = value.numerator + (step if up else -step)
        return Value(numerator=n, denominator=d) if 0 <= n <= d else None
    if spec.kind is Kind.YES_NO:
        return Value(yes=up) if value.yes is not up else None
    return None


def _next_nudge(
    pools: Sequence[Sequence[str]],
    values: Mapping[str, Value],
    by_code: Mapping[str, IndicatorSpec],
    turn: int,
    *,
    up: bool,
) -> tuple[str, Value] | None:
    """The next indicator to move, round robin within the first pool that can still move."""
    for pool in pools:
        for i in range(len(pool)):
            code = pool[(turn + i) % len(pool)]
            nudged = _nudged(by_code[code], values[code], up)
            if nudged is not None:
                return code, nudged
    return None


def _fit(
    draft: _Draft,
    specs: Sequence[IndicatorSpec],
    best: Mapping[str, int],
    target: Decimal,
    draw: _Draw,
) -> None:
    """Move scale points (then rates, then yes/no) until II.2 can close the gap; set II.2."""
    by_code = {spec.code: spec for spec in specs}
    maximum = sum((spec.max_points for spec in specs), Decimal(0))
    target_total = target * maximum / 100
    points = {
        spec.code: _points(spec, draft.values[spec.code], spec.code not in draft.missing, best)
        for spec in specs
    }
    fine = by_code[FINE_TUNING_RATE]
    assert FINE_TUNING_RATE not in draft.missing

    def adjustable(kind: Kind) -> list[str]:
        codes = [
            s.code
            for s in specs
            if s.kind is kind
            and not s.online_service
            and s.code not in draft.missing
            and s.code != FINE_TUNING_RATE
        ]
        start = draw.integer(0, len(codes) - 1) if codes else 0
        return codes[start:] + codes[:start]

    pools = [adjustable(Kind.SCALE), adjustable(Kind.RATE), adjustable(Kind.YES_NO)]
    quarter = Decimal("0.25")
    gap = target_total - sum(points.values())
    turn = 0
    while abs(gap) > quarter:
        assert turn < 500, f"{draft.code}: the fit does not settle"
        step = _next_nudge(pools, draft.values, by_code, turn, up=gap > 0)
        assert step is not None, f"{draft.code}: cannot reach {target} %"
        code, nudged = step
        draft.values[code] = nudged
        new_points = _points(by_code[code], nudged, True, best)
        gap -= new_points - points[code]
        points[code] = new_points
        turn += 1

    current = draft.values[FINE_TUNING_RATE]
    assert current.denominator is not None
    wanted = points[FINE_TUNING_RATE] + gap
    n = _round_half_up(wanted * current.denominator / fine.max_points)
    assert 0 <= n <= current.denominator, f"{draft.code}: II.2 cannot absorb {gap}"
    draft.values[FINE_TUNING_RATE] = Value(numerator=n, denominator=current.denominator)


def _block_drafts(
    year: int,
    block: str,
    order: list[str],
    specs: Sequence[IndicatorSpec],
    plan: _Plan,
    profiles: Mapping[str, Mapping[str, int]],
    draw: _Draw,
) -> dict[str, _Draft]:
    """Every unit of one block in one year, fitted to its target percent."""
    roles = _roles(year, block, order)
    fractions = {code: float(plan.targets[year][code]) / 100 for code in order}
    counts = {
        spec.code: _block_counts(year, block, spec, fractions, roles, draw)
        for spec in specs
        if spec.kind is Kind.COUNT
    }
    best = {
        indicator: max(
            (v for code, v in values.items() if indicator not in roles.missing.get(code, ())),
            default=0,
        )
        for indicator, values in counts.items()
    }
    drafts: dict[str, _Draft] = {}
    for code in order:
        sizes = _sizes(profiles[code], year, draw)
        leader = code == roles.online_leader
        values: dict[str, Value] = {}
        for spec in specs:
            if spec.kind is Kind.COUNT:
                values[spec.code] = Value(count=counts[spec.code][code])
            else:
                values[spec.code] = _natural_value(spec, fractions[code], sizes, leader, draw)
        missing = frozenset(roles.missing.get(code, ()))
        for indicator in sorted(missing):  # an unevidenced answer still claims something
            spec = next(s for s in specs if s.code == indicator)
            if spec.kind is Kind.YES_NO:
                values[indicator] = Value(yes=True)
            elif spec.kind is Kind.SCALE and not values[indicator].points:
                values[indicator] = _scale(spec.max_points / 2)
        draft = _Draft(code, values, missing)
        _fit(draft, specs, best, plan.targets[year][code], draw)
        drafts[code] = draft
    return drafts


# --- answers: evidence, notes, reviewer corrections ----------------------------------------------


def _issuer(unit: DemoUnit, block: str) -> str:
    """The issuing-office abbreviation in document numbers: UBND, SKHĐT, SLĐTBXH, CTK, …"""
    if block in LOCAL_GOVERNMENT_BLOCKS:
        return "UBND"
    name = unit.name
    for suffix in ISSUER_SUFFIXES:
        name = name.removesuffix(suffix)
    words = [w.strip(",") for w in name.split() if w not in ("và", "-")]
    return "".join(w if w.isupper() else w[0].upper() for w in words if w)


def _evidence(unit: DemoUnit, block: str, year: int, indicator: str, draw: _Draw) -> DemoEvidence:
    template = EVIDENCE_TITLES.get(indicator, OTHER_EVIDENCE_TITLE)
    title = template.format(
        year=year, number=draw.integer(3, 240), issuer=_issuer(unit, block), indicator=indicator
    )
    link = EVIDENCE_LINK.format(year=year, unit=unit.code, indicator=indicator)
    return DemoEvidence(title=title, link=link)


def _note(indicator: str, year: int, draw: _Draw) -> str:
    if draw.unit() >= NOTE_SHARE:
        return ""
    if indicator in NOTES and draw.unit() < 0.6:
        return NOTES[indicator]
    return draw.pick(GENERAL_NOTES).format(year=year)


def _claimed(spec: IndicatorSpec, found: Value, draw: _Draw) -> Value:
    """What the unit claimed where the reviewer found less: a higher numerator or more points."""
    if spec.kind is Kind.RATE:
        assert found.numerator is not None and found.denominator is not None
        room = found.denominator - found.numerator
        extra = max(1, min(room, round(found.numerator * draw.between(0.05, 0.25))))
        return Value(numerator=found.numerator + extra, denominator=found.denominator)
    assert found.points is not None
    extra = 2 * HALF if found.points + 2 * HALF <= spec.max_points and draw.unit() < 0.4 else HALF
    return _scale(found.points + extra)


def _correctable(spec: IndicatorSpec, value: Value) -> bool:
    if spec.kind is Kind.RATE:
        return value.numerator is not None and value.numerator < (value.denominator or 0)
    if spec.kind is Kind.SCALE:
        return value.points is not None and value.points < spec.max_points
    return False


def _year_answers(
    year: int,
    drafts: Mapping[str, _Draft],
    units: Mapping[str, DemoUnit],
    specs_by_block: Mapping[str, Sequence[IndicatorSpec]],
    draw: _Draw,
) -> dict[str, list[DemoAnswer]]:
    """Turn the fitted drafts into answers: evidence, notes and reviewer corrections."""
    eligible = [
        (code, spec.code)
        for code in sorted(drafts)
        for spec in specs_by_block[units[code].block_by_year[year]]
        if spec.code not in drafts[code].missing
        and _correctable(spec, drafts[code].values[spec.code])
    ]
    corrected = set(draw.sample(eligible, REVIEWER_CORRECTIONS_PER_YEAR))
    answers: dict[str, list[DemoAnswer]] = {}
    for code in sorted(drafts):
        unit, draft = units[code], drafts[code]
        block = unit.block_by_year[year]
        answers[code] = []
        for spec in specs_by_block[block]:
            found = draft.values[spec.code]
            reviewer_value, reason, claimed = None, "", found
            if (code, spec.code) in corrected:
                reviewer_value, claimed = found, _claimed(spec, found, draw)
                reason = draw.pick(REVIEWER_REASONS[spec.kind]).format(year=year)
            evidence = (
                ()
                if spec.code in draft.missing
                else (_evidence(unit, block, year, spec.code, draw),)
            )
            answers[code].append(
                DemoAnswer(
                    indicator_code=spec.code,
                    unit_value=claimed,
                    reviewer_value=reviewer_value,
                    reviewer_reason=reason,
                    note=_note(spec.code, year, draw),
                    evidence=evidence,
                )
            )
    return answers


def _specs_by_block(
    indicators: Indicators, blocks: Iterable[str]
) -> dict[str, list[IndicatorSpec]]:
    return {
        block: [spec for spec, excluded in indicators if block not in excluded] for block in blocks
    }


def generate_demo_answers(
    units: Sequence[DemoUnit], indicators: Indicators, *, seed: int = 2014
) -> Answers:
    """Year → unit code → answers (framework order) for 2013 and 2014; checked before returning."""
    draw = _Draw(seed)
    plan = _plan(units, draw)
    profiles = _profiles(units, draw)
    by_code = {unit.code: unit for unit in units}
    specs_by_block = _specs_by_block(indicators, BLOCKS)
    answers: Answers = {}
    for year in YEARS:
        drafts: dict[str, _Draft] = {}
        for block, order in plan.orders[year].items():
            drafts |= _block_drafts(year, block, order, specs_by_block[block], plan, profiles, draw)
        year_answers = _year_answers(year, drafts, by_code, specs_by_block, draw)
        answers[year] = {
            unit.code: year_answers[unit.code] for unit in units if unit.code in drafts
        }
    _check(units, indicators, answers, plan)
    return answers


# --- scoring and the checks ----------------------------------------------------------------------


def answer_inputs(answers: Sequence[DemoAnswer]) -> tuple[AnswerInput, ...]:
    """The demo answers as the scoring code takes them."""
    return tuple(
        AnswerInput(a.indicator_code, a.unit_value, a.reviewer_value, bool(a.evidence))
        for a in answers
    )


def score_demo_answers(
    units: Sequence[DemoUnit],
    indicators: Indicators,
    answers: Mapping[int, Mapping[str, Sequence[DemoAnswer]]],
) -> dict[int, dict[str, list[UnitResult]]]:
    """Year → block → ``score_block`` results, each year against the previous one's standings."""
    by_code = {unit.code: unit for unit in units}
    results: dict[int, dict[str, list[UnitResult]]] = {}
    previous: dict[str, PreviousStanding] = {}
    for year in sorted(answers):
        members: dict[str, list[UnitInput]] = {}
        for code in sorted(answers[year]):
            unit = by_code[code]
            members.setdefault(unit.block_by_year[year], []).append(
                UnitInput(
                    code, answer_inputs(answers[year][code]), predecessor_code=unit.predecessor
                )
            )
        specs_by_block = _specs_by_block(indicators, members)
        results[year] = {
            block: score_block(
                block_code=block,
                indicators=specs_by_block[block],
                units=members[block],
                thresholds=THRESHOLDS,
                previous=previous,
            )
            for block in _block_order(members)
        }
        previous = {
            r.unit_code: PreviousStanding(block, r.rank)
            for block, block_results in results[year].items()
            for r in block_results
        }
    return results


def _score_of(result: UnitResult, indicator: str) -> IndicatorScore | None:
    return next((s for s in result.indicators if s.indicator_code == indicator), None)


def _online_share(result: UnitResult, online: frozenset[str]) -> Decimal:
    """Points of the online-service indicators over their maximum (DOMAIN.md §6)."""
    scores = [s for s in result.indicators if s.indicator_code in online]
    return sum((s.points for s in scores), Decimal(0)) / sum(
        (s.max_points for s in scores), Decimal(0)
    )


def _check(
    units: Sequence[DemoUnit], indicators: Indicators, answers: Answers, plan: _Plan
) -> None:
    """Assert every requirement the demo data promises (see the module docstring)."""
    specs = {spec.code: spec for spec, _ in indicators}
    for year_answers in answers.values():
        for unit_answers in year_answers.values():
            for a in unit_answers:
                validate_value(specs[a.indicator_code], a.unit_value)
                if a.reviewer_value is not None:
                    validate_value(specs[a.indicator_code], a.reviewer_value)
    corrections = {
        year: sum(a.reviewer_value is not None for u in year_answers.values() for a in u)
        for year, year_answers in answers.items()
    }
    assert all(n == REVIEWER_CORRECTIONS_PER_YEAR for n in corrections.values()), corrections

    results = score_demo_answers(units, indicators, answers)
    for year, blocks in results.items():
        for block, block_results in blocks.items():
            _check_block(year, block, block_results, plan)
    _check_effects(results[2014])
    _check_awards(units, frozenset(c for c, spec in specs.items() if spec.online_service), results)


def _check_block(year: int, block: str, results: list[UnitResult], plan: _Plan) -> None:
    assert [r.unit_code for r in results] == plan.orders[year][block], f"{year} {block}: order"
    counts = tuple(sum(r.grade is g for r in results) for g in GRADES)
    assert counts == GRADE_COUNTS[year][block], f"{year} {block}: grades {counts}"
    indexes = [r.index for r in results]
    assert len(set(indexes)) == len(indexes), f"{year} {block}: tied indexes"
    for r in results:
        assert r.percent is not None
        for threshold in (THRESHOLDS.tot, THRESHOLDS.kha, THRESHOLDS.trung_binh):
            assert abs(r.percent - threshold) >= MIN_THRESHOLD_DISTANCE, (r.unit_code, r.percent)
        assert abs(r.percent - plan.targets[year][r.unit_code]) < Decimal("0.2"), r.unit_code


def _check_effects(blocks: Mapping[str, list[UnitResult]]) -> None:
    """Missing evidence costs points; some V is not the raw best; half of V gives half points."""
    lost = [
        (r.unit_code, s.indicator_code)
        for results in blocks.values()
        for r in results
        for s in r.indicators
        if s.rule is Rule.MISSING_EVIDENCE
    ]
    assert len(lost) >= 5, lost
    not_raw_best = half = False
    for results in blocks.values():
        for indicator in ("II.4", "II.6b"):
            scores = [s for r in results if (s := _score_of(r, indicator)) is not None]
            if not scores:
                continue
            v = scores[0].block_best
            raw = max(s.value.count or 0 for s in scores if s.value is not None)
            not_raw_best |= v is not None and raw > v
            half |= any(
                s.value is not None
                and s.value.count
                and 2 * s.value.count == v
                and 2 * s.points == s.max_points
                for s in scores
            )
    assert not_raw_best and half


def _check_awards(
    units: Sequence[DemoUnit],
    online_codes: frozenset[str],
    results: Mapping[int, Mapping[str, list[UnitResult]]],
) -> None:
    """The 2014 award lists (DOMAIN.md §6) are unambiguous at each quota and show the 5-riser."""
    names = {unit.code: unit.name for unit in units}
    predecessors = {unit.code: unit.predecessor for unit in units}
    now = [r for block in results[2014].values() for r in block]
    before = {r.unit_code: r.index for block in results[2013].values() for r in block}

    merit = sorted(
        (r for r in now if r.grade is Grade.TOT),
        key=lambda r: (-(r.index or 0), names[r.unit_code]),
    )
    assert len(merit) > MERIT_QUOTA and merit[MERIT_QUOTA - 1].index != merit[MERIT_QUOTA].index
    awarded = {r.unit_code for r in merit[:MERIT_QUOTA]}

    def offers_level_3(r: UnitResult) -> bool:
        s = _score_of(r, "II.6b")
        return bool(s and s.rule is Rule.FORMULA and s.value and s.value.count)

    online = sorted(
        (r for r in now if r.unit_code not in awarded and offers_level_3(r)),
        key=lambda r: (-_online_share(r, online_codes), -(r.index or 0), names[r.unit_code]),
    )
    fourth, fifth = online[ONLINE_QUOTA - 1], online[ONLINE_QUOTA]
    assert _online_share(fourth, online_codes) != _online_share(fifth, online_codes)
    awarded |= {r.unit_code for r in online[:ONLINE_QUOTA]}

    def gain(r: UnitResult) -> Decimal:
        earlier = before.get(r.unit_code, before.get(predecessors[r.unit_code] or ""))
        assert r.index is not None and earlier is not None
        return r.index - earlier

    improved = sorted(
        (
            r
            for r in now
            if r.unit_code not in awarded
            and r.grade is not Grade.TOT
            and r.rank_change is not None
            and r.rank_change >= 1
        ),
        key=lambda r: (-(r.rank_change or 0), -gain(r), names[r.unit_code]),
    )
    assert len(improved) > IMPROVED_QUOTA
    assert improved[0].rank_change == BIGGEST_RISE
    sixth, seventh = improved[IMPROVED_QUOTA - 1], improved[IMPROVED_QUOTA]
    assert (sixth.rank_change, gain(sixth)) != (seventh.rank_change, gain(seventh))
    changes = [r.rank_change for r in now if r.rank_change is not None]
    assert max(changes) == BIGGEST_RISE and changes.count(BIGGEST_RISE) == 1
    assert sum(c >= 1 for c in changes) >= IMPROVED_QUOTA
    blocks_before = {r.unit_code: b for b, rs in results[2013].items() for r in rs}
    blocks_now = {r.unit_code: b for b, rs in results[2014].items() for r in rs}
    for code, block in blocks_now.items():  # e.g. Bắc Từ Liêm after Huyện Từ Liêm
        predecessor = predecessors[code]
        if code not in blocks_before and blocks_before.get(predecessor or "", block) != block:
            assert next(r for r in now if r.unit_code == code).rank_change is None, code
