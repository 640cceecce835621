"""People known to the care team, and the consent they gave.

Retention: a person's record is kept while any case, plan or contact is open
and for five years after the last one closes (the city's records schedule for
welfare case files); the purge job anonymises it after that. No resident
registration number is ever stored: ``lib.privacy`` refuses text that holds one.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

import analytics


class Person(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "FEMALE", _("Female")
        MALE = "MALE", _("Male")
        OTHER = "OTHER", _("Other / not stated")

    name = models.CharField(_("name"), max_length=60)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="people")
    dong = models.ForeignKey("places.Dong", on_delete=models.PROTECT, null=True, blank=True, related_name="people")
    address = models.CharField(_("address"), max_length=200, blank=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), default=1)
    housing_type = models.CharField(max_length=20, blank=True, choices=[(code, code) for code in analytics.HOUSING_TYPES])
    tenure = models.CharField(max_length=20, blank=True, choices=[(code, code) for code in analytics.TENURES])
    has_disability = models.BooleanField(null=True, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person")
    household_ref = models.CharField(
        max_length=40,
        blank=True,
        db_index=True,
        help_text=_("The household's id in the population data the risk score runs on, when known."),
    )
    is_synthetic = models.BooleanField(default=False, help_text=_("Generated demo data, never a real person."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(condition=models.Q(household_size__gte=1), name="person_household_size_positive"),
            models.CheckConstraint(
                condition=models.Q(birth_year__isnull=True) | models.Q(birth_year__gte=1900),
                name="person_birth_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.pk})"

    def age_on(self, on_date: date) -> int | None:
        """Age in whole years on a date, counted from the birth year alone (Korean 만 나이 is ±1)."""
        if self.birth_year is None:
            return None
        return on_date.year - self.birth_year


class Consent(models.Model):
    """A consent given for one purpose, with the version of the wording the person saw."""

    class Purpose(models.TextChoices):
        CASE_RECORD = "CASE_RECORD", _("Keep a case record")
        CONTACT = "CONTACT", _("Be contacted by the care team")
        SAVE_RESULTS = "SAVE_RESULTS", _("Save self-check results")
        SHARE_WITH_SERVICES = "SHARE_WITH_SERVICES", _("Share with the services referred to")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    wording_version = models.CharField(max_length=40)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"], condition=models.Q(withdrawn_at__isnull=True), name="one_active_consent_per_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.wording_version})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
