"""The care pages as workers and volunteers use them: what they show, what they refuse, and messages for bad input."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse

from itda.accounts.models import User
from itda.households.models import MonitoringEnrolment
from itda.households.services import add_contact_channel, add_guardian, enrol_in_visiting_care
from itda.households.tests.factories import EARLIER, home_district, monitored
from itda.volunteers.models import Allocation, Volunteer
from itda.volunteers.services import apply_allocation
from itda.volunteers.tests.factories import care_group_team, volunteer


@pytest.fixture
def allocated(cast):
    carer = volunteer(cast, username="persona", user=cast.volunteer, capacity=1)
    someone = monitored(cast, name="가상 주민 이슬", birth_year=1950)
    add_contact_channel(
        actor=cast.social_worker,
        person=someone,
        kind="PHONE",
        value="010-0000-0701",
        is_preferred=True,
        preferred_weekday=4,
        preferred_time=time(11, 0),
        now=EARLIER,
    )
    add_guardian(
        actor=cast.social_worker,
        person=someone,
        name="가상 딸 아침",
        relation="CHILD",
        phone="010-0000-0702",
        may_be_contacted=True,
        guardian_consented=True,
        now=EARLIER,
    )
    enrol_in_visiting_care(actor=cast.health_staff, person=someone, group="INTENSIVE", now=EARLIER)
    apply_allocation(actor=cast.social_worker, district=home_district(), now=EARLIER + timedelta(hours=1))
    return carer, someone


@pytest.mark.django_db
def test_a_volunteer_sees_name_dong_phone_and_slot_and_never_risk_reasons_guardians_or_health_data(client, cast, allocated):
    client.force_login(cast.volunteer)

    page = client.get(reverse("console:care_my_households")).content.decode()

    assert all(text in page for text in ("가상 주민 이슬", "보라매동", "tel:010-0000-0701", "11:00"))
    for text in ("주 1회 이하 연락", 'class="level', "010-0000-0702", "가상 딸 아침", "Intensive", "집중", "1950"):
        assert text not in page


@pytest.mark.django_db
def test_the_registry_page_shows_the_level_its_reason_the_channels_guardians_volunteer_and_timeline(client, cast, allocated):
    _carer, someone = allocated
    client.force_login(cast.social_worker)

    page = client.get(reverse("console:care_person", args=[someone.pk])).content.decode()

    for text in ("level--HIGH", "주 1회 이하 연락", "tel:010-0000-0701", "가상 딸 아침", "돌봄단 바다", 'class="timeline"'):
        assert text in page


@pytest.mark.django_db
def test_the_monitored_list_highlights_households_without_a_volunteer(client, cast, allocated):
    monitored(cast, name="가상 주민 기다림", level="MEDIUM", at=EARLIER + timedelta(hours=2))
    client.force_login(cast.social_worker)

    page = client.get(reverse("console:care_people")).content.decode()

    waiting = page[page.index("가상 주민 기다림") - 400 : page.index("가상 주민 기다림")]
    allocated_card = page[page.index("가상 주민 이슬") - 400 : page.index("가상 주민 이슬")]
    assert "care-card--alert" in waiting
    assert "care-card--alert" not in allocated_card


@pytest.mark.django_db
def test_an_assessment_without_a_reason_is_answered_with_a_message_and_changes_nothing(client, cast, allocated):
    _carer, someone = allocated
    client.force_login(cast.social_worker)

    response = client.post(
        reverse("console:care_risk", args=[someone.pk]), {"level": "LOW", "basis": "WORKER_JUDGEMENT", "reason": " "}
    )

    assert response.status_code == 400
    assert "판단 이유를 적어 주세요" in response.content.decode()
    assert MonitoringEnrolment.objects.get(person=someone, end_at__isnull=True).risk_level == "HIGH"


@pytest.mark.django_db
def test_registering_a_volunteer_aged_39_is_refused_with_the_age_rule(client, cast):
    User.objects.create(username="too-young", role=User.Role.VOLUNTEER, team=care_group_team())
    client.force_login(cast.social_worker)
    data = {"username": "too-young", "birth_date": "1987-11-25", "dong": "1162052500", "capacity": "3"}

    response = client.post(reverse("console:care_volunteer_new"), data)

    assert response.status_code == 400
    assert "돌봄단원은 40–67세 주민이어야 합니다" in response.content.decode()
    assert not Volunteer.objects.filter(user__username="too-young").exists()


@pytest.mark.django_db
def test_a_preview_applied_with_its_fingerprint_allocates_and_a_stale_one_shows_a_new_preview(client, cast):
    volunteer(cast, username="run-carer", capacity=2)
    monitored(cast, name="가상 주민 첫째")
    client.force_login(cast.social_worker)
    preview = client.get(reverse("console:care_allocation"), {"dong_rule": "PREFERRED"})
    fingerprint = preview.context["plan"].fingerprint
    monitored(cast, name="가상 주민 둘째", at=EARLIER + timedelta(minutes=5))

    stale = client.post(reverse("console:care_allocation"), {"dong_rule": "PREFERRED", "fingerprint": fingerprint})
    fresh = stale.context["plan"].fingerprint
    applied = client.post(reverse("console:care_allocation"), {"dong_rule": "PREFERRED", "fingerprint": fresh})

    assert "가상 주민 첫째" in preview.content.decode()
    assert stale.status_code == 409
    assert applied.status_code == 302
    assert applied["Location"] == reverse("console:care_unallocated") + "?district=11620"
    assert sorted(Allocation.objects.values_list("person__name", flat=True)) == ["가상 주민 둘째", "가상 주민 첫째"]


@pytest.mark.django_db
def test_a_pin_to_a_full_volunteer_is_answered_with_a_message(client, cast, allocated):
    carer, _someone = allocated
    other = monitored(cast, name="가상 주민 지정요청", at=EARLIER + timedelta(hours=2))
    client.force_login(cast.social_worker)
    data = {"override-kind": "PIN", "override-volunteer": str(carer.pk), "override-reason": "요청"}

    response = client.post(reverse("console:care_override", args=[other.pk]), data)

    assert response.status_code == 400
    assert "이 돌봄단원은 담당 가구가 가득 찼습니다" in response.content.decode()


@pytest.mark.django_db
def test_ids_that_are_not_the_persons_or_do_not_exist_are_not_found(client, cast, allocated):
    _carer, someone = allocated
    other = monitored(cast, name="가상 주민 다른사람")
    channel = add_contact_channel(actor=cast.social_worker, person=other, kind="SMS", value="010-0000-0703", now=EARLIER)
    client.force_login(cast.social_worker)

    missing = client.get(reverse("console:care_person", args=[999_999]))
    foreign_channel = client.post(reverse("console:care_channel_remove", args=[someone.pk, channel.pk]))

    assert (missing.status_code, foreign_channel.status_code) == (404, 404)
    channel.refresh_from_db()
    assert channel.end_at is None


@pytest.mark.django_db
def test_the_console_home_links_to_the_care_pages_by_role(client, cast):
    client.force_login(cast.social_worker)
    worker_home = client.get(reverse("console:home")).content.decode()
    client.force_login(cast.health_staff)
    health_home = client.get(reverse("console:home")).content.decode()

    assert reverse("console:care_allocation") in worker_home
    assert reverse("console:care_people") in health_home
    assert reverse("console:care_allocation") not in health_home
