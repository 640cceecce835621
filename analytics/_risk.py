"""Transparent points model: which households to visit first, and why.

A :class:`RiskModel` is data (a version string, points per signal feed with a recency half-life and
a look-back window, extra points when a signal's own columns say it is severe, points for household
attributes, and tier cut-offs); :meth:`RiskModel.to_dict` / :meth:`RiskModel.from_dict` round-trip
it through JSON so the Django side can store and version it.

Scoring a household as of a date:

* For each feed, every event dated in ``[as_of - window_days, as_of]`` is worth
  ``(points + boosts that apply) × 0.5 ** (age_days / half_life_days)`` (no decay when the half-life
  is None), rounded half up to 0.01 point. A feed counts once per household: its strongest event.
  Events after ``as_of`` are ignored.
* Each household attribute rule whose conditions all hold adds its points (a missing fact never
  matches).
* The score is the sum (exact to 0.01: the arithmetic runs in integer hundredths); the tier is the
  first tier whose cut-off the score reaches, else ``NONE``.
* The top three contributions are listed, largest first; equal points are ordered by signal code
  (A→Z), which makes the order deterministic.

:func:`score_households` does this for a whole population with Polars expressions and group-bys;
:func:`score_households_reference` is the same definition in plain Python, used to test the former
and by :func:`explain_household` to explain one household line by line.

The default weights (:data:`DEFAULT_RISK_MODEL`) are assumptions to be replaced by the operator
(domain-facts: no validated Korean weights were found, §3.5); their order follows the signal
combinations the blind-spot system targets (§4.1) and the lonely-death risk domains (§3.5: loss,
stopped care, isolation), with men 50–64 living alone weighted as the group at highest risk of
lonely death.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from analytics._signals import FEEDS

NO_TIER = "NONE"
TOP_SIGNALS = 3
CONDITION_OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "between", "in", "not_in", "is_true", "is_false")
HOUSEHOLD_ATTRIBUTE_FIELDS = (
    "age",
    "household_size",
    "sex",
    "monthly_income_krw",
    "tenure",
    "housing_type",
    "has_disability",
    "basic_livelihood",
)
MAXIMUM_POINTS = 1000
MAXIMUM_WINDOW_DAYS = 3660  # ten years of daily decay factors at most
MAXIMUM_SIGNALS = 64  # the top-signal keys keep the code index in 6 bits


class RiskModelError(ValueError):
    """A risk model is malformed; the message says what (Korean first)."""


@dataclass(frozen=True)
class Condition:
    """``field op value``; a null field never matches."""

    field: str
    op: str
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "op": self.op, "value": list(self.value) if isinstance(self.value, tuple) else self.value}


@dataclass(frozen=True)
class Boost:
    """Extra points for an event whose own columns meet ``condition`` (e.g. a cut-off)."""

    condition: Condition
    points: float


@dataclass(frozen=True)
class SignalRule:
    feed: str
    points: float
    window_days: int
    half_life_days: int | None = None
    boosts: tuple[Boost, ...] = ()


@dataclass(frozen=True)
class AttributeRule:
    """Points for a household whose attributes meet every condition (e.g. 65+ and living alone)."""

    code: str
    points: float
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class RiskModel:
    version: str
    signals: tuple[SignalRule, ...]
    attributes: tuple[AttributeRule, ...]
    tiers: tuple[tuple[str, float], ...]  # (tier, minimum score), highest first

    def __post_init__(self) -> None:
        _validate_model(self)

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON-ready data; :meth:`from_dict` reads it back."""
        return {
            "version": self.version,
            "signals": {
                rule.feed: {
                    "points": rule.points,
                    "window_days": rule.window_days,
                    "half_life_days": rule.half_life_days,
                    "boosts": [{**boost.condition.to_dict(), "points": boost.points} for boost in rule.boosts],
                }
                for rule in self.signals
            },
            "attributes": {
                rule.code: {"points": rule.points, "when": [condition.to_dict() for condition in rule.conditions]}
                for rule in self.attributes
            },
            "tiers": dict(self.tiers),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskModel:
        """Build a model from :meth:`to_dict` data. Raises :class:`RiskModelError` when malformed."""
        try:
            signals = tuple(
                SignalRule(
                    feed=feed,
                    points=spec["points"],
                    window_days=spec["window_days"],
                    half_life_days=spec.get("half_life_days"),
                    boosts=tuple(
                        Boost(Condition(boost["field"], boost["op"], _freeze(boost.get("value"))), boost["points"])
                        for boost in spec.get("boosts", ())
                    ),
                )
                for feed, spec in data["signals"].items()
            )
            attributes = tuple(
                AttributeRule(
                    code=code,
                    points=spec["points"],
                    conditions=tuple(Condition(c["field"], c["op"], _freeze(c.get("value"))) for c in spec["when"]),
                )
                for code, spec in data.get("attributes", {}).items()
            )
            tiers = tuple(sorted(((str(k), v) for k, v in data["tiers"].items()), key=lambda item: -item[1]))
            return cls(version=str(data["version"]), signals=signals, attributes=attributes, tiers=tiers)
        except (KeyError, TypeError, AttributeError) as error:
            raise RiskModelError(f"위험 모델 형식이 올바르지 않습니다 (malformed risk model: {error!r})") from error

    @property
    def tier_names(self) -> tuple[str, ...]:
        return (*(name for name, _minimum in self.tiers), NO_TIER)


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_points(points: Any, where: str) -> None:
    if not _is_number(points) or not 0 <= points <= MAXIMUM_POINTS:
        raise RiskModelError(
            f"{where}: 점수는 0–{MAXIMUM_POINTS} 사이의 수여야 합니다 (points must be 0–{MAXIMUM_POINTS}): {points!r}"
        )


def _check_condition(condition: Condition, fields: Iterable[str], where: str) -> None:
    if condition.field not in fields:
        raise RiskModelError(f"{where}: 알 수 없는 항목 {condition.field!r} (unknown field; expected one of {sorted(fields)})")
    if condition.op not in CONDITION_OPERATORS:
        raise RiskModelError(
            f"{where}: 알 수 없는 연산자 {condition.op!r} (unknown operator; expected one of {list(CONDITION_OPERATORS)})"
        )
    value = condition.value
    if condition.op in ("in", "not_in") and not (isinstance(value, tuple) and value):
        raise RiskModelError(f"{where}: {condition.op}에는 값 목록이 필요합니다 (needs a non-empty list)")
    if condition.op == "between" and not (isinstance(value, tuple) and len(value) == 2 and all(_is_number(v) for v in value)):
        raise RiskModelError(f"{where}: between에는 [하한, 상한] 두 수가 필요합니다 (needs [low, high])")
    if condition.op in ("==", "!=", "<", "<=", ">", ">=") and (value is None or isinstance(value, tuple)):
        raise RiskModelError(f"{where}: {condition.op}에는 값 하나가 필요합니다 (needs one value)")


def _validate_model(model: RiskModel) -> None:
    if not model.version:
        raise RiskModelError("위험 모델에 버전이 없습니다 (the risk model needs a version)")
    codes: set[str] = set()
    for rule in model.signals:
        schema = FEEDS.get(rule.feed)
        if schema is None:
            raise RiskModelError(f"알 수 없는 피드 {rule.feed!r} (unknown feed; expected one of {sorted(FEEDS)})")
        if rule.feed in codes:
            raise RiskModelError(f"피드 {rule.feed}가 두 번 있습니다 (feed listed twice)")
        codes.add(rule.feed)
        _check_points(rule.points, rule.feed)
        if (
            isinstance(rule.window_days, bool)
            or not isinstance(rule.window_days, int)
            or not 0 <= rule.window_days <= MAXIMUM_WINDOW_DAYS
        ):
            limit = MAXIMUM_WINDOW_DAYS
            raise RiskModelError(
                f"{rule.feed}: 기간은 0–{limit}일 정수여야 합니다 (window_days must be a whole number 0–{limit})"
            )
        if rule.half_life_days is not None and (
            isinstance(rule.half_life_days, bool) or not isinstance(rule.half_life_days, int) or rule.half_life_days < 1
        ):
            raise RiskModelError(f"{rule.feed}: 반감기는 1일 이상 정수여야 합니다 (half_life_days must be a whole number ≥ 1)")
        for boost in rule.boosts:
            _check_condition(boost.condition, schema.column_names[2:], rule.feed)
            _check_points(boost.points, rule.feed)
    for rule in model.attributes:
        if not rule.code or rule.code in codes or rule.code == NO_TIER:
            raise RiskModelError(f"가구 항목 코드 {rule.code!r}가 비었거나 중복됩니다 (attribute code empty or not unique)")
        codes.add(rule.code)
        _check_points(rule.points, rule.code)
        if not rule.conditions:
            raise RiskModelError(f"{rule.code}: 조건이 없습니다 (an attribute rule needs conditions)")
        for condition in rule.conditions:
            _check_condition(condition, HOUSEHOLD_ATTRIBUTE_FIELDS, rule.code)
    if len(codes) > MAXIMUM_SIGNALS:
        raise RiskModelError(
            f"신호와 가구 항목은 합쳐 {MAXIMUM_SIGNALS}개까지입니다 (at most {MAXIMUM_SIGNALS} signals and attributes)"
        )
    names = [name for name, _minimum in model.tiers]
    if not names or len(set(names)) != len(names) or NO_TIER in names:
        raise RiskModelError(f"등급 이름이 없거나 중복됩니다 (tiers must be unique and not {NO_TIER})")
    minimums = [minimum for _name, minimum in model.tiers]
    for minimum in minimums:
        _check_points(minimum, "tiers")
    if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
        raise RiskModelError("등급 기준점은 높은 것부터 서로 달라야 합니다 (tier cut-offs must be distinct, highest first)")


def _c(field: str, op: str, value: Any = None) -> Condition:
    return Condition(field, op, value)


DEFAULT_RISK_MODEL = RiskModel(
    version="2026.1-default",
    signals=(
        SignalRule(
            "POWER_ARREARS",
            10,
            365,
            90,
            (Boost(_c("cut_off", "is_true"), 10), Boost(_c("months_in_arrears", ">=", 3), 5)),
        ),
        SignalRule(
            "WATER_ARREARS", 8, 365, 90, (Boost(_c("cut_off", "is_true"), 10), Boost(_c("months_in_arrears", ">=", 3), 4))
        ),
        SignalRule("GAS_ARREARS", 8, 365, 90, (Boost(_c("cut_off", "is_true"), 10), Boost(_c("months_in_arrears", ">=", 3), 4))),
        SignalRule("HEALTH_INSURANCE_ARREARS", 8, 365, 120, (Boost(_c("months_in_arrears", ">=", 6), 6),)),
        SignalRule("TELECOM_ARREARS", 6, 365, 90, (Boost(_c("months_in_arrears", ">=", 3), 4),)),
        SignalRule("PUBLIC_RENT_ARREARS", 10, 365, 90, (Boost(_c("months_in_arrears", ">=", 3), 6),)),
        SignalRule("JOB_LOSS", 12, 540, 180),
        SignalRule("CARE_STOPPED", 15, 365, 120),
        SignalRule("HOSPITAL_STAY", 8, 365, 90, (Boost(_c("days", ">=", 14), 4),)),
        SignalRule("NO_PHONE_ACTIVITY", 20, 60, 14, (Boost(_c("days_without_activity", ">=", 14), 10),)),
        SignalRule("HOUSING_TYPE", 6, 1095, None, (Boost(_c("housing_type", "in", ("JJOKBANG", "GOSIWON")), 2),)),
    ),
    attributes=(
        AttributeRule("LIVING_ALONE", 4, (_c("household_size", "==", 1),)),
        AttributeRule("AGED_65_LIVING_ALONE", 10, (_c("household_size", "==", 1), _c("age", ">=", 65))),
        AttributeRule(
            "MAN_50_64_LIVING_ALONE", 6, (_c("household_size", "==", 1), _c("sex", "==", "M"), _c("age", "between", (50, 64)))
        ),
    ),
    tiers=(("HIGH", 40), ("MEDIUM", 25), ("LOW", 15)),
)


# --- one definition, plain Python -------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """One line of a household's score: a feed's strongest event or a household attribute."""

    signal: str
    points: float
    signal_date: dt.date | None = None
    base_points: float = 0.0
    boost_points: float = 0.0
    decay: float = 1.0


def _centi(points: float) -> int:
    return math.floor(points * 100.0 + 0.5)


def _matches(condition: Condition, row: Mapping[str, Any]) -> bool:
    actual = row.get(condition.field)
    if actual is None:
        return False
    op, value = condition.op, condition.value
    if op == "is_true":
        return actual is True
    if op == "is_false":
        return actual is False
    if op == "between":
        return value[0] <= actual <= value[1]
    if op == "in":
        return actual in value
    if op == "not_in":
        return actual not in value
    return {
        "==": actual == value,
        "!=": actual != value,
        "<": actual < value,
        "<=": actual <= value,
        ">": actual > value,
        ">=": actual >= value,
    }[op]


def _event_centi(rule: SignalRule, event: Mapping[str, Any], as_of: dt.date) -> tuple[int, float, float] | None:
    age = (as_of - event["signal_date"]).days
    if age < 0 or age > rule.window_days:
        return None
    total = float(rule.points)
    boosts = 0.0
    for boost in rule.boosts:
        if _matches(boost.condition, event):
            total = total + float(boost.points)
            boosts = boosts + float(boost.points)
        else:
            total = total + 0.0
    decay = 1.0 if rule.half_life_days is None else 0.5 ** (age / rule.half_life_days)
    return math.floor(total * 100.0 * decay + 0.5), boosts, decay


def explain_household(
    household: Mapping[str, Any],
    signals: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    model: RiskModel,
    as_of: dt.date,
) -> list[Contribution]:
    """Every contribution to one household's score, largest first (ties by signal code).

    ``household`` holds the attribute fields; ``signals`` maps a feed to that household's events
    (dicts with ``signal_date`` and the feed's columns). Contributions worth 0.00 are left out.
    """
    contributions = []
    for rule in model.signals:
        best: tuple[int, dt.date, float, float] | None = None
        for event in signals.get(rule.feed, ()):
            scored = _event_centi(rule, event, as_of)
            if scored is not None and (best is None or scored[0] > best[0]):
                best = (scored[0], event["signal_date"], scored[1], scored[2])
        if best is not None and best[0] > 0:
            contributions.append((best[0], Contribution(rule.feed, best[0] / 100, best[1], float(rule.points), best[2], best[3])))
    for rule in model.attributes:
        if all(_matches(condition, household) for condition in rule.conditions):
            centi = _centi(float(rule.points))
            if centi > 0:
                contributions.append((centi, Contribution(rule.code, centi / 100, None, float(rule.points))))
    contributions.sort(key=lambda item: (-item[0], item[1].signal))
    return [contribution for _centi_value, contribution in contributions]


def _tier(model: RiskModel, centi: int) -> str:
    for name, minimum in model.tiers:
        if centi >= _centi(float(minimum)):
            return name
    return NO_TIER


def score_households_reference(
    households: Sequence[Mapping[str, Any]],
    signals: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    model: RiskModel,
    as_of: dt.date,
) -> list[dict[str, Any]]:
    """The scoring definition in plain Python (dicts and loops), one output dict per household, in order.

    Same columns and values as :func:`score_households`; meant for tests and small explanations.
    """
    by_household: dict[Any, dict[str, list[Mapping[str, Any]]]] = {}
    for feed, events in signals.items():
        for event in events:
            by_household.setdefault(event["household_id"], {}).setdefault(feed, []).append(event)
    result = []
    for household in households:
        contributions = explain_household(household, by_household.get(household["household_id"], {}), model=model, as_of=as_of)
        centi = sum(_centi(c.points) for c in contributions)
        row: dict[str, Any] = {
            "household_id": household["household_id"],
            "score": centi / 100,
            "tier": _tier(model, centi),
            "signal_count": len(contributions),
        }
        for position in range(TOP_SIGNALS):
            top = contributions[position] if position < len(contributions) else None
            row[f"signal_{position + 1}"] = top.signal if top else None
            row[f"points_{position + 1}"] = top.points if top else None
        result.append(row)
    return result


# --- the same, vectorised ----------------------------------------------------------------------------


def _condition_expression(condition: Condition) -> pl.Expr:
    column, op, value = pl.col(condition.field), condition.op, condition.value
    if op == "is_true":
        expression = column == True  # noqa: E712 - a Polars expression
    elif op == "is_false":
        expression = column == False  # noqa: E712
    elif op == "between":
        expression = (column >= value[0]) & (column <= value[1])
    elif op == "in":
        expression = column.is_in(list(value))
    elif op == "not_in":
        expression = ~column.is_in(list(value))
    else:
        expression = {
            "==": column == value,
            "!=": column != value,
            "<": column < value,
            "<=": column <= value,
            ">": column > value,
            ">=": column >= value,
        }[op]
    return (column.is_not_null() & expression).fill_null(False)


def _decay_table(half_life_days: int, window_days: int) -> pl.Series:
    return pl.Series("decay", [0.5 ** (age / half_life_days) for age in range(window_days + 1)], dtype=pl.Float64)


def _feed_centi(frame: pl.LazyFrame, rule: SignalRule, as_of: dt.date, column: str) -> pl.LazyFrame:
    """(household_id, ``column``): the centipoints of each event of one feed in its window."""
    schema = frame.collect_schema()
    for boost in rule.boosts:
        if boost.condition.field not in schema.names():
            name = boost.condition.field
            raise ValueError(f"피드 {rule.feed}에 열 {name}이(가) 없습니다 (feed {rule.feed} lacks column {name})")
    age = (pl.lit(as_of, dtype=pl.Date) - pl.col("signal_date")).dt.total_days()
    total = pl.lit(float(rule.points), dtype=pl.Float64)
    for boost in rule.boosts:
        total = total + pl.when(_condition_expression(boost.condition)).then(pl.lit(float(boost.points))).otherwise(pl.lit(0.0))
    scaled = total * 100.0
    if rule.half_life_days is not None:
        # Decay factors come from a table computed with Python's own ``0.5 ** (age / half_life)``:
        # Polars divides by a constant through its reciprocal and its pow differs from libm's by an
        # ulp on some inputs, either of which could move a rounding and break exact agreement.
        scaled = scaled * pl.lit(_decay_table(rule.half_life_days, rule.window_days)).gather(age)
    return frame.filter(age.is_between(0, rule.window_days)).select(
        pl.col("household_id").cast(pl.Int64), (scaled + 0.5).floor().cast(pl.Int64).alias(column)
    )


def _tier_expression(model: RiskModel, centi: pl.Expr) -> pl.Expr:
    expression: Any = pl
    for name, minimum in model.tiers:
        expression = expression.when(centi >= _centi(float(minimum))).then(pl.lit(name))
    return expression.otherwise(pl.lit(NO_TIER))


def _hundredths(values: pl.Series) -> pl.Series:
    # Polars turns division by a constant into multiplication by its reciprocal (69 * 0.01 is
    # 0.6900000000000001); numpy divides exactly, so the floats equal Python's ``69 / 100``.
    floats = values.cast(pl.Float64).to_numpy() / 100.0
    return pl.Series(values.name, floats, dtype=pl.Float64).fill_nan(None)


def _key(centi: pl.Expr, index: int) -> pl.Expr:
    """A contribution's ranking key, unique within a household: more points first, then the code that sorts first; 0 = none."""
    return pl.when(centi > 0).then(centi * 64 + (63 - index)).otherwise(0)


def _with_top_keys(frame: pl.LazyFrame, keys: Sequence[pl.Expr], prefix: str) -> pl.LazyFrame:
    """Add the three largest keys as columns ``{prefix}1…3`` (0 when fewer): successive horizontal maxima."""
    frame = frame.with_columns(pl.max_horizontal(keys).alias(f"{prefix}1"))
    for rank in range(2, TOP_SIGNALS + 1):
        above = pl.col(f"{prefix}{rank - 1}")
        frame = frame.with_columns(pl.max_horizontal([key * (key < above) for key in keys]).alias(f"{prefix}{rank}"))
    return frame


def score_households(
    households: pl.DataFrame | pl.LazyFrame,
    signals: Mapping[str, pl.DataFrame | pl.LazyFrame],
    *,
    model: RiskModel,
    as_of: dt.date,
) -> pl.DataFrame:
    """Score every household as of ``as_of``: one row per household, in the order given.

    Columns: household_id, score (Float64, 0.01 steps), tier (a model tier or ``NONE``),
    signal_count (contributions > 0), signal_1/points_1 … signal_3/points_3 (null when fewer).
    ``signals`` maps feed names to frames shaped like :func:`validate_feed`'s good rows; feeds the
    model does not weigh are ignored, as are events of households not in ``households``. Equals
    :func:`score_households_reference` on the same input. Raises ValueError when a feed lacks a
    column the model's boosts read.

    Method: every contribution gets a key ``centi × 64 + (63 − code index)``, unique within a
    household, so the top three are three horizontal maxima and ties fall to the code that sorts
    first. Feed work runs only on households with events: one group-by takes each household's
    strongest event per feed and its top three feed keys, which are scattered into the household
    table by row number (no order-preserving join of the whole population); the attribute keys
    are then merged with them in one pass over the households.
    """
    rules = [rule for rule in model.signals if signals.get(rule.feed) is not None]
    codes = sorted([rule.feed for rule in rules] + [rule.code for rule in model.attributes])
    position = {code: index for index, code in enumerate(codes)}

    people = households.lazy()
    present = set(people.collect_schema().names())
    needed = sorted({c.field for rule in model.attributes for c in rule.conditions})
    base = (
        people.with_columns([pl.lit(None).alias(name) for name in needed if name not in present])
        .select(pl.col("household_id").cast(pl.Int64), *needed)
        .collect()
    )
    feed_parts = ["_feed_total", "_feed_count", *[f"_feed_top{rank}" for rank in range(1, TOP_SIGNALS + 1)]]
    if rules:
        columns = [f"_c{position[rule.feed]}" for rule in rules]
        events = pl.concat(
            [_feed_centi(signals[rule.feed].lazy(), rule, as_of, f"_c{position[rule.feed]}") for rule in rules], how="diagonal"
        )
        feed_keys = [_key(pl.col(name), position[rule.feed]) for name, rule in zip(columns, rules, strict=True)]
        sparse = (
            events.group_by("household_id")
            .agg([pl.col(name).max().fill_null(0) for name in columns])
            .select(
                "household_id",
                pl.sum_horizontal([pl.col(name).clip(lower_bound=0) for name in columns]).alias("_feed_total"),
                pl.sum_horizontal([pl.col(name) > 0 for name in columns]).cast(pl.Int64).alias("_feed_count"),
                *[key.alias(f"_k{index}") for index, key in enumerate(feed_keys)],
            )
            .pipe(_with_top_keys, [pl.col(f"_k{index}") for index in range(len(feed_keys))], "_feed_top")
            .collect()
        )
        # Row numbers of those households in the table: a cheap membership filter first, so the join
        # pairs two frames of the sparse size instead of probing the whole population.
        matched = (
            base.lazy()
            .select("household_id")
            .with_row_index("_row")
            .filter(pl.col("household_id").is_in(sparse["household_id"].implode()))
        )
        sparse = sparse.lazy().join(matched, on="household_id", how="inner").collect()
        rows = sparse["_row"]
        feed_columns = [
            pl.zeros(base.height, dtype=pl.Int64, eager=True).scatter(rows, sparse[name]).alias(name) for name in feed_parts
        ]
    else:
        feed_columns = [pl.zeros(base.height, dtype=pl.Int64, eager=True).alias(name) for name in feed_parts]

    attribute_centi = [
        pl.when(pl.all_horizontal([_condition_expression(c) for c in rule.conditions]))
        .then(pl.lit(_centi(float(rule.points)), dtype=pl.Int64))
        .otherwise(pl.lit(0, dtype=pl.Int64))
        for rule in model.attributes
    ]
    attribute_keys = [_key(centi, position[rule.code]) for centi, rule in zip(attribute_centi, model.attributes, strict=True)]
    candidates = [pl.col(f"_feed_top{rank}") for rank in range(1, TOP_SIGNALS + 1)] + [
        pl.col(f"_a{index}") for index in range(len(attribute_keys))
    ]
    code_names = pl.Series("code", codes, dtype=pl.String)
    result = (
        base.with_columns(feed_columns)
        .lazy()
        .with_columns(
            [centi.alias(f"_ac{index}") for index, centi in enumerate(attribute_centi)]
            + [key.alias(f"_a{index}") for index, key in enumerate(attribute_keys)]
        )
        .with_columns(
            pl.sum_horizontal([pl.col("_feed_total"), *[pl.col(f"_ac{i}") for i in range(len(attribute_centi))]]).alias("_total"),
            pl.sum_horizontal([pl.col("_feed_count"), *[pl.col(f"_a{i}") > 0 for i in range(len(attribute_keys))]])
            .cast(pl.Int64)
            .alias("signal_count"),
        )
        .pipe(_with_top_keys, candidates, "_top")
        .select(
            "household_id",
            "_total",
            _tier_expression(model, pl.col("_total")).alias("tier"),
            "signal_count",
            *[
                expression
                for rank in range(1, TOP_SIGNALS + 1)
                for expression in (
                    pl.lit(code_names)
                    .gather(pl.when(pl.col(f"_top{rank}") > 0).then(63 - pl.col(f"_top{rank}") % 64))
                    .alias(f"signal_{rank}"),
                    pl.when(pl.col(f"_top{rank}") > 0).then(pl.col(f"_top{rank}") // 64).alias(f"points_{rank}"),
                )
            ],
        )
        .collect()
    )
    return result.select(
        "household_id",
        _hundredths(result["_total"]).alias("score"),
        "tier",
        "signal_count",
        *[
            column_expression
            for rank in range(1, TOP_SIGNALS + 1)
            for column_expression in (pl.col(f"signal_{rank}"), _hundredths(result[f"points_{rank}"]).alias(f"points_{rank}"))
        ],
    )


SCORED_HOUSEHOLD_SIZE = 1


def single_person_households(households: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The households discovery scores: people who live alone (``household_size == 1``), lazily.

    itda's outreach is for Seoul's single-person household safety plan, so only one-person
    households are scored and put on worklists; a household in crisis with others at home is the
    national welfare blind-spot system's work, not a loneliness programme's.
    """
    return households.lazy().filter(pl.col("household_size") == SCORED_HOUSEHOLD_SIZE)


def worklists(
    scored: pl.DataFrame | pl.LazyFrame,
    households: pl.DataFrame | pl.LazyFrame,
    *,
    exclude_household_ids: Iterable[int] | pl.Series = (),
    top_per_dong: int | None = None,
    tiers: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Ranked outreach lists per dong and district.

    Keeps households in ``tiers`` (default: every tier but ``NONE``) and not in
    ``exclude_household_ids`` (people already monitored or in an open case). Ranks run from 1 by
    score, highest first, ties by household_id ascending: ``rank_in_district`` over the district's
    whole list, ``rank_in_dong`` within the dong; ``top_per_dong`` keeps that many per dong.
    Rows are ordered by district, dong, rank_in_dong. Columns: district, dong, rank_in_dong,
    rank_in_district, then the scored columns.
    """
    if top_per_dong is not None and top_per_dong < 1:
        raise ValueError(f"동별 인원은 1 이상이어야 합니다 (top_per_dong must be ≥ 1): {top_per_dong}")
    if isinstance(exclude_household_ids, pl.Series):
        excluded = exclude_household_ids.cast(pl.Int64)
    else:
        excluded = pl.Series("household_id", list(exclude_household_ids), dtype=pl.Int64)
    lazy = scored.lazy()
    keep = pl.col("tier") != NO_TIER if tiers is None else pl.col("tier").is_in(list(tiers))
    listed = lazy.filter(keep & ~pl.col("household_id").is_in(excluded.implode())).collect()
    # Look up district and dong for the listed households only (a membership filter, then a small join).
    places = (
        households.lazy()
        .select(pl.col("household_id").cast(pl.Int64), "district", "dong")
        .filter(pl.col("household_id").is_in(listed["household_id"].implode()))
    )
    ranked = (
        listed.lazy()
        .join(places, on="household_id", how="inner")
        .sort(["district", "score", "household_id"], descending=[False, True, False])
        .with_columns(rank_in_district=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("district"))
        .sort(["district", "dong", "score", "household_id"], descending=[False, False, True, False])
        .with_columns(rank_in_dong=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("dong"))
    )
    if top_per_dong is not None:
        ranked = ranked.filter(pl.col("rank_in_dong") <= top_per_dong)
    columns = lazy.collect_schema().names()
    return ranked.select("district", "dong", "rank_in_dong", "rank_in_district", *columns).collect()


def tier_counts(
    scored: pl.DataFrame | pl.LazyFrame,
    households: pl.DataFrame | pl.LazyFrame,
    *,
    model: RiskModel,
    by: str = "district",
) -> pl.DataFrame:
    """Households per tier for each ``by`` value (district or dong): one column per tier of the model and NONE."""
    return (
        scored.lazy()
        .join(households.lazy().select(pl.col("household_id").cast(pl.Int64), by), on="household_id", how="inner")
        .group_by(by)
        .agg([(pl.col("tier") == name).sum().cast(pl.Int64).alias(name) for name in model.tier_names])
        .sort(by)
        .collect()
    )
