"""The self-assessment form: one small form per indicator, fields by the indicator's kind."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Answer, Indicator
from assessments.services.submissions import AnswerValues

YES_NO_CHOICES = [("", _("Not answered")), ("yes", _("Yes")), ("no", _("No"))]


class AnswerForm(forms.Form):
    """The inputs of one indicator. Only the fields of its kind are present."""

    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_file = forms.FileField(label=_("Upload a file"), required=False)
    evidence_link = forms.URLField(label=_("or give a link"), required=False, max_length=500)

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
        kind = indicator.kind
        if kind == Indicator.Kind.YES_NO:
            self.fields["value_yes"] = forms.TypedChoiceField(
                label=_("Answer"),
                choices=YES_NO_CHOICES,
                coerce=lambda v: v == "yes",
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
        elif kind == Indicator.Kind.RATE:
            self.fields["numerator"] = forms.IntegerField(
                label=indicator.numerator_label or _("Numerator"),
                min_value=0,
                max_value=10_000_000,
                required=False,
            )
            self.fields["denominator"] = forms.IntegerField(
                label=indicator.denominator_label or _("Denominator"),
                min_value=1,
                max_value=10_000_000,
                required=False,
            )
        elif kind == Indicator.Kind.COUNT:
            self.fields["count"] = forms.IntegerField(
                label=_("Number"), min_value=0, max_value=1_000_000, required=False
            )
        else:
            self.fields["points"] = forms.DecimalField(
                label=_("Points (0 to %(max)s, steps of 0.5)") % {"max": indicator.max_points},
                min_value=Decimal(0),
                max_value=indicator.max_points,
                max_digits=4,
                decimal_places=1,
                step_size=Decimal("0.5"),
                required=False,
            )
        # Value fields first, then note and evidence.
        self.order_fields(["value_yes", "numerator", "denominator", "count", "points"])
        if not editable:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def _initial(answer: Answer | None) -> dict[str, Any]:
        if answer is None:
            return {}
        yes = answer.value_yes
        return {
            "value_yes": "" if yes is None else ("yes" if yes else "no"),
            "numerator": answer.numerator,
            "denominator": answer.denominator,
            "count": answer.count,
            "points": answer.points,
            "note": answer.note,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        numerator, denominator = cleaned.get("numerator"), cleaned.get("denominator")
        if numerator is not None and denominator is not None and numerator > denominator:
            self.add_error(
                "numerator",
                _("Cannot be more than the %(denominator)s (%(value)s).")
                % {
                    "denominator": self.fields["denominator"].label.lower(),
                    "value": denominator,
                },
            )
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
