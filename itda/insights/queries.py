"""Reads for the discovery dashboard, the worklists and the policy simulation.

Aggregates (tier counts, simulation results) are read from the tables the services fill and hold
no household rows. Worklist rows are household-level: every read of them goes through
``worklist_page`` or ``entry_for_task``, which check access and write an audit entry naming every
household id shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import analytics
from itda.audit.services import record_access
from itda.insights import files
from itda.insights.models import IngestBatch, ScoreRun, SimulationResult, TierCount, WorklistEntry
from itda.insights.permissions import can_view_worklist, get_districts_for_worker, get_outreach_tasks_for_worker
from itda.places.models import District, Dong

WORKLIST_PAGE_SIZE = 50
WORKLIST_FIELDS = ("household_id", "dong", "score", "tier", "signals", "was_unreachable", "task")
SIMULATION_COLUMNS = ("age", "household_size", "monthly_income_krw", "district", "tenure", "housing_type", "has_disability")
INCOME_FIELD = "income_pct_median"
# Audit reasons are at most 200 characters; ids are split over as many entries as that takes.
AUDIT_REASON_LIMIT = 200


# --- labels ---------------------------------------------------------------------------------------------


def tier_label(tier: str) -> str:
    return {
        "HIGH": _("High"),
        "MEDIUM": _("Medium"),
        "LOW": _("Low"),
        analytics.NO_TIER: _("No tier"),
    }.get(tier, tier)


def signal_label(code: str) -> str:
    """A signal or household attribute in the page's language."""
    schema = analytics.FEEDS.get(code)
    if schema is not None:
        return schema.label_en if get_language() == "en" else schema.label
    return {
        "LIVING_ALONE": _("Lives alone"),
        "AGED_65_LIVING_ALONE": _("Aged 65 or over, living alone"),
        "MAN_50_64_LIVING_ALONE": _("Man aged 50–64 living alone"),
    }.get(code, code)


def feed_choices() -> list[tuple[str, str]]:
    return [(name, signal_label(name)) for name in analytics.FEEDS]


# --- runs and counts ------------------------------------------------------------------------------------


def latest_run() -> ScoreRun | None:
    """The most recently finished run (of any population), or None."""
    return ScoreRun.objects.filter(status=ScoreRun.Status.DONE).select_related("model").order_by("-finished_at", "-pk").first()


def run_tiers(run: ScoreRun) -> tuple[str, ...]:
    """The run's tiers, highest first, then NONE."""
    return analytics.RiskModel.from_dict(run.model.definition).tier_names


def tier_headers(run: ScoreRun | None) -> list[tuple[str, str]]:
    """(tier, label) for table headings, highest first."""
    return [(tier, tier_label(tier)) for tier in run_tiers(run)] if run else []


@dataclass
class AreaRow:
    """One district or dong with its households per tier."""

    code: str
    name: str
    tiers: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ordered_counts(self) -> list[int]:
        """Counts in the order of the run's tiers, highest first."""
        return [self.counts.get(tier, 0) for tier in self.tiers]

    @property
    def households(self) -> int:
        return sum(self.counts.values())

    def count(self, tier: str) -> int:
        return self.counts.get(tier, 0)

    @property
    def high(self) -> int:
        return self.count("HIGH")

    @property
    def high_per_thousand(self) -> float:
        return 1000 * self.high / self.households if self.households else 0.0


def district_rows(*, run: ScoreRun, user) -> list[AreaRow]:
    """Households per tier in each district the user may see, by district code."""
    districts = {d.pk: d for d in get_districts_for_worker(user)}
    tiers = run_tiers(run)
    rows: dict[int, AreaRow] = {
        pk: AreaRow(code=d.code, name=d.display_name, tiers=tiers)
        for pk, d in sorted(districts.items(), key=lambda item: item[1].code)
    }
    for district_id, tier, households in TierCount.objects.filter(
        run=run, dong__isnull=True, district_id__in=list(districts)
    ).values_list("district_id", "tier", "households"):
        rows[district_id].counts[tier] = households
    return list(rows.values())


def dong_rows(*, run: ScoreRun, district: District) -> list[AreaRow]:
    """Households per tier in each dong of a district, by dong name (aggregates: no access check needed beyond the district)."""
    tiers = run_tiers(run)
    rows: dict[int, AreaRow] = {
        dong.pk: AreaRow(code=dong.code, name=dong.name, tiers=tiers)
        for dong in Dong.objects.filter(district=district).defer("boundary_geojson").order_by("name")
    }
    for dong_id, tier, households in TierCount.objects.filter(run=run, district=district, dong__isnull=False).values_list(
        "dong_id", "tier", "households"
    ):
        if dong_id in rows:
            rows[dong_id].counts[tier] = households
    return [row for row in rows.values() if row.households]


def recent_batches(limit: int = 20) -> list[IngestBatch]:
    return list(IngestBatch.objects.order_by("-pk")[:limit])


# --- worklist rows (audited) ----------------------------------------------------------------------------


class WorklistRefused(Exception):
    """The user may not read this district's worklist rows."""


@dataclass(frozen=True)
class WorklistPage:
    rows: list[WorklistEntry]
    page: Any  # django.core.paginator.Page
    total: int


def _audit_households(*, actor, action: str, target_id: str, household_ids: list[int], path: str, now: dt.datetime) -> None:
    """Audit a read of household rows: the ids shown, split over entries of at most 200 characters of reason."""
    from itda.people.models import Person

    references = [str(value) for value in household_ids]
    people = list(Person.objects.filter(household_ref__in=references).values_list("pk", flat=True)) if references else []
    chunks: list[list[str]] = [[]]
    for reference in references:
        candidate = "households " + ",".join([*chunks[-1], reference])
        if chunks[-1] and len(candidate) > AUDIT_REASON_LIMIT:
            chunks.append([])
        chunks[-1].append(reference)
    with transaction.atomic():
        for index, chunk in enumerate(chunks):
            record_access(
                actor=actor,
                action=action,
                target_type="insights.worklistentry",
                target_id=target_id[:40],
                listed_person_ids=people if index == 0 else [],
                fields=WORKLIST_FIELDS,
                reason=("households " + ",".join(chunk)) if chunk else "households none",
                path=path,
                at=now,
            )


def worklist_page(
    *, actor, run: ScoreRun, district: District, dong: Dong | None = None, page: int = 1, path: str = "", now: dt.datetime
) -> WorklistPage:
    """One page of a district's (or dong's) ranked worklist, audited with every household id shown.

    Raises WorklistRefused when the actor may not read the district's rows (city staff never may).
    """
    if not can_view_worklist(actor, district):
        raise WorklistRefused
    entries = (
        WorklistEntry.objects.filter(run=run, district=district, **({"dong": dong} if dong else {}))
        .select_related("dong", "task")
        .order_by("rank_in_district" if dong is None else "rank_in_dong")
    )
    paginator = Paginator(entries, WORKLIST_PAGE_SIZE)
    shown = paginator.get_page(page)
    rows = list(shown.object_list)
    target = f"run{run.pk}:{district.code}" + (f":{dong.code}" if dong else "")
    _audit_households(
        actor=actor, action="LIST", target_id=target, household_ids=[row.household_id for row in rows], path=path, now=now
    )
    return WorklistPage(rows=rows, page=shown, total=paginator.count)


def entry_for_task(*, actor, task, path: str = "", now: dt.datetime) -> WorklistEntry | None:
    """The latest worklist entry behind an outreach task (score and signals), audited as a read of that household."""
    if not task.household_ref.isdigit():
        return None
    entry = (
        WorklistEntry.objects.filter(household_id=int(task.household_ref), run__status=ScoreRun.Status.DONE)
        .select_related("run", "run__model", "dong", "district")
        .order_by("-run__finished_at", "-pk")
        .first()
    )
    if entry is not None:
        _audit_households(
            actor=actor, action="READ", target_id=f"task{task.pk}", household_ids=[entry.household_id], path=path, now=now
        )
    return entry


OUTREACH_LIST_LIMIT = 200


def list_outreach_tasks(*, actor, path: str = "", now: dt.datetime) -> list:
    """Open outreach tasks (and their next steps) in the actor's queue, most urgent first; audited with the household ids."""
    from itda.cases.models import CareTask

    tasks = list(
        get_outreach_tasks_for_worker(actor)
        .filter(status__in=[CareTask.Status.OPEN, CareTask.Status.IN_PROGRESS])
        .order_by("priority", "due_at", "pk")[:OUTREACH_LIST_LIMIT]
    )
    household_ids = [int(task.household_ref) for task in tasks if task.household_ref.isdigit()]
    _audit_households(actor=actor, action="LIST", target_id="outreach", household_ids=household_ids, path=path, now=now)
    return tasks


# --- policy simulation -----------------------------------------------------------------------------------


def _costs_path() -> Path:
    return Path(settings.ITDA_DATA_DIR) / "insights" / "programme_costs.json"


def programme_costs() -> dict[str, dict[str, Any]]:
    """Unit costs with their sources and assumptions, by programme slug (data/insights/programme_costs.json)."""
    data = json.loads(_costs_path().read_text(encoding="utf-8"))
    return dict(data.get("programmes", {}))


@dataclass(frozen=True)
class FeeWaiver:
    """A programme's fee that is reduced below an income threshold (percent of the standard median income)."""

    label: str
    amount_krw: int
    reduced_amount_krw: int
    unit: str
    threshold: int
    rules: tuple[dict, ...]

    @property
    def forgone_krw(self) -> int:
        return self.amount_krw - self.reduced_amount_krw


@dataclass(frozen=True)
class WaiverFigure:
    """Households whose fee is waived in one district, and what the waivers cost, now and after a moved threshold."""

    code: str
    name: str
    waived: int
    waived_after: int | None
    cost_krw: int | None
    cost_after_krw: int | None

    @property
    def change(self) -> int | None:
        return None if self.waived_after is None else self.waived_after - self.waived

    @property
    def cost_change_krw(self) -> int | None:
        if self.cost_after_krw is None or self.cost_krw is None:
            return None
        return self.cost_after_krw - self.cost_krw


@dataclass(frozen=True)
class ProgrammeSummary:
    slug: str
    name: str
    eligible: int
    unknown: int
    yearly_cost_krw: int | None
    has_rules: bool
    has_income_rule: bool
    income_threshold: int | None
    cost: dict[str, Any] | None
    fee_waiver: FeeWaiver | None = None

    @property
    def can_move(self) -> bool:
        """A threshold the page can move: the income rule of eligibility, else the fee waiver's."""
        return self.has_income_rule or self.fee_waiver is not None


@dataclass(frozen=True)
class DistrictFigure:
    code: str
    name: str
    eligible: int
    unknown: int
    yearly_cost_krw: int | None
    eligible_after: int | None = None
    yearly_cost_after_krw: int | None = None

    @property
    def change(self) -> int | None:
        return None if self.eligible_after is None else self.eligible_after - self.eligible

    @property
    def cost_change_krw(self) -> int | None:
        if self.yearly_cost_after_krw is None or self.yearly_cost_krw is None:
            return None
        return self.yearly_cost_after_krw - self.yearly_cost_krw


@dataclass(frozen=True)
class Simulation:
    manifest: files.Manifest
    year: int
    programmes: list[ProgrammeSummary]
    without_rules: list[str]  # programmes whose eligibility rules are not entered yet: not simulated
    selected: ProgrammeSummary | None
    figures: list[DistrictFigure]
    percent: int | None
    moved: str | None  # "rule" (eligibility income threshold), "fee" (fee waiver threshold) or None
    waiver_figures: list[WaiverFigure]
    seconds: float
    was_cached: bool
    scope_district: str | None


class SimulationRefused(Exception):
    """The simulation request does not fit: unknown programme, no income rule, or a percentage out of range."""


def _programme_rules() -> tuple[dict[str, list[dict]], dict[str, str]]:
    from itda.programs.models import Program
    from itda.programs.queries import rules_by_program

    rules = rules_by_program()
    english = get_language() == "en"
    names = {
        slug: (name_en or name) if english else name
        for slug, name, name_en in Program.objects.filter(slug__in=list(rules)).values_list("slug", "name", "name_en")
    }
    return rules, names


def _fee_waivers(slugs: list[str]) -> dict[str, FeeWaiver]:
    """Each programme's first fee reduced below an income threshold, by slug."""
    from itda.programs.models import Fee

    english = get_language() == "en"
    waivers: dict[str, FeeWaiver] = {}
    fees = (
        Fee.objects.filter(program__slug__in=slugs, reduced_amount_krw__isnull=False)
        .order_by("program__slug", "pk")
        .values_list("program__slug", "label", "label_en", "amount_krw", "reduced_amount_krw", "unit", "reduction_rules")
    )
    for slug, label, label_en, amount, reduced, unit, rules in fees:
        threshold = _threshold([rule for rule in rules or [] if rule.get("field") == INCOME_FIELD])
        if slug in waivers or threshold is None:
            continue
        waivers[slug] = FeeWaiver(
            label=(label_en or label) if english else label,
            amount_krw=amount,
            reduced_amount_krw=reduced,
            unit=unit,
            threshold=threshold,
            rules=tuple({k: v for k, v in rule.items() if k in ("field", "op", "value")} for rule in rules),
        )
    return waivers


def _fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _cached(
    *, manifest: files.Manifest, fingerprint: str, scenario: str, now: dt.datetime, compute
) -> tuple[list[dict], float, bool]:
    found = SimulationResult.objects.filter(
        population_sha256=manifest.key, rules_fingerprint=fingerprint, scenario=scenario
    ).first()
    if found is not None:
        return found.rows, found.seconds, True
    started = time.perf_counter()
    rows = compute()
    seconds = time.perf_counter() - started
    try:
        with transaction.atomic():
            SimulationResult.objects.create(
                population_sha256=manifest.key,
                rules_fingerprint=fingerprint,
                scenario=scenario,
                rows=rows,
                seconds=seconds,
                computed_at=now,
            )
    except IntegrityError:
        pass  # another request stored the same result first
    return rows, seconds, False


def simulate(*, user, programme: str = "", percent: int | None = None, now: dt.datetime) -> Simulation:
    """Every programme's eligibility over the whole population, per district, with yearly cost estimates.

    With ``programme`` the per-district figures of that programme are given; with ``percent`` too,
    its income threshold (percent of the standard median income) is moved and the figures show before
    and after. Results are cached per population, rule set and scenario. Social workers get their
    own district's figures only. Raises PopulationMissing and SimulationRefused.
    """
    from itda.programs.queries import median_income_table

    manifest = files.read_manifest()
    medians = median_income_table()
    year = manifest.income_year if manifest.income_year and medians.has_year(manifest.income_year) else None
    if year is None:
        year = max(y for (y, _size) in medians.amounts)
    rules, names = _programme_rules()
    costs = programme_costs()
    simulated = {slug: programme_rules for slug, programme_rules in rules.items() if programme_rules or slug in costs}
    prices = {
        slug: {k: costs[slug][k] for k in ("unit_cost_krw", "units_per_year", "take_up_rate")}
        for slug in simulated
        if slug in costs
    }
    waivers = _fee_waivers(list(rules))
    fingerprint = _fingerprint(
        {"rules": simulated, "costs": prices, "year": year, "waivers": {slug: w.rules for slug, w in waivers.items()}}
    )

    def baseline() -> list[dict]:
        households = pl.scan_parquet(manifest.households_path).select(SIMULATION_COLUMNS)
        frame = analytics.simulate_programmes(households, simulated, year=year, medians=medians, costs=prices)
        return frame.to_dicts()

    rows, seconds, was_cached = _cached(manifest=manifest, fingerprint=fingerprint, scenario="", now=now, compute=baseline)

    scope = None
    districts = list(get_districts_for_worker(user))
    if not (user.is_administrator or user.role == user.Role.CITY_STAFF):
        scope = districts[0].code if districts else "-"
    visible = {d.code: d.display_name for d in districts}
    rows = [row for row in rows if row["district"] in visible]

    summaries = []
    for slug in sorted(simulated, key=lambda s: names.get(s, s)):
        mine = [row for row in rows if row["programme"] == slug]
        income_rules = [rule for rule in simulated[slug] if rule["field"] == INCOME_FIELD]
        costs_of = [row["yearly_cost_krw"] for row in mine if row["yearly_cost_krw"] is not None]
        summaries.append(
            ProgrammeSummary(
                slug=slug,
                name=names.get(slug, slug),
                eligible=sum(row["eligible"] for row in mine),
                unknown=sum(row["unknown"] for row in mine),
                yearly_cost_krw=sum(costs_of) if costs_of else None,
                has_rules=bool(simulated[slug]),
                has_income_rule=bool(income_rules),
                income_threshold=_threshold(income_rules),
                cost=costs.get(slug),
                fee_waiver=waivers.get(slug),
            )
        )
    # Programmes without rules are not "open to everyone": most have criteria nobody has entered yet.
    without_rules = sorted(
        names.get(slug, slug) for slug, programme_rules in rules.items() if not programme_rules and slug not in costs
    )

    selected = next((summary for summary in summaries if summary.slug == programme), None)
    if programme and selected is None:
        raise SimulationRefused("목록에 있는 프로그램을 고르세요 (choose a programme from the list)")
    figures: list[DistrictFigure] = []
    waiver_figures: list[WaiverFigure] = []
    moved_kind = None
    if selected is not None:
        after: dict[str, dict] = {}
        if percent is not None:
            if not selected.can_move:
                raise SimulationRefused(
                    "이 프로그램에는 옮길 소득 기준이 없습니다 (this programme has no income threshold to move)"
                )
            if not 1 <= percent <= 1000:
                raise SimulationRefused("기준은 1–1000 % 사이로 입력하세요 (the percentage must be 1–1000)")
            moved_kind = "rule" if selected.has_income_rule else "fee"
        if selected.fee_waiver is not None:
            waiver = selected.fee_waiver
            fee_percent = percent if moved_kind == "fee" else None
            price = costs.get(selected.slug)
            forgone = (
                {
                    "unit_cost_krw": waiver.forgone_krw,
                    "units_per_year": price["units_per_year"],
                    "take_up_rate": price["take_up_rate"],
                }
                if price
                else None
            )

            def waived() -> list[dict]:
                households = pl.scan_parquet(manifest.households_path).select(SIMULATION_COLUMNS)
                frame = analytics.compare_fee_waivers(
                    households,
                    eligibility_rules=simulated[selected.slug],
                    reduction_rules=list(waiver.rules),
                    percent=fee_percent,
                    year=year,
                    medians=medians,
                    waiver=forgone,
                )
                return frame.to_dicts()

            waiver_rows, waiver_seconds, waiver_cached = _cached(
                manifest=manifest,
                fingerprint=fingerprint,
                scenario=f"{selected.slug}:fee:{fee_percent if fee_percent is not None else 'now'}",
                now=now,
                compute=waived,
            )
            seconds, was_cached = seconds + waiver_seconds, was_cached and waiver_cached
            waiver_figures = sorted(
                (
                    WaiverFigure(
                        code=row["district"],
                        name=visible[row["district"]],
                        waived=row["waived_before"],
                        waived_after=row["waived_after"] if fee_percent is not None else None,
                        cost_krw=row["waiver_cost_before_krw"],
                        cost_after_krw=row["waiver_cost_after_krw"] if fee_percent is not None else None,
                    )
                    for row in waiver_rows
                    if row["district"] in visible
                ),
                key=lambda figure: figure.name,
            )
        if moved_kind == "rule":

            def moved() -> list[dict]:
                households = pl.scan_parquet(manifest.households_path).select(SIMULATION_COLUMNS)
                frame = analytics.compare_thresholds(
                    households,
                    {selected.slug: simulated[selected.slug]},
                    changes={selected.slug: percent},
                    year=year,
                    medians=medians,
                    costs={k: v for k, v in prices.items() if k == selected.slug},
                )
                return frame.to_dicts()

            changed, moved_seconds, moved_cached = _cached(
                manifest=manifest, fingerprint=fingerprint, scenario=f"{selected.slug}:{percent}", now=now, compute=moved
            )
            seconds, was_cached = seconds + moved_seconds, was_cached and moved_cached
            after = {row["district"]: row for row in changed}
        for row in rows:
            if row["programme"] != selected.slug:
                continue
            moved_row = after.get(row["district"])
            figures.append(
                DistrictFigure(
                    code=row["district"],
                    name=visible[row["district"]],
                    eligible=row["eligible"],
                    unknown=row["unknown"],
                    yearly_cost_krw=row["yearly_cost_krw"],
                    eligible_after=moved_row["eligible_after"] if moved_row else None,
                    yearly_cost_after_krw=moved_row["yearly_cost_after_krw"] if moved_row else None,
                )
            )
        figures.sort(key=lambda figure: figure.name)
    return Simulation(
        manifest=manifest,
        year=year,
        programmes=summaries,
        without_rules=without_rules,
        selected=selected,
        figures=figures,
        percent=percent if selected is not None else None,
        moved=moved_kind,
        waiver_figures=waiver_figures,
        seconds=seconds,
        was_cached=was_cached,
        scope_district=scope,
    )


def _threshold(income_rules: list[dict]) -> int | None:
    for rule in income_rules:
        if rule["op"] in ("<", "<=", "==", ">", ">="):
            return int(rule["value"])
        if rule["op"] == "between":
            return int(rule["value"][1])
    return None
