"""Progress bars and argument parsing shared by the insights commands."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterator, Mapping

from django.core.management.base import CommandError
from tqdm import tqdm


@contextlib.contextmanager
def step_bar(description: str, steps: Mapping[str, str]) -> Iterator:
    """A tqdm bar over named steps; yields the ``progress(step)`` callback the services take.

    The bar goes to stderr and only when it is a terminal (``disable=None``), so logs and tests stay clean.
    """
    bar = tqdm(total=len(steps), desc=description, unit="단계", disable=None, leave=True, file=sys.stderr, mininterval=0)

    def advance(step: str) -> None:
        bar.set_postfix_str(steps.get(step, step), refresh=False)
        bar.update(1)

    try:
        yield advance
    finally:
        bar.close()


def parse_date(value: str, *, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}는 YYYY-MM-DD 날짜로 쓰세요: {value!r} ({option} must be a date YYYY-MM-DD)") from None


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
