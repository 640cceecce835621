"""The programme directory as Open Referral HSDS 3.0 JSON. Read-only: nothing here writes.

Mapping (the schemas are in ``data/hsds-3.0``):

* Provider → organization. Programmes without a provider are run by the city, so they
  belong to one "서울특별시" organization (a Provider with the slug
  ``seoul-metropolitan-government`` takes its place when the directory has one).
* Program → service, with phones, schedules, cost_options (from Fee) and attributes that
  link it to a taxonomy_term per Need.
* Site → location (physical) with one address; Site × Program → service_at_location.
* OpeningHours → schedule, one RFC 5545 weekly rule per distinct opening period.
* The source document of every record → metadata, HSDS's provenance record.

Every id is a UUID5 over one fixed namespace and a stable key made of the object kind
and slugs, so exporting the same directory twice gives the same ids, and ids survive
a reload of the directory file (which recreates rows with new primary keys).

HSDS 3.0 types ``schedule.timezone`` as a number (a UTC offset), so schedules carry
``9`` and opening times carry the ``+09:00`` offset; Korea has no daylight saving time.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.db.models import Prefetch
from django.utils import translation

from itda.programs.explain import describe_rule
from itda.programs.models import Fee, Need, OpeningHours, Program, Provider, Site
from itda.programs.queries import district_names

HSDS_VERSION = "3.0"

# Chosen once; never change it, or every exported id changes.
NAMESPACE = uuid.UUID("d56f1e20-02a2-48ef-adc1-393d720c6453")

CITY_ORGANIZATION_SLUG = "seoul-metropolitan-government"
CITY = "서울특별시"
COUNTRY = "KR"
UTC_OFFSET_HOURS = 9
UTC_OFFSET = "+09:00"
TIMEZONE_NAME = "Asia/Seoul"
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = OpeningHours.weekday


@dataclass(frozen=True)
class SourceDocument:
    title: str
    title_en: str
    publisher: str
    published_date: str  # ISO date


# The two documents the directory is compiled from (docs/programs.md).
SOURCE_DOCUMENTS = {
    Program.Source.PLAN_2023: SourceDocument(
        "2023년 서울시 1인가구 안심 시행계획",
        "2023 Seoul single-person household safety implementation plan",
        "서울특별시",
        "2023-04-20",
    ),
    Program.Source.SEASON2_2026: SourceDocument(
        "외로움 없는 서울(외·없·서) 시즌2",
        "Loneliness-free Seoul, Season 2",
        "서울특별시",
        "2026-02-13",
    ),
}

TAXONOMY_NAME = "itda 필요 분야 (itda needs)"


class ServiceNotFound(LookupError):
    """No service in the directory has the given HSDS id."""


def hsds_id(kind: str, *keys: str) -> str:
    """The deterministic HSDS id of an object: UUID5 over NAMESPACE and "kind:key:…"."""
    return str(uuid.uuid5(NAMESPACE, ":".join((kind, *keys))))


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    """Drop optional fields with no value, so consumers do not read "" as a real answer."""
    return {key: value for key, value in values.items() if value not in (None, "", [])}


def _clock(moment: time) -> str:
    return f"{moment:%H:%M}{UTC_OFFSET}"


def _won(amount: int) -> str:
    return f"{amount:,}원"


@dataclass(frozen=True)
class _Directory:
    providers: list[Provider]
    programs: list[Program]
    sites: list[Site]
    needs: list[Need]
    district_names: dict[str, str]


def _load() -> _Directory:
    programs = (
        Program.objects.select_related("provider")
        .prefetch_related(
            "needs",
            "eligibility_rules",
            "fees",
            "opening_hours",
            Prefetch("sites", queryset=Site.objects.order_by("slug")),
        )
        .order_by("slug")
    )
    sites = (
        Site.objects.select_related("district", "provider")
        .prefetch_related("opening_hours", Prefetch("programs", queryset=Program.objects.order_by("slug")))
        .order_by("slug")
    )
    with translation.override("ko"):
        names = district_names()
    return _Directory(
        providers=list(Provider.objects.prefetch_related("programs", "sites__programs").order_by("slug")),
        programs=list(programs),
        sites=list(sites),
        needs=list(Need.objects.order_by("position", "code")),
        district_names=names,
    )


# --- provenance -----------------------------------------------------------------------------


def _metadata(
    resource_type: str, resource_key: str, resource_id: str, sources: list[str], reference: str = ""
) -> list[dict[str, Any]]:
    entries = []
    for source in sorted(set(sources)):
        document = SOURCE_DOCUMENTS[source]
        updated_by = f"{document.publisher}, {document.title} ({document.title_en})"
        if reference:
            updated_by += f" — {reference}"
        entries.append(
            {
                "id": hsds_id("metadata", resource_type, resource_key, source),
                "resource_id": resource_id,
                "resource_type": resource_type,
                "last_action_date": document.published_date,
                "last_action_type": "create",
                "field_name": "",
                "previous_value": "",
                "replacement_value": "",
                "updated_by": updated_by,
            }
        )
    return entries


def attribution() -> list[dict[str, str]]:
    """The source documents the directory is compiled from, for the export's header."""
    return [
        {
            "title": document.title,
            "title_en": document.title_en,
            "publisher": document.publisher,
            "published_date": document.published_date,
        }
        for document in SOURCE_DOCUMENTS.values()
    ]


# --- organizations --------------------------------------------------------------------------


def _organization_id(provider: Provider | None) -> str:
    return hsds_id("organization", provider.slug if provider else CITY_ORGANIZATION_SLUG)


def _city_organization() -> dict[str, Any]:
    organization_id = _organization_id(None)
    return {
        "id": organization_id,
        "name": CITY,
        "alternate_name": "Seoul Metropolitan Government",
        "description": (
            "1인가구 안심 정책과 '외로움 없는 서울' 사업을 시행하는 서울특별시 "
            "(Seoul Metropolitan Government, which runs the single-person household safety plan "
            "and Loneliness-free Seoul)."
        ),
        "website": "https://www.seoul.go.kr",
        "phones": [
            {
                "id": hsds_id("phone", "organization", CITY_ORGANIZATION_SLUG),
                "number": "02-120",
                "type": "voice",
                "description": "다산콜센터 (Dasan call centre)",
            }
        ],
        "metadata": _metadata("organization", CITY_ORGANIZATION_SLUG, organization_id, list(SOURCE_DOCUMENTS)),
    }


def _organization(provider: Provider) -> dict[str, Any]:
    organization_id = _organization_id(provider)
    runs = sorted({program.name for program in provider.programs.all()} | {site.name for site in provider.sites.all()})
    description = provider.description or (f"{provider.name} — 운영: {', '.join(runs)}" if runs else provider.name)
    sources = [program.source for program in provider.programs.all()]
    sources += [program.source for site in provider.sites.all() for program in site.programs.all()]
    return _compact(
        {
            "id": organization_id,
            "name": provider.name,
            "alternate_name": provider.name_en,
            "description": description,
            "website": provider.website,
            "phones": (
                [{"id": hsds_id("phone", "organization", provider.slug), "number": provider.phone, "type": "voice"}]
                if provider.phone
                else []
            ),
            "metadata": _metadata("organization", provider.slug, organization_id, sources),
        }
    )


def _organizations(directory: _Directory) -> list[dict[str, Any]]:
    result = [_organization(provider) for provider in directory.providers]
    has_city = any(provider.slug == CITY_ORGANIZATION_SLUG for provider in directory.providers)
    city_runs_something = any(program.provider_id is None for program in directory.programs)
    if city_runs_something and not has_city:
        result.insert(0, _city_organization())
    return result


# --- schedules ------------------------------------------------------------------------------


def _schedules(
    owner_kind: str,
    owner_key: str,
    owner_id: str,
    *,
    hours: list[OpeningHours],
    is_open_all_hours: bool,
    is_open_on_public_holidays: bool,
) -> list[dict[str, Any]]:
    """One weekly RRULE per distinct (opens, closes) pair, days in Monday-first order."""
    owner_field = "service_id" if owner_kind == "service" else "location_id"
    if is_open_on_public_holidays or is_open_all_hours:
        holidays = "공휴일에도 운영합니다 (Open on public holidays as well)."
    else:
        holidays = "공휴일에는 쉽니다 (Closed on Korean public holidays)."
    notes = f"시간은 한국 표준시({TIMEZONE_NAME}, UTC+9) 기준입니다 (Times are Korea Standard Time). {holidays}"
    if is_open_all_hours:
        return [
            {
                "id": hsds_id("schedule", owner_kind, owner_key, "all-hours"),
                owner_field: owner_id,
                "timezone": UTC_OFFSET_HOURS,
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": ",".join(RRULE_DAYS),
                "opens_at": _clock(time(0, 0)),
                "closes_at": _clock(time(23, 59)),
                "description": "24시간 연중무휴 (Open 24 hours, every day)",
                "notes": notes,
            }
        ]
    periods: dict[tuple[time, time], set[int]] = defaultdict(set)
    for period in hours:
        periods[(period.opens_at, period.closes_at)].add(period.weekday)
    schedules = []
    for (opens, closes), weekdays in sorted(periods.items(), key=lambda item: (min(item[1]), item[0])):
        days = ",".join(RRULE_DAYS[day] for day in sorted(weekdays))
        schedules.append(
            {
                "id": hsds_id("schedule", owner_kind, owner_key, days, f"{opens:%H%M}-{closes:%H%M}"),
                owner_field: owner_id,
                "timezone": UTC_OFFSET_HOURS,
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": days,
                "opens_at": _clock(opens),
                "closes_at": _clock(closes),
                "notes": notes,
            }
        )
    return schedules


# --- services -------------------------------------------------------------------------------


def _age_bounds(rules: list[dict]) -> tuple[int | None, int | None]:
    minimum = maximum = None
    for rule in rules:
        if rule["field"] != "age":
            continue
        op, value = rule["op"], rule["value"]
        if op == "between":
            minimum, maximum = value
        elif op == ">=":
            minimum = value
        elif op == ">":
            minimum = value + 1
        elif op == "<=":
            maximum = value
        elif op == "<":
            maximum = value - 1
        elif op == "==":
            minimum = maximum = value
    return minimum, maximum


def _fees(program: Program) -> list[Fee]:
    return sorted(program.fees.all(), key=lambda fee: fee.pk)


def _reduction_text(fee: Fee, names: dict[str, str]) -> str:
    return ", ".join(describe_rule(rule, names) for rule in fee.reduction_rules)


def _fees_description(program: Program, names: dict[str, str]) -> str:
    parts = []
    for fee in _fees(program):
        text = f"{fee.label}: {fee.get_unit_display()} {_won(fee.amount_krw)}"
        if fee.reduced_amount_krw is not None and fee.reduction_rules:
            text += f" ({_reduction_text(fee, names)}: {_won(fee.reduced_amount_krw)})"
        if fee.note:
            text += f" — {fee.note}"
        parts.append(text)
    return ". ".join(parts)


def _cost_options(program: Program, service_id: str, names: dict[str, str]) -> list[dict[str, Any]]:
    options = []
    for position, fee in enumerate(_fees(program)):
        key = str(position)
        options.append(
            _compact(
                {
                    "id": hsds_id("cost_option", program.slug, key, "standard"),
                    "service_id": service_id,
                    "option": fee.label,
                    "currency": "KRW",
                    "amount": fee.amount_krw,
                    "amount_description": str(fee.get_unit_display()),
                }
            )
        )
        if fee.reduced_amount_krw is not None and fee.reduction_rules:
            options.append(
                {
                    "id": hsds_id("cost_option", program.slug, key, "reduced"),
                    "service_id": service_id,
                    "option": f"{fee.label} — {_reduction_text(fee, names)}",
                    "currency": "KRW",
                    "amount": fee.reduced_amount_krw,
                    "amount_description": str(fee.get_unit_display()),
                }
            )
    return options


def _taxonomy() -> dict[str, Any]:
    return {
        "id": hsds_id("taxonomy", "itda-needs"),
        "name": TAXONOMY_NAME,
        "description": "itda가 시민 검색에 쓰는 필요 분야 (the needs citizens search the itda directory by)",
        "version": "1",
    }


def _taxonomy_term(need: Need) -> dict[str, Any]:
    taxonomy = _taxonomy()
    return {
        "id": hsds_id("taxonomy_term", "need", need.code),
        "code": need.code,
        "name": need.name,
        "description": need.name_en or need.name,
        "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": taxonomy["id"],
        "language": "ko",
    }


def _service(program: Program, names: dict[str, str]) -> dict[str, Any]:
    service_id = hsds_id("service", program.slug)
    rules = program.rule_dicts()
    minimum_age, maximum_age = _age_bounds(rules)
    eligibility = [describe_rule(rule, names) for rule in rules]
    if program.eligibility_note:
        eligibility.append(program.eligibility_note)
    schedules = _schedules(
        "service",
        program.slug,
        service_id,
        hours=sorted(program.opening_hours.all(), key=lambda h: (h.weekday, h.opens_at)),
        is_open_all_hours=program.is_open_all_hours,
        is_open_on_public_holidays=program.is_open_on_public_holidays,
    )
    return _compact(
        {
            "id": service_id,
            "organization_id": _organization_id(program.provider),
            "name": program.name,
            "alternate_name": program.name_en,
            "description": program.description or program.summary,
            "status": "active" if program.status == Program.Status.ACTIVE else "inactive",
            "application_process": program.how_to_apply,
            "fees_description": _fees_description(program, names),
            "eligibility_description": "; ".join(eligibility),
            "minimum_age": minimum_age,
            "maximum_age": maximum_age,
            "phones": (
                [
                    {
                        "id": hsds_id("phone", "service", program.slug),
                        "service_id": service_id,
                        "number": program.phone,
                        "type": "voice",
                    }
                ]
                if program.phone
                else []
            ),
            "schedules": schedules,
            "cost_options": _cost_options(program, service_id, names),
            "attributes": [
                {
                    "id": hsds_id("attribute", "service", program.slug, "need", need.code),
                    "link_id": service_id,
                    "link_type": "need",
                    "link_entity": "service",
                    "taxonomy_term_id": hsds_id("taxonomy_term", "need", need.code),
                    "taxonomy_term": _taxonomy_term(need),
                }
                for need in sorted(program.needs.all(), key=lambda n: (n.position, n.code))
            ],
            "metadata": _metadata("service", program.slug, service_id, [program.source], program.source_reference),
        }
    )


# --- locations ------------------------------------------------------------------------------


def _location(site: Site) -> dict[str, Any]:
    location_id = hsds_id("location", site.slug)
    exact = site.location_precision == Site.LocationPrecision.EXACT and site.latitude is not None
    description = site.hours_note
    if site.is_mobile:
        description = "이동형 (mobile: visits different places)" + (f" — {description}" if description else "")
    return _compact(
        {
            "id": location_id,
            "location_type": "physical",
            "organization_id": _organization_id(site.provider) if site.provider_id else "",
            "name": site.name,
            "alternate_name": site.name_en,
            "description": description,
            "latitude": site.latitude if exact else None,
            "longitude": site.longitude if exact else None,
            "addresses": [
                {
                    "id": hsds_id("address", site.slug),
                    "location_id": location_id,
                    "address_1": site.address,
                    "city": CITY,
                    "region": site.district.name,
                    # Seoul is a province-level city, so it is also the state_province.
                    "state_province": CITY,
                    # Required by the schema; the directory does not record postal codes.
                    "postal_code": "",
                    "country": COUNTRY,
                    "address_type": "physical",
                }
            ],
            "phones": (
                [
                    {
                        "id": hsds_id("phone", "location", site.slug),
                        "location_id": location_id,
                        "number": site.phone,
                        "type": "voice",
                    }
                ]
                if site.phone
                else []
            ),
            "schedules": _schedules(
                "location",
                site.slug,
                location_id,
                hours=sorted(site.opening_hours.all(), key=lambda h: (h.weekday, h.opens_at)),
                is_open_all_hours=site.is_open_all_hours,
                is_open_on_public_holidays=site.is_open_on_public_holidays,
            ),
            "metadata": _metadata(
                "location", site.slug, location_id, [program.source for program in site.programs.all()], site.source_reference
            ),
        }
    )


def _service_at_location(program: Program, site: Site) -> dict[str, Any]:
    return _compact(
        {
            "id": hsds_id("service_at_location", program.slug, site.slug),
            "service_id": hsds_id("service", program.slug),
            "location_id": hsds_id("location", site.slug),
            "description": site.branch_label,
        }
    )


# --- public surface -------------------------------------------------------------------------


def organizations() -> list[dict[str, Any]]:
    """Every organization: each provider, plus the city for programmes without one."""
    return _organizations(_load())


def services() -> list[dict[str, Any]]:
    """Every programme as an HSDS service, with its phones, schedules, cost options and needs."""
    directory = _load()
    with translation.override("ko"):
        return [_service(program, directory.district_names) for program in directory.programs]


def locations() -> list[dict[str, Any]]:
    """Every site as an HSDS location with its address, phone and schedules."""
    return [_location(site) for site in _load().sites]


def service_detail(*, service_id: str) -> dict[str, Any]:
    """One service fully nested: its organization and each service_at_location with its location.

    Raises ServiceNotFound when no programme has that id.
    """
    directory = _load()
    program = next((p for p in directory.programs if hsds_id("service", p.slug) == service_id), None)
    if program is None:
        raise ServiceNotFound(service_id)
    with translation.override("ko"):
        service = _service(program, directory.district_names)
    organization_id = service["organization_id"]
    service["organization"] = next(o for o in _organizations(directory) if o["id"] == organization_id)
    service["service_at_locations"] = [
        {**_service_at_location(program, site), "location": _location(site)}
        for site in directory.sites
        if any(linked.pk == program.pk for linked in site.programs.all())
    ]
    return service


def export_document(*, generated_at: datetime) -> dict[str, Any]:
    """The whole directory as one HSDS 3.0 JSON document.

    Organizations, services and locations carry their own nested phones, schedules,
    addresses and cost options; ``service_at_locations``, ``schedules``,
    ``taxonomies`` and ``taxonomy_terms`` are also listed flat, as HSDS's tables are,
    for consumers that load them one table at a time.
    """
    directory = _load()
    with translation.override("ko"):
        services_list = [_service(program, directory.district_names) for program in directory.programs]
    locations_list = [_location(site) for site in directory.sites]
    links = [_service_at_location(program, site) for site in directory.sites for program in site.programs.all()]
    return {
        "hsds_version": HSDS_VERSION,
        "generated_at": generated_at.isoformat(),
        "publisher": "itda",
        "attribution": attribution(),
        "organizations": _organizations(directory),
        "services": services_list,
        "locations": locations_list,
        "service_at_locations": links,
        "schedules": [schedule for owner in (*services_list, *locations_list) for schedule in owner.get("schedules", [])],
        "taxonomies": [_taxonomy()],
        "taxonomy_terms": [_taxonomy_term(need) for need in directory.needs],
    }
