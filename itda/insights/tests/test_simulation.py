"""The policy simulation: every programme's rules over the whole population per district, costs, a moved threshold, the cache."""

from __future__ import annotations

import pytest

from itda.insights.models import SimulationResult
from itda.insights.queries import SimulationRefused, simulate
from itda.insights.tests.factories import NOW, write_population

# The hand-made population's incomes against the 2026 one-person median of 2,564,238 KRW a month:
# household 1 35 %, 2 70 %, 3 47 % (관악구, all renting), 5 78 % (마포구, renting); 4 lives with two others.


@pytest.fixture
def population(population_dir):
    return write_population(population_dir)


def _figures(result):
    return [(f.code, f.eligible, f.eligible_after, f.change, f.yearly_cost_krw) for f in result.figures]


@pytest.mark.django_db
def test_every_programme_is_counted_per_district_with_costs_where_a_unit_cost_is_known(population, cast):
    result = simulate(user=cast.administrator, programme="home-maintenance", now=NOW)

    by_slug = {summary.slug: summary for summary in result.programmes}
    assert (by_slug["home-maintenance"].eligible, by_slug["home-maintenance"].income_threshold) == (4, 120)
    assert by_slug["visiting-health-care"].eligible == 1
    assert by_slug["housing-support-for-vulnerable"].eligible == 1
    # Everyone may use hospital accompaniment: 5 households × 0.26 % take-up × 3 hours × 5,000 KRW.
    assert (by_slug["hospital-accompaniment"].eligible, by_slug["hospital-accompaniment"].yearly_cost_krw) == (5, 195)
    assert by_slug["home-maintenance"].yearly_cost_krw is None
    assert _figures(result) == [("11620", 3, None, None, None), ("11440", 1, None, None, None)]
    assert result.year == 2026
    assert "외로움안녕120" in result.open_to_everyone


@pytest.mark.django_db
def test_moving_an_income_threshold_shows_the_change_per_district(population, cast):
    result = simulate(user=cast.city_staff, programme="home-maintenance", percent=60, now=NOW)

    assert _figures(result) == [("11620", 3, 2, -1, None), ("11440", 1, 0, -1, None)]
    assert result.percent == 60


@pytest.mark.django_db
def test_results_are_cached_per_population_rules_and_scenario(population, cast):
    first = simulate(user=cast.administrator, programme="home-maintenance", percent=60, now=NOW)

    again = simulate(user=cast.administrator, programme="home-maintenance", percent=60, now=NOW)

    assert (first.was_cached, again.was_cached) == (False, True)
    assert sorted(SimulationResult.objects.values_list("scenario", flat=True)) == ["", "home-maintenance:60"]
    assert _figures(again) == _figures(first)


@pytest.mark.django_db
def test_a_social_worker_sees_only_their_district(population, cast):
    result = simulate(user=cast.social_worker, programme="home-maintenance", now=NOW)

    assert result.scope_district == "11620"
    assert {summary.slug: summary.eligible for summary in result.programmes}["home-maintenance"] == 3
    assert _figures(result) == [("11620", 3, None, None, None)]


@pytest.mark.django_db
def test_a_threshold_on_a_programme_without_an_income_rule_or_an_unknown_programme_is_refused(population, cast):
    with pytest.raises(SimulationRefused) as no_income_rule:
        simulate(user=cast.administrator, programme="visiting-health-care", percent=150, now=NOW)
    with pytest.raises(SimulationRefused):
        simulate(user=cast.administrator, programme="no-such-programme", now=NOW)

    assert (
        str(no_income_rule.value) == "이 프로그램에는 옮길 소득 기준이 없습니다 (this programme has no income threshold to move)"
    )
