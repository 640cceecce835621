"""The messenger link adapter: a business message ("알림톡"-style) with a button to the same one-time check-in page.

Korean business-messaging gateways (Kakao 알림톡 resellers and the like) share one shape, which this adapter
speaks in a generic JSON form so any of them can sit behind a thin proxy:

``POST {ITDA_MESSENGER_GATEWAY_URL}`` with ``Authorization: Bearer {key}`` and the JSON body::

    {"sender_key": "...", "template_code": "ITDA_CHECKIN_1", "recipient": "010-0000-0101",
     "variables": {"link": "https://…/check-in/<token>"},
     "message": "<the template text with the variables filled in>",
     "buttons": [{"type": "WL", "name": "안부 답하기", "url_mobile": "…", "url_pc": "…"}],
     "reference": "<our attempt id>"}

The gateway answers ``{"id": "...", "status": "accepted"}``. It refuses one recipient with
``{"status": "refused", "code": "NOT_A_MESSENGER_USER"}`` (HTTP 200 or 4xx): the person has no messenger
account, blocked the sender, or the number is not registered. That raises ``RecipientRefused``, and the
cycle sends the same link as a text message instead (recorded on the attempt: ``sent_via``,
``fallback_reason``). Any other failure (gateway down, bad key, unknown template) is a TransportError: the
attempt fails and the escalation ladder retries, as for the other channels.

Business messages need an approved template: the text below is the template registered as
``ITDA_MESSENGER_TEMPLATE_CODE``; only ``#{link}`` varies.

Settings (environment, read when a message is sent): ITDA_MESSENGER_GATEWAY_URL,
ITDA_MESSENGER_KEY (or _FILE, through ``env_secret``), ITDA_MESSENGER_SENDER_KEY (the business channel's
public sender profile key), ITDA_MESSENGER_TEMPLATE_CODE (default ``ITDA_CHECKIN_1``), ITDA_PUBLIC_URL.
"""

from __future__ import annotations

import os
from datetime import datetime

from django.urls import reverse

from itda.checkins.adapters import CallRequest, CallResult, ChannelNotConfigured, transport
from itda.checkins.links import make_link_token
from itda.lib.env import env_secret

DEFAULT_TEMPLATE_CODE = "ITDA_CHECKIN_1"
TEMPLATE = "[서울시 안부확인] 잘 지내고 계신지 여쭤봐요. 아래 '안부 답하기'를 눌러 답해 주세요.\n#{link}"
BUTTON_NAME = "안부 답하기"
# Gateway codes that mean "this recipient cannot get business messages": fall back to a text message.
RECIPIENT_REFUSALS = frozenset({"NOT_A_MESSENGER_USER", "RECIPIENT_BLOCKED", "RECIPIENT_NOT_FOUND", "INVALID_RECIPIENT"})


class RecipientRefused(transport.TransportError):
    """The gateway works but cannot deliver to this recipient (no messenger account, blocked): send a text instead."""

    def __init__(self, code: str):
        super().__init__(f"recipient refused: {code}")
        self.code = code


def is_configured() -> bool:
    """True when a messenger gateway is set up (the lapse ladder skips the messenger step otherwise)."""
    return bool(os.environ.get("ITDA_MESSENGER_GATEWAY_URL") and os.environ.get("ITDA_MESSENGER_SENDER_KEY"))


def _refusal_code(reply: dict) -> str:
    if str(reply.get("status", "")).lower() != "refused":
        return ""
    return str(reply.get("code", ""))[:60] or "REFUSED"


class MessengerLinkAdapter:
    name = "messenger"
    is_synchronous = False

    def start(self, requests: list[CallRequest], *, now: datetime) -> list[CallResult]:
        raise NotImplementedError("the messenger adapter is asynchronous: use send()")

    def send(self, request: CallRequest, *, now: datetime) -> str:
        gateway = os.environ.get("ITDA_MESSENGER_GATEWAY_URL", "")
        sender_key = os.environ.get("ITDA_MESSENGER_SENDER_KEY", "")
        public_url = os.environ.get("ITDA_PUBLIC_URL", "").rstrip("/")
        if not (gateway and sender_key and public_url):
            raise ChannelNotConfigured(
                "ITDA_MESSENGER_GATEWAY_URL, ITDA_MESSENGER_SENDER_KEY and ITDA_PUBLIC_URL are needed for messenger links"
            )
        if not request.phone:
            raise ChannelNotConfigured("the person has no phone number")
        link = public_url + reverse("portal:checkin_answer", args=[make_link_token(request.attempt_id, now=now)])
        payload = {
            "sender_key": sender_key,
            "template_code": os.environ.get("ITDA_MESSENGER_TEMPLATE_CODE", "") or DEFAULT_TEMPLATE_CODE,
            "recipient": request.phone,
            "variables": {"link": link},
            "message": TEMPLATE.replace("#{link}", link),
            "buttons": [{"type": "WL", "name": BUTTON_NAME, "url_mobile": link, "url_pc": link}],
            "reference": str(request.attempt_id),
        }
        try:
            reply = transport.post_json(gateway, payload, bearer=env_secret("ITDA_MESSENGER_KEY") or "")
        except transport.TransportError as error:
            code = _refusal_code(error.reply)
            if code in RECIPIENT_REFUSALS:
                raise RecipientRefused(code) from None
            raise
        code = _refusal_code(reply)
        if code in RECIPIENT_REFUSALS:
            raise RecipientRefused(code)
        if code:
            raise transport.TransportError(f"gateway refused the message: {code}", reply=reply)
        return str(reply.get("id", ""))[:60]
