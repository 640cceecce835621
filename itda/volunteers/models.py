"""The neighbourhood care group (우리동네돌봄단): volunteers, their training, and who looks after whom.

A volunteer is a resident aged 40–67 with a VOLUNTEER account on a CARE_GROUP team. An ``Allocation`` puts
one monitored household with one named volunteer for a period; staff overrides are ``AllocationOverride``
rows (pin this pair, forbid this pair). ``AllocationPolicy`` holds a district's rules for the optimiser.

Retention: a volunteer's record and training are kept while they volunteer and three years after
(volunteer-activity certificates are issued from them); allocations follow the person record (five
years after the last case closes), then the purge job removes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MINIMUM_AGE = 40
MAXIMUM_AGE = 67
MAXIMUM_CAPACITY = 30


class Volunteer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer_profile")
    birth_date = models.DateField(_("birth date"))
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    dong = models.ForeignKey("places.Dong", on_delete=models.PROTECT, related_name="+")
    capacity = models.PositiveSmallIntegerField(_("households they can take"))
    home_lat = models.FloatField(_("home latitude"), null=True, blank=True)
    home_lon = models.FloatField(_("home longitude"), null=True, blank=True)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True, help_text=_("Exclusive end; empty while volunteering."))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("care-group volunteer")
        verbose_name_plural = _("care-group volunteers")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__lte=MAXIMUM_CAPACITY), name="volunteer_capacity_at_most_30"),
            models.CheckConstraint(
                condition=(models.Q(home_lat__isnull=True) & models.Q(home_lon__isnull=True))
                | (models.Q(home_lat__gte=33, home_lat__lte=39) & models.Q(home_lon__gte=124, home_lon__lte=132)),
                name="volunteer_home_point_in_korea_or_empty",
            ),
            models.CheckConstraint(
                condition=models.Q(end_at__isnull=True) | models.Q(end_at__gt=models.F("start_at")),
                name="volunteer_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.user.display_name or self.user.username

    @property
    def is_active(self) -> bool:
        return self.end_at is None

    @property
    def has_home_point(self) -> bool:
        return self.home_lat is not None and self.home_lon is not None

    def location(self) -> tuple[float, float] | None:
        """Home point, else the dong's representative point, else the district's; None when none is known."""
        if self.has_home_point:
            return self.home_lat, self.home_lon
        for place in (self.dong, self.district):
            if place.centroid_lat is not None and place.centroid_lon is not None:
                return place.centroid_lat, place.centroid_lon
        return None


class TrainingRecord(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="training_records")
    course = models.CharField(_("course"), max_length=120)
    completed_date = models.DateField(_("date completed"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0) & models.Q(hours__lte=200), name="training_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.completed_date}"


class Allocation(models.Model):
    """One monitored household with one named volunteer, for a period."""

    class Method(models.TextChoices):
        OPTIMISER = "OPTIMISER", _("Allocation run")
        PINNED = "PINNED", _("Pinned by staff")

    class EndReason(models.TextChoices):
        MOVED = "MOVED", _("Moved to another volunteer")
        RISK_LOWERED = "RISK_LOWERED", _("No longer high or medium risk")
        MONITORING_ENDED = "MONITORING_ENDED", _("Monitoring ended")
        NO_CONSENT = "NO_CONSENT", _("Consent to contact withdrawn")
        FORBIDDEN = "FORBIDDEN", _("Pair forbidden by staff")
        VOLUNTEER_LEFT = "VOLUNTEER_LEFT", _("Volunteer stopped")
        RULES_CHANGED = "RULES_CHANGED", _("No longer within the rules or capacity")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="volunteer_allocations")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="allocations")
    method = models.CharField(max_length=10, choices=Method.choices)
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True)
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True, help_text=_("Exclusive end; empty while active."))
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = _("volunteer allocation")
        verbose_name_plural = _("volunteer allocations")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(end_at__isnull=True), name="one_active_allocation_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(end_at__isnull=True) | models.Q(end_at__gt=models.F("start_at")),
                name="allocation_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "end_at"], name="allocation_volunteer_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.volunteer_id}"

    @property
    def is_active(self) -> bool:
        return self.end_at is None


class AllocationOverride(models.Model):
    """A staff decision the optimiser must respect: this pair always (PIN) or never (FORBID)."""

    class Kind(models.TextChoices):
        PIN = "PIN", _("Always this volunteer")
        FORBID = "FORBID", _("Never this volunteer")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="allocation_overrides")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="overrides")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True, help_text=_("Exclusive end; empty while in force."))
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("allocation override")
        verbose_name_plural = _("allocation overrides")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "volunteer"], condition=models.Q(end_at__isnull=True), name="one_active_override_per_pair"
            ),
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(end_at__isnull=True, kind="PIN"), name="one_active_pin_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(end_at__isnull=True) | models.Q(end_at__gt=models.F("start_at")),
                name="override_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.volunteer_id}"

    @property
    def is_active(self) -> bool:
        return self.end_at is None


class AllocationPolicy(models.Model):
    """A district's allocation rules. Districts without a row use the defaults (same dong strongly preferred)."""

    class DongRule(models.TextChoices):
        REQUIRED = "REQUIRED", _("Same dong required")
        PREFERRED = "PREFERRED", _("Same dong strongly preferred")
        IGNORED = "IGNORED", _("Nearest, whatever the dong")

    district = models.OneToOneField("places.District", on_delete=models.CASCADE, related_name="+")
    dong_rule = models.CharField(_("dong rule"), max_length=10, choices=DongRule.choices, default=DongRule.PREFERRED)
    other_dong_penalty_m = models.PositiveIntegerField(
        _("penalty for another dong (m)"),
        default=3000,
        help_text=_("How many metres further a volunteer of the same dong may live and still be chosen first."),
    )
    max_distance_m = models.PositiveIntegerField(_("furthest distance (m)"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("allocation policy")
        verbose_name_plural = _("allocation policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_distance_m__isnull=True) | models.Q(max_distance_m__gt=0),
                name="policy_max_distance_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.dong_rule}"
