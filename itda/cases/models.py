"""Who is working with a person, and the tasks that keep anyone from dropping out of sight.

A ``CaseAssignment`` puts a named worker (or volunteer) on a person's case for a
period. A ``CareTask`` is a piece of work for a team and, usually, a named
person on it: a crisis response, a follow-up call, a visit, an overdue referral,
an outreach to a household found by the risk score. Tasks are closed with an
outcome; "unreachable" is an outcome that opens the next step, never a silent
close.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseAssignment(models.Model):
    class Role(models.TextChoices):
        LEAD = "LEAD", _("Lead worker")
        MEMBER = "MEMBER", _("Team member")
        VOLUNTEER = "VOLUNTEER", _("Care-group volunteer")
        NURSE = "NURSE", _("Visiting nurse")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="case_assignments")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="case_assignments")
    role = models.CharField(max_length=10, choices=Role.choices)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True, help_text=_("Exclusive end; empty while active."))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("case assignment")
        verbose_name_plural = _("case assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "worker"], condition=models.Q(end_at__isnull=True), name="one_active_assignment_per_worker"
            ),
            models.CheckConstraint(
                condition=models.Q(end_at__isnull=True) | models.Q(end_at__gt=models.F("start_at")),
                name="assignment_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.worker_id} → {self.person_id}"

    @property
    def is_active(self) -> bool:
        return self.end_at is None


class CareTask(models.Model):
    class Kind(models.TextChoices):
        CRISIS_RESPONSE = "CRISIS_RESPONSE", _("Crisis response")
        URGENT_CONTACT = "URGENT_CONTACT", _("Urgent contact")
        FOLLOW_UP_CALL = "FOLLOW_UP_CALL", _("Follow-up call")
        VISIT = "VISIT", _("Home visit")
        DOOR_OPENING = "DOOR_OPENING", _("Door opening with police or fire service")
        REFERRAL_OVERDUE = "REFERRAL_OVERDUE", _("Overdue referral")
        OUTREACH = "OUTREACH", _("Outreach to a household at risk")
        ALLOCATION = "ALLOCATION", _("Allocate a volunteer")
        REVIEW = "REVIEW", _("Review")
        STALLED_STEP = "STALLED_STEP", _("Check-in step nobody worked")

    class Priority(models.IntegerChoices):
        CRISIS = 1, _("Crisis")
        URGENT = 2, _("Urgent")
        HIGH = 3, _("High")
        NORMAL = 4, _("Normal")

    class Status(models.TextChoices):
        OPEN = "OPEN", _("Open")
        IN_PROGRESS = "IN_PROGRESS", _("In progress")
        DONE = "DONE", _("Done")
        CANCELLED = "CANCELLED", _("Cancelled")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="care_tasks")
    household_ref = models.CharField(
        max_length=40,
        blank=True,
        help_text=_("For outreach to a household not yet known as a person: its id in the population data."),
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="care_tasks")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="care_tasks"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    dedupe_key = models.CharField(
        max_length=120, blank=True, help_text=_("Work that must exist once (e.g. 'referral:12:overdue:3') carries a key.")
    )
    outcome = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], condition=~models.Q(dedupe_key=""), name="unique_task_dedupe_key"),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | ~models.Q(household_ref=""), name="task_has_person_or_household"
            ),
        ]
        indexes = [models.Index(fields=["team", "status", "due_at"], name="task_team_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)

    def is_overdue(self, now) -> bool:
        return self.is_open and self.due_at < now
