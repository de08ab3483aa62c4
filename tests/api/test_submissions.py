"""Submissions through the API: who sees which, and the officer's and reviewer's actions.

Every refusal leaves the database as it was; every action goes through the pages' services.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import (
    Answer,
    AuditEntry,
    Evidence,
    OfficerMembership,
    Period,
    Submission,
)
from tests import factories
from tests.api.conftest import LINK, fill_in, state, submission_url, token_client
from tests.assessments.conftest import ELF_PROGRAM, PDF, in_vietnamese, status_label

ALL_VALUES = {
    "answers": [
        {"indicator": "I.1", "numerator": 40, "denominator": 50},
        {"indicator": "I.2", "value_yes": True, "note": "Quyết định số 12/QĐ"},
        {"indicator": "II.1", "count": 7},
        {"indicator": "II.2", "points": "3.5"},
    ]
}


def detail(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def answer_of(body: dict, code: str) -> dict:
    return next(a for a in body["answers"] if a["indicator"] == code)


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("officer", {("test-so-noi-vu", 2013), ("test-so-noi-vu", 2014), ("test-so-noi-vu", 2015)}),
        (
            "other_officer",
            {("test-xa-co-loa", 2013), ("test-xa-co-loa", 2014), ("test-xa-co-loa", 2015)},
        ),
        ("reviewer", {("test-so-noi-vu", 2015)}),
        ("other_reviewer", {("test-xa-co-loa", 2015)}),
    ],
)
def test_each_role_lists_exactly_the_submissions_the_pages_show_it(
    request, history, draft, submitted, persona, expected
):
    client = token_client(request.getfixturevalue(persona))

    listed = client.get("/api/v1/submissions/").json()["results"]

    assert {(s["unit"]["code"], s["year"]) for s in listed} == expected


def test_an_admin_lists_every_submission(history, draft, submitted, admin_user):
    listed = token_client(admin_user).get("/api/v1/submissions/", {"page_size": 100}).json()

    assert listed["count"] == Submission.objects.count() == 8


def test_an_anonymous_client_is_told_to_authenticate(api, draft):
    response = api.get("/api/v1/submissions/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_the_submissions_are_filtered_as_on_the_review_queue(history, draft, submitted, admin_user):
    client = token_client(admin_user)

    def units(**query):
        return [
            (s["unit"]["code"], s["year"])
            for s in client.get("/api/v1/submissions/", query).json()["results"]
        ]

    assert units(year=2015, status="submitted") == [("test-xa-co-loa", 2015)]
    assert units(year=2015, block="test-so-nganh") == [("test-so-noi-vu", 2015)]
    assert units(unit="test-so-tai-chinh") == [
        ("test-so-tai-chinh", 2014),
        ("test-so-tai-chinh", 2013),
    ]
    assert client.get("/api/v1/submissions/", {"status": "lost"}).status_code == 400


@pytest.mark.parametrize("persona", ["other_officer", "other_reviewer"])
def test_another_units_submission_is_not_found_and_says_nothing(request, draft, persona):
    client = token_client(request.getfixturevalue(persona))

    response = client.get(submission_url(draft))

    assert response.status_code == 404
    assert "Nội vụ" not in response.content.decode()


def test_the_officer_sees_answers_evidence_and_no_reviewers_values(officer, draft, indicators):
    fill_in(draft, indicators, officer)

    body = detail(token_client(officer).get(submission_url(draft)))

    assert (body["status"], body["editable"], body["can_review"]) == ("draft", True, False)
    assert [a["indicator"] for a in body["answers"]] == ["I.1", "I.2", "II.1", "II.2"]
    rate = answer_of(body, "I.1")
    assert (rate["numerator"], rate["denominator"], rate["reviewer"]) == (40, 50, None)
    assert rate["evidence"][0]["link"] == LINK
    assert answer_of(body, "II.2")["points"] == "3.5"


def test_the_reviewer_sees_the_reviewers_values_and_the_officer_only_a_returned_comment(
    reviewer, officer, draft, indicators
):
    fill_in(draft, indicators, officer)
    Answer.objects.filter(submission=draft, indicator__code="I.1").update(
        reviewer_numerator=30,
        reviewer_denominator=50,
        reviewer_reason="Sai số liệu",
        reviewer_comment="Xem lại",
    )

    seen_by_reviewer = answer_of(detail(token_client(reviewer).get(submission_url(draft))), "I.1")
    seen_by_officer = answer_of(detail(token_client(officer).get(submission_url(draft))), "I.1")

    assert seen_by_reviewer["reviewer"] == {
        "value_yes": None,
        "numerator": 30,
        "denominator": 50,
        "count": None,
        "points": None,
        "reason": "Sai số liệu",
        "comment": "Xem lại",
    }
    assert (seen_by_officer["reviewer"], seen_by_officer["reviewer_comment"]) == (None, "")


# --- the officer ---------------------------------------------------------------------------------


def test_an_officer_saves_values_and_each_change_is_audited(officer, draft, indicators):
    body = detail(
        token_client(officer).patch(submission_url(draft, "answers"), ALL_VALUES, format="json")
    )

    rate = Answer.objects.get(submission=draft, indicator__code="I.1")
    assert (rate.numerator, rate.denominator) == (40, 50)
    assert Answer.objects.get(submission=draft, indicator__code="II.2").points == Decimal("3.5")
    assert answer_of(body, "I.2")["note"] == "Quyết định số 12/QĐ"
    changes = AuditEntry.objects.filter(submission=draft, action=AuditEntry.Action.ANSWER_CHANGED)
    assert changes.count() == 4
    assert changes.get(indicator_code="I.1").actor == officer


def test_a_value_left_out_keeps_its_stored_value_and_null_empties_it(officer, draft, indicators):
    client = token_client(officer)
    client.patch(submission_url(draft, "answers"), ALL_VALUES, format="json")

    client.patch(
        submission_url(draft, "answers"),
        {"answers": [{"indicator": "I.1", "numerator": 45}, {"indicator": "II.1", "count": None}]},
        format="json",
    )

    rate = Answer.objects.get(submission=draft, indicator__code="I.1")
    assert (rate.numerator, rate.denominator) == (45, 50)
    assert Answer.objects.get(submission=draft, indicator__code="II.1").count is None


def test_invalid_values_are_refused_with_the_forms_messages_and_nothing_is_saved(
    officer, draft, indicators
):
    before = state(draft)

    response = token_client(officer).patch(
        submission_url(draft, "answers"),
        {
            "answers": [
                {"indicator": "II.1", "count": 3},
                {"indicator": "I.1", "numerator": 60, "denominator": 50},
                {"indicator": "II.2", "points": "3.2"},
                {"indicator": "I.2", "count": 1},
                {"indicator": "IV.9", "value_yes": True},
            ]
        },
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["I.1"]["numerator"] == [
        in_vietnamese(
            "Cannot be more than the %(denominator)s (%(value)s).",
            denominator=in_vietnamese("Denominator").lower(),
            value=50,
        )
    ]
    assert "points" in errors["II.2"]
    assert "count" in errors["I.2"]
    assert errors["IV.9"]["indicator"] == [
        in_vietnamese("No indicator %(code)s applies to this submission.", code="IV.9")
    ]
    assert state(draft) == before  # II.1 was valid, but nothing is saved


def test_an_officer_cannot_change_a_submitted_self_assessment(other_officer, submitted):
    before = state(submitted)

    response = token_client(other_officer).patch(
        submission_url(submitted, "answers"),
        {"answers": [{"indicator": "II.1", "count": 99}]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["detail"] == in_vietnamese(
        "This submission is %(status)s and can no longer be changed.",
        status=status_label("submitted").lower(),
    )
    assert state(submitted) == before


@pytest.mark.parametrize(("persona", "status"), [("other_officer", 404), ("reviewer", 403)])
def test_nobody_but_the_units_officers_changes_its_values(
    request, draft, indicators, persona, status
):
    before = state(draft)

    response = token_client(request.getfixturevalue(persona)).patch(
        submission_url(draft, "answers"), ALL_VALUES, format="json"
    )

    assert response.status_code == status
    assert state(draft) == before


def test_an_officer_adds_link_and_file_evidence_and_removes_it(
    officer, draft, indicators, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = token_client(officer)

    link = client.post(
        submission_url(draft, "evidence"), {"indicator": "I.1", "link": LINK}, format="json"
    )
    upload = client.post(
        submission_url(draft, "evidence"),
        {"indicator": "I.2", "file": SimpleUploadedFile("Quyết định.pdf", PDF, "application/pdf")},
        format="multipart",
    )

    assert (link.status_code, link.json()["kind"], link.json()["link"]) == (201, "link", LINK)
    assert upload.status_code == 201
    assert upload.json()["original_name"] == "Quyết định.pdf"
    assert upload.json()["sha256"] == Evidence.objects.get(pk=upload.json()["id"]).sha256
    assert upload.json()["download_url"].endswith(f"/evidence/{upload.json()['id']}/")
    removed = client.delete(submission_url(draft, f"evidence/{link.json()['id']}"))
    assert removed.status_code == 204
    assert not Evidence.objects.filter(pk=link.json()["id"]).exists()


def test_a_file_that_is_not_a_document_is_refused(officer, draft, indicators, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    response = token_client(officer).post(
        submission_url(draft, "evidence"),
        {"indicator": "I.2", "file": SimpleUploadedFile("report.pdf", ELF_PROGRAM)},
        format="multipart",
    )

    assert response.status_code == 400
    assert not Evidence.objects.filter(answer__submission=draft).exists()


def test_an_officer_cannot_remove_another_units_evidence_through_their_own_submission(
    officer, draft, submitted
):
    theirs = Evidence.objects.filter(answer__submission=submitted).first()

    response = token_client(officer).delete(submission_url(draft, f"evidence/{theirs.pk}"))

    assert response.status_code == 404
    assert Evidence.objects.filter(pk=theirs.pk).exists()


def test_an_incomplete_submission_is_refused_with_what_is_missing(officer, draft, indicators):
    client = token_client(officer)
    client.patch(submission_url(draft, "answers"), ALL_VALUES, format="json")  # no evidence

    response = client.post(
        submission_url(draft, "submit"), {"version": draft.version}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == in_vietnamese(
        "The submission is not complete: %(count)d items are missing.", count=4
    )
    assert body["errors"]["I.1"] == ["evidence"]
    assert Submission.objects.get(pk=draft.pk).status == "draft"


def test_an_officer_starts_their_units_submission_of_an_open_period(
    officer, period, unit, indicators
):
    factories.make_participation(period, unit)

    response = token_client(officer).post(
        "/api/v1/submissions/", {"unit": unit.code, "year": 2015}, format="json"
    )

    assert response.status_code == 201
    assert Submission.objects.get(unit=unit, period=period).status == "draft"
    assert response.json()["editable"] is True


def test_an_officer_cannot_start_another_units_submission(officer, period, other_unit, indicators):
    factories.make_participation(period, other_unit)

    response = token_client(officer).post(
        "/api/v1/submissions/", {"unit": other_unit.code, "year": 2015}, format="json"
    )

    assert response.status_code == 404
    assert not Submission.objects.filter(unit=other_unit).exists()


def test_a_period_not_open_cannot_be_started(officer, period, unit, indicators):
    factories.make_participation(period, unit)
    Period.objects.filter(pk=period.pk).update(state=Period.State.REVIEW)

    response = token_client(officer).post(
        "/api/v1/submissions/", {"unit": unit.code, "year": 2015}, format="json"
    )

    assert response.status_code == 409
    assert not Submission.objects.filter(unit=unit).exists()


# --- the whole round trip through the API --------------------------------------------------------


def test_an_officer_submits_and_a_reviewer_corrects_returns_and_approves(
    officer, reviewer, draft, indicators
):
    unit_side, review_side = token_client(officer), token_client(reviewer)
    unit_side.patch(submission_url(draft, "answers"), ALL_VALUES, format="json")
    for code in indicators:
        added = unit_side.post(
            submission_url(draft, "evidence"), {"indicator": code, "link": LINK}, format="json"
        )
        assert added.status_code == 201
    version = detail(unit_side.get(submission_url(draft)))["version"]

    submitted = detail(
        unit_side.post(submission_url(draft, "submit"), {"version": version}, format="json")
    )
    assert submitted["status"] == "submitted"

    corrected = detail(
        review_side.post(
            submission_url(draft, "corrections"),
            {
                "version": submitted["version"],
                "corrections": [
                    {
                        "indicator": "I.1",
                        "numerator": 35,
                        "denominator": 50,
                        "reason": "Theo danh sách",
                    }
                ],
            },
            format="json",
        )
    )
    assert answer_of(corrected, "I.1")["reviewer"]["numerator"] == 35
    assert (
        Answer.objects.get(submission=draft, indicator__code="I.1").reviewer_reason
        == "Theo danh sách"
    )

    returned = detail(
        review_side.post(
            submission_url(draft, "return"),
            {
                "version": corrected["version"],
                "reason": "Thiếu quyết định",
                "corrections": [
                    {"indicator": "II.2", "comment": "Bổ sung quyết định", "reopen": True}
                ],
            },
            format="json",
        )
    )
    assert returned["status"] == "returned"
    officer_view = detail(unit_side.get(submission_url(draft)))
    assert [a["indicator"] for a in officer_view["answers"] if a["editable"]] == ["II.2"]
    assert answer_of(officer_view, "II.2")["reviewer_comment"] == "Bổ sung quyết định"
    refused = unit_side.patch(
        submission_url(draft, "answers"),
        {"answers": [{"indicator": "I.1", "numerator": 50}]},
        format="json",
    )
    assert refused.status_code == 409
    unit_side.patch(
        submission_url(draft, "answers"),
        {"answers": [{"indicator": "II.2", "points": "4"}]},
        format="json",
    )
    resubmitted = detail(
        unit_side.post(
            submission_url(draft, "submit"), {"version": officer_view["version"]}, format="json"
        )
    )

    approved = detail(
        review_side.post(
            submission_url(draft, "approve"), {"version": resubmitted["version"]}, format="json"
        )
    )

    assert approved["status"] == "approved"
    stored = Submission.objects.get(pk=draft.pk)
    assert stored.status == "approved" and stored.approved_at is not None
    assert Answer.objects.get(submission=draft, indicator__code="II.2").points == Decimal("4")


# --- the reviewer --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["corrections", "return", "approve"])
def test_a_stale_version_is_a_conflict_that_changes_nothing(other_reviewer, submitted, action):
    before = state(submitted)
    body = {
        "version": submitted.version - 1,
        "reason": "Thiếu",
        "corrections": [{"indicator": "I.2", "comment": "Xem lại", "reopen": True}],
    }

    response = token_client(other_reviewer).post(
        submission_url(submitted, action), body, format="json"
    )

    assert response.status_code == 409
    assert response.json()["detail"] == in_vietnamese(
        "The submission changed since you opened it (someone else acted on it). "
        "Reload the page to see where it stands."
    )
    assert state(submitted) == before


def test_a_changed_value_needs_a_reason(other_reviewer, submitted):
    before = state(submitted)

    response = token_client(other_reviewer).post(
        submission_url(submitted, "corrections"),
        {"version": submitted.version, "corrections": [{"indicator": "II.1", "count": 2}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["II.1"]["reason"] == [
        in_vietnamese("Give the reason for changing the unit's value.")
    ]
    assert state(submitted) == before


def test_a_return_needs_a_reason_and_an_indicator_to_revise(other_reviewer, submitted):
    before = state(submitted)
    client = token_client(other_reviewer)

    no_reason = client.post(
        submission_url(submitted, "return"),
        {
            "version": submitted.version,
            "reason": " ",
            "corrections": [{"indicator": "I.2", "reopen": True}],
        },
        format="json",
    )
    nothing_reopened = client.post(
        submission_url(submitted, "return"),
        {"version": submitted.version, "reason": "Thiếu"},
        format="json",
    )

    assert no_reason.status_code == nothing_reopened.status_code == 400
    assert no_reason.json()["detail"] == in_vietnamese(
        "Give the reason for returning the submission."
    )
    assert nothing_reopened.json()["detail"] == in_vietnamese(
        "Mark at least one indicator to revise."
    )
    assert state(submitted) == before


@pytest.mark.parametrize(
    ("persona", "status"),
    [("other_officer", 403), ("officer", 404), ("reviewer", 404), ("other_reviewer", 200)],
)
def test_only_the_blocks_reviewer_approves(request, submitted, persona, status):
    before = state(submitted)

    response = token_client(request.getfixturevalue(persona)).post(
        submission_url(submitted, "approve"), {"version": submitted.version}, format="json"
    )

    assert response.status_code == status
    if status != 200:
        assert state(submitted) == before
    else:
        assert Submission.objects.get(pk=submitted.pk).status == "approved"


def test_a_reviewer_cannot_appraise_their_own_units_submission(period, other_block, submitted):
    own = factories.make_reviewer(period, other_block, "reviewer-and-officer")
    OfficerMembership.objects.create(user=own, unit=submitted.unit)
    before = state(submitted)

    response = token_client(own).post(
        submission_url(submitted, "approve"), {"version": submitted.version}, format="json"
    )

    assert response.status_code == 403
    assert state(submitted) == before


# --- exports -------------------------------------------------------------------------------------


def test_an_officer_exports_their_submission_as_json_and_csv(officer, draft, indicators):
    fill_in(draft, indicators, officer)
    client = token_client(officer)

    rows = client.get(submission_url(draft, "export")).json()
    exported = client.get(submission_url(draft, "export"), {"format": "csv"})

    assert [(r["indicator"], r["numerator"], r["value_yes"], r["evidence"]) for r in rows] == [
        ("I.1", "40", None, "1"),
        ("I.2", None, "yes", "1"),
        ("II.1", None, None, "1"),
        ("II.2", None, None, "1"),
    ]
    assert "reviewer_reason" not in rows[0]
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="tu-danh-gia-test-so-noi-vu-2015.csv"' in exported["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [(r["indicator"], r["points"]) for r in table][-1] == ("II.2", "3.5")


def test_a_reviewers_export_has_the_reviewers_columns(other_reviewer, submitted):
    rows = token_client(other_reviewer).get(submission_url(submitted, "export")).json()

    assert "reviewer_reason" in rows[0]


def test_another_units_export_is_not_found(other_officer, draft):
    response = token_client(other_officer).get(submission_url(draft, "export"), {"format": "csv"})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_the_list_needs_no_more_queries_for_more_submissions(admin_user, draft, period, block):
    client = token_client(admin_user)
    client.get("/api/v1/submissions/")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/submissions/")
    for n in range(5):
        unit = factories.make_unit(block, code=f"test-more-{n}")
        factories.make_participation(period, unit)
        factories.make_submission(unit, period)

    with CaptureQueriesContext(connection) as six:
        listed = client.get("/api/v1/submissions/").json()

    assert listed["count"] == 6
    assert {s["block"] for s in listed["results"]} == {"test-so-nganh"}
    assert len(six) == len(one)


def test_a_version_beyond_any_real_one_is_refused_not_a_server_error(other_reviewer, submitted):
    before = state(submitted)

    response = token_client(other_reviewer).post(
        submission_url(submitted, "approve"), {"version": 2_147_483_647}, format="json"
    )

    assert response.status_code == 400
    assert "version" in response.json()["errors"]
    assert state(submitted) == before
