"""The SMS (or messenger) link adapter: a text message with a one-time link to the portal's check-in page.

Settings (environment, read when a message is sent): ITDA_SMS_GATEWAY_URL,
ITDA_SMS_GATEWAY_KEY (or _FILE), ITDA_SMS_SENDER, ITDA_PUBLIC_URL. The gateway
receives ``to``, ``from`` and ``text`` as form fields.
"""

from __future__ import annotations

import os
from datetime import datetime

from django.urls import reverse

from itda.checkins.adapters import CallRequest, CallResult, ChannelNotConfigured, transport
from itda.checkins.links import make_link_token
from itda.lib.env import env_secret

MESSAGE = "[서울시 안부확인] 잘 지내고 계신지 여쭤봐요. 아래 주소를 눌러 답해 주세요. {link}"


class SmsLinkAdapter:
    name = "sms"
    is_synchronous = False

    def start(self, requests: list[CallRequest], *, now: datetime) -> list[CallResult]:
        raise NotImplementedError("the SMS adapter is asynchronous: use send()")

    def send(self, request: CallRequest, *, now: datetime) -> str:
        gateway = os.environ.get("ITDA_SMS_GATEWAY_URL", "")
        public_url = os.environ.get("ITDA_PUBLIC_URL", "").rstrip("/")
        sender = os.environ.get("ITDA_SMS_SENDER", "")
        if not (gateway and public_url and sender):
            raise ChannelNotConfigured("ITDA_SMS_GATEWAY_URL, ITDA_SMS_SENDER and ITDA_PUBLIC_URL are needed for check-in links")
        if not request.phone:
            raise ChannelNotConfigured("the person has no phone number")
        link = public_url + reverse("portal:checkin_answer", args=[make_link_token(request.attempt_id, now=now)])
        reply = transport.post_form(
            gateway,
            {"to": request.phone, "from": sender, "text": MESSAGE.format(link=link)},
            username="itda",
            password=env_secret("ITDA_SMS_GATEWAY_KEY") or "",
        )
        return str(reply.get("id", ""))[:64]
