"""Request and response shapes of the JSON API.

Every text a person reads comes in Korean and English side by side (``name`` and
``name_en``), so a client never depends on Accept-Language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt

import analytics

# Bounds shared by the query parameters and the eligibility facts, and quoted in the
# error messages of api.py.
AGE_MIN, AGE_MAX = 0, 120
HOUSEHOLD_MIN, HOUSEHOLD_MAX = 1, 30
INCOME_MAX_KRW = 10_000_000_000
YEAR_MIN, YEAR_MAX = 2000, 2100

Tenure = Literal[analytics.TENURES]  # type: ignore[valid-type]
HousingType = Literal[analytics.HOUSING_TYPES]  # type: ignore[valid-type]
Verdict = Literal["ELIGIBLE", "NOT_ELIGIBLE", "UNKNOWN"]


class ErrorDetail(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    message: str = Field(description="Korean first, English after.")
    errors: list[ErrorDetail] = Field(default_factory=list)


class NeedOut(Schema):
    code: str
    name: str
    name_en: str
    icon: str


class ProviderOut(Schema):
    slug: str
    name: str
    name_en: str
    phone: str
    website: str


class DistrictRef(Schema):
    code: str
    name: str
    name_en: str


class ProgramRef(Schema):
    slug: str
    name: str
    name_en: str


class HoursOut(Schema):
    weekday: int = Field(description="Monday = 0 … Sunday = 6")
    opens_at: str = Field(description="HH:MM, Seoul time")
    closes_at: str = Field(description="HH:MM, Seoul time")


class ProgramSummaryOut(Schema):
    slug: str
    name: str
    name_en: str
    summary: str
    summary_en: str
    source: str
    status: str
    area: int | None
    project_number: int | None
    needs: list[NeedOut]
    provider: ProviderOut | None
    phone: str
    is_open_all_hours: bool


class FeeOut(Schema):
    label: str
    label_en: str
    amount_krw: int
    unit: str
    reduced_amount_krw: int | None
    reduction_conditions: list[str] = Field(description="In Korean.")
    reduction_conditions_en: list[str]
    note: str
    note_en: str


class OpenStateOut(Schema):
    is_open: bool
    closes_at: datetime | None
    next_opens_at: datetime | None
    holiday_name: str | None = Field(description="The Korean public holiday today, in Korean.")
    is_closure: bool


class SiteOut(Schema):
    slug: str
    name: str
    name_en: str
    branch_label: str
    address: str
    address_en: str
    district: DistrictRef
    latitude: float | None
    longitude: float | None
    location_precision: Literal["EXACT", "DISTRICT"]
    phone: str
    is_mobile: bool
    is_open_all_hours: bool
    is_open_on_public_holidays: bool
    hours: list[HoursOut]
    hours_note: str
    hours_note_en: str
    programs: list[ProgramRef]


class SiteWithStateOut(SiteOut):
    has_hours: bool
    open_state: OpenStateOut


class ProgramDetailOut(ProgramSummaryOut):
    description: str
    description_en: str
    how_to_apply: str
    how_to_apply_en: str
    task_code: str
    task_name: str
    task_name_en: str
    kpi_unit: str
    kpi_unit_en: str
    requirements: list[str] = Field(description="The eligibility rules as sentences, in Korean.")
    requirements_en: list[str]
    eligibility_note: str
    eligibility_note_en: str
    fees: list[FeeOut]
    hours: list[HoursOut]
    is_open_on_public_holidays: bool
    hours_note: str
    hours_note_en: str
    sites: list[SiteOut]


class IndicatorOut(Schema):
    year: int
    value: float
    unit: str
    source: str


class DistrictOut(DistrictRef):
    one_person_household_ratio: IndicatorOut | None


class Facts(Schema):
    """What a person tells about themselves. Every fact is optional; a missing fact makes the rules
    that need it undecided (UNKNOWN), never failed."""

    model_config = ConfigDict(extra="forbid")

    age: StrictInt | None = Field(None, ge=AGE_MIN, le=AGE_MAX)
    district: str | None = Field(None, description="5-digit district code, e.g. 11620 (관악구)", max_length=5)
    household_size: StrictInt | None = Field(None, ge=HOUSEHOLD_MIN, le=HOUSEHOLD_MAX)
    monthly_income_krw: StrictInt | None = Field(None, ge=0, le=INCOME_MAX_KRW, description="Household income per month")
    housing_type: HousingType | None = None
    tenure: Tenure | None = None
    has_disability: StrictBool | None = None


class EligibilityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    facts: Facts = Field(default_factory=Facts)
    year: StrictInt | None = Field(
        None, ge=YEAR_MIN, le=YEAR_MAX, description="The year whose standard median income applies; this year by default."
    )


class FeeQuoteOut(Schema):
    label: str
    label_en: str
    unit: str
    amount_krw: int = Field(description="What this person would pay per unit.")
    standard_amount_krw: int
    reduced: bool | None = Field(description="null: cannot tell yet; the person may pay less.")
    reasons: list[str]
    reasons_en: list[str]


class ProgramMatchOut(Schema):
    slug: str
    name: str
    name_en: str
    verdict: Verdict
    reasons: list[str] = Field(description="Why, rule by rule, in Korean.")
    reasons_en: list[str]
    requirements: list[str]
    requirements_en: list[str]
    fees: list[FeeQuoteOut]


class EligibilityOut(Schema):
    year: int
    results: list[ProgramMatchOut]


class HsdsPageOut(Schema):
    """The HSDS 3.0 API's paginated listing."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[dict[str, Any]]
