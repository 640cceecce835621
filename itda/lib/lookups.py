"""``field__any=ids``: ``field__in=ids`` sent to PostgreSQL as one array parameter.

The sweeps filter batches of a thousand rows by id many times a minute. With
``__in`` each id is prepared by Django one at a time, becomes its own ``%s``
that psycopg parses out of a query too long for its cache, and arrives as a
thousand literals for the server to parse: about 7 ms for a thousand ids where
``= ANY(%s)`` with one array takes under 2 ms (docs/performance.md §3). The
rows matched are the same; on SQLite, and for anything but a list of plain
integers (a subquery, say), ``__any`` is ``__in`` itself.

Registered on integer fields (ids) and foreign keys by ``itda.accounts``'s app
config, so it exists before the first query.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, IntegerField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _OneArray:
    """What ``__any`` adds to an ``__in`` lookup: a list of plain integers goes to PostgreSQL as one array."""

    lookup_name = "any"

    def get_prep_lookup(self):
        if self.rhs_is_direct_value() and _plain_integers(self.rhs):
            return list(self.rhs)  # already what the column holds: no per-id preparation
        return super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql" or not self.rhs_is_direct_value() or not _plain_integers(self.rhs):
            return super().as_sql(compiler, connection)
        ids = [value for value in self.rhs if value is not None]
        if not ids:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = among_ids_sql(lhs, ids, connection)
        return sql, (*lhs_params, *params)


class AnyOf(_OneArray, In):
    """``__any`` on an integer column (an id)."""


class RelatedAnyOf(_OneArray, RelatedIn):
    """``__any`` on a foreign key: ids, or what ``__in`` takes there (model instances, a subquery)."""


def among_ids_sql(column_sql: str, ids, connection) -> tuple[str, list]:
    """``column_sql`` among ``ids`` (not empty) as a condition and its parameters, for SQL written by hand.

    One array parameter on PostgreSQL (``= ANY(%s::bigint[])``), one placeholder per id elsewhere (``IN``).
    """
    if connection.vendor == "postgresql":
        return f"{column_sql} = ANY(%s::bigint[])", [list(set(ids))]
    return f"{column_sql} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _plain_integers(values) -> bool:
    """A list, tuple or set of ints (bools excluded) and Nones: what the fast path sends as one array."""
    if not isinstance(values, (list, tuple, set, frozenset)):
        return False
    return all(value is None or (type(value) is int) for value in values)


def register() -> None:
    IntegerField.register_lookup(AnyOf)
    ForeignKey.register_lookup(RelatedAnyOf)
