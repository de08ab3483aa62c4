"""What the security tests share: the JSON lines the portal logs, a clock to move, addresses."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from unittest import mock

import pytest
from django.utils import timezone

from hanoi_ict.logging import JsonFormatter

LOGIN_URL = "/accounts/login/"
PASSWORD = "pw-for-tests-1"  # what tests/factories.py gives every persona


class JsonLines(logging.Handler):
    """Every record, formatted as the portal formats it and parsed back from JSON."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def events(self, event: str, logger: str = "hanoi_ict.security") -> list[dict]:
        return [
            line for line in self.lines if line["logger"] == logger and line.get("event") == event
        ]


@pytest.fixture
def log_lines() -> Iterator[JsonLines]:
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@pytest.fixture(autouse=True)
def _cheap_passwords(settings) -> None:
    """Dozens of logins per test: hash the personas' passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Clock:
    """The time as Django and django-axes see it, moved forward by the test (no sleeping)."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[Clock]:
    fake = Clock()
    # axes stamps attempts with its own import of now(); the rest reads django.utils.timezone.
    with mock.patch("django.utils.timezone.now", fake), mock.patch("axes.handlers.proxy.now", fake):
        yield fake


@pytest.fixture
def log_in(client) -> Callable[..., object]:
    """POST the portal's login form as if from ``address`` (REMOTE_ADDR)."""

    def log_in(username: str, password: str, address: str = "203.0.113.7", **extra: str):
        return client.post(
            LOGIN_URL,
            {"username": username, "password": password},
            REMOTE_ADDR=address,
            HTTP_USER_AGENT="Mozilla/5.0 (test)",
            **extra,
        )

    return log_in
