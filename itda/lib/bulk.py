"""Writing many rows of one model at once: COPY on PostgreSQL, a bulk INSERT elsewhere.

Django's ``bulk_create`` on PostgreSQL sends each column as an array that psycopg
quotes value by value in Python, which is most of its cost at a hundred thousand
rows a week. COPY streams the same rows through psycopg's dumpers instead. The
primary keys come first from the table's own sequence (one ``nextval`` query for
the whole batch), so the objects carry their ids afterwards, as with
``bulk_create``.

Only for plain rows the platform makes itself: no signals are sent, no
``save()`` runs, and a unique violation fails the whole COPY (and so the
transaction) rather than skipping a row.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router


def insert_rows(model: type[models.Model], objects: Sequence[models.Model]) -> list[models.Model]:
    """Insert unsaved ``objects`` of ``model`` and set their primary keys; returns them.

    A field that cannot be NULL and was left as None gets its default first. Call
    inside a transaction when the rows belong together.
    """
    if not objects:
        return list(objects)
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    for instance in objects:
        for field in fields:
            if not field.null and field.has_default() and getattr(instance, field.attname) is None:
                setattr(instance, field.attname, field.get_default())
    if connection.vendor != "postgresql":
        return model._default_manager.using(alias).bulk_create(objects, batch_size=2000)
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in [pk_column, *(field.column for field in fields)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [quote(table), pk_column, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        # Table and column names come from the model; every value goes through psycopg's COPY dumpers.
        # Errors come back as Django's (IntegrityError and the rest), as from any other query.
        with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            preparers = [(field.attname, field.get_db_prep_save) for field in fields]
            for pk, instance in zip(ids, objects, strict=True):
                values = instance.__dict__
                copy.write_row([pk, *[prepare(values[attname], connection) for attname, prepare in preparers]])
    for pk, instance in zip(ids, objects, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = alias
    return list(objects)
