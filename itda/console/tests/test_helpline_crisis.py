"""The 120 console: a crisis overrides everything (incomplete instruments, calls ending in crisis); results stay on the call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from itda.cases.models import CareTask
from itda.contacts.models import ContactLog
from itda.contacts.services import log_contact
from itda.people.models import Person
from itda.places.models import District
from itda.referrals.tests.factories import make_person
from itda.screenings import catalogue
from itda.screenings.models import ScreeningResult
from itda.screenings.tests import fictional

PHQ9_ITEM9_ITEM3_BLANK = {"instrument": "PHQ9"} | {f"item-{n}": "0" for n in (1, 2, 4, 5, 6, 7, 8)} | {"item-9": "3"}
CRISIS_CALL = {
    "caller_type": "SELF",
    "channel": "PHONE",
    "direction": "INBOUND",
    "duration_minutes": "25",
    "topics": ["LOW_MOOD"],
    "outcome": "CRISIS",
    "note": "",
}


def _crisis_box(page: str) -> str:
    start = page.index('id="helpline-crisis"')
    return page[start : page.index("</div>", start)]


@pytest.fixture
def person(db):
    return make_person()  # born 1958


@pytest.fixture
def contact(cast, person):
    return log_contact(
        actor=cast.counsellor,
        team=cast.counsellor.team,
        channel="PHONE",
        direction="INBOUND",
        outcome="REACHED",
        started_at=timezone.now() - timedelta(minutes=10),
        person=person,
        caller_type="SELF",
        topics=["LONELINESS"],
    )


@pytest.fixture
def counsellor_client(client, cast):
    client.force_login(cast.counsellor)
    return client


@pytest.fixture
def fictional_catalogue(settings, tmp_path):
    fictional.publish(settings, tmp_path)
    yield
    catalogue.clear_cache()


@pytest.mark.django_db
def test_an_incomplete_phq9_with_a_crisis_answer_shows_the_crisis_box_and_opens_the_task(counsellor_client, cast, contact):
    response = counsellor_client.post(reverse("console:helpline_screening", args=[contact.pk]), PHQ9_ITEM9_ITEM3_BLANK)

    page = response.content.decode()
    assert response.status_code == 400
    box = _crisis_box(page)
    for number in ("109", "112", "119"):
        assert f'href="tel:{number}"' in box
    assert 'id="helpline-crisis-task"' in box
    assert "답하지 않은 문항이 있습니다: 3번" in page
    task = CareTask.objects.get(kind="CRISIS_RESPONSE")
    assert (task.person, task.assignee) == (contact.person, cast.social_worker)
    assert ScreeningResult.objects.count() == 0


@pytest.mark.django_db
def test_an_incomplete_fictional_instrument_with_a_crisis_answer_opens_the_task(
    counsellor_client, cast, contact, fictional_catalogue
):
    response = counsellor_client.post(
        reverse("console:helpline_screening", args=[contact.pk]), {"instrument": fictional.CODE, "item-3": "3"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="helpline-crisis"' in page
    assert "답하지 않은 문항이 있습니다: 1, 2번" in page
    assert CareTask.objects.filter(kind="CRISIS_RESPONSE", person=contact.person).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("change", [{}, {"outcome": "CONCERN", "topics": ["SUICIDAL_THOUGHTS"]}])
def test_a_call_logged_as_a_crisis_opens_the_crisis_task_once_and_the_page_links_109_112_119(
    counsellor_client, cast, person, change
):
    data = CRISIS_CALL | change | {"person": person.pk}

    first = counsellor_client.post(reverse("console:helpline_home") + f"?person={person.pk}", data)
    again = counsellor_client.post(reverse("console:helpline_home") + f"?person={person.pk}", data)  # re-submitted

    assert (first.status_code, again.status_code) == (302, 302)
    task = CareTask.objects.get(kind="CRISIS_RESPONSE")
    assert (task.person, task.assignee, task.priority) == (person, cast.social_worker, CareTask.Priority.CRISIS)
    page = counsellor_client.get(first["Location"]).content.decode()
    box = _crisis_box(page)
    for number in ("109", "112", "119"):
        assert f'href="tel:{number}"' in box
    assert 'id="helpline-crisis-task"' in box
    # The crisis task does not take the place of a call-back: the form is still there.
    assert reverse("console:helpline_follow_up", args=[ContactLog.objects.order_by("pk").first().pk]) in page


@pytest.mark.django_db
def test_an_anonymous_crisis_call_shows_the_crisis_box_and_opens_no_task(counsellor_client):
    response = counsellor_client.post(reverse("console:helpline_home"), CRISIS_CALL)

    page = counsellor_client.get(response["Location"]).content.decode()
    assert 'href="tel:119"' in _crisis_box(page)
    assert CareTask.objects.count() == 0


@pytest.mark.django_db
def test_an_ordinary_call_shows_no_crisis_box(counsellor_client, contact):
    page = counsellor_client.get(reverse("console:helpline_contact", args=[contact.pk])).content.decode()

    assert 'id="helpline-crisis"' not in page


@pytest.mark.django_db
def test_a_result_run_on_the_call_stays_on_the_contact_page_after_a_reload(counsellor_client, contact):
    answers = {"instrument": "UCLA3", "item-1": "3", "item-2": "2", "item-3": "2"}
    counsellor_client.post(reverse("console:helpline_screening", args=[contact.pk]), answers)

    page = counsellor_client.get(reverse("console:helpline_contact", args=[contact.pk])).content.decode()

    result = ScreeningResult.objects.get()
    assert result.contact == contact
    table = page[page.index('id="contact-screenings"') :]
    assert "<td>7</td>" in table[: table.index("</table>")]


@pytest.mark.django_db
def test_sgds_k_is_refused_for_a_caller_known_to_be_under_65(counsellor_client, cast):
    young = Person.objects.create(name="가상 주민 새벽", birth_year=1990, district=District.objects.get(code="11620"))
    call = log_contact(
        actor=cast.counsellor,
        team=cast.counsellor.team,
        channel="PHONE",
        direction="INBOUND",
        outcome="REACHED",
        started_at=timezone.now(),
        person=young,
    )

    shown = counsellor_client.get(reverse("console:helpline_contact", args=[call.pk]), {"instrument": "SGDS_K"})
    posted = counsellor_client.post(
        reverse("console:helpline_screening", args=[call.pk]),
        {"instrument": "SGDS_K"} | {f"item-{n}": "0" for n in range(1, 16)},
    )

    assert 'id="age-refused"' in shown.content.decode()
    assert "65세 이상을 위한 검사입니다" in shown.content.decode()
    assert 'name="item-1"' not in shown.content.decode()
    assert posted.status_code == 400
    assert "65세 이상을 위한 검사입니다" in posted.content.decode()
    assert ScreeningResult.objects.count() == 0
