"""Seoul's autonomous districts (자치구) and administrative dongs (행정동), with sourced indicators."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from itda.lib.i18n import InPageLanguage


class District(models.Model):
    """One of the 25 autonomous districts, keyed by its 5-digit MOIS code (e.g. 11110 종로구)."""

    code = models.CharField(_("code"), max_length=5, unique=True)
    name = models.CharField(_("name (Korean)"), max_length=20, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=40)
    boundary_geojson = models.JSONField(_("boundary (GeoJSON geometry, WGS84)"), null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    boundary_source = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    display_name = InPageLanguage("name")

    def __str__(self) -> str:
        return self.display_name


class Dong(models.Model):
    """An administrative dong. Geometry is kept only where the boundary file has the same code."""

    code = models.CharField(_("MOIS code (10 digits)"), max_length=10, unique=True)
    kostat_code = models.CharField(_("KOSTAT code (7 digits)"), max_length=7, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="dongs")
    name = models.CharField(_("name (Korean)"), max_length=40)
    boundary_geojson = models.JSONField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    boundary_source = models.CharField(max_length=200, blank=True)
    valid_from_date = models.DateField(null=True, blank=True)
    valid_to_date = models.DateField(null=True, blank=True, help_text=_("Exclusive end; empty while current."))

    class Meta:
        verbose_name = _("administrative dong")
        verbose_name_plural = _("administrative dongs")

    def __str__(self) -> str:
        return f"{self.district.name} {self.name}"

    @property
    def has_boundary(self) -> bool:
        return self.boundary_geojson is not None


class DistrictIndicator(models.Model):
    """A sourced yearly figure for a district, or for the whole city when ``district`` is empty."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators")
    year = models.PositiveSmallIntegerField()
    indicator = models.CharField(max_length=60)
    label = models.CharField(max_length=120)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    unit = models.CharField(max_length=20)
    source_statistic = models.CharField(max_length=200)
    source_code = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("district indicator")
        verbose_name_plural = _("district indicators")
        constraints = [
            models.UniqueConstraint(fields=["district", "year", "indicator"], name="unique_district_indicator_year"),
            models.UniqueConstraint(
                fields=["year", "indicator"],
                condition=models.Q(district__isnull=True),
                name="unique_city_indicator_year",
            ),
        ]

    def __str__(self) -> str:
        where = self.district.name if self.district_id else "서울"
        return f"{where} {self.year} {self.indicator}={self.value}{self.unit}"
