"""The audit trail: every write leaves an entry saying who, when (UTC), what before and after, why.

The services write the entries, whichever page or command calls them, the bulk loader of past
years included. Officers and reviewers read the trail as the history on their pages; admins read
it in the admin, where nobody can add, change or delete an entry.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import AuditEntry, Submission
from assessments.services import submissions as workflow
from rankings.scoring import Value
from tests.assessments.conftest import form_url, history, in_vietnamese, page

pytestmark = pytest.mark.usefixtures("fast_password_hashing", "media_root")

CORRECTION_REASON = "Biên bản kiểm tra chỉ ghi nhận 30 hồ sơ đạt."
RETURN_REASON = "Số liệu tỷ lệ chưa khớp với báo cáo năm."
REOPEN_REASON = "Thanh tra phát hiện sai sót sau khi phê duyệt."
HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def review_url(submission: Submission) -> str:
    return reverse("assessments:review", args=[submission.pk])


def action_url(action: str, submission: Submission) -> str:
    return reverse(f"assessments:review_{action}", args=[submission.pk])


def entries(submission: Submission, action: str | None = None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(submission=submission).select_related("actor")
    return list(found.filter(action=action) if action else found)


def last_entry(submission: Submission) -> AuditEntry:
    return AuditEntry.objects.filter(submission=submission).latest("at", "pk")


def is_utc(moment: dt.datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() == dt.timedelta(0)


# --- The officer's writes ------------------------------------------------------------------------


def test_an_officers_change_of_a_value_records_who_which_indicator_and_before_and_after(
    officer, draft, indicators
):
    rate = indicators["I.1"]
    workflow.save_answers(
        submission=draft,
        actor=officer,
        values={rate: workflow.AnswerValues(numerator=40, denominator=50)},
    )

    workflow.save_answers(
        submission=draft,
        actor=officer,
        values={rate: workflow.AnswerValues(numerator=45, denominator=50, note="Đã rà soát")},
    )

    entry = last_entry(draft)
    assert (entry.action, entry.actor, entry.indicator_code) == (
        AuditEntry.Action.ANSWER_CHANGED,
        officer,
        "I.1",
    )
    assert (entry.before["numerator"], entry.before["denominator"], entry.before["note"]) == (
        40,
        50,
        "",
    )
    assert (entry.after["numerator"], entry.after["denominator"], entry.after["note"]) == (
        45,
        50,
        "Đã rà soát",
    )


def test_adding_and_removing_evidence_each_leave_an_entry_naming_it(officer, draft, indicators):
    link = "https://so-noi-vu.hanoi.gov.vn/bien-ban.pdf"
    evidence = workflow.add_evidence(
        submission=draft, indicator=indicators["I.2"], actor=officer, link=link, max_bytes=1024
    )
    added = last_entry(draft)

    workflow.remove_evidence(evidence=evidence, actor=officer)

    removed = last_entry(draft)
    assert (added.action, added.actor, added.indicator_code, added.after["name"]) == (
        AuditEntry.Action.EVIDENCE_ADDED,
        officer,
        "I.2",
        link,
    )
    assert (removed.action, removed.actor, removed.indicator_code, removed.before["name"]) == (
        AuditEntry.Action.EVIDENCE_REMOVED,
        officer,
        "I.2",
        link,
    )
    assert removed.after is None


def test_submitting_records_the_change_from_draft_to_submitted_by_the_officer(officer, submitted):
    entry = last_entry(submitted)

    assert (entry.action, entry.actor) == (AuditEntry.Action.STATUS_CHANGED, officer)
    assert (entry.before, entry.after) == ({"status": "draft"}, {"status": "submitted"})


# --- The reviewer's writes, through the review page ---------------------------------------------


def test_a_reviewers_correction_records_the_reason_and_the_values_before_and_after(
    client, reviewer, submitted, indicators
):
    rate = indicators["I.1"]
    client.force_login(reviewer)

    client.post(
        action_url("save", submitted),
        {
            "version": submitted.version,
            f"r{rate.pk}-numerator": "30",
            f"r{rate.pk}-denominator": "50",
            f"r{rate.pk}-reason": CORRECTION_REASON,
            f"r{rate.pk}-comment": "Đề nghị bổ sung biên bản.",
        },
    )

    [entry] = entries(submitted, AuditEntry.Action.REVIEWER_VALUE_CHANGED)
    assert (entry.actor, entry.indicator_code, entry.reason) == (reviewer, "I.1", CORRECTION_REASON)
    assert entry.before == {"value": None, "reason": "", "comment": ""}
    assert entry.after == {
        "value": {"numerator": 30, "denominator": 50},
        "reason": CORRECTION_REASON,
        "comment": "Đề nghị bổ sung biên bản.",
    }


def test_changing_a_correction_again_records_the_previous_correction_as_before(
    reviewer, submitted, indicators
):
    scale = indicators["II.2"]
    first = workflow.Correction(Value(points=Decimal("2.5")), reason="Thiếu minh chứng.")
    workflow.save_corrections(
        submission=submitted,
        actor=reviewer,
        expected_version=submitted.version,
        corrections={scale: first},
    )

    workflow.save_corrections(
        submission=submitted,
        actor=reviewer,
        expected_version=submitted.version,
        corrections={scale: workflow.Correction(Value(points=Decimal(3)), reason="Đã đối chiếu.")},
    )

    entry = last_entry(submitted)
    assert entry.before == {
        "value": {"points": "2.5"},
        "reason": "Thiếu minh chứng.",
        "comment": "",
    }
    assert entry.after == {"value": {"points": "3"}, "reason": "Đã đối chiếu.", "comment": ""}
    assert entry.reason == "Đã đối chiếu."


def test_returning_records_the_reason_and_the_reopened_indicators(
    client, reviewer, submitted, indicators
):
    client.force_login(reviewer)

    client.post(
        action_url("return", submitted),
        {
            "version": submitted.version,
            "reason": RETURN_REASON,
            f"r{indicators['II.2'].pk}-reopen": "on",
            f"r{indicators['I.1'].pk}-reopen": "on",
        },
    )

    entry = last_entry(submitted)
    assert (entry.action, entry.actor, entry.reason) == (
        AuditEntry.Action.STATUS_CHANGED,
        reviewer,
        RETURN_REASON,
    )
    assert entry.before == {"status": "submitted"}
    assert entry.after == {"status": "returned", "reopened": ["I.1", "II.2"]}


def test_approving_records_the_change_to_approved_by_the_reviewer(client, reviewer, submitted):
    client.force_login(reviewer)

    client.post(action_url("approve", submitted), {"version": submitted.version})

    entry = last_entry(submitted)
    assert (entry.action, entry.actor) == (AuditEntry.Action.STATUS_CHANGED, reviewer)
    assert (entry.before, entry.after) == ({"status": "submitted"}, {"status": "approved"})


def test_reopening_records_the_admins_reason(client, admin_user, reviewer, submitted):
    approved = workflow.approve_submission(
        submission=submitted, actor=reviewer, expected_version=submitted.version
    )
    client.force_login(admin_user)

    client.post(
        action_url("reopen", approved), {"version": approved.version, "reason": REOPEN_REASON}
    )

    entry = last_entry(approved)
    assert (entry.action, entry.actor, entry.reason) == (
        AuditEntry.Action.STATUS_CHANGED,
        admin_user,
        REOPEN_REASON,
    )
    assert (entry.before, entry.after) == ({"status": "approved"}, {"status": "submitted"})


def test_a_refused_action_leaves_no_entry(client, reviewer, submitted, indicators):
    client.force_login(reviewer)
    count = len(entries(submitted))

    no_reason = client.post(
        action_url("return", submitted),
        {"version": submitted.version, f"r{indicators['I.1'].pk}-reopen": "on"},
    )
    stale = client.post(action_url("approve", submitted), {"version": submitted.version - 1})

    assert (no_reason.status_code, stale.status_code) == (422, 409)
    assert len(entries(submitted)) == count


# --- The bulk loader of past years ---------------------------------------------------------------


@dataclass(frozen=True)
class PastAnswer:
    indicator_code: str
    unit_value: Value
    reviewer_value: Value | None = None
    reviewer_reason: str = ""
    note: str = ""
    evidence: Sequence[object] = field(default_factory=tuple)


def test_recording_approved_submissions_in_bulk_leaves_an_entry_per_answer_and_per_submission(
    admin_user, unit, other_unit, open_period, indicators
):
    approved_at = dt.datetime(2014, 12, 20, 9, 30, tzinfo=HANOI)
    past = {
        unit.code: [
            PastAnswer("I.1", Value(numerator=40, denominator=50)),
            PastAnswer("I.2", Value(yes=True)),
        ],
        other_unit.code: [PastAnswer("II.1", Value(count=4))],
    }

    created = services.record_approved_submissions(
        period=open_period,
        answers_by_unit=past,
        approved_at=approved_at,
        actor=admin_user,
        reason="Nhập kết quả đã thẩm định năm 2014",
    )

    assert created == 2
    for code, answers in past.items():
        submission = Submission.objects.get(unit__code=code, period=open_period)
        found = entries(submission)
        assert sorted((e.action, e.indicator_code) for e in found) == sorted(
            [(AuditEntry.Action.ANSWER_CHANGED, a.indicator_code) for a in answers]
            + [(AuditEntry.Action.STATUS_CHANGED, "")]
        )
        assert {(e.actor, e.reason, e.at) for e in found} == {
            (admin_user, "Nhập kết quả đã thẩm định năm 2014", approved_at)
        }
    rate = AuditEntry.objects.get(submission__unit=unit, indicator_code="I.1")
    assert (rate.after["numerator"], rate.after["denominator"]) == (40, 50)


def test_recording_the_same_past_year_again_adds_no_entries(
    admin_user, unit, open_period, indicators
):
    past = {unit.code: [PastAnswer("I.2", Value(yes=True))]}
    approved_at = dt.datetime(2014, 12, 20, 9, 30, tzinfo=HANOI)
    services.record_approved_submissions(
        period=open_period, answers_by_unit=past, approved_at=approved_at
    )
    count = AuditEntry.objects.count()

    again = services.record_approved_submissions(
        period=open_period, answers_by_unit=past, approved_at=approved_at
    )

    assert again == 0
    assert AuditEntry.objects.count() == count


# --- Time stamps ---------------------------------------------------------------------------------


def test_every_entry_is_stamped_in_utc_with_the_moment_of_the_change(
    reviewer, admin_user, submitted, indicators
):
    started = timezone.now()
    workflow.save_corrections(
        submission=submitted,
        actor=reviewer,
        expected_version=submitted.version,
        corrections={indicators["I.2"]: workflow.Correction(Value(yes=False), reason="Chưa có.")},
    )
    workflow.approve_submission(
        submission=submitted, actor=reviewer, expected_version=submitted.version
    )
    workflow.reopen_submission(
        submission=submitted,
        actor=admin_user,
        expected_version=submitted.version,
        reason=REOPEN_REASON,
    )
    finished = timezone.now()

    stamps = [entry.at for entry in AuditEntry.objects.filter(submission=submitted)]
    recent = [at for at in stamps if at >= started]

    assert all(is_utc(at) for at in stamps)
    assert len(recent) == 3
    assert all(started <= at <= finished for at in recent)
    assert stamps == sorted(stamps)


def test_bulk_entries_keep_the_given_approval_time_as_the_same_moment_in_utc(
    unit, open_period, indicators
):
    approved_at = dt.datetime(2014, 12, 20, 9, 30, tzinfo=HANOI)
    services.record_approved_submissions(
        period=open_period,
        answers_by_unit={unit.code: [PastAnswer("I.2", Value(yes=True))]},
        approved_at=approved_at,
    )

    stamps = list(AuditEntry.objects.values_list("at", flat=True))

    assert stamps and all(is_utc(at) for at in stamps)
    assert {at.astimezone(dt.UTC) for at in stamps} == {
        dt.datetime(2014, 12, 20, 2, 30, tzinfo=dt.UTC)
    }


# --- The history on the pages --------------------------------------------------------------------


@pytest.fixture
def returned(client, reviewer, submitted, indicators) -> Submission:
    """Corrected and returned by the block's reviewer through the review page."""
    rate = indicators["I.1"]
    client.force_login(reviewer)
    client.post(
        action_url("return", submitted),
        {
            "version": submitted.version,
            "reason": RETURN_REASON,
            f"r{rate.pk}-numerator": "30",
            f"r{rate.pk}-denominator": "50",
            f"r{rate.pk}-reason": CORRECTION_REASON,
            f"r{rate.pk}-reopen": "on",
        },
    )
    client.logout()
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.RETURNED
    return submitted


@pytest.mark.parametrize("persona", ["officer", "reviewer"])
def test_the_history_shows_each_change_with_who_and_why_on_the_officers_and_reviewers_page(
    client, request, returned, persona
):
    client.force_login(request.getfixturevalue(persona))
    url = form_url(returned.unit) if persona == "officer" else review_url(returned)

    content = page(client.get(url))

    shown = history(content)
    submitted_at = shown.index(f"{in_vietnamese('Draft')} → {in_vietnamese('Submitted')}")
    corrected_at = shown.index(in_vietnamese("Reviewer's value changed"), submitted_at)
    # Before and after of the reviewer's own value: there was none before.
    assert "I.1: – → 30/50" in shown[corrected_at:]
    assert CORRECTION_REASON in shown[corrected_at:]
    returned_at = shown.index(
        f"{in_vietnamese('Submitted')} → {in_vietnamese('Returned for revision')}", corrected_at
    )
    assert RETURN_REASON in shown[returned_at:]
    assert "(reviewer)" in shown[corrected_at:]
    assert "(officer)" in shown[:submitted_at]
    for action, times in (("Value changed", 4), ("Evidence added", 4)):
        assert content.count(f"<strong>{escape(in_vietnamese(action))}</strong>") == times


def test_the_history_shows_times_in_hanoi_time_for_the_moment_stored_in_utc(
    client, officer, submitted
):
    entry = last_entry(submitted)
    client.force_login(officer)

    content = page(client.get(form_url(submitted.unit)))

    shown = {
        dt.datetime.fromisoformat(stamp): (stamp, text)
        for stamp, text in re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', content)
    }
    stamp, text = shown[entry.at]
    assert stamp.endswith("+07:00")
    assert text == f"{entry.at.astimezone(HANOI):%d/%m/%Y %H:%M}"


# --- The admin -----------------------------------------------------------------------------------


def admin_url(name: str, *args: object) -> str:
    return reverse(f"admin:assessments_auditentry_{name}", args=args)


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_admin_lists_the_audit_trail_without_actions_or_an_add_button(admin, submitted):
    response = admin.get(admin_url("changelist"))

    content = page(response)
    assert response.status_code == 200
    assert response.context["cl"].result_count == AuditEntry.objects.count() > 0
    assert response.context["action_form"] is None
    assert 'name="action"' not in content
    assert admin_url("add") not in content


def test_the_admin_shows_an_entry_read_only_and_refuses_to_change_it(admin, submitted):
    entry = last_entry(submitted)
    before = (entry.action, entry.reason, entry.before, entry.after, entry.at, entry.actor_id)

    shown = admin.get(admin_url("change", entry.pk))
    changed = admin.post(
        admin_url("change", entry.pk),
        {"action": "answer_changed", "reason": "sửa lại", "indicator_code": "X"},
    )

    assert shown.status_code == 200
    assert 'name="_save"' not in page(shown)
    assert 'name="reason"' not in page(shown)
    assert changed.status_code == 403
    entry.refresh_from_db()
    assert (entry.action, entry.reason, entry.before, entry.after, entry.at, entry.actor_id) == (
        before
    )


def test_the_admin_refuses_to_delete_an_entry(admin, submitted):
    entry = last_entry(submitted)

    page_response = admin.get(admin_url("delete", entry.pk))
    post_response = admin.post(admin_url("delete", entry.pk), {"post": "yes"})
    bulk_response = admin.post(
        admin_url("changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert page_response.status_code == 403
    assert post_response.status_code == 403
    assert bulk_response.status_code in (200, 403)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_admin_refuses_to_add_an_entry(admin, submitted):
    count = AuditEntry.objects.count()

    shown = admin.get(admin_url("add"))
    posted = admin.post(
        admin_url("add"), {"submission": submitted.pk, "action": "status_changed", "reason": "x"}
    )

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert AuditEntry.objects.count() == count


def test_a_long_history_shows_the_latest_entries_and_links_to_the_whole_of_it(
    client, officer, draft, indicators, unit
):
    rate = indicators["I.1"]
    for numerator in range(1, 41):  # 40 saves, each a change: 40 entries
        workflow.save_answers(
            submission=draft,
            actor=officer,
            values={rate: workflow.AnswerValues(numerator=numerator, denominator=50)},
        )
    client.force_login(officer)

    content = page(client.get(form_url(unit, draft.period)))
    whole = page(client.get(form_url(unit, draft.period) + "?history=all"))

    assert history(content).count("I.1") == 30
    assert "39/50 → 40/50" in history(content) and "→ 1/50" not in history(content)
    assert in_vietnamese("Show the whole history") in content
    assert history(whole).count("I.1") == 40 and "→ 1/50" in history(whole)
    assert in_vietnamese("Show the whole history") not in whole
