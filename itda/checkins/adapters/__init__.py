"""Channel adapters: how an automatic check-in reaches a person. One interface, four implementations.

- ``voice.VoiceAdapter``: places a call through a telephony provider speaking the
  Twilio-style REST and webhook shape (see ``itda/api/telephony.py``); answers
  come back later as keypad digits or speech transcripts.
- ``sms.SmsLinkAdapter``: sends a text message with a one-time link to the
  check-in page in the portal; answers come back when the person submits it.
- ``messenger.MessengerLinkAdapter``: the same link as a business message
  ("알림톡"-style template with a link button) through a JSON gateway; a
  recipient the gateway refuses (not a messenger user) gets the text message
  instead (``FALLBACK_CHANNELS``, applied by ``cycle.send_attempts``).
- ``itda.checkins.simulator.SimulatorAdapter``: answers at once, like a synthetic
  person would, for the demo, the tests and the bench.

An adapter is synchronous when ``start`` returns the results (the simulator);
then they are recorded in the same transaction as the claim. Otherwise
``start`` is called after the claim has committed, at most once per attempt,
and the attempt's deadline turns silence into "no answer".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class CallRequest:
    attempt_id: int
    due_contact_id: int
    person_id: int
    number: int
    channel: str
    phone: str


@dataclass(frozen=True)
class CallResult:
    attempt_id: int
    answered: bool
    answers: dict = field(default_factory=dict)
    failed: bool = False
    provider_call_id: str | None = None


class ChannelNotConfigured(Exception):
    """The channel has no provider configured; the attempt counts as not made and the ladder goes on."""


class ChannelAdapter(Protocol):
    name: str
    is_synchronous: bool

    def start(self, requests: list[CallRequest], *, now: datetime) -> list[CallResult]:
        """Synchronous adapters: make the calls and return every result now."""
        ...

    def send(self, request: CallRequest, *, now: datetime) -> str:
        """Asynchronous adapters: place the call or send the text; return the provider's id for it.

        Raises ChannelNotConfigured or adapters.transport.TransportError when it cannot.
        """
        ...


# Where a message goes when its channel cannot deliver to this recipient, and which adapter serves a channel
# an adapter set leaves out (a set made for voice and SMS still serves a messenger plan, by text message).
FALLBACK_CHANNELS = {"MESSENGER_LINK": "SMS_LINK"}


@dataclass
class AdapterSet:
    """Which adapter serves each automatic channel."""

    by_channel: dict[str, ChannelAdapter]

    def for_channel(self, channel: str) -> ChannelAdapter:
        if channel not in self.by_channel and channel in FALLBACK_CHANNELS:
            return self.by_channel[FALLBACK_CHANNELS[channel]]
        return self.by_channel[channel]


def production_adapters() -> AdapterSet:
    """Voice, SMS and messenger through their providers, or the simulator for all when ITDA_CHECKIN_SIMULATOR is on."""
    from itda.checkins.adapters.messenger import MessengerLinkAdapter
    from itda.checkins.adapters.sms import SmsLinkAdapter
    from itda.checkins.adapters.voice import VoiceAdapter
    from itda.checkins.simulator import SimulatorAdapter, population_from_env
    from itda.lib.env import env_bool

    if env_bool("ITDA_CHECKIN_SIMULATOR", default=False):
        simulator = SimulatorAdapter(population_from_env())
        return AdapterSet({"VOICE": simulator, "SMS_LINK": simulator, "MESSENGER_LINK": simulator})
    return AdapterSet({"VOICE": VoiceAdapter(), "SMS_LINK": SmsLinkAdapter(), "MESSENGER_LINK": MessengerLinkAdapter()})
