"""Filters of submissions, one definition for the review queue page and the API (django-filter).

The queue page lists a period's units (``Participation``), started or not; the API lists
``Submission`` rows. Both filter by the same two things, with the same names, choices and labels:
``block`` (the code of the block the unit is ranked in that year) and ``status``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from assessments.models import Participation, Submission

# The queue also lists units that have not started: their status is "none".
NOT_STARTED = "none"
QUEUE_STATUS_CHOICES = [*Submission.Status.choices, (NOT_STARTED, _("Not started"))]


@extend_schema_field({"type": "integer", "minimum": 2000, "maximum": 2100})
class YearFilter(django_filters.NumberFilter):
    """A period's year: a whole number in the range periods may have (no overflow downstream)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 2000)
        kwargs.setdefault("max_value", 2100)
        kwargs.setdefault("label", _("Year"))
        super().__init__(*args, **kwargs)


class BlockAndStatusFilterSet(django_filters.FilterSet):
    """The two filters of the review queue: the unit's block that year, and the status."""

    block = django_filters.CharFilter(
        method="filter_block",
        max_length=40,
        label=_("Block"),
        help_text="Code of the block the unit is ranked in that year, e.g. quan-thi-xa.",
    )
    status = django_filters.ChoiceFilter(
        choices=Submission.Status.choices, method="filter_status", label=_("Status")
    )

    def filter_block(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise NotImplementedError

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise NotImplementedError


class SubmissionFilter(BlockAndStatusFilterSet):
    """The API's submissions: by year, block, status and unit."""

    year = YearFilter(field_name="period__year")
    unit = django_filters.CharFilter(
        field_name="unit__code", max_length=80, label=_("Unit"), help_text="The unit's code."
    )

    class Meta:
        model = Submission
        fields = ["year", "block", "status", "unit"]

    def filter_block(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        ranked_in = Participation.objects.filter(
            unit=OuterRef("unit"), period=OuterRef("period"), block__code=value
        )
        return queryset.filter(Exists(ranked_in))

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(status=value)


class ReviewQueueFilter(BlockAndStatusFilterSet):
    """The review queue's rows (a period's units) by block and by their submission's status.

    ``submissions`` are the submissions the user may appraise: a unit whose submission is not
    among them counts as not started, as the queue shows it.
    """

    status = django_filters.ChoiceFilter(
        choices=QUEUE_STATUS_CHOICES, method="filter_status", label=_("Status")
    )

    class Meta:
        model = Participation
        fields = ["block", "status"]

    def __init__(self, *args: Any, submissions: QuerySet[Submission], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submissions = submissions

    def filter_block(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(block__code=value)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        started = self.submissions.filter(unit=OuterRef("unit"), period=OuterRef("period"))
        if value == NOT_STARTED:
            return queryset.filter(~Exists(started))
        return queryset.filter(Exists(started.filter(status=value)))

    def filtered_except(self, *names: str) -> QuerySet[Participation]:
        """The rows filtered by every valid filter but ``names`` (the queue counts by status)."""
        queryset = self.queryset.all()
        if not self.is_bound:
            return queryset
        self.form.is_valid()  # an invalid value is left out of cleaned_data: the page ignores it
        for name, value in self.form.cleaned_data.items():
            if name not in names:
                queryset = self.filters[name].filter(queryset, value)
        return queryset
