"""Portal test helpers: a fixed "now" in Seoul and a client that reads pages in English.

Page text is asserted in English (the msgids), so the assertions keep holding after the
Korean translation pass; Korean is checked where it comes from the data (names, addresses).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone

from itda.portal.tests.moments import TUESDAY_MORNING


@pytest.fixture
def freeze_now(monkeypatch):
    """Call with a moment; the views then see it as "now"."""

    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    freeze(TUESDAY_MORNING)
    return freeze


@pytest.fixture
def english_client(db):
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def korean_client(db):
    return Client(HTTP_ACCEPT_LANGUAGE="ko")
