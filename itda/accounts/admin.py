from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from itda.accounts.models import Team, User
from itda.audit.admin import AuditedModelAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ("username", "display_name", "role", "team", "is_active")
    list_filter = ("role", "team__kind", "is_active")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("itda", {"fields": ("role", "team", "display_name", "phone")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("itda", {"fields": ("role", "team", "display_name")}))


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "district")
    list_filter = ("kind", "district")
    search_fields = ("name",)
