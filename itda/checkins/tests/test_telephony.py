"""The Twilio-style telephony webhooks: signature, the question-by-question TwiML, idempotency on CallSid."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from itda.api.telephony import sign
from itda.checkins import cycle, links, services
from itda.checkins.models import CheckinAttempt, Escalation
from itda.checkins.tests.conftest import ai_call_due_a_minute_ago, live_adapters

SECRET = "telephony-test-secret"


@pytest.fixture
def webhook_secret(monkeypatch):
    monkeypatch.setenv("ITDA_TELEPHONY_WEBHOOK_SECRET", SECRET)
    return SECRET


@pytest.fixture
def ringing(cast, teams, resident, provider, webhook_secret):
    """An AI call placed a moment ago: the attempt waits for the provider's webhooks."""
    now = timezone.now()
    ai_call_due_a_minute_ago(cast=cast, teams=teams, person=resident)
    services.generate_due_contacts(now=now)
    cycle.dispatch_due_contacts(now=now, adapters=live_adapters(), worker_id="worker-a")
    return CheckinAttempt.objects.get()


def _post(client, name, attempt, fields, *, question="", secret=SECRET, signature=None):
    body = urlencode(fields)
    query = {"attempt": links.attempt_reference(attempt.pk, now=timezone.now())}
    if question:
        query["question"] = question
    headers = {}
    if secret:
        headers["X-Itda-Signature"] = signature or sign(body.encode(), secret)
    return client.post(
        f"{reverse(name)}?{urlencode(query)}", data=body, content_type="application/x-www-form-urlencoded", headers=headers
    )


def _snapshot(attempt):
    attempt.refresh_from_db()
    return (attempt.status, attempt.provider_call_id, attempt.answers, Escalation.objects.count())


@pytest.mark.django_db
@pytest.mark.parametrize(("secret", "signature"), [(None, None), (SECRET, "sha256=0000"), ("another-secret", None)])
def test_a_webhook_without_the_right_signature_is_refused_and_changes_nothing(client, ringing, secret, signature):
    before = _snapshot(ringing)

    response = _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1"}, secret=secret, signature=signature)

    assert response.status_code == 401
    assert _snapshot(ringing) == before


@pytest.mark.django_db
def test_without_a_configured_secret_every_webhook_is_refused(client, ringing, monkeypatch):
    monkeypatch.delenv("ITDA_TELEPHONY_WEBHOOK_SECRET")
    before = _snapshot(ringing)

    response = _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1"})

    assert response.status_code == 401
    assert "not configured" in response.json()["message"]
    assert _snapshot(ringing) == before


@pytest.mark.django_db
def test_the_first_webhook_binds_the_call_and_asks_the_first_question(client, ringing):
    response = _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1", "CallStatus": "in-progress"})

    body = response.content.decode()
    ringing.refresh_from_db()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert body.startswith(
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="ko-KR">안녕하세요, 서울시 안부확인 전화입니다.'
    )
    assert '<Gather input="dtmf speech" numDigits="1" language="ko-KR"' in body
    assert "question=HEALTH" in body
    assert ringing.provider_call_id == "CA1"


@pytest.mark.django_db
def test_answers_by_keypad_and_speech_are_stored_and_the_last_one_ends_the_call(client, ringing):
    _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1"})
    _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1", "Digits": "1"}, question="HEALTH")
    _post(
        client,
        "api:telephony_voice",
        ringing,
        {"CallSid": "CA1", "SpeechResult": "밥을 못 먹었어요", "Confidence": "0.91"},
        question="MEALS",
    )
    _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1", "Digits": "1"}, question="MEDICATION")
    _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1", "Digits": "2"}, question="EXERCISE")

    last = _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1", "SpeechResult": "그럭저럭 지내요"}, question="OPEN")

    ringing.refresh_from_db()
    assert last.content.decode().endswith("<Hangup/></Response>")
    assert ringing.status == "ANSWERED"
    assert ringing.answers == {
        "HEALTH": {"digits": "1"},
        "MEALS": {"speech": "밥을 못 먹었어요"},
        "MEDICATION": {"digits": "1"},
        "EXERCISE": {"digits": "2"},
        "OPEN": {"speech": "그럭저럭 지내요"},
    }
    assert ringing.signals == ["NOT_EATING"]
    assert Escalation.objects.get().step_key == "URGENT_CONTACT:1"


@pytest.mark.django_db
def test_a_repeated_webhook_gets_the_same_reply_and_keeps_the_first_answer(client, ringing):
    _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1"})
    first = _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1", "Digits": "2"}, question="HEALTH")

    repeated = _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1", "Digits": "1"}, question="HEALTH")

    ringing.refresh_from_db()
    assert repeated.content == first.content
    assert ringing.answers == {"HEALTH": {"digits": "2"}}


@pytest.mark.django_db
def test_a_webhook_naming_another_call_is_refused(client, ringing):
    _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1"})
    before = _snapshot(ringing)

    response = _post(client, "api:telephony_voice", ringing, {"CallSid": "CA-other", "Digits": "2"}, question="HEALTH")

    assert response.status_code == 409
    assert _snapshot(ringing) == before


@pytest.mark.django_db
def test_an_unanswered_call_reported_by_the_status_webhook_starts_the_ladder_once(client, ringing):
    first = _post(client, "api:telephony_status", ringing, {"CallSid": "CA1", "CallStatus": "no-answer"})
    again = _post(client, "api:telephony_status", ringing, {"CallSid": "CA1", "CallStatus": "no-answer"})

    ringing.refresh_from_db()
    assert (first.status_code, again.status_code) == (204, 204)
    assert ringing.status == "NO_ANSWER"
    assert list(Escalation.objects.values_list("state", "step")) == [("RETRY", 1)]


@pytest.mark.django_db
def test_a_call_that_was_picked_up_and_hung_up_without_a_word_counts_as_no_answer(client, ringing):
    _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1"})

    _post(client, "api:telephony_status", ringing, {"CallSid": "CA1", "CallStatus": "completed"})

    ringing.refresh_from_db()
    assert ringing.status == "NO_ANSWER"


@pytest.mark.django_db
def test_a_tampered_attempt_reference_is_not_found(client, ringing):
    body = urlencode({"CallSid": "CA1"})

    response = client.post(
        f"{reverse('api:telephony_voice')}?attempt={ringing.pk}",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Itda-Signature": sign(body.encode(), SECRET)},
    )

    assert response.status_code == 404
    assert _snapshot(ringing)[1] is None


@pytest.mark.django_db
def test_an_unknown_question_is_refused(client, ringing):
    response = _post(client, "api:telephony_voice", ringing, {"CallSid": "CA1", "Digits": "1"}, question="WEATHER")

    assert response.status_code == 422
