"""Back office for discovery: risk model versions (add a new one, never edit an old one), batches and runs (read-only)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.utils import timezone

from itda.insights import services
from itda.insights.models import IngestBatch, RiskModelVersion, ScoreRun


class RiskModelVersionForm(forms.ModelForm):
    definition_text = forms.CharField(
        label="정의 (JSON) · definition",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100}),
        help_text="data/insights/risk_model.json과 같은 형식; 'version'은 새 이름이어야 합니다 (same shape; a new version name).",
    )

    class Meta:
        model = RiskModelVersion
        fields = ["description"]

    def clean_definition_text(self):
        text = self.cleaned_data["definition_text"]
        try:
            definition = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"JSON으로 읽을 수 없습니다 (not valid JSON): {error}") from None
        if not isinstance(definition, dict):
            raise forms.ValidationError("JSON 객체여야 합니다 (must be a JSON object)")
        try:
            services.check_new_risk_model(definition)
        except services.RiskModelInvalid as error:
            raise forms.ValidationError(str(error)) from None
        return definition


@admin.register(RiskModelVersion)
class RiskModelVersionAdmin(admin.ModelAdmin):
    """A version is added whole and then kept as it was, so every score run can be explained later."""

    list_display = ("version", "created_at", "created_by", "source")
    readonly_fields = ("version", "definition", "description", "source", "created_at", "created_by")
    form = RiskModelVersionForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["definition_text", "description"]
        return list(self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            version = services.add_risk_model_version(
                actor=request.user,
                definition=form.cleaned_data["definition_text"],
                description=form.cleaned_data.get("description", ""),
                now=timezone.now(),
                source="admin",
            )
        except services.RiskModelInvalid as error:
            # Validation already ran in the form's clean; this only guards a race on the version name.
            raise forms.ValidationError(str(error)) from None
        obj.pk = version.pk
        obj.version = version.version


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IngestBatch)
class IngestBatchAdmin(ReadOnlyAdmin):
    list_display = ("pk", "feed", "file_name", "status", "rows_read", "rows_kept", "rows_rejected", "as_of_date", "finished_at")
    list_filter = ("status", "feed")
    search_fields = ("file_name", "sha256")


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "as_of_date", "model", "status", "households_scored", "worklist_size", "started_at", "finished_at")
    list_filter = ("status",)
    exclude = ("input_key",)
