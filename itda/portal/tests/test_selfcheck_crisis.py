"""Self-check: a crisis answer is never lost (incomplete answers, no save), and SGDS-K is for people 65 and over."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from itda.cases.models import CareTask
from itda.people.models import Person
from itda.places.models import District
from itda.screenings import catalogue
from itda.screenings.models import ScreeningResult
from itda.screenings.tests import fictional

PHQ9_ITEM9_ITEM3_BLANK = {f"item-{number}": "0" for number in (1, 2, 4, 5, 6, 7, 8)} | {"item-9": "3"}
PHQ9_CRISIS = {f"item-{number}": "0" for number in range(1, 9)} | {"item-9": "1"}


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index('<main id="main"') : html.index("</main>")]


@pytest.fixture
def citizen_client(cast, freeze_now):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast.citizen)
    return client


def _person(cast, birth_year):
    return Person.objects.create(
        name="가상 시민 하늘", district=District.objects.get(code="11620"), birth_year=birth_year, user=cast.citizen
    )


@pytest.fixture
def fictional_catalogue(settings, tmp_path):
    fictional.publish(settings, tmp_path)
    yield
    catalogue.clear_cache()


def test_an_anonymous_incomplete_phq9_with_a_crisis_answer_shows_the_crisis_lines_and_the_missing_question(
    english_client, freeze_now
):
    response = english_client.post("/self-check/phq-9/", PHQ9_ITEM9_ITEM3_BLANK)

    main = _main(response)
    assert response.status_code == 400
    assert main.index('id="crisis-now"') < main.index('id="error-summary"')
    for number in ("109", "112", "119"):
        assert f'href="tel:{number}"' in main[: main.index('id="error-summary"')]
    assert "답하지 않은 문항이 있습니다: 3번" in main
    assert "Score" not in main
    assert (CareTask.objects.count(), ScreeningResult.objects.count(), Person.objects.count(), Session.objects.count()) == (
        0,
        0,
        0,
        0,
    )


def test_a_known_citizens_incomplete_crisis_opens_the_crisis_task_and_stores_no_answers(cast, citizen_client):
    person = _person(cast, 1956)

    response = citizen_client.post("/self-check/phq-9/", PHQ9_ITEM9_ITEM3_BLANK)

    main = _main(response)
    assert response.status_code == 400
    assert 'id="crisis-now"' in main and 'id="crisis-task-opened"' in main
    assert "답하지 않은 문항이 있습니다: 3번" in main
    task = CareTask.objects.get()
    assert (task.kind, task.person, task.assignee) == ("CRISIS_RESPONSE", person, cast.social_worker)
    assert ScreeningResult.objects.count() == 0


def test_a_known_citizens_crisis_opens_the_task_without_saving_and_saving_adds_none(cast, citizen_client):
    person = _person(cast, 1956)

    response = citizen_client.post("/self-check/phq-9/", PHQ9_CRISIS)

    assert response.status_code == 200
    assert 'id="crisis-task-opened"' in _main(response)
    task = CareTask.objects.get()
    assert (task.kind, task.person, task.assignee, task.source_type) == (
        "CRISIS_RESPONSE",
        person,
        cast.social_worker,
        "screenings.unsaved",
    )
    assert task.detail == "PHQ9 PHQ9_ITEM9"
    assert ScreeningResult.objects.count() == 0

    citizen_client.post("/self-check/save/", PHQ9_CRISIS | {"instrument": "phq-9", "version": "1", "consent": "on"})

    assert ScreeningResult.objects.filter(person=person).count() == 1
    assert CareTask.objects.count() == 1


def test_a_signed_in_citizen_without_a_record_gets_the_crisis_lines_and_no_task(cast, citizen_client):
    response = citizen_client.post("/self-check/phq-9/", PHQ9_CRISIS)

    assert 'id="crisis-now"' in _main(response)
    assert CareTask.objects.count() == 0


def test_an_incomplete_fictional_check_with_a_crisis_answer_shows_the_lines_and_opens_the_task(
    cast, citizen_client, fictional_catalogue
):
    person = _person(cast, 1956)

    response = citizen_client.post(f"/self-check/{fictional.SLUG}/", {"item-2": "1", "item-3": "2"})

    main = _main(response)
    assert response.status_code == 400
    assert 'id="crisis-now"' in main
    assert "답하지 않은 문항이 있습니다: 1번" in main
    assert CareTask.objects.get().person == person


def test_sgds_k_is_refused_with_a_korean_message_to_a_citizen_known_to_be_under_65(cast, citizen_client):
    _person(cast, 1980)
    answers = {f"item-{number}": "0" for number in range(1, 16)}

    start = _main(citizen_client.get("/self-check/"))
    page = citizen_client.get("/self-check/sgds-k/")
    posted = citizen_client.post("/self-check/sgds-k/", answers)

    assert 'id="not-for-age-sgds-k"' in start
    assert "65세 이상을 위한 검사입니다" in _main(page)
    assert 'id="selfcheck-form"' not in _main(page)
    assert posted.status_code == 400
    assert "65세 이상을 위한 검사입니다" in _main(posted)
    assert "Score" not in _main(posted)


@pytest.mark.parametrize("birth_year", [1956, None])
def test_sgds_k_is_offered_at_65_or_when_the_age_is_unknown(cast, citizen_client, birth_year):
    _person(cast, birth_year)

    start = _main(citizen_client.get("/self-check/"))
    page = citizen_client.get("/self-check/sgds-k/")

    assert 'id="not-for-age-sgds-k"' not in start
    assert 'id="selfcheck-form"' in _main(page)
