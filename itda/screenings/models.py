"""Screening results and the frozen instrument versions they were scored with.

Retention
---------
A self-check result (channel SELF_CHECK) is kept only while its person keeps the
SAVE_RESULTS consent. When that consent is withdrawn and not given again, the
``purge_screening_answers`` command deletes the whole result row — the answers, the
total, band and level — ``SELF_CHECK_RETENTION_DAYS`` (30) days after the withdrawal
(the grace period lets a citizen change their mind; the setting
``ITDA_SCREENING_PURGE_DAYS`` can shorten or lengthen it). Before deleting, it adds each
result to ``ScreeningTally``: an anonymous count per month, instrument version,
channel, band and level, with no person, so the city's statistics survive the purge.

Results recorded by care workers (120 line, clinics, health centres, nurse visits)
are part of the case record and follow its schedule (people.models: five years after
the last case closes); withdrawing the self-check consent does not remove them.

Nothing is ever stored for an anonymous self-check.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SELF_CHECK_RETENTION_DAYS = 30


def self_check_retention_days() -> int:
    """Days between the withdrawal of the save consent and the deletion of the saved self-checks."""
    return int(getattr(settings, "ITDA_SCREENING_PURGE_DAYS", SELF_CHECK_RETENTION_DAYS))


class Level(models.TextChoices):
    NONE = "NONE", _("No action")
    WATCH = "WATCH", _("Watch")
    SUPPORT = "SUPPORT", _("Offer support")
    URGENT = "URGENT", _("Urgent")
    CRISIS = "CRISIS", _("Crisis")


class Channel(models.TextChoices):
    SELF_CHECK = "SELF_CHECK", _("Self-check on the portal")
    HELPLINE_120 = "HELPLINE_120", _("Loneliness line 120")
    CLINIC = "CLINIC", _("Primary clinic")
    HEALTH_CENTRE = "HEALTH_CENTRE", _("Public health centre")
    NURSE_VISIT = "NURSE_VISIT", _("Visiting nurse")
    WORKER = "WORKER", _("Care worker")


class Instrument(models.Model):
    """One version of an instrument exactly as it was when a result was first scored with it.

    Rows are written once (by ``load_instruments`` or the first stored result) and never
    changed: a new scale or cut-off is a new version, so old results keep their meaning.
    """

    code = models.CharField(max_length=30)
    version = models.CharField(max_length=40)
    effective_from_date = models.DateField()
    definition = models.JSONField(help_text=_("The definition file as it was loaded."))
    definition_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="one_row_per_instrument_version")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class ScreeningResult(models.Model):
    """One completed screening of one person, scored and triaged; sensitive health data."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="screening_results")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="results")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    contact = models.ForeignKey(
        "contacts.ContactLog",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="screening_results",
        help_text=_("The call (e.g. on the 120 line) during which the instrument was run."),
    )
    answers = models.JSONField(help_text=_("Item code → the answer given (raw option value)."))
    total = models.SmallIntegerField()
    band = models.CharField(max_length=30)
    subscores = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    is_crisis = models.BooleanField(default=False)
    level = models.CharField(max_length=10, choices=Level.choices)
    triage_code = models.CharField(max_length=40)
    triage_version = models.CharField(max_length=40)
    recommended_programs = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list, blank=True)
    taken_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("screening result")
        verbose_name_plural = _("screening results")
        indexes = [models.Index(fields=["person", "taken_at"], name="screening_person_taken_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=["NONE", "WATCH", "SUPPORT", "URGENT", "CRISIS"]), name="screening_level_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(is_crisis=True) | models.Q(level="CRISIS"), name="screening_crisis_is_crisis_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} · {self.taken_at:%Y-%m-%d} · {self.band}"

    @property
    def instrument_code(self) -> str:
        return self.instrument.code

    @property
    def instrument_version(self) -> str:
        return self.instrument.version


class ScreeningTally(models.Model):
    """Anonymous counts of purged self-check results, so statistics outlive the personal data."""

    month_date = models.DateField(help_text=_("First day of the month the screenings were taken in."))
    instrument_code = models.CharField(max_length=30)
    instrument_version = models.CharField(max_length=40)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    band = models.CharField(max_length=30)
    level = models.CharField(max_length=10, choices=Level.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("screening tally")
        verbose_name_plural = _("screening tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["month_date", "instrument_code", "instrument_version", "channel", "band", "level"],
                name="one_tally_per_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month_date:%Y-%m} {self.instrument_code} v{self.instrument_version} {self.band}: {self.count}"
