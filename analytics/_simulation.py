"""Policy simulation: every programme's eligibility rules over a whole population, per district.

The rules are the ones the eligibility engine reads (``analytics._eligibility``: a list of
``{"field", "op", "value"}`` per programme). All programmes are evaluated in one lazy Polars pass
(one Boolean-or-null expression per programme, Kleene logic: null means "cannot tell") and counted
per district, or per any other column of the population.

Costs are estimates: ``eligible × take_up_rate × units_per_year × unit_cost_krw``, only where a
programme has a :class:`ProgrammeCost`. Households whose verdict is unknown are not costed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from analytics._eligibility import MedianIncomeTable, eligibility_expression, prepare_population, validate_rule


class SimulationError(ValueError):
    """A simulation request does not fit the programmes (unknown programme, no rule to change, bad cost)."""


@dataclass(frozen=True)
class ProgrammeCost:
    """What one unit costs the city, how many units an eligible household uses a year, and how many take it up."""

    unit_cost_krw: int
    units_per_year: float
    take_up_rate: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.unit_cost_krw, bool) or not isinstance(self.unit_cost_krw, int) or self.unit_cost_krw < 0:
            raise SimulationError(
                f"단가는 0 이상의 정수(원)여야 합니다 (unit_cost_krw must be a whole number ≥ 0): {self.unit_cost_krw!r}"
            )
        if not isinstance(self.units_per_year, (int, float)) or isinstance(self.units_per_year, bool) or self.units_per_year < 0:
            raise SimulationError(f"연간 이용 단위는 0 이상이어야 합니다 (units_per_year must be ≥ 0): {self.units_per_year!r}")
        if (
            not isinstance(self.take_up_rate, (int, float))
            or isinstance(self.take_up_rate, bool)
            or not 0 <= self.take_up_rate <= 1
        ):
            raise SimulationError(f"이용률은 0–1 사이여야 합니다 (take_up_rate must be 0–1): {self.take_up_rate!r}")


def _costs(
    costs: Mapping[str, ProgrammeCost | Mapping[str, Any]] | None, programmes: Mapping[str, Any]
) -> dict[str, ProgrammeCost]:
    result = {}
    for slug, cost in (costs or {}).items():
        if slug not in programmes:
            raise SimulationError(f"알 수 없는 프로그램: {slug} (unknown programme {slug})")
        result[slug] = cost if isinstance(cost, ProgrammeCost) else ProgrammeCost(**cost)
    return result


def _counts(
    population: pl.DataFrame | pl.LazyFrame,
    programmes: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    year: int,
    medians: MedianIncomeTable,
    by: str,
) -> pl.DataFrame:
    """One pass: per ``by`` value and programme key, eligible / not eligible / unknown counts."""
    keys = list(programmes)
    aliases = {key: f"_p{index}" for index, key in enumerate(keys)}
    lazy = prepare_population(population, year=year, medians=medians)
    if by not in lazy.collect_schema().names():
        raise SimulationError(f"인구 표에 {by} 열이 없습니다 (the population has no column {by})")
    verdicts = lazy.select(pl.col(by), *[eligibility_expression(programmes[key]).alias(aliases[key]) for key in keys])
    wide = (
        verdicts.group_by(by)
        .agg(
            [
                expression
                for key in keys
                for expression in (
                    (pl.col(aliases[key]) == True).sum().cast(pl.Int64).alias(f"{aliases[key]}:eligible"),  # noqa: E712
                    (pl.col(aliases[key]) == False).sum().cast(pl.Int64).alias(f"{aliases[key]}:not_eligible"),  # noqa: E712
                    pl.col(aliases[key]).null_count().cast(pl.Int64).alias(f"{aliases[key]}:unknown"),
                )
            ]
        )
        .collect()
    )
    long = (
        pl.concat(
            [
                wide.select(
                    pl.col(by),
                    pl.lit(key).alias("programme"),
                    pl.col(f"{aliases[key]}:eligible").alias("eligible"),
                    pl.col(f"{aliases[key]}:not_eligible").alias("not_eligible"),
                    pl.col(f"{aliases[key]}:unknown").alias("unknown"),
                )
                for key in keys
            ]
        )
        if keys
        else pl.DataFrame(
            schema={by: pl.String, "programme": pl.String, "eligible": pl.Int64, "not_eligible": pl.Int64, "unknown": pl.Int64}
        )
    )
    return long.sort(by, "programme")


def _cost_expression(eligible: pl.Expr, costs: Mapping[str, ProgrammeCost], programme: pl.Expr) -> pl.Expr:
    expression: Any = pl
    if not costs:
        return pl.lit(None, dtype=pl.Int64)
    for slug, cost in costs.items():
        yearly = eligible.cast(pl.Float64) * (cost.take_up_rate * cost.units_per_year * cost.unit_cost_krw)
        expression = expression.when(programme == slug).then(yearly.round(0).cast(pl.Int64))
    return expression.otherwise(pl.lit(None, dtype=pl.Int64))


def simulate_programmes(
    households: pl.DataFrame | pl.LazyFrame,
    programmes: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    year: int,
    medians: MedianIncomeTable,
    costs: Mapping[str, ProgrammeCost | Mapping[str, Any]] | None = None,
    by: str = "district",
) -> pl.DataFrame:
    """Eligibility counts of every programme per district (or per ``by``), in one pass.

    Returns one row per ``by`` value and programme slug, sorted by both: eligible, not_eligible,
    unknown (counts of households) and yearly_cost_krw (null without a cost). A programme with no
    rules counts everybody eligible. Raises RuleError for a malformed rule and SimulationError for
    a cost of an unknown programme or a missing ``by`` column.
    """
    prices = _costs(costs, programmes)
    counts = _counts(households, programmes, year=year, medians=medians, by=by)
    return counts.with_columns(yearly_cost_krw=_cost_expression(pl.col("eligible"), prices, pl.col("programme")))


def with_threshold(rules: Sequence[Mapping[str, Any]], *, field: str, value: int) -> list[dict[str, Any]]:
    """A copy of ``rules`` whose thresholds on ``field`` become ``value`` (``between`` moves its upper bound).

    Raises SimulationError when no rule compares ``field`` with a threshold.
    """
    changed, found = [], False
    for original in rules:
        rule = validate_rule(original)
        if rule["field"] == field and rule["op"] in ("<", "<=", ">", ">=", "==", "between"):
            found = True
            new_value = [rule["value"][0], value] if rule["op"] == "between" else value
            rule = validate_rule({**rule, "value": new_value})
        changed.append(rule)
    if not found:
        raise SimulationError(f"{field} 기준이 있는 규칙이 없습니다 (no rule sets a threshold on {field})")
    return changed


def compare_thresholds(
    households: pl.DataFrame | pl.LazyFrame,
    programmes: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    changes: Mapping[str, int],
    year: int,
    medians: MedianIncomeTable,
    field: str = "income_pct_median",
    costs: Mapping[str, ProgrammeCost | Mapping[str, Any]] | None = None,
    by: str = "district",
) -> pl.DataFrame:
    """What changes per district if each programme in ``changes`` moves its ``field`` threshold.

    ``changes`` maps a programme slug to the new value (e.g. ``{"home-maintenance": 150}`` for
    150 % of the median income). Baseline and changed rules are evaluated in the same pass. Returns
    one row per ``by`` value and changed programme: eligible_before, eligible_after,
    eligible_change, unknown_before, unknown_after, yearly_cost_before_krw, yearly_cost_after_krw,
    yearly_cost_change_krw (costs null without a cost). Raises SimulationError for an unknown
    programme or one without a ``field`` threshold.
    """
    unknown = sorted(set(changes) - set(programmes))
    if unknown:
        raise SimulationError(f"알 수 없는 프로그램: {', '.join(unknown)} (unknown programmes {unknown})")
    prices = _costs(costs, programmes)
    variants: dict[str, Sequence[Mapping[str, Any]]] = {}
    for index, (slug, value) in enumerate(changes.items()):
        variants[f"before:{index}"] = programmes[slug]
        variants[f"after:{index}"] = with_threshold(programmes[slug], field=field, value=value)
    counts = _counts(households, variants, year=year, medians=medians, by=by)
    slugs = pl.DataFrame({"_index": [str(i) for i in range(len(changes))], "programme": list(changes)})
    split = counts.with_columns(
        _side=pl.col("programme").str.split(":").list.get(0),
        _index=pl.col("programme").str.split(":").list.get(1),
    ).drop("programme")
    before = split.filter(pl.col("_side") == "before").select(by, "_index", eligible_before="eligible", unknown_before="unknown")
    after = split.filter(pl.col("_side") == "after").select(by, "_index", eligible_after="eligible", unknown_after="unknown")
    joined = before.join(after, on=[by, "_index"], how="inner").join(slugs, on="_index", how="inner")
    return (
        joined.with_columns(
            eligible_change=pl.col("eligible_after") - pl.col("eligible_before"),
            yearly_cost_before_krw=_cost_expression(pl.col("eligible_before"), prices, pl.col("programme")),
            yearly_cost_after_krw=_cost_expression(pl.col("eligible_after"), prices, pl.col("programme")),
        )
        .with_columns(yearly_cost_change_krw=pl.col("yearly_cost_after_krw") - pl.col("yearly_cost_before_krw"))
        .select(
            by,
            "programme",
            "eligible_before",
            "eligible_after",
            "eligible_change",
            "unknown_before",
            "unknown_after",
            "yearly_cost_before_krw",
            "yearly_cost_after_krw",
            "yearly_cost_change_krw",
        )
        .sort(by, "programme")
    )


def compare_fee_waivers(
    households: pl.DataFrame | pl.LazyFrame,
    *,
    eligibility_rules: Sequence[Mapping[str, Any]],
    reduction_rules: Sequence[Mapping[str, Any]],
    percent: int | None,
    year: int,
    medians: MedianIncomeTable,
    waiver: ProgrammeCost | Mapping[str, Any] | None = None,
    field: str = "income_pct_median",
    by: str = "district",
) -> pl.DataFrame:
    """Households whose fee is waived per district, before and after the reduction's ``field`` threshold moves.

    A household's fee is waived when it is eligible for the programme and meets every reduction rule
    (the fee's ``reduction_rules``, the same rule language); ``percent`` None keeps the threshold
    (after equals before). ``waiver`` prices a waived unit: its ``unit_cost_krw`` is the amount forgone
    per unit (the standard fee minus the reduced one), so the cost is waived × take-up × units × that.
    Households whose verdict is unknown are neither counted nor costed. Returns one row per ``by``
    value: waived_before, waived_after, waived_change, waiver_cost_before_krw, waiver_cost_after_krw,
    waiver_cost_change_krw (costs null without ``waiver``). Raises SimulationError when ``percent`` is
    given and no reduction rule sets a threshold on ``field``, RuleError for a malformed rule.
    """
    moved = reduction_rules if percent is None else with_threshold(reduction_rules, field=field, value=percent)
    variants = {"before": [*eligibility_rules, *reduction_rules], "after": [*eligibility_rules, *moved]}
    counts = _counts(households, variants, year=year, medians=medians, by=by)
    prices = _costs({"waiver": waiver} if waiver is not None else None, {"waiver": None})
    before = counts.filter(pl.col("programme") == "before").select(by, waived_before="eligible")
    after = counts.filter(pl.col("programme") == "after").select(by, waived_after="eligible")
    programme = pl.lit("waiver")
    return (
        before.join(after, on=by, how="inner")
        .with_columns(
            waived_change=pl.col("waived_after") - pl.col("waived_before"),
            waiver_cost_before_krw=_cost_expression(pl.col("waived_before"), prices, programme),
            waiver_cost_after_krw=_cost_expression(pl.col("waived_after"), prices, programme),
        )
        .with_columns(waiver_cost_change_krw=pl.col("waiver_cost_after_krw") - pl.col("waiver_cost_before_krw"))
        .sort(by)
    )
