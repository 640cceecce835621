"""The population folder: households.parquet with its manifest, and the good rows of every signal batch.

Layout (default ``var/population/``, setting ``ITDA_POPULATION_DIR``)::

    households.parquet            the synthetic (or extracted) households, one row each
    manifest.json                 seed, size, creation time, calibration sources, checksum, "synthetic"
    signals/<FEED>/<key>.parquet  the good rows of one accepted batch
    feeds/<as_of>/<feed>.csv      demo feeds written by synth_signals before they are ingested

Every file is written to a temporary name in the same folder and renamed into place, so a crash
never leaves a half-written file under the final name (a rename within one file system is atomic).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

HOUSEHOLDS_FILE = "households.parquet"
MANIFEST_FILE = "manifest.json"
SIGNALS_FOLDER = "signals"
FEEDS_FOLDER = "feeds"


class PopulationMissing(Exception):
    """No population has been generated (or extracted) into the folder yet."""


def population_dir() -> Path:
    """The population folder, read from the settings at call time (never at import)."""
    configured = getattr(settings, "ITDA_POPULATION_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "population"


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; on success rename it to ``final``, on failure remove it."""
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        # mkstemp creates the file private (0600); the web server reads these too.
        temporary.chmod(0o644)
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)


def write_atomically(final: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(temporary_path)`` and rename the result to ``final`` only if it succeeded."""
    with atomic_path(final) as temporary:
        write(temporary)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    """What is known about the households file without reading it."""

    seed: int | None
    households: int
    created_at: str
    is_synthetic: bool
    households_sha256: str
    households_bytes: int
    income_year: int | None
    indicator_year: int | None
    sources: tuple[str, ...]
    folder: Path

    @property
    def households_path(self) -> Path:
        return self.folder / HOUSEHOLDS_FILE

    @property
    def key(self) -> str:
        """The population's identity: the checksum of its households file."""
        return self.households_sha256

    def as_dict(self) -> dict[str, Any]:
        return {
            "synthetic": self.is_synthetic,
            "seed": self.seed,
            "households": self.households,
            "created_at": self.created_at,
            "households_sha256": self.households_sha256,
            "households_bytes": self.households_bytes,
            "calibration": {
                "income_year": self.income_year,
                "indicator_year": self.indicator_year,
                "sources": list(self.sources),
            },
        }


def write_manifest(manifest: Manifest) -> None:
    text = json.dumps(manifest.as_dict(), ensure_ascii=False, indent=2) + "\n"
    write_atomically(manifest.folder / MANIFEST_FILE, lambda path: path.write_text(text, encoding="utf-8"))


def read_manifest(folder: Path | None = None) -> Manifest:
    """The manifest of the population in ``folder`` (default: the configured folder).

    Raises PopulationMissing when there is none, or when the households file does not match it
    (a size check: cheap, and enough to notice a file replaced without its manifest).
    """
    folder = folder or population_dir()
    path = folder / MANIFEST_FILE
    households = folder / HOUSEHOLDS_FILE
    if not path.exists() or not households.exists():
        raise PopulationMissing(
            f"{folder}에 인구 자료가 없습니다. 먼저 'manage.py synth --households 50000 --seed 2026'을 실행하세요 "
            f"(no population in {folder}; run synth first)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        calibration = data.get("calibration") or {}
        manifest = Manifest(
            seed=data.get("seed"),
            households=int(data["households"]),
            created_at=str(data["created_at"]),
            is_synthetic=bool(data.get("synthetic", False)),
            households_sha256=str(data["households_sha256"]),
            households_bytes=int(data["households_bytes"]),
            income_year=calibration.get("income_year"),
            indicator_year=calibration.get("indicator_year"),
            sources=tuple(calibration.get("sources") or ()),
            folder=folder,
        )
    except (ValueError, KeyError, TypeError) as error:
        raise PopulationMissing(f"{path}을(를) 읽을 수 없습니다 (unreadable manifest): {error}") from error
    if households.stat().st_size != manifest.households_bytes:
        raise PopulationMissing(
            f"{households}가 manifest.json과 맞지 않습니다. synth를 다시 실행하세요 "
            "(households file does not match its manifest; run synth again)"
        )
    return manifest


def signals_path(folder: Path, feed: str, key: str) -> Path:
    return folder / SIGNALS_FOLDER / feed / f"{key}.parquet"
