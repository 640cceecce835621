"""The Twilio-style telephony webhooks: signature, the question-by-question TwiML, idempotency on CallSid."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from itda.api.telephony import sign, twilio_signature
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


# --- Twilio's own signature, so a standard provider can call the webhooks directly --------------------------------

TWILIO_TOKEN = "twilio-test-auth-token"


def test_the_twilio_signature_matches_the_providers_documented_example():
    # The worked example of Twilio's request-validation documentation (auth token 12345).
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }

    signature = twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)

    assert signature == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def _twilio_post(client, attempt, fields, *, token=TWILIO_TOKEN, base="https://itda.example", sign_fields=None, headers=None):
    """POST as Twilio does: form fields, signed over the URL the provider requested and the sorted fields."""
    query = urlencode({"attempt": links.attempt_reference(attempt.pk, now=timezone.now())})
    path = f"{reverse('api:telephony_voice')}?{query}"
    signed = sorted((sign_fields or fields).items())
    return client.post(
        path,
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": twilio_signature(token, base + path, signed), **(headers or {})},
    )


@pytest.fixture
def twilio_token(monkeypatch):
    monkeypatch.setenv("ITDA_TELEPHONY_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    return TWILIO_TOKEN


@pytest.mark.django_db
def test_a_webhook_signed_the_twilio_way_over_the_public_url_is_accepted(client, ringing, twilio_token):
    response = _twilio_post(client, ringing, {"CallSid": "CA1", "CallStatus": "in-progress", "From": "+82200000000"})

    ringing.refresh_from_db()
    assert response.status_code == 200
    assert ringing.provider_call_id == "CA1"


@pytest.mark.django_db
def test_without_its_own_token_the_twilio_signature_uses_the_webhook_secret(client, ringing):
    response = _twilio_post(client, ringing, {"CallSid": "CA1"}, token=SECRET)

    assert response.status_code == 200


@pytest.mark.django_db
def test_the_default_port_may_or_may_not_be_in_the_signed_url(client, ringing, twilio_token):
    response = _twilio_post(client, ringing, {"CallSid": "CA1"}, base="https://itda.example:443")

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"token": "another-token"}, id="wrong token"),
        pytest.param({"token": SECRET}, id="webhook secret when a twilio token is set"),
        pytest.param({"base": "http://itda.example"}, id="wrong scheme"),
        pytest.param({"base": "https://elsewhere.example"}, id="wrong host"),
        pytest.param({"base": "https://itda.example:8443"}, id="wrong port"),
        pytest.param({"sign_fields": {"CallSid": "CA1", "Digits": "1"}}, id="tampered parameter"),
        pytest.param({"sign_fields": {"CallSid": "CA1", "CallStatus": "in-progress"}}, id="added parameter"),
        pytest.param({"headers": {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}}, id="made-up signature"),
        pytest.param({"headers": {"X-Twilio-Signature": "ü"}}, id="not ascii"),
    ],
)
def test_a_wrong_twilio_signature_is_refused_and_changes_nothing(client, ringing, twilio_token, tamper):
    fields = {"CallSid": "CA1", "Digits": "2"} if "sign_fields" in tamper and "Digits" in tamper["sign_fields"] else None
    before = _snapshot(ringing)

    response = _twilio_post(client, ringing, fields or {"CallSid": "CA1"}, **tamper)

    assert response.status_code == 401
    assert "does not match" in response.json()["message"]
    assert _snapshot(ringing) == before


@pytest.mark.django_db
def test_the_path_signed_must_be_the_one_requested(client, ringing, twilio_token):
    before = _snapshot(ringing)
    query = urlencode({"attempt": links.attempt_reference(ringing.pk, now=timezone.now())})
    status_path = f"{reverse('api:telephony_status')}?{query}"
    voice_path = f"{reverse('api:telephony_voice')}?{query}"

    response = client.post(
        voice_path,
        data=urlencode({"CallSid": "CA1"}),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, "https://itda.example" + status_path, {"CallSid": "CA1"})},
    )

    assert response.status_code == 401
    assert _snapshot(ringing) == before


@pytest.mark.django_db
def test_without_a_public_url_the_forwarded_scheme_counts_only_when_the_settings_trust_the_proxy(
    client, ringing, twilio_token, monkeypatch, settings
):
    monkeypatch.delenv("ITDA_PUBLIC_URL")
    forwarded = {"X-Forwarded-Proto": "https", "Host": "testserver"}

    untrusted = _twilio_post(client, ringing, {"CallSid": "CA1"}, base="https://testserver", headers=forwarded)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    trusted = _twilio_post(client, ringing, {"CallSid": "CA1"}, base="https://testserver", headers=forwarded)

    assert (untrusted.status_code, trusted.status_code) == (401, 200)
