"""Starting the portal with a wrong environment stops it with one sentence, not a traceback.

Each test runs ``manage.py check`` in a fresh Python, as an operator would; the child must not
look like a test run (settings relax their rules when pytest is imported or TESTING is set).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_ROOT = Path(settings.BASE_DIR)
# Variables of the test run (pytest, pytest-django, this project's test switch) and the ones
# each test sets itself.
TEST_VARIABLES = {"DJANGO_SETTINGS_MODULE", "TESTING", "DEBUG", "SECRET_KEY", "DATABASE_URL"}


def child_environment(**overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in TEST_VARIABLES
        and not name.startswith(("PYTEST", "DJANGO_"))
        and name != "PYTHONPATH"
    }
    env.update(overrides)
    return env


def manage(*args: str, python: str = sys.executable, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=child_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_clear_sentence(result: subprocess.CompletedProcess, *, naming: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert naming in lines[0]
    assert lines[0].endswith(".")


def test_check_without_secret_key_outside_debug_stops_with_one_sentence_naming_it():
    result = manage("check")

    assert_one_clear_sentence(result, naming="SECRET_KEY")


def test_check_without_secret_key_passes_with_debug_on_for_local_development():
    result = manage("check", DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_with_a_secret_key_and_debug_unset_passes():
    result = manage("check", SECRET_KEY="a-long-random-string-for-this-test-only-0123456789")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    "database_url",
    ["postgres://user@host:notaport/db", "nonsense://x"],
    ids=["port-not-a-number", "unknown-scheme"],
)
def test_check_with_a_malformed_database_url_stops_with_one_sentence_naming_it(database_url):
    result = manage("check", SECRET_KEY="a-long-random-string", DATABASE_URL=database_url)

    assert_one_clear_sentence(result, naming="DATABASE_URL")


def test_check_with_debug_neither_true_nor_false_stops_with_one_sentence_naming_it():
    result = manage("check", SECRET_KEY="a-long-random-string", DEBUG="maybe")

    assert_one_clear_sentence(result, naming="DEBUG")


def _old_python() -> str | None:
    """A Python older than 3.12 (the pyenv one of CI, or any python3.11 on the PATH)."""
    for candidate in ("/root/.pyenv/versions/3.11.7/bin/python", shutil.which("python3.11")):
        if not candidate or not Path(candidate).exists():
            continue
        probe = subprocess.run(
            [candidate, "-c", "import sys; sys.exit(sys.version_info >= (3, 12))"],
            capture_output=True,
            timeout=30,
        )
        if probe.returncode == 0:
            return candidate
    return None


OLD_PYTHON = _old_python()


@pytest.mark.skipif(OLD_PYTHON is None, reason="no Python older than 3.12 on this machine")
def test_manage_py_on_python_3_11_stops_with_one_sentence_naming_the_needed_version():
    result = manage("check", python=OLD_PYTHON or "", SECRET_KEY="a-long-random-string")

    assert_one_clear_sentence(result, naming="Python 3.12 or newer")
    assert "3.11" in result.stderr
