from django.contrib import admin

from assessments.admin import ReadOnlyAdminMixin
from rankings.models import Publication, PublishedResult, Result, ScoringRun


@admin.register(Result)
class ResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
class ScoringRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
class PublicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Published versions: frozen; a correction is published from the confirmation page."""

    list_display = ["period", "version", "is_current", "published_at", "published_by", "note"]
    list_filter = ["period", "is_current"]
    list_select_related = ["period", "published_by"]
    exclude = ["methodology"]
    actions = None


@admin.register(PublishedResult)
class PublishedResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
