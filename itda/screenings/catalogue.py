"""The versioned instrument and triage files in ``data/instruments`` and ``data/triage``.

The files are the source of truth. Each holds one version of one instrument (or of its
triage rules) and the date it takes effect; the version in force on a day is the one
with the latest ``effective_from`` on or before it. A changed scale or cut-off is a new
file with a new version, never an edit: the stored results keep the version they were
scored with (``models.Instrument`` holds a frozen copy of each version used).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from itda.screenings.scoring import InstrumentDefinition, InstrumentDefinitionError, ScreeningRefused
from itda.screenings.triage import TriageRules


class UnknownInstrument(ScreeningRefused):
    """No such instrument, version, or none in force on that day."""

    def __init__(self, code: str, version: str | None = None):
        label = f"{code} {version}" if version else code
        super().__init__(f"알 수 없는 검사입니다: {label} (Unknown screening instrument: {label})")


@dataclass(frozen=True)
class LoadedFile:
    path: Path
    data: dict
    sha256: str


def canonical_sha256(data: dict) -> str:
    """A fingerprint of a definition that ignores key order and whitespace."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _data_dir() -> Path:
    return Path(settings.ITDA_DATA_DIR)


@lru_cache(maxsize=8)
def _read_folder(folder: str) -> tuple[LoadedFile, ...]:
    files = []
    for path in sorted(Path(folder).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        files.append(LoadedFile(path, data, canonical_sha256(data)))
    return tuple(files)


@lru_cache(maxsize=8)
def _instruments(folder: str) -> tuple[tuple[InstrumentDefinition, str], ...]:
    loaded = []
    seen = set()
    for file in _read_folder(folder):
        definition = InstrumentDefinition.from_dict(file.data)
        key = (definition.code, definition.version)
        if key in seen:
            raise InstrumentDefinitionError(f"{definition.code} version {definition.version} appears in two files")
        seen.add(key)
        loaded.append((definition, file.sha256))
    return tuple(loaded)


@lru_cache(maxsize=8)
def _rule_sets(folder: str) -> tuple[TriageRules, ...]:
    return tuple(TriageRules.from_dict(file.data) for file in _read_folder(folder))


def clear_cache() -> None:
    """Forget the files read so far (tests that write new versions call this)."""
    _read_folder.cache_clear()
    _instruments.cache_clear()
    _rule_sets.cache_clear()


def all_definitions() -> tuple[tuple[InstrumentDefinition, str], ...]:
    """Every version of every instrument, with the fingerprint of its file."""
    return _instruments(str(_data_dir() / "instruments"))


def all_rule_sets() -> tuple[TriageRules, ...]:
    return _rule_sets(str(_data_dir() / "triage"))


def _in_force(candidates, on_date: date):
    day = on_date.isoformat()
    in_force = [c for c in candidates if c.effective_from <= day]
    return max(in_force, key=lambda c: c.effective_from) if in_force else None


def current_definition(code: str, on_date: date) -> InstrumentDefinition:
    """The version of an instrument in force on a day. Raises UnknownInstrument."""
    found = _in_force([d for d, _sha in all_definitions() if d.code == code], on_date)
    if found is None:
        raise UnknownInstrument(code)
    return found


def definition_version(code: str, version: str) -> tuple[InstrumentDefinition, str]:
    """One named version of an instrument and its fingerprint. Raises UnknownInstrument."""
    for definition, sha in all_definitions():
        if definition.code == code and definition.version == version:
            return definition, sha
    raise UnknownInstrument(code, version)


def fingerprint(definition: InstrumentDefinition) -> str:
    return definition_version(definition.code, definition.version)[1]


def self_check_definitions(on_date: date) -> list[InstrumentDefinition]:
    """The instruments a citizen may take on the portal, in the order they are offered."""
    codes = sorted({d.code for d, _sha in all_definitions()})
    current = [
        current_definition(code, on_date)
        for code in codes
        if _in_force([d for d, _ in all_definitions() if d.code == code], on_date)
    ]
    return sorted((d for d in current if d.is_self_check), key=lambda d: (d.position, d.code))


def self_check_definition(slug: str, on_date: date) -> InstrumentDefinition:
    """A portal instrument by its slug. Raises UnknownInstrument."""
    for definition in self_check_definitions(on_date):
        if definition.slug == slug:
            return definition
    raise UnknownInstrument(slug)


def triage_rules(instrument_code: str, on_date: date) -> TriageRules:
    """The triage rules for an instrument in force on a day. Raises UnknownInstrument."""
    found = _in_force([r for r in all_rule_sets() if r.instrument == instrument_code], on_date)
    if found is None:
        raise UnknownInstrument(f"{instrument_code} triage")
    return found
