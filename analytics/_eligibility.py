"""One rule language for programme eligibility, evaluated two ways.

A rule is a plain mapping ``{"field": ..., "op": ..., "value": ...}``. The same
list of rules is evaluated

* for one person (:func:`evaluate_person`), returning a three-valued verdict
  (eligible / not eligible / unknown) with the outcome of every rule, and
* over a whole population table (:func:`eligibility_expression`), as one Polars
  expression per programme, so a city-wide simulation never loops over rows.

Both follow Kleene logic: one failed rule makes a person not eligible; otherwise
one rule that cannot be decided because a fact is missing makes the verdict
unknown. Income is compared in integers (``income * 100 <= pct * median``) so
the two evaluators agree to the won.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl


class RuleError(ValueError):
    """A rule is malformed: unknown field or operator, or a value of the wrong shape."""


class Verdict(enum.StrEnum):
    ELIGIBLE = "ELIGIBLE"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    UNKNOWN = "UNKNOWN"


# The closed vocabularies a rule may compare against. Stored values are uppercase.
TENURES = ("OWNER", "JEONSE", "MONTHLY_RENT", "PUBLIC_RENTAL", "FAMILY_OR_FREE", "OTHER")
RENTING_TENURES = ("JEONSE", "MONTHLY_RENT", "PUBLIC_RENTAL")
HOUSING_TYPES = (
    "APARTMENT",
    "MULTI_FAMILY",
    "DETACHED",
    "OFFICETEL",
    "GOSIWON",
    "SEMI_BASEMENT",
    "ROOFTOP",
    "JJOKBANG",
    "OTHER",
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # "int", "code", "bool"
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("age", "int", minimum=0, maximum=130),
        FieldSpec("household_size", "int", minimum=1, maximum=30),
        FieldSpec("monthly_income_krw", "int", minimum=0, maximum=10_000_000_000),
        # Derived: household income as a percentage of the standard median income.
        FieldSpec("income_pct_median", "int", minimum=0, maximum=10_000),
        FieldSpec("district", "code"),
        FieldSpec("tenure", "code", choices=TENURES),
        FieldSpec("housing_type", "code", choices=HOUSING_TYPES),
        FieldSpec("has_disability", "bool"),
    )
}

COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
OPERATORS = (*COMPARISONS, "between", "in", "not_in", "is_true", "is_false")

PERSON_FACTS = ("age", "household_size", "monthly_income_krw", "district", "tenure", "housing_type", "has_disability")


def validate_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """Return a normalised copy of ``rule`` or raise :class:`RuleError` saying what is wrong."""
    field_name = rule.get("field")
    op = rule.get("op")
    value = rule.get("value")
    spec = FIELDS.get(field_name)  # type: ignore[arg-type]
    if spec is None:
        raise RuleError(f"unknown field {field_name!r}; expected one of {sorted(FIELDS)}")
    if op not in OPERATORS:
        raise RuleError(f"unknown operator {op!r}; expected one of {list(OPERATORS)}")
    if spec.kind == "bool":
        if op not in ("is_true", "is_false"):
            raise RuleError(f"field {field_name} is yes/no and takes is_true or is_false, not {op}")
        return {"field": field_name, "op": op, "value": None}
    if op in ("is_true", "is_false"):
        raise RuleError(f"{op} applies only to yes/no fields, not {field_name}")
    if spec.kind == "int":
        if op in ("in", "not_in"):
            raise RuleError(f"field {field_name} is a number; use a comparison or between")
        if op == "between":
            if not (isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_int(v) for v in value)):
                raise RuleError(f"between on {field_name} needs two whole numbers [low, high]")
            low, high = int(value[0]), int(value[1])
            if low > high:
                raise RuleError(f"between on {field_name}: low {low} is above high {high}")
            return {"field": field_name, "op": op, "value": [low, high]}
        if not _is_int(value):
            raise RuleError(f"{op} on {field_name} needs a whole number, got {value!r}")
        return {"field": field_name, "op": op, "value": int(value)}
    # code fields
    if op in ("in", "not_in"):
        if not (isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value)):
            raise RuleError(f"{op} on {field_name} needs a non-empty list of codes")
        codes = list(value)
    elif op in ("==", "!="):
        if not isinstance(value, str):
            raise RuleError(f"{op} on {field_name} needs one code")
        codes = [value]
    else:
        raise RuleError(f"field {field_name} is a code; use ==, !=, in or not_in")
    if spec.choices is not None:
        unknown = [code for code in codes if code not in spec.choices]
        if unknown:
            raise RuleError(f"unknown {field_name} codes {unknown}; expected some of {list(spec.choices)}")
    return {"field": field_name, "op": op, "value": list(value) if op in ("in", "not_in") else value}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class MedianIncomeTable:
    """Monthly standard median income (기준 중위소득) by year and household size, in KRW.

    Sizes above the largest published one follow the Ministry's rule: add the
    difference between the two largest sizes for each extra member.
    """

    amounts: Mapping[tuple[int, int], int]

    def monthly_krw(self, year: int, household_size: int) -> int | None:
        if household_size < 1:
            return None
        exact = self.amounts.get((year, household_size))
        if exact is not None:
            return exact
        sizes = sorted(size for (y, size) in self.amounts if y == year)
        if len(sizes) < 2 or household_size < sizes[-1]:
            return None
        largest, second = sizes[-1], sizes[-2]
        step = self.amounts[(year, largest)] - self.amounts[(year, second)]
        return self.amounts[(year, largest)] + step * (household_size - largest)

    def has_year(self, year: int) -> bool:
        return any(y == year for (y, _size) in self.amounts)

    def frame(self, year: int, max_household_size: int) -> pl.DataFrame:
        sizes = list(range(1, max(max_household_size, 1) + 1))
        return pl.DataFrame(
            {
                "household_size": sizes,
                "_median_krw": [self.monthly_krw(year, size) for size in sizes],
            },
            schema={"household_size": pl.Int64, "_median_krw": pl.Int64},
        )


@dataclass(frozen=True)
class RuleOutcome:
    """The outcome of one rule for one person.

    ``passed`` is True, False, or None when a fact needed by the rule is missing.
    ``actual`` is the person's value; for income rules ``threshold_krw`` and
    ``median_krw`` carry the amounts the comparison used.
    """

    rule: dict[str, Any]
    passed: bool | None
    actual: Any = None
    missing: tuple[str, ...] = ()
    median_krw: int | None = None
    threshold_krw: int | None = None
    year: int | None = None
    household_size: int | None = None


@dataclass(frozen=True)
class PersonResult:
    verdict: Verdict
    outcomes: tuple[RuleOutcome, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[RuleOutcome, ...]:
        return tuple(o for o in self.outcomes if o.passed is False)

    @property
    def undecided(self) -> tuple[RuleOutcome, ...]:
        return tuple(o for o in self.outcomes if o.passed is None)


def combine(values: Iterable[bool | None]) -> Verdict:
    """Kleene AND of rule outcomes, as a verdict."""
    seen_unknown = False
    for value in values:
        if value is False:
            return Verdict.NOT_ELIGIBLE
        if value is None:
            seen_unknown = True
    return Verdict.UNKNOWN if seen_unknown else Verdict.ELIGIBLE


def _compare(op: str, actual: Any, value: Any) -> bool:
    if op == "==":
        return actual == value
    if op == "!=":
        return actual != value
    if op == "<":
        return actual < value
    if op == "<=":
        return actual <= value
    if op == ">":
        return actual > value
    if op == ">=":
        return actual >= value
    if op == "between":
        return value[0] <= actual <= value[1]
    if op == "in":
        return actual in value
    if op == "not_in":
        return actual not in value
    if op == "is_true":
        return actual is True
    if op == "is_false":
        return actual is False
    raise RuleError(f"unknown operator {op!r}")


def _compare_income(op: str, income: int, median: int, value: Any) -> bool:
    """Compare ``income / median * 100`` with a percentage without leaving the integers."""
    scaled = income * 100
    if op == "between":
        return value[0] * median <= scaled <= value[1] * median
    return _compare(op, scaled, value * median)


def _threshold(op: str, median: int, value: Any) -> int:
    pct = value[1] if op == "between" else value
    return median * pct // 100


def evaluate_rule(rule: Mapping[str, Any], facts: Mapping[str, Any], *, year: int, medians: MedianIncomeTable) -> RuleOutcome:
    """Evaluate one validated rule against one person's facts."""
    rule = validate_rule(rule)
    name, op, value = rule["field"], rule["op"], rule["value"]
    if name == "income_pct_median":
        income = facts.get("monthly_income_krw")
        size = facts.get("household_size")
        missing = tuple(f for f, v in (("monthly_income_krw", income), ("household_size", size)) if v is None)
        if missing:
            return RuleOutcome(rule, None, actual=income, missing=missing, year=year)
        median = medians.monthly_krw(year, int(size))
        if median is None:
            return RuleOutcome(rule, None, actual=income, missing=("median_income",), year=year)
        return RuleOutcome(
            rule,
            _compare_income(op, int(income), median, value),
            actual=int(income),
            median_krw=median,
            threshold_krw=_threshold(op, median, value),
            year=year,
            household_size=int(size),
        )
    actual = facts.get(name)
    if actual is None:
        return RuleOutcome(rule, None, missing=(name,))
    return RuleOutcome(rule, _compare(op, actual, value), actual=actual)


def evaluate_person(
    rules: Sequence[Mapping[str, Any]], facts: Mapping[str, Any], *, year: int, medians: MedianIncomeTable
) -> PersonResult:
    """Evaluate every rule for one person and combine them with Kleene logic.

    Facts are the keys of ``PERSON_FACTS``; a missing or ``None`` fact makes the
    rules that need it undecided rather than failed. Raises RuleError for a
    malformed rule.
    """
    outcomes = tuple(evaluate_rule(rule, facts, year=year, medians=medians) for rule in rules)
    return PersonResult(combine(o.passed for o in outcomes), outcomes)


def _rule_expression(rule: Mapping[str, Any]) -> pl.Expr:
    rule = validate_rule(rule)
    name, op, value = rule["field"], rule["op"], rule["value"]
    if name == "income_pct_median":
        scaled = pl.col("monthly_income_krw").cast(pl.Int64) * 100
        median = pl.col("_median_krw")
        if op == "between":
            return (scaled >= median * value[0]) & (scaled <= median * value[1])
        return _expr_compare(op, scaled, median * value)
    column = pl.col(name)
    if op == "is_true":
        return column == True  # noqa: E712 - a Polars expression, not a Python comparison
    if op == "is_false":
        return column == False  # noqa: E712
    if op == "between":
        return (column >= value[0]) & (column <= value[1])
    if op == "in":
        return column.is_in(value)
    if op == "not_in":
        return ~column.is_in(value)
    return _expr_compare(op, column, value)


def _expr_compare(op: str, left: pl.Expr, right: Any) -> pl.Expr:
    return {
        "==": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def eligibility_expression(rules: Sequence[Mapping[str, Any]]) -> pl.Expr:
    """One Boolean Polars expression for a programme: True, False, or null when undecided.

    The frame it runs on must hold the columns in PERSON_FACTS (nulls allowed)
    and ``_median_krw``, as :func:`evaluate_population` provides.
    """
    if not rules:
        return pl.lit(True, dtype=pl.Boolean)
    parts = []
    for rule in rules:
        expr = _rule_expression(rule)
        # A null fact must stay null (undecided) even through is_in, which treats null as a value.
        needed = ["monthly_income_krw", "_median_krw"] if rule["field"] == "income_pct_median" else [rule["field"]]
        guard = pl.all_horizontal([pl.col(n).is_not_null() for n in needed])
        parts.append(pl.when(guard).then(expr).otherwise(pl.lit(None, dtype=pl.Boolean)))
    return pl.all_horizontal(parts)


FACT_SCHEMA = {
    "age": pl.Int64,
    "household_size": pl.Int64,
    "monthly_income_krw": pl.Int64,
    "district": pl.Utf8,
    "tenure": pl.Utf8,
    "housing_type": pl.Utf8,
    "has_disability": pl.Boolean,
}


def prepare_population(population: pl.DataFrame | pl.LazyFrame, *, year: int, medians: MedianIncomeTable) -> pl.LazyFrame:
    """Add absent fact columns as nulls, cast them, and attach the median income for ``year``."""
    lazy = population.lazy()
    present = set(lazy.collect_schema().names())
    lazy = lazy.with_columns(
        [(pl.col(name) if name in present else pl.lit(None)).cast(dtype).alias(name) for name, dtype in FACT_SCHEMA.items()]
    )
    max_size = max(30, max((size for (y, size) in medians.amounts if y == year), default=1))
    # Row order is part of the contract: callers zip results back to their input.
    return lazy.join(medians.frame(year, max_size).lazy(), on="household_size", how="left", maintain_order="left")


def evaluate_population(
    population: pl.DataFrame | pl.LazyFrame,
    programs: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    year: int,
    medians: MedianIncomeTable,
) -> pl.DataFrame:
    """Evaluate every programme's rules over every row at once.

    Returns the population with one nullable Boolean column per programme key
    (True eligible, False not eligible, null unknown). Raises RuleError for a
    malformed rule.
    """
    lazy = prepare_population(population, year=year, medians=medians)
    return (
        lazy.with_columns([eligibility_expression(rules).alias(key) for key, rules in programs.items()])
        .drop("_median_krw")
        .collect()
    )


def verdict_from_value(value: bool | None) -> Verdict:
    if value is None:
        return Verdict.UNKNOWN
    return Verdict.ELIGIBLE if value else Verdict.NOT_ELIGIBLE


@dataclass(frozen=True)
class FeeQuote:
    """What one person would pay per unit, and why."""

    amount_krw: int
    standard_amount_krw: int
    unit: str
    reduced: bool | None  # None: cannot tell, the person may pay less
    reduction: PersonResult | None


def quote_fee(fee: Mapping[str, Any], facts: Mapping[str, Any], *, year: int, medians: MedianIncomeTable) -> FeeQuote:
    """Price one fee for one person: the reduced amount when every reduction rule passes.

    ``fee`` holds ``amount_krw``, ``unit``, ``reduced_amount_krw`` and
    ``reduction_rules`` (rules in the same language as eligibility). When a
    reduction cannot be decided, the standard amount is quoted with reduced=None.
    """
    standard = int(fee["amount_krw"])
    rules = fee.get("reduction_rules") or []
    if not rules or fee.get("reduced_amount_krw") is None:
        return FeeQuote(standard, standard, fee["unit"], False, None)
    result = evaluate_person(rules, facts, year=year, medians=medians)
    if result.verdict is Verdict.ELIGIBLE:
        return FeeQuote(int(fee["reduced_amount_krw"]), standard, fee["unit"], True, result)
    reduced = None if result.verdict is Verdict.UNKNOWN else False
    return FeeQuote(standard, standard, fee["unit"], reduced, result)
