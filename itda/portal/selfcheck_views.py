"""Self-check on the portal: pick an instrument, answer one screen, see what the result means.

Anonymous by default: the answers travel by POST, are scored in memory and are gone
when the page has been sent — no row, no session, no cache (Cache-Control: no-store).
A signed-in citizen who consents can save a result, see change over time and ask to be
called; the consent can be withdrawn, after which the saved results are deleted on the
retention schedule (see itda.screenings.models).

A crisis answer overrides everything: the crisis lines show at once, also when other
questions were left empty (the incomplete answers are still refused, never scored). For a
signed-in citizen with a person record the crisis task for a named worker is opened even
when they do not save (nothing of their answers is kept; the task only says a crisis
answer was given). An instrument made for an age group (SGDS-K: 65 and over) is refused,
with a message, to a signed-in citizen whose age is known to be below it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from itda.people.services import PersonDataInvalid
from itda.places.models import District
from itda.portal.forms import korean_first, korean_first_lazy
from itda.screenings import catalogue, queries, services
from itda.screenings.scoring import InstrumentDefinition, MissingAnswers, ScreeningRefused

ANSWER_MESSAGE = gettext_noop("Choose one of the answers shown.")
MISSING_MESSAGE = gettext_noop("Please answer this question.")
CONSENT_MESSAGE = gettext_noop("Tick the box to agree, or leave without saving.")
NAME_MESSAGE = gettext_noop("Enter your name.")
DISTRICT_MESSAGE = gettext_noop("Choose your district.")

# What each triage action means for the citizen, in plain words.
ACTION_TEXTS = {
    "REFER_MENTAL_HEALTH_CENTRE": gettext_lazy(
        "We recommend talking to a mental health welfare centre or a doctor. "
        "The life-linking stethoscope programme can arrange it."
    ),
    "OFFER_CONTACT": gettext_lazy("If you like, a social worker from your district can call you."),
    "OFFER_VISITING_NURSE": gettext_lazy("A visiting nurse from the public health centre can come to your home."),
    "RECHECK_IN_2_WEEKS": gettext_lazy("Take this check again in two weeks to see how things change."),
    "LINK_CARE_GROUP": gettext_lazy("A neighbourhood care group can keep in touch with you every week."),
    "RECORD_SCORE": gettext_lazy("The score is recorded for your worker; there is no cut-off for this scale."),
}
WORDING_NOTES = {
    "unverified": gettext_lazy("Our own Korean wording; not a validated translation."),
    "topic_only": gettext_lazy("Topic only: the licensed question text is on the paper form."),
    "adapted": gettext_lazy("Wording adapted from Seoul's official self-check."),
    "secondary": gettext_lazy("Wording from a public copy of the Korean form; being checked against the published version."),
}


def _item_field_name(code: str) -> str:
    return f"item-{code}"


class SelfCheckForm(forms.Form):
    """One radio group per item. Emptiness is judged by the scoring (MissingAnswers), not here."""

    def __init__(self, definition: InstrumentDefinition, *args, language: str = "ko", **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for item in definition.items:
            self.fields[_item_field_name(item.code)] = forms.TypedChoiceField(
                label=item.text.in_language(language),
                choices=[(str(option.value), option.label.in_language(language)) for option in item.options],
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": korean_first_lazy(ANSWER_MESSAGE)},
            )

    def answers(self) -> dict[str, int | None]:
        return {item.code: self.cleaned_data.get(_item_field_name(item.code)) for item in self.definition.items}

    def add_missing(self, codes) -> None:
        for code in codes:
            self.add_error(_item_field_name(code), korean_first(MISSING_MESSAGE))

    def items_with_fields(self):
        language = get_language() or "ko"
        sections = {section.code: section.title.in_language(language) for section in self.definition.sections}
        previous = None
        for item in self.definition.items:
            heading = sections.get(item.section) if item.section != previous else None
            previous = item.section
            yield {
                "item": item,
                "field": self[_item_field_name(item.code)],
                "section_title": heading,
                "wording_note": WORDING_NOTES.get(item.wording_status, ""),
            }


class SaveForm(forms.Form):
    """The save consent, and the few details a new person record needs."""

    consent = forms.BooleanField(
        label=gettext_lazy(
            "I agree that itda keeps this result and my answers with my name and district, "
            "so that I and my care workers can see them. I can withdraw at any time."
        ),
        error_messages={"required": korean_first_lazy(CONSENT_MESSAGE)},
    )
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=60, required=False)
    district = forms.ChoiceField(label=gettext_lazy("Your district"), required=False)
    birth_year = forms.IntegerField(
        label=gettext_lazy("Year of birth (optional)"), required=False, min_value=1900, max_value=2100
    )

    def __init__(self, *args, needs_person: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_person = needs_person
        self.fields["district"].choices = [("", "—"), *[(d.code, d.display_name) for d in District.objects.order_by("code")]]
        if needs_person:
            self.fields["name"].required = True
            self.fields["district"].required = True
            self.fields["name"].error_messages["required"] = korean_first(NAME_MESSAGE)
            self.fields["district"].error_messages["required"] = korean_first(DISTRICT_MESSAGE)


@dataclass(frozen=True)
class ResultView:
    definition: InstrumentDefinition
    outcome: services.ScreeningOutcome
    band_label: str
    band_meaning: str
    programs: list
    actions: list[str]
    flags: list[str]


def _now():
    return timezone.now()


def _language() -> str:
    return get_language() or "ko"


def _result_view(outcome: services.ScreeningOutcome) -> ResultView:
    definition = outcome.definition
    band = definition.band(outcome.band)
    language = _language()
    flag_labels = {flag.code: flag.label.in_language(language) for flag in definition.flags}
    return ResultView(
        definition=definition,
        outcome=outcome,
        band_label=band.label.in_language(language) if band else outcome.band,
        band_meaning=band.meaning.in_language(language) if band else "",
        programs=queries.recommended_programs(outcome.recommended_programs),
        actions=[str(ACTION_TEXTS[a]) for a in outcome.actions if a in ACTION_TEXTS],
        flags=[flag_labels.get(code, code) for code in (outcome.score.flags if outcome.score else ()) if code in flag_labels],
    )


def _person_of(user):
    if not user.is_authenticated:
        return None
    return getattr(user, "person", None)


def _can_save(user) -> bool:
    return user.is_authenticated and user.role == user.Role.CITIZEN


def _own_person(user):
    """The signed-in citizen's own person record, or None (anonymous users, staff, citizens without one)."""
    return _person_of(user) if _can_save(user) else None


def _own_age(user) -> int | None:
    person = _own_person(user)
    return person.age_on(timezone.localdate()) if person is not None else None


@never_cache
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    definitions = catalogue.self_check_definitions(timezone.localdate())
    language = _language()
    age = _own_age(request.user)
    choices = [
        {
            "slug": d.slug,
            "name": d.short_name.in_language(language),
            "description": d.description.in_language(language),
            "count": len(d.items),
            "min_age": d.min_age,
            "not_for_age": services.age_refusal(d, age) is not None,
        }
        for d in definitions
    ]
    return render(request, "portal/selfcheck/start.html", {"choices": choices})


def _definition_or_404(slug: str) -> InstrumentDefinition:
    try:
        return catalogue.self_check_definition(slug, timezone.localdate())
    except catalogue.UnknownInstrument:
        raise Http404("no such self-check") from None


def _texts(definition: InstrumentDefinition) -> dict[str, str]:
    language = _language()
    return {
        "name": definition.name.in_language(language),
        "short_name": definition.short_name.in_language(language),
        "description": definition.description.in_language(language),
        "provisional_note": definition.provisional_note.in_language(language),
    }


def _render_form(request, definition, form, *, status=200, refused: str = "", crisis=None, blocked: bool = False):
    """The questions again, with the refusal; ``crisis`` (a refusal carrying a crisis answer) puts the crisis lines first."""
    return render(
        request,
        "portal/selfcheck/form.html",
        {
            "definition": definition,
            "texts": _texts(definition),
            "form": form,
            "refused": refused,
            "crisis": crisis is not None and crisis.is_crisis,
            "crisis_task": getattr(crisis, "crisis_task", None),
            "blocked": blocked,
        },
        status=status,
    )


def _render_refused(request, definition, form, refused: ScreeningRefused):
    if isinstance(refused, MissingAnswers):
        form.add_missing(refused.items)
    return _render_form(
        request,
        definition,
        form,
        status=400,
        refused=refused.message,
        crisis=refused,
        blocked=isinstance(refused, services.NotForThisAge),
    )


def _render_result(request, definition, form, outcome, *, save_form=None, status=200, save_error: str = ""):
    user = request.user
    person = _person_of(user)
    return render(
        request,
        "portal/selfcheck/result.html",
        {
            "definition": definition,
            "texts": _texts(definition),
            "form": form,
            "view": _result_view(outcome),
            "can_save": _can_save(user),
            "save_form": save_form or SaveForm(needs_person=person is None),
            "has_person": person is not None,
            "save_error": save_error,
            "answers": [(_item_field_name(code), value) for code, value in outcome.score.answers.items()],
        },
        status=status,
    )


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, slug: str) -> HttpResponse:
    definition = _definition_or_404(slug)
    if request.method != "POST":
        too_young = services.age_refusal(definition, _own_age(request.user))
        form = SelfCheckForm(definition, language=_language())
        if too_young is not None:
            return _render_form(request, definition, form, refused=too_young.message, blocked=True)
        return _render_form(request, definition, form)
    form = SelfCheckForm(definition, request.POST, language=_language())
    # A signed-in citizen's own record: a crisis answer then opens the crisis task; nothing is stored (store=False).
    # Answers the form rejects are passed on raw, so that a crisis answer among them is still acted on.
    answers = form.answers() if form.is_valid() else _raw_answers(definition, request.POST)
    try:
        outcome = services.record_screening(
            actor=request.user,
            instrument_code=definition.code,
            answers=answers,
            channel="SELF_CHECK",
            now=_now(),
            version=definition.version,
            person=_own_person(request.user),
            store=False,
        )
    except ScreeningRefused as refused:
        return _render_refused(request, definition, form, refused)
    if not form.is_valid():
        return _render_form(request, definition, form, status=400)
    return _render_result(request, definition, form, outcome)


def _raw_answers(definition: InstrumentDefinition, data) -> dict[str, str]:
    return {item.code: data.get(_item_field_name(item.code), "") for item in definition.items}


@never_cache
@sensitive_post_parameters()
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("portal:selfcheck_start"))
    definition = _definition_or_404(request.POST.get("instrument", ""))
    form = SelfCheckForm(definition, request.POST, language=_language())
    if not form.is_valid() or not _can_save(request.user):
        return _render_form(
            request, definition, form, status=400, refused=_("Only citizens' own accounts can save a self-check.")
        )
    person = _person_of(request.user)
    save_form = SaveForm(request.POST, needs_person=person is None)
    now = _now()
    try:
        outcome = services.record_screening(
            actor=request.user,
            instrument_code=definition.code,
            answers=form.answers(),
            channel="SELF_CHECK",
            now=now,
            version=request.POST.get("version") or definition.version,
            person=person,
            store=False,
        )
    except ScreeningRefused as refused:
        return _render_refused(request, definition, form, refused)
    if not save_form.is_valid():
        return _render_result(request, definition, form, outcome, save_form=save_form, status=400)

    try:
        if person is None:
            district = District.objects.get(code=save_form.cleaned_data["district"])
            person = services.register_citizen_for_self_check(
                user=request.user,
                name=save_form.cleaned_data["name"],
                district=district,
                birth_year=save_form.cleaned_data["birth_year"],
                now=now,
            )
        services.give_save_consent(user=request.user, person=person, now=now)
        services.record_screening(
            actor=request.user,
            instrument_code=definition.code,
            answers=form.answers(),
            channel="SELF_CHECK",
            now=now,
            person=person,
            version=outcome.instrument_version,
            store=True,
        )
    except PersonDataInvalid as invalid:
        for field, message in invalid.errors.items():
            if field in save_form.fields:
                save_form.add_error(field, message)
        return _render_result(request, definition, form, outcome, save_form=save_form, status=400)
    except ScreeningRefused as refused:
        return _render_result(request, definition, form, outcome, save_form=save_form, status=400, save_error=refused.message)
    return redirect(f"{reverse('portal:selfcheck_history')}?done=saved")


@dataclass(frozen=True)
class Chart:
    """A server-drawn line chart of one instrument's totals, with its table alternative."""

    code: str
    title: str
    width: int
    height: int
    polyline: str
    dots: list[dict]
    y_labels: list[dict]
    rows: list[dict]
    summary: str


_CHART_WIDTH, _CHART_HEIGHT, _PAD_LEFT, _PAD_RIGHT, _PAD_Y = 340, 180, 40, 16, 20


def _chart(history: queries.InstrumentHistory, title: str, band_labels: dict[str, str]) -> Chart:
    span = max(history.maximum - history.minimum, 1)
    inner_width = _CHART_WIDTH - _PAD_LEFT - _PAD_RIGHT
    inner_height = _CHART_HEIGHT - 2 * _PAD_Y
    count = len(history.points)

    def x(index: int) -> float:
        return _PAD_LEFT + (inner_width / 2 if count == 1 else inner_width * index / (count - 1))

    def y(total: int) -> float:
        return _PAD_Y + inner_height * (history.maximum - total) / span

    dots = []
    rows = []
    for index, point in enumerate(history.points):
        local = timezone.localtime(point.taken_at)
        dots.append({"x": round(x(index), 1), "y": round(y(point.total), 1), "total": point.total, "date": f"{local:%Y-%m-%d}"})
        rows.append(
            {
                "date": f"{local:%Y-%m-%d %H:%M}",
                "total": point.total,
                "band": band_labels.get(point.band, point.band),
                "version": point.version,
            }
        )
    first, last = history.points[0], history.points[-1]
    values = {
        "count": count,
        "first_date": rows[0]["date"][:10],
        "last_date": rows[-1]["date"][:10],
        "first": first.total,
        "last": last.total,
        "min": history.minimum,
        "max": history.maximum,
    }
    # One result and several read differently, not only by number: two messages, not a plural pair.
    if count == 1:
        summary = _("One result on %(first_date)s: score %(last)s.") % values
    else:
        summary = (
            _(
                "%(count)s results from %(first_date)s to %(last_date)s; "
                "the score went from %(first)s to %(last)s (range %(min)s–%(max)s)."
            )
            % values
        )
    return Chart(
        code=history.code,
        title=title,
        width=_CHART_WIDTH,
        height=_CHART_HEIGHT,
        polyline=" ".join(f"{dot['x']},{dot['y']}" for dot in dots),
        dots=dots,
        y_labels=[{"y": round(y(value), 1), "value": value} for value in (history.maximum, history.minimum)],
        rows=rows,
        summary=summary,
    )


def _charts(results) -> list[Chart]:
    language = _language()
    charts = []
    for history in queries.histories(results):
        latest = next(r for r in reversed(results) if r.instrument.code == history.code)
        definition = InstrumentDefinition.from_dict(latest.instrument.definition)
        band_labels = {band.code: band.label.in_language(language) for band in definition.bands}
        charts.append(_chart(history, definition.short_name.in_language(language), band_labels))
    return charts


@never_cache
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    person = _person_of(request.user)
    now = _now()
    results = queries.results_for_person(request.user, person.pk, now, path=request.path) if person is not None else []
    consent = queries.save_consent_state(person) if person is not None else None
    latest = results[-1] if results else None
    return render(
        request,
        "portal/selfcheck/history.html",
        {
            "person": person,
            "charts": _charts(results),
            "latest": latest,
            "consent": consent,
            "purge_days": services.purge_days(),
            "done": request.GET.get("done", ""),
        },
    )


@never_cache
@require_POST
def contact(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("portal:selfcheck_start"))
    person = _person_of(request.user)
    if person is None:
        return render(
            request,
            "portal/selfcheck/message.html",
            {"message": _("Save a result first so that we know whom to call.")},
            status=400,
        )
    try:
        services.request_contact(actor=request.user, person=person, now=_now(), is_urgent=request.POST.get("urgent") == "1")
    except ScreeningRefused as refused:
        return render(request, "portal/selfcheck/message.html", {"message": refused.message}, status=400)
    done = "urgent" if request.POST.get("urgent") == "1" else "contact"
    return redirect(f"{reverse('portal:selfcheck_history')}?done={done}")


@never_cache
@require_POST
def withdraw(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("portal:selfcheck_start"))
    person = _person_of(request.user)
    if person is not None:
        services.withdraw_save_consent(user=request.user, person=person, now=_now())
    return redirect(f"{reverse('portal:selfcheck_history')}?done=withdrawn")
