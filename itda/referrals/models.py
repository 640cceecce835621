"""Referrals from one service to another, and the log of every step each one takes.

A ``Referral`` sends a person from one team to another (a clinic to the public
health centre, the 120 line to a district centre, any service to any service).
A chain links referrals through ``parent``: the life-linking stethoscope chain is
clinic → public health centre → mental health welfare centre, one referral per
link. The states follow FHIR Task (its status codes in brackets). The road to a
closed loop, and the ways off it::

    SENT ──► RECEIVED ──► ACCEPTED ──► CONTACTED ──► SERVICE_STARTED ──► CLOSED
    (requested) (received) (accepted)  (in-progress)  (in-progress)      (completed, with an outcome)
      │           │           │          │     ▲
      │           │           │          ▼     │ reached at last
      │           │           └──────► UNREACHABLE ─┐ another attempt failed: UNREACHABLE again,
      │           │                    (in-progress)◄┘ each time with the next step opened as a care task
      ├───────────┴──► DECLINED (rejected, with a reason)          by the receiving team
      └─ SENT / RECEIVED / ACCEPTED ──► CANCELLED (cancelled)     by the sending team

    SENT ──► ACCEPTED directly; CONTACTED or UNREACHABLE ──► CLOSED with an outcome a worker chooses.
    CLOSED as COULD_NOT_CONTACT only after two different steps were recorded as tried (e.g. phone and visit).
    Finishing (CLOSED, DECLINED, CANCELLED) marks the referral's open care tasks done.

"Unreachable" never closes anything: it keeps the referral open, on both teams'
lists and in the overdue sweep, and opens the next way of reaching the person.

The edges, and which side may take each one, are the data in ``TRANSITIONS``.
Every forward step starts a new *hop* with its own deadline (``due_at``) from the
policy in ``referrals.services``; the overdue sweep alerts once per hop.

Retention: referrals and their events follow the person record (kept five years
after the last case closes, then anonymised with it). ``reason`` and event notes
are free text and never hold a resident registration number (``lib.privacy``).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Referral(models.Model):
    class Risk(models.TextChoices):
        CRISIS = "CRISIS", _("Crisis")
        HIGH = "HIGH", _("High")
        MEDIUM = "MEDIUM", _("Medium")
        LOW = "LOW", _("Low")

    class Status(models.TextChoices):
        SENT = "SENT", _("Sent")
        RECEIVED = "RECEIVED", _("Received")
        ACCEPTED = "ACCEPTED", _("Accepted")
        CONTACTED = "CONTACTED", _("Person contacted")
        UNREACHABLE = "UNREACHABLE", _("Could not reach the person")
        SERVICE_STARTED = "SERVICE_STARTED", _("Service started")
        CLOSED = "CLOSED", _("Closed with an outcome")
        DECLINED = "DECLINED", _("Declined")
        CANCELLED = "CANCELLED", _("Cancelled by the sender")

    class Outcome(models.TextChoices):
        # Closing outcomes follow the closed-loop statuses used by findhelp deployments (peers.md §9).
        GOT_HELP = "GOT_HELP", _("Got help")
        REFERRED_ELSEWHERE = "REFERRED_ELSEWHERE", _("Referred elsewhere")
        NO_LONGER_INTERESTED = "NO_LONGER_INTERESTED", _("No longer interested")
        COULD_NOT_GET_HELP = "COULD_NOT_GET_HELP", _("Could not get help")
        COULD_NOT_CONTACT = "COULD_NOT_CONTACT", _("Could not contact, after every step")
        # Reasons for declining a referral.
        NOT_ELIGIBLE = "NOT_ELIGIBLE", _("Not eligible")
        NO_CAPACITY = "NO_CAPACITY", _("No capacity")
        WRONG_SERVICE = "WRONG_SERVICE", _("Not the right service")
        PERSON_REFUSED = "PERSON_REFUSED", _("The person refused")

    class Side(models.TextChoices):
        SENDER = "SENDER", _("Sending team")
        RECEIVER = "RECEIVER", _("Receiving team")

    class Step(models.TextChoices):
        """Ways of reaching a person, in the order they are usually tried."""

        PHONE = "PHONE", _("Phone call")
        SMS = "SMS", _("Text message")
        MESSENGER = "MESSENGER", _("Messenger")
        FAMILY_OR_NEIGHBOUR = "FAMILY_OR_NEIGHBOUR", _("Through family or a neighbour")
        VISIT = "VISIT", _("Home visit")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="referrals")
    # The (team, status) indexes below serve lookups by team; plain FK indexes on the teams, the
    # workers and the programme would only slow the overdue sweep's update of every overdue row.
    from_team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="referrals_sent", db_index=False)
    to_team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="referrals_received", db_index=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text=_("The receiving worker who last moved it."),
    )
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")
    reason = models.TextField()
    risk = models.CharField(max_length=10, choices=Risk.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENT)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    chain_position = models.PositiveSmallIntegerField(default=1, help_text=_("1 for the first referral of a chain."))
    hop = models.PositiveIntegerField(default=1, help_text=_("Counts the steps of this referral; each has its own deadline."))
    due_at = models.DateTimeField(null=True, blank=True, help_text=_("Deadline of the current hop; empty once finished."))
    overdue_alerted_hop = models.PositiveIntegerField(default=0, help_text=_("The last hop whose overdue alert was sent."))
    overdue_claim = models.CharField(max_length=32, blank=True, help_text=_("Token of the sweep that sent the last alert."))
    has_consent_to_share = models.BooleanField(
        default=False, help_text=_("The person had consented to sharing with the services referred to when it was sent.")
    )
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    unreachable_at = models.DateTimeField(null=True, blank=True, help_text=_("The last time the person could not be reached."))
    service_started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    steps_tried = models.JSONField(default=list, blank=True, help_text=_("Ways of reaching the person tried so far."))
    source_type = models.CharField(max_length=60, blank=True, help_text=_("What produced it, e.g. screenings.screeningresult."))
    source_id = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(condition=~models.Q(from_team=models.F("to_team")), name="referral_to_another_team"),
            models.CheckConstraint(condition=models.Q(risk__in=["CRISIS", "HIGH", "MEDIUM", "LOW"]), name="referral_risk_known"),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "SENT",
                        "RECEIVED",
                        "ACCEPTED",
                        "CONTACTED",
                        "UNREACHABLE",
                        "SERVICE_STARTED",
                        "CLOSED",
                        "DECLINED",
                        "CANCELLED",
                    ]
                ),
                name="referral_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="CLOSED") | ~models.Q(outcome=""), name="referral_closed_with_outcome"
            ),
            models.UniqueConstraint(
                fields=["source_type", "source_id", "to_team"],
                condition=~models.Q(source_type=""),
                name="one_referral_per_source_and_team",
            ),
        ]
        indexes = [
            models.Index(fields=["to_team", "status"], name="referral_to_team_status_idx"),
            models.Index(fields=["from_team", "status"], name="referral_from_team_status_idx"),
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["SENT", "RECEIVED", "ACCEPTED", "CONTACTED", "UNREACHABLE", "SERVICE_STARTED"]),
                name="referral_open_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.from_team_id}→{self.to_team_id} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < now

    def allowed_moves(self, side: str) -> list[str]:
        """The statuses this side may move the referral to, in the order of the machine."""
        return [status for status, mover in TRANSITIONS[self.status].items() if mover == side]


S = Referral.Status
SENDER = Referral.Side.SENDER
RECEIVER = Referral.Side.RECEIVER

# The state machine: for each status, the statuses it may move to and which side takes that step.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.SENT: {S.RECEIVED: RECEIVER, S.ACCEPTED: RECEIVER, S.DECLINED: RECEIVER, S.CANCELLED: SENDER},
    S.RECEIVED: {S.ACCEPTED: RECEIVER, S.DECLINED: RECEIVER, S.CANCELLED: SENDER},
    S.ACCEPTED: {S.CONTACTED: RECEIVER, S.UNREACHABLE: RECEIVER, S.CANCELLED: SENDER},
    S.CONTACTED: {S.SERVICE_STARTED: RECEIVER, S.UNREACHABLE: RECEIVER, S.CLOSED: RECEIVER},
    S.UNREACHABLE: {S.CONTACTED: RECEIVER, S.UNREACHABLE: RECEIVER, S.CLOSED: RECEIVER},
    S.SERVICE_STARTED: {S.CLOSED: RECEIVER},
    S.CLOSED: {},
    S.DECLINED: {},
    S.CANCELLED: {},
}

OPEN_STATUSES = frozenset(status for status, moves in TRANSITIONS.items() if moves)
FINISHED_STATUSES = frozenset(status for status, moves in TRANSITIONS.items() if not moves)

# The timestamp each status sets when the referral enters it.
STATUS_TIMESTAMPS: dict[str, str] = {
    S.SENT: "sent_at",
    S.RECEIVED: "received_at",
    S.ACCEPTED: "accepted_at",
    S.CONTACTED: "contacted_at",
    S.UNREACHABLE: "unreachable_at",
    S.SERVICE_STARTED: "service_started_at",
    S.CLOSED: "closed_at",
    S.DECLINED: "declined_at",
    S.CANCELLED: "cancelled_at",
}

CLOSING_OUTCOMES = frozenset(
    {
        Referral.Outcome.GOT_HELP,
        Referral.Outcome.REFERRED_ELSEWHERE,
        Referral.Outcome.NO_LONGER_INTERESTED,
        Referral.Outcome.COULD_NOT_GET_HELP,
        Referral.Outcome.COULD_NOT_CONTACT,
    }
)
DECLINE_REASONS = frozenset(
    {Referral.Outcome.NOT_ELIGIBLE, Referral.Outcome.NO_CAPACITY, Referral.Outcome.WRONG_SERVICE, Referral.Outcome.PERSON_REFUSED}
)


class Milestone(models.TextChoices):
    """What a step of a programme chain meant, recorded with the step (``ReferralEvent.milestone``).

    The life-linking stethoscope: the public health centre records that it counselled the
    person, the mental health welfare centre that it registered them as suicide high-risk.
    Both are the SERVICE_STARTED step of the machine, typed; the sending clinic sees them as
    its loop closing.
    """

    COUNSELLED = "COUNSELLED", _("Counselled at the public health centre")
    REGISTERED_HIGH_RISK = "REGISTERED_HIGH_RISK", _("Registered as suicide high-risk")


class ReferralEvent(models.Model):
    """One step of a referral, as it happened. Append-only: rows are never changed or deleted by the app."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True, help_text=_("Empty for the sending itself."))
    to_status = models.CharField(max_length=20, choices=Referral.Status.choices)
    hop = models.PositiveIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    milestone = models.CharField(
        max_length=30, choices=Milestone.choices, blank=True, help_text=_("What this step meant in a programme chain, if typed.")
    )

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        indexes = [models.Index(fields=["referral", "at"], name="referral_event_time_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.from_status or '·'}→{self.to_status}"


class ServiceLink(models.Model):
    """A programme from the directory given to a caller during a contact, without a referral (signposting)."""

    contact = models.ForeignKey("contacts.ContactLog", on_delete=models.CASCADE, related_name="service_links")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="service_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("service link")
        verbose_name_plural = _("service links")
        constraints = [models.UniqueConstraint(fields=["contact", "program"], name="one_link_per_contact_and_program")]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.program_id}"


class HelplineTopic(models.TextChoices):
    """What a contact with the 120 line was about. ``ContactLog.topics`` holds these codes, several per contact."""

    LONELINESS = "LONELINESS", _("Loneliness")
    ISOLATION = "ISOLATION", _("Isolation or withdrawal")
    LOW_MOOD = "LOW_MOOD", _("Low mood or depression")
    SUICIDAL_THOUGHTS = "SUICIDAL_THOUGHTS", _("Thoughts of suicide or self-harm")
    BEREAVEMENT = "BEREAVEMENT", _("Bereavement")
    RELATIONSHIPS = "RELATIONSHIPS", _("Family or relationships")
    HEALTH = "HEALTH", _("Health")
    MONEY = "MONEY", _("Money or work")
    HOUSING = "HOUSING", _("Housing")
    DAILY_LIFE = "DAILY_LIFE", _("Everyday difficulties")
    SAFETY = "SAFETY", _("Safety")
    SERVICE_INFORMATION = "SERVICE_INFORMATION", _("Information about services")
    OTHER = "OTHER", _("Other")
