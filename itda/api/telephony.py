"""Telephony webhooks for the weekly AI check-in call, in the shape of Twilio's voice webhooks.

The provider POSTs ``application/x-www-form-urlencoded`` fields (Twilio's names:
``CallSid``, ``CallStatus``, ``Digits``, ``SpeechResult``, ``Confidence``) and
reads TwiML back:

1. ``POST …/telephony/voice?attempt=<ref>`` when the person picks up; the reply
   greets them and asks the first question in a ``<Gather input="dtmf speech"
   language="ko-KR">`` whose ``action`` comes back here with ``&question=CODE``.
2. ``POST …/telephony/voice?attempt=<ref>&question=CODE`` with ``Digits`` (keypad)
   or ``SpeechResult`` (the provider's transcript); the reply asks the next
   question, or thanks them and hangs up after the last one.
3. ``POST …/telephony/status?attempt=<ref>`` when the call ends (``CallStatus``:
   completed, busy, no-answer, failed, canceled).

``attempt`` is a signed, expiring reference made when the call was placed (see
``checkins.links``). Every request must be signed in one of two ways, checked when
it arrives (401 otherwise, before anything is read or changed):

- ``X-Itda-Signature: sha256=<hex>``: the HMAC-SHA256 of the raw request body under
  the shared secret ``ITDA_TELEPHONY_WEBHOOK_SECRET`` (or ``_FILE``), for a gateway
  of our own in front of the provider;
- ``X-Twilio-Signature: <base64>``, so that a standard provider can call directly:
  Twilio's documented scheme, base64 of the HMAC-SHA1, under the provider's auth
  token, of the full URL the provider requested (scheme, host, path and query
  string) followed by every POST parameter, sorted by name, as name and value
  concatenated without separators. The token is ``ITDA_TELEPHONY_TWILIO_AUTH_TOKEN``
  (or ``_FILE``), else the webhook secret above. Only form-encoded bodies are
  signed this way (Twilio's JSON ``bodySHA256`` variant is not accepted).

The URL must be the one the provider saw, not the one behind the load balancer:
when ``ITDA_PUBLIC_URL`` is set (it is also the base the voice adapter gives the
provider for its callbacks, so in production it is), the URL is that base plus the
request's path and query string as received. Without it, Django's
``build_absolute_uri`` is used, which honours ``SECURE_PROXY_SSL_HEADER`` (an
``X-Forwarded-Proto`` from a trusted proxy) and ``USE_X_FORWARDED_HOST`` only if
the settings turn them on; itda's settings turn neither on, so behind a
TLS-terminating balancer set ``ITDA_PUBLIC_URL``. Because providers differ on
whether the default port (``:443``, ``:80``) is part of the signed URL, both
spellings are accepted. Secrets are read through ``env_secret`` and never logged.

Without any configured secret every request is refused. Webhooks are idempotent
on the provider's ``CallSid``: the first one binds the call to the attempt, a
repeated one changes nothing, one naming another call is refused (409).

Mount with ``api.add_router("/telephony/", telephony.router)``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape, quoteattr

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Form, Router, Schema, Status
from ninja.errors import HttpError

from itda.checkins import campaign, links, services
from itda.lib.env import env_secret

SIGNATURE_HEADER = "X-Itda-Signature"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
SECRET_NAME = "ITDA_TELEPHONY_WEBHOOK_SECRET"  # noqa: S105 - the name of the variable, not a secret
TWILIO_TOKEN_NAME = "ITDA_TELEPHONY_TWILIO_AUTH_TOKEN"  # noqa: S105 - the name of the variable, not a secret
PUBLIC_URL_NAME = "ITDA_PUBLIC_URL"
FINISHED_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}
_DEFAULT_PORTS = {"https": 443, "http": 80}


def sign(body: bytes, secret: str) -> str:
    """The signature header value for ``body``: what the provider (or the gateway in front of it) sends."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def twilio_signature(token: str, url: str, params: list[tuple[str, str]] | dict[str, str]) -> str:
    """The ``X-Twilio-Signature`` of a form POST to ``url``: base64(HMAC-SHA1(token, url + sorted names and values))."""
    pairs = sorted(params.items() if isinstance(params, dict) else params)  # by name, then value for a repeated name
    payload = url + "".join(name + value for name, value in pairs)
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def provider_url(request: HttpRequest) -> str:
    """The URL the provider requested: ``ITDA_PUBLIC_URL`` + path and query when set, else Django's absolute URI."""
    public = os.environ.get(PUBLIC_URL_NAME, "").rstrip("/")
    if public:
        return public + request.get_full_path()
    return request.build_absolute_uri()


def _port_spellings(url: str) -> list[str]:
    """The URL as given, without its default port and with it: providers sign one or the other."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    if default is None or parts.hostname is None or (parts.port not in (None, default)):
        return [url]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    with_port = urlunsplit((parts.scheme, f"{host}:{default}", parts.path, parts.query, parts.fragment))
    return [bare, with_port]


def _twilio_signature_matches(request: HttpRequest, token: str, given: str) -> bool:
    params = [(name, value) for name, values in request.POST.lists() for value in values]
    matches = False
    for url in _port_spellings(provider_url(request)):
        matches |= hmac.compare_digest(given.encode(), twilio_signature(token, url, params).encode())
    return matches


class WebhookSignature:
    """ninja auth: our HMAC of the body, or Twilio's signature of URL and parameters, must match. Refusals are 401
    and touch nothing."""

    def __call__(self, request: HttpRequest):
        secret = env_secret(SECRET_NAME)
        token = env_secret(TWILIO_TOKEN_NAME) or secret
        if not secret and not token:
            raise HttpError(401, "전화 연동 비밀값이 설정되지 않았습니다 (the telephony webhook secret is not configured)")
        given = request.headers.get(SIGNATURE_HEADER, "")
        if given and secret and hmac.compare_digest(given.encode(), sign(request.body, secret).encode()):
            return "telephony"
        given_twilio = request.headers.get(TWILIO_SIGNATURE_HEADER, "")
        if given_twilio and token and _twilio_signature_matches(request, token, given_twilio):
            return "telephony"
        raise HttpError(401, "서명이 맞지 않습니다 (the request signature does not match)")


class VoiceCallback(Schema):
    CallSid: str = Field(..., min_length=1, max_length=64)
    CallStatus: str = Field("", max_length=20)
    Digits: str = Field("", max_length=10)
    SpeechResult: str = Field("", max_length=2000)
    Confidence: float | None = None


class StatusCallback(Schema):
    CallSid: str = Field(..., min_length=1, max_length=64)
    CallStatus: str = Field(..., max_length=20)


def _twiml(*verbs: str) -> HttpResponse:
    body = '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def _say(text: str) -> str:
    return f'<Say language="ko-KR">{escape(text)}</Say>'


def _ask(request: HttpRequest, reference: str, question: campaign.Question) -> list[str]:
    action = f"{request.path}?attempt={reference}&question={question.code}"
    listen = 'input="speech"' if question.is_open else 'input="dtmf speech" numDigits="1"'
    gather = f'<Gather {listen} language="ko-KR" speechTimeout="auto" timeout="8" action={quoteattr(action)} method="POST">'
    # No input before the timeout: the provider goes on to the Redirect, which comes back as an empty answer.
    return [gather + _say(question.text) + "</Gather>", f'<Redirect method="POST">{escape(action)}</Redirect>']


def _attempt_id(reference: str, now) -> int:
    try:
        return links.read_attempt_reference(reference, now=now)
    except links.LinkInvalid:
        raise HttpError(404, "알 수 없는 통화입니다 (unknown call)") from None


def make_router() -> Router:
    """A fresh router (a ninja router can join only one API; tests mount their own)."""
    router = Router(tags=["telephony"], auth=WebhookSignature())

    @router.post("/voice", url_name="telephony_voice", response={200: None})
    def telephony_voice(request: HttpRequest, attempt: str, payload: Form[VoiceCallback], question: str = ""):
        """Ask the next check-in question (TwiML), storing the answer to the previous one."""
        now = timezone.now()
        attempt_id = _attempt_id(attempt, now)
        check_in = campaign.load_campaign()
        codes = [item.code for item in check_in.questions]
        if question and question not in codes:
            raise HttpError(422, "알 수 없는 질문입니다 (unknown question)")
        try:
            recorded = services.record_call_answer(
                attempt_id=attempt_id,
                provider_call_id=payload.CallSid,
                question=question,
                digits=payload.Digits,
                speech=payload.SpeechResult,
                now=now,
            )
        except services.CallMismatch as error:
            raise HttpError(409, str(error)) from None
        next_index = codes.index(question) + 1 if question else 0
        if not recorded.is_open or next_index >= len(codes):
            if recorded.is_open:
                services.finish_call(
                    attempt_id=attempt_id, provider_call_id=payload.CallSid, completed=True, failed=False, now=now
                )
            return _twiml(_say(check_in.closing), "<Hangup/>")
        verbs = [_say(check_in.greeting)] if not question else []
        return _twiml(*verbs, *_ask(request, attempt, check_in.questions[next_index]))

    @router.post("/status", url_name="telephony_status", response={204: None})
    def telephony_status(request: HttpRequest, attempt: str, payload: Form[StatusCallback]):
        """The call ended: record it as answered or not (idempotent)."""
        now = timezone.now()
        attempt_id = _attempt_id(attempt, now)
        status = payload.CallStatus.lower()
        if status not in FINISHED_STATUSES:
            return Status(204, None)
        try:
            services.finish_call(
                attempt_id=attempt_id,
                provider_call_id=payload.CallSid,
                completed=status == "completed",
                failed=status == "failed",
                now=now,
            )
        except services.CallMismatch as error:
            raise HttpError(409, str(error)) from None
        return Status(204, None)

    return router


router = make_router()
