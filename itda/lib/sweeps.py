"""Small helpers for the periodic sweeps that run every minute over large tables."""

from __future__ import annotations

from django.db.models import QuerySet


def any_due(queryset: QuerySet, *, by: str) -> bool:
    """Whether ``queryset`` has a row, read as its first row in the order of the indexed column ``by``.

    A sweep asks this every minute, and most minutes the answer is no. Django's
    ``exists()`` drops the ordering and asks for any one row (``LIMIT 1``); when
    the filter has a column the index does not hold (a sweep's channel, say),
    PostgreSQL may then read the whole table in the hope of meeting a match
    early, and on a table of a hundred thousand done rows that hope costs
    milliseconds a minute. Ordered by the column of the sweep's own partial
    index, the same question is one step down that index.
    """
    return queryset.order_by(by).values_list("pk", flat=True).first() is not None
