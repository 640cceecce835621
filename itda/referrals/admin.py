"""Back office for referrals: audited like every personal record; the event log and links are read-only there."""

from __future__ import annotations

from django.contrib import admin

from itda.audit.admin import AuditedModelAdmin
from itda.referrals.models import Referral, ReferralEvent, ServiceLink


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    fields = ("at", "from_status", "to_status", "hop", "actor", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(AuditedModelAdmin):
    """Status changes go through the console (the state machine); here the fields that drive it are read-only."""

    person_field = "person_id"
    list_display = ("id", "person", "from_team", "to_team", "risk", "status", "due_at", "outcome")
    list_filter = ("status", "risk", "to_team__kind")
    search_fields = ("=id", "=person__id")
    raw_id_fields = ("person", "parent", "sent_by", "handled_by")
    readonly_fields = (
        "status",
        "hop",
        "due_at",
        "overdue_alerted_hop",
        "overdue_claim",
        "sent_at",
        "received_at",
        "accepted_at",
        "contacted_at",
        "unreachable_at",
        "service_started_at",
        "closed_at",
        "declined_at",
        "cancelled_at",
        "outcome",
        "steps_tried",
    )
    inlines = [ReferralEventInline]

    def has_add_permission(self, request):
        return False


@admin.register(ServiceLink)
class ServiceLinkAdmin(AuditedModelAdmin):
    person_field = None
    list_display = ("id", "contact", "program", "linked_by", "linked_at")
    raw_id_fields = ("contact", "linked_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
