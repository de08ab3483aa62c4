"""The API's world: 2013 published, 2014 scored but not published, 2015 open.

- 2015 (``period``, which the personas' reviewers are assigned to) is open: the officer's unit
  (Sở Nội vụ, block ``test-so-nganh``) has a draft, the other officer's unit (Xã Cổ Loa, block
  ``test-xa``) has submitted.
- 2013 and 2014 are scored with a third unit (Sở Tài chính); only 2013 is published. 2013 has a
  confirmed award (Sở Nội vụ) and a proposed one (Xã Cổ Loa); 2014 a confirmed one (Sở Tài chính).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assessments.models import Answer, AuditEntry, Evidence, Indicator, Period, Submission, Unit
from assessments.services import submissions as workflow
from awards.models import Award, Category
from rankings.services import publish_period, score_period
from tests import factories

INDICATORS = [
    ("I", "I.1", Indicator.Kind.RATE, 5),
    ("I", "I.2", Indicator.Kind.YES_NO, 2),
    ("II", "II.1", Indicator.Kind.COUNT, 3),
    ("II", "II.2", Indicator.Kind.SCALE, 4),
]
LINK = "https://so-noi-vu.hanoi.gov.vn/quyet-dinh.pdf"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No throttle counts or kept pages from another test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def period(db) -> Period:
    """2015, open for self-assessment, its deadline a month from today."""
    return factories.make_period(
        2015,
        state=Period.State.OPEN,
        submission_deadline=timezone.localdate() + dt.timedelta(days=30),
    )


@pytest.fixture
def indicators(period, block, other_block) -> dict[str, Indicator]:
    framework = factories.make_framework(period, [block, other_block], INDICATORS)
    return {indicator.code: indicator for indicator in framework.indicators.all()}


@pytest.fixture
def third_unit(block) -> Unit:
    return factories.make_unit(block, code="test-so-tai-chinh", name="Sở Tài chính")


@pytest.fixture
def draft(period, unit, indicators) -> Submission:
    """The officer's unit's 2015 draft, nothing entered yet."""
    factories.make_participation(period, unit)
    return factories.make_submission(unit, period)


@pytest.fixture
def submitted(period, other_unit, other_officer, indicators) -> Submission:
    """The other officer's unit's 2015 self-assessment, complete and submitted."""
    factories.make_participation(period, other_unit)
    submission = factories.make_submission(other_unit, period)
    fill_in(submission, indicators, other_officer)
    return workflow.submit_submission(
        submission=submission, actor=other_officer, expected_version=submission.version
    )


def fill_in(submission: Submission, indicators: dict[str, Indicator], actor) -> None:
    """Every indicator answered, each with a link as evidence."""
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
            link=LINK,
            max_bytes=10 * 1024 * 1024,
        )


@dataclass
class History:
    published: Period  # 2013
    scored: Period  # 2014, not published
    confirmed: Award  # 2013, Sở Nội vụ
    proposed: Award  # 2013, Xã Cổ Loa
    unpublished_award: Award  # 2014, confirmed, Sở Tài chính


# unit fixture name → (I.1 numerator of 50, I.2, II.1 count, II.2 points) in 2013 and 2014
VALUES = {
    2013: {
        "unit": (45, True, 9, "4"),
        "other_unit": (30, True, 3, "2"),
        "third_unit": (20, False, 1, "1"),
    },
    2014: {
        "unit": (10, False, 1, "1"),
        "other_unit": (40, True, 5, "3"),
        "third_unit": (50, True, 9, "4"),
    },
}


def make_scored_year(year: int, blocks: list, units: dict[str, Unit]) -> Period:
    period = factories.make_period(year)
    framework = factories.make_framework(period, blocks, INDICATORS)
    found = {i.code: i for i in framework.indicators.all()}
    for name, (rate, yes, count, points) in VALUES[year].items():
        unit = units[name]
        factories.make_participation(period, unit)
        submission = factories.make_submission(unit, period, Submission.Status.APPROVED)
        factories.make_answer(submission, found["I.1"], numerator=rate, denominator=50)
        factories.make_answer(submission, found["I.2"], value_yes=yes)
        factories.make_answer(submission, found["II.1"], count=count)
        factories.make_answer(submission, found["II.2"], points=Decimal(points))
    score_period(period=period)
    return period


def make_award(period: Period, unit: Unit, category: str, status: str, number: int | None) -> Award:
    confirmed = status == Award.Status.CONFIRMED
    return Award.objects.create(
        period=period,
        unit=unit,
        category=category,
        status=status,
        why={"block": unit.block.code, "grade": "tot", "rank": 1, "index": "0.9500"},
        register_number=number,
        decision_number="Số 123/QĐ-UBND (thử)" if confirmed else "",
        decision_date=dt.date(period.year + 1, 7, 19) if confirmed else None,
    )


@pytest.fixture
def history(block, other_block, unit, other_unit, third_unit, admin_user) -> History:
    units = {"unit": unit, "other_unit": other_unit, "third_unit": third_unit}
    published = make_scored_year(2013, [block, other_block], units)
    publish_period(period=published, actor=admin_user)
    scored = make_scored_year(2014, [block, other_block], units)
    return History(
        published=Period.objects.get(pk=published.pk),
        scored=Period.objects.get(pk=scored.pk),
        confirmed=make_award(published, unit, Category.BANG_KHEN, Award.Status.CONFIRMED, 1),
        proposed=make_award(
            published, other_unit, Category.DICH_VU_CONG, Award.Status.PROPOSED, None
        ),
        unpublished_award=make_award(
            scored, third_unit, Category.BANG_KHEN, Award.Status.CONFIRMED, 2
        ),
    )


def token_client(user) -> APIClient:
    """A client that authenticates as ``user`` with a token, as machines do."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def api() -> APIClient:
    """Anonymous."""
    return APIClient()


def submission_url(submission: Submission, action: str = "") -> str:
    return f"/api/v1/submissions/{submission.pk}/" + (f"{action}/" if action else "")


def state(submission: Submission) -> tuple:
    """What a refused request must leave unchanged: the row, its answers, evidence and audit."""
    submission = Submission.objects.get(pk=submission.pk)
    answers = sorted(
        Answer.objects.filter(submission=submission).values_list(
            "indicator__code",
            "numerator",
            "denominator",
            "value_yes",
            "count",
            "points",
            "note",
            "reviewer_numerator",
            "reviewer_reason",
            "reviewer_comment",
            "reopened",
        )
    )
    return (
        submission.status,
        submission.version,
        answers,
        Evidence.objects.filter(answer__submission=submission).count(),
        AuditEntry.objects.filter(submission=submission).count(),
    )
