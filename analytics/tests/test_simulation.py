"""Policy simulation: exact counts and costs per district, and what moves when a threshold moves."""

from __future__ import annotations

import polars as pl
import pytest

from analytics import (
    MedianIncomeTable,
    ProgrammeCost,
    RuleError,
    SimulationError,
    compare_thresholds,
    simulate_programmes,
    with_threshold,
)

MEDIANS = MedianIncomeTable({(2026, 1): 2_564_238, (2026, 2): 4_199_292})
HOME_MAINTENANCE = [
    {"field": "household_size", "op": "==", "value": 1},
    {"field": "tenure", "op": "in", "value": ["JEONSE", "MONTHLY_RENT", "PUBLIC_RENTAL"]},
    {"field": "income_pct_median", "op": "<=", "value": 120, "source_note": "기준중위소득 120% 이하"},
]
VISITING_HEALTH_CARE = [{"field": "age", "op": ">=", "value": 65}, {"field": "household_size", "op": "==", "value": 1}]
PROGRAMMES = {"home-maintenance": HOME_MAINTENANCE, "visiting-health-care": VISITING_HEALTH_CARE}
# 120 % of the 2026 one-person median is 3,077,085.6 KRW; 150 % is 3,846,357.
HOUSEHOLDS = pl.DataFrame(
    {
        "household_id": [1, 2, 3, 4, 5, 6],
        "district": ["11620", "11620", "11620", "11440", "11440", "11440"],
        "household_size": [1, 1, 1, 1, 2, 1],
        "age": [70, 34, 81, 29, 66, None],
        "tenure": ["MONTHLY_RENT", "JEONSE", "OWNER", "MONTHLY_RENT", "JEONSE", "PUBLIC_RENTAL"],
        "monthly_income_krw": [1_200_000, 3_500_000, 900_000, 3_077_085, 2_000_000, None],
    }
)


def test_every_programme_is_counted_per_district_with_its_yearly_cost():
    costs = {"home-maintenance": ProgrammeCost(unit_cost_krw=300_000, units_per_year=2, take_up_rate=0.5)}

    result = simulate_programmes(HOUSEHOLDS, PROGRAMMES, year=2026, medians=MEDIANS, costs=costs)

    assert result.rows() == [
        ("11440", "home-maintenance", 1, 1, 1, 300_000),
        ("11440", "visiting-health-care", 0, 2, 1, None),
        ("11620", "home-maintenance", 1, 2, 0, 300_000),
        ("11620", "visiting-health-care", 2, 1, 0, None),
    ]
    assert result.columns == ["district", "programme", "eligible", "not_eligible", "unknown", "yearly_cost_krw"]


def test_raising_the_income_line_to_150_percent_adds_the_renter_just_above_120():
    result = compare_thresholds(
        HOUSEHOLDS,
        PROGRAMMES,
        changes={"home-maintenance": 150},
        year=2026,
        medians=MEDIANS,
        costs={"home-maintenance": {"unit_cost_krw": 100_000, "units_per_year": 1}},
    )

    assert result.to_dicts() == [
        {"district": "11440", "programme": "home-maintenance", "eligible_before": 1, "eligible_after": 1, "eligible_change": 0,
         "unknown_before": 1, "unknown_after": 1, "yearly_cost_before_krw": 100_000, "yearly_cost_after_krw": 100_000,
         "yearly_cost_change_krw": 0},
        {"district": "11620", "programme": "home-maintenance", "eligible_before": 1, "eligible_after": 2, "eligible_change": 1,
         "unknown_before": 0, "unknown_after": 0, "yearly_cost_before_krw": 100_000, "yearly_cost_after_krw": 200_000,
         "yearly_cost_change_krw": 100_000},
    ]  # fmt: skip


def test_a_threshold_change_for_a_programme_without_an_income_rule_is_refused():
    with pytest.raises(SimulationError, match="income_pct_median 기준이 있는 규칙이 없습니다"):
        compare_thresholds(HOUSEHOLDS, PROGRAMMES, changes={"visiting-health-care": 120}, year=2026, medians=MEDIANS)


def test_an_unknown_programme_is_refused():
    with pytest.raises(SimulationError, match="알 수 없는 프로그램: tea-party"):
        compare_thresholds(HOUSEHOLDS, PROGRAMMES, changes={"tea-party": 120}, year=2026, medians=MEDIANS)


def test_a_cost_for_an_unknown_programme_or_a_take_up_above_one_is_refused():
    with pytest.raises(SimulationError, match="알 수 없는 프로그램: tea-party"):
        simulate_programmes(
            HOUSEHOLDS, PROGRAMMES, year=2026, medians=MEDIANS, costs={"tea-party": {"unit_cost_krw": 1, "units_per_year": 1}}
        )
    with pytest.raises(SimulationError, match="이용률은 0–1 사이여야 합니다"):
        ProgrammeCost(unit_cost_krw=1, units_per_year=1, take_up_rate=1.5)


def test_a_malformed_rule_is_refused_by_the_eligibility_engine():
    with pytest.raises(RuleError, match="unknown field 'colour'"):
        simulate_programmes(HOUSEHOLDS, {"bad": [{"field": "colour", "op": "==", "value": "red"}]}, year=2026, medians=MEDIANS)


def test_a_between_rule_moves_its_upper_bound():
    rules = [{"field": "income_pct_median", "op": "between", "value": [50, 100]}]

    changed = with_threshold(rules, field="income_pct_median", value=120)

    assert changed == [{"field": "income_pct_median", "op": "between", "value": [50, 120]}]


def test_counts_can_be_made_per_any_column_of_the_population():
    result = simulate_programmes(
        HOUSEHOLDS, {"alone": [{"field": "household_size", "op": "==", "value": 1}]}, year=2026, medians=MEDIANS, by="tenure"
    )

    assert dict(result.select("tenure", "eligible").rows()) == {"JEONSE": 1, "MONTHLY_RENT": 2, "OWNER": 1, "PUBLIC_RENTAL": 1}


def test_a_missing_grouping_column_is_refused():
    with pytest.raises(SimulationError, match="인구 표에 dong 열이 없습니다"):
        simulate_programmes(HOUSEHOLDS, PROGRAMMES, year=2026, medians=MEDIANS, by="dong")
