"""itda's JSON API, version 1: the open programme directory, a private eligibility check and HSDS 3.0.

Every endpoint here is public: the directory is open data, and the eligibility check
keeps nothing. Each router is mounted with ``auth=None`` on purpose. Routers that write
or read personal data are their own routers with an auth class plus an access function
per record, and a permission test per URL: the FHIR exports (``fhir.py``, under /fhir/,
Django session auth for signed-in staff; Questionnaires public) and the telephony
webhooks (``telephony.py``, signed).

Error bodies are always ``{"message": ..., "errors": [{"field": ..., "message": ...}]}``
with Korean first and English after. The texts are bilingual literals rather than
gettext strings because a response carries both languages whatever the request asked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone, translation
from ninja import NinjaAPI, Query, Router, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

import analytics
from itda.api import fhir, schemas
from itda.places.models import District
from itda.places.queries import latest_indicator_by_district
from itda.programs import hsds, queries
from itda.programs.explain import describe_rule
from itda.programs.hours import SEOUL
from itda.programs.models import Fee, Need, Program, Site


class ItdaAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        # The view's own name ("list_programs"), not ninja's module-path default.
        return operation.view_func.__name__


class ReadableJSONRenderer(JSONRenderer):
    """UTF-8 JSON with Korean kept as text rather than \\u escapes, for people reading it with curl."""

    json_dumps_params: ClassVar[dict[str, Any]] = {"ensure_ascii": False}


api = ItdaAPI(
    title="itda API",
    version="1",
    description=(
        "서울시 1인가구·외로움 예방 프로그램 공개 API (Open API of Seoul's single-person household and loneliness "
        "programmes). Texts come in Korean (`name`) and English (`name_en`). Errors: "
        '`{"message": "한국어 (English)", "errors": [{"field": ..., "message": ...}]}`.'
    ),
    urls_namespace="api",
    # With "ninja" in INSTALLED_APPS the docs page serves Swagger UI from ninja's own static files: no CDN.
    docs=Swagger(settings={"validatorUrl": None}),
    renderer=ReadableJSONRenderer(),
    auth=None,
)

# Public, read-only routers. See the module docstring before adding one that is not.
directory = Router(tags=["directory"], auth=None)
eligibility = Router(tags=["eligibility"], auth=None)
open_referral = Router(tags=["HSDS 3.0"], auth=None)


# --- errors ---------------------------------------------------------------------------------

CHECK_INPUT = "입력값을 확인하세요 (Please check the input)"

FIELD_LABELS = {
    "age": ("나이", "Age"),
    "district": ("자치구", "District"),
    "household_size": ("가구원 수", "Household size"),
    "monthly_income_krw": ("월 소득", "Monthly income"),
    "housing_type": ("주거 형태", "Housing type"),
    "tenure": ("점유 형태", "Tenure"),
    "has_disability": ("장애 여부", "Disability"),
    "facts": ("상황 정보", "Facts"),
    "year": ("연도", "Year"),
    "q": ("검색어", "Search words"),
    "need": ("필요 분야", "Need"),
    "program": ("프로그램", "Programme"),
    "open_now": ("지금 운영 중", "Open now"),
    "at": ("기준 시각", "Moment"),
    "page": ("쪽 번호", "Page"),
    "per_page": ("쪽당 개수", "Items per page"),
    "body": ("요청 본문", "Request body"),
}

RANGE_MESSAGES = {
    "age": f"나이는 {schemas.AGE_MIN}–{schemas.AGE_MAX} 사이로 입력하세요 (Age must be {schemas.AGE_MIN}–{schemas.AGE_MAX})",
    "household_size": (
        f"가구원 수는 {schemas.HOUSEHOLD_MIN}–{schemas.HOUSEHOLD_MAX}명 사이로 입력하세요 "
        f"(Household size must be {schemas.HOUSEHOLD_MIN}–{schemas.HOUSEHOLD_MAX})"
    ),
    "monthly_income_krw": (
        f"월 소득은 0원 이상 {schemas.INCOME_MAX_KRW:,}원 이하로 입력하세요 "
        f"(Monthly income must be 0–{schemas.INCOME_MAX_KRW:,} KRW)"
    ),
    "year": (
        f"연도는 {schemas.YEAR_MIN}–{schemas.YEAR_MAX} 사이로 입력하세요 (Year must be {schemas.YEAR_MIN}–{schemas.YEAR_MAX})"
    ),
    "page": "쪽 번호는 1 이상이어야 합니다 (Page must be 1 or more)",
    "per_page": "쪽당 개수는 1–500 사이로 입력하세요 (Items per page must be 1–500)",
}

CHOICES = {"tenure": analytics.TENURES, "housing_type": analytics.HOUSING_TYPES}


class InvalidInput(Exception):
    """Input that is well-formed but names something that does not exist (a district, a need)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(field, message)


def _error_body(message: str, errors: list[tuple[str, str]]) -> dict[str, Any]:
    return {"message": message, "errors": [{"field": field, "message": text} for field, text in errors]}


def _field_of(location: tuple | list) -> str:
    # ninja prefixes the parameter source and, for bodies, the parameter name.
    parts = [str(part) for part in location]
    if parts and parts[0] in ("query", "path", "body"):
        parts = parts[1:]
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


def _explain(error: dict[str, Any]) -> tuple[str, str]:
    field = _field_of(error.get("loc", ()))
    name = field.rsplit(".", 1)[-1]
    korean, english = FIELD_LABELS.get(name, (name, name))
    kind = error.get("type", "")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than") and name in RANGE_MESSAGES:
        return field, RANGE_MESSAGES[name]
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return field, f"{korean}: 정수로 입력하세요 ({english} must be a whole number)"
    if kind in ("bool_type", "bool_parsing"):
        return field, f"{korean}: true 또는 false로 입력하세요 ({english} must be true or false)"
    if kind == "string_type":
        return field, f"{korean}: 글자로 입력하세요 ({english} must be text)"
    if kind in ("literal_error", "enum"):
        expected = ", ".join(CHOICES[name]) if name in CHOICES else error.get("ctx", {}).get("expected", "")
        return field, f"{korean}: 다음 중 하나로 입력하세요: {expected} ({english} must be one of: {expected})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return field, f"{korean}: JSON 객체로 입력하세요 ({english} must be a JSON object)"
    if kind == "missing":
        return field, f"{korean}: 값이 필요합니다 ({english} is required)"
    if kind == "extra_forbidden":
        return field, f"알 수 없는 항목입니다: {name} (Unknown field: {name})"
    if kind in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"):
        return field, f"{korean}: 2026-03-04T10:00:00+09:00 형식으로 입력하세요 ({english} must be an ISO 8601 date-time)"
    if kind == "string_too_long":
        return field, f"{korean}: 너무 깁니다 ({english} is too long)"
    return field, f"{korean}: 값이 올바르지 않습니다 ({english} is not valid)"


@api.exception_handler(ValidationError)
def validation_failed(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_explain(error) for error in exc.errors]
    message = errors[0][1] if len(errors) == 1 else CHECK_INPUT
    return api.create_response(request, _error_body(message, errors), status=422)


@api.exception_handler(InvalidInput)
def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return api.create_response(request, _error_body(exc.message, [(exc.field, exc.message)]), status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # ninja's body parser wraps every parse failure (bad JSON, bad UTF-8) in HttpError(400).
        message = "요청 본문이 올바른 JSON이 아닙니다 (The request body is not valid JSON)"
        return api.create_response(request, _error_body(message, [("body", message)]), status=400)
    if isinstance(exc, AuthenticationError):
        message = "로그인이 필요합니다 (Sign in first)"
        return api.create_response(request, _error_body(message, []), status=exc.status_code)
    return api.create_response(request, _error_body(exc.message, []), status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, _error_body("찾을 수 없습니다 (Not found)", []), status=404)


# --- input checks against the reference data -----------------------------------------------


def _check_district(code: str | None, field: str = "district") -> str:
    if code and not District.objects.filter(code=code).exists():
        raise InvalidInput(
            field, f"알 수 없는 자치구 코드입니다: {code} — 예: 11620 관악구 (Unknown district code: {code}; e.g. 11620)"
        )
    return code or ""


def _check_need(code: str) -> str:
    if code and not Need.objects.filter(code=code).exists():
        raise InvalidInput("need", f"알 수 없는 필요 분야입니다: {code} (Unknown need: {code})")
    return code


def _check_program(slug: str) -> str:
    if slug and not Program.objects.filter(slug=slug).exists():
        raise InvalidInput("program", f"알 수 없는 프로그램입니다: {slug} (Unknown programme: {slug})")
    return slug


def _seoul_year(moment: datetime) -> int:
    return moment.astimezone(SEOUL).year


# --- shapes ---------------------------------------------------------------------------------


def _in_both(function, *args) -> tuple[Any, Any]:
    """The result of a gettext-using function in Korean and in English."""
    with translation.override("ko"):
        korean = function(*args)
    with translation.override("en"):
        english = function(*args)
    return korean, english


def _need(need: Need) -> dict[str, Any]:
    return {"code": need.code, "name": need.name, "name_en": need.name_en, "icon": need.icon}


def _provider(program: Program) -> dict[str, Any] | None:
    provider = program.provider
    if provider is None:
        return None
    return {
        "slug": provider.slug,
        "name": provider.name,
        "name_en": provider.name_en,
        "phone": provider.phone,
        "website": provider.website,
    }


def _hours(rows) -> list[dict[str, Any]]:
    return [
        {"weekday": row.weekday, "opens_at": f"{row.opens_at:%H:%M}", "closes_at": f"{row.closes_at:%H:%M}"}
        for row in sorted(rows, key=lambda row: (row.weekday, row.opens_at))
    ]


def _program_summary(program: Program) -> dict[str, Any]:
    return {
        "slug": program.slug,
        "name": program.name,
        "name_en": program.name_en,
        "summary": program.summary,
        "summary_en": program.summary_en,
        "source": program.source,
        "status": program.status,
        "area": program.area,
        "project_number": program.project_number,
        "needs": [_need(need) for need in sorted(program.needs.all(), key=lambda n: (n.position, n.code))],
        "provider": _provider(program),
        "phone": program.phone,
        "is_open_all_hours": program.is_open_all_hours,
    }


def _site(site: Site, programs: list[Program] | None = None) -> dict[str, Any]:
    linked = programs if programs is not None else list(site.programs.all())
    return {
        "slug": site.slug,
        "name": site.name,
        "name_en": site.name_en,
        "branch_label": site.branch_label,
        "address": site.address,
        "address_en": site.address_en,
        "district": {"code": site.district.code, "name": site.district.name, "name_en": site.district.name_en},
        "latitude": site.latitude,
        "longitude": site.longitude,
        "location_precision": site.location_precision,
        "phone": site.phone,
        "is_mobile": site.is_mobile,
        "is_open_all_hours": site.is_open_all_hours,
        "is_open_on_public_holidays": site.is_open_on_public_holidays,
        "hours": _hours(site.opening_hours.all()),
        "hours_note": site.hours_note,
        "hours_note_en": site.hours_note_en,
        "programs": [{"slug": p.slug, "name": p.name, "name_en": p.name_en} for p in sorted(linked, key=lambda p: p.slug)],
    }


def _reduction_conditions(fee: Fee) -> list[str]:
    names = queries.district_names()
    return [describe_rule(rule, names) for rule in fee.reduction_rules]


def _fee(fee: Fee) -> dict[str, Any]:
    korean, english = _in_both(_reduction_conditions, fee)
    return {
        "label": fee.label,
        "label_en": fee.label_en,
        "amount_krw": fee.amount_krw,
        "unit": fee.unit,
        "reduced_amount_krw": fee.reduced_amount_krw,
        "reduction_conditions": korean,
        "reduction_conditions_en": english,
        "note": fee.note,
        "note_en": fee.note_en,
    }


# --- directory ------------------------------------------------------------------------------


@directory.get("/programs", response={200: list[schemas.ProgramSummaryOut], 422: schemas.ErrorOut}, url_name="programs")
def list_programs(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Words to find, e.g. 병원 동행"),
    need: str = Query("", description="A need code, e.g. health"),
    district: str = Query("", description="A district code, e.g. 11620"),
    age: int | None = Query(None, ge=schemas.AGE_MIN, le=schemas.AGE_MAX),
):
    """Citizen-facing programmes matching words, a need, a district and an age."""
    _check_need(need)
    _check_district(district)
    programs = queries.search_programs(
        query=q, need_code=need, district_code=district, age=age, today_year=_seoul_year(timezone.now())
    )
    return [_program_summary(program) for program in programs]


@directory.get("/programs/{slug}", response={200: schemas.ProgramDetailOut, 404: schemas.ErrorOut}, url_name="program")
def program_detail(request: HttpRequest, slug: str):
    """One programme with its requirements, fees, hours and sites."""
    try:
        program = queries.get_program(slug=slug)
    except Program.DoesNotExist:
        return Status(404, _error_body(f"프로그램을 찾을 수 없습니다: {slug} (Programme not found: {slug})", []))
    requirements, requirements_en = _in_both(queries.program_requirements, program)
    sites = sorted(program.sites.all(), key=lambda site: site.slug)
    return Status(
        200,
        {
            **_program_summary(program),
            "description": program.description,
            "description_en": program.description_en,
            "how_to_apply": program.how_to_apply,
            "how_to_apply_en": program.how_to_apply_en,
            "task_code": program.task_code,
            "task_name": program.task_name,
            "task_name_en": program.task_name_en,
            "kpi_unit": program.kpi_unit,
            "kpi_unit_en": program.kpi_unit_en,
            "requirements": requirements,
            "requirements_en": requirements_en,
            "eligibility_note": program.eligibility_note,
            "eligibility_note_en": program.eligibility_note_en,
            "fees": [_fee(fee) for fee in sorted(program.fees.all(), key=lambda fee: fee.pk)],
            "hours": _hours(program.opening_hours.all()),
            "is_open_on_public_holidays": program.is_open_on_public_holidays,
            "hours_note": program.hours_note,
            "hours_note_en": program.hours_note_en,
            "sites": [_site(site, programs=[program]) for site in sites],
        },
    )


# ninja reads parameters from their defaults; a module-level default keeps ruff's B008 quiet.
AT_QUERY = Query(None, description="The moment to judge opening at (Seoul time without an offset); now by default")


@directory.get("/sites", response={200: list[schemas.SiteWithStateOut], 422: schemas.ErrorOut}, url_name="sites")
def list_sites(
    request: HttpRequest,
    district: str = Query("", description="A district code, e.g. 11305"),
    program: str = Query("", description="A programme slug"),
    open_now: bool = Query(False, description="Only sites open at `at`"),
    at: datetime | None = AT_QUERY,
):
    """Sites with their opening hours and whether they are open now (Korean public holidays included)."""
    _check_district(district)
    _check_program(program)
    moment = timezone.now() if at is None else (at if timezone.is_aware(at) else at.replace(tzinfo=SEOUL))
    views = queries.find_sites(at=moment, district_code=district, program_slug=program, open_now=open_now)
    return [
        {
            **_site(view.site),
            "has_hours": view.has_hours,
            "open_state": {
                "is_open": view.state.is_open,
                "closes_at": view.state.closes_at,
                "next_opens_at": view.state.next_opens_at,
                "holiday_name": view.state.holiday_name,
                "is_closure": view.state.is_closure,
            },
        }
        for view in views
    ]


ONE_PERSON_SHARE = "one_person_household_ratio"


@directory.get("/districts", response=list[schemas.DistrictOut], url_name="districts")
def list_districts(request: HttpRequest):
    """The 25 districts with the latest share of one-person households (Statistics Korea census)."""
    latest = latest_indicator_by_district(indicator=ONE_PERSON_SHARE)
    result = []
    for district in District.objects.order_by("code"):
        indicator = latest.get(district.pk)
        result.append(
            {
                "code": district.code,
                "name": district.name,
                "name_en": district.name_en,
                "one_person_household_ratio": None
                if indicator is None
                else {
                    "year": indicator.year,
                    "value": float(indicator.value),
                    "unit": indicator.unit,
                    "source": indicator.source_statistic,
                },
            }
        )
    return result


# --- eligibility ----------------------------------------------------------------------------


@eligibility.post(
    "/eligibility",
    response={200: schemas.EligibilityOut, 400: schemas.ErrorOut, 422: schemas.ErrorOut},
    url_name="eligibility",
)
def check_eligibility(request: HttpRequest, payload: schemas.EligibilityIn):
    """What a person can get, programme by programme: ELIGIBLE, NOT_ELIGIBLE or UNKNOWN, with reasons and fees.

    Nothing about the person is stored or logged, and no session is started.
    """
    _check_district(payload.facts.district, field="facts.district")
    facts = {key: value for key, value in payload.facts.model_dump().items() if value is not None}
    year = payload.year or _seoul_year(timezone.now())
    korean, english = _in_both(lambda: queries.match_programs(facts=facts, today_year=year))
    english_by_slug = {match.program.slug: match for match in english}
    results = []
    for match in korean:
        other = english_by_slug[match.program.slug]
        results.append(
            {
                "slug": match.program.slug,
                "name": match.program.name,
                "name_en": match.program.name_en,
                "verdict": analytics.Verdict(match.verdict).value,
                "reasons": list(match.reasons),
                "reasons_en": list(other.reasons),
                "requirements": list(match.requirements),
                "requirements_en": list(other.requirements),
                "fees": [
                    {
                        "label": view.fee.label,
                        "label_en": view.fee.label_en,
                        "unit": view.fee.unit,
                        "amount_krw": view.quote.amount_krw,
                        "standard_amount_krw": view.quote.standard_amount_krw,
                        "reduced": view.quote.reduced,
                        "reasons": list(view.reasons),
                        "reasons_en": list(other_view.reasons),
                    }
                    for view, other_view in zip(match.fees, other.fees, strict=True)
                ],
            }
        )
    return {"year": year, "results": results}


# --- Open Referral HSDS 3.0 -----------------------------------------------------------------

PER_PAGE_MAX = 500


def _page(items: list[dict[str, Any]], page: int, per_page: int) -> dict[str, Any]:
    total_pages = max(1, -(-len(items) // per_page))
    contents = items[(page - 1) * per_page : page * per_page]
    return {
        "total_items": len(items),
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


@open_referral.get("/organizations", response={200: schemas.HsdsPageOut, 422: schemas.ErrorOut}, url_name="hsds_organizations")
def hsds_organizations(request: HttpRequest, page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=PER_PAGE_MAX)):
    """Every organization (providers, and the city for programmes without one)."""
    return _page(hsds.organizations(), page, per_page)


@open_referral.get("/services", response={200: schemas.HsdsPageOut, 422: schemas.ErrorOut}, url_name="hsds_services")
def hsds_services(request: HttpRequest, page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=PER_PAGE_MAX)):
    """Every programme as a service with its phones, schedules, cost options and need terms."""
    return _page(hsds.services(), page, per_page)


@open_referral.get("/services/{service_id}", response={200: dict[str, Any], 404: schemas.ErrorOut}, url_name="hsds_service")
def hsds_service(request: HttpRequest, service_id: str):
    """One service fully nested: its organization and its locations."""
    try:
        return Status(200, hsds.service_detail(service_id=service_id))
    except hsds.ServiceNotFound:
        return Status(404, _error_body(f"서비스를 찾을 수 없습니다: {service_id} (Service not found: {service_id})", []))


@open_referral.get("/locations", response={200: schemas.HsdsPageOut, 422: schemas.ErrorOut}, url_name="hsds_locations")
def hsds_locations(request: HttpRequest, page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=PER_PAGE_MAX)):
    """Every site as a location with its address and schedules."""
    return _page(hsds.locations(), page, per_page)


@open_referral.get("/export", response=dict[str, Any], url_name="hsds_export")
def hsds_export(request: HttpRequest):
    """The whole directory as one HSDS 3.0 document."""
    return hsds.export_document(generated_at=timezone.now())


api.add_router("", directory)
api.add_router("", eligibility)
api.add_router("/hsds", open_referral)
api.add_router("/fhir", fhir.router)
