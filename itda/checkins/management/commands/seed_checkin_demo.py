"""Demo check-ins in 관악구: the teams a ladder routes to, a dozen invented residents with plans, one simulated week."""

from __future__ import annotations

import io
from datetime import time, timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from itda.accounts.models import Team, User
from itda.checkins import cycle, services
from itda.checkins.adapters import AdapterSet
from itda.checkins.models import ContactPlan, DueContact
from itda.checkins.simulator import SimulatorAdapter, SyntheticPopulation
from itda.people.models import Person
from itda.places.models import District, Dong

GWANAK = "11620"
# Invented residents (never real people): given names only, marked synthetic.
RESIDENTS = ["봄", "여름", "가을", "겨울", "새벽", "노을", "이슬", "햇살", "바람", "구슬", "단비", "은하"]


class Command(BaseCommand):
    help = (
        "데모용 안부확인 데이터를 만듭니다 (관악구 가상 주민, 계획, 모의 통화 한 주). "
        "Create demo check-ins in Gwanak-gu: teams, invented residents with plans, a simulated week; demo databases only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="confirm that this database is a demo")

    def handle(self, *args, demo: bool, **options):
        if not demo:
            raise CommandError("데모 데이터베이스에서만 실행하세요: --demo 를 붙이세요 (demo databases only; pass --demo)")
        district = District.objects.filter(code=GWANAK).first()
        if district is None:
            raise CommandError("먼저 load_reference를 실행하세요 (load the reference data first)")
        if not User.objects.filter(username="demo-volunteer").exists():
            call_command("seed_demo_accounts", "--demo", stdout=io.StringIO())
        now = timezone.now()
        with transaction.atomic():
            dongs = list(Dong.objects.filter(district=district).order_by("code")[:3])
            for dong in dongs:
                Team.objects.get_or_create(
                    name=f"{dong.name} 주민센터 (데모)",
                    defaults={"kind": Team.Kind.DONG_CENTRE, "district": district, "dong": dong},
                )
            Team.objects.get_or_create(
                name="관악구 정신건강복지센터 (데모)", defaults={"kind": Team.Kind.MENTAL_HEALTH_CENTRE, "district": district}
            )
            Team.objects.get_or_create(name="서울시 고립예방센터 관제실 (데모)", defaults={"kind": Team.Kind.CONTROL_ROOM})
            worker = User.objects.get(username="demo-worker")
            volunteer = User.objects.get(username="demo-volunteer")
            made = 0
            for index, given in enumerate(RESIDENTS):
                person, created = Person.objects.get_or_create(
                    name=f"가상 주민 {given}",
                    district=district,
                    defaults={
                        "dong": dongs[index % len(dongs)],
                        "birth_year": 1940 + index,
                        "phone": f"010-0000-{9000 + index:04d}",
                        "address": f"가상로 {index + 1}",
                        "is_synthetic": True,
                    },
                )
                made += created
                slot = timezone.localtime(now - timedelta(hours=2 + index))
                services.set_checkin_call(
                    actor=worker,
                    person=person,
                    preferred_weekday=slot.weekday(),
                    preferred_time=time(slot.hour, 0),
                    channel=ContactPlan.Channel.VOICE,
                    now=now - timedelta(days=1),
                )
                if index < 4:
                    services.ensure_contact_plan(
                        actor=worker,
                        person=person,
                        kind=ContactPlan.Kind.CARE_GROUP,
                        team=volunteer.team,
                        owner=volunteer,
                        now=now - timedelta(days=index),
                    )
        # One worry a volunteer heard, so the board always has a counsellor alert to show.
        worried = DueContact.objects.filter(
            person__name=f"가상 주민 {RESIDENTS[3]}", kind=ContactPlan.Kind.CARE_GROUP, status=DueContact.Status.PENDING
        ).first()
        if worried is None:
            services.generate_due_contacts(now=now)
            worried = DueContact.objects.filter(
                person__name=f"가상 주민 {RESIDENTS[3]}", kind=ContactPlan.Kind.CARE_GROUP, status=DueContact.Status.PENDING
            ).first()
        if worried is not None:
            services.log_due_contact_outcome(
                actor=volunteer,
                due_contact=worried,
                outcome=DueContact.Outcome.CONCERN,
                note="요즘 밥을 잘 못 드신다고 하세요",
                now=now,
            )
        simulator = SimulatorAdapter(
            SyntheticPopulation(seed=11, no_answer_rate=0.3, concern_rate=0.2, self_harm_rate=0.05, lapsed_rate=0)
        )
        adapters = AdapterSet({"VOICE": simulator, "SMS_LINK": simulator})
        report = cycle.run_cycle(now=now, adapters=adapters, worker_id="demo-seed", purge=False)
        self.stdout.write(
            f"데모 주민 {made}명 추가, 안부전화 {report.dialled}건, 재통화 {report.retried}건 "
            f"(demo residents added {made}, calls {report.dialled}, retries {report.retried}); "
            "돌봄단 목록 (volunteer worklist): /console/check-ins/worklist/ (demo-volunteer), "
            "현황 (board): /console/check-ins/ (demo-worker)"
        )
