"""Security headers on every kind of answer: public pages (cached or not), working pages, the admin,
the API, downloads, PDFs, error pages and static files; public pages still without cookies."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from awards.models import Award
from hanoi_ict import urls as portal_urls
from tests import factories
from tests.security.conftest import PASSWORD


def broken_view(request):
    raise RuntimeError("a bug")


def plain_view(request):
    return HttpResponse("ok")


urlpatterns = [
    path("test/broken/", broken_view),
    path("test/plain/", plain_view),
    *portal_urls.urlpatterns,
]

pytestmark = pytest.mark.usefixtures("demo_db", "db")

PUBLIC_PAGES = {
    "home": "/",
    "home in English": "/en/",
    "block": "/results/2014/quan-thi-xa/",
    "unit": "/units/quan-hoan-kiem/",
    "open data CSV": "/results/2014/download.csv",
    "open data XLSX": "/results/2014/download.xlsx",
}


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_secure_headers(response, *, framing: str = "DENY") -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == framing
    policy = directives(response)
    assert policy["frame-ancestors"] == (["'none'"] if framing == "DENY" else ["'self'"])
    for values in policy.values():
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values


def assert_page_policy(response) -> None:
    assert_secure_headers(response)
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def as_user(client):
    def as_user(username: str) -> Client:
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return as_user


@pytest.mark.parametrize("url", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_a_public_page_has_the_security_headers_and_no_cookie_rendered_or_cached(client, url):
    cache.clear()
    rendered = client.get(url)
    cached = client.get(url)

    for response in (rendered, cached):
        assert response.status_code == 200
        assert_page_policy(response)
        assert not response.cookies
        assert "cookie" not in response.get("Vary", "").lower()


def test_a_public_page_answered_304_keeps_the_headers(client):
    etag = client.get("/units/quan-hoan-kiem/")["ETag"]

    response = client.get("/units/quan-hoan-kiem/", headers={"if-none-match": etag})

    assert response.status_code == 304
    assert_page_policy(response)


def test_the_public_pages_policy_carries_no_nonce_that_a_cached_copy_would_repeat(client):
    assert "nonce-" not in client.get("/")["Content-Security-Policy"]


def test_the_certificate_verification_page_has_the_security_headers(client):
    code = Award.objects.filter(status=Award.Status.CONFIRMED).first().verification_code

    response = client.get(f"/verify/{code}/")

    assert response.status_code == 200
    assert_page_policy(response)


@pytest.mark.parametrize(
    ("username", "url"),
    [
        (None, "/accounts/login/"),
        ("canbo-hoankiem", "/my/"),
        ("canbo-hoankiem", "/my/quan-hoan-kiem/2015/"),
        ("thamdinh-quan", "/review/"),
        ("admin", "/manage/periods/2014/awards/"),
        ("admin", "/admin/"),
        ("admin", "/admin/assessments/unit/"),
    ],
    ids=["login", "dashboard", "form (htmx)", "review queue", "awards", "admin", "admin list"],
)
def test_a_working_page_has_the_security_headers(as_user, client, username, url):
    response = (as_user(username) if username else client).get(url)

    assert response.status_code == 200
    assert_page_policy(response)


def test_a_working_pages_cookies_are_httponly_and_samesite(client):
    response = client.get("/accounts/login/")

    csrf = response.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"


def test_the_session_cookie_is_httponly_and_lives_as_long_as_the_idle_limit(client):
    factories.make_user("session-tester")
    client.post("/accounts/login/", {"username": "session-tester", "password": PASSWORD})

    session = client.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    assert session["max-age"] == 30 * 60


def test_an_api_answer_has_the_security_headers(client):
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    assert_secure_headers(response)


def test_a_pdf_shown_in_the_browser_may_only_be_framed_by_the_portal(as_user):
    response = as_user("admin").get("/manage/periods/2014/awards/report.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_secure_headers(response, framing="SAMEORIGIN")
    assert directives(response) == {"frame-ancestors": ["'self'"]}


def test_the_not_found_page_is_vietnamese_and_has_the_security_headers(client):
    response = client.get("/khong-co-trang-nay/")

    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()
    assert_page_policy(response)


@pytest.mark.urls(__name__)
def test_the_server_error_page_is_vietnamese_and_has_the_security_headers():
    response = Client(raise_request_exception=False).get("/test/broken/")

    assert response.status_code == 500
    assert "Đã xảy ra lỗi" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert_page_policy(response)


def test_a_static_file_has_nosniff_and_the_policy(settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = Client().get("/static/css/portal.css")

    assert response.status_code == 200
    assert_secure_headers(response)


def test_hsts_is_sent_in_production_over_https(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = Client().get("/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_api_documentation_runs_no_inline_script(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]
    scripts = re.findall(r"<script\b([^>]*)>", response.content.decode())
    assert scripts and all("src=" in attributes for attributes in scripts)
