"""Synthetic Seoul: a seeded, reproducible table of general households calibrated to real district figures.

Every row is fictional (``is_synthetic`` is True) and must be shown as synthetic wherever it appears.
The generator draws from one ``numpy.random.Generator`` seeded by the caller, vectorised over all
households, so the same seed, size and calibration always give the identical frame.

Modelling assumptions, in the order the generator applies them (sources are in
``shared/docs/domain-facts.md`` and ``data/README.md``; "assumption" marks a number chosen here,
not taken from a source — all of them are module constants a later calibration can replace):

1. **Households per district** are proportional to the district's number of administrative dongs
   (the 2022 code list: 426 dongs in 25 districts, ``seoul_hangjeongdong_codes_2022.csv``), split
   with largest remainders so the total is exact. Assumption: the dong count is the only
   per-district size signal in the loaded data; real dongs differ in size (about 5–25 k households).
2. **One-person households** per district are exactly ``round(households × share)``, where the
   share is the 2022 census figure (kostat-gi indicator 10-1-3: one-person ÷ general households,
   e.g. 관악구 55.9 %). The synthetic share therefore matches the real one to rounding.
   The other households have 2–6 members with probabilities :data:`MULTI_PERSON_SIZES`
   (assumption, shaped on the 2022 national census mix of multi-person households).
3. **Households spread evenly over the district's dongs** (assumption: no dong-level counts loaded).
4. **Age of a one-person householder.** How many of a district's one-person households are 65+ is
   calibrated to the 2022 census share of people 65+ who live alone (indicator 10-1-6, defined as
   65+ one-person households ÷ 65+ *persons* × 100, so its denominator counts people, not
   households). The generator makes the 65+ persons of a district its 65+ population share (5-4-3,
   resident registration) of the district's synthetic persons (the sum of household sizes), and
   exactly ``round(10-1-6 share × 65+ persons)`` of its one-person households 65+ (at most all of
   them): :func:`elderly_living_alone_targets`. The ages themselves follow Seoul's 2021 one-person
   age bands (서울연구원 via dailypop 64479, domain-facts §1.3; the unpublished "50s + under 20"
   remainder of 186,600 is split 95 % / 5 %, assumption), the 60s band halved at 65 (assumption:
   uniform within the band), drawn separately below and from 65. Without the 65+ population share
   the count falls back to the city's band share of 65+ scaled by the district's 10-1-6 share
   relative to the mean (relative only). Ages are uniform within a band; 80+ is drawn from 80–94.
   Householders of multi-person households follow :data:`MULTI_PERSON_AGE_BANDS` (assumption).
5. **Sex**: the probability that a one-person householder is a woman rises with age
   (:data:`ONE_PERSON_FEMALE_BY_BAND`, assumption following the national pattern in §1.3: men peak
   in their 30s, women in their 60s); 28 % of multi-person householders are women (assumption).
6. **Disability** (householder): 4 % under 65, 12 % from 65 (assumption; Seoul's registered
   disabled are about 4 % of residents, more of them old).
7. **Basic-livelihood recipients** (기초생활보장 수급): the city's 2022 recipients (407,980 persons,
   indicator 10-2-1) divided by :attr:`Calibration.persons_per_recipient_household` (1.45,
   assumption) and by Seoul's general households (4.13 M in 2020, data.si.re.kr 65186) give the
   share of recipient households; that many synthetic households are allocated to districts in
   proportion to each district's recipients and chosen by weighted sampling without replacement
   (weights: one-person ×2.5, 65+ ×2, disability ×2, under 30 ×0.5 — assumption).
8. **Income** is drawn as a ratio to the standard median income (기준 중위소득) of the household's
   size for :attr:`Calibration.income_year`: recipients uniform 0–40 % (the livelihood, medical and
   housing benefit lines sit at 32–48 %); others log-normal with median / sigma 0.95 / 0.6
   (one person under 65), 0.55 / 0.7 (one person 65+), 1.05 / 0.55 (multi-person) — assumption,
   roughly matching the 2025 one-person mean income of 34.23 M KRW a year (§1.3).
9. **Housing type** by group (:data:`HOUSING_SHARES`). City-wide this gives ≈3.8 % gosiwon (Seoul's
   2020 gosiwon survey: 155,379 households ≈ 3.8 % of 4.13 M, alook.so/posts/Bat56z5, secondary),
   ≈5 % semi-basement (6.0 % in the 2015 census, khanarchive.khan.kr/8862; 245 k in the 2025
   census, news21tongsin idx=273230; 2.5 % in Seoul's 2025 housing survey, ket.kr 36660),
   ≈0.8 % rooftop (Seoul basement + rooftop 6.8 % vs basement 6.0 %, 2015 census via edaily
   03276726615834784), 0.1 % jjokbang (assumption), ≈42 % apartment (assumption).
   Assumption: the same mix in every district (no per-district housing data loaded).
10. **Tenure** by housing type, recipient status, household size and age (:data:`TENURE_SHARES`):
   overall ≈44 % owner-occupiers (Seoul 2025 housing survey, ket.kr 36660); gosiwon and jjokbang
   rooms are almost always monthly rent; semi-basements mostly rented (2015 census: 54 % of
   basement households on monthly rent with deposit); recipients often in public rental
   (assumption).

Seoul has ≈4.1 M general households and ≈1.56 M one-person households (§1.1): ask for ≈4.1 M
households and filter ``household_size == 1`` to get the city's one-person households at full scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from analytics._eligibility import HOUSING_TYPES, TENURES, MedianIncomeTable

MINIMUM_HOUSEHOLDS = 10_000
MAXIMUM_HOUSEHOLDS = 10_000_000


class CalibrationError(ValueError):
    """The tables given to :func:`calibration_from_tables` lack a figure the generator needs."""


class AgeBand(NamedTuple):
    low: int
    high: int  # inclusive
    households: int


# 서울연구원 via dailypop.kr 64479 (domain-facts §1.3); the first and fifth bands split the published
# remainder 186,600 (50s + under 20) as 5 % / 95 % (assumption).
SEOUL_2021_ONE_PERSON_AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand(15, 19, 9_330),
    AgeBand(20, 29, 389_904),
    AgeBand(30, 39, 336_659),
    AgeBand(40, 49, 188_933),
    AgeBand(50, 59, 177_270),
    AgeBand(60, 69, 190_907),
    AgeBand(70, 79, 126_463),
    AgeBand(80, 94, 70_427),
)

# Assumption: householders of multi-person households, same bands as above.
MULTI_PERSON_AGE_BANDS: tuple[float, ...] = (0.0, 0.03, 0.14, 0.22, 0.25, 0.20, 0.12, 0.04)
# Assumption: probability that a one-person householder is a woman, per band above.
ONE_PERSON_FEMALE_BY_BAND: tuple[float, ...] = (0.52, 0.50, 0.42, 0.38, 0.42, 0.58, 0.72, 0.80)
MULTI_PERSON_FEMALE = 0.28
# Assumption: sizes 2–6 of multi-person households (2022 national census mix, conditioned on ≥2).
MULTI_PERSON_SIZES: dict[int, float] = {2: 0.46, 3: 0.29, 4: 0.20, 5: 0.04, 6: 0.01}

DISABILITY_UNDER_65 = 0.04
DISABILITY_FROM_65 = 0.12

# Housing type shares per group (assumption calibrated to the city-wide figures in the docstring).
_HOUSING_GROUPS = ("ONE_PERSON", "ONE_PERSON_RECIPIENT", "MULTI_PERSON", "MULTI_PERSON_RECIPIENT")
HOUSING_SHARES: dict[str, dict[str, float]] = {
    "ONE_PERSON": {
        "APARTMENT": 0.22,
        "MULTI_FAMILY": 0.30,
        "DETACHED": 0.184,
        "OFFICETEL": 0.12,
        "GOSIWON": 0.09,
        "SEMI_BASEMENT": 0.06,
        "ROOFTOP": 0.015,
        "JJOKBANG": 0.001,
        "OTHER": 0.01,
    },
    "ONE_PERSON_RECIPIENT": {
        "APARTMENT": 0.22,
        "MULTI_FAMILY": 0.28,
        "DETACHED": 0.17,
        "OFFICETEL": 0.03,
        "GOSIWON": 0.12,
        "SEMI_BASEMENT": 0.12,
        "ROOFTOP": 0.02,
        "JJOKBANG": 0.02,
        "OTHER": 0.02,
    },
    "MULTI_PERSON": {
        "APARTMENT": 0.56,
        "MULTI_FAMILY": 0.24,
        "DETACHED": 0.12,
        "OFFICETEL": 0.03,
        "GOSIWON": 0.003,
        "SEMI_BASEMENT": 0.04,
        "ROOFTOP": 0.004,
        "JJOKBANG": 0.0002,
        "OTHER": 0.0028,
    },
    "MULTI_PERSON_RECIPIENT": {
        "APARTMENT": 0.40,
        "MULTI_FAMILY": 0.30,
        "DETACHED": 0.14,
        "OFFICETEL": 0.01,
        "GOSIWON": 0.01,
        "SEMI_BASEMENT": 0.12,
        "ROOFTOP": 0.01,
        "JJOKBANG": 0.002,
        "OTHER": 0.008,
    },
}

# Tenure shares per group (assumption; see the docstring).
TENURE_SHARES: dict[str, dict[str, float]] = {
    "NON_HOUSING": {"MONTHLY_RENT": 0.93, "FAMILY_OR_FREE": 0.02, "OTHER": 0.05},
    "BASEMENT_OR_ROOFTOP": {"OWNER": 0.12, "JEONSE": 0.25, "MONTHLY_RENT": 0.55, "PUBLIC_RENTAL": 0.03, "FAMILY_OR_FREE": 0.05},
    "RECIPIENT": {
        "OWNER": 0.05,
        "JEONSE": 0.08,
        "MONTHLY_RENT": 0.40,
        "PUBLIC_RENTAL": 0.40,
        "FAMILY_OR_FREE": 0.06,
        "OTHER": 0.01,
    },
    "ONE_PERSON_UNDER_65": {
        "OWNER": 0.12,
        "JEONSE": 0.33,
        "MONTHLY_RENT": 0.43,
        "PUBLIC_RENTAL": 0.07,
        "FAMILY_OR_FREE": 0.04,
        "OTHER": 0.01,
    },
    "ONE_PERSON_FROM_65": {
        "OWNER": 0.45,
        "JEONSE": 0.15,
        "MONTHLY_RENT": 0.22,
        "PUBLIC_RENTAL": 0.12,
        "FAMILY_OR_FREE": 0.05,
        "OTHER": 0.01,
    },
    "MULTI_PERSON": {
        "OWNER": 0.67,
        "JEONSE": 0.18,
        "MONTHLY_RENT": 0.08,
        "PUBLIC_RENTAL": 0.05,
        "FAMILY_OR_FREE": 0.015,
        "OTHER": 0.005,
    },
}
_TENURE_GROUPS = tuple(TENURE_SHARES)

# Income as a ratio of the standard median income: (median ratio, sigma of the log) — assumption.
INCOME_ONE_PERSON_UNDER_65 = (0.95, 0.6)
INCOME_ONE_PERSON_FROM_65 = (0.55, 0.7)
INCOME_MULTI_PERSON = (1.05, 0.55)
RECIPIENT_INCOME_CEILING = 0.40

# Recipient selection weights (assumption).
RECIPIENT_WEIGHT_ONE_PERSON = 2.5
RECIPIENT_WEIGHT_FROM_65 = 2.0
RECIPIENT_WEIGHT_DISABILITY = 2.0
RECIPIENT_WEIGHT_UNDER_30 = 0.5
RECIPIENT_CAP = 0.5  # never more than half of a district's households

NON_HOUSING = ("GOSIWON", "JJOKBANG")
BASEMENT_OR_ROOFTOP = ("SEMI_BASEMENT", "ROOFTOP")

HOUSEHOLD_SCHEMA: dict[str, Any] = {
    "household_id": pl.Int64,
    "district": pl.String,
    "dong": pl.String,
    "household_size": pl.Int64,
    "age": pl.Int64,
    "sex": pl.String,
    "monthly_income_krw": pl.Int64,
    "tenure": pl.String,
    "housing_type": pl.String,
    "has_disability": pl.Boolean,
    "basic_livelihood": pl.Boolean,
    "is_synthetic": pl.Boolean,
}


@dataclass(frozen=True)
class DistrictCalibration:
    """The real figures for one district. Shares are fractions (0.559, not 55.9)."""

    code: str  # 5-digit MOIS code, e.g. "11620"
    name: str
    dong_codes: tuple[str, ...]  # 10-digit MOIS codes
    one_person_share: float
    elderly_living_alone_share: float
    basic_livelihood_recipients: int  # persons
    aged_65_share: float | None = None


@dataclass(frozen=True)
class Calibration:
    """Everything the generator takes from the real data; built by :func:`calibration_from_tables`."""

    districts: tuple[DistrictCalibration, ...]
    income_year: int
    median_income_krw: Mapping[int, int]  # household size → monthly standard median income
    indicator_year: int = 2022
    one_person_age_bands: tuple[AgeBand, ...] = SEOUL_2021_ONE_PERSON_AGE_BANDS
    city_general_households: int = 4_130_000  # Seoul 2020, data.si.re.kr 65186
    persons_per_recipient_household: float = 1.45  # assumption
    sources: tuple[str, ...] = field(default_factory=tuple)


def calibration_from_tables(
    *,
    districts: Iterable[Mapping[str, Any]],
    dongs: Iterable[Mapping[str, Any]],
    indicators: Iterable[Mapping[str, Any]],
    medians: MedianIncomeTable,
    income_year: int,
    indicator_year: int = 2022,
) -> Calibration:
    """Build a :class:`Calibration` from plain rows, as the database or the shared CSV files give them.

    * ``districts``: ``{"code": "11620", "name": "관악구"}``;
    * ``dongs``: ``{"code": "1162052500", "district_code": "11620"}``;
    * ``indicators``: ``{"district": <code or name>, "year", "indicator", "value"}`` with the keys of
      ``seoul_district_indicators.csv`` (``one_person_household_ratio``, ``elderly_living_alone_ratio``
      and ``basic_livelihood_recipients`` are required for ``indicator_year``, ``aged_65plus_ratio``
      is used when present); rows for the city total or other districts are ignored;
    * ``medians``: the standard median income table; ``income_year`` must be in it.

    Raises :class:`CalibrationError` naming the first missing figure.
    """
    district_rows = [(str(row["code"]).strip(), str(row["name"]).strip()) for row in districts]
    if not district_rows:
        raise CalibrationError("자치구 목록이 비어 있습니다 (no districts given)")
    by_name = {name: code for code, name in district_rows}
    codes = {code for code, _name in district_rows}

    dong_codes: dict[str, list[str]] = {code: [] for code in codes}
    for row in dongs:
        district_code = str(row["district_code"]).strip()
        if district_code in dong_codes:
            dong_codes[district_code].append(str(row["code"]).strip())

    wanted = {"one_person_household_ratio", "elderly_living_alone_ratio", "basic_livelihood_recipients", "aged_65plus_ratio"}
    values: dict[tuple[str, str], Decimal] = {}
    for row in indicators:
        if int(row["year"]) != indicator_year or row["indicator"] not in wanted:
            continue
        key = str(row["district"]).strip()
        code = key if key in codes else by_name.get(key)
        if code is not None:
            try:
                Decimal(str(row["value"]).strip())
            except InvalidOperation as error:
                raise CalibrationError(
                    f"{key} {indicator_year}년 {row['indicator']} 값이 숫자가 아닙니다: {row['value']!r} "
                    f"(not a number: {row['value']!r})"
                ) from error
            values[(code, row["indicator"])] = Decimal(str(row["value"]).strip())

    if not medians.has_year(income_year):
        raise CalibrationError(f"{income_year}년 기준 중위소득이 없습니다 (no standard median income for {income_year})")
    median_by_size = {size: medians.monthly_krw(income_year, size) for size in range(1, max(MULTI_PERSON_SIZES) + 1)}
    missing_sizes = [size for size, amount in median_by_size.items() if amount is None]
    if missing_sizes:
        raise CalibrationError(
            f"{income_year}년 {missing_sizes}인 가구 기준 중위소득이 없습니다 "
            f"(no {income_year} median income for household sizes {missing_sizes})"
        )

    result = []
    for code, name in sorted(district_rows):
        if not dong_codes[code]:
            raise CalibrationError(f"{name}({code})에 행정동이 없습니다 (district {code} has no dongs)")
        figures: dict[str, Decimal] = {}
        for indicator in ("one_person_household_ratio", "elderly_living_alone_ratio", "basic_livelihood_recipients"):
            if (code, indicator) not in values:
                raise CalibrationError(
                    f"{name}({code})의 {indicator_year}년 {indicator} 값이 없습니다 "
                    f"(no {indicator_year} {indicator} for district {code})"
                )
            figures[indicator] = values[(code, indicator)]
        aged = values.get((code, "aged_65plus_ratio"))
        result.append(
            DistrictCalibration(
                code=code,
                name=name,
                dong_codes=tuple(sorted(dong_codes[code])),
                one_person_share=float(figures["one_person_household_ratio"] / 100),
                elderly_living_alone_share=float(figures["elderly_living_alone_ratio"] / 100),
                basic_livelihood_recipients=int(figures["basic_livelihood_recipients"].to_integral_value()),
                aged_65_share=None if aged is None else float(aged / 100),
            )
        )
    return Calibration(
        districts=tuple(result),
        income_year=income_year,
        median_income_krw={size: int(amount) for size, amount in median_by_size.items() if amount is not None},
        indicator_year=indicator_year,
        sources=(
            "통계청 경인지방통계청 수도권 광역지표 (kostat-gi) 10-1-3, 10-1-6, 10-2-1, 5-4-3",
            "vuski/admdongkor ver20220309 행정동 코드",
            "보건복지부 기준 중위소득",
        ),
    )


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def _sample_categorical(rng: np.random.Generator, group: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Draw one category per row from the probabilities of the row's group (a groups × categories matrix).

    Vectorised over rows; the only Python loop runs over the handful of categories.
    """
    probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(group.shape[0])
    picked = np.zeros(group.shape[0], dtype=np.int64)
    for category in range(probabilities.shape[1] - 1):
        picked += draws >= cumulative[group, category]
    return picked


def _shares_matrix(table: Mapping[str, Mapping[str, float]], groups: Sequence[str], codes: Sequence[str]) -> np.ndarray:
    return np.array([[table[group].get(code, 0.0) for code in codes] for group in groups], dtype=np.float64)


ELDERLY_AGE = 65


def _split_at_elderly_age(bands: Sequence[AgeBand]) -> tuple[list[AgeBand], np.ndarray]:
    """The bands with the one spanning 64/65 cut in two (households split by width); and each new band's parent index."""
    split: list[AgeBand] = []
    parents: list[int] = []
    for index, band in enumerate(bands):
        if band.low < ELDERLY_AGE <= band.high:
            below = ELDERLY_AGE - band.low
            width = band.high - band.low + 1
            lower = round(band.households * below / width)
            split += [AgeBand(band.low, ELDERLY_AGE - 1, lower), AgeBand(ELDERLY_AGE, band.high, band.households - lower)]
            parents += [index, index]
        else:
            split.append(band)
            parents.append(index)
    return split, np.array(parents, dtype=np.int64)


def elderly_living_alone_targets(*, calibration: Calibration, one_person_counts: np.ndarray, persons: np.ndarray) -> np.ndarray:
    """How many one-person households aged 65+ each district gets (see step 4 of the module docstring).

    ``one_person_counts`` and ``persons`` are per district in the calibration's order. With every
    district's 65+ population share: ``round(alone share × 65+ share × persons)``; otherwise the
    city's 2021 band share of 65+ among one-person households times the district's alone share
    relative to the mean. Never more than the district's one-person households.
    """
    districts = calibration.districts
    alone = np.array([d.elderly_living_alone_share for d in districts], dtype=np.float64)
    if all(d.aged_65_share is not None for d in districts):
        aged = np.array([d.aged_65_share for d in districts], dtype=np.float64)
        wanted = np.rint(alone * aged * persons).astype(np.int64)
    else:
        bands, _parents = _split_at_elderly_age(calibration.one_person_age_bands)
        households = np.array([band.households for band in bands], dtype=np.float64)
        city = households[[band.low >= ELDERLY_AGE for band in bands]].sum() / households.sum()
        wanted = np.rint(one_person_counts * np.clip(city * alone / alone.mean(), 0.0, 1.0)).astype(np.int64)
    return np.minimum(wanted, one_person_counts)


def one_person_count(*, households: int, calibration: Calibration) -> int:
    """How many one-person households :func:`synthesize_households` makes for ``households`` (without making them).

    Exact: the same allocation to districts and the same rounding of each district's share.
    """
    dong_counts = np.array([len(d.dong_codes) for d in calibration.districts], dtype=np.float64)
    per_district = _largest_remainder(households, dong_counts)
    shares = np.array([d.one_person_share for d in calibration.districts])
    return int(np.rint(per_district * shares).astype(np.int64).sum())


# The generator's steps, in order, as ``synthesize_households`` reports them to its ``progress`` callback.
GENERATOR_STEPS = (
    "districts",
    "dongs",
    "sizes",
    "ages",
    "sex",
    "disability",
    "recipients",
    "income",
    "housing",
    "tenure",
    "frame",
)


def synthesize_households(
    *, households: int, seed: int, calibration: Calibration, progress: Callable[[str], None] | None = None
) -> pl.DataFrame:
    """Generate ``households`` synthetic general households (all sizes) calibrated to ``calibration``.

    Guarantees: the same arguments give an identical frame; columns and dtypes are
    :data:`HOUSEHOLD_SCHEMA` (the fact columns match ``analytics.FACT_SCHEMA``, so
    ``evaluate_population`` runs on the frame directly); ``household_id`` runs 1…households;
    every dong belongs to its district; the one-person share of each district equals the
    calibration's share to rounding. Raises ValueError when ``households`` is outside
    10,000–10,000,000. ``progress``, when given, is called with each name of
    :data:`GENERATOR_STEPS` as that step finishes (a call per step, never per row).
    """
    done = progress or (lambda _step: None)
    if (
        isinstance(households, bool)
        or not isinstance(households, int)
        or not MINIMUM_HOUSEHOLDS <= households <= MAXIMUM_HOUSEHOLDS
    ):
        raise ValueError(
            f"가구 수는 {MINIMUM_HOUSEHOLDS:,}–{MAXIMUM_HOUSEHOLDS:,} 사이여야 합니다 "
            f"(households must be {MINIMUM_HOUSEHOLDS:,}–{MAXIMUM_HOUSEHOLDS:,}): {households!r}"
        )
    rng = np.random.default_rng(seed)
    districts = calibration.districts
    n = households

    # Rows are generated in district blocks (which keeps the per-district steps slices) and
    # shuffled once at the end, so household ids carry no district order.
    # 1–2. Households per district, exactly round(n_d × share) of them one-person.
    dong_counts = np.array([len(d.dong_codes) for d in districts], dtype=np.int64)
    per_district = _largest_remainder(n, dong_counts.astype(np.float64))
    block_starts = np.concatenate([[0], np.cumsum(per_district)[:-1]])
    shares = np.array([d.one_person_share for d in districts])
    one_person_counts = np.rint(per_district * shares).astype(np.int64)
    district_idx = np.repeat(np.arange(len(districts)), per_district)
    one_person = (np.arange(n) - block_starts[district_idx]) < one_person_counts[district_idx]

    done("districts")

    # 3. Dong: uniform within the district.
    dong_starts = np.concatenate([[0], np.cumsum(dong_counts)[:-1]])
    dong_idx = dong_starts[district_idx] + np.floor(rng.random(n) * dong_counts[district_idx]).astype(np.int64)

    done("dongs")

    # 2. Size of multi-person households.
    sizes = np.array(list(MULTI_PERSON_SIZES), dtype=np.int64)
    size_draw = sizes[_sample_categorical(rng, np.zeros(n, dtype=np.int64), np.array([list(MULTI_PERSON_SIZES.values())]))]
    household_size = np.where(one_person, 1, size_draw)

    done("sizes")

    # 4. Age. Exactly the calibrated number of each district's one-person households are 65+ (the
    # first ones of its block; rows are shuffled at the end); the band is then drawn within
    # group 0 = one-person under 65, 1 = one-person 65+, 2 = multi-person.
    persons = np.bincount(district_idx, weights=household_size, minlength=len(districts))
    elderly_alone = elderly_living_alone_targets(calibration=calibration, one_person_counts=one_person_counts, persons=persons)
    alone_elderly = one_person & ((np.arange(n) - block_starts[district_idx]) < elderly_alone[district_idx])
    bands, parents = _split_at_elderly_age(calibration.one_person_age_bands)
    lows = np.array([b.low for b in bands], dtype=np.int64)
    widths = np.array([b.high - b.low + 1 for b in bands], dtype=np.int64)
    parent_widths = np.array([b.high - b.low + 1 for b in calibration.one_person_age_bands], dtype=np.int64)
    households_by_band = np.array([b.households for b in bands], dtype=np.float64)
    from_65 = lows >= ELDERLY_AGE
    band_probabilities = np.vstack(
        [
            np.where(from_65, 0.0, households_by_band),
            np.where(from_65, households_by_band, 0.0),
            np.array(MULTI_PERSON_AGE_BANDS)[parents] * widths / parent_widths[parents],
        ]
    )
    band = _sample_categorical(rng, np.where(one_person, alone_elderly.astype(np.int64), 2), band_probabilities)
    age = lows[band] + np.floor(rng.random(n) * widths[band]).astype(np.int64)
    elderly = age >= ELDERLY_AGE

    done("ages")

    # 5. Sex.
    female_probability = np.where(one_person, np.array(ONE_PERSON_FEMALE_BY_BAND)[parents[band]], MULTI_PERSON_FEMALE)
    female = rng.random(n) < female_probability

    done("sex")

    # 6. Disability.
    has_disability = rng.random(n) < np.where(elderly, DISABILITY_FROM_65, DISABILITY_UNDER_65)

    done("disability")

    # 7. Basic-livelihood recipients: weighted sampling without replacement within each district.
    recipients = np.array([d.basic_livelihood_recipients for d in districts], dtype=np.float64)
    city_rate = recipients.sum() / (calibration.persons_per_recipient_household * calibration.city_general_households)
    wanted = np.rint(n * city_rate * recipients / recipients.sum()).astype(np.int64)
    wanted = np.minimum(wanted, np.floor(per_district * RECIPIENT_CAP).astype(np.int64))
    weight = (
        np.where(one_person, RECIPIENT_WEIGHT_ONE_PERSON, 1.0)
        * np.where(elderly, RECIPIENT_WEIGHT_FROM_65, 1.0)
        * np.where(has_disability, RECIPIENT_WEIGHT_DISABILITY, 1.0)
        * np.where(age < 30, RECIPIENT_WEIGHT_UNDER_30, 1.0)
    )
    key = np.log(1.0 - rng.random(n)) / weight  # Efraimidis–Spirakis: the largest keys win
    basic_livelihood = np.zeros(n, dtype=bool)
    for start, size, count in zip(block_starts, per_district, wanted, strict=True):  # 25 districts, not rows
        if count:
            chosen = np.argpartition(-key[start : start + size], count - 1)[:count]
            basic_livelihood[start + chosen] = True

    done("recipients")

    # 8. Income as a ratio of the standard median income of the household's size.
    medians = np.array([calibration.median_income_krw[size] for size in range(1, int(sizes.max()) + 1)], dtype=np.float64)
    median_ratio = np.where(
        one_person,
        np.where(elderly, INCOME_ONE_PERSON_FROM_65[0], INCOME_ONE_PERSON_UNDER_65[0]),
        INCOME_MULTI_PERSON[0],
    )
    sigma = np.where(
        one_person, np.where(elderly, INCOME_ONE_PERSON_FROM_65[1], INCOME_ONE_PERSON_UNDER_65[1]), INCOME_MULTI_PERSON[1]
    )
    ratio = median_ratio * np.exp(sigma * rng.standard_normal(n))
    ratio = np.where(basic_livelihood, rng.random(n) * RECIPIENT_INCOME_CEILING, ratio)
    monthly_income = np.rint(ratio * medians[household_size - 1]).astype(np.int64)

    done("income")

    # 9. Housing type.
    housing_group = np.where(one_person, 0, 2) + basic_livelihood.astype(np.int64)
    housing_idx = _sample_categorical(rng, housing_group, _shares_matrix(HOUSING_SHARES, _HOUSING_GROUPS, HOUSING_TYPES))
    is_non_housing = np.isin(housing_idx, [HOUSING_TYPES.index(code) for code in NON_HOUSING])
    is_basement = np.isin(housing_idx, [HOUSING_TYPES.index(code) for code in BASEMENT_OR_ROOFTOP])

    done("housing")

    # 10. Tenure.
    tenure_group = np.select(
        [is_non_housing, is_basement, basic_livelihood, one_person & ~elderly, one_person & elderly],
        [0, 1, 2, 3, 4],
        default=5,
    )
    tenure_idx = _sample_categorical(rng, tenure_group, _shares_matrix(TENURE_SHARES, _TENURE_GROUPS, TENURES))

    done("tenure")

    order = rng.permutation(n)
    district_codes = pl.Series([d.code for d in districts], dtype=pl.String)
    all_dongs = pl.Series([code for d in districts for code in d.dong_codes], dtype=pl.String)
    frame = pl.DataFrame(
        {
            "household_id": np.arange(1, n + 1, dtype=np.int64),
            "district": district_codes.gather(district_idx[order]),
            "dong": all_dongs.gather(dong_idx[order]),
            "household_size": household_size[order],
            "age": age[order],
            "sex": pl.Series(["M", "F"], dtype=pl.String).gather(female[order].astype(np.int64)),
            "monthly_income_krw": monthly_income[order],
            "tenure": pl.Series(list(TENURES), dtype=pl.String).gather(tenure_idx[order]),
            "housing_type": pl.Series(list(HOUSING_TYPES), dtype=pl.String).gather(housing_idx[order]),
            "has_disability": has_disability[order],
            "basic_livelihood": basic_livelihood[order],
            "is_synthetic": np.ones(n, dtype=bool),
        },
        schema=HOUSEHOLD_SCHEMA,
    )
    done("frame")
    return frame


def district_shares(households: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Per district: households, one-person households and their share (0–1), sorted by district code."""
    return (
        households.lazy()
        .group_by("district")
        .agg(
            households=pl.len(),
            one_person_households=(pl.col("household_size") == 1).sum(),
        )
        .with_columns(one_person_share=pl.col("one_person_households") / pl.col("households"))
        .sort("district")
        .collect()
    )


def _check_probabilities() -> None:
    for table in (HOUSING_SHARES, TENURE_SHARES):
        for group, shares in table.items():
            if not math.isclose(sum(shares.values()), 1.0, abs_tol=1e-9):
                raise AssertionError(f"shares of {group} sum to {sum(shares.values())}")


_check_probabilities()
