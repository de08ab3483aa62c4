"""Small factories for the tests: each makes one valid row, with everything it needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.models import (
    Answer,
    Block,
    CriteriaGroup,
    Evidence,
    Framework,
    Indicator,
    OfficerMembership,
    Participation,
    Period,
    ReviewerAssignment,
    Submission,
    Unit,
)

_seq = count(1)


def make_user(username: str | None = None, **fields):
    username = username or f"user{next(_seq)}"
    user = get_user_model().objects.create_user(
        username=username, password="pw-for-tests-1", **fields
    )
    return user


def make_block(code: str | None = None, **fields) -> Block:
    code = code or f"block-{next(_seq)}"
    return Block.objects.create(code=code, name_vi=fields.pop("name_vi", code), **fields)


def make_unit(block: Block | None = None, **fields) -> Unit:
    n = next(_seq)
    return Unit.objects.create(
        code=fields.pop("code", f"unit-{n}"),
        name=fields.pop("name", f"Đơn vị {n}"),
        block=block or make_block(),
        **fields,
    )


def make_period(year: int = 2014, **fields) -> Period:
    fields.setdefault("opens_at", dt.date(year, 12, 1))
    fields.setdefault("submission_deadline", dt.date(year, 12, 25))
    return Period.objects.create(year=year, **fields)


def make_framework(period: Period, blocks: list[Block], indicators: list[tuple]) -> Framework:
    """``indicators``: (group code, indicator code, kind, max points), applied to ``blocks``."""
    framework = Framework.objects.create(period=period, name_vi=f"Bộ chỉ tiêu {period.year}")
    groups: dict[str, CriteriaGroup] = {}
    for order, (group_code, code, kind, max_points) in enumerate(indicators, start=1):
        if group_code not in groups:
            groups[group_code] = CriteriaGroup.objects.create(
                framework=framework,
                code=group_code,
                name_vi=f"Nhóm {group_code}",
                order=len(groups),
            )
        indicator = Indicator.objects.create(
            framework=framework,
            group=groups[group_code],
            code=code,
            name_vi=f"Chỉ tiêu {code}",
            kind=kind,
            max_points=Decimal(str(max_points)),
            order=order,
        )
        indicator.blocks.set(blocks)
    return framework


def make_participation(period: Period, unit: Unit, block: Block | None = None) -> Participation:
    return Participation.objects.create(period=period, unit=unit, block=block or unit.block)


def make_submission(
    unit: Unit, period: Period, status: str = Submission.Status.DRAFT
) -> Submission:
    approved = status == Submission.Status.APPROVED
    return Submission.objects.create(
        unit=unit, period=period, status=status, approved_at=timezone.now() if approved else None
    )


def make_answer(
    submission: Submission, indicator: Indicator, *, evidence: bool = True, **values
) -> Answer:
    answer = Answer.objects.create(submission=submission, indicator=indicator, **values)
    if evidence:
        Evidence.objects.create(answer=answer, title="Bằng chứng", link="https://example.org/e.pdf")
    return answer


def make_officer(unit: Unit, username: str | None = None):
    user = make_user(username)
    OfficerMembership.objects.create(user=user, unit=unit)
    return user


def make_reviewer(period: Period, block: Block, username: str | None = None):
    user = make_user(username)
    ReviewerAssignment.objects.create(user=user, period=period, block=block)
    return user
