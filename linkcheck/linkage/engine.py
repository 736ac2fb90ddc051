"""The linkage engine: findings, pair risk, hubs, clusters and taint over Profile objects (pure).

The audit groups attributes by match key (never comparing all pairs), compares fuzzy facets
inside blocking groups with each facet's comparison levels (comparisons), weighs the evidence
per pair (evidence), and builds clusters and taint (graph). `compare` does the same for one
planned profile against the accounts on file.
"""

from __future__ import annotations

import heapq
from collections import Counter
from functools import lru_cache
from itertools import chain, combinations
from operator import attrgetter, itemgetter
from types import MappingProxyType, ModuleType
from typing import Callable, Collection, Iterable, NamedTuple, Sequence

from ..i18n import _, language
from ..errors import UsageError
from ..models import Attribute, Explanation, Level, Profile, periods_of
from ..registry.facets import AROUND_FACETS, BLOCKING_PREFIX, NETWORK_FACETS
from .comparisons import (
    Comparison, address_parts, agree_in_parts, comparisons_for, fuzzy_match, fuzzy_text, fuzzy_texts, is_near,
    name_parts, names_agree_in_part, names_hopeless, parts_hopeless, same_but_typos, same_place, token_set_ratio,
)
from .evidence import (
    EXACT, FUZZY, NEAR, NETWORK, NORMALISED, PINYIN_MARK, Evidence, _resolve, alone_is_no_link, _single_score, _strength,
    both_checksummed, combine_level, across_scripts, exact_beats_fuzzy, lone_family_rule, name_part_weight, pair_score,
    pair_weight, weigh, weighed, weight_terms,
)
from . import sieve
from .byfacet import start_scoring
from .completion import complete_pairs
from .explained import Explained
from .graph import TAINT_STATUSES, _clusters, _taint
from .results import (
    AtRisk, Audit, Cluster, Finding, Hub, Link, PairRisk, _unique, _without_cyclic_gc, audit_summary, audit_to_json,
    finding_to_json, link_to_json, new_finding, new_pair, pair_to_json, pairs_to_json,
)
from .rules import FacetRule, Rules, past_rule

__all__ = [
    "EXACT", "FUZZY", "NEAR", "NETWORK", "NORMALISED", "TAINT_STATUSES", "AtRisk", "Audit", "Cluster", "Evidence", "Finding",
    "FuzzyMatch", "Hub", "Level", "Link", "PairRisk", "audit", "audit_summary", "audit_to_json", "combine_level", "compare",
    "finding_to_json", "fuzzy_match", "fuzzy_text", "kinds_mask", "link_to_json", "pair_score",
    "pair_to_json", "pairs_to_json", "quiet_hub", "same_but_typos", "same_place", "score_blocks",
]

Mask = Callable[[str, str, str], str]  # (kind, normalised value, value as written) -> shown
_MATCH_ORDER = {EXACT: 0, NORMALISED: 1, NETWORK: 2, FUZZY: 3, NEAR: 4}


def kinds_mask(kind: str, normalized: str, raw: str | None = None) -> str:
    """The kind registry's mask, the default `mask` of audit and compare (looked up at call time);
    `raw`, the value as written (a Chinese name is masked as written)."""
    global _kinds
    if _kinds is None:  # (the registry imported at the first mask, once: an import statement a value cost 1 µs)
        from ..registry import kinds

        _kinds = kinds
    return _kinds.mask(kind, normalized, raw)


_kinds: ModuleType | None = None


class _Materialiser:
    """Turns evidence into Finding objects, masking each value once."""

    def __init__(self, mask: Mask, explanations: Iterable[Explanation]):
        self._mask = mask
        self._masked: dict[int, str] = {}
        self._explained = Explained(explanations)
        self._chinese = language() == "zh"  # the note in the interface's language, where it was given in Chinese

    def note(self, explanation: Explanation | None) -> str | None:
        if explanation is None:
            return None
        return explanation.note_zh if self._chinese and explanation.note_zh else explanation.note

    def hub_explanation(self, kind: str, facet: str, key: str) -> Explanation | None:
        return self._explained.hub(kind, facet, key) if self._explained else None

    def masked(self, attr: Attribute) -> str:
        held = self._masked.get(id(attr))
        if held is None:
            held = self._masked[id(attr)] = self._mask(attr.kind, attr.normalized, attr.value)
        return held

    def mask_ahead(self, attrs: list[Attribute], done: Callable[[], bool], step: int = 500) -> None:
        """Mask `attrs` in order, `step` at a time, until `done()` or all are: while this process
        would otherwise wait (the fuzzy child's part). `masked` then finds them; a mask depends
        on nothing but the value, so one made early is the one it would make. A value whose mask
        fails (an unknown kind) is left for `masked`, which fails as before if it is shown."""
        masked, mask = self._masked, self._mask
        for start in range(0, len(attrs), step):
            if done():
                return
            for attr in attrs[start:start + step]:
                if id(attr) not in masked:
                    try:
                        masked[id(attr)] = mask(attr.kind, attr.normalized, attr.value)
                    except Exception:  # noqa: BLE001 - only if a finding shows it (`masked`)
                        pass

    def finding(self, rule, name_a: str, attr_a: Attribute, name_b: str, attr_b: Attribute,
                similarity: float | None) -> Finding:
        if rule.fuzzy:
            match = NEAR if rule.near else FUZZY
        elif rule.facet in NETWORK_FACETS:
            match = NETWORK
        elif attr_a.value == attr_b.value:
            match = EXACT
        else:
            match = NORMALISED
        explanation = self._explained.finding(name_a, attr_a, name_b, attr_b, rule.facet) if self._explained else None
        masked = self._masked
        mask_a = masked.get(id(attr_a)) or self.masked(attr_a)
        mask_b = masked.get(id(attr_b)) or self.masked(attr_b)
        return new_finding(  # (Finding(...) with every field, faster)
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
            self.note(explanation),
            rule.weight,
            {name_a: periods_of(attr_a), name_b: periods_of(attr_b)},
            {name_a: attr_a.flags, name_b: attr_b.flags},
            weight_terms(rule, attr_a.normalized, attr_b.normalized),
            explanation,
        )

    def pair(self, name_a: str, name_b: str, level: Level, score: float, kept: list) -> PairRisk:
        findings = [self.finding(e.rule, name_a, e.a, name_b, e.b, e.similarity) for e in kept]
        if len(findings) > 1:
            findings.sort(key=_finding_order)
        accounts = (name_a, name_b) if name_a < name_b else (name_b, name_a)
        weight = pair_weight((e.rule.weight, e.rule.family, e.rule.context) for e in kept)
        return new_pair(accounts, level, score, tuple(findings), weight)  # (PairRisk(...), faster)


def _finding_order(f: Finding) -> tuple:
    return (f.context, -f.level, _MATCH_ORDER[f.match], -(f.score or 100.0), f.facet, f.kind)


def _pair_order(p: PairRisk) -> tuple:
    return (-p.level, -p.score, p.accounts)


def _facet_of(key: str) -> str:
    return key[: key.find(":")] if ":" in key else key



# ---------------------------------------------------------------------------------------------
# audit




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
    hub_keys: Collection[str] = (),
    more_values=None,
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

    `hub_keys`: keys that are hubs whatever number of their holders is among `profiles`
    (`quiet_hub` keys whose other holders `Store.audit_input` left out).

    `more_values`: the profiles' values `Store.audit_input` left undecoded
    (`prefilter.UndecodedValues`), for the pairs linkage.completion compares beyond the blocks.
    """
    with _without_cyclic_gc():
        return _audit(list(profiles), rules, min_level, link_level, account, explanations,
                      max_pairs, mask or kinds_mask, fuzzy_matches, hub_keys, more_values)


class _HubGroup(NamedTuple):
    rule: FacetRule
    key: str
    members: dict[int, int]  # account index -> attribute ref


def _audit(profiles, rules, min_level, link_level, account, explanations, max_pairs, mask, fuzzy_matches,
           hub_keys, more_values=None) -> Audit:
    names = [p.name for p in profiles]
    target: int | None = None
    if account is not None:
        try:
            target = names.index(account)
        except ValueError:
            raise UsageError(_("no account named {account!r}", account=account)) from None

    attr_of, owner, shared = _group_by_key(profiles, hub_keys)
    scoring = None
    if fuzzy_matches is None:
        # The blocking groups (the "~facet:..." keys, which _exact_pairs sets aside) are scored
        # from now: a child (linkage.byfacet) scores some while this process finds the exact pairs.
        # (Each value's text and exact key looked up by a list's own `__getitem__`, in C: the
        # scoring asks for them about 150,000 times on FEBRL4's 10,000 records.)
        scoring = start_scoring(
            [(key[len(BLOCKING_PREFIX): key.find(":")], refs) for key, refs in shared.items()
             if key.startswith(BLOCKING_PREFIX)],
            list(map(_NORMALIZED, attr_of)).__getitem__,
            list(map(_own_exact_key, attr_of)).__getitem__,
            owner,
            rules,
        )
    try:
        # (made here, while the child may run: a failure -- a malformed explanation -- ends it too)
        materialiser = _Materialiser(mask, explanations)
        evidence, context, hubs, blocks = _exact_pairs(shared, attr_of, owner, rules, hub_keys)
    except BaseException:
        if scoring is not None:
            scoring.cancel()
        raise
    del shared, blocks
    near_of: dict[tuple[int, int], bool] = {}
    if scoring is not None:
        # While the child scores its part, this process reads which of its own matches are near
        # ones (what _add_fuzzy would ask of nearly each of them afterwards).
        # What is left of the wait for the child: the values' masks, which the pairs' findings
        # ask for at the end (the registry's own masks only: a caller's is called as before).
        matches = scoring.matches(meanwhile=lambda here: _near_of(here, attr_of, rules, near_of),
                                  idle=(lambda done: materialiser.mask_ahead(attr_of, done)) if mask is kinds_mask
                                  else None)
        del scoring
    else:
        matches = _given_matches(fuzzy_matches, profiles, attr_of)
    _add_fuzzy(matches, attr_of, owner, rules, evidence, context, _hub_owners(hubs), near_of)
    # The values of pairs that could still reach high, where no blocking key compared them.
    complete_pairs(evidence, context, matches, attr_of, owner, rules, more_values)

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
                    items.append(Evidence(hubs[h].rule, attr_of[members[pair[0]]], attr_of[members[pair[1]]], None))
    del context

    resolved = _resolve_all(evidence)  # (level, score, a, b, kept)
    del evidence

    # The pairs to report, strongest first; beyond max_pairs only counted.
    wanted = [r for r in resolved if r[0] >= min_level and (target is None or target in (r[2], r[3]))]
    pair_counts = Counter(r[0] for r in wanted)
    if max_pairs is not None and len(wanted) > max_pairs:
        wanted = heapq.nlargest(max_pairs, wanted, key=itemgetter(0, 1))
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
        at_risk = [r for r in at_risk if name == r.because_of or any(name in (link.a, link.b) for link in r.chain)]
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


def _group_by_key(profiles: list[Profile], hub_keys: Collection[str] = ()
                  ) -> tuple[list[Attribute], list[int], dict[str, list[int]]]:
    """Attributes with keys (`attr_of`, indexed by ref), their accounts (`owner`), and every
    key held by two or more attributes, or in `hub_keys`, -> their refs. Only keys seen twice
    get a list, so millions of unique keys stay cheap."""
    attr_of = [a for p in profiles for a in p.attributes if a.keys]
    owner = [i for i, p in enumerate(profiles) for a in p.attributes if a.keys]
    # Count every key in C first (Counter over a flat iterator), then walk only the
    # attributes holding a key seen twice: most keys are unique, and a Python-level
    # dict operation per key was most of an audit's time at 100,000 accounts.
    counts = Counter(chain.from_iterable(a.keys for a in attr_of))
    repeated = {key for key, n in counts.items() if n > 1}
    # A hub key keeps its group (and so its place among the hubs) when only one of its
    # holders is here: the others were left out (`quiet_hub`).
    repeated.update(key for key in hub_keys if key in counts)
    del counts
    shared: dict[str, list[int]] = {}
    shared_get = shared.get
    isdisjoint = repeated.isdisjoint
    is_repeated = repeated.__contains__
    for ref, attr in enumerate(attr_of):
        keys = attr.keys
        if isdisjoint(keys):
            continue
        for key in filter(is_repeated, keys):  # (its repeated keys in order, picked out in C)
            group = shared_get(key)
            if group is None:
                shared[key] = [ref]
            elif group[-1] != ref:
                group.append(ref)
    # A key repeated inside one attribute is not shared.
    return attr_of, owner, {key: refs for key, refs in shared.items() if len(refs) > 1 or key in hub_keys}


def _exact_pairs(shared: dict[str, list[int]], attr_of: list[Attribute], owner: list[int], rules: Rules,
                 hub_keys: Collection[str] = ()):
    """Evidence per account pair from exact keys: `evidence` (what links) and `context`
    (logistics, category) kept apart; groups over the hub size, and `hub_keys`, become
    hubs; blocking groups are set aside for fuzzy comparison. Pairs are (lower index,
    higher index)."""
    evidence: dict[tuple[int, int], list] = {}
    context: dict[tuple[int, int], list] = {}
    hubs: list[_HubGroup] = []
    blocks: list[tuple[str, list[int]]] = []
    hub_size = rules.combine.hub_size
    past = rules.past  # [history] past: findings on a value no longer in use capped at it
    rule_of: dict[str, FacetRule] = {}
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
        if len(members) < 2 and key not in hub_keys:
            continue
        # A romanisation (a name's, a brand's) is a comparison level of its own, whatever the rules.
        pinyin = key.startswith(PINYIN_MARK, len(facet) + 1)
        if rule.common or rule.names or pinyin:
            # How much this value says: its rarity in the store and, for a name, among people.
            holders = len(members)
            rule = weighed(rule, weigh(rule, attr_of[refs[0]].normalized, holders, pinyin=pinyin), holders, pinyin)
            if rule.names and rule.context:  # a lone family name weighs as a name in part
                rule = lone_family_rule(rules, rule, attr_of[refs[0]].normalized, holders)
        if len(members) > hub_size or key in hub_keys:
            hubs.append(_HubGroup(rule, key, members))
            continue
        target = context if rule.context else evidence
        items = list(members.items())
        for x in range(len(items) - 1):
            oa, ra = items[x]
            attr_a = attr_of[ra]
            for ob, rb in items[x + 1:]:
                if pinyin and not across_scripts(attr_a, attr_of[rb]):
                    continue
                found = rule if past is None else past_rule(rule, past, attr_a, attr_of[rb])
                slot = target.get((oa, ob))
                if slot is None:
                    target[(oa, ob)] = [Evidence(found, attr_a, attr_of[rb], None)]
                else:
                    slot.append(Evidence(found, attr_a, attr_of[rb], None))
    return evidence, context, hubs, blocks


def quiet_hub(key: str, rules: Rules) -> bool:
    """Whether a hub of this exact key (a key held by more than `hub_size` accounts) links
    nobody and is never shown, whoever holds it: its facet is off, or context with a weight
    that does not depend on the value or its holders (not `common`, not `names`). Such a
    hub only adds a context finding to pairs linked by something else (`_exact_pairs`), so
    `Store.audit_input` may leave out the accounts that share nothing else."""
    if key.startswith(BLOCKING_PREFIX):
        return False
    rule = rules.facet(_facet_of(key))
    return rule.level is None or (rule.context and not rule.common and not rule.names)


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
    verdicts=None,
    found_in: list[int] | None = None,
    before: Collection[tuple[int, int]] = (),
    gates: list[tuple[int, int, int, int]] | None = None,
) -> list[FuzzyMatch]:
    """Fuzzy comparison inside blocking groups, given as (facet, refs in order). Pure.

    `text_of(ref)` is the value's normalised text, `exact_of(ref)` what identifies its exact
    key of the facet (values with equal ones already share an exact finding), `owner[ref]`
    its account. Each distinct text of a block is scored against the block's later texts by
    rapidfuzz in C; only hits above the threshold reach the Python guards. Identical texts
    are compared once (common names repeat). Groups of more than `fuzzy_block_cap` accounts
    are skipped. Matches come in the order found, each pair of refs once.

    The audit runs this over the blocking keys it grouped; `Store.audit_input` runs it
    over tags of the sealed key index, in a second process, with the same refs order, and
    with `verdicts` (store/sievecache.py) the sieve's verdicts on blocks it saw before.
    `found_in`, when given, receives each match's block position (linkage.byfacet).

    `before`: the pairs of refs (a < b) one pass matched in the blocks before these; they are
    skipped, as one pass skips them, and so is a partial test whose pair of texts' first refs
    are one of them: this is one pass's rest. `gates`, when given, receives (a, b, start, end)
    for each pair of texts a partial test found agreeing, whose first refs (a, b) were not
    matched yet, and that added matches[start:end]: what a `before` holding (a, b) would have
    skipped (store/prefilter.py `_score_in_two` scores later blocks without knowing `before`).
    """
    matches: list[FuzzyMatch] = []
    compared: set[tuple[int, int]] = set(before)
    texts: dict[int, str] = {}
    block_cap = rules.combine.fuzzy_block_cap

    def consider(ra: int, rb: int, similarity: float, facet: str) -> None:
        if ra > rb:
            ra, rb = rb, ra
        if owner[ra] == owner[rb] or (ra, rb) in compared:
            return
        compared.add((ra, rb))
        matches.append(FuzzyMatch(ra, rb, similarity, facet))

    facet = ""

    def fuzzy_text_of(r: int) -> str:
        text = texts.get(r)
        if text is None:
            text = texts[r] = fuzzy_text(text_of(r), facet)
        return text

    def text_for(r: int, facet: str) -> str:
        text = texts.get(r)
        if text is None:
            text = texts[r] = fuzzy_text(text_of(r), facet)
        return text

    def texts_for(refs: list[int], facet: str) -> list[str]:
        made = fuzzy_texts(list(map(text_of, refs)), facet)
        texts.update(zip(refs, made, strict=True))
        return made

    comparison_of = comparisons_for(rules)
    blocks = list(blocks)
    sieved = len(blocks) > sieve.SIEVE_OVER
    partial_of = _partial_tests(rules, comparison_of)

    # Of the blocks the sieve compared as one matrix and kept: the texts that reach the cutoff
    # with another of the block's (`sieve.hopeless_blocks`' `partners`), by the block's refs list
    # (id: the lists live as long as `blocks`); the scoring compares only those with the later texts.
    with_partners: dict[int, set[str]] = {}

    def find_hopeless(blocks: list[tuple[str, list[int]]]) -> set[int]:
        # Many blocks: those in which nothing can match are found in C first, and skipped (sieve).
        partners: dict[int, set[str]] = {}
        hopeless = sieve.hopeless_blocks(
            blocks, text_for, comparison_of,
            lambda refs: len(refs) > block_cap and len(set(map(owner.__getitem__, refs))) > block_cap,
            texts_for=texts_for, partners=partners,
        )
        for at, texts_with in partners.items():
            with_partners[id(blocks[at][1])] = texts_with
        # A facet's partial test (the address by its parts) is no comparison level: of the blocks
        # the sieve found, those in which its own necessary test finds a pair that may agree are
        # scored all the same.
        if hopeless and partial_of:
            for facet, (*_test, may_agree) in partial_of.items():
                hopeless -= may_agree(blocks, [at for at in hopeless if blocks[at][0] == facet], text_of)
        return hopeless

    # (A block's verdict depends on nothing but its facet's comparison, its texts and the cap:
    # `verdicts` asks `find_hopeless` only of the blocks whose verdict it does not hold.)
    hopeless: Collection[int] = () if not sieved else find_hopeless(blocks) if verdicts is None else verdicts.hopeless(
        blocks, text_of, find_hopeless, verdicts.context(comparison_of, partial_of, block_cap))
    parsed: dict[int, object] = {}
    parse: Callable[[str], object] = str

    def parts_of(r: int) -> object:
        held = parsed.get(r)
        if held is None:
            held = parsed[r] = parse(text_of(r))
        return held

    # Where the sieve ran, a partial test with a test pair by pair (_PAIR_SIEVES: the address by
    # its parts) is tried in the larger blocks only on the pairs that may agree, found for all
    # of them at once: the others cannot (the same matches, in the same order).
    prepared: dict[int, dict[str, list[int]]] = {}
    pairs_of: dict[int, list[tuple[int, int]]] = {}
    if sieved:
        for facet, may_agree_pairs in _PAIR_SIEVES.items():
            if facet not in partial_of or facet not in comparison_of:
                continue
            tried: list[int] = []
            for at, (block_facet, refs) in enumerate(blocks):
                if block_facet != facet or len(refs) <= 2 or at in hopeless or (
                        len(refs) > block_cap and len(set(map(owner.__getitem__, refs))) > block_cap):
                    continue
                by_text = prepared[at] = _by_text(refs, fuzzy_text_of)  # (of this `facet`)
                if len(by_text) <= PARTS_MAX_DISTINCT:
                    tried.append(at)
            found = may_agree_pairs([[same[0] for same in prepared[at].values()] for at in tried], text_of)
            pairs_of.update(zip(tried, found, strict=True))
    # And a partial test with none (a person's name in part) is not tried in the larger blocks
    # the sieve kept in which its necessary test for whole blocks (`may_agree`, as the sieve
    # asks it of the blocks it found) finds no two values that may agree: it would find none.
    unpromising: set[int] = set()
    if sieved:
        for facet, (*_test, may_agree) in partial_of.items():
            if facet in _PAIR_SIEVES:
                continue
            tried = [at for at, (block_facet, refs) in enumerate(blocks)
                     if block_facet == facet and len(refs) > 2 and at not in hopeless]
            if tried:
                unpromising.update(set(tried) - may_agree(blocks, tried, text_of))

    last = -1
    for at, (facet, refs) in enumerate(blocks):
        if found_in is not None and len(found_in) < len(matches):
            found_in.extend([last] * (len(matches) - len(found_in)))
        last = at
        if at in hopeless:
            continue
        comparison = comparison_of.get(facet)
        if comparison is None:
            continue
        partial = None
        if facet in partial_of:
            parse, partial, futile, _may_agree = partial_of[facet]
        if len(refs) == 2:
            # Most blocks: two values, one comparison.
            ra, rb = refs
            if owner[ra] == owner[rb]:
                continue
            text_a, text_b = fuzzy_text_of(ra), fuzzy_text_of(rb)
            if not text_a or not text_b:
                continue
            if text_a == text_b:
                if exact_of(ra) != exact_of(rb):  # (_consider_identical of the two)
                    consider(ra, rb, 100.0, facet)
                continue
            similarity = comparison.compare(text_a, text_b)
            if similarity is not None:
                consider(ra, rb, similarity, facet)
            elif partial is not None and partial(parts_of(ra), parts_of(rb)):
                consider(ra, rb, _set_similarity(text_a, text_b), facet)
            continue
        if len(refs) > block_cap and len(set(map(owner.__getitem__, refs))) > block_cap:
            continue
        by_text = prepared.get(at) or _by_text(refs, fuzzy_text_of)
        for same in by_text.values():
            if len(same) > 1:
                _consider_identical(same, exact_of, lambda x, y, facet=facet: consider(x, y, 100.0, facet))
        distinct = list(by_text)
        partnered = with_partners.get(id(refs))
        for x in range(len(distinct) - 1):
            if partnered is not None and distinct[x] not in partnered:
                continue  # no later text reaches it: no level matches it with one
            for other, similarity in comparison.matches(distinct, x):
                for ra in by_text[distinct[x]]:
                    for rb in by_text[other]:
                        consider(ra, rb, similarity, facet)
        if partial is not None and at not in unpromising and len(distinct) <= PARTS_MAX_DISTINCT and not futile(
                [parts_of(by_text[text][0]) for text in distinct]):
            _partial_matches(partial, facet, distinct, by_text, parts_of, compared, consider, pairs_of.get(at),
                             None if gates is None else (matches, gates))
    if found_in is not None:
        found_in.extend([last] * (len(matches) - len(found_in)))
    return matches


def _by_text(refs: list[int], text_of: Callable[[int], str]) -> dict[str, list[int]]:
    """A block's refs by their fuzzy texts (`text_of`), in order; empty texts left out."""
    by_text: dict[str, list[int]] = {}
    for r in refs:
        text = text_of(r)
        if text:
            by_text.setdefault(text, []).append(r)
    return by_text


def _partial_matches(partial: Callable[[object, object], bool], facet: str, distinct: list[str],
                     by_text: dict[str, list[int]], parts_of: Callable[[int], object],
                     compared: set[tuple[int, int]], consider: Callable[[int, int, float, str], None],
                     pairs: Iterable[tuple[int, int]] | None = None,
                     gated: tuple[list, list[tuple[int, int, int, int]]] | None = None) -> None:
    """Pairs of a block's distinct texts that no comparison level matched (their first refs
    were not `compared`) but that `partial` finds agreeing, on their parts (`parts_of`, read
    from the normalised texts once per value). `pairs`: the only pairs of positions in
    `distinct` that may agree (x < y, in order), where a necessary test found them; else all.
    `gated`: (the matches, `score_blocks`'s `gates`)."""
    parts = [parts_of(by_text[text][0]) for text in distinct]
    for x, y in combinations(range(len(distinct)), 2) if pairs is None else pairs:
        first, second = by_text[distinct[x]], by_text[distinct[y]]
        ra, rb = first[0], second[0]
        if (min(ra, rb), max(ra, rb)) in compared or not partial(parts[x], parts[y]):
            continue
        similarity = _set_similarity(distinct[x], distinct[y])
        start = len(gated[0]) if gated is not None else 0
        for a in first:
            for b in second:
                consider(a, b, similarity, facet)
        if gated is not None and len(gated[0]) > start:
            gated[1].append((min(ra, rb), max(ra, rb), start, len(gated[0])))


def _hub_owners(hubs: list[_HubGroup]) -> set[int]:
    """The accounts in some hub: a pair of them may share one (a hub's finding joins their
    evidence after the fuzzy matches)."""
    return {o for hub in hubs for o in hub.members}


def _add_fuzzy(matches: Iterable[FuzzyMatch], attr_of: list[Attribute], owner: list[int], rules: Rules,
               evidence: dict, context: dict, hub_owners: Collection[int] = (),
               near_of: dict[tuple[int, int], bool] | None = None) -> None:
    """Fuzzy matches as evidence, except where the two values share the facet's exact key or
    the pair already has an exact finding of that facet (the exact one says it better). A
    match whose weight makes it context (two spellings of a common name) goes with context.

    A near match (a partial agreement: a name in part, a number one digit off) makes no pair
    alone, nor beside context only (evidence._near_alone): for a pair with no other match, no
    exact finding and no hub both accounts are in, it is not weighed at all -- the same
    audit, without weighing the tens of thousands of shared family names a register of
    people holds (bench/linkage.py).

    `near_of`: (a, b) -> whether the match of those two values is a near one (`_near_of`), where
    it was read already."""
    comparison_of = comparisons_for(rules) if rules.near else {}
    known = near_of.get if near_of else _NOTHING.get
    matches = list(matches)
    per_pair = Counter((owner[m[0]], owner[m[1]]) for m in matches)
    for ra, rb, similarity, facet in matches:
        pair = (owner[ra], owner[rb])
        slot = evidence.get(pair)
        lone = slot is None and per_pair[pair] == 1 and not (pair[0] in hub_owners and pair[1] in hub_owners)
        near = known((ra, rb))
        if lone and near:
            continue  # (`_near_of` read it near for a facet with a near rule: `_fuzzy_rule` gives None)
        attr_a, attr_b = attr_of[ra], attr_of[rb]
        # (Both tests only drop a match: a lone one, most often a near one that is no finding,
        # is weighed first, then compared with the exact keys.)
        if not lone and exact_beats_fuzzy(attr_a, attr_b, facet, slot):
            continue
        rule = _fuzzy_rule(rules, facet, attr_a, attr_b, comparison_of.get(facet), lone=lone, near_match=near)
        if rule is None or lone and exact_beats_fuzzy(attr_a, attr_b, facet, slot):
            continue
        rule = past_rule(rule, rules.past, attr_a, attr_b)
        item = Evidence(rule, attr_a, attr_b, similarity)
        target = context if rule.context else evidence
        slot = target.get(pair)
        if slot is None:
            target[pair] = [item]
        else:
            slot.append(item)


# Partial-agreement tests beyond a facet's comparison levels, tried inside the blocking groups
# where no level matched, on the normalised texts (a street's name is known by its place):
# the address by its parts (comparisons.parts_agree). A match weighs as the facet's near level
# (`is_near`: no level before the near ones matches it), so it makes no pair alone.
# Each is (what to read from a normalised text once per value, the test on two such readings,
# whether a whole block is hopeless: a test once per block that spares its pairs, and the
# sieve's necessary test: which of the blocks it found may still hold a pair that agrees).
_Partial = tuple[Callable[[str], object], Callable[[object, object], bool], Callable[[list], bool],
                 Callable[[Sequence[tuple[str, list[int]]], list[int], Callable[[int], str]], set[int]]]
_PARTIAL: dict[str, _Partial] = {
    "address": (address_parts, agree_in_parts, parts_hopeless,  # type: ignore[dict-item]  # parts in, parts out
                sieve.parts_may_agree),
    # A person's name in part: the same family name, another given name (comparisons.names_agree_in_part).
    "legal_representative": (name_parts, names_agree_in_part, names_hopeless,  # type: ignore[dict-item]
                             sieve.names_may_agree),
}
# A block of more distinct texts than this is not tried by parts (pairwise, in Python).
PARTS_MAX_DISTINCT = 60
# A partial test's necessary test pair by pair (sieve.parts_pairs_may_agree), where the sieve runs.
_PAIR_SIEVES: dict[str, Callable[[list[list[int]], Callable[[int], str]], list[list[tuple[int, int]]]]] = {
    "address": sieve.parts_pairs_may_agree,
}


def _partial_tests(rules: Rules, comparison_of: dict[str, Comparison]) -> dict[str, _Partial]:
    """The partial tests the rules leave on: the facet compared at all, its near weight above 0."""
    out = {}
    for facet, test in _PARTIAL.items():
        near = rules.near.get(facet)
        if facet in comparison_of and near is not None and near.weight > 0:
            out[facet] = test
    return out


def _set_similarity(a: str, b: str) -> float:
    """A parts match's similarity: rapidfuzz's token_set_ratio (a part left out costs less
    than a part changed)."""
    return round(token_set_ratio(a, b), 1)


_NOTHING: dict = {}


def _near_of(matches: Iterable[FuzzyMatch], attr_of: list[Attribute], rules: Rules,
             out: dict[tuple[int, int], bool]) -> None:
    """Into `out`, for each match `_fuzzy_rule` would read as near or not by its comparison
    levels (a facet both fuzzy and near, compared), whether it is a near one (`is_near`)."""
    if not rules.near:
        return
    comparison_of = comparisons_for(rules)
    wanted = {facet: comparison_of[facet] for facet in rules.near if facet in rules.fuzzy and facet in comparison_of}
    for ra, rb, _similarity, facet in matches:
        comparison = wanted.get(facet)
        if comparison is not None:
            out[(ra, rb)] = is_near(comparison, _fuzzy_text_once(attr_of[ra].normalized, facet),
                                    _fuzzy_text_once(attr_of[rb].normalized, facet))


def _fuzzy_rule(rules: Rules, facet: str, attr_a: Attribute, attr_b: Attribute, comparison=None,
                lone: bool = False, near_match: bool | None = None):
    """The rule a fuzzy match of `facet` counts under, weighed for these two values (names by
    the commoner name): the facet's near rule when the match is a near one (`comparison`
    found it at a near level, or no level: a partial test), else its fuzzy rule; two names in
    part by their family name's share (evidence.name_part_weight). None: two numbers one
    digit apart that both pass their check digits are two numbers, not a typo
    (`both_checksummed`); two names in part whose family name weighs under 1 bit; a near
    match that is `lone` (the pair's only evidence: it would make no pair). `near_match`: whether
    the comparison reads the match as near (`is_near`), where the caller knows it already."""
    near = rules.near.get(facet)
    if near is not None and (facet not in rules.fuzzy or comparison is not None and (
            is_near(comparison, _fuzzy_text_once(attr_a.normalized, facet), _fuzzy_text_once(attr_b.normalized, facet))
            if near_match is None else near_match)):
        if lone or near.weight <= 0 or facet not in rules.fuzzy and both_checksummed(attr_a, attr_b):
            return None  # a near weight of 0 switches the level off
        if near.names:  # a name in part: by how common the family name is; below 1 bit, nothing
            weight = name_part_weight(near, attr_a.normalized, attr_b.normalized)
            return weighed(near, weight) if weight >= 1.0 else None
        if facet not in rules.fuzzy:  # an id: a typo of one number weighs more (typo_reading)
            from .evidence import typo_reading, typo_rule

            typo = typo_reading(attr_a, attr_b)
            if typo is not None:
                return typo_rule(near, typo)
        return near
    rule = rules.fuzzy[facet]
    if rule.names:
        rule = weighed(rule, weigh(rule, attr_a.normalized, other=attr_b.normalized))
    return rule


# A value's fuzzy text as `_fuzzy_rule` reads it, made once for the many matches a value is in.
_fuzzy_text_once = lru_cache(maxsize=1 << 14)(fuzzy_text)


_NORMALIZED = attrgetter("normalized")


def _own_exact_key(attr: Attribute) -> str | None:
    """A fuzzy-compared value's exact key of its own kind (blocking keys are "~kind:...")."""
    prefix = attr.kind + ":"
    keys = attr.keys
    if keys and keys[0].startswith(prefix):  # (the kind registry puts it first)
        return keys[0]
    return next((k for k in keys if k.startswith(prefix)), None)


def _resolve_all(evidence: dict) -> list[tuple[Level, float, int, int, list]]:
    resolved: list[tuple[Level, float, int, int, list]] = []
    append = resolved.append
    for (a, b), items in evidence.items():
        if len(items) == 1:
            # The common case, kept cheap: one shared value (never context: see _exact_pairs).
            rule, _x, _y, similarity = items[0]
            if alone_is_no_link(rule):  # a near level alone (never context here)
                continue
            append((rule.level, _single_score(rule.level, similarity), a, b, items))
            continue
        outcome = _resolve(items)
        if outcome is not None:
            append((outcome[0], outcome[1], a, b, outcome[2]))
    return resolved


def _link_kinds(kept: list) -> tuple[str, ...]:
    if len(kept) == 1:
        return (kept[0].rule.facet,)
    return _unique(e.rule.facet for e in sorted(kept, key=_strength, reverse=True) if not e.rule.context)


def _hub(hub: _HubGroup, names: list[str], attr_of: list[Attribute], materialiser: "_Materialiser") -> Hub:
    sample = attr_of[next(iter(hub.members.values()))]
    shared_value = hub.key.partition(":")[2]
    # A network or domain is what the members share (each has its own address in it), and
    # the masks show it anyway; any other hub value is one value, masked like a finding's.
    around = hub.rule.facet in AROUND_FACETS
    return Hub(
        kind=sample.kind,
        facet=hub.rule.facet,
        level=hub.rule.level,  # type: ignore[arg-type]  # an off rule (level None) forms no hub
        accounts=tuple(sorted(names[o] for o in hub.members)),
        value=shared_value if around else materialiser.masked(sample),
        raw=shared_value if around else sample.normalized,
        reason=hub.rule.reason,
        reason_zh=hub.rule.reason_zh,
        explanation=materialiser.note(materialiser.hub_explanation(sample.kind, hub.rule.facet, hub.key)),
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
    context: list[PairRisk] | None = None,
) -> list[PairRisk]:
    """One planned (or this machine's) profile against candidate profiles, strongest first.

    Exact keys and fuzzy comparison through shared blocking keys, with the same rules as
    audit. A candidate with the planned profile's own name is skipped. `context`, when given,
    receives (in candidate order, level LOW and score 0: they are no pair) the candidates whose
    shared values make no pair -- context (a common name, a logistics provider) or a near
    number alone -- so a precheck can show what is shared without calling it a link.
    """
    exact: dict[str, list[Attribute]] = {}
    blocking: dict[str, list[Attribute]] = {}
    for attr in planned.attributes:
        for key in attr.keys:
            table = blocking if key.startswith(BLOCKING_PREFIX) else exact
            table.setdefault(key, []).append(attr)
    materialiser = _Materialiser(mask or kinds_mask, explanations)
    comparison_of = comparisons_for(rules)
    partial_of = _partial_tests(rules, comparison_of)
    texts: dict[int, str] = {}

    def text(attr: Attribute, facet: str) -> str:
        held = texts.get(id(attr))
        if held is None:
            held = texts[id(attr)] = fuzzy_text(attr.normalized, facet)
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
                    facet = _facet_of(key)
                    rule = rules.facet(facet)
                    if rule.level is not None:
                        pinyin = key.startswith(PINYIN_MARK, len(facet) + 1)
                        if pinyin and not across_scripts(mine, attr):
                            continue
                        if rule.names or pinyin:
                            rule = weighed(rule, weigh(rule, attr.normalized, pinyin=pinyin), 2, pinyin)
                            if rule.names and rule.context:  # a lone family name weighs as a name in part
                                rule = lone_family_rule(rules, rule, attr.normalized, 2)
                        rule = past_rule(rule, rules.past, mine, attr)
                        evidence.append(Evidence(rule, mine, attr, None))
        seen_pairs = set()
        for facet, mine, theirs in fuzzy_pairs:
            slot = (facet, id(mine), id(theirs))
            if slot in seen_pairs:
                continue
            seen_pairs.add(slot)
            comparison = comparison_of.get(facet)
            if comparison is None or exact_beats_fuzzy(mine, theirs, facet, evidence):
                continue
            similarity = comparison.compare(text(mine, facet), text(theirs, facet))
            partial = partial_of.get(facet)
            if similarity is None and partial is not None and partial[1](partial[0](mine.normalized),
                                                                         partial[0](theirs.normalized)):
                similarity = _set_similarity(text(mine, facet), text(theirs, facet))
            if similarity is not None:
                rule = _fuzzy_rule(rules, facet, mine, theirs, comparison)
                if rule is None:
                    continue
                rule = past_rule(rule, rules.past, mine, theirs)
                evidence.append(Evidence(rule, mine, theirs, similarity))
        if not evidence:
            continue
        outcome = _resolve(evidence)
        if outcome is None and context is not None:
            context.append(materialiser.pair(planned.name, candidate.name, Level.LOW, 0.0, evidence))
        if outcome is None or outcome[0] < min_level:
            continue
        level, score, kept = outcome
        results.append(materialiser.pair(planned.name, candidate.name, level, score, kept))
    results.sort(key=_pair_order)
    return results
