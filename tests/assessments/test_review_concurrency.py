"""Two reviewers acting on one submission at the same moment, on PostgreSQL.

Each trial starts two threads at a barrier, each with its own database connection, calling the
workflow services as two requests would: one approves while the other returns, or both save the
whole review form with different corrections and the same expected version. The compare-and-set
on ``Submission.version`` must let exactly one of them through; the other gets ``WorkflowError``
and nothing of its write may remain (STACK.md: naive read-then-save lost 100 of 100).

SQLite serialises writers and ignores row locks, so the race is only meaningful on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest
from django.db import connection

from assessments.models import AuditEntry, Indicator, Period, Submission
from assessments.services import submissions as workflow
from rankings.scoring import Value
from tests import factories

TRIALS = 100

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the race needs PostgreSQL's row locks (set DATABASE_URL to a PostgreSQL database)",
    ),
    pytest.mark.django_db(transaction=True),
]


@dataclass
class Outcome:
    result: object  # what the service returned, or the exception it raised
    started: float
    finished: float


def race(*actions: Callable[[], object]) -> list[Outcome]:
    """Run the actions at once, each in its own thread with its own database connection."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Outcome | None] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()  # connect first, so both start the service together
            barrier.wait(timeout=10)
            started = time.perf_counter()
            try:
                result: object = action()
            except Exception as exc:
                result = exc
            outcomes[index] = Outcome(result, started, time.perf_counter())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(outcome is not None for outcome in outcomes), "a thread did not finish"
    return outcomes  # type: ignore[return-value]


def overlapped(first: Outcome, second: Outcome) -> bool:
    return first.started < second.finished and second.started < first.finished


@pytest.fixture
def arena(block, period):
    """A framework of two indicators and two reviewers of the block: built once per test."""
    period.state = Period.State.REVIEW
    period.save()
    framework = factories.make_framework(
        period,
        [block],
        [("I", "I.1", Indicator.Kind.COUNT, 3), ("I", "I.2", Indicator.Kind.YES_NO, 2)],
    )
    count, yes_no = framework.indicators.order_by("order")
    first = factories.make_reviewer(period, block, "reviewer-a")
    second = factories.make_reviewer(period, block, "reviewer-b")
    return block, period, count, yes_no, first, second


def submitted_copy(arena) -> Submission:
    """A fresh submitted self-assessment of a new unit: a unit, a participation, two answers."""
    block, period, count, yes_no, _first, _second = arena
    unit = factories.make_unit(block)
    factories.make_participation(period, unit)
    submission = factories.make_submission(unit, period, Submission.Status.SUBMITTED)
    factories.make_answer(submission, count, evidence=False, count=7)
    factories.make_answer(submission, yes_no, evidence=False, value_yes=True)
    return submission


def loaded(submission: Submission) -> Submission:
    """The submission as one request would load it (each thread gets its own instance)."""
    return Submission.objects.select_related("unit", "period").get(pk=submission.pk)


def test_approve_against_return_lets_exactly_one_through_and_loses_nothing(arena):
    _block, _period, count, _yes_no, approver, returner = arena
    wins = losses = overlaps = 0
    problems: list[str] = []

    for trial in range(TRIALS):
        submission = submitted_copy(arena)
        version = submission.version
        approving, returning = loaded(submission), loaded(submission)

        approve, give_back = race(
            partial(
                workflow.approve_submission,
                submission=approving,
                actor=approver,
                expected_version=version,
            ),
            partial(
                workflow.return_submission,
                submission=returning,
                actor=returner,
                expected_version=version,
                reason="Số liệu chưa khớp.",
                reopen={count: "Đếm lại."},
            ),
        )

        overlaps += overlapped(approve, give_back)
        results = {"approve": approve.result, "return": give_back.result}
        winners = [name for name, result in results.items() if isinstance(result, Submission)]
        losers = [
            name for name, result in results.items() if isinstance(result, workflow.WorkflowError)
        ]
        if len(winners) != 1 or len(losers) != 1:
            problems.append(f"trial {trial}: {results!r}")
            continue
        winner = winners[0]
        wins += 1
        losses += 1
        submission.refresh_from_db()
        entries = list(submission.audit_entries.all())
        reopened = list(
            submission.answers.filter(reopened=True).values_list("indicator__code", flat=True)
        )
        expected_status, expected_actor, expected_reopened = {
            "approve": (Submission.Status.APPROVED, approver, []),
            "return": (Submission.Status.RETURNED, returner, ["I.1"]),
        }[winner]
        seen = (
            submission.status,
            submission.version,
            reopened,
            submission.approved_at is not None,
            [(e.action, e.actor_id, e.after["status"]) for e in entries],
        )
        wanted = (
            expected_status,
            version + 1,
            expected_reopened,
            winner == "approve",
            [(AuditEntry.Action.STATUS_CHANGED, expected_actor.pk, expected_status)],
        )
        if seen != wanted:
            problems.append(f"trial {trial}: {winner} won but the row shows {seen!r}")

    assert problems == []
    assert wins == TRIALS
    assert losses == TRIALS
    assert overlaps > 0, "the two actions never ran at the same time: the test raced nothing"


def test_two_reviewers_saving_different_corrections_at_once_lose_no_update(arena):
    _block, _period, count, yes_no, first, second = arena
    # Each reviewer posts the whole form: their own correction, the other indicator untouched.
    forms = {
        first.pk: {
            count: workflow.Correction(Value(count=5), reason="Chỉ 5 dịch vụ đạt."),
            yes_no: workflow.Correction(None),
        },
        second.pk: {
            count: workflow.Correction(None),
            yes_no: workflow.Correction(Value(yes=False), reason="Chưa ban hành quyết định."),
        },
    }
    wins = losses = overlaps = lost_updates = 0
    problems: list[str] = []

    for trial in range(TRIALS):
        submission = submitted_copy(arena)
        version = submission.version
        mine, theirs = loaded(submission), loaded(submission)

        a, b = race(
            partial(
                workflow.save_corrections,
                submission=mine,
                actor=first,
                expected_version=version,
                corrections=forms[first.pk],
            ),
            partial(
                workflow.save_corrections,
                submission=theirs,
                actor=second,
                expected_version=version,
                corrections=forms[second.pk],
            ),
        )

        overlaps += overlapped(a, b)
        results = {first: a.result, second: b.result}
        winners = [user for user, result in results.items() if result == 1]
        losers = [
            user for user, result in results.items() if isinstance(result, workflow.WorkflowError)
        ]
        if len(winners) != 1 or len(losers) != 1:
            problems.append(f"trial {trial}: {a.result!r} / {b.result!r}")
            continue
        winner = winners[0]
        wins += 1
        losses += 1
        submission.refresh_from_db()
        stored = (
            dict(submission.answers.values_list("indicator__code", "reviewer_count")),
            dict(submission.answers.values_list("indicator__code", "reviewer_value_yes")),
        )
        expected = (
            ({"I.1": 5, "I.2": None}, {"I.1": None, "I.2": None})
            if winner == first
            else ({"I.1": None, "I.2": None}, {"I.1": None, "I.2": False})
        )
        if stored != expected:
            lost_updates += 1
            problems.append(f"trial {trial}: {winner.username} won but the answers are {stored!r}")
        entries = [(e.action, e.actor_id, e.indicator_code) for e in submission.audit_entries.all()]
        corrected = "I.1" if winner == first else "I.2"
        if entries != [(AuditEntry.Action.REVIEWER_VALUE_CHANGED, winner.pk, corrected)]:
            problems.append(f"trial {trial}: audit trail {entries!r}")
        if submission.version != version + 1:
            problems.append(f"trial {trial}: version {submission.version}, expected {version + 1}")

    assert problems == []
    assert lost_updates == 0
    assert wins == TRIALS
    assert losses == TRIALS
    assert overlaps > 0, "the two saves never ran at the same time: the test raced nothing"
