"""Every contact with a person or about them: calls, visits, messages, walk-ins — the timeline.

Retention: contact logs follow the person record (kept 5 years after the last
case closes). Anonymous helpline contacts keep no personal fields at all.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactLog(models.Model):
    class Channel(models.TextChoices):
        PHONE = "PHONE", _("Phone")
        VISIT = "VISIT", _("Home visit")
        WALK_IN = "WALK_IN", _("Walk-in")
        SMS = "SMS", _("Text message")
        MESSENGER = "MESSENGER", _("Messenger or chat")
        AI_CALL = "AI_CALL", _("AI check-in call")
        VIDEO = "VIDEO", _("Video call")

    class Direction(models.TextChoices):
        INBOUND = "INBOUND", _("They contacted us")
        OUTBOUND = "OUTBOUND", _("We contacted them")

    class CallerType(models.TextChoices):
        SELF = "SELF", _("The person themselves")
        FAMILY = "FAMILY", _("Family")
        NEIGHBOUR = "NEIGHBOUR", _("Neighbour")
        PROFESSIONAL = "PROFESSIONAL", _("Professional")
        OTHER = "OTHER", _("Other")

    class Outcome(models.TextChoices):
        REACHED = "REACHED", _("Reached")
        NOT_REACHED = "NOT_REACHED", _("Not reached")
        CONCERN = "CONCERN", _("Reached, with a concern")
        CRISIS = "CRISIS", _("Crisis")

    # Every automatic check-in writes one: the (person, started_at) index serves the person's key, and
    # the author (empty for automatic contacts) is indexed only where set.
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="contacts", db_index=False
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="contacts")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    caller_type = models.CharField(max_length=12, choices=CallerType.choices, default=CallerType.SELF)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    started_at = models.DateTimeField(db_index=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    topics = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    source_type = models.CharField(max_length=60, blank=True, help_text=_("What produced it, e.g. checkins.call."))
    source_id = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["person", "started_at"], name="contact_person_time_idx"),
            models.Index(fields=["logged_by"], condition=models.Q(logged_by__isnull=False), name="contact_logged_by_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.channel} {self.outcome}"
