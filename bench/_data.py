"""Reading the real reference data for the bench scripts (the analytics package itself never reads files)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from analytics import Calibration, MedianIncomeTable, calibration_from_tables

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_medians(data_dir: Path = DATA_DIR) -> MedianIncomeTable:
    rows = _rows(data_dir / "reference" / "standard_median_income_krw.csv")
    return MedianIncomeTable({(int(r["year"]), int(r["household_size"])): int(r["monthly_krw"]) for r in rows})


def load_calibration(*, income_year: int, data_dir: Path = DATA_DIR) -> Calibration:
    dongs = _rows(data_dir / "boundaries" / "seoul_hangjeongdong_codes_2022.csv")
    districts = {r["sgg_cd"]: r["sgg_nm"] for r in dongs}
    indicators = _rows(data_dir / "district_indicators" / "seoul_district_indicators.csv")
    return calibration_from_tables(
        districts=[{"code": code, "name": name} for code, name in districts.items()],
        dongs=[{"code": r["adm_cd10"], "district_code": r["sgg_cd"]} for r in dongs],
        indicators=[
            {"district": r["sgg_nm"], "year": r["year"], "indicator": r["indicator"], "value": r["value"]} for r in indicators
        ],
        medians=load_medians(data_dir),
        income_year=income_year,
    )


def load_programme_rules(data_dir: Path = DATA_DIR) -> dict[str, list[dict]]:
    """slug → rules for every programme of seoul.json that has eligibility rules (whatever is there today)."""
    directory = json.loads((data_dir / "programs" / "seoul.json").read_text(encoding="utf-8"))
    return {p["slug"]: p["rules"] for p in directory["programs"] if p.get("rules")}


def load_programme_fees(data_dir: Path = DATA_DIR) -> dict[str, list[dict]]:
    directory = json.loads((data_dir / "programs" / "seoul.json").read_text(encoding="utf-8"))
    return {p["slug"]: p["fees"] for p in directory["programs"] if p.get("fees")}
