from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db.models import CharField, F, JSONField, Value
from django.db.models.functions import Cast

from itda.audit.models import AuditEntry
from itda.contacts.models import ContactLog
from itda.contacts.queries import person_timeline
from itda.contacts.services import ContactRefused, SelectedContacts, log_contact, log_selected_contacts
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


def _selected(people, team, outcome: str, topics: list[str], **extra) -> SelectedContacts:
    """Timeline entries selected from Person rows (in the platform, from the check-in attempts)."""
    return SelectedContacts(
        rows=Person.objects.filter(pk__in=[someone.pk for someone in people]),
        values={
            "person": F("pk"),
            "team": Value(team.pk),
            "channel": Value("AI_CALL"),
            "direction": Value("OUTBOUND"),
            "outcome": Value(outcome),
            "started_at": Value(NOW),
            "topics": Value(topics, output_field=JSONField()),
            "source_type": Value("checkins.attempt"),
            "source_id": Cast("pk", CharField(max_length=40)),
            **extra,
        },
    )


@pytest.mark.django_db
def test_selected_contacts_keep_every_value_take_defaults_and_leave_one_audit_entry_naming_everyone(cast, person):
    other = Person.objects.create(name="가상 주민 노을", district=person.district)
    groups = [
        _selected([person], cast.home_team, "REACHED", ["checkin"]),
        _selected([other], cast.home_team, "CONCERN", ["checkin", "PAIN", '따옴표 "와" \\ 역슬래시']),
    ]

    stored_count = log_selected_contacts(groups, person_ids=[person.pk, other.pk], at=NOW, reason="2 check-in attempts")

    stored = list(
        ContactLog.objects.order_by("person_id").values_list(
            "person_id",
            "team_id",
            "logged_by_id",
            "channel",
            "direction",
            "caller_type",
            "outcome",
            "started_at",
            "duration_seconds",
            "topics",
            "note",
            "source_type",
            "source_id",
        )
    )
    assert stored_count == 2
    row = (cast.home_team.pk, None, "AI_CALL", "OUTBOUND", "SELF")
    assert stored == [
        (person.pk, *row, "REACHED", NOW, None, ["checkin"], "", "checkins.attempt", str(person.pk)),
        (
            other.pk,
            *row,
            "CONCERN",
            NOW,
            None,
            ["checkin", "PAIN", '따옴표 "와" \\ 역슬래시'],
            "",
            "checkins.attempt",
            str(other.pk),
        ),
    ]
    entry = AuditEntry.objects.get(target_type="contacts.contactlog", action="CREATE")
    assert (entry.listed_person_ids, entry.reason) == ([person.pk, other.pk], "2 check-in attempts")


@pytest.mark.django_db
def test_selected_contacts_that_select_nothing_store_nothing_and_audit_nothing(cast, person):
    assert log_selected_contacts([_selected([], cast.home_team, "REACHED", [])], person_ids=[], at=NOW, reason="0") == 0

    assert not ContactLog.objects.exists()
    assert not AuditEntry.objects.filter(target_type="contacts.contactlog").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "refusal"),
    [({"note": Value("x")}, ContactRefused), ({"no_such_field": Value("x")}, ValueError)],
    ids=["a note", "an unknown field"],
)
def test_an_automatic_contact_with_a_note_or_an_unknown_field_is_refused_and_nothing_is_stored(cast, person, extra, refusal):
    groups = [
        _selected([person], cast.home_team, "REACHED", ["checkin"]),
        _selected([person], cast.home_team, "REACHED", [], **extra),
    ]

    with pytest.raises(refusal):
        log_selected_contacts(groups, person_ids=[person.pk], at=NOW, reason="2")

    assert not ContactLog.objects.exists()
    assert not AuditEntry.objects.filter(target_type="contacts.contactlog").exists()


@pytest.mark.django_db
def test_selected_contacts_without_a_required_field_are_refused_and_nothing_is_stored(cast, person):
    group = _selected([person], cast.home_team, "REACHED", ["checkin"])
    del group.values["channel"]

    with pytest.raises(ValueError, match="channel"):
        log_selected_contacts([group], person_ids=[person.pk], at=NOW, reason="1")

    assert not ContactLog.objects.exists()
