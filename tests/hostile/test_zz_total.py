"""Runs last (file order): the whole package must have tried at least 10,000 hostile inputs."""

from __future__ import annotations

import pytest

from tests.hostile import tally
from tests.hostile.conftest import whole_package_selected


def test_at_least_ten_thousand_hostile_inputs_were_tried():
    if not whole_package_selected():
        pytest.skip("only part of tests/hostile was selected: the total is not comparable")
    assert tally.total() >= tally.MINIMUM, (
        f"only {tally.total():,} hostile inputs tried (at least {tally.MINIMUM:,}): "
        + ", ".join(f"{target}: {count}" for target, count in sorted(tally.TRIED.items()))
    )
