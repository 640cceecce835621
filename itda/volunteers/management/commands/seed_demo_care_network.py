"""Fill a demo database with a care network for 관악구: monitored households, volunteers, one allocation run.

The monitored households are drawn from the synthetic population of ``seed_demo_population``: among
the households its latest finished score run put in the HIGH or MEDIUM tier in 관악구, a seeded
sample becomes the care network's people, each with ``household_ref`` set to the household's id and
its age, sex, dong, housing and tenure from the population file. Their outreach tasks are closed as
reached (the outreach found them, the care network now monitors them), so the next score run leaves
them off the worklist as monitored. Names and phone numbers are fictional and every row is flagged
synthetic. Without a scored population (a database seeded without ``seed_demo_population``) the
command makes its own fictional people without a household reference, as before, and says so.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

import polars as pl
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from itda.accounts.models import Team, User
from itda.cases.models import CareTask
from itda.households.services import (
    CONTACT_CONSENT_WORDING_VERSION,
    add_contact_channel,
    enrol_in_visiting_care,
    record_risk_assessment,
)
from itda.insights import files
from itda.insights.models import ScoreRun, WorklistEntry
from itda.insights.services import record_outreach_outcome
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
SCORED_TIERS = ("HIGH", "MEDIUM")
SEXES = {"F": Person.Sex.FEMALE, "M": Person.Sex.MALE}


def synthetic_households(*, district: District, count: int, rng: random.Random) -> list[dict] | None:
    """``count`` one-person households of the district from the latest finished synthetic score run, with their facts.

    Every household the run scored HIGH or MEDIUM in the district comes first (a seeded sample when
    there are more than ``count``); when there are fewer, other one-person households of the district
    in the same population (scored below the worklist's tiers, ``tier`` None) fill the rest. None when
    there is no such run or its population file is gone. The same population and seed give the same
    households; one filtered read of the Parquet file.
    """
    run = ScoreRun.objects.filter(status=ScoreRun.Status.DONE, is_synthetic=True).order_by("-finished_at", "-pk").first()
    if run is None:
        return None
    try:
        manifest = files.read_manifest()
    except files.PopulationMissing:
        return None
    if manifest.key != run.population_sha256:
        return None
    entries = list(
        WorklistEntry.objects.filter(run=run, district=district, tier__in=SCORED_TIERS)
        .order_by("rank_in_district")
        .values_list("household_id", "tier")
    )
    tiers = dict(rng.sample(entries, count) if len(entries) > count else entries)
    alone = (
        pl.scan_parquet(manifest.households_path)
        .filter((pl.col("district") == district.code) & (pl.col("household_size") == 1))
        .select("household_id", "dong", "age", "sex", "housing_type", "tenure", "has_disability")
        .sort("household_id")
        .collect()
    )
    others = alone.filter(~pl.col("household_id").is_in(list(tiers)))["household_id"].to_list()
    chosen = list(tiers) + rng.sample(others, min(max(count - len(tiers), 0), len(others)))
    by_id = {row["household_id"]: row for row in alone.filter(pl.col("household_id").is_in(chosen)).iter_rows(named=True)}
    drawn = [{**by_id[household_id], "tier": tiers.get(household_id)} for household_id in chosen if household_id in by_id]
    return drawn or None


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
        dongs_by_code = {dong.code: dong for dong in Dong.objects.filter(district=district)}
        drawn = synthetic_households(district=district, count=households, rng=random.Random(seed))
        if drawn is None:
            self.stdout.write(
                "점수를 매긴 합성 인구가 없어 합성 인구와 연결하지 않은 가상 주민을 만듭니다; "
                "먼저 seed_demo_population --demo 를 실행하세요 "
                "(no scored synthetic population: the people get no household reference)"
            )
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
            for number, household in enumerate(drawn or [None] * households, start=1):
                if household is None:
                    level = rng.choices(["HIGH", "MEDIUM", "LOW"], weights=[2, 5, 3])[0]
                    birth_year = rng.randrange(1938, 1976)
                    details = PersonDetails(
                        name=f"가상 주민 {number:02d}",
                        district=district,
                        dong=rng.choice(dongs),
                        birth_year=birth_year,
                        phone=f"010-0000-{1000 + number:04d}",
                    )
                else:
                    # The survey confirms a HIGH score; a MEDIUM score may turn out LOW on the visit, and a
                    # household scored below the worklist may still be found at risk.
                    if household["tier"] == "HIGH":
                        level = "HIGH"
                    elif household["tier"] == "MEDIUM":
                        level = rng.choices(["MEDIUM", "LOW"], weights=[5, 3])[0]
                    else:
                        level = rng.choices(["HIGH", "MEDIUM", "LOW"], weights=[1, 4, 5])[0]
                    birth_year = now.year - household["age"]
                    details = PersonDetails(
                        name=f"가상 주민 {number:02d}",
                        district=district,
                        dong=dongs_by_code.get(household["dong"]),
                        birth_year=birth_year,
                        sex=SEXES.get(household["sex"], ""),
                        phone=f"010-0000-{1000 + number:04d}",
                        household_size=1,
                        housing_type=household["housing_type"],
                        tenure=household["tenure"],
                        has_disability=household["has_disability"],
                    )
                person = register_person(
                    actor=worker, details=details, consent_wording_version="case-record-2026-01", now=now - timedelta(days=30)
                )
                # Demo rows carry the synthetic flag the people app keeps for generated data, and the
                # household's id in the synthetic population when the person was drawn from it.
                Person.objects.filter(pk=person.pk).update(
                    is_synthetic=True, household_ref="" if household is None else str(household["household_id"])
                )
                if household is not None:
                    reached_outreach(actor=worker, household_ref=str(household["household_id"]), now=now)
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
        people = len(drawn) if drawn else households
        self.stdout.write(
            f"데모 돌봄 네트워크: 주민 {people}명, 돌봄단원 {carers}명, 배정 {paired}건, 미배정 {waiting}건 "
            f"(demo care network: {people} households, {carers} volunteers, {paired} pairs, {waiting} waiting)"
        )
        if drawn:
            listed = sum(household["tier"] is not None for household in drawn)
            self.stdout.write(
                f"  합성 인구에서 고른 관악구 1인가구 {len(drawn)}개 (household_ref), 그중 고·중위험 {listed}개는 "
                f"다음 점수 계산 때 명단에서 모니터링 중으로 제외됩니다 "
                f"(drawn from the synthetic population; the next score run excludes the {listed} listed ones)"
            )


def reached_outreach(*, actor, household_ref: str, now) -> None:
    """Close the household's open outreach tasks as reached: the care network took the household on."""
    for task in CareTask.objects.filter(
        household_ref=household_ref,
        kind=CareTask.Kind.OUTREACH,
        status__in=[CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS],
    ):
        record_outreach_outcome(actor=actor, task=task, outcome="REACHED", now=now)
