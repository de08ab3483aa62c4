"""Every URL of the portal, for every persona, GET and POST: the answer the matrix expects.

``tests/access/matrix.py`` holds the matrix; this module walks the URL resolver and fails on a
named URL without an entry (and on an entry without a URL), then asks every URL as every persona
and checks the status, the login redirect, and that a refused request wrote nothing. The Django
admin's ModelAdmin pages follow one rule (staff only) and are generated from the admin registry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation

from assessments.models import Answer, Evidence, Submission
from tests.access import bodies
from tests.access.matrix import (
    ADMIN_LOGIN,
    DONE,
    FORBIDDEN,
    MATRIX,
    NOT_FOUND,
    OK,
    OPEN_PAGES,
    PUBLIC_PAGES,
    PUBLIC_URL_NAMES,
    Entry,
    Expect,
    RoleMap,
    staff_only,
    status,
)
from tests.access.world import OPEN_YEAR, OWN_UNIT, ROLES, World
from tests.access.writes import recording_writes

# --- the URL patterns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str
    translated: bool  # under i18n_patterns: also served under /en/


def _walk(
    resolver: URLResolver, route: str, namespace: str, translated: bool
) -> Iterator[Pattern | str]:
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            inner = ":".join(part for part in (namespace, item.namespace or "") if part)
            yield from _walk(
                item,
                route + str(item.pattern),
                inner,
                translated or isinstance(item.pattern, LocalePrefixPattern),
            )
        elif isinstance(item, URLPattern):
            full = route + str(item.pattern)
            if item.name is None:
                yield full
            else:
                name = f"{namespace}:{item.name}" if namespace else item.name
                yield Pattern(name, full, translated)


def url_patterns() -> tuple[dict[str, Pattern], list[str]]:
    """Every named pattern by ``namespace:name``, and the routes of the unnamed ones."""
    named: dict[str, Pattern] = {}
    unnamed: list[str] = []
    for found in _walk(get_resolver(), "", "", False):
        if isinstance(found, Pattern):
            named.setdefault(found.name, found)
        else:
            unnamed.append(found)
    return named, unnamed


# Admin views every ModelAdmin has; "<app>_<model>_<suffix>" in the admin namespace.
MODEL_ADMIN_SUFFIXES = ("changelist", "add", "change", "delete", "history")
# The admin's unnamed routes: a redirect from "<object_id>/" to ".../change/" and its catch-all.
ADMIN_UNNAMED = ("/<path:object_id>/", "(?P<url>.*)$")


def model_admin_names() -> dict[str, tuple[type[models.Model], str]]:
    """``admin:<app>_<model>_<suffix>`` of every registered ModelAdmin → (model, suffix)."""
    names = {}
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for suffix in MODEL_ADMIN_SUFFIXES:
            names[f"{info}_{suffix}"] = (model, suffix)
    names["admin:auth_user_password_change"] = (get_user_model(), "password")
    return names


def test_every_url_pattern_has_an_entry_and_every_entry_a_pattern():
    named, unnamed = url_patterns()
    by_rule = model_admin_names()
    missing = sorted(name for name in named if name not in MATRIX and name not in by_rule)
    unknown = sorted(name for name in MATRIX if name not in named)
    stray = sorted(
        route
        for route in unnamed
        if not (route.startswith("admin/") and route.endswith(ADMIN_UNNAMED))
    )

    assert not missing, "URL patterns with no entry in tests/access/matrix.py:\n" + "\n".join(
        f"  {name}  ({named[name].route})" for name in missing
    )
    assert not unknown, "entries in tests/access/matrix.py with no URL pattern: " + ", ".join(
        unknown
    )
    assert not stray, "URL patterns without a name (name them, then add an entry): " + ", ".join(
        stray
    )


def test_every_entry_says_what_each_persona_gets():
    incomplete = [
        f"{name} {method}"
        for name, entry in MATRIX.items()
        for method, (role_map, _body) in entry.methods().items()
        if set(role_map) != set(ROLES)
    ]
    assert not incomplete, "entries without an answer for every persona: " + ", ".join(incomplete)


# --- asking ------------------------------------------------------------------------------------


def client_as(world: World, role: str, **options: Any) -> Client:
    return world.client(role, **options)


def url_of(name: str, kwargs: dict[str, Any], language: str = "vi") -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def send(client: Client, method: str, url: str, body: Any, *, as_json: bool = False):
    if method == "GET":
        return client.get(url)
    if as_json:
        return client.generic(method, url, data=json.dumps(body), content_type="application/json")
    if method == "POST":
        return client.post(url, body)
    return client.generic(method, url)


def check(response, expect: Expect, url: str, what: str) -> None:
    assert response.status_code in expect.statuses, (
        f"{what}: {response.status_code}, expected {expect}"
        + (f" (Location: {response['Location']})" if response.has_header("Location") else "")
    )
    if expect.login:
        login = reverse("login") if expect.login == "portal" else reverse("admin:login")
        location = response["Location"]
        assert location.startswith(f"{login}?next="), f"{what}: to {location}, not {login}"
        assert quote(url.split("?")[0], safe="/") in location, f"{what}: next is not the page"


def ask(
    world: World,
    role: str,
    method: str,
    url: str,
    expect: Expect,
    body: Any = None,
    *,
    json: bool = False,
    rollback: bool = True,
) -> Any:
    """Send one request in a savepoint that is rolled back, so every request starts from the
    same data; one that may not write must not even try to."""
    client = client_as(world, role)
    what = f"{role} {method} {url}"
    with transaction.atomic(), recording_writes() as writes:
        response = send(client, method, url, body or {}, as_json=json)
        transaction.set_rollback(rollback)
    check(response, expect, url, what)
    if not expect.writes:
        # Not even an attempt rolled back: a refusal comes before any write.
        assert not writes.attempted and not writes.files, (
            f"{what} wrote (expected {expect}):\n{writes.attempted}\n{writes.files}"
        )
    return response


# --- the matrix, persona by persona -------------------------------------------------------------

NAMED, _UNNAMED = url_patterns()


def _cases() -> list[Any]:
    return [
        pytest.param(name, role, id=f"{name}-{role}")
        for name in sorted(MATRIX)
        if name in NAMED
        for role in ROLES
    ]


@pytest.mark.parametrize(("name", "role"), _cases())
def test_each_persona_gets_the_expected_answer(world, db, name, role):
    entry: Entry = MATRIX[name]
    if entry.setup:
        entry.setup(world)
    kwargs = entry.kwargs(world)
    languages = ("vi", "en") if NAMED[name].translated else ("vi",)
    for language in languages:
        url = url_of(name, kwargs, language) + entry.query
        for method, (role_map, body) in entry.methods().items():
            ask(world, role, method, url, role_map[role], body(world), json=entry.json)


# --- the Django admin: one rule for every ModelAdmin ------------------------------------------


def _admin_expectations(
    model: type[models.Model], suffix: str, world: World
) -> tuple[dict[str, Any], RoleMap, RoleMap]:
    """kwargs, GET and POST answers of one ModelAdmin page (empty POSTs: nothing is saved)."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = world.user("admin")
    # The newest row: the oldest (2013's period, say) would list thousands of related rows on
    # its delete page.
    obj = model._base_manager.order_by("-pk").first()
    if suffix == "changelist":
        return {}, staff_only(OK), staff_only(OK)
    if suffix == "add":
        allowed = OK if model_admin.has_add_permission(request) else FORBIDDEN
        return {}, staff_only(allowed), staff_only(allowed)
    if obj is None:
        # No row to open: the admin goes back to the index with "does not exist", where the
        # view looks the object up before checking the permission (delete checks it first).
        missing = status(302)
        if suffix == "delete" and not model_admin.has_delete_permission(request):
            missing = FORBIDDEN
        return {"object_id": "999999"}, staff_only(missing), staff_only(missing)
    kwargs = {"object_id": str(obj.pk)}
    if suffix == "password":
        return {"id": str(obj.pk)}, staff_only(OK), staff_only(OK)
    if suffix == "change":
        can_view = model_admin.has_view_or_change_permission(request, obj)
        can_change = model_admin.has_change_permission(request, obj)
        # An empty POST is invalid for most models; where every field is read-only (axes' logs)
        # it saves unchanged and redirects.
        return (
            kwargs,
            staff_only(OK if can_view else FORBIDDEN),
            staff_only(status(200, 302, writes=True) if can_change else FORBIDDEN),
        )
    if suffix == "delete":
        allowed = OK if model_admin.has_delete_permission(request, obj) else FORBIDDEN
        return kwargs, staff_only(allowed), staff_only(allowed)
    return kwargs, staff_only(OK), staff_only(OK)  # history


ADMIN_NAMES = model_admin_names()


@pytest.mark.parametrize("name", sorted(ADMIN_NAMES))
def test_each_persona_gets_the_admin_rule_on_model_admin_pages(world, db, name):
    model, suffix = ADMIN_NAMES[name]
    kwargs, get, post = _admin_expectations(model, suffix, world)
    url = url_of(name, kwargs)
    for role in ROLES:
        ask(world, role, "GET", url, get[role])
        ask(world, role, "POST", url, post[role], {})


# --- who may come without logging in ---------------------------------------------------------


def _kwargs(name: str, world: World) -> dict[str, Any]:
    return MATRIX[name].kwargs(world)


# Names the URL conf lost are reported by test_the_allow_list_names_only_urls_that_exist.
@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES & set(NAMED)))
def test_a_public_page_answers_anyone_200_without_a_cookie(world, db, name):
    entry = MATRIX[name]
    for language in ("vi", "en") if NAMED[name].translated else ("vi",):
        url = url_of(name, _kwargs(name, world), language) + entry.query

        response = Client().get(url)

        assert response.status_code == 200, url
        assert not response.cookies, f"{url} sets {list(response.cookies)}"
        if "public" in response.get("Cache-Control", ""):
            # What shared caches may keep must be the same for everyone.
            assert "cookie" not in response.get("Vary", "").lower(), url


@pytest.mark.parametrize("name", sorted(OPEN_PAGES & set(NAMED)))
def test_an_open_account_page_never_starts_a_session_for_a_visitor(world, db, name):
    entry = MATRIX[name]
    url = url_of(name, _kwargs(name, world)) + entry.query
    client = Client()

    for response in (client.get(url), client.post(url, entry.body(world))):
        assert response.status_code < 500, url
        # The CSRF cookie (login and reset forms) and the chosen language are fine; a session
        # for someone who has not logged in is not.
        assert "sessionid" not in response.cookies, url


def test_every_url_outside_the_allow_list_refuses_the_anonymous_visitor():
    """What the matrix says, checked against the rule; the matrix itself is checked above."""
    admitted = []
    for name, entry in MATRIX.items():
        if name in PUBLIC_URL_NAMES:
            continue
        for method, (role_map, _body) in entry.methods().items():
            if not role_map["anonymous"].denies:
                admitted.append(f"{name} {method}: {role_map['anonymous']}")
    assert not admitted, "anonymous visitors admitted outside PUBLIC_URL_NAMES:\n" + "\n".join(
        admitted
    )
    # The ModelAdmin pages (generated) follow staff_only: the admin's login for the anonymous.
    assert staff_only(OK)["anonymous"] == ADMIN_LOGIN


def test_the_allow_list_names_only_urls_that_exist():
    assert set(NAMED) >= PUBLIC_URL_NAMES, PUBLIC_URL_NAMES - set(NAMED)


# --- CSRF ----------------------------------------------------------------------------------------


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(world, db):
    client = client_as(world, "officer", enforce_csrf_checks=True)
    url = url_of("assessments:submission", {"unit_code": OWN_UNIT, "year": OPEN_YEAR})
    body = bodies.officer_form(world.own_submission, **{f"i{world.reopened_indicator}-note": "x"})

    with recording_writes() as writes:
        response = client.post(url, body)

    assert response.status_code == 403
    assert not writes.attempted, str(writes)


# --- POST bodies carrying another unit's ids ---------------------------------------------------


def _state(world: World) -> tuple[Any, ...]:
    """What the crossings aim at: every submission's status and version, the reviewed
    submission's answers, and every evidence record."""
    return (
        list(Submission.objects.order_by("pk").values_list("pk", "status", "version")),
        list(
            Answer.objects.filter(submission_id=world.review_submission)
            .order_by("pk")
            .values_list("pk", "reopened", "reviewer_comment", "updated_at")
        ),
        list(Evidence.objects.order_by("pk").values_list("pk", "answer_id")),
    )


@dataclass(frozen=True)
class Crossing:
    """A persona's request on something of their own, carrying ids of someone else's."""

    role: str
    name: str
    kwargs: Any
    body: Any
    expect: Expect
    method: str = "POST"
    json: bool = False


CROSSINGS = {
    # The officer's own form, removing another unit's evidence: 404, nothing removed.
    "officer-removes-another-units-evidence": Crossing(
        "officer",
        "assessments:submission",
        lambda w: {"unit_code": OWN_UNIT, "year": OPEN_YEAR},
        lambda w: bodies.officer_form(w.own_submission, remove_evidence=str(w.other_evidence)),
        NOT_FOUND,
    ),
    # Its own evidence on an indicator that was not reopened cannot go either.
    "officer-removes-evidence-of-a-locked-indicator": Crossing(
        "officer",
        "assessments:submission",
        lambda w: {"unit_code": OWN_UNIT, "year": OPEN_YEAR},
        lambda w: bodies.officer_form(
            w.own_submission,
            remove_evidence=str(
                Evidence.objects.filter(
                    answer__submission_id=w.own_submission,
                    answer__indicator_id=w.locked_indicator,
                )
                .values_list("pk", flat=True)
                .first()
            ),
        ),
        status(409),
    ),
    # Values for another unit's answers smuggled into the own form: other prefixes are ignored.
    "officer-autosaves-an-indicator-of-another-framework": Crossing(
        "officer",
        "assessments:autosave",
        lambda w: {"unit_code": OWN_UNIT, "year": OPEN_YEAR, "indicator_id": w.old_indicator},
        lambda w: {f"i{w.old_indicator}-numerator": "1", f"i{w.old_indicator}-denominator": "2"},
        NOT_FOUND,
    ),
    "officer-autosaves-an-indicator-not-reopened": Crossing(
        "officer",
        "assessments:autosave",
        lambda w: {"unit_code": OWN_UNIT, "year": OPEN_YEAR, "indicator_id": w.locked_indicator},
        lambda w: bodies.autosave(
            w.own_submission, w.locked_indicator, **{f"i{w.locked_indicator}-note": "x"}
        ),
        status(409),
    ),
    "commune-officer-autosaves-an-indicator-communes-do-not-have": Crossing(
        "draft_officer",
        "assessments:autosave",
        lambda w: {
            "unit_code": "xa-bat-trang",
            "year": OPEN_YEAR,
            "indicator_id": w.ward_only_missing_indicator,
        },
        lambda w: {f"i{w.ward_only_missing_indicator}-value_yes": "yes"},
        NOT_FOUND,
    ),
    "other-officer-submits-the-first-officers-unit": Crossing(
        "other_officer",
        "assessments:submit",
        lambda w: {"unit_code": OWN_UNIT, "year": OPEN_YEAR},
        lambda w: bodies.version(w.own_submission),
        NOT_FOUND,
    ),
    "other-officer-downloads-the-first-officers-evidence": Crossing(
        "other_officer",
        "assessments:evidence",
        lambda w: {"pk": w.own_evidence},
        lambda w: {},
        NOT_FOUND,
        method="GET",
    ),
    "officer-downloads-another-units-evidence": Crossing(
        "officer",
        "assessments:evidence",
        lambda w: {"pk": w.other_evidence},
        lambda w: {},
        NOT_FOUND,
        method="GET",
    ),
    # The reviewer returns a submission of their block, naming indicators of another period's
    # framework (another submission's) to reopen: refused, nothing reopened.
    "reviewer-reopens-indicators-of-another-submission": Crossing(
        "reviewer",
        "assessments:review_return",
        lambda w: {"pk": w.review_submission},
        lambda w: bodies.corrections(
            w.review_submission,
            reason="Thiếu tài liệu.",
            reopen_indicator=[str(w.old_indicator), str(w.other_submission)],
        ),
        status(422),
    ),
    "reviewer-returns-a-submission-of-another-block": Crossing(
        "reviewer",
        "assessments:review_return",
        lambda w: {"pk": w.other_review_submission},
        lambda w: bodies.corrections(
            w.other_review_submission,
            reason="Thiếu tài liệu.",
            reopen_indicator=[str(w.locked_indicator)],
        ),
        NOT_FOUND,
    ),
    "reviewer-approves-a-submission-of-another-block": Crossing(
        "reviewer",
        "assessments:review_approve",
        lambda w: {"pk": w.other_review_submission},
        lambda w: bodies.corrections(w.other_review_submission),
        NOT_FOUND,
    ),
    "other-reviewer-corrects-the-first-reviewers-block": Crossing(
        "other_reviewer",
        "assessments:review_save",
        lambda w: {"pk": w.review_submission},
        lambda w: bodies.corrections(w.review_submission),
        NOT_FOUND,
    ),
    "officer-approves-its-own-submission": Crossing(
        "officer",
        "assessments:review_approve",
        lambda w: {"pk": w.own_submission},
        lambda w: bodies.corrections(w.own_submission),
        NOT_FOUND,
    ),
    # The API: the same ids in its bodies and paths.
    "api-officer-patches-another-units-answers": Crossing(
        "officer",
        "api:submission-answers",
        lambda w: {"pk": w.other_submission},
        lambda w: {"answers": [{"indicator": "I.5", "note": "x"}]},
        NOT_FOUND,
        method="PATCH",
        json=True,
    ),
    "api-officer-removes-another-units-evidence-through-its-own-submission": Crossing(
        "officer",
        "api:submission-remove-evidence",
        lambda w: {"pk": w.own_submission, "evidence_id": w.other_evidence},
        lambda w: {},
        NOT_FOUND,
        method="DELETE",
        json=True,
    ),
    "api-officer-submits-another-units-submission": Crossing(
        "officer",
        "api:submission-submit",
        lambda w: {"pk": w.draft_submission},
        lambda w: {"version": Submission.objects.get(pk=w.draft_submission).version},
        NOT_FOUND,
        json=True,
    ),
    "api-officer-starts-another-units-self-assessment": Crossing(
        "officer",
        "api:submission-list",
        lambda w: {},
        lambda w: {"unit": "huyen-dong-anh", "year": OPEN_YEAR},
        NOT_FOUND,
        json=True,
    ),
    "api-reviewer-approves-a-submission-of-another-block": Crossing(
        "reviewer",
        "api:submission-approve",
        lambda w: {"pk": w.other_review_submission},
        lambda w: {"version": Submission.objects.get(pk=w.other_review_submission).version},
        NOT_FOUND,
        json=True,
    ),
    "api-reviewer-changes-the-units-values": Crossing(
        "reviewer",
        "api:submission-answers",
        lambda w: {"pk": w.review_submission},
        lambda w: {"answers": [{"indicator": "I.1", "numerator": 1, "denominator": 2}]},
        FORBIDDEN,
        method="PATCH",
        json=True,
    ),
    "api-officer-reads-another-units-export": Crossing(
        "officer",
        "api:submission-export",
        lambda w: {"pk": w.other_submission},
        lambda w: {},
        NOT_FOUND,
        method="GET",
    ),
    "unpublished-year-is-not-public-even-for-admins": Crossing(
        "admin",
        "rankings:period",
        lambda w: {"year": OPEN_YEAR},
        lambda w: {},
        NOT_FOUND,
        method="GET",
    ),
}


@pytest.mark.parametrize("case", sorted(CROSSINGS))
def test_a_request_carrying_someone_elses_ids_is_refused_and_changes_nothing(world, db, case):
    crossing = CROSSINGS[case]
    url = url_of(crossing.name, crossing.kwargs(world))
    role = crossing.role
    before = _state(world)

    ask(
        world, role, crossing.method, url, crossing.expect, crossing.body(world), json=crossing.json
    )

    assert _state(world) == before


def test_a_valid_post_is_still_accepted(world, db):
    """The crossings above fail for the ids they carry, not because the bodies are broken."""
    url = url_of("assessments:submission", {"unit_code": OWN_UNIT, "year": OPEN_YEAR})
    body = bodies.officer_form(world.own_submission, remove_evidence=str(world.own_evidence))

    ask(world, "officer", "POST", url, DONE, body, rollback=False)

    assert not Evidence.objects.filter(pk=world.own_evidence).exists()
