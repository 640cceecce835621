"""Check-in use-cases: contact plans, logging outcomes, recording answers and climbing the escalation ladder.

Every function runs in one transaction with its audit entries. The public names
are gathered here (``from itda.checkins import services``); the package splits
them by subject:

- ``plans``: ensure_contact_plan, end_contact_plan, set_checkin_call, the sweep
  (generate_due_contacts), switching channel after lapsed answers, retention;
- ``answers``: what a worker logs (log_due_contact_outcome) and how automatic
  attempts ended (record_attempt_outcomes, the webhook and SMS entry points);
- ``escalations``: the ladder in the database (record_escalation_outcome,
  routing, firing steps as care tasks); the table itself is ``checkins.ladder``;
- ``policies``: a district's ladder; ``rules``: errors and shared limits.

Exceptions::

    CheckinError
    ├── ContactPlanInvalid       a plan that breaks the cadence rules
    ├── OutcomeRefused           an outcome that cannot be stored as given
    ├── DueContactClosed         the contact was already logged (or cancelled)
    ├── EscalationStepStale      the ladder moved on before this outcome arrived
    ├── CallMismatch             a webhook for a call that is not this attempt's
    └── NoTeamToRoute            no team of any routed kind exists for the person

Automatic attempts write the person's timeline in bulk (one ContactLog per
attempt, one audit entry per batch naming everyone in it), because a weekly
cycle makes a hundred thousand of them; human outcomes go through
``contacts.services.log_contact`` one at a time.
"""

from itda.cases.services import UNREACHABLE
from itda.checkins.services.answers import (
    AttemptOutcome,
    finish_call,
    log_due_contact_outcome,
    record_attempt_outcomes,
    record_call_answer,
    store_answered_attempts,
    take_sms_answer,
)
from itda.checkins.services.escalations import (
    STEP_OUTCOMES,
    apply_step_outcome,
    batch_memo,
    lock_escalation,
    record_escalation_outcome,
    route_team,
)
from itda.checkins.services.plans import (
    end_contact_plan,
    ensure_contact_plan,
    generate_due_contacts,
    purge_checkin_answers,
    set_checkin_call,
    switch_channel_after_lapse,
)
from itda.checkins.services.policies import clear_policy_cache, policy_for, set_escalation_policy
from itda.checkins.services.rules import (
    AUTOMATIC_CHANNELS,
    HUMAN_CHANNELS,
    MAX_NOTE_CHARS,
    CallMismatch,
    CheckinError,
    ContactPlanInvalid,
    DueContactClosed,
    EscalationStepStale,
    NoTeamToRoute,
    OutcomeRefused,
)

__all__ = [
    "AUTOMATIC_CHANNELS",
    "HUMAN_CHANNELS",
    "MAX_NOTE_CHARS",
    "STEP_OUTCOMES",
    "UNREACHABLE",
    "AttemptOutcome",
    "CallMismatch",
    "CheckinError",
    "ContactPlanInvalid",
    "DueContactClosed",
    "EscalationStepStale",
    "NoTeamToRoute",
    "OutcomeRefused",
    "apply_step_outcome",
    "batch_memo",
    "clear_policy_cache",
    "end_contact_plan",
    "ensure_contact_plan",
    "finish_call",
    "generate_due_contacts",
    "lock_escalation",
    "log_due_contact_outcome",
    "policy_for",
    "purge_checkin_answers",
    "record_attempt_outcomes",
    "record_call_answer",
    "record_escalation_outcome",
    "route_team",
    "set_checkin_call",
    "set_escalation_policy",
    "store_answered_attempts",
    "switch_channel_after_lapse",
    "take_sms_answer",
]
