"""The self-assessment workflow: drafts, evidence, submit, return, approve — each change audited.

Workflow transitions are compare-and-set on ``Submission.version`` (STACK.md: two reviewers at
once), so an action taken on a stale page changes nothing and says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import evidence as evidence_checks
from assessments.models import (
    Answer,
    AuditEntry,
    Evidence,
    Indicator,
    Notification,
    Participation,
    Period,
    Submission,
    Unit,
)
from assessments.services import notifications
from assessments.services.reference import AssessmentError
from rankings import scoring


class WorkflowError(AssessmentError):
    """The action no longer applies to the submission as it stands (HTTP 409 in the views)."""


@dataclass(frozen=True)
class AnswerValues:
    """What an officer entered for one indicator (None: left empty)."""

    value_yes: bool | None = None
    numerator: int | None = None
    denominator: int | None = None
    count: int | None = None
    points: Decimal | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "value_yes": self.value_yes,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "count": self.count,
            "points": None if self.points is None else str(self.points),
            "note": self.note,
        }


def answer_values(answer: Answer | None) -> AnswerValues:
    if answer is None:
        return AnswerValues()
    return AnswerValues(
        value_yes=answer.value_yes,
        numerator=answer.numerator,
        denominator=answer.denominator,
        count=answer.count,
        points=answer.points,
        note=answer.note,
    )


def _today() -> dt.date:
    return timezone.localdate()


def deadline_for(participation: Participation) -> dt.date | None:
    """The last day the unit may submit: its extension where an admin gave one."""
    deadline = participation.period.submission_deadline
    extension = participation.deadline_extension
    if extension and (deadline is None or extension > deadline):
        return extension
    return deadline


def _participation(unit: Unit, period: Period) -> Participation:
    try:
        return Participation.objects.select_related("period", "block").get(unit=unit, period=period)
    except Participation.DoesNotExist:
        raise AssessmentError(
            _("%(unit)s does not take part in %(year)s.") % {"unit": unit, "year": period.year}
        ) from None


def applicable_indicators(submission: Submission) -> list[Indicator]:
    """The indicators of the period that apply to the unit's block that year, in order."""
    participation = _participation(submission.unit, submission.period)
    return list(
        Indicator.objects.filter(framework__period=submission.period, blocks=participation.block)
        .select_related("group")
        .order_by("group__order", "order", "code")
    )


def _audit(
    *,
    submission: Submission,
    action: str,
    actor: User | None,
    indicator_code: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        submission=submission,
        action=action,
        actor=actor,
        indicator_code=indicator_code,
        before=before,
        after=after,
        reason=reason,
    )


@transaction.atomic
def start_submission(*, unit: Unit, period: Period, actor: User) -> Submission:
    """The unit's submission for the period, created as a draft on first use."""
    participation = _participation(unit, period)
    submission = Submission.objects.filter(unit=unit, period=period).first()
    if submission is not None:
        return submission
    if period.state != Period.State.OPEN:
        raise WorkflowError(
            _("Period %(year)s is not open for self-assessment.") % {"year": period.year}
        )
    submission = Submission.objects.create(unit=unit, period=participation.period)
    _audit(
        submission=submission,
        action=AuditEntry.Action.STATUS_CHANGED,
        actor=actor,
        after={"status": Submission.Status.DRAFT},
    )
    return submission


def editable_indicator_ids(submission: Submission) -> set[int] | None:
    """Which indicators the unit may change now: None for all (a draft), else the reopened ones."""
    if submission.status == Submission.Status.DRAFT:
        return None
    if submission.status == Submission.Status.RETURNED:
        return set(submission.answers.filter(reopened=True).values_list("indicator_id", flat=True))
    return set()


def _check_editable(submission: Submission, indicator: Indicator) -> None:
    editable = editable_indicator_ids(submission)
    if editable is None or indicator.pk in editable:
        return
    if submission.status in (Submission.Status.SUBMITTED, Submission.Status.APPROVED):
        raise WorkflowError(
            _("This submission is %(status)s and can no longer be changed.")
            % {"status": submission.get_status_display().lower()}
        )
    raise WorkflowError(
        _("Indicator %(code)s was not reopened for revision.") % {"code": indicator.code}
    )


@transaction.atomic
def save_answers(
    *, submission: Submission, actor: User, values: Mapping[Indicator, AnswerValues]
) -> int:
    """Store the unit's values of a draft (or of reopened indicators); returns how many changed.

    Values must already be valid for their kind (the form checks them); unchanged values are
    not written, and each change leaves an audit entry with the values before and after.
    """
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    existing = {
        answer.indicator_id: answer
        for answer in Answer.objects.filter(submission=submission, indicator__in=list(values))
    }
    changed = 0
    for indicator, new in values.items():
        answer = existing.get(indicator.pk)
        old = answer_values(answer)
        if old == new:
            continue
        _check_editable(submission, indicator)
        if answer is None:
            answer = Answer(submission=submission, indicator=indicator)
        for field, value in new.as_dict().items():
            setattr(answer, field, Decimal(value) if field == "points" and value else value)
        answer.indicator = indicator
        answer.full_clean(exclude=["submission", "indicator"], validate_unique=False)
        answer.save()
        _audit(
            submission=submission,
            action=AuditEntry.Action.ANSWER_CHANGED,
            actor=actor,
            indicator_code=indicator.code,
            before=old.as_dict(),
            after=new.as_dict(),
        )
        changed += 1
    return changed


def _answer_for(submission: Submission, indicator: Indicator) -> Answer:
    answer, _created = Answer.objects.get_or_create(submission=submission, indicator=indicator)
    return answer


@transaction.atomic
def add_evidence(
    *,
    submission: Submission,
    indicator: Indicator,
    actor: User,
    upload: UploadedFile | None = None,
    link: str = "",
    max_bytes: int,
) -> Evidence:
    """Attach a checked file (stored privately under a random name) or a link to an answer."""
    _check_editable(submission, indicator)
    if upload is None and not link:
        raise AssessmentError(_("Choose a file or give a link."))
    evidence = Evidence(uploaded_by=actor)
    if upload is not None:
        checked = evidence_checks.check_upload(upload, max_bytes=max_bytes)
        evidence.original_name = checked.original_name
        evidence.title = checked.original_name
        evidence.size = checked.size
        evidence.sha256 = checked.sha256
        evidence.content_type = checked.content_type
        evidence.answer = _answer_for(submission, indicator)
        evidence.file.save(checked.original_name, upload, save=False)
    else:
        evidence.link = link
        evidence.title = link
        evidence.answer = _answer_for(submission, indicator)
    evidence.save()
    _audit(
        submission=submission,
        action=AuditEntry.Action.EVIDENCE_ADDED,
        actor=actor,
        indicator_code=indicator.code,
        after=_evidence_record(evidence),
    )
    return evidence


def _evidence_record(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "name": evidence.original_name or evidence.link,
        "size": evidence.size,
        "sha256": evidence.sha256,
    }


@transaction.atomic
def remove_evidence(*, evidence: Evidence, actor: User) -> None:
    """Remove evidence from an answer the unit may still change; the file goes too."""
    answer = evidence.answer
    _check_editable(answer.submission, answer.indicator)
    record = _evidence_record(evidence)
    stored = evidence.file.name
    evidence.delete()
    if stored:
        transaction.on_commit(lambda: evidence.file.storage.delete(stored))
    _audit(
        submission=answer.submission,
        action=AuditEntry.Action.EVIDENCE_REMOVED,
        actor=actor,
        indicator_code=answer.indicator.code,
        before=record,
    )


@dataclass(frozen=True)
class Missing:
    indicator: Indicator
    what: str  # "answer" or "evidence"


def readiness(submission: Submission) -> list[Missing]:
    """What keeps the submission from being complete: answers and required evidence."""
    answers = {
        answer.indicator_id: answer
        for answer in submission.answers.annotate(evidence_count=Count("evidence"))
    }
    return _missing(applicable_indicators(submission), answers)


def _missing(indicators: Iterable[Indicator], answers: Mapping[int, Answer]) -> list[Missing]:
    missing: list[Missing] = []
    for indicator in indicators:
        answer = answers.get(indicator.pk)
        if answer is None or not _is_complete(indicator, answer):
            missing.append(Missing(indicator, "answer"))
        elif indicator.evidence_required and not getattr(answer, "evidence_count", 0):
            missing.append(Missing(indicator, "evidence"))
    return missing


def missing_counts(participations: Iterable[tuple[Submission, int]]) -> dict[int, int]:
    """submission id → how many items it still lacks, for many submissions in three queries.

    ``participations`` pairs each submission with the block its unit is ranked in that year.
    """
    pairs = list(participations)
    if not pairs:
        return {}
    indicators_by_key: dict[tuple[int, int], list[Indicator]] = {}
    periods = {submission.period_id for submission, _block in pairs}
    blocks = {block_id for _submission, block_id in pairs}
    through = Indicator.blocks.through.objects.filter(
        indicator__framework__period__in=periods, block__in=blocks
    ).select_related("indicator__group", "indicator__framework")
    for link in through:
        indicator = link.indicator
        key = (indicator.framework.period_id, link.block_id)
        indicators_by_key.setdefault(key, []).append(indicator)
    answers: dict[int, dict[int, Answer]] = {}
    for answer in Answer.objects.filter(
        submission__in=[submission for submission, _block in pairs]
    ).annotate(evidence_count=Count("evidence")):
        answers.setdefault(answer.submission_id, {})[answer.indicator_id] = answer
    return {
        submission.pk: len(
            _missing(
                indicators_by_key.get((submission.period_id, block_id), []),
                answers.get(submission.pk, {}),
            )
        )
        for submission, block_id in pairs
    }


def _is_complete(indicator: Indicator, answer: Answer) -> bool:
    value = answer.unit_value
    if value is None:
        return False
    try:
        scoring.validate_value(indicator.spec, value)
    except scoring.InvalidValue:
        return False
    return True


# Submission.version is a 32-bit integer column; a version is never near this in real use.
MAX_VERSION = 2**31 - 1


def _transition(
    *,
    submission: Submission,
    expected_version: int,
    from_statuses: Iterable[str],
    changes: dict[str, Any],
) -> None:
    """Compare-and-set: change the row only if nobody changed it since ``expected_version``."""
    if not 0 <= expected_version < MAX_VERSION:  # a forged value must not overflow the column
        raise WorkflowError(_("The form is out of date or damaged. Reload the page."))
    updated = Submission.objects.filter(
        pk=submission.pk, version=expected_version, status__in=list(from_statuses)
    ).update(version=expected_version + 1, **changes)
    if not updated:
        raise WorkflowError(
            _(
                "The submission changed since you opened it (someone else acted on it). "
                "Reload the page to see where it stands."
            )
        )


@transaction.atomic
def submit_submission(*, submission: Submission, actor: User, expected_version: int) -> Submission:
    """Submit a complete draft before the deadline, or resubmit after a return."""
    participation = _participation(submission.unit, submission.period)
    if submission.status not in (Submission.Status.DRAFT, Submission.Status.RETURNED):
        raise WorkflowError(
            _("This submission is already %(status)s.")
            % {"status": submission.get_status_display().lower()}
        )
    if submission.status == Submission.Status.DRAFT:
        deadline = deadline_for(participation)
        if deadline is not None and _today() > deadline:
            raise AssessmentError(
                _(
                    "The deadline (%(date)s) has passed; ask the Steering Committee for an "
                    "extension."
                )
                % {"date": deadline.strftime("%d/%m/%Y")}
            )
    missing = readiness(submission)
    if missing:
        raise AssessmentError(
            _("The submission is not complete: %(count)d items are missing.")
            % {"count": len(missing)}
        )
    return _move(
        submission=submission,
        actor=actor,
        expected_version=expected_version,
        to_status=Submission.Status.SUBMITTED,
        changes={"submitted_at": timezone.now()},
        then=lambda: submission.answers.filter(reopened=True).update(reopened=False),
        notify=(Notification.Kind.SUBMITTED, notifications.reviewers_of),
    )


def _move(
    *,
    submission: Submission,
    actor: User,
    expected_version: int,
    to_status: str,
    changes: dict[str, Any] | None = None,
    audit_after: dict[str, Any] | None = None,
    reason: str = "",
    then: Callable[[], object] | None = None,
    notify: tuple[str, Callable[[Submission], list[User]]],
) -> Submission:
    """Move a submission to ``to_status`` (compare-and-set), audit it and notify who it concerns."""
    before = submission.status
    _transition(
        submission=submission,
        expected_version=expected_version,
        from_statuses=[before],
        changes={"status": to_status, **(changes or {})},
    )
    if then is not None:
        then()
    _audit(
        submission=submission,
        action=AuditEntry.Action.STATUS_CHANGED,
        actor=actor,
        before={"status": before},
        after={"status": to_status, **(audit_after or {})},
        reason=reason,
    )
    submission.refresh_from_db()
    kind, recipients = notify
    notifications.notify(
        submission=submission,
        kind=kind,
        recipients=recipients(submission),
        actor=actor,
        reason=reason,
    )
    return submission


@transaction.atomic
def return_submission(
    *,
    submission: Submission,
    actor: User,
    expected_version: int,
    reason: str,
    reopen: Mapping[Indicator, str],
) -> Submission:
    """Send a submitted self-assessment back, reopening the given indicators with a comment."""
    _check_not_own_unit(submission, actor)
    if not reason.strip():
        raise AssessmentError(_("Give the reason for returning the submission."))
    if not reopen:
        raise AssessmentError(_("Mark at least one indicator to revise."))
    if submission.status != Submission.Status.SUBMITTED:
        raise WorkflowError(_("Only a submitted self-assessment can be returned."))

    def reopen_indicators() -> None:
        for indicator, comment in reopen.items():
            answer = _answer_for(submission, indicator)
            answer.reopened = True
            answer.reviewer_comment = comment.strip()
            answer.save(update_fields=["reopened", "reviewer_comment", "updated_at"])

    return _move(
        submission=submission,
        actor=actor,
        expected_version=expected_version,
        to_status=Submission.Status.RETURNED,
        audit_after={"reopened": sorted(indicator.code for indicator in reopen)},
        reason=reason.strip(),
        then=reopen_indicators,
        notify=(Notification.Kind.RETURNED, notifications.officers_of),
    )


def _check_not_own_unit(submission: Submission, actor: User) -> None:
    """Separation of duties: nobody appraises a unit they enter data for."""
    if submission.unit.officer_memberships.filter(user=actor).exists():
        raise AssessmentError(_("You cannot appraise the submission of your own unit."))


@transaction.atomic
def approve_submission(*, submission: Submission, actor: User, expected_version: int) -> Submission:
    """Approve a submitted self-assessment; it is locked from then on."""
    _check_not_own_unit(submission, actor)
    if submission.status != Submission.Status.SUBMITTED:
        raise WorkflowError(_("Only a submitted self-assessment can be approved."))
    return _move(
        submission=submission,
        actor=actor,
        expected_version=expected_version,
        to_status=Submission.Status.APPROVED,
        changes={"approved_at": timezone.now()},
        notify=(Notification.Kind.APPROVED, notifications.officers_of),
    )


def block_best_counts(*, period: Period, block_id: int) -> dict[int, int]:
    """indicator id → the largest count entered so far by the block's units (for the preview)."""
    return dict(
        Answer.objects.filter(
            submission__period=period,
            submission__unit__participations__period=period,
            submission__unit__participations__block_id=block_id,
            indicator__kind=Indicator.Kind.COUNT,
            count__isnull=False,
        )
        .values("indicator_id")
        .annotate(best=Max("count"))
        .values_list("indicator_id", "best")
    )


@dataclass(frozen=True)
class Correction:
    """A reviewer's value for one indicator (None: keep the unit's), reason and comment."""

    value: scoring.Value | None
    reason: str = ""
    comment: str = ""


@transaction.atomic
def save_corrections(
    *,
    submission: Submission,
    actor: User,
    expected_version: int,
    corrections: Mapping[Indicator, Correction],
) -> int:
    """Store reviewers' values and comments on a submitted self-assessment; returns changes.

    A value that differs from the unit's needs a reason. The write is compare-and-set on the
    submission's version, so two reviewers saving at once cannot overwrite each other.
    """
    _check_not_own_unit(submission, actor)
    answers = {a.indicator_id: a for a in submission.answers.all()}
    # (indicator, answer, audit before, audit after, the correction as stored)
    changes: list[tuple[Indicator, Answer, dict[str, Any], dict[str, Any], Correction]] = []
    for indicator, correction in corrections.items():
        answer = answers.get(indicator.pk) or Answer(submission=submission, indicator=indicator)
        value = correction.value
        if value is not None and value == answer.unit_value:
            value = None  # the same as the unit's: no correction
        if value is not None:
            scoring.validate_value(indicator.spec, value)
            if not correction.reason.strip():
                raise AssessmentError(
                    _("%(code)s: give the reason for changing the unit's value.")
                    % {"code": indicator.code}
                )
        stored = Correction(
            value=value,
            reason=correction.reason.strip() if value is not None else "",
            comment=correction.comment.strip(),
        )
        before = _reviewer_state(answer)
        after = {"value": _value_record(value), "reason": stored.reason, "comment": stored.comment}
        if before != after:
            changes.append((indicator, answer, before, after, stored))
    if not changes:
        return 0
    _transition(
        submission=submission,
        expected_version=expected_version,
        from_statuses=[Submission.Status.SUBMITTED],
        changes={},
    )
    for indicator, answer, before, after, stored in changes:
        value = stored.value
        answer.reviewer_value_yes = value.yes if value else None
        answer.reviewer_numerator = value.numerator if value else None
        answer.reviewer_denominator = value.denominator if value else None
        answer.reviewer_count = value.count if value else None
        answer.reviewer_points = value.points if value else None
        answer.reviewer_reason = stored.reason
        answer.reviewer_comment = stored.comment
        answer.save()
        _audit(
            submission=submission,
            action=AuditEntry.Action.REVIEWER_VALUE_CHANGED,
            actor=actor,
            indicator_code=indicator.code,
            before=before,
            after=after,
            reason=stored.reason,
        )
    submission.refresh_from_db()
    return len(changes)


def _value_record(value: scoring.Value | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        field: (str(item) if isinstance(item, Decimal) else item)
        for field in ("yes", "numerator", "denominator", "count", "points")
        if (item := getattr(value, field)) is not None
    }


def _reviewer_state(answer: Answer) -> dict[str, Any]:
    return {
        "value": _value_record(answer.reviewer_value),
        "reason": answer.reviewer_reason,
        "comment": answer.reviewer_comment,
    }


@transaction.atomic
def reopen_submission(
    *, submission: Submission, actor: User, expected_version: int, reason: str
) -> Submission:
    """Admins: put an approved submission back under appraisal, with a reason."""
    if not actor.is_staff:
        raise AssessmentError(_("Only an administrator can reopen an approved submission."))
    if not reason.strip():
        raise AssessmentError(_("Give the reason for reopening the submission."))
    if submission.status != Submission.Status.APPROVED:
        raise WorkflowError(_("Only an approved self-assessment can be reopened."))
    return _move(
        submission=submission,
        actor=actor,
        expected_version=expected_version,
        to_status=Submission.Status.SUBMITTED,
        changes={"approved_at": None},
        reason=reason.strip(),
        notify=(
            Notification.Kind.REOPENED,
            lambda s: [*notifications.officers_of(s), *notifications.reviewers_of(s)],
        ),
    )


@transaction.atomic
def review_submission(
    *,
    submission: Submission,
    actor: User,
    expected_version: int,
    corrections: Mapping[Indicator, Correction],
    decision: str,
    reason: str = "",
    reopen: Mapping[Indicator, str] | None = None,
) -> Submission:
    """One reviewer action: save the corrections, then ``return`` or ``approve`` if asked.

    All of it or nothing: a stale version, a missing reason or an action that no longer
    applies leaves the submission exactly as it was.
    """
    if decision not in ("save", "return", "approve"):
        raise ValueError(f"unknown decision {decision!r}")
    version = expected_version
    if save_corrections(
        submission=submission, actor=actor, expected_version=version, corrections=corrections
    ):
        version += 1
    elif submission.version != expected_version or submission.status != Submission.Status.SUBMITTED:
        _transition(  # nothing to save: still refuse a stale page
            submission=submission,
            expected_version=expected_version,
            from_statuses=[Submission.Status.SUBMITTED],
            changes={},
        )
        version += 1
    if decision == "return":
        return return_submission(
            submission=submission,
            actor=actor,
            expected_version=version,
            reason=reason,
            reopen=reopen or {},
        )
    if decision == "approve":
        return approve_submission(submission=submission, actor=actor, expected_version=version)
    submission.refresh_from_db()
    return submission
