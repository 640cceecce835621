"""Back office for cases: care tasks and case assignments, audited and read-only.

Tasks move only through ``cases.services`` (opened once by their dedupe key, closed with an outcome,
"unreachable" with its next step), so the back office shows them without changing them.
"""

from __future__ import annotations

from django.contrib import admin

from itda.audit.admin import AuditedModelAdmin
from itda.cases.models import CareTask, CaseAssignment


class ReadOnlyAuditedAdmin(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CareTask)
class CareTaskAdmin(ReadOnlyAuditedAdmin):
    person_field = "person_id"
    list_display = ("id", "kind", "priority", "status", "team", "assignee", "due_at", "person", "household_ref")
    list_filter = ("status", "kind", "priority", "team__kind")
    search_fields = ("=id", "=person__id", "=household_ref", "dedupe_key")
    raw_id_fields = ("person", "team", "assignee", "completed_by")
    date_hierarchy = "due_at"
    list_select_related = ("team", "assignee", "person")


@admin.register(CaseAssignment)
class CaseAssignmentAdmin(ReadOnlyAuditedAdmin):
    person_field = "person_id"
    list_display = ("id", "person", "worker", "team", "role", "start_at", "end_at")
    list_filter = ("role", "team__kind")
    search_fields = ("=id", "=person__id", "worker__username")
    raw_id_fields = ("person", "worker", "team", "assigned_by")
    list_select_related = ("team", "worker", "person")
