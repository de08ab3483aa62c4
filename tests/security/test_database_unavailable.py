"""While the database cannot be reached, every page answers a short 503 (never a 500 traceback
page) and asks to retry; once it is back, the next request is served, without a restart."""

from __future__ import annotations

import socket
from contextlib import contextmanager

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import OperationalError, close_old_connections, connection
from django.db.backends.utils import CursorWrapper
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from hanoi_ict import urls as portal_urls
from tests import factories


def unreachable_view(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')


def plain_view(request):
    return HttpResponse("ok")


urlpatterns = [
    path("test/unreachable/", unreachable_view),
    path("test/plain/", plain_view),
    *portal_urls.urlpatterns,
]

MESSAGE_VI = "Hệ thống tạm thời không truy cập được cơ sở dữ liệu. Vui lòng thử lại sau ít phút."


@contextmanager
def database_down():
    """Every SQL statement fails the way psycopg fails while PostgreSQL restarts."""

    def refuse(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    original = CursorWrapper.execute, CursorWrapper.executemany
    CursorWrapper.execute = CursorWrapper.executemany = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        CursorWrapper.execute, CursorWrapper.executemany = original  # type: ignore[method-assign]


def assert_clear_503(response) -> None:
    content = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Cache-Control"] == "no-store"
    assert "Traceback" not in content and "OperationalError" not in content
    assert not response.cookies


@pytest.fixture(autouse=True)
def _no_kept_pages():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.urls(__name__)
def test_a_views_database_error_is_answered_with_a_vietnamese_503_page(db, client):
    response = client.get("/test/unreachable/")

    assert_clear_503(response)
    content = response.content.decode()
    assert '<html lang="vi">' in content
    assert MESSAGE_VI in content
    assert "Tạm thời gián đoạn" in content
    assert 'href="/test/unreachable/"' in content  # try again
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.urls(__name__)
def test_the_503_page_is_english_under_en(db, client):
    with database_down():
        response = client.get("/en/")

    assert_clear_503(response)
    assert "cannot reach its database" in response.content.decode()


PUBLIC_URLS = ["/", "/results/2014/", "/units/quan-hoan-kiem/", "/verify/ABCD-EFGH-JKLM/"]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_answer_503_while_the_database_is_down(db, client, url):
    with database_down():
        response = client.get(url)

    assert_clear_503(response)
    assert MESSAGE_VI in response.content.decode()


def test_a_logged_in_officers_page_answers_503_while_the_database_is_down(db, client):
    client.force_login(factories.make_user("officer"))

    with database_down():
        response = client.get("/my/")

    assert_clear_503(response)


def test_the_login_form_posted_while_the_database_is_down_answers_503(db, client):
    with database_down():
        response = client.post("/accounts/login/", {"username": "a", "password": "b"})

    assert_clear_503(response)


def test_the_api_answers_503_in_json(db, client):
    with database_down():
        response = client.get("/api/v1/schema/", headers={"authorization": "Token abc"})

    assert_clear_503(response)
    assert response.json() == {"detail": MESSAGE_VI, "code": "service_unavailable"}


@pytest.mark.urls(__name__)
def test_a_database_error_outside_the_view_also_becomes_the_503_page(db, monkeypatch, log_lines):
    """Saving the session happens after the view, in a middleware: Django has already turned
    the error into its 500 page by then; the portal answers 503 instead."""
    client = Client(raise_request_exception=False)
    client.force_login(factories.make_user("officer"))

    def refuse(self, must_create=False):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "save", refuse)
    response = client.get("/my/")  # the first working page pushes the session's expiry back

    assert_clear_503(response)
    assert MESSAGE_VI in response.content.decode()
    (line,) = [line for line in log_lines.lines if line.get("event") == "database_unavailable"]
    assert (line["level"], line["path"], line["error"]) == ("WARNING", "/my/", "OperationalError")


def test_pages_are_served_again_as_soon_as_the_database_is_back(db, client):
    with database_down():
        assert client.get("/").status_code == 503

    assert client.get("/").status_code == 200


# --- a real server, really unreachable (PostgreSQL) --------------------------------------------


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request_cycle(client, url: str):
    """One request as a server handles it: Django's test client skips the connection
    housekeeping a real request does first and last (close_old_connections)."""
    close_old_connections()
    try:
        return client.get(url)
    finally:
        close_old_connections()


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_refusing_connections_gives_503_and_its_return_full_service(client):
    settings_dict = connection.settings_dict
    real_port = settings_dict["PORT"]
    assert request_cycle(client, "/healthz").status_code == 200
    try:
        settings_dict["PORT"] = str(closed_port())
        connection.close()
        down = request_cycle(client, "/")
    finally:
        settings_dict["PORT"] = real_port

    back = request_cycle(client, "/")

    assert_clear_503(down)
    assert back.status_code == 200


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_persistent_connection_broken_by_a_restart_is_replaced_without_an_error(client):
    """PostgreSQL restarted between two requests: the worker's kept connection is dead. The
    health check (CONN_HEALTH_CHECKS) notices before the next request uses it."""
    assert request_cycle(client, "/").status_code == 200
    backend_pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    cache.clear()  # so that the page needs the database

    response = request_cycle(client, "/")

    assert response.status_code == 200
    assert connection.connection.info.backend_pid != backend_pid
