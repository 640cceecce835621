"""A synthetic population that answers check-in calls, for the demo, the tests and the bench.

Every answer is a pure function of (seed, due contact, attempt number), so a
worker that crashes and is restarted gets the same answer for the same call —
which is what lets the crash test say "every check-in was made exactly once".
A small share of people never answer (``lapsed_rate``), to exercise the switch
of channel; the rest miss a call now and then (``no_answer_rate``), sometimes
say something worrying (``concern_rate``) and, rarely, something that means
self-harm risk (``self_harm_rate``). Half answer by keypad, half by speech.

``kill_after`` makes the process kill itself with SIGKILL when asked to make
one call more than that — a crash in the middle of a cycle, on purpose.
"""

from __future__ import annotations

import hashlib
import os
import signal
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from itda.checkins.adapters import CallRequest, CallResult

FINE_SPEECH = {
    "HEALTH": ("괜찮아요", "네, 건강해요", "별일 없어요"),
    "MEALS": ("밥 잘 먹었어요", "네, 먹었어요", "세 끼 다 챙겨 먹어요"),
    "MEDICATION": ("약은 잘 챙겨 먹었어요", "네, 먹었어요"),
    "EXERCISE": ("산책 다녀왔어요", "복지관에서 체조 했어요", "오늘은 집에 있었어요"),
    "MOOD": ("괜찮아요", "마음은 편해요", "그럭저럭 지내요"),
    "OPEN": ("잘 지내고 있어요", "손주가 다녀가서 기분이 좋아요", "특별한 일은 없어요", "날씨가 추워서 집에만 있었어요"),
}
FINE_DIGITS = {"HEALTH": "1", "MEALS": "1", "MEDICATION": "1", "EXERCISE": "1", "MOOD": "1"}
CONCERNS = (
    ("HEALTH", "2", "허리가 너무 아파요"),
    ("MEALS", "2", "입맛이 없어서 굶었어요"),
    ("MEDICATION", "2", "약을 깜빡하고 안 먹었어요"),
    ("OPEN", "", "요즘 너무 힘들어요"),
    ("OPEN", "", "사는 낙이 없어요"),
)
SELF_HARM = ("그냥 사라지고 싶어요", "죽고 싶어요", "살고 싶지 않아요")


_EIGHT_WORDS = struct.Struct(">8Q")


class _Draws:
    """A deterministic stream of uniform draws in [0, 1) for one key (a person, a call).

    Eight draws come from each 64-byte BLAKE2b digest of the key and a round
    number: about a tenth of the cost of seeding a ``random.Random`` per call,
    which a week of a hundred thousand simulated calls did twice each.
    """

    __slots__ = ("_key", "_pool", "_round")

    def __init__(self, key: str):
        self._key = key.encode()
        self._pool: list[int] = []
        self._round = 0

    def random(self) -> float:
        if not self._pool:
            digest = hashlib.blake2b(self._key, digest_size=64, salt=self._round.to_bytes(16, "big")).digest()
            self._round += 1
            self._pool = list(_EIGHT_WORDS.unpack(digest))
        return (self._pool.pop() >> 11) / 2**53  # 53 bits, as random.random(): never 1.0

    def choice(self, options: Sequence):
        return options[int(self.random() * len(options))]


class SimulatedCrash(Exception):
    """Raised instead of SIGKILL when ``kill_with_signal`` is off (for in-process tests)."""


@dataclass(frozen=True)
class SyntheticPopulation:
    seed: int = 2026
    no_answer_rate: float = 0.10
    lapsed_rate: float = 0.01
    concern_rate: float = 0.04
    self_harm_rate: float = 0.002
    speech_rate: float = 0.5

    def is_lapsed(self, person_id: int) -> bool:
        return _Draws(f"{self.seed}:person:{person_id}").random() < self.lapsed_rate

    def answer(self, request: CallRequest) -> CallResult:
        """What this synthetic person says to this call. Deterministic."""
        chance = _Draws(f"{self.seed}:{request.due_contact_id}:{request.number}")
        if self.is_lapsed(request.person_id) or chance.random() < self.no_answer_rate:
            return CallResult(request.attempt_id, answered=False)
        by_speech = chance.random() < self.speech_rate
        answers: dict[str, dict[str, str]] = {}
        for code, digit in FINE_DIGITS.items():
            answers[code] = {"speech": chance.choice(FINE_SPEECH[code])} if by_speech else {"digits": digit}
        roll = chance.random()
        if roll < self.self_harm_rate:
            # Some say it in words, some only press 3 on the direct question.
            if by_speech:
                answers["OPEN"] = {"speech": chance.choice(SELF_HARM)}
            else:
                answers["MOOD"] = {"digits": "3"}
        elif roll < self.self_harm_rate + self.concern_rate:
            code, digit, speech = chance.choice(CONCERNS)
            answers[code] = {"digits": digit} if digit and not by_speech else {"speech": speech}
        elif by_speech:
            answers["OPEN"] = {"speech": chance.choice(FINE_SPEECH["OPEN"])}
        return CallResult(request.attempt_id, answered=True, answers=answers)


class SimulatorAdapter:
    """A synchronous channel: the answers come back from ``start`` at once."""

    name = "simulator"
    is_synchronous = True

    def __init__(self, population: SyntheticPopulation, *, kill_after: int | None = None, kill_with_signal: bool = True):
        self.population = population
        self.kill_after = kill_after
        self.kill_with_signal = kill_with_signal
        self.calls = 0

    def start(self, requests: list[CallRequest], *, now: datetime) -> list[CallResult]:
        results = []
        for request in requests:
            if self.kill_after is not None and self.calls >= self.kill_after:
                if self.kill_with_signal:
                    os.kill(os.getpid(), signal.SIGKILL)
                raise SimulatedCrash(f"killed after {self.calls} calls")
            self.calls += 1
            results.append(self.population.answer(request))
        return results

    def send(self, request: CallRequest, *, now: datetime) -> str:
        raise NotImplementedError("the simulator is synchronous: use start()")


def population_from_env() -> SyntheticPopulation:
    """The population of ITDA_CHECKIN_SIMULATOR_SEED and _NO_ANSWER, _CONCERN, _SELF_HARM, _LAPSED (rates, 0–1)."""
    from itda.lib.env import env_int

    def rate(name: str, default: float) -> float:
        raw = os.environ.get(name, "")
        value = float(raw) if raw.strip() else default
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be between 0 and 1")
        return value

    return SyntheticPopulation(
        seed=env_int("ITDA_CHECKIN_SIMULATOR_SEED", 2026),
        no_answer_rate=rate("ITDA_CHECKIN_SIMULATOR_NO_ANSWER", 0.10),
        lapsed_rate=rate("ITDA_CHECKIN_SIMULATOR_LAPSED", 0.01),
        concern_rate=rate("ITDA_CHECKIN_SIMULATOR_CONCERN", 0.04),
        self_harm_rate=rate("ITDA_CHECKIN_SIMULATOR_SELF_HARM", 0.002),
    )
