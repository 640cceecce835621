"""Population discovery, end to end: synthesize, ingest feeds, score, and turn worklists into outreach.

This module is the bridge between the database and the pure ``analytics`` package: it extracts rows
(reference data, rules, who is already known to the care team), calls the package, and stores results
in the aggregate tables of ``models.py``. Every step can be run again:

* ``synthesize_population`` writes the same households for the same seed, size and calibration;
* ``ingest_signal_file`` accepts a file once per feed (checksum) and loads either a batch and its
  Parquet file together, or nothing;
* ``score_population`` returns the existing run when its inputs are unchanged;
* ``send_worklist`` opens an outreach task once per household and as-of date.

Exceptions: ``PopulationMissing`` (files.py), ``DuplicateBatch``, ``RiskModelInvalid``,
``ScoringFailed``, ``OutreachRefused``; all carry a Korean-first message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

import analytics
from itda.insights import files
from itda.insights.files import Manifest
from itda.insights.models import IngestBatch, RiskModelVersion, ScoreRun, TierCount, WorklistEntry

Progress = Callable[[str], None]

DEFAULT_LISTED_TIERS = ("HIGH", "MEDIUM")
OUTREACH_DUE_DAYS = {"HIGH": 7}
OUTREACH_DEFAULT_DUE_DAYS = 14
BULK_SIZE = 2000


class DuplicateBatch(Exception):
    """The same file (same checksum) was already accepted for this feed; nothing was loaded again."""

    def __init__(self, existing: IngestBatch):
        self.existing = existing
        super().__init__(
            f"이미 적재한 파일입니다: {existing.feed} 묶음 #{existing.pk} ({existing.file_name}, "
            f"{existing.finished_at:%Y-%m-%d %H:%M}) — 다시 적재하지 않습니다 "
            f"(already loaded as batch #{existing.pk}; not loaded again)"
        )


class RiskModelInvalid(Exception):
    """A risk model definition cannot be used: malformed, or its version already exists."""


class ScoringFailed(Exception):
    """Scoring could not finish; the run is marked FAILED and no result of it is kept."""


class OutreachRefused(Exception):
    """The worklist cannot be sent: the actor may not, or the district has no team to receive it."""


def _tick(progress: Progress | None, step: str) -> None:
    if progress is not None:
        progress(step)


# --- synthetic population ---------------------------------------------------------------------------


def latest_income_year() -> int:
    """The latest year with a standard median income for every household size the generator uses (1–6)."""
    from itda.programs.models import MedianIncome

    years = sorted(set(MedianIncome.objects.values_list("year", flat=True)), reverse=True)
    medians = _median_table()
    for year in years:
        if all(medians.monthly_krw(year, size) is not None for size in range(1, 7)):
            return year
    raise analytics.CalibrationError("기준 중위소득이 적재되지 않았습니다: load_reference를 실행하세요 (no median income loaded)")


def _median_table() -> analytics.MedianIncomeTable:
    from itda.programs.queries import median_income_table

    return median_income_table()


def build_calibration(*, income_year: int | None = None) -> analytics.Calibration:
    """The generator's calibration from the loaded reference data (districts, current dongs, indicators, medians).

    Raises analytics.CalibrationError naming the first missing figure.
    """
    from itda.places.models import District, DistrictIndicator, Dong

    districts = list(District.objects.values("code", "name"))
    dongs = [
        {"code": code, "district_code": district_code}
        for code, district_code in Dong.objects.filter(valid_to_date__isnull=True).values_list("code", "district__code")
    ]
    indicators = [
        {"district": code, "year": year, "indicator": indicator, "value": value}
        for code, year, indicator, value in DistrictIndicator.objects.filter(district__isnull=False).values_list(
            "district__code", "year", "indicator", "value"
        )
    ]
    return analytics.calibration_from_tables(
        districts=districts,
        dongs=dongs,
        indicators=indicators,
        medians=_median_table(),
        income_year=income_year or latest_income_year(),
    )


def synthesize_population(
    *,
    households: int,
    seed: int,
    now: dt.datetime,
    folder: Path | None = None,
    income_year: int | None = None,
    progress: Progress | None = None,
) -> Manifest:
    """Generate synthetic Seoul and write ``households.parquet`` and ``manifest.json`` into ``folder``.

    Guarantees: the same seed, size and reference data give a byte-identical households file (the
    population key is its checksum, so batches and runs made for it stay valid); each file is written
    under a temporary name and renamed, so a crash leaves the previous file or the new one, never half
    of one. Raises ValueError for a size outside 10,000–10,000,000 and analytics.CalibrationError when
    the reference data lacks a figure.
    """
    folder = folder or files.population_dir()
    _tick(progress, "calibrate")
    calibration = build_calibration(income_year=income_year)
    frame = analytics.synthesize_households(
        households=households,
        seed=seed,
        calibration=calibration,
        progress=None if progress is None else (lambda step: progress(f"generate:{step}")),
    )
    _tick(progress, "write")
    target = folder / files.HOUSEHOLDS_FILE
    files.write_atomically(target, lambda path: frame.write_parquet(path, statistics=False))
    manifest = Manifest(
        seed=seed,
        households=frame.height,
        created_at=now.isoformat(timespec="seconds"),
        is_synthetic=True,
        households_sha256=files.file_sha256(target),
        households_bytes=target.stat().st_size,
        income_year=calibration.income_year,
        indicator_year=calibration.indicator_year,
        sources=calibration.sources,
        folder=folder,
    )
    _tick(progress, "manifest")
    files.write_manifest(manifest)
    return manifest


def read_households(manifest: Manifest) -> pl.LazyFrame:
    return pl.scan_parquet(manifest.households_path)


# --- signal ingestion ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    batch: IngestBatch
    problems: list[analytics.FeedProblem]


def _decode_csv(raw: bytes) -> bytes:
    """UTF-8 text as polars reads it; Korean agencies often deliver CP949 (EUC-KR), which is converted."""
    try:
        return raw.decode("utf-8-sig").encode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp949").encode("utf-8")


def read_feed_table(path: Path) -> tuple[pl.DataFrame, int]:
    """The file as a table (CSV: every column as text) and the file line of its first data row.

    Raises analytics.FeedError when the file cannot be read at all.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            data = _decode_csv(path.read_bytes())
            return pl.read_csv(io.BytesIO(data), infer_schema=False), 2
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(path), 1
    except (OSError, UnicodeDecodeError, pl.exceptions.PolarsError) as error:
        raise analytics.FeedError(
            [
                analytics.FeedProblem(
                    "", None, None, None, f"파일을 읽을 수 없습니다 (cannot read the file): {error}".strip()[:300]
                )
            ]
        ) from error
    raise analytics.FeedError(
        [analytics.FeedProblem("", None, None, None, f"CSV나 Parquet 파일이 아닙니다: {path.name} (not a .csv or .parquet file)")]
    )


def _problem_dict(problem: analytics.FeedProblem) -> dict[str, Any]:
    return {"line": problem.line, "column": problem.column, "value": problem.value, "reason": problem.reason}


def _population_checks(
    good: pl.DataFrame, lines: list[int], *, feed: str, known_ids: pl.Series, as_of: dt.date
) -> tuple[pl.DataFrame, list[analytics.FeedProblem]]:
    """Refuse rows of households not in the population and events after the feed's as-of date."""
    checked = good.with_columns(
        _line=pl.Series(lines, dtype=pl.Int64),
        _unknown=~pl.col("household_id").is_in(known_ids.implode()),
        _future=pl.col("signal_date") > pl.lit(as_of),
    )
    problems = []
    for row in checked.filter(pl.col("_unknown") | pl.col("_future")).iter_rows(named=True):
        if row["_unknown"]:
            problems.append(
                analytics.FeedProblem(
                    feed,
                    row["_line"],
                    "household_id",
                    str(row["household_id"]),
                    "인구 자료에 없는 가구 번호입니다 (household not in the population data)",
                )
            )
        if row["_future"]:
            problems.append(
                analytics.FeedProblem(
                    feed,
                    row["_line"],
                    "signal_date",
                    str(row["signal_date"]),
                    f"기준일 {as_of} 이후의 날짜입니다 (date after the feed's as-of date {as_of})",
                )
            )
    kept = checked.filter(~pl.col("_unknown") & ~pl.col("_future")).drop("_line", "_unknown", "_future")
    return kept, problems


def _record_batch(**fields: Any) -> IngestBatch:
    return IngestBatch.objects.create(**fields)


def ingest_signal_file(
    *,
    path: Path,
    feed: str,
    as_of: dt.date,
    now: dt.datetime,
    source: str = "",
    folder: Path | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Validate one feed file against its schema and the population, keep the good rows, report the bad ones.

    Guarantees: an accepted batch (LOADED or PARTIAL) and the Parquet file of its good rows exist
    together or not at all — the file is renamed into place first and removed again if recording the
    batch fails. A file that cannot be read as the feed (unknown feed, missing required column,
    unreadable) or whose every row is bad is stored as a REJECTED batch with its report and loads
    nothing. Problems name the file line, the column and the reason (Korean first).

    Raises DuplicateBatch when the same file (checksum) was already accepted for the feed, and
    PopulationMissing when there is no population to check household ids against.
    """
    folder = folder or files.population_dir()
    manifest = files.read_manifest(folder)
    _tick(progress, "checksum")
    sha256 = files.file_sha256(path)
    existing = IngestBatch.objects.filter(feed=feed, sha256=sha256, status__in=IngestBatch.ACCEPTED).first()
    if existing is not None:
        raise DuplicateBatch(existing)
    common = {
        "feed": feed,
        "file_name": path.name[:255],
        "sha256": sha256,
        "population_sha256": manifest.key,
        "as_of_date": as_of,
        "source": source,
        "started_at": now,
    }
    _tick(progress, "read")
    try:
        frame, first_line = read_feed_table(path)
        _tick(progress, "validate")
        good, problems = analytics.validate_feed(frame, feed=feed, first_line=first_line)
    except analytics.FeedError as error:
        problems = [analytics.FeedProblem(feed, p.line, p.column, p.value, p.reason) for p in error.problems]
        batch = _record_batch(
            **common,
            status=IngestBatch.Status.REJECTED,
            problem_count=len(problems),
            problems=[_problem_dict(p) for p in problems[: IngestBatch.STORED_PROBLEMS]],
            finished_at=now,
        )
        return IngestResult(batch, problems)

    _tick(progress, "households")
    bad_lines = {problem.line for problem in problems if problem.line is not None}
    lines = [line for line in range(first_line, first_line + frame.height) if line not in bad_lines]
    known_ids = read_households(manifest).select("household_id").collect()["household_id"]
    good, extra = _population_checks(good, lines, feed=feed, known_ids=known_ids, as_of=as_of)
    problems = sorted([*problems, *extra], key=lambda p: (p.line or 0, p.column or ""))
    counts = {
        "rows_read": frame.height,
        "rows_kept": good.height,
        "rows_rejected": frame.height - good.height,
        "problem_count": len(problems),
        "problems": [_problem_dict(p) for p in problems[: IngestBatch.STORED_PROBLEMS]],
        "finished_at": now,
    }
    if frame.height and not good.height:
        return IngestResult(_record_batch(**common, **counts, status=IngestBatch.Status.REJECTED), problems)

    _tick(progress, "write")
    key = f"{now:%Y%m%dT%H%M%S}-{sha256[:12]}"
    target = files.signals_path(folder, feed, key)
    files.write_atomically(target, good.write_parquet)
    status = IngestBatch.Status.LOADED if good.height == frame.height else IngestBatch.Status.PARTIAL
    try:
        with transaction.atomic():
            batch = _record_batch(**common, **counts, status=status, path=str(target.relative_to(folder)))
    except IntegrityError:
        target.unlink(missing_ok=True)
        raise DuplicateBatch(IngestBatch.objects.get(feed=feed, sha256=sha256, status__in=IngestBatch.ACCEPTED)) from None
    except BaseException:
        # Nothing half-loaded: the file goes with the row that failed to be written.
        target.unlink(missing_ok=True)
        raise
    return IngestResult(batch, problems)


def accepted_batches(manifest: Manifest) -> list[IngestBatch]:
    """The accepted batches checked against this population, oldest first."""
    return list(IngestBatch.objects.filter(population_sha256=manifest.key, status__in=IngestBatch.ACCEPTED).order_by("pk"))


def write_demo_feeds(
    *, as_of: dt.date, seed: int, folder: Path | None = None, file_format: str = "csv", bad_rows: int = 0
) -> list[tuple[str, Path]]:
    """Write plausible feeds for the synthetic population as files a delivering agency would send.

    One file per feed under ``feeds/<as_of>/`` (CSV or Parquet), each written atomically;
    ``bad_rows`` malformed lines are appended to the telecom feed (CSV only) so that the validation
    report can be seen in a demo. Returns (feed, path) pairs. Raises PopulationMissing.
    """
    folder = folder or files.population_dir()
    manifest = files.read_manifest(folder)
    households = read_households(manifest).collect()
    feeds = analytics.synthesize_signals(households, seed=seed, as_of=as_of)
    written = []
    for feed, frame in feeds.items():
        target = (
            folder / files.FEEDS_FOLDER / as_of.isoformat() / f"{feed.lower()}.{'csv' if file_format == 'csv' else 'parquet'}"
        )
        if file_format == "csv":
            text = frame.write_csv()
            if feed == "TELECOM_ARREARS" and bad_rows:
                text += _bad_telecom_rows(bad_rows, as_of)
            files.write_atomically(target, lambda temporary, text=text: temporary.write_text(text, encoding="utf-8"))
        else:
            files.write_atomically(target, lambda temporary, frame=frame: frame.write_parquet(temporary))
        written.append((feed, target))
    return written


def _bad_telecom_rows(count: int, as_of: dt.date) -> str:
    """Lines an agency's export gets wrong: a date in the wrong format, a missing value, a household that does not exist."""
    samples = [
        f"1,{as_of:%d/%m/%Y},2,110000\n",
        f"2,{as_of},,55000\n",
        f"999999999,{as_of},3,165000\n",
        f"3,{as_of},세달,\n",
    ]
    return "".join(samples[index % len(samples)] for index in range(count))


# --- risk models --------------------------------------------------------------------------------------


def _default_model_path() -> Path:
    return Path(settings.ITDA_DATA_DIR) / "insights" / "risk_model.json"


def _parse_model(definition: dict[str, Any]) -> analytics.RiskModel:
    try:
        return analytics.RiskModel.from_dict(definition)
    except analytics.RiskModelError as error:
        raise RiskModelInvalid(str(error)) from error


def check_new_risk_model(definition: dict[str, Any]) -> analytics.RiskModel:
    """The model a definition describes, if it is well formed and its version is new; raises RiskModelInvalid."""
    model = _parse_model(definition)
    if RiskModelVersion.objects.filter(version=model.version).exists():
        raise RiskModelInvalid(
            f"위험 모델 버전 {model.version}은(는) 이미 있습니다. 새 버전 이름을 쓰세요 "
            f"(version {model.version} exists; use a new one)"
        )
    return model


def add_risk_model_version(
    *, actor, definition: dict[str, Any], now: dt.datetime, description: str = "", source: str = ""
) -> RiskModelVersion:
    """Store a new version of the points model. Versions are never changed: a new version is a new row.

    Raises RiskModelInvalid when the definition is malformed or its version already exists.
    """
    from itda.audit.services import record_access

    model = check_new_risk_model(definition)
    stored = {**definition, **model.to_dict()}
    try:
        with transaction.atomic():
            version = RiskModelVersion.objects.create(
                version=model.version,
                definition=stored,
                description=description,
                source=source[:200],
                created_at=now,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            record_access(actor=actor, action="CREATE", target=version, fields=["definition"], at=now)
    except IntegrityError:
        raise RiskModelInvalid(f"위험 모델 버전 {model.version}은(는) 이미 있습니다 (version {model.version} exists)") from None
    return version


def load_default_risk_model(*, now: dt.datetime) -> RiskModelVersion:
    """Store the default model of ``data/insights/risk_model.json`` unless its version is already stored; return it."""
    path = _default_model_path()
    definition = json.loads(path.read_text(encoding="utf-8"))
    model = _parse_model(definition)
    existing = RiskModelVersion.objects.filter(version=model.version).first()
    if existing is not None:
        return existing
    try:
        return add_risk_model_version(
            actor=None, definition=definition, now=now, description="기본 모델 (default model)", source=str(path.name)
        )
    except RiskModelInvalid:
        return RiskModelVersion.objects.get(version=model.version)


def risk_model_version(*, version: str | None, now: dt.datetime) -> RiskModelVersion:
    """The named version, or the newest one (the default file's version is stored first if none is)."""
    if version:
        found = RiskModelVersion.objects.filter(version=version).first()
        if found is None:
            known = ", ".join(RiskModelVersion.objects.order_by("pk").values_list("version", flat=True)) or "-"
            raise RiskModelInvalid(f"위험 모델 버전 {version}이(가) 없습니다; 있는 버전: {known} (no such version)")
        return found
    newest = RiskModelVersion.objects.order_by("-created_at", "-pk").first()
    return newest or load_default_risk_model(now=now)


# --- scoring --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreOutcome:
    run: ScoreRun
    created: bool


def _digits(values: Iterable[str]) -> set[int]:
    return {int(value) for value in values if value and value.isdigit()}


@dataclass(frozen=True)
class KnownHouseholds:
    """Households the care team already knows, from people's ``household_ref`` and open tasks."""

    monitored: set[int]
    in_open_case: set[int]
    previously_unreachable: set[int]

    @property
    def excluded(self) -> set[int]:
        """Left off a worklist: monitored, or in an open case unless the last outreach ended unreachable."""
        return self.monitored | (self.in_open_case - self.previously_unreachable)


def _outreach_chain_outcomes() -> dict[str, str]:
    """The last outcome of each household's outreach chain, by household reference.

    A chain starts with an OUTREACH task; the next steps opened when it ends unreachable (a visit,
    another call: ``source_type`` "cases.caretask" pointing at the task before) and their own next
    steps belong to it. Only outreach outcomes (reached, no need, unreachable) count, the latest
    completed wins. One read of the tasks on households, then set-based work in Polars.
    """
    from itda.cases.models import CareTask

    rows = list(
        CareTask.objects.exclude(household_ref="").values_list(
            "pk", "household_ref", "kind", "status", "outcome", "completed_at", "source_type", "source_id"
        )
    )
    if not rows:
        return {}
    tasks = pl.DataFrame(
        rows,
        schema={
            "pk": pl.Int64,
            "household_ref": pl.String,
            "kind": pl.String,
            "status": pl.String,
            "outcome": pl.String,
            "completed_at": pl.Datetime("us", "UTC"),
            "source_type": pl.String,
            "source_id": pl.String,
        },
        orient="row",
    ).with_columns(
        parent=pl.when(pl.col("source_type") == "cases.caretask").then(pl.col("source_id").cast(pl.Int64, strict=False))
    )
    in_chain = tasks.filter(pl.col("kind") == CareTask.Kind.OUTREACH)["pk"]
    while True:
        grown = tasks.filter(pl.col("pk").is_in(in_chain.implode()) | pl.col("parent").is_in(in_chain.implode()))["pk"]
        if grown.len() == in_chain.len():
            break
        in_chain = grown
    last = (
        tasks.filter(
            pl.col("pk").is_in(in_chain.implode())
            & (pl.col("status") == CareTask.Status.DONE)
            & pl.col("outcome").is_in(list(OUTREACH_OUTCOMES))
        )
        .sort("completed_at", "pk", nulls_last=False)
        .group_by("household_ref", maintain_order=True)
        .agg(pl.col("outcome").last())
    )
    return dict(last.iter_rows())


def known_households() -> KnownHouseholds:
    """Who is already monitored or in an open case (task, referral, assignment), and whose outreach chain ended unreachable.

    "Previously unreachable" follows the whole chain: the outreach task and the visits and calls
    opened as its next steps; the last outcome wins, so a household reached by the follow-up visit
    is no longer flagged. A plain read for services (no audit): only household ids leave this function.
    """
    from itda.cases.models import CareTask, CaseAssignment
    from itda.cases.services import UNREACHABLE
    from itda.households.models import MonitoringEnrolment
    from itda.people.models import Person
    from itda.referrals.models import OPEN_STATUSES, Referral

    people = Person.objects.exclude(household_ref="")
    monitored = _digits(
        people.filter(pk__in=MonitoringEnrolment.objects.filter(end_at__isnull=True).values("person_id")).values_list(
            "household_ref", flat=True
        )
    )
    open_task = Q(status__in=[CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS])
    in_case = people.filter(
        Q(pk__in=CaseAssignment.objects.filter(end_at__isnull=True).values("person_id"))
        | Q(pk__in=CareTask.objects.filter(open_task, person__isnull=False).values("person_id"))
        | Q(pk__in=Referral.objects.filter(status__in=list(OPEN_STATUSES)).values("person_id"))
    ).values_list("household_ref", flat=True)
    task_refs = CareTask.objects.filter(open_task).exclude(household_ref="").values_list("household_ref", flat=True)
    unreachable = _digits(reference for reference, outcome in _outreach_chain_outcomes().items() if outcome == UNREACHABLE)
    return KnownHouseholds(
        monitored=monitored, in_open_case=_digits(in_case) | _digits(task_refs), previously_unreachable=unreachable
    )


def _known_fingerprint(known: KnownHouseholds) -> str:
    """A checksum of the de-duplication inputs: a rerun after any of them changes is a new run."""
    digest = hashlib.sha256()
    for name, values in (
        ("monitored", known.monitored),
        ("in_open_case", known.in_open_case),
        ("previously_unreachable", known.previously_unreachable),
    ):
        digest.update(f"{name}:{','.join(map(str, sorted(values)))};".encode())
    return digest.hexdigest()


# What discovery scores; part of the run's identity, so runs made before the scope existed are not reused.
SCORED_SCOPE = "single-person-households"


def _input_key(
    *,
    manifest: Manifest,
    as_of: dt.date,
    model: RiskModelVersion,
    batch_ids: Sequence[int],
    tiers: Sequence[str],
    known: KnownHouseholds,
) -> str:
    payload = {
        "population": manifest.key,
        "scope": SCORED_SCOPE,
        "as_of": as_of.isoformat(),
        "model": model.version,
        "definition": model.definition,
        "batches": sorted(batch_ids),
        "tiers": sorted(tiers),
        "known": _known_fingerprint(known),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _reusable_run(*, key: str, manifest: Manifest, as_of: dt.date) -> tuple[ScoreRun | None, str]:
    """The finished run to return for these inputs, or None and the key a new run is stored under.

    A finished run with the same key is returned only while it is the newest run of this population
    and date: when the de-duplication inputs went A → B → A, the run for A is older than the one for
    B, and returning it would leave the newer (stale) run on the dashboard. The new run's key is then
    derived from the old run's, so the next rerun with the same inputs finds it.
    """
    newest = (
        ScoreRun.objects.filter(population_sha256=manifest.key, as_of_date=as_of, status=ScoreRun.Status.DONE)
        .order_by("-finished_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    while True:
        found = ScoreRun.objects.filter(input_key=key, status=ScoreRun.Status.DONE).first()
        if found is None:
            return None, key
        if found.pk == newest or found.population_sha256 != manifest.key or found.as_of_date != as_of:
            return found, key
        key = hashlib.sha256(f"{key}:after-run-{found.pk}".encode()).hexdigest()


def _signals(manifest: Manifest, batches: Sequence[IngestBatch]) -> dict[str, pl.LazyFrame]:
    paths: dict[str, list[Path]] = {}
    for batch in batches:
        path = manifest.folder / batch.path
        if not path.exists():
            raise ScoringFailed(f"묶음 #{batch.pk}의 파일 {path}이(가) 없습니다 (the file of batch #{batch.pk} is missing)")
        paths.setdefault(batch.feed, []).append(path)
    return {feed: pl.scan_parquet(feed_paths) for feed, feed_paths in paths.items()}


def score_population(
    *,
    as_of: dt.date,
    now: dt.datetime,
    model_version: str | None = None,
    tiers: Sequence[str] = DEFAULT_LISTED_TIERS,
    folder: Path | None = None,
    progress: Progress | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> ScoreOutcome:
    """Score every single-person household as of a date over every accepted batch; store tier counts and the worklist.

    Only people living alone are scored (``analytics.single_person_households``): the tier counts,
    ``households_scored`` and the worklists are of one-person households; ``population_households``
    keeps the population's size. Guarantees: the same population, date, model, batches, listed tiers
    and de-duplication inputs (who is monitored, in an open case, last unreachable) return the
    existing DONE run (``created`` False) and write nothing, as long as it is the newest run of that
    population and date; otherwise a new run is stored with, in one transaction,
    its tier counts per district and dong and its worklist entries (households in ``tiers``, ranked,
    without people already monitored or in an open case; households whose outreach chain last
    ended unreachable are kept, flagged, whatever their tier — a household of several people is not
    scored, and its open next step stays in the cases app). Raises PopulationMissing, RiskModelInvalid,
    or ScoringFailed (the run is then marked FAILED with the reason).
    """
    from itda.places.models import District, Dong

    folder = folder or files.population_dir()
    clock = clock or (lambda: now)
    manifest = files.read_manifest(folder)
    model_row = risk_model_version(version=model_version, now=now)
    model = _parse_model(model_row.definition)
    unknown_tiers = sorted(set(tiers) - set(model.tier_names))
    if not tiers or unknown_tiers:
        raise ScoringFailed(
            f"모델 {model.version}에 없는 등급입니다: {', '.join(unknown_tiers) or '-'}; "
            f"있는 등급: {', '.join(model.tier_names)} "
            f"(unknown tiers)"
        )
    batches = accepted_batches(manifest)
    batch_ids = [batch.pk for batch in batches]
    # Who is already known is read first: it is part of the run's identity (a rerun after an outcome,
    # an enrolment or a closed case is a new run) and the same sets de-duplicate the worklist below.
    known = known_households()
    key = _input_key(manifest=manifest, as_of=as_of, model=model_row, batch_ids=batch_ids, tiers=tiers, known=known)
    existing, key = _reusable_run(key=key, manifest=manifest, as_of=as_of)
    if existing is not None:
        return ScoreOutcome(existing, created=False)

    run = ScoreRun.objects.create(
        input_key=key,
        population_sha256=manifest.key,
        population_households=manifest.households,
        is_synthetic=manifest.is_synthetic,
        as_of_date=as_of,
        model=model_row,
        batch_ids=batch_ids,
        listed_tiers=list(tiers),
        started_at=now,
    )
    try:
        _tick(progress, "read")
        households = read_households(manifest)
        signals = _signals(manifest, batches)
        _tick(progress, "score")
        scored = analytics.score_households(analytics.single_person_households(households), signals, model=model, as_of=as_of)
        _tick(progress, "worklist")
        kept = pl.Series("household_id", sorted(known.previously_unreachable), dtype=pl.Int64)
        candidates = scored.filter(pl.col("tier").is_in(list(tiers)) | pl.col("household_id").is_in(kept.implode()))
        excluded = pl.Series("household_id", sorted(known.excluded), dtype=pl.Int64)
        listed = analytics.worklists(candidates, households, exclude_household_ids=excluded, tiers=list(model.tier_names))
        excluded_count = scored.filter(
            pl.col("tier").is_in(list(tiers)) & pl.col("household_id").is_in(excluded.implode())
        ).height
        by_district = analytics.tier_counts(scored, households, model=model, by="district")
        by_dong = analytics.tier_counts(scored, households, model=model, by="dong")
        district_ids = dict(District.objects.values_list("code", "pk"))
        dong_ids = {code: (pk, district_id) for code, pk, district_id in Dong.objects.values_list("code", "pk", "district_id")}
        missing = sorted(set(by_dong["dong"].to_list()) - set(dong_ids)) + sorted(
            set(by_district["district"].to_list()) - set(district_ids)
        )
        if missing:
            raise ScoringFailed(
                f"기준정보에 없는 자치구·행정동 코드입니다: {', '.join(missing[:5])} (codes not in the reference data)"
            )
        _tick(progress, "store")
        tier_rows = [
            TierCount(run=run, district_id=district_ids[row["district"]], tier=tier, households=row[tier])
            for row in by_district.iter_rows(named=True)
            for tier in model.tier_names
        ] + [
            TierCount(
                run=run, district_id=dong_ids[row["dong"]][1], dong_id=dong_ids[row["dong"]][0], tier=tier, households=row[tier]
            )
            for row in by_dong.iter_rows(named=True)
            for tier in model.tier_names
        ]
        entries = [
            WorklistEntry(
                run=run,
                household_id=row["household_id"],
                district_id=district_ids[row["district"]],
                dong_id=dong_ids[row["dong"]][0],
                rank_in_district=row["rank_in_district"],
                rank_in_dong=row["rank_in_dong"],
                score=f"{row['score']:.2f}",
                tier=row["tier"],
                signal_count=row["signal_count"],
                signals=[
                    {"code": row[f"signal_{rank}"], "points": row[f"points_{rank}"]}
                    for rank in (1, 2, 3)
                    if row[f"signal_{rank}"] is not None
                ],
                was_unreachable=row["household_id"] in known.previously_unreachable,
            )
            for row in listed.iter_rows(named=True)
        ]
        totals = {tier: int(by_district[tier].sum()) for tier in model.tier_names}
        with transaction.atomic():
            TierCount.objects.bulk_create(tier_rows, batch_size=BULK_SIZE)
            WorklistEntry.objects.bulk_create(entries, batch_size=BULK_SIZE)
            ScoreRun.objects.filter(pk=run.pk).update(
                status=ScoreRun.Status.DONE,
                households_scored=scored.height,
                excluded_households=excluded_count,
                worklist_size=len(entries),
                tier_totals=totals,
                finished_at=clock(),
            )
    except IntegrityError:
        # Another process finished the same inputs first: keep its run, drop this one.
        ScoreRun.objects.filter(pk=run.pk).update(status=ScoreRun.Status.FAILED, error="같은 입력의 실행이 먼저 끝남 (duplicate)")
        return ScoreOutcome(ScoreRun.objects.get(input_key=key, status=ScoreRun.Status.DONE), created=False)
    except (ScoringFailed, pl.exceptions.PolarsError, OSError, ValueError) as error:
        ScoreRun.objects.filter(pk=run.pk).update(status=ScoreRun.Status.FAILED, error=str(error)[:2000], finished_at=clock())
        if isinstance(error, ScoringFailed):
            raise
        raise ScoringFailed(f"점수 계산에 실패했습니다 (scoring failed): {error}") from error
    except BaseException as error:
        # Anything else (a database error, Ctrl-C) still leaves the run marked, never RUNNING forever.
        ScoreRun.objects.filter(pk=run.pk, status=ScoreRun.Status.RUNNING).update(
            status=ScoreRun.Status.FAILED, error=repr(error)[:2000], finished_at=clock()
        )
        raise
    run.refresh_from_db()
    return ScoreOutcome(run, created=True)


RUN_RETENTION_DAYS = 730


def purge_score_runs(*, now: dt.datetime, retention_days: int = RUN_RETENTION_DAYS) -> int:
    """Delete runs (with their tier counts and worklist entries) finished more than ``retention_days`` ago.

    The newest finished run is always kept, so the dashboard never goes blank; outreach tasks opened
    from a run are the cases app's records and stay. Returns the number of runs deleted.
    """
    cutoff = now - dt.timedelta(days=retention_days)
    newest = (
        ScoreRun.objects.filter(status=ScoreRun.Status.DONE).order_by("-finished_at", "-pk").values_list("pk", flat=True).first()
    )
    old = ScoreRun.objects.filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, started_at__lt=cutoff)).exclude(
        pk=newest
    )
    with transaction.atomic():
        deleted = old.count()
        WorklistEntry.objects.filter(run__in=old).delete()
        TierCount.objects.filter(run__in=old).delete()
        old.delete()
    return deleted


# --- outreach -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutreachResult:
    created: int
    already_open: int
    without_team: int
    team_names: tuple[str, ...]


def _outreach_team(district_id: int, dong_id: int, teams_by_dong: dict, teams_by_district: dict):
    return teams_by_dong.get(dong_id) or teams_by_district.get(district_id)


def send_worklist(*, actor, run: ScoreRun, district, dong=None, now: dt.datetime) -> OutreachResult:
    """Turn a district's (or one dong's) worklist into outreach tasks through the cases app, once per household.

    Each household gets a task of kind OUTREACH for the dong's community-centre team when there is
    one, else the district's welfare-centre team, with dedupe key ``outreach:<as_of>:<household>`` so
    sending again (or rescoring the same date) never doubles a task. A household that already has an
    open task (for instance the next step after an unreachable outreach) is linked to that task
    instead. Raises OutreachRefused when the actor may not send this district's list (``actor`` None
    is the command line) or the run is not finished.
    """
    from itda.accounts.models import Team
    from itda.cases.models import CareTask
    from itda.cases.services import NewTask, open_tasks_in_bulk
    from itda.insights.permissions import can_send_worklist

    if actor is not None and not can_send_worklist(actor, district):
        raise OutreachRefused("이 자치구의 명단을 보낼 권한이 없습니다 (you may not send this district's worklist)")
    if run.status != ScoreRun.Status.DONE:
        raise OutreachRefused("끝난 점수 실행의 명단만 보낼 수 있습니다 (only a finished run's worklist can be sent)")
    entries = list(
        WorklistEntry.objects.filter(run=run, district=district, task__isnull=True, **({"dong": dong} if dong else {}))
        .select_related("dong")
        .order_by("rank_in_district")
    )
    teams = Team.objects.filter(district=district).order_by("pk")
    teams_by_dong: dict[int, Any] = {}
    teams_by_district: dict[int, Any] = {}
    for team in teams:
        if team.kind == Team.Kind.DONG_CENTRE and team.dong_id is not None:
            teams_by_dong.setdefault(team.dong_id, team)
        elif team.kind == Team.Kind.DISTRICT_CENTRE:
            teams_by_district.setdefault(team.district_id, team)
    references = [str(entry.household_id) for entry in entries]
    open_by_household = {
        task.household_ref: task
        for task in CareTask.objects.filter(
            household_ref__in=references, status__in=[CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS]
        ).order_by("-pk")
    }
    linked, to_open, without_team = [], [], 0
    for entry in entries:
        current = open_by_household.get(str(entry.household_id))
        if current is not None:
            entry.task = current
            linked.append(entry)
            continue
        team = _outreach_team(entry.district_id, entry.dong_id, teams_by_dong, teams_by_district)
        if team is None:
            without_team += 1
            continue
        to_open.append((entry, team))
    if without_team and not to_open and not linked:
        raise OutreachRefused(
            f"{district.name}에 명단을 받을 복지센터 팀이 없습니다 (no district or dong welfare-centre team to receive it)"
        )
    specs = [
        NewTask(
            team=team,
            kind=CareTask.Kind.OUTREACH,
            title=_outreach_title(entry),
            detail=_outreach_detail(entry, run),
            due_at=now + dt.timedelta(days=OUTREACH_DUE_DAYS.get(entry.tier, OUTREACH_DEFAULT_DUE_DAYS)),
            household_ref=str(entry.household_id),
            priority=CareTask.Priority.HIGH if entry.tier == "HIGH" or entry.was_unreachable else CareTask.Priority.NORMAL,
            dedupe_key=f"outreach:{run.as_of_date.isoformat()}:{entry.household_id}",
        )
        for entry, team in to_open
    ]
    with transaction.atomic():
        created, existing = open_tasks_in_bulk(
            actor=actor, tasks=specs, now=now, source_type="insights.scorerun", source_id=run.pk
        )
        by_key = {task.dedupe_key: task for task in [*created, *existing]}
        for entry, _team in to_open:
            entry.task = by_key[f"outreach:{run.as_of_date.isoformat()}:{entry.household_id}"]
        WorklistEntry.objects.bulk_update([entry for entry, _team in to_open] + linked, ["task"], batch_size=BULK_SIZE)
    return OutreachResult(
        created=len(created),
        already_open=len(existing) + len(linked),
        without_team=without_team,
        team_names=tuple(sorted({team.name for _entry, team in to_open})),
    )


def _outreach_title(entry: WorklistEntry) -> str:
    return f"위기 신호 가구 확인 · {entry.dong.name} · 가구 {entry.household_id} (outreach to household {entry.household_id})"[
        :200
    ]


ATTRIBUTE_LABELS = {
    "LIVING_ALONE": "혼자 삶",
    "AGED_65_LIVING_ALONE": "65세 이상 혼자 삶",
    "MAN_50_64_LIVING_ALONE": "50–64세 남성 혼자 삶",
}


def _signal_words(code: str) -> str:
    schema = analytics.FEEDS.get(code)
    return schema.label if schema is not None else ATTRIBUTE_LABELS.get(code, code)


def _outreach_detail(entry: WorklistEntry, run: ScoreRun) -> str:
    signals = ", ".join(f"{_signal_words(signal['code'])} {signal['points']:g}점" for signal in entry.signals)
    lines = [
        f"점수 {entry.score} · 등급 {entry.tier} · 기준일 {run.as_of_date} · 모델 {run.model.version}",
        f"주요 신호 (top signals): {signals}",
    ]
    if entry.was_unreachable:
        lines.append("이전 발굴 때 연락이 닿지 않았습니다 (previously unreachable): 방문을 우선하세요.")
    if run.is_synthetic:
        lines.append("합성 데이터 (synthetic data): 실제 가구가 아닙니다.")
    return "\n".join(lines)


OUTREACH_OUTCOMES = ("REACHED", "NO_NEED", "UNREACHABLE")
NEXT_STEP_KINDS = ("VISIT", "FOLLOW_UP_CALL")


def record_outreach_outcome(
    *,
    actor,
    task,
    outcome: str,
    now: dt.datetime,
    next_step_kind: str = "",
    next_step_due_at: dt.datetime | None = None,
):
    """Close an outreach task with its outcome through the cases app; returns (task, next-step task or None).

    UNREACHABLE never closes the household's trail: it needs a next step (a visit or another call with
    a date), opened for the same team in the same transaction, and the household stays on the next
    run's worklist flagged as previously unreachable. Raises cases.services.UnreachableNeedsNextStep
    when that step is missing, cases.services.TaskError when the task is already closed, and
    OutreachRefused for an unknown outcome.
    """
    from itda.cases.services import UNREACHABLE, NextStep, complete_task

    if outcome not in OUTREACH_OUTCOMES:
        raise OutreachRefused("결과를 고르세요: 연락됨, 지원 필요 없음, 연락 안 됨 (choose an outcome)")
    next_step = None
    if outcome == UNREACHABLE and next_step_kind in NEXT_STEP_KINDS and next_step_due_at is not None:
        next_step = NextStep(
            kind=next_step_kind,
            title=f"연락 안 됨 다음 조치 · 가구 {task.household_ref} (next step after unreachable)"[:200],
            due_at=next_step_due_at,
            team=task.team,
            assignee=task.assignee,
        )
    return complete_task(actor=actor, task=task, outcome=outcome, now=now, next_step=next_step)
