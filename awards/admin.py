from django import forms
from django.contrib import admin
from django.http import HttpRequest

from assessments.admin import ReadOnlyAdminMixin
from awards import services
from awards.models import (
    Award,
    AwardEvent,
    AwardRule,
    AwardSettings,
    Certificate,
    CertificateBatch,
)


class AwardRuleForm(forms.ModelForm):
    class Meta:
        model = AwardRule
        fields = ["period", "category", "position", "quota", "ordering"]

    def clean_ordering(self) -> list[str]:
        try:
            return services.validate_ordering(self.cleaned_data["ordering"])
        except services.AwardError as exc:
            raise forms.ValidationError(str(exc)) from exc


@admin.register(AwardRule)
class AwardRuleAdmin(admin.ModelAdmin):
    form = AwardRuleForm
    list_display = ["period", "position", "category", "quota", "ordering"]
    list_filter = ["period"]

    def has_change_permission(self, request: HttpRequest, obj: AwardRule | None = None) -> bool:
        # Rules are fixed once an award of the period is confirmed (DOMAIN.md §6).
        if obj is not None and services.rules_locked(obj.period):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        services.validate_ordering(obj.ordering)
        super().save_model(request, obj, form, change)


@admin.register(AwardSettings)
class AwardSettingsAdmin(admin.ModelAdmin):
    list_display = ["period", "decision_number", "decision_date", "city_signatory_name"]
    readonly_fields = ["proposal_warnings", "proposed_at"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["period", "category", "position", "unit", "status", "register_number"]
    list_filter = ["period", "category", "status"]
    search_fields = ["unit__name", "verification_code"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["award", "version", "status", "issued_at", "sha256"]
    list_filter = ["status"]


@admin.register(AwardEvent)
class AwardEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "award", "action", "actor", "reason"]
    list_filter = ["action"]


@admin.register(CertificateBatch)
class CertificateBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["period", "status", "done", "total", "created_at", "finished_at"]
