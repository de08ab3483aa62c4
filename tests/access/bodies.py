"""POST bodies as the portal's pages send them, built from what is stored (nothing changes
unless the caller says so)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import entry_workbook
from assessments.models import Answer, Indicator, Participation, Submission
from assessments.services import submissions as workflow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def indicator_fields(indicator: Indicator, answer: Answer | None) -> dict[str, str]:
    """One indicator's inputs on the officer's form, holding the stored answer."""
    prefix = f"i{indicator.pk}-"
    kind = indicator.kind
    if kind == Indicator.Kind.YES_NO:
        stored = answer.value_yes if answer else None
        fields = {"value_yes": "" if stored is None else ("yes" if stored else "no")}
    elif kind == Indicator.Kind.RATE:
        fields = {
            "numerator": _text(answer.numerator if answer else None),
            "denominator": _text(answer.denominator if answer else None),
        }
    elif kind == Indicator.Kind.COUNT:
        fields = {"count": _text(answer.count if answer else None)}
    else:
        fields = {"points": _text(answer.points if answer else None)}
    fields["note"] = answer.note if answer else ""
    return {prefix + name: value for name, value in fields.items()}


def officer_form(submission_id: int, **changes: str) -> dict[str, str]:
    """The whole self-assessment form as the page posts it, with ``changes`` on top."""
    submission = Submission.objects.get(pk=submission_id)
    answers = {answer.indicator_id: answer for answer in submission.answers.all()}
    body: dict[str, str] = {}
    for indicator in workflow.applicable_indicators(submission):
        body.update(indicator_fields(indicator, answers.get(indicator.pk)))
    body.update(changes)
    return body


def autosave(submission_id: int, indicator_id: int, **changes: str) -> dict[str, str]:
    """What htmx posts for one indicator while the officer types."""
    indicator = Indicator.objects.get(pk=indicator_id)
    answer = Answer.objects.filter(submission_id=submission_id, indicator=indicator).first()
    return {**indicator_fields(indicator, answer), **changes}


def corrections(submission_id: int, **changes: str | list[str]) -> dict[str, Any]:
    """The reviewer's page posted as it is shown: no correction, the submission's version."""
    submission = Submission.objects.get(pk=submission_id)
    body: dict[str, Any] = {"version": str(submission.version)}
    for indicator in workflow.applicable_indicators(submission):
        prefix = f"r{indicator.pk}-"
        body.update({prefix + "reason": "", prefix + "comment": ""})
    body.update(changes)
    return body


def version(submission_id: int, **changes: str) -> dict[str, str]:
    return {"version": str(Submission.objects.get(pk=submission_id).version), **changes}


def workbook(submission_id: int) -> SimpleUploadedFile:
    """The unit's offline-entry workbook as the portal hands it out, ready to upload back."""
    submission = Submission.objects.select_related("unit", "period").get(pk=submission_id)
    participation = Participation.objects.get(unit=submission.unit, period=submission.period)
    return SimpleUploadedFile(
        entry_workbook.file_name(participation),
        entry_workbook.build(submission, participation),
        content_type=XLSX,
    )
