"""The hostile-input tests: the demo (as tests/access loads it), the tally of inputs tried, and
the settings every property-based test shares."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.access.conftest import world  # noqa: F401  (the package-scoped demo)
from tests.hostile import tally

HERE = Path(__file__).resolve().parent

# Selected hostile test items by module, and whether any was deselected (-k, -m): the total
# is only checked when the whole package runs.
SELECTED: dict[str, int] = {}
DESELECTED: list[str] = []


def hostile(max_examples: int) -> settings:
    """Deterministic (the same inputs every run), no deadline (CI machines are slow), and no
    example database written into the working tree."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # `db`: each example checks it wrote nothing
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


def _in_package(item: pytest.Item) -> bool:
    return Path(str(item.fspath)).resolve().parent == HERE


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items) -> None:
    SELECTED.clear()
    for item in items:
        if _in_package(item):
            module = Path(str(item.fspath)).name
            SELECTED[module] = SELECTED.get(module, 0) + 1


def pytest_deselected(items) -> None:
    DESELECTED.extend(item.nodeid for item in items if _in_package(item))


def whole_package_selected() -> bool:
    modules = {path.name for path in HERE.glob("test_*.py")}
    return not DESELECTED and modules <= set(SELECTED)


def pytest_terminal_summary(terminalreporter) -> None:
    if not tally.TRIED:
        return
    terminalreporter.write_sep("-", f"hostile inputs tried: {tally.total():,}")
    for target, count in sorted(tally.TRIED.items()):
        terminalreporter.write_line(f"  {count:>7,}  {target}")
