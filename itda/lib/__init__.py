"""Helpers used by three or more apps, each with its own tests."""
