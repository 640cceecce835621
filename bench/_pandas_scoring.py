"""The risk scoring and per-dong worklists written the usual pandas way, for the bench's comparison only.

Same definition as ``analytics.score_households`` + ``analytics.worklists`` (the bench checks the
outputs are identical): strongest event per feed with half-life decay in integer hundredths,
attribute points, top three by points then code, tiers, ranks by score then household_id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics import NO_TIER, Condition, RiskModel


def _mask(frame: pd.DataFrame, condition: Condition) -> np.ndarray:
    column = frame[condition.field]
    present = column.notna().to_numpy()
    op, value = condition.op, condition.value
    if op == "is_true":
        result = column.eq(True)
    elif op == "is_false":
        result = column.eq(False)
    elif op == "between":
        result = column.ge(value[0]) & column.le(value[1])
    elif op == "in":
        result = column.isin(list(value))
    elif op == "not_in":
        result = ~column.isin(list(value))
    else:
        result = {"==": column.eq, "!=": column.ne, "<": column.lt, "<=": column.le, ">": column.gt, ">=": column.ge}[op](value)
    return present & result.fillna(False).to_numpy(dtype=bool)


def score_pandas(
    households: pd.DataFrame, signals: Mapping[str, pd.DataFrame], *, model: RiskModel, as_of: dt.date
) -> pd.DataFrame:
    as_of_ts = pd.Timestamp(as_of)
    parts = []
    for rule in model.signals:
        events = signals.get(rule.feed)
        if events is None:
            continue
        age = (as_of_ts - pd.to_datetime(events["signal_date"])).dt.days.to_numpy()
        keep = (age >= 0) & (age <= rule.window_days)
        events, age = events[keep], age[keep]
        total = np.full(len(events), float(rule.points))
        for boost in rule.boosts:
            total = total + np.where(_mask(events, boost.condition), float(boost.points), 0.0)
        scaled = total * 100.0
        if rule.half_life_days is not None:
            scaled = scaled * np.power(0.5, age.astype(np.float64) / float(rule.half_life_days))
        centi = np.floor(scaled + 0.5).astype(np.int64)
        strongest = pd.DataFrame({"household_id": events["household_id"].to_numpy(), "centi": centi})
        strongest = strongest.groupby("household_id", as_index=False)["centi"].max()
        strongest["signal"] = rule.feed
        parts.append(strongest[strongest["centi"] > 0])
    for rule in model.attributes:
        mask = np.ones(len(households), dtype=bool)
        for condition in rule.conditions:
            mask &= _mask(households, condition)
        centi = int(np.floor(float(rule.points) * 100.0 + 0.5))
        if centi > 0:
            parts.append(
                pd.DataFrame({"household_id": households["household_id"].to_numpy()[mask], "centi": centi, "signal": rule.code})
            )
    contributions = pd.concat(parts, ignore_index=True)

    totals = contributions.groupby("household_id").agg(total=("centi", "sum"), signal_count=("centi", "size"))
    ordered = contributions.sort_values(["household_id", "centi", "signal"], ascending=[True, False, True], kind="stable")
    ordered["position"] = ordered.groupby("household_id").cumcount() + 1
    top = ordered[ordered["position"] <= 3].pivot(index="household_id", columns="position", values=["signal", "centi"])

    scored = households[["household_id"]].merge(totals, left_on="household_id", right_index=True, how="left")
    for position in (1, 2, 3):
        signal = top[("signal", position)] if ("signal", position) in top.columns else pd.Series(dtype=object)
        centi = top[("centi", position)] if ("centi", position) in top.columns else pd.Series(dtype=float)
        scored[f"signal_{position}"] = scored["household_id"].map(signal)
        scored[f"points_{position}"] = scored["household_id"].map(centi).astype("float64") / 100.0
    scored["total"] = scored["total"].fillna(0).astype(np.int64)
    scored["signal_count"] = scored["signal_count"].fillna(0).astype(np.int64)
    scored["score"] = scored["total"].to_numpy() / 100.0
    conditions = [scored["total"].to_numpy() >= int(np.floor(float(m) * 100.0 + 0.5)) for _name, m in model.tiers]
    scored["tier"] = np.select(conditions, [name for name, _m in model.tiers], default=NO_TIER)
    return scored


def worklists_pandas(scored: pd.DataFrame, households: pd.DataFrame, *, exclude: np.ndarray) -> pd.DataFrame:
    listed = scored[(scored["tier"] != NO_TIER) & ~scored["household_id"].isin(exclude)]
    listed = listed.merge(households[["household_id", "district", "dong"]], on="household_id", how="inner")
    listed = listed.sort_values(["district", "score", "household_id"], ascending=[True, False, True], kind="stable")
    listed["rank_in_district"] = listed.groupby("district").cumcount() + 1
    listed = listed.sort_values(["district", "dong", "score", "household_id"], ascending=[True, True, False, True], kind="stable")
    listed["rank_in_dong"] = listed.groupby("dong").cumcount() + 1
    return listed.reset_index(drop=True)
