"""Demo care tasks for the task inbox: invented residents of 관악구 and 마포구 with a crisis, a call, a visit, an outreach."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from itda.accounts.models import User
from itda.cases.models import CareTask
from itda.cases.services import open_task
from itda.people.models import Person
from itda.places.models import District

# (dedupe key, resident's given name or "" for a household, district, account, assigned, kind, priority, hours until due, title)
DEMO_TASKS = [
    (
        "demo:task:crisis",
        "새싹",
        "11620",
        "demo-worker",
        True,
        "CRISIS_RESPONSE",
        1,
        -1,
        "위기 대응: 1시간 안에 연락하세요 (Crisis: contact within the hour)",
    ),
    (
        "demo:task:call",
        "물결",
        "11620",
        "demo-worker",
        True,
        "FOLLOW_UP_CALL",
        4,
        3,
        "자가진단 후 연락 요청 (Asked to be called after a self-check)",
    ),
    (
        "demo:task:visit",
        "산들",
        "11620",
        "demo-worker",
        False,
        "VISIT",
        3,
        -26,
        "안부확인 무응답: 가정 방문 (No answer to the check-in: visit at home)",
    ),
    (
        "demo:task:outreach",
        "",
        "11620",
        "demo-worker",
        False,
        "OUTREACH",
        4,
        72,
        "발굴 가구 연락 (Outreach to a household at risk)",
    ),
    ("demo:task:mapo", "나래", "11440", "demo-worker-mapo", True, "FOLLOW_UP_CALL", 3, 5, "120 상담 후 다시 전화하기"),
]


class Command(BaseCommand):
    help = "데모용 돌봄 업무를 만듭니다 (가상 주민). Create demo care tasks for invented residents; demo databases only."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="confirm that this database is a demo")

    def handle(self, *args, demo: bool, **options):
        if not demo:
            raise CommandError("데모 데이터베이스에서만 실행하세요: --demo 를 붙이세요 (demo databases only; pass --demo)")
        if not District.objects.filter(code="11620").exists():
            raise CommandError("먼저 load_reference를 실행하세요 (load the reference data first)")
        if not User.objects.filter(username="demo-worker").exists():
            call_command("seed_demo_accounts", "--demo", stdout=io.StringIO())
        now = timezone.now()
        opened = 0
        with transaction.atomic():
            for index, (key, given, district_code, username, assigned, kind, priority, hours, title) in enumerate(DEMO_TASKS):
                worker = User.objects.get(username=username)
                person = None
                if given:
                    person, _created = Person.objects.get_or_create(
                        name=f"가상 주민 {given}",
                        district=District.objects.get(code=district_code),
                        defaults={"birth_year": 1945 + index, "phone": f"010-0000-{8100 + index:04d}", "is_synthetic": True},
                    )
                _task, created = open_task(
                    actor=None,
                    team=worker.team,
                    kind=kind,
                    title=title,
                    due_at=now + timedelta(hours=hours),
                    now=now - timedelta(hours=30),
                    person=person,
                    household_ref="" if person else f"9{index:05d}",
                    assignee=worker if assigned else None,
                    priority=CareTask.Priority(priority),
                    dedupe_key=key,
                )
                opened += created
        self.stdout.write(f"데모 업무 {opened}건 (demo tasks opened: {opened}); 업무함 (inbox): /console/tasks/ (demo-worker)")
