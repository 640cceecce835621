"""manage.py ingest_signals: good rows kept, a report of the bad ones (file, line, column, reason), nothing half-loaded."""

from __future__ import annotations

import io

import polars as pl
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from itda.insights.models import IngestBatch
from itda.insights.tests.factories import FEEDS, write_feed, write_population


def _ingest(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest_signals", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _signal_files(folder):
    return sorted(path.relative_to(folder).as_posix() for path in (folder / "signals").rglob("*") if path.is_file())


BAD_TELECOM = (
    "household_id,signal_date,months_in_arrears,amount_krw\n"
    "2,2026-03-01,3,165000\n"
    "1,01/03/2026,2,110000\n"
    "5,2026-02-01,,55000\n"
    "999,2026-02-01,1,55000\n"
    "1,2026-04-01,1,55000\n"
)


@pytest.mark.django_db
def test_a_good_feed_is_loaded_whole_into_a_batch_and_its_parquet_file(population_dir):
    write_population(population_dir)
    path = write_feed(population_dir.parent, "JOB_LOSS", FEEDS["JOB_LOSS"])

    output, _errors = _ingest(str(path), "--feed", "JOB_LOSS", "--as-of", "2026-03-01")

    batch = IngestBatch.objects.get()
    assert (batch.feed, batch.status, batch.rows_read, batch.rows_kept, batch.rows_rejected) == ("JOB_LOSS", "LOADED", 2, 2, 0)
    assert pl.read_parquet(population_dir / batch.path)["household_id"].to_list() == [2, 3]
    assert _signal_files(population_dir) == [batch.path]
    assert f"JOB_LOSS 묶음 #{batch.pk} 적재 완료 (loaded): 읽음 2 · 적재 2 · 거부 0" in output


@pytest.mark.django_db
def test_a_bad_feed_keeps_its_good_rows_and_reports_file_line_column_and_reason(population_dir):
    write_population(population_dir)
    path = write_feed(population_dir.parent, "TELECOM_ARREARS", BAD_TELECOM, name="telecom-march.csv")

    _output, errors = _ingest(str(path), "--feed", "TELECOM_ARREARS", "--as-of", "2026-03-01")

    batch = IngestBatch.objects.get()
    assert (batch.status, batch.rows_read, batch.rows_kept, batch.rows_rejected, batch.problem_count) == ("PARTIAL", 5, 1, 4, 4)
    assert [(p["line"], p["column"], p["value"]) for p in batch.problems] == [
        (3, "signal_date", "01/03/2026"),
        (4, "months_in_arrears", None),
        (5, "household_id", "999"),
        (6, "signal_date", "2026-04-01"),
    ]
    assert batch.problems[0]["reason"] == "날짜가 아닙니다, YYYY-MM-DD로 쓰세요 (not a date; write YYYY-MM-DD)"
    assert batch.problems[2]["reason"] == "인구 자료에 없는 가구 번호입니다 (household not in the population data)"
    assert "telecom-march.csv:3 [signal_date] 날짜가 아닙니다" in errors
    assert "telecom-march.csv:6 [signal_date] 기준일 2026-03-01 이후의 날짜입니다" in errors
    assert pl.read_parquet(population_dir / batch.path)["household_id"].to_list() == [2]


@pytest.mark.django_db
def test_ingesting_the_same_file_again_is_refused_as_a_duplicate(population_dir):
    write_population(population_dir)
    path = write_feed(population_dir.parent, "JOB_LOSS", FEEDS["JOB_LOSS"])
    _ingest(str(path), "--feed", "JOB_LOSS", "--as-of", "2026-03-01")
    first = IngestBatch.objects.get()

    with pytest.raises(CommandError) as refused:
        _ingest(str(path), "--feed", "JOB_LOSS", "--as-of", "2026-03-02")

    assert refused.value.returncode == 3
    assert str(refused.value).startswith(f"이미 적재한 파일입니다: JOB_LOSS 묶음 #{first.pk}")
    assert IngestBatch.objects.count() == 1
    assert _signal_files(population_dir) == [first.path]


@pytest.mark.django_db
def test_a_file_without_a_required_column_loads_nothing_and_says_why(population_dir):
    write_population(population_dir)
    path = write_feed(population_dir.parent, "HOSPITAL_STAY", "household_id,signal_date\n1,2026-02-01\n")

    with pytest.raises(CommandError) as refused:
        _ingest(str(path), "--feed", "HOSPITAL_STAY", "--as-of", "2026-03-01")

    batch = IngestBatch.objects.get()
    assert (batch.status, batch.rows_kept, batch.path) == ("REJECTED", 0, "")
    assert batch.problems == [
        {"line": None, "column": "days", "value": None, "reason": "필수 열 days이(가) 없습니다 (required column days is missing)"}
    ]
    assert str(refused.value).startswith("아무것도 적재하지 않았습니다 (nothing loaded)")
    assert not (population_dir / "signals").exists()


@pytest.mark.django_db
def test_an_unreadable_parquet_file_loads_nothing_and_says_why(population_dir):
    write_population(population_dir)
    path = population_dir.parent / "broken.parquet"
    path.write_bytes(b"this is not parquet")

    with pytest.raises(CommandError):
        _ingest(str(path), "--feed", "JOB_LOSS", "--as-of", "2026-03-01")

    batch = IngestBatch.objects.get()
    assert batch.status == "REJECTED"
    assert batch.problems[0]["reason"].startswith("파일을 읽을 수 없습니다 (cannot read the file)")
    assert not (population_dir / "signals").exists()


@pytest.mark.django_db
def test_a_parquet_feed_is_checked_by_row_number(population_dir):
    write_population(population_dir)
    path = population_dir.parent / "hospital.parquet"
    pl.DataFrame({"household_id": [1, 2], "signal_date": ["2026-02-01", "2026-02-30"], "days": [3, 4]}).write_parquet(path)

    _ingest(str(path), "--feed", "HOSPITAL_STAY", "--as-of", "2026-03-01")

    batch = IngestBatch.objects.get()
    assert (batch.status, batch.rows_kept) == ("PARTIAL", 1)
    assert [(p["line"], p["column"]) for p in batch.problems] == [(2, "signal_date")]


@pytest.mark.django_db
def test_a_failure_after_the_parquet_write_leaves_neither_the_file_nor_the_batch(population_dir, monkeypatch):
    write_population(population_dir)
    path = write_feed(population_dir.parent, "JOB_LOSS", FEEDS["JOB_LOSS"])

    def database_down(self, *args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(IngestBatch, "save", database_down)
    with pytest.raises(DatabaseError):
        _ingest(str(path), "--feed", "JOB_LOSS", "--as-of", "2026-03-01")
    monkeypatch.undo()

    assert IngestBatch.objects.count() == 0
    assert _signal_files(population_dir) == []


@pytest.mark.django_db
def test_a_cp949_file_from_an_agency_is_read(population_dir):
    write_population(population_dir)
    path = population_dir.parent / "care.csv"
    path.write_bytes("household_id,signal_date,service,비고\n1,2026-02-01,ELDERLY_CARE,중단\n".encode("cp949"))

    _ingest(str(path), "--feed", "CARE_STOPPED", "--as-of", "2026-03-01")

    assert IngestBatch.objects.get().rows_kept == 1


@pytest.mark.django_db
def test_an_unknown_feed_or_a_missing_population_is_refused_before_anything_is_stored(population_dir):
    path = write_feed(population_dir.parent, "JOB_LOSS", FEEDS["JOB_LOSS"])

    with pytest.raises(CommandError) as unknown:
        _ingest(str(path), "--feed", "RENT", "--as-of", "2026-03-01")
    with pytest.raises(CommandError) as missing:
        _ingest(str(path), "--feed", "JOB_LOSS", "--as-of", "2026-03-01")

    assert str(unknown.value).startswith("알 수 없는 피드입니다: RENT")
    assert "먼저 'manage.py synth" in str(missing.value)
    assert IngestBatch.objects.count() == 0
