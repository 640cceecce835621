"""Directory reads: search, what a person can get (with reasons in Korean and English), and rules for simulation."""

from __future__ import annotations

import polars as pl
import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analytics
from itda.programs.models import Program
from itda.programs.queries import match_programs, median_income_table, rules_by_program, search_programs


def _slugs(programs):
    return [program.slug for program in programs]


@pytest.mark.django_db
def test_search_ignores_spaces_in_korean_words():
    assert "hospital-accompaniment" in _slugs(search_programs(query="병원 안심 동행", today_year=2026))
    assert "hospital-accompaniment" in _slugs(search_programs(query="병원안심동행", today_year=2026))


@pytest.mark.django_db
def test_search_finds_english_words_too():
    assert "hospital-accompaniment" in _slugs(search_programs(query="Hospital", today_year=2026))


@pytest.mark.django_db
def test_an_age_filter_keeps_programmes_without_an_age_rule_and_drops_those_that_exclude_it():
    age_rules = {slug: [r for r in rules if r["field"] == "age"] for slug, rules in rules_by_program().items()}
    excluded_for_five = {
        slug
        for slug, rules in age_rules.items()
        if rules
        and analytics.evaluate_person(rules, {"age": 5}, year=2026, medians=median_income_table()).verdict
        is analytics.Verdict.NOT_ELIGIBLE
    }

    found = set(_slugs(search_programs(age=5, today_year=2026)))

    assert found.isdisjoint(excluded_for_five)
    assert "loneliness-goodbye-120" in found


@pytest.mark.django_db
def test_the_wizard_explains_the_income_rule_with_the_numbers_in_english():
    facts = {"age": 70, "household_size": 1, "monthly_income_krw": 2_700_000, "tenure": "MONTHLY_RENT"}

    with translation.override("en"):
        matches = {m.program.slug: m for m in match_programs(facts=facts, today_year=2026)}

    hospital = matches["hospital-accompaniment"]
    assert hospital.fees[0].quote.amount_krw == 5000
    assert hospital.fees[0].reasons == ("income 2,700,000 KRW > 100% of the 2026 median for 1 person, 2,564,238 KRW",)
    assert "income 2,700,000 KRW ≤ 120% of the 2026 median for 1 person, 3,077,085 KRW" in matches["home-maintenance"].reasons


@pytest.mark.django_db
def test_an_unknown_income_keeps_home_maintenance_open_and_says_what_is_missing():
    facts = {"household_size": 1, "tenure": "JEONSE"}

    with translation.override("en"):
        match = next(m for m in match_programs(facts=facts, today_year=2026) if m.program.slug == "home-maintenance")

    assert match.verdict is analytics.Verdict.UNKNOWN
    assert any("not given" in reason and "monthly household income" in reason for reason in match.reasons)


people_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "age": st.one_of(st.none(), st.integers(0, 110)),
            "household_size": st.one_of(st.none(), st.integers(1, 9)),
            "monthly_income_krw": st.one_of(st.none(), st.integers(0, 12_000_000)),
            "district": st.one_of(st.none(), st.sampled_from(["11620", "11440", "11305", "11200"])),
            "tenure": st.one_of(st.none(), st.sampled_from(analytics.TENURES)),
            "housing_type": st.one_of(st.none(), st.sampled_from(analytics.HOUSING_TYPES)),
            "has_disability": st.one_of(st.none(), st.booleans()),
        }
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=people_strategy)
def test_the_wizard_and_the_population_simulation_agree_on_every_programme(people):
    rules = rules_by_program()
    frame = analytics.evaluate_population(
        pl.DataFrame(people, schema=dict(analytics.FACT_SCHEMA)), rules, year=2026, medians=median_income_table()
    )

    # The population side knows only the rules; the wizard also never promises a programme
    # without rules whose participants are selected or whose conditions are unpublished.
    unpromised = set(
        Program.objects.filter(eligibility_rules__isnull=True).exclude(access=Program.Access.OPEN).values_list("slug", flat=True)
    )
    for index, facts in enumerate(people):
        verdicts = {m.program.slug: m.verdict for m in match_programs(facts=facts, today_year=2026)}
        expected = {slug: analytics.verdict_from_value(frame[slug][index]) for slug in rules}
        expected.update({slug: analytics.Verdict.UNKNOWN for slug in unpromised if slug in expected})
        assert expected == verdicts


@pytest.mark.django_db
def test_only_open_programmes_are_promised_to_everyone():
    """A programme without rules is "for everyone" only when the directory says it is open."""
    nobody_known = {name: None for name in analytics.PERSON_FACTS}
    matches = {m.program.slug: m for m in match_programs(facts=nobody_known, today_year=2026)}

    assert matches["loneliness-goodbye-120"].verdict == analytics.Verdict.ELIGIBLE
    assert matches["loneliness-goodbye-120"].reasons == ()
    selected = matches["ai-check-in-calls"]
    assert selected.verdict == analytics.Verdict.UNKNOWN
    assert selected.reasons == ("참여할 사람은 센터나 의료기관이 정해요: 그곳에 문의하세요",)
    unpublished = matches["safe-rental-contract-help"]
    assert unpublished.verdict == analytics.Verdict.UNKNOWN
    assert unpublished.reasons == ("공개된 안내에 모든 조건이 나와 있지 않아요: 신청 전에 문의하세요",)


@pytest.mark.django_db
def test_a_programme_whose_published_rules_pass_stays_eligible_and_says_what_else_decides():
    facts = {name: None for name in analytics.PERSON_FACTS} | {"age": 72, "household_size": 1, "district": "11620"}
    match = {m.program.slug: m for m in match_programs(facts=facts, today_year=2026)}["visiting-health-care"]

    assert match.verdict == analytics.Verdict.ELIGIBLE
    assert match.reasons[-1] == "참여할 사람은 센터나 의료기관이 정해요: 그곳에 문의하세요"
