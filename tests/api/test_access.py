"""Every operation on a submission, by everyone who may not: 404 (not theirs to see) or 403
(theirs to see, not to do), never data, and nothing changed."""

from __future__ import annotations

import pytest

from assessments.models import Evidence
from tests.api.conftest import LINK, state, submission_url, token_client

# (method, path after the submission's URL, body)
OFFICER_ACTIONS = {
    "answers": ("patch", "answers", {"answers": [{"indicator": "II.1", "count": 1}]}),
    "evidence": ("post", "evidence", {"indicator": "II.1", "link": LINK}),
    "remove evidence": ("delete", "evidence/{evidence}", None),
    "submit": ("post", "submit", {"version": "{version}"}),
}
REVIEWER_ACTIONS = {
    "corrections": ("post", "corrections", {"version": "{version}", "corrections": []}),
    "return": (
        "post",
        "return",
        {
            "version": "{version}",
            "reason": "Thiếu",
            "corrections": [{"indicator": "I.2", "reopen": True}],
        },
    ),
    "approve": ("post", "approve", {"version": "{version}"}),
}
READS = {"detail": ("get", "", None), "export": ("get", "export", None)}
EVERYTHING = {**READS, **OFFICER_ACTIONS, **REVIEWER_ACTIONS}


def call(client, submission, operation: str):
    method, path, body = EVERYTHING[operation]
    evidence = Evidence.objects.filter(answer__submission=submission).first()
    path = path.format(evidence=evidence.pk if evidence else 0)
    if isinstance(body, dict):
        body = {
            key: (submission.version if value == "{version}" else value)
            for key, value in body.items()
        }
    return getattr(client, method)(submission_url(submission, path), body, format="json")


@pytest.mark.parametrize("operation", sorted(EVERYTHING))
@pytest.mark.parametrize("persona", ["officer", "reviewer"])
def test_someone_of_another_unit_or_block_learns_nothing(request, submitted, persona, operation):
    before = state(submitted)

    response = call(token_client(request.getfixturevalue(persona)), submitted, operation)

    assert response.status_code == 404
    assert "Cổ Loa" not in response.content.decode()
    assert state(submitted) == before


@pytest.mark.parametrize(
    ("persona", "operation"),
    [("other_officer", op) for op in REVIEWER_ACTIONS]
    + [("other_reviewer", op) for op in OFFICER_ACTIONS],
)
def test_seeing_a_submission_does_not_allow_the_other_roles_actions(
    request, submitted, persona, operation
):
    before = state(submitted)

    response = call(token_client(request.getfixturevalue(persona)), submitted, operation)

    assert response.status_code == 403
    assert set(response.json()) == {"detail", "code"}
    assert state(submitted) == before


@pytest.mark.parametrize("operation", sorted(EVERYTHING))
def test_an_anonymous_client_is_asked_to_authenticate(api, submitted, operation):
    before = state(submitted)

    response = call(api, submitted, operation)

    assert response.status_code == 401
    assert state(submitted) == before
