"""The care area of the console: the registry of monitored people, the care group and its allocation.

Each view loads and authorises through the access functions, makes one call into a service or query,
and renders or redirects. Forms only validate; Korean-first messages from the services are shown on
the field they concern. A volunteer's own page (``my_households``) shows minimal fields only.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from itda.accounts.models import User
from itda.console.access import allowed, signed_in
from itda.households import queries as household_queries
from itda.households import services as household_services
from itda.households.models import ContactChannel, Guardian, MonitoringEnrolment, RiskLevel, VisitingCareEnrolment
from itda.households.permissions import can_change_registry, can_use_care_registry, get_registry_person_for_worker
from itda.people.permissions import PersonNotVisible
from itda.places.models import District, Dong
from itda.volunteers import queries as volunteer_queries
from itda.volunteers import services as volunteer_services
from itda.volunteers.models import AllocationOverride, AllocationPolicy, Volunteer
from itda.volunteers.permissions import (
    CareGroupRefused,
    VolunteerNotVisible,
    can_manage_care_group,
    can_view_care_group,
    get_volunteer_for_worker,
    is_volunteer,
)

# --- forms --------------------------------------------------------------------------------------------


class RiskAssessmentForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("Risk level"), choices=RiskLevel.choices, widget=forms.RadioSelect)
    basis = forms.ChoiceField(label=gettext_lazy("Based on"), choices=MonitoringEnrolment.Basis.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "판단 이유를 적어 주세요. (Say why.)"},
    )
    contact_consent = forms.BooleanField(
        label=gettext_lazy("The person agreed to be contacted by the care team, including a care-group volunteer"), required=False
    )
    ai_call = forms.BooleanField(
        label=gettext_lazy(
            "For high or medium risk: start the weekly AI check-in call at the time of their preferred channel "
            "(only with their agreement to be contacted)"
        ),
        required=False,
        initial=True,
    )
    screening = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, from_screening: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if from_screening:
            # A level read from a screening has the basis "screening"; the result itself is the source.
            del self.fields["basis"]


class EndMonitoringForm(forms.Form):
    prefix = "end"

    reason = forms.CharField(label=gettext_lazy("Why monitoring ends"), max_length=200)


class VisitingCareForm(forms.Form):
    group = forms.ChoiceField(label=gettext_lazy("Group"), choices=VisitingCareEnrolment.Group.choices, widget=forms.RadioSelect)
    nurse = forms.ModelChoiceField(label=gettext_lazy("Nurse"), queryset=User.objects.none(), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, district_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nurse"].queryset = User.objects.filter(role=User.Role.HEALTH_STAFF, team__district_id=district_id).order_by(
            "display_name", "pk"
        )
        self.fields["nurse"].label_from_instance = lambda user: user.display_name or user.username


class ChannelForm(forms.Form):
    prefix = "channel"

    kind = forms.ChoiceField(label=gettext_lazy("Channel"), choices=ContactChannel.Kind.choices)
    value = forms.CharField(label=gettext_lazy("Number or account"), max_length=60)
    is_preferred = forms.BooleanField(label=gettext_lazy("Preferred channel"), required=False)
    preferred_weekday = forms.TypedChoiceField(
        label=gettext_lazy("Preferred day"),
        choices=[("", "—"), *ContactChannel.Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    preferred_time = forms.TimeField(
        label=gettext_lazy("Preferred time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


class GuardianForm(forms.Form):
    prefix = "guardian"

    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    relation = forms.ChoiceField(label=gettext_lazy("Relation"), choices=Guardian.Relation.choices)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20)
    may_be_contacted = forms.BooleanField(label=gettext_lazy("The person agrees that we contact this guardian"), required=False)
    guardian_consented = forms.BooleanField(label=gettext_lazy("The guardian agreed that their details are kept"), required=False)


class OverrideForm(forms.Form):
    prefix = "override"

    kind = forms.ChoiceField(label=gettext_lazy("Decision"), choices=AllocationOverride.Kind.choices, widget=forms.RadioSelect)
    volunteer = forms.ModelChoiceField(label=gettext_lazy("Volunteer"), queryset=Volunteer.objects.none())
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=200)

    def __init__(self, *args, district_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = (
            Volunteer.objects.filter(district_id=district_id, end_at__isnull=True)
            .select_related("user", "dong")
            .order_by("dong__name", "pk")
        )
        self.fields["volunteer"].label_from_instance = lambda v: f"{v.name} · {v.dong.name}"


class VolunteerForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Volunteer's account (user name)"), max_length=150)
    birth_date = forms.DateField(label=gettext_lazy("Birth date"), widget=forms.DateInput(attrs={"type": "date"}))
    dong = forms.ModelChoiceField(label=gettext_lazy("Dong"), queryset=Dong.objects.none(), to_field_name="code")
    capacity = forms.IntegerField(label=gettext_lazy("Households they can take"), min_value=0, max_value=30, initial=5)
    home_lat = forms.FloatField(label=gettext_lazy("Home latitude (optional)"), required=False)
    home_lon = forms.FloatField(label=gettext_lazy("Home longitude (optional)"), required=False)

    def __init__(self, *args, district_id: int | None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        dongs = Dong.objects.select_related("district").order_by("district__name", "name")
        self.fields["dong"].queryset = dongs.filter(district_id=district_id) if district_id is not None else dongs
        if editing:
            del self.fields["username"]
            del self.fields["birth_date"]


class TrainingForm(forms.Form):
    prefix = "training"

    course = forms.CharField(label=gettext_lazy("Course"), max_length=120)
    completed_date = forms.DateField(label=gettext_lazy("Date completed"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label=gettext_lazy("Hours"), min_value=0.5, max_value=200, decimal_places=1)


class AllocationForm(forms.Form):
    district = forms.ModelChoiceField(
        label=gettext_lazy("District"), queryset=District.objects.order_by("name"), to_field_name="code"
    )
    dong_rule = forms.ChoiceField(label=gettext_lazy("Dong rule"), choices=AllocationPolicy.DongRule.choices)
    reoptimise = forms.BooleanField(label=gettext_lazy("Re-optimise: allow existing pairs to change"), required=False)
    fingerprint = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, choose_district: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not choose_district:
            del self.fields["district"]


class MonitoredFilterForm(forms.Form):
    level = forms.ChoiceField(
        label=gettext_lazy("Risk level"), choices=[("", gettext_lazy("All levels")), *RiskLevel.choices], required=False
    )
    dong = forms.ModelChoiceField(label=gettext_lazy("Dong"), queryset=Dong.objects.none(), required=False, to_field_name="code")
    unallocated = forms.BooleanField(label=gettext_lazy("Only households without a volunteer"), required=False)

    def __init__(self, *args, district_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        dongs = Dong.objects.select_related("district").order_by("district__name", "name")
        self.fields["dong"].queryset = dongs.filter(district_id=district_id) if district_id is not None else dongs
        self.fields["dong"].label_from_instance = lambda d: d.name if district_id is not None else f"{d.district.name} {d.name}"


# --- access -------------------------------------------------------------------------------------------


_signed_in = allowed(signed_in)


_care_view = allowed(can_use_care_registry)


def _person(request, person_id: int):
    try:
        return get_registry_person_for_worker(request.user, person_id)
    except PersonNotVisible:
        raise Http404 from None


def _changeable_person(request, person_id: int):
    person = _person(request, person_id)
    if not can_change_registry(request.user, person):
        raise PermissionDenied
    return person


def _volunteer(request, volunteer_id: int, *, manage: bool) -> Volunteer:
    try:
        volunteer = get_volunteer_for_worker(request.user, volunteer_id)
    except VolunteerNotVisible:
        raise Http404 from None
    if manage and not can_manage_care_group(request.user, volunteer.district_id):
        raise PermissionDenied
    return volunteer


def _errors_to_form(form: forms.Form, errors: dict[str, str]) -> None:
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)


def _status(request, form: forms.Form | None = None) -> int:
    if request.method == "POST" and (form is None or form.errors):
        return 400
    return 200


def _district_of(user) -> int | None:
    return None if user.is_administrator else user.district_id_scope


# --- monitored people -----------------------------------------------------------------------------------


@_care_view
def monitored_list(request):
    district_id = _district_of(request.user)
    form = MonitoredFilterForm(request.GET or None, district_id=district_id)
    filters = form.cleaned_data if form.is_valid() else {}
    dong = filters.get("dong")
    rows = household_queries.list_monitored_people(
        actor=request.user,
        now=timezone.now(),
        path=request.path,
        level=filters.get("level", ""),
        dong_id=dong.pk if dong else None,
        unallocated_only=bool(filters.get("unallocated")),
    )
    unallocated = sum(1 for row in rows if row.is_unallocated)
    return render(request, "console/care/people.html", {"rows": rows, "form": form, "unallocated_count": unallocated})


@_care_view
def person_registry(request, person_id: int):
    try:
        registry = household_queries.view_registry(actor=request.user, person_id=person_id, now=timezone.now(), path=request.path)
    except PersonNotVisible:
        raise Http404 from None
    person = registry.person
    can_change = can_change_registry(request.user, person)
    context = {
        "registry": registry,
        "person": person,
        "can_change": can_change,
        "can_manage": can_manage_care_group(request.user, person.district_id),
        "channel_form": ChannelForm(),
        "guardian_form": GuardianForm(),
        "override_form": OverrideForm(district_id=person.district_id),
        "end_form": EndMonitoringForm(),
    }
    return render(request, "console/care/person.html", context)


def _screening_source(request, person):
    """The screening result named by ``screening`` (query or form), read through its audited query; 404 if not visible."""
    from itda.screenings import queries as screening_queries

    raw = (request.POST if request.method == "POST" else request.GET).get("screening", "")
    if not raw:
        return None
    try:
        return screening_queries.result_for_person(request.user, person.pk, int(raw), timezone.now(), path=request.path)
    except (ValueError, screening_queries.ResultsNotVisible):
        raise Http404 from None


@_care_view
@require_http_methods(["GET", "POST"])
def risk_assessment(request, person_id: int):
    person = _changeable_person(request, person_id)
    current = household_queries.current_risk_level(person)
    source = _screening_source(request, person)
    suggested = household_queries.suggested_risk_level(source.level) if source is not None else None
    initial = {
        "level": suggested or current or "",
        "basis": MonitoringEnrolment.Basis.WORKER_JUDGEMENT,
        "screening": source.pk if source is not None else None,
    }
    form = RiskAssessmentForm(request.POST or None, initial=initial, from_screening=source is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = household_services.record_risk_assessment(
                actor=request.user,
                person=person,
                level=data["level"],
                basis=MonitoringEnrolment.Basis.SCREENING if source is not None else data["basis"],
                reason=data["reason"],
                now=timezone.now(),
                source=source,
                contact_consent_wording_version=household_services.CONTACT_CONSENT_WORDING_VERSION
                if data["contact_consent"]
                else "",
                start_checkin_calls=data["ai_call"],
            )
        except household_services.RegistryDataInvalid as error:
            _errors_to_form(form, error.errors)
        except household_services.RegistryChangeRefused:
            raise PermissionDenied from None
        else:
            messages.success(request, _("Risk level recorded."))
            plan = enrolment.checkin_plan
            if plan is not None:
                slot = {"day": ContactChannel.Weekday(plan.preferred_weekday).label, "time": f"{plan.preferred_time:%H:%M}"}
                messages.success(request, _("Weekly AI check-in call set: %(day)s %(time)s.") % slot)
            return redirect("console:care_person", person_id=person.pk)
    return render(
        request,
        "console/care/risk_form.html",
        {"form": form, "person": person, "current": current, "source": source, "suggested": suggested},
        status=_status(request, form),
    )


@_care_view
@require_POST
def end_monitoring(request, person_id: int):
    person = _changeable_person(request, person_id)
    form = EndMonitoringForm(request.POST)
    if form.is_valid():
        try:
            household_services.end_monitoring(
                actor=request.user, person=person, reason=form.cleaned_data["reason"], now=timezone.now()
            )
        except household_services.RegistryDataInvalid as error:
            _errors_to_form(form, error.errors)
        else:
            messages.success(request, _("Monitoring ended."))
            return redirect("console:care_person", person_id=person.pk)
    messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    return redirect("console:care_person", person_id=person.pk)


@_care_view
@require_http_methods(["GET", "POST"])
def visiting_care(request, person_id: int):
    person = _changeable_person(request, person_id)
    current = household_queries.visiting_care_group(person)
    form = VisitingCareForm(request.POST or None, district_id=person.district_id, initial={"group": current or ""})
    now = timezone.now()
    if request.method == "POST" and request.POST.get("action") == "end":
        household_services.end_visiting_care(actor=request.user, person=person, now=now)
        messages.success(request, _("Visiting health care ended."))
        return redirect("console:care_person", person_id=person.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household_services.enrol_in_visiting_care(
                actor=request.user, person=person, group=data["group"], reason=data["reason"], nurse=data["nurse"], now=now
            )
        except household_services.RegistryDataInvalid as error:
            _errors_to_form(form, error.errors)
        else:
            messages.success(request, _("Visiting health care saved."))
            return redirect("console:care_person", person_id=person.pk)
    context = {"form": form, "person": person, "current": current}
    return render(request, "console/care/visiting_form.html", context, status=_status(request, form))


def _registry_form_post(request, person_id: int, form_class, call, success: str):
    """Shared shape of the small forms on the registry page: validate, one service call, back to the page."""
    person = _changeable_person(request, person_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(person, form.cleaned_data)
        except household_services.RegistryDataInvalid as error:
            _errors_to_form(form, error.errors)
        else:
            messages.success(request, success)
            return redirect("console:care_person", person_id=person.pk)
    return render(request, "console/care/form_errors.html", {"form": form, "person": person}, status=400)


@_care_view
@require_POST
def channel_add(request, person_id: int):
    def call(person, data):
        household_services.add_contact_channel(
            actor=request.user,
            person=person,
            kind=data["kind"],
            value=data["value"],
            is_preferred=data["is_preferred"],
            preferred_weekday=data["preferred_weekday"],
            preferred_time=data["preferred_time"],
            now=timezone.now(),
        )

    return _registry_form_post(request, person_id, ChannelForm, call, _("Contact channel added."))


@_care_view
@require_POST
def channel_remove(request, person_id: int, channel_id: int):
    person = _changeable_person(request, person_id)
    channel = ContactChannel.objects.filter(person=person, pk=channel_id).first()
    if channel is None:
        raise Http404
    household_services.remove_contact_channel(actor=request.user, channel=channel, now=timezone.now())
    messages.success(request, _("Contact channel removed."))
    return redirect("console:care_person", person_id=person.pk)


@_care_view
@require_POST
def guardian_add(request, person_id: int):
    def call(person, data):
        household_services.add_guardian(
            actor=request.user,
            person=person,
            name=data["name"],
            relation=data["relation"],
            phone=data["phone"],
            may_be_contacted=data["may_be_contacted"],
            guardian_consented=data["guardian_consented"],
            now=timezone.now(),
        )

    return _registry_form_post(request, person_id, GuardianForm, call, _("Guardian added."))


@_care_view
@require_POST
def guardian_remove(request, person_id: int, guardian_id: int):
    person = _changeable_person(request, person_id)
    guardian = Guardian.objects.filter(person=person, pk=guardian_id).first()
    if guardian is None:
        raise Http404
    household_services.remove_guardian(actor=request.user, guardian=guardian, now=timezone.now())
    messages.success(request, _("Guardian removed."))
    return redirect("console:care_person", person_id=person.pk)


@_care_view
@require_POST
def override_add(request, person_id: int):
    person = _person(request, person_id)
    if not can_manage_care_group(request.user, person.district_id):
        raise PermissionDenied
    form = OverrideForm(request.POST, district_id=person.district_id)
    if form.is_valid():
        data = form.cleaned_data
        service = volunteer_services.pin_pair if data["kind"] == AllocationOverride.Kind.PIN else volunteer_services.forbid_pair
        try:
            service(actor=request.user, person=person, volunteer=data["volunteer"], reason=data["reason"], now=timezone.now())
        except volunteer_services.VolunteerDataInvalid as error:
            _errors_to_form(form, error.errors)
        else:
            messages.success(request, _("Volunteer decision saved."))
            return redirect("console:care_person", person_id=person.pk)
    return render(request, "console/care/form_errors.html", {"form": form, "person": person}, status=400)


@_care_view
@require_POST
def override_lift(request, person_id: int, override_id: int):
    person = _person(request, person_id)
    if not can_manage_care_group(request.user, person.district_id):
        raise PermissionDenied
    override = AllocationOverride.objects.filter(person=person, pk=override_id, end_at__isnull=True).first()
    if override is None:
        raise Http404
    volunteer_services.lift_override(actor=request.user, override=override, now=timezone.now())
    messages.success(request, _("Volunteer decision lifted."))
    return redirect("console:care_person", person_id=person.pk)


# --- volunteers -------------------------------------------------------------------------------------------


_care_group_view = allowed(can_view_care_group)


@_care_group_view
def volunteer_list(request):
    rows = volunteer_queries.volunteer_list(actor=request.user, now=timezone.now(), path=request.path)
    can_register = can_manage_care_group(request.user, _district_of(request.user)) or request.user.is_administrator
    context = {
        "rows": rows,
        "can_register": can_register,
        "capacity": sum(r.volunteer.capacity for r in rows),
        "load": sum(r.load for r in rows),
    }
    return render(request, "console/care/volunteers.html", context)


@_care_group_view
@require_http_methods(["GET", "POST"])
def volunteer_register(request):
    district_id = _district_of(request.user)
    if not (request.user.is_administrator or can_manage_care_group(request.user, district_id)):
        raise PermissionDenied
    form = VolunteerForm(request.POST or None, district_id=district_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = User.objects.filter(username=data["username"]).select_related("team").first()
        if user is None:
            form.add_error("username", _("No account has this user name."))
        else:
            try:
                volunteer = volunteer_services.register_volunteer(
                    actor=request.user,
                    user=user,
                    birth_date=data["birth_date"],
                    dong=data["dong"],
                    capacity=data["capacity"],
                    home_lat=data["home_lat"],
                    home_lon=data["home_lon"],
                    now=timezone.now(),
                )
            except volunteer_services.VolunteerDataInvalid as error:
                _errors_to_form(form, error.errors)
            except CareGroupRefused:
                form.add_error("username", _("This account belongs to another district's care group."))
            else:
                messages.success(request, _("Volunteer registered."))
                return redirect("console:care_volunteer", volunteer_id=volunteer.pk)
    return render(request, "console/care/volunteer_form.html", {"form": form, "creating": True}, status=_status(request, form))


@_care_group_view
def volunteer_page(request, volunteer_id: int):
    try:
        detail = volunteer_queries.volunteer_detail(
            actor=request.user, volunteer_id=volunteer_id, now=timezone.now(), path=request.path
        )
    except VolunteerNotVisible:
        raise Http404 from None
    context = {
        "detail": detail,
        "volunteer": detail.volunteer,
        "training_form": TrainingForm(),
        "can_manage": can_manage_care_group(request.user, detail.volunteer.district_id),
    }
    return render(request, "console/care/volunteer.html", context)


@_care_group_view
@require_http_methods(["GET", "POST"])
def volunteer_edit(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id, manage=True)
    initial = {
        "dong": volunteer.dong.code,
        "capacity": volunteer.capacity,
        "home_lat": volunteer.home_lat,
        "home_lon": volunteer.home_lon,
    }
    form = VolunteerForm(request.POST or None, district_id=volunteer.district_id, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            volunteer_services.update_volunteer(
                actor=request.user,
                volunteer=volunteer,
                capacity=data["capacity"],
                dong=data["dong"],
                home_lat=data["home_lat"],
                home_lon=data["home_lon"],
                now=timezone.now(),
            )
        except volunteer_services.VolunteerDataInvalid as error:
            _errors_to_form(form, error.errors)
        else:
            messages.success(request, _("Volunteer saved."))
            return redirect("console:care_volunteer", volunteer_id=volunteer.pk)
    context = {"form": form, "creating": False, "volunteer": volunteer}
    return render(request, "console/care/volunteer_form.html", context, status=_status(request, form))


@_care_group_view
@require_POST
def volunteer_training(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id, manage=True)
    form = TrainingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            volunteer_services.record_training(
                actor=request.user,
                volunteer=volunteer,
                course=data["course"],
                completed_date=data["completed_date"],
                hours=data["hours"],
                now=timezone.now(),
            )
        except volunteer_services.VolunteerDataInvalid as error:
            _errors_to_form(form, error.errors)
        else:
            messages.success(request, _("Training recorded."))
            return redirect("console:care_volunteer", volunteer_id=volunteer.pk)
    return render(request, "console/care/form_errors.html", {"form": form, "volunteer": volunteer}, status=400)


@_care_group_view
@require_POST
def volunteer_end(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id, manage=True)
    volunteer_services.end_volunteering(actor=request.user, volunteer=volunteer, now=timezone.now())
    messages.success(request, _("Volunteering ended; their households are waiting for the next allocation."))
    return redirect("console:care_volunteer", volunteer_id=volunteer.pk)


# --- allocation -------------------------------------------------------------------------------------------


@_care_group_view
@require_http_methods(["GET", "POST"])
def allocation_run(request):
    user = request.user
    if not (user.is_administrator or can_manage_care_group(user, user.district_id_scope)):
        raise PermissionDenied
    district = None if user.is_administrator else District.objects.get(pk=user.district_id_scope)
    bound = request.method == "POST" or "dong_rule" in request.GET
    if not bound:
        rule = volunteer_queries.policy_for(district).dong_rule.value if district else AllocationPolicy.DongRule.PREFERRED
        form = AllocationForm(initial={"dong_rule": rule}, choose_district=user.is_administrator)
        return render(request, "console/care/allocation.html", {"form": form, "district": district})
    form = AllocationForm(request.POST if request.method == "POST" else request.GET, choose_district=user.is_administrator)
    if not form.is_valid():
        return render(request, "console/care/allocation.html", {"form": form, "district": district}, status=400)
    district = form.cleaned_data.get("district") or district
    options = {"reoptimise": form.cleaned_data["reoptimise"], "dong_rule": form.cleaned_data["dong_rule"]}
    now = timezone.now()
    conflict = False
    if request.method == "POST":
        try:
            applied = volunteer_services.apply_allocation(
                actor=user, district=district, now=now, expected_fingerprint=form.cleaned_data["fingerprint"] or None, **options
            )
        except volunteer_services.AllocationChanged:
            conflict = True
        else:
            counts = {change.lower(): applied.count(change) for change in ("NEW", "MOVED", "RELEASED", "UNALLOCATED")}
            messages.success(
                request,
                _("Allocation applied: %(new)d new, %(moved)d moved, %(released)d released, %(unallocated)d without a volunteer.")
                % counts,
            )
            return redirect(f"{reverse('console:care_unallocated')}?district={district.code}")
    plan = volunteer_queries.plan_allocation(actor=user, district=district, now=now, path=request.path, **options)
    initial = {**options, "district": district.code, "fingerprint": plan.fingerprint}
    apply_form = AllocationForm(initial=initial, choose_district=user.is_administrator)
    context = {"form": form, "plan": plan, "district": district, "apply_form": apply_form, "conflict": conflict}
    return render(request, "console/care/allocation.html", context, status=409 if conflict else 200)


@_care_view
def unallocated(request):
    user = request.user
    district = None
    if user.is_administrator:
        code = request.GET.get("district", "")
        district = District.objects.filter(code=code).first() if code else None
    else:
        district = District.objects.filter(pk=user.district_id_scope).first()
    rows = []
    if district is not None:
        try:
            rows = volunteer_queries.unallocated_households(actor=user, district=district, now=timezone.now(), path=request.path)
        except CareGroupRefused:
            raise PermissionDenied from None
    context = {
        "rows": rows,
        "district": district,
        "districts": District.objects.order_by("name") if user.is_administrator else [],
        "can_manage": district is not None and can_manage_care_group(user, district.pk),
    }
    return render(request, "console/care/unallocated.html", context)


# --- a volunteer's own households -------------------------------------------------------------------------


@_signed_in
def my_households(request):
    if not is_volunteer(request.user):
        raise PermissionDenied
    rows = volunteer_queries.households_for_volunteer(actor=request.user, now=timezone.now(), path=request.path)
    return render(request, "console/care/my_households.html", {"rows": rows})
