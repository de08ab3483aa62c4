"""Which units the rules propose for each award category (DOMAIN.md §6): pure, no ORM.

Categories are filled in their order; a unit gets at most one award. Within a category the
candidates are sorted by the rule's keys; when the quota cuts through a group of candidates that
are equal on every key but the name, all of them are proposed and a warning says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

BANG_KHEN = "bang_khen"
DICH_VU_CONG = "dich_vu_cong"
TIEN_BO = "tien_bo"
GOOD = "tot"


@dataclass(frozen=True)
class Candidate:
    """A ranked unit's standing in the period, with what the rules look at."""

    unit_id: int
    unit_code: str
    unit_name: str
    block_code: str
    grade: str
    index: Decimal
    rank: int
    rank_change: int | None = None  # None: not ranked in the same block last period
    online_points: Decimal = Decimal(0)
    online_max: Decimal = Decimal(0)
    level34_services: Decimal = Decimal(0)  # II.6b: the value counted, > 0 when any exist
    index_gain: Decimal | None = None

    @property
    def online_share(self) -> Decimal:
        if not self.online_max:
            return Decimal(0)
        return (self.online_points / self.online_max).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Rule:
    category: str
    quota: int
    ordering: Sequence[str]
    position: int = 0


@dataclass(frozen=True)
class Proposal:
    category: str
    candidate: Candidate
    position: int  # 1-based place in the category
    tied_over_quota: bool = False

    @property
    def why(self) -> dict[str, object]:
        c = self.candidate
        why: dict[str, object] = {
            "block": c.block_code,
            "grade": c.grade,
            "rank": c.rank,
            "index": str(c.index),
        }
        if self.category == DICH_VU_CONG:
            why |= {
                "online_share": str(c.online_share),
                "online_points": str(c.online_points),
                "online_max": str(c.online_max),
                "level34_services": str(c.level34_services),
            }
        if self.category == TIEN_BO:
            why |= {
                "rank_change": c.rank_change,
                "index_gain": None if c.index_gain is None else str(c.index_gain),
            }
        if self.tied_over_quota:
            why["tied_over_quota"] = True
        return why


@dataclass
class Selection:
    proposals: list[Proposal] = field(default_factory=list)
    # (category, quota, unit codes tied across the quota line)
    ties: list[tuple[str, int, list[str]]] = field(default_factory=list)

    def of(self, category: str) -> list[Proposal]:
        return [p for p in self.proposals if p.category == category]


def eligible(category: str, candidate: Candidate) -> bool:
    if category == BANG_KHEN:
        return candidate.grade == GOOD
    if category == DICH_VU_CONG:
        return candidate.level34_services > 0
    if category == TIEN_BO:
        return (
            candidate.grade != GOOD
            and candidate.rank_change is not None
            and candidate.rank_change >= 1
        )
    raise ValueError(f"unknown award category {category!r}")


def _key_value(candidate: Candidate, key: str) -> Decimal | int | str:
    name = key.lstrip("-")
    if name == "name":
        return candidate.unit_name
    value = getattr(candidate, name)
    return Decimal(0) if value is None else value


def sort_key(candidate: Candidate, ordering: Sequence[str]) -> tuple:
    """A key where smaller is better; ``-x`` means x descending."""
    parts: list[object] = []
    for key in ordering:
        value = _key_value(candidate, key)
        if key.startswith("-"):
            if isinstance(value, str):
                raise ValueError("names sort ascending only")
            parts.append(-value)
        else:
            parts.append(value)
    return tuple(parts)


def _tie_key(candidate: Candidate, ordering: Sequence[str]) -> tuple:
    return sort_key(candidate, [k for k in ordering if k.lstrip("-") != "name"])


def select(candidates: Iterable[Candidate], rules: Iterable[Rule]) -> Selection:
    """Fill the categories in their order from the candidates (each unit once)."""
    pool = list(candidates)
    taken: set[int] = set()
    selection = Selection()
    for rule in sorted(rules, key=lambda r: r.position):
        ranked = sorted(
            (c for c in pool if c.unit_id not in taken and eligible(rule.category, c)),
            key=lambda c: sort_key(c, rule.ordering),
        )
        chosen = ranked[: rule.quota]
        tied: list[Candidate] = []
        if chosen and len(ranked) > rule.quota:
            line = _tie_key(chosen[-1], rule.ordering)
            tied = [c for c in ranked[rule.quota :] if _tie_key(c, rule.ordering) == line]
            if tied:
                inside = [c for c in chosen if _tie_key(c, rule.ordering) == line]
                selection.ties.append(
                    (rule.category, rule.quota, [c.unit_code for c in inside + tied])
                )
        for place, candidate in enumerate(chosen + tied, start=1):
            selection.proposals.append(
                Proposal(
                    category=rule.category,
                    candidate=candidate,
                    position=place,
                    tied_over_quota=place > rule.quota,
                )
            )
            taken.add(candidate.unit_id)
    return selection
