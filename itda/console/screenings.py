"""Console pages: a person's screening results, for the workers allowed to read them.

Who may read them is decided by ``itda.screenings.permissions.can_see_sensitive_results``:
the workers on the person's case (an active CaseAssignment), the team receiving an open
referral for the person, and administrators. Everyone else of the care roles gets a 404
(a person out of sight is told apart from no one); citizens, volunteers and city staff
are refused the console. Every read, and every refused read, is audited by
``itda.screenings.queries``. The list shows instrument, version, score, band, level and
date; the answers are only on a result's own page.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from itda.console.access import allowed
from itda.people.models import Person
from itda.people.permissions import can_work_with_people
from itda.screenings import queries
from itda.screenings.models import Level
from itda.screenings.scoring import InstrumentDefinition

_screening_view = allowed(can_work_with_people)


def _language() -> str:
    return get_language() or "ko"


def _level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level


def _row(result) -> dict:
    definition = InstrumentDefinition.from_dict(result.instrument.definition)
    band = definition.band(result.band)
    language = _language()
    return {
        "result": result,
        "instrument": definition.short_name.in_language(language),
        "version": result.instrument.version,
        "band": band.label.in_language(language) if band is not None else result.band,
        "level": _level_label(result.level),
        "maximum": definition.maximum,
        "definition": definition,
    }


@_screening_view
def person_results(request, person_id: int):
    try:
        results = queries.results_for_person(request.user, person_id, timezone.now(), path=request.path)
    except queries.ResultsNotVisible:
        raise Http404 from None
    # The READ entry above names the person; the name shown comes from the same record.
    person = results[0].person if results else Person.objects.only("name").get(pk=person_id)
    rows = [_row(result) for result in reversed(results)]
    return render(request, "console/screenings/person.html", {"person": person, "rows": rows})


@_screening_view
def result_detail(request, person_id: int, result_id: int):
    try:
        result = queries.result_for_person(request.user, person_id, result_id, timezone.now(), path=request.path)
    except queries.ResultsNotVisible:
        raise Http404 from None
    row = _row(result)
    definition = row["definition"]
    language = _language()
    answers = []
    for item in definition.items:
        value = result.answers.get(item.code)
        label = next((option.label.in_language(language) for option in item.options if option.value == value), "—")
        answers.append({"code": item.code, "text": item.text.in_language(language), "value": value, "label": label})
    return render(
        request,
        "console/screenings/result.html",
        {"person": result.person, "row": row, "answers": answers, "flags": result.flags},
    )
