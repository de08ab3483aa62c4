"""The production environment passes Django's deployment checks, warnings included.

``manage.py check --deploy --fail-level WARNING`` runs in a fresh Python with the environment a
production server has (DEBUG off, a long random SECRET_KEY, the public host name, PostgreSQL), not
as a test run: the settings relax their rules when pytest is imported or TESTING is set.
"""

from __future__ import annotations

import secrets

import pytest

from tests.test_settings import manage

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "xephang.hanoi.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://xephang.hanoi.gov.vn",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
}


def check_deploy(**overrides: str):
    return manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, **overrides})


def test_the_production_environment_passes_the_deployment_checks_with_no_warning():
    result = check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
        ({"SECRET_KEY": "short-and-guessable"}, "security.W009"),
        ({"DEBUG": "true"}, "security.W018"),
    ],
    ids=["without HSTS", "without the HTTPS redirect", "with a weak secret key", "with DEBUG"],
)
def test_the_deployment_checks_fail_when_a_protection_is_turned_off(overrides, warning):
    result = check_deploy(**overrides)

    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


def test_production_settings_make_every_cookie_secure_and_the_session_expire_when_idle():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE,"
        " s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY,"
        " s.LANGUAGE_COOKIE_SECURE, s.SESSION_COOKIE_AGE, s.TRUSTED_PROXY_COUNT,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "1800",
        "1",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]


def test_a_wrong_trusted_proxy_count_stops_with_one_sentence_naming_it():
    result = check_deploy(TRUSTED_PROXY_COUNT="one")

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Cấu hình sai / configuration error: TRUSTED_PROXY_COUNT must be a whole number of at"
        " least 0, not 'one'."
    ]
