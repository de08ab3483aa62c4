"""Tokens for machines (throttled), sessions with CSRF for browsers, and the documentation."""

from __future__ import annotations

import io
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import submission_url
from tests.assessments.conftest import in_vietnamese

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "pw-for-tests-1"  # tests/factories.make_user


def test_a_machine_obtains_its_token_and_works_with_it(api, officer, draft):
    response = api.post(TOKEN_URL, {"username": "officer", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=officer).key
    machine = APIClient()
    machine.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = machine.get("/api/v1/submissions/").json()["results"]
    assert [s["id"] for s in listed] == [draft.pk]


def test_a_wrong_password_gets_no_token(api, officer):
    response = api.post(TOKEN_URL, {"username": "officer", "password": "doan-bua"}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == in_vietnamese("Unable to log in with provided credentials.")
    assert not Token.objects.filter(user=officer).exists()


def test_an_unknown_token_is_refused(draft):
    machine = APIClient()
    machine.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = machine.get("/api/v1/submissions/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_asking_for_tokens_is_throttled_per_client_address(officer):
    here, elsewhere = APIClient(REMOTE_ADDR="10.0.0.7"), APIClient(REMOTE_ADDR="10.0.0.8")
    credentials = {"username": "officer", "password": PASSWORD}
    answers = [here.post(TOKEN_URL, credentials, format="json").status_code for _ in range(11)]

    assert answers == [200] * 10 + [429]
    throttled = here.post(TOKEN_URL, credentials, format="json")
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert elsewhere.post(TOKEN_URL, credentials, format="json").status_code == 200


def _csrf_token_of_the_docs(client: APIClient) -> str:
    """The token the interactive documentation sends with its requests (from its script)."""
    script = client.get("/api/v1/docs/", {"script": ""}).content.decode()
    return re.search(r'request\.headers\["X-CSRFTOKEN"\] = "([^"]+)"', script, re.I).group(1)


def test_a_browser_session_needs_the_csrf_token_to_act(officer, draft):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(officer)
    body = {"answers": [{"indicator": "II.1", "count": 4}]}

    refused = browser.patch(submission_url(draft, "answers"), body, format="json")
    token = _csrf_token_of_the_docs(browser)
    accepted = browser.patch(
        submission_url(draft, "answers"), body, format="json", HTTP_X_CSRFTOKEN=token
    )

    assert browser.get(submission_url(draft)).status_code == 200  # reading needs no token
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 200
    assert draft.answers.get(indicator__code="II.1").count == 4


def test_a_token_request_needs_no_csrf_token(officer, draft, indicators):
    machine = APIClient(enforce_csrf_checks=True)
    machine.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")

    response = machine.patch(
        submission_url(draft, "answers"),
        {"answers": [{"indicator": "II.1", "count": 4}]},
        format="json",
    )

    assert response.status_code == 200


def test_the_documentation_is_served_from_the_portal_itself(client):
    page = client.get("/api/v1/docs/")
    script = client.get("/api/v1/docs/", {"script": ""})

    assert page.status_code == script.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(src.startswith("/") for src in sources), sources
    for src in sources:
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), src
    assert "<script>" not in html  # the script is a file: the site's CSP allows it
    assert "/api/v1/schema/" in script.content.decode()


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    """The schema as `manage.py spectacular --validate --fail-on-warn` writes it."""
    output = io.StringIO()
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", stdout=output)
    return yaml.safe_load(output.getvalue())


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_schema_is_valid_and_every_error_is_documented(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        errors = {code for code in responses if code.startswith("4")}
        label = f"{method.upper()} {path}"
        assert "404" in errors or path == "/api/v1/auth/token/", label
        private = operation.get("security", [{}]) != [{}]
        if private:
            assert "401" in errors, label
            if "{id}" in path or method != "get":
                assert "403" in errors, label
        if operation.get("requestBody") or any(
            p["in"] == "query" and p["name"] not in ("page", "page_size", "format")
            for p in operation.get("parameters", [])
        ):
            assert "400" in errors, label
        if method in ("post", "patch", "delete") and "{id}" in path:
            assert "409" in errors, label
        for code in errors:
            content = responses[code]["content"]["application/json"]["schema"]["$ref"]
            assert content.endswith(("/Error", "/TooMany")), label


def test_the_schema_served_is_the_one_documented(client, schema):
    served = yaml.safe_load(client.get("/api/v1/schema/").content)

    assert set(served["paths"]) == set(schema["paths"])
    assert "tokenAuth" in served["components"]["securitySchemes"]
