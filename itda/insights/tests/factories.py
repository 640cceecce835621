"""Small hand-made populations and feeds for the discovery tests (every household is fictional).

The hand-made population has five households with scores worked out by hand from the default
risk model (data/insights/risk_model.json) as of ``AS_OF``:

=========  ========  ======================================================  ======  ======
household  dong      facts and signals                                        score   tier
=========  ========  ======================================================  ======  ======
1          보라매동  woman 70 alone (4 + 10); no phone 20 days on AS_OF (20+10)   44.00  HIGH
2          보라매동  man 40 alone (4); telecom 3 months (6+4) and job loss (12)    26.00  MEDIUM
3          신림동    man 45 alone (4); job loss (12); gas cut-off 3 months          46.00  HIGH
                     (8+10+4); gosiwon known to the housing feed (6+2)
4          신림동    three people, no signal                                    0.00   NONE
5          공덕동    (마포구) man 55 alone (4 + 6); power arrears 1 month (10)      20.00  LOW
=========  ========  ======================================================  ======  ======
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

import analytics
from itda.insights import files

AS_OF = dt.date(2026, 3, 1)
NOW = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)  # 09:00 in Seoul, the day after AS_OF
BORAMAE = "1162052500"  # 관악구 보라매동
SILLIM = "1162069500"  # 관악구 신림동
GONGDEOK = "1144056500"  # 마포구 공덕동

HOUSEHOLDS = [
    # id, district, dong, size, age, sex, income, tenure, housing
    (1, "11620", BORAMAE, 1, 70, "F", 900_000, "MONTHLY_RENT", "MULTI_FAMILY"),
    (2, "11620", BORAMAE, 1, 40, "M", 1_800_000, "JEONSE", "OFFICETEL"),
    (3, "11620", SILLIM, 1, 45, "M", 1_200_000, "MONTHLY_RENT", "GOSIWON"),
    (4, "11620", SILLIM, 3, 50, "F", 6_000_000, "OWNER", "APARTMENT"),
    (5, "11440", GONGDEOK, 1, 55, "M", 2_000_000, "MONTHLY_RENT", "MULTI_FAMILY"),
]

FEEDS = {
    "NO_PHONE_ACTIVITY": "household_id,signal_date,days_without_activity\n1,2026-03-01,20\n",
    "TELECOM_ARREARS": "household_id,signal_date,months_in_arrears,amount_krw\n2,2026-03-01,3,165000\n",
    "JOB_LOSS": "household_id,signal_date,reason\n2,2026-03-01,DISMISSAL\n3,2026-03-01,BUSINESS_CLOSURE\n",
    "GAS_ARREARS": "household_id,signal_date,months_in_arrears,amount_krw,cut_off\n3,2026-03-01,3,150000,true\n",
    "POWER_ARREARS": "household_id,signal_date,months_in_arrears,amount_krw,cut_off\n5,2026-03-01,1,45000,false\n",
    "HOUSING_TYPE": "household_id,signal_date,housing_type\n3,2025-06-01,GOSIWON\n",
}


def write_population(folder: Path, rows=HOUSEHOLDS, *, seed: int = 1) -> files.Manifest:
    """A hand-made households.parquet with its manifest, marked synthetic like the generator's."""
    frame = pl.DataFrame(
        {
            "household_id": [row[0] for row in rows],
            "district": [row[1] for row in rows],
            "dong": [row[2] for row in rows],
            "household_size": [row[3] for row in rows],
            "age": [row[4] for row in rows],
            "sex": [row[5] for row in rows],
            "monthly_income_krw": [row[6] for row in rows],
            "tenure": [row[7] for row in rows],
            "housing_type": [row[8] for row in rows],
            "has_disability": [False for _row in rows],
            "basic_livelihood": [False for _row in rows],
            "is_synthetic": [True for _row in rows],
        },
        schema=analytics.HOUSEHOLD_SCHEMA,
    )
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / files.HOUSEHOLDS_FILE
    frame.write_parquet(target)
    manifest = files.Manifest(
        seed=seed,
        households=frame.height,
        created_at=NOW.isoformat(),
        is_synthetic=True,
        households_sha256=files.file_sha256(target),
        households_bytes=target.stat().st_size,
        income_year=2026,
        indicator_year=2022,
        sources=("hand-made test population",),
        folder=folder,
    )
    files.write_manifest(manifest)
    return manifest


def write_feed(folder: Path, feed: str, text: str, *, name: str | None = None) -> Path:
    path = folder / (name or f"{feed.lower()}.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_feeds(folder: Path, feeds: dict[str, str] = FEEDS, *, as_of: dt.date = AS_OF, now: dt.datetime = NOW) -> list:
    """Ingest hand-made feed files through the service, as the command does; returns the batches."""
    from itda.insights.services import ingest_signal_file

    batches = []
    for feed, text in feeds.items():
        path = write_feed(folder / "incoming", feed, text)
        batches.append(ingest_signal_file(path=path, feed=feed, as_of=as_of, now=now).batch)
    return batches


def scored_world(folder: Path, *, now: dt.datetime = NOW):
    """The hand-made population, its feeds loaded and scored as of AS_OF; returns the run."""
    from itda.insights.services import score_population

    write_population(folder)
    load_feeds(folder)
    return score_population(as_of=AS_OF, now=now).run
