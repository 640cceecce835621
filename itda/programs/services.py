"""Write use-cases of the programme directory: loading it, median income, and operator targets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path

from django.db import transaction

import analytics
from itda.audit.services import record_access
from itda.places.models import District
from itda.programs.models import (
    EligibilityRule,
    Fee,
    MedianIncome,
    Need,
    OpeningHours,
    Program,
    ProgramTarget,
    Provider,
    Site,
)


class DirectoryFileError(Exception):
    """The directory file is malformed; ``problems`` says where. Nothing was loaded."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class TargetError(Exception):
    """A target or budget an operator entered cannot be stored."""


@dataclass
class DirectoryReport:
    needs: int = 0
    providers: int = 0
    programs: int = 0
    sites: int = 0
    rules: int = 0
    fees: int = 0
    warnings: list[str] = field(default_factory=list)


def replace_median_incomes(*, rows: list[dict]) -> int:
    """Upsert standard median income rows (year, household_size, monthly_krw, legal_basis, sources).

    Call inside the caller's transaction. Returns the number of rows written.
    """
    for row in rows:
        MedianIncome.objects.update_or_create(
            year=row["year"],
            household_size=row["household_size"],
            defaults={"monthly_krw": row["monthly_krw"], "legal_basis": row["legal_basis"], "sources": row.get("sources", "")},
        )
    return len(rows)


_PROGRAM_TEXT = (
    "name",
    "name_en",
    "summary",
    "summary_en",
    "description",
    "description_en",
    "how_to_apply",
    "how_to_apply_en",
    "kpi_unit",
    "kpi_unit_en",
    "phone",
    "hours_note",
    "hours_note_en",
    "eligibility_note",
    "eligibility_note_en",
    "task_code",
    "task_name",
    "task_name_en",
    "source_reference",
)
_SITE_TEXT = (
    "name",
    "name_en",
    "branch_label",
    "address",
    "address_en",
    "phone",
    "hours_note",
    "hours_note_en",
    "source_reference",
)


def _parse_hours(entries: list[dict], where: str, problems: list[str]) -> list[tuple[int, time, time]]:
    periods = []
    for index, entry in enumerate(entries or [], start=1):
        try:
            opens = time.fromisoformat(entry["opens"])
            closes = time.fromisoformat(entry["closes"])
            weekdays = [int(day) for day in entry["weekdays"]]
        except (KeyError, TypeError, ValueError) as error:
            problems.append(f"{where} hours[{index}]: 시간 형식이 올바르지 않습니다 ({error})")
            continue
        if closes <= opens or any(not 0 <= day <= 6 for day in weekdays):
            problems.append(f"{where} hours[{index}]: 닫는 시간이 여는 시간보다 늦어야 하고 요일은 0–6입니다")
            continue
        periods.extend((day, opens, closes) for day in weekdays)
    return periods


def _check_rules(rules: list[dict], where: str, problems: list[str]) -> None:
    for index, rule in enumerate(rules or [], start=1):
        try:
            analytics.validate_rule(rule)
        except analytics.RuleError as error:
            problems.append(f"{where} rules[{index}]: {error}")


def load_directory(*, path: Path) -> DirectoryReport:
    """Load needs, providers, programmes, sites, hours, rules and fees from a directory JSON file.

    Upserts by slug, so loading twice changes nothing; the rules, fees and hours of
    each programme and site in the file are replaced by the file's. Targets and
    budgets are never touched: operators enter them. Raises DirectoryFileError,
    having written nothing, if any entry is malformed.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DirectoryFileError([f"{path}: 파일을 읽을 수 없습니다 ({error})"]) from None

    problems: list[str] = []
    districts = {district.name: district for district in District.objects.all()}
    if not districts:
        problems.append("자치구 기준정보가 없습니다: 먼저 load_reference를 실행하세요 (load the reference data first)")
    need_codes = {entry.get("code") for entry in document.get("needs", [])}
    provider_slugs = {entry.get("slug") for entry in document.get("providers", [])}
    program_slugs = set()
    for number, entry in enumerate(document.get("programs", []), start=1):
        where = f"programs[{number}] {entry.get('slug', '?')}"
        for required in ("slug", "source", "name", "name_en", "summary", "summary_en"):
            if not entry.get(required):
                problems.append(f"{where}: '{required}' 값이 필요합니다")
        if entry.get("source") not in Program.Source.values:
            problems.append(f"{where}: 알 수 없는 출처 {entry.get('source')!r}")
        if entry.get("slug") in program_slugs:
            problems.append(f"{where}: slug가 중복됩니다")
        program_slugs.add(entry.get("slug"))
        for code in entry.get("needs", []):
            if code not in need_codes:
                problems.append(f"{where}: 알 수 없는 필요 분야 {code!r}")
        if entry.get("provider") and entry["provider"] not in provider_slugs:
            problems.append(f"{where}: 알 수 없는 운영기관 {entry['provider']!r}")
        if entry.get("access", "unpublished").upper() not in Program.Access.values:
            problems.append(f"{where}: access는 open, selected, unpublished 중 하나입니다 ({entry.get('access')!r})")
        _check_rules(entry.get("rules", []), where, problems)
        for fee_number, fee in enumerate(entry.get("fees", []), start=1):
            if fee.get("unit") not in Fee.Unit.values or not isinstance(fee.get("amount_krw"), int) or fee["amount_krw"] < 0:
                problems.append(f"{where} fees[{fee_number}]: 금액과 단위를 확인하세요")
            _check_rules(fee.get("reduction_rules", []), f"{where} fees[{fee_number}]", problems)
        _parse_hours(entry.get("hours", []), where, problems)
    for number, entry in enumerate(document.get("sites", []), start=1):
        where = f"sites[{number}] {entry.get('slug', '?')}"
        for required in ("slug", "name", "address", "district"):
            if not entry.get(required):
                problems.append(f"{where}: '{required}' 값이 필요합니다")
        if districts and entry.get("district") not in districts:
            problems.append(f"{where}: 알 수 없는 자치구 {entry.get('district')!r}")
        for slug in entry.get("programs", []):
            if slug not in program_slugs:
                problems.append(f"{where}: 알 수 없는 프로그램 {slug!r}")
        _parse_hours(entry.get("hours", []), where, problems)
    if problems:
        raise DirectoryFileError(problems)

    report = DirectoryReport()
    with transaction.atomic():
        needs = {}
        for position, entry in enumerate(document.get("needs", [])):
            needs[entry["code"]], _ = Need.objects.update_or_create(
                code=entry["code"],
                defaults={
                    "name": entry["name"],
                    "name_en": entry["name_en"],
                    "icon": entry.get("icon", ""),
                    "position": position,
                },
            )
        providers = {}
        for entry in document.get("providers", []):
            providers[entry["slug"]], _ = Provider.objects.update_or_create(
                slug=entry["slug"],
                defaults={
                    key: entry.get(key, "") for key in ("name", "name_en", "description", "description_en", "phone", "website")
                },
            )
        programs = {}
        for entry in document.get("programs", []):
            defaults = {key: entry.get(key, "") for key in _PROGRAM_TEXT}
            defaults.update(
                source=entry["source"],
                status=entry.get("status", Program.Status.ACTIVE),
                area=entry.get("area"),
                project_number=entry.get("project_number"),
                provider=providers.get(entry.get("provider")),
                is_citizen_facing=entry.get("is_citizen_facing", True),
                is_open_all_hours=entry.get("is_open_all_hours", False),
                is_open_on_public_holidays=entry.get("is_open_on_public_holidays", False),
                # Never claim "open to everyone" unless the file says so.
                access=entry.get("access", "unpublished").upper(),
            )
            program, _ = Program.objects.update_or_create(slug=entry["slug"], defaults=defaults)
            program.needs.set([needs[code] for code in entry.get("needs", [])])
            program.eligibility_rules.all().delete()
            rules = [
                EligibilityRule(
                    program=program,
                    position=position,
                    field=rule["field"],
                    operator=rule["op"],
                    value=analytics.validate_rule(rule)["value"],
                    source_note=rule.get("source_note", ""),
                )
                for position, rule in enumerate(entry.get("rules", []))
            ]
            EligibilityRule.objects.bulk_create(rules)
            program.fees.all().delete()
            fees = [
                Fee(
                    program=program,
                    label=fee.get("label", ""),
                    label_en=fee.get("label_en", ""),
                    amount_krw=fee["amount_krw"],
                    unit=fee["unit"],
                    reduced_amount_krw=fee.get("reduced_amount_krw"),
                    reduction_rules=[analytics.validate_rule(rule) for rule in fee.get("reduction_rules", [])],
                    note=fee.get("note", ""),
                    note_en=fee.get("note_en", ""),
                )
                for fee in entry.get("fees", [])
            ]
            Fee.objects.bulk_create(fees)
            program.opening_hours.all().delete()
            OpeningHours.objects.bulk_create(
                OpeningHours(program=program, weekday=day, opens_at=opens, closes_at=closes)
                for day, opens, closes in _parse_hours(entry.get("hours", []), "", [])
            )
            programs[entry["slug"]] = program
            report.rules += len(rules)
            report.fees += len(fees)
        for entry in document.get("sites", []):
            defaults = {key: entry.get(key, "") for key in _SITE_TEXT}
            defaults.update(
                provider=providers.get(entry.get("provider")),
                district=districts[entry["district"]],
                latitude=entry.get("latitude"),
                longitude=entry.get("longitude"),
                location_precision=entry.get("location_precision", Site.LocationPrecision.DISTRICT),
                is_mobile=entry.get("is_mobile", False),
                is_open_all_hours=entry.get("is_open_all_hours", False),
                is_open_on_public_holidays=entry.get("is_open_on_public_holidays", False),
            )
            if defaults["latitude"] is None:
                # No geocoder runs here: an unknown point is shown at the district, marked approximate.
                defaults["latitude"] = districts[entry["district"]].centroid_lat
                defaults["longitude"] = districts[entry["district"]].centroid_lon
                defaults["location_precision"] = Site.LocationPrecision.DISTRICT
            site, _ = Site.objects.update_or_create(slug=entry["slug"], defaults=defaults)
            site.programs.set([programs[slug] for slug in entry.get("programs", [])])
            site.opening_hours.all().delete()
            OpeningHours.objects.bulk_create(
                OpeningHours(site=site, weekday=day, opens_at=opens, closes_at=closes)
                for day, opens, closes in _parse_hours(entry.get("hours", []), "", [])
            )
            report.sites += 1
    report.needs = len(needs)
    report.providers = len(providers)
    report.programs = len(programs)
    return report


def set_program_target(
    *,
    actor,
    program: Program,
    year: int,
    target_value: Decimal | None,
    budget_krw: int | None,
    note: str = "",
    now: datetime,
) -> ProgramTarget:
    """Record an operator's yearly KPI target and budget for a programme, with an audit entry.

    Raises TargetError for a negative value or a year outside 2020–2100.
    """
    if not 2020 <= year <= 2100:
        raise TargetError("연도는 2020년에서 2100년 사이여야 합니다")
    if (target_value is not None and target_value < 0) or (budget_krw is not None and budget_krw < 0):
        raise TargetError("목표와 예산은 0 이상이어야 합니다")
    with transaction.atomic():
        target, _ = ProgramTarget.objects.update_or_create(
            program=program,
            year=year,
            defaults={
                "target_value": target_value,
                "budget_krw": budget_krw,
                "note": note,
                "entered_by": actor,
                "entered_at": now,
            },
        )
        record_access(actor=actor, action="UPDATE", target=target, fields=["target_value", "budget_krw", "note"], at=now)
    return target
