"""Risk scoring: hand-worked households, the vectorised scorer against the plain-Python definition, worklists."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import (
    DEFAULT_RISK_MODEL,
    FEEDS,
    AttributeRule,
    Boost,
    Condition,
    Contribution,
    RiskModel,
    RiskModelError,
    SignalRule,
    explain_household,
    score_households,
    score_households_reference,
    tier_counts,
    worklists,
)

AS_OF = dt.date(2026, 3, 1)
MODEL = RiskModel(
    version="test-1",
    signals=(
        SignalRule("POWER_ARREARS", 10, window_days=365, half_life_days=30, boosts=(Boost(Condition("cut_off", "is_true"), 10),)),
        SignalRule("NO_PHONE_ACTIVITY", 20, window_days=60),
        SignalRule("HOSPITAL_STAY", 8, window_days=90, boosts=(Boost(Condition("days", ">=", 14), 4),)),
    ),
    attributes=(AttributeRule("AGED_65_LIVING_ALONE", 10, (Condition("household_size", "==", 1), Condition("age", ">=", 65))),),
    tiers=(("HIGH", 40), ("MEDIUM", 25), ("LOW", 15)),
)
HOUSEHOLDS = pl.DataFrame(
    {
        "household_id": [1, 2, 3, 4],
        "district": ["11620", "11620", "11620", "11440"],
        "dong": ["1162052500", "1162052500", "1162053500", "1144055500"],
        "household_size": [1, 1, 2, 1],
        "age": [78, 45, 70, None],
    },
    schema_overrides={"age": pl.Int64},
)


def power(household_id: int, signal_date: dt.date, *, cut_off: bool, months: int = 2) -> dict:
    return {
        "household_id": household_id,
        "signal_date": signal_date,
        "months_in_arrears": months,
        "amount_krw": 90_000,
        "cut_off": cut_off,
    }


SIGNALS = {
    "POWER_ARREARS": pl.DataFrame(
        [
            power(1, dt.date(2026, 1, 30), cut_off=True),  # 30 days: (10 + 10) × 0.5 = 10.00
            power(1, dt.date(2025, 12, 31), cut_off=False),  # 60 days: 10 × 0.25 = 2.50, weaker, not counted
            power(2, dt.date(2026, 3, 5), cut_off=True),  # after as_of: ignored
            power(3, dt.date(2025, 2, 1), cut_off=True),  # 393 days, outside the 365-day window
            power(4, dt.date(2026, 2, 14), cut_off=True),  # 15 days: 20 × 0.5 ** 0.5 = 14.142… → 14.14
        ],
        schema=FEEDS["POWER_ARREARS"].polars_schema(),
    ),
    "NO_PHONE_ACTIVITY": pl.DataFrame(
        {"household_id": [1, 4], "signal_date": [dt.date(2026, 2, 20), dt.date(2026, 1, 1)], "days_without_activity": [9, 40]},
        schema=FEEDS["NO_PHONE_ACTIVITY"].polars_schema(),
    ),
    "HOSPITAL_STAY": pl.DataFrame(
        {"household_id": [2], "signal_date": [dt.date(2026, 2, 1)], "days": [20]},
        schema=FEEDS["HOSPITAL_STAY"].polars_schema(),
    ),
}


def test_hand_worked_households_get_their_exact_scores_tiers_and_top_signals():
    scored = score_households(HOUSEHOLDS, SIGNALS, model=MODEL, as_of=AS_OF)

    assert scored.to_dicts() == [
        # 20 (phone, no decay) + 10 (65+ alone) + 10 (power cut-off, one half-life old); equal points by code A→Z
        {"household_id": 1, "score": 40.0, "tier": "HIGH", "signal_count": 3,
         "signal_1": "NO_PHONE_ACTIVITY", "points_1": 20.0, "signal_2": "AGED_65_LIVING_ALONE", "points_2": 10.0,
         "signal_3": "POWER_ARREARS", "points_3": 10.0},
        # hospital 8 + 4 for a stay of 14 days or more; the later power cut-off is after as_of
        {"household_id": 2, "score": 12.0, "tier": "NONE", "signal_count": 1,
         "signal_1": "HOSPITAL_STAY", "points_1": 12.0, "signal_2": None, "points_2": None, "signal_3": None, "points_3": None},
        # 70 but not alone, and the only event is outside the window
        {"household_id": 3, "score": 0.0, "tier": "NONE", "signal_count": 0,
         "signal_1": None, "points_1": None, "signal_2": None, "points_2": None, "signal_3": None, "points_3": None},
        # age unknown: no attribute points; phone 59 days ago still inside 60; cut-off half a half-life old
        {"household_id": 4, "score": 34.14, "tier": "MEDIUM", "signal_count": 2,
         "signal_1": "NO_PHONE_ACTIVITY", "points_1": 20.0, "signal_2": "POWER_ARREARS", "points_2": 14.14,
         "signal_3": None, "points_3": None},
    ]  # fmt: skip


def test_the_explanation_lists_each_contribution_with_its_date_boost_and_decay():
    events = {feed: frame.filter(pl.col("household_id") == 1).to_dicts() for feed, frame in SIGNALS.items()}

    lines = explain_household(HOUSEHOLDS.row(0, named=True), events, model=MODEL, as_of=AS_OF)

    assert lines == [
        Contribution("NO_PHONE_ACTIVITY", 20.0, dt.date(2026, 2, 20), base_points=20.0, boost_points=0.0, decay=1.0),
        Contribution("AGED_65_LIVING_ALONE", 10.0, None, base_points=10.0),
        Contribution("POWER_ARREARS", 10.0, dt.date(2026, 1, 30), base_points=10.0, boost_points=10.0, decay=0.5),
    ]


def test_scoring_as_of_an_earlier_date_ignores_later_events_and_renews_decay():
    scored = score_households(HOUSEHOLDS.head(1), SIGNALS, model=MODEL, as_of=dt.date(2026, 1, 30))

    # power cut-off on the day: 20; the earlier arrears are 30 days old but weaker (5.00); phone is later
    assert scored.select("score", "signal_1", "points_1", "signal_2", "points_2").row(0) == (
        30.0,
        "POWER_ARREARS",
        20.0,
        "AGED_65_LIVING_ALONE",
        10.0,
    )


def test_households_without_signal_frames_still_get_their_attribute_points():
    scored = score_households(HOUSEHOLDS, {}, model=MODEL, as_of=AS_OF)

    assert scored["score"].to_list() == [10.0, 0.0, 0.0, 0.0]
    assert scored["signal_1"].to_list() == ["AGED_65_LIVING_ALONE", None, None, None]


def test_a_feed_lacking_a_column_the_model_reads_is_refused():
    frame = SIGNALS["HOSPITAL_STAY"].drop("days")

    with pytest.raises(ValueError, match="피드 HOSPITAL_STAY에 열 days이\\(가\\) 없습니다"):
        score_households(HOUSEHOLDS, {"HOSPITAL_STAY": frame}, model=MODEL, as_of=AS_OF)


def test_the_default_model_ranks_an_old_man_alone_with_a_cut_off_and_a_silent_phone_high():
    household = pl.DataFrame({"household_id": [9], "household_size": [1], "age": [67], "sex": ["M"]})
    signals = {
        "POWER_ARREARS": pl.DataFrame([power(9, AS_OF, cut_off=True, months=3)], schema=FEEDS["POWER_ARREARS"].polars_schema()),
        "NO_PHONE_ACTIVITY": pl.DataFrame(
            {"household_id": [9], "signal_date": [AS_OF], "days_without_activity": [20]},
            schema=FEEDS["NO_PHONE_ACTIVITY"].polars_schema(),
        ),
    }

    scored = score_households(household, signals, model=DEFAULT_RISK_MODEL, as_of=AS_OF)

    # power 10 + cut-off 10 + 3 months 5 = 25; phone 20 + 10 for 14 days or more = 30; alone 4 + 65+ alone 10
    assert scored.select("score", "tier", "signal_1", "signal_2", "signal_3").row(0) == (
        69.0, "HIGH", "NO_PHONE_ACTIVITY", "POWER_ARREARS", "AGED_65_LIVING_ALONE",
    )  # fmt: skip


# --- the vectorised scorer equals the plain-Python definition ----------------------------------------

FEEDS_UNDER_TEST = ("POWER_ARREARS", "HOSPITAL_STAY", "HOUSING_TYPE", "NO_PHONE_ACTIVITY")
FEED_FIELDS = {
    "POWER_ARREARS": [("months_in_arrears", st.integers(1, 6)), ("cut_off", st.none() | st.booleans())],
    "HOSPITAL_STAY": [("days", st.integers(1, 40))],
    "HOUSING_TYPE": [("housing_type", st.sampled_from(["GOSIWON", "JJOKBANG", "SEMI_BASEMENT", "ROOFTOP", "OTHER"]))],
    "NO_PHONE_ACTIVITY": [("days_without_activity", st.integers(1, 90))],
}
BOOSTS = {
    "POWER_ARREARS": [Condition("cut_off", "is_true"), Condition("months_in_arrears", ">=", 3), Condition("cut_off", "is_false")],
    "HOSPITAL_STAY": [Condition("days", ">", 10), Condition("days", "between", (5, 20))],
    "HOUSING_TYPE": [Condition("housing_type", "in", ("GOSIWON", "JJOKBANG")), Condition("housing_type", "!=", "OTHER")],
    "NO_PHONE_ACTIVITY": [Condition("days_without_activity", ">=", 14), Condition("days_without_activity", "<", 7)],
}
ATTRIBUTE_CONDITIONS = [
    Condition("household_size", "==", 1),
    Condition("age", ">=", 65),
    Condition("age", "between", (50, 64)),
    Condition("sex", "==", "M"),
    Condition("housing_type", "in", ("GOSIWON", "SEMI_BASEMENT")),
    Condition("housing_type", "not_in", ("APARTMENT",)),
]
points = st.one_of(st.integers(0, 40), st.integers(0, 4000).map(lambda centi: centi / 100))


@st.composite
def models(draw) -> RiskModel:
    feeds = draw(st.lists(st.sampled_from(FEEDS_UNDER_TEST), unique=True, max_size=4))
    signals = tuple(
        SignalRule(
            feed,
            draw(points),
            window_days=draw(st.integers(0, 400)),
            half_life_days=draw(st.none() | st.integers(1, 200)),
            boosts=tuple(Boost(c, draw(points)) for c in draw(st.lists(st.sampled_from(BOOSTS[feed]), unique=True, max_size=2))),
        )
        for feed in feeds
    )
    attributes = tuple(
        AttributeRule(
            f"ATTRIBUTE_{index}",
            draw(points),
            tuple(draw(st.lists(st.sampled_from(ATTRIBUTE_CONDITIONS), min_size=1, max_size=2, unique=True))),
        )
        for index in range(draw(st.integers(0, 3)))
    )
    cut_offs = sorted(draw(st.lists(st.integers(1, 80), min_size=1, max_size=3, unique=True)), reverse=True)
    tiers = tuple(zip(("HIGH", "MEDIUM", "LOW"), cut_offs, strict=False))
    return RiskModel(version="generated", signals=signals, attributes=attributes, tiers=tiers)


@st.composite
def populations(draw):
    ids = draw(st.lists(st.integers(1, 10**9), unique=True, max_size=8))
    households = [
        {
            "household_id": household_id,
            "household_size": draw(st.none() | st.integers(1, 3)),
            "age": draw(st.none() | st.integers(18, 99)),
            "sex": draw(st.none() | st.sampled_from(["F", "M"])),
            "housing_type": draw(st.none() | st.sampled_from(["APARTMENT", "GOSIWON", "SEMI_BASEMENT"])),
        }
        for household_id in ids
    ]
    known = st.sampled_from(ids) if ids else st.just(0)
    signals = {}
    for feed in FEEDS_UNDER_TEST:
        rows = draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "household_id": known | st.just(10**9 + 1),
                        "signal_date": st.integers(-420, 30).map(lambda days: AS_OF + dt.timedelta(days=days)),
                        **dict(FEED_FIELDS[feed]),
                    }
                ),
                max_size=6,
            )
        )
        signals[feed] = rows
    return households, signals


HOUSEHOLD_SCHEMA = {
    "household_id": pl.Int64,
    "household_size": pl.Int64,
    "age": pl.Int64,
    "sex": pl.String,
    "housing_type": pl.String,
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=models(), population=populations())
def test_the_vectorised_scores_equal_the_plain_python_definition(model, population):
    households, signals = population
    frames = {
        feed: pl.DataFrame(
            rows,
            schema={
                name: FEEDS[feed].polars_schema()[name] for name in ("household_id", "signal_date", *dict(FEED_FIELDS[feed]))
            },
        )
        for feed, rows in signals.items()
    }

    vectorised = score_households(pl.DataFrame(households, schema=HOUSEHOLD_SCHEMA), frames, model=model, as_of=AS_OF)
    reference = score_households_reference(households, signals, model=model, as_of=AS_OF)

    assert vectorised.to_dicts() == reference


# --- the model as data ---------------------------------------------------------------------------------


def test_a_model_survives_the_round_trip_through_plain_data():
    data = DEFAULT_RISK_MODEL.to_dict()

    again = RiskModel.from_dict(data)

    assert again == DEFAULT_RISK_MODEL
    assert data["version"] == "2026.1-default"
    assert data["tiers"] == {"HIGH": 40, "MEDIUM": 25, "LOW": 15}
    assert data["signals"]["POWER_ARREARS"]["boosts"][0] == {"field": "cut_off", "op": "is_true", "value": None, "points": 10}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["signals"].update(WEATHER={"points": 1, "window_days": 1}), "알 수 없는 피드 'WEATHER'"),
        (lambda d: d["signals"]["JOB_LOSS"].update(points=-1), "JOB_LOSS: 점수는 0–1000 사이의 수여야 합니다"),
        (lambda d: d["signals"]["JOB_LOSS"].update(half_life_days=0), "JOB_LOSS: 반감기는 1일 이상 정수여야 합니다"),
        (
            lambda d: d["signals"]["JOB_LOSS"].update(boosts=[{"field": "colour", "op": "==", "value": 1, "points": 1}]),
            "JOB_LOSS: 알 수 없는 항목 'colour'",
        ),
        (lambda d: d["attributes"].update(LIVING_ALONE={"points": 4, "when": []}), "LIVING_ALONE: 조건이 없습니다"),
        (lambda d: d.update(tiers={"HIGH": 10, "LOW": 10}), "등급 기준점은 높은 것부터 서로 달라야 합니다"),
        (lambda d: d.update(tiers={"NONE": 10}), "등급 이름이 없거나 중복됩니다"),
        (lambda d: d.pop("signals"), "위험 모델 형식이 올바르지 않습니다"),
    ],
)
def test_a_malformed_model_is_refused_with_a_reason(change, message):
    data = DEFAULT_RISK_MODEL.to_dict()
    change(data)

    with pytest.raises(RiskModelError, match=message):
        RiskModel.from_dict(data)


# --- worklists -------------------------------------------------------------------------------------------


def test_worklists_rank_per_dong_and_district_without_people_already_followed():
    households = HOUSEHOLDS.vstack(
        pl.DataFrame({"household_id": [5], "district": ["11620"], "dong": ["1162053500"], "household_size": [1], "age": [90]})
    )
    model = dataclasses.replace(MODEL, tiers=(("HIGH", 40), ("LOW", 10)))
    scored = score_households(households, SIGNALS, model=model, as_of=AS_OF)

    lists = worklists(scored, households, exclude_household_ids=[4])

    assert lists.select("district", "dong", "rank_in_dong", "rank_in_district", "household_id", "score", "tier").rows() == [
        ("11620", "1162052500", 1, 1, 1, 40.0, "HIGH"),
        ("11620", "1162052500", 2, 2, 2, 12.0, "LOW"),
        ("11620", "1162053500", 1, 3, 5, 10.0, "LOW"),
    ]


def test_equal_scores_rank_by_household_id_and_top_per_dong_cuts_each_dong():
    households = pl.DataFrame(
        {"household_id": [30, 10, 20, 40], "district": ["11110"] * 4, "dong": ["1111051500"] * 3 + ["1111053000"]}
    )
    scored = pl.DataFrame({"household_id": [30, 10, 20, 40], "score": [15.0, 15.0, 20.0, 16.0], "tier": ["LOW"] * 4})

    lists = worklists(scored, households, top_per_dong=2)

    assert lists.select("dong", "rank_in_dong", "rank_in_district", "household_id").rows() == [
        ("1111051500", 1, 1, 20),
        ("1111051500", 2, 3, 10),
        ("1111053000", 1, 2, 40),
    ]


def test_worklists_can_keep_chosen_tiers_only():
    scored = score_households(HOUSEHOLDS, SIGNALS, model=MODEL, as_of=AS_OF)

    lists = worklists(scored, HOUSEHOLDS, tiers=["HIGH"])

    assert lists["household_id"].to_list() == [1]


def test_a_top_per_dong_below_one_is_refused():
    with pytest.raises(ValueError, match="동별 인원은 1 이상이어야 합니다"):
        worklists(pl.DataFrame(), HOUSEHOLDS, top_per_dong=0)


def test_tier_counts_give_every_tier_per_district():
    scored = score_households(HOUSEHOLDS, SIGNALS, model=MODEL, as_of=AS_OF)

    counts = tier_counts(scored, HOUSEHOLDS, model=MODEL)

    assert counts.rows() == [("11440", 0, 1, 0, 0), ("11620", 1, 0, 0, 2)]
    assert counts.columns == ["district", "HIGH", "MEDIUM", "LOW", "NONE"]
