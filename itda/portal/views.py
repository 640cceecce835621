"""Citizen portal: home, programme search and pages, "what can I get", and the site finder.

Nothing a visitor types is stored: searches are plain GETs of public filters,
and the "what can I get" answers travel by POST, are judged in memory and are
gone when the page has been sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

import analytics
from itda.portal import maps
from itda.portal.forms import ProgramSearchForm, SiteFilterForm, WizardForm
from itda.portal.templatetags.portal_extras import price
from itda.programs import queries
from itda.programs.explain import FIELD_LABELS, describe_rule
from itda.programs.hours import OpenState, open_state
from itda.programs.models import Fee, OpeningHours, Program, Site

# An income rule needs both the income and the household size to be judged.


def _is_fragment_request(request: HttpRequest) -> bool:
    """htmx asked for the results only (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _valid_filters(form) -> dict:
    """The filters that passed validation; a bad one is reported on the page and left out."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"needs": queries.needs()})


@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    form = ProgramSearchForm(request.GET or None, needs=queries.needs(), districts=queries.district_names())
    filters = _valid_filters(form)

    programs = queries.search_programs(
        query=filters.get("q") or "",
        need_code=filters.get("need") or "",
        district_code=filters.get("district") or "",
        age=filters.get("age"),
        today_year=timezone.localdate().year,
    )

    is_fragment = _is_fragment_request(request)
    response = render(
        request,
        "portal/_program_results.html" if is_fragment else "portal/program_list.html",
        {"form": form, "programs": programs, "is_fragment": is_fragment},
        status=400 if form.errors else 200,
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@dataclass(frozen=True)
class Opening:
    """A site's or programme's hours and whether it is open at the moment the page was made."""

    owner: Site | Program
    state: OpenState
    hours: tuple[OpeningHours, ...]
    has_hours: bool
    weekday: int

    @property
    def is_closed_for_holiday(self) -> bool:
        return not self.state.is_open and bool(self.state.holiday_name) and not self.owner.is_open_on_public_holidays


def _opening(owner: Site | Program, at: datetime) -> Opening:
    timetable = queries.timetable_for(owner)
    hours = tuple(sorted(owner.opening_hours.all(), key=lambda h: (h.weekday, h.opens_at)))
    return Opening(owner, open_state(timetable, at), hours, timetable.has_hours, timezone.localtime(at).weekday())


@dataclass(frozen=True)
class FeeTerms:
    fee: Fee
    standard_price: str
    reduced_price: str | None
    reduced_for: tuple[str, ...]


def _fee_terms(fee: Fee, district_names: dict[str, str]) -> FeeTerms:
    has_reduction = fee.reduced_amount_krw is not None and bool(fee.reduction_rules)
    return FeeTerms(
        fee=fee,
        standard_price=price(fee.amount_krw, fee.unit),
        reduced_price=price(fee.reduced_amount_krw, fee.unit) if has_reduction else None,
        reduced_for=tuple(describe_rule(rule, district_names) for rule in fee.reduction_rules) if has_reduction else (),
    )


@require_GET
def program_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        program = queries.get_program(slug=slug)
    except Program.DoesNotExist:
        raise Http404("no such programme") from None

    now = timezone.now()
    district_names = queries.district_names()

    return render(
        request,
        "portal/program_detail.html",
        {
            "program": program,
            "requirements": queries.program_requirements(program),
            "fees": [_fee_terms(fee, district_names) for fee in program.fees.all()],
            "opening": _opening(program, now),
            "sites": [_opening(site, now) for site in sorted(program.sites.all(), key=lambda site: site.name)],
        },
    )


@dataclass(frozen=True)
class Quote:
    """What one fee would cost this person, in words."""

    label: str
    price: str
    standard_price: str
    is_reduced: bool | None
    reduced_price: str | None
    is_free_when_reduced: bool
    reduced_for: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class MatchCard:
    match: queries.ProgramMatch
    missing: tuple[str, ...]
    quotes: tuple[Quote, ...]


def _missing_labels(match: queries.ProgramMatch) -> tuple[str, ...]:
    """Labels of the facts that would decide this programme; the median itself is not the person's to give."""
    return tuple(FIELD_LABELS[name]() for name in match.missing if name in FIELD_LABELS)


def _quote(fee_view: queries.FeeView, district_names: dict[str, str]) -> Quote:
    fee, quote = fee_view.fee, fee_view.quote
    has_reduction = fee.reduced_amount_krw is not None and bool(fee.reduction_rules)
    return Quote(
        label=fee.display_label,
        price=price(quote.amount_krw, quote.unit),
        standard_price=price(quote.standard_amount_krw, quote.unit),
        is_reduced=quote.reduced,
        reduced_price=price(fee.reduced_amount_krw, fee.unit) if has_reduction else None,
        is_free_when_reduced=has_reduction and fee.reduced_amount_krw == 0,
        reduced_for=tuple(describe_rule(rule, district_names) for rule in fee.reduction_rules) if has_reduction else (),
        reasons=fee_view.reasons,
    )


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def wizard(request: HttpRequest) -> HttpResponse:
    district_names = queries.district_names()
    if request.method != "POST":
        return render(request, "portal/wizard.html", {"form": WizardForm(districts=district_names)})
    form = WizardForm(request.POST, districts=district_names)
    if not form.is_valid():
        return render(request, "portal/wizard.html", {"form": form}, status=400)

    facts = form.facts()
    matches = queries.match_programs(facts=facts, today_year=timezone.localdate().year)

    cards = [
        MatchCard(
            match=match,
            missing=_missing_labels(match),
            quotes=tuple(_quote(fee_view, district_names) for fee_view in match.fees),
        )
        for match in matches
    ]
    return render(
        request,
        "portal/wizard.html",
        {
            "form": form,
            "has_results": True,
            "answered": len(facts),
            "eligible": [card for card in cards if card.match.verdict is analytics.Verdict.ELIGIBLE],
            "unknown": [card for card in cards if card.match.verdict is analytics.Verdict.UNKNOWN],
            "not_eligible": [card for card in cards if card.match.verdict is analytics.Verdict.NOT_ELIGIBLE],
        },
    )


@dataclass(frozen=True)
class SiteRow:
    view: queries.SiteView
    opening: Opening
    point: tuple[float, float] | None

    @property
    def is_approximate(self) -> bool:
        return self.view.site.location_precision == Site.LocationPrecision.DISTRICT


def _site_point(site: Site, seoul: maps.SeoulMap | None) -> tuple[float, float] | None:
    if seoul is None:
        return None
    if site.latitude is not None and site.longitude is not None:
        return seoul.projection.point(site.longitude, site.latitude)
    return seoul.centre_of(site.district.code)


@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    district_names = queries.district_names()
    programs = queries.search_programs(today_year=timezone.localdate().year, include_infrastructure=True)
    form = SiteFilterForm(request.GET or None, districts=district_names, programs=programs)
    filters = _valid_filters(form)

    site_views = queries.find_sites(
        at=now,
        district_code=filters.get("district") or "",
        program_slug=filters.get("program") or "",
        open_now=bool(filters.get("open_now")),
    )

    seoul = maps.seoul_map()
    weekday = timezone.localtime(now).weekday()
    rows = [
        SiteRow(
            view=view,
            opening=Opening(view.site, view.state, view.hours, view.has_hours, weekday),
            point=_site_point(view.site, seoul),
        )
        for view in site_views
    ]
    selected_district = filters.get("district") or ""
    shapes = [
        {
            "code": shape.code,
            "path": shape.path,
            "name": district_names.get(shape.code, shape.code),
            "is_selected": shape.code == selected_district,
        }
        for shape in (seoul.shapes if seoul else ())
    ]
    is_fragment = _is_fragment_request(request)
    response = render(
        request,
        "portal/_site_results.html" if is_fragment else "portal/site_list.html",
        {"form": form, "rows": rows, "seoul": seoul, "shapes": shapes, "is_fragment": is_fragment},
        status=400 if form.errors else 200,
    )
    patch_vary_headers(response, ["HX-Request"])
    return response
