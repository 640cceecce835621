"""Accounts, roles and the teams that scope what a worker may see.

Retention: a citizen's account is kept until the citizen deletes it from "my account".
Deleting it anonymises the user row (the audit trail keeps pointing at its id, so the row
itself stays) and removes the linked person record when the care team holds nothing on it
(see ``accounts.services.delete_citizen_account``). Staff accounts are closed by an
administrator. No resident registration number is ever stored or asked for.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """A workplace: a district centre, a dong centre, a health centre, the 120 line, the city."""

    class Kind(models.TextChoices):
        DISTRICT_CENTRE = "DISTRICT_CENTRE", _("District welfare centre")
        DONG_CENTRE = "DONG_CENTRE", _("Dong community centre")
        HEALTH_CENTRE = "HEALTH_CENTRE", _("Public health centre")
        MENTAL_HEALTH_CENTRE = "MENTAL_HEALTH_CENTRE", _("Mental health welfare centre")
        PRIMARY_CLINIC = "PRIMARY_CLINIC", _("Primary care clinic")
        HELPLINE = "HELPLINE", _("Loneliness line 120")
        CONTROL_ROOM = "CONTROL_ROOM", _("Isolation prevention control room")
        CITY = "CITY", _("Seoul city hall")
        CARE_GROUP = "CARE_GROUP", _("Neighbourhood care group")

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    district = models.ForeignKey(
        "places.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams",
        help_text=_("Empty for city-wide teams."),
    )
    dong = models.ForeignKey("places.Dong", on_delete=models.PROTECT, null=True, blank=True, related_name="teams")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    @property
    def is_city_wide(self) -> bool:
        return self.district_id is None


class User(AbstractUser):
    """A person who signs in. Staff roles are scoped by their team's district."""

    class Role(models.TextChoices):
        CITIZEN = "CITIZEN", _("Citizen")
        VOLUNTEER = "VOLUNTEER", _("Volunteer")
        SOCIAL_WORKER = "SOCIAL_WORKER", _("Social worker")
        COUNSELLOR = "COUNSELLOR", _("Counsellor")
        HEALTH_STAFF = "HEALTH_STAFF", _("Health-centre staff")
        CITY_STAFF = "CITY_STAFF", _("City staff")
        ADMINISTRATOR = "ADMINISTRATOR", _("Administrator")

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CITIZEN)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    display_name = models.CharField(_("name shown to others"), max_length=60, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    home_district = models.ForeignKey(
        "places.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A citizen's own district, when they chose to give it. Never used to scope staff."),
    )
    privacy_notice_version = models.CharField(
        max_length=40, blank=True, help_text=_("The version of the privacy notice agreed to at sign-up.")
    )
    privacy_notice_agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["SOCIAL_WORKER", "HEALTH_STAFF", "VOLUNTEER"]) | models.Q(team__isnull=False),
                name="district_roles_need_a_team",
            )
        ]

    @property
    def is_care_worker(self) -> bool:
        return self.role in {
            self.Role.SOCIAL_WORKER,
            self.Role.COUNSELLOR,
            self.Role.HEALTH_STAFF,
            self.Role.CITY_STAFF,
            self.Role.ADMINISTRATOR,
        }

    @property
    def is_administrator(self) -> bool:
        return self.role == self.Role.ADMINISTRATOR or self.is_superuser

    @property
    def district_id_scope(self) -> int | None:
        """The district this user's work is limited to; None for city-wide roles or teams."""
        if self.team_id is None:
            return None
        return self.team.district_id
