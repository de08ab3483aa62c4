"""Login protection: 10 failed logins within 15 minutes block that username, and that address,
until the 15 minutes have passed; on the portal's login, the admin's and the API's token login."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import path, reverse
from rest_framework.authtoken.views import obtain_auth_token

from hanoi_ict import urls as portal_urls
from tests import factories
from tests.security.conftest import PASSWORD

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
LIMIT = 10

# The portal's URLs plus DRF's token login, the view the API's token endpoint builds on.
urlpatterns = [
    path("test-api/token/", obtain_auth_token),
    *portal_urls.urlpatterns,
]


def addresses(count: int) -> list[str]:
    return [f"198.51.100.{n}" for n in range(1, count + 1)]


def fail(log_in, times: int, *, username: str = "officer", address: str | None = None) -> None:
    """``times`` wrong passwords, from one address or (None) each from another."""
    for n, each in enumerate(addresses(times)):
        log_in(username, f"wrong-{n}", address=address or each)


def is_logged_in(response) -> bool:
    return response.status_code == 302


@pytest.fixture
def officer(db):
    return factories.make_user("officer")


@pytest.fixture
def other_user(db):
    return factories.make_user("other-officer")


# --- per username ---------------------------------------------------------------------------


def test_nine_failures_for_a_username_still_let_its_owner_log_in(officer, log_in):
    fail(log_in, LIMIT - 1)

    assert is_logged_in(log_in("officer", PASSWORD))


def test_ten_failures_from_ten_addresses_block_that_username_even_with_the_right_password(
    officer, log_in
):
    fail(log_in, LIMIT)

    response = log_in("officer", PASSWORD, address="192.0.2.50")

    assert response.status_code == 429
    assert "_auth_user_id" not in response.wsgi_request.session


def test_nine_failures_get_the_form_again_and_the_tenth_the_blocked_page(officer, log_in):
    answers = [log_in("officer", f"wrong-{n}").status_code for n in range(LIMIT)]

    assert answers == [200] * (LIMIT - 1) + [429]


def test_a_blocked_username_does_not_block_another_user_at_the_same_address(
    officer, other_user, log_in
):
    fail(log_in, LIMIT)

    assert is_logged_in(log_in("other-officer", PASSWORD, address="192.0.2.50"))


# --- per address ----------------------------------------------------------------------------


def test_ten_failures_with_ten_usernames_from_one_address_block_that_address(officer, log_in):
    for n in range(LIMIT):
        log_in(f"guess-{n}", "wrong", address="203.0.113.99")

    assert log_in("officer", PASSWORD, address="203.0.113.99").status_code == 429
    assert is_logged_in(log_in("officer", PASSWORD, address="203.0.113.100"))


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_saw(settings, officer, log_in):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(LIMIT):
        log_in(f"guess-{n}", "wrong", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.99")

    # The proxy (10.0.0.2) is not blocked: another client behind it logs in.
    assert is_logged_in(
        log_in("officer", PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.100")
    )
    # Whatever the client writes further left in X-Forwarded-For is not believed.
    assert (
        log_in(
            "officer",
            PASSWORD,
            address="10.0.0.2",
            HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.99",
        ).status_code
        == 429
    )


def test_without_a_trusted_proxy_a_forged_x_forwarded_for_does_not_escape_the_block(
    officer, log_in
):
    for n in range(LIMIT):
        log_in(f"guess-{n}", "wrong", address="203.0.113.99", HTTP_X_FORWARDED_FOR=f"10.1.1.{n}")

    response = log_in("officer", PASSWORD, address="203.0.113.99", HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert response.status_code == 429


# --- 15 minutes -----------------------------------------------------------------------------


def test_failures_more_than_15_minutes_apart_do_not_add_up(officer, log_in, clock):
    fail(log_in, LIMIT - 1)
    clock.advance(minutes=15, seconds=1)
    fail(log_in, 1)

    assert is_logged_in(log_in("officer", PASSWORD))


def test_ten_failures_spread_over_14_minutes_block(officer, log_in, clock):
    for _ in range(LIMIT):
        fail(log_in, 1)
        clock.advance(minutes=1, seconds=30)

    assert log_in("officer", PASSWORD).status_code == 429


def test_the_block_ends_15_minutes_after_the_last_failure(officer, log_in, clock):
    fail(log_in, LIMIT)
    clock.advance(minutes=14, seconds=59)
    assert log_in("officer", PASSWORD).status_code == 429

    clock.advance(seconds=2)

    assert is_logged_in(log_in("officer", PASSWORD))


def test_trying_again_while_blocked_does_not_extend_the_block(officer, log_in, clock):
    fail(log_in, LIMIT)
    for _ in range(5):
        clock.advance(minutes=2)
        assert log_in("officer", "wrong-again").status_code == 429

    clock.advance(minutes=5, seconds=1)  # 15 minutes after the tenth failure

    assert is_logged_in(log_in("officer", PASSWORD))


# --- the page -------------------------------------------------------------------------------


def test_the_blocked_page_says_in_vietnamese_when_to_try_again(officer, log_in, clock):
    fail(log_in, LIMIT)
    unblocked_at = clock.now.astimezone(HANOI) + dt.timedelta(minutes=15)
    clock.advance(minutes=3)

    response = log_in("officer", PASSWORD)

    content = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == str(12 * 60)
    assert '<html lang="vi">' in content
    assert "Tạm thời không thể đăng nhập" in content
    assert f"Vui lòng thử lại sau {unblocked_at:%H:%M} (khoảng 12 phút nữa)." in content
    assert re.search(r'href="/accounts/password_reset/"', content)


def test_the_blocked_page_is_in_english_for_those_who_chose_english(officer, log_in, client):
    client.cookies["django_language"] = "en"
    fail(log_in, LIMIT)

    content = log_in("officer", PASSWORD).content.decode()

    assert "Please try again after" in content


# --- the admin's login and the API's token login ----------------------------------------------


def test_the_admins_login_is_blocked_the_same_way(db, client):
    factories.make_user("admin-person", is_staff=True, is_superuser=True)
    for n in range(LIMIT):
        client.post(
            "/admin/login/",
            {"username": "admin-person", "password": f"wrong-{n}"},
            REMOTE_ADDR=f"198.51.100.{n}",
        )

    response = client.post(
        "/admin/login/", {"username": "admin-person", "password": PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )

    assert response.status_code == 429
    assert "Tạm thời không thể đăng nhập" in response.content.decode()


@pytest.mark.urls(__name__)
def test_failed_api_token_logins_count_towards_the_block_of_the_portals_login(
    officer, client, log_in
):
    for n in range(LIMIT):
        response = client.post(
            "/test-api/token/",
            {"username": "officer", "password": f"wrong-{n}"},
            REMOTE_ADDR=f"198.51.100.{n}",
        )
        assert response.status_code == 400

    assert log_in("officer", PASSWORD, address="192.0.2.50").status_code == 429
    # The token login refuses the right password too while the username is blocked.
    refused = client.post(
        "/test-api/token/", {"username": "officer", "password": PASSWORD}, REMOTE_ADDR="192.0.2.51"
    )
    assert refused.status_code == 400
    assert "token" not in refused.json()


def test_the_apis_token_login_counts_its_failures_and_refuses_a_blocked_username(
    officer, client, log_in, log_lines
):
    for n in range(LIMIT):
        client.post(
            reverse("api:token"),
            {"username": "officer", "password": f"wrong-{n}"},
            REMOTE_ADDR=f"198.51.100.{n}",
        )

    refused = client.post(
        reverse("api:token"), {"username": "officer", "password": PASSWORD}, REMOTE_ADDR="192.0.2.7"
    )

    assert refused.status_code == 400 and "token" not in refused.json()
    assert log_in("officer", PASSWORD, address="192.0.2.50").status_code == 429
    failures = log_lines.events("login_failed")
    assert {line["path"] for line in failures} == {reverse("api:token"), "/accounts/login/"}


def test_the_apis_token_login_is_throttled_per_address_and_logged(officer, client, log_lines):
    answers = [
        client.post(
            reverse("api:token"),
            {"username": f"guess-{n}", "password": "wrong"},
            REMOTE_ADDR="203.0.113.77",
        ).status_code
        for n in range(12)
    ]

    assert 429 in answers
    (first, *_rest) = log_lines.events("rate_limited")
    assert (first["path"], first["address"]) == (reverse("api:token"), "203.0.113.77")


def test_a_blocked_login_asked_by_a_script_gets_json_with_the_seconds_to_wait(officer, log_in):
    fail(log_in, LIMIT)

    response = log_in("officer", PASSWORD, HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "login_blocked"
    assert 14 * 60 < body["retry_after"] <= 15 * 60
    assert body["retry_after"] == int(response["Retry-After"])
