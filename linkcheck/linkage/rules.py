"""The linkage rules: how strongly each shared facet links two accounts, and the user's overrides."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..i18n import N_, _
from ..errors import InvalidInput
from ..importers.safety import read_user_text
from ..models import Level, is_current
from ..registry.facets import CONTEXT, FACET_NAMES, LEVEL_WEIGHTS, level_of_weight
from ..registry.facets import FACETS as _FACETS

CRITICAL, HIGH, MEDIUM, LOW = Level.CRITICAL, Level.HIGH, Level.MEDIUM, Level.LOW

# Words usable as a facet's level in a rules file, beyond the four levels: CONTEXT (low, shown
# beside a pair linked by something else, never a link by itself) and OFF.
OFF = "off"  # ignored entirely

# Each facet's default level, family, reasons and fuzzy comparison are the registry's
# (registry.facets); this module turns them into rules and applies a user's rules file on top.
FACETS = FACET_NAMES
MIN_FUZZY_THRESHOLD = 50  # below this, unrelated names would match; refuse it


@dataclass(frozen=True)
class FacetRule:
    """How one shared facet counts. `level` None means the facet is switched off."""

    facet: str
    level: Level | None
    family: str
    reason: str
    reason_zh: str
    context: bool = False  # shown beside a pair linked by something else; never links alone
    fuzzy: bool = False
    # The match weight of sharing the value (registry.facets.LEVEL_WEIGHTS explains the scale);
    # `common`: adjusted down by how many accounts hold the value; `names`: by how common the
    # person's name is. A level set in a rules file fixes the weight at that level's and
    # switches both adjustments off; a weight set in [weights] keeps them.
    weight: float = 0.0
    common: bool = False
    names: bool = False
    # Set on a rule weighed for one shared value (evidence.weighed), to explain its weight:
    # the weight before adjustment, how many accounts hold the value, met through pinyin.
    base: float | None = None
    holders: int = 2
    pinyin: bool = False
    past_cap: float = 0.0  # bits taken off by [history] past (past_rule)

    @property
    def label(self) -> str:
        if self.level is None:
            return OFF
        return CONTEXT if self.context else self.level.label


@dataclass(frozen=True)
class FuzzyRule:
    """A fuzzy comparison of one facet: similarity needed (None = off) and the level it gives."""

    facet: str
    threshold: float | None
    level: Level
    family: str
    reason: str
    reason_zh: str
    context: bool = False
    fuzzy: bool = True
    weight: float = 0.0  # as FacetRule's, for a fuzzy match
    # The "near" comparison level (one digit apart: registry.facets.NEAR_WEIGHT), in Rules.near.
    near: bool = False
    common: bool = False
    names: bool = False
    base: float | None = None  # as FacetRule's
    holders: int = 2
    pinyin: bool = False
    past_cap: float = 0.0
    # Set on a near id weighed as a typo (evidence.typo_rule): "swap", "digit" or "checksum".
    typo: str = ""


@dataclass(frozen=True)
class Combine:
    """The scale guards. (A pair's level is its summed weight's: evidence.combine_level.)"""

    hub_size: int = 50  # a value shared by more accounts is reported once, as a hub
    fuzzy_block_cap: int = 200  # blocking groups larger than this are too generic to compare


@dataclass(frozen=True)
class Rules:
    """The effective rules: defaults, with a user's rules file applied on top."""

    facets: Mapping[str, FacetRule]
    fuzzy: Mapping[str, FuzzyRule]
    combine: Combine = field(default_factory=Combine)
    source: str | None = None  # the rules file these came from, None for the defaults
    health: Any = None  # health.HealthTargets from [health.*] tables; None: Amazon's targets everywhere
    # [history] past = LEVEL: the highest level a finding reaches once either account's use of
    # the value has ended (a retired router). None (the default): past findings keep their
    # level -- the marketplace does not forget.
    past: Level | None = None
    # The "near" comparison level of the facets that have one (ids, addresses): one digit
    # apart. Switched off with its facet ([levels] facet = "off"); weighed in [weights].
    near: Mapping[str, FuzzyRule] = field(default_factory=lambda: MappingProxyType({}))

    def facet(self, name: str) -> FacetRule:
        """The rule for a facet. A facet missing from the table (a kind added later) counts as
        medium rather than crashing an audit; FACETS lists what the table knows."""
        rule = self.facets.get(name)
        if rule is None:
            return FacetRule(name, MEDIUM, name, f"Shared {name}.", f"共用 {name}。", weight=LEVEL_WEIGHTS[MEDIUM])
        return rule

    def as_dict(self) -> dict[str, Any]:
        """The rules in the rules-file format (JSON-ready); loading it back gives the same rules."""
        return {
            "levels": {f: r.label for f, r in self.facets.items()},
            "fuzzy": {
                f: {"threshold": OFF if r.threshold is None else r.threshold, "level": r.level.label}
                for f, r in self.fuzzy.items()
            },
            "weights": {f: self._weights(f, r) for f, r in self.facets.items() if r.level is not None and not r.context},
            "combine": {
                "hub_size": self.combine.hub_size,
                "fuzzy_block_cap": self.combine.fuzzy_block_cap,
            },
        } | ({"health": self.health.as_dict()} if self.health is not None else {}) | (
            {"history": {"past": self.past.label}} if self.past is not None else {})


    def _weights(self, facet: str, rule: FacetRule) -> float | dict[str, float]:
        """A facet's weights in the rules-file form: a number, or {exact, fuzzy, near}."""
        levels = {"exact": rule.weight}
        if facet in self.fuzzy:
            levels["fuzzy"] = self.fuzzy[facet].weight
        if facet in self.near:
            levels["near"] = self.near[facet].weight
        return levels if len(levels) > 1 else rule.weight


def _default_rules() -> Rules:
    facets = {}
    for f in _FACETS.values():
        context = f.level == CONTEXT
        facets[f.name] = FacetRule(f.name, LOW if context else f.level, f.family, f.reason, f.reason_zh, context,  # type: ignore[arg-type]  # not CONTEXT: a Level
                                   weight=f.exact_weight, common=f.common, names=f.names)
    fuzzy = {
        f.name: FuzzyRule(f.name, f.fuzzy.threshold, f.fuzzy.level, f.family, f.fuzzy.reason, f.fuzzy.reason_zh,
                          weight=f.fuzzy_weight, common=f.common, names=f.names)  # type: ignore[arg-type]  # fuzzy: not None
        for f in _FACETS.values()
        if f.fuzzy is not None
    }
    near = {
        f.name: FuzzyRule(f.name, f.near.threshold, f.near.level, f.family, f.near.reason, f.near.reason_zh,
                          context=level_of_weight(f.near_weight) is None, weight=f.near_weight, common=f.common,  # type: ignore[arg-type]  # near: not None
                          near=True, names=f.names)
        for f in _FACETS.values()
        if f.near is not None
    }
    return Rules(MappingProxyType(facets), MappingProxyType(fuzzy), Combine(), near=MappingProxyType(near))


DEFAULT_RULES = _default_rules()

_TOP_KEYS = ("levels", "weights", "fuzzy", "combine", "health", "history")
# A weight in a rules file: a number of bits from 0 (never a link alone) to 40.
MAX_WEIGHT = 40.0
_COMBINE_MINIMUM = {"hub_size": 2, "fuzzy_block_cap": 2}
# The combination rule's parameters, before a pair's level came from its summed weight.
_RETIRED_COMBINE = ("critical_after_high", "high_after_medium")


def load_rules(path: str | Path | None) -> Rules:
    """The default rules, or the defaults with the rules file at `path` applied.

    The file is JSON or TOML (by suffix; otherwise sniffed), and every entry is checked:
    an unknown table, facet, level or parameter raises InvalidInput naming it.
    """
    if path is None:
        return DEFAULT_RULES
    path = Path(path)
    text = read_user_text(path, N_("rules file"))
    return parse_rules(text, name=path.name, toml=_is_toml(path, text))


def _is_toml(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".toml", ".json"):
        return suffix == ".toml"
    return not text.lstrip().startswith("{")


def parse_rules(text: str, *, name: str = "rules", toml: bool = False) -> Rules:
    """Rules from the text of a rules file (JSON, or TOML when `toml`), over the defaults."""
    try:
        data = tomllib.loads(text) if toml else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        kind = "TOML" if toml else "JSON"
        raise InvalidInput(_("rules file {name}: not valid {kind} ({exc})", name=name, kind=kind, exc=exc)) from None
    except RecursionError:
        raise InvalidInput(_("rules file {name}: not valid {value} (nested too deeply)", name=name, value='TOML' if toml else 'JSON')) from None
    return rules_from_dict(data, name=name)


def rules_from_dict(data: Any, *, name: str = "rules", base: Rules = DEFAULT_RULES) -> Rules:
    """Apply a parsed rules document to `base`, refusing anything it does not recognise."""

    def bad(where: str, problem: str) -> InvalidInput:
        return InvalidInput(_("rules file {name}: {where}: {problem}", name=name, where=where, problem=problem))

    if not isinstance(data, dict):
        raise bad("top level", "expected a table/object with levels, fuzzy and combine")
    for key in data:
        if key not in _TOP_KEYS:
            raise bad(key, f"unknown section; use {', '.join(_TOP_KEYS)}")

    facets = dict(base.facets)
    for facet, value in _section(data, "levels", bad).items():
        if facet not in facets:
            raise bad(f"levels.{facet}", f"unknown facet; known facets: {', '.join(facets)}")
        facets[facet] = _facet_rule(facets[facet], value, lambda p, facet=facet: bad(f"levels.{facet}", p))

    fuzzy = dict(base.fuzzy)
    for facet, value in _section(data, "fuzzy", bad).items():
        if facet not in fuzzy:
            raise bad(f"fuzzy.{facet}", f"not compared fuzzily; fuzzy facets: {', '.join(fuzzy)}")
        fuzzy[facet] = _fuzzy_rule(fuzzy[facet], value, lambda p, facet=facet: bad(f"fuzzy.{facet}", p))

    near = dict(base.near)
    # [weights] facet = 6.0 sets the weight of sharing the exact value; a table
    # {exact = 6.0, fuzzy = 3.0, near = 2.0} sets a facet's comparison levels (fuzzy for the
    # fuzzy facets, near for ids and addresses). Adjustments stay on.
    for facet, value in _section(data, "weights", bad).items():
        where = f"weights.{facet}"
        if facet not in facets:
            raise bad(where, f"unknown facet; known facets: {', '.join(facets)}")
        if facets[facet].level is None or facets[facet].context:
            raise bad(where, "the facet is off or context; give it a level in [levels] first")
        if not isinstance(value, dict):
            value = {"exact": value}
        known = ["exact"] + (["fuzzy"] if facet in fuzzy else []) + (["near"] if facet in near else [])
        for level_name, weight in value.items():
            if level_name not in known:
                raise bad(where, f"unknown comparison level {level_name!r}; use {', '.join(known)}")
            if not _is_number(weight) or not 0 <= weight <= MAX_WEIGHT or weight != weight:
                raise bad(where, f"expected a weight from 0 to {MAX_WEIGHT:g}, got {weight!r}")
            # The weight gives the facet's level: what an unadjusted finding reaches.
            level = level_of_weight(weight)
            if level_name == "exact":
                facets[facet] = replace(facets[facet], weight=float(weight), level=level or LOW, context=level is None)
            elif level_name == "near":
                near[facet] = replace(near[facet], weight=float(weight), level=level or LOW, context=level is None)
            else:
                fuzzy[facet] = replace(fuzzy[facet], weight=float(weight), level=level or LOW, context=level is None)

    combine = base.combine
    for key, value in _section(data, "combine", bad).items():
        if key in _RETIRED_COMBINE:
            raise bad(f"combine.{key}", "no longer used: a pair's level comes from its summed weight; "
                                        "remove it, and set [weights] to make a facet count more or less")
        if key not in _COMBINE_MINIMUM:
            raise bad(f"combine.{key}", f"unknown parameter; use {', '.join(_COMBINE_MINIMUM)}")
        if not _is_int(value) or value < _COMBINE_MINIMUM[key]:
            raise bad(f"combine.{key}", f"expected a whole number >= {_COMBINE_MINIMUM[key]}, got {value!r}")
        combine = replace(combine, **{key: value})

    past = base.past
    for key, value in _section(data, "history", bad).items():
        if key != "past":
            raise bad(f"history.{key}", "unknown setting; use past")
        parsed = _parse_level(value, bad=lambda p: bad("history.past", p))
        assert isinstance(parsed, Level)  # no words allowed: a Level
        past = parsed

    health = base.health
    if "health" in data:  # account-health targets per marketplace; the health module checks them
        from ..health import targets_from_rules

        health = targets_from_rules(data["health"], bad, base=health)
    # A facet switched off has no near level either.
    near = {f: rule for f, rule in near.items() if facets[f].level is not None}
    return Rules(MappingProxyType(facets), MappingProxyType(fuzzy), combine, source=name, health=health, past=past,
                 near=MappingProxyType(near))


def _section(data: dict, key: str, bad) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise bad(key, "expected a table/object of entries")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_level(value: Any, bad, *, words: tuple[str, ...] = ()) -> Level | str:
    choices = ", ".join([level.label for level in sorted(Level, reverse=True)] + list(words))
    if not isinstance(value, str):
        raise bad(_("expected one of {choices}, got {value!r}", choices=choices, value=value))
    word = value.strip().lower()
    if word in words:
        return word
    try:
        return Level.parse(word)
    except ValueError:
        raise bad(_("unknown level {value!r}; use one of: {levels}", value=value, levels=choices)) from None


def past_rule(rule, cap: Level | None, attr_a, attr_b):
    """`rule` for a finding on the values `attr_a` and `attr_b` under `[history] past = cap`:
    once either's use has ended, at most that level and that level's weight. Without a cap,
    while both are in use, and for context and weaker rules: `rule` itself."""
    if cap is None or rule.context or rule.level is None or rule.level <= cap:
        return rule
    if is_current(attr_a) and is_current(attr_b):
        return rule
    weight = min(rule.weight, LEVEL_WEIGHTS[cap])
    return replace(rule, level=cap, weight=weight, past_cap=round(rule.weight - weight, 1))


def _facet_rule(rule: FacetRule, value: Any, bad) -> FacetRule:
    level = _parse_level(value, bad, words=(CONTEXT, OFF))
    if level == rule.label or level == rule.level and not rule.context:
        return rule  # the level it has: its weight and adjustments stay (as_dict loads back)
    if level == OFF:
        return replace(rule, level=None, context=False, weight=0.0, common=False, names=False)
    if level == CONTEXT:
        return replace(rule, level=LOW, context=True, weight=0.0, common=False, names=False)
    # not OFF or CONTEXT: a Level
    return replace(rule, level=level, context=False, weight=LEVEL_WEIGHTS[level], common=False, names=False)  # type: ignore[arg-type, index]


def _fuzzy_rule(rule: FuzzyRule, value: Any, bad) -> FuzzyRule:
    # Shorthand: a number is the threshold, "off" switches the comparison off.
    if not isinstance(value, dict):
        value = {"threshold": value}
    for key in value:
        if key not in ("threshold", "level"):
            raise bad(f"unknown setting {key!r}; use threshold and level")
    if "threshold" in value:
        threshold = value["threshold"]
        if isinstance(threshold, str) and threshold.strip().lower() == OFF:
            rule = replace(rule, threshold=None)
        elif _is_number(threshold) and MIN_FUZZY_THRESHOLD <= threshold <= 100:
            rule = replace(rule, threshold=threshold)
        else:
            raise bad(
                f"threshold must be a similarity from {MIN_FUZZY_THRESHOLD} to 100 or \"off\", "
                f"got {threshold!r}"
            )
    if "level" in value:
        level = _parse_level(value["level"], bad)
        if level != rule.level:
            # no words allowed: a Level
            rule = replace(rule, level=level, weight=LEVEL_WEIGHTS[level], common=False, names=False)  # type: ignore[arg-type, index]
    return rule
