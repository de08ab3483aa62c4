"""The API's public resources of published results: periods, blocks, units, frameworks, results.

Everything starts from the current published versions (``rankings.selectors``), as the public
pages do: a scored but unpublished period, a working ``Result`` or a submission never appears.
Frameworks are the ones frozen with each publication, so they always match the published scores.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.api.common import (
    CSVRenderer,
    ExportMixin,
    PublicViewSet,
    csv_response,
    error_responses,
    export_responses,
    natural_key_lookup,
)
from assessments.models import Block, Unit
from rankings import selectors
from rankings.filters import PUBLISHED_ORDER, ResultFilter, UnitFilter, current_publication_ids
from rankings.models import Publication, PublishedResult

# --- serializers ---------------------------------------------------------------------------------


class PeriodSerializer(serializers.Serializer):
    """A published period and its current version."""

    year = serializers.IntegerField(source="period.year")
    state = serializers.CharField(source="period.state")
    published_at = serializers.DateTimeField(
        source="period.published_at", help_text="When it was first published."
    )
    version = serializers.IntegerField(help_text="The current published version.")
    version_published_at = serializers.DateTimeField(source="published_at")
    note = serializers.CharField(
        allow_blank=True, help_text="What the current version corrected, if any."
    )


class BlockSerializer(serializers.ModelSerializer):
    years = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The published years in which the block is ranked.",
    )

    class Meta:
        model = Block
        fields = ["code", "name_vi", "name_en", "order", "years"]


class UnitYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(source="period.year")
    block = serializers.CharField(source="block.code")


class UnitSerializer(serializers.ModelSerializer):
    """A unit with published results, and the block it was ranked in each year."""

    years = UnitYearSerializer(many=True, source="current_results")

    class Meta:
        model = Unit
        fields = ["code", "name", "years"]


class ResultSerializer(serializers.ModelSerializer):
    """A published result, in the current version of its period."""

    year = serializers.IntegerField(source="period.year")
    version = serializers.IntegerField(source="publication.version")
    block = serializers.CharField(source="block.code")
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")

    class Meta:
        model = PublishedResult
        fields = [
            "year",
            "version",
            "block",
            "unit",
            "unit_name",
            "group_i",
            "group_ii",
            "group_iii",
            "group_iv",
            "total",
            "maximum",
            "index",
            "percent",
            "grade",
            "rank",
            "rank_change",
            "not_ranked_reason",
        ]


class UnitDetailSerializer(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    results = ResultSerializer(many=True, help_text="Every published year, oldest first.")


def _points() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=2)


class ThresholdsSerializer(serializers.Serializer):
    tot = _points()
    kha = _points()
    trung_binh = _points()


class FrameworkIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_vi = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    max_points = _points()
    evidence_required = serializers.BooleanField()
    online_service = serializers.BooleanField()
    blocks = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the blocks it applies to."
    )


class FrameworkGroupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_vi = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    indicators = FrameworkIndicatorSerializer(many=True)


class FrameworkBlockSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_vi = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    maximum = _points()
    group_maxima = serializers.DictField(child=_points())
    thresholds = ThresholdsSerializer(help_text="Percent needed for each grade.")


class FrameworkSerializer(serializers.Serializer):
    """The criteria a published period was scored with, as frozen with its current version."""

    year = serializers.IntegerField()
    version = serializers.IntegerField()
    name_vi = serializers.CharField(allow_blank=True)
    name_en = serializers.CharField(allow_blank=True)
    thresholds = ThresholdsSerializer()
    groups = FrameworkGroupSerializer(many=True)
    blocks = FrameworkBlockSerializer(many=True)


class ResultExportRowSerializer(serializers.Serializer):
    """One result in the open-data columns (``rankings.selectors.EXPORT_COLUMNS``)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            column: serializers.CharField(allow_null=column not in ("block_code", "unit_code"))
            for column in selectors.EXPORT_COLUMNS
        }


# --- helpers -------------------------------------------------------------------------------------


def _publication(year: str) -> Publication:
    publication = selectors.publication_of(int(natural_key_lookup(year, digits=True)))
    if publication is None:
        raise exceptions.NotFound(_("No published results for this year."))
    return publication


def _framework(publication: Publication) -> dict[str, Any]:
    frozen = selectors.frozen_methodology(publication)
    indicators = frozen.get("indicators", [])
    return {
        "year": publication.period.year,
        "version": publication.version,
        "name_vi": frozen.get("framework", {}).get("name_vi", ""),
        "name_en": frozen.get("framework", {}).get("name_en", ""),
        "thresholds": frozen.get("thresholds", {}),
        "groups": [
            {**group, "indicators": [i for i in indicators if i.get("group") == group["code"]]}
            for group in frozen.get("groups", [])
        ],
        "blocks": frozen.get("blocks", []),
    }


def _published_blocks() -> dict[str, tuple[Block, list[int]]]:
    """code → (block, years ranked), over the current versions, in block order."""
    found: dict[str, tuple[Block, list[int]]] = {}
    for publication in sorted(selectors.current_publications(), key=lambda p: p.period.year):
        for block in selectors.published_blocks(publication):
            found.setdefault(block.code, (block, []))[1].append(publication.period.year)
    return dict(sorted(found.items(), key=lambda item: (item[1][0].order, item[0])))


def _block_row(block: Block, years: list[int]) -> Block:
    block.years = years  # type: ignore[attr-defined]
    return block


def current_results() -> QuerySet[PublishedResult]:
    """Every result of the current versions, in the published order."""
    return (
        PublishedResult.objects.filter(publication_id__in=current_publication_ids())
        .select_related("unit", "block", "period", "publication")
        .defer("explanation", "publication__methodology")
        .order_by(*PUBLISHED_ORDER)
    )


YEAR = OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH)
CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)
PUBLIC_LIST_ERRORS = (400, 404)


# --- viewsets ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Published periods",
        responses={200: PeriodSerializer(many=True), **error_responses(404)},
    ),
    retrieve=extend_schema(
        summary="A published period",
        parameters=[YEAR],
        responses={200: PeriodSerializer, **error_responses(404)},
    ),
)
class PeriodViewSet(PublicViewSet):
    """Periods whose results are published, with their current version."""

    serializer_class = PeriodSerializer
    filter_backends = ()
    lookup_field = "year"

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.current_publications())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, year: str) -> Response:
        return Response(self.get_serializer(_publication(year)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Blocks ranked in published periods",
        responses={200: BlockSerializer(many=True), **error_responses(404)},
    ),
    retrieve=extend_schema(
        summary="A block",
        parameters=[CODE],
        responses={200: BlockSerializer, **error_responses(404)},
    ),
)
class BlockViewSet(PublicViewSet):
    serializer_class = BlockSerializer
    filter_backends = ()
    lookup_field = "code"

    def list(self, request: Request) -> Response:
        rows = [_block_row(block, years) for block, years in _published_blocks().values()]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, code: str) -> Response:
        found = _published_blocks().get(code)
        if found is None:
            raise exceptions.NotFound(_("No block of that code has published results."))
        return Response(self.get_serializer(_block_row(*found)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Units with published results",
        responses={200: UnitSerializer(many=True), **error_responses(*PUBLIC_LIST_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="A unit and its published results, year by year",
        parameters=[CODE],
        responses={200: UnitDetailSerializer, **error_responses(404)},
    ),
)
class UnitViewSet(mixins.ListModelMixin, PublicViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    lookup_field = "code"
    queryset = Unit.objects.none()  # the schema's model; get_queryset decides

    def get_queryset(self) -> QuerySet[Unit]:
        publications = current_publication_ids()
        results = (
            PublishedResult.objects.filter(publication_id__in=publications)
            .select_related("period", "block")
            .only("unit_id", "period__year", "block__code")
            .order_by("period__year")
        )
        return (
            Unit.objects.filter(published_results__publication_id__in=publications)
            .distinct()
            .prefetch_related(
                Prefetch("published_results", queryset=results, to_attr="current_results")
            )
            .order_by("name", "code")
        )

    def retrieve(self, request: Request, code: str) -> Response:
        unit = selectors.published_unit(code)
        if unit is None:
            raise exceptions.NotFound(_("No unit of that code has published results."))
        history = [row.result for row in selectors.unit_history(unit)]
        return Response(
            UnitDetailSerializer({"code": unit.code, "name": unit.name, "results": history}).data
        )


@extend_schema_view(
    list=extend_schema(
        summary="Frameworks of the published periods",
        responses={200: FrameworkSerializer(many=True), **error_responses(404)},
    ),
    retrieve=extend_schema(
        summary="The framework a published period was scored with",
        parameters=[YEAR],
        responses={200: FrameworkSerializer, **error_responses(404)},
    ),
)
class FrameworkViewSet(PublicViewSet):
    """Groups, indicators, block maxima and grade thresholds, frozen with the current version."""

    serializer_class = FrameworkSerializer
    filter_backends = ()
    lookup_field = "year"

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.current_publications())
        frameworks = [_framework(publication) for publication in page or []]
        return self.get_paginated_response(self.get_serializer(frameworks, many=True).data)

    def retrieve(self, request: Request, year: str) -> Response:
        return Response(self.get_serializer(_framework(_publication(year))).data)


@extend_schema_view(
    list=extend_schema(
        summary="Published results",
        description=(
            "The current version of every published period, in the published order (newest "
            "year, block, rank, name); filter by year, block, grade, unit."
        ),
        responses={200: ResultSerializer(many=True), **error_responses(*PUBLIC_LIST_ERRORS)},
    ),
)
class ResultViewSet(ExportMixin, mixins.ListModelMixin, PublicViewSet):
    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    queryset = PublishedResult.objects.none()  # the schema's model; get_queryset decides

    def get_queryset(self) -> QuerySet[PublishedResult]:
        return current_results()

    @extend_schema(
        summary="Export a published period's results (JSON or CSV)",
        description=(
            "The columns of the open-data downloads, for one year (required) and the other "
            "filters of the list; `?format=csv` (or `Accept: text/csv`) for a CSV file."
        ),
        parameters=[
            OpenApiParameter(
                "year",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                required=True,
                description="The published period to export.",
            )
        ],
        responses=export_responses(ResultExportRowSerializer, *PUBLIC_LIST_ERRORS),
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[JSONRenderer, CSVRenderer],
        pagination_class=None,
    )
    def export(self, request: Request) -> HttpResponse:
        if "year" not in request.query_params:
            raise exceptions.ValidationError({"year": [_("Choose the year to export.")]})
        results = list(self.filter_queryset(self.get_queryset()))  # checks the filters
        year = int(request.query_params["year"])
        if not results and selectors.publication_of(year) is None:
            raise exceptions.NotFound(_("No published results for this year."))
        if request.accepted_renderer.format == "csv":
            block = results[0].block.code if results and request.query_params.get("block") else ""
            name = f"ket-qua-xep-hang-{year}" + (f"-{block}" if block else "") + ".csv"
            return csv_response(selectors.EXPORT_COLUMNS, selectors.export_rows(results), name)
        columns = selectors.EXPORT_COLUMNS
        return Response(
            [dict(zip(columns, selectors.export_values(r), strict=True)) for r in results]
        )
