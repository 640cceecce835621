"""The risk scoring and per-dong worklists as one PostgreSQL query, generated from the same RiskModel.

The SQL is built from a validated RiskModel (numbers and closed codes only), never from user input,
hence the S608 suppressions.

For the bench's comparison only. The arithmetic mirrors ``analytics.score_households`` operation
by operation (float8, ``power(0.5, age / half_life)``, floor of +0.5, integer hundredths), so the
worklists are identical.
"""

from __future__ import annotations

import datetime as dt
import math

from analytics import FEEDS, NO_TIER, Condition, RiskModel

SQL_TYPES = {"int": "bigint", "date": "date", "bool": "boolean", "code": "text"}


def feed_table(feed: str) -> str:
    return f"signal_{feed.lower()}"


def create_tables_sql() -> list[str]:
    statements = [
        "CREATE TABLE households (household_id bigint PRIMARY KEY, district text, dong text, household_size bigint,"
        " age bigint, sex text, monthly_income_krw bigint, tenure text, housing_type text, has_disability boolean,"
        " basic_livelihood boolean, is_synthetic boolean)",
        "CREATE TABLE monitored (household_id bigint PRIMARY KEY)",
    ]
    for feed, schema in FEEDS.items():
        columns = ", ".join(f"{column.name} {SQL_TYPES[column.kind]}" for column in schema.columns)
        statements.append(f"CREATE TABLE {feed_table(feed)} ({columns})")
    return statements


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) + "::float8" if isinstance(value, float) else str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _condition(condition: Condition) -> str:
    field, op, value = condition.field, condition.op, condition.value
    if op == "is_true":
        return f"({field} IS TRUE)"
    if op == "is_false":
        return f"({field} IS FALSE)"
    if op == "between":
        return f"({field} IS NOT NULL AND {field} BETWEEN {_literal(value[0])} AND {_literal(value[1])})"
    if op in ("in", "not_in"):
        items = ", ".join(_literal(v) for v in value)
        negation = "NOT " if op == "not_in" else ""
        return f"({field} IS NOT NULL AND {field} {negation}IN ({items}))"
    sql_op = "<>" if op == "!=" else "=" if op == "==" else op
    return f"({field} IS NOT NULL AND {field} {sql_op} {_literal(value)})"


def _points(value: float) -> str:
    return f"{float(value)!r}::float8"


def _centi(value: float) -> int:
    return math.floor(float(value) * 100.0 + 0.5)


def worklists_sql(model: RiskModel, *, as_of: dt.date, single_person: bool = False) -> str:
    """One SELECT returning the same worklist rows and order as ``analytics.worklists(score_households(...))``.

    ``single_person``: score and list one-person households only, as discovery does
    (``analytics.single_person_households``).
    """
    only = " AND h.household_size = 1" if single_person else ""
    day = f"DATE '{as_of.isoformat()}'"
    events = []
    for rule in model.signals:
        total = _points(rule.points)
        for boost in rule.boosts:
            total = f"({total} + CASE WHEN {_condition(boost.condition)} THEN {_points(boost.points)} ELSE 0.0::float8 END)"
        scaled = f"({total} * 100.0::float8)"
        if rule.half_life_days is not None:
            scaled = f"({scaled} * power(0.5::float8, ({day} - signal_date)::float8 / {float(rule.half_life_days)!r}::float8))"
        where = f"signal_date <= {day} AND {day} - signal_date <= {rule.window_days}"
        events.append(
            f"SELECT household_id, '{rule.feed}'::text AS signal, floor({scaled} + 0.5::float8)::bigint AS centi"  # noqa: S608
            f" FROM {feed_table(rule.feed)} WHERE {where}"
        )
    attributes = [
        f"SELECT household_id, '{rule.code}'::text AS signal, {_centi(rule.points)}::bigint AS centi FROM households"  # noqa: S608
        f" WHERE {' AND '.join(_condition(c) for c in rule.conditions)}"
        for rule in model.attributes
        if _centi(rule.points) > 0
    ]
    tiers = " ".join(f"WHEN total >= {_centi(minimum)} THEN '{name}'" for name, minimum in model.tiers)
    tops = ", ".join(
        f"max(signal) FILTER (WHERE position = {p}) AS signal_{p}, max(centi) FILTER (WHERE position = {p}) AS centi_{p}"
        for p in (1, 2, 3)
    )
    points = ", ".join(f"signal_{p}, centi_{p}::float8 / 100.0::float8 AS points_{p}" for p in (1, 2, 3))
    return f"""
WITH events AS ({" UNION ALL ".join(events)}),
strongest AS (SELECT household_id, signal, max(centi) AS centi FROM events GROUP BY household_id, signal),
contributions AS (
    SELECT household_id, signal, centi FROM strongest WHERE centi > 0
    {"UNION ALL " + " UNION ALL ".join(attributes) if attributes else ""}
),
ranked AS (
    SELECT household_id, signal, centi,
           row_number() OVER (PARTITION BY household_id ORDER BY centi DESC, signal COLLATE "C") AS position,
           sum(centi) OVER (PARTITION BY household_id) AS total,
           count(*) OVER (PARTITION BY household_id) AS signal_count
    FROM contributions
),
scored AS (
    SELECT household_id, max(total) AS total, max(signal_count) AS signal_count, {tops}
    FROM ranked WHERE position <= 3 GROUP BY household_id
),
tiered AS (SELECT *, CASE {tiers} ELSE '{NO_TIER}' END AS tier FROM scored)
SELECT h.district, h.dong,
       row_number() OVER (PARTITION BY h.dong ORDER BY t.total DESC, t.household_id) AS rank_in_dong,
       row_number() OVER (PARTITION BY h.district ORDER BY t.total DESC, t.household_id) AS rank_in_district,
       t.household_id, t.total::float8 / 100.0::float8 AS score, t.tier, t.signal_count, {points}
FROM tiered t JOIN households h USING (household_id)
WHERE t.tier <> '{NO_TIER}'{only} AND NOT EXISTS (SELECT 1 FROM monitored m WHERE m.household_id = t.household_id)
ORDER BY h.district, h.dong, rank_in_dong
"""  # noqa: S608
