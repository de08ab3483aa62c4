"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

Only these: ``pytest -m e2e``; everything else: ``pytest -m "not e2e"``. Playwright's own browser
download does not work on our machines (STACK.md), so ``scripts/system-packages test`` installs
Debian's ``chromium`` and the browser is launched from there.

Every test starts from the full demo (``load_demo``) in the live server's database. Loading it
takes several seconds, so it is loaded once per module, copied aside table by table, and copied
back before each test: tests may change anything, and the next one starts from the demo again.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.urls import reverse
from playwright.sync_api import Page, expect

from awards.management.commands.load_demo import DEMO_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop running in the test's thread, and Django refuses
    ORM calls where a loop runs; the calls here are plain synchronous ones, so allow them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (scripts/system-packages test)."
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": settings.TIME_ZONE}


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Pages open by path (``page.goto(reverse(...))``) on the live server."""
    return live_server.url


@pytest.fixture(scope="module")
def _demo_copy(django_db_setup, django_db_blocker) -> Iterator[dict[str, str]]:
    """Load the demo once for the module and copy each table aside: table → its copy."""
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
        tables = sorted(connection.introspection.django_table_names(only_existing=True))
        copies = {table: f"e2e_demo_{number}" for number, table in enumerate(tables)}
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, copy in copies.items():
                cursor.execute(f"DROP TABLE IF EXISTS {quote(copy)}")
                cursor.execute(f"CREATE TABLE {quote(copy)} AS SELECT * FROM {quote(table)}")
    yield copies
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            for copy in copies.values():
                cursor.execute(f"DROP TABLE {quote(copy)}")
        # Later modules start from an empty database, as they would without this one.
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(_demo_copy: dict[str, str], live_server, settings, tmp_path) -> None:
    """The demo as ``load_demo`` leaves it, in the database the live server uses.

    ``live_server`` makes the test transactional: the server's requests commit, and the database
    is flushed after the test. Uploaded evidence goes to a temporary MEDIA_ROOT.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    quote = connection.ops.quote_name
    with transaction.atomic():
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), list(_demo_copy)))
        with connection.cursor() as cursor:
            for table, copy in _demo_copy.items():
                cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {quote(copy)}")
            models = apps.get_models(include_auto_created=True)
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)


@pytest.fixture
def log_in() -> Callable[..., None]:
    """Log in through the real login form and land on the officer's dashboard."""

    def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto(reverse("login"))
        form = page.locator("main form")
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(password)
        form.locator("button[type=submit]").click()
        expect(page).to_have_url(re.compile(re.escape(reverse("assessments:dashboard")) + "$"))

    return log_in


_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[_failed] = report.failed
    return report


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Iterator[Callable[[Page, str], Path]]:
    """``screenshot(page, "02-filled")`` saves test-results/screenshots/<test>-02-filled.png.

    If the test fails, the last page photographed is saved once more as <test>-failed.png.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.originalname
    pages: list[Page] = []

    def take(page: Page, step: str) -> Path:
        path = SCREENSHOTS / f"{name}-{step}.png"
        page.screenshot(path=path, full_page=True)
        pages.append(page)
        return path

    yield take
    if request.node.stash.get(_failed, False) and pages and not pages[-1].is_closed():
        pages[-1].screenshot(path=SCREENSHOTS / f"{name}-failed.png", full_page=True)


@pytest.fixture(scope="session")
def _axe() -> Axe:
    return Axe()


@pytest.fixture
def assert_accessible(_axe: Axe) -> Callable[[Page], None]:
    """Run axe-core on the page; fail on any serious or critical violation, listing each."""

    def assert_accessible(page: Page) -> None:
        violations = _axe.run(page).response["violations"]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, _describe(page.url, blocking)

    return assert_accessible


def _describe(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} serious or critical accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = " ".join(node.get("failureSummary", "").split())
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)
