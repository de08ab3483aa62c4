"""The access matrix: for every named URL, what each persona gets for GET and POST.

Rules (DESIGN.md §1, and the views):

- Public pages (``PUBLIC_PAGES``) answer everyone 200 with no cookie, and refuse POST (405).
- Account pages (log in, reset a password) and a few harmless actions are open by nature
  (``OPEN_PAGES``); every other URL refuses the anonymous visitor: the login page (302), or
  401/403/404.
- Officers' pages answer 404 to anyone who is not an officer of the unit in the URL ("anything
  else answers 404", assessments/views/officer.py), admins included: admins do not enter units'
  data.
- Reviewers' pages answer 404 unless the submission is in a block the user reviews that period
  (or the user is an admin).
- ``/manage/…`` pages and the Django admin send anyone who is not staff to the admin's login
  (``staff_member_required``, ``admin_view``).

An expectation is a status (or a few), maybe a redirect to a login page, and whether the
request may write. Requests that may not write are checked to write nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assessments.models import Submission
from assessments.services import submissions as workflow
from tests.access import bodies
from tests.access.world import (
    OPEN_YEAR,
    OWN_BLOCK,
    OWN_UNIT,
    PUBLISHED_YEAR,
    ROLES,
    World,
)


@dataclass(frozen=True)
class Expect:
    statuses: frozenset[int]
    login: str = ""  # "portal" or "admin": a 302 to that login page, with ?next=
    writes: bool = False  # an allowed action: the request may write

    def __str__(self) -> str:
        codes = "/".join(str(code) for code in sorted(self.statuses))
        return (
            codes
            + (f" → {self.login} login" if self.login else "")
            + (" (writes)" if self.writes else "")
        )

    @property
    def denies(self) -> bool:
        """Whether this answer refuses the request (a login page, 401, 403 or 404)."""
        return bool(self.login) or self.statuses <= {401, 403, 404}


def status(*codes: int, writes: bool = False) -> Expect:
    return Expect(frozenset(codes), writes=writes)


OK = status(200)
LOGIN = Expect(frozenset({302}), login="portal")
ADMIN_LOGIN = Expect(frozenset({302}), login="admin")
NOT_FOUND = status(404)
FORBIDDEN = status(403)
UNAUTHORIZED = status(401)
NOT_ALLOWED = status(405)
REDIRECT = status(302)  # a redirect that writes nothing (e.g. a refusal with a message)
DONE = status(302, writes=True)  # an allowed action, then a redirect (POST/redirect/GET)
WRITES_200 = status(200, writes=True)

RoleMap = Mapping[str, Expect]


def roles(
    anonymous: Expect,
    officer: Expect,
    other_officer: Expect,
    reviewer: Expect,
    other_reviewer: Expect,
    admin: Expect,
) -> dict[str, Expect]:
    return {
        "anonymous": anonymous,
        "officer": officer,
        "other_officer": other_officer,
        "reviewer": reviewer,
        "other_reviewer": other_reviewer,
        "admin": admin,
    }


def everyone(expect: Expect) -> dict[str, Expect]:
    return dict.fromkeys(ROLES, expect)


def logged_in(expect: Expect, anonymous: Expect = LOGIN) -> dict[str, Expect]:
    return {**everyone(expect), "anonymous": anonymous}


def staff_only(admin: Expect) -> dict[str, Expect]:
    """``staff_member_required`` / the admin site: everyone else to the admin's login."""
    return {**everyone(ADMIN_LOGIN), "admin": admin}


def officer_only(officer: Expect, others: Expect = NOT_FOUND) -> dict[str, Expect]:
    """An officer's page of Hoàn Kiếm: 404 to every other logged-in user, admins included."""
    return {**logged_in(others), "officer": officer}


def reviewers_of_block(reviewer: Expect, others: Expect = NOT_FOUND) -> dict[str, Expect]:
    """A reviewer's page of a submission in block quan-thi-xa: its reviewer and admins."""
    return {**logged_in(others), "reviewer": reviewer, "admin": reviewer}


Body = Callable[[World], Mapping[str, Any]]


@dataclass(frozen=True)
class Entry:
    """One named URL: how to fill its parameters, and what each persona gets per method."""

    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    get: RoleMap = field(default_factory=dict)
    post: RoleMap = field(default_factory=dict)
    body: Body = lambda w: {}
    query: str = ""
    # Run inside the test's transaction before the requests (e.g. bring a submission to the
    # state the URL acts on).
    setup: Callable[[World], None] | None = None
    # Extra methods (the API): method → (role map, body).
    other_methods: Mapping[str, tuple[RoleMap, Body]] = field(default_factory=dict)
    json: bool = False
    note: str = ""

    def methods(self) -> dict[str, tuple[RoleMap, Body]]:
        found = {"GET": (self.get, lambda w: {}), "POST": (self.post, self.body)}
        found.update(self.other_methods)
        return found


# --- parameters ----------------------------------------------------------------------------


def own_form(w: World) -> dict[str, Any]:
    return {"unit_code": OWN_UNIT, "year": OPEN_YEAR}


def _approve_review_submission(w: World) -> None:
    """Cầu Giấy 2015 approved by its reviewer, so that an admin can reopen it."""
    submission = Submission.objects.get(pk=w.review_submission)
    workflow.approve_submission(
        submission=submission, actor=w.user("reviewer"), expected_version=submission.version
    )


# --- the portal's pages ----------------------------------------------------------------------

PUBLIC_PAGE = Entry(get=everyone(OK), post=everyone(NOT_ALLOWED))

PORTAL: dict[str, Entry] = {
    # Project-level.
    "healthz": Entry(get=everyone(OK), post=everyone(NOT_ALLOWED)),
    "readyz": Entry(
        get=everyone(OK), post=everyone(NOT_ALLOWED), note="for monitoring: reaches the database"
    ),
    "set_language": Entry(
        get=everyone(status(302)),
        post=everyone(status(302)),
        query="?next=/",
        body=lambda w: {"language": "en", "next": "/"},
        note="Django's set_language: redirects to `next`; POST also sets the language cookie.",
    ),
    # django.contrib.auth.urls.
    "login": Entry(get=everyone(OK), post=everyone(OK), note="POST with no credentials: errors"),
    "logout": Entry(
        get=everyone(NOT_ALLOWED),
        post=everyone(status(302)),
        note="POST only (Django ≥ 5); to the home page, for anyone",
    ),
    "password_change": Entry(get=logged_in(OK), post=logged_in(OK), note="empty POST: errors"),
    "password_change_done": Entry(get=logged_in(OK), post=logged_in(NOT_ALLOWED)),
    "password_reset": Entry(get=everyone(OK), post=everyone(OK), note="empty POST: errors"),
    "password_reset_done": Entry(get=everyone(OK), post=everyone(NOT_ALLOWED)),
    "password_reset_confirm": Entry(
        kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"},
        get=everyone(OK),
        post=everyone(OK),
        body=lambda w: {"new_password1": "Hn@2015-reset!", "new_password2": "Hn@2015-reset!"},
        note="an invalid link: the page says so and changes no password",
    ),
    "password_reset_complete": Entry(get=everyone(OK), post=everyone(NOT_ALLOWED)),
    # The officer's pages (assessments/views/officer.py).
    "assessments:dashboard": Entry(
        get=logged_in(OK), post=logged_in(OK), note="lists only the user's own units"
    ),
    "assessments:submission": Entry(
        kwargs=own_form,
        get=officer_only(OK),
        post=officer_only(DONE),
        body=lambda w: bodies.officer_form(
            w.own_submission, **{f"i{w.reopened_indicator}-note": "Đã rà soát lại biên bản."}
        ),
    ),
    "assessments:autosave": Entry(
        kwargs=lambda w: {**own_form(w), "indicator_id": w.reopened_indicator},
        get=logged_in(NOT_ALLOWED),
        post=officer_only(WRITES_200),
        body=lambda w: bodies.autosave(
            w.own_submission, w.reopened_indicator, **{f"i{w.reopened_indicator}-note": "Sửa"}
        ),
    ),
    "assessments:submit": Entry(
        kwargs=own_form,
        get=officer_only(OK),
        post=officer_only(DONE),
        body=lambda w: bodies.version(w.own_submission),
    ),
    "assessments:workbook": Entry(
        kwargs=own_form,
        get=officer_only(OK),
        post=officer_only(OK),
        note="the unit's XLSX for offline entry; no method restriction",
    ),
    "assessments:workbook_upload": Entry(
        kwargs=own_form,
        get=logged_in(NOT_ALLOWED),
        post=officer_only(DONE),
        body=lambda w: {"workbook": bodies.workbook(w.own_submission)},
        note="the workbook as downloaded, uploaded again: saved (nothing changes)",
    ),
    "assessments:evidence": Entry(
        kwargs=lambda w: {"pk": w.own_evidence},
        get={**logged_in(NOT_FOUND), "officer": OK, "reviewer": OK, "admin": OK},
        post={**logged_in(NOT_FOUND), "officer": OK, "reviewer": OK, "admin": OK},
        note="whoever may see the submission: its officers, its block's reviewer, admins",
    ),
    # The reviewer's pages (assessments/views/review.py), on Cầu Giấy's submitted 2015.
    "assessments:review_queue": Entry(
        get=logged_in(OK),
        post=logged_in(OK),
        note="a user with no assignment sees an empty queue",
    ),
    "assessments:review": Entry(
        kwargs=lambda w: {"pk": w.review_submission},
        get=reviewers_of_block(OK),
        post=reviewers_of_block(OK),
    ),
    "assessments:review_save": Entry(
        kwargs=lambda w: {"pk": w.review_submission},
        get=logged_in(NOT_ALLOWED),
        post=reviewers_of_block(DONE),
        body=lambda w: bodies.corrections(w.review_submission),
    ),
    "assessments:review_return": Entry(
        kwargs=lambda w: {"pk": w.review_submission},
        get=logged_in(NOT_ALLOWED),
        post=reviewers_of_block(DONE),
        body=lambda w: bodies.corrections(
            w.review_submission,
            reason="Thiếu tài liệu kiểm chứng.",
            reopen_indicator=[str(w.locked_indicator)],
            **{f"r{w.locked_indicator}-comment": "Bổ sung biên bản."},
        ),
    ),
    "assessments:review_approve": Entry(
        kwargs=lambda w: {"pk": w.review_submission},
        get=logged_in(NOT_ALLOWED),
        post=reviewers_of_block(DONE),
        body=lambda w: bodies.corrections(w.review_submission),
    ),
    "assessments:review_reopen": Entry(
        kwargs=lambda w: {"pk": w.review_submission},
        setup=_approve_review_submission,
        get=logged_in(NOT_ALLOWED),
        # The reviewer sees it but may not reopen: the service refuses, with a message.
        post={**reviewers_of_block(DONE), "reviewer": REDIRECT},
        body=lambda w: bodies.version(w.review_submission, reason="Sai số liệu II.2."),
    ),
    "assessments:notifications": Entry(
        get=logged_in(WRITES_200),
        post=logged_in(WRITES_200),
        note="opening the page marks the user's own notifications read",
    ),
    # Public pages (rankings/views.py, awards/views.py): require_safe, so POST is 405.
    "rankings:home": PUBLIC_PAGE,
    "rankings:search": Entry(get=everyone(OK), post=everyone(NOT_ALLOWED), query="?q=hoan+kiem"),
    "rankings:unit": Entry(
        kwargs=lambda w: {"unit_code": OWN_UNIT}, get=everyone(OK), post=everyone(NOT_ALLOWED)
    ),
    "rankings:period": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR}, get=everyone(OK), post=everyone(NOT_ALLOWED)
    ),
    "rankings:methodology": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR}, get=everyone(OK), post=everyone(NOT_ALLOWED)
    ),
    "rankings:download": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR, "file_format": "csv"},
        get=everyone(OK),
        post=everyone(NOT_ALLOWED),
    ),
    "rankings:block": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR, "block_code": OWN_BLOCK},
        get=everyone(OK),
        post=everyone(NOT_ALLOWED),
    ),
    "rankings:block_download": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR, "block_code": OWN_BLOCK, "file_format": "json"},
        get=everyone(OK),
        post=everyone(NOT_ALLOWED),
    ),
    "awards:verify_form": Entry(
        get=everyone(OK), post=everyone(OK), note="no method restriction; POST shows the form"
    ),
    "awards:verify": Entry(
        kwargs=lambda w: {"code": w.verification_code}, get=everyone(OK), post=everyone(OK)
    ),
    # Steering admins (staff_member_required).
    "rankings:scoring": Entry(
        kwargs=lambda w: {"year": OPEN_YEAR}, get=staff_only(OK), post=staff_only(OK)
    ),
    "rankings:run_scoring": Entry(
        kwargs=lambda w: {"year": OPEN_YEAR},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
    ),
    "rankings:publish": Entry(
        kwargs=lambda w: {"year": OPEN_YEAR},
        get=staff_only(OK),
        post=staff_only(WRITES_200),
        body=lambda w: {"note": "Công bố"},
        note="2015 is not scored: the admin is told it cannot be published",
    ),
    "rankings:result_explanation": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR, "unit_code": OWN_UNIT},
        get=staff_only(OK),
        post=staff_only(OK),
    ),
    "awards:review": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR}, get=staff_only(OK), post=staff_only(OK)
    ),
    "awards:propose": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
    ),
    "awards:decision": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
        body=lambda w: {"decision_number": "123/QĐ-UBND"},
    ),
    "awards:rule": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR, "pk": w.award_rule},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
        body=lambda w: {"quota": "5"},
    ),
    "awards:add": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
        body=lambda w: {"unit": OWN_UNIT, "category": "tien_bo", "reason": "Bổ sung"},
    ),
    "awards:confirm_all": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
    ),
    "awards:confirm": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR, "pk": w.award},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
    ),
    "awards:reject": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR, "pk": w.award},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
        body=lambda w: {"reason": "Sai sót"},
    ),
    "awards:issue": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR, "pk": w.award},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
    ),
    "awards:report": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR}, get=staff_only(OK), post=staff_only(OK)
    ),
    "awards:start_batch": Entry(
        kwargs=lambda w: {"year": 2013},  # no awards in 2013: the batch is quick
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
    ),
    "awards:batch": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR, "pk": w.batch},
        get=staff_only(OK),
        post=staff_only(OK),
    ),
    "awards:batch_file": Entry(
        kwargs=lambda w: {"year": PUBLISHED_YEAR, "pk": w.batch, "kind": "zip"},
        get=staff_only(OK),
        post=staff_only(OK),
    ),
    "awards:certificate": Entry(
        kwargs=lambda w: {"pk": w.certificate}, get=staff_only(OK), post=staff_only(OK)
    ),
    "awards:revoke": Entry(
        kwargs=lambda w: {"pk": w.certificate},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
        body=lambda w: {"reason": "Cấp nhầm"},
    ),
    "awards:reissue": Entry(
        kwargs=lambda w: {"pk": w.certificate},
        get=staff_only(NOT_ALLOWED),
        post=staff_only(DONE),
        body=lambda w: {"reason": "Sai tên đơn vị"},
    ),
}

# The Django admin's own pages (the ModelAdmins' pages are generated in test_access_matrix).
ADMIN_SITE: dict[str, Entry] = {
    "admin:index": Entry(get=staff_only(OK), post=staff_only(OK)),
    "admin:login": Entry(
        get={**everyone(OK), "admin": REDIRECT},
        post=everyone(OK),
        note="a logged-in non-staff user sees the login form (with 'not authorised'); staff "
        "go to the index; an empty POST re-shows the form",
    ),
    "admin:logout": Entry(
        get={**everyone(REDIRECT), "admin": NOT_ALLOWED},
        post=everyone(REDIRECT),
        note="non-staff are sent to the admin index (then its login); staff log out by POST",
    ),
    "admin:password_change": Entry(get=staff_only(OK), post=staff_only(OK)),
    "admin:password_change_done": Entry(get=staff_only(OK), post=staff_only(NOT_ALLOWED)),
    "admin:autocomplete": Entry(
        get=staff_only(FORBIDDEN),
        post=staff_only(NOT_ALLOWED),
        note="without app_label/model_name/field_name the view refuses even staff",
    ),
    "admin:jsi18n": Entry(get=staff_only(OK), post=staff_only(NOT_ALLOWED)),
    "admin:view_on_site": Entry(
        kwargs=lambda w: {"content_type_id": "1", "object_id": "1"},
        get=staff_only(NOT_FOUND),
        post=staff_only(NOT_FOUND),
        note="no model of the portal has a page on the site",
    ),
    "admin:app_list": Entry(
        kwargs=lambda w: {"app_label": "assessments"}, get=staff_only(OK), post=staff_only(OK)
    ),
}

# --- the REST API (/api/v1/) ----------------------------------------------------------------
# Public resources: published data, no session read (no 401/403), read-only (405 to writes).
# Submissions: 401 without credentials (token authentication answers first); otherwise scoped as
# the pages: 404 for a submission the user may not see; 403 for one the user sees but may not act
# on (a reviewer asking to change the unit's values, an officer asking to appraise).

API_PUBLIC = Entry(get=everyone(OK), post=everyone(NOT_ALLOWED), json=True)


def api_public(kwargs: Callable[[World], dict[str, Any]]) -> Entry:
    return Entry(kwargs=kwargs, get=everyone(OK), post=everyone(NOT_ALLOWED), json=True)


def _forget_throttling(w: World) -> None:
    """The token endpoint allows a few attempts a minute per address: start afresh."""
    from django.core.cache import cache

    cache.clear()


API_ANONYMOUS = UNAUTHORIZED


def api_officer_action(officer: Expect, *, reviewer: Expect = FORBIDDEN) -> dict[str, Expect]:
    """An officer's action on Hoàn Kiếm's submission: its reviewer and admins see it (403), the
    others do not (404)."""
    return roles(
        anonymous=API_ANONYMOUS,
        officer=officer,
        other_officer=NOT_FOUND,
        reviewer=reviewer,
        other_reviewer=NOT_FOUND,
        admin=reviewer,
    )


def api_review_action(reviewer: Expect) -> dict[str, Expect]:
    """A reviewer's action on Cầu Giấy's submitted self-assessment (block quan-thi-xa)."""
    return roles(
        anonymous=API_ANONYMOUS,
        officer=NOT_FOUND,
        other_officer=NOT_FOUND,
        reviewer=reviewer,
        other_reviewer=NOT_FOUND,
        admin=reviewer,
    )


API_READ_NOT_ALLOWED = {**everyone(NOT_ALLOWED), "anonymous": API_ANONYMOUS}
API_DONE = status(200, writes=True)
API_CREATED = status(201, writes=True)
API_REMOVED = status(204, writes=True)


def api_own(w: World) -> dict[str, Any]:
    return {"pk": w.own_submission}


def api_reviewed(w: World) -> dict[str, Any]:
    return {"pk": w.review_submission}


API: dict[str, Entry] = {
    "api:schema": Entry(get=everyone(OK), post=everyone(NOT_ALLOWED)),
    "api:docs": Entry(get=everyone(OK), post=everyone(NOT_ALLOWED)),
    "api:token": Entry(
        setup=_forget_throttling,
        get=everyone(NOT_ALLOWED),
        post=everyone(status(400)),
        body=lambda w: {"username": USERNAMES_FOR_API, "password": "wrong"},
        json=True,
        note="a login of its own: wrong credentials are 400 for anyone (throttled per address)",
    ),
    "api:period-list": API_PUBLIC,
    "api:period-detail": api_public(lambda w: {"year": PUBLISHED_YEAR}),
    "api:block-list": API_PUBLIC,
    "api:block-detail": api_public(lambda w: {"code": OWN_BLOCK}),
    "api:unit-list": API_PUBLIC,
    "api:unit-detail": api_public(lambda w: {"code": OWN_UNIT}),
    "api:framework-list": API_PUBLIC,
    "api:framework-detail": api_public(lambda w: {"year": PUBLISHED_YEAR}),
    "api:result-list": API_PUBLIC,
    "api:result-export": Entry(
        get=everyone(OK), post=everyone(NOT_ALLOWED), query="?year=2014", json=True
    ),
    "api:award-list": API_PUBLIC,
    "api:submission-list": Entry(
        get={**everyone(OK), "anonymous": API_ANONYMOUS},
        # Starting the unit's self-assessment: Hoàn Kiếm's exists already (200); an officer of
        # another unit, a reviewer or an admin is no officer of it (404).
        post={**api_officer_action(OK, reviewer=NOT_FOUND)},
        body=lambda w: {"unit": OWN_UNIT, "year": OPEN_YEAR},
        json=True,
    ),
    "api:submission-detail": Entry(
        kwargs=api_own,
        get=api_officer_action(OK, reviewer=OK),
        post=API_READ_NOT_ALLOWED,
        other_methods={
            "PATCH": (API_READ_NOT_ALLOWED, lambda w: {"status": "approved"}),
            "DELETE": (API_READ_NOT_ALLOWED, lambda w: {}),
        },
        json=True,
    ),
    "api:submission-export": Entry(
        kwargs=api_own,
        get=api_officer_action(OK, reviewer=OK),
        post=API_READ_NOT_ALLOWED,
        json=True,
    ),
    "api:submission-answers": Entry(
        kwargs=api_own,
        get=API_READ_NOT_ALLOWED,
        post=API_READ_NOT_ALLOWED,
        other_methods={
            "PATCH": (
                api_officer_action(API_DONE),
                lambda w: {"answers": [{"indicator": "I.5", "note": "Đã rà soát"}]},
            )
        },
        json=True,
    ),
    "api:submission-add-evidence": Entry(
        kwargs=api_own,
        get=API_READ_NOT_ALLOWED,
        post=api_officer_action(API_CREATED),
        body=lambda w: {"indicator": "I.5", "link": "https://hoankiem.hanoi.gov.vn/bb.pdf"},
        json=True,
    ),
    "api:submission-remove-evidence": Entry(
        kwargs=lambda w: {"pk": w.own_submission, "evidence_id": w.own_evidence},
        get=API_READ_NOT_ALLOWED,
        post=API_READ_NOT_ALLOWED,
        other_methods={"DELETE": (api_officer_action(API_REMOVED), lambda w: {})},
        json=True,
    ),
    "api:submission-submit": Entry(
        kwargs=api_own,
        get=API_READ_NOT_ALLOWED,
        post=api_officer_action(API_DONE),
        body=lambda w: {"version": Submission.objects.get(pk=w.own_submission).version},
        json=True,
    ),
    "api:submission-corrections": Entry(
        kwargs=api_reviewed,
        get=API_READ_NOT_ALLOWED,
        post=api_review_action(API_DONE),
        body=lambda w: {"version": Submission.objects.get(pk=w.review_submission).version},
        json=True,
    ),
    "api:submission-return-for-revision": Entry(
        kwargs=api_reviewed,
        get=API_READ_NOT_ALLOWED,
        post=api_review_action(API_DONE),
        body=lambda w: {
            "version": Submission.objects.get(pk=w.review_submission).version,
            "reason": "Thiếu tài liệu kiểm chứng.",
            "corrections": [{"indicator": "I.1", "reopen": True, "comment": "Bổ sung."}],
        },
        json=True,
    ),
    "api:submission-approve": Entry(
        kwargs=api_reviewed,
        get=API_READ_NOT_ALLOWED,
        post=api_review_action(API_DONE),
        body=lambda w: {"version": Submission.objects.get(pk=w.review_submission).version},
        json=True,
    ),
}
USERNAMES_FOR_API = "canbo-hoankiem"

# Spreadsheet imports in the admin (assessments/admin_imports.py): staff only, and then the
# model's add and change permissions; an empty POST re-shows the form with its errors.
ADMIN_IMPORTS: dict[str, Entry] = {
    f"admin:assessments_{model}_import": Entry(get=staff_only(OK), post=staff_only(OK))
    for model in ("unit", "framework", "submission")
}

MATRIX: dict[str, Entry] = {**PORTAL, **ADMIN_SITE, **ADMIN_IMPORTS, **API}

# --- who may come without logging in -------------------------------------------------------

# Public pages: 200 for anyone, no cookie (DESIGN.md §6: cacheable).
PUBLIC_PAGES = frozenset(
    {
        "healthz",
        "readyz",  # monitoring; no-store, never cached
        "rankings:home",
        "rankings:search",
        "rankings:unit",
        "rankings:period",
        "rankings:methodology",
        "rankings:download",
        "rankings:block",
        "rankings:block_download",
        "awards:verify_form",
        "awards:verify",
        # The API's published data, its schema and documentation (DESIGN.md §5).
        "api:schema",
        "api:docs",
        "api:period-list",
        "api:period-detail",
        "api:block-list",
        "api:block-detail",
        "api:unit-list",
        "api:unit-detail",
        "api:framework-list",
        "api:framework-detail",
        "api:result-list",
        "api:result-export",
        "api:award-list",
    }
)
# Open by nature: logging in, resetting a forgotten password (these set the CSRF cookie their
# form needs, never a session), logging out, choosing the language.
OPEN_PAGES = frozenset(
    {
        "login",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "set_language",
        "admin:login",
        "admin:logout",
        "api:token",  # the API's login
    }
)
PUBLIC_URL_NAMES = PUBLIC_PAGES | OPEN_PAGES
