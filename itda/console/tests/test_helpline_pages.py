"""The 120 line console: a parametrised permission test per URL, then logging a call, an instrument, services, a call-back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from itda.accounts.models import Team, User
from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.contacts.models import ContactLog
from itda.contacts.services import log_contact
from itda.referrals.models import Referral, ServiceLink
from itda.referrals.tests.factories import make_person
from tests.personas import client_for

PERSONAS = ["anonymous", "citizen", "other_worker", "counsellor", "administrator"]


@pytest.fixture
def person(db):
    return make_person()


@pytest.fixture
def contact(cast, person):
    return log_contact(
        actor=cast.counsellor,
        team=cast.counsellor.team,
        channel="PHONE",
        direction="INBOUND",
        outcome="REACHED",
        started_at=timezone.now() - timedelta(minutes=20),
        person=person,
        caller_type="SELF",
        duration_seconds=900,
        topics=["LONELINESS", "HEALTH"],
        note="밤에 잠을 못 잠",
    )


@pytest.fixture
def anonymous_contact(cast):
    return log_contact(
        actor=cast.counsellor,
        team=cast.counsellor.team,
        channel="PHONE",
        direction="INBOUND",
        outcome="REACHED",
        started_at=timezone.now() - timedelta(minutes=5),
        caller_type="NEIGHBOUR",
        topics=["ISOLATION"],
    )


def _snapshot():
    return (ContactLog.objects.count(), ServiceLink.objects.count(), CareTask.objects.count(), Referral.objects.count())


CALL = {
    "caller_type": "FAMILY",
    "channel": "PHONE",
    "direction": "INBOUND",
    "duration_minutes": "12",
    "topics": ["LONELINESS", "HOUSING"],
    "outcome": "CONCERN",
    "note": "딸이 어머니 걱정으로 전화",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("citizen", 403), ("other_worker", 403), ("counsellor", 200), ("administrator", 200)],
)
def test_the_line_page_is_for_its_counsellors_and_administrators(client, cast, contact, persona, expected):
    before = _snapshot()

    response = client_for(client, cast, persona).get(reverse("console:helpline_home"))

    assert response.status_code == expected
    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", (302, False)),
        ("citizen", (403, False)),
        ("other_worker", (403, False)),
        ("counsellor", (302, True)),
        ("administrator", (403, False)),
    ],
)
def test_only_a_counsellor_of_the_line_logs_a_contact(client, cast, persona, expected):
    expected_status, logs = expected
    before = _snapshot()

    response = client_for(client, cast, persona).post(reverse("console:helpline_home"), CALL)

    assert response.status_code == expected_status
    assert ContactLog.objects.count() - before[0] == (1 if logs else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("citizen", 403), ("other_worker", 403), ("counsellor", 200), ("administrator", 200)],
)
def test_a_contact_page_is_refused_outside_the_line_and_every_read_is_audited(client, cast, contact, persona, expected):
    reads_before = AuditEntry.objects.filter(action="READ", target_type="contacts.contactlog").count()

    response = client_for(client, cast, persona).get(reverse("console:helpline_contact", args=[contact.pk]))

    assert response.status_code == expected
    reads = AuditEntry.objects.filter(action="READ", target_type="contacts.contactlog").count() - reads_before
    assert reads == (1 if expected == 200 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", (302, False)),
        ("citizen", (403, False)),
        ("other_worker", (403, False)),
        ("counsellor", (302, True)),
        ("administrator", (302, True)),
    ],
)
def test_linking_a_programme_is_refused_outside_the_line_and_nothing_changes(client, cast, contact, persona, expected):
    expected_status, links = expected
    before = _snapshot()

    response = client_for(client, cast, persona).post(
        reverse("console:helpline_link", args=[contact.pk]), {"program": "mentoring"}
    )

    assert response.status_code == expected_status
    assert ServiceLink.objects.count() - before[1] == (1 if links else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", (302, False)),
        ("citizen", (403, False)),
        ("other_worker", (403, False)),
        ("counsellor", (302, True)),
        ("administrator", (302, True)),
    ],
)
def test_scheduling_a_call_back_is_refused_outside_the_line_and_nothing_changes(client, cast, contact, persona, expected):
    expected_status, schedules = expected
    before = _snapshot()
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = client_for(client, cast, persona).post(reverse("console:helpline_follow_up", args=[contact.pk]), {"due_at": due})

    assert response.status_code == expected_status
    assert CareTask.objects.count() - before[2] == (1 if schedules else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("citizen", 403), ("other_worker", 403), ("counsellor", 200), ("administrator", 200)],
)
def test_running_an_instrument_is_refused_outside_the_line_and_stores_nothing_for_an_anonymous_caller(
    client, cast, anonymous_contact, persona, expected
):
    from itda.screenings.models import ScreeningResult

    before = (*_snapshot(), ScreeningResult.objects.count())
    answers = {"instrument": "UCLA3", "item-1": "3", "item-2": "2", "item-3": "2"}

    response = client_for(client, cast, persona).post(reverse("console:helpline_screening", args=[anonymous_contact.pk]), answers)

    assert response.status_code == expected
    assert (*_snapshot(), ScreeningResult.objects.count()) == before


@pytest.mark.django_db
def test_an_instrument_during_an_anonymous_call_shows_the_band_and_the_programmes_to_link_and_stores_nothing(
    client, cast, anonymous_contact
):
    from itda.screenings.models import ScreeningResult

    client.force_login(cast.counsellor)

    response = client.post(
        reverse("console:helpline_screening", args=[anonymous_contact.pk]),
        {"instrument": "UCLA3", "item-1": "3", "item-2": "2", "item-3": "2"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "7 · 외로움" in page
    assert 'type="hidden" name="program" value="mentoring"' in page
    assert ScreeningResult.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_answer_is_refused_with_the_item_named_and_the_other_answers_kept(client, cast, anonymous_contact):
    client.force_login(cast.counsellor)

    response = client.post(
        reverse("console:helpline_screening", args=[anonymous_contact.pk]), {"instrument": "UCLA3", "item-1": "3", "item-2": "2"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "답하지 않은 문항이 있습니다: 3번" in page
    assert 'name="item-1" value="3" checked' in page


@pytest.mark.django_db
def test_a_crisis_answer_on_a_known_callers_phq9_shows_the_crisis_lines_and_opens_the_crisis_path(client, cast, contact):
    from itda.screenings.models import ScreeningResult

    client.force_login(cast.counsellor)
    answers = {"instrument": "PHQ9", **{f"item-{number}": "1" for number in range(1, 10)}}

    response = client.post(reverse("console:helpline_screening", args=[contact.pk]), answers)

    page = response.content.decode()
    assert response.status_code == 200
    # The crisis box itself (the crisis band with tel:109 is on every page).
    assert 'id="helpline-crisis"' in page
    result = ScreeningResult.objects.get()
    assert (result.person, result.channel, result.total, result.is_crisis) == (contact.person, "HELPLINE_120", 9, True)
    assert CareTask.objects.filter(kind="CRISIS_RESPONSE", person=contact.person).count() == 1


@pytest.mark.django_db
def test_the_contact_page_offers_the_instruments_in_force(client, cast, contact):
    client.force_login(cast.counsellor)

    page = client.get(reverse("console:helpline_contact", args=[contact.pk]), {"instrument": "PHQ9"}).content.decode()

    assert 'option value="UCLA3"' in page
    assert page.count('name="item-') == 9 * 4


@pytest.mark.django_db
def test_a_counsellor_of_another_line_sees_none_of_this_lines_contacts(client, cast, contact):
    other_line = Team.objects.create(name="가상 외로움안녕120 부산", kind=Team.Kind.HELPLINE)
    stranger = User.objects.create(username="persona-counsellor-2", role=User.Role.COUNSELLOR, team=other_line)
    client.force_login(stranger)

    response = client.get(reverse("console:helpline_contact", args=[contact.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_a_counsellor_logs_an_anonymous_call_with_caller_type_channel_duration_and_topics(client, cast):
    client.force_login(cast.counsellor)

    response = client.post(reverse("console:helpline_home"), CALL)

    contact = ContactLog.objects.get()
    assert response["Location"] == reverse("console:helpline_contact", args=[contact.pk])
    assert (contact.person, contact.team, contact.logged_by, contact.caller_type, contact.channel) == (
        None,
        cast.counsellor.team,
        cast.counsellor,
        "FAMILY",
        "PHONE",
    )
    assert (contact.duration_seconds, contact.topics, contact.outcome) == (720, ["LONELINESS", "HOUSING"], "CONCERN")


@pytest.mark.django_db
def test_a_counsellor_logs_a_call_on_a_known_persons_record(client, cast, person):
    client.force_login(cast.counsellor)

    client.post(reverse("console:helpline_home"), {**CALL, "person": person.pk})

    assert ContactLog.objects.get().person == person


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"duration_minutes": "2000"}, "1440"),
        ({"note": "주민번호 800101-1234567"}, "주민등록번호"),
        ({"caller_type": "ROBOT"}, "ROBOT"),
    ],
)
def test_bad_call_details_are_refused_with_a_message_and_nothing_is_logged(client, cast, change, message):
    client.force_login(cast.counsellor)

    response = client.post(reverse("console:helpline_home"), {**CALL, **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ContactLog.objects.count() == 0


@pytest.mark.django_db
def test_a_call_back_is_a_follow_up_call_task_for_the_counsellor_at_the_time_given(client, cast, contact):
    client.force_login(cast.counsellor)
    due = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)

    client.post(
        reverse("console:helpline_follow_up", args=[contact.pk]), {"due_at": due.strftime("%Y-%m-%dT%H:%M"), "note": "저녁에"}
    )

    task = CareTask.objects.get()
    assert (task.kind, task.team, task.assignee, task.person, task.due_at, task.detail) == (
        "FOLLOW_UP_CALL",
        cast.counsellor.team,
        cast.counsellor,
        contact.person,
        due,
        "저녁에",
    )
    assert task.dedupe_key == f"contact:{contact.pk}:follow-up"


@pytest.mark.django_db
def test_an_anonymous_caller_cannot_be_called_back_and_the_page_says_why(client, cast, anonymous_contact):
    client.force_login(cast.counsellor)
    due = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(reverse("console:helpline_follow_up", args=[anonymous_contact.pk]), {"due_at": due})

    assert response.status_code == 400
    assert "익명 상담에는 다시 걸 번호가 없습니다" in response.content.decode()
    assert CareTask.objects.count() == 0


@pytest.mark.django_db
def test_a_call_back_in_the_past_is_refused(client, cast, contact):
    client.force_login(cast.counsellor)
    due = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(reverse("console:helpline_follow_up", args=[contact.pk]), {"due_at": due})

    assert response.status_code == 400
    assert CareTask.objects.count() == 0


@pytest.mark.django_db
def test_a_programme_given_during_the_call_is_listed_on_the_contact_once(client, cast, contact):
    client.force_login(cast.counsellor)

    client.post(reverse("console:helpline_link", args=[contact.pk]), {"program": "mentoring"})
    client.post(reverse("console:helpline_link", args=[contact.pk]), {"program": "mentoring"})

    assert list(ServiceLink.objects.values_list("contact", "program__slug", "linked_by")) == [
        (contact.pk, "mentoring", cast.counsellor.pk)
    ]
    page = client.get(reverse("console:helpline_contact", args=[contact.pk])).content.decode()
    assert "멘토·멘티 프로그램" in page


@pytest.mark.django_db
def test_a_counsellor_sends_a_referral_from_a_call_and_it_is_tied_to_the_contact(client, cast, contact):
    client.force_login(cast.counsellor)
    form = {
        "contact": contact.pk,
        "to_team": cast.home_team.pk,
        "risk": "MEDIUM",
        "reason": "혼자 지내며 외출 없음, 방문 상담 요청",
    }

    response = client.post(reverse("console:referral_send"), form)

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert (referral.person, referral.from_team, referral.to_team, referral.source_type, referral.source_id) == (
        contact.person,
        cast.counsellor.team,
        cast.home_team,
        "contacts.contactlog",
        str(contact.pk),
    )
    page = client.get(reverse("console:helpline_contact", args=[contact.pk])).content.decode()
    assert reverse("console:referral_detail", args=[referral.pk]) in page


@pytest.mark.django_db
def test_the_console_home_links_to_the_line_for_its_counsellors_only(client, cast):
    client.force_login(cast.counsellor)
    counsellor_home = client.get(reverse("console:home")).content.decode()
    client.force_login(cast.social_worker)
    worker_home = client.get(reverse("console:home")).content.decode()

    assert reverse("console:helpline_home") in counsellor_home
    assert reverse("console:helpline_home") not in worker_home
