"""Award lists for pages of other apps (the public home and unit pages include them)."""

from __future__ import annotations

from django import template

from assessments.models import Period, Unit
from awards import selectors
from awards.models import Award, Category

register = template.Library()


@register.simple_tag
def period_awards(period: Period) -> list[tuple[str, list[Award]]]:
    """The confirmed awards of a published period, grouped by category in the rules' order."""
    awards = selectors.awards_for_public(period)
    return [
        (label, [a for a in awards if a.category == value])
        for value, label in Category.choices
        if any(a.category == value for a in awards)
    ]


@register.simple_tag
def unit_awards(unit: Unit) -> list[Award]:
    return selectors.awards_for_unit(unit)
