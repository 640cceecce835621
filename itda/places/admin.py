from django.contrib import admin

from itda.places.models import District, DistrictIndicator, Dong


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("name", "name_en", "code")
    exclude = ("boundary_geojson",)


@admin.register(Dong)
class DongAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district", "has_boundary")
    list_filter = ("district",)
    search_fields = ("name", "code")
    exclude = ("boundary_geojson",)


@admin.register(DistrictIndicator)
class DistrictIndicatorAdmin(admin.ModelAdmin):
    list_display = ("indicator", "district", "year", "value", "unit")
    list_filter = ("indicator", "year")
