from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from awards.models import AwardSettings, Category


class DecisionForm(forms.ModelForm):
    class Meta:
        model = AwardSettings
        fields = [
            "decision_number",
            "decision_date",
            "place_and_date",
            "city_signatory_title",
            "city_signatory_name",
            "committee_signatory_title",
            "committee_signatory_name",
            "achievement",
            "emblem",
        ]
        widgets = {
            "decision_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "city_signatory_title": forms.Textarea(attrs={"rows": 2}),
            "committee_signatory_title": forms.Textarea(attrs={"rows": 2}),
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AddAwardForm(forms.Form):
    unit = forms.SlugField(label=_("Unit code"))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class RuleForm(forms.Form):
    quota = forms.IntegerField(label=_("Quota"), min_value=0, max_value=500)
