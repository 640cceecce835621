"""Write use-cases for accounts: a citizen signs up, changes their password, withdraws a consent, leaves.

Each runs in one transaction and writes its audit entry (field names, never values).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction

from itda.accounts.models import User
from itda.audit.services import record_access
from itda.lib.privacy import contains_resident_registration_number
from itda.people import services as people_services
from itda.people.models import Consent, Person
from itda.places.models import District

# The version of the sign-up privacy notice (templates/accounts/_privacy_notice.html). A new
# wording is a new version, so each account keeps the version its holder agreed to.
PRIVACY_NOTICE_VERSION = "account-2026-11"

_ACCOUNT_FIELDS = ("username", "password", "display_name", "home_district", "privacy_notice_version")
_ERASED_FIELDS = (
    "username",
    "password",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "home_district",
    "privacy_notice_version",
    "privacy_notice_agreed_at",
    "is_active",
)


class AccountRefused(Exception):
    """The acting user may not do this to the account (for example: a staff account deleting itself)."""


class UsernameTaken(Exception):
    """Someone already has that username."""


class AccountDataInvalid(Exception):
    """The data cannot be stored; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def sign_up_citizen(
    *,
    username: str,
    password: str,
    display_name: str = "",
    home_district: District | None = None,
    notice_version: str = PRIVACY_NOTICE_VERSION,
    now: datetime,
    path: str = "",
) -> User:
    """Create a citizen's account, recording the privacy-notice version they agreed to.

    No person record is made here: the self-check save asks for the name and district it
    needs, with its own consent, when the citizen first saves. Raises UsernameTaken, or
    AccountDataInvalid when the password fails the configured validators (Django's
    ValidationError is passed through as ``password_errors``) or a field holds something
    that is never stored (a resident registration number).
    """
    errors = {}
    for name, value in (("username", username), ("display_name", display_name)):
        if contains_resident_registration_number(value):
            errors[name] = "resident registration number"
    if errors:
        raise AccountDataInvalid(errors)
    user = User(
        username=username,
        role=User.Role.CITIZEN,
        display_name=display_name.strip(),
        home_district=home_district,
        privacy_notice_version=notice_version,
        privacy_notice_agreed_at=now,
    )
    validate_password(password, user)  # raises ValidationError with the validators' own messages
    user.set_password(password)
    try:
        with transaction.atomic():
            if User.objects.filter(username__iexact=username).exists():
                raise UsernameTaken(username)
            user.save()
            record_access(actor=user, action="CREATE", target=user, fields=_ACCOUNT_FIELDS, path=path, at=now)
    except IntegrityError:
        raise UsernameTaken(username) from None
    return user


def change_password(*, user: User, new_password: str, now: datetime, path: str = "") -> User:
    """Set a new password after Django's validators accept it (raises ValidationError otherwise)."""
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record_access(actor=user, action="UPDATE", target=user, fields=["password"], path=path, at=now)
    return user


def withdraw_my_consent(*, user: User, purpose: str, now: datetime) -> Consent | None:
    """Withdraw one of the signed-in citizen's own consents; None when none was active for that purpose.

    Withdrawing SAVE_RESULTS stops new saves; the saved self-checks are deleted at the purge
    after the grace period (screenings.models). Raises AccountRefused for an unknown purpose or
    when the user has no person record.
    """
    if purpose not in Consent.Purpose.values:
        raise AccountRefused("purpose")
    person = Person.objects.filter(user=user).first()
    if person is None:
        raise AccountRefused("no person record")
    return people_services.withdraw_consent(actor=user, person=person, purpose=purpose, now=now)


def delete_citizen_account(*, user: User, now: datetime, path: str = "") -> str:
    """Delete a citizen's account at their request.

    Their consents are withdrawn and their person record is deleted with their saved
    self-checks — or, when the care team holds a case file on them, unlinked and kept on
    that file's schedule (people.services.forget_own_person_record). The user row is then
    anonymised, not deleted, because the audit trail refers to it: the username becomes
    ``deleted-<id>``, every personal field is emptied, the password is made unusable and the
    account inactive. Returns what happened to the person record ("deleted", "unlinked",
    "none"). Raises AccountRefused for staff and volunteer accounts, which administrators close.
    """
    if user.role != User.Role.CITIZEN or user.is_staff or user.is_superuser:
        raise AccountRefused("role")
    with transaction.atomic():
        outcome = people_services.forget_own_person_record(user=user, now=now)
        user.username = f"deleted-{user.pk}"
        user.set_unusable_password()
        user.display_name = user.first_name = user.last_name = user.email = user.phone = ""
        user.home_district = None
        user.privacy_notice_version = ""
        user.privacy_notice_agreed_at = None
        user.is_active = False
        user.save()
        record_access(
            actor=user,
            action="DELETE",
            target=user,
            fields=_ERASED_FIELDS,
            reason=f"account deleted by the citizen; person record {outcome}",
            path=path,
            at=now,
        )
    return outcome
