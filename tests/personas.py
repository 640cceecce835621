"""The shared cast for tests: obviously fictional people, never real names or numbers.

관악구 (11620) is the home district of the care team; 마포구 (11440) is the
"other team". Phone numbers use the reserved-looking 010-0000-xxxx range.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.contrib.auth.hashers import make_password

from itda.accounts.models import Team, User
from itda.places.models import District

HOME_DISTRICT = "11620"  # 관악구
OTHER_DISTRICT = "11440"  # 마포구
PASSWORD = "persona-pass-1234"


@dataclass
class Cast:
    citizen: User
    volunteer: User
    social_worker: User
    other_worker: User
    counsellor: User
    health_staff: User
    city_staff: User
    administrator: User
    home_team: Team
    other_team: Team


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # Hashing is deliberately slow; the whole cast shares one hash of the same test password.
    return make_password(PASSWORD)


def _user(username: str, role: str, team: Team | None, display_name: str) -> User:
    return User.objects.create(username=username, password=_password_hash(), role=role, team=team, display_name=display_name)


def make_cast() -> Cast:
    home = District.objects.get(code=HOME_DISTRICT)
    other = District.objects.get(code=OTHER_DISTRICT)
    home_team = Team.objects.create(name="가상 관악구 복지센터", kind=Team.Kind.DISTRICT_CENTRE, district=home)
    other_team = Team.objects.create(name="가상 마포구 복지센터", kind=Team.Kind.DISTRICT_CENTRE, district=other)
    helpline = Team.objects.create(name="가상 외로움안녕120", kind=Team.Kind.HELPLINE)
    health = Team.objects.create(name="가상 관악구 보건소", kind=Team.Kind.HEALTH_CENTRE, district=home)
    city = Team.objects.create(name="가상 서울시 1인가구담당관", kind=Team.Kind.CITY)
    care_group = Team.objects.create(name="가상 관악구 우리동네돌봄단", kind=Team.Kind.CARE_GROUP, district=home)
    return Cast(
        citizen=_user("persona-citizen", User.Role.CITIZEN, None, "시민 하늘"),
        volunteer=_user("persona-volunteer", User.Role.VOLUNTEER, care_group, "돌봄단 바다"),
        social_worker=_user("persona-worker", User.Role.SOCIAL_WORKER, home_team, "복지사 구름"),
        other_worker=_user("persona-other-worker", User.Role.SOCIAL_WORKER, other_team, "복지사 별"),
        counsellor=_user("persona-counsellor", User.Role.COUNSELLOR, helpline, "상담사 달"),
        health_staff=_user("persona-health", User.Role.HEALTH_STAFF, health, "간호사 숲"),
        city_staff=_user("persona-city", User.Role.CITY_STAFF, city, "주무관 강"),
        administrator=_user("persona-admin", User.Role.ADMINISTRATOR, None, "관리자 산"),
        home_team=home_team,
        other_team=other_team,
    )


def client_for(client, cast: Cast, persona: str):
    """The test client signed in as the cast's ``persona`` ("anonymous": not signed in)."""
    if persona != "anonymous":
        client.force_login(getattr(cast, persona))
    return client
