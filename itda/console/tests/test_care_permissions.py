"""One parametrised permission test per care URL: who gets in, who is refused, and that refusals change nothing.

The world: in 관악구 (the cast's home district) two monitored households with the persona volunteer, a third
waiting for a second volunteer, a contact channel, a guardian and a forbidden pair. 마포구's worker is the
"worker of another district".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse

from itda.accounts.models import User
from itda.audit.models import AuditEntry
from itda.households.models import ContactChannel, Guardian, MonitoringEnrolment, VisitingCareEnrolment
from itda.households.services import add_contact_channel, add_guardian
from itda.households.tests.factories import EARLIER, home_district, monitored
from itda.people.models import Consent
from itda.volunteers.models import Allocation, AllocationOverride, TrainingRecord, Volunteer
from itda.volunteers.services import apply_allocation, forbid_pair
from itda.volunteers.tests.factories import care_group_team, volunteer
from tests.personas import client_for

PERSONAS = [
    "anonymous",
    "citizen",
    "volunteer",
    "other_worker",
    "social_worker",
    "health_staff",
    "counsellor",
    "city_staff",
    "administrator",
]


@dataclass
class World:
    client: object
    cast: object
    person: object
    carer: Volunteer
    second: Volunteer
    channel: ContactChannel
    guardian: Guardian
    forbid: AllocationOverride


@pytest.fixture
def world(client, cast):
    carer = volunteer(cast, username="persona", user=cast.volunteer, capacity=2)
    someone = monitored(cast, name="가상 주민 이슬", birth_year=1950)
    monitored(cast, name="가상 주민 기다림", level="MEDIUM")
    apply_allocation(actor=cast.social_worker, district=home_district(), now=EARLIER + timedelta(hours=1))
    monitored(cast, name="가상 주민 새벽", level="MEDIUM", at=EARLIER + timedelta(hours=2))
    second = volunteer(cast, username="second", dong_name="청림동", capacity=1)
    now = EARLIER + timedelta(hours=3)
    channel = add_contact_channel(actor=cast.social_worker, person=someone, kind="PHONE", value="010-0000-0601", now=now)
    guardian = add_guardian(
        actor=cast.social_worker,
        person=someone,
        name="가상 아들 바람",
        relation="CHILD",
        phone="010-0000-0602",
        may_be_contacted=True,
        guardian_consented=True,
        now=now,
    )
    forbid = forbid_pair(actor=cast.social_worker, person=someone, volunteer=second, reason="친척", now=now)
    return World(client, cast, someone, carer, second, channel, guardian, forbid)


def _state():
    return (
        list(MonitoringEnrolment.objects.order_by("pk").values_list("pk", "risk_level", "end_at")),
        list(VisitingCareEnrolment.objects.order_by("pk").values_list("pk", "group", "end_at")),
        list(ContactChannel.objects.order_by("pk").values_list("pk", "is_preferred", "end_at")),
        list(Guardian.objects.order_by("pk").values_list("pk", "end_at")),
        list(Allocation.objects.order_by("pk").values_list("pk", "person_id", "volunteer_id", "end_at")),
        list(AllocationOverride.objects.order_by("pk").values_list("pk", "kind", "end_at")),
        list(Volunteer.objects.order_by("pk").values_list("pk", "capacity", "dong_id", "end_at")),
        TrainingRecord.objects.count(),
        list(Consent.objects.order_by("pk").values_list("pk", "withdrawn_at")),
    )


def _check_get(world, persona, url, *, expected, shows: str = "", shown: bool = False):
    before = _state()
    audited_before = AuditEntry.objects.filter(path=url.split("?")[0]).count()

    response = client_for(world.client, world.cast, persona).get(url)

    assert response.status_code == expected
    assert _state() == before
    if shows:
        assert (shows in response.content.decode()) is shown
    audited = AuditEntry.objects.filter(path=url.split("?")[0]).count() - audited_before
    assert audited == (1 if expected == 200 else 0)


def _check_post(world, persona, url, data, *, expected, changes):
    before = _state()

    response = client_for(world.client, world.cast, persona).post(url, data)

    assert response.status_code == expected
    assert (_state() != before) is changes


GETS_PEOPLE = [(p, c) for p, c in zip(PERSONAS, [302, 403, 403, 200, 200, 200, 403, 403, 200], strict=True)]
PERSON_PAGE = [(p, c) for p, c in zip(PERSONAS, [302, 403, 403, 404, 200, 200, 403, 403, 200], strict=True)]
# (persona, status, whether the state changes): anonymous users are sent to sign in (302) and change nothing.
REGISTRY_CHANGE = [
    (p, c, c == 302 and p != "anonymous") for p, c in zip(PERSONAS, [302, 403, 403, 404, 302, 302, 403, 403, 302], strict=True)
]
CARE_GROUP_CHANGE = [
    (p, c, c == 302 and p != "anonymous") for p, c in zip(PERSONAS, [302, 403, 403, 404, 302, 403, 403, 403, 302], strict=True)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), GETS_PEOPLE)
def test_the_monitored_list_is_for_district_workers_and_shows_only_their_district(world, persona, expected):
    sees = persona in ("social_worker", "health_staff", "administrator")

    _check_get(world, persona, reverse("console:care_people"), expected=expected, shows=world.person.name, shown=sees)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), PERSON_PAGE)
def test_the_registry_page_is_refused_outside_the_district_and_every_read_is_audited(world, persona, expected):
    _check_get(
        world,
        persona,
        reverse("console:care_person", args=[world.person.pk]),
        expected=expected,
        shows="주 1회 이하 연락",
        shown=expected == 200,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), REGISTRY_CHANGE)
def test_recording_a_risk_assessment_is_refused_outside_the_district(world, persona, expected, changes):
    data = {"level": "MEDIUM", "basis": "WORKER_JUDGEMENT", "reason": "식사는 하지만 외출이 없음"}

    _check_post(world, persona, reverse("console:care_risk", args=[world.person.pk]), data, expected=expected, changes=changes)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), REGISTRY_CHANGE)
def test_ending_monitoring_is_refused_outside_the_district(world, persona, expected, changes):
    _check_post(
        world,
        persona,
        reverse("console:care_end_monitoring", args=[world.person.pk]),
        {"end-reason": "이사"},
        expected=expected,
        changes=changes,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), REGISTRY_CHANGE)
def test_enrolling_in_visiting_care_is_refused_outside_the_district(world, persona, expected, changes):
    _check_post(
        world,
        persona,
        reverse("console:care_visiting", args=[world.person.pk]),
        {"group": "REGULAR"},
        expected=expected,
        changes=changes,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), REGISTRY_CHANGE)
def test_adding_a_contact_channel_is_refused_outside_the_district(world, persona, expected, changes):
    data = {"channel-kind": "SMS", "channel-value": "010-0000-0603"}

    _check_post(
        world, persona, reverse("console:care_channel_add", args=[world.person.pk]), data, expected=expected, changes=changes
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), REGISTRY_CHANGE)
def test_removing_a_contact_channel_is_refused_outside_the_district(world, persona, expected, changes):
    url = reverse("console:care_channel_remove", args=[world.person.pk, world.channel.pk])

    _check_post(world, persona, url, {}, expected=expected, changes=changes)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), REGISTRY_CHANGE)
def test_adding_a_guardian_is_refused_outside_the_district(world, persona, expected, changes):
    data = {"guardian-name": "가상 조카 들꽃", "guardian-relation": "RELATIVE", "guardian-phone": "010-0000-0604"}

    _check_post(
        world, persona, reverse("console:care_guardian_add", args=[world.person.pk]), data, expected=expected, changes=changes
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), REGISTRY_CHANGE)
def test_removing_a_guardian_is_refused_outside_the_district(world, persona, expected, changes):
    url = reverse("console:care_guardian_remove", args=[world.person.pk, world.guardian.pk])

    _check_post(world, persona, url, {}, expected=expected, changes=changes)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), CARE_GROUP_CHANGE)
def test_pinning_a_volunteer_is_for_the_districts_social_workers_and_administrators(world, persona, expected, changes):
    data = {"override-kind": "PIN", "override-volunteer": str(world.carer.pk), "override-reason": "오래 알고 지냄"}

    _check_post(
        world, persona, reverse("console:care_override", args=[world.person.pk]), data, expected=expected, changes=changes
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), CARE_GROUP_CHANGE)
def test_lifting_a_forbidden_pair_is_for_the_districts_social_workers_and_administrators(world, persona, expected, changes):
    url = reverse("console:care_override_lift", args=[world.person.pk, world.forbid.pk])

    _check_post(world, persona, url, {}, expected=expected, changes=changes)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), GETS_PEOPLE)
def test_the_volunteer_list_is_for_district_workers(world, persona, expected):
    sees = persona in ("social_worker", "health_staff", "administrator")

    _check_get(world, persona, reverse("console:care_volunteers"), expected=expected, shows="돌봄단 second", shown=sees)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "creates"),
    [
        ("anonymous", 302, False),
        ("citizen", 403, False),
        ("volunteer", 403, False),
        ("other_worker", 400, False),
        ("social_worker", 302, True),
        ("health_staff", 403, False),
        ("counsellor", 403, False),
        ("city_staff", 403, False),
        ("administrator", 302, True),
    ],
)
def test_registering_a_volunteer_needs_a_social_worker_of_the_district_or_an_administrator(world, persona, expected, creates):
    User.objects.create(username="new-carer", role=User.Role.VOLUNTEER, team=care_group_team())
    data = {"username": "new-carer", "birth_date": "1975-04-01", "dong": world.carer.dong.code, "capacity": "3"}
    before = _state()

    response = client_for(world.client, world.cast, persona).post(reverse("console:care_volunteer_new"), data)

    assert response.status_code == expected
    assert Volunteer.objects.filter(user__username="new-carer").exists() is creates
    assert (_state() != before) is creates


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), PERSON_PAGE)
def test_a_volunteers_page_is_refused_outside_the_district(world, persona, expected):
    _check_get(
        world,
        persona,
        reverse("console:care_volunteer", args=[world.carer.pk]),
        expected=expected,
        shows="가상 주민 이슬",
        shown=expected == 200,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), CARE_GROUP_CHANGE)
def test_changing_a_volunteers_capacity_is_for_the_districts_social_workers(world, persona, expected, changes):
    data = {"dong": world.carer.dong.code, "capacity": "4"}

    _check_post(
        world, persona, reverse("console:care_volunteer_edit", args=[world.carer.pk]), data, expected=expected, changes=changes
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), CARE_GROUP_CHANGE)
def test_recording_training_is_for_the_districts_social_workers(world, persona, expected, changes):
    data = {"training-course": "안부 확인 실습", "training-completed_date": "2026-10-01", "training-hours": "2"}

    _check_post(
        world,
        persona,
        reverse("console:care_volunteer_training", args=[world.carer.pk]),
        data,
        expected=expected,
        changes=changes,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected", "changes"), CARE_GROUP_CHANGE)
def test_ending_volunteering_is_for_the_districts_social_workers(world, persona, expected, changes):
    _check_post(
        world, persona, reverse("console:care_volunteer_end", args=[world.carer.pk]), {}, expected=expected, changes=changes
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected", "changes"),
    [
        ("anonymous", 302, False),
        ("citizen", 403, False),
        ("volunteer", 403, False),
        ("other_worker", 302, False),
        ("social_worker", 302, True),
        ("health_staff", 403, False),
        ("counsellor", 403, False),
        ("city_staff", 403, False),
        ("administrator", 302, True),
    ],
)
def test_applying_an_allocation_changes_only_the_users_own_district(world, persona, expected, changes):
    # The worker of 마포구 applies to 마포구, where nothing waits: 관악구's households stay as they are.
    data = {"district": "11620", "dong_rule": "PREFERRED"}

    _check_post(world, persona, reverse("console:care_allocation"), data, expected=expected, changes=changes)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("volunteer", 403),
        ("other_worker", 200),
        ("social_worker", 200),
        ("health_staff", 403),
        ("counsellor", 403),
        ("city_staff", 403),
        ("administrator", 200),
    ],
)
def test_previewing_an_allocation_is_for_the_districts_social_workers_and_shows_only_their_district(world, persona, expected):
    url = reverse("console:care_allocation") + "?district=11620&dong_rule=PREFERRED"

    _check_get(
        world, persona, url, expected=expected, shows="가상 주민 새벽", shown=persona in ("social_worker", "administrator")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), GETS_PEOPLE)
def test_the_unallocated_list_is_for_district_workers_and_shows_only_their_district(world, persona, expected):
    sees = persona in ("social_worker", "health_staff", "administrator")

    _check_get(
        world,
        persona,
        reverse("console:care_unallocated") + "?district=11620",
        expected=expected,
        shows="가상 주민 새벽",
        shown=sees,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("volunteer", 200),
        ("other_worker", 403),
        ("social_worker", 403),
        ("health_staff", 403),
        ("counsellor", 403),
        ("city_staff", 403),
        ("administrator", 403),
    ],
)
def test_my_households_is_only_for_volunteers_and_shows_their_own(world, persona, expected):
    _check_get(
        world, persona, reverse("console:care_my_households"), expected=expected, shows="가상 주민 이슬", shown=expected == 200
    )
