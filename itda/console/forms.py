"""Forms of the care console. They validate input; saving is the services' job."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

import analytics
from itda.lib.privacy import contains_resident_registration_number
from itda.people.models import Consent, Person
from itda.places.models import District, Dong
from itda.programs.explain import housing_type_labels, tenure_labels

CONSENT_WORDING_VERSION = "case-record-2026-01"


def _no_rrn(value: str) -> str:
    if contains_resident_registration_number(value):
        raise forms.ValidationError(_("Resident registration numbers are never stored. Please remove it."))
    return value


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900, max_value=2100)
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", "—"), *Person.Sex.choices])
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.order_by("name"), to_field_name="code")
    dong = forms.ModelChoiceField(
        label=_("Dong"),
        queryset=Dong.objects.select_related("district").order_by("district__name", "name"),
        required=False,
        to_field_name="code",
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    household_size = forms.IntegerField(label=_("Household size"), min_value=1, max_value=30, initial=1)
    housing_type = forms.ChoiceField(label=_("Housing type"), required=False, choices=())
    tenure = forms.ChoiceField(label=_("Tenure"), required=False, choices=())
    has_disability = forms.NullBooleanField(label=_("Registered disability"), required=False)
    consent_given = forms.BooleanField(
        label=_("The person agreed, after hearing the case-record notice, that a record is kept"), required=False
    )
    # Registering puts the worker on the person's case (people.services.register_person) unless they opt out.
    stay_off_case = forms.BooleanField(label=_("Do not put me on this person's case"), required=False)

    def __init__(self, *args, require_consent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["housing_type"].choices = [("", "—"), *((c, housing_type_labels()[c]) for c in analytics.HOUSING_TYPES)]
        self.fields["tenure"].choices = [("", "—"), *((c, tenure_labels()[c]) for c in analytics.TENURES)]
        self.fields["consent_given"].required = require_consent
        if not require_consent:
            del self.fields["consent_given"]
            del self.fields["stay_off_case"]

    def clean_name(self):
        return _no_rrn(self.cleaned_data["name"])

    def clean_phone(self):
        return _no_rrn(self.cleaned_data["phone"])

    def clean_address(self):
        return _no_rrn(self.cleaned_data["address"])


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    action = forms.ChoiceField(choices=[("give", _("Record consent")), ("withdraw", _("Record withdrawal"))])
