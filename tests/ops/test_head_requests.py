"""HEAD: GET's headers and no body, so the WSGI server has nothing to drop (gunicorn logs a
warning for each answer whose body it must drop, which monitors' HEAD checks would repeat)."""

from __future__ import annotations

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.http import FileResponse
from django.test import RequestFactory
from django.urls import path

from hanoi_ict import urls as portal_urls

REPORT = b"%PDF-1.7 a report of forty bytes, padded.."


def report_view(request):
    return FileResponse(io.BytesIO(REPORT), content_type="application/pdf")


urlpatterns = [path("test/report.pdf", report_view), *portal_urls.urlpatterns]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def served(method: str, address: str) -> tuple[int, dict[str, str], bytes]:
    """What the WSGI server is handed: the status, the headers and every byte of the body."""
    request = getattr(RequestFactory(), method)(address)
    response = WSGIHandler().get_response(request)
    try:
        return response.status_code, dict(response.items()), b"".join(response)
    finally:
        response.close()


@pytest.mark.parametrize("address", ["/", "/en/", "/search/?q=ha"])
def test_a_head_request_for_a_page_gets_its_headers_and_no_body(address):
    status, headers, body = served("get", address)
    head_status, head_headers, head_body = served("head", address)

    assert status == head_status == 200
    assert body
    assert head_body == b""
    assert head_headers["Content-Length"] == str(len(body))
    assert head_headers["Content-Type"] == headers["Content-Type"]


def test_a_head_request_for_a_file_gets_its_length_and_no_bytes():
    status, headers, head_body = served("head", "/test/report.pdf")

    assert status == 200
    assert head_body == b""
    assert headers["Content-Length"] == str(len(REPORT))
    assert headers["Content-Type"] == "application/pdf"


def test_a_get_request_still_gets_the_whole_file():
    status, _, body = served("get", "/test/report.pdf")

    assert status == 200
    assert body == REPORT
