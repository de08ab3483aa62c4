"""Who may appraise which submission, for every review page and action.

``reviewable_submissions`` decides it once: admins all submissions, reviewers those of the blocks
assigned to them for that period, never their own unit's. Everyone else gets 404 (the submission
does not exist for them), anonymous visitors the login page. Nobody but the unit's officers may
change the unit's own values, and an action that no longer applies answers 409.
"""

from __future__ import annotations

import html
from urllib.parse import quote

import pytest
from django.urls import reverse

from assessments.models import OfficerMembership, Submission
from assessments.services import AssessmentError
from assessments.services import submissions as workflow
from rankings.scoring import Value
from tests import factories
from tests.assessments.conftest import (
    autosave_url,
    complete_values,
    field,
    fill_in,
    form_url,
    in_vietnamese,
    page,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing", "media_root")

PERSONAS = ["anonymous", "officer", "other_officer", "reviewer", "other_reviewer", "admin_user"]
REASON = "Biên bản kiểm tra chỉ ghi nhận 30 hồ sơ đạt."


def log_in(client, request, persona: str):
    """The client logged in as the persona (anonymous: not logged in)."""
    if persona == "anonymous":
        return None
    user = request.getfixturevalue(persona)
    client.force_login(user)
    return user


def review_url(submission: Submission) -> str:
    return reverse("assessments:review", args=[submission.pk])


def action_url(action: str, submission: Submission) -> str:
    return reverse(f"assessments:review_{action}", args=[submission.pk])


def login_redirect(url: str) -> str:
    return f"/accounts/login/?next={quote(url)}"


def state(submission: Submission) -> tuple:
    """Everything a review action could change."""
    submission.refresh_from_db()
    return (
        submission.status,
        submission.version,
        list(
            submission.answers.order_by("indicator__order").values_list(
                "indicator__code",
                "numerator",
                "value_yes",
                "count",
                "points",
                "reviewer_numerator",
                "reviewer_reason",
                "reopened",
            )
        ),
        submission.audit_entries.count(),
        submission.notifications.count(),
    )


def action_data(submission: Submission, indicators, action: str) -> dict[str, str]:
    """What the review page posts for an action: a correction with its reason, and for a return
    its reason and one indicator marked; for a reopen, the admin's reason."""
    if action == "reopen":
        return {"version": str(submission.version), "reason": "Phát hiện sai sót số liệu."}
    rate = indicators["I.1"]
    return {
        "version": str(submission.version),
        f"r{rate.pk}-numerator": "30",
        f"r{rate.pk}-denominator": "50",
        f"r{rate.pk}-reason": REASON,
        f"r{rate.pk}-reopen": "on" if action == "return" else "",
        "reason": "Số liệu chưa khớp." if action == "return" else "",
    }


@pytest.fixture
def approved(submitted, indicators) -> Submission:
    """The officer's submission, approved by a third reviewer of the block (not a persona)."""
    colleague = factories.make_reviewer(submitted.period, submitted.unit.block, "reviewer-3")
    return workflow.approve_submission(
        submission=submitted, actor=colleague, expected_version=submitted.version
    )


# --- The pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("officer", 404),
        ("other_officer", 404),
        ("reviewer", 200),
        ("other_reviewer", 404),
        ("admin_user", 200),
    ],
)
def test_the_review_page_opens_only_for_the_blocks_reviewer_and_admins(
    client, request, submitted, persona, expected
):
    log_in(client, request, persona)
    url = review_url(submitted)

    response = client.get(url)

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == login_redirect(url)
    if expected == 200:
        assert "Sở Nội vụ" in page(response)
    else:
        assert "Sở Nội vụ" not in page(response)


@pytest.mark.parametrize(
    ("persona", "lists_the_unit"),
    [
        ("officer", False),
        ("other_officer", False),
        ("reviewer", True),
        ("other_reviewer", False),
        ("admin_user", True),
    ],
)
def test_the_queue_lists_a_submission_only_to_those_who_may_appraise_it(
    client, request, submitted, other_draft, persona, lists_the_unit
):
    log_in(client, request, persona)

    response = client.get(reverse("assessments:review_queue"))

    content = page(response)
    assert response.status_code == 200
    assert ("Sở Nội vụ" in content) is lists_the_unit
    assert (f'href="{review_url(submitted)}"' in content) is lists_the_unit
    if persona in ("officer", "other_officer"):
        assert in_vietnamese(
            "You are not assigned to appraise any block. The Steering Committee's administrator "
            "assigns reviewers to blocks for each period."
        ) in html.unescape(content)


@pytest.mark.parametrize("page_name", ["review_queue", "notifications"])
def test_an_anonymous_visitor_is_sent_to_the_login_page_from_the_queue_and_notifications(
    client, db, page_name
):
    url = reverse(f"assessments:{page_name}")

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == login_redirect(url)


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_everyone_logged_in_opens_their_own_notifications(client, request, db, persona):
    log_in(client, request, persona)

    assert client.get(reverse("assessments:notifications")).status_code == 200


def test_a_reviewer_of_the_block_in_another_year_cannot_open_this_years_submission(
    client, submitted, block
):
    last_year = factories.make_period(2013)
    client.force_login(factories.make_reviewer(last_year, block, "reviewer-2013"))

    assert client.get(review_url(submitted)).status_code == 404


# --- The actions ------------------------------------------------------------------------------

ACTIONS = {
    # action: (status before, status after when it works, where it redirects)
    "save": (Submission.Status.SUBMITTED, Submission.Status.SUBMITTED, "review"),
    "return": (Submission.Status.SUBMITTED, Submission.Status.RETURNED, "queue"),
    "approve": (Submission.Status.SUBMITTED, Submission.Status.APPROVED, "queue"),
    "reopen": (Submission.Status.APPROVED, Submission.Status.SUBMITTED, "review"),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("officer", 404),
        ("other_officer", 404),
        ("reviewer", "works"),
        ("other_reviewer", 404),
        ("admin_user", "works"),
    ],
)
def test_a_review_action_works_only_for_the_blocks_reviewer_and_admins(
    client, request, submitted, indicators, action, persona, expected
):
    status_before, status_after, goes_to = ACTIONS[action]
    submission = request.getfixturevalue("approved") if action == "reopen" else submitted
    user = log_in(client, request, persona)
    url = action_url(action, submission)
    before = state(submission)

    response = client.post(url, action_data(submission, indicators, action))

    if expected == 302:
        assert response.status_code == 302
        assert response["Location"] == login_redirect(url)
        assert state(submission) == before
    elif expected == 404:
        assert response.status_code == 404
        assert "Sở Nội vụ" not in page(response)
        assert state(submission) == before
    elif action == "reopen" and persona == "reviewer":
        # Reopening is for admins only: the reviewer is sent back with the reason why.
        assert response.status_code == 302
        assert response["Location"] == review_url(submission)
        assert state(submission) == before
    else:
        assert response.status_code == 302
        assert response["Location"] == (
            review_url(submission) if goes_to == "review" else reverse("assessments:review_queue")
        )
        submission.refresh_from_db()
        assert (before[0], submission.status) == (status_before, status_after)
        assert submission.audit_entries.filter(actor=user).exists()
        if action != "reopen":
            assert submission.answers.get(indicator=indicators["I.1"]).reviewer_numerator == 30


@pytest.mark.parametrize("action", list(ACTIONS))
def test_opening_an_action_url_without_posting_answers_405_and_changes_nothing(
    client, reviewer, submitted, action
):
    client.force_login(reviewer)
    before = state(submitted)

    response = client.get(action_url(action, submitted))

    assert response.status_code == 405
    assert state(submitted) == before


def test_a_reviewer_of_another_block_cannot_act_by_changing_the_id_in_the_url(
    client, other_reviewer, submitted, indicators, other_draft, other_officer
):
    """The other block's reviewer may appraise the other unit, but not this one."""
    fill_in(other_draft, indicators, other_officer)
    theirs = workflow.submit_submission(
        submission=other_draft, actor=other_officer, expected_version=other_draft.version
    )
    client.force_login(other_reviewer)
    before = state(submitted)

    own_block = client.get(review_url(theirs))
    changed_id = client.post(action_url("approve", submitted), {"version": str(submitted.version)})

    assert own_block.status_code == 200
    assert changed_id.status_code == 404
    assert state(submitted) == before


# --- A reviewer who is also an officer of the unit ----------------------------------------------


@pytest.fixture
def reviewer_of_own_unit(reviewer, unit):
    """The block's reviewer who also enters data for the unit (separation of duties)."""
    OfficerMembership.objects.create(user=reviewer, unit=unit)
    return reviewer


@pytest.mark.parametrize("action", [None, "save", "return", "approve"])
def test_a_reviewer_who_is_an_officer_of_the_unit_gets_404_on_its_review_page_and_actions(
    client, reviewer_of_own_unit, submitted, indicators, action
):
    client.force_login(reviewer_of_own_unit)
    before = state(submitted)

    if action is None:
        response = client.get(review_url(submitted))
    else:
        response = client.post(
            action_url(action, submitted), action_data(submitted, indicators, action)
        )

    assert response.status_code == 404
    assert state(submitted) == before


def test_the_queue_offers_a_reviewer_no_link_to_their_own_units_submission(
    client, reviewer_of_own_unit, submitted
):
    client.force_login(reviewer_of_own_unit)

    content = page(client.get(reverse("assessments:review_queue")))

    assert review_url(submitted) not in content


@pytest.mark.parametrize("service", ["approve", "return", "save_corrections"])
def test_the_services_refuse_a_reviewer_appraising_their_own_unit(
    reviewer_of_own_unit, submitted, indicators, service
):
    before = state(submitted)
    rate = indicators["I.1"]
    calls = {
        "approve": lambda: workflow.approve_submission(
            submission=submitted, actor=reviewer_of_own_unit, expected_version=submitted.version
        ),
        "return": lambda: workflow.return_submission(
            submission=submitted,
            actor=reviewer_of_own_unit,
            expected_version=submitted.version,
            reason="Số liệu chưa khớp.",
            reopen={rate: ""},
        ),
        "save_corrections": lambda: workflow.save_corrections(
            submission=submitted,
            actor=reviewer_of_own_unit,
            expected_version=submitted.version,
            corrections={rate: workflow.Correction(Value(numerator=30, denominator=50), REASON)},
        ),
    }

    with pytest.raises(AssessmentError) as refused:
        calls[service]()

    assert str(refused.value) == in_vietnamese(
        "You cannot appraise the submission of your own unit."
    )
    assert state(submitted) == before


def test_an_admin_who_is_an_officer_of_the_unit_cannot_approve_it_either(
    admin_user, unit, submitted
):
    OfficerMembership.objects.create(user=admin_user, unit=unit)
    before = state(submitted)

    with pytest.raises(AssessmentError):
        workflow.approve_submission(
            submission=submitted, actor=admin_user, expected_version=submitted.version
        )

    assert state(submitted) == before


# --- Reviewers do not edit the unit's own values ------------------------------------------------


@pytest.mark.parametrize("persona", ["reviewer", "admin_user"])
def test_reviewers_and_admins_cannot_post_values_into_the_units_own_form(
    client, request, draft, indicators, persona
):
    client.force_login(request.getfixturevalue(persona))
    before = state(draft)

    form = client.post(form_url(draft.unit), complete_values(indicators))
    autosave = client.post(
        autosave_url(draft.unit, indicators["I.1"]),
        {
            field(indicators["I.1"], "numerator"): "40",
            field(indicators["I.1"], "denominator"): "50",
        },
        headers={"HX-Request": "true"},
    )

    assert form.status_code == 404
    assert autosave.status_code == 404
    assert state(draft) == before


def test_a_reviewer_cannot_change_a_submitted_units_values_through_its_form(
    client, reviewer, submitted, indicators
):
    client.force_login(reviewer)
    before = state(submitted)
    rate = indicators["I.1"]

    response = client.post(
        autosave_url(submitted.unit, rate),
        {field(rate, "numerator"): "10", field(rate, "denominator"): "50"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 404
    assert state(submitted) == before
    assert submitted.answers.get(indicator=rate).numerator == 40
