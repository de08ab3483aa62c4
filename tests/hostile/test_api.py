"""The REST API: JSON bodies of the wrong types, huge numbers, nested junk, NUL; bodies that are
not JSON at all; query parameters no filter or page takes; keys in the path that are not keys.

Every one answers 4xx with a ``detail`` (400, 404, 405, 409, 415), or does what a valid request
does; never 500, and a refusal writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from assessments.models import Submission
from tests.access.world import World
from tests.hostile import corpus
from tests.hostile.checks import describe, json_detail, rolled_back
from tests.hostile.conftest import hostile
from tests.hostile.tally import tried

REFUSALS = {400, 401, 403, 404, 405, 409, 413, 415, 429}

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from([*corpus.NOT_NUMBERS[:20], "\x00", "I.1\x00", "a" * 3000]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _answers_body(draw_value: Any, field: str, indicator: Any) -> Any:
    return {"answers": [{"indicator": indicator, field: draw_value}]}


def _check(response, writes, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.status_code in REFUSALS:
        assert json_detail(response), f"{what}: {response.status_code} without a detail"
        assert not writes, f"{what} wrote:\n{writes}"
    else:
        assert response.status_code in (200, 201, 204), f"{what}: {response.status_code}"


def _send(client: Client, method: str, url: str, body: Any, raw: bool = False):
    data = body if raw else json.dumps(body)
    return client.generic(method, url, data, content_type="application/json")


def _targets(world: World) -> dict[str, tuple[str, str, str]]:
    """name → (persona, method, url) of the API's writes, on submissions that accept them."""
    draft, reviewed = world.draft_submission, world.review_submission
    return {
        "token": ("anonymous", "POST", reverse("api:token")),
        "start": ("draft_officer", "POST", reverse("api:submission-list")),
        "answers": ("draft_officer", "PATCH", reverse("api:submission-answers", args=[draft])),
        "evidence": ("draft_officer", "POST", reverse("api:submission-add-evidence", args=[draft])),
        "submit": ("draft_officer", "POST", reverse("api:submission-submit", args=[draft])),
        "corrections": ("reviewer", "POST", reverse("api:submission-corrections", args=[reviewed])),
        "return": (
            "reviewer",
            "POST",
            reverse("api:submission-return-for-revision", args=[reviewed]),
        ),
        "approve": ("reviewer", "POST", reverse("api:submission-approve", args=[reviewed])),
    }


def _forget_throttling() -> None:
    """The token endpoint answers 429 after ten tries a minute from one address (a refusal with
    a detail, but then the body is never read): start each try afresh."""
    cache.clear()


@hostile(300)
@given(
    target=st.sampled_from(
        ["token", "start", "answers", "evidence", "submit", "corrections", "return", "approve"]
    ),
    body=json_values,
)
def test_any_json_body_is_refused_with_a_detail_or_taken_never_a_500(world, db, target, body):
    persona, method, url = _targets(world)[target]
    client = world.client(persona, raise_request_exception=False)
    if target == "token":
        _forget_throttling()
    with rolled_back() as writes:
        response = _send(client, method, url, body)
    tried("API: generated JSON bodies")
    _check(response, writes, f"{target} {describe(body)}")


@hostile(250)
@given(
    field=st.sampled_from(["value_yes", "numerator", "denominator", "count", "points", "note"]),
    indicator=st.one_of(
        st.sampled_from(["I.1", "I.3", "I.4", "II.6b", "I.6", "i.1"]), st.text(max_size=25)
    ),
    value=json_values,
    version=st.one_of(json_scalars, st.just("current")),
)
def test_answers_and_corrections_of_any_type_are_refused_or_taken_within_limits(
    world, db, field, indicator, value, version
):
    answers = _targets(world)["answers"]
    corrections = _targets(world)["corrections"]
    if version == "current":
        version = Submission.objects.get(pk=world.review_submission).version
    officer = world.client(answers[0], raise_request_exception=False)
    reviewer = world.client(corrections[0], raise_request_exception=False)
    with rolled_back() as writes:
        response = _send(officer, answers[1], answers[2], _answers_body(value, field, indicator))
    tried("API: generated answers")
    _check(response, writes, f"answers {field}={describe(value)}")
    body = {
        "version": version,
        "corrections": [{"indicator": indicator, field: value, "reason": "x"}],
    }
    with rolled_back() as writes:
        response = _send(reviewer, corrections[1], corrections[2], body)
    tried("API: generated corrections")
    _check(response, writes, f"corrections {describe(body)}")


RAW_BODIES = {
    "not JSON": b"{'answers': [}",
    "empty": b"",
    "NaN literal": b'{"answers": [{"indicator": "I.1", "numerator": NaN}]}',
    "Infinity literal": b'{"answers": [{"indicator": "I.4", "points": Infinity}]}',
    "1e309": b'{"answers": [{"indicator": "I.4", "points": 1e309}]}',
    "int of 5,000 digits": b'{"answers": [{"indicator": "I.1", "numerator": 1'
    + b"0" * 5000
    + b"}]}",
    "string of 5,000 digits": b'{"answers": [{"indicator": "I.1", "numerator": "1'
    + b"0" * 5000
    + b'"}]}',
    "a list": b"[1, 2, 3]",
    "a string": b'"answers"',
    "null": b"null",
    "BOM first": b'\xef\xbb\xbf{"answers": []}',
    "UTF-16": '{"answers": []}'.encode("utf-16"),
    "Latin-1 bytes": b'{"answers": [{"indicator": "I.1", "note": "caf\xe9"}]}',
    "NUL escaped": b'{"answers": [{"indicator": "I.3", "note": "a\\u0000b"}]}',
    "lone surrogate": b'{"answers": [{"indicator": "I.3", "note": "\\ud800"}]}',
    "200 answers": json.dumps(
        {"answers": [{"indicator": "I.3", "value_yes": True}] * 201}
    ).encode(),
    "nested 50 deep": b'{"answers": ' + b"[" * 50 + b"]" * 50 + b"}",
}


@pytest.mark.parametrize("label", sorted(RAW_BODIES))
def test_a_body_that_is_not_the_expected_json_is_refused_with_a_detail(world, db, label):
    persona, method, url = _targets(world)["answers"]
    client = world.client(persona, raise_request_exception=False)
    with rolled_back() as writes:
        response = _send(client, method, url, RAW_BODIES[label], raw=True)
    tried("API: raw bodies")

    assert response.status_code in REFUSALS, response.status_code
    assert json_detail(response)
    assert not writes, str(writes)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data"])
def test_a_body_of_another_media_type_is_refused(world, db, content_type):
    persona, method, url = _targets(world)["answers"]
    client = world.client(persona, raise_request_exception=False)
    with rolled_back() as writes:
        response = client.generic(method, url, b'{"answers": []}', content_type=content_type)
    tried("API: media types")

    assert response.status_code in (400, 415), response.status_code
    assert json_detail(response)
    assert not writes, str(writes)


LISTS = {
    "api:unit-list": ["q", "year", "block", "page", "page_size", "format"],
    "api:result-list": ["year", "block", "grade", "unit", "ordering", "page", "page_size"],
    "api:result-export": ["year", "block", "grade", "unit", "ordering", "format"],
    "api:award-list": ["year", "category", "unit", "page"],
    "api:period-list": ["page", "page_size"],
    "api:submission-list": ["year", "block", "status", "unit", "page", "page_size"],
}
_param_value = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(
        ["10" + "0" * 19, "-1", "0", "1e3", "csv", "json", "api", "xml", "-rank", "\x00"]
    ),
)


@hostile(300)
@given(
    name=st.sampled_from(sorted(LISTS)),
    params=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "year",
                "block",
                "grade",
                "unit",
                "ordering",
                "status",
                "category",
                "page",
                "page_size",
                "format",
                "cursor",
            ]
        ),
        _param_value,
        max_size=4,
    ),
)
def test_any_query_parameters_answer_200_or_a_4xx_with_a_detail(world, db, name, params):
    client = world.client("officer", raise_request_exception=False)
    with rolled_back() as writes:
        response = client.get(reverse(name), params)
    tried("API: generated query parameters")

    assert response.status_code in (200, 400, 404), (response.status_code, params)
    if response.status_code != 200:
        assert json_detail(response), (response.status_code, params)
    assert not writes, str(writes)


def test_a_page_far_past_the_last_is_404_with_a_detail(world, db):
    response = Client().get(reverse("api:unit-list"), {"page": 10**20})
    tried("API: page 10**20")

    assert response.status_code == 404 and json_detail(response)


DETAILS = ["api:period-detail", "api:framework-detail", "api:unit-detail", "api:block-detail"]


@hostile(200)
@given(
    name=st.sampled_from(DETAILS),
    key=st.text(min_size=1, max_size=40).filter(lambda k: "/" not in k and "." not in k),
)
def test_any_key_in_the_path_answers_the_object_or_404(world, db, name, key):
    kwarg = "year" if name in ("api:period-detail", "api:framework-detail") else "code"
    url = reverse(name, kwargs={kwarg: "KEY"}).replace("KEY", _quote(key))
    with rolled_back() as writes:
        response = Client(raise_request_exception=False).get(url)
    tried("API: generated keys in the path")

    expected = (400,) if "\x00" in key else (200, 404)  # NUL: refused before any view
    assert response.status_code in expected, (response.status_code, key)
    assert not writes, str(writes)


def _quote(key: str) -> str:
    from urllib.parse import quote

    return quote(key, safe="")
