"""Risk signals in free-text Korean answers: pain, not eating, skipped medication, hopelessness, self-harm.

The text is split into morphemes by kiwipiepy (its model ships in the
``kiwipiepy_model`` wheel, so nothing is downloaded). The rules and the lexicon
are data (``data/checkins/lexicon.json``); this module only knows how to read a
Korean predicate for negation:

- short negation before the verb: "안 아파요", "밥을 못 먹었어요";
- long negation after it: "아프지 않아요", "먹지를 못해요", "죽고 싶지는 않아요";
- a noun (or a predicate describing one, "아픈 데") followed by 없다/아니다 or a
  resolved state: "통증은 없어요", "아픈 데는 없어요", "아픈 건 다 나았어요";
  a negated 없다 cancels itself ("입맛이 없지는 않아요").

A rule fires when its head morpheme (and any following morphemes it names) is
found with the polarity it asks for: PAIN on "아파요" but not on "안 아파요";
NOT_EATING on "못 먹었어요" but SKIPPED_MEDICATION when the thing not eaten is 약.

Analysis is pure and cached per text, so the simulator's repeated phrases cost
one analysis each; the Kiwi model is loaded once per process, on first use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

SIGNALS = ("SELF_HARM", "PAIN", "NOT_EATING", "SKIPPED_MEDICATION", "HOPELESSNESS")
_PREDICATE_TAGS = {"VV", "VA", "VX", "XSV", "XSA", "VCN", "VCP"}
_SENTENCE_END_TAGS = {"EF", "SF", "SE"}
_NOUN_TAGS = {"NNG", "NNP", "NP", "NNB"}
_OBJECT_NOUN_TAGS = {"NNG", "NNP", "NP"}
_MAX_GAP = 4


@dataclass(frozen=True)
class Morpheme:
    form: str
    tag: str

    @property
    def key(self) -> str:
        return f"{self.form}/{self.tag}"


@dataclass(frozen=True)
class Rule:
    signal: str
    head: str
    then: tuple[str, ...] = ()
    when: str = "affirmed"
    objects: tuple[str, ...] = ()
    not_objects: tuple[str, ...] = ()
    with_any: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    signal: str
    evidence: str  # the matched morphemes, e.g. "죽/VV 싶/VX"
    negated: bool


@dataclass(frozen=True)
class Analysis:
    signals: frozenset[str]
    matches: tuple[Match, ...]

    @property
    def has_self_harm(self) -> bool:
        return "SELF_HARM" in self.signals


@dataclass(frozen=True)
class Lexicon:
    rules_by_head: dict[str, tuple[Rule, ...]]
    negators_before: frozenset[str]
    negators_after: frozenset[str]
    absent: frozenset[str]
    clause_endings: frozenset[str]
    labels: dict[str, tuple[str, str]]


def lexicon_path() -> Path:
    return Path(settings.ITDA_DATA_DIR) / "checkins" / "lexicon.json"


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Read the lexicon file once per process. Raises ValueError when a rule names an unknown signal or polarity."""
    raw = json.loads(lexicon_path().read_text(encoding="utf-8"))
    rules: dict[str, list[Rule]] = {}
    labels = {}
    for signal, spec in raw["signals"].items():
        if signal not in SIGNALS:
            raise ValueError(f"unknown signal {signal!r} in the lexicon")
        labels[signal] = (spec["label"], spec["label_en"])
        for item in spec["rules"]:
            when = item.get("when", "affirmed")
            if when not in ("affirmed", "negated", "always"):
                raise ValueError(f"unknown polarity {when!r} in the rule for {item['head']}")
            rule = Rule(
                signal=signal,
                head=item["head"],
                then=tuple(item.get("then", ())),
                when=when,
                objects=tuple(item.get("object", ())),
                not_objects=tuple(item.get("not_object", ())),
                with_any=tuple(item.get("with", ())),
                not_after=tuple(item.get("not_after", ())),
            )
            rules.setdefault(rule.head, []).append(rule)
    negation = raw["negation"]
    return Lexicon(
        rules_by_head={head: tuple(items) for head, items in rules.items()},
        negators_before=frozenset(negation["before"]),
        negators_after=frozenset(negation["after"]),
        absent=frozenset(negation["absent"]),
        clause_endings=frozenset(raw["clause_endings"]),
        labels=labels,
    )


def signal_label(signal: str, language: str = "ko") -> str:
    korean, english = load_lexicon().labels.get(signal, (signal, signal))
    return english if language == "en" else korean


@lru_cache(maxsize=1)
def _kiwi():
    from kiwipiepy import Kiwi  # loading the model takes about two seconds: only when text is analysed

    return Kiwi()


def warm_up() -> None:
    """Load the morpheme model now, so a long-running worker does not pay for it inside its first batch."""
    _kiwi().tokenize("안녕하세요")


def morphemes(text: str) -> list[Morpheme]:
    """The text as kiwipiepy morphemes, with irregular-conjugation tags (VA-I) read as their base tag."""
    return [Morpheme(token.form, token.tag.split("-")[0]) for token in _kiwi().tokenize(text)]


def _sentences(tokens: list[Morpheme]) -> list[list[Morpheme]]:
    sentences, current = [], []
    for token in tokens:
        current.append(token)
        if token.tag in _SENTENCE_END_TAGS:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


class _Sentence:
    def __init__(self, tokens: list[Morpheme], lexicon: Lexicon):
        self.tokens = tokens
        self.keys = [token.key for token in tokens]
        self.lexicon = lexicon

    def is_clause_end(self, index: int) -> bool:
        token = self.tokens[index]
        if token.tag in _SENTENCE_END_TAGS or token.tag == "SP":
            return True
        return token.tag == "EC" and token.form in self.lexicon.clause_endings

    def follow(self, start: int, sequence: tuple[str, ...]) -> int | None:
        """Index of the last morpheme of ``sequence`` found in order after ``start``, or None."""
        position = start
        for wanted in sequence:
            found = None
            for index in range(position + 1, min(len(self.tokens), position + 1 + _MAX_GAP)):
                if self.keys[index] == wanted:
                    found = index
                    break
                if self.tokens[index].tag in _SENTENCE_END_TAGS:
                    break
            if found is None:
                return None
            position = found
        return position

    def negated_before(self, index: int) -> bool:
        return index > 0 and self.keys[index - 1] in self.lexicon.negators_before

    def negated_after(self, index: int) -> bool:
        """-지 (는/도/를) 않다 / 못하다 / 못 하다 / 말다 after the predicate at ``index``."""
        position = index + 1
        while position < len(self.tokens) and self.tokens[position].tag == "EP":
            position += 1
        if position >= len(self.tokens) or self.keys[position] != "지/EC":
            return False
        position += 1
        while position < len(self.tokens) and self.tokens[position].tag.startswith("J"):
            position += 1
        return position < len(self.tokens) and self.keys[position] in self.lexicon.negators_after

    def predicate_negated(self, head: int, last: int) -> bool:
        return self.negated_before(head) or self.negated_after(last)

    def noun_negated(self, index: int, *, absence_only: bool = False) -> bool:
        """A noun is negated by the predicate it belongs to: 없다/아니다/낫다, or (unless ``absence_only``) a negated verb."""
        for position in range(index + 1, len(self.tokens)):
            token = self.tokens[position]
            if token.tag in _PREDICATE_TAGS:
                if token.key in self.lexicon.absent:
                    # "입맛이 없지는 않아요": a negated 없다 is no absence.
                    return not self.predicate_negated(position, position)
                return not absence_only and self.predicate_negated(position, position)
            if self.is_clause_end(position):
                return False
        return False

    def describes_noun(self, last: int) -> int | None:
        """For '아픈 데는 없어요': the noun a predicate modifies (predicate + ETM + noun), if any."""
        position = last + 1
        if position < len(self.tokens) and self.tokens[position].tag == "ETM":
            position += 1
            if position < len(self.tokens) and self.tokens[position].tag in _NOUN_TAGS:
                return position
        return None

    def is_negated(self, head: int, last: int) -> bool:
        if self.tokens[last].tag in _NOUN_TAGS and head == last:
            return self.noun_negated(head)
        if self.predicate_negated(head, last):
            return True
        # "아픈 데는 없어요" negates the pain; "약 먹는 거 안 잊어버렸어요" does not negate the eating.
        described = self.describes_noun(last)
        return described is not None and self.noun_negated(described, absence_only=True)

    def object_before(self, head: int) -> str | None:
        """The nearest noun before the head that carries a particle (or sits right before it): its object or subject."""
        for position in range(head - 1, -1, -1):
            token = self.tokens[position]
            if token.tag in _OBJECT_NOUN_TAGS:
                following = self.tokens[position + 1]
                if following.tag.startswith("J") or position + 1 == head:
                    return token.key
        return None

    def word_before(self, head: int) -> str | None:
        for position in range(head - 1, -1, -1):
            if not self.tokens[position].tag.startswith("J"):
                return self.keys[position]
        return None


def _rule_matches(sentence: _Sentence, head: int, rule: Rule) -> Match | None:
    last = sentence.follow(head, rule.then) if rule.then else head
    if last is None:
        return None
    if rule.not_after and sentence.word_before(head) in rule.not_after:
        return None
    if rule.objects or rule.not_objects:
        obj = sentence.object_before(head)
        if rule.objects and obj not in rule.objects:
            return None
        if obj is not None and obj in rule.not_objects:
            return None
    if rule.with_any and not any(key in sentence.keys for key in rule.with_any):
        return None
    negated = sentence.is_negated(head, last)
    if rule.when == "affirmed" and negated:
        return None
    if rule.when == "negated" and not negated:
        return None
    evidence = " ".join([rule.head, *rule.then])
    return Match(rule.signal, evidence, negated)


@lru_cache(maxsize=4096)
def analyse(text: str) -> Analysis:
    """The risk signals in one free-text answer. Empty or blank text has none. Pure; cached per text."""
    text = (text or "").strip()[:2000]
    if not text:
        return Analysis(frozenset(), ())
    lexicon = load_lexicon()
    matches: list[Match] = []
    for tokens in _sentences(morphemes(text)):
        sentence = _Sentence(tokens, lexicon)
        for index, key in enumerate(sentence.keys):
            for rule in lexicon.rules_by_head.get(key, ()):
                match = _rule_matches(sentence, index, rule)
                if match is not None:
                    matches.append(match)
    return Analysis(frozenset(match.signal for match in matches), tuple(matches))
