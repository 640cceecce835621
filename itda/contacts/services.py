"""Logging contacts. Every log is audited; notes never hold a resident registration number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router, transaction
from django.db.models import QuerySet, Value

from itda.audit.services import record_access
from itda.contacts.models import ContactLog
from itda.lib.privacy import contains_resident_registration_number


class ContactRefused(Exception):
    """The contact cannot be stored as given; the message says why (Korean first)."""


def log_contact(
    *,
    actor,
    team,
    channel: str,
    direction: str,
    outcome: str,
    started_at: datetime,
    person=None,
    caller_type: str = ContactLog.CallerType.SELF,
    duration_seconds: int | None = None,
    topics: list[str] | None = None,
    note: str = "",
    source_type: str = "",
    source_id: str | int = "",
) -> ContactLog:
    """Store one contact on the person's timeline (or an anonymous one when ``person`` is None)."""
    if contains_resident_registration_number(note):
        raise ContactRefused("주민등록번호는 저장하지 않습니다 (resident registration numbers are never stored)")
    if duration_seconds is not None and not 0 <= duration_seconds <= 24 * 3600:
        raise ContactRefused("통화 시간은 0초에서 24시간 사이여야 합니다 (duration must be 0 s to 24 h)")
    with transaction.atomic():
        contact = ContactLog.objects.create(
            person=person,
            team=team,
            logged_by=actor if getattr(actor, "pk", None) else None,
            channel=channel,
            direction=direction,
            caller_type=caller_type,
            outcome=outcome,
            started_at=started_at,
            duration_seconds=duration_seconds,
            topics=topics or [],
            note=note,
            source_type=source_type,
            source_id=str(source_id),
        )
        record_access(
            actor=actor,
            action="CREATE",
            target=contact,
            person_id=person.pk if person else None,
            fields=["outcome", "note"],
            at=started_at,
        )
    return contact


@dataclass(frozen=True)
class SelectedContacts:
    """Timeline entries to write, one per row of ``rows``: ContactLog field name -> expression over ``rows``.

    A field left out takes its default, NULL where it may be empty, or empty text where text may be blank; a
    required field left out is refused.
    """

    rows: QuerySet
    values: dict[str, Any]


def log_selected_contacts(groups: list[SelectedContacts], *, person_ids: list[int], at: datetime, reason: str) -> int:
    """Store the contacts the platform made itself (automatic calls and texts) with INSERT … SELECT, and one audit entry.

    For the weekly check-in cycle: a hundred thousand rows a week are copied from
    the rows that recorded them (the attempts) by one statement per group, with no
    model object made per row. ``person_ids`` are the people the entries are about,
    listed in the one audit entry. Automatic contacts carry no free-text note:
    a note is refused, so nothing here can hold a resident registration number.
    Returns how many entries were stored.
    """
    if not groups:
        return 0
    if any("note" in group.values for group in groups):
        raise ContactRefused("자동 연락에는 메모를 남기지 않습니다 (automatic contacts carry no note)")
    # Every group is checked and compiled before anything is written, so a refusal leaves the caller's
    # transaction usable; the writes need no savepoint of their own (two round trips a batch).
    statements = [statement for statement in map(_insert_statement, groups) if statement is not None]
    stored = 0
    with transaction.atomic(savepoint=False), connections[router.db_for_write(ContactLog)].cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            stored += cursor.rowcount
        if stored:
            record_access(
                actor=None,
                action="CREATE",
                target_type="contacts.contactlog",
                listed_person_ids=list(person_ids),
                fields=["outcome", "topics"],
                reason=reason,
                at=at,
            )
    return stored


def _insert_statement(group: SelectedContacts) -> tuple[str, list] | None:
    """The INSERT … SELECT that stores a group, or None when its rows' filter can match nothing.

    Raises ValueError for a field ContactLog does not have or a required field left out.
    """
    unknown = set(group.values) - {field.name for field in ContactLog._meta.concrete_fields}
    if unknown:
        raise ValueError(f"not ContactLog fields: {sorted(unknown)}")
    fields = [field for field in ContactLog._meta.concrete_fields if not field.primary_key]
    selected = {}
    for number, field in enumerate(fields):
        if field.name in group.values:
            expression = group.values[field.name]
        elif field.has_default():
            expression = Value(field.get_default(), output_field=field)
        elif field.null:
            expression = Value(None, output_field=field)
        elif field.blank and field.empty_strings_allowed:
            expression = Value("", output_field=field)
        else:
            raise ValueError(f"ContactLog.{field.name} needs a value")
        selected[f"contact_value_{number}"] = expression
    # Django 5.2 selects the annotations of values_list() in the order given, which is the columns' order.
    query = group.rows.order_by().annotate(**selected).values_list(*selected)
    connection = connections[router.db_for_write(ContactLog)]
    try:
        select_sql, params = query.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return None  # the rows' filter can match nothing (an empty id list)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # Table and column names come from the model; every value is a parameter of the compiled SELECT.
    return f"INSERT INTO {quote(ContactLog._meta.db_table)} ({columns}) {select_sql}", list(params)
