"""What every check-in service shares: the errors, the note limit, the channel groups."""

from __future__ import annotations

from itda.checkins.models import ContactPlan

MAX_NOTE_CHARS = 1000
HUMAN_CHANNELS = (ContactPlan.Channel.IN_PERSON, ContactPlan.Channel.VOLUNTEER_CALL)
AUTOMATIC_CHANNELS = (ContactPlan.Channel.VOICE, ContactPlan.Channel.SMS_LINK, ContactPlan.Channel.MESSENGER_LINK)


class CheckinError(Exception):
    """Base of the check-in errors; the message says what happened, Korean first."""


class ContactPlanInvalid(CheckinError):
    """The plan breaks a cadence rule or lacks something it needs."""


class OutcomeRefused(CheckinError):
    """The outcome cannot be stored as given (unknown outcome, a concern without a note, a registration number)."""


class DueContactClosed(CheckinError):
    """The due contact was already logged or cancelled."""


class EscalationStepStale(CheckinError):
    """The ladder moved past this step before the outcome arrived."""


class CallMismatch(CheckinError):
    """A telephony webhook names a call that is not the one bound to this attempt."""


class NoTeamToRoute(CheckinError):
    """No team of any kind the policy routes to exists for this person: the deployment lacks a control room."""


def user_or_none(actor):
    """The acting user for a foreign key, or None for the system (a sweep, a webhook)."""
    return actor if getattr(actor, "pk", None) else None
