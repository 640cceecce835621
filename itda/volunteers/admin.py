"""The back office: volunteers and allocations read-only (they change through the services, which keep case
assignments and contact plans in step), and each district's allocation rules, which administrators set here."""

from django.contrib import admin

from itda.audit.admin import AuditedModelAdmin
from itda.volunteers.models import Allocation, AllocationOverride, AllocationPolicy, TrainingRecord, Volunteer


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TrainingRecordInline(ReadOnly, admin.TabularInline):
    model = TrainingRecord
    extra = 0
    fields = ("course", "completed_date", "hours", "recorded_by")


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnly, AuditedModelAdmin):
    list_display = ("id", "user", "district", "dong", "capacity", "start_at", "end_at")
    list_filter = ("district",)
    search_fields = ("user__username", "user__display_name")
    inlines = [TrainingRecordInline]


@admin.register(Allocation)
class AllocationAdmin(ReadOnly, AuditedModelAdmin):
    person_field = "person_id"
    list_display = ("id", "person", "volunteer", "method", "distance_m", "start_at", "end_at", "end_reason")
    list_filter = ("method", "end_reason")
    raw_id_fields = ("person", "volunteer")


@admin.register(AllocationOverride)
class AllocationOverrideAdmin(ReadOnly, AuditedModelAdmin):
    person_field = "person_id"
    list_display = ("id", "person", "volunteer", "kind", "start_at", "end_at")
    list_filter = ("kind",)
    raw_id_fields = ("person", "volunteer")


@admin.register(AllocationPolicy)
class AllocationPolicyAdmin(admin.ModelAdmin):
    list_display = ("district", "dong_rule", "other_dong_penalty_m", "max_distance_m", "updated_by")
    list_filter = ("dong_rule",)
    readonly_fields = ("updated_by",)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
