from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assessments import services
from assessments.admin_imports import (
    AnswersImportForm,
    FrameworkImportForm,
    SpreadsheetImportMixin,
    UnitsImportForm,
    export_answers_response,
)
from assessments.models import (
    Answer,
    AuditEntry,
    Block,
    CriteriaGroup,
    Evidence,
    Framework,
    GradeThresholdOverride,
    Indicator,
    Notification,
    OfficerMembership,
    Participation,
    Period,
    ReviewerAssignment,
    Submission,
    Unit,
)
from assessments.services import imports


class ReadOnlyAdminMixin:
    """Rows written only by the workflow services: admins look, the services change."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "order"]
    list_editable = ["order"]
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(Unit)
class UnitAdmin(SpreadsheetImportMixin, admin.ModelAdmin):
    list_display = ["name", "code", "block", "parent", "valid_from", "valid_to", "predecessor"]
    list_filter = ["block", ("valid_to", admin.EmptyFieldListFilter)]
    list_select_related = ["block", "parent", "predecessor"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent", "predecessor"]
    ordering = ["block__order", "name"]
    import_form_class = UnitsImportForm
    import_permissions = ("assessments.add_unit", "assessments.change_unit")

    def run_import(self, request, sheet, options, *, dry_run):  # type: ignore[no-untyped-def]
        return imports.import_units(
            sheet=sheet, period=options.get("period"), dry_run=dry_run, actor=request.user
        )

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.save_unit(unit=obj)

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        # Names are stored in NFC; a search typed in decomposed Unicode must still match.
        return super().get_search_results(request, queryset, services.nfc(search_term))


class GradeThresholdOverrideInline(admin.TabularInline):
    model = GradeThresholdOverride
    extra = 0


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = [
        "year",
        "state",
        "opens_at",
        "submission_deadline",
        "published_at",
        "tot_threshold",
        "kha_threshold",
        "trung_binh_threshold",
        "scoring_link",
    ]
    list_filter = ["state"]
    search_fields = ["year"]
    inlines = [GradeThresholdOverrideInline]
    actions = ["open_next_period", "export_answers_csv", "export_answers_xlsx"]

    @admin.display(description=_("Scoring"))
    def scoring_link(self, period: Period) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("rankings:scoring", args=[period.year]), _("Scoring")
        )

    @admin.action(description=_("Open the next year's period by copying the selected one"))
    def open_next_period(self, request: HttpRequest, queryset: QuerySet[Period]) -> None:
        for period in queryset:
            try:
                new = services.open_period(year=period.year + 1, copy_from=period.year)
            except services.AssessmentError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Period %(year)s opened with a copy of %(source)s's framework.")
                    % {"year": new.year, "source": period.year},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Export the selected period's answers (CSV, import format)"))
    def export_answers_csv(
        self, request: HttpRequest, queryset: QuerySet[Period]
    ) -> HttpResponse | None:
        return self._export_answers(request, queryset, "csv")

    @admin.action(description=_("Export the selected period's answers (XLSX, import format)"))
    def export_answers_xlsx(
        self, request: HttpRequest, queryset: QuerySet[Period]
    ) -> HttpResponse | None:
        return self._export_answers(request, queryset, "xlsx")

    def _export_answers(
        self, request: HttpRequest, queryset: QuerySet[Period], fmt: str
    ) -> HttpResponse | None:
        if not request.user.has_perm("assessments.view_answer"):
            self.message_user(request, _("You may not see the answers."), messages.ERROR)
            return None
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one period to export."), messages.ERROR)
            return None
        return export_answers_response(queryset.get(), fmt)


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["unit", "period", "block", "deadline_extension"]
    list_filter = ["period", "block"]
    list_select_related = ["unit", "period", "block"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]


class CriteriaGroupInline(admin.TabularInline):
    model = CriteriaGroup
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(SpreadsheetImportMixin, admin.ModelAdmin):
    list_display = ["period", "name_vi", "copied_from"]
    search_fields = ["name_vi", "name_en", "period__year"]
    inlines = [CriteriaGroupInline]
    import_form_class = FrameworkImportForm
    import_permissions = (
        "assessments.add_framework",
        "assessments.add_indicator",
        "assessments.change_indicator",
        "assessments.delete_indicator",
    )

    def run_import(self, request, sheet, options, *, dry_run):  # type: ignore[no-untyped-def]
        return imports.import_framework(
            sheet=sheet, period=options["period"], name=options.get("name", ""), dry_run=dry_run
        )


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_vi",
        "framework",
        "group",
        "kind",
        "max_points",
        "evidence_required",
        "online_service",
    ]
    list_filter = [
        "framework__period",
        "kind",
        "group__code",
        "evidence_required",
        "online_service",
    ]
    list_select_related = ["framework__period", "group"]
    search_fields = ["code", "name_vi", "name_en"]
    filter_horizontal = ["blocks"]
    ordering = ["-framework__period__year", "order"]


class AnswerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Answer
    extra = 0
    fields = [
        "indicator",
        *Answer.UNIT_VALUE_FIELDS,
        *Answer.REVIEWER_VALUE_FIELDS,
        "reviewer_reason",
    ]
    readonly_fields = fields


@admin.register(Submission)
class SubmissionAdmin(SpreadsheetImportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "period", "status", "version", "submitted_at", "approved_at"]
    list_filter = ["period", "status", "unit__block"]
    list_select_related = ["unit", "period"]
    search_fields = ["unit__name", "unit__code"]
    inlines = [AnswerInline]
    import_form_class = AnswersImportForm
    import_permissions = ("assessments.add_answer", "assessments.change_answer")
    import_title = _("Import answers")

    def run_import(self, request, sheet, options, *, dry_run):  # type: ignore[no-untyped-def]
        approved = bool(options.get("approved"))
        if approved and not imports.can_import_approved(request.user):
            raise PermissionDenied
        return imports.import_answers(
            sheet=sheet,
            period=options["period"],
            approved=approved,
            actor=request.user,
            dry_run=dry_run,
        )


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "answer", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["answer__submission__period"]
    list_select_related = [
        "answer__submission__unit",
        "answer__submission__period",
        "answer__indicator",
        "uploaded_by",
    ]
    search_fields = ["title", "original_name", "answer__submission__unit__name"]


@admin.register(OfficerMembership)
class OfficerMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "created_at"]
    list_filter = ["unit__block"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__email", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(ReviewerAssignment)
class ReviewerAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "block", "period"]
    list_filter = ["period", "block"]
    list_select_related = ["user", "block", "period"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail: readable by admins, changeable by nobody."""

    list_display = ["at", "submission", "indicator_code", "action", "actor", "reason"]
    list_filter = ["action", "submission__period", "submission__unit__block"]
    list_select_related = ["submission__unit", "submission__period", "actor"]
    search_fields = ["submission__unit__name", "indicator_code", "reason", "actor__username"]
    date_hierarchy = "at"
    actions = None  # not even "delete selected"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "submission", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "submission__unit", "submission__period"]
    search_fields = ["user__username", "message"]
