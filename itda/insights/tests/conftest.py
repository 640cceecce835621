"""Every discovery test gets its own population folder under tmp_path."""

from __future__ import annotations

import pytest


@pytest.fixture
def population_dir(tmp_path, settings):
    folder = tmp_path / "population"
    settings.ITDA_POPULATION_DIR = folder
    return folder
