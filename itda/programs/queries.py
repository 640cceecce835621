"""Reads of the programme directory: search, detail, sites with "open now", and what a person can get."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import analytics
from itda.places.models import District
from itda.programs.explain import describe_rule, explain_outcome
from itda.programs.hours import OpenState, Timetable, WeeklyPeriod, open_state
from itda.programs.models import (
    EligibilityRule,
    Fee,
    MedianIncome,
    Need,
    OpeningHours,
    Program,
    Provider,
    Site,
    SiteClosure,
)

_DIRECTORY_MODELS = (Need, Provider, Program, Site, OpeningHours, SiteClosure, EligibilityRule, Fee, MedianIncome)


@dataclass(frozen=True)
class _Directory:
    """The whole directory, loaded once per process and shared read-only by every request."""

    fingerprint: tuple
    programs: tuple[Program, ...]
    by_slug: dict[str, Program]
    needs: tuple[Need, ...]
    medians: analytics.MedianIncomeTable
    haystacks: dict[int, str]


_directory_lock = threading.Lock()
_directory_snapshot: _Directory | None = None


def _fingerprint() -> tuple:
    """Row count and latest change of every directory table, in one query.

    Any write through the ORM (loader, back office, tests) moves it, so a stale
    snapshot is never served, while an unchanged directory costs one small query.
    """
    sql = " UNION ALL ".join(
        f"SELECT COUNT(*), MAX(updated_at) FROM {model._meta.db_table}"  # noqa: S608 - our own table names
        for model in _DIRECTORY_MODELS
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(tuple(str(value) for value in row) for row in cursor.fetchall())


def _program_queryset() -> QuerySet[Program]:
    return Program.objects.select_related("provider").prefetch_related(
        "needs",
        "eligibility_rules",
        "fees",
        "opening_hours",
        Prefetch(
            "sites",
            queryset=Site.objects.select_related("district")
            .defer("district__boundary_geojson")
            .prefetch_related("opening_hours", "closures"),
        ),
    )


def _directory() -> _Directory:
    """The current directory snapshot, reloaded only when the fingerprint moved."""
    global _directory_snapshot  # noqa: PLW0603 - the per-process cache
    fingerprint = _fingerprint()
    snapshot = _directory_snapshot
    if snapshot is not None and snapshot.fingerprint == fingerprint:
        return snapshot
    with _directory_lock:
        programs = tuple(_program_queryset().order_by("source", "project_number", "name"))
        snapshot = _Directory(
            fingerprint=fingerprint,
            programs=programs,
            by_slug={program.slug: program for program in programs},
            needs=tuple(Need.objects.order_by("position", "code")),
            medians=analytics.MedianIncomeTable(
                {(row.year, row.household_size): row.monthly_krw for row in MedianIncome.objects.all()}
            ),
            haystacks={program.pk: _haystack(program) for program in programs},
        )
        _directory_snapshot = snapshot
    return snapshot


def median_income_table() -> analytics.MedianIncomeTable:
    """Every loaded standard median income, as the analytics package takes it."""
    return _directory().medians


def district_names() -> dict[str, str]:
    """District code → name in the page's language (without loading boundaries)."""
    english = get_language() == "en"
    rows = District.objects.values_list("code", "name", "name_en")
    return {code: (name_en if english else name) for code, name, name_en in rows}


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text or "").lower()


def _haystack(program: Program) -> str:
    return _normalise(
        " ".join(
            [
                program.name,
                program.name_en,
                program.summary,
                program.summary_en,
                program.description,
                program.description_en,
                program.kpi_unit,
                *(need.name + need.name_en for need in program.needs.all()),
                *(site.name + site.address for site in program.sites.all()),
            ]
        )
    )


def _allows(program: Program, facts: dict, year: int, medians: analytics.MedianIncomeTable) -> bool:
    rules = [rule for rule in program.rule_dicts() if rule["field"] in facts or rule["field"] == "income_pct_median"]
    relevant = [rule for rule in rules if rule["field"] in facts]
    if not relevant:
        return True
    return analytics.evaluate_person(relevant, facts, year=year, medians=medians).verdict is not analytics.Verdict.NOT_ELIGIBLE


def search_programs(
    *,
    query: str = "",
    need_code: str = "",
    district_code: str = "",
    age: int | None = None,
    today_year: int,
    include_infrastructure: bool = False,
) -> list[Program]:
    """Citizen-facing programmes matching words, a need, a district and an age.

    A district or age filter keeps a programme unless its rules exclude that
    district or age; rules about facts not asked for do not filter. Words match
    names, summaries, descriptions, needs and site names, ignoring spaces, so
    "병원 동행" finds 병원안심동행.
    """
    directory = _directory()
    tokens = [_normalise(token) for token in query.split() if token.strip()]
    facts: dict = {}
    if district_code:
        facts["district"] = district_code
    if age is not None:
        facts["age"] = age
    result = []
    for program in directory.programs:
        if not include_infrastructure and not program.is_citizen_facing:
            continue
        if need_code and need_code not in {need.code for need in program.needs.all()}:
            continue
        if tokens and not all(token in directory.haystacks[program.pk] for token in tokens):
            continue
        if facts and not _allows(program, facts, today_year, directory.medians):
            continue
        result.append(program)
    return result


def get_program(*, slug: str) -> Program:
    """One programme with everything its page shows. Raises Program.DoesNotExist."""
    program = _directory().by_slug.get(slug)
    if program is None:
        raise Program.DoesNotExist(slug)
    return program


def needs() -> list[Need]:
    return list(_directory().needs)


def timetable_for(owner: Site | Program) -> Timetable:
    """The weekly hours, holiday rule and closures of a site or programme (uses prefetched rows)."""
    closures = ()
    if isinstance(owner, Site):
        closures = tuple((closure.start_date, closure.end_date) for closure in owner.closures.all())
    return Timetable(
        periods=tuple(WeeklyPeriod(h.weekday, h.opens_at, h.closes_at) for h in owner.opening_hours.all()),
        is_open_all_hours=owner.is_open_all_hours,
        is_open_on_public_holidays=owner.is_open_on_public_holidays,
        closures=closures,
    )


@dataclass(frozen=True)
class SiteView:
    site: Site
    state: OpenState
    hours: tuple[OpeningHours, ...]
    has_hours: bool


def find_sites(*, at: datetime, district_code: str = "", program_slug: str = "", open_now: bool = False) -> list[SiteView]:
    """Sites with their open state at ``at``, optionally in one district or for one programme."""
    sites = Site.objects.select_related("district", "provider").prefetch_related("opening_hours", "closures", "programs")
    if district_code:
        sites = sites.filter(district__code=district_code)
    if program_slug:
        sites = sites.filter(programs__slug=program_slug)
    views = []
    for site in sites.order_by("district__name", "name"):
        timetable = timetable_for(site)
        state = open_state(timetable, at)
        if open_now and not state.is_open:
            continue
        hours = tuple(sorted(site.opening_hours.all(), key=lambda h: (h.weekday, h.opens_at)))
        views.append(SiteView(site, state, hours, timetable.has_hours))
    return views


@dataclass(frozen=True)
class FeeView:
    fee: Fee
    quote: analytics.FeeQuote
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ProgramMatch:
    program: Program
    verdict: analytics.Verdict
    reasons: tuple[str, ...]
    requirements: tuple[str, ...]
    fees: tuple[FeeView, ...]
    missing: tuple[str, ...] = ()  # names of the facts that would decide the undecided rules


def match_programs(*, facts: dict, today_year: int) -> list[ProgramMatch]:
    """Every citizen-facing programme judged for one person: eligible first, then unknown, then not.

    ``facts`` uses the keys of analytics.PERSON_FACTS; absent facts make rules
    that need them undecided. Nothing about the person is stored.
    """
    directory = _directory()
    medians = directory.medians
    names = district_names()
    order = {analytics.Verdict.ELIGIBLE: 0, analytics.Verdict.UNKNOWN: 1, analytics.Verdict.NOT_ELIGIBLE: 2}
    matches = []
    for program in directory.programs:
        if not program.is_citizen_facing:
            continue
        rules = program.rule_dicts()
        result = analytics.evaluate_person(rules, facts, year=today_year, medians=medians)
        verdict, caveats = _with_access(program, rules, result.verdict)
        fees = []
        for fee in program.fees.all():
            quote = analytics.quote_fee(fee.as_dict(), facts, year=today_year, medians=medians)
            reasons = tuple(explain_outcome(o, names) for o in quote.reduction.outcomes) if quote.reduction else ()
            fees.append(FeeView(fee, quote, reasons))
        matches.append(
            ProgramMatch(
                program=program,
                verdict=verdict,
                reasons=tuple(explain_outcome(outcome, names) for outcome in result.outcomes) + caveats,
                requirements=tuple(describe_rule(rule, names) for rule in rules),
                fees=tuple(fees),
                missing=tuple(dict.fromkeys(name for outcome in result.undecided for name in outcome.missing)),
            )
        )
    matches.sort(key=lambda match: order[match.verdict])
    return matches


def _with_access(program: Program, rules: list[dict], verdict: analytics.Verdict) -> tuple[analytics.Verdict, tuple[str, ...]]:
    """The verdict once what the rules cannot say is taken into account, and the caveat that says it.

    Only an OPEN programme is "for everyone" when no rule refuses: a programme whose
    participants a centre selects, or whose sources leave conditions out, is never
    promised. Without rules it is undecided; with rules that all pass, it stays
    eligible on the published conditions and says what else decides.
    """
    if program.access == Program.Access.OPEN or verdict == analytics.Verdict.NOT_ELIGIBLE:
        return verdict, ()
    if program.access == Program.Access.SELECTED:
        caveat = _("a centre or clinic decides who takes part: ask them")
    else:
        caveat = _("the published guide does not give every condition: ask before you apply")
    if not rules:
        return analytics.Verdict.UNKNOWN, (caveat,)
    return verdict, (caveat,)


def program_requirements(program: Program) -> list[str]:
    """The programme's rules as sentences, for its page."""
    names = district_names()
    return [describe_rule(rule, names) for rule in program.rule_dicts()]


def rules_by_program(*, citizen_facing_only: bool = True) -> dict[str, list[dict]]:
    """Every programme's eligibility rules keyed by slug, for whole-population evaluation."""
    programs = Program.objects.prefetch_related("eligibility_rules").order_by("slug")
    if citizen_facing_only:
        programs = programs.filter(is_citizen_facing=True)
    return {program.slug: program.rule_dicts() for program in programs}
