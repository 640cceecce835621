"""Loading the reference data: districts, dongs with boundaries, indicators and median income.

Every row of every file is checked before anything is written. A file with a
bad row raises ReferenceDataError naming the file, the line (or GeoJSON
feature) and the reason, and the database is left as it was: the write runs in
one transaction and starts only once every file has passed.
"""

from __future__ import annotations

import csv
import itertools
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from itda.places.models import District, DistrictIndicator, Dong

GU_FILE = "boundaries/seoul_gu_2022.geojson"
DONG_FILE = "boundaries/seoul_hangjeongdong_2021.geojson"
DONG_CODES_FILE = "boundaries/seoul_hangjeongdong_codes_2022.csv"
INDICATORS_FILE = "district_indicators/seoul_district_indicators.csv"
MEDIAN_INCOME_FILE = "reference/standard_median_income_krw.csv"

GU_SOURCE = "vuski/admdongkor ver20220309 (SGIS, KOGL Type 1; CC BY 4.0)"
DONG_SOURCE = "vuski/admdongkor ver20210401 via raqoon886/Local_HangJeongDong (SGIS, KOGL Type 1)"
CITY_TOTAL = "(서울 전체)"

# Revised Romanization of the 25 districts.
DISTRICT_NAMES_EN = {
    "종로구": "Jongno-gu",
    "중구": "Jung-gu",
    "용산구": "Yongsan-gu",
    "성동구": "Seongdong-gu",
    "광진구": "Gwangjin-gu",
    "동대문구": "Dongdaemun-gu",
    "중랑구": "Jungnang-gu",
    "성북구": "Seongbuk-gu",
    "강북구": "Gangbuk-gu",
    "도봉구": "Dobong-gu",
    "노원구": "Nowon-gu",
    "은평구": "Eunpyeong-gu",
    "서대문구": "Seodaemun-gu",
    "마포구": "Mapo-gu",
    "양천구": "Yangcheon-gu",
    "강서구": "Gangseo-gu",
    "구로구": "Guro-gu",
    "금천구": "Geumcheon-gu",
    "영등포구": "Yeongdeungpo-gu",
    "동작구": "Dongjak-gu",
    "관악구": "Gwanak-gu",
    "서초구": "Seocho-gu",
    "강남구": "Gangnam-gu",
    "송파구": "Songpa-gu",
    "강동구": "Gangdong-gu",
}

KNOWN_INDICATORS = {
    "one_person_household_ratio",
    "elderly_living_alone_ratio",
    "basic_livelihood_recipients",
    "suicide_rate_per_100k",
    "aged_65plus_ratio",
}


@dataclass(frozen=True)
class LoadProblem:
    file: str
    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, {self.location}: {self.reason}"


class ReferenceDataError(Exception):
    """One or more files failed validation; nothing was loaded."""

    def __init__(self, problems: list[LoadProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class LoadReport:
    districts: int = 0
    dongs: int = 0
    dongs_with_boundary: int = 0
    indicators: int = 0
    median_incomes: int = 0
    mismatches: list[str] = field(default_factory=list)


@dataclass
class _Parsed:
    districts: dict[str, dict] = field(default_factory=dict)  # code -> fields
    dongs: dict[str, dict] = field(default_factory=dict)
    dong_geometry: dict[str, dict] = field(default_factory=dict)
    indicators: list[dict] = field(default_factory=list)
    median_incomes: list[dict] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)


def _read_geojson(path: Path, name: str, parsed: _Parsed) -> list[dict] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        parsed.problems.append(LoadProblem(name, "-", "파일이 없습니다 (file not found)"))
        return None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", "-")
        parsed.problems.append(LoadProblem(name, f"line {line}", f"GeoJSON을 읽을 수 없습니다 (not valid JSON: {error})"))
        return None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        parsed.problems.append(LoadProblem(name, "-", "features 목록이 없습니다 (no FeatureCollection)"))
        return None
    return features


def _geometry(feature: dict, name: str, number: int, parsed: _Parsed):
    try:
        geometry = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        parsed.problems.append(LoadProblem(name, f"feature {number}", f"경계 도형을 읽을 수 없습니다 ({error})"))
        return None
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        parsed.problems.append(LoadProblem(name, f"feature {number}", f"면(Polygon)이 아닙니다: {geometry.geom_type}"))
        return None
    if not geometry.is_valid:
        parsed.problems.append(
            LoadProblem(name, f"feature {number}", f"경계 도형이 올바르지 않습니다 ({explain_validity(geometry)})")
        )
        return None
    minx, miny, maxx, maxy = geometry.bounds
    if not (126.0 <= minx and maxx <= 128.0 and 37.0 <= miny and maxy <= 38.0):
        parsed.problems.append(
            LoadProblem(name, f"feature {number}", "좌표가 서울 밖입니다 (coordinates outside Seoul, WGS84 expected)")
        )
        return None
    return geometry


def _parse_districts(data_dir: Path, parsed: _Parsed) -> None:
    features = _read_geojson(data_dir / GU_FILE, GU_FILE, parsed)
    if features is None:
        return
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        code = str(props.get("sgg_cd", ""))
        name = str(props.get("sgg_nm", ""))
        where = f"feature {number}"
        if not (len(code) == 5 and code.isdigit() and code.startswith("11")):
            parsed.problems.append(
                LoadProblem(GU_FILE, where, f"자치구 코드가 올바르지 않습니다: {code!r} (5-digit Seoul code expected)")
            )
            continue
        if name not in DISTRICT_NAMES_EN:
            parsed.problems.append(LoadProblem(GU_FILE, where, f"알 수 없는 자치구 이름: {name!r}"))
            continue
        if code in parsed.districts:
            parsed.problems.append(LoadProblem(GU_FILE, where, f"자치구 코드가 중복됩니다: {code}"))
            continue
        geometry = _geometry(feature, GU_FILE, number, parsed)
        if geometry is None:
            continue
        point = geometry.representative_point()
        parsed.districts[code] = {
            "name": name,
            "name_en": DISTRICT_NAMES_EN[name],
            "boundary_geojson": mapping(geometry),
            "centroid_lat": round(point.y, 6),
            "centroid_lon": round(point.x, 6),
            "boundary_source": GU_SOURCE,
        }
    if len(parsed.districts) != 25 and not any(p.file == GU_FILE for p in parsed.problems):
        parsed.problems.append(LoadProblem(GU_FILE, "-", f"자치구가 25개여야 합니다 ({len(parsed.districts)} found)"))


def _read_csv(path: Path, name: str, required: list[str], parsed: _Parsed) -> list[tuple[int, dict]] | None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [column for column in required if column not in header]
            if missing:
                parsed.problems.append(LoadProblem(name, "line 1", f"필수 열이 없습니다 (missing columns): {', '.join(missing)}"))
                return None
            rows = []
            for row in reader:
                if None in row:
                    parsed.problems.append(LoadProblem(name, f"line {reader.line_num}", "열이 너무 많습니다 (too many fields)"))
                    continue
                rows.append((reader.line_num, row))
            return rows
    except FileNotFoundError:
        parsed.problems.append(LoadProblem(name, "-", "파일이 없습니다 (file not found)"))
    except UnicodeDecodeError as error:
        parsed.problems.append(LoadProblem(name, "-", f"UTF-8 파일이 아닙니다 (not UTF-8: {error.reason})"))
    except csv.Error as error:
        parsed.problems.append(LoadProblem(name, "-", f"CSV를 읽을 수 없습니다 ({error})"))
    return None


def _parse_dongs(data_dir: Path, parsed: _Parsed) -> None:
    rows = _read_csv(data_dir / DONG_CODES_FILE, DONG_CODES_FILE, ["adm_cd10", "adm_cd7", "sgg_cd", "dong_nm"], parsed)
    if rows is not None:
        for line, row in rows:
            code, district, name = row["adm_cd10"].strip(), row["sgg_cd"].strip(), row["dong_nm"].strip()
            where = f"line {line}"
            if not (len(code) == 10 and code.isdigit()):
                parsed.problems.append(LoadProblem(DONG_CODES_FILE, where, f"행정동 코드는 10자리 숫자여야 합니다: {code!r}"))
            elif code[:5] != district:
                parsed.problems.append(
                    LoadProblem(DONG_CODES_FILE, where, f"행정동 코드 {code}가 자치구 코드 {district}와 맞지 않습니다")
                )
            elif parsed.districts and district not in parsed.districts:
                parsed.problems.append(LoadProblem(DONG_CODES_FILE, where, f"알 수 없는 자치구 코드: {district}"))
            elif not name:
                parsed.problems.append(LoadProblem(DONG_CODES_FILE, where, "행정동 이름이 비어 있습니다"))
            elif code in parsed.dongs:
                parsed.problems.append(LoadProblem(DONG_CODES_FILE, where, f"행정동 코드가 중복됩니다: {code}"))
            else:
                parsed.dongs[code] = {"district_code": district, "name": name, "kostat_code": row["adm_cd7"].strip()}

    features = _read_geojson(data_dir / DONG_FILE, DONG_FILE, parsed)
    if features is None:
        return
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        code = str(props.get("adm_cd2", ""))
        if not (len(code) == 10 and code.isdigit()):
            parsed.problems.append(LoadProblem(DONG_FILE, f"feature {number}", f"adm_cd2 코드가 올바르지 않습니다: {code!r}"))
            continue
        geometry = _geometry(feature, DONG_FILE, number, parsed)
        if geometry is not None:
            parsed.dong_geometry[code] = {"geometry": geometry, "name": props.get("adm_nm", "")}

    for code in sorted(set(parsed.dongs) - set(parsed.dong_geometry)):
        parsed.mismatches.append(
            f"{code} {parsed.dongs[code]['name']}: 코드 목록에는 있으나 경계 파일에 없음 — 경계 없이 적재 "
            "(in the code list, no boundary in the 2021 file; loaded without geometry)"
        )
    for code in sorted(set(parsed.dong_geometry) - set(parsed.dongs)):
        parsed.mismatches.append(
            f"{code} {parsed.dong_geometry[code]['name']}: 경계 파일에만 있음 — 적재하지 않음 "
            "(boundary without a current code; not loaded)"
        )


def _parse_indicators(data_dir: Path, parsed: _Parsed) -> None:
    required = ["year", "sgg_nm", "kostat_gi_indicator", "indicator", "indicator_ko", "value", "unit", "source_statistic"]
    rows = _read_csv(data_dir / INDICATORS_FILE, INDICATORS_FILE, required, parsed)
    if rows is None:
        return
    names = {fields["name"] for fields in parsed.districts.values()}
    seen: set[tuple[str, int, str]] = set()
    for line, row in rows:
        where = f"line {line}"
        year_text, district_name, key = row["year"].strip(), row["sgg_nm"].strip(), row["indicator"].strip()
        if not (year_text.isdigit() and 1990 <= int(year_text) <= 2100):
            parsed.problems.append(LoadProblem(INDICATORS_FILE, where, f"연도가 올바르지 않습니다: {year_text!r}"))
            continue
        if district_name != CITY_TOTAL and names and district_name not in names:
            parsed.problems.append(LoadProblem(INDICATORS_FILE, where, f"알 수 없는 자치구: {district_name!r}"))
            continue
        if key not in KNOWN_INDICATORS:
            parsed.problems.append(LoadProblem(INDICATORS_FILE, where, f"알 수 없는 지표: {key!r}"))
            continue
        try:
            value = Decimal(row["value"].strip())
        except InvalidOperation:
            parsed.problems.append(LoadProblem(INDICATORS_FILE, where, f"값이 숫자가 아닙니다: {row['value']!r}"))
            continue
        if not value.is_finite() or value < 0:
            parsed.problems.append(LoadProblem(INDICATORS_FILE, where, f"값은 0 이상이어야 합니다: {row['value']!r}"))
            continue
        identity = (district_name, int(year_text), key)
        if identity in seen:
            parsed.problems.append(
                LoadProblem(INDICATORS_FILE, where, f"같은 지표가 중복됩니다: {district_name} {year_text} {key}")
            )
            continue
        seen.add(identity)
        parsed.indicators.append(
            {
                "district_name": None if district_name == CITY_TOTAL else district_name,
                "year": int(year_text),
                "indicator": key,
                "label": row["indicator_ko"].strip(),
                "value": value,
                "unit": row["unit"].strip(),
                "source_statistic": row["source_statistic"].strip(),
                "source_code": row["kostat_gi_indicator"].strip(),
            }
        )


def _parse_median_incomes(data_dir: Path, parsed: _Parsed) -> None:
    rows = _read_csv(
        data_dir / MEDIAN_INCOME_FILE, MEDIAN_INCOME_FILE, ["year", "household_size", "monthly_krw", "legal_basis"], parsed
    )
    if rows is None:
        return
    by_year: dict[int, dict[int, tuple[int, int]]] = {}
    for line, row in rows:
        where = f"line {line}"
        values = {}
        for column, low, high in (("year", 2000, 2100), ("household_size", 1, 30), ("monthly_krw", 1, 100_000_000)):
            text = row[column].strip()
            if not text.isdigit() or not (low <= int(text) <= high):
                parsed.problems.append(
                    LoadProblem(
                        MEDIAN_INCOME_FILE, where, f"{column} 값이 올바르지 않습니다: {text!r} ({low}–{high} 사이의 정수)"
                    )
                )
                break
            values[column] = int(text)
        else:
            if not row["legal_basis"].strip():
                parsed.problems.append(LoadProblem(MEDIAN_INCOME_FILE, where, "법적 근거(legal_basis)가 비어 있습니다"))
                continue
            sizes = by_year.setdefault(values["year"], {})
            if values["household_size"] in sizes:
                parsed.problems.append(
                    LoadProblem(MEDIAN_INCOME_FILE, where, f"{values['year']}년 {values['household_size']}인 가구가 중복됩니다")
                )
                continue
            sizes[values["household_size"]] = (values["monthly_krw"], line)
            parsed.median_incomes.append(
                {**values, "legal_basis": row["legal_basis"].strip(), "sources": (row.get("sources") or "").strip()[:400]}
            )
    for year, sizes in by_year.items():
        ordered = sorted(sizes.items())
        for (_size, (amount, _line)), (next_size, (next_amount, next_line)) in itertools.pairwise(ordered):
            if next_amount <= amount:
                parsed.problems.append(
                    LoadProblem(
                        MEDIAN_INCOME_FILE,
                        f"line {next_line}",
                        f"{year}년 {next_size}인 가구 금액이 더 작은 가구보다 크지 않습니다 ({next_amount:,} ≤ {amount:,})",
                    )
                )


def load_reference_data(*, data_dir: Path) -> LoadReport:
    """Validate every reference file under ``data_dir``, then load them all in one transaction.

    Idempotent: loading the same files twice leaves the same rows. Raises
    ReferenceDataError, having written nothing, when any row of any file is bad.
    """
    from itda.programs.services import replace_median_incomes

    parsed = _Parsed()
    _parse_districts(data_dir, parsed)
    _parse_dongs(data_dir, parsed)
    _parse_indicators(data_dir, parsed)
    _parse_median_incomes(data_dir, parsed)
    if parsed.problems:
        raise ReferenceDataError(parsed.problems)

    report = LoadReport(mismatches=parsed.mismatches)
    with transaction.atomic():
        districts = {}
        for code, fields in parsed.districts.items():
            district, _created = District.objects.update_or_create(code=code, defaults=fields)
            districts[code] = district
        for code, fields in parsed.dongs.items():
            geometry_entry = parsed.dong_geometry.get(code)
            defaults = {
                "district": districts[fields["district_code"]],
                "name": fields["name"],
                "kostat_code": fields["kostat_code"],
                "boundary_geojson": None,
                "centroid_lat": None,
                "centroid_lon": None,
                "boundary_source": "",
            }
            if geometry_entry is not None:
                geometry = geometry_entry["geometry"]
                point = geometry.representative_point()
                defaults.update(
                    boundary_geojson=mapping(geometry),
                    centroid_lat=round(point.y, 6),
                    centroid_lon=round(point.x, 6),
                    boundary_source=DONG_SOURCE,
                )
                report.dongs_with_boundary += 1
            Dong.objects.update_or_create(code=code, defaults=defaults)
        by_name = {district.name: district for district in districts.values()}
        for item in parsed.indicators:
            DistrictIndicator.objects.update_or_create(
                district=by_name.get(item["district_name"]) if item["district_name"] else None,
                year=item["year"],
                indicator=item["indicator"],
                defaults={k: item[k] for k in ("label", "value", "unit", "source_statistic", "source_code")},
            )
        report.median_incomes = replace_median_incomes(rows=parsed.median_incomes)
    report.districts = len(parsed.districts)
    report.dongs = len(parsed.dongs)
    report.indicators = len(parsed.indicators)
    return report
