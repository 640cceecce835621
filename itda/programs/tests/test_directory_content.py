"""The Seoul directory file says what the two source documents say, and nothing they mask.

The session fixture loads data/programs/seoul.json into every test database;
these tests read what it loaded.
"""

from __future__ import annotations

from datetime import time

import pytest
from django.conf import settings

import analytics
from itda.programs.models import EligibilityRule, Fee, Need, OpeningHours, Program, ProgramTarget, Provider, Site
from itda.programs.queries import match_programs
from itda.programs.services import load_directory

pytestmark = pytest.mark.django_db

# (project number, area, task, Korean name) as in seed 004 (the 2023 plan); "?" in the
# converted source is a lost "·".
PLAN_2023_PROJECTS = [
    (1, 1, "1-1", "병원안심동행"),
    (2, 1, "1-1", "전월세 안심계약 도움서비스"),
    (3, 1, "1-2", "서울형 스마트 헬스케어"),
    (4, 1, "1-2", "방문건강관리"),
    (5, 1, "1-2", "행복한 밥상·건강한 밥상"),
    (6, 1, "1-2", "씽글벙글 반찬 지원"),
    (7, 2, "2-1", "안심마을보안관"),
    (8, 2, "2-1", "안심귀가스카우트"),
    (9, 2, "2-1", "스마트보안등"),
    (10, 2, "2-1", "CCTV설치확대"),
    (11, 2, "2-1", "범죄예방 인프라"),
    (12, 2, "2-1", "안심귀가 택시"),
    (13, 2, "2-2", "1인가구 안심장비"),
    (14, 2, "2-2", "안심택배함"),
    (15, 3, "3-1", "우리동네돌봄단"),
    (16, 3, "3-1", "AI 안부확인서비스"),
    (17, 3, "3-1", "생명이음 청진기"),
    (18, 3, "3-2", "멘토·멘티 프로그램"),
    (19, 3, "3-2", "씽글벙글 사랑방"),
    (20, 3, "3-2", "1인가구 경제자립을 위한 교육 및 일자리 연계"),
    (21, 3, "3-2", "1인가구 관계망 프로그램"),
    (22, 3, "3-3", "세대통합형 주택"),
    (23, 3, "3-3", "청년안심주택"),
    (24, 3, "3-3", "청년 공공주택"),
    (25, 3, "3-3", "취약계층 1인가구 주거지원"),
    (26, 3, "3-3", "주택관리서비스"),
]

WEEKDAYS = (0, 1, 2, 3, 4)
SATURDAY = 5


def _weekly_hours(site: Site) -> list[tuple[int, time, time]]:
    return sorted((h.weekday, h.opens_at, h.closes_at) for h in site.opening_hours.all())


def _every_day(days, opens: time, closes: time) -> list[tuple[int, time, time]]:
    return [(day, opens, closes) for day in days]


def _rules(slug: str) -> list[dict]:
    return Program.objects.get(slug=slug).rule_dicts()


def test_the_2023_plan_has_its_26_projects_numbered_with_their_source_names():
    projects = Program.objects.filter(source=Program.Source.PLAN_2023).order_by("project_number")

    listed = [(p.project_number, p.area, p.task_code, p.name) for p in projects]

    assert listed == PLAN_2023_PROJECTS


def test_every_plan_project_names_its_task_and_kpi_unit_in_both_languages():
    projects = Program.objects.filter(source=Program.Source.PLAN_2023)

    incomplete = [
        p.project_number
        for p in projects
        if not (p.task_name and p.task_name_en and p.kpi_unit and p.kpi_unit_en and p.name_en)
        or p.source_reference != f"seed 004, project {p.project_number}"
    ]

    assert incomplete == []


def test_the_plan_tasks_carry_the_source_task_names():
    projects = Program.objects.filter(source=Program.Source.PLAN_2023)

    tasks = {p.task_code: (p.task_name, p.task_name_en) for p in projects}

    assert tasks == {
        "1-1": ("1인 생활 편리성 제고", "Making life alone easier"),
        "1-2": ("건강 유지 및 식생활 개선 지원", "Health and better meals"),
        "2-1": ("늦은 밤길 안전한 귀가 환경 조성", "A safe way home at night"),
        "2-2": ("내집 안전 강화", "Safety at home"),
        "3-1": ("고독과 고립으로부터 탈출 지원", "Getting out of loneliness and isolation"),
        "3-2": ("경제자립과 사회관계 형성 지원", "Financial independence and relationships"),
        "3-3": ("1인가구 주거여건 향상 및 지원", "Better housing for people who live alone"),
    }


def test_kpi_units_follow_the_plan():
    projects = Program.objects.filter(source=Program.Source.PLAN_2023).order_by("project_number")

    units = {p.project_number: (p.kpi_unit, p.kpi_unit_en) for p in projects if p.project_number in (1, 2, 7, 14, 26)}

    assert units == {
        1: ("이용자", "users"),
        2: ("건", "cases"),
        7: ("구역", "zones"),
        14: ("점유율(%)", "occupancy (%)"),
        26: ("건", "cases"),
    }


def test_infrastructure_projects_are_kept_out_of_citizen_search():
    projects = Program.objects.filter(source=Program.Source.PLAN_2023, is_citizen_facing=False)

    numbers = sorted(projects.values_list("project_number", flat=True))

    assert numbers == [7, 9, 10, 11, 22]


def test_season_2_brings_its_six_programmes():
    programmes = Program.objects.filter(source=Program.Source.SEASON2_2026).order_by("slug")

    listed = [(p.slug, p.name, p.status) for p in programmes]

    assert listed == [
        ("isolation-prevention-platform", "서울시 고립예방 플랫폼", "ACTIVE"),
        ("itda-place", "서울잇다플레이스", "PLANNED"),
        ("loneliness-free-day", "외로움 없는 날 (식구일)", "ACTIVE"),
        ("loneliness-goodbye-120", "외로움안녕120", "ACTIVE"),
        ("loneliness-goodbye-festival-week", "외로움 안녕 페스티벌 주간", "ACTIVE"),
        ("maeum-convenience-store", "서울마음편의점", "ACTIVE"),
    ]


def test_loneliness_goodbye_120_answers_around_the_clock():
    line = Program.objects.get(slug="loneliness-goodbye-120")

    facts = (line.phone, line.is_open_all_hours, line.is_open_on_public_holidays, line.how_to_apply)

    assert facts == ("120", True, True, "다산콜센터 120에 전화한 뒤 안내에 따라 5번을 누르면 상담사와 연결돼요.")


def test_the_isolation_prevention_platform_gives_the_dasan_call_centre():
    platform = Program.objects.get(slug="isolation-prevention-platform")

    assert platform.phone == "02-120"


def test_itda_place_is_a_planned_site_in_seongsu_dong_without_hours():
    site = Site.objects.select_related("district").get(slug="itda-place-seongsu")

    facts = (
        site.name,
        site.address,
        site.district.name,
        list(site.programs.values_list("slug", flat=True)),
        site.opening_hours.count(),
        site.location_precision,
    )

    assert facts == ("서울잇다플레이스", "성수동", "성동구", ["itda-place"], 0, "DISTRICT")


# Seed 000's branch table: label, welfare centre, address and phone verbatim, district, weekly hours.
MAEUM_BRANCHES = {
    "maeum-gangbuk": (
        "강북점",
        "꿈의숲종합사회복지관",
        "오현로208 302동",
        "02-984-6777",
        "강북구",
        [*_every_day(WEEKDAYS, time(9), time(21)), (SATURDAY, time(9), time(18))],
    ),
    "maeum-dobong": (
        "도봉점",
        "창동종합사회복지관",
        "덕릉로329",
        "02-993-3222",
        "도봉구",
        _every_day(WEEKDAYS, time(10), time(20)),
    ),
    "maeum-gwanak": (
        "관악점",
        "성민종합사회복지관",
        "호암로549",
        "02-876-0900",
        "관악구",
        [*_every_day(WEEKDAYS, time(10), time(19)), (SATURDAY, time(10), time(13))],
    ),
    "maeum-dongdaemun": (
        "동대문점",
        "동대문종합사회복지관",
        "약령시로5길22",
        "02-920-4500",
        "동대문구",
        _every_day(WEEKDAYS, time(9), time(18)),
    ),
    "maeum-guro": (
        "구로점",
        "화원종합사회복지관",
        "벚꽃로484",
        "02-837-0761",
        "구로구",
        [*_every_day(WEEKDAYS, time(10), time(19)), (SATURDAY, time(10), time(13))],
    ),
}


@pytest.mark.parametrize("slug", sorted(MAEUM_BRANCHES))
def test_each_maeum_branch_matches_the_source(slug):
    label, centre, address, phone, district, hours = MAEUM_BRANCHES[slug]

    site = Site.objects.select_related("district", "provider").get(slug=slug)

    facts = (
        site.branch_label,
        site.provider.name,
        site.provider.phone,
        site.address,
        site.phone,
        site.district.name,
        _weekly_hours(site),
        list(site.programs.values_list("slug", flat=True)),
        site.location_precision,
    )
    assert facts == (label, centre, phone, address, phone, district, hours, ["maeum-convenience-store"], "DISTRICT")


def test_only_the_five_listed_branches_are_maeum_stores():
    branches = Site.objects.filter(programs__slug="maeum-convenience-store").order_by("slug")

    assert list(branches.values_list("slug", flat=True)) == [
        "maeum-dobong",
        "maeum-dongdaemun",
        "maeum-gangbuk",
        "maeum-guro",
        "maeum-gwanak",
    ]


def test_hospital_accompaniment_costs_5000_won_an_hour_and_nothing_at_or_below_the_median():
    programme = Program.objects.get(slug="hospital-accompaniment")

    fees = [(fee.label, fee.as_dict()) for fee in programme.fees.order_by("label")]

    assert fees == [
        (
            "병원 동행",
            {
                "amount_krw": 5000,
                "unit": "HOUR",
                "reduced_amount_krw": 0,
                "reduction_rules": [{"field": "income_pct_median", "op": "<=", "value": 100}],
            },
        ),
        ("퇴원 후 일상회복 도움", {"amount_krw": 5000, "unit": "HOUR", "reduced_amount_krw": None, "reduction_rules": []}),
    ]


def test_hospital_accompaniment_runs_on_weekday_daytimes():
    programme = Program.objects.get(slug="hospital-accompaniment")

    hours = sorted((h.weekday, h.opens_at, h.closes_at) for h in programme.opening_hours.all())

    assert hours == _every_day(WEEKDAYS, time(7), time(20))


def test_the_public_job_wage_is_not_recorded_as_a_fee():
    programme = Program.objects.get(slug="financial-independence")

    facts = (programme.fees.count(), "58,000원" in programme.description, "58,000 KRW" in programme.description_en)

    assert facts == (0, True, True)


def test_only_hospital_accompaniment_charges_a_fee():
    charging = Fee.objects.values_list("program__slug", flat=True).distinct()

    assert list(charging) == ["hospital-accompaniment"]


def test_no_target_or_budget_is_loaded():
    assert ProgramTarget.objects.count() == 0


def test_no_masked_figure_appears_in_any_text():
    texts = [
        value
        for model in (Program, Site, Provider, Need, Fee)
        for row in model.objects.values()
        for value in row.values()
        if isinstance(value, str)
    ]

    assert [text for text in texts if "*" in text] == []


def test_every_programme_has_a_need():
    needless = Program.objects.filter(needs__isnull=True)

    assert list(needless.values_list("slug", flat=True)) == []


def test_the_needs_are_the_nine_searchable_areas():
    listed = list(Need.objects.order_by("position").values_list("code", flat=True))

    assert listed == [
        "loneliness",
        "crisis-support",
        "relationships",
        "health",
        "meals",
        "daily-living",
        "housing",
        "safety",
        "money-and-work",
    ]


def test_every_eligibility_and_reduction_rule_validates():
    rules = [rule.as_dict() for rule in EligibilityRule.objects.all()]
    rules += [rule for fee in Fee.objects.all() for rule in fee.reduction_rules]

    normalised = [analytics.validate_rule(rule) for rule in rules]

    assert normalised == rules


def test_every_eligibility_rule_cites_its_source():
    uncited = EligibilityRule.objects.filter(source_note="")

    assert uncited.count() == 0


@pytest.mark.parametrize(
    ("slug", "rules"),
    [
        (
            "smart-healthcare",
            [{"field": "household_size", "op": "==", "value": 1}, {"field": "age", "op": "<=", "value": 69}],
        ),
        (
            "visiting-health-care",
            [{"field": "age", "op": ">=", "value": 65}, {"field": "household_size", "op": "==", "value": 1}],
        ),
        ("youth-safe-housing", [{"field": "age", "op": "between", "value": [19, 39]}]),
        # "무주택 저소득 청년층": owning one's home rules it out; the source gives no age or income limit.
        ("youth-public-housing", [{"field": "tenure", "op": "not_in", "value": ["OWNER"]}]),
        # The sources state no condition a rule can decide for these: the programme pages keep them as notes.
        ("safe-return-scouts", []),
        ("ai-check-in-calls", []),
        ("life-linking-stethoscope", []),
        ("community-lounges", []),
        ("relationship-programmes", []),
        ("intergenerational-housing", []),
        ("loneliness-goodbye-120", []),
        (
            "housing-support-for-vulnerable",
            [
                {"field": "household_size", "op": "==", "value": 1},
                {"field": "housing_type", "op": "in", "value": ["JJOKBANG", "GOSIWON", "SEMI_BASEMENT", "OTHER"]},
            ],
        ),
        (
            "home-maintenance",
            [
                {"field": "household_size", "op": "==", "value": 1},
                {"field": "tenure", "op": "in", "value": ["JEONSE", "MONTHLY_RENT", "PUBLIC_RENTAL"]},
                {"field": "income_pct_median", "op": "<=", "value": 120},
            ],
        ),
        ("side-dish-support", [{"field": "household_size", "op": "==", "value": 1}]),
        # Volunteers are 40–67; the households they visit have no age rule.
        ("neighbourhood-care-group", []),
        # Open to anyone who needs a companion, not only people living alone.
        ("hospital-accompaniment", []),
        # People about to leave home still live with others, so household size cannot be a rule.
        ("safe-rental-contract-help", []),
        # Stalking victims and one-person shops qualify whatever their household.
        ("home-safety-equipment", []),
    ],
)
def test_eligibility_rules_say_only_what_the_source_states(slug, rules):
    assert _rules(slug) == rules


def test_a_70_year_old_renting_a_semi_basement_alone_is_matched_by_the_stated_rules():
    facts = {
        "age": 70,
        "household_size": 1,
        "tenure": "MONTHLY_RENT",
        "housing_type": "SEMI_BASEMENT",
        "monthly_income_krw": 2_000_000,
    }

    matches = {match.program.slug: match for match in match_programs(facts=facts, today_year=2026)}

    verdicts = {
        slug: matches[slug].verdict.value
        for slug in (
            "hospital-accompaniment",
            "smart-healthcare",
            "visiting-health-care",
            "youth-safe-housing",
            "housing-support-for-vulnerable",
            "home-maintenance",
        )
    }
    hourly = [(view.fee.label, view.quote.amount_krw) for view in matches["hospital-accompaniment"].fees]
    assert (verdicts, sorted(hourly)) == (
        {
            "hospital-accompaniment": "ELIGIBLE",
            "smart-healthcare": "NOT_ELIGIBLE",
            "visiting-health-care": "ELIGIBLE",
            "youth-safe-housing": "NOT_ELIGIBLE",
            "housing-support-for-vulnerable": "ELIGIBLE",
            "home-maintenance": "ELIGIBLE",
        },
        [("병원 동행", 0), ("퇴원 후 일상회복 도움", 5000)],
    )


def _directory_snapshot() -> tuple:
    return (
        sorted(Program.objects.values_list("slug", "name", "status", "is_citizen_facing")),
        sorted(Site.objects.values_list("slug", "address", "phone")),
        Provider.objects.count(),
        Need.objects.count(),
        sorted(EligibilityRule.objects.values_list("program__slug", "position", "field", "operator")),
        sorted(Fee.objects.values_list("program__slug", "label", "amount_krw", "unit")),
        OpeningHours.objects.count(),
    )


def test_loading_the_file_again_changes_nothing():
    before = _directory_snapshot()

    report = load_directory(path=settings.ITDA_DATA_DIR / "programs" / "seoul.json")

    assert (_directory_snapshot(), report.programs, report.sites, report.rules, report.fees) == (before, 32, 6, 15, 2)
