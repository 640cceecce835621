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
    # Programmes without rules are listed apart, as not entered yet (not as "open to everyone").
    assert "외로움안녕120" in result.without_rules
    assert "청년 공공주택" in result.without_rules or len(result.without_rules) > 1


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


def _waivers(result):
    return [(f.code, f.waived, f.waived_after, f.change, f.cost_krw, f.cost_change_krw) for f in result.waiver_figures]


@pytest.mark.django_db
def test_hospital_accompaniment_shows_who_has_the_fee_waived_per_district(population, cast):
    result = simulate(user=cast.administrator, programme="hospital-accompaniment", now=NOW)

    waiver = result.selected.fee_waiver
    assert (waiver.amount_krw, waiver.reduced_amount_krw, waiver.threshold) == (5000, 0, 100)
    assert result.moved is None
    # Households 1–3 (관악구) and 5 (마포구) are at or below 100 %; household 4 (3 people, 6.0 M of a 5.36 M median)
    # is at 112 %. Cost per waived household: 0.26 % take-up × 3 hours × 5,000 KRW forgone = 39 KRW.
    assert _waivers(result) == [("11620", 3, None, None, 117, None), ("11440", 1, None, None, 39, None)]


@pytest.mark.django_db
def test_moving_the_fee_waiver_line_from_100_to_120_percent_shows_more_waived_and_the_cost(population, cast):
    result = simulate(user=cast.administrator, programme="hospital-accompaniment", percent=120, now=NOW)

    assert (result.moved, result.percent) == ("fee", 120)
    assert _waivers(result) == [("11620", 3, 4, 1, 117, 39), ("11440", 1, 1, 0, 39, 0)]
    # Eligibility itself is unchanged: everyone may use the service.
    assert [(f.code, f.eligible, f.eligible_after) for f in result.figures] == [("11620", 4, None), ("11440", 1, None)]
