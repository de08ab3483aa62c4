"""Writing an answers import: bulk, in the caller's transaction, audited as the workflow audits."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from assessments.models import Answer, AuditEntry, Evidence, Period, Submission
from assessments.services import submissions as workflow
from assessments.services.imports.answer_rows import ParsedAnswer
from assessments.services.imports.common import insert_rows
from rankings import scoring

# Rows per UPDATE: larger batches cost more per row in Django's SQL compiler on SQLite.
BATCH_SIZE = 500
# The columns the draft import writes, in the order its rows give them (common.insert_rows).
ANSWER_FIELDS = (
    "submission",
    "indicator",
    *Answer.UNIT_VALUE_FIELDS,
    "note",
    *Answer.REVIEWER_VALUE_FIELDS,
    "reviewer_reason",
    "reopened",
    "reviewer_comment",
    "updated_at",
)
EVIDENCE_FIELDS = (
    "answer",
    "title",
    "link",
    "file",
    "original_name",
    "sha256",
    "content_type",
    "uploaded_by",
    "uploaded_at",
)
AUDIT_FIELDS = (
    "submission",
    "action",
    "actor",
    "at",
    "indicator_code",
    "before",
    "after",
    "reason",
)


@dataclass
class StoredAnswers:
    """What the database holds for the file's units: submissions, answers, evidence links."""

    submissions: dict[int, Submission]
    answers: dict[tuple[int, int], Answer]
    links: dict[int, set[str]]
    has_file: set[int]

    @classmethod
    def load(cls, period: Period, unit_ids: set[int]) -> StoredAnswers:
        submissions = {
            s.unit_id: s for s in Submission.objects.filter(period=period, unit_id__in=unit_ids)
        }
        answers = {
            (a.submission_id, a.indicator_id): a
            for a in Answer.objects.filter(submission__in=list(submissions.values()))
        }
        links: dict[int, set[str]] = defaultdict(set)
        has_file: set[int] = set()
        for answer_id, link, stored in Evidence.objects.filter(
            answer__submission__in=list(submissions.values())
        ).values_list("answer_id", "link", "file"):
            if link:
                links[answer_id].add(link)
            if stored:
                has_file.add(answer_id)
        return cls(submissions, answers, links, has_file)

    def answer(self, item: ParsedAnswer) -> Answer | None:
        submission = self.submissions.get(item.unit.pk)
        if submission is None:
            return None
        return self.answers.get((submission.pk, item.indicator.pk))

    def new_links(self, item: ParsedAnswer) -> list[str]:
        answer = self.answer(item)
        attached = self.links.get(answer.pk, set()) if answer else set()
        return [link for link in item.links if link not in attached]


def write(
    parsed: list[ParsedAnswer],
    stored: StoredAnswers,
    *,
    period: Period,
    actor: User | None,
    approved: bool,
    reason: str = "",
) -> None:
    """Write the planned changes, audited as the workflow audits them.

    Drafts: a new draft's status (as ``start_submission``), each changed value with before and
    after (as ``save_answers``), each added link (as ``add_evidence``). Approved (only new
    submissions, checked by ``plan_approved``): each value, each link, each reviewer's
    correction with its reason (as ``save_corrections``), then the approved status, all with
    ``reason``.
    """
    now = timezone.now()
    actor_id = actor.pk if actor else None
    audits: list[tuple[Any, ...]] = []  # in AUDIT_FIELDS order
    status = Submission.Status.APPROVED if approved else Submission.Status.DRAFT

    def audit(submission_id: int, action: str, code: str, before: Any, after: Any) -> None:
        audits.append((submission_id, action, actor_id, now, code, before, after, reason))

    starting = {
        item.unit.pk: item.unit
        for item in parsed
        if item.unit.pk not in stored.submissions
        and (approved or item.values != workflow.AnswerValues() or item.links)
    }
    for submission in Submission.objects.bulk_create(
        Submission(
            unit=unit,
            period=period,
            status=status,
            submitted_at=now if approved else None,
            approved_at=now if approved else None,
        )
        for unit in starting.values()
    ):
        stored.submissions[submission.unit_id] = submission
        if not approved:
            audit(submission.pk, AuditEntry.Action.STATUS_CHANGED, "", None, {"status": status})

    new_answers: list[tuple[Any, ...]] = []
    changed_answers: list[Answer] = []
    pending_links: list[tuple[tuple[int, int], str, list[str]]] = []
    for item in parsed:
        owner = stored.submissions.get(item.unit.pk)
        if owner is None or (approved and item.unit.pk not in starting):
            continue  # nothing to write, or an approved submission the same as the file
        key = (owner.pk, item.indicator.pk)
        answer = stored.answers.get(key)
        old = workflow.answer_values(answer)
        values = item.values
        if old != values or (approved and answer is None):
            if answer is None:
                new_answers.append(_answer_row(key, values, item, now))
            else:
                _set_values(answer, values)
                answer.updated_at = now
                changed_answers.append(answer)
            audit(
                owner.pk,
                AuditEntry.Action.ANSWER_CHANGED,
                item.indicator.code,
                None if approved else old.as_dict(),
                values.as_dict(),
            )
        if item.reviewer_value is not None:
            audit(
                owner.pk,
                AuditEntry.Action.REVIEWER_VALUE_CHANGED,
                item.indicator.code,
                None,
                {
                    "value": _value_record(item.reviewer_value),
                    "reason": item.reviewer_reason,
                    "comment": "",
                },
            )
        new_links = stored.new_links(item)
        if new_links:
            pending_links.append((key, item.indicator.code, new_links))

    insert_rows(Answer, ANSWER_FIELDS, new_answers)
    Answer.objects.bulk_update(
        changed_answers, [*Answer.UNIT_VALUE_FIELDS, "note", "updated_at"], batch_size=BATCH_SIZE
    )
    if pending_links:
        _write_links(pending_links, actor_id=actor_id, now=now, audit=audit)
    if approved:
        for submission_id in {stored.submissions[unit_id].pk for unit_id in starting}:
            audit(submission_id, AuditEntry.Action.STATUS_CHANGED, "", None, {"status": status})
    insert_rows(AuditEntry, AUDIT_FIELDS, audits)


def _answer_row(
    key: tuple[int, int], values: workflow.AnswerValues, item: ParsedAnswer, now: Any
) -> tuple[Any, ...]:
    """A new answer in ``ANSWER_FIELDS`` order."""
    reviewer = item.reviewer_value or scoring.Value()
    return (
        *key,
        values.value_yes,
        values.numerator,
        values.denominator,
        values.count,
        values.points,
        values.note,
        reviewer.yes,
        reviewer.numerator,
        reviewer.denominator,
        reviewer.count,
        reviewer.points,
        item.reviewer_reason,
        False,
        "",
        now,
    )


def _write_links(
    pending: list[tuple[tuple[int, int], str, list[str]]],
    *,
    actor_id: int | None,
    now: Any,
    audit: Any,
) -> None:
    """Add the new evidence links; each is audited with its id, as ``add_evidence`` does."""
    answer_ids = {
        (submission_id, indicator_id): pk
        for submission_id, indicator_id, pk in Answer.objects.filter(
            submission_id__in={key[0] for key, _code, _links in pending}
        ).values_list("submission_id", "indicator_id", "pk")
    }
    rows = [
        (answer_ids[key], link, link, "", "", "", "", actor_id, now)
        for key, _code, links in pending
        for link in links
    ]
    insert_rows(Evidence, EVIDENCE_FIELDS, rows)
    added = {
        (answer_id, link): pk
        for answer_id, link, pk in Evidence.objects.filter(
            answer_id__in={row[0] for row in rows}
        ).values_list("answer_id", "link", "pk")
    }
    for key, code, links in pending:
        for link in links:
            record = {
                "id": added[(answer_ids[key], link)],
                "name": link,
                "size": None,
                "sha256": "",
            }
            audit(key[0], AuditEntry.Action.EVIDENCE_ADDED, code, None, record)


def _value_record(value: scoring.Value) -> dict[str, Any]:
    """A reviewer's value as ``save_corrections`` records it."""
    return {
        name: (str(item) if isinstance(item, Decimal) else item)
        for name in ("yes", "numerator", "denominator", "count", "points")
        if (item := getattr(value, name)) is not None
    }


def _set_values(answer: Answer, values: workflow.AnswerValues) -> None:
    answer.value_yes = values.value_yes
    answer.numerator = values.numerator
    answer.denominator = values.denominator
    answer.count = values.count
    answer.points = values.points
    answer.note = values.note
