from django.contrib import admin

from itda.audit.admin import AuditedModelAdmin
from itda.screenings.models import Instrument, ScreeningResult, ScreeningTally


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """Instrument versions are frozen copies of the data files: read-only here, changed only by a new file."""

    list_display = ("code", "version", "effective_from_date", "loaded_at")
    list_filter = ("code",)
    readonly_fields = ("code", "version", "effective_from_date", "definition", "definition_sha256", "loaded_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScreeningResult)
class ScreeningResultAdmin(AuditedModelAdmin):
    """Sensitive results: every list and read is audited; nobody edits a scored result."""

    person_field = "person_id"
    list_display = ("id", "person_id", "instrument", "channel", "total", "band", "level", "taken_at")
    list_filter = ("instrument__code", "channel", "level")
    raw_id_fields = ("person", "recorded_by")
    readonly_fields = (
        "person",
        "instrument",
        "channel",
        "answers",
        "total",
        "band",
        "subscores",
        "flags",
        "is_crisis",
        "level",
        "triage_code",
        "triage_version",
        "recommended_programs",
        "actions",
        "taken_at",
        "recorded_by",
        "created_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScreeningTally)
class ScreeningTallyAdmin(admin.ModelAdmin):
    list_display = ("month_date", "instrument_code", "instrument_version", "channel", "band", "level", "count")
    list_filter = ("instrument_code", "channel", "level")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
