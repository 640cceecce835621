"""Fictional referrals and 120 line contacts for the demo: an overdue one, a stethoscope chain, a closed loop.

Runs after ``seed_demo_accounts --demo``. Every person is an invented, synthetic persona;
running it twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from itda.accounts.management.commands.seed_demo_accounts import DEMO_PASSWORD
from itda.accounts.models import Team, User
from itda.contacts.services import log_contact
from itda.people.models import Consent, Person
from itda.places.models import District
from itda.referrals.models import Referral
from itda.referrals.services import send_referral, transition

PEOPLE = ["가상 주민 이슬", "가상 주민 솔", "가상 주민 바람"]


class Command(BaseCommand):
    help = "데모용 의뢰와 120 상담 기록을 만듭니다. Create demo referrals and helpline contacts; never on a real deployment."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="confirm that this database is a demo")

    @transaction.atomic
    def handle(self, *args, demo: bool, **options):
        if not demo:
            raise CommandError("데모 데이터베이스에서만 실행하세요: --demo 를 붙이세요 (demo databases only; pass --demo)")
        try:
            worker = User.objects.get(username="demo-worker")
            nurse = User.objects.get(username="demo-health")
            counsellor = User.objects.get(username="demo-counsellor")
        except User.DoesNotExist:
            raise CommandError("먼저 seed_demo_accounts --demo 를 실행하세요 (create the demo accounts first)") from None
        gwanak = District.objects.get(code="11620")
        # The stethoscope's first link: a fictional primary clinic of 관악구 and its doctor (console/clinic/).
        clinic = Team.objects.get_or_create(
            name="관악 가상의원 (데모)", defaults={"kind": Team.Kind.PRIMARY_CLINIC, "district": gwanak}
        )[0]
        doctor, created = User.objects.get_or_create(
            username="demo-clinic", defaults={"role": User.Role.HEALTH_STAFF, "team": clinic, "display_name": "가상 의사 들"}
        )
        if created:
            doctor.set_password(DEMO_PASSWORD)
            doctor.save()
        if Referral.objects.filter(source_type="demo").exists():
            self.stdout.write("데모 의뢰가 이미 있습니다 (demo referrals already exist)")
            return
        mental = Team.objects.get_or_create(
            name="관악구 정신건강복지센터 (데모)", defaults={"kind": Team.Kind.MENTAL_HEALTH_CENTRE, "district": gwanak}
        )[0]
        mental_worker, created = User.objects.get_or_create(
            username="demo-mental", defaults={"role": User.Role.HEALTH_STAFF, "team": mental, "display_name": "가상 요원 잎"}
        )
        if created:
            mental_worker.set_password(DEMO_PASSWORD)
            mental_worker.save()
        now = timezone.now()
        people = []
        for index, name in enumerate(PEOPLE):
            person = Person.objects.create(
                name=name, birth_year=1950 + index * 7, district=gwanak, phone=f"010-0000-010{index}", is_synthetic=True
            )
            Consent.objects.create(
                person=person, purpose=Consent.Purpose.SHARE_WITH_SERVICES, wording_version="demo", given_at=now
            )
            people.append(person)

        overdue = send_referral(
            actor=worker, person=people[0], from_team=worker.team, to_team=nurse.team, reason="우울감, 불면",
            risk=Referral.Risk.HIGH, now=now - timedelta(days=4), source_type="demo", source_id="overdue",
        )  # fmt: skip
        send_referral(
            actor=worker, person=people[1], from_team=worker.team, to_team=nurse.team, reason="외출이 거의 없음",
            risk=Referral.Risk.MEDIUM, now=now - timedelta(hours=3), program_slug="visiting-health-care",
            source_type="demo", source_id="new",
        )  # fmt: skip
        first = send_referral(
            actor=worker, person=people[2], from_team=worker.team, to_team=nurse.team, reason="자가진단 PHQ-9 15점",
            risk=Referral.Risk.HIGH, now=now - timedelta(days=6), program_slug="life-linking-stethoscope",
            source_type="demo", source_id="chain",
        )  # fmt: skip
        for days, status in [(5, "ACCEPTED"), (5, "CONTACTED"), (4, "SERVICE_STARTED")]:
            first = transition(actor=nurse, referral=first, to_status=status, now=now - timedelta(days=days))
        second = send_referral(
            actor=nurse, person=people[2], from_team=nurse.team, to_team=mental, reason="심층상담: 자살 고위험",
            risk=Referral.Risk.HIGH, now=now - timedelta(days=3), program_slug="life-linking-stethoscope", parent=first,
        )  # fmt: skip
        transition(actor=nurse, referral=first, to_status="CLOSED", now=now - timedelta(days=3), outcome="REFERRED_ELSEWHERE")
        transition(actor=mental_worker, referral=second, to_status="ACCEPTED", now=now - timedelta(days=2))

        log_contact(
            actor=counsellor, team=counsellor.team, channel="PHONE", direction="INBOUND", outcome="REACHED",
            started_at=now - timedelta(hours=1), caller_type="NEIGHBOUR", duration_seconds=600, topics=["ISOLATION"],
            note="옆집 어르신이 며칠째 안 보인다는 이웃의 전화",
        )  # fmt: skip
        log_contact(
            actor=counsellor, team=counsellor.team, channel="PHONE", direction="INBOUND", outcome="CONCERN",
            started_at=now - timedelta(minutes=20), person=people[0], caller_type="SELF", duration_seconds=1500,
            topics=["LONELINESS", "LOW_MOOD"],
        )  # fmt: skip
        self.stdout.write(f"데모 의뢰 4건 (기한 지남 1건: #{overdue.pk}), 120 상담 2건, 계정 demo-mental, demo-clinic")
