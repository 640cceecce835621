"""Accounts test helpers: a clean sign-up throttle and a fixed moment."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

# Tuesday 10 November 2026, 10:00 in Seoul.
TUESDAY_MORNING = datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo("Asia/Seoul"))
# A password Django's validators accept; fictional, used only in tests.
GOOD_PASSWORD = "purple-kettle-moon-42"


@pytest.fixture(autouse=True)
def _clear_cache():
    """The sign-up throttle counts in the cache; each test starts at zero."""
    cache.clear()
    yield
    cache.clear()
