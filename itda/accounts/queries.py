"""What itda holds about the signed-in user, for their "my account" page (an audited read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from itda.accounts.models import User
from itda.audit.services import record_access
from itda.people.models import Consent, Person
from itda.screenings.models import Channel, ScreeningResult


@dataclass(frozen=True)
class MyData:
    person: Person | None
    consents: list[Consent]
    saved_self_checks: int


def my_data(user: User, *, now: datetime, path: str = "") -> MyData:
    """The user's own person record (if any), every consent on it (newest first) and how many
    self-checks they saved. Writes one READ entry naming the fields shown when a person record exists."""
    person = Person.objects.select_related("district").filter(user=user).first()
    if person is None:
        return MyData(person=None, consents=[], saved_self_checks=0)
    consents = list(Consent.objects.filter(person=person).order_by("-given_at", "-pk"))
    saved = ScreeningResult.objects.filter(person=person, channel=Channel.SELF_CHECK).count()
    with transaction.atomic():
        record_access(
            actor=user,
            action="READ",
            target=person,
            person_id=person.pk,
            fields=["name", "district", "birth_year", "consents", "screening_results_count"],
            path=path,
            at=now,
        )
    return MyData(person=person, consents=consents, saved_self_checks=saved)
