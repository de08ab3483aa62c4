"""The API's public awards: the confirmed awards of published periods (``awards.selectors``).

A proposed or rejected award, or any award of a period not published, never appears. What is
shown is what the public pages show: unit, block, rank and index, rank change and the decision;
the verification code stays on the certificate, which the verification page checks.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from assessments.api.common import PublicViewSet, error_responses
from assessments.filters import YearFilter
from awards.models import Award, Category
from awards.selectors import awards_for_public
from rankings.selectors import current_publications


class AwardSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="period.year")
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    block = serializers.SerializerMethodField(help_text="The unit's block that year.")
    rank = serializers.SerializerMethodField()
    index = serializers.SerializerMethodField()
    rank_change = serializers.SerializerMethodField(
        help_text="Places risen since the previous period (most improved)."
    )

    class Meta:
        model = Award
        fields = [
            "year",
            "category",
            "unit",
            "unit_name",
            "block",
            "rank",
            "index",
            "rank_change",
            "decision_number",
            "decision_date",
        ]

    def get_block(self, award: Award) -> str:
        return str(award.why.get("block") or award.unit.block.code)

    def get_rank(self, award: Award) -> int | None:
        rank = award.why.get("rank")
        return int(rank) if rank is not None else None

    def get_index(self, award: Award) -> str | None:
        index = award.why.get("index")
        return str(index) if index is not None else None

    def get_rank_change(self, award: Award) -> int | None:
        change = award.why.get("rank_change")
        return int(change) if change is not None else None


class AwardFilter(django_filters.FilterSet):
    year = YearFilter(field_name="period__year")
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    unit = django_filters.CharFilter(
        field_name="unit__code", max_length=80, label=_("Unit"), help_text="The unit's code."
    )

    class Meta:
        model = Award
        fields = ["year", "category", "unit"]


@extend_schema_view(
    list=extend_schema(
        summary="Confirmed awards of published periods",
        responses={200: AwardSerializer(many=True), **error_responses(400, 404)},
    )
)
class AwardViewSet(mixins.ListModelMixin, PublicViewSet):
    serializer_class = AwardSerializer
    filterset_class = AwardFilter
    queryset = Award.objects.none()  # the schema's model; get_queryset decides

    def get_queryset(self) -> QuerySet[Award]:
        public = [
            award.pk
            for publication in current_publications()
            for award in awards_for_public(publication.period)
        ]
        return (
            Award.objects.filter(pk__in=public)
            .select_related("period", "unit", "unit__block")
            .order_by("-period__year", "category_position", "position", "unit__name", "pk")
        )
