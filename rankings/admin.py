from django.contrib import admin
from django.http import HttpRequest

from rankings.models import Result, ScoringRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """Results are written only by the scoring service; the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = [
        "unit",
        "period",
        "block",
        "total",
        "maximum",
        "percent",
        "grade",
        "rank",
        "rank_change",
    ]
    list_filter = ["period", "block", "grade"]
    list_select_related = ["unit", "period", "block"]
    search_fields = ["unit__name", "unit__code"]
    exclude = ["explanation"]


@admin.register(ScoringRun)
class ScoringRunAdmin(ReadOnlyAdmin):
    list_display = [
        "period",
        "started_at",
        "started_by",
        "units_count",
        "ranked_count",
        "changed_count",
        "duration_ms",
    ]
    list_filter = ["period"]
    list_select_related = ["period", "started_by"]
