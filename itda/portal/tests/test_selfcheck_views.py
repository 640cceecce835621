"""Self-check pages: one screen of radio groups, the result with its meaning, anonymous unless saved with consent.

Until the lead adds ``path("self-check/", include("itda.portal.selfcheck_urls"))`` to the portal's
urls, these tests reach the pages through a test urlconf that adds it.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.people.models import Consent, Person
from itda.places.models import District
from itda.portal.tests.moments import TUESDAY_MORNING
from itda.screenings.models import ScreeningResult
from itda.screenings.services import give_save_consent, record_screening

PHQ9_MODERATE = {
    "item-1": "1",
    "item-2": "2",
    "item-3": "0",
    "item-4": "3",
    "item-5": "1",
    "item-6": "0",
    "item-7": "2",
    "item-8": "1",
    "item-9": "0",
}
PHQ9_CRISIS = {f"item-{number}": "0" for number in range(1, 9)} | {"item-9": "1"}


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index('<main id="main"') : html.index("</main>")]


@pytest.fixture
def citizen_client(cast, freeze_now):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast.citizen)
    return client


@pytest.fixture
def citizen_person(cast):
    return Person.objects.create(
        name="가상 시민 하늘", district=District.objects.get(code="11620"), birth_year=1956, user=cast.citizen
    )


def test_the_start_page_offers_the_five_citizen_self_checks(english_client, freeze_now):
    response = english_client.get("/self-check/")

    links = re.findall(r'href="(/self-check/[a-z0-9-]+/)"', _main(response))
    assert response.status_code == 200
    assert links == [
        "/self-check/seoul-self-check/",
        "/self-check/ucla-3/",
        "/self-check/phq-9/",
        "/self-check/sgds-k/",
        "/self-check/lsns-6/",
    ]
    assert "For people aged 65 or over" in _main(response)


def test_every_question_is_a_radio_group_with_a_legend(english_client, freeze_now):
    response = english_client.get("/self-check/phq-9/")

    main = _main(response)
    assert main.count('<fieldset class="field selfcheck-item"') == 9
    assert "<legend>1. Feeling down, depressed or hopeless.</legend>" in main
    assert main.count('type="radio" name="item-9"') == 4
    assert 'method="post" action="/self-check/phq-9/"' in main


def test_the_questions_are_in_korean_first(korean_client, freeze_now):
    response = korean_client.get("/self-check/seoul-self-check/")

    main = _main(response)
    assert "<legend>1. 나는 같이 있어 줄 사람이 부족하다고 자주 느낀다.</legend>" in main
    assert ">전혀 그렇지 않다</label>" in main
    assert "서울시는 이 자가진단의 응답 보기와 채점 기준을 공개하지 않았습니다." in main


def test_unverified_wording_is_marked_on_the_page(english_client, freeze_now):
    response = english_client.get("/self-check/lsns-6/")

    assert _main(response).count("Our own Korean wording; not a validated translation.") == 6


def test_an_anonymous_self_check_shows_the_meaning_and_stores_nothing(english_client, freeze_now):
    audit_before = AuditEntry.objects.count()

    response = english_client.post("/self-check/phq-9/", PHQ9_MODERATE)

    main = _main(response)
    assert response.status_code == 200
    assert 'Score 10 out of 27 <span class="score-band">Moderate</span>' in main
    assert "We recommend talking to a mental health welfare centre or a doctor." in main
    assert "Your answers were not saved." in main
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0
    assert ScreeningResult.objects.count() == 0
    assert Person.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_recommended_programmes_link_to_their_pages(english_client, freeze_now):
    response = english_client.post("/self-check/phq-9/", PHQ9_MODERATE)

    links = re.findall(r'<h3 class="card__title"><a href="(/programs/[a-z0-9-]+/)">', _main(response))
    assert links == ["/programs/life-linking-stethoscope/", "/programs/loneliness-goodbye-120/", "/programs/mentoring/"]


def test_missing_answers_are_named_and_nothing_is_scored(english_client, freeze_now):
    answers = {key: value for key, value in PHQ9_MODERATE.items() if key not in ("item-3", "item-9")}

    response = english_client.post("/self-check/phq-9/", answers)

    main = _main(response)
    assert response.status_code == 400
    assert "답하지 않은 문항이 있습니다: 3, 9번" in main
    assert '<a href="#id_item-3_0">Question 3</a>' in main
    assert '<a href="#id_item-9_0">Question 9</a>' in main
    assert "Score" not in main


def test_an_answer_that_is_not_an_option_is_refused(english_client, freeze_now):
    response = english_client.post("/self-check/phq-9/", PHQ9_MODERATE | {"item-1": "7"})

    assert response.status_code == 400
    assert "Choose one of the answers shown." in _main(response)


def test_an_unknown_self_check_is_not_found(english_client, freeze_now):
    response = english_client.get("/self-check/no-such-check/")

    assert response.status_code == 404


def test_a_crisis_answer_puts_109_and_112_119_before_anything_else(english_client, freeze_now):
    response = english_client.post("/self-check/phq-9/", PHQ9_CRISIS)

    main = _main(response)
    crisis = main.index('id="crisis-now"')
    assert response.status_code == 200
    assert crisis < main.index('id="score-title"')
    for number in ("109", "112", "119"):
        assert main.index(f'href="tel:{number}"') < main.index('id="score-title"')
    assert CareTask.objects.count() == 0


def test_a_citizen_saves_a_result_with_consent_and_gets_a_person_record(cast, citizen_client):
    data = PHQ9_MODERATE | {
        "instrument": "phq-9",
        "version": "1",
        "consent": "on",
        "name": "가상 시민 하늘",
        "district": "11620",
        "birth_year": "1956",
    }

    response = citizen_client.post("/self-check/save/", data)

    assert (response.status_code, response["Location"]) == (302, "/self-check/my-results/?done=saved")
    person = Person.objects.get(user=cast.citizen)
    assert (person.name, person.district.code, person.birth_year) == ("가상 시민 하늘", "11620", 1956)
    consents = dict(Consent.objects.filter(person=person).values_list("purpose", "wording_version"))
    assert consents == {"CASE_RECORD": "selfcheck-2026-11", "SAVE_RESULTS": "selfcheck-2026-11"}
    result = ScreeningResult.objects.get(person=person)
    assert (result.channel, result.total, result.instrument.version) == ("SELF_CHECK", 10, "1")


def test_saving_without_ticking_the_consent_saves_nothing(cast, citizen_client):
    data = PHQ9_MODERATE | {"instrument": "phq-9", "version": "1", "name": "가상 시민 하늘", "district": "11620"}

    response = citizen_client.post("/self-check/save/", data)

    assert response.status_code == 400
    assert "Tick the box to agree, or leave without saving." in _main(response)
    assert Person.objects.count() == 0
    assert ScreeningResult.objects.count() == 0


def test_a_saved_crisis_opens_a_task_for_a_named_worker(cast, citizen_client, citizen_person):
    data = PHQ9_CRISIS | {"instrument": "phq-9", "version": "1", "consent": "on"}

    citizen_client.post("/self-check/save/", data)

    task = CareTask.objects.get()
    assert (task.kind, task.assignee, task.person) == ("CRISIS_RESPONSE", cast.social_worker, citizen_person)


def test_the_history_shows_a_chart_with_a_table_alternative_and_the_read_is_audited(cast, citizen_client, citizen_person):
    give_save_consent(user=cast.citizen, person=citizen_person, now=TUESDAY_MORNING)
    for total_answers in ({"1": 3, "2": 3, "3": 3}, {"1": 1, "2": 2, "3": 1}):
        record_screening(
            actor=cast.citizen,
            instrument_code="UCLA3",
            answers=total_answers,
            channel="SELF_CHECK",
            now=TUESDAY_MORNING,
            person=citizen_person,
        )

    response = citizen_client.get("/self-check/my-results/")

    main = _main(response)
    assert response.status_code == 200
    assert '<svg viewBox="0 0 340 180" role="img" aria-labelledby="chart-UCLA3-svg-title chart-UCLA3-desc">' in main
    assert "2 results from 2026-11-24 to 2026-11-24; the score went from 9 to 4 (range 3–9)." in main
    assert main.count('<circle class="dot"') == 2
    assert re.findall(r"<tr><td>[^<]+</td><td>(\d+)</td><td>([^<]+)</td></tr>", main) == [("9", "Lonely"), ("4", "Not lonely")]
    assert AuditEntry.objects.filter(action="READ", person_id=citizen_person.pk, actor=cast.citizen).count() == 1


def test_withdrawing_consent_shows_when_the_results_will_be_deleted(cast, citizen_client, citizen_person):
    give_save_consent(user=cast.citizen, person=citizen_person, now=TUESDAY_MORNING)

    response = citizen_client.post("/self-check/consent/withdraw/", follow=True)

    assert Consent.objects.get(person=citizen_person, purpose="SAVE_RESULTS").withdrawn_at == TUESDAY_MORNING
    assert "Your saved self-check results will be deleted on 2026-12-24." in _main(response)


def test_asking_to_be_called_opens_a_follow_up_call_for_the_district_centre(cast, citizen_client, citizen_person):
    response = citizen_client.post("/self-check/contact/", follow=True)

    task = CareTask.objects.get()
    assert (task.kind, task.team) == ("FOLLOW_UP_CALL", cast.home_team)
    assert "A social worker from your district will call you within two days." in _main(response)


# Every new URL: anonymous, citizen, a worker of another team, a worker of the team, an administrator.
WHO = ["anonymous", "citizen", "other_worker", "social_worker", "administrator"]


def _client_for(cast, who: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if who != "anonymous":
        client.force_login(getattr(cast, who))
    return client


def _state():
    return (ScreeningResult.objects.count(), Person.objects.count(), Consent.objects.count(), CareTask.objects.count())


@pytest.mark.parametrize("who", WHO)
def test_only_a_citizen_can_save_a_self_check(cast, freeze_now, who):
    data = PHQ9_MODERATE | {"instrument": "phq-9", "version": "1", "consent": "on", "name": "가상", "district": "11620"}
    before = _state()

    response = _client_for(cast, who).post("/self-check/save/", data)

    if who == "citizen":
        assert response.status_code == 302
        assert _state() == (before[0] + 1, before[1] + 1, before[2] + 2, before[3])
    elif who == "anonymous":
        assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/self-check/")
        assert _state() == before
    else:
        assert response.status_code == 400
        assert _state() == before


@pytest.mark.parametrize("who", WHO)
def test_the_history_page_shows_only_the_signed_in_persons_own_results(cast, freeze_now, citizen_person, who):
    give_save_consent(user=cast.citizen, person=citizen_person, now=TUESDAY_MORNING)
    record_screening(
        actor=cast.citizen,
        instrument_code="UCLA3",
        answers={"1": 3, "2": 3, "3": 3},
        channel="SELF_CHECK",
        now=TUESDAY_MORNING,
        person=citizen_person,
    )

    response = _client_for(cast, who).get("/self-check/my-results/")

    if who == "anonymous":
        assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/self-check/my-results/")
    elif who == "citizen":
        assert "<svg" in _main(response)
    else:
        assert response.status_code == 200
        assert "You have no saved results yet." in _main(response)
        assert "<svg" not in _main(response)
    assert ScreeningResult.objects.count() == 1


@pytest.mark.parametrize("who", WHO)
def test_only_a_citizen_with_a_record_can_ask_to_be_called(cast, freeze_now, citizen_person, who):
    before = _state()

    response = _client_for(cast, who).post("/self-check/contact/")

    if who == "citizen":
        assert response.status_code == 302
        assert _state() == (before[0], before[1], before[2] + 1, before[3] + 1)
    elif who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert _state() == before
    else:
        assert response.status_code == 400
        assert _state() == before


@pytest.mark.parametrize("who", WHO)
def test_only_the_person_withdraws_their_own_consent(cast, freeze_now, citizen_person, who):
    give_save_consent(user=cast.citizen, person=citizen_person, now=TUESDAY_MORNING)

    response = _client_for(cast, who).post("/self-check/consent/withdraw/")

    consent = Consent.objects.get(person=citizen_person, purpose="SAVE_RESULTS")
    assert response.status_code == 302
    assert (consent.withdrawn_at is not None) is (who == "citizen")
