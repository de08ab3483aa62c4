"""How many hostile inputs the session tried, by target; reported at the end of the run."""

from __future__ import annotations

from collections import Counter
from typing import Final

MINIMUM: Final = 10_000
"""At least this many when the whole package runs (issue 9, item 4)."""

TRIED: Counter[str] = Counter()


def tried(target: str, count: int = 1) -> None:
    TRIED[target] += count


def total() -> int:
    return sum(TRIED.values())
