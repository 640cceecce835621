"""Signal feeds: schemas, validation reports with file lines, and plausible synthetic feeds."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

from analytics import FEEDS, FeedError, FeedProblem, empty_feed, synthesize_households, synthesize_signals, validate_feed

AS_OF = dt.date(2026, 3, 1)


def read_text_csv(text: str) -> pl.DataFrame:
    """How a caller reads a delivered CSV: every column as text, no type guessing."""
    return pl.read_csv(io.StringIO(text), infer_schema=False)


POWER_CSV = """household_id,signal_date,months_in_arrears,amount_krw,cut_off,note
101,2026-01-05,3,"135,000",예,first
102,2026-13-01,2,40000,no,
abc,2026-01-05,0,,maybe,
104,20260107,1,-5,,
101,2026-01-05,3,"135,000",예,first
,2026-01-05,3,100,true,
105,2026-02-10,2,,,
"""


def test_good_rows_are_kept_typed_and_bad_ones_reported_by_file_line_and_column():
    frame = read_text_csv(POWER_CSV)

    good, problems = validate_feed(frame, feed="POWER_ARREARS")

    assert good.to_dicts() == [
        {"household_id": 101, "signal_date": dt.date(2026, 1, 5), "months_in_arrears": 3, "amount_krw": 135_000, "cut_off": True},
        {"household_id": 105, "signal_date": dt.date(2026, 2, 10), "months_in_arrears": 2, "amount_krw": None, "cut_off": None},
    ]
    assert good.schema == pl.Schema(FEEDS["POWER_ARREARS"].polars_schema())
    assert [(p.line, p.column, p.value) for p in problems] == [
        (3, "signal_date", "2026-13-01"),
        (4, "household_id", "abc"),
        (4, "months_in_arrears", "0"),
        (4, "cut_off", "maybe"),
        (5, "amount_krw", "-5"),
        (6, None, None),
        (7, "household_id", None),
    ]
    assert [p.reason for p in problems] == [
        "날짜가 아닙니다, YYYY-MM-DD로 쓰세요 (not a date; write YYYY-MM-DD)",
        "정수가 아닙니다 (not a whole number)",
        "1–600 범위를 벗어났습니다 (out of range 1–600)",
        "예/아니오 값이 아닙니다 (not yes/no)",
        "0–10,000,000,000 범위를 벗어났습니다 (out of range 0–10,000,000,000)",
        "앞 줄과 똑같은 행이라 건너뜁니다 (duplicate of an earlier row; skipped)",
        "값이 비어 있습니다 (value is missing)",
    ]


def test_a_typed_parquet_style_frame_is_checked_with_row_numbers_from_one():
    frame = pl.DataFrame(
        {
            "household_id": [7, 8, 9],
            "signal_date": [dt.date(2026, 1, 1), None, dt.date(1999, 12, 31)],
            "days": [3.0, 2.5, 20.0],
        }
    )

    good, problems = validate_feed(frame, feed="HOSPITAL_STAY", first_line=1)

    assert good.to_dicts() == [{"household_id": 7, "signal_date": dt.date(2026, 1, 1), "days": 3}]
    assert problems == [
        FeedProblem("HOSPITAL_STAY", 2, "signal_date", None, "값이 비어 있습니다 (value is missing)"),
        FeedProblem("HOSPITAL_STAY", 2, "days", "2.5", "정수가 아닙니다 (not a whole number)"),
        FeedProblem(
            "HOSPITAL_STAY",
            3,
            "signal_date",
            "1999-12-31",
            "2000-01-01–2100-12-31 밖의 날짜입니다 (date outside 2000-01-01–2100-12-31)",
        ),
    ]


def test_codes_are_upper_cased_and_unknown_codes_are_reported():
    frame = read_text_csv("household_id,signal_date,housing_type\n1,2026-02-01,gosiwon\n2,2026-02-01,PALACE\n")

    good, problems = validate_feed(frame, feed="HOUSING_TYPE")

    assert good["housing_type"].to_list() == ["GOSIWON"]
    assert [(p.line, p.column, p.value) for p in problems] == [(3, "housing_type", "PALACE")]
    assert problems[0].reason.startswith("허용되지 않는 코드입니다: GOSIWON, JJOKBANG, SEMI_BASEMENT, ROOFTOP, OTHER")


def test_a_feed_missing_a_required_column_fails_as_a_whole():
    frame = read_text_csv("household_id,signal_date\n1,2026-02-01\n")

    with pytest.raises(FeedError) as caught:
        validate_feed(frame, feed="TELECOM_ARREARS")

    assert caught.value.problems == (
        FeedProblem(
            "TELECOM_ARREARS",
            None,
            "months_in_arrears",
            None,
            "필수 열 months_in_arrears이(가) 없습니다 (required column months_in_arrears is missing)",
        ),
    )


def test_a_column_of_an_unreadable_type_fails_the_whole_feed():
    frame = pl.DataFrame({"household_id": [1], "signal_date": [[1, 2]], "days_without_activity": [5]})

    with pytest.raises(FeedError, match=r"열 signal_date의 형식 List\(Int64\)을\(를\) 읽을 수 없습니다"):
        validate_feed(frame, feed="NO_PHONE_ACTIVITY")


def test_an_unknown_feed_is_refused():
    with pytest.raises(FeedError, match="알 수 없는 피드입니다: 'WEATHER'"):
        validate_feed(pl.DataFrame({"household_id": [1]}), feed="WEATHER")


def test_every_feed_has_a_household_and_a_date_first_and_a_korean_label():
    for name, schema in FEEDS.items():
        assert schema.name == name
        assert schema.column_names[:2] == ("household_id", "signal_date")
        assert schema.label and schema.label_en
        assert empty_feed(name).schema == pl.Schema(schema.polars_schema())


@pytest.fixture(scope="module")
def population(calibration) -> pl.DataFrame:
    return synthesize_households(households=200_000, seed=11, calibration=calibration)


@pytest.fixture(scope="module")
def feeds(population) -> dict[str, pl.DataFrame]:
    return synthesize_signals(population, seed=11, as_of=AS_OF)


def test_synthetic_feeds_are_reproducible_valid_and_never_dated_after_as_of(population, feeds):
    again = synthesize_signals(population, seed=11, as_of=AS_OF)

    assert list(feeds) == list(FEEDS)
    for name, frame in feeds.items():
        assert frame.equals(again[name])
        good, problems = validate_feed(frame, feed=name, first_line=1)
        assert problems == []
        assert good.height == frame.height > 0
        assert frame["signal_date"].max() <= AS_OF
        assert frame["household_id"].is_in(population["household_id"].implode()).all()


def test_synthetic_risk_concentrates_in_older_poorer_people_living_alone(population, feeds):
    people = population.with_columns(
        vulnerable=(pl.col("household_size") == 1) & (pl.col("age") >= 65) & pl.col("basic_livelihood"),
        comfortable=(pl.col("household_size") >= 2) & (pl.col("age") < 65) & ~pl.col("basic_livelihood"),
    )
    flagged = pl.concat([frame.select("household_id") for name, frame in feeds.items() if name != "HOUSING_TYPE"]).unique()

    rates = people.with_columns(flagged=pl.col("household_id").is_in(flagged["household_id"].implode())).select(
        vulnerable=pl.col("flagged").filter(pl.col("vulnerable")).mean(),
        comfortable=pl.col("flagged").filter(pl.col("comfortable")).mean(),
    )

    assert rates["vulnerable"].item() > 3 * rates["comfortable"].item()


def test_the_housing_feed_only_names_precarious_dwellings(population, feeds):
    housing = feeds["HOUSING_TYPE"].join(population.select("household_id", "housing_type"), on="household_id", suffix="_actual")

    assert (housing["housing_type"] == housing["housing_type_actual"]).all()
    assert set(housing["housing_type"].unique()) == {"GOSIWON", "JJOKBANG", "SEMI_BASEMENT", "ROOFTOP"}
