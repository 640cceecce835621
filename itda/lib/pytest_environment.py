"""Loaded by pytest (``-p`` in pyproject) before Django's settings are read.

Tests run with DEBUG off, like production, so settings need a secret; this is a
throwaway one. Playwright's sync API keeps an event loop in the test thread,
which would otherwise make Django refuse ORM calls made by the test itself.
"""

import os

os.environ.setdefault("ITDA_SECRET_KEY", "itda-tests-only-not-a-secret")
os.environ.setdefault("ITDA_SECURE_COOKIES", "0")
os.environ.setdefault("ITDA_STATIC_MANIFEST", "0")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
