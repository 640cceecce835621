"""Scoring screening instruments: pure functions over an instrument definition and a set of answers.

No database, no settings, no clock. An instrument definition is the parsed form of one
versioned JSON file in ``data/instruments`` (see ``InstrumentDefinition.from_dict``).

Exceptions::

    ScreeningRefused            the answers cannot be scored; .message is Korean first; .crisis_flags
                                names any crisis answer that was given all the same (see crisis_answers)
    ├── MissingAnswers          required items left empty (never scored as 0); .items names them
    ├── AnswerOutOfRange        an answer that is not one of the item's options; .items names them
    └── UnknownItems            answers to items the instrument does not have; .items names them
    InstrumentDefinitionError   a definition file is malformed (a programming error, not the user's)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise

WORDING_STATUSES = ("official", "published", "secondary", "adapted", "unverified", "topic_only")


class ScreeningRefused(Exception):
    """A screening that cannot be scored or stored; ``message`` is the Korean-first text to show."""

    def __init__(self, message: str, items: tuple[str, ...] = ()):
        self.message = message
        self.items = tuple(items)
        # A crisis answer given among answers that cannot be scored still counts: the caller shows the
        # crisis lines and opens the crisis path (services.record_screening sets crisis_task).
        self.crisis_flags: tuple[str, ...] = ()
        self.crisis_task = None
        super().__init__(message)

    @property
    def is_crisis(self) -> bool:
        return bool(self.crisis_flags)


class MissingAnswers(ScreeningRefused):
    """Required items were left empty. They are never scored as 0."""

    def __init__(self, items):
        numbers = ", ".join(items)
        super().__init__(
            f"답하지 않은 문항이 있습니다: {numbers}번 (Please answer every question; missing: {numbers})", tuple(items)
        )


class AnswerOutOfRange(ScreeningRefused):
    """An answer is not one of the options the item offers."""

    def __init__(self, items):
        numbers = ", ".join(items)
        super().__init__(f"보기에 없는 답이 있습니다: {numbers}번 (An answer is not one of the options: {numbers})", tuple(items))


class UnknownItems(ScreeningRefused):
    """Answers were given to items the instrument does not have."""

    def __init__(self, items):
        numbers = ", ".join(items)
        super().__init__(
            f"이 검사에 없는 문항입니다: {numbers} (These questions are not part of this check: {numbers})", tuple(items)
        )


class InstrumentDefinitionError(Exception):
    """An instrument or triage definition file is malformed."""


@dataclass(frozen=True)
class Text:
    ko: str
    en: str

    @classmethod
    def from_dict(cls, data: Mapping | None) -> Text:
        data = data or {}
        return cls(ko=str(data.get("ko", "")), en=str(data.get("en", data.get("ko", ""))))

    def in_language(self, language: str) -> str:
        return self.en if (language or "").startswith("en") and self.en else self.ko


@dataclass(frozen=True)
class Option:
    value: int
    label: Text


@dataclass(frozen=True)
class Item:
    code: str
    text: Text
    options: tuple[Option, ...]
    reverse: bool = False
    required: bool = True
    wording_status: str = "official"
    section: str = ""
    crisis_at_least: int | None = None

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    def scored(self, answer: int) -> int:
        """The points an answer earns: reverse-keyed items count from the other end of the scale."""
        if self.reverse:
            return min(self.values) + max(self.values) - answer
        return answer


@dataclass(frozen=True)
class Band:
    code: str
    minimum: int
    maximum: int
    label: Text
    meaning: Text


@dataclass(frozen=True)
class Subscale:
    code: str
    items: tuple[str, ...]
    label: Text


@dataclass(frozen=True)
class Flag:
    """A condition worth naming on its own, e.g. PHQ-9 item 9 answered at 1 or more.

    Exactly one of ``item`` (the raw answer), ``subscale`` (its score) or the total is tested.
    """

    code: str
    label: Text
    item: str = ""
    subscale: str = ""
    at_least: int | None = None
    at_most: int | None = None
    total_at_least: int | None = None
    is_crisis: bool = False


@dataclass(frozen=True)
class Section:
    code: str
    title: Text


@dataclass(frozen=True)
class InstrumentDefinition:
    code: str
    version: str
    effective_from: str
    slug: str
    name: Text
    short_name: Text
    description: Text
    period: Text
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    subscales: tuple[Subscale, ...]
    flags: tuple[Flag, ...]
    sections: tuple[Section, ...] = ()
    min_age: int | None = None
    is_self_check: bool = False
    position: int = 99
    is_provisional: bool = False
    provisional_note: Text = field(default_factory=lambda: Text("", ""))
    source: Mapping = field(default_factory=dict)
    raw: Mapping = field(default_factory=dict, compare=False, repr=False)

    @property
    def minimum(self) -> int:
        return sum(min(item.values) for item in self.items)

    @property
    def maximum(self) -> int:
        return sum(max(item.values) for item in self.items)

    @property
    def has_crisis_items(self) -> bool:
        return any(item.crisis_at_least is not None for item in self.items)

    @property
    def unverified_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.wording_status in ("unverified", "topic_only"))

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def band(self, code: str) -> Band | None:
        return next((band for band in self.bands if band.code == code), None)

    @classmethod
    def from_dict(cls, data: Mapping) -> InstrumentDefinition:
        """Parse and check one definition file. Raises InstrumentDefinitionError."""
        try:
            return cls._parse(data)
        except (KeyError, TypeError, ValueError) as error:
            raise InstrumentDefinitionError(f"{data.get('code', '?')} {data.get('version', '?')}: {error!r}") from error

    @classmethod
    def _parse(cls, data: Mapping) -> InstrumentDefinition:
        default_options = tuple(Option(int(o["value"]), Text.from_dict(o["label"])) for o in data.get("options", ()))
        items = []
        for raw_item in data["items"]:
            options = (
                tuple(Option(int(o["value"]), Text.from_dict(o["label"])) for o in raw_item.get("options", ())) or default_options
            )
            status = raw_item.get("wording_status", "official")
            if status not in WORDING_STATUSES:
                raise ValueError(f"item {raw_item['code']}: wording_status {status!r}")
            if not options:
                raise ValueError(f"item {raw_item['code']} has no options")
            crisis = raw_item.get("crisis_at_least")
            items.append(
                Item(
                    code=str(raw_item["code"]),
                    text=Text.from_dict(raw_item["text"]),
                    options=options,
                    reverse=bool(raw_item.get("reverse", False)),
                    required=bool(raw_item.get("required", True)),
                    wording_status=status,
                    section=str(raw_item.get("section", "")),
                    crisis_at_least=None if crisis is None else int(crisis),
                )
            )
        codes = [item.code for item in items]
        if len(set(codes)) != len(codes):
            raise ValueError("item codes repeat")
        scoring = data["scoring"]
        if scoring.get("method", "sum") != "sum":
            raise ValueError(f"scoring method {scoring.get('method')!r}")
        subscales = tuple(
            Subscale(str(s["code"]), tuple(str(code) for code in s["items"]), Text.from_dict(s.get("label")))
            for s in scoring.get("subscales", ())
        )
        for subscale in subscales:
            if set(subscale.items) - set(codes):
                raise ValueError(f"subscale {subscale.code} names unknown items")
        bands = tuple(
            Band(str(b["code"]), int(b["min"]), int(b["max"]), Text.from_dict(b.get("label")), Text.from_dict(b.get("meaning")))
            for b in scoring["bands"]
        )
        flags = tuple(
            Flag(
                code=str(f["code"]),
                label=Text.from_dict(f.get("label")),
                item=str(f.get("item", "")),
                subscale=str(f.get("subscale", "")),
                at_least=f.get("at_least"),
                at_most=f.get("at_most"),
                total_at_least=f.get("total_at_least"),
                is_crisis=bool(f.get("is_crisis", False)),
            )
            for f in scoring.get("flags", ())
        )
        for flag in flags:
            if flag.item and flag.item not in codes:
                raise ValueError(f"flag {flag.code} names unknown item {flag.item}")
            if flag.subscale and flag.subscale not in {s.code for s in subscales}:
                raise ValueError(f"flag {flag.code} names unknown subscale {flag.subscale}")
        audience = data.get("audience", {})
        definition = cls(
            code=str(data["code"]),
            version=str(data["version"]),
            effective_from=str(data["effective_from"]),
            slug=str(data.get("slug", str(data["code"]).lower())),
            name=Text.from_dict(data["name"]),
            short_name=Text.from_dict(data.get("short_name", data["name"])),
            description=Text.from_dict(data.get("description")),
            period=Text.from_dict(data.get("period")),
            items=tuple(items),
            bands=bands,
            subscales=subscales,
            flags=flags,
            sections=tuple(Section(str(s["code"]), Text.from_dict(s["title"])) for s in data.get("sections", ())),
            min_age=audience.get("min_age"),
            is_self_check=bool(audience.get("self_check", False)),
            position=int(audience.get("position", 99)),
            is_provisional=bool(data.get("is_provisional", False)),
            provisional_note=Text.from_dict(data.get("provisional_note")),
            source=dict(data.get("source", {})),
            raw=data,
        )
        _check_bands(definition)
        return definition


def _check_bands(definition: InstrumentDefinition) -> None:
    """Bands must cover every possible total exactly once, so no total is left without a meaning."""
    ordered = sorted(definition.bands, key=lambda band: band.minimum)
    if not ordered:
        raise ValueError("no bands")
    if ordered[0].minimum != definition.minimum or ordered[-1].maximum != definition.maximum:
        raise ValueError(
            f"bands cover {ordered[0].minimum}-{ordered[-1].maximum}, totals run {definition.minimum}-{definition.maximum}"
        )
    for lower, upper in pairwise(ordered):
        if upper.minimum != lower.maximum + 1:
            raise ValueError(f"bands {lower.code} and {upper.code} leave a gap or overlap")


@dataclass(frozen=True)
class Score:
    instrument_code: str
    instrument_version: str
    answers: Mapping[str, int]
    item_scores: Mapping[str, int]
    total: int
    band: Band
    subscores: Mapping[str, int]
    flags: tuple[str, ...]
    crisis_flags: tuple[str, ...]

    @property
    def is_crisis(self) -> bool:
        return bool(self.crisis_flags)


def _as_answer(value) -> int | str | None:
    """An int answer, None when empty, or the marker "bad" for anything else (text, floats, booleans)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "bad"
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return "bad"


def _valid_answers(definition: InstrumentDefinition, answers: Mapping) -> dict[str, int]:
    """The answers that are one of their item's options; everything else (empty, unknown, bad) left out."""
    cleaned = {str(code): _as_answer(value) for code, value in answers.items()}
    valid = {}
    for item in definition.items:
        value = cleaned.get(item.code)
        if value is not None and value != "bad" and value in item.values:
            valid[item.code] = value
    return valid


def crisis_answers(definition: InstrumentDefinition, answers: Mapping[str, int | None]) -> tuple[str, ...]:
    """The crisis flags raised by single answers, judged on every valid answer even when others are missing.

    A crisis answer (an item's ``crisis_at_least``, or an ``is_crisis`` flag on one item, such
    as PHQ-9 item 9 at 1 or more) overrides everything, so it must be seen even when the
    screening as a whole cannot be scored. Crisis flags on a total or a subscale need every
    answer and are only judged by ``score``.
    """
    given = _valid_answers(definition, answers)
    found: list[str] = []
    for flag in definition.flags:
        if flag.is_crisis and flag.item and flag.total_at_least is None and flag.item in given:
            if _flag_applies(flag, given, {}, 0):
                found.append(flag.code)
    for item in definition.items:
        if item.crisis_at_least is not None and given.get(item.code, -1) >= item.crisis_at_least:
            code = f"{definition.code}_ITEM{item.code}"
            if code not in found:
                found.append(code)
    return tuple(found)


def _refuse(error: ScreeningRefused, definition: InstrumentDefinition, answers: Mapping) -> ScreeningRefused:
    error.crisis_flags = crisis_answers(definition, answers)
    return error


def score(definition: InstrumentDefinition, answers: Mapping[str, int | None]) -> Score:
    """Score one set of answers against one instrument version.

    Every required item must be answered with one of its option values. Reverse-keyed
    items count from the other end of the scale. Raises UnknownItems, MissingAnswers
    (naming every empty required item) or AnswerOutOfRange; nothing is ever scored as 0
    in place of a missing answer. A refusal carries in ``crisis_flags`` any crisis answer
    among the valid answers (see ``crisis_answers``), so that it is never lost.
    """
    known = {item.code for item in definition.items}
    unknown = sorted((str(code) for code in answers if str(code) not in known), key=_item_order)
    if unknown:
        raise _refuse(UnknownItems(unknown), definition, answers)
    cleaned = {str(code): _as_answer(value) for code, value in answers.items()}
    missing = [item.code for item in definition.items if item.required and cleaned.get(item.code) is None]
    if missing:
        raise _refuse(MissingAnswers(missing), definition, answers)
    out_of_range = [
        item.code
        for item in definition.items
        if cleaned.get(item.code) is not None and (cleaned[item.code] == "bad" or cleaned[item.code] not in item.values)
    ]
    if out_of_range:
        raise _refuse(AnswerOutOfRange(out_of_range), definition, answers)

    given = {code: value for code, value in cleaned.items() if value is not None}
    item_scores = {item.code: item.scored(given[item.code]) for item in definition.items if item.code in given}
    total = sum(item_scores.values())
    band = next(band for band in definition.bands if band.minimum <= total <= band.maximum)
    subscores = {sub.code: sum(item_scores.get(code, 0) for code in sub.items) for sub in definition.subscales}

    flags, crisis_flags = [], []
    for flag in definition.flags:
        if _flag_applies(flag, given, subscores, total):
            flags.append(flag.code)
            if flag.is_crisis:
                crisis_flags.append(flag.code)
    for item in definition.items:
        if item.crisis_at_least is not None and given.get(item.code, -1) >= item.crisis_at_least:
            code = f"{definition.code}_ITEM{item.code}"
            if code not in crisis_flags:
                crisis_flags.append(code)
                if code not in flags:
                    flags.append(code)
    return Score(
        instrument_code=definition.code,
        instrument_version=definition.version,
        answers=given,
        item_scores=item_scores,
        total=total,
        band=band,
        subscores=subscores,
        flags=tuple(flags),
        crisis_flags=tuple(crisis_flags),
    )


def _flag_applies(flag: Flag, answers: Mapping[str, int], subscores: Mapping[str, int], total: int) -> bool:
    if flag.total_at_least is not None:
        return total >= flag.total_at_least
    if flag.item:
        value = answers.get(flag.item)
    elif flag.subscale:
        value = subscores.get(flag.subscale)
    else:
        value = total
    if value is None:
        return False
    if flag.at_least is not None and value < flag.at_least:
        return False
    return not (flag.at_most is not None and value > flag.at_most)


def _item_order(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (10**6, code)
