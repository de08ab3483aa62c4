"""Values posted to the API, checked by the pages' own forms, and the services' refusals.

The officer's values go through ``AnswerForm`` and the reviewer's through ``CorrectionForm``,
exactly as the self-assessment and review pages post them, so the limits, the steps, a rate's two
numbers and the reason a changed value needs are the same rules with the same messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms import Form
from django.utils.translation import gettext as _
from rest_framework import exceptions

from assessments.api.common import Conflict
from assessments.evidence import EvidenceRejected
from assessments.forms import AnswerForm, CorrectionForm, value_fields
from assessments.models import Answer, Indicator
from assessments.serializers import ValuesSerializer
from assessments.services import AssessmentError
from assessments.services import submissions as workflow
from rankings import scoring


def form_data(prefix: str, values: Mapping[str, Any]) -> dict[str, str]:
    """JSON values as the page's form posts them (yes/no, numbers as text, '' for none)."""

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    return {f"{prefix}-{name}": text(value) for name, value in values.items()}


def form_errors(form: Form) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
        for field, messages in form.errors.items()
    }


def export_value(value: Any) -> str | None:
    """A value as exports write it: text, yes/no, or None for nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@contextmanager
def service_errors() -> Iterator[None]:
    """The services' refusals as API errors: a changed submission 409, bad input 400."""
    try:
        yield
    except workflow.WorkflowError as exc:
        raise Conflict(str(exc)) from exc
    except (AssessmentError, EvidenceRejected, scoring.InvalidValue) as exc:
        raise exceptions.ValidationError({"non_field_errors": [str(exc)]}) from exc
    except DjangoValidationError as exc:
        raise exceptions.ValidationError({"non_field_errors": exc.messages}) from exc


def unknown_indicator(code: str) -> str:
    return _("No indicator %(code)s applies to this submission.") % {"code": code}


class _Items:
    """Walks posted items: each names an applicable indicator once, with its kind's fields."""

    def __init__(self, indicators: Mapping[str, Indicator]) -> None:
        self.indicators = indicators
        self.seen: set[str] = set()
        self.errors: dict[str, Any] = {}

    def each(self, items: Iterable[Mapping[str, Any]]) -> Iterator[tuple[Indicator, Mapping]]:
        for item in items:
            code = item["indicator"]
            problems = self._problems(code, item)
            if problems:
                self.errors[code] = problems
            else:
                yield self.indicators[code], item

    def _problems(self, code: str, item: Mapping[str, Any]) -> dict[str, list[str]]:
        indicator = self.indicators.get(code)
        if indicator is None:
            return {"indicator": [unknown_indicator(code)]}
        if code in self.seen:
            return {"indicator": [_("Indicator %(code)s is given twice.") % {"code": code}]}
        self.seen.add(code)
        kind_fields = set(value_fields(indicator))
        wrong = [
            field
            for field in ValuesSerializer.VALUE_FIELDS
            if item.get(field) is not None and field not in kind_fields
        ]
        if not wrong:
            return {}
        message = _("%(code)s is a %(kind)s indicator: it takes %(fields)s.") % {
            "code": code,
            "kind": indicator.get_kind_display().lower(),
            "fields": ", ".join(sorted(kind_fields)),
        }
        return {field: [message] for field in wrong}

    def check(self) -> None:
        if self.errors:
            raise exceptions.ValidationError(self.errors)


def checked_answers(
    items: Iterable[Mapping[str, Any]],
    *,
    indicators: Mapping[str, Indicator],
    stored: Mapping[int, Answer],
) -> dict[Indicator, workflow.AnswerValues]:
    """The officer's values, each merged over the stored one (fields left out keep theirs) and
    checked by the self-assessment form; raises 400 with every item's errors."""
    walk = _Items(indicators)
    values: dict[Indicator, workflow.AnswerValues] = {}
    for indicator, item in walk.each(items):
        answer = stored.get(indicator.pk)
        merged = workflow.answer_values(answer).as_dict() | {
            k: v for k, v in item.items() if k != "indicator"
        }
        form = AnswerForm(
            form_data("a", merged), indicator=indicator, answer=answer, editable=True, prefix="a"
        )
        if form.is_valid():
            values[indicator] = form.values()
        else:
            walk.errors[indicator.code] = form_errors(form)
    walk.check()
    return values


def checked_corrections(
    items: Iterable[Mapping[str, Any]],
    *,
    indicators: Mapping[str, Indicator],
    stored: Mapping[int, Answer],
) -> tuple[dict[Indicator, workflow.Correction], dict[Indicator, str]]:
    """The reviewer's corrections checked by the review form, and the indicators to reopen with
    their comments (as the page: the comment of a row marked to return); raises 400."""
    walk = _Items(indicators)
    corrections: dict[Indicator, workflow.Correction] = {}
    reopen: dict[Indicator, str] = {}
    for indicator, item in walk.each(items):
        data = form_data("r", {k: v for k, v in item.items() if k not in ("indicator", "reopen")})
        if item.get("reopen"):
            data["r-reopen"] = "on"
        form = CorrectionForm(
            data, indicator=indicator, answer=stored.get(indicator.pk), prefix="r"
        )
        if not form.is_valid():
            walk.errors[indicator.code] = form_errors(form)
            continue
        corrections[indicator] = form.correction()
        if form.cleaned_data.get("reopen"):
            reopen[indicator] = corrections[indicator].comment
    walk.check()
    return corrections, reopen
