from django.contrib import admin

from itda.audit.admin import AuditedModelAdmin
from itda.people.models import Consent, Person


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("purpose", "wording_version", "given_at", "withdrawn_at", "recorded_by")
    readonly_fields = ("recorded_by",)


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin):
    person_field = "pk"
    list_display = ("id", "name", "birth_year", "district", "dong", "is_synthetic")
    list_filter = ("district", "is_synthetic")
    search_fields = ("name",)
    autocomplete_fields = ("dong",)
    raw_id_fields = ("user",)
    inlines = [ConsentInline]
