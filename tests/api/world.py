"""One whole API world built from scratch, for tests that share it across a module (schemathesis).

The same shape as ``conftest.py``'s fixtures: 2013 published (awards: one confirmed, one
proposed), 2014 scored but not published (one confirmed award), 2015 open with a draft of the
officer's unit (one answer and a link) and a submitted self-assessment of the other officer's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token

from assessments.models import Evidence, Period, Submission, Unit
from assessments.services import submissions as workflow
from awards.models import Award, Category
from rankings.services import publish_period
from tests import factories
from tests.api.conftest import INDICATORS, LINK, fill_in, make_award, make_scored_year


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    units: dict[str, Unit]
    draft: Submission
    submitted: Submission
    approved: Submission  # the officer's unit's 2013 submission
    evidence: list[Evidence]
    path_values: dict[str, list[object]] = field(default_factory=dict)


def build_world() -> World:
    block = factories.make_block("test-so-nganh", name_vi="Sở, ban, ngành", order=1)
    other_block = factories.make_block("test-xa", name_vi="Xã", order=6)
    units = {
        "unit": factories.make_unit(block, code="test-so-noi-vu", name="Sở Nội vụ"),
        "other_unit": factories.make_unit(other_block, code="test-xa-co-loa", name="Xã Cổ Loa"),
        "third_unit": factories.make_unit(block, code="test-so-tai-chinh", name="Sở Tài chính"),
    }
    admin = factories.make_user("portal-admin", is_staff=True, is_superuser=True)
    published = make_scored_year(2013, [block, other_block], units)
    publish_period(period=published, actor=admin)
    scored = make_scored_year(2014, [block, other_block], units)
    make_award(published, units["unit"], Category.BANG_KHEN, Award.Status.CONFIRMED, 1)
    make_award(published, units["other_unit"], Category.DICH_VU_CONG, Award.Status.PROPOSED, None)
    make_award(scored, units["third_unit"], Category.BANG_KHEN, Award.Status.CONFIRMED, 2)

    period = factories.make_period(
        2015,
        state=Period.State.OPEN,
        submission_deadline=timezone.localdate() + dt.timedelta(days=30),
    )
    framework = factories.make_framework(period, [block, other_block], INDICATORS)
    indicators = {i.code: i for i in framework.indicators.all()}
    users = {
        "admin_user": admin,
        "officer": factories.make_officer(units["unit"], "officer"),
        "other_officer": factories.make_officer(units["other_unit"], "other-officer"),
        "reviewer": factories.make_reviewer(period, block, "reviewer"),
        "other_reviewer": factories.make_reviewer(period, other_block, "other-reviewer"),
    }
    factories.make_participation(period, units["unit"])
    factories.make_participation(period, units["other_unit"])
    draft = factories.make_submission(units["unit"], period)
    workflow.save_answers(
        submission=draft,
        actor=users["officer"],
        values={indicators["I.1"]: workflow.AnswerValues(numerator=30, denominator=50)},
    )
    workflow.add_evidence(
        submission=draft,
        indicator=indicators["I.1"],
        actor=users["officer"],
        link=LINK,
        max_bytes=10 * 1024 * 1024,
    )
    submitted = factories.make_submission(units["other_unit"], period)
    fill_in(submitted, indicators, users["other_officer"])
    submitted = workflow.submit_submission(
        submission=submitted, actor=users["other_officer"], expected_version=submitted.version
    )
    approved = Submission.objects.get(unit=units["unit"], period=published)
    evidence = [
        Evidence.objects.filter(answer__submission=draft).first(),
        Evidence.objects.filter(answer__submission=submitted).first(),
    ]
    tokens = {name: Token.objects.create(user=user).key for name, user in users.items()}
    world = World(
        users=users,
        tokens=tokens,
        units=units,
        draft=draft,
        submitted=submitted,
        approved=approved,
        evidence=[e for e in evidence if e is not None],
    )
    world.path_values = {
        "id": [draft.pk, submitted.pk, approved.pk],
        "evidence_id": [e.pk for e in world.evidence],
        "year": [2013, 2014, 2015],
        "code": ["test-so-noi-vu", "test-xa-co-loa", "test-so-nganh", "test-xa"],
    }
    return world
