"""Create the demo teams and fictional accounts, one per role, for the Seoul demo."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from itda.accounts.models import Team, User
from itda.places.models import District

DEMO_PASSWORD = "itda-demo-2026"  # noqa: S105 - the published password of the demo accounts

# (username, role, team key, name shown). Every name is an invented persona.
DEMO_ACCOUNTS = [
    ("demo-citizen", User.Role.CITIZEN, None, "가상 시민 하늘"),
    ("demo-volunteer", User.Role.VOLUNTEER, "care_group", "가상 돌봄단원 바다"),
    ("demo-worker", User.Role.SOCIAL_WORKER, "gwanak", "가상 복지사 구름"),
    ("demo-worker-mapo", User.Role.SOCIAL_WORKER, "mapo", "가상 복지사 별"),
    ("demo-counsellor", User.Role.COUNSELLOR, "helpline", "가상 상담사 달"),
    ("demo-health", User.Role.HEALTH_STAFF, "health", "가상 간호사 숲"),
    ("demo-city", User.Role.CITY_STAFF, "city", "가상 주무관 강"),
    ("demo-admin", User.Role.ADMINISTRATOR, None, "가상 관리자 산"),
]


class Command(BaseCommand):
    help = "데모용 팀과 가상 계정을 만듭니다 (비밀번호는 공개된 데모 값). Create demo accounts; never on a real deployment."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="confirm that this database is a demo")

    @transaction.atomic
    def handle(self, *args, demo: bool, **options):
        if not demo:
            raise CommandError("데모 데이터베이스에서만 실행하세요: --demo 를 붙이세요 (demo databases only; pass --demo)")
        gwanak = District.objects.filter(code="11620").first()
        mapo = District.objects.filter(code="11440").first()
        if gwanak is None or mapo is None:
            raise CommandError("먼저 load_reference를 실행하세요 (load the reference data first)")
        teams = {
            "gwanak": Team.objects.get_or_create(
                name="관악구 1인가구지원센터 (데모)", defaults={"kind": Team.Kind.DISTRICT_CENTRE, "district": gwanak}
            )[0],
            "mapo": Team.objects.get_or_create(
                name="마포구 1인가구지원센터 (데모)", defaults={"kind": Team.Kind.DISTRICT_CENTRE, "district": mapo}
            )[0],
            "health": Team.objects.get_or_create(
                name="관악구 보건소 (데모)", defaults={"kind": Team.Kind.HEALTH_CENTRE, "district": gwanak}
            )[0],
            "care_group": Team.objects.get_or_create(
                name="관악구 우리동네돌봄단 (데모)", defaults={"kind": Team.Kind.CARE_GROUP, "district": gwanak}
            )[0],
            "helpline": Team.objects.get_or_create(name="외로움안녕120 (데모)", defaults={"kind": Team.Kind.HELPLINE})[0],
            "city": Team.objects.get_or_create(name="서울시 1인가구담당관 (데모)", defaults={"kind": Team.Kind.CITY})[0],
        }
        for username, role, team_key, display_name in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"role": role, "team": teams.get(team_key), "display_name": display_name},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = role == User.Role.ADMINISTRATOR
                user.is_superuser = role == User.Role.ADMINISTRATOR
                user.save()
        self.stdout.write(
            f"데모 계정 {len(DEMO_ACCOUNTS)}개, 비밀번호 '{DEMO_PASSWORD}': " + ", ".join(a[0] for a in DEMO_ACCOUNTS)
        )
