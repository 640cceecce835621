"""manage.py synth: synthetic Seoul calibrated from the loaded reference data, written atomically and reproducibly."""

from __future__ import annotations

import io
import json

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from itda.insights import files


def _synth(*args: str) -> str:
    out = io.StringIO()
    call_command("synth", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_synth_writes_households_and_a_manifest_marked_synthetic(population_dir):
    output = _synth("--households", "10000", "--seed", "7")

    frame = pl.read_parquet(population_dir / "households.parquet")
    manifest = json.loads((population_dir / "manifest.json").read_text(encoding="utf-8"))
    assert frame.height == 10_000
    assert frame["is_synthetic"].all()
    assert frame["district"].n_unique() == 25
    assert manifest["synthetic"] is True
    assert manifest["seed"] == 7
    assert manifest["households"] == 10_000
    assert manifest["calibration"]["indicator_year"] == 2022
    assert manifest["households_sha256"] == files.file_sha256(population_dir / "households.parquet")
    assert "합성 데이터 (synthetic): 가구 10,000개" in output


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_file_and_another_seed_a_different_one(population_dir):
    _synth("--households", "10000", "--seed", "7")
    first = files.read_manifest().households_sha256

    _synth("--households", "10000", "--seed", "7")
    again = files.read_manifest().households_sha256
    _synth("--households", "10000", "--seed", "8")
    other = files.read_manifest().households_sha256

    assert again == first
    assert other != first


@pytest.mark.django_db
def test_one_person_shares_follow_the_real_district_figures(population_dir):
    _synth("--households", "20000", "--seed", "3")

    shares = (
        pl.read_parquet(population_dir / "households.parquet")
        .group_by("district")
        .agg(share=(pl.col("household_size") == 1).mean())
        .sort("district")
    )
    gwanak = shares.filter(pl.col("district") == "11620")["share"].item()
    assert abs(gwanak - 0.559) < 0.01


@pytest.mark.django_db
def test_a_size_out_of_range_is_refused_in_korean_first_and_writes_nothing(population_dir):
    with pytest.raises(CommandError) as refused:
        _synth("--households", "500", "--seed", "1")

    assert str(refused.value).startswith("합성 가구를 만들지 못했습니다")
    assert "10,000–10,000,000" in str(refused.value)
    assert not population_dir.exists() or not any(population_dir.iterdir())


@pytest.mark.django_db
def test_a_crash_while_writing_keeps_the_previous_file_whole_and_leaves_no_temporary_file(population_dir, monkeypatch):
    _synth("--households", "10000", "--seed", "7")
    before = files.file_sha256(population_dir / "households.parquet")

    def crash_half_way(frame, path, **kwargs):
        path.write_bytes(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", crash_half_way)
    with pytest.raises(OSError, match="disk full"):
        _synth("--households", "10000", "--seed", "8")

    assert files.file_sha256(population_dir / "households.parquet") == before
    assert sorted(path.name for path in population_dir.iterdir()) == ["households.parquet", "manifest.json"]
    assert files.read_manifest().seed == 7
