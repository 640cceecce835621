"""Fixtures for check-in tests: the teams a ladder routes to, a fictional person with an AI call plan, frozen moments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest

from itda.accounts.models import Team
from itda.checkins import cycle, services
from itda.checkins.adapters import AdapterSet, CallRequest, CallResult, transport
from itda.checkins.adapters.sms import SmsLinkAdapter
from itda.checkins.adapters.voice import VoiceAdapter
from itda.checkins.models import ContactPlan
from itda.people.models import Person
from itda.places.models import District, Dong
from itda.programs.hours import SEOUL
from tests.personas import HOME_DISTRICT

HOME_DONG = "1162052500"  # 보라매동, 관악구

# Frozen moments (Seoul time). 2026-09-15 is a Tuesday; Chuseok 2026 is 24–26 September (the 25th is a Friday).
TUESDAY_MORNING = datetime(2026, 9, 15, 10, 0, tzinfo=SEOUL)
TUESDAY_NIGHT = datetime(2026, 9, 15, 22, 0, tzinfo=SEOUL)
SATURDAY_NIGHT = datetime(2026, 9, 19, 23, 0, tzinfo=SEOUL)
CHUSEOK_MORNING = datetime(2026, 9, 25, 10, 0, tzinfo=SEOUL)


@dataclass(frozen=True)
class Teams:
    dong_centre: Team
    district_centre: Team
    mental_health: Team
    control_room: Team


@pytest.fixture
def teams(cast) -> Teams:
    district = District.objects.get(code=HOME_DISTRICT)
    dong = Dong.objects.get(code=HOME_DONG)
    return Teams(
        dong_centre=Team.objects.create(name="가상 보라매동 주민센터", kind=Team.Kind.DONG_CENTRE, district=district, dong=dong),
        district_centre=cast.home_team,
        mental_health=Team.objects.create(
            name="가상 관악구 정신건강복지센터", kind=Team.Kind.MENTAL_HEALTH_CENTRE, district=district
        ),
        control_room=Team.objects.create(name="가상 서울시 고립예방센터 관제실", kind=Team.Kind.CONTROL_ROOM),
    )


@pytest.fixture
def resident(cast) -> Person:
    return Person.objects.create(
        name="가상 주민 봄",
        birth_year=1948,
        phone="010-0000-0101",
        district=District.objects.get(code=HOME_DISTRICT),
        dong=Dong.objects.get(code=HOME_DONG),
        address="가상로 1",
    )


@pytest.fixture
def ai_plan(cast, teams, resident) -> ContactPlan:
    """A weekly AI call on Tuesdays at 10:00, set up the day before the first frozen moment."""
    return services.ensure_contact_plan(
        actor=cast.social_worker,
        person=resident,
        kind=ContactPlan.Kind.AI_CALL,
        team=teams.dong_centre,
        now=datetime(2026, 9, 14, 9, 0, tzinfo=SEOUL),
        preferred_weekday=1,
        preferred_time=time(10, 0),
    )


class ScriptedAdapter:
    """A synchronous channel that answers each call with the next scripted result (no answer when the script runs out)."""

    name = "scripted"
    is_synchronous = True

    def __init__(self, *script: dict | None):
        self.script = list(script)
        self.requests: list[CallRequest] = []

    def start(self, requests: list[CallRequest], *, now: datetime) -> list[CallResult]:
        results = []
        for request in requests:
            self.requests.append(request)
            answers = self.script.pop(0) if self.script else None
            results.append(CallResult(request.attempt_id, answered=answers is not None, answers=answers or {}))
        return results

    def send(self, request, *, now):
        raise NotImplementedError


FINE = {"HEALTH": {"digits": "1"}, "MEALS": {"digits": "1"}, "MEDICATION": {"digits": "1"}, "EXERCISE": {"digits": "1"}}
IN_PAIN = {**FINE, "OPEN": {"speech": "허리가 너무 아파요"}}
SELF_HARM = {**FINE, "OPEN": {"speech": "그냥 사라지고 싶어요"}}


def scripted(*script: dict | None) -> tuple[AdapterSet, ScriptedAdapter]:
    adapter = ScriptedAdapter(*script)
    return AdapterSet({"VOICE": adapter, "SMS_LINK": adapter}), adapter


def run(now: datetime, adapters: AdapterSet, worker_id: str = "test-worker"):
    return cycle.run_cycle(now=now, adapters=adapters, worker_id=worker_id, purge=False)


@pytest.fixture(autouse=True)
def fresh_policy_cache():
    """A district's policy is cached for 30 seconds per process; every test starts and ends without it."""
    services.clear_policy_cache()
    yield
    services.clear_policy_cache()


PROVIDER = {
    "ITDA_TELEPHONY_CALLS_URL": "https://provider.example/Calls.json",
    "ITDA_TELEPHONY_CALLER_ID": "02-0000-0000",
    "ITDA_TELEPHONY_ACCOUNT": "AC-test",
    "ITDA_TELEPHONY_TOKEN": "test-token",
    "ITDA_PUBLIC_URL": "https://itda.example",
    "ITDA_SMS_GATEWAY_URL": "https://sms.example/send",
    "ITDA_SMS_SENDER": "02-0000-0001",
    "ITDA_SMS_GATEWAY_KEY": "test-key",
}


@pytest.fixture
def provider(monkeypatch, settings):
    """A configured telephony provider and SMS gateway whose HTTP calls are recorded instead of sent."""
    for name, value in PROVIDER.items():
        monkeypatch.setenv(name, value)
    posted = []

    def fake_post(url, data, **kwargs):
        posted.append((url, data))
        return {"sid": f"CA{len(posted):04d}", "id": f"M{len(posted)}"}

    monkeypatch.setattr(transport, "post_form", fake_post)
    return posted


def live_adapters() -> AdapterSet:
    return AdapterSet({"VOICE": VoiceAdapter(), "SMS_LINK": SmsLinkAdapter()})


def residents_called_at(count: int, *, cast, teams, start: datetime) -> list[Person]:
    """``count`` fictional residents of the home dong, each with a weekly AI call at ``start``'s weekday and time."""
    district, dong = District.objects.get(code=HOME_DISTRICT), Dong.objects.get(code=HOME_DONG)
    people = []
    for index in range(count):
        person = Person.objects.create(
            name=f"가상 주민 {index}",
            birth_year=1945 + index,
            phone=f"010-0000-02{index:02d}",
            district=district,
            dong=dong,
            address=f"가상로 {index + 1}",
        )
        services.ensure_contact_plan(
            actor=cast.social_worker,
            person=person,
            kind=ContactPlan.Kind.AI_CALL,
            team=teams.dong_centre,
            now=start - timedelta(days=1),
            preferred_weekday=start.weekday(),
            preferred_time=time(start.hour, start.minute),
        )
        people.append(person)
    return people


def ai_call_due_a_minute_ago(*, cast, teams, person, channel: str = "VOICE") -> ContactPlan:
    """An AI call plan whose slot (weekday and time, Seoul) fell a minute ago, for tests that run on the real clock."""
    from django.utils import timezone

    now = timezone.now()
    slot = timezone.localtime(now - timedelta(minutes=1))
    return services.ensure_contact_plan(
        actor=cast.social_worker,
        person=person,
        kind="AI_CALL",
        team=teams.dong_centre,
        channel=channel,
        now=now - timedelta(days=1),
        preferred_weekday=slot.weekday(),
        preferred_time=slot.time().replace(second=0, microsecond=0),
    )
