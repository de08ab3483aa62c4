"""Filters of published results and units (django-filter), for the API's public resources.

Both read from the current published versions only (``rankings.selectors.current_publications``).
"""

from __future__ import annotations

import django_filters
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from assessments.filters import YearFilter
from assessments.models import Unit
from rankings.models import Grade, PublishedResult
from rankings.selectors import current_publications


def current_publication_ids() -> list[int]:
    """The ids of the current version of every published period."""
    return [publication.pk for publication in current_publications()]


# How results may be ordered; ties keep the published order (block, rank, name).
RESULT_ORDERINGS = {
    "rank": F("rank").asc(nulls_last=True),
    "-rank": F("rank").desc(nulls_last=True),
    "index": F("index").asc(nulls_last=True),
    "-index": F("index").desc(nulls_last=True),
    "total": F("total").asc(nulls_last=True),
    "-total": F("total").desc(nulls_last=True),
    "unit": F("unit__name").asc(),
    "-unit": F("unit__name").desc(),
}
PUBLISHED_ORDER = (
    "-period__year",
    "block__order",
    "block__code",
    F("rank").asc(nulls_last=True),
    "unit__name",
    "pk",
)


class ResultFilter(django_filters.FilterSet):
    """Published results by year, block, grade and unit; ordered by rank, index, total or name."""

    year = YearFilter(field_name="period__year")
    block = django_filters.CharFilter(
        field_name="block__code", max_length=40, label=_("Block"), help_text="The block's code."
    )
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("Grade"))
    unit = django_filters.CharFilter(
        field_name="unit__code", max_length=80, label=_("Unit"), help_text="The unit's code."
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in RESULT_ORDERINGS],
        method="order",
        label=_("Order"),
        help_text="rank, index, total or unit (name); a leading minus reverses.",
    )

    class Meta:
        model = PublishedResult
        fields = ["year", "block", "grade", "unit", "ordering"]

    def order(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(RESULT_ORDERINGS[value], *PUBLISHED_ORDER)


class UnitFilter(django_filters.FilterSet):
    """Units with published results: by name (with or without diacritics), year and block.

    ``year`` and ``block`` together mean "ranked in that block that year".
    """

    q = django_filters.CharFilter(
        method="search",
        max_length=100,
        label=_("Name"),
        help_text="Part of the name, with or without diacritics.",
    )
    year = YearFilter(method="published_in", help_text="Has a published result that year.")
    block = django_filters.CharFilter(
        method="published_in",
        max_length=40,
        label=_("Block"),
        help_text="Code of the block the unit was ranked in.",
    )

    class Meta:
        model = Unit
        fields = ["q", "year", "block"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        from assessments.services import search_key

        key = search_key(value)
        return queryset.filter(search_name__icontains=key) if key else queryset

    def published_in(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        return queryset  # applied with the other one in filter_queryset: the same result row

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        conditions = {}
        if data.get("year") is not None:
            conditions["period__year"] = data["year"]
        if data.get("block"):
            conditions["block__code"] = data["block"]
        if not conditions:
            return queryset
        rows = PublishedResult.objects.filter(
            publication_id__in=current_publication_ids(), **conditions
        )
        return queryset.filter(pk__in=rows.values("unit_id"))
