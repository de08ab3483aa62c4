"""A session idle for 30 minutes is over; working keeps it alive; public pages never touch it."""

from __future__ import annotations

import pytest

from tests import factories

DASHBOARD = "/my/"


@pytest.fixture
def logged_in(db, client):
    client.force_login(factories.make_user("officer"))
    return client


def test_a_session_idle_for_more_than_30_minutes_is_logged_out(logged_in, clock):
    assert logged_in.get(DASHBOARD).status_code == 200

    clock.advance(minutes=30, seconds=1)
    response = logged_in.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_session_used_every_29_minutes_stays_logged_in_for_hours(logged_in, clock):
    for _ in range(8):
        clock.advance(minutes=29)
        assert logged_in.get(DASHBOARD).status_code == 200


def test_reading_public_pages_does_not_keep_a_session_alive(logged_in, clock):
    logged_in.get(DASHBOARD)
    for _ in range(4):
        clock.advance(minutes=10)
        public = logged_in.get("/")
        assert not public.cookies

    assert logged_in.get(DASHBOARD).status_code == 302


def test_the_session_is_saved_at_most_once_a_minute_while_working(logged_in, clock):
    first = logged_in.get(DASHBOARD)
    clock.advance(seconds=30)
    second = logged_in.get(DASHBOARD)
    clock.advance(seconds=31)
    third = logged_in.get(DASHBOARD)

    assert "sessionid" in first.cookies
    assert "sessionid" not in second.cookies
    assert "sessionid" in third.cookies
    assert third.cookies["sessionid"]["max-age"] == 30 * 60
