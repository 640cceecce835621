"""The back office shows the registry read-only: its periods are history, changed only through the services
(the care console), so a correction is a new assessment, never an edit of the past. Every list and read is audited."""

from django.contrib import admin

from itda.audit.admin import AuditedModelAdmin
from itda.households.models import ContactChannel, Guardian, MonitoringEnrolment, VisitingCareEnrolment


class ReadOnlyRegistryAdmin(AuditedModelAdmin):
    person_field = "person_id"
    raw_id_fields = ("person",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MonitoringEnrolment)
class MonitoringEnrolmentAdmin(ReadOnlyRegistryAdmin):
    list_display = ("id", "person", "risk_level", "basis", "start_at", "end_at", "decided_by")
    list_filter = ("risk_level", "basis")
    date_hierarchy = "start_at"


@admin.register(VisitingCareEnrolment)
class VisitingCareEnrolmentAdmin(ReadOnlyRegistryAdmin):
    list_display = ("id", "person", "group", "team", "nurse", "start_at", "end_at")
    list_filter = ("group",)


@admin.register(ContactChannel)
class ContactChannelAdmin(ReadOnlyRegistryAdmin):
    list_display = ("id", "person", "kind", "is_preferred", "preferred_weekday", "preferred_time", "start_at", "end_at")
    list_filter = ("kind", "is_preferred")


@admin.register(Guardian)
class GuardianAdmin(ReadOnlyRegistryAdmin):
    list_display = ("id", "person", "relation", "may_be_contacted", "consent_given_at", "start_at", "end_at")
    list_filter = ("relation", "may_be_contacted")
