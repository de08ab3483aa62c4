"""The reviewer's pages: the queue of assigned blocks, the appraisal of a submission, its actions.

Who may appraise which submission is decided once, in ``selectors.reviewable_submissions``:
admins all, reviewers the submissions of the blocks assigned to them that period, never their own
unit's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessments import selectors
from assessments.filters import ReviewQueueFilter
from assessments.forms import CorrectionForm
from assessments.models import (
    Answer,
    Block,
    Evidence,
    Indicator,
    Notification,
    Participation,
    Period,
    ReviewerAssignment,
    Submission,
)
from assessments.services import AssessmentError
from assessments.services import submissions as workflow
from rankings import scoring

QUEUE_STATUSES = ["submitted", "returned", "approved", "draft", "none"]


def _reviewer_periods(user: Any) -> QuerySet[Period]:
    if user.is_staff:
        return Period.objects.all()
    return Period.objects.filter(reviewer_assignments__user=user).distinct()


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The assigned blocks' units by status, with counts and how long each has waited."""
    periods = list(_reviewer_periods(request.user).order_by("-year"))
    if not periods:
        return render(request, "assessments/review_queue.html", {"periods": []}, status=200)
    year = request.GET.get("year", "")
    period = next((p for p in periods if str(p.year) == year), None) or _default_period(periods)
    participations = Participation.objects.filter(period=period).select_related("unit", "block")
    if not request.user.is_staff:
        participations = participations.filter(
            block__in=ReviewerAssignment.objects.filter(user=request.user, period=period).values(
                "block"
            )
        )
    reviewable = selectors.reviewable_submissions(request.user).filter(period=period)
    # Block and status filters: the same definitions as the API's (assessments/filters.py).
    queue_filter = ReviewQueueFilter(request.GET, queryset=participations, submissions=reviewable)
    in_blocks = queue_filter.filtered_except("status")
    submissions = {s.unit_id: s for s in reviewable.filter(unit__in=in_blocks.values("unit"))}
    now = timezone.now()
    rows = []
    for participation in in_blocks.order_by("block__order", "unit__name"):
        submission = submissions.get(participation.unit_id)
        status = submission.status if submission else "none"
        waited = (
            (now - submission.submitted_at).days
            if submission and submission.submitted_at and status == "submitted"
            else None
        )
        rows.append(
            {
                "participation": participation,
                "submission": submission,
                "status": status,
                "waited": waited,
            }
        )
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in QUEUE_STATUSES}
    total = len(rows)
    chosen = queue_filter.form.cleaned_data
    wanted = chosen.get("status") or ""
    if wanted:
        listed = set(queue_filter.qs.values_list("pk", flat=True))
        rows = [r for r in rows if r["participation"].pk in listed]
    return render(
        request,
        "assessments/review_queue.html",
        {
            "periods": periods,
            "period": period,
            "rows": rows,
            "total": total,
            "counts": counts,
            "status": wanted,
            "status_labels": _status_labels(),
            "blocks": Block.objects.filter(pk__in=participations.values("block")),
            "chosen_block": chosen.get("block") or "",
        },
    )


def _default_period(periods: list[Period]) -> Period:
    for state in (Period.State.REVIEW, Period.State.OPEN):
        for period in periods:
            if period.state == state:
                return period
    return periods[0]


def _status_labels() -> dict[str, str]:
    return {
        **{value: str(label) for value, label in Submission.Status.choices},
        "none": _("Not started"),
    }


@dataclass
class ReviewRow:
    indicator: Indicator
    answer: Answer | None
    evidence: list[Evidence]
    form: CorrectionForm
    score: scoring.IndicatorScore


def _review_rows(submission: Submission, data: Any = None) -> list[ReviewRow]:
    participation = Participation.objects.get(unit=submission.unit, period=submission.period)
    answers = {
        a.indicator_id: a
        for a in Answer.objects.filter(submission=submission).prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at"))
        )
    }
    best = workflow.block_best_counts(period=submission.period, block_id=participation.block_id)
    rows = []
    for indicator in workflow.applicable_indicators(submission):
        answer = answers.get(indicator.pk)
        evidence = list(answer.evidence.all()) if answer else []
        spec = indicator.spec
        answer_input = (
            scoring.AnswerInput(spec.code, answer.unit_value, answer.reviewer_value, bool(evidence))
            if answer and (answer.unit_value or answer.reviewer_value)
            else None
        )
        rows.append(
            ReviewRow(
                indicator=indicator,
                answer=answer,
                evidence=evidence,
                form=CorrectionForm(data, indicator=indicator, answer=answer),
                score=_safe_score(spec, answer_input, best.get(indicator.pk, 0)),
            )
        )
    return rows


def _safe_score(
    spec: scoring.IndicatorSpec, answer: scoring.AnswerInput | None, block_best: int
) -> scoring.IndicatorScore:
    chosen = scoring.chosen_value(answer) if answer else None
    own = chosen[1].count if chosen and chosen[1].count is not None else 0
    try:
        return scoring.score_indicator(
            spec,
            answer,
            block_best=max(block_best, own) if spec.kind == scoring.Kind.COUNT else None,
        )
    except scoring.InvalidValue:
        return scoring.score_indicator(spec, None, block_best=block_best)


def _render_review(
    request: HttpRequest, submission: Submission, rows: list[ReviewRow], status: int = 200
) -> HttpResponse:
    return render(
        request,
        "assessments/review_submission.html",
        {
            "submission": submission,
            "unit": submission.unit,
            "period": submission.period,
            "rows": rows,
            "total": sum((row.score.points for row in rows), start=Decimal("0.00")),
            "maximum": sum((row.indicator.max_points for row in rows), start=Decimal(0)),
            "timeline": selectors.submission_timeline(
                submission, everything=request.GET.get("history") == "all"
            ),
            "can_act": submission.status == Submission.Status.SUBMITTED,
        },
        status=status,
    )


@login_required
def review_submission(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(
        selectors.reviewable_submissions(request.user).select_related("unit", "period"), pk=pk
    )
    return _render_review(request, submission, _review_rows(submission))


def _corrections(
    request: HttpRequest, submission: Submission
) -> tuple[list[ReviewRow], dict[Indicator, workflow.Correction] | None]:
    rows = _review_rows(submission, request.POST)
    if not all(row.form.is_valid() for row in rows):
        return rows, None
    return rows, {row.indicator: row.form.correction() for row in rows}


def _expected_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _act(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Save the corrections posted with the page, then return or approve if asked."""
    submission = get_object_or_404(
        selectors.reviewable_submissions(request.user).select_related("unit", "period"), pk=pk
    )
    rows, corrections = _corrections(request, submission)
    if corrections is None:
        messages.error(request, _("Some values were not saved; see the messages beside them."))
        return _render_review(request, submission, rows, status=422)
    reopen_ids = set(request.POST.getlist("reopen_indicator"))
    reopen = {
        row.indicator: corrections[row.indicator].comment
        for row in rows
        if str(row.indicator.pk) in reopen_ids or row.form.cleaned_data.get("reopen")
    }
    try:
        workflow.review_submission(
            submission=submission,
            actor=request.user,
            expected_version=_expected_version(request),
            corrections=corrections,
            decision=decision,
            reason=request.POST.get("reason", ""),
            reopen=reopen,
        )
    except workflow.WorkflowError as exc:
        submission.refresh_from_db()  # the page shows where it stands now
        return render(
            request,
            "assessments/conflict.html",
            {"message": str(exc), "submission": submission, "review": True},
            status=409,
        )
    except (AssessmentError, scoring.InvalidValue) as exc:
        # Everything was rolled back; the object in memory may carry a version that never was.
        submission.refresh_from_db()
        messages.error(request, str(exc))
        return _render_review(request, submission, _review_rows(submission, request.POST), 422)
    messages.success(request, DECISION_MESSAGES[decision])
    if decision == "save":
        return redirect("assessments:review", pk=pk)
    return redirect("assessments:review_queue")


DECISION_MESSAGES = {
    "save": gettext_lazy("Corrections saved."),
    "return": gettext_lazy("Returned to the unit for revision."),
    "approve": gettext_lazy("Approved."),
}


@login_required
@require_POST
def save_corrections(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "save")


@login_required
@require_POST
def return_submission(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "return")


@login_required
@require_POST
def approve_submission(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "approve")


@login_required
@require_POST
def reopen_submission(request: HttpRequest, pk: int) -> HttpResponse:
    """Admins: put an approved submission back under appraisal, with a reason."""
    submission = get_object_or_404(
        selectors.reviewable_submissions(request.user).select_related("unit", "period"), pk=pk
    )
    try:
        workflow.reopen_submission(
            submission=submission,
            actor=request.user,
            expected_version=_expected_version(request),
            reason=request.POST.get("reason", ""),
        )
    except workflow.WorkflowError as exc:
        return render(
            request,
            "assessments/conflict.html",
            {"message": str(exc), "submission": submission, "review": True},
            status=409,
        )
    except AssessmentError as exc:
        messages.error(request, str(exc))
        return redirect("assessments:review", pk=pk)
    messages.success(request, _("Reopened for appraisal."))
    return redirect("assessments:review", pk=pk)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's notifications; opening the page marks them read."""
    items = list(
        Notification.objects.filter(user=request.user).select_related(
            "submission__unit", "submission__period"
        )[:100]
    )
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return render(request, "assessments/notifications.html", {"items": items})
