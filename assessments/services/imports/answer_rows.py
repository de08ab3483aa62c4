"""One row's values checked by the self-assessment form's own fields and checks.

``AnswerForm`` checks the inputs of the indicator's kind with their limits (whole numbers within
bounds, both numbers of a rate, the numerator at most the denominator, points within the
maximum in steps of 0.5) and the note; its link field checks each evidence link; the review
page's ``CorrectionForm`` checks a reviewer's correction and its reason. So an import accepts
exactly what the pages accept. What only a file can get wrong is checked here besides: a value
in a column the kind does not use, a yes/no written some other way, a link that is not http(s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from assessments.forms import AnswerForm, CorrectionForm
from assessments.models import Answer, Indicator, Unit
from assessments.services import submissions as workflow
from assessments.services.imports.answers_format import (
    FIELD_KEYS,
    KIND_KEYS,
    REVIEWER_KEYS,
    VALUE_KEYS,
)
from assessments.services.imports.common import Row, yes_no
from rankings import scoring

_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_HTTP = re.compile(r"^https?://", re.IGNORECASE)


@dataclass
class ParsedAnswer:
    """One valid row: whose answer, and what it says."""

    row: int
    unit: Unit
    indicator: Indicator
    values: workflow.AnswerValues
    links: tuple[str, ...]
    reviewer_value: scoring.Value | None = None
    reviewer_reason: str = ""


class RowValues:
    """Validates a row's values with the officer form (``AnswerForm``) and the reviewer's form.

    One bound form per indicator is kept and re-bound to each row's data: building a form costs
    more than cleaning it, and 10,000 rows must stay well within seconds.
    """

    def __init__(self, *, approved: bool) -> None:
        self.approved = approved
        self._answer_forms: dict[int, AnswerForm] = {}
        self._correction_forms: dict[int, CorrectionForm] = {}
        self._link_field: forms.Field = AnswerForm.base_fields["evidence_link"]

    def parse(self, row: Row, unit: Unit, indicator: Indicator) -> ParsedAnswer | None:
        """The row's values, or None after recording its errors."""
        ok = self._check_columns(row, indicator)
        data = self._form_data(row, indicator, prefix="", field_prefix=f"i{indicator.pk}-")
        if data is None:
            ok = False
            data = {}
        data[f"i{indicator.pk}-note"] = row.text("note")
        form = self._answer_form(indicator, data)
        if not form.is_valid():
            ok = False
            self._report(row, indicator, form, prefix="")
        links = self._links(row)
        if links is None:
            ok = False
        reviewer: scoring.Value | None = None
        reason = ""
        if self._has_reviewer_columns(row) and any(
            row.text(key) for key in (*REVIEWER_KEYS, "reviewer_reason")
        ):
            if not self.approved:
                for key in (*REVIEWER_KEYS, "reviewer_reason"):
                    if row.text(key):
                        row.error(
                            key,
                            _(
                                "Reviewers' values can only be imported with approved "
                                "submissions (past years)."
                            ),
                        )
                return None
            if ok:
                reviewer, reason, reviewer_ok = self._reviewer(row, indicator, form.values())
                ok = ok and reviewer_ok
        if not ok:
            return None
        assert links is not None
        return ParsedAnswer(
            row=row.number,
            unit=unit,
            indicator=indicator,
            values=form.values(),
            links=links,
            reviewer_value=reviewer,
            reviewer_reason=reason,
        )

    @staticmethod
    def _has_reviewer_columns(row: Row) -> bool:
        return any(row.has(key) for key in (*REVIEWER_KEYS, "reviewer_reason"))

    def _check_columns(self, row: Row, indicator: Indicator) -> bool:
        """A value in a column the indicator's kind does not use is a mistake, not noise."""
        used = KIND_KEYS[indicator.kind]
        ok = True
        for prefix in ("", "reviewer_") if self._has_reviewer_columns(row) else ("",):
            for key in VALUE_KEYS:
                if key not in used and row.text(prefix + key):
                    row.error(
                        prefix + key,
                        _(
                            "Indicator %(code)s is of the kind “%(kind)s”: leave this column "
                            "empty and fill %(columns)s."
                        )
                        % {
                            "code": indicator.code,
                            "kind": indicator.get_kind_display(),
                            "columns": ", ".join(row.table.label(prefix + k) for k in used),
                        },
                    )
                    ok = False
        return ok

    def _form_data(
        self, row: Row, indicator: Indicator, *, prefix: str, field_prefix: str
    ) -> dict[str, str] | None:
        """The POST data the form would receive for the row's values (None: unreadable yes/no)."""
        kind = indicator.kind
        if kind == Indicator.Kind.YES_NO:
            text = row.text(prefix + "value")
            answer = yes_no(text) if text else None
            if text and answer is None:
                row.error(prefix + "value", _("Write “có” or “không” (yes or no)."))
                return None
            choice = "" if answer is None else ("yes" if answer else "no")
            return {field_prefix + "value_yes": choice}
        if kind == Indicator.Kind.COUNT:
            return {field_prefix + "count": row.text(prefix + "value")}
        if kind == Indicator.Kind.RATE:
            return {
                field_prefix + "numerator": row.text(prefix + "numerator"),
                field_prefix + "denominator": row.text(prefix + "denominator"),
            }
        points = row.text(prefix + "points")
        if _DECIMAL_COMMA.match(points):
            points = points.replace(",", ".")
        return {field_prefix + "points": points}

    def _answer_form(self, indicator: Indicator, data: dict[str, str]) -> AnswerForm:
        form = self._answer_forms.get(indicator.pk)
        if form is None:
            form = AnswerForm(data, indicator=indicator, answer=None, editable=True)
            self._answer_forms[indicator.pk] = form
        else:
            # Re-bound: fields keep no state; errors and cleaned data are computed again.
            form.data, form._errors = data, None  # type: ignore[attr-defined]
        return form

    def _report(self, row: Row, indicator: Indicator, form: forms.Form, *, prefix: str) -> None:
        first_key = KIND_KEYS[indicator.kind][0]
        for name, errors in form.errors.as_data().items():
            if name == "__all__":
                key = prefix + first_key
            elif name == "reason":
                key = "reviewer_reason"
            else:
                key = prefix + FIELD_KEYS.get(name, name)
            for error in errors:
                row.error(key, message_of(error))

    def _links(self, row: Row) -> tuple[str, ...] | None:
        found: list[str] = []
        ok = True
        for link in row.text("evidence_link").split():
            if not _HTTP.match(link):
                row.error(
                    "evidence_link", _("An evidence link must start with http:// or https://.")
                )
                ok = False
                continue
            try:
                cleaned = self._link_field.clean(link)
            except ValidationError as exc:
                row.error("evidence_link", " ".join(exc.messages))
                ok = False
                continue
            if cleaned not in found:
                found.append(cleaned)
        return tuple(found) if ok else None

    def _reviewer(
        self, row: Row, indicator: Indicator, unit_values: workflow.AnswerValues
    ) -> tuple[scoring.Value | None, str, bool]:
        """The reviewer's value with the review page's own checks (a reason where it differs)."""
        field_prefix = f"r{indicator.pk}-"
        data = self._form_data(row, indicator, prefix="reviewer_", field_prefix=field_prefix)
        if data is None:
            return None, "", False
        data[field_prefix + "reason"] = row.text("reviewer_reason")
        unit_answer = Answer(
            indicator=indicator,
            value_yes=unit_values.value_yes,
            numerator=unit_values.numerator,
            denominator=unit_values.denominator,
            count=unit_values.count,
            points=unit_values.points,
        )
        form = self._correction_forms.get(indicator.pk)
        if form is None:
            form = CorrectionForm(data, indicator=indicator, answer=unit_answer)
            self._correction_forms[indicator.pk] = form
        else:
            form.data, form.answer = data, unit_answer
            form._errors = None  # type: ignore[attr-defined]
        if not form.is_valid():
            self._report(row, indicator, form, prefix="reviewer_")
            return None, "", False
        correction = form.correction()
        value = correction.value
        if value is not None and value == unit_answer.unit_value:
            return None, "", True  # the same as the unit's: no correction (as on the review page)
        if value is None:
            if correction.reason.strip():
                row.error("reviewer_reason", _("A reason needs a reviewer's value beside it."))
                return None, "", False
            return None, "", True
        return value, correction.reason.strip(), True


def message_of(error: ValidationError) -> str:
    return " ".join(error.messages)
