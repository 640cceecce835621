"""The audit trail: who read or changed which personal record, and when. Append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        READ = "READ", _("Read")
        LIST = "LIST", _("Listed")
        CREATE = "CREATE", _("Created")
        UPDATE = "UPDATE", _("Changed")
        DELETE = "DELETE", _("Deleted")
        EXPORT = "EXPORT", _("Exported")
        LOGIN = "LOGIN", _("Signed in")
        DENIED = "DENIED", _("Access refused")

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True, help_text=_("The person whose data it is."))
    listed_person_ids = models.JSONField(default=list, blank=True, help_text=_("For a list shown: every person on it."))
    fields = models.JSONField(default=list, blank=True, help_text=_("Names of the fields read or changed; never values."))
    reason = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.target_type}:{self.target_id}"
