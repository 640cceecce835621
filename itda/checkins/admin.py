"""Back office for check-ins: audited, and read-only where the record is the ladder's own history."""

from django import forms
from django.contrib import admin
from django.utils import timezone

from itda.audit.admin import AuditedModelAdmin
from itda.checkins import ladder, services
from itda.checkins.models import CheckinAttempt, ContactPlan, DueContact, Escalation, EscalationPolicy, EscalationStep


@admin.register(ContactPlan)
class ContactPlanAdmin(AuditedModelAdmin):
    person_field = "person_id"
    list_display = ("id", "person", "kind", "channel", "interval_days", "owner", "next_due_at", "end_at")
    list_filter = ("kind", "channel")
    raw_id_fields = ("person", "owner", "team", "created_by")


@admin.register(DueContact)
class DueContactAdmin(AuditedModelAdmin):
    person_field = "person_id"
    list_display = ("id", "person", "kind", "channel", "due_at", "status", "outcome")
    list_filter = ("status", "kind", "channel")
    raw_id_fields = ("plan", "person", "owner", "team", "completed_by", "contact_log")
    readonly_fields = ("signals", "claimed_by", "attempt_count")


@admin.register(CheckinAttempt)
class CheckinAttemptAdmin(AuditedModelAdmin):
    person_field = None  # reached through the due contact; reads are audited without a person id
    list_display = ("id", "due_contact", "number", "channel", "status", "started_at", "finished_at")
    list_filter = ("status", "channel")
    raw_id_fields = ("due_contact", "escalation")

    def has_change_permission(self, request, obj=None):
        return False


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0
    can_delete = False
    fields = ("key", "fired_at", "team", "task", "is_night_route", "outcome", "outcome_at", "outcome_by")
    readonly_fields = fields


@admin.register(Escalation)
class EscalationAdmin(AuditedModelAdmin):
    person_field = "person_id"
    list_display = ("id", "person", "reason", "state", "step", "opened_at", "resolved_at")
    list_filter = ("state", "reason", "district")
    raw_id_fields = ("person", "due_contact", "current_task")
    inlines = [EscalationStepInline]

    def has_change_permission(self, request, obj=None):
        # The ladder moves only through its services, so every step stays recorded and fires once.
        return False


class EscalationPolicyForm(forms.ModelForm):
    class Meta:
        model = EscalationPolicy
        fields = ("district", "overrides", "note")

    def clean_overrides(self):
        overrides = self.cleaned_data["overrides"] or {}
        if not isinstance(overrides, dict):
            raise forms.ValidationError("키와 값의 묶음(JSON 객체)으로 적으세요 (write a JSON object of keys and values)")
        try:
            ladder.default_policy().merged(overrides)
        except ladder.PolicyInvalid as error:
            raise forms.ValidationError(str(error)) from None
        return overrides


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(AuditedModelAdmin):
    form = EscalationPolicyForm
    list_display = ("district", "note", "updated_at", "updated_by")

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is validated, audited and every cached policy dropped.
        services.set_escalation_policy(
            actor=request.user,
            district=form.cleaned_data["district"],
            overrides=form.cleaned_data["overrides"],
            note=form.cleaned_data["note"],
            now=timezone.now(),
        )
        obj.pk = EscalationPolicy.objects.get(district=form.cleaned_data["district"]).pk
