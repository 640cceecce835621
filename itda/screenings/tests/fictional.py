"""A fictional instrument with a crisis item, for tests only (no real instrument but PHQ-9 has one yet).

``publish`` copies the real instrument and triage files to a private folder, adds the
fictional one there and points the catalogue at it.
"""

from __future__ import annotations

import json
import shutil

from itda.screenings import catalogue

CODE = "TEST_MOOD"
SLUG = "test-mood"

_OPTIONS = [{"value": value, "label": {"ko": f"보기 {value}", "en": f"Option {value}"}} for value in range(4)]

INSTRUMENT = {
    "code": CODE,
    "version": "1",
    "effective_from": "2026-01-01",
    "slug": SLUG,
    "name": {"ko": "가상 기분 검사 (시험용)", "en": "Fictional mood check (tests only)"},
    "short_name": {"ko": "가상 기분 3문항", "en": "Fictional mood, 3 questions"},
    "description": {"ko": "시험용 가상 검사입니다.", "en": "A fictional check for tests."},
    "period": {"ko": "지난 2주", "en": "the last two weeks"},
    "audience": {"min_age": None, "self_check": True, "position": 9},
    "source": {"citation": "Fictional, for tests."},
    "is_provisional": False,
    "options": _OPTIONS,
    "items": [
        {"code": "1", "wording_status": "unverified", "text": {"ko": "가상 문항 하나", "en": "Fictional question one"}},
        {"code": "2", "wording_status": "unverified", "text": {"ko": "가상 문항 둘", "en": "Fictional question two"}},
        {
            "code": "3",
            "wording_status": "unverified",
            "crisis_at_least": 2,
            "text": {"ko": "가상 위기 문항", "en": "Fictional crisis question"},
        },
    ],
    "scoring": {
        "method": "sum",
        "bands": [
            {"code": "LOW", "min": 0, "max": 4, "label": {"ko": "낮음", "en": "Low"}, "meaning": {"ko": "낮음", "en": "Low"}},
            {"code": "HIGH", "min": 5, "max": 9, "label": {"ko": "높음", "en": "High"}, "meaning": {"ko": "높음", "en": "High"}},
        ],
    },
}

TRIAGE = {
    "code": "TEST_MOOD_TRIAGE",
    "instrument": CODE,
    "version": "1",
    "effective_from": "2026-01-01",
    "rules": [{"when": {}, "level": "NONE", "programs": [], "actions": []}],
    "crisis": {"programs": ["loneliness-goodbye-120"], "actions": ["SHOW_CRISIS_LINES", "OPEN_CRISIS_PATH"]},
}


def publish(settings, tmp_path) -> None:
    for folder in ("instruments", "triage"):
        shutil.copytree(settings.ITDA_DATA_DIR / folder, tmp_path / folder)
    (tmp_path / "instruments" / "test-mood.v1.json").write_text(json.dumps(INSTRUMENT, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "triage" / "test-mood.v1.json").write_text(json.dumps(TRIAGE, ensure_ascii=False), encoding="utf-8")
    settings.ITDA_DATA_DIR = tmp_path
    catalogue.clear_cache()
