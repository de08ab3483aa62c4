"""The self-assessment's way through the workflow, as the unit officer sees it.

Draft → check → submit (before the deadline or its extension) → returned with some indicators
reopened → resubmitted → approved and locked. Every change leaves an audit entry, the status
history is on the form, and evidence files are stored privately under random names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import AuditEntry, Evidence, Submission
from assessments.services import submissions as workflow
from tests import factories
from tests.assessments.conftest import (
    PDF,
    attach_pdf,
    evidence_url,
    field,
    fill_in,
    form_url,
    history,
    in_vietnamese,
    input_tag,
    is_disabled,
    messages_shown,
    page,
    pdf_upload,
    status_label,
    submit_url,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing", "media_root")

REASON = "Thiếu số liệu cả năm"
COMMENT = "Tỷ lệ phải tính trên toàn bộ hồ sơ năm 2014."


@pytest.fixture
def logged_in(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def returned(submitted, indicators, reviewer) -> Submission:
    """The submission sent back by the block's reviewer with only I.1 reopened."""
    return workflow.return_submission(
        submission=submitted,
        actor=reviewer,
        expected_version=submitted.version,
        reason=REASON,
        reopen={indicators["I.1"]: COMMENT},
    )


def days_from_today(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def set_deadline(participation, *, deadline: dt.date, extension: dt.date | None = None) -> None:
    period = participation.period
    period.opens_at = deadline - dt.timedelta(days=60)
    period.submission_deadline = deadline
    period.save()
    participation.deadline_extension = extension
    participation.save()


def missing_items(content: str) -> dict[str, str]:
    """Indicator code → what the readiness check says is missing for it."""
    found = re.findall(r"<li><a [^>]*><strong>(.*?)</strong>.*?</a> — (.*?)</li>", content)
    return {code: html.unescape(what) for code, what in found}


def status_changes(submission: Submission) -> list[tuple[str | None, str]]:
    return [
        ((entry.before or {}).get("status"), entry.after["status"])
        for entry in submission.audit_entries.filter(action=AuditEntry.Action.STATUS_CHANGED)
    ]


def deadline_passed(deadline: dt.date) -> str:
    return in_vietnamese(
        "The deadline (%(date)s) has passed; ask the Steering Committee for an extension.",
        date=deadline.strftime("%d/%m/%Y"),
    )


def has_submit_button(content: str) -> bool:
    return 'name="version"' in content


# --- Starting ---------------------------------------------------------------------------------


def test_opening_the_form_of_an_open_period_for_the_first_time_starts_a_draft(
    logged_in, officer, participation
):
    response = logged_in.get(form_url(participation.unit))

    submission = Submission.objects.get(unit=participation.unit)
    assert response.status_code == 200
    assert submission.status == Submission.Status.DRAFT
    assert status_changes(submission) == [(None, Submission.Status.DRAFT)]
    assert submission.audit_entries.get().actor == officer


def test_the_form_of_a_period_not_open_yet_answers_404_and_starts_nothing(
    client, officer, unit, period, block
):
    factories.make_participation(period, unit)
    client.force_login(officer)

    assert client.get(form_url(unit)).status_code == 404
    assert not Submission.objects.exists()


def test_the_dashboard_shows_the_status_the_deadline_and_how_much_is_missing(
    logged_in, draft, open_period
):
    content = page(logged_in.get(reverse("assessments:dashboard")))

    row = content[content.index("<tbody>") : content.index("</tbody>")]
    period, unit, status, deadline, missing = re.findall(r"<td>(.*?)</td>", row, re.S)[:5]
    assert (period, unit.split("<br>")[0]) == ("2014", "Sở Nội vụ")
    assert status_label(Submission.Status.DRAFT) in status
    assert open_period.submission_deadline.strftime("%d/%m/%Y") in deadline
    assert re.match(r"4\b", missing)


# --- Readiness --------------------------------------------------------------------------------


def test_the_readiness_check_lists_missing_answers_and_missing_required_evidence(
    logged_in, draft, indicators
):
    factories.make_answer(draft, indicators["I.1"], evidence=False, numerator=40, denominator=50)
    factories.make_answer(draft, indicators["I.2"], value_yes=True)

    content = page(logged_in.get(submit_url(draft.unit)))

    assert missing_items(content) == {
        "I.1": in_vietnamese("supporting evidence is required"),
        "II.1": in_vietnamese("no complete answer"),
        "II.2": in_vietnamese("no complete answer"),
    }
    assert not has_submit_button(content)


def test_an_indicator_that_needs_no_evidence_is_complete_with_its_answer_alone(
    logged_in, draft, indicators, officer
):
    fill_in(draft, indicators, officer)
    indicators["II.2"].evidence_required = False
    indicators["II.2"].save()
    draft.answers.get(indicator=indicators["II.2"]).evidence.all().delete()
    draft.answers.get(indicator=indicators["II.1"]).evidence.all().delete()

    content = page(logged_in.get(submit_url(draft.unit)))

    assert missing_items(content) == {"II.1": in_vietnamese("supporting evidence is required")}


def test_submitting_an_incomplete_draft_is_refused_with_how_many_items_are_missing(
    logged_in, draft, indicators
):
    factories.make_answer(draft, indicators["I.2"], value_yes=True)

    response = logged_in.post(submit_url(draft.unit), {"version": draft.version})

    draft.refresh_from_db()
    assert response.status_code == 200
    assert messages_shown(page(response)) == [
        in_vietnamese("The submission is not complete: %(count)d items are missing.", count=3)
    ]
    assert draft.status == Submission.Status.DRAFT
    assert draft.version == 1
    assert status_changes(draft) == []


# --- Submitting -------------------------------------------------------------------------------


def test_submitting_a_complete_draft_sends_it_and_records_who_did_it(
    logged_in, officer, draft, indicators
):
    fill_in(draft, indicators, officer)
    assert has_submit_button(page(logged_in.get(submit_url(draft.unit))))

    response = logged_in.post(submit_url(draft.unit), {"version": draft.version}, follow=True)

    draft.refresh_from_db()
    assert response.redirect_chain == [(form_url(draft.unit), 302)]
    assert in_vietnamese(
        "Submitted. The Steering Committee's reviewers will appraise it."
    ) in messages_shown(page(response))
    assert draft.status == Submission.Status.SUBMITTED
    assert draft.submitted_at is not None
    entry = draft.audit_entries.get(action=AuditEntry.Action.STATUS_CHANGED)
    assert (entry.before, entry.after, entry.actor) == (
        {"status": "draft"},
        {"status": "submitted"},
        officer,
    )
    assert is_disabled(input_tag(page(response), indicators["I.1"], "numerator"))


def test_submitting_twice_answers_409_the_second_time_and_changes_nothing(
    logged_in, officer, draft, indicators
):
    fill_in(draft, indicators, officer)
    logged_in.post(submit_url(draft.unit), {"version": draft.version})
    draft.refresh_from_db()
    first = (draft.version, draft.submitted_at, draft.audit_entries.count())

    response = logged_in.post(submit_url(draft.unit), {"version": 1})

    draft.refresh_from_db()
    assert response.status_code == 409
    already = status_label(Submission.Status.SUBMITTED).lower()
    assert in_vietnamese("This submission is already %(status)s.", status=already) in html.unescape(
        page(response)
    )
    assert (draft.version, draft.submitted_at, draft.audit_entries.count()) == first


def test_after_the_deadline_the_submit_page_says_so_and_offers_no_button(
    logged_in, officer, draft, indicators, participation
):
    yesterday = days_from_today(-1)
    set_deadline(participation, deadline=yesterday)
    fill_in(draft, indicators, officer)

    content = page(logged_in.get(submit_url(draft.unit)))

    assert deadline_passed(yesterday) in html.unescape(content)
    assert 'role="alert"' in content
    assert not has_submit_button(content)


def test_submitting_after_the_deadline_is_refused_with_the_date_and_leaves_a_draft(
    logged_in, officer, draft, indicators, participation
):
    yesterday = days_from_today(-1)
    set_deadline(participation, deadline=yesterday)
    fill_in(draft, indicators, officer)

    response = logged_in.post(submit_url(draft.unit), {"version": draft.version})

    draft.refresh_from_db()
    assert response.status_code in (200, 409)
    assert deadline_passed(yesterday) in html.unescape(page(response))
    assert draft.status == Submission.Status.DRAFT
    assert status_changes(draft) == []


def test_on_the_deadline_day_itself_the_unit_can_still_submit(
    logged_in, officer, draft, indicators, participation
):
    set_deadline(participation, deadline=days_from_today(0))
    fill_in(draft, indicators, officer)

    logged_in.post(submit_url(draft.unit), {"version": draft.version})

    draft.refresh_from_db()
    assert draft.status == Submission.Status.SUBMITTED


def test_a_deadline_extension_in_the_future_lets_the_unit_submit_after_the_deadline(
    logged_in, officer, draft, indicators, participation
):
    extension = days_from_today(3)
    set_deadline(participation, deadline=days_from_today(-1), extension=extension)
    fill_in(draft, indicators, officer)
    content = page(logged_in.get(submit_url(draft.unit)))
    assert extension.strftime("%d/%m/%Y") in content
    assert has_submit_button(content)

    logged_in.post(submit_url(draft.unit), {"version": draft.version})

    draft.refresh_from_db()
    assert draft.status == Submission.Status.SUBMITTED


def test_an_extension_that_has_run_out_too_does_not_let_the_unit_submit(
    logged_in, officer, draft, indicators, participation
):
    set_deadline(
        participation,
        deadline=days_from_today(-10),
        extension=days_from_today(-1),
    )
    fill_in(draft, indicators, officer)

    logged_in.post(submit_url(draft.unit), {"version": draft.version})

    draft.refresh_from_db()
    assert draft.status == Submission.Status.DRAFT


# --- Returned for revision --------------------------------------------------------------------


def test_a_returned_form_shows_the_reviewers_comment_and_opens_only_the_reopened_indicator(
    logged_in, returned, indicators
):
    content = page(logged_in.get(form_url(returned.unit)))

    assert status_label(Submission.Status.RETURNED) in content
    assert COMMENT in content
    assert not is_disabled(input_tag(content, indicators["I.1"], "numerator"))
    assert is_disabled(input_tag(content, indicators["I.2"], "value_yes"))
    assert is_disabled(input_tag(content, indicators["II.1"], "count"))
    assert is_disabled(input_tag(content, indicators["II.2"], "points"))


def test_after_a_return_a_change_to_the_reopened_indicator_is_saved_with_before_and_after(
    logged_in, officer, returned, indicators
):
    indicator = indicators["I.1"]

    logged_in.post(
        form_url(returned.unit),
        {field(indicator, "numerator"): "45", field(indicator, "denominator"): "50"},
    )

    answer = returned.answers.get(indicator=indicator)
    assert (answer.numerator, answer.denominator) == (45, 50)
    change = returned.audit_entries.filter(action=AuditEntry.Action.ANSWER_CHANGED).last()
    assert change.indicator_code == "I.1"
    assert change.actor == officer
    assert (change.before["numerator"], change.after["numerator"]) == (40, 45)


def test_after_a_return_a_change_to_an_indicator_not_reopened_changes_nothing(
    logged_in, returned, indicators
):
    entries = returned.audit_entries.count()

    logged_in.post(
        form_url(returned.unit),
        {
            field(indicators["I.1"], "numerator"): "40",
            field(indicators["I.1"], "denominator"): "50",
            field(indicators["II.1"], "count"): "99",
            field(indicators["I.2"], "value_yes"): "no",
        },
    )

    assert returned.answers.get(indicator=indicators["II.1"]).count == 7
    assert returned.answers.get(indicator=indicators["I.2"]).value_yes is True
    assert returned.audit_entries.count() == entries


def test_after_a_return_evidence_of_an_indicator_not_reopened_cannot_be_removed(
    logged_in, returned, indicators
):
    evidence = Evidence.objects.get(answer__submission=returned, answer__indicator__code="II.1")

    response = logged_in.post(form_url(returned.unit), {"remove_evidence": str(evidence.pk)})

    assert response.status_code == 409
    assert "II.1" in page(response)
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_resubmitting_a_returned_submission_sends_it_again_and_clears_the_reopened_flags(
    logged_in, returned, indicators
):
    response = logged_in.post(submit_url(returned.unit), {"version": returned.version}, follow=True)

    returned.refresh_from_db()
    assert returned.status == Submission.Status.SUBMITTED
    assert not returned.answers.filter(reopened=True).exists()
    assert status_changes(returned)[-1] == ("returned", "submitted")
    assert is_disabled(input_tag(page(response), indicators["I.1"], "numerator"))
    assert COMMENT not in page(response)


def test_a_returned_submission_can_be_resubmitted_after_the_deadline(
    logged_in, returned, participation
):
    set_deadline(participation, deadline=days_from_today(-1))

    logged_in.post(submit_url(returned.unit), {"version": returned.version})

    returned.refresh_from_db()
    assert returned.status == Submission.Status.SUBMITTED


# --- Approved ---------------------------------------------------------------------------------


@pytest.fixture
def approved(submitted, reviewer) -> Submission:
    return workflow.approve_submission(
        submission=submitted, actor=reviewer, expected_version=submitted.version
    )


def test_an_approved_submission_cannot_be_submitted_again(logged_in, approved):
    content = page(logged_in.get(submit_url(approved.unit)))
    assert not has_submit_button(content)

    response = logged_in.post(submit_url(approved.unit), {"version": approved.version})

    approved.refresh_from_db()
    assert response.status_code == 409
    assert approved.status == Submission.Status.APPROVED


def test_evidence_of_an_approved_submission_cannot_be_removed(
    logged_in, officer, draft, indicators, reviewer, media_root
):
    evidence = attach_pdf(draft, indicators["I.1"], officer)
    fill_in(draft, indicators, officer)
    submission = workflow.submit_submission(
        submission=draft, actor=officer, expected_version=draft.version
    )
    workflow.approve_submission(
        submission=submission, actor=reviewer, expected_version=submission.version
    )

    response = logged_in.post(form_url(draft.unit), {"remove_evidence": str(evidence.pk)})

    assert response.status_code == 409
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert (media_root / evidence.file.name).read_bytes() == PDF


def test_the_approved_form_says_the_values_are_locked(logged_in, approved, indicators):
    content = page(logged_in.get(form_url(approved.unit)))

    assert status_label(Submission.Status.APPROVED) in content
    assert in_vietnamese("Approved by the Steering Committee: the values are locked.") in (
        html.unescape(content)
    )
    assert is_disabled(input_tag(content, indicators["I.1"], "numerator"))
    assert 'name="then"' not in content


# --- Audit trail and history ------------------------------------------------------------------


def test_every_change_made_through_the_pages_leaves_an_audit_entry(
    logged_in, officer, draft, indicators, django_capture_on_commit_callbacks
):
    indicator = indicators["I.1"]
    url = form_url(draft.unit)

    def rate(numerator: int) -> dict[str, str]:
        """The rate's inputs, posted with every save as the browser does."""
        return {
            field(indicator, "numerator"): str(numerator),
            field(indicator, "denominator"): "50",
        }

    logged_in.post(url, rate(40))
    logged_in.post(url, rate(45))
    logged_in.post(url, {**rate(45), field(indicator, "evidence_file"): pdf_upload("Biên bản.pdf")})
    evidence = Evidence.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(url, {**rate(45), "remove_evidence": str(evidence.pk)})

    entries = list(draft.audit_entries.all())

    assert [(e.action, e.indicator_code, e.actor) for e in entries] == [
        (AuditEntry.Action.ANSWER_CHANGED, "I.1", officer),
        (AuditEntry.Action.ANSWER_CHANGED, "I.1", officer),
        (AuditEntry.Action.EVIDENCE_ADDED, "I.1", officer),
        (AuditEntry.Action.EVIDENCE_REMOVED, "I.1", officer),
    ]
    first, second, added, removed = entries
    assert (first.before["numerator"], first.after["numerator"]) == (None, 40)
    assert (second.before["numerator"], second.after["numerator"]) == (40, 45)
    assert added.after["name"] == "Biên bản.pdf"
    assert added.after["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert removed.before["name"] == "Biên bản.pdf"


def test_saving_the_same_values_again_records_no_change(logged_in, draft, indicators):
    indicator = indicators["I.1"]
    values = {field(indicator, "numerator"): "40", field(indicator, "denominator"): "50"}
    logged_in.post(form_url(draft.unit), values)

    logged_in.post(form_url(draft.unit), values)

    assert draft.audit_entries.filter(action=AuditEntry.Action.ANSWER_CHANGED).count() == 1


def test_the_status_history_appears_on_the_form_page_in_order_with_who_and_why(
    logged_in, returned, reviewer, officer
):
    resubmitted = workflow.submit_submission(
        submission=returned, actor=officer, expected_version=returned.version
    )
    workflow.approve_submission(
        submission=resubmitted, actor=reviewer, expected_version=resubmitted.version
    )

    shown = history(page(logged_in.get(form_url(returned.unit))))

    submitted_at = shown.index(status_label(Submission.Status.SUBMITTED))
    returned_at = shown.index(status_label(Submission.Status.RETURNED), submitted_at)
    reason_at = shown.index(REASON, returned_at)
    resubmitted_at = shown.index(status_label(Submission.Status.SUBMITTED), reason_at)
    assert status_label(Submission.Status.APPROVED) in shown[resubmitted_at:]
    assert "reviewer" in shown[returned_at:reason_at]


# --- Evidence files ---------------------------------------------------------------------------


def test_an_uploaded_file_is_stored_under_a_random_name_keeping_its_name_size_hash_and_uploader(
    logged_in, officer, draft, indicators, media_root
):
    indicator = indicators["I.1"]

    response = logged_in.post(
        form_url(draft.unit),
        {field(indicator, "evidence_file"): pdf_upload("Quyết định số 12.pdf")},
        follow=True,
    )

    evidence = Evidence.objects.get()
    assert re.fullmatch(r"evidence/[0-9a-f]{32}\.pdf", evidence.file.name)
    assert (media_root / evidence.file.name).read_bytes() == PDF
    assert not list(media_root.rglob("Quyết định*"))
    assert evidence.original_name == "Quyết định số 12.pdf"
    assert evidence.size == len(PDF)
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.uploaded_by == officer
    assert evidence.answer.submission == draft
    assert f'href="{evidence_url(evidence)}">Quyết định số 12.pdf</a>' in page(response)


def test_downloading_evidence_returns_the_same_bytes_marked_nosniff(
    logged_in, officer, draft, indicators
):
    evidence = attach_pdf(draft, indicators["I.1"], officer, name="Quyết định.pdf")

    response = logged_in.get(evidence_url(evidence))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert quote("Quyết định.pdf") in response["Content-Disposition"]


def test_removing_evidence_deletes_its_file_from_storage(
    logged_in, officer, draft, indicators, media_root, django_capture_on_commit_callbacks
):
    evidence = attach_pdf(draft, indicators["I.1"], officer)
    stored = media_root / evidence.file.name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            form_url(draft.unit), {"remove_evidence": str(evidence.pk)}, follow=True
        )

    assert not stored.exists()
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert evidence_url(evidence) not in page(response)
