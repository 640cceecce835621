"""Real reference data for the analytics tests, read with the csv module (the package itself never reads files)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analytics import Calibration, MedianIncomeTable, calibration_from_tables

DATA = Path(__file__).resolve().parents[2] / "data"


def read_csv(*parts: str) -> list[dict[str, str]]:
    with (DATA.joinpath(*parts)).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def dong_rows() -> list[dict[str, str]]:
    return read_csv("boundaries", "seoul_hangjeongdong_codes_2022.csv")


@pytest.fixture(scope="session")
def indicator_rows() -> list[dict[str, str]]:
    return read_csv("district_indicators", "seoul_district_indicators.csv")


@pytest.fixture(scope="session")
def medians() -> MedianIncomeTable:
    rows = read_csv("reference", "standard_median_income_krw.csv")
    return MedianIncomeTable({(int(r["year"]), int(r["household_size"])): int(r["monthly_krw"]) for r in rows})


@pytest.fixture(scope="session")
def calibration(dong_rows, indicator_rows, medians) -> Calibration:
    return calibration_from_tables(
        districts=[{"code": code, "name": name} for code, name in sorted({(r["sgg_cd"], r["sgg_nm"]) for r in dong_rows})],
        dongs=[{"code": r["adm_cd10"], "district_code": r["sgg_cd"]} for r in dong_rows],
        indicators=[
            {"district": r["sgg_nm"], "year": r["year"], "indicator": r["indicator"], "value": r["value"]} for r in indicator_rows
        ],
        medians=medians,
        income_year=2026,
    )
