"""The officer's pages: an open period with four indicators, a draft per unit, and page helpers.

The personas come from ``tests/conftest.py``; what is added here is what the pages need around
them. Files go to a temporary MEDIA_ROOT, so no test writes into the project's media folder.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from assessments.models import Evidence, Indicator, Participation, Period, Submission, Unit
from assessments.services import submissions as workflow
from tests import factories

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n"
    b"%%EOF\n"
)
ELF_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + bytes(120)


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """A MEDIA_ROOT of the test's own, inside its tmp_path."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture
def fast_password_hashing(settings) -> None:
    """The personas' passwords hashed cheaply: these tests are about pages, not hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def open_period(period: Period) -> Period:
    """The 2014 period, open for self-assessment, its deadline a month from today."""
    period.state = Period.State.OPEN
    period.submission_deadline = timezone.localdate() + dt.timedelta(days=30)
    period.save()
    return period


@pytest.fixture
def indicators(open_period, block, other_block) -> dict[str, Indicator]:
    """One indicator of each kind, applied to both blocks; every one requires evidence."""
    framework = factories.make_framework(
        open_period,
        [block, other_block],
        [
            ("I", "I.1", Indicator.Kind.RATE, 5),
            ("I", "I.2", Indicator.Kind.YES_NO, 2),
            ("II", "II.1", Indicator.Kind.COUNT, 3),
            ("II", "II.2", Indicator.Kind.SCALE, 4),
        ],
    )
    return {indicator.code: indicator for indicator in framework.indicators.all()}


@pytest.fixture
def participation(open_period, unit, indicators) -> Participation:
    return factories.make_participation(open_period, unit)


@pytest.fixture
def other_participation(open_period, other_unit, indicators) -> Participation:
    return factories.make_participation(open_period, other_unit)


@pytest.fixture
def draft(participation, unit, open_period) -> Submission:
    """The officer's unit's draft for 2014."""
    return factories.make_submission(unit, open_period)


@pytest.fixture
def other_draft(other_participation, other_unit, open_period) -> Submission:
    """Another unit's draft for 2014, in another block."""
    return factories.make_submission(other_unit, open_period)


@pytest.fixture
def submitted(draft, indicators, officer) -> Submission:
    """The officer's unit's submission, complete and submitted."""
    fill_in(draft, indicators, officer)
    return workflow.submit_submission(
        submission=draft, actor=officer, expected_version=draft.version
    )


def form_url(unit: Unit, year: int = 2014) -> str:
    return reverse("assessments:submission", args=[unit.code, year])


def submit_url(unit: Unit, year: int = 2014) -> str:
    return reverse("assessments:submit", args=[unit.code, year])


def autosave_url(unit: Unit, indicator: Indicator, year: int = 2014) -> str:
    return reverse("assessments:autosave", args=[unit.code, year, indicator.pk])


def evidence_url(evidence) -> str:
    return reverse("assessments:evidence", args=[evidence.pk])


def field(indicator: Indicator, name: str) -> str:
    """The POST name of one of an indicator's inputs on the form."""
    return f"i{indicator.pk}-{name}"


def complete_values(indicators: dict[str, Indicator]) -> dict[str, str]:
    """A valid value for each of the four indicators, as the form posts them."""
    return {
        field(indicators["I.1"], "numerator"): "40",
        field(indicators["I.1"], "denominator"): "50",
        field(indicators["I.2"], "value_yes"): "yes",
        field(indicators["II.1"], "count"): "7",
        field(indicators["II.2"], "points"): "3.5",
    }


def attach_pdf(
    submission: Submission, indicator: Indicator, actor, name: str = "Quyết định.pdf"
) -> Evidence:
    """A PDF attached to an answer, checked and stored as an upload through the form is."""
    return workflow.add_evidence(
        submission=submission,
        indicator=indicator,
        actor=actor,
        upload=pdf_upload(name),
        max_bytes=10 * 1024 * 1024,
    )


def fill_in(submission: Submission, indicators: dict[str, Indicator], actor) -> None:
    """Every indicator answered, each with a link as evidence: ready to be submitted."""
    workflow.save_answers(
        submission=submission,
        actor=actor,
        values={
            indicators["I.1"]: workflow.AnswerValues(numerator=40, denominator=50),
            indicators["I.2"]: workflow.AnswerValues(value_yes=True),
            indicators["II.1"]: workflow.AnswerValues(count=7),
            indicators["II.2"]: workflow.AnswerValues(points=Decimal("3.5")),
        },
    )
    for indicator in indicators.values():
        workflow.add_evidence(
            submission=submission,
            indicator=indicator,
            actor=actor,
            link="https://so-noi-vu.hanoi.gov.vn/quyet-dinh.pdf",
            max_bytes=10 * 1024 * 1024,
        )


def pdf_upload(name: str = "Báo cáo.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def page(response) -> str:
    return response.content.decode()


def article(content: str, code: str) -> str:
    """The HTML of one indicator's block on the form page."""
    start = content.index(f'id="ind-{code}"')
    return content[start : content.index("</article>", start)]


def errors_beside(content: str, indicator: Indicator, name: str) -> list[str]:
    """The error messages shown in the field box of one input of an indicator."""
    box = article(content, indicator.code)
    start = box.index(f'for="id_{field(indicator, name)}"')
    end = box.index("</div>", start)
    return [
        html.unescape(text)
        for text in re.findall(r'<p class="error" role="alert">(.*?)</p>', box[start:end])
    ]


def input_tag(content: str, indicator: Indicator, name: str) -> str:
    """The <input> tag of one of an indicator's inputs."""
    match = re.search(rf'<input[^>]*name="{re.escape(field(indicator, name))}"[^>]*>', content)
    assert match, f"no input {field(indicator, name)} on the page"
    return match.group(0)


def is_disabled(tag: str) -> bool:
    """Whether an input tag is greyed out (read-only) for the officer."""
    return re.search(r"\sdisabled[\s>]", tag) is not None


def messages_shown(content: str) -> list[str]:
    """The flash messages at the top of the page."""
    return [
        html.unescape(text)
        for text in re.findall(r'<li class="message [^"]*">(.*?)</li>', content, re.S)
    ]


def history(content: str) -> str:
    """The text of the status history (audit timeline) on the form page."""
    start = content.index('class="timeline"')
    return html.unescape(re.sub(r"<[^>]+>", " ", content[start : content.index("</ol>", start)]))


def in_vietnamese(message: str, **params: object) -> str:
    """A message as the Vietnamese interface shows it (the msgid where it is not translated)."""
    with translation.override("vi"):
        text = gettext(message)
    return text % params if params else text


def status_label(status: str) -> str:
    """A submission status as the Vietnamese interface names it."""
    with translation.override("vi"):
        return str(Submission.Status(status).label)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body written by hand, so a file name reaches the server exactly as given."""
    boundary = "----hanoi-ict-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, content) in files.items():
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
