"""Evidence: one shared value between two accounts, and how pieces of evidence combine into a
pair's level and score (the combination rule)."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, NamedTuple

from ..models import Attribute, Level
from .rules import Combine

# How a finding matched: the same value, the same value written differently, the same network
# around two values, or a fuzzy comparison (with its similarity).
EXACT, NORMALISED, NETWORK, FUZZY = "exact", "normalised", "network", "fuzzy"

# Evidence weights for the score (noisy-OR within the pair's level band); context weighs nothing.
_WEIGHT = {Level.CRITICAL: 0.9, Level.HIGH: 0.6, Level.MEDIUM: 0.3, Level.LOW: 0.1}


class Evidence(NamedTuple):
    """One piece of evidence for a pair: the rule it counts under (a rules.FacetRule or
    rules.FuzzyRule), the first and the second account's attribute, and the fuzzy similarity
    (0-100; None for an exact key). A NamedTuple: an audit holds hundreds of thousands."""

    rule: object
    a: Attribute
    b: Attribute
    similarity: float | None


# ---------------------------------------------------------------------------------------------
# The combination rule


def combine_level(evidence: Iterable[tuple[Level, str, bool]], combine: Combine) -> Level | None:
    """A pair's level from its findings, given as (level, family, context) triples.

    1. The pair is at least as strong as its strongest finding. Context findings (logistics,
       category) never count: a pair with nothing else is no pair (None).
    2. High-or-stronger findings from `critical_after_high` (2) different families make it
       critical: e.g. the same company name (legal) and the same address (place).
    3. Medium-or-stronger findings from `high_after_medium` (3) different families make it
       at least high: e.g. same /24 network, same private email domain and same brand.
    4. Low findings never raise a level. Families group facets that are one piece of evidence
       (IP, /24 network, router and Wi-Fi are all "network"), so one fact seen through several
       facets never counts twice.
    """
    best: Level | None = None
    high_families: set[str] = set()
    medium_families: set[str] = set()
    for level, family, context in evidence:
        if context:
            continue
        if best is None or level > best:
            best = level
        if level >= Level.HIGH:
            high_families.add(family)
        if level >= Level.MEDIUM:
            medium_families.add(family)
    if best is None:
        return None
    if len(high_families) >= combine.critical_after_high:
        return Level.CRITICAL
    if len(medium_families) >= combine.high_after_medium and best < Level.HIGH:
        return Level.HIGH
    return best


def pair_score(level: Level, evidence: Iterable[tuple[Level, bool, float | None]]) -> float:
    """A score in 0..1 for ranking pairs, given the pair's level and (level, context, fuzzy
    similarity) per finding.

    Each level owns a quarter of the range (low 0-0.25 ... critical 0.75-1), so scores
    never contradict levels; within it, the noisy-OR of the findings' weights (critical 0.9,
    high 0.6, medium 0.3, low 0.1, scaled by similarity/100 for fuzzy ones, context 0) places
    the pair. Adding a finding never lowers the score.
    """
    miss = 1.0
    for f_level, context, similarity in evidence:
        if context:
            continue
        weight = _WEIGHT[f_level]
        if similarity is not None:
            weight *= similarity / 100.0
        miss *= 1.0 - weight
    floor = (int(level) - 1) / 4.0
    return floor + (1.0 - miss) / 4.0



# ---------------------------------------------------------------------------------------------
# Pair resolution, shared by audit and compare


def shares_facet_key(attr_a: Attribute, attr_b: Attribute, facet: str) -> bool:
    """Whether two attributes share an exact key of `facet`."""
    prefix = facet + ":"
    keys_b = attr_b.keys
    return any(k in keys_b for k in attr_a.keys if k.startswith(prefix))


def exact_beats_fuzzy(attr_a: Attribute, attr_b: Attribute, facet: str, held: Iterable[Evidence] | None) -> bool:
    """Exact beats fuzzy: a fuzzy match of `facet` adds nothing when the two values share the
    facet's exact key, or when the pair already holds an exact finding of that facet (`held`)."""
    if shares_facet_key(attr_a, attr_b, facet):
        return True
    return bool(held) and any(e.rule.facet == facet and not e.rule.fuzzy for e in held)


def _strongest_per_value_pair(evidence: list[Evidence]) -> list[Evidence]:
    """Keep one finding per pair of attributes: sharing an IP also shares its /24, and an
    email its domain; the weaker facet of the same two values adds nothing."""
    if len(evidence) == 1:
        return evidence
    best: dict[tuple[int, int], Evidence] = {}
    for item in evidence:
        slot = (id(item.a), id(item.b))
        held = best.get(slot)
        if held is None or _strength(item) > _strength(held):
            best[slot] = item
    return list(best.values())


def _strength(item: Evidence) -> tuple:
    rule = item.rule
    return (not rule.context, rule.level, not rule.fuzzy)


def _resolve(evidence: list, combine: Combine) -> tuple[Level, float, list] | None:
    if len(evidence) == 1:
        # The common case, kept cheap: one shared value.
        rule, _a, _b, similarity = evidence[0]
        if rule.context:
            return None
        return rule.level, pair_score(rule.level, ((rule.level, False, similarity),)), evidence
    kept = _strongest_per_value_pair(evidence)
    level = combine_level(((e.rule.level, e.rule.family, e.rule.context) for e in kept), combine)
    if level is None:
        return None
    score = pair_score(level, ((e.rule.level, e.rule.context, e.similarity) for e in kept))
    return level, score, kept



@lru_cache(maxsize=None)
def _single_score(level: Level, similarity: float | None) -> float:
    return pair_score(level, ((level, False, similarity),))
