"""The directory is loaded once per process and reloaded as soon as any directory row changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from itda.programs.models import EligibilityRule, Program
from itda.programs.queries import get_program, search_programs


@pytest.mark.django_db
def test_an_unchanged_directory_costs_one_small_query_per_search():
    search_programs(query="병원", today_year=2026)

    with CaptureQueriesContext(connection) as queries:
        found = search_programs(query="병원", today_year=2026)

    assert "hospital-accompaniment" in [program.slug for program in found]
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_renamed_programme_is_found_by_its_new_name_at_once():
    search_programs(today_year=2026)
    program = Program.objects.get(slug="home-maintenance")
    program.name = "집수리 가상이름"
    program.save()

    found = search_programs(query="가상이름", today_year=2026)

    assert [p.slug for p in found] == ["home-maintenance"]


@pytest.mark.django_db
def test_a_deleted_rule_is_gone_from_the_cached_programme():
    assert get_program(slug="home-maintenance").rule_dicts()
    EligibilityRule.objects.filter(program__slug="home-maintenance").delete()

    assert get_program(slug="home-maintenance").rule_dicts() == []


@pytest.mark.django_db
def test_an_unknown_slug_raises_does_not_exist():
    with pytest.raises(Program.DoesNotExist):
        get_program(slug="no-such-programme")
