"""The weekly check-in questions (data/checkins/questions.json) and what an answer to them signals.

An answer is stored per question code as ``{"digits": "2"}`` (keypad),
``{"speech": "허리가 아파요"}`` (the provider's transcript, or what was typed on
the check-in page) or both. A keypad choice carries its signal from the data
file; free text is read by ``nlp.analyse``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from itda.checkins import nlp

MAX_ANSWER_CHARS = 500


@dataclass(frozen=True)
class Choice:
    digit: str
    label: str
    label_en: str
    signal: str | None


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    text_en: str
    choices: tuple[Choice, ...]

    @property
    def is_open(self) -> bool:
        return not self.choices

    def choice(self, digit: str) -> Choice | None:
        for choice in self.choices:
            if choice.digit == digit:
                return choice
        return None


@dataclass(frozen=True)
class Campaign:
    greeting: str
    closing: str
    keypad_hint: str
    questions: tuple[Question, ...]

    def question(self, code: str) -> Question | None:
        for question in self.questions:
            if question.code == code:
                return question
        return None


@lru_cache(maxsize=1)
def load_campaign() -> Campaign:
    """The questions file, read once per process. Raises ValueError when a choice names an unknown signal."""
    raw = json.loads((Path(settings.ITDA_DATA_DIR) / "checkins" / "questions.json").read_text(encoding="utf-8"))
    questions = []
    for item in raw["questions"]:
        choices = []
        for digit, spec in item["choices"].items():
            signal = spec.get("signal")
            if signal is not None and signal not in nlp.SIGNALS:
                raise ValueError(f"unknown signal {signal!r} for question {item['code']}")
            choices.append(Choice(digit, spec["label"], spec["label_en"], signal))
        questions.append(Question(item["code"], item["text"], item["text_en"], tuple(choices)))
    return Campaign(raw["greeting"], raw["closing"], raw["keypad_hint"], tuple(questions))


def clean_answers(raw: dict) -> dict[str, dict[str, str]]:
    """Keep only known question codes, a keypad digit the question offers and trimmed text."""
    campaign = load_campaign()
    cleaned: dict[str, dict[str, str]] = {}
    for code, answer in (raw or {}).items():
        question = campaign.question(code)
        if question is None or not isinstance(answer, dict):
            continue
        item = {}
        digits = str(answer.get("digits", "")).strip()[:1]
        if digits and question.choice(digits) is not None:
            item["digits"] = digits
        speech = str(answer.get("speech", "")).strip()[:MAX_ANSWER_CHARS]
        if speech:
            item["speech"] = speech
        if item:
            cleaned[code] = item
    return cleaned


def signals_in(answers: dict[str, dict[str, str]]) -> set[str]:
    """Every risk signal in a set of answers: keypad choices that carry one, and what the free text says."""
    key = tuple((code, answer.get("digits", ""), answer.get("speech", "")) for code, answer in sorted(answers.items()))
    return set(_signals(key))


@lru_cache(maxsize=8192)
def _signals(answers: tuple[tuple[str, str, str], ...]) -> frozenset[str]:
    # Pure in its arguments, so a weekly cycle pays once per distinct set of answers.
    campaign = load_campaign()
    signals: set[str] = set()
    for code, digits, speech in answers:
        question = campaign.question(code)
        if question is None:
            continue
        choice = question.choice(digits)
        if choice is not None and choice.signal:
            signals.add(choice.signal)
        if speech:
            signals |= nlp.analyse(speech).signals
    return frozenset(signals)


def summary(answers: dict[str, dict[str, str]]) -> list[str]:
    """Short topic words for the contact timeline, e.g. ['HEALTH', 'MEALS']."""
    return sorted(answers)
