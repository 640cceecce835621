from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itda.audit.models import AuditEntry
from itda.contacts.models import ContactLog
from itda.contacts.queries import person_timeline
from itda.contacts.services import ContactRefused, log_contact, log_contacts_in_bulk
from itda.people.models import Person
from itda.people.permissions import PersonNotVisible
from itda.places.models import District
from tests.personas import HOME_DISTRICT

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def person(db):
    return Person.objects.create(name="가상 주민 이슬", district=District.objects.get(code=HOME_DISTRICT))


def _log(cast, person, **extra):
    fields = {"channel": "PHONE", "direction": "OUTBOUND", "outcome": "REACHED", "started_at": NOW}
    fields.update(extra)
    return log_contact(actor=cast.social_worker, team=cast.home_team, person=person, **fields)


@pytest.mark.django_db
def test_a_contact_lands_on_the_timeline_and_reading_the_timeline_is_audited(cast, person):
    contact = _log(cast, person, duration_seconds=300, topics=["meals"])

    timeline = person_timeline(actor=cast.social_worker, person_id=person.pk, now=NOW)

    assert timeline == [contact]
    assert AuditEntry.objects.filter(action="READ", target_type="contacts.timeline", person_id=person.pk).count() == 1


@pytest.mark.django_db
def test_a_worker_of_another_district_cannot_read_the_timeline(cast, person):
    _log(cast, person)

    with pytest.raises(PersonNotVisible):
        person_timeline(actor=cast.other_worker, person_id=person.pk, now=NOW)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "message"), [({"note": "800101-1234567"}, "주민등록번호"), ({"duration_seconds": 90000}, "통화 시간")]
)
def test_bad_contacts_are_refused_and_nothing_is_stored(cast, person, extra, message):
    with pytest.raises(ContactRefused, match=message):
        _log(cast, person, **extra)

    assert ContactLog.objects.count() == 0


@pytest.mark.django_db
def test_contacts_logged_in_bulk_keep_every_value_and_leave_one_audit_entry_naming_everyone(cast, person):
    other = Person.objects.create(name="가상 주민 노을", district=person.district)
    rows = [
        ContactLog(
            person=someone,
            team=cast.home_team,
            channel="AI_CALL",
            direction="OUTBOUND",
            outcome=outcome,
            started_at=NOW,
            topics=topics,
            source_type="checkins.attempt",
            source_id=str(number),
        )
        for number, (someone, outcome, topics) in enumerate(
            [(person, "REACHED", ["checkin"]), (other, "CONCERN", ["checkin", "PAIN", '따옴표 "와" \\ 역슬래시'])]
        )
    ]

    assert log_contacts_in_bulk(contacts=rows, at=NOW, reason="2 check-in attempts") == 2

    stored = list(
        ContactLog.objects.order_by("source_id").values_list(
            "person_id",
            "team_id",
            "logged_by_id",
            "channel",
            "caller_type",
            "outcome",
            "started_at",
            "topics",
            "note",
            "source_id",
        )
    )
    assert stored == [
        (person.pk, cast.home_team.pk, None, "AI_CALL", "SELF", "REACHED", NOW, ["checkin"], "", "0"),
        (
            other.pk,
            cast.home_team.pk,
            None,
            "AI_CALL",
            "SELF",
            "CONCERN",
            NOW,
            ["checkin", "PAIN", '따옴표 "와" \\ 역슬래시'],
            "",
            "1",
        ),
    ]
    entry = AuditEntry.objects.get(target_type="contacts.contactlog", action="CREATE")
    assert (entry.listed_person_ids, entry.reason) == ([person.pk, other.pk], "2 check-in attempts")


@pytest.mark.django_db
def test_an_automatic_contact_with_a_note_is_refused_and_nothing_is_stored(cast, person):
    row = ContactLog(
        person=person, team=cast.home_team, channel="AI_CALL", direction="OUTBOUND", outcome="REACHED", started_at=NOW, note="x"
    )

    with pytest.raises(ContactRefused):
        log_contacts_in_bulk(contacts=[row], at=NOW, reason="1")

    assert not ContactLog.objects.exists()
    assert not AuditEntry.objects.filter(target_type="contacts.contactlog").exists()
