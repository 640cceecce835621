"""The programme directory: providers, programmes, sites, opening hours, rules, fees and targets.

It maps onto Open Referral HSDS 3.0: Provider ↔ organization, Program ↔ service,
Site ↔ location (+ service_at_location), OpeningHours ↔ schedule, Need ↔ taxonomy_term.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

import analytics
from itda.lib.i18n import InPageLanguage


class Need(models.Model):
    """A need a citizen searches by (loneliness, health, meals, safety, housing, money...)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    name_en = models.CharField(max_length=60)
    icon = models.CharField(max_length=8, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    # Only for the directory cache's fingerprint (queries._directory), never for business decisions.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return self.display_name

    display_name = InPageLanguage("name")


class Provider(models.Model):
    """An organisation that runs a programme or a site (HSDS organization)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=160, blank=True)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    website = models.URLField(blank=True)

    # Only for the directory cache's fingerprint (queries._directory), never for business decisions.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name

    display_name = InPageLanguage("name")


class Program(models.Model):
    """A programme or project, from the 2023 safety plan or Loneliness-free Seoul Season 2."""

    class Source(models.TextChoices):
        PLAN_2023 = "PLAN_2023", _("2023 single-person household safety plan")
        SEASON2_2026 = "SEASON2_2026", _("Loneliness-free Seoul, Season 2 (2026)")

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("Running")
        PLANNED = "PLANNED", _("Planned")
        ENDED = "ENDED", _("Ended")

    class Access(models.TextChoices):
        # Beyond the declared eligibility rules (which may be none):
        OPEN = "OPEN", _("Open: the declared rules are all the conditions")
        SELECTED = "SELECTED", _("Selected: a centre or clinic decides who takes part")
        UNPUBLISHED = "UNPUBLISHED", _("Not fully published: the sources do not give every condition")

    class Area(models.IntegerChoices):
        EVERYDAY = 1, _("Everyday inconvenience")
        SAFETY = 2, _("Safety")
        LONELINESS_HOUSING = 3, _("Loneliness and housing")

    slug = models.SlugField(max_length=80, unique=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    area = models.PositiveSmallIntegerField(choices=Area.choices, null=True, blank=True)
    task_code = models.CharField(max_length=5, blank=True, help_text=_("Task in the 2023 plan, e.g. 1-1."))
    task_name = models.CharField(max_length=60, blank=True)
    task_name_en = models.CharField(max_length=80, blank=True)
    project_number = models.PositiveSmallIntegerField(null=True, blank=True, unique=True)
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=160)
    summary = models.CharField(max_length=300)
    summary_en = models.CharField(max_length=400)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    how_to_apply = models.TextField(blank=True)
    how_to_apply_en = models.TextField(blank=True)
    kpi_unit = models.CharField(max_length=40, blank=True)
    kpi_unit_en = models.CharField(max_length=60, blank=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="programs")
    needs = models.ManyToManyField(Need, related_name="programs", blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_citizen_facing = models.BooleanField(
        default=True, help_text=_("Shown in citizen search; infrastructure projects such as CCTV are not applied for.")
    )
    is_open_all_hours = models.BooleanField(default=False)
    is_open_on_public_holidays = models.BooleanField(default=False)
    hours_note = models.CharField(max_length=200, blank=True)
    hours_note_en = models.CharField(max_length=200, blank=True)
    eligibility_note = models.TextField(blank=True)
    eligibility_note_en = models.TextField(blank=True)
    access = models.CharField(
        max_length=12,
        choices=Access.choices,
        default=Access.UNPUBLISHED,
        help_text=_("What holds beyond the declared rules: nothing (open), a selection by staff, or unpublished conditions."),
    )
    source_reference = models.CharField(max_length=200, blank=True)

    # Only for the directory cache's fingerprint (queries._directory), never for business decisions.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")

    def __str__(self) -> str:
        return self.name

    display_name = InPageLanguage("name")

    display_summary = InPageLanguage("summary")

    display_description = InPageLanguage("description")

    display_how_to_apply = InPageLanguage("how_to_apply")

    display_kpi_unit = InPageLanguage("kpi_unit")

    display_hours_note = InPageLanguage("hours_note")

    display_eligibility_note = InPageLanguage("eligibility_note")

    display_task_name = InPageLanguage("task_name")

    def rule_dicts(self) -> list[dict]:
        """The eligibility rules as plain dicts, in their declared order (uses prefetched rules)."""
        return [rule.as_dict() for rule in sorted(self.eligibility_rules.all(), key=lambda r: (r.position, r.pk))]


class Site(models.Model):
    """A place where a programme is delivered (HSDS location plus service_at_location)."""

    class LocationPrecision(models.TextChoices):
        EXACT = "EXACT", _("Exact point")
        DISTRICT = "DISTRICT", _("District only (approximate)")

    slug = models.SlugField(max_length=80, unique=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="sites")
    programs = models.ManyToManyField(Program, related_name="sites", blank=True)
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=160, blank=True)
    branch_label = models.CharField(max_length=40, blank=True)
    address = models.CharField(_("address, as the source gives it"), max_length=200)
    address_en = models.CharField(max_length=200, blank=True)
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="sites")
    dong = models.ForeignKey("places.Dong", on_delete=models.PROTECT, null=True, blank=True, related_name="sites")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_precision = models.CharField(max_length=10, choices=LocationPrecision.choices, default=LocationPrecision.DISTRICT)
    phone = models.CharField(max_length=20, blank=True)
    is_mobile = models.BooleanField(default=False)
    is_open_all_hours = models.BooleanField(default=False)
    is_open_on_public_holidays = models.BooleanField(default=False)
    hours_note = models.CharField(max_length=200, blank=True)
    hours_note_en = models.CharField(max_length=200, blank=True)
    source_reference = models.CharField(max_length=200, blank=True)

    # Only for the directory cache's fingerprint (queries._directory), never for business decisions.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name

    display_name = InPageLanguage("name")

    display_address = InPageLanguage("address")

    display_hours_note = InPageLanguage("hours_note")


class OpeningHours(models.Model):
    """One weekly opening period of a site or of a programme (HSDS schedule, weekly)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, blank=True, related_name="opening_hours")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, null=True, blank=True, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    # Only for the directory cache's fingerprint (queries._directory), never for business decisions.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(site__isnull=False, program__isnull=True) | models.Q(site__isnull=True, program__isnull=False)
                ),
                name="opening_hours_belongs_to_site_or_program",
            ),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="opening_hours_end_after_start"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="opening_hours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class SiteClosure(models.Model):
    """A period a site is closed outside public holidays (refurbishment, staff training)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField()
    end_date = models.DateField(help_text=_("Exclusive: the first day open again."))
    reason = models.CharField(max_length=200, blank=True)

    # Only for the directory cache's fingerprint (queries._directory), never for business decisions.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("site closure")
        verbose_name_plural = _("site closures")
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gt=models.F("start_date")), name="closure_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.start_date}–{self.end_date}"


class EligibilityRule(models.Model):
    """One rule of a programme's eligibility, in the language of ``analytics.validate_rule``."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="eligibility_rules")
    position = models.PositiveSmallIntegerField(default=0)
    field = models.CharField(max_length=30, choices=[(name, name) for name in analytics.FIELDS])
    operator = models.CharField(max_length=10, choices=[(op, op) for op in analytics.OPERATORS])
    value = models.JSONField(null=True, blank=True)
    source_note = models.CharField(max_length=200, blank=True)

    # Only for the directory cache's fingerprint (queries._directory), never for business decisions.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")

    def __str__(self) -> str:
        return f"{self.field} {self.operator} {self.value}"

    def as_dict(self) -> dict:
        return {"field": self.field, "op": self.operator, "value": self.value}


class Fee(models.Model):
    """A charge for a programme, with an optional reduced amount for those who meet reduction rules."""

    class Unit(models.TextChoices):
        HOUR = "HOUR", _("per hour")
        USE = "USE", _("per use")
        DAY = "DAY", _("per day")
        MONTH = "MONTH", _("per month")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="fees")
    label = models.CharField(max_length=100)
    label_en = models.CharField(max_length=120, blank=True)
    amount_krw = models.PositiveIntegerField()
    unit = models.CharField(max_length=10, choices=Unit.choices)
    reduced_amount_krw = models.PositiveIntegerField(null=True, blank=True)
    reduction_rules = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=200, blank=True)
    note_en = models.CharField(max_length=200, blank=True)

    # Only for the directory cache's fingerprint (queries._directory), never for business decisions.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self) -> str:
        return f"{self.label} {self.amount_krw} KRW {self.unit}"

    display_label = InPageLanguage("label")

    def as_dict(self) -> dict:
        return {
            "amount_krw": self.amount_krw,
            "unit": self.unit,
            "reduced_amount_krw": self.reduced_amount_krw,
            "reduction_rules": self.reduction_rules,
        }


class ProgramTarget(models.Model):
    """A yearly KPI target and budget. The sources mask most of them, so both stay empty until entered."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField()
    target_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    budget_krw = models.BigIntegerField(null=True, blank=True)
    actual_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    entered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("program target")
        verbose_name_plural = _("program targets")
        constraints = [models.UniqueConstraint(fields=["program", "year"], name="unique_program_target_year")]

    def __str__(self) -> str:
        return f"{self.program_id} {self.year}"


class MedianIncome(models.Model):
    """Standard median income (기준 중위소득), monthly KRW, by year and household size."""

    year = models.PositiveSmallIntegerField()
    household_size = models.PositiveSmallIntegerField()
    monthly_krw = models.PositiveIntegerField()
    legal_basis = models.CharField(max_length=120)
    sources = models.CharField(max_length=400, blank=True)

    # Only for the directory cache's fingerprint (queries._directory), never for business decisions.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("standard median income")
        verbose_name_plural = _("standard median incomes")
        constraints = [
            models.UniqueConstraint(fields=["year", "household_size"], name="unique_median_income_year_size"),
            models.CheckConstraint(condition=models.Q(household_size__gte=1), name="median_income_size_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.household_size}인 {self.monthly_krw:,}원"
