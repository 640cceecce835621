"""Plain-language sentences for eligibility rules and their outcomes, in the page's language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import analytics

FIELD_LABELS = {
    "age": lambda: _("age"),
    "household_size": lambda: _("household size"),
    "monthly_income_krw": lambda: _("monthly household income"),
    "income_pct_median": lambda: _("income"),
    "district": lambda: _("district of residence"),
    "tenure": lambda: _("tenure"),
    "housing_type": lambda: _("housing type"),
    "has_disability": lambda: _("registered disability"),
}


def tenure_labels() -> dict[str, str]:
    return {
        "OWNER": _("Owner-occupier"),
        "JEONSE": _("Jeonse (lump-sum deposit) tenant"),
        "MONTHLY_RENT": _("Monthly-rent tenant"),
        "PUBLIC_RENTAL": _("Public rental tenant"),
        "FAMILY_OR_FREE": _("Living with family or rent-free"),
        "OTHER": _("Other"),
    }


def housing_type_labels() -> dict[str, str]:
    return {
        "APARTMENT": _("Apartment"),
        "MULTI_FAMILY": _("Multi-family or row house (villa)"),
        "DETACHED": _("Detached house"),
        "OFFICETEL": _("Officetel or studio"),
        "GOSIWON": _("Gosiwon"),
        "SEMI_BASEMENT": _("Semi-basement"),
        "ROOFTOP": _("Rooftop room"),
        "JJOKBANG": _("Slum room (jjokbang)"),
        "OTHER": _("Other"),
    }


def _won(amount: int) -> str:
    return _("%(amount)s KRW") % {"amount": f"{amount:,}"}


def _code_names(field: str, codes: list[str], district_names: dict[str, str]) -> str:
    if field == "district":
        labels = district_names
    elif field == "tenure":
        labels = tenure_labels()
    else:
        labels = housing_type_labels()
    return ", ".join(labels.get(code, code) for code in codes)


def describe_rule(rule: dict, district_names: dict[str, str]) -> str:
    """The requirement a rule states, e.g. "age 40–67" or "income at or under 120% of the median"."""
    field, op, value = rule["field"], rule["op"], rule["value"]
    label = FIELD_LABELS[field]()
    if field == "income_pct_median":
        if op == "between":
            return _("income between %(low)s%% and %(high)s%% of the standard median income") % {
                "low": value[0],
                "high": value[1],
            }
        if op in ("<=", "<"):
            return _("income at or under %(pct)s%% of the standard median income") % {"pct": value}
        return _("income %(op)s %(pct)s%% of the standard median income") % {"op": op, "pct": value}
    if field == "has_disability":
        return _("has a registered disability") if op == "is_true" else _("no registered disability")
    if field == "age":
        if op == "between":
            return _("aged %(low)s to %(high)s") % {"low": value[0], "high": value[1]}
        if op == ">=":
            return _("aged %(age)s or over") % {"age": value}
        if op == "<=":
            return _("aged %(age)s or under") % {"age": value}
    if field == "household_size" and op == "==" and value == 1:
        return _("lives alone (one-person household)")
    if op in ("in", "==") and field in ("district", "tenure", "housing_type"):
        codes = value if isinstance(value, list) else [value]
        return _("%(label)s: %(values)s") % {"label": label, "values": _code_names(field, codes, district_names)}
    if op in ("not_in", "!=") and field in ("district", "tenure", "housing_type"):
        codes = value if isinstance(value, list) else [value]
        return _("%(label)s: not %(values)s") % {"label": label, "values": _code_names(field, codes, district_names)}
    if op == "between":
        return _("%(label)s between %(low)s and %(high)s") % {"label": label, "low": value[0], "high": value[1]}
    return _("%(label)s %(op)s %(value)s") % {"label": label, "op": op, "value": value}


def explain_outcome(outcome: analytics.RuleOutcome, district_names: dict[str, str]) -> str:
    """Why one rule passed, failed or could not be decided, with the numbers used."""
    rule = outcome.rule
    field = rule["field"]
    requirement = describe_rule(rule, district_names)
    if outcome.passed is None:
        if "median_income" in outcome.missing:
            return _("%(requirement)s: no standard median income is loaded for %(year)s, so this cannot be checked") % {
                "requirement": requirement,
                "year": outcome.year,
            }
        missing = ", ".join(FIELD_LABELS[name]() for name in outcome.missing)
        return _("%(requirement)s: not checked, because %(missing)s was not given") % {
            "requirement": requirement,
            "missing": missing,
        }
    if field == "income_pct_median":
        people = outcome.household_size or 1
        size = ngettext("%(n)s person", "%(n)s people", people) % {"n": people}
        pct = rule["value"][1] if rule["op"] == "between" else rule["value"]
        params = {
            "income": _won(outcome.actual),
            "pct": pct,
            "year": outcome.year,
            "size": size,
            "threshold": _won(outcome.threshold_krw or 0),
        }
        if outcome.passed:
            return _("income %(income)s ≤ %(pct)s%% of the %(year)s median for %(size)s, %(threshold)s") % params
        return _("income %(income)s > %(pct)s%% of the %(year)s median for %(size)s, %(threshold)s") % params
    actual = outcome.actual
    if field in ("district", "tenure", "housing_type"):
        actual = _code_names(field, [actual], district_names)
    elif field == "has_disability":
        actual = _("yes") if actual else _("no")
    if outcome.passed:
        return _("%(requirement)s — yours: %(actual)s ✓") % {"requirement": requirement, "actual": actual}
    return _("%(requirement)s — yours: %(actual)s ✗") % {"requirement": requirement, "actual": actual}
