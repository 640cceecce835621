"""The eligibility rule language: hand-worked cases, and the two evaluators agreeing on generated ones."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analytics
from analytics import MedianIncomeTable, RuleError, Verdict, evaluate_person, evaluate_population, quote_fee

MEDIANS = MedianIncomeTable(
    {
        (2026, 1): 2_564_238,
        (2026, 2): 4_199_292,
        (2026, 3): 5_359_036,
        (2026, 4): 6_494_738,
        (2026, 5): 7_556_719,
        (2026, 6): 8_555_952,
        (2026, 7): 9_515_150,
        (2025, 1): 2_392_013,
    }
)
HOME_MAINTENANCE = [
    {"field": "household_size", "op": "==", "value": 1},
    {"field": "tenure", "op": "in", "value": ["JEONSE", "MONTHLY_RENT", "PUBLIC_RENTAL"]},
    {"field": "income_pct_median", "op": "<=", "value": 120},
]
HOSPITAL_FEE = {
    "amount_krw": 5000,
    "unit": "HOUR",
    "reduced_amount_krw": 0,
    "reduction_rules": [{"field": "income_pct_median", "op": "<=", "value": 100}],
}


def test_a_renter_living_alone_under_120_percent_is_eligible_for_home_maintenance():
    facts = {"household_size": 1, "tenure": "MONTHLY_RENT", "monthly_income_krw": 3_000_000}

    result = evaluate_person(HOME_MAINTENANCE, facts, year=2026, medians=MEDIANS)

    assert result.verdict is Verdict.ELIGIBLE
    income = result.outcomes[2]
    assert (income.median_krw, income.threshold_krw, income.household_size) == (2_564_238, 3_077_085, 1)


def test_an_owner_is_not_eligible_for_home_maintenance_even_with_income_missing():
    facts = {"household_size": 1, "tenure": "OWNER"}

    result = evaluate_person(HOME_MAINTENANCE, facts, year=2026, medians=MEDIANS)

    assert result.verdict is Verdict.NOT_ELIGIBLE
    assert [o.passed for o in result.outcomes] == [True, False, None]


def test_a_missing_income_makes_the_verdict_unknown_and_names_the_missing_fact():
    facts = {"household_size": 1, "tenure": "JEONSE"}

    result = evaluate_person(HOME_MAINTENANCE, facts, year=2026, medians=MEDIANS)

    assert result.verdict is Verdict.UNKNOWN
    assert result.undecided[0].missing == ("monthly_income_krw",)


def test_income_exactly_at_the_threshold_passes_and_one_won_over_fails():
    at_line = {"household_size": 1, "monthly_income_krw": 2_564_238}
    over = {"household_size": 1, "monthly_income_krw": 2_564_239}
    rule = [{"field": "income_pct_median", "op": "<=", "value": 100}]

    assert evaluate_person(rule, at_line, year=2026, medians=MEDIANS).verdict is Verdict.ELIGIBLE
    assert evaluate_person(rule, over, year=2026, medians=MEDIANS).verdict is Verdict.NOT_ELIGIBLE


def test_a_year_without_median_income_leaves_income_rules_undecided():
    facts = {"household_size": 1, "monthly_income_krw": 1_000_000}
    rule = [{"field": "income_pct_median", "op": "<=", "value": 100}]

    result = evaluate_person(rule, facts, year=2027, medians=MEDIANS)

    assert result.verdict is Verdict.UNKNOWN
    assert result.outcomes[0].missing == ("median_income",)


def test_households_above_seven_add_the_six_to_seven_step_per_member():
    step = 9_515_150 - 8_555_952

    assert MEDIANS.monthly_krw(2026, 8) == 9_515_150 + step
    assert MEDIANS.monthly_krw(2026, 10) == 9_515_150 + 3 * step


def test_hospital_accompaniment_is_free_at_or_under_the_median_and_5000_an_hour_above():
    under = quote_fee(HOSPITAL_FEE, {"household_size": 1, "monthly_income_krw": 2_000_000}, year=2026, medians=MEDIANS)
    over = quote_fee(HOSPITAL_FEE, {"household_size": 1, "monthly_income_krw": 2_700_000}, year=2026, medians=MEDIANS)
    unknown = quote_fee(HOSPITAL_FEE, {"household_size": 1}, year=2026, medians=MEDIANS)

    assert (under.amount_krw, under.reduced) == (0, True)
    assert (over.amount_krw, over.reduced) == (5000, False)
    assert (unknown.amount_krw, unknown.reduced) == (5000, None)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"field": "shoe_size", "op": "==", "value": 1}, "unknown field"),
        ({"field": "age", "op": "~", "value": 1}, "unknown operator"),
        ({"field": "age", "op": "between", "value": [67, 40]}, "is above high"),
        ({"field": "age", "op": ">=", "value": "65"}, "whole number"),
        ({"field": "tenure", "op": "in", "value": ["CASTLE"]}, "unknown tenure codes"),
        ({"field": "has_disability", "op": "==", "value": True}, "is_true or is_false"),
        ({"field": "district", "op": "<", "value": "11620"}, "use ==, !=, in or not_in"),
    ],
)
def test_malformed_rules_are_refused_with_the_reason(rule, message):
    with pytest.raises(RuleError, match=message):
        analytics.validate_rule(rule)


# --- the two evaluators agree -------------------------------------------------------------------

DISTRICTS = ["11110", "11620", "11440", "11680"]

facts_strategy = st.fixed_dictionaries(
    {
        "age": st.one_of(st.none(), st.integers(0, 120)),
        "household_size": st.one_of(st.none(), st.integers(1, 12)),
        "monthly_income_krw": st.one_of(st.none(), st.integers(0, 20_000_000)),
        "district": st.one_of(st.none(), st.sampled_from(DISTRICTS)),
        "tenure": st.one_of(st.none(), st.sampled_from(analytics.TENURES)),
        "housing_type": st.one_of(st.none(), st.sampled_from(analytics.HOUSING_TYPES)),
        "has_disability": st.one_of(st.none(), st.booleans()),
    }
)


def _int_rule(field: str, low: int, high: int):
    comparison = st.builds(
        lambda op, value: {"field": field, "op": op, "value": value},
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        st.integers(low, high),
    )
    between = st.builds(
        lambda a, b: {"field": field, "op": "between", "value": sorted([a, b])},
        st.integers(low, high),
        st.integers(low, high),
    )
    return st.one_of(comparison, between)


def _code_rule(field: str, codes):
    return st.builds(
        lambda op, values: {"field": field, "op": op, "value": values if op in ("in", "not_in") else values[0]},
        st.sampled_from(["==", "!=", "in", "not_in"]),
        st.lists(st.sampled_from(list(codes)), min_size=1, max_size=3, unique=True),
    )


rule_strategy = st.one_of(
    _int_rule("age", 0, 120),
    _int_rule("household_size", 1, 12),
    _int_rule("monthly_income_krw", 0, 20_000_000),
    _int_rule("income_pct_median", 0, 300),
    _code_rule("district", DISTRICTS),
    _code_rule("tenure", analytics.TENURES),
    _code_rule("housing_type", analytics.HOUSING_TYPES),
    st.builds(lambda op: {"field": "has_disability", "op": op, "value": None}, st.sampled_from(["is_true", "is_false"])),
)


@settings(max_examples=150, deadline=None)
@given(
    people=st.lists(facts_strategy, min_size=1, max_size=25),
    programs=st.lists(st.lists(rule_strategy, min_size=0, max_size=4), min_size=1, max_size=4),
    year=st.sampled_from([2025, 2026]),
)
def test_the_population_evaluator_agrees_with_the_person_evaluator(people, programs, year):
    table = pl.DataFrame(people, schema={k: v for k, v in analytics.FACT_SCHEMA.items()})
    keyed = {f"program_{index}": rules for index, rules in enumerate(programs)}

    frame = evaluate_population(table, keyed, year=year, medians=MEDIANS)

    for row_index, facts in enumerate(people):
        for key, rules in keyed.items():
            expected = evaluate_person(rules, facts, year=year, medians=MEDIANS).verdict
            assert analytics.verdict_from_value(frame[key][row_index]) is expected, (facts, rules)


def test_the_population_evaluator_fills_absent_fact_columns_as_unknown():
    table = pl.DataFrame({"age": [70, 30]})
    rules = {"senior_renters": [{"field": "age", "op": ">=", "value": 65}, {"field": "tenure", "op": "in", "value": ["JEONSE"]}]}

    frame = evaluate_population(table, rules, year=2026, medians=MEDIANS)

    assert frame["senior_renters"].to_list() == [None, False]
