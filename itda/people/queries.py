"""Audited reads of person records."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from itda.audit.services import record_access
from itda.people.models import Person
from itda.people.permissions import get_people_for_worker, get_person_for_worker

LIST_FIELDS = ("name", "birth_year", "district", "dong")
DETAIL_FIELDS = (
    "name",
    "birth_year",
    "sex",
    "phone",
    "district",
    "dong",
    "address",
    "household_size",
    "housing_type",
    "tenure",
    "has_disability",
    "consents",
)


def list_people(*, actor, query: str = "", path: str = "", now: datetime, limit: int = 50) -> list[Person]:
    """People this user may see, optionally matching a name or dong, with one LIST audit entry naming them."""
    people = get_people_for_worker(actor)
    if query.strip():
        people = people.filter(Q(name__icontains=query.strip()) | Q(dong__name__icontains=query.strip()))
    result = list(people.order_by("name", "pk")[:limit])
    with transaction.atomic():
        record_access(
            actor=actor,
            action="LIST",
            target_type="people.person",
            listed_person_ids=[person.pk for person in result],
            fields=LIST_FIELDS,
            reason=f"{len(result)} shown",
            path=path,
            at=now,
        )
    return result


def view_person(*, actor, person_id: int, path: str = "", now: datetime) -> Person:
    """One person with their consents, recorded as a READ. Raises PersonNotVisible."""
    person = get_person_for_worker(actor, person_id)
    with transaction.atomic():
        record_access(actor=actor, action="READ", target=person, person_id=person.pk, fields=DETAIL_FIELDS, path=path, at=now)
    return person
