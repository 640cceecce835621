"""Synthetic Seoul: reproducible, typed for the eligibility engine, and calibrated to the real district figures."""

from __future__ import annotations

import polars as pl
import pytest

from analytics import (
    FACT_SCHEMA,
    HOUSEHOLD_SCHEMA,
    CalibrationError,
    MedianIncomeTable,
    calibration_from_tables,
    district_shares,
    evaluate_population,
    synthesize_households,
)

SEOUL_HOUSEHOLDS = 1_600_000


@pytest.fixture(scope="module")
def seoul(calibration) -> pl.DataFrame:
    return synthesize_households(households=SEOUL_HOUSEHOLDS, seed=2026, calibration=calibration)


def real_2022(indicator_rows, dong_rows, indicator: str) -> dict[str, float]:
    code_of = {r["sgg_nm"]: r["sgg_cd"] for r in dong_rows}
    return {
        code_of[r["sgg_nm"]]: float(r["value"])
        for r in indicator_rows
        if r["year"] == "2022" and r["indicator"] == indicator and r["sgg_nm"] in code_of
    }


def test_the_one_person_share_of_every_district_is_within_one_point_of_the_2022_census(seoul, indicator_rows, dong_rows):
    real = real_2022(indicator_rows, dong_rows, "one_person_household_ratio")

    shares = district_shares(seoul)

    synthetic = {row["district"]: row["one_person_share"] * 100 for row in shares.iter_rows(named=True)}
    assert set(synthetic) == set(real)
    assert len(real) == 25
    assert max(abs(synthetic[code] - real[code]) for code in real) < 1.0
    assert synthetic["11620"] == pytest.approx(55.9, abs=0.01)  # 관악구, the highest


def test_households_are_spread_over_districts_in_proportion_to_their_dongs(seoul, dong_rows):
    dongs_per_district: dict[str, int] = {}
    for row in dong_rows:
        dongs_per_district[row["sgg_cd"]] = dongs_per_district.get(row["sgg_cd"], 0) + 1

    counts = dict(seoul.group_by("district").len().iter_rows())

    assert sum(counts.values()) == SEOUL_HOUSEHOLDS
    for code, dongs in dongs_per_district.items():
        assert abs(counts[code] - SEOUL_HOUSEHOLDS * dongs / 426) < 1


def test_every_dong_is_a_real_dong_of_its_own_district(seoul, dong_rows):
    real = {(r["adm_cd10"], r["sgg_cd"]) for r in dong_rows}

    pairs = set(seoul.select("dong", "district").unique().iter_rows())

    assert pairs == real


def test_basic_livelihood_households_follow_each_districts_share_of_the_citys_recipients(seoul, indicator_rows, dong_rows):
    real = real_2022(indicator_rows, dong_rows, "basic_livelihood_recipients")
    city = sum(real.values())

    recipients = dict(seoul.filter(pl.col("basic_livelihood")).group_by("district").len().iter_rows())

    total = sum(recipients.values())
    assert total == pytest.approx(SEOUL_HOUSEHOLDS * 407_980 / (1.45 * 4_130_000), abs=25)
    for code, persons in real.items():
        assert recipients[code] / total == pytest.approx(persons / city, abs=0.0005)


def test_people_living_alone_are_older_where_more_older_people_live_alone(seoul):
    alone = seoul.filter(pl.col("household_size") == 1)

    older = dict(alone.group_by("district").agg((pl.col("age") >= 65).mean()).iter_rows())

    assert older["11305"] > older["11650"]  # 강북구 (23.3 % of 65+ alone) over 서초구 (13.4 %)


def test_the_share_of_people_65_and_over_who_live_alone_matches_the_2022_census_in_every_district(
    seoul, indicator_rows, dong_rows
):
    # Indicator 10-1-6 counts persons: 65+ one-person households ÷ 65+ population. The synthetic 65+
    # population of a district is its 65+ share (indicator 5-4-3) of its synthetic persons, so the
    # calibrated quantity is (65+ one-person households) ÷ (5-4-3 share × persons). Tolerance: 0.1
    # percentage point (rounding to whole households; the smallest district has ≈ 2,000 such persons here).
    alone = real_2022(indicator_rows, dong_rows, "elderly_living_alone_ratio")
    aged = real_2022(indicator_rows, dong_rows, "aged_65plus_ratio")

    per_district = (
        seoul.group_by("district")
        .agg(
            persons=pl.col("household_size").sum(),
            elderly_alone=((pl.col("household_size") == 1) & (pl.col("age") >= 65)).sum(),
        )
        .iter_rows(named=True)
    )

    measured = {
        row["district"]: 100 * row["elderly_alone"] / (aged[row["district"]] / 100 * row["persons"]) for row in per_district
    }
    assert measured.keys() == alone.keys()
    for code, share in alone.items():
        assert measured[code] == pytest.approx(share, abs=0.1), code


def test_the_same_seed_gives_the_identical_frame_and_another_seed_a_different_one(calibration):
    first = synthesize_households(households=10_000, seed=5, calibration=calibration)

    again = synthesize_households(households=10_000, seed=5, calibration=calibration)
    other = synthesize_households(households=10_000, seed=6, calibration=calibration)

    assert first.equals(again)
    assert not first.equals(other)


def test_the_frame_has_the_documented_columns_and_is_marked_synthetic(calibration):
    frame = synthesize_households(households=10_000, seed=1, calibration=calibration)

    assert frame.schema == pl.Schema(HOUSEHOLD_SCHEMA)
    assert all(frame.schema[name] == dtype for name, dtype in FACT_SCHEMA.items())
    assert frame["is_synthetic"].all()
    assert frame["household_id"].to_list() == list(range(1, 10_001))
    assert frame.null_count().sum_horizontal().item() == 0


def test_precarious_housing_appears_at_small_plausible_shares(seoul):
    shares = dict(seoul.group_by("housing_type").agg(pl.len() / SEOUL_HOUSEHOLDS).iter_rows())

    assert 0.03 < shares["GOSIWON"] < 0.045
    assert 0.04 < shares["SEMI_BASEMENT"] < 0.06
    assert 0.0005 < shares["JJOKBANG"] < 0.002
    assert 0.005 < shares["ROOFTOP"] < 0.012


def test_the_eligibility_engine_runs_on_the_frame_directly(calibration, medians):
    frame = synthesize_households(households=10_000, seed=3, calibration=calibration)
    programmes = {"alone": [{"field": "household_size", "op": "==", "value": 1}]}

    result = evaluate_population(frame, programmes, year=2026, medians=medians)

    assert result["alone"].sum() == (frame["household_size"] == 1).sum()
    assert result["alone"].null_count() == 0


@pytest.mark.parametrize("households", [9_999, 10_000_001, 1.5e6, True])
def test_a_size_outside_ten_thousand_to_ten_million_is_refused(calibration, households):
    with pytest.raises(ValueError, match="가구 수는 10,000–10,000,000 사이여야 합니다"):
        synthesize_households(households=households, seed=1, calibration=calibration)


def test_a_district_without_its_2022_figure_is_named_in_the_error(dong_rows, indicator_rows, medians):
    rows = [
        {"district": r["sgg_nm"], "year": r["year"], "indicator": r["indicator"], "value": r["value"]}
        for r in indicator_rows
        if not (r["sgg_nm"] == "관악구" and r["indicator"] == "one_person_household_ratio")
    ]

    with pytest.raises(CalibrationError, match=r"관악구\(11620\)의 2022년 one_person_household_ratio 값이 없습니다"):
        calibration_from_tables(
            districts=[{"code": "11620", "name": "관악구"}],
            dongs=[{"code": r["adm_cd10"], "district_code": r["sgg_cd"]} for r in dong_rows],
            indicators=rows,
            medians=medians,
            income_year=2026,
        )


def test_an_income_year_without_a_median_income_is_refused(dong_rows, indicator_rows):
    with pytest.raises(CalibrationError, match="2030년 기준 중위소득이 없습니다"):
        calibration_from_tables(
            districts=[{"code": "11620", "name": "관악구"}],
            dongs=[{"code": r["adm_cd10"], "district_code": r["sgg_cd"]} for r in dong_rows],
            indicators=[
                {"district": r["sgg_nm"], "year": r["year"], "indicator": r["indicator"], "value": r["value"]}
                for r in indicator_rows
            ],
            medians=MedianIncomeTable({(2026, 1): 2_564_238}),
            income_year=2030,
        )


def test_indicator_rows_may_name_a_district_by_code_or_by_name(medians):
    common = {"year": 2022, "indicator": "elderly_living_alone_ratio", "value": "20.4"}
    rows = [
        {"district": "관악구", "year": 2022, "indicator": "one_person_household_ratio", "value": "55.9"},
        {"district": "11620", **common},
        {"district": "11620", "year": 2022, "indicator": "basic_livelihood_recipients", "value": "23169"},
        {"district": "(서울 전체)", "year": 2022, "indicator": "one_person_household_ratio", "value": "38.2"},
    ]

    result = calibration_from_tables(
        districts=[{"code": "11620", "name": "관악구"}],
        dongs=[{"code": "1162052500", "district_code": "11620"}],
        indicators=rows,
        medians=medians,
        income_year=2026,
    )

    district = result.districts[0]
    assert (district.one_person_share, district.elderly_living_alone_share, district.basic_livelihood_recipients) == (
        0.559,
        0.204,
        23169,
    )
    assert district.dong_codes == ("1162052500",)
    assert result.median_income_krw[1] == 2_564_238


def test_one_person_count_says_exactly_how_many_people_live_alone_without_generating(seoul, calibration):
    import analytics

    assert analytics.one_person_count(households=seoul.height, calibration=calibration) == (seoul["household_size"] == 1).sum()
    assert analytics.single_person_households(seoul).collect()["household_size"].unique().to_list() == [1]


def test_fee_waivers_move_with_their_income_line_and_are_costed_per_district(calibration, medians):
    import analytics

    frame = synthesize_households(households=20_000, seed=5, calibration=calibration)
    rules = [{"field": "income_pct_median", "op": "<=", "value": 100}]
    cost = {"unit_cost_krw": 5000, "units_per_year": 3, "take_up_rate": 1.0}

    moved = analytics.compare_fee_waivers(
        frame, eligibility_rules=[], reduction_rules=rules, percent=120, year=2026, medians=medians, waiver=cost
    )
    kept = analytics.compare_fee_waivers(
        frame, eligibility_rules=[], reduction_rules=rules, percent=None, year=2026, medians=medians, waiver=cost
    )

    assert (moved["waived_change"] >= 0).all() and moved["waived_change"].sum() > 0
    assert (moved["waiver_cost_change_krw"] == moved["waived_change"] * 15_000).all()
    assert (kept["waived_after"] == kept["waived_before"]).all()
    assert kept["waived_before"].to_list() == moved["waived_before"].to_list()
