"""The linkage engine: findings, pair risk, hubs, clusters and taint over Profile objects (pure)."""

from __future__ import annotations

import gc
import heapq
import re
import time
from collections import Counter, deque
from itertools import chain
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter, itemgetter
from types import MappingProxyType
from typing import Callable, Iterable, Mapping, NamedTuple, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from rapidfuzz.utils import default_process

from ..errors import UsageError
from ..models import Attribute, Explanation, Level, Profile
from ..registry.facets import AROUND_FACETS, BLOCKING_PREFIX, NETWORK_FACETS
from .rules import Combine, Rules

EXACT, NORMALISED, NETWORK, FUZZY = "exact", "normalised", "network", "fuzzy"
TAINT_STATUSES = ("suspended", "closed")

Mask = Callable[[str, str], str]

# Evidence weights for the score (noisy-OR within the pair's level band); context weighs nothing.
_WEIGHT = {Level.CRITICAL: 0.9, Level.HIGH: 0.6, Level.MEDIUM: 0.3, Level.LOW: 0.1}
_MATCH_ORDER = {EXACT: 0, NORMALISED: 1, NETWORK: 2, FUZZY: 3}
_DIGITS = re.compile(r"\d+")


def kinds_mask(kind: str, normalized: str) -> str:
    """The kind registry's mask; imported late so the engine loads without it."""
    from ..registry import kinds

    return kinds.mask(kind, normalized)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Finding:
    """One value two accounts share, explaining itself.

    `values` holds each account's masked value, `raw` the normalised values (for --reveal
    only), `seen` each account's (first_seen, last_seen). `score` is the fuzzy similarity
    (0-100) for match "fuzzy", else None. A `context` finding (logistics, category) is shown
    on a pair linked by something else and never links accounts by itself.
    """

    kind: str
    facet: str
    match: str
    score: float | None
    level: Level
    values: Mapping[str, str]
    raw: Mapping[str, str]
    seen: Mapping[str, tuple[int, int]]
    reason: str
    reason_zh: str = ""
    family: str = ""
    context: bool = False
    explanation: str | None = None


@dataclass(frozen=True)
class PairRisk:
    """Two accounts, how strongly they are linked, and every finding, strongest first."""

    accounts: tuple[str, str]
    level: Level
    score: float
    findings: tuple[Finding, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        """The facets that link the pair (context excluded), strongest first."""
        return _unique(f.facet for f in self.findings if not f.context)


@dataclass(frozen=True)
class Link:
    """One step of a chain: `a` and `b` share `kinds` (facets) at `level`."""

    a: str
    b: str
    kinds: tuple[str, ...]
    level: Level


@dataclass(frozen=True)
class Cluster:
    """Accounts connected by links at or above the link level.

    `chain` is a spanning tree of the strongest links (Kruskal), so `level` -- its weakest
    link -- is the level at which every account in the cluster reaches every other.
    """

    accounts: tuple[str, ...]
    level: Level
    chain: tuple[Link, ...]


@dataclass(frozen=True)
class AtRisk:
    """An account linked, directly or through a chain, to a suspended or closed account."""

    account: str
    because_of: str
    chain: tuple[Link, ...]  # from `because_of` to `account`, shortest


@dataclass(frozen=True)
class Hub:
    """A value shared by more accounts than the hub size: reported once, not as n^2 pairs.

    Its members still join one cluster (when its level reaches the link level) and carry
    taint, and it is shown as a finding on member pairs linked by something else.
    """

    kind: str
    facet: str
    level: Level
    accounts: tuple[str, ...]
    value: str  # masked (a network or domain is shown as such: 203.0.113.0/24)
    raw: str  # the normalised value, for --reveal only
    reason: str
    reason_zh: str = ""


@dataclass(frozen=True)
class Audit:
    """Everything `audit` found: pairs strongest first, clusters, hubs and accounts at risk."""

    pairs: tuple[PairRisk, ...]
    clusters: tuple[Cluster, ...]
    at_risk: tuple[AtRisk, ...]
    hubs: tuple[Hub, ...] = ()
    pairs_omitted: int = 0  # weaker pairs beyond max_pairs: counted, not built
    pair_counts: Mapping[Level, int] = field(default_factory=dict)  # every pair, by level

    def counts_by_level(self) -> dict[str, int]:
        """Pairs per level label, including any omitted by max_pairs."""
        counts = self.pair_counts or Counter(p.level for p in self.pairs)
        return {level.label: counts.get(level, 0) for level in sorted(Level, reverse=True)}

    @property
    def level(self) -> Level | None:
        """The strongest level found (pairs and hubs), None when nothing links."""
        levels = [p.level for p in self.pairs] + [h.level for h in self.hubs]
        return max(levels) if levels else None


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
# Fuzzy comparison


def fuzzy_text(normalized: str) -> str:
    """The form fuzzy comparison works on: lower case, punctuation as spaces, words sorted.

    Sorting the words once here lets the audit score with plain `fuzz.ratio`, which on sorted
    texts is exactly token_sort_ratio without re-sorting both sides at every comparison.
    """
    return " ".join(sorted(default_process(normalized).split()))


def fuzzy_match(a: str, b: str, threshold: float) -> float | None:
    """Similarity (0-100) of two fuzzy texts if they name the same thing, else None.

    Both tests are required:
    - rapidfuzz token_sort_ratio >= threshold (word order does not matter);
    - same_but_typos: equal numbers, and differing words differ only by typos.
    """
    if not a or not b:
        return None
    score = fuzz.token_sort_ratio(a, b, processor=None, score_cutoff=threshold)
    if not score or not same_but_typos(a, b):
        return None
    return round(float(score), 1)


def same_but_typos(a: str, b: str) -> bool:
    """Whether two fuzzy texts differ only as typos of one value do.

    - The numbers are the same: "Room 1203" and "Room 1204" are different rooms, and
      "Acme Trading 2" is not "Acme Trading 3".
    - The words that differ differ by at most one edit each (insert, delete, replace, swap
      two neighbours): "Acme" vs "Acne" passes, "Acme" vs "Apex" does not -- however long the
      shared rest of the name ("Shenzhen ... Trading") that lifts the overall similarity.
    """
    if a == b:
        return True
    if sorted(_DIGITS.findall(a)) != sorted(_DIGITS.findall(b)):
        return False
    words_a, words_b = a.split(), b.split()
    set_a, set_b = set(words_a), set(words_b)
    only_a = sorted(w for w in words_a if w not in set_b)
    only_b = sorted(w for w in words_b if w not in set_a)
    budget = max(len(only_a), len(only_b))
    if not budget:
        return True
    return OSA.distance(" ".join(only_a), " ".join(only_b), score_cutoff=budget) <= budget


# Words an address may add or leave out without naming another place.
_ADDRESS_FILLER = frozenset(
    "district province city county town township prefecture region state country area zone "
    "china prc usa us uk guangdong zhejiang jiangsu fujian".split()
)
# Words that make an address more specific: an extra "building b" is another place.
_ADDRESS_UNITS = frozenset("building block tower unit room suite apartment flat house lot gate".split())
_MIN_POSTCODE_DIGITS = 5


def same_place(a: str, b: str) -> float | None:
    """Similarity 100 when two addresses are one place written more or less completely, else None.

    "Room 1203 88 Keyuan Road Nanshan Shenzhen 518057" is the same place as "... Nanshan
    District Shenzhen Guangdong": leaving out administrative words (district, province) and
    postcodes, every word and number of one appears in the other, which adds at most a floor.
    The shorter one must still name a place (a number and two words that are not filler);
    an extra unit (a building, a room) makes a different, more specific place; two different
    postcodes are two places. Typo-level differences are left to `fuzzy_match`.
    """
    if a == b:
        return 100.0
    codes_a, core_a = _place_words(a)
    codes_b, core_b = _place_words(b)
    if codes_a and codes_b and codes_a != codes_b:
        return None
    if len(core_a) > len(core_b):
        core_a, core_b = core_b, core_a
    if not core_a <= core_b:
        return None
    numbers = [w for w in core_a if w.isdigit()]
    if not numbers or len(core_a) - len(numbers) < 2:
        return None
    extra = core_b - core_a
    if extra & _ADDRESS_UNITS:
        return None
    # Fuzzy texts have their words sorted, so "floor 12" cannot be read by position: one extra
    # number is allowed only together with an extra "floor".
    extra_numbers = [w for w in extra if w.isdigit()]
    if extra_numbers and (len(extra_numbers) > 1 or "floor" not in extra):
        return None
    return 100.0


@lru_cache(maxsize=1 << 17)
def _place_words(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """An address's postcodes, and its other words less the administrative ones. Cached: an
    audit compares each address with many others in its blocks."""
    words = text.split()
    codes = frozenset(w for w in words if w.isdigit() and len(w) >= _MIN_POSTCODE_DIGITS)
    return codes, frozenset(w for w in words if w not in _ADDRESS_FILLER and w not in codes)


def fuzzy_similarity(facet: str, a: str, b: str, threshold: float) -> float | None:
    """The fuzzy comparison of one facet: typo-level similarity, and for addresses also
    one address written more or less completely (`same_place`)."""
    similarity = fuzzy_match(a, b, threshold)
    if similarity is None and facet == "address":
        similarity = same_place(a, b)
    return similarity


# ---------------------------------------------------------------------------------------------
# Pair resolution, shared by audit and compare

# One piece of evidence: (rule, attribute of the first account, attribute of the second,
# fuzzy similarity or None). `rule` is a rules.FacetRule or rules.FuzzyRule.


def _strongest_per_value_pair(evidence: list) -> list:
    """Keep one finding per pair of attributes: sharing an IP also shares its /24, and an
    email its domain; the weaker facet of the same two values adds nothing."""
    if len(evidence) == 1:
        return evidence
    best: dict[tuple[int, int], tuple] = {}
    for item in evidence:
        slot = (id(item[1]), id(item[2]))
        held = best.get(slot)
        if held is None or _strength(item) > _strength(held):
            best[slot] = item
    return list(best.values())


def _strength(item) -> tuple:
    rule = item[0]
    return (not rule.context, rule.level, not rule.fuzzy)


def _resolve(evidence: list, combine: Combine) -> tuple[Level, float, list] | None:
    if len(evidence) == 1:
        # The common case, kept cheap: one shared value.
        rule, _a, _b, similarity = evidence[0]
        if rule.context:
            return None
        return rule.level, pair_score(rule.level, ((rule.level, False, similarity),)), evidence
    kept = _strongest_per_value_pair(evidence)
    level = combine_level(((e[0].level, e[0].family, e[0].context) for e in kept), combine)
    if level is None:
        return None
    score = pair_score(level, ((e[0].level, e[0].context, e[3]) for e in kept))
    return level, score, kept


class _Materialiser:
    """Turns evidence into Finding objects, masking each value once."""

    def __init__(self, mask: Mask, explanations: Iterable[Explanation]):
        self._mask = mask
        self._masked: dict[int, str] = {}
        self._explained: dict[tuple[str, str, str], str] = {}
        for e in explanations:
            a, b = sorted(e.accounts)
            self._explained[(a, b, e.kind)] = e.note

    def masked(self, attr: Attribute) -> str:
        held = self._masked.get(id(attr))
        if held is None:
            held = self._masked[id(attr)] = self._mask(attr.kind, attr.normalized)
        return held

    def finding(self, rule, name_a: str, attr_a: Attribute, name_b: str, attr_b: Attribute,
                similarity: float | None) -> Finding:
        if rule.fuzzy:
            match = FUZZY
        elif rule.facet in NETWORK_FACETS:
            match = NETWORK
        elif attr_a.value == attr_b.value:
            match = EXACT
        else:
            match = NORMALISED
        note = None
        if self._explained:
            first, second = (name_a, name_b) if name_a < name_b else (name_b, name_a)
            note = self._explained.get((first, second, attr_a.kind)) or self._explained.get(
                (first, second, rule.facet)
            )
        masked = self._masked
        mask_a = masked.get(id(attr_a)) or self.masked(attr_a)
        mask_b = masked.get(id(attr_b)) or self.masked(attr_b)
        return Finding(
            attr_a.kind,
            rule.facet,
            match,
            similarity,
            rule.level,
            {name_a: mask_a, name_b: mask_b},
            {name_a: attr_a.normalized, name_b: attr_b.normalized},
            {name_a: (attr_a.first_seen, attr_a.last_seen), name_b: (attr_b.first_seen, attr_b.last_seen)},
            rule.reason,
            rule.reason_zh,
            rule.family,
            rule.context,
            note,
        )

    def pair(self, name_a: str, name_b: str, level: Level, score: float, kept: list) -> PairRisk:
        findings = [self.finding(rule, name_a, a, name_b, b, sim) for rule, a, b, sim in kept]
        if len(findings) > 1:
            findings.sort(key=_finding_order)
        accounts = (name_a, name_b) if name_a < name_b else (name_b, name_a)
        return PairRisk(accounts, level, score, tuple(findings))


def _finding_order(f: Finding) -> tuple:
    return (f.context, -f.level, _MATCH_ORDER[f.match], -(f.score or 100.0), f.facet, f.kind)


def _pair_order(p: PairRisk) -> tuple:
    return (-p.level, -p.score, p.accounts)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _facet_of(key: str) -> str:
    return key[: key.find(":")] if ":" in key else key


# ---------------------------------------------------------------------------------------------
# audit


@contextmanager
def _without_cyclic_gc():
    """Pause the cyclic garbage collector. An audit allocates millions of small acyclic
    objects, and each collection would rescan the profiles' millions of attribute tuples for
    nothing (measured: ~40% of an audit of 100,000 profiles). Reference counting still frees
    everything; the collector's previous state is restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def audit(
    profiles: Sequence[Profile],
    rules: Rules,
    *,
    min_level: Level = Level.LOW,
    link_level: Level = Level.HIGH,
    account: str | None = None,
    explanations: Iterable[Explanation] = (),
    max_pairs: int | None = None,
    mask: Mask | None = None,
    fuzzy_matches: Iterable[tuple[int, int, int, int, float, str]] | None = None,
) -> Audit:
    """Every linked pair, hub, cluster and tainted account among `profiles`.

    Pairs come from grouping attributes by match key (never from comparing all pairs), then
    from fuzzy comparison inside blocking groups ("~facet:..." keys) of at most
    `fuzzy_block_cap` accounts. A key shared by more than `hub_size` accounts is a Hub:
    reported once, unioned into clusters without enumerating its pairs, and shown on member
    pairs linked by something else.

    Pairs below `min_level` are left out of `pairs` (they still link clusters when at or
    above `link_level`). `max_pairs` keeps only the strongest pairs; the rest are counted in
    `pairs_omitted` and `pair_counts` but not built. `account` keeps only what involves that
    account -- and then lists its pairs inside hubs too, which is linear.

    `fuzzy_matches`, when given, replaces the fuzzy comparison: (account, value, account,
    value, similarity, facet) positions in `profiles`, as `score_blocks` finds them, in the
    order it finds them (`Store.audit_input` scores them from the key index). The
    profiles' blocking keys are then ignored.
    """
    with _without_cyclic_gc():
        return _audit(list(profiles), rules, min_level, link_level, account, explanations,
                      max_pairs, mask or kinds_mask, fuzzy_matches)


class _HubGroup(NamedTuple):
    rule: object  # rules.FacetRule
    key: str
    members: dict[int, int]  # account index -> attribute ref


def _audit(profiles, rules, min_level, link_level, account, explanations, max_pairs, mask, fuzzy_matches) -> Audit:
    names = [p.name for p in profiles]
    target: int | None = None
    if account is not None:
        try:
            target = names.index(account)
        except ValueError:
            raise UsageError(f"no account named {account!r}") from None

    attr_of, owner, shared = _group_by_key(profiles)
    evidence, context, hubs, blocks = _exact_pairs(shared, attr_of, owner, rules)
    del shared
    if fuzzy_matches is None:
        matches = score_blocks(
            ((key[len(BLOCKING_PREFIX): key.find(":")], refs) for key, refs in blocks),
            lambda r: attr_of[r].normalized,
            lambda r: _own_exact_key(attr_of[r]),
            owner,
            rules,
        )
    else:
        matches = _given_matches(fuzzy_matches, profiles, attr_of)
    del blocks
    _add_fuzzy(matches, attr_of, owner, rules, evidence)

    # Pairs are what something other than context links; their context findings and the hubs
    # both accounts belong to are added as findings.
    hubs_of: dict[int, list[int]] = {}
    for h, hub in enumerate(hubs):
        for o in hub.members:
            hubs_of.setdefault(o, []).append(h)
    if target is not None:
        # The account's pairs inside hubs are listed too: linear in the hubs' sizes.
        for h in hubs_of.get(target, ()):
            if not hubs[h].rule.context:
                for o in hubs[h].members:
                    if o != target:
                        evidence.setdefault((min(o, target), max(o, target)), [])
    for pair, items in evidence.items():
        more = context.get(pair)
        if more:
            items.extend(more)
        a_hubs = hubs_of.get(pair[0])
        if a_hubs:
            b_hubs = hubs_of.get(pair[1])
            if b_hubs:
                for h in set(a_hubs).intersection(b_hubs):
                    members = hubs[h].members
                    items.append((hubs[h].rule, attr_of[members[pair[0]]], attr_of[members[pair[1]]], None))
    del context

    resolved = _resolve_all(evidence, rules.combine)  # (level, score, a, b, kept)
    del evidence

    # The pairs to report, strongest first; beyond max_pairs only counted.
    wanted = [r for r in resolved if r[0] >= min_level and (target is None or target in (r[2], r[3]))]
    pair_counts = Counter(r[0] for r in wanted)
    if max_pairs is not None and len(wanted) > max_pairs:
        wanted = heapq.nlargest(max_pairs, wanted, key=itemgetter(0, 1))
    materialiser = _Materialiser(mask, explanations)
    pairs = [materialiser.pair(names[a], names[b], level, score, kept) for level, score, a, b, kept in wanted]
    pairs.sort(key=attrgetter("accounts"))  # two stable sorts with C keys: names, then strength
    pairs.sort(key=attrgetter("level", "score"), reverse=True)

    reported_hubs = [
        _hub(hub, names, attr_of, materialiser)
        for hub in hubs
        if not hub.rule.context and hub.rule.level >= min_level and (target is None or target in hub.members)
    ]
    reported_hubs.sort(key=lambda h: (-h.level, -len(h.accounts), h.facet, h.accounts))

    # Links at or above the link level: clusters and taint.
    edges = [(level, score, a, b, _link_kinds(kept)) for level, score, a, b, kept in resolved if level >= link_level]
    hub_links = [
        (hub.rule.level, _single_score(hub.rule.level, None), hub.rule.facet, list(hub.members))
        for hub in hubs
        if not hub.rule.context and hub.rule.level >= link_level
    ]
    clusters = _clusters(names, edges, hub_links)
    at_risk = _taint(profiles, names, edges, hub_links)
    if target is not None:
        name = names[target]
        clusters = [c for c in clusters if name in c.accounts]
        at_risk = [r for r in at_risk if name == r.because_of or any(name in (l.a, l.b) for l in r.chain)]
    return Audit(
        tuple(pairs), tuple(clusters), tuple(at_risk), tuple(reported_hubs),
        pairs_omitted=sum(pair_counts.values()) - len(pairs),
        pair_counts=MappingProxyType(dict(pair_counts)),
    )


def _given_matches(given: Iterable[tuple[int, int, int, int, float, str]], profiles: list[Profile],
                   attr_of: list[Attribute]) -> list[FuzzyMatch]:
    """Matches given as (account, value, account, value, similarity, facet) positions in
    `profiles`, as refs into `attr_of`."""
    given = list(given)
    wanted = {id(profiles[p].attributes[v]) for a, va, b, vb, _s, _f in given for p, v in ((a, va), (b, vb))}
    ref_of = {id(attr): r for r, attr in enumerate(attr_of) if id(attr) in wanted}
    out = []
    for a, va, b, vb, similarity, facet in given:
        ra, rb = ref_of[id(profiles[a].attributes[va])], ref_of[id(profiles[b].attributes[vb])]
        out.append(FuzzyMatch(min(ra, rb), max(ra, rb), similarity, facet))
    return out


def _group_by_key(profiles: list[Profile]) -> tuple[list[Attribute], list[int], dict[str, list[int]]]:
    """Attributes with keys (`attr_of`, indexed by ref), their accounts (`owner`), and every
    key held by two or more attributes -> their refs. `first` maps a key to the first ref seen
    with it; only keys seen twice get a list, so millions of unique keys stay cheap."""
    attr_of = [a for p in profiles for a in p.attributes if a.keys]
    owner = [i for i, p in enumerate(profiles) for a in p.attributes if a.keys]
    # Count every key in C first (Counter over a flat iterator), then walk only the
    # attributes holding a key seen twice: most keys are unique, and a Python-level
    # dict operation per key was most of an audit's time at 100,000 accounts.
    counts = Counter(chain.from_iterable(a.keys for a in attr_of))
    repeated = {key for key, n in counts.items() if n > 1}
    del counts
    shared: dict[str, list[int]] = {}
    shared_get = shared.get
    isdisjoint = repeated.isdisjoint
    for ref, attr in enumerate(attr_of):
        keys = attr.keys
        if isdisjoint(keys):
            continue
        for key in keys:
            if key in repeated:
                group = shared_get(key)
                if group is None:
                    shared[key] = [ref]
                elif group[-1] != ref:
                    group.append(ref)
    # A key repeated inside one attribute is not shared.
    return attr_of, owner, {key: refs for key, refs in shared.items() if len(refs) > 1}


def _exact_pairs(shared: dict[str, list[int]], attr_of: list[Attribute], owner: list[int], rules: Rules):
    """Evidence per account pair from exact keys: `evidence` (what links) and `context`
    (logistics, category) kept apart; groups over the hub size become hubs; blocking groups
    are set aside for fuzzy comparison. Pairs are (lower index, higher index)."""
    evidence: dict[tuple[int, int], list] = {}
    context: dict[tuple[int, int], list] = {}
    hubs: list[_HubGroup] = []
    blocks: list[tuple[str, list[int]]] = []
    hub_size = rules.combine.hub_size
    rule_of: dict[str, object] = {}
    for key, refs in shared.items():
        if key.startswith(BLOCKING_PREFIX):
            blocks.append((key, refs))
            continue
        facet = _facet_of(key)
        rule = rule_of.get(facet)
        if rule is None:
            rule = rule_of[facet] = rules.facet(facet)
        if rule.level is None:
            continue
        members: dict[int, int] = {}
        for r in refs:
            members.setdefault(owner[r], r)
        if len(members) < 2:
            continue
        if len(members) > hub_size:
            hubs.append(_HubGroup(rule, key, members))
            continue
        target = context if rule.context else evidence
        items = list(members.items())
        for x in range(len(items) - 1):
            oa, ra = items[x]
            attr_a = attr_of[ra]
            for ob, rb in items[x + 1:]:
                slot = target.get((oa, ob))
                if slot is None:
                    target[(oa, ob)] = [(rule, attr_a, attr_of[rb], None)]
                else:
                    slot.append((rule, attr_a, attr_of[rb], None))
    return evidence, context, hubs, blocks


class FuzzyMatch(NamedTuple):
    """Two values (refs into the caller's value list, a < b, different owners) that a fuzzy
    comparison found to name the same thing."""

    a: int
    b: int
    similarity: float
    facet: str


def score_blocks(
    blocks: Iterable[tuple[str, list[int]]],
    text_of: Callable[[int], str],
    exact_of: Callable[[int], object],
    owner: Sequence[int],
    rules: Rules,
) -> list[FuzzyMatch]:
    """Fuzzy comparison inside blocking groups, given as (facet, refs in order). Pure.

    `text_of(ref)` is the value's normalised text, `exact_of(ref)` what identifies its exact
    key of the facet (values with equal ones already share an exact finding), `owner[ref]`
    its account. Each distinct text of a block is scored against the block's later texts by
    rapidfuzz in C; only hits above the threshold reach the Python guards. Identical texts
    are compared once (common names repeat). Groups of more than `fuzzy_block_cap` accounts
    are skipped. Matches come in the order found, each pair of refs once.

    The audit runs this over the blocking keys it grouped; `Store.audit_input` runs it
    over tags of the sealed key index, in a second process, with the same refs order.
    """
    matches: list[FuzzyMatch] = []
    compared: set[tuple[int, int]] = set()
    texts: dict[int, str] = {}
    block_cap = rules.combine.fuzzy_block_cap

    def consider(ra: int, rb: int, similarity: float, facet: str) -> None:
        if ra > rb:
            ra, rb = rb, ra
        if owner[ra] == owner[rb] or (ra, rb) in compared:
            return
        compared.add((ra, rb))
        matches.append(FuzzyMatch(ra, rb, similarity, facet))

    def fuzzy_text_of(r: int) -> str:
        text = texts.get(r)
        if text is None:
            text = texts[r] = fuzzy_text(text_of(r))
        return text

    for facet, refs in blocks:
        fuzzy_rule = rules.fuzzy.get(facet)
        threshold = fuzzy_rule.threshold if fuzzy_rule is not None else None
        if threshold is None:
            continue
        if len(refs) == 2:
            # Most blocks: two values, one comparison.
            ra, rb = refs
            if owner[ra] == owner[rb]:
                continue
            text_a, text_b = fuzzy_text_of(ra), fuzzy_text_of(rb)
            if not text_a or not text_b:
                continue
            if text_a == text_b:
                _consider_identical(refs, exact_of, lambda x, y: consider(x, y, 100.0, facet))
                continue
            similarity = fuzz.ratio(text_a, text_b, processor=None, score_cutoff=threshold)
            if similarity and same_but_typos(text_a, text_b):
                consider(ra, rb, round(float(similarity), 1), facet)
            elif facet == "address" and same_place(text_a, text_b):
                consider(ra, rb, 100.0, facet)
            continue
        if len(refs) > block_cap and len(set(map(owner.__getitem__, refs))) > block_cap:
            continue
        by_text: dict[str, list[int]] = {}
        for r in refs:
            text = fuzzy_text_of(r)
            if text:
                by_text.setdefault(text, []).append(r)
        for same in by_text.values():
            if len(same) > 1:
                _consider_identical(same, exact_of, lambda x, y: consider(x, y, 100.0, facet))
        distinct = list(by_text)
        for x in range(len(distinct) - 1):
            hits = process.extract(
                distinct[x], distinct[x + 1:], scorer=fuzz.ratio, processor=None,
                score_cutoff=threshold, limit=None,
            )
            matched = set()
            for other, similarity, _position in hits:
                if not same_but_typos(distinct[x], other):
                    continue
                matched.add(other)
                similarity = round(float(similarity), 1)
                for ra in by_text[distinct[x]]:
                    for rb in by_text[other]:
                        consider(ra, rb, similarity, facet)
            if facet == "address" and len(distinct) <= _CONTAINMENT_BLOCK_CAP:
                for other in distinct[x + 1:]:
                    if other not in matched and same_place(distinct[x], other):
                        for ra in by_text[distinct[x]]:
                            for rb in by_text[other]:
                                consider(ra, rb, 100.0, facet)
    return matches


def _add_fuzzy(matches: Iterable[FuzzyMatch], attr_of: list[Attribute], owner: list[int], rules: Rules,
               evidence: dict) -> None:
    """Fuzzy matches as evidence, except where the two values share the facet's exact key or
    the pair already has an exact finding of that facet (the exact one says it better)."""
    for ra, rb, similarity, facet in matches:
        attr_a, attr_b = attr_of[ra], attr_of[rb]
        if _share_facet_key(attr_a, attr_b, facet):
            continue
        pair = (owner[ra], owner[rb])
        slot = evidence.get(pair)
        if slot and any(e[0].facet == facet and not e[0].fuzzy for e in slot):
            continue
        item = (rules.fuzzy[facet], attr_a, attr_b, similarity)
        if slot is None:
            evidence[pair] = [item]
        else:
            slot.append(item)


def _own_exact_key(attr: Attribute) -> str | None:
    """A fuzzy-compared value's exact key of its own kind (blocking keys are "~kind:...")."""
    prefix = attr.kind + ":"
    return next((k for k in attr.keys if k.startswith(prefix)), None)


# Containment is checked pairwise in Python, so only in blocks of at most this many addresses.
_CONTAINMENT_BLOCK_CAP = 60


def _resolve_all(evidence: dict, combine: Combine) -> list[tuple[Level, float, int, int, list]]:
    resolved = []
    append = resolved.append
    for (a, b), items in evidence.items():
        if len(items) == 1:
            # The common case, kept cheap: one shared value (never context: see _exact_pairs).
            rule, _x, _y, similarity = items[0]
            append((rule.level, _single_score(rule.level, similarity), a, b, items))
            continue
        outcome = _resolve(items, combine)
        if outcome is not None:
            append((outcome[0], outcome[1], a, b, outcome[2]))
    return resolved


@lru_cache(maxsize=None)
def _single_score(level: Level, similarity: float | None) -> float:
    return pair_score(level, ((level, False, similarity),))


def _link_kinds(kept: list) -> tuple[str, ...]:
    if len(kept) == 1:
        return (kept[0][0].facet,)
    return _unique(e[0].facet for e in sorted(kept, key=_strength, reverse=True) if not e[0].context)


def _hub(hub: _HubGroup, names: list[str], attr_of: list[Attribute], materialiser: "_Materialiser") -> Hub:
    sample = attr_of[next(iter(hub.members.values()))]
    shared_value = hub.key.partition(":")[2]
    # A network or domain is what the members share (each has its own address in it), and
    # the masks show it anyway; any other hub value is one value, masked like a finding's.
    around = hub.rule.facet in AROUND_FACETS
    return Hub(
        kind=sample.kind,
        facet=hub.rule.facet,
        level=hub.rule.level,
        accounts=tuple(sorted(names[o] for o in hub.members)),
        value=shared_value if around else materialiser.masked(sample),
        raw=shared_value if around else sample.normalized,
        reason=hub.rule.reason,
        reason_zh=hub.rule.reason_zh,
    )


def _consider_identical(refs: list[int], exact_of: Callable[[int], object], consider) -> None:
    """Values whose texts are identical: most share the exact key (already an exact finding);
    only values whose exact keys differ (punctuation the kind kept) are a fuzzy 100."""
    by_key: dict[object, list[int]] = {}
    for r in refs:
        by_key.setdefault(exact_of(r), []).append(r)
    if len(by_key) < 2:
        return
    groups = list(by_key.values())
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            for ra in groups[i]:
                for rb in groups[j]:
                    consider(ra, rb)


def _share_facet_key(attr_a: Attribute, attr_b: Attribute, facet: str) -> bool:
    prefix = facet + ":"
    keys_b = attr_b.keys
    return any(k in keys_b for k in attr_a.keys if k.startswith(prefix))


class _Components:
    """Union-find over account indices (path halving, union by size)."""

    def __init__(self, size: int):
        self.parent = list(range(size))
        self.size = [1] * size

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True


def _clusters(names: list[str], edges: list, hub_links: list) -> list[Cluster]:
    """Connected components with a maximum spanning tree as chain (Kruskal, strongest first)."""
    candidates = list(edges)
    for level, score, facet, members in hub_links:
        # A hub joins its members as a star around its first-named member.
        members = sorted(members, key=names.__getitem__)
        centre = members[0]
        candidates.extend((level, score, centre, other, (facet,)) for other in members[1:])
    candidates.sort(key=itemgetter(0, 1), reverse=True)  # stable: ties keep input order
    components = _Components(len(names))
    chain_of: dict[int, list[Link]] = {}
    for level, _score, a, b, kinds in candidates:
        root_a, root_b = components.find(a), components.find(b)
        if root_a == root_b:
            continue
        # Merge the smaller chain into the larger: linear overall, even for one giant star.
        links_a, links_b = chain_of.pop(root_a, []), chain_of.pop(root_b, [])
        if len(links_a) < len(links_b):
            links_a, links_b = links_b, links_a
        links_a.extend(links_b)
        links_a.append(Link(names[a], names[b], kinds, level))
        components.union(a, b)
        chain_of[components.find(a)] = links_a
    clusters = []
    members: dict[int, list[str]] = {}
    for root in chain_of:
        members[root] = []
    for index, name in enumerate(names):
        root = components.find(index)
        if root in members:
            members[root].append(name)
    for root, links in chain_of.items():
        links.sort(key=lambda l: (-l.level, l.a, l.b))
        clusters.append(Cluster(tuple(sorted(members[root])), min(l.level for l in links), tuple(links)))
    clusters.sort(key=lambda c: (-c.level, -len(c.accounts), c.accounts))
    return clusters


def _taint(profiles: list[Profile], names: list[str], edges: list, hub_links: list) -> list[AtRisk]:
    """Breadth-first from every suspended or closed account: each reachable account is at risk,
    with the shortest chain from its nearest source. Hubs are expanded once each, so a value
    shared by thousands of accounts costs thousands of steps, not millions."""
    sources = sorted(
        (i for i, p in enumerate(profiles) if p.account.status in TAINT_STATUSES), key=names.__getitem__
    )
    if not sources:
        return []
    neighbours: dict[int, list[tuple[int, tuple[str, ...], Level]]] = {}
    for level, _score, a, b, kinds in edges:
        neighbours.setdefault(a, []).append((b, kinds, level))
        neighbours.setdefault(b, []).append((a, kinds, level))
    hubs_of: dict[int, list[int]] = {}
    for h, (_level, _score, _facet, members) in enumerate(hub_links):
        for m in members:
            hubs_of.setdefault(m, []).append(h)
    expanded: set[int] = set()
    came_from: dict[int, tuple[int, tuple[str, ...], Level] | None] = {s: None for s in sources}
    origin = {s: s for s in sources}
    queue = deque(sources)
    while queue:
        here = queue.popleft()
        steps = list(neighbours.get(here, ()))
        for h in hubs_of.get(here, ()):
            if h in expanded:
                continue
            expanded.add(h)
            level, _score, facet, members = hub_links[h]
            steps.extend((m, (facet,), level) for m in sorted(members, key=names.__getitem__))
        for there, kinds, level in steps:
            if there in came_from:
                continue
            came_from[there] = (here, kinds, level)
            origin[there] = origin[here]
            queue.append(there)
    at_risk = []
    for index, step in came_from.items():
        if step is None or profiles[index].account.status in TAINT_STATUSES:
            continue
        chain = []
        node = index
        while came_from[node] is not None:
            prev, kinds, level = came_from[node]
            chain.append(Link(names[prev], names[node], kinds, level))
            node = prev
        chain.reverse()
        at_risk.append(AtRisk(names[index], names[origin[index]], tuple(chain)))
    at_risk.sort(key=lambda r: (len(r.chain), r.account))
    return at_risk


# ---------------------------------------------------------------------------------------------
# compare


def compare(
    planned: Profile,
    candidates: Iterable[Profile],
    rules: Rules,
    *,
    min_level: Level = Level.LOW,
    explanations: Iterable[Explanation] = (),
    mask: Mask | None = None,
) -> list[PairRisk]:
    """One planned (or this machine's) profile against candidate profiles, strongest first.

    Exact keys and fuzzy comparison through shared blocking keys, with the same rules as
    audit. A candidate with the planned profile's own name is skipped.
    """
    exact: dict[str, list[Attribute]] = {}
    blocking: dict[str, list[Attribute]] = {}
    for attr in planned.attributes:
        for key in attr.keys:
            table = blocking if key.startswith(BLOCKING_PREFIX) else exact
            table.setdefault(key, []).append(attr)
    materialiser = _Materialiser(mask or kinds_mask, explanations)
    texts: dict[int, str] = {}

    def text(attr: Attribute) -> str:
        held = texts.get(id(attr))
        if held is None:
            held = texts[id(attr)] = fuzzy_text(attr.normalized)
        return held

    results = []
    for candidate in candidates:
        if candidate.name == planned.name:
            continue
        evidence = []
        fuzzy_pairs = []
        for attr in candidate.attributes:
            for key in attr.keys:
                if key.startswith(BLOCKING_PREFIX):
                    for mine in blocking.get(key, ()):
                        fuzzy_pairs.append((_facet_of(key[len(BLOCKING_PREFIX):]), mine, attr))
                    continue
                for mine in exact.get(key, ()):
                    rule = rules.facet(_facet_of(key))
                    if rule.level is not None:
                        evidence.append((rule, mine, attr, None))
        seen_pairs = set()
        for facet, mine, theirs in fuzzy_pairs:
            slot = (facet, id(mine), id(theirs))
            if slot in seen_pairs:
                continue
            seen_pairs.add(slot)
            fuzzy_rule = rules.fuzzy.get(facet)
            if fuzzy_rule is None or fuzzy_rule.threshold is None:
                continue
            if _share_facet_key(mine, theirs, facet):
                continue
            if any(e[0].facet == facet and not e[0].fuzzy for e in evidence):
                continue
            similarity = fuzzy_similarity(facet, text(mine), text(theirs), fuzzy_rule.threshold)
            if similarity is not None:
                evidence.append((fuzzy_rule, mine, theirs, similarity))
        if not evidence:
            continue
        outcome = _resolve(evidence, rules.combine)
        if outcome is None or outcome[0] < min_level:
            continue
        level, score, kept = outcome
        results.append(materialiser.pair(planned.name, candidate.name, level, score, kept))
    results.sort(key=_pair_order)
    return results


# ---------------------------------------------------------------------------------------------
# JSON


@lru_cache(maxsize=1 << 16)
def _iso(ts: int) -> str | None:
    # models.iso's format through time.gmtime, cached: an audit's JSON renders up to a
    # million timestamps, and many repeat (one capture stamps many attributes).
    if not ts:
        return None
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % time.gmtime(ts)[:6]


def _seen_json(seen: tuple[int, int]) -> dict:
    return {"first_seen": _iso(seen[0]), "last_seen": _iso(seen[1])}


def finding_to_json(finding: Finding, *, reveal: bool = False) -> dict:
    return {
        "kind": finding.kind,
        "facet": finding.facet,
        "match": finding.match,
        "score": finding.score,
        "level": finding.level.label,
        "context": finding.context,
        "values": dict(finding.raw if reveal else finding.values),
        "seen": {name: _seen_json(seen) for name, seen in finding.seen.items()},
        "reason": finding.reason,
        "reason_zh": finding.reason_zh,
        "explanation": finding.explanation,
    }


def pair_to_json(pair: PairRisk, *, reveal: bool = False) -> dict:
    return {
        "accounts": list(pair.accounts),
        "level": pair.level.label,
        "score": round(pair.score, 3),
        "findings": [finding_to_json(f, reveal=reveal) for f in pair.findings],
    }


def pairs_to_json(pairs: Iterable[PairRisk], *, reveal: bool = False) -> list[dict]:
    """Compare results (precheck, check) as JSON: a list in the audit's pair shape."""
    return [pair_to_json(p, reveal=reveal) for p in pairs]


def link_to_json(link: Link) -> dict:
    return {"from": link.a, "to": link.b, "kinds": list(link.kinds), "level": link.level.label}


def audit_to_json(result: Audit, *, reveal: bool = False) -> dict:
    """The audit as JSON. Other tools read this shape: keep its keys."""
    with _without_cyclic_gc():
        return _audit_json(result, reveal)


def _audit_json(result: Audit, reveal: bool) -> dict:
    return {
        "pairs": pairs_to_json(result.pairs, reveal=reveal),
        "clusters": [
            {
                "accounts": list(c.accounts),
                "level": c.level.label,
                "chain": [link_to_json(link) for link in c.chain],
            }
            for c in result.clusters
        ],
        "at_risk": [
            {
                "account": r.account,
                "because_of": r.because_of,
                "chain": [link_to_json(link) for link in r.chain],
            }
            for r in result.at_risk
        ],
        "hubs": [
            {
                "kind": h.kind,
                "facet": h.facet,
                "level": h.level.label,
                "value": h.raw if reveal else h.value,
                "count": len(h.accounts),
                "accounts": list(h.accounts),
                "reason": h.reason,
                "reason_zh": h.reason_zh,
            }
            for h in result.hubs
        ],
        "summary": {
            "pairs": result.counts_by_level(),
            "pairs_omitted": result.pairs_omitted,
            "clusters": len(result.clusters),
            "at_risk": len(result.at_risk),
            "hubs": len(result.hubs),
        },
    }
