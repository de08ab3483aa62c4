"""The appraisal round in a real browser: correct and return, fix and resubmit, approve."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from assessments.models import AuditEntry, Submission

pytestmark = pytest.mark.e2e

YEAR = 2015
UNIT = "cuc-thue-thanh-pho-ha-noi"  # submitted in the demo; its officer is canbo-cucthue
REVIEWER = "thamdinh-hiep-quan"
OFFICER = "canbo-cucthue"


def review_url(submission: Submission) -> str:
    return reverse("assessments:review", args=[submission.pk])


def test_reviewer_returns_a_correction_the_officer_resubmits_and_the_reviewer_approves(
    demo, page: Page, browser: Browser, browser_context_args: dict, log_in, screenshot
) -> None:
    submission = Submission.objects.get(unit__code=UNIT, period__year=YEAR)
    assert submission.status == Submission.Status.SUBMITTED
    unit_value = submission.answers.get(indicator__code="I.1")

    # The reviewer corrects I.1 with a reason, marks it for revision and returns the submission.
    log_in(page, REVIEWER)
    page.goto(review_url(submission))
    article = page.locator("#ind-I\\.1")
    article.locator("input[name$='-numerator']").fill(str(unit_value.denominator - 1))
    article.locator("input[name$='-denominator']").fill(str(unit_value.denominator))
    article.locator("textarea[name$='-reason']").fill("Biên bản kiểm kê ghi thiếu một máy tính.")
    article.locator("textarea[name$='-comment']").fill("Đề nghị đối chiếu lại biên bản kiểm kê.")
    article.locator("input[name$='-reopen']").check()
    page.locator("#id_reason").fill("Số liệu chỉ tiêu I.1 chưa khớp tài liệu kiểm chứng.")
    screenshot(page, "01-correction")
    page.locator("button[formaction$='/return/']").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("assessments:review_queue"))))
    expect(page.locator(".messages .success")).to_be_visible()

    # The officer sees only I.1 reopened, with the comment; fixes it and resubmits.
    officer_context = browser.new_context(**browser_context_args)
    officer = officer_context.new_page()
    log_in(officer, OFFICER)
    officer.goto(reverse("assessments:submission", args=[UNIT, YEAR]))
    editable = officer.locator("article.indicator:not(.readonly)")
    expect(editable).to_have_count(1)
    expect(editable).to_have_attribute("id", "ind-I.1")
    expect(editable.locator(".reviewer-comment")).to_contain_text("đối chiếu lại biên bản")
    editable.locator("input[name$='-numerator']").fill(str(unit_value.denominator - 1))
    officer.locator("button[name=then][value=check]").click()
    expect(officer.locator("main p.message.success")).to_be_visible()
    officer.locator("main form button[type=submit]").click()
    expect(officer.locator(".status-bar .badge")).to_have_text("Đã nộp")
    screenshot(officer, "02-resubmitted")
    officer_context.close()

    # The reviewer approves; the history shows the whole round.
    page.goto(review_url(submission))
    page.locator("button[formaction$='/approve/']").click()
    expect(page.locator(".messages .success")).to_be_visible()
    page.goto(review_url(submission))
    expect(page.locator(".status-bar .badge")).to_have_text("Đã phê duyệt")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Biên bản kiểm kê ghi thiếu một máy tính.")
    expect(timeline).to_contain_text("chưa khớp tài liệu kiểm chứng")
    screenshot(page, "03-approved")

    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED
    answer = submission.answers.get(indicator__code="I.1")
    # The unit now reports what the reviewer found, so no correction is left standing.
    assert answer.numerator == unit_value.denominator - 1 and not answer.reopened
    assert answer.reviewer_numerator is None
    moves = [
        entry.after["status"]
        for entry in submission.audit_entries.filter(action=AuditEntry.Action.STATUS_CHANGED)
    ]
    assert moves[-3:] == ["returned", "submitted", "approved"]
    assert submission.audit_entries.filter(
        action=AuditEntry.Action.REVIEWER_VALUE_CHANGED, indicator_code="I.1"
    ).exists()
