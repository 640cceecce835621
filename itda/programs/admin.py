from django.contrib import admin
from django.utils import timezone

from itda.programs.models import (
    EligibilityRule,
    Fee,
    MedianIncome,
    Need,
    OpeningHours,
    Program,
    ProgramTarget,
    Provider,
    Site,
    SiteClosure,
)
from itda.programs.services import set_program_target


class EligibilityRuleInline(admin.TabularInline):
    model = EligibilityRule
    extra = 0


class FeeInline(admin.StackedInline):
    model = Fee
    extra = 0


class ProgramHoursInline(admin.TabularInline):
    model = OpeningHours
    fk_name = "program"
    extra = 0
    exclude = ("site",)


class ProgramTargetInline(admin.TabularInline):
    model = ProgramTarget
    extra = 0
    readonly_fields = ("entered_by", "entered_at")


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("project_number", "name", "source", "status", "is_citizen_facing")
    list_filter = ("source", "status", "area", "is_citizen_facing")
    search_fields = ("name", "name_en", "slug")
    filter_horizontal = ("needs",)
    inlines = [EligibilityRuleInline, FeeInline, ProgramHoursInline, ProgramTargetInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProgramTarget:
            return super().save_formset(request, form, formset, change)
        # Targets go through the service, which stamps who entered them and audits the change.
        targets = formset.save(commit=False)
        for target in formset.deleted_objects:
            target.delete()
        for target in targets:
            set_program_target(
                actor=request.user,
                program=form.instance,
                year=target.year,
                target_value=target.target_value,
                budget_krw=target.budget_krw,
                note=target.note,
                now=timezone.now(),
            )
        return None


class SiteHoursInline(admin.TabularInline):
    model = OpeningHours
    fk_name = "site"
    extra = 0
    exclude = ("program",)


class SiteClosureInline(admin.TabularInline):
    model = SiteClosure
    extra = 0


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "district", "phone", "location_precision")
    list_filter = ("district", "programs")
    search_fields = ("name", "address")
    filter_horizontal = ("programs",)
    inlines = [SiteHoursInline, SiteClosureInline]


admin.site.register(Need)
admin.site.register(Provider)


@admin.register(MedianIncome)
class MedianIncomeAdmin(admin.ModelAdmin):
    list_display = ("year", "household_size", "monthly_krw", "legal_basis")
    list_filter = ("year",)
