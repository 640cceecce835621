"""The care console: people in the worker's scope, their details and consents."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from itda.console.access import allowed
from itda.console.forms import CONSENT_WORDING_VERSION, ConsentForm, PersonForm
from itda.people import queries as people_queries
from itda.people import services as people_services
from itda.people.permissions import (
    PersonNotVisible,
    can_change_person,
    can_record_consent,
    can_work_with_people,
    get_person_for_worker,
)


def _home_page_role(user) -> bool:
    return can_work_with_people(user) or user.role in (user.Role.CITY_STAFF, user.Role.VOLUNTEER)


def _console_view(*, people: bool):
    """Sign-in required; then a care role (or, for the home page only, city staff and volunteers)."""
    return allowed(can_work_with_people if people else _home_page_role)


def _details(form: PersonForm) -> people_services.PersonDetails:
    data = form.cleaned_data
    return people_services.PersonDetails(
        name=data["name"],
        birth_year=data["birth_year"],
        sex=data["sex"],
        phone=data["phone"],
        district=data["district"],
        dong=data["dong"],
        address=data["address"],
        household_size=data["household_size"],
        housing_type=data["housing_type"],
        tenure=data["tenure"],
        has_disability=data["has_disability"],
    )


@_console_view(people=False)
def home(request):
    return render(request, "console/home.html", {"can_work_with_people": can_work_with_people(request.user)})


@_console_view(people=True)
def person_list(request):
    query = request.GET.get("q", "")[:60]
    people = people_queries.list_people(actor=request.user, query=query, path=request.path, now=timezone.now())
    return render(request, "console/person_list.html", {"people": people, "query": query})


@_console_view(people=True)
def person_detail(request, person_id: int):
    try:
        person = people_queries.view_person(actor=request.user, person_id=person_id, path=request.path, now=timezone.now())
    except PersonNotVisible:
        raise Http404 from None
    consents = person.consents.order_by("-given_at")
    return render(
        request,
        "console/person_detail.html",
        {
            "person": person,
            "consents": consents,
            "can_change": can_change_person(request.user, person),
            "can_record_consent": can_record_consent(request.user, person),
            "consent_form": ConsentForm(),
        },
    )


@_console_view(people=True)
@require_http_methods(["GET", "POST"])
def person_create(request):
    form = PersonForm(request.POST or None, require_consent=True)
    if request.method == "POST" and form.is_valid():
        try:
            person = people_services.register_person(
                actor=request.user,
                details=_details(form),
                consent_wording_version=CONSENT_WORDING_VERSION,
                now=timezone.now(),
                assign_to_case=not form.cleaned_data["stay_off_case"],
            )
        except people_services.PersonDataInvalid as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except people_services.PersonChangeRefused:
            form.add_error("district", _("You can register people only in your own district."))
        else:
            return redirect("console:person_detail", person_id=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "console/person_form.html", {"form": form, "creating": True}, status=status)


@_console_view(people=True)
@require_http_methods(["GET", "POST"])
def person_edit(request, person_id: int):
    try:
        person = get_person_for_worker(request.user, person_id)
    except PersonNotVisible:
        raise Http404 from None
    if not can_change_person(request.user, person):
        raise PermissionDenied
    initial = {
        "name": person.name,
        "birth_year": person.birth_year,
        "sex": person.sex,
        "phone": person.phone,
        "district": person.district.code,
        "dong": person.dong.code if person.dong else "",
        "address": person.address,
        "household_size": person.household_size,
        "housing_type": person.housing_type,
        "tenure": person.tenure,
        "has_disability": person.has_disability,
    }
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.update_person(actor=request.user, person=person, details=_details(form), now=timezone.now())
        except people_services.PersonDataInvalid as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except people_services.PersonChangeRefused:
            form.add_error("district", _("You can move people only into your own district."))
        else:
            return redirect("console:person_detail", person_id=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "console/person_form.html", {"form": form, "person": person, "creating": False}, status=status)


@_console_view(people=True)
@require_http_methods(["POST"])
def person_consent(request, person_id: int):
    try:
        person = get_person_for_worker(request.user, person_id)
    except PersonNotVisible:
        raise Http404 from None
    if not can_record_consent(request.user, person):
        raise PermissionDenied
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return redirect("console:person_detail", person_id=person.pk)
    now = timezone.now()
    if form.cleaned_data["action"] == "give":
        people_services.record_consent(
            actor=request.user,
            person=person,
            purpose=form.cleaned_data["purpose"],
            wording_version=CONSENT_WORDING_VERSION,
            now=now,
        )
    else:
        people_services.withdraw_consent(actor=request.user, person=person, purpose=form.cleaned_data["purpose"], now=now)
    return redirect("console:person_detail", person_id=person.pk)
