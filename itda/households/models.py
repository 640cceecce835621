"""The registry of monitored people: lonely-death risk, visiting health care, contact channels and guardians.

Each fact with a history is a period (start plus a nullable, exclusive end): a new risk assessment ends the
previous one, a new visiting-care group ends the previous group, a removed channel or guardian is ended, not
deleted. At most one period is active per person (database constraints), so "the current level" is one row.

Retention: these records follow the person record (kept while monitoring or any case is open and five
years after; the purge job anonymises them with the person). Guardians are third parties: their details
are kept only while the person is monitored and they have consented, and are removed with the person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    HIGH = "HIGH", _("High risk")
    MEDIUM = "MEDIUM", _("Medium risk")
    LOW = "LOW", _("Low risk")


class MonitoringEnrolment(models.Model):
    """A period during which a person is monitored at one lonely-death risk level, and who decided it and why."""

    class Basis(models.TextChoices):
        SCREENING = "SCREENING", _("Risk screening")
        SURVEY = "SURVEY", _("Door-to-door risk survey")
        WORKER_JUDGEMENT = "WORKER_JUDGEMENT", _("Worker's judgement")

    # The end reason of a period closed because a newer assessment replaced it.
    SUPERSEDED = "새 평가 (new assessment)"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="monitoring_enrolments")
    risk_level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    reason = models.TextField(_("reason"))
    source_type = models.CharField(max_length=60, blank=True, help_text=_("The screening behind it, e.g. screenings.result."))
    source_id = models.CharField(max_length=40, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True, help_text=_("Exclusive end; empty while active."))
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("monitoring enrolment")
        verbose_name_plural = _("monitoring enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(end_at__isnull=True), name="one_active_monitoring_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(end_at__isnull=True) | models.Q(end_at__gt=models.F("start_at")),
                name="monitoring_end_after_start",
            ),
            models.CheckConstraint(condition=models.Q(risk_level__in=RiskLevel.values), name="monitoring_risk_level_valid"),
        ]
        indexes = [models.Index(fields=["risk_level", "end_at"], name="monitoring_level_active_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.risk_level} {self.start_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.end_at is None

    @property
    def screening_result_id(self) -> int | None:
        """The screening result the level was read from, when it was (for a link to it)."""
        if self.source_type == "screenings.screeningresult" and self.source_id.isdigit():
            return int(self.source_id)
        return None


class VisitingCareEnrolment(models.Model):
    """A period of visiting health care (방문건강관리, people 65+) in one group, which sets the nurses' visit cadence."""

    class Group(models.TextChoices):
        INTENSIVE = "INTENSIVE", _("Intensive (1–2 visits per 2 weeks)")
        REGULAR = "REGULAR", _("Regular (at least 1 visit per 3 months)")
        HEALTHY = "HEALTHY", _("Healthy (at least 1 visit per 6 months)")

    # Days between nurse visits for each group, from the 2023 plan (project 4): intensive 1–2 visits per
    # 2 weeks, so one a week; regular at least one per 3 months; healthy at least one per 6 months.
    VISIT_INTERVAL_DAYS = {"INTENSIVE": 7, "REGULAR": 90, "HEALTHY": 180}

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="visiting_care_enrolments")
    group = models.CharField(_("group"), max_length=10, choices=Group.choices)
    reason = models.TextField(_("reason"), blank=True)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+", help_text=_("The health centre."))
    nurse = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True, help_text=_("Exclusive end; empty while active."))
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("visiting-care enrolment")
        verbose_name_plural = _("visiting-care enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(end_at__isnull=True), name="one_active_visiting_care_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(end_at__isnull=True) | models.Q(end_at__gt=models.F("start_at")),
                name="visiting_care_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(group__in=["INTENSIVE", "REGULAR", "HEALTHY"]), name="visiting_care_group_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.group} {self.start_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.end_at is None

    @property
    def visit_interval_days(self) -> int:
        return self.VISIT_INTERVAL_DAYS[self.group]


class ContactChannel(models.Model):
    """A way to reach the person; the preferred one carries the slot they chose for calls."""

    class Kind(models.TextChoices):
        PHONE = "PHONE", _("Mobile phone")
        SMS = "SMS", _("Text message")
        MESSENGER = "MESSENGER", _("Messenger")
        LANDLINE = "LANDLINE", _("Landline")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="contact_channels")
    kind = models.CharField(_("channel"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("number or account"), max_length=60)
    is_preferred = models.BooleanField(_("preferred"), default=False)
    preferred_weekday = models.PositiveSmallIntegerField(_("preferred day"), null=True, blank=True, choices=Weekday.choices)
    preferred_time = models.TimeField(_("preferred time"), null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True, help_text=_("Exclusive end; empty while in use."))

    class Meta:
        verbose_name = _("contact channel")
        verbose_name_plural = _("contact channels")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(end_at__isnull=True, is_preferred=True),
                name="one_preferred_channel_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(preferred_weekday__isnull=True) | models.Q(preferred_weekday__lte=6),
                name="channel_weekday_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"

    @property
    def is_active(self) -> bool:
        return self.end_at is None


class Guardian(models.Model):
    """Someone the care team may call about the person: family, a neighbour, a landlord. Fictional in tests."""

    class Relation(models.TextChoices):
        CHILD = "CHILD", _("Son or daughter")
        SPOUSE = "SPOUSE", _("Spouse or partner")
        SIBLING = "SIBLING", _("Brother or sister")
        PARENT = "PARENT", _("Parent")
        RELATIVE = "RELATIVE", _("Other relative")
        NEIGHBOUR = "NEIGHBOUR", _("Neighbour")
        FRIEND = "FRIEND", _("Friend")
        LANDLORD = "LANDLORD", _("Landlord or building manager")
        OTHER = "OTHER", _("Other")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("name"), max_length=60)
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    phone = models.CharField(_("phone"), max_length=20)
    may_be_contacted = models.BooleanField(
        _("may be contacted"), default=False, help_text=_("The person agrees that the care team contacts this guardian.")
    )
    consent_given_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the guardian agreed that their details are kept; empty until they do.")
    )
    consent_wording_version = models.CharField(max_length=20, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True, help_text=_("Exclusive end; empty while listed."))

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return f"{self.person_id} {self.relation}"

    @property
    def is_active(self) -> bool:
        return self.end_at is None

    @property
    def can_be_contacted(self) -> bool:
        """Both the person's agreement and the guardian's own consent are needed before anyone calls them."""
        return self.is_active and self.may_be_contacted and self.consent_given_at is not None
