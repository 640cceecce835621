"""Scoring every instrument against hand-worked examples. Pure: no database."""

from __future__ import annotations

from datetime import date

import pytest

from itda.screenings import catalogue
from itda.screenings.scoring import (
    AnswerOutOfRange,
    InstrumentDefinition,
    InstrumentDefinitionError,
    MissingAnswers,
    UnknownItems,
    score,
)

ON = date(2026, 11, 10)


def _definition(code: str) -> InstrumentDefinition:
    return catalogue.current_definition(code, ON)


def _answers(values: list[int]) -> dict[str, int]:
    return {str(number): value for number, value in enumerate(values, start=1)}


# PHQ-9 ---------------------------------------------------------------------------------


def test_phq9_adds_the_nine_answers():
    answers = _answers([1, 2, 0, 3, 1, 0, 2, 1, 0])  # 1+2+0+3+1+0+2+1+0 = 10

    result = score(_definition("PHQ9"), answers)

    assert result.total == 10
    assert result.band.code == "MODERATE"
    assert result.flags == ("PHQ9_REFER",)
    assert result.crisis_flags == ()


@pytest.mark.parametrize(
    ("values", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0], "MINIMAL"),
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], "MINIMAL"),  # 4
        ([1, 1, 1, 1, 1, 0, 0, 0, 0], "MILD"),  # 5
        ([3, 3, 3, 0, 0, 0, 0, 0, 0], "MILD"),  # 9
        ([3, 3, 3, 3, 2, 0, 0, 0, 0], "MODERATE"),  # 14
        ([3, 3, 3, 3, 3, 0, 0, 0, 0], "MODERATELY_SEVERE"),  # 15
        ([3, 3, 3, 3, 3, 3, 1, 0, 0], "MODERATELY_SEVERE"),  # 19
        ([3, 3, 3, 3, 3, 3, 2, 0, 0], "SEVERE"),  # 20
        ([3, 3, 3, 3, 3, 3, 3, 3, 3], "SEVERE"),  # 27
    ],
)
def test_phq9_bands_break_at_5_10_15_and_20(values, band):
    result = score(_definition("PHQ9"), _answers(values))

    assert result.total == sum(values)
    assert result.band.code == band


def test_phq9_item_9_at_1_is_a_crisis_even_with_a_minimal_total():
    answers = _answers([0, 0, 0, 0, 0, 0, 0, 0, 1])

    result = score(_definition("PHQ9"), answers)

    assert result.total == 1
    assert result.band.code == "MINIMAL"
    assert result.flags == ("PHQ9_ITEM9",)
    assert result.crisis_flags == ("PHQ9_ITEM9",)
    assert result.is_crisis is True


def test_missing_answers_are_refused_and_named_never_scored_as_zero():
    answers = _answers([1, 2, None, 3, 1, 0, 2, 1, None])

    with pytest.raises(MissingAnswers) as refused:
        score(_definition("PHQ9"), answers)

    assert refused.value.items == ("3", "9")
    assert refused.value.message == "답하지 않은 문항이 있습니다: 3, 9번 (Please answer every question; missing: 3, 9)"


def test_an_item_left_out_entirely_counts_as_missing():
    answers = _answers([0, 0, 0, 0, 0, 0, 0, 0])

    with pytest.raises(MissingAnswers) as refused:
        score(_definition("PHQ9"), answers)

    assert refused.value.items == ("9",)


@pytest.mark.parametrize("bad", [4, -1, "abc", 1.5, True])
def test_answers_outside_the_options_are_refused(bad):
    answers = _answers([bad, 0, 0, 0, 0, 0, 0, 0, 0])

    with pytest.raises(AnswerOutOfRange) as refused:
        score(_definition("PHQ9"), answers)

    assert refused.value.items == ("1",)


def test_answers_given_as_digit_strings_are_accepted():
    answers = {str(number): "2" for number in range(1, 10)}

    result = score(_definition("PHQ9"), answers)

    assert result.total == 18


def test_answers_to_questions_the_instrument_lacks_are_refused():
    answers = _answers([0, 0, 0, 0, 0, 0, 0, 0, 0]) | {"10": 1}

    with pytest.raises(UnknownItems) as refused:
        score(_definition("PHQ9"), answers)

    assert refused.value.items == ("10",)


# UCLA-3 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [([1, 1, 1], 3, "NOT_LONELY"), ([2, 2, 1], 5, "NOT_LONELY"), ([1, 2, 3], 6, "LONELY"), ([3, 3, 3], 9, "LONELY")],
)
def test_ucla3_is_lonely_from_6_of_9(values, total, band):
    result = score(_definition("UCLA3"), _answers(values))

    assert result.total == total
    assert result.band.code == band


def test_ucla3_has_no_zero_option():
    with pytest.raises(AnswerOutOfRange) as refused:
        score(_definition("UCLA3"), _answers([0, 1, 1]))

    assert refused.value.items == ("1",)


# Korean UCLA-20 ------------------------------------------------------------------------

UCLA20_REVERSED = {1, 5, 6, 9, 10, 15, 16, 19, 20}


def test_ucla20_reverses_items_1_5_6_9_10_15_16_19_20():
    definition = _definition("UCLA20_K")

    reversed_items = {int(item.code) for item in definition.items if item.reverse}

    assert reversed_items == UCLA20_REVERSED


def test_ucla20_all_never_scores_reversed_items_as_4():
    answers = _answers([1] * 20)  # 9 reversed items x 4 + 11 items x 1 = 47

    result = score(_definition("UCLA20_K"), answers)

    assert result.total == 47
    assert result.item_scores["1"] == 4
    assert result.item_scores["2"] == 1
    assert result.band.code == "CONTINUOUS"


def test_ucla20_all_often_scores_reversed_items_as_1():
    answers = _answers([4] * 20)  # 9 x 1 + 11 x 4 = 53

    result = score(_definition("UCLA20_K"), answers)

    assert result.total == 53


def test_ucla20_loneliest_answers_reach_80_and_least_lonely_reach_20():
    loneliest = _answers([1 if number in UCLA20_REVERSED else 4 for number in range(1, 21)])
    least_lonely = _answers([4 if number in UCLA20_REVERSED else 1 for number in range(1, 21)])

    high = score(_definition("UCLA20_K"), loneliest)
    low = score(_definition("UCLA20_K"), least_lonely)

    assert (high.total, low.total) == (80, 20)


def test_ucla20_is_stored_as_topics_because_its_text_is_licensed():
    definition = _definition("UCLA20_K")

    statuses = {item.wording_status for item in definition.items}

    assert statuses == {"topic_only"}
    assert definition.items[0].text.ko == "[주제] 주변 사람들과 마음이 잘 맞음"


# SGDS-K --------------------------------------------------------------------------------

YES, NO = 1, 0


def test_sgds_k_reverses_the_five_positive_questions():
    definition = _definition("SGDS_K")

    reversed_items = [item.code for item in definition.items if item.reverse]

    assert reversed_items == ["1", "5", "7", "11", "13"]


def test_sgds_k_yes_to_everything_scores_10():
    answers = _answers([YES] * 15)  # the 5 positive questions answered yes score 0

    result = score(_definition("SGDS_K"), answers)

    assert result.total == 10
    assert result.band.code == "PROBABLE_DEPRESSION"


def test_sgds_k_no_to_everything_scores_5():
    answers = _answers([NO] * 15)  # only "no" to the 5 positive questions scores

    result = score(_definition("SGDS_K"), answers)

    assert result.total == 5
    assert result.band.code == "NORMAL"


def test_sgds_k_six_depressive_answers_is_watch():
    # No to 1 and 5 (2 points); yes to 2, 3, 4, 6 (4 points); the rest answered the non-depressive way.
    values = [NO, YES, YES, YES, NO, YES, YES, NO, NO, NO, YES, NO, YES, NO, NO]

    result = score(_definition("SGDS_K"), _answers(values))

    assert result.total == 6
    assert result.band.code == "WATCH"


def test_sgds_k_eight_is_probable_depression():
    # As above, plus yes to 8 and 9.
    values = [NO, YES, YES, YES, NO, YES, YES, YES, YES, NO, YES, NO, YES, NO, NO]

    result = score(_definition("SGDS_K"), _answers(values))

    assert result.total == 8
    assert result.band.code == "PROBABLE_DEPRESSION"


# LSNS-6 --------------------------------------------------------------------------------


def test_lsns6_under_12_is_at_risk_of_isolation_with_few_family_ties():
    answers = _answers([1, 1, 1, 2, 2, 2])  # family 3, friends 6, total 9

    result = score(_definition("LSNS6"), answers)

    assert result.total == 9
    assert result.band.code == "ISOLATED"
    assert result.subscores == {"FAMILY": 3, "FRIENDS": 6}
    assert result.flags == ("LSNS_FAMILY_FEW",)


def test_lsns6_12_is_connected():
    answers = _answers([2, 2, 2, 2, 2, 2])

    result = score(_definition("LSNS6"), answers)

    assert result.total == 12
    assert result.band.code == "CONNECTED"
    assert result.flags == ()


def test_lsns6_wording_is_marked_unverified():
    definition = _definition("LSNS6")

    assert [item.wording_status for item in definition.items] == ["unverified"] * 6


# Seoul self-check ----------------------------------------------------------------------


def test_seoul_self_check_items_are_the_official_wording():
    definition = _definition("SEOUL_SELF_CHECK")

    texts = [item.text.ko for item in definition.items]

    assert len(texts) == 12
    assert texts[0] == "나는 같이 있어 줄 사람이 부족하다고 자주 느낀다."
    assert texts[4] == "나는 낙심하거나 우울해서 이야기 상대가 필요할 때 들어줄 사람이 있다."
    assert texts[11] == "일상생활이나 수면 패턴이 규칙적이다."
    assert {item.wording_status for item in definition.items} == {"official"}
    assert definition.is_provisional is True


def test_seoul_self_check_reverses_the_positively_worded_items_4_to_12():
    # "Not at all" (0) to everything: 0 for items 1-3, 3 for each of items 4-12.
    answers = _answers([0] * 12)

    result = score(_definition("SEOUL_SELF_CHECK"), answers)

    assert result.total == 27
    assert result.band.code == "HIGH"
    assert result.subscores == {"LONELINESS": 0, "SOCIAL_ISOLATION": 6, "DAILY_LIFE": 21}
    assert result.flags == ("SEOUL_NO_HELPER", "SEOUL_DAILY_LIFE")


def test_seoul_self_check_lonely_but_well_supported():
    # "Very much" (3) to everything: 9 for items 1-3, 0 for items 4-12.
    answers = _answers([3] * 12)

    result = score(_definition("SEOUL_SELF_CHECK"), answers)

    assert result.total == 9
    assert result.band.code == "LOW"
    assert result.flags == ("SEOUL_LONELY",)


# Definitions ---------------------------------------------------------------------------


def test_every_instrument_file_loads_with_bands_covering_every_total():
    definitions = catalogue.all_definitions()

    codes = sorted(definition.code for definition, _sha in definitions)

    assert codes == ["LSNS6", "PHQ9", "SEOUL_SELF_CHECK", "SGDS_K", "UCLA20_K", "UCLA3"]


def test_a_definition_whose_bands_leave_a_gap_is_rejected():
    data = {
        "code": "TOY",
        "version": "1",
        "effective_from": "2026-01-01",
        "name": {"ko": "장난감"},
        "options": [{"value": 0, "label": {"ko": "아니오"}}, {"value": 1, "label": {"ko": "예"}}],
        "items": [{"code": "1", "text": {"ko": "하나"}}, {"code": "2", "text": {"ko": "둘"}}],
        "scoring": {"bands": [{"code": "LOW", "min": 0, "max": 0}, {"code": "HIGH", "min": 2, "max": 2}]},
    }

    with pytest.raises(InstrumentDefinitionError) as error:
        InstrumentDefinition.from_dict(data)

    assert "gap" in str(error.value)
