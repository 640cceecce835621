"""The back office: an audited ModelAdmin for personal data, and a read-only view of the trail."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.utils import timezone

from itda.audit.models import AuditEntry
from itda.audit.services import record_access


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose lists, reads, changes and deletions of personal data are written to the trail.

    ``person_field`` names the attribute that holds the person's id ("pk" for the
    Person model itself) so entries can be found by person.
    """

    person_field: str | None = None

    def _person_id(self, obj):
        if obj is None or self.person_field is None:
            return None
        return obj.pk if self.person_field == "pk" else getattr(obj, self.person_field, None)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        change_list = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if change_list is not None:
            listed = [obj.pk for obj in change_list.result_list]
            with transaction.atomic():
                record_access(
                    actor=request.user,
                    action="LIST",
                    target_type=self.model._meta.label_lower,
                    listed_person_ids=listed if self.person_field == "pk" else [],
                    reason=f"admin list, {len(listed)} shown",
                    path=request.path,
                )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                with transaction.atomic():
                    record_access(
                        actor=request.user, action="READ", target=obj, person_id=self._person_id(obj), path=request.path
                    )
        return response

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_access(
                actor=request.user,
                action="UPDATE" if change else "CREATE",
                target=obj,
                person_id=self._person_id(obj),
                fields=form.changed_data,
                path=request.path,
                at=timezone.now(),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            record_access(actor=request.user, action="DELETE", target=obj, person_id=self._person_id(obj), path=request.path)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                record_access(actor=request.user, action="DELETE", target=obj, person_id=self._person_id(obj), path=request.path)
            super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The trail is append-only: nobody adds, changes or deletes entries here."""

    list_display = ("at", "actor", "actor_role", "action", "target_type", "target_id", "person_id", "path")
    list_filter = ("action", "actor_role", "target_type")
    search_fields = ("target_id", "=person_id", "actor__username")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
