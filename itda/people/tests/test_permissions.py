"""Every branch of the person access functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itda.accounts.models import Team, User
from itda.cases.models import CaseAssignment
from itda.people.models import Person
from itda.people.permissions import PersonNotVisible, can_change_person, get_people_for_worker, get_person_for_worker
from itda.places.models import District
from tests.personas import HOME_DISTRICT, OTHER_DISTRICT

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def people(db):
    home = District.objects.get(code=HOME_DISTRICT)
    other = District.objects.get(code=OTHER_DISTRICT)
    return Person.objects.create(name="관악 주민", district=home), Person.objects.create(name="마포 주민", district=other)


@pytest.fixture
def clinic_doctor(db):
    clinic = Team.objects.create(
        name="가상 관악 의원", kind=Team.Kind.PRIMARY_CLINIC, district=District.objects.get(code=HOME_DISTRICT)
    )
    return User.objects.create(username="persona-clinic", role=User.Role.HEALTH_STAFF, team=clinic)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "sees_home", "sees_other"),
    [
        ("citizen", False, False),
        ("volunteer", False, False),
        ("social_worker", True, False),
        ("other_worker", False, True),
        ("health_staff", True, False),
        ("counsellor", True, True),
        ("city_staff", False, False),
        ("administrator", True, True),
    ],
)
def test_who_sees_whom(cast, people, persona, sees_home, sees_other):
    visible = set(get_people_for_worker(getattr(cast, persona)))

    assert (people[0] in visible, people[1] in visible) == (sees_home, sees_other)


@pytest.mark.django_db
def test_a_citizen_sees_only_their_own_record(cast, people):
    mine = Person.objects.create(name="시민 하늘", district=people[0].district, user=cast.citizen)

    assert list(get_people_for_worker(cast.citizen)) == [mine]


@pytest.mark.django_db
def test_a_clinic_sees_only_its_own_caseload_not_the_district(cast, people, clinic_doctor):
    assert list(get_people_for_worker(clinic_doctor)) == []

    CaseAssignment.objects.create(person=people[0], worker=clinic_doctor, team=clinic_doctor.team, role="MEMBER", start_at=NOW)

    assert list(get_people_for_worker(clinic_doctor)) == [people[0]]
    assert can_change_person(clinic_doctor, people[0])


@pytest.mark.django_db
def test_an_unknown_or_invisible_id_raises_the_same_error(cast, people):
    with pytest.raises(PersonNotVisible):
        get_person_for_worker(cast.social_worker, people[1].pk)
    with pytest.raises(PersonNotVisible):
        get_person_for_worker(cast.social_worker, 99_999_999)
    with pytest.raises(PersonNotVisible):
        get_person_for_worker(cast.social_worker, "not-a-number")


@pytest.mark.django_db
def test_anonymous_sees_nobody(people):
    from django.contrib.auth.models import AnonymousUser

    assert not get_people_for_worker(AnonymousUser()).exists()
