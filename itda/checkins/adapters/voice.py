"""The voice adapter: Twilio-style outbound calls whose answers come back to ``itda/api/telephony.py``.

Shape (Twilio's documented REST and TwiML; most Korean CPaaS providers offer the
same): ``POST {calls_url}`` with ``To``, ``From``, ``Url`` (our voice webhook),
``StatusCallback`` (our status webhook) and ``Timeout``; the provider then POSTs
form fields (``CallSid``, ``CallStatus``, ``Digits``, ``SpeechResult``) to the
webhooks, which answer with TwiML ``<Gather input="dtmf speech">`` per question.

Settings (environment, read when a call is placed): ITDA_TELEPHONY_CALLS_URL,
ITDA_TELEPHONY_ACCOUNT, ITDA_TELEPHONY_TOKEN (or _FILE), ITDA_TELEPHONY_CALLER_ID,
ITDA_PUBLIC_URL (the https address the provider calls back).
"""

from __future__ import annotations

import os
from datetime import datetime

from django.urls import reverse

from itda.checkins.adapters import CallRequest, CallResult, ChannelNotConfigured, transport
from itda.checkins.links import attempt_reference
from itda.lib.env import env_secret

RING_SECONDS = 30


class VoiceAdapter:
    name = "voice"
    is_synchronous = False

    def start(self, requests: list[CallRequest], *, now: datetime) -> list[CallResult]:
        raise NotImplementedError("the voice adapter is asynchronous: use send()")

    def send(self, request: CallRequest, *, now: datetime) -> str:
        calls_url = os.environ.get("ITDA_TELEPHONY_CALLS_URL", "")
        public_url = os.environ.get("ITDA_PUBLIC_URL", "").rstrip("/")
        caller_id = os.environ.get("ITDA_TELEPHONY_CALLER_ID", "")
        if not (calls_url and public_url and caller_id):
            raise ChannelNotConfigured(
                "ITDA_TELEPHONY_CALLS_URL, ITDA_TELEPHONY_CALLER_ID and ITDA_PUBLIC_URL are needed for AI calls"
            )
        if not request.phone:
            raise ChannelNotConfigured("the person has no phone number")
        reference = attempt_reference(request.attempt_id, now=now)
        reply = transport.post_form(
            calls_url,
            {
                "To": request.phone,
                "From": caller_id,
                "Url": f"{public_url}{reverse('api:telephony_voice')}?attempt={reference}",
                "Method": "POST",
                "StatusCallback": f"{public_url}{reverse('api:telephony_status')}?attempt={reference}",
                "StatusCallbackEvent": "completed",
                "Timeout": str(RING_SECONDS),
            },
            username=os.environ.get("ITDA_TELEPHONY_ACCOUNT", ""),
            password=env_secret("ITDA_TELEPHONY_TOKEN") or "",
        )
        return str(reply.get("sid", ""))[:64]
