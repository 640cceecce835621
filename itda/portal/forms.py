"""Citizen-facing forms: programme search, site filters and "what can I get".

Error messages are shown Korean first with the English after it, whatever the
page language, so a message is understood even when the switch is set wrong.
"""

from __future__ import annotations

import re

from django import forms
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

import analytics
from itda.programs.explain import housing_type_labels, tenure_labels

MAXIMUM_AGE = 120
MAXIMUM_HOUSEHOLD = 30
MAXIMUM_INCOME_KRW = 10_000_000_000

AGE_MESSAGE = gettext_noop("Enter an age as a whole number from 0 to 120.")
HOUSEHOLD_MESSAGE = gettext_noop("Enter the number of people in your household as a whole number from 1 to 30.")
INCOME_MESSAGE = gettext_noop(
    "Enter the monthly household income in won as a whole number from 0 to 10,000,000,000, for example 2,700,000."
)
DISTRICT_MESSAGE = gettext_noop("Choose one of Seoul's 25 districts from the list.")
NEED_MESSAGE = gettext_noop("Choose a need from the list.")
PROGRAM_MESSAGE = gettext_noop("Choose a programme from the list.")
HOUSING_MESSAGE = gettext_noop("Choose a housing type from the list.")
TENURE_MESSAGE = gettext_noop("Choose how you hold your home from the list.")
DISABILITY_MESSAGE = gettext_noop("Choose yes, no or I'd rather not say.")
WORDS_MESSAGE = gettext_noop("Use at most 100 characters.")


def korean_first(message: str) -> str:
    """The message in Korean followed by the English in brackets (just one when they are the same)."""
    with translation.override("ko"):
        korean = translation.gettext(message)
    with translation.override("en"):
        english = translation.gettext(message)
    return korean if korean == english else f"{korean} ({english})"


korean_first_lazy = lazy(korean_first, str)


def _errors(message: str, *codes: str) -> dict:
    text = korean_first_lazy(message)
    return dict.fromkeys(("required", "invalid", "invalid_choice", "min_value", "max_value", "max_length", *codes), text)


class NumberInput(forms.TextInput):
    """A text box that brings up the number pad on phones (type=number mangles commas and spinners confuse)."""

    def __init__(self, attrs: dict | None = None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})


def _age_field(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAXIMUM_AGE,
        widget=NumberInput({"size": 4, "maxlength": 6}),
        error_messages=_errors(AGE_MESSAGE),
    )


def _district_field(districts: dict[str, str], *, label) -> forms.ChoiceField:
    ordered = sorted(districts.items(), key=lambda item: item[1])
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", _("All of Seoul")), *ordered],
        error_messages=_errors(DISTRICT_MESSAGE),
    )


class ProgramSearchForm(forms.Form):
    """Words, need, district and age. Every field is optional; a bad one is reported and ignored."""

    q = forms.CharField(
        label=_("Words to search for"),
        required=False,
        max_length=100,
        widget=forms.TextInput({"type": "search", "autocomplete": "off", "enterkeyhint": "search"}),
        error_messages=_errors(WORDS_MESSAGE),
    )
    need = forms.ChoiceField(label=_("What do you need help with?"), required=False, error_messages=_errors(NEED_MESSAGE))
    age = _age_field(_("Age"))

    def __init__(self, *args, needs: list, districts: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", _("Any need")), *((need.code, need.display_name) for need in needs)]
        self.fields["district"] = _district_field(districts, label=_("District you live in"))
        self.order_fields(["q", "need", "district", "age"])


class SiteFilterForm(forms.Form):
    """District, programme and "open now" for the site finder."""

    open_now = forms.BooleanField(label=_("Only places open now"), required=False)

    def __init__(self, *args, districts: dict[str, str], programs: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"] = _district_field(districts, label=_("District"))
        self.fields["program"] = forms.ChoiceField(
            label=_("Programme"),
            required=False,
            choices=[("", _("All programmes")), *((program.slug, program.display_name) for program in programs)],
            error_messages=_errors(PROGRAM_MESSAGE),
        )
        self.order_fields(["district", "program", "open_now"])


class IncomeField(forms.CharField):
    """Monthly income in won: digits, optionally grouped with commas or spaces, optionally ending in 원."""

    def __init__(self, **kwargs):
        super().__init__(widget=NumberInput({"autocomplete": "off", "maxlength": 20}), **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        digits = re.sub(r"[,\s]", "", text).removesuffix("원").removesuffix("KRW").removesuffix("krw")
        if not re.fullmatch(r"[0-9]{1,15}", digits):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        amount = int(digits)
        if amount > MAXIMUM_INCOME_KRW:
            raise forms.ValidationError(self.error_messages["invalid"], code="max_value")
        return amount


class WizardForm(forms.Form):
    """What the person chooses to tell: every answer optional, nothing kept after the page is shown."""

    DISABILITY_YES = "YES"
    DISABILITY_NO = "NO"
    DISABILITY_UNSAID = "UNSAID"

    age = _age_field(_("How old are you?"))
    household_size = forms.IntegerField(
        label=_("How many people live in your household, including you?"),
        help_text=_("If you live alone, enter 1."),
        required=False,
        min_value=1,
        max_value=MAXIMUM_HOUSEHOLD,
        widget=NumberInput({"size": 3, "maxlength": 4}),
        error_messages=_errors(HOUSEHOLD_MESSAGE),
    )
    monthly_income_krw = IncomeField(
        label=_("Monthly household income (won)"),
        help_text=_("Everyone in the household together, before tax, for example 2,700,000. Leave empty if you are not sure."),
        required=False,
        error_messages=_errors(INCOME_MESSAGE),
    )
    housing_type = forms.ChoiceField(label=_("What kind of home do you live in?"), required=False)
    tenure = forms.ChoiceField(label=_("Do you own or rent your home?"), required=False)
    has_disability = forms.ChoiceField(
        label=_("Do you have a registered disability?"),
        required=False,
        initial=DISABILITY_UNSAID,
        widget=forms.RadioSelect,
        choices=[
            (DISABILITY_YES, _("Yes")),
            (DISABILITY_NO, _("No")),
            (DISABILITY_UNSAID, _("I'd rather not say")),
        ],
        error_messages=_errors(DISABILITY_MESSAGE),
    )

    def __init__(self, *args, districts: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"] = _district_field(districts, label=_("Which district do you live in?"))
        self.fields["district"].choices = [("", _("I'd rather not say")), *self.fields["district"].choices[1:]]
        self.fields["housing_type"].choices = [("", _("I don't know or I'd rather not say")), *housing_type_labels().items()]
        self.fields["housing_type"].error_messages = _errors(HOUSING_MESSAGE)
        self.fields["tenure"].choices = [("", _("I don't know or I'd rather not say")), *tenure_labels().items()]
        self.fields["tenure"].error_messages = _errors(TENURE_MESSAGE)
        self.order_fields(["age", "district", "household_size", "monthly_income_krw", "housing_type", "tenure", "has_disability"])

    def facts(self) -> dict:
        """The answers given, under analytics.PERSON_FACTS keys; unanswered questions are left out."""
        data = self.cleaned_data
        facts: dict = {}
        for name in ("age", "household_size", "monthly_income_krw"):
            if data.get(name) is not None:
                facts[name] = data[name]
        for name in ("district", "housing_type", "tenure"):
            if data.get(name):
                facts[name] = data[name]
        if data.get("has_disability") == self.DISABILITY_YES:
            facts["has_disability"] = True
        elif data.get("has_disability") == self.DISABILITY_NO:
            facts["has_disability"] = False
        return {name: value for name, value in facts.items() if name in analytics.PERSON_FACTS}
