"""Who is told when a submission moves, in the portal and by e-mail.

Submitting tells the block's reviewers; returning and approving tell the unit's officers;
reopening tells both. Whoever acted is not told about their own action. E-mails leave only once
the change is committed. The notifications page lists a user's messages and marks them read; the
header shows how many are unread.
"""

from __future__ import annotations

import re
import smtplib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Notification, OfficerMembership, ReviewerAssignment, Submission
from assessments.services import notifications as notices
from assessments.services import submissions as workflow
from tests import factories
from tests.assessments.conftest import fill_in, in_vietnamese, page, submit_url

pytestmark = pytest.mark.usefixtures("fast_password_hashing", "media_root")

RETURN_REASON = "Số liệu tỷ lệ chưa khớp với báo cáo năm."
NOTIFICATIONS_URL = reverse("assessments:notifications")


@pytest.fixture
def people(officer, other_officer, reviewer, other_reviewer, admin_user, unit, open_period, block):
    """Every persona with an e-mail address, a second officer of the unit and of the block's
    reviewers, so "everyone concerned" means more than one person."""
    second_officer = factories.make_officer(unit, "officer-2")
    second_reviewer = factories.make_reviewer(open_period, block, "reviewer-2")
    users = {
        "officer": officer,
        "officer-2": second_officer,
        "other-officer": other_officer,
        "reviewer": reviewer,
        "reviewer-2": second_reviewer,
        "other-reviewer": other_reviewer,
        "admin": admin_user,
    }
    for key, user in users.items():
        user.email = f"{key}@hanoi.gov.vn"
        user.save(update_fields=["email"])
    return users


def told(submission: Submission, kind: str) -> set[str]:
    """The usernames notified in the portal about the submission, for one kind of change."""
    return set(
        Notification.objects.filter(submission=submission, kind=kind).values_list(
            "user__username", flat=True
        )
    )


def mailed(outbox) -> set[str]:
    return {address for message in outbox for address in message.to}


SUBJECTS = {
    Notification.Kind.SUBMITTED: "%(unit)s submitted its self-assessment %(year)s",
    Notification.Kind.RETURNED: "Self-assessment %(year)s of %(unit)s returned for revision",
    Notification.Kind.APPROVED: "Self-assessment %(year)s of %(unit)s approved",
    Notification.Kind.REOPENED: "Self-assessment %(year)s of %(unit)s reopened for appraisal",
}


def subject(kind: str, submission: Submission) -> str:
    """The subject of the e-mail (and the portal message) as the Vietnamese interface says it."""
    return in_vietnamese(SUBJECTS[kind], unit=submission.unit.name, year=submission.period.year)


def review_post(client, action: str, submission: Submission, **data: str):
    return client.post(
        reverse(f"assessments:review_{action}", args=[submission.pk]),
        {"version": str(submission.version), **data},
    )


def unread_badge(content: str) -> str | None:
    """The unread count in the header, if it is shown."""
    match = re.search(r'<span class="count"[^>]*>(\d+)</span>', content)
    return match.group(1) if match else None


# --- Who is told ---------------------------------------------------------------------------------


def test_submitting_tells_the_blocks_reviewers_in_the_portal_and_by_email(
    client, people, draft, indicators, mailoutbox, django_capture_on_commit_callbacks
):
    officer = people["officer"]
    fill_in(draft, indicators, officer)
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(submit_url(draft.unit), {"version": draft.version})

    assert response.status_code == 302
    assert told(draft, Notification.Kind.SUBMITTED) == {"reviewer", "reviewer-2"}
    [mail] = mailoutbox
    assert set(mail.to) == {"reviewer@hanoi.gov.vn", "reviewer-2@hanoi.gov.vn"}
    assert mail.subject == subject(Notification.Kind.SUBMITTED, draft)
    assert "Sở Nội vụ" in mail.subject
    assert "2014" in mail.subject


def test_returning_tells_the_units_officers_with_the_reason(
    client, people, submitted, indicators, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(people["reviewer"])

    with django_capture_on_commit_callbacks(execute=True):
        review_post(
            client,
            "return",
            submitted,
            reason=RETURN_REASON,
            **{f"r{indicators['I.1'].pk}-reopen": "on"},
        )

    assert told(submitted, Notification.Kind.RETURNED) == {"officer", "officer-2"}
    [notification, *_] = Notification.objects.filter(kind=Notification.Kind.RETURNED)
    assert RETURN_REASON in notification.message
    [mail] = mailoutbox
    assert set(mail.to) == {"officer@hanoi.gov.vn", "officer-2@hanoi.gov.vn"}
    assert mail.subject == subject(Notification.Kind.RETURNED, submitted)
    assert RETURN_REASON in mail.body


def test_approving_tells_the_units_officers(
    client, people, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(people["reviewer"])

    with django_capture_on_commit_callbacks(execute=True):
        review_post(client, "approve", submitted)

    assert told(submitted, Notification.Kind.APPROVED) == {"officer", "officer-2"}
    [mail] = mailoutbox
    assert set(mail.to) == {"officer@hanoi.gov.vn", "officer-2@hanoi.gov.vn"}
    assert mail.subject == subject(Notification.Kind.APPROVED, submitted)


def test_reopening_tells_the_officers_and_the_blocks_reviewers_but_not_the_admin(
    client, people, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    approved = workflow.approve_submission(
        submission=submitted, actor=people["reviewer"], expected_version=submitted.version
    )
    # The admin reviews the block too; acting, they are still not told.
    ReviewerAssignment.objects.create(
        user=people["admin"], period=approved.period, block=approved.unit.block
    )
    mailoutbox.clear()
    client.force_login(people["admin"])

    with django_capture_on_commit_callbacks(execute=True):
        review_post(client, "reopen", approved, reason="Sai sót số liệu.")

    assert told(approved, Notification.Kind.REOPENED) == {
        "officer",
        "officer-2",
        "reviewer",
        "reviewer-2",
    }
    assert mailed(mailoutbox) == {
        "officer@hanoi.gov.vn",
        "officer-2@hanoi.gov.vn",
        "reviewer@hanoi.gov.vn",
        "reviewer-2@hanoi.gov.vn",
    }


def test_an_officer_who_also_reviews_the_block_is_not_told_of_their_own_submission(
    client,
    people,
    draft,
    indicators,
    open_period,
    block,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    officer = people["officer"]
    ReviewerAssignment.objects.create(user=officer, period=open_period, block=block)
    fill_in(draft, indicators, officer)
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(submit_url(draft.unit), {"version": draft.version})

    assert told(draft, Notification.Kind.SUBMITTED) == {"reviewer", "reviewer-2"}
    assert "officer@hanoi.gov.vn" not in mailed(mailoutbox)


def test_nobody_outside_the_unit_and_its_block_is_told_anything(
    people, draft, indicators, mailoutbox, django_capture_on_commit_callbacks
):
    officer, reviewer = people["officer"], people["reviewer"]
    fill_in(draft, indicators, officer)

    with django_capture_on_commit_callbacks(execute=True):
        submission = workflow.submit_submission(
            submission=draft, actor=officer, expected_version=draft.version
        )
        submission = workflow.return_submission(
            submission=submission,
            actor=reviewer,
            expected_version=submission.version,
            reason=RETURN_REASON,
            reopen={indicators["I.1"]: ""},
        )
        submission = workflow.submit_submission(
            submission=submission, actor=officer, expected_version=submission.version
        )
        workflow.approve_submission(
            submission=submission, actor=reviewer, expected_version=submission.version
        )

    outsiders = {"other-officer", "other-reviewer", "admin"}
    assert not Notification.objects.filter(user__username__in=outsiders).exists()
    assert not mailed(mailoutbox) & {f"{name}@hanoi.gov.vn" for name in outsiders}
    assert len(mailoutbox) == 4


def test_an_inactive_officer_is_not_told(
    client, people, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    people["officer-2"].is_active = False
    people["officer-2"].save(update_fields=["is_active"])
    client.force_login(people["reviewer"])

    with django_capture_on_commit_callbacks(execute=True):
        review_post(client, "approve", submitted)

    assert told(submitted, Notification.Kind.APPROVED) == {"officer"}
    assert mailed(mailoutbox) == {"officer@hanoi.gov.vn"}


def test_someone_without_an_email_address_is_still_told_in_the_portal(
    client, people, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    for key in ("officer", "officer-2"):
        people[key].email = ""
        people[key].save(update_fields=["email"])
    client.force_login(people["reviewer"])

    with django_capture_on_commit_callbacks(execute=True):
        review_post(client, "approve", submitted)

    assert told(submitted, Notification.Kind.APPROVED) == {"officer", "officer-2"}
    assert mailoutbox == []


# --- When the e-mail leaves ---------------------------------------------------------------------


def test_the_email_leaves_only_once_the_change_is_committed(
    client, people, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(people["reviewer"])

    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        review_post(client, "approve", submitted)
        assert mailoutbox == []

    assert mailoutbox == []
    for callback in on_commit:
        callback()
    assert mailed(mailoutbox) == {"officer@hanoi.gov.vn", "officer-2@hanoi.gov.vn"}


def test_a_refused_action_tells_nobody(
    client, people, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(people["reviewer"])
    count = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        stale = review_post(client, "approve", submitted, version=str(submitted.version - 1))
        no_reason = review_post(client, "return", submitted)

    assert (stale.status_code, no_reason.status_code) == (409, 422)
    assert Notification.objects.count() == count
    assert mailoutbox == []


def test_a_mail_server_failure_does_not_undo_the_approval(
    client, people, submitted, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(notices, "send_mail", refuse)
    client.force_login(people["reviewer"])

    with django_capture_on_commit_callbacks(execute=True):
        response = review_post(client, "approve", submitted)

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.APPROVED
    assert told(submitted, Notification.Kind.APPROVED) == {"officer", "officer-2"}


# --- The notifications page and the header ------------------------------------------------------


@pytest.fixture
def two_unread(people, submitted, indicators) -> Submission:
    """The officers were told twice: returned, then (after resubmitting) approved."""
    returned = workflow.return_submission(
        submission=submitted,
        actor=people["reviewer"],
        expected_version=submitted.version,
        reason=RETURN_REASON,
        reopen={indicators["I.1"]: ""},
    )
    again = workflow.submit_submission(
        submission=returned, actor=people["officer-2"], expected_version=returned.version
    )
    return workflow.approve_submission(
        submission=again, actor=people["reviewer"], expected_version=again.version
    )


def test_the_notifications_page_lists_the_users_messages_newest_first(client, people, two_unread):
    client.force_login(people["officer"])

    content = page(client.get(NOTIFICATIONS_URL))

    items = re.findall(r'<li class="unread">(.*?)</li>', content, re.S)
    assert len(items) == 2
    approved_subject = subject(Notification.Kind.APPROVED, two_unread)
    returned_subject = subject(Notification.Kind.RETURNED, two_unread)
    assert approved_subject in items[0]
    assert returned_subject in items[1]
    assert RETURN_REASON in items[1]
    # The reviewers' own notifications (the resubmission) are not the officer's.
    assert subject(Notification.Kind.SUBMITTED, two_unread) not in content


def test_opening_the_notifications_page_marks_them_read(client, people, two_unread):
    client.force_login(people["officer"])

    client.get(NOTIFICATIONS_URL)
    second_visit = page(client.get(NOTIFICATIONS_URL))

    assert not Notification.objects.filter(user=people["officer"], read_at__isnull=True).exists()
    assert 'class="unread"' not in second_visit
    assert second_visit.count("<time ") == 2
    # Another officer's notifications stay unread until they look.
    assert Notification.objects.filter(user=people["officer-2"], read_at__isnull=True).exists()


def test_the_header_shows_the_unread_count_until_the_notifications_are_read(
    client, people, two_unread
):
    client.force_login(people["officer"])

    before = page(client.get(reverse("assessments:dashboard")))
    client.get(NOTIFICATIONS_URL)
    after = page(client.get(reverse("assessments:dashboard")))

    assert unread_badge(before) == "2"
    assert unread_badge(after) is None


def test_a_user_with_no_notifications_sees_an_empty_page_and_no_count(client, people, db):
    client.force_login(people["other-officer"])

    content = page(client.get(NOTIFICATIONS_URL))

    assert in_vietnamese("No notifications.") in content
    assert unread_badge(content) is None


def test_the_notifications_page_needs_no_more_queries_for_more_notifications(
    client, people, two_unread
):
    officer = people["officer"]
    client.force_login(officer)
    client.get(NOTIFICATIONS_URL)
    with CaptureQueriesContext(connection) as two:
        client.get(NOTIFICATIONS_URL)
    other_unit = factories.make_unit(two_unread.unit.block)
    OfficerMembership.objects.create(user=officer, unit=other_unit)
    factories.make_participation(two_unread.period, other_unit)
    more = factories.make_submission(other_unit, two_unread.period)
    Notification.objects.bulk_create(
        Notification(user=officer, submission=more, kind="returned", message=f"Tin {n}")
        for n in range(10)
    )

    with CaptureQueriesContext(connection) as twelve:
        content = page(client.get(NOTIFICATIONS_URL))

    assert content.count("<time ") == 12
    assert len(twelve) == len(two)
