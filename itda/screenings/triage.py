"""Triage: from a score to a level, recommended programmes and actions, by rules kept as data.

A rule set is one versioned JSON file in ``data/triage`` for one instrument::

    rules       first match decides the level (the last rule has an empty "when": the fallback)
    additions   applied in order after that: add programmes and actions, and may raise the level
    crisis      programmes and actions when any crisis answer was given

A crisis answer (PHQ-9 item 9 at 1 or more, or any item marked ``crisis_at_least``)
overrides every rule: the level is CRISIS and the actions always include
SHOW_CRISIS_LINES and OPEN_CRISIS_PATH, whatever the file says. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from itda.screenings.scoring import InstrumentDefinitionError, Score

LEVELS = ("NONE", "WATCH", "SUPPORT", "URGENT", "CRISIS")
CRISIS_ACTIONS = ("SHOW_CRISIS_LINES", "OPEN_CRISIS_PATH")
_CONDITIONS = {"bands", "flags_any", "total_at_least", "total_at_most", "age_at_least", "age_below", "level_at_least"}


def level_rank(level: str) -> int:
    return LEVELS.index(level)


@dataclass(frozen=True)
class Rule:
    when: Mapping
    level: str = ""
    raise_to: str = ""
    programs: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class TriageRules:
    code: str
    instrument: str
    version: str
    effective_from: str
    rules: tuple[Rule, ...]
    additions: tuple[Rule, ...]
    crisis_programs: tuple[str, ...]
    crisis_actions: tuple[str, ...]
    is_provisional: bool = False

    @property
    def program_slugs(self) -> set[str]:
        slugs = set(self.crisis_programs)
        for rule in (*self.rules, *self.additions):
            slugs.update(rule.programs)
        return slugs

    @classmethod
    def from_dict(cls, data: Mapping) -> TriageRules:
        """Parse and check one rule file. Raises InstrumentDefinitionError."""
        try:
            rules = tuple(_rule(raw) for raw in data["rules"])
            additions = tuple(_rule(raw) for raw in data.get("additions", ()))
            crisis = data.get("crisis", {})
            parsed = cls(
                code=str(data["code"]),
                instrument=str(data["instrument"]),
                version=str(data["version"]),
                effective_from=str(data["effective_from"]),
                rules=rules,
                additions=additions,
                crisis_programs=tuple(crisis.get("programs", ())),
                crisis_actions=tuple(crisis.get("actions", ())),
                is_provisional=bool(data.get("is_provisional", False)),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InstrumentDefinitionError(f"triage {data.get('code', '?')}: {error!r}") from error
        if not rules or rules[-1].when:
            raise InstrumentDefinitionError(f"triage {parsed.code}: the last rule must be the fallback with an empty 'when'")
        for rule in rules:
            if rule.level not in LEVELS or rule.level == "CRISIS":
                raise InstrumentDefinitionError(
                    f"triage {parsed.code}: level {rule.level!r} (CRISIS comes only from crisis answers)"
                )
        for rule in additions:
            if rule.raise_to and (rule.raise_to not in LEVELS or rule.raise_to == "CRISIS"):
                raise InstrumentDefinitionError(f"triage {parsed.code}: raise_to {rule.raise_to!r}")
        return parsed


def _rule(raw: Mapping) -> Rule:
    when = dict(raw.get("when", {}))
    unknown = set(when) - _CONDITIONS
    if unknown:
        raise ValueError(f"unknown conditions {sorted(unknown)}")
    return Rule(
        when=when,
        level=str(raw.get("level", "")),
        raise_to=str(raw.get("raise_to", "")),
        programs=tuple(raw.get("programs", ())),
        actions=tuple(raw.get("actions", ())),
    )


@dataclass(frozen=True)
class TriageDecision:
    level: str
    is_crisis: bool
    programs: tuple[str, ...]
    actions: tuple[str, ...]
    rules_code: str
    rules_version: str


def _matches(when: Mapping, score: Score, age: int | None, level: str) -> bool:
    if "bands" in when and score.band.code not in when["bands"]:
        return False
    if "flags_any" in when and not set(when["flags_any"]) & set(score.flags):
        return False
    if "total_at_least" in when and score.total < when["total_at_least"]:
        return False
    if "total_at_most" in when and score.total > when["total_at_most"]:
        return False
    if "age_at_least" in when and (age is None or age < when["age_at_least"]):
        return False
    if "age_below" in when and (age is None or age >= when["age_below"]):
        return False
    return not ("level_at_least" in when and level_rank(level) < level_rank(when["level_at_least"]))


def _extend(target: list[str], values) -> None:
    for value in values:
        if value not in target:
            target.append(value)


def decide(rules: TriageRules, score: Score, *, age: int | None = None) -> TriageDecision:
    """The level, programmes and actions for a score. A crisis answer overrides every rule.

    ``age`` (whole years, or None when unknown) lets rules add age-bound programmes such as
    visiting health care for people aged 65 or over; an unknown age never matches an age rule.
    """
    if rules.instrument != score.instrument_code:
        raise InstrumentDefinitionError(f"rules {rules.code} are for {rules.instrument}, not {score.instrument_code}")
    rule = next(rule for rule in rules.rules if _matches(rule.when, score, age, "NONE"))
    level = rule.level
    programs: list[str] = list(rule.programs)
    actions: list[str] = list(rule.actions)
    for addition in rules.additions:
        if _matches(addition.when, score, age, level):
            if addition.raise_to and level_rank(addition.raise_to) > level_rank(level):
                level = addition.raise_to
            _extend(programs, addition.programs)
            _extend(actions, addition.actions)
    if score.is_crisis:
        level = "CRISIS"
        programs = [*rules.crisis_programs, *(slug for slug in programs if slug not in rules.crisis_programs)]
        actions = [*CRISIS_ACTIONS, *(a for a in rules.crisis_actions if a not in CRISIS_ACTIONS)] + [
            a for a in actions if a not in CRISIS_ACTIONS and a not in rules.crisis_actions
        ]
    return TriageDecision(
        level=level,
        is_crisis=score.is_crisis,
        programs=tuple(programs),
        actions=tuple(actions),
        rules_code=rules.code,
        rules_version=rules.version,
    )
