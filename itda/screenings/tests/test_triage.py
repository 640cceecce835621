"""Triage rules as data: levels, programmes, actions, and the crisis override. Pure: no database."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.conf import settings

from itda.screenings import catalogue
from itda.screenings.scoring import InstrumentDefinitionError, score
from itda.screenings.tests.conftest import PHQ9_ITEM9, PHQ9_MODERATE
from itda.screenings.triage import TriageRules, decide

ON = date(2026, 11, 10)


def _decide(code: str, answers: dict, age: int | None = None):
    definition = catalogue.current_definition(code, ON)
    return decide(catalogue.triage_rules(code, ON), score(definition, answers), age=age)


def _answers(values):
    return {str(number): value for number, value in enumerate(values, start=1)}


def test_phq9_item9_overrides_every_rule_with_the_crisis_path():
    decision = _decide("PHQ9", PHQ9_ITEM9)

    assert decision.level == "CRISIS"
    assert decision.is_crisis is True
    assert decision.actions[:2] == ("SHOW_CRISIS_LINES", "OPEN_CRISIS_PATH")
    assert decision.programs[:2] == ("life-linking-stethoscope", "loneliness-goodbye-120")


def test_phq9_severe_with_item9_is_still_crisis_not_urgent():
    decision = _decide("PHQ9", _answers([3] * 9))

    assert decision.level == "CRISIS"


def test_phq9_moderate_refers_to_a_mental_health_centre():
    decision = _decide("PHQ9", PHQ9_MODERATE)

    assert decision.level == "SUPPORT"
    assert decision.is_crisis is False
    assert decision.actions == ("REFER_MENTAL_HEALTH_CENTRE", "OFFER_CONTACT")
    assert decision.programs == ("life-linking-stethoscope", "loneliness-goodbye-120", "mentoring")


def test_phq9_for_someone_aged_65_adds_visiting_health_care():
    decision = _decide("PHQ9", PHQ9_MODERATE, age=70)

    assert decision.programs[-1] == "visiting-health-care"
    assert decision.actions[-1] == "OFFER_VISITING_NURSE"


def test_an_unknown_age_never_matches_an_age_rule():
    decision = _decide("PHQ9", PHQ9_MODERATE, age=None)

    assert "visiting-health-care" not in decision.programs


def test_phq9_minimal_needs_no_action():
    decision = _decide("PHQ9", _answers([0] * 9))

    assert decision.level == "NONE"
    assert decision.actions == ()


def test_seoul_high_offers_support_and_contact():
    decision = _decide("SEOUL_SELF_CHECK", _answers([0] * 12))

    assert decision.level == "SUPPORT"
    assert decision.programs[:4] == ("loneliness-goodbye-120", "neighbourhood-care-group", "maeum-convenience-store", "mentoring")
    assert "side-dish-support" in decision.programs
    assert decision.actions == ("OFFER_CONTACT",)


def test_seoul_no_helper_raises_a_low_total_to_watch():
    # Lonely items 0, "no one to help" items 4-5 answered 0 (6 points), daily life fine (3 = 0 points): total 6, LOW.
    decision = _decide("SEOUL_SELF_CHECK", _answers([0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 3]))

    assert decision.level == "WATCH"
    assert "hospital-accompaniment" in decision.programs


def test_lsns6_isolated_offers_a_care_group():
    decision = _decide("LSNS6", _answers([1, 1, 1, 1, 1, 1]))

    assert decision.level == "SUPPORT"
    assert decision.actions == ("OFFER_CONTACT", "LINK_CARE_GROUP")


def test_ucla20_records_the_score_without_a_level():
    decision = _decide("UCLA20_K", _answers([2] * 20))

    assert decision.level == "NONE"
    assert decision.actions == ("RECORD_SCORE",)


def test_every_instrument_has_triage_rules_in_force():
    codes = {definition.code for definition, _sha in catalogue.all_definitions()}

    ruled = {rules.instrument for rules in catalogue.all_rule_sets()}

    assert ruled == codes


def test_every_recommended_programme_is_in_the_directory():
    directory = json.loads((settings.ITDA_DATA_DIR / "programs" / "seoul.json").read_text(encoding="utf-8"))
    slugs = {program["slug"] for program in directory["programs"]}

    recommended = set().union(*(rules.program_slugs for rules in catalogue.all_rule_sets()))

    assert recommended - slugs == set()


def test_a_rule_file_may_not_set_crisis_itself():
    data = {
        "code": "BAD",
        "instrument": "PHQ9",
        "version": "1",
        "effective_from": "2026-01-01",
        "rules": [{"when": {}, "level": "CRISIS"}],
    }

    with pytest.raises(InstrumentDefinitionError) as error:
        TriageRules.from_dict(data)

    assert "CRISIS comes only from crisis answers" in str(error.value)


def test_a_rule_file_needs_a_fallback_rule():
    data = {
        "code": "BAD",
        "instrument": "PHQ9",
        "version": "1",
        "effective_from": "2026-01-01",
        "rules": [{"when": {"bands": ["MILD"]}, "level": "WATCH"}],
    }

    with pytest.raises(InstrumentDefinitionError) as error:
        TriageRules.from_dict(data)

    assert "fallback" in str(error.value)
