from django.contrib import admin
from django.http import HttpRequest

from rankings.models import Publication, PublishedResult, Result, ScoringRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """Results and publications are written only by the services; the admin shows them."""

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


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    """Published versions: frozen; a correction is published from the confirmation page."""

    list_display = ["period", "version", "is_current", "published_at", "published_by", "note"]
    list_filter = ["period", "is_current"]
    list_select_related = ["period", "published_by"]
    exclude = ["methodology"]
    actions = None


@admin.register(PublishedResult)
class PublishedResultAdmin(ReadOnlyAdmin):
    list_display = [
        "unit",
        "period",
        "publication",
        "block",
        "total",
        "percent",
        "grade",
        "rank",
        "rank_change",
    ]
    list_filter = ["period", "publication__version", "block", "grade"]
    list_select_related = ["unit", "period", "publication__period", "block"]
    search_fields = ["unit__name", "unit__code"]
    exclude = ["explanation"]
    actions = None
