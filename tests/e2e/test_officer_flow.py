"""A unit officer's year in the browser: log in, fill the self-assessment, submit, revise.

Each test starts from the demo (see conftest.py). Autosave posts each indicator while the officer
types; the tests wait for one indicator's autosave to finish before touching the next, as the
live server shares one SQLite connection between its request threads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from assessments.models import Answer, Evidence, Participation, Submission, Unit
from awards.management.commands.load_demo import REOPENED
from tests import factories

pytestmark = pytest.mark.e2e

YEAR = 2015  # the demo's open period
SUBMITTED = "Đã nộp"  # Submission.Status.SUBMITTED in Vietnamese (locale/vi/.../django.po)
RETURNED = "Trả lại để bổ sung"
FACTORY_PASSWORD = "pw-for-tests-1"  # what tests.factories.make_user sets
PHONE = {"width": 390, "height": 844}


def form_url(unit_code: str) -> str:
    return reverse("assessments:submission", args=[unit_code, YEAR])


def indicator(page: Page, code: str) -> Locator:
    return page.locator(f'article.indicator[id="ind-{code}"]')


def autosave_done(article: Locator) -> None:
    """Wait until the indicator's autosave answered: "saved" shown, no request in flight."""
    expect(article.locator(".autosave-status .saved")).to_be_visible()
    expect(article.locator(".inputs")).not_to_have_class(re.compile(r"\bhtmx-request\b"))


def fill_values(article: Locator, *, number: int) -> None:
    """Answer one indicator by its kind, as an officer would, and wait for its autosave."""
    inputs = article.locator(".inputs")
    yes = inputs.locator("input[type=radio][value=yes]")
    if yes.count():
        yes.check()
    else:
        values = {"numerator": 30 + number, "denominator": 40 + number, "count": 10 + number}
        fields = inputs.locator("input[type=number]")
        assert fields.count(), "an indicator without inputs"
        for field in fields.all():
            kind = field.get_attribute("name").rpartition("-")[2]
            field.fill(str(values.get(kind, "2.5")))  # points: 2.5 is within every maximum
        fields.last.blur()  # "change": autosave now rather than after the typing pause
    autosave_done(article)


def assert_no_horizontal_scroll(page: Page) -> None:
    layout = page.evaluate(
        """() => {
            const width = window.innerWidth;
            const wide = [...document.querySelectorAll("body *")]
                .filter((el) => el.getBoundingClientRect().right > width + 0.5)
                .filter((el) => !el.parentElement.closest(".table-scroll"))
                .slice(0, 5)
                .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
                    + " → " + Math.round(el.getBoundingClientRect().right) + "px");
            return {scroll: document.documentElement.scrollWidth, width, wide};
        }"""
    )
    assert layout["scroll"] <= layout["width"], (
        f"{page.url} scrolls sideways on a {layout['width']}px screen "
        f"(content {layout['scroll']}px wide); widest: {layout['wide']}"
    )


@pytest.fixture
def evidence_pdf(tmp_path: Path) -> Path:
    """A real one-page PDF, as an officer's scanned report would be."""
    from weasyprint import HTML

    path = tmp_path / "bien-ban-kiem-ke-2015.pdf"
    HTML(string="<h1>Biên bản kiểm kê máy tính năm 2015</h1><p>Xã Bình Phú</p>").write_pdf(path)
    return path


@pytest.fixture
def new_officer(demo):
    """The new officer of a commune that has not started its 2015 self-assessment."""
    unit = Unit.objects.get(code="xa-binh-phu")
    # As the demo does for the units in play: 2015's deadline is long past.
    Participation.objects.filter(unit=unit, period__year=YEAR).update(
        deadline_extension=timezone.localdate() + dt.timedelta(days=30)
    )
    assert not Submission.objects.filter(unit=unit, period__year=YEAR).exists()
    return factories.make_officer(unit, "canbo-binhphu")


def test_new_officer_fills_the_whole_form_attaches_evidence_and_submits(
    new_officer, page: Page, log_in, screenshot, evidence_pdf: Path
) -> None:
    log_in(page, "canbo-binhphu", FACTORY_PASSWORD)
    row = page.locator("tbody tr").filter(has_text="Xã Bình Phú").filter(has_text=str(YEAR))
    screenshot(page, "01-dashboard")
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(form_url("xa-binh-phu")) + "$"))

    articles = page.locator("article.indicator")
    codes = [code.removeprefix("ind-") for code in articles.evaluate_all("a => a.map(x => x.id)")]
    assert len(codes) == 19, codes  # the commune block's 2015 framework
    for number, code in enumerate(codes):
        article = indicator(page, code)
        fill_values(article, number=number)
        if number == 0:
            article.locator("input[type=file]").set_input_files(evidence_pdf)
        else:
            article.locator("input[type=url]").fill(
                f"https://tailieu.binhphu.invalid/{YEAR}/{code}.pdf"
            )
    screenshot(page, "02-filled")
    page.locator("button[name=then][value=save]").click()

    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator(".messages .error")).to_have_count(0)
    uploaded = indicator(page, codes[0]).locator(".evidence-list a", has_text=evidence_pdf.name)
    expect(uploaded).to_be_visible()
    download = page.request.get(uploaded.get_attribute("href"))
    assert download.ok and download.headers["content-type"] == "application/pdf"
    assert (
        hashlib.sha256(download.body()).digest()
        == hashlib.sha256(evidence_pdf.read_bytes()).digest()
    )
    for code in codes[1:]:
        expect(indicator(page, code).locator(".evidence-list a")).to_have_attribute(
            "href", f"https://tailieu.binhphu.invalid/{YEAR}/{code}.pdf"
        )
    screenshot(page, "03-saved")

    page.locator(".status-bar").get_by_role("link").click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("assessments:submit", args=["xa-binh-phu", YEAR])) + "$")
    )
    expect(page.locator("main .message.success")).to_be_visible()
    expect(page.locator("ul.missing")).to_have_count(0)
    screenshot(page, "04-ready")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(re.escape(form_url("xa-binh-phu")) + "$"))
    expect(page.locator(".status-bar .badge")).to_have_text(SUBMITTED)
    expect(page.locator("article.indicator input:enabled")).to_have_count(0)
    expect(page.locator("button[name=then]")).to_have_count(0)
    last_event = page.locator("ol.timeline li").last
    expect(last_event).to_contain_text(SUBMITTED)
    expect(last_event).to_contain_text("canbo-binhphu")
    screenshot(page, "05-submitted")

    submission = Submission.objects.get(unit__code="xa-binh-phu", period__year=YEAR)
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.answers.count() == 19
    assert Evidence.objects.filter(answer__submission=submission).count() == 19
    assert Evidence.objects.filter(answer__submission=submission).exclude(file="").count() == 1


def test_officer_on_a_phone_fills_values_without_sideways_scrolling(
    demo, new_context, log_in, screenshot
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(reverse("login"))
    assert_no_horizontal_scroll(page)
    log_in(page, "canbo-sotttt")
    assert_no_horizontal_scroll(page)
    screenshot(page, "01-dashboard")

    page.goto(form_url("so-thong-tin-va-truyen-thong"))
    for number, code in enumerate(("III.1", "III.2", "IV.1")):  # not answered in the demo
        fill_values(indicator(page, code), number=number)
    screenshot(page, "02-filled")
    assert_no_horizontal_scroll(page)
    page.locator("button[name=then][value=save]").click()
    expect(page.locator(".messages .success")).to_be_visible()
    expect(indicator(page, "III.1").locator("input[name$='-points']")).to_have_value("2.5")
    expect(indicator(page, "III.2").locator("input[name$='-numerator']")).to_have_value("31")
    expect(indicator(page, "IV.1").locator("input[value=yes]")).to_be_checked()
    assert_no_horizontal_scroll(page)
    screenshot(page, "03-saved")

    page.goto(reverse("assessments:submit", args=["so-thong-tin-va-truyen-thong", YEAR]))
    expect(page.locator("ul.missing")).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "04-readiness")


def test_returned_submission_reopens_only_the_marked_indicators_and_is_resubmitted(
    demo, page: Page, log_in, screenshot
) -> None:
    log_in(page, "canbo-hoankiem")
    page.goto(form_url("quan-hoan-kiem"))
    expect(page.locator(".status-bar .badge")).to_have_text(RETURNED)

    editable = page.locator("article.indicator:not(.readonly)")
    expect(editable).to_have_count(len(REOPENED))
    for code, comment in REOPENED.items():
        article = indicator(page, code)
        expect(article).not_to_have_class(re.compile(r"\breadonly\b"))
        expect(article.locator(".reviewer-comment")).to_contain_text(comment)
        expect(article.locator(".inputs input:enabled").first).to_be_visible()
    expect(page.locator("article.indicator.readonly .inputs input:enabled")).to_have_count(0)
    expect(page.locator("article.indicator.readonly input[type=file]")).to_have_count(0)
    screenshot(page, "01-returned")

    article = indicator(page, "I.5")
    numerator = article.locator("input[name$='-numerator']")
    denominator = int(article.locator("input[name$='-denominator']").input_value())
    fixed = denominator if int(numerator.input_value()) != denominator else denominator - 1
    numerator.fill(str(fixed))
    numerator.blur()
    autosave_done(article)
    page.locator("button[name=then][value=save]").click()
    expect(page.locator(".messages .success")).to_be_visible()
    expect(indicator(page, "I.5").locator("input[name$='-numerator']")).to_have_value(str(fixed))

    page.locator(".status-bar").get_by_role("link").click()
    expect(page.locator("main .message.success")).to_be_visible()
    screenshot(page, "02-ready")
    page.locator("main form button[type=submit]").click()

    expect(page.locator(".status-bar .badge")).to_have_text(SUBMITTED)
    expect(page.locator("article.indicator input:enabled")).to_have_count(0)
    history = page.locator("ol.timeline li")
    expect(history.filter(has_text=RETURNED)).not_to_have_count(0)
    expect(history.last).to_contain_text(SUBMITTED)
    expect(history.last).to_contain_text("Quận Hoàn Kiếm")  # the officer's name
    screenshot(page, "03-resubmitted")

    submission = Submission.objects.get(unit__code="quan-hoan-kiem", period__year=YEAR)
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.answers.get(indicator__code="I.5").numerator == fixed
    assert not submission.answers.filter(reopened=True).exists()


def test_autosave_saves_while_typing_and_shows_a_numerator_above_its_denominator(
    demo, page: Page, log_in, screenshot
) -> None:
    log_in(page, "canbo-sotttt")
    page.goto(form_url("so-thong-tin-va-truyen-thong"))
    submission = Submission.objects.get(
        unit__code="so-thong-tin-va-truyen-thong", period__year=YEAR
    )

    points = indicator(page, "III.1")
    points.locator("input[name$='-points']").press_sequentially("3.5")
    expect(points.locator(".autosave-status .saved")).to_be_visible(timeout=5_000)
    assert Answer.objects.get(submission=submission, indicator__code="III.1").points == Decimal(
        "3.5"
    )
    expect(page.locator(".messages")).to_have_count(0)  # nothing was submitted by hand

    rate = indicator(page, "III.2")
    rate.locator("input[name$='-denominator']").fill("10")
    rate.locator("input[name$='-numerator']").press_sequentially("12")
    error = rate.locator(".autosave-status [role=alert]")
    expect(error).to_be_visible(timeout=5_000)
    expect(error).to_contain_text("(10)")
    expect(rate.locator(".autosave-status .saved")).to_have_count(0)
    screenshot(page, "01-error")
    assert not Answer.objects.filter(
        submission=submission, indicator__code="III.2", numerator=12
    ).exists()


def test_a_half_filled_rate_gets_a_message_not_a_server_error(
    demo, page: Page, log_in, screenshot
) -> None:
    log_in(page, "canbo-sotttt")
    page.goto(form_url("so-thong-tin-va-truyen-thong"))

    rate = indicator(page, "III.2")
    numerator = rate.locator("input[name$='-numerator']")
    numerator.fill("5")
    with page.expect_response(lambda response: "/answers/" in response.url) as autosave:
        numerator.blur()  # on to the denominator
    assert autosave.value.status < 500, f"autosave answered {autosave.value.status}"
    expect(rate.locator(".autosave-status [role=alert]")).to_be_visible()
    screenshot(page, "01-autosave")

    with page.expect_response(lambda response: response.request.method == "POST") as saved:
        page.locator("button[name=then][value=save]").click()
    assert saved.value.status < 500, f"Save draft answered {saved.value.status}"
    expect(page.locator(".messages .error")).to_be_visible()
    rate = indicator(page, "III.2")
    expect(rate.locator(".field-denominator [role=alert]")).to_be_visible()
    expect(rate.locator("input[name$='-numerator']")).to_have_value("5")
    screenshot(page, "02-save")


def test_dashboard_form_and_readiness_check_have_no_serious_accessibility_violations(
    demo, page: Page, log_in, assert_accessible, screenshot
) -> None:
    log_in(page, "canbo-sotttt")
    screenshot(page, "01-dashboard")
    assert_accessible(page)
    page.goto(form_url("so-thong-tin-va-truyen-thong"))
    screenshot(page, "02-form")
    assert_accessible(page)
    page.goto(reverse("assessments:submit", args=["so-thong-tin-va-truyen-thong", YEAR]))
    screenshot(page, "03-readiness")
    assert_accessible(page)
