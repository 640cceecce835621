"""The synthetic population: answers are a pure function of the call, at about the rates asked for."""

from __future__ import annotations

from itda.checkins.adapters import CallRequest
from itda.checkins.simulator import SyntheticPopulation, _Draws


def _call(due_contact_id: int, number: int = 1) -> CallRequest:
    return CallRequest(
        attempt_id=0, due_contact_id=due_contact_id, person_id=due_contact_id, number=number, channel="VOICE", phone=""
    )


def test_the_same_call_gets_the_same_answer_and_another_call_may_not():
    population = SyntheticPopulation(seed=7)

    assert population.answer(_call(41)) == population.answer(_call(41))
    assert len({repr(population.answer(_call(41, number))) for number in range(1, 30)}) > 1


def test_the_rates_asked_for_are_the_rates_answered():
    population = SyntheticPopulation(seed=2026, no_answer_rate=0.2, lapsed_rate=0.0, concern_rate=0.0, self_harm_rate=0.0)

    unanswered = sum(not population.answer(_call(number)).answered for number in range(20_000))

    assert 0.18 < unanswered / 20_000 < 0.22


def test_a_draw_is_below_one_even_for_the_largest_word():
    draws = _Draws("edge")
    draws._pool = [2**64 - 1, 0]

    assert draws.random() == 0.0
    assert 0.99 < draws.random() < 1.0
    assert draws.choice("abc") in "abc"  # a fresh digest after the pool runs out
