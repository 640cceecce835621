"""load_instruments: every file checked, every version frozen once, an in-place edit refused."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from itda.screenings import catalogue
from itda.screenings.models import Instrument


def test_the_command_freezes_every_version_once(db):
    out = io.StringIO()

    call_command("load_instruments", stdout=out)
    call_command("load_instruments", stdout=out)

    assert Instrument.objects.count() == 6
    assert out.getvalue().splitlines() == ["검사 버전 6 (새로 저장 6) · 분류 규칙 6", "검사 버전 6 (새로 저장 0) · 분류 규칙 6"]


def test_an_instrument_edited_in_place_is_refused(db, tmp_path, settings):
    for folder in ("instruments", "triage"):
        shutil.copytree(settings.ITDA_DATA_DIR / folder, tmp_path / folder)
    settings.ITDA_DATA_DIR = tmp_path
    catalogue.clear_cache()
    call_command("load_instruments", stdout=io.StringIO())
    path = tmp_path / "instruments" / "ucla-3.v1.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["scoring"]["bands"][0]["max"] = 4
    data["scoring"]["bands"][1]["min"] = 5
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    catalogue.clear_cache()

    with pytest.raises(CommandError) as error:
        call_command("load_instruments", stdout=io.StringIO())

    assert "UCLA3 1" in str(error.value)
    assert Instrument.objects.get(code="UCLA3").definition["scoring"]["bands"][0]["max"] == 5
