"""Account forms: sign-up, password change, account deletion.

Error messages are shown Korean first with the English after it, whatever the page
language, so a message is understood even when the language switch is set wrong.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from itda.accounts.models import User
from itda.lib.privacy import contains_resident_registration_number
from itda.places.models import District

USERNAME_REQUIRED = gettext_noop("Choose a username.")
USERNAME_INVALID = gettext_noop("Use 3 to 30 letters or numbers (you may also use @ . + - _), with no spaces.")
USERNAME_PHONE = gettext_noop("Do not use a phone number as your username. Choose a name only you will recognise.")
USERNAME_TAKEN = gettext_noop("That username is already taken. Please try another one.")
PASSWORD_REQUIRED = gettext_noop("Enter a password.")
PASSWORD_MISMATCH = gettext_noop("The two passwords are not the same. Type the same password in both boxes.")
PASSWORD_WRONG = gettext_noop("That is not your current password.")
AGREE_REQUIRED = gettext_noop("Tick the box to say you have read the privacy notice.")
DISTRICT_MESSAGE = gettext_noop("Choose one of Seoul's 25 districts from the list.")
DISPLAY_NAME_MESSAGE = gettext_noop("Use at most 60 characters.")
RRN_MESSAGE = gettext_noop("Resident registration numbers are never stored. Please remove it.")
TOO_MANY_MESSAGE = gettext_noop(
    "Too many accounts were made from this connection. Please try again in an hour, or call 120 for help."
)
NOT_CREATED_MESSAGE = gettext_noop("The account could not be made. Please try again.")


def korean_first(message: str, params: dict | None = None) -> str:
    """The message in Korean followed by the English in brackets (just one when they are the same)."""
    with translation.override("ko"):
        korean = str(translation.gettext(message)) % params if params else translation.gettext(message)
    with translation.override("en"):
        english = str(translation.gettext(message)) % params if params else translation.gettext(message)
    return korean if korean == english else f"{korean} ({english})"


korean_first_lazy = lazy(korean_first, str)


def password_problems(password: str, user: User) -> list[str]:
    """What Django's password validators say about a password, each message in Korean then English.

    The validators translate their messages when they raise, so they run once per language.
    """
    found = {}
    for language in ("ko", "en"):
        with translation.override(language):
            try:
                validate_password(password, user)
            except ValidationError as refused:
                found[language] = [str(text) for text in refused.messages]
            else:
                return []
    pairs = zip(found["ko"], found["en"], strict=True)
    return [korean if korean == english else f"{korean} ({english})" for korean, english in pairs]


_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{9,}$")


class SignUpForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        help_text=_("You type this to sign in. Not your phone number or real name: any word you will remember."),
        min_length=3,
        max_length=30,
        validators=[UnicodeUsernameValidator(message=korean_first_lazy(USERNAME_INVALID))],
        error_messages={
            "required": korean_first_lazy(USERNAME_REQUIRED),
            "min_length": korean_first_lazy(USERNAME_INVALID),
            "max_length": korean_first_lazy(USERNAME_INVALID),
        },
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        help_text=_("At least 10 characters. A few words you can remember work well."),
        strip=False,
        error_messages={"required": korean_first_lazy(PASSWORD_REQUIRED)},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        error_messages={"required": korean_first_lazy(PASSWORD_REQUIRED)},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    display_name = forms.CharField(
        label=_("Name shown on your account (optional)"),
        max_length=60,
        required=False,
        error_messages={"max_length": korean_first_lazy(DISPLAY_NAME_MESSAGE)},
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    home_district = forms.ChoiceField(
        label=_("Your district (optional)"),
        required=False,
        error_messages={"invalid_choice": korean_first_lazy(DISTRICT_MESSAGE)},
    )
    agree = forms.BooleanField(
        label=_("I have read the privacy notice above and agree that itda keeps my account as it describes."),
        error_messages={"required": korean_first_lazy(AGREE_REQUIRED)},
    )
    # A field people never see; form-filling robots do, and fill it in.
    website = forms.CharField(required=False, label=_("Leave this box empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_district"].choices = [
            ("", "—"),
            *[(d.code, d.display_name) for d in District.objects.order_by("code")],
        ]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if contains_resident_registration_number(username):
            raise ValidationError(korean_first(RRN_MESSAGE))
        if _PHONE_LIKE.match(username):
            raise ValidationError(korean_first(USERNAME_PHONE))
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(korean_first(USERNAME_TAKEN))
        return username

    def clean_display_name(self) -> str:
        display_name = self.cleaned_data["display_name"].strip()
        if contains_resident_registration_number(display_name):
            raise ValidationError(korean_first(RRN_MESSAGE))
        return display_name

    def clean_home_district(self) -> District | None:
        code = self.cleaned_data["home_district"]
        return District.objects.filter(code=code).first() if code else None

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", korean_first(PASSWORD_MISMATCH))
        elif first:
            probe = User(username=cleaned.get("username") or "", display_name=cleaned.get("display_name") or "")
            for problem in password_problems(first, probe):
                self.add_error("password1", problem)
        return cleaned

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


def _own_password(user: User, password: str) -> str:
    """The signed-in user's current password, typed again to confirm a change; refused when it is not theirs."""
    if not user.check_password(password):
        raise ValidationError(korean_first(PASSWORD_WRONG))
    return password


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        error_messages={"required": korean_first_lazy(PASSWORD_REQUIRED)},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        help_text=_("At least 10 characters. A few words you can remember work well."),
        strip=False,
        error_messages={"required": korean_first_lazy(PASSWORD_REQUIRED)},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        error_messages={"required": korean_first_lazy(PASSWORD_REQUIRED)},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_old_password(self) -> str:
        return _own_password(self.user, self.cleaned_data["old_password"])

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", korean_first(PASSWORD_MISMATCH))
        elif first:
            for problem in password_problems(first, self.user):
                self.add_error("new_password1", problem)
        return cleaned


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"),
        strip=False,
        error_messages={"required": korean_first_lazy(PASSWORD_REQUIRED)},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        return _own_password(self.user, self.cleaned_data["password"])
