"""The messenger link channel end to end, against a local fake gateway over real HTTP (no transport double).

A business message ("알림톡"-style: template code, variables, a link button) carries the same one-time check-in
link as the text message; a recipient the gateway refuses (not a messenger user, blocked) gets the text
message instead, recorded on the attempt; other gateway failures fail the attempt for the ladder to retry.
The answer page behind the link works exactly as for a text message.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from itda.checkins import cycle, ladder, services
from itda.checkins.adapters import AdapterSet, transport
from itda.checkins.adapters.messenger import DEFAULT_TEMPLATE_CODE, MessengerLinkAdapter
from itda.checkins.adapters.sms import SmsLinkAdapter
from itda.checkins.adapters.voice import VoiceAdapter
from itda.checkins.models import CheckinAttempt, ContactPlan, DueContact
from itda.checkins.tests.conftest import TUESDAY_MORNING, ai_call_due_a_minute_ago, run, scripted
from itda.contacts.models import ContactLog

ANSWERS = {"HEALTH": "1", "MEALS": "1", "MEDICATION": "1", "EXERCISE": "2", "OPEN": ""}


class FakeGateways:
    """A messenger gateway at /messenger and an SMS gateway at /sms on 127.0.0.1, recording what they receive."""

    def __init__(self):
        self.received: list[dict] = []
        self.messenger_reply: tuple[int, dict] = (200, {"id": "K-1", "status": "accepted"})
        self.sms_reply: tuple[int, dict] = (200, {"id": "S-1"})
        gateways = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                is_json = self.headers.get("Content-Type", "").startswith("application/json")
                gateways.received.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization", ""),
                        "body": json.loads(body) if is_json else dict(urllib.parse.parse_qsl(body)),
                    }
                )
                status, reply = gateways.messenger_reply if self.path == "/messenger" else gateways.sms_reply
                payload = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def paths(self) -> list[str]:
        return [request["path"] for request in self.received]


@pytest.fixture
def gateways(monkeypatch):
    fake = FakeGateways()
    fake.thread.start()
    for name, value in {
        "ITDA_PUBLIC_URL": "https://itda.example",
        "ITDA_MESSENGER_GATEWAY_URL": f"{fake.url}/messenger",
        "ITDA_MESSENGER_SENDER_KEY": "sender-profile-test",
        "ITDA_MESSENGER_KEY": "messenger-secret-test",
        "ITDA_SMS_GATEWAY_URL": f"{fake.url}/sms",
        "ITDA_SMS_SENDER": "02-0000-0001",
        "ITDA_SMS_GATEWAY_KEY": "sms-secret-test",
    }.items():
        monkeypatch.setenv(name, value)
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def live_adapters() -> AdapterSet:
    return AdapterSet({"VOICE": VoiceAdapter(), "SMS_LINK": SmsLinkAdapter(), "MESSENGER_LINK": MessengerLinkAdapter()})


@pytest.fixture
def messaged(cast, teams, resident, gateways):
    """A messenger check-in due a minute ago, dispatched: its attempt is stored, not yet sent."""
    now = timezone.now()
    ai_call_due_a_minute_ago(cast=cast, teams=teams, person=resident, channel="MESSENGER_LINK")
    services.generate_due_contacts(now=now)
    cycle.dispatch_due_contacts(now=now, adapters=live_adapters(), worker_id="worker-a")
    return CheckinAttempt.objects.get()


def _send(attempt) -> int:
    sent = cycle.send_attempts(attempt_ids=[attempt.pk], adapters=live_adapters(), now=timezone.now())
    attempt.refresh_from_db()
    return sent


def _path_of(link: str) -> str:
    return urllib.parse.urlsplit(link).path


@pytest.mark.django_db
def test_the_message_carries_template_variables_and_a_button_with_the_one_time_link(messaged, gateways, resident):
    assert _send(messaged) == 1

    [request] = gateways.received
    body = request["body"]
    link = body["variables"]["link"]
    assert request["path"] == "/messenger"
    assert request["authorization"] == "Bearer messenger-secret-test"
    assert (body["template_code"], body["sender_key"], body["recipient"]) == (
        DEFAULT_TEMPLATE_CODE,
        "sender-profile-test",
        resident.phone,
    )
    assert link.startswith("https://itda.example/") and link in body["message"]
    assert body["buttons"] == [{"type": "WL", "name": "안부 답하기", "url_mobile": link, "url_pc": link}]
    assert (messaged.status, messaged.provider_call_id) == ("STARTED", "msg:K-1")
    assert (messaged.sent_via, messaged.fallback_reason) == ("", "")
    assert messaged.deadline_at - messaged.started_at == timedelta(minutes=180)  # the link's answer window, not the call's


@pytest.mark.django_db
def test_the_key_can_come_from_a_file(messaged, gateways, monkeypatch, tmp_path):
    secret = tmp_path / "messenger-key"
    secret.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.delenv("ITDA_MESSENGER_KEY")
    monkeypatch.setenv("ITDA_MESSENGER_KEY_FILE", str(secret))

    _send(messaged)

    assert gateways.received[0]["authorization"] == "Bearer from-a-file"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [200, 400])
def test_a_recipient_who_is_not_a_messenger_user_gets_the_same_link_as_a_text_and_the_attempt_says_so(
    messaged, gateways, resident, status
):
    gateways.messenger_reply = (status, {"status": "refused", "code": "NOT_A_MESSENGER_USER"})

    assert _send(messaged) == 1

    assert gateways.paths() == ["/messenger", "/sms"]
    link = gateways.received[0]["body"]["variables"]["link"]
    text = gateways.received[1]["body"]
    assert text["to"] == resident.phone and text["text"].endswith(link)
    assert (messaged.status, messaged.sent_via, messaged.fallback_reason, messaged.provider_call_id) == (
        "STARTED",
        "SMS_LINK",
        "NOT_A_MESSENGER_USER",
        "sms:S-1",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reply",
    [(401, {"status": "refused", "code": "BAD_KEY"}), (200, {"status": "refused", "code": "TEMPLATE_NOT_APPROVED"}), (503, {})],
    ids=["bad-key", "template", "gateway-down"],
)
def test_any_other_refusal_fails_the_attempt_without_a_text_and_the_ladder_takes_over(messaged, gateways, reply):
    gateways.messenger_reply = reply

    assert _send(messaged) == 0

    assert gateways.paths() == ["/messenger"]
    assert (messaged.status, messaged.sent_via, messaged.fallback_reason) == ("FAILED", "", "")
    assert DueContact.objects.get().escalations.get().step_key == "RETRY:1"


@pytest.mark.django_db
def test_a_fallback_text_that_fails_too_fails_the_attempt_and_keeps_the_reason(messaged, gateways):
    gateways.messenger_reply = (400, {"status": "refused", "code": "RECIPIENT_BLOCKED"})
    gateways.sms_reply = (500, {})

    assert _send(messaged) == 0

    assert gateways.paths() == ["/messenger", "/sms"]
    assert (messaged.status, messaged.fallback_reason) == ("FAILED", "RECIPIENT_BLOCKED")


@pytest.mark.django_db
def test_without_a_configured_gateway_the_attempt_fails_and_nothing_is_sent(messaged, gateways, monkeypatch):
    monkeypatch.delenv("ITDA_MESSENGER_GATEWAY_URL")

    assert _send(messaged) == 0

    assert gateways.received == []
    assert messaged.status == "FAILED"


@pytest.mark.django_db
@pytest.mark.parametrize("refused", [False, True], ids=["messenger", "fell-back-to-text"])
def test_the_answer_page_works_the_same_behind_a_messenger_link(client, messaged, gateways, refused):
    if refused:
        gateways.messenger_reply = (200, {"status": "refused", "code": "NOT_A_MESSENGER_USER"})
    _send(messaged)
    path = _path_of(gateways.received[0]["body"]["variables"]["link"])

    page = client.get(path)
    answered = client.post(path, ANSWERS)
    again = client.post(path, ANSWERS)

    messaged.refresh_from_db()
    assert page.status_code == 200 and "요즘 몸은 좀 어떠세요?" in page.content.decode()
    assert answered.status_code == 200 and answered.context["already"] is False
    assert again.context["already"] is True
    assert messaged.status == "ANSWERED"
    assert DueContact.objects.get().outcome == "ANSWERED"
    assert ContactLog.objects.get().channel == ("SMS" if refused else "MESSENGER")  # the timeline says how it went


@pytest.mark.django_db
def test_a_link_for_a_voice_attempt_is_not_an_answer_page(client, cast, teams, resident, gateways):
    from itda.checkins.links import make_link_token

    now = timezone.now()
    ai_call_due_a_minute_ago(cast=cast, teams=teams, person=resident, channel="VOICE")
    services.generate_due_contacts(now=now)
    cycle.dispatch_due_contacts(now=now, adapters=live_adapters(), worker_id="worker-a")
    attempt = CheckinAttempt.objects.get()

    response = client.get(reverse("portal:checkin_answer", args=[make_link_token(attempt.pk, now=now)]))

    assert response.status_code == 404


def test_an_adapter_set_without_a_messenger_adapter_serves_messenger_plans_by_text():
    sms = SmsLinkAdapter()
    adapters = AdapterSet({"VOICE": VoiceAdapter(), "SMS_LINK": sms})

    assert adapters.for_channel("MESSENGER_LINK") is sms
    with pytest.raises(KeyError):
        adapters.for_channel("IN_PERSON")


def test_post_json_refuses_plain_http_to_other_hosts():
    with pytest.raises(transport.TransportError):
        transport.post_json("http://gateway.example/send", {})


# --- lapsed engagement --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_a_messenger_gateway_lapsed_texts_move_to_messenger_then_to_the_volunteer(cast, teams, ai_plan, gateways):
    ContactPlan.objects.filter(pk=ai_plan.pk).update(channel="SMS_LINK", missed_in_row=2)
    adapters, _adapter = scripted()

    run(TUESDAY_MORNING, adapters)
    ai_plan.refresh_from_db()
    assert (ai_plan.channel, ai_plan.missed_in_row) == ("MESSENGER_LINK", 0)

    ContactPlan.objects.filter(pk=ai_plan.pk).update(missed_in_row=2)
    run(TUESDAY_MORNING + timedelta(days=7), adapters)
    ai_plan.refresh_from_db()
    assert ai_plan.channel == "VOLUNTEER_CALL"


@pytest.mark.django_db
def test_without_a_messenger_gateway_the_messenger_step_is_skipped(cast, teams, ai_plan, monkeypatch):
    monkeypatch.delenv("ITDA_MESSENGER_GATEWAY_URL", raising=False)
    ContactPlan.objects.filter(pk=ai_plan.pk).update(channel="SMS_LINK", missed_in_row=2)
    adapters, _adapter = scripted()

    run(TUESDAY_MORNING, adapters)

    ai_plan.refresh_from_db()
    assert ai_plan.channel == "VOLUNTEER_CALL"


def test_the_default_ladder_and_a_district_ladder_may_name_the_messenger_step_once():
    assert ladder.default_policy().channel_ladder == ("VOICE", "SMS_LINK", "MESSENGER_LINK", "VOLUNTEER_CALL")
    assert ladder.default_policy().merged({"channel_ladder": ["VOICE", "MESSENGER_LINK"]}).channel_ladder == (
        "VOICE",
        "MESSENGER_LINK",
    )
    with pytest.raises(ladder.PolicyInvalid):
        ladder.default_policy().merged({"channel_ladder": ["VOICE", "MESSENGER_LINK", "MESSENGER_LINK"]})
    with pytest.raises(ladder.PolicyInvalid):
        ladder.default_policy().merged({"channel_ladder": ["VOICE", "KAKAO"]})


@pytest.mark.django_db
def test_a_worker_can_choose_messenger_for_the_weekly_call(client, cast, teams, resident):
    client.force_login(cast.social_worker)

    response = client.post(
        reverse("console:checkin_ai_call", args=[resident.pk]), {"weekday": 2, "at": "15:00", "channel": "MESSENGER_LINK"}
    )

    assert response.status_code == 302
    assert ContactPlan.objects.get(person=resident, kind="AI_CALL").channel == "MESSENGER_LINK"
