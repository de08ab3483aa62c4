"""The reviewer's appraisal page, as the reviewer of the block uses it.

The page posts the whole review form (every indicator's correction, reason, comment and "reopen"
box, the return reason and a hidden ``version``) to one of three actions: save the corrections,
return the submission, approve it. A corrected value needs a reason; a return needs a reason and
at least one indicator to revise, which the officer then sees open with the reviewer's comment.
An action on a page that is out of date answers 409 and changes nothing.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import AuditEntry, Indicator, Submission
from assessments.services import submissions as workflow
from rankings.scoring import Value
from tests import factories
from tests.assessments.conftest import (
    article,
    autosave_url,
    field,
    form_url,
    in_vietnamese,
    input_tag,
    is_disabled,
    messages_shown,
    page,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing", "media_root")

REASON = "Biên bản kiểm tra chỉ ghi nhận 30 hồ sơ đạt."
RETURN_REASON = "Số liệu tỷ lệ chưa khớp với báo cáo năm."
COMMENT = "Tính lại tỷ lệ trên toàn bộ hồ sơ của năm 2014."
STALE = (
    "The submission changed since you opened it (someone else acted on it). "
    "Reload the page to see where it stands."
)


@pytest.fixture
def reviewing(client, reviewer):
    client.force_login(reviewer)
    return client


def review_url(submission: Submission) -> str:
    return reverse("assessments:review", args=[submission.pk])


def action_url(action: str, submission: Submission) -> str:
    return reverse(f"assessments:review_{action}", args=[submission.pk])


class _FormReader(HTMLParser):
    """What a browser would post from one form: its inputs, checked boxes and textareas."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.textarea: str | None = None
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = attr.get("id") == self.form_id
        if not self.inside or "name" not in attr:
            return
        if tag == "input":
            kind = attr.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attr:
                return
            if kind != "submit":
                self.values[attr["name"]] = attr.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self.textarea = attr["name"]
            self.values[self.textarea] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.values[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self.textarea is not None:
            # Browsers drop the newline that follows <textarea>.
            self.values[self.textarea] = self.values[self.textarea].removeprefix("\n")
            self.textarea = None
        elif tag == "form":
            self.inside = False


def review_form(content: str) -> dict[str, str]:
    """The review form of a page, as the browser would post it unchanged."""
    reader = _FormReader("review-form")
    reader.feed(content)
    assert "version" in reader.values, "no review form on the page"
    return reader.values


def opened_form(client, submission: Submission) -> dict[str, str]:
    response = client.get(review_url(submission))
    assert response.status_code == 200
    return review_form(page(response))


def name(indicator: Indicator, input_name: str) -> str:
    """The POST name of one of an indicator's inputs on the review form."""
    return f"r{indicator.pk}-{input_name}"


def review_input(content: str, indicator: Indicator, input_name: str) -> str:
    """The <input> tag of one of an indicator's review inputs."""
    match = re.search(rf'<input[^>]*name="{re.escape(name(indicator, input_name))}"[^>]*>', content)
    assert match, f"no input {name(indicator, input_name)} on the page"
    return match.group(0)


def error_beside(content: str, indicator: Indicator, input_name: str) -> list[str]:
    """The messages shown in the box of one of an indicator's review inputs."""
    box = re.search(
        rf'<div class="field[^"]*field-{input_name}">(.*?)</div>',
        article(content, indicator.code),
        re.S,
    )
    assert box, f"no {input_name} box for {indicator.code}"
    return [html.unescape(m) for m in re.findall(r'<p class="error"[^>]*>(.*?)</p>', box.group(1))]


def points_shown(content: str, indicator: Indicator) -> tuple[str, str]:
    """The points (with a decimal comma, as Vietnamese writes them) and formula of an indicator."""
    match = re.search(
        r"<dd><strong>([\d,]+)</strong> <code>(.*?)</code>", article(content, indicator.code)
    )
    assert match, f"no points for {indicator.code}"
    return match.group(1), html.unescape(match.group(2))


def total_shown(content: str) -> str:
    match = re.search(r"<strong>([\d,]+)</strong> / 14<", content)
    assert match, "no total on the page"
    return match.group(1)


def state(submission: Submission) -> tuple:
    """Everything an action could change: status, version, reviewer values, flags, audit."""
    submission.refresh_from_db()
    return (
        submission.status,
        submission.version,
        list(
            submission.answers.order_by("indicator__order").values_list(
                "indicator__code",
                "reviewer_numerator",
                "reviewer_denominator",
                "reviewer_value_yes",
                "reviewer_count",
                "reviewer_points",
                "reviewer_reason",
                "reviewer_comment",
                "reopened",
            )
        ),
        submission.audit_entries.count(),
        submission.notifications.count(),
    )


# --- The page -----------------------------------------------------------------------------------


def test_the_review_page_shows_the_units_values_their_points_and_the_total(
    reviewing, submitted, indicators
):
    content = page(reviewing.get(review_url(submitted)))

    assert "Sở Nội vụ" in content
    assert "40/50" in article(content, "I.1")
    assert points_shown(content, indicators["I.1"]) == ("4,00", "5 × 40 / 50 = 4.00")
    assert points_shown(content, indicators["I.2"]) == ("2,00", "2 × 1 = 2.00")
    assert points_shown(content, indicators["II.1"]) == ("3,00", "3 × 7 / 7 = 3.00")
    assert points_shown(content, indicators["II.2"]) == ("3,50", "3.5 = 3.50")
    assert total_shown(content) == "12,50"
    assert review_form(content)["version"] == str(submitted.version)


def test_saving_the_page_unchanged_changes_nothing(reviewing, submitted):
    data = opened_form(reviewing, submitted)
    before = state(submitted)

    response = reviewing.post(action_url("save", submitted), data)

    assert response.status_code == 302
    assert response.url == review_url(submitted)
    assert state(submitted) == before


# --- Corrections --------------------------------------------------------------------------------


def test_a_correction_without_a_reason_is_refused_beside_the_field_and_nothing_changes(
    reviewing, submitted, indicators
):
    rate = indicators["I.1"]
    data = opened_form(reviewing, submitted)
    data.update({name(rate, "numerator"): "30", name(rate, "denominator"): "50"})
    before = state(submitted)

    response = reviewing.post(action_url("save", submitted), data)

    content = page(response)
    assert response.status_code == 422
    assert error_beside(content, rate, "reason") == [
        in_vietnamese("Give the reason for changing the unit's value.")
    ]
    assert messages_shown(content) == [
        in_vietnamese("Some values were not saved; see the messages beside them.")
    ]
    # What the reviewer typed is still there to be completed.
    assert 'value="30"' in review_input(content, rate, "numerator")
    assert state(submitted) == before


def test_a_correction_with_a_reason_is_saved_and_the_points_use_the_reviewers_value(
    reviewing, reviewer, submitted, indicators
):
    rate = indicators["I.1"]
    data = opened_form(reviewing, submitted)
    data.update(
        {
            name(rate, "numerator"): "30",
            name(rate, "denominator"): "50",
            name(rate, "reason"): REASON,
        }
    )

    response = reviewing.post(action_url("save", submitted), data, follow=True)

    content = page(response)
    answer = submitted.answers.get(indicator=rate)
    assert (answer.reviewer_numerator, answer.reviewer_denominator) == (30, 50)
    assert answer.reviewer_reason == REASON
    assert (answer.numerator, answer.denominator) == (40, 50)  # the unit's own value stays
    assert in_vietnamese("Corrections saved.") in messages_shown(content)
    assert points_shown(content, rate) == ("3,00", "5 × 30 / 50 = 3.00")
    assert in_vietnamese("reviewer's value") in html.unescape(article(content, "I.1"))
    assert total_shown(content) == "11,50"
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.SUBMITTED
    assert review_form(content)["version"] == str(submitted.version)


def test_a_correction_of_a_yes_to_no_scores_zero(reviewing, submitted, indicators):
    yes_no = indicators["I.2"]
    data = opened_form(reviewing, submitted)
    data.update({name(yes_no, "value_yes"): "no", name(yes_no, "reason"): "Chưa ban hành."})

    content = page(reviewing.post(action_url("save", submitted), data, follow=True))

    assert submitted.answers.get(indicator=yes_no).reviewer_value_yes is False
    assert points_shown(content, yes_no) == ("0,00", "2 × 0 = 0.00")
    assert total_shown(content) == "10,50"


def test_a_correction_equal_to_the_units_value_needs_no_reason_and_is_not_stored(
    reviewing, submitted, indicators
):
    rate = indicators["I.1"]
    data = opened_form(reviewing, submitted)
    data.update({name(rate, "numerator"): "40", name(rate, "denominator"): "50"})
    before = state(submitted)

    response = reviewing.post(action_url("save", submitted), data)

    assert response.status_code == 302
    assert state(submitted) == before


def test_a_correction_breaking_its_kinds_rules_is_refused_beside_the_field(
    reviewing, submitted, indicators
):
    rate = indicators["I.1"]
    data = opened_form(reviewing, submitted)
    data.update(
        {name(rate, "numerator"): "60", name(rate, "denominator"): "50", name(rate, "reason"): "x"}
    )
    before = state(submitted)

    response = reviewing.post(action_url("save", submitted), data)

    assert response.status_code == 422
    assert error_beside(page(response), rate, "numerator")
    assert state(submitted) == before


# --- Return ------------------------------------------------------------------------------------


def test_returning_without_a_reason_is_refused_and_changes_nothing(
    reviewing, submitted, indicators
):
    data = opened_form(reviewing, submitted)
    data[name(indicators["I.1"], "reopen")] = "on"
    before = state(submitted)

    response = reviewing.post(action_url("return", submitted), data)

    assert response.status_code == 422
    assert messages_shown(page(response)) == [
        in_vietnamese("Give the reason for returning the submission.")
    ]
    assert state(submitted) == before


def test_returning_without_marking_an_indicator_is_refused_and_changes_nothing(
    reviewing, submitted
):
    data = {**opened_form(reviewing, submitted), "reason": RETURN_REASON}
    before = state(submitted)

    response = reviewing.post(action_url("return", submitted), data)

    content = page(response)
    assert response.status_code == 422
    assert messages_shown(content) == [in_vietnamese("Mark at least one indicator to revise.")]
    # The reason typed is kept for the next try.
    assert RETURN_REASON in content
    assert state(submitted) == before


def test_a_refused_return_does_not_keep_the_corrections_posted_with_it(
    reviewing, submitted, indicators
):
    rate = indicators["I.1"]
    data = opened_form(reviewing, submitted)
    data.update(
        {
            name(rate, "numerator"): "30",
            name(rate, "denominator"): "50",
            name(rate, "reason"): REASON,
            name(rate, "reopen"): "on",
        }
    )
    before = state(submitted)

    response = reviewing.post(action_url("return", submitted), data)

    assert response.status_code == 422
    assert state(submitted) == before


def test_after_a_refused_return_the_reviewer_can_add_the_reason_and_return(
    reviewing, submitted, indicators
):
    rate = indicators["I.1"]
    data = opened_form(reviewing, submitted)
    data.update(
        {
            name(rate, "numerator"): "30",
            name(rate, "denominator"): "50",
            name(rate, "reason"): REASON,
            name(rate, "reopen"): "on",
        }
    )
    refused = reviewing.post(action_url("return", submitted), data)
    assert refused.status_code == 422
    again = {**review_form(page(refused)), "reason": RETURN_REASON}

    response = reviewing.post(action_url("return", submitted), again)

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.RETURNED


def test_returning_with_a_reason_reopens_only_the_marked_indicators_with_their_comments(
    reviewing, reviewer, submitted, indicators
):
    rate, scale = indicators["I.1"], indicators["II.2"]
    data = opened_form(reviewing, submitted)
    data.update(
        {
            "reason": RETURN_REASON,
            name(rate, "reopen"): "on",
            name(rate, "comment"): COMMENT,
            name(scale, "reopen"): "on",
        }
    )

    response = reviewing.post(action_url("return", submitted), data)

    assert response.status_code == 302
    assert response.url == reverse("assessments:review_queue")
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.RETURNED
    reopened = dict(
        submitted.answers.filter(reopened=True).values_list("indicator__code", "reviewer_comment")
    )
    assert reopened == {"I.1": COMMENT, "II.2": ""}
    entry = submitted.audit_entries.filter(action=AuditEntry.Action.STATUS_CHANGED).last()
    assert (entry.actor, entry.reason) == (reviewer, RETURN_REASON)
    assert entry.after == {"status": "returned", "reopened": ["I.1", "II.2"]}


def test_after_a_return_the_officer_can_change_only_the_reopened_indicator_and_sees_the_comment(
    reviewing, client, officer, submitted, indicators
):
    rate, yes_no = indicators["I.1"], indicators["I.2"]
    data = opened_form(reviewing, submitted)
    data.update(
        {"reason": RETURN_REASON, name(rate, "reopen"): "on", name(rate, "comment"): COMMENT}
    )
    reviewing.post(action_url("return", submitted), data)
    client.force_login(officer)

    content = page(client.get(form_url(submitted.unit)))
    reopened_saved = client.post(
        autosave_url(submitted.unit, rate),
        {field(rate, "numerator"): "35", field(rate, "denominator"): "50"},
        headers={"HX-Request": "true"},
    )
    locked_saved = client.post(
        autosave_url(submitted.unit, yes_no),
        {field(yes_no, "value_yes"): "no"},
        headers={"HX-Request": "true"},
    )

    assert COMMENT in article(content, "I.1")
    assert not is_disabled(input_tag(content, rate, "numerator"))
    for code, input_name in (("I.2", "value_yes"), ("II.1", "count"), ("II.2", "points")):
        assert is_disabled(input_tag(content, indicators[code], input_name)), code
        assert COMMENT not in article(content, code)
    assert reopened_saved.status_code == 200
    assert locked_saved.status_code == 409
    assert submitted.answers.get(indicator=rate).numerator == 35
    assert submitted.answers.get(indicator=yes_no).value_yes is True


# --- Approve -----------------------------------------------------------------------------------


def test_approving_locks_the_submission_and_the_page_offers_no_more_actions(
    reviewing, reviewer, submitted
):
    data = opened_form(reviewing, submitted)

    response = reviewing.post(action_url("approve", submitted), data)

    assert response.status_code == 302
    assert response.url == reverse("assessments:review_queue")
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.APPROVED
    assert submitted.approved_at is not None
    content = page(reviewing.get(review_url(submitted)))
    assert in_vietnamese("Approved: the submission is locked.") in html.unescape(content)
    assert action_url("approve", submitted) not in content
    assert action_url("return", submitted) not in content
    assert 'name="r' not in content


def test_approving_with_a_correction_saves_it_and_approves_in_one_step(
    reviewing, reviewer, submitted, indicators
):
    count = indicators["II.1"]
    version = submitted.version
    data = opened_form(reviewing, submitted)
    data.update({name(count, "count"): "5", name(count, "reason"): "Chỉ 5 dịch vụ mức độ 4."})

    reviewing.post(action_url("approve", submitted), data)

    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.APPROVED
    assert submitted.version == version + 2
    assert submitted.answers.get(indicator=count).reviewer_count == 5
    assert [
        (e.action, e.indicator_code)
        for e in submitted.audit_entries.filter(actor=reviewer).order_by("pk")
    ] == [
        (AuditEntry.Action.REVIEWER_VALUE_CHANGED, "II.1"),
        (AuditEntry.Action.STATUS_CHANGED, ""),
    ]


# --- Actions that no longer apply ----------------------------------------------------------------


def assert_conflict(response, submission: Submission, status_label: str) -> None:
    content = html.unescape(page(response))
    assert response.status_code == 409
    assert in_vietnamese("This action no longer applies") in content
    assert in_vietnamese(STALE) in content
    assert in_vietnamese(status_label) in content
    assert review_url(submission) in content


def test_approving_an_already_approved_submission_answers_409_and_changes_nothing(
    reviewing, submitted
):
    data = opened_form(reviewing, submitted)
    reviewing.post(action_url("approve", submitted), data)
    before = state(submitted)

    response = reviewing.post(action_url("approve", submitted), {**data, "version": before[1]})

    assert_conflict(response, submitted, "Approved")
    assert state(submitted) == before


@pytest.mark.parametrize("version", ["2147483647", "99999999999999999999", "-1"])
def test_a_forged_version_is_refused_without_touching_the_submission(reviewing, submitted, version):
    data = opened_form(reviewing, submitted)
    before = state(submitted)

    response = reviewing.post(action_url("approve", submitted), {**data, "version": version})

    assert response.status_code in (400, 409)
    assert state(submitted) == before


def test_returning_an_already_returned_submission_answers_409_and_changes_nothing(
    reviewing, submitted, indicators
):
    data = opened_form(reviewing, submitted)
    data.update({"reason": RETURN_REASON, name(indicators["I.1"], "reopen"): "on"})
    reviewing.post(action_url("return", submitted), data)
    before = state(submitted)

    response = reviewing.post(action_url("return", submitted), {**data, "version": before[1]})

    assert_conflict(response, submitted, "Returned for revision")
    assert state(submitted) == before


def test_a_page_opened_before_another_reviewer_saved_cannot_approve_or_save(
    reviewing, submitted, indicators, block, open_period
):
    colleague = factories.make_reviewer(open_period, block, "reviewer-2")
    count = indicators["II.1"]
    stale = opened_form(reviewing, submitted)
    workflow.save_corrections(
        submission=submitted,
        actor=colleague,
        expected_version=submitted.version,
        corrections={count: workflow.Correction(Value(count=6), reason="Có 6.")},
    )
    before = state(submitted)
    rate = indicators["I.1"]
    corrected = {
        **stale,
        name(rate, "numerator"): "30",
        name(rate, "denominator"): "50",
        name(rate, "reason"): REASON,
    }

    approve = reviewing.post(action_url("approve", submitted), stale)
    save = reviewing.post(action_url("save", submitted), corrected)

    assert_conflict(approve, submitted, "Submitted")
    assert_conflict(save, submitted, "Submitted")
    assert state(submitted) == before
    assert submitted.answers.get(indicator=count).reviewer_count == 6


# --- Reopen (admins) ---------------------------------------------------------------------------


@pytest.fixture
def approved(submitted, reviewer) -> Submission:
    return workflow.approve_submission(
        submission=submitted, actor=reviewer, expected_version=submitted.version
    )


def test_an_admin_reopens_an_approved_submission_with_a_reason(client, admin_user, approved):
    client.force_login(admin_user)
    content = page(client.get(review_url(approved)))
    assert action_url("reopen", approved) in content

    response = client.post(
        action_url("reopen", approved), {"version": approved.version, "reason": "Sai sót số liệu"}
    )

    assert response.status_code == 302
    assert response.url == review_url(approved)
    approved.refresh_from_db()
    assert approved.status == Submission.Status.SUBMITTED
    assert approved.approved_at is None


def test_reopening_without_a_reason_is_refused_and_the_submission_stays_approved(
    client, admin_user, approved
):
    client.force_login(admin_user)
    before = state(approved)

    response = client.post(
        action_url("reopen", approved), {"version": approved.version, "reason": "  "}, follow=True
    )

    assert in_vietnamese("Give the reason for reopening the submission.") in messages_shown(
        page(response)
    )
    assert state(approved) == before


def test_a_reviewer_is_not_offered_to_reopen_and_cannot_reopen(reviewing, approved):
    before = state(approved)
    assert action_url("reopen", approved) not in page(reviewing.get(review_url(approved)))

    response = reviewing.post(
        action_url("reopen", approved),
        {"version": approved.version, "reason": "Xem lại"},
        follow=True,
    )

    assert in_vietnamese(
        "Only an administrator can reopen an approved submission."
    ) in messages_shown(page(response))
    assert state(approved) == before


# --- The queue ---------------------------------------------------------------------------------


def test_the_queue_lists_the_blocks_units_with_their_status_and_a_link_to_appraise(
    reviewing, submitted, block, open_period
):
    waiting = factories.make_unit(block, code="test-so-tai-chinh", name="Sở Tài chính")
    factories.make_participation(open_period, waiting)

    content = page(reviewing.get(reverse("assessments:review_queue")))

    assert "Sở Nội vụ" in content
    assert "Sở Tài chính" in content
    assert f'href="{review_url(submitted)}"' in content
    assert in_vietnamese("Submitted") in content
    assert in_vietnamese("Not started") in content


def test_the_queue_filtered_by_status_shows_only_those_units(
    reviewing, submitted, block, open_period
):
    waiting = factories.make_unit(block, code="test-so-tai-chinh", name="Sở Tài chính")
    factories.make_participation(open_period, waiting)

    content = page(reviewing.get(reverse("assessments:review_queue"), {"status": "submitted"}))

    assert "Sở Nội vụ" in content
    assert "Sở Tài chính" not in content


def test_the_queue_needs_no_more_queries_for_many_units_than_for_one(
    reviewing, submitted, block, open_period, indicators
):
    reviewing.get(reverse("assessments:review_queue"))
    with CaptureQueriesContext(connection) as one_unit:
        reviewing.get(reverse("assessments:review_queue"))
    for n in range(4):
        unit = factories.make_unit(block, code=f"test-unit-{n}")
        factories.make_participation(open_period, unit)
        submission = factories.make_submission(unit, open_period, Submission.Status.SUBMITTED)
        factories.make_answer(submission, indicators["I.1"], numerator=1, denominator=2)

    with CaptureQueriesContext(connection) as five_units:
        content = page(reviewing.get(reverse("assessments:review_queue")))

    assert content.count("badge status-submitted") == 5
    assert len(five_units) == len(one_unit)


def test_the_review_page_needs_no_more_queries_for_more_indicators(
    reviewing, submitted, indicators, block, other_block, officer
):
    reviewing.get(review_url(submitted))
    with CaptureQueriesContext(connection) as four:
        reviewing.get(review_url(submitted))
    framework = indicators["I.1"].framework
    for n in range(3):
        extra = Indicator.objects.create(
            framework=framework,
            group=indicators["II.1"].group,
            code=f"II.{n + 3}",
            name_vi=f"Chỉ tiêu thêm {n}",
            kind=Indicator.Kind.SCALE,
            max_points=Decimal(2),
            order=10 + n,
        )
        extra.blocks.set([block])
        factories.make_answer(submitted, extra, points=Decimal("1.5"))

    with CaptureQueriesContext(connection) as seven:
        content = page(reviewing.get(review_url(submitted)))

    assert 'id="ind-II.5"' in content
    assert len(seven) == len(four)
