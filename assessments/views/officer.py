"""The unit officer's pages: dashboard, self-assessment form, readiness and submit, evidence.

Views parse, call a service, and render or redirect. Which submission a user may open is decided
by ``Submission.objects.visible_to`` / ``of_officer``; anything else answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from assessments import entry_workbook, selectors, spreadsheets
from assessments.evidence import EvidenceRejected
from assessments.forms import AnswerForm
from assessments.models import (
    Answer,
    Evidence,
    Indicator,
    Participation,
    Period,
    Submission,
    Unit,
)
from assessments.services import AssessmentError, imports
from assessments.services import submissions as workflow
from rankings import scoring


@dataclass
class IndicatorRow:
    indicator: Indicator
    form: AnswerForm
    answer: Answer | None
    evidence: list[Evidence]
    editable: bool
    preview: scoring.IndicatorScore
    saved_at: Any = None


@dataclass
class GroupRows:
    code: str
    name: str
    rows: list[IndicatorRow] = field(default_factory=list)


def _officer_participation(request: HttpRequest, unit_code: str, year: int) -> Participation:
    """The unit's participation in the period, if the user is an officer of that unit; else 404."""
    return get_object_or_404(
        selectors.officer_participations(request.user), unit__code=unit_code, period__year=year
    )


def _officer_submission(participation: Participation) -> Submission | None:
    return Submission.objects.filter(unit=participation.unit, period=participation.period).first()


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Each of the officer's units × periods: status, deadline, days left, what is missing."""
    participations = list(
        Participation.objects.filter(unit__officer_memberships__user=request.user)
        .select_related("unit", "period", "block")
        .order_by("-period__year", "unit__name")
    )
    submissions = {
        (s.unit_id, s.period_id): s
        for s in Submission.objects.of_officer(request.user).filter(
            period__in={p.period_id for p in participations}
        )
    }
    previous = _previous_results(participations)
    open_statuses = (Submission.Status.DRAFT, Submission.Status.RETURNED)
    missing = workflow.missing_counts(
        (submissions[(p.unit_id, p.period_id)], p.block_id)
        for p in participations
        if (p.unit_id, p.period_id) in submissions
        and submissions[(p.unit_id, p.period_id)].status in open_statuses
    )
    today = timezone.localdate()
    rows = []
    for participation in participations:
        submission = submissions.get((participation.unit_id, participation.period_id))
        deadline = workflow.deadline_for(participation)
        open_for_entry = participation.period.state == Period.State.OPEN
        rows.append(
            {
                "participation": participation,
                "submission": submission,
                "deadline": deadline,
                "days_left": (deadline - today).days if deadline and open_for_entry else None,
                "missing": missing.get(submission.pk) if submission else None,
                "open_for_entry": open_for_entry,
                "previous": previous.get((participation.unit_id, participation.period.year - 1)),
            }
        )
    return render(
        request,
        "assessments/dashboard.html",
        {"rows": rows, "is_reviewer": request.user.reviewer_assignments.exists()},
    )


def _previous_results(participations: list[Participation]) -> dict[tuple[int, int], Any]:
    """(unit id, year) → that year's result of the unit, through the reverse relation."""
    unit_ids = {p.unit_id for p in participations}
    years = {p.period.year - 1 for p in participations}
    found: dict[tuple[int, int], Any] = {}
    for unit in Unit.objects.filter(pk__in=unit_ids).prefetch_related("results__period"):
        for result in unit.results.all():  # type: ignore[attr-defined]
            if result.period.year in years:
                found[(unit.pk, result.period.year)] = result
    return found


def _build_rows(
    submission: Submission,
    participation: Participation,
    data: Any = None,
    files: Any = None,
) -> tuple[list[GroupRows], dict[int, AnswerForm]]:
    indicators = workflow.applicable_indicators(submission)
    answers = {
        a.indicator_id: a
        for a in Answer.objects.filter(submission=submission).prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at"))
        )
    }
    editable = workflow.editable_indicator_ids(submission)
    best = workflow.block_best_counts(period=submission.period, block_id=participation.block_id)
    groups: dict[int, GroupRows] = {}
    forms: dict[int, AnswerForm] = {}
    for indicator in indicators:
        answer = answers.get(indicator.pk)
        can_edit = editable is None or indicator.pk in editable
        form = AnswerForm(data, files, indicator=indicator, answer=answer, editable=can_edit)
        forms[indicator.pk] = form
        evidence = list(answer.evidence.all()) if answer else []
        group = groups.setdefault(
            indicator.group_id, GroupRows(code=indicator.group.code, name=indicator.group.name)
        )
        group.rows.append(
            IndicatorRow(
                indicator=indicator,
                form=form,
                answer=answer,
                evidence=evidence,
                editable=can_edit,
                preview=_preview(indicator, answer, bool(evidence), best.get(indicator.pk, 0)),
            )
        )
    return list(groups.values()), forms


def _preview(
    indicator: Indicator, answer: Answer | None, has_evidence: bool, block_best: int
) -> scoring.IndicatorScore:
    """The points this answer would earn, with the scoring service's own rules."""
    spec = indicator.spec
    value = answer.unit_value if answer else None
    if value is not None:
        try:
            scoring.validate_value(spec, value)
        except scoring.InvalidValue:
            value = None
    own = value.count if value is not None and value.count is not None else 0
    return scoring.score_indicator(
        spec,
        scoring.AnswerInput(spec.code, value, None, has_evidence) if value else None,
        block_best=max(block_best, own) if spec.kind == scoring.Kind.COUNT else None,
    )


def _page_context(
    request: HttpRequest, participation: Participation, submission: Submission, groups
) -> dict[str, Any]:
    return {
        "participation": participation,
        "unit": participation.unit,
        "period": participation.period,
        "submission": submission,
        "groups": groups,
        "deadline": workflow.deadline_for(participation),
        "timeline": selectors.submission_timeline(
            submission, everything=request.GET.get("history") == "all"
        ),
        "max_upload_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
    }


@login_required
def submission_form(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    """The self-assessment form: GET shows it, POST saves what is valid and keeps the rest."""
    participation = _officer_participation(request, unit_code, year)
    submission = _officer_submission(participation)
    if submission is None:
        if request.method != "POST" and participation.period.state != Period.State.OPEN:
            raise Http404
        try:
            submission = workflow.start_submission(
                unit=participation.unit, period=participation.period, actor=request.user
            )
        except AssessmentError as exc:
            messages.error(request, str(exc))
            return redirect("assessments:dashboard")
    if request.method != "POST":
        groups, _forms = _build_rows(submission, participation)
        return render(
            request,
            "assessments/submission_form.html",
            _page_context(request, participation, submission, groups),
        )

    if workflow.editable_indicator_ids(submission) == set():
        return _conflict(
            request,
            submission,
            _("This submission is %(status)s and can no longer be changed.")
            % {"status": submission.get_status_display().lower()},
        )
    groups, forms = _build_rows(submission, participation, request.POST, request.FILES)
    try:
        failed = _save_form(request, submission, forms)
    except workflow.WorkflowError as exc:
        return _conflict(request, submission, str(exc))
    if failed:
        messages.error(
            request,
            _("%(count)d indicators were not saved; see the messages beside them.")
            % {"count": failed},
        )
        groups, _forms = _rebind(submission, participation, forms)
        return render(
            request,
            "assessments/submission_form.html",
            _page_context(request, participation, submission, groups),
            status=200,
        )
    messages.success(request, _("Saved."))
    if request.POST.get("then") == "check":
        return redirect("assessments:submit", unit_code=unit_code, year=year)
    anchor = request.POST.get("anchor", "")
    url = reverse("assessments:submission", args=[unit_code, year])
    return redirect(f"{url}#{anchor}" if anchor.startswith("ind-") else url)


def _save_form(request: HttpRequest, submission: Submission, forms: dict[int, AnswerForm]) -> int:
    """Save every valid, editable indicator; return how many had errors."""
    remove = request.POST.get("remove_evidence")
    if remove:
        evidence = get_object_or_404(
            Evidence,
            pk=remove if remove.isascii() and remove.isdigit() and len(remove) < 19 else 0,
            answer__submission=submission,
        )
        workflow.remove_evidence(evidence=evidence, actor=request.user)
    values = {}
    failed = 0
    for form in forms.values():
        if not form.editable:
            continue
        if not form.is_valid():
            failed += 1
            continue
        values[form.indicator] = form.values()
    workflow.save_answers(submission=submission, actor=request.user, values=values)
    for form in forms.values():
        if not form.editable or form.errors:
            continue
        upload = form.cleaned_data.get("evidence_file")
        link = form.cleaned_data.get("evidence_link")
        if not (upload or link):
            continue
        try:
            workflow.add_evidence(
                submission=submission,
                indicator=form.indicator,
                actor=request.user,
                upload=upload,
                link=link or "",
                max_bytes=settings.EVIDENCE_MAX_BYTES,
            )
        except EvidenceRejected as exc:
            form.add_error("evidence_file", str(exc))
            failed += 1
    return failed


def _rebind(
    submission: Submission, participation: Participation, forms: dict[int, AnswerForm]
) -> tuple[list[GroupRows], dict[int, AnswerForm]]:
    """Fresh rows (saved values, evidence, points) that keep the bound forms with their errors."""
    groups, fresh = _build_rows(submission, participation)
    for group in groups:
        for row in group.rows:
            if forms[row.indicator.pk].errors:
                row.form = forms[row.indicator.pk]
    return groups, fresh


@login_required
@require_POST
def autosave(request: HttpRequest, unit_code: str, year: int, indicator_id: int) -> HttpResponse:
    """htmx: save one indicator's values while the officer types; answer with its status."""
    participation = _officer_participation(request, unit_code, year)
    submission = _officer_submission(participation)
    if submission is None:
        raise Http404
    indicator = get_object_or_404(
        Indicator, pk=indicator_id, framework__period=participation.period
    )
    if not indicator.blocks.filter(pk=participation.block_id).exists():
        raise Http404
    answer = Answer.objects.filter(submission=submission, indicator=indicator).first()
    editable = workflow.editable_indicator_ids(submission)
    form = AnswerForm(
        request.POST,
        indicator=indicator,
        answer=answer,
        editable=editable is None or indicator.pk in editable,
    )
    status = 200
    saved = False
    if not form.editable:
        status = 409
    elif form.is_valid():
        try:
            workflow.save_answers(
                submission=submission, actor=request.user, values={indicator: form.values()}
            )
            saved = True
        except workflow.WorkflowError:
            status = 409
    else:
        status = 422
    answer = Answer.objects.filter(submission=submission, indicator=indicator).first()
    best = workflow.block_best_counts(period=participation.period, block_id=participation.block_id)
    has_evidence = bool(answer and answer.evidence.exists())
    return render(
        request,
        "assessments/submission_form.html#autosave-status",
        {
            "form": form,
            "indicator": indicator,
            "saved": saved,
            "locked": status == 409,
            "autosave": True,  # errors show in the status line; the fields are not re-rendered
            "saved_at": timezone.localtime(),
            "preview": _preview(indicator, answer, has_evidence, best.get(indicator.pk, 0)),
        },
        status=status,
    )


@login_required
def submit(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    """The readiness check (GET) and the submission itself (POST)."""
    participation = _officer_participation(request, unit_code, year)
    submission = _officer_submission(participation)
    if submission is None:
        raise Http404
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            workflow.submit_submission(
                submission=submission, actor=request.user, expected_version=version
            )
        except workflow.WorkflowError as exc:
            return _conflict(request, submission, str(exc))
        except AssessmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Submitted. The Steering Committee's reviewers will appraise it."),
            )
            return redirect("assessments:submission", unit_code=unit_code, year=year)
    return render(
        request,
        "assessments/submission_submit.html",
        {
            "participation": participation,
            "unit": participation.unit,
            "period": participation.period,
            "submission": submission,
            "missing": workflow.readiness(submission),
            "deadline": workflow.deadline_for(participation),
            "late": _is_late(submission, participation),
        },
    )


def _is_late(submission: Submission, participation: Participation) -> bool:
    deadline = workflow.deadline_for(participation)
    return (
        submission.status == Submission.Status.DRAFT
        and deadline is not None
        and timezone.localdate() > deadline
    )


def _conflict(request: HttpRequest, submission: Submission, message: str) -> HttpResponse:
    return render(
        request,
        "assessments/conflict.html",
        {"message": message, "submission": submission},
        status=409,
    )


@login_required
@xframe_options_sameorigin  # the reviewer's page previews PDFs and images in a frame
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A stored evidence file, only for those who may see its submission."""
    evidence = get_object_or_404(
        Evidence.objects.select_related("answer__submission"),
        pk=pk,
        answer__submission__in=Submission.objects.visible_to(request.user),
    )
    if not evidence.file:
        raise Http404
    inline = evidence.content_type in ("application/pdf", "image/png", "image/jpeg", "image/webp")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=not inline,
        filename=evidence.original_name or "evidence",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def workbook_download(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    """The unit's XLSX workbook for offline entry, filled with the values saved so far."""
    participation = _officer_participation(request, unit_code, year)
    submission = _officer_submission(participation)
    if submission is None:
        raise Http404
    response = HttpResponse(
        entry_workbook.build(submission, participation),
        content_type=spreadsheets.XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{entry_workbook.file_name(participation)}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def workbook_upload(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    """The filled-in workbook saved into the draft: every row valid, or nothing saved."""
    participation = _officer_participation(request, unit_code, year)
    submission = _officer_submission(participation)
    if submission is None:
        raise Http404
    if workflow.editable_indicator_ids(submission) == set():
        return _conflict(
            request,
            submission,
            _("This submission is %(status)s and can no longer be changed.")
            % {"status": submission.get_status_display().lower()},
        )
    upload = request.FILES.get("workbook")
    errors: list[imports.RowError]
    if upload is None:
        errors = [imports.RowError(0, "", _("Choose the filled-in workbook to upload."))]
    else:
        try:
            sheet = spreadsheets.read_upload(upload, extra_sheets=[entry_workbook.META_SHEET])
            result = imports.import_workbook(submission=submission, actor=request.user, sheet=sheet)
        except spreadsheets.SpreadsheetRejected as exc:
            errors = [imports.RowError(0, "", exc.message)]
        except imports.ImportRejected as exc:
            errors = exc.errors
        except workflow.WorkflowError as exc:
            return _conflict(request, submission, str(exc))
        else:
            messages.success(
                request,
                _("Workbook saved: %(values)d values changed, %(links)d evidence links added.")
                % {"values": result.values_changed, "links": result.links_added},
            )
            return redirect("assessments:submission", unit_code=unit_code, year=year)
    return render(
        request,
        "assessments/submission_workbook.html",
        {
            "participation": participation,
            "unit": participation.unit,
            "period": participation.period,
            "submission": submission,
            "errors": errors,
            "file_name": getattr(upload, "name", ""),
        },
        status=422,
    )
