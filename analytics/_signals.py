"""Administrative signal feeds: one schema per feed, validation of a delivered table, and synthetic feeds.

A feed is a table of dated events about households, the kinds Korea's blind-spot system links
(domain-facts §4.1: power, water and gas cut-offs and arrears, health-insurance and telecom arrears,
rent arrears, job loss; plus care services stopped, hospital stays, no phone activity and housing
type from the lonely-death risk domains of §3.5). Every row is ``household_id`` + ``signal_date`` +
the feed's own columns (:data:`FEEDS`).

:func:`validate_feed` takes the table as read by the caller — every column as text (a CSV read
without type inference) or already typed (Parquet) — and returns the good rows, typed, with the
problems of the bad ones, each naming the file line, the column and the reason (Korean first).
A table that cannot be read as the feed at all (unknown feed, missing required column, a column of
an unreadable type) raises :class:`FeedError` instead: nothing of it is loaded.

:func:`synthesize_signals` writes plausible feeds for a synthetic population. Its rates are
assumptions (module constants), not measurements: yearly event probabilities per household are
raised for people living alone, older people, the lowest-income fifth, basic-livelihood
recipients and precarious housing, times a shared per-household "hardship" factor so that
arrears cluster in the same households, as the blind-spot system's signal combinations assume.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl


class FeedError(ValueError):
    """The table cannot be read as the feed at all; ``problems`` says why."""

    def __init__(self, problems: Sequence[FeedProblem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.reason for problem in self.problems))


@dataclass(frozen=True)
class FeedProblem:
    """One problem in a feed. ``line`` is the file line (None: the whole table); ``column`` may be None."""

    feed: str
    line: int | None
    column: str | None
    value: str | None
    reason: str


@dataclass(frozen=True)
class FeedColumn:
    name: str
    kind: str  # "int", "date", "bool", "code"
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FeedSchema:
    name: str
    label: str  # Korean
    label_en: str
    columns: tuple[FeedColumn, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def polars_schema(self) -> dict[str, Any]:
        return {column.name: _DTYPES[column.kind] for column in self.columns}


_DTYPES: dict[str, Any] = {"int": pl.Int64, "date": pl.Date, "bool": pl.Boolean, "code": pl.String}

EARLIEST_SIGNAL_DATE = dt.date(2000, 1, 1)
LATEST_SIGNAL_DATE = dt.date(2100, 12, 31)
MAXIMUM_AMOUNT_KRW = 10_000_000_000

_KEY = (
    FeedColumn("household_id", "int", minimum=1, maximum=2**62),
    FeedColumn("signal_date", "date"),
)
_ARREARS = (
    FeedColumn("months_in_arrears", "int", minimum=1, maximum=600),
    FeedColumn("amount_krw", "int", required=False, minimum=0, maximum=MAXIMUM_AMOUNT_KRW),
)
_UTILITY = (*_ARREARS, FeedColumn("cut_off", "bool", required=False))

JOB_LOSS_REASONS = ("DISMISSAL", "CONTRACT_END", "BUSINESS_CLOSURE", "OTHER")
CARE_SERVICES = ("ELDERLY_CARE", "LONG_TERM_CARE", "DISABILITY_SUPPORT", "MEAL_DELIVERY", "OTHER")
PRECARIOUS_HOUSING_TYPES = ("GOSIWON", "JJOKBANG", "SEMI_BASEMENT", "ROOFTOP", "OTHER")


def _schema(name: str, label: str, label_en: str, *columns: FeedColumn) -> FeedSchema:
    return FeedSchema(name, label, label_en, (*_KEY, *columns))


FEEDS: dict[str, FeedSchema] = {
    schema.name: schema
    for schema in (
        _schema("POWER_ARREARS", "전기요금 체납·단전", "Electricity arrears or cut-off", *_UTILITY),
        _schema("WATER_ARREARS", "수도요금 체납·단수", "Water arrears or cut-off", *_UTILITY),
        _schema("GAS_ARREARS", "가스요금 체납·단가스", "Gas arrears or cut-off", *_UTILITY),
        _schema("HEALTH_INSURANCE_ARREARS", "건강보험료 체납", "Health-insurance arrears", *_ARREARS),
        _schema("TELECOM_ARREARS", "통신요금 체납", "Telecom arrears", *_ARREARS),
        _schema("PUBLIC_RENT_ARREARS", "공공임대 임대료 체납", "Public-rent arrears", *_ARREARS),
        _schema("JOB_LOSS", "실직·폐업", "Job loss", FeedColumn("reason", "code", required=False, choices=JOB_LOSS_REASONS)),
        _schema(
            "CARE_STOPPED",
            "돌봄·복지서비스 중단",
            "Care services stopped",
            FeedColumn("service", "code", required=False, choices=CARE_SERVICES),
        ),
        _schema("HOSPITAL_STAY", "입원", "Hospital stay", FeedColumn("days", "int", minimum=1, maximum=3650)),
        _schema(
            "NO_PHONE_ACTIVITY",
            "휴대전화 사용 없음",
            "No phone activity",
            FeedColumn("days_without_activity", "int", minimum=1, maximum=3650),
        ),
        _schema(
            "HOUSING_TYPE",
            "주거취약 거처 (고시원·쪽방·반지하)",
            "Precarious housing (gosiwon, slum room, semi-basement)",
            FeedColumn("housing_type", "code", choices=PRECARIOUS_HOUSING_TYPES),
        ),
    )
}

_TRUE_WORDS = ("true", "t", "1", "y", "yes", "예", "네", "o")
_FALSE_WORDS = ("false", "f", "0", "n", "no", "아니오", "아니요", "x")
_TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)


def _accepts(kind: str, dtype: pl.DataType) -> bool:
    if isinstance(dtype, _TEXT_TYPES) or dtype == pl.Null:
        return True
    if kind == "int":
        return dtype.is_integer() or dtype.is_float()
    if kind == "date":
        return dtype == pl.Date or isinstance(dtype, pl.Datetime)
    if kind == "bool":
        return dtype == pl.Boolean or dtype.is_integer()
    return False


def _parse(column: FeedColumn, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(typed value, raw value is present, raw text for the report) for one column."""
    raw = pl.col(column.name)
    if isinstance(dtype, _TEXT_TYPES) or dtype == pl.Null:
        text = raw.cast(pl.String).str.strip_chars()
        present = text.is_not_null() & (text != "")
        if column.kind == "int":
            value = text.str.replace_all(",", "", literal=True).cast(pl.Int64, strict=False)
        elif column.kind == "date":
            value = pl.coalesce(text.str.to_date("%Y-%m-%d", strict=False), text.str.to_date("%Y%m%d", strict=False))
        elif column.kind == "bool":
            lowered = text.str.to_lowercase()
            value = pl.when(lowered.is_in(_TRUE_WORDS)).then(True).when(lowered.is_in(_FALSE_WORDS)).then(False)
        else:
            value = text.str.to_uppercase()
        return value, present, text
    present = raw.is_not_null()
    text = raw.cast(pl.String)
    if column.kind == "int" and dtype.is_float():
        value = pl.when(raw == raw.round(0)).then(raw.cast(pl.Int64, strict=False))
    elif column.kind == "bool" and dtype.is_integer():
        value = pl.when(raw == 1).then(True).when(raw == 0).then(False)
    elif column.kind == "date":
        value = raw.cast(pl.Date)
    else:
        value = raw.cast(_DTYPES[column.kind], strict=False)
    return value, present, text


_KIND_WORDS = {
    "int": "정수가 아닙니다 (not a whole number)",
    "date": "날짜가 아닙니다, YYYY-MM-DD로 쓰세요 (not a date; write YYYY-MM-DD)",
    "bool": "예/아니오 값이 아닙니다 (not yes/no)",
}


def _reason(column: FeedColumn, value: pl.Expr, present: pl.Expr) -> pl.Expr:
    checks: list[tuple[pl.Expr, str]] = []
    if column.required:
        checks.append((~present, "값이 비어 있습니다 (value is missing)"))
    if column.kind in _KIND_WORDS:
        checks.append((present & value.is_null(), _KIND_WORDS[column.kind]))
    if column.kind == "code" and column.choices:
        allowed = ", ".join(column.choices)
        checks.append(
            (
                present & ~value.is_in(column.choices),
                f"허용되지 않는 코드입니다: {allowed} (unknown code; expected one of {allowed})",
            )
        )
    if column.minimum is not None and column.maximum is not None:
        checks.append(
            (
                value.is_not_null() & ~value.is_between(column.minimum, column.maximum),
                f"{column.minimum:,}–{column.maximum:,} 범위를 벗어났습니다 (out of range {column.minimum:,}–{column.maximum:,})",
            )
        )
    if column.kind == "date":
        span = f"{EARLIEST_SIGNAL_DATE}–{LATEST_SIGNAL_DATE}"
        checks.append(
            (
                value.is_not_null() & ~value.is_between(EARLIEST_SIGNAL_DATE, LATEST_SIGNAL_DATE),
                f"{span} 밖의 날짜입니다 (date outside {span})",
            )
        )
    expression = pl.lit(None, dtype=pl.String)
    for condition, message in reversed(checks):  # the first failed check names the reason
        expression = pl.when(condition).then(pl.lit(message)).otherwise(expression)
    return expression


def validate_feed(frame: pl.DataFrame, *, feed: str, first_line: int = 2) -> tuple[pl.DataFrame, list[FeedProblem]]:
    """Split a delivered feed into typed good rows and a problem per bad value.

    ``first_line`` is the file line of the first data row (2 for a CSV with one header line, 1 for
    row numbers of a Parquet file). Good rows have exactly the feed's columns and dtypes
    (:meth:`FeedSchema.polars_schema`); optional columns absent from the table are null; extra
    columns are dropped; codes are upper-cased. A row repeating an earlier row exactly is reported
    and dropped. Problems are ordered by line, then by column order of the schema.

    Raises :class:`FeedError` for an unknown feed, a missing required column or a column whose type
    cannot hold the feed's values; then no row is returned.
    """
    schema = FEEDS.get(feed)
    if schema is None:
        raise FeedError(
            [
                FeedProblem(
                    feed, None, None, None, f"알 수 없는 피드입니다: {feed!r} (unknown feed; expected one of {sorted(FEEDS)})"
                )
            ]
        )
    fatal = []
    for column in schema.columns:
        if column.name not in frame.columns:
            if column.required:
                fatal.append(
                    FeedProblem(
                        feed,
                        None,
                        column.name,
                        None,
                        f"필수 열 {column.name}이(가) 없습니다 (required column {column.name} is missing)",
                    )
                )
        elif not _accepts(column.kind, frame.schema[column.name]):
            dtype = frame.schema[column.name]
            fatal.append(
                FeedProblem(
                    feed,
                    None,
                    column.name,
                    None,
                    f"열 {column.name}의 형식 {dtype}을(를) 읽을 수 없습니다 (column {column.name} has unreadable type {dtype})",
                )
            )
    if fatal:
        raise FeedError(fatal)

    values, reasons, texts = [], [], []
    for column in schema.columns:
        if column.name in frame.columns:
            value, present, text = _parse(column, frame.schema[column.name])
        else:
            value, present, text = pl.lit(None), pl.lit(False), pl.lit(None, dtype=pl.String)
        values.append(value.cast(_DTYPES[column.kind]).alias(column.name))
        reasons.append(_reason(column, value.cast(_DTYPES[column.kind]), present).alias(f"reason:{column.name}"))
        texts.append(text.alias(f"text:{column.name}"))

    names = list(schema.column_names)
    checked = (
        frame.lazy()
        .select([*values, *reasons, *texts])
        .with_row_index("_row")
        .with_columns(_bad=pl.any_horizontal([pl.col(f"reason:{name}").is_not_null() for name in names]))
        .with_columns(_duplicate=~pl.col("_bad") & ~pl.struct(names).is_first_distinct())
        .collect()
    )
    good = checked.filter(~pl.col("_bad") & ~pl.col("_duplicate")).select(names)

    problem_rows = (
        checked.lazy()
        .filter(pl.col("_bad"))
        .select(
            "_row",
            pl.concat_list(
                [
                    pl.struct(
                        order=pl.lit(position, dtype=pl.Int64),
                        column=pl.lit(name),
                        value=pl.col(f"text:{name}").str.slice(0, 50),
                        reason=pl.col(f"reason:{name}"),
                    )
                    for position, name in enumerate(names)
                ]
            ).alias("_problems"),
        )
        .explode("_problems")
        .unnest("_problems")
        .filter(pl.col("reason").is_not_null())
        .sort("_row", "order")
        .collect()
    )
    problems = [
        FeedProblem(feed, row["_row"] + first_line, row["column"], row["value"], row["reason"])
        for row in problem_rows.iter_rows(named=True)
    ]
    duplicates = checked.filter(pl.col("_duplicate")).get_column("_row")
    problems.extend(
        FeedProblem(feed, row + first_line, None, None, "앞 줄과 똑같은 행이라 건너뜁니다 (duplicate of an earlier row; skipped)")
        for row in duplicates.to_list()
    )
    problems.sort(key=lambda problem: (problem.line or 0, names.index(problem.column) if problem.column else len(names)))
    return good, problems


def empty_feed(feed: str) -> pl.DataFrame:
    """An empty, correctly typed frame for ``feed``."""
    return pl.DataFrame(schema=FEEDS[feed].polars_schema())


# Yearly probability of at least one event per household before the multipliers (assumption).
SIGNAL_BASE_RATES: dict[str, float] = {
    "POWER_ARREARS": 0.010,
    "WATER_ARREARS": 0.008,
    "GAS_ARREARS": 0.008,
    "HEALTH_INSURANCE_ARREARS": 0.020,
    "TELECOM_ARREARS": 0.025,
    "PUBLIC_RENT_ARREARS": 0.050,  # of households in public rental only
    "JOB_LOSS": 0.020,  # of householders aged 18–64 only
    "CARE_STOPPED": 0.015,  # of householders 65+ or with a disability only
    "HOSPITAL_STAY": 0.030,
    "NO_PHONE_ACTIVITY": 0.002,
}
# Multipliers (assumption).
LIVING_ALONE_FACTOR = 1.4
LOW_INCOME_FACTOR = 2.5  # lowest fifth of income per equivalent adult (income ÷ √size)
RECIPIENT_FACTOR = 1.5
PRECARIOUS_HOUSING_FACTOR = 1.8  # gosiwon, jjokbang, semi-basement, rooftop
HARDSHIP_SIGMA = 0.8  # log-normal per-household factor shared by all feeds
ELDERLY_HEALTH_FACTOR = 2.5  # hospital stays, care stopped, no phone activity at 65+
ALONE_PHONE_FACTOR = 2.5  # no phone activity is seen mostly for people living alone
HOUSING_FEED_COVERAGE = 0.8  # share of precarious dwellings known to the housing feed
REPEAT_SHARE = 0.3  # arrears that also have an earlier monthly record
MONTHLY_BILL_KRW = {
    "POWER_ARREARS": 45_000,
    "WATER_ARREARS": 20_000,
    "GAS_ARREARS": 50_000,
    "HEALTH_INSURANCE_ARREARS": 90_000,
    "TELECOM_ARREARS": 55_000,
    "PUBLIC_RENT_ARREARS": 250_000,
}
UTILITY_FEEDS = ("POWER_ARREARS", "WATER_ARREARS", "GAS_ARREARS")
LOOKBACK_DAYS = {"JOB_LOSS": 540, "NO_PHONE_ACTIVITY": 60, "HOUSING_TYPE": 1095}


def synthesize_signals(households: pl.DataFrame, *, seed: int, as_of: dt.date) -> dict[str, pl.DataFrame]:
    """Plausible feeds for a synthetic population, every event dated on or before ``as_of``.

    Returns one frame per feed of :data:`FEEDS`, typed as its schema, reproducible for a seed.
    ``households`` needs household_id, age, household_size, monthly_income_krw, tenure,
    housing_type, has_disability and basic_livelihood.
    """
    rng = np.random.default_rng(seed)
    n = households.height
    columns = households.select(
        "household_id",
        "age",
        "household_size",
        "tenure",
        "housing_type",
        "has_disability",
        "basic_livelihood",
        low_income=(pl.col("monthly_income_krw") / pl.col("household_size").cast(pl.Float64).sqrt()).rank("ordinal") <= n * 0.2,
    )
    ids = columns["household_id"].to_numpy()
    age = columns["age"].fill_null(40).to_numpy()
    alone = (columns["household_size"] == 1).fill_null(False).to_numpy()
    elderly = age >= 65
    housing = columns["housing_type"].fill_null("")
    precarious = housing.is_in(list(PRECARIOUS_HOUSING_TYPES[:4])).to_numpy()
    recipient = columns["basic_livelihood"].fill_null(False).to_numpy()
    disability = columns["has_disability"].fill_null(False).to_numpy()
    public_rental = (columns["tenure"] == "PUBLIC_RENTAL").fill_null(False).to_numpy()
    low_income = columns["low_income"].to_numpy()

    hardship = np.exp(HARDSHIP_SIGMA * rng.standard_normal(n) - HARDSHIP_SIGMA**2 / 2)
    common = (
        hardship
        * np.where(alone, LIVING_ALONE_FACTOR, 1.0)
        * np.where(low_income, LOW_INCOME_FACTOR, 1.0)
        * np.where(recipient, RECIPIENT_FACTOR, 1.0)
        * np.where(precarious, PRECARIOUS_HOUSING_FACTOR, 1.0)
    )
    eligible = {
        "PUBLIC_RENT_ARREARS": public_rental,
        "JOB_LOSS": (age >= 18) & (age < 65),
        "CARE_STOPPED": elderly | disability,
    }
    extra = {
        "HOSPITAL_STAY": np.where(elderly, ELDERLY_HEALTH_FACTOR, 1.0),
        "CARE_STOPPED": np.where(elderly, ELDERLY_HEALTH_FACTOR, 1.0),
        "NO_PHONE_ACTIVITY": np.where(elderly, ELDERLY_HEALTH_FACTOR, 1.0) * np.where(alone, ALONE_PHONE_FACTOR, 1.0),
    }

    result: dict[str, pl.DataFrame] = {}
    for feed, base in SIGNAL_BASE_RATES.items():  # one vectorised draw per feed
        probability = np.clip(base * common * extra.get(feed, 1.0), 0.0, 0.9)
        if feed in eligible:
            probability = np.where(eligible[feed], probability, 0.0)
        hit = np.flatnonzero(rng.random(n) < probability)
        days_ago = rng.integers(0, LOOKBACK_DAYS.get(feed, 365), hit.size)
        data: dict[str, Any] = {"household_id": ids[hit], "signal_date": days_ago}
        if feed in MONTHLY_BILL_KRW:
            months = np.minimum(rng.geometric(0.45, hit.size), 24)
            data["months_in_arrears"] = months
            data["amount_krw"] = np.rint(months * MONTHLY_BILL_KRW[feed] * rng.lognormal(0.0, 0.3, hit.size) / 10) * 10
            if feed in UTILITY_FEEDS:
                data["cut_off"] = (months >= 3) & (rng.random(hit.size) < 0.4)
            repeat = np.flatnonzero((months >= 2) & (rng.random(hit.size) < REPEAT_SHARE))
            for name in list(data):
                earlier = data[name][repeat]
                if name == "signal_date":
                    earlier = earlier + 30
                elif name == "months_in_arrears":
                    earlier = earlier - 1
                elif name == "amount_krw":
                    earlier = np.rint(earlier * (months[repeat] - 1) / months[repeat] / 10) * 10
                elif name == "cut_off":
                    earlier = np.zeros(repeat.size, dtype=bool)
                data[name] = np.concatenate([data[name], earlier])
        elif feed == "JOB_LOSS":
            data["reason"] = np.array(JOB_LOSS_REASONS)[rng.choice(4, hit.size, p=[0.35, 0.35, 0.2, 0.1])]
        elif feed == "CARE_STOPPED":
            data["service"] = np.array(CARE_SERVICES)[rng.choice(5, hit.size, p=[0.4, 0.25, 0.1, 0.15, 0.1])]
        elif feed == "HOSPITAL_STAY":
            data["days"] = np.minimum(rng.geometric(0.12, hit.size), 365)
        elif feed == "NO_PHONE_ACTIVITY":
            data["days_without_activity"] = rng.integers(3, 61, hit.size)
        result[feed] = _feed_frame(feed, data, as_of)

    known = np.flatnonzero(precarious & (rng.random(n) < HOUSING_FEED_COVERAGE))
    result["HOUSING_TYPE"] = _feed_frame(
        "HOUSING_TYPE",
        {
            "household_id": ids[known],
            "signal_date": rng.integers(0, LOOKBACK_DAYS["HOUSING_TYPE"], known.size),
            "housing_type": housing.gather(known).to_numpy(),
        },
        as_of,
    )
    return {feed: result[feed] for feed in FEEDS}


def _feed_frame(feed: str, data: Mapping[str, Any], as_of: dt.date) -> pl.DataFrame:
    frame = pl.DataFrame(dict(data))
    return frame.with_columns(
        signal_date=pl.lit(as_of) - pl.duration(days=pl.col("signal_date")),
    ).select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in FEEDS[feed].polars_schema().items()
        ]
    )
