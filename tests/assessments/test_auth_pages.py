"""Logging in and out, changing and resetting a password: Vietnamese pages that work end to end."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from tests.assessments.conftest import in_vietnamese, page

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

LOGIN_URL = "/accounts/login/"
DASHBOARD_URL = reverse("assessments:dashboard")
OLD_PASSWORD = "pw-for-tests-1"  # what tests/factories.py gives every persona
NEW_PASSWORD = "Hoan-Kiem-2024-moi"


def main_part(response) -> str:
    content = page(response)
    return content[content.index("<main") : content.index("</main>")]


def username_label() -> str:
    """What the Vietnamese interface calls a username (the user model's own label)."""
    with translation.override("vi"):
        return str(get_user_model()._meta.get_field("username").verbose_name)


def logs_in(client, username: str, password: str) -> bool:
    response = client.post(LOGIN_URL, {"username": username, "password": password})
    return response.status_code == 302


# --- Logging in and out ---------------------------------------------------------------------


def test_the_login_page_is_in_vietnamese(client, db):
    response = client.get(LOGIN_URL)

    content = page(response)
    assert response.status_code == 200
    assert '<html lang="vi">' in content
    assert "<title>Đăng nhập" in content
    assert '<button class="button" type="submit">Đăng nhập</button>' in content
    assert f">{capfirst(username_label())}</label>" in main_part(response)
    assert ">Mật khẩu</label>" in main_part(response)
    assert 'href="/accounts/password_reset/"' in main_part(response)


def test_a_wrong_password_is_refused_with_a_vietnamese_message(client, officer):
    response = client.post(LOGIN_URL, {"username": "officer", "password": "sai-mat-khau"})

    assert response.status_code == 200
    assert in_vietnamese(
        "Please enter a correct %(username)s and password. Note that both fields may be "
        "case-sensitive.",
        username=username_label(),
    ) in main_part(response)
    assert "Please enter" not in main_part(response)
    assert client.get(DASHBOARD_URL).status_code == 302


def test_logging_in_leads_to_the_page_asked_for(client, officer):
    response = client.post(
        LOGIN_URL, {"username": "officer", "password": OLD_PASSWORD, "next": DASHBOARD_URL}
    )

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL
    assert client.get(DASHBOARD_URL).status_code == 200


def test_logging_in_without_a_next_page_leads_to_my_work(client, officer):
    response = client.post(LOGIN_URL, {"username": "officer", "password": OLD_PASSWORD})

    assert response["Location"] == DASHBOARD_URL


def test_logging_in_does_not_follow_a_next_address_on_another_site(client, officer):
    response = client.post(
        LOGIN_URL,
        {"username": "officer", "password": OLD_PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_logging_out_returns_to_the_vietnamese_home_page_and_ends_the_session(client, officer):
    client.force_login(officer)

    response = client.post(reverse("logout"), follow=True)

    assert response.status_code == 200
    assert '<html lang="vi">' in page(response)
    assert re.search(r'<a href="[^"]+">Đăng nhập</a>', page(response))
    assert "Đăng xuất" not in page(response)
    assert client.get(DASHBOARD_URL)["Location"].startswith(LOGIN_URL)


def test_logging_out_needs_a_post_so_a_link_cannot_log_anyone_out(client, officer):
    client.force_login(officer)

    assert client.get(reverse("logout")).status_code == 405
    assert client.get(DASHBOARD_URL).status_code == 200


def test_every_page_of_a_logged_in_user_offers_a_vietnamese_log_out_button(client, officer):
    client.force_login(officer)

    content = page(client.get(DASHBOARD_URL))

    assert re.search(
        r'<form method="post" action="/accounts/logout/"[^>]*>.*?Đăng xuất</button>', content, re.S
    )


# --- Changing the password ------------------------------------------------------------------


def test_the_password_change_page_asks_for_login_first(client, db):
    response = client.get(reverse("password_change"))

    assert response["Location"].startswith(LOGIN_URL)


def test_the_password_change_form_is_labelled_in_vietnamese(client, officer):
    client.force_login(officer)

    form = main_part(client.get(reverse("password_change")))

    for label in ("Old password", "New password", "New password confirmation"):
        assert f">{in_vietnamese(label)}</label>" in form
        assert f">{label}</label>" not in form


def test_a_wrong_old_password_is_refused_beside_its_field_and_the_password_stays(client, officer):
    client.force_login(officer)

    response = client.post(
        reverse("password_change"),
        {"old_password": "sai", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    wrong = in_vietnamese("Your old password was entered incorrectly. Please enter it again.")
    assert f'id="id_old_password-error">{wrong}</p>' in main_part(response)
    officer.refresh_from_db()
    assert officer.check_password(OLD_PASSWORD)


def test_changing_the_password_confirms_it_and_the_new_one_logs_in(client, officer):
    client.force_login(officer)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": OLD_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("password_change_done"), 302)]
    assert in_vietnamese("Your password was changed.") in main_part(response)
    client.logout()
    assert not logs_in(client, "officer", OLD_PASSWORD)
    assert logs_in(client, "officer", NEW_PASSWORD)


# --- Resetting a forgotten password ---------------------------------------------------------


@pytest.fixture
def officer_with_email(officer):
    officer.email = "can-bo@sonoivu.hanoi.gov.vn"
    officer.save()
    return officer


def reset_link(message) -> str:
    match = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_asking_for_a_reset_sends_an_email_with_a_link_to_the_account_address(
    client, officer_with_email, mailoutbox
):
    response = client.post(
        reverse("password_reset"), {"email": "can-bo@sonoivu.hanoi.gov.vn"}, follow=True
    )

    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["can-bo@sonoivu.hanoi.gov.vn"]
    assert message.subject.strip() and "\n" not in message.subject
    assert "officer" in message.body
    assert reset_link(message)


def test_asking_for_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client, officer_with_email, mailoutbox
):
    known = main_part(
        client.post(
            reverse("password_reset"), {"email": "can-bo@sonoivu.hanoi.gov.vn"}, follow=True
        )
    )
    mailoutbox.clear()

    unknown = main_part(
        client.post(reverse("password_reset"), {"email": "ai-do@example.org"}, follow=True)
    )

    assert mailoutbox == []
    assert unknown == known


def test_the_reset_link_lets_the_officer_choose_a_new_password_and_log_in_with_it(
    client, officer_with_email, mailoutbox
):
    client.post(reverse("password_reset"), {"email": "can-bo@sonoivu.hanoi.gov.vn"})
    form_page = client.get(reset_link(mailoutbox[0]), follow=True)
    assert f">{in_vietnamese('New password')}</label>" in main_part(form_page)

    response = client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("password_reset_complete"), 302)]
    assert f'href="{LOGIN_URL}"' in main_part(response)
    assert logs_in(client, "officer", NEW_PASSWORD)


def test_a_reset_link_works_only_once(client, officer_with_email, mailoutbox):
    client.post(reverse("password_reset"), {"email": "can-bo@sonoivu.hanoi.gov.vn"})
    link = reset_link(mailoutbox[0])
    form_page = client.get(link, follow=True)
    client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    again = client.get(link, follow=True)

    assert 'type="password"' not in main_part(again)
    assert 'class="message error"' in main_part(again)
