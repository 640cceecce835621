"""The discovery area of the console: the district map of risk tiers, worklists, outreach, and the policy simulation.

Each view loads and authorises through ``insights.permissions``, makes one call into an insights
query or service, and renders or redirects. City staff see counts only; a district's social worker
sees and sends its worklist; administrators see everything. Every page that shows population data
says that it is synthetic when it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from itda.cases.models import CareTask
from itda.cases.services import TaskError, UnreachableNeedsNextStep
from itda.console.access import allowed
from itda.insights import files
from itda.insights import queries as insight_queries
from itda.insights import services as insight_services
from itda.insights.permissions import (
    can_record_outreach,
    can_send_worklist,
    can_view_district,
    can_view_insights,
    can_view_worklist,
    get_outreach_task_for_worker,
    get_outreach_tasks_for_worker,
)
from itda.places.models import District, Dong
from itda.portal.maps import MIDDLE_LATITUDE, seoul_map

HEAT_CLASSES = 5
NEXT_STEP_HOUR = 9  # next steps are due at 09:00 Seoul time on the chosen day


# --- forms --------------------------------------------------------------------------------------------


class SimulationForm(forms.Form):
    programme = forms.ChoiceField(label=gettext_lazy("Programme"), required=False)
    percent = forms.IntegerField(
        label=gettext_lazy("New income threshold (percent of the standard median income)"),
        required=False,
        min_value=1,
        max_value=1000,
        error_messages={
            "min_value": "1–1000 사이로 입력하세요 (Enter 1–1000).",
            "max_value": "1–1000 사이로 입력하세요 (Enter 1–1000).",
            "invalid": "숫자로 입력하세요 (Enter a whole number).",
        },
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("Choose a programme")), *[(p.slug, p.name) for p in programmes]]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        widget=forms.RadioSelect,
        choices=[
            ("REACHED", gettext_lazy("Reached: support arranged or under way")),
            ("NO_NEED", gettext_lazy("Reached: no support needed")),
            ("UNREACHABLE", gettext_lazy("Unreachable: a next step is required")),
        ],
        error_messages={"required": "결과를 고르세요. (Choose an outcome.)"},
    )
    next_step_kind = forms.ChoiceField(
        label=gettext_lazy("Next step if unreachable"),
        widget=forms.RadioSelect,
        required=False,
        choices=[("VISIT", gettext_lazy("Home visit")), ("FOLLOW_UP_CALL", gettext_lazy("Call again another way"))],
    )
    next_step_date = forms.DateField(
        label=gettext_lazy("Next step by (date)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "날짜를 YYYY-MM-DD로 입력하세요. (Enter a date.)"},
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_next_step_date(self):
        value = self.cleaned_data.get("next_step_date")
        if value is not None and value < self.today:
            raise forms.ValidationError("다음 조치 날짜는 오늘이나 그 뒤여야 합니다. (The next step cannot be in the past.)")
        return value


# --- access -------------------------------------------------------------------------------------------


_insights_view = allowed(can_view_insights)


_outreach_view = allowed(can_record_outreach)


def _district(request, code: str) -> District:
    district = get_object_or_404(District.objects.defer("boundary_geojson"), code=code)
    if not can_view_district(request.user, district):
        raise PermissionDenied
    return district


def _manifest() -> files.Manifest | None:
    try:
        return files.read_manifest()
    except files.PopulationMissing:
        return None


# --- maps and charts ----------------------------------------------------------------------------------


def _heat(value: float, top: float) -> int:
    if top <= 0 or value <= 0:
        return 0
    return min(HEAT_CLASSES - 1, 1 + int((HEAT_CLASSES - 1) * value / top * 0.999))


def _legend(top: float, *, as_rate: bool) -> list[dict]:
    def shown(value: float) -> str:
        return f"{value:.1f}" if as_rate else f"{math.ceil(value):,}"

    legend = [{"heat": 0, "label": "0"}]
    step = top / (HEAT_CLASSES - 1) if top else 0
    for index in range(1, HEAT_CLASSES):
        legend.append({"heat": index, "label": f"{shown(step * (index - 1))}–{shown(step * index)}"})
    return legend


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str
    heat: int
    value: str
    url: str
    in_scope: bool


def _rings(geometry: dict | None) -> list[list[list[float]]]:
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


@functools.lru_cache(maxsize=32)
def _dong_paths(district_code: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The view box and (dong code, SVG path) of a district's dongs, projected like the city map; kept per process."""
    dongs = list(
        Dong.objects.filter(district__code=district_code).exclude(boundary_geojson=None).values_list("code", "boundary_geojson")
    )
    points = [(lon, lat) for _code, geometry in dongs for ring in _rings(geometry) for lon, lat, *_rest in ring]
    if not points:
        return "", ()
    width, margin = 600.0, 8.0
    factor = math.cos(math.radians(MIDDLE_LATITUDE))
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    scale = (width - 2 * margin) / max((east - west) * factor, 1e-9)
    height = 2 * margin + (north - south) * scale
    paths = []
    for code, geometry in dongs:
        parts = []
        for ring in _rings(geometry):
            projected = [
                (round(margin + (lon - west) * factor * scale, 1), round(margin + (north - lat) * scale, 1))
                for lon, lat, *_ in ring
            ]
            if len(projected) >= 3:
                parts.append("M" + " L".join(f"{x:g},{y:g}" for x, y in projected) + "Z")
        paths.append((code, "".join(parts)))
    return f"0 0 {width:g} {height:.1f}", tuple(paths)


MEASURES = ("rate", "count", "listed")


def _measure(request) -> str:
    """What colours the maps: high-risk households per 1,000 (default), their number, or listed tiers per 1,000."""
    value = request.GET.get("measure", "")
    return value if value in MEASURES else "rate"


def _value(row: insight_queries.AreaRow, measure: str, listed: tuple[str, ...]) -> float:
    if measure == "count":
        return float(row.high)
    if measure == "listed":
        return 1000 * sum(row.count(tier) for tier in listed) / row.households if row.households else 0.0
    return row.high_per_thousand


def _shown(value: float, measure: str) -> str:
    return f"{int(value):,}" if measure == "count" else f"{value:.1f}"


@dataclass(frozen=True)
class Bar:
    label: str
    text_y: int
    bar_y: int
    width: float
    value: str
    after_y: int
    after_text_y: int
    after_width: float | None
    after_value: str | None


def _bar_chart(figures: list[insight_queries.DistrictFigure]) -> dict:
    """Horizontal bars per district (before and, when a threshold moved, after), in SVG units."""
    # Narrow enough that 15-unit text stays readable when a phone scales the chart to its width.
    label_width, chart_width, row = 90, 230, 36
    has_after = any(f.eligible_after is not None for f in figures)
    top = max([f.eligible for f in figures] + [f.eligible_after or 0 for f in figures] + [1])
    bars = []
    for index, figure in enumerate(figures):
        after = figure.eligible_after
        y = index * row
        bars.append(
            Bar(
                label=figure.name,
                text_y=y + 16,
                bar_y=y + 3,
                width=round(chart_width * figure.eligible / top, 1),
                value=f"{figure.eligible:,}",
                after_y=y + 18,
                after_text_y=y + 31,
                after_width=None if after is None else round(chart_width * after / top, 1),
                after_value=None if after is None else f"{after:,}",
            )
        )
    return {
        "bars": bars,
        "label_x": label_width - 6,
        "bar_x": label_width,
        "bar_height": 14 if has_after else 28,
        "height": max(row * len(bars), row),
        "width": label_width + chart_width + 70,
        "value_x": label_width + chart_width + 6,
        "has_after": has_after,
    }


@dataclass(frozen=True)
class EntryView:
    """A worklist entry as shown: labels in the page's language, and its task if the viewer may open it."""

    entry: object
    tier_label: str
    signals: list[tuple[str, float]]
    task_is_visible: bool


def _entry_views(entries, user) -> list[EntryView]:
    task_ids = [entry.task_id for entry in entries if entry.task_id]
    visible = set(get_outreach_tasks_for_worker(user).filter(pk__in=task_ids).values_list("pk", flat=True)) if task_ids else set()
    return [
        EntryView(
            entry=entry,
            tier_label=insight_queries.tier_label(entry.tier),
            signals=[(insight_queries.signal_label(signal["code"]), signal["points"]) for signal in entry.signals],
            task_is_visible=entry.task_id in visible,
        )
        for entry in entries
    ]


# --- pages --------------------------------------------------------------------------------------------


@_insights_view
def dashboard(request):
    run = insight_queries.latest_run()
    rows = insight_queries.district_rows(run=run, user=request.user) if run else []
    measure = _measure(request)
    listed = tuple(run.listed_tiers) if run else ()
    by_code = {row.code: row for row in rows}
    top = max([_value(row, measure, listed) for row in rows] + [0.0])
    seoul = seoul_map()
    names = {d.code: d.display_name for d in District.objects.defer("boundary_geojson")}
    shapes = []
    for shape in seoul.shapes if seoul else ():
        row = by_code.get(shape.code)
        shapes.append(
            Shape(
                code=shape.code,
                name=names.get(shape.code, shape.code),
                path=shape.path,
                heat=_heat(_value(row, measure, listed), top) if row else -1,
                value=_shown(_value(row, measure, listed), measure) if row else "",
                url=reverse("console:insights_district", kwargs={"code": shape.code}) if row else "",
                in_scope=row is not None,
            )
        )
    is_city_view = request.user.is_administrator or request.user.role == request.user.Role.CITY_STAFF
    context = {
        "run": run,
        "tiers": insight_queries.tier_headers(run),
        "rows": rows,
        "measure": measure,
        "seoul": seoul,
        "shapes": shapes,
        "legend": _legend(top, as_rate=measure == "rate"),
        "manifest": _manifest(),
        "batches": insight_queries.recent_batches() if is_city_view else [],
    }
    return render(request, "console/insights/dashboard.html", context)


@_insights_view
def district_page(request, code: str):
    district = _district(request, code)
    run = insight_queries.latest_run()
    dong = None
    if request.GET.get("dong"):
        dong = Dong.objects.defer("boundary_geojson").filter(district=district, code=request.GET["dong"]).first()
        if dong is None:
            raise Http404
    dongs = insight_queries.dong_rows(run=run, district=district) if run else []
    measure = _measure(request)
    listed = tuple(run.listed_tiers) if run else ()
    top = max([_value(row, measure, listed) for row in dongs] + [0.0])
    view_box, paths = _dong_paths(district.code)
    by_code = {row.code: row for row in dongs}
    shapes = [
        Shape(
            code=dong_code,
            name=by_code[dong_code].name if dong_code in by_code else dong_code,
            path=path,
            heat=_heat(_value(by_code[dong_code], measure, listed), top) if dong_code in by_code else -1,
            value=_shown(_value(by_code[dong_code], measure, listed), measure) if dong_code in by_code else "",
            url=f"?dong={dong_code}#worklist" if dong_code in by_code else "",
            in_scope=dong_code in by_code,
        )
        for dong_code, path in paths
    ]
    worklist = None
    if run is not None and can_view_worklist(request.user, district):
        page = request.GET.get("page", "1")
        worklist = insight_queries.worklist_page(
            actor=request.user,
            run=run,
            district=district,
            dong=dong,
            page=int(page) if page.isdigit() else 1,
            path=request.path,
            now=timezone.now(),
        )
    context = {
        "district": district,
        "run": run,
        "tiers": insight_queries.tier_headers(run),
        "dongs": dongs,
        "dong": dong,
        "measure": measure,
        "view_box": view_box,
        "shapes": shapes,
        "legend": _legend(top, as_rate=measure == "rate"),
        "worklist": worklist,
        "rows": _entry_views(worklist.rows, request.user) if worklist else [],
        "can_send": run is not None and can_send_worklist(request.user, district),
    }
    return render(request, "console/insights/district.html", context)


@_insights_view
@require_POST
def send_worklist(request, code: str):
    district = _district(request, code)
    if not can_send_worklist(request.user, district):
        raise PermissionDenied
    run = insight_queries.latest_run()
    dong = None
    if request.POST.get("dong"):
        dong = Dong.objects.defer("boundary_geojson").filter(district=district, code=request.POST["dong"]).first()
        if dong is None:
            raise Http404
    if run is None or str(run.pk) != request.POST.get("run", ""):
        messages.error(request, _("The scores were recalculated since this page was shown. Check the new list and send again."))
        return redirect("console:insights_district", code=district.code)
    try:
        result = insight_services.send_worklist(actor=request.user, run=run, district=district, dong=dong, now=timezone.now())
    except insight_services.OutreachRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(created)s outreach tasks opened; %(existing)s households already had an open task.")
            % {"created": f"{result.created:,}", "existing": f"{result.already_open:,}"},
        )
    target = reverse("console:insights_district", kwargs={"code": district.code})
    return redirect(f"{target}?dong={dong.code}" if dong else target)


@_insights_view
def simulation(request):
    user = request.user
    manifest = _manifest()
    if manifest is None:
        return render(request, "console/insights/simulation.html", {"manifest": None})
    now = timezone.now()
    summary = insight_queries.simulate(user=user, now=now)
    form = SimulationForm(request.GET or None, programmes=summary.programmes)
    status = 200
    result = summary
    if form.is_bound and form.is_valid() and form.cleaned_data["programme"]:
        try:
            result = insight_queries.simulate(
                user=user, programme=form.cleaned_data["programme"], percent=form.cleaned_data["percent"], now=now
            )
        except insight_queries.SimulationRefused as error:
            form.add_error("percent" if form.cleaned_data["percent"] is not None else "programme", str(error))
            status = 400
    elif form.is_bound and not form.is_valid():
        status = 400
    context = {
        "manifest": manifest,
        "form": form,
        "simulation": result,
        "chart": _bar_chart(result.figures) if result.figures else None,
    }
    return render(request, "console/insights/simulation.html", context, status=status)


@_outreach_view
def outreach_list(request):
    tasks = insight_queries.list_outreach_tasks(actor=request.user, path=request.path, now=timezone.now())
    run = insight_queries.latest_run()
    return render(
        request, "console/insights/outreach.html", {"tasks": tasks, "is_synthetic": run is not None and run.is_synthetic}
    )


@_outreach_view
@require_http_methods(["GET", "POST"])
def outreach_task(request, task_id: int):
    try:
        task = get_outreach_task_for_worker(request.user, task_id)
    except CareTask.DoesNotExist:
        raise Http404 from None
    now = timezone.now()
    form = OutcomeForm(request.POST or None, today=timezone.localdate(now))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        due = data["next_step_date"]
        try:
            _closed, follow_up = insight_services.record_outreach_outcome(
                actor=request.user,
                task=task,
                outcome=data["outcome"],
                now=now,
                next_step_kind=data["next_step_kind"],
                next_step_due_at=timezone.make_aware(dt.datetime.combine(due, dt.time(NEXT_STEP_HOUR))) if due else None,
            )
        except UnreachableNeedsNextStep as error:
            form.add_error("next_step_kind", str(error))
        except (TaskError, insight_services.OutreachRefused) as error:
            form.add_error(None, str(error))
        else:
            if follow_up is not None:
                messages.success(
                    request, _("Recorded as unreachable. The next step is open: %(title)s") % {"title": follow_up.title}
                )
            else:
                messages.success(request, _("Outcome recorded."))
            return redirect("console:insights_outreach")
    entry = insight_queries.entry_for_task(actor=request.user, task=task, path=request.path, now=now)
    context = {
        "task": task,
        "entry": _entry_views([entry], request.user)[0] if entry else None,
        "form": form,
        "is_synthetic": entry is not None and entry.run.is_synthetic,
    }
    return render(request, "console/insights/outreach_task.html", context, status=400 if form.errors else 200)
