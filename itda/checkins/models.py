"""Check-ins: contact plans, the contacts they make due, AI call attempts and the escalation ladder.

A ``ContactPlan`` says how often someone must hear from the care network:
a care-group volunteer at least weekly, a visiting nurse every 7 to 180 days by
care group, an AI check-in call weekly at the person's chosen slot. The periodic
sweep turns plans into ``DueContact`` rows (one per plan and due moment). People
log human contacts from their worklist; the dispatcher makes automatic ones
through a channel adapter, one ``CheckinAttempt`` per call or text message.
Anything short of "reached and well" opens an ``Escalation``, which climbs the
ladder in ``ladder.py``; each step it fires is an ``EscalationStep``.

Retention: plans, due contacts, attempts and escalations follow the person
record (kept five years after the last case closes). Free-text answers and
notes are personal beyond need after a year: ``services.purge_checkin_answers``
(run daily by ``run_checkin_cycle``) blanks them after the policy's
``answer_retention_days`` and keeps only the signal codes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactPlan(models.Model):
    class Kind(models.TextChoices):
        CARE_GROUP = "CARE_GROUP", _("Care-group volunteer contact")
        NURSE_VISIT = "NURSE_VISIT", _("Visiting-nurse visit")
        AI_CALL = "AI_CALL", _("AI check-in call")

    class Channel(models.TextChoices):
        VOICE = "VOICE", _("AI voice call")
        SMS_LINK = "SMS_LINK", _("Text message with a check-in link")
        MESSENGER_LINK = "MESSENGER_LINK", _("Messenger message with a check-in link (text message if not a user)")
        VOLUNTEER_CALL = "VOLUNTEER_CALL", _("Call by the care-group volunteer")
        IN_PERSON = "IN_PERSON", _("Call or visit by the named worker")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="contact_plans")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="contact_plans")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_plans",
        help_text=_("The named volunteer or nurse who makes the contacts; empty for automatic channels."),
        db_index=False,  # indexed where set (plan_owner_idx): every AI plan's next due moment moves weekly
    )
    interval_days = models.PositiveSmallIntegerField()
    preferred_weekday = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Monday is 0."))
    preferred_time = models.TimeField(null=True, blank=True, help_text=_("Seoul time."))
    channel = models.CharField(max_length=16, choices=Channel.choices)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True, help_text=_("Exclusive end; empty while active."))
    next_due_at = models.DateTimeField(null=True, blank=True, help_text=_("The next due moment the sweep has not generated yet."))
    missed_in_row = models.PositiveSmallIntegerField(
        default=0, help_text=_("Check-ins in a row the person did not answer on the current channel.")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("contact plan")
        verbose_name_plural = _("contact plans")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"], condition=models.Q(end_at__isnull=True), name="one_active_plan_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(interval_days__gte=1, interval_days__lte=366), name="plan_interval_1_to_366_days"
            ),
            models.CheckConstraint(
                condition=models.Q(preferred_weekday__isnull=True) | models.Q(preferred_weekday__lte=6),
                name="plan_weekday_0_to_6",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="AI_CALL") | models.Q(preferred_weekday__isnull=False, preferred_time__isnull=False),
                name="ai_call_plan_has_a_slot",
            ),
            models.CheckConstraint(
                condition=models.Q(end_at__isnull=True) | models.Q(end_at__gt=models.F("start_at")), name="plan_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["next_due_at"], condition=models.Q(end_at__isnull=True), name="plan_next_due_idx"),
            models.Index(fields=["owner"], condition=models.Q(owner__isnull=False), name="plan_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person_id}"

    @property
    def is_active(self) -> bool:
        return self.end_at is None

    @property
    def is_automatic(self) -> bool:
        return self.channel in (self.Channel.VOICE, self.Channel.SMS_LINK, self.Channel.MESSENGER_LINK)


class DueContact(models.Model):
    """One contact a plan makes due at one moment; made once, by a person or by the dispatcher."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("To do")
        IN_PROGRESS = "IN_PROGRESS", _("Call or message under way")
        DONE = "DONE", _("Done")
        CANCELLED = "CANCELLED", _("Cancelled (plan ended)")

    class Outcome(models.TextChoices):
        REACHED_BY_PHONE = "REACHED_BY_PHONE", _("Reached by phone")
        VISITED = "VISITED", _("Visited")
        NOT_REACHED = "NOT_REACHED", _("Not reached")
        CONCERN = "CONCERN", _("Concern")
        ANSWERED = "ANSWERED", _("Answered the check-in")
        NO_ANSWER = "NO_ANSWER", _("No answer")

    # A hundred thousand rows a week, each written three times: every index costs on each write, so a
    # foreign key a composite index already leads with has none of its own, and a key that is empty on
    # most rows (the AI calls) is indexed only where it is set.
    plan = models.ForeignKey(ContactPlan, on_delete=models.CASCADE, related_name="due_contacts", db_index=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="due_contacts", db_index=False)
    kind = models.CharField(max_length=12, choices=ContactPlan.Kind.choices)
    channel = models.CharField(max_length=16, choices=ContactPlan.Channel.choices)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="due_contacts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="due_contacts",
        db_index=False,
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=64, blank=True, help_text=_("The worker that made the call, for diagnosis."))
    signals = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    contact_log = models.ForeignKey(
        "contacts.ContactLog", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    overdue_alerted_at = models.DateTimeField(null=True, blank=True, help_text=_("When the centre was asked to follow up."))

    class Meta:
        verbose_name = _("due contact")
        verbose_name_plural = _("due contacts")
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_at"], name="one_due_contact_per_plan_and_moment"),
            models.CheckConstraint(
                condition=~models.Q(status="DONE") | ~models.Q(outcome=""), name="done_due_contact_has_outcome"
            ),
        ]
        indexes = [
            # Only open contacts are ever looked up by status; done ones (nearly all rows) stay out.
            models.Index(
                fields=["status", "due_at"],
                condition=models.Q(status__in=["PENDING", "IN_PROGRESS"]),
                name="due_open_status_due_idx",
            ),
            # The overdue sweep's every-minute read: open contacts a named person should make (AI calls stay out).
            models.Index(
                fields=["due_at"],
                condition=models.Q(
                    status="PENDING", channel__in=["IN_PERSON", "VOLUNTEER_CALL"], overdue_alerted_at__isnull=True
                ),
                name="due_human_overdue_idx",
            ),
            models.Index(fields=["owner", "status", "due_at"], condition=models.Q(owner__isnull=False), name="due_owner_set_idx"),
            models.Index(fields=["person", "due_at"], name="due_person_idx"),
            models.Index(fields=["completed_by"], condition=models.Q(completed_by__isnull=False), name="due_completed_by_idx"),
            models.Index(fields=["contact_log"], condition=models.Q(contact_log__isnull=False), name="due_contact_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person_id} · {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.IN_PROGRESS)

    def is_overdue(self, start_of_today) -> bool:
        return self.is_open and self.due_at < start_of_today


class CheckinAttempt(models.Model):
    """One automatic call or text message for a due contact: the first try or a retry on the ladder."""

    class Status(models.TextChoices):
        STARTED = "STARTED", _("Calling or waiting for the answer")
        ANSWERED = "ANSWERED", _("Answered")
        NO_ANSWER = "NO_ANSWER", _("No answer")
        FAILED = "FAILED", _("Could not be made")

    # As for due contacts: no index a composite one covers, and keys that are mostly empty indexed where set.
    due_contact = models.ForeignKey(DueContact, on_delete=models.CASCADE, related_name="attempts", db_index=False)
    escalation = models.ForeignKey(
        "Escalation", on_delete=models.CASCADE, null=True, blank=True, related_name="attempts", db_index=False
    )
    step_key = models.CharField(max_length=30, blank=True, help_text=_("The ladder step this retry is, e.g. RETRY:1."))
    number = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=16, choices=ContactPlan.Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED)
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField(help_text=_("No answer by then counts as no answer."))
    finished_at = models.DateTimeField(null=True, blank=True)
    provider_call_id = models.CharField(max_length=64, null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    signals = models.JSONField(default=list, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    sent_via = models.CharField(
        max_length=16,
        choices=ContactPlan.Channel.choices,
        blank=True,
        help_text=_("The channel the message actually went out on, when it fell back from the planned one."),
    )
    fallback_reason = models.CharField(
        max_length=60, blank=True, help_text=_("Why it fell back, e.g. the gateway's code for 'not a messenger user'.")
    )

    class Meta:
        verbose_name = _("check-in attempt")
        verbose_name_plural = _("check-in attempts")
        constraints = [
            models.UniqueConstraint(fields=["due_contact", "number"], name="one_attempt_per_number"),
            models.UniqueConstraint(
                fields=["provider_call_id"], condition=models.Q(provider_call_id__isnull=False), name="one_attempt_per_call_id"
            ),
        ]
        indexes = [
            # Only attempts still waiting for an answer are looked up by deadline.
            models.Index(fields=["deadline_at"], condition=models.Q(status="STARTED"), name="attempt_waiting_deadline_idx"),
            models.Index(fields=["escalation"], condition=models.Q(escalation__isnull=False), name="attempt_escalation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.due_contact_id}#{self.number} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.STARTED


class Escalation(models.Model):
    """The ladder for one person who was not reached or said something worrying. One open at a time per person."""

    class Reason(models.TextChoices):
        NO_ANSWER = "NO_ANSWER", _("No answer to the check-in")
        NOT_REACHED = "NOT_REACHED", _("Not reached by the named worker")
        RISK = "RISK", _("Risk in what was said")
        SELF_HARM = "SELF_HARM", _("Self-harm risk")

    class State(models.TextChoices):
        RETRY = "RETRY", _("Calling again")
        STAFF_CALL = "STAFF_CALL", _("Staff call")
        VISIT = "VISIT", _("Home visit")
        DOOR_OPENING = "DOOR_OPENING", _("Door opening with police or fire service")
        TRACE = "TRACE", _("Finding where the person is")
        URGENT_CONTACT = "URGENT_CONTACT", _("Counsellor contact now")
        CRISIS = "CRISIS", _("Crisis path")
        RESOLVED = "RESOLVED", _("Resolved: person reached")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="escalations")
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    due_contact = models.ForeignKey(DueContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="escalations")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    state = models.CharField(max_length=16, choices=State.choices)
    step = models.PositiveSmallIntegerField(default=1)
    next_action_at = models.DateTimeField(null=True, blank=True, help_text=_("When the next automatic step is due."))
    current_task = models.ForeignKey("cases.CareTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    signals = models.JSONField(default=list, blank=True)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(resolved_at__isnull=True), name="one_open_escalation_per_person"
            ),
            models.CheckConstraint(
                condition=(models.Q(state="RESOLVED") & models.Q(resolved_at__isnull=False))
                | (~models.Q(state="RESOLVED") & models.Q(resolved_at__isnull=True)),
                name="resolved_state_has_resolved_at",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_action_at"], name="escalation_state_next_idx"),
            models.Index(fields=["state"], condition=models.Q(resolved_at__isnull=True), name="escalation_open_state_idx"),
            models.Index(fields=["district", "resolved_at"], name="escalation_district_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.step_key}"

    @property
    def step_key(self) -> str:
        return f"{self.state}:{self.step}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class EscalationStep(models.Model):
    """One step the ladder fired: an automatic retry, or a care task for a team. Fired once (unique key)."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=30)
    state = models.CharField(max_length=16, choices=Escalation.State.choices)
    number = models.PositiveSmallIntegerField()
    fired_at = models.DateTimeField()
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    task = models.ForeignKey("cases.CareTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    is_night_route = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)
    stall_alerted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the sweep raised this step because nobody worked its task in time.")
    )

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        constraints = [models.UniqueConstraint(fields=["escalation", "key"], name="one_step_per_key")]
        indexes = [
            # The stalled-step sweep reads only human steps nobody has worked nor raised yet: a few rows, not the history.
            models.Index(
                fields=["escalation"],
                name="step_awaiting_stall_check_idx",
                condition=models.Q(
                    outcome_at__isnull=True,
                    stall_alerted_at__isnull=True,
                    state__in=["CRISIS", "DOOR_OPENING", "STAFF_CALL", "TRACE", "URGENT_CONTACT", "VISIT"],
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.escalation_id} {self.key}"


class EscalationPolicy(models.Model):
    """A district's changes to the default ladder in data/checkins/escalation_policy.json."""

    district = models.OneToOneField("places.District", on_delete=models.CASCADE, related_name="escalation_policy")
    overrides = models.JSONField(default=dict, blank=True, help_text=_("Only the keys that differ from the default."))
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")

    def __str__(self) -> str:
        return str(self.district)
