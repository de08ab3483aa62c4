"""The self-assessment form: one small form per indicator, fields by the indicator's kind."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from assessments.models import Answer, Indicator
from assessments.services.submissions import AnswerValues, Correction
from rankings import scoring

YES_NO_CHOICES = [("", _("Not answered")), ("yes", _("Yes")), ("no", _("No"))]


def plain(number: Decimal) -> str:
    """4.00 → "4", 3.50 → "3.5": how people write a maximum."""
    return format(number.normalize(), "f")


class PointsField(forms.DecimalField):
    """A decimal field that refuses numbers of absurd size as "not a number" before validating:
    Django's step validator fails on values beyond a float's range (e.g. "1e309")."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        number = super().to_python(value)
        if number is not None and (not number.is_finite() or number.adjusted() > 6):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


def value_fields(indicator: Indicator) -> dict[str, forms.Field]:
    """The inputs an indicator's kind needs, with their limits."""
    kind = indicator.kind
    if kind == Indicator.Kind.YES_NO:
        return {
            "value_yes": forms.TypedChoiceField(
                label=_("Answer"),
                choices=YES_NO_CHOICES,
                coerce=lambda v: v == "yes",
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
        }
    if kind == Indicator.Kind.RATE:
        return {
            "numerator": forms.IntegerField(
                label=indicator.numerator_label or _("Numerator"),
                min_value=0,
                max_value=10_000_000,
                required=False,
            ),
            "denominator": forms.IntegerField(
                label=indicator.denominator_label or _("Denominator"),
                min_value=1,
                max_value=10_000_000,
                required=False,
            ),
        }
    if kind == Indicator.Kind.COUNT:
        return {
            "count": forms.IntegerField(
                label=_("Number"), min_value=0, max_value=1_000_000, required=False
            )
        }
    return {
        "points": PointsField(
            label=_("Points (0 to %(max)s, steps of 0.5)") % {"max": plain(indicator.max_points)},
            min_value=Decimal(0),
            max_value=Decimal(plain(indicator.max_points)),
            max_digits=4,
            decimal_places=1,
            step_size=Decimal("0.5"),
            required=False,
            # Django has no Vietnamese for its own step message.
            error_messages={"step_size": _("Points must be in steps of 0.5 (0, 0.5, 1, 1.5, …).")},
        )
    }


def _check_rate(form: forms.Form, cleaned: dict[str, Any]) -> None:
    if "numerator" not in form.fields or form.errors:
        return
    numerator, denominator = cleaned.get("numerator"), cleaned.get("denominator")
    if (numerator is None) != (denominator is None):
        missing = "denominator" if denominator is None else "numerator"
        form.add_error(missing, _("Give both numbers of the rate."))
    elif numerator is not None and denominator is not None and numerator > denominator:
        form.add_error(
            "numerator",
            _("Cannot be more than the %(denominator)s (%(value)s).")
            % {"denominator": str(form.fields["denominator"].label).lower(), "value": denominator},
        )


def _initial_values(yes, numerator, denominator, count, points) -> dict[str, Any]:
    return {
        "value_yes": "" if yes is None else ("yes" if yes else "no"),
        "numerator": numerator,
        "denominator": denominator,
        "count": count,
        "points": points,
    }


class WebLinkField(forms.URLField):
    """A link a reviewer can open in the browser: http or https only (not ftp, not file)."""

    default_validators = [URLValidator(schemes=["http", "https"])]


class AnswerForm(forms.Form):
    """The inputs of one indicator. Only the fields of its kind are present."""

    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_file = forms.FileField(label=_("Upload a file"), required=False)
    evidence_link = WebLinkField(label=_("or give a link"), required=False, max_length=500)

    def __init__(
        self,
        *args: Any,
        indicator: Indicator,
        answer: Answer | None,
        editable: bool,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", f"i{indicator.pk}")
        kwargs.setdefault("initial", self._initial(answer))
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.answer = answer
        self.editable = editable
        self.fields.update(value_fields(indicator))
        # Value fields first, then note and evidence.
        self.order_fields(["value_yes", "numerator", "denominator", "count", "points"])
        if not editable:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def _initial(answer: Answer | None) -> dict[str, Any]:
        if answer is None:
            return {}
        a = answer
        initial = _initial_values(a.value_yes, a.numerator, a.denominator, a.count, a.points)
        return {**initial, "note": answer.note}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_rate(self, cleaned)
        return cleaned

    def values(self) -> AnswerValues:
        data = self.cleaned_data
        return AnswerValues(
            value_yes=data.get("value_yes"),
            numerator=data.get("numerator"),
            denominator=data.get("denominator"),
            count=data.get("count"),
            points=data.get("points"),
            note=data.get("note", "").strip(),
        )


class CorrectionForm(forms.Form):
    """A reviewer's value for one indicator (empty: keep the unit's), reason, comment, reopen."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    comment = forms.CharField(
        label=_("Comment to the unit"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reopen = forms.BooleanField(label=_("Return this indicator for revision"), required=False)

    def __init__(self, *args: Any, indicator: Indicator, answer: Answer | None, **kwargs: Any):
        kwargs.setdefault("prefix", f"r{indicator.pk}")
        if answer is not None:
            a = answer
            kwargs.setdefault(
                "initial",
                {
                    **_initial_values(
                        a.reviewer_value_yes,
                        a.reviewer_numerator,
                        a.reviewer_denominator,
                        a.reviewer_count,
                        a.reviewer_points,
                    ),
                    "reason": a.reviewer_reason,
                    "comment": a.reviewer_comment,
                },
            )
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.answer = answer
        fields = value_fields(indicator)
        for field in fields.values():
            field.label = _("Reviewer's value: %(label)s") % {"label": field.label}
        self.fields.update(fields)
        self.order_fields([*fields, "reason", "comment", "reopen"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_rate(self, cleaned)
        value = self.value(cleaned)
        if value is not None and not self.errors:
            changed = self.answer is None or value != self.answer.unit_value
            if changed and not cleaned.get("reason", "").strip():
                self.add_error("reason", _("Give the reason for changing the unit's value."))
        return cleaned

    @staticmethod
    def value(cleaned: dict[str, Any]) -> scoring.Value | None:
        value = scoring.Value(
            yes=cleaned.get("value_yes"),
            numerator=cleaned.get("numerator"),
            denominator=cleaned.get("denominator"),
            count=cleaned.get("count"),
            points=cleaned.get("points"),
        )
        return None if value == scoring.Value() else value

    def correction(self) -> Correction:
        data = self.cleaned_data
        return Correction(
            value=self.value(data), reason=data.get("reason", ""), comment=data.get("comment", "")
        )
