"""Fill a demo database with a care network for 관악구: monitored households, volunteers, one allocation run."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from itda.accounts.models import Team, User
from itda.households.services import (
    CONTACT_CONSENT_WORDING_VERSION,
    add_contact_channel,
    enrol_in_visiting_care,
    record_risk_assessment,
)
from itda.people.models import Person
from itda.people.services import PersonDetails, register_person
from itda.places.models import District, Dong
from itda.volunteers.models import Volunteer
from itda.volunteers.services import apply_allocation, record_training, register_volunteer

DISTRICT = "11620"  # 관악구, the demo district of seed_demo_accounts
REASONS = {
    "HIGH": "주 1회 이하 연락, 하루 한 끼 이하 식사, 아플 때 도와줄 사람 없음 (실태조사 9문항 중 7개 해당)",
    "MEDIUM": "외출이 드물고 이웃과 왕래가 없음 (실태조사 9문항 중 4개 해당)",
    "LOW": "혼자 살지만 복지관 프로그램에 매주 참여",
}


class Command(BaseCommand):
    help = (
        "데모용 돌봄 네트워크(관악구 가상 주민·돌봄단원·배정)를 만듭니다. "
        "Create a fictional care network in 관악구 for the demo; needs seed_demo_accounts first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="confirm that this database is a demo")
        parser.add_argument("--households", type=int, default=40)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, demo: bool, households: int, seed: int, **options):
        if not demo:
            raise CommandError("데모 데이터베이스에서만 실행하세요: --demo 를 붙이세요 (demo databases only; pass --demo)")
        worker = User.objects.filter(username="demo-worker").first()
        nurse = User.objects.filter(username="demo-health").first()
        first_volunteer = User.objects.filter(username="demo-volunteer").first()
        if worker is None or nurse is None or first_volunteer is None:
            raise CommandError("먼저 seed_demo_accounts --demo 를 실행하세요 (run seed_demo_accounts --demo first)")
        if Volunteer.objects.filter(user=first_volunteer).exists():
            self.stdout.write("데모 돌봄 네트워크가 이미 있습니다 (the demo care network exists already)")
            return
        rng = random.Random(seed)
        now = timezone.now()
        district = District.objects.get(code=DISTRICT)
        dongs = list(Dong.objects.filter(district=district, centroid_lat__isnull=False).order_by("code"))
        team = Team.objects.get(kind=Team.Kind.CARE_GROUP, district=district, members=first_volunteer)
        with transaction.atomic():
            accounts = [first_volunteer]
            for number in range(2, 9):
                account, _created = User.objects.get_or_create(
                    username=f"demo-volunteer-{number}",
                    defaults={"role": User.Role.VOLUNTEER, "team": team, "display_name": f"가상 돌봄단원 {number}"},
                )
                account.set_unusable_password()
                account.save(update_fields=["password"])
                accounts.append(account)
            for number, account in enumerate(accounts):
                home = rng.choice(dongs)
                volunteer = register_volunteer(
                    actor=worker,
                    user=account,
                    birth_date=date(1958 + rng.randrange(25), rng.randrange(1, 13), rng.randrange(1, 28)),
                    dong=home,
                    capacity=rng.randrange(3, 7),
                    now=now - timedelta(days=60),
                    home_lat=home.centroid_lat + rng.uniform(-0.002, 0.002) if number % 3 else None,
                    home_lon=home.centroid_lon + rng.uniform(-0.002, 0.002) if number % 3 else None,
                )
                record_training(
                    actor=worker,
                    volunteer=volunteer,
                    course="고독사 예방과 안부 확인 기본교육",
                    completed_date=date(2026, 3, 4),
                    hours=8,
                    now=now,
                )
            for number in range(1, households + 1):
                level = rng.choices(["HIGH", "MEDIUM", "LOW"], weights=[2, 5, 3])[0]
                birth_year = rng.randrange(1938, 1976)
                person = register_person(
                    actor=worker,
                    details=PersonDetails(
                        name=f"가상 주민 {number:02d}",
                        district=district,
                        dong=rng.choice(dongs),
                        birth_year=birth_year,
                        phone=f"010-0000-{1000 + number:04d}",
                    ),
                    consent_wording_version="case-record-2026-01",
                    now=now - timedelta(days=30),
                )
                # Demo rows carry the synthetic flag the people app keeps for generated data.
                Person.objects.filter(pk=person.pk).update(is_synthetic=True)
                record_risk_assessment(
                    actor=worker,
                    person=person,
                    level=level,
                    basis="SURVEY",
                    reason=REASONS[level],
                    now=now - timedelta(days=20),
                    contact_consent_wording_version=CONTACT_CONSENT_WORDING_VERSION if rng.random() < 0.9 else "",
                )
                if rng.random() < 0.7:
                    add_contact_channel(
                        actor=worker,
                        person=person,
                        kind="PHONE",
                        value=person.phone,
                        is_preferred=True,
                        preferred_weekday=rng.randrange(5),
                        preferred_time=time(rng.choice([9, 10, 14, 16]), 0),
                        now=now - timedelta(days=19),
                    )
                if birth_year <= now.year - 65 and rng.random() < 0.5:
                    enrol_in_visiting_care(
                        actor=nurse,
                        person=person,
                        group=rng.choice(["INTENSIVE", "REGULAR", "HEALTHY"]),
                        nurse=nurse,
                        now=now - timedelta(days=18),
                    )
            plan = apply_allocation(actor=worker, district=district, now=now)
        paired, waiting = plan.counts["NEW"], plan.counts["UNALLOCATED"]
        carers = len(accounts)
        self.stdout.write(
            f"데모 돌봄 네트워크: 주민 {households}명, 돌봄단원 {carers}명, 배정 {paired}건, 미배정 {waiting}건 "
            f"(demo care network: {households} households, {carers} volunteers, {paired} pairs, {waiting} waiting)"
        )
