"""The audit in two steps: its exact side while the fuzzy matches are still being found, then
the merge (issue 17: the audit's and the report's critical path).

`Store.audit_input` finds the fuzzy matches in a forked child process; the command's own
process is done reading long before the child is done scoring. What the fuzzy matches cannot
change is made meanwhile, over the profiles read so far (`audit_exact`): the groups of shared
exact keys, every pair's exact evidence, context and hubs, each such pair resolved and its
`PairRisk` (and, asked for, its JSON) made, the hubs to report. Once the matches come,
`merge` adds them and re-resolves only the pairs they touch: the result is exactly
`engine.audit` over the whole input (tests compare the two on varied stores and on random
profiles, including matches that join two exact clusters and that raise an exact pair).

The profiles the merge is given are those `audit_exact` saw, in the same order, with the
accounts and values the fuzzy matches name added (`Store.audit_input` decodes them only once
it has the matches). Such an added value changes nothing exact when its exact keys are held
by nothing else, or (an added account's) are the key of a quiet hub -- a context hub whose rule
does not depend on its holders, which the account joins. `merge` checks that; anything else
(a value sharing a key with what was read before, a profile list not made that way) is
audited whole by `engine.audit`, so the result is the same either way.
"""

from __future__ import annotations

import bisect
import os
from collections import Counter
from itertools import accumulate, chain, repeat
from operator import attrgetter, itemgetter
from types import MappingProxyType
from typing import Callable, Collection, Iterable, NamedTuple, Sequence

from ..jsontext import piece_bytes
from ..parallel import ForkedResult
from ..models import Attribute, Explanation, Level, Profile
from ..registry.facets import BLOCKING_PREFIX
from .engine import (
    FuzzyMatch, Mask, _add_fuzzy, _exact_pairs, _facet_of, _group_by_key, _hub, _HubGroup, _link_kinds,
    _Materialiser, audit, kinds_mask,
)
from .completion import complete_pairs
from .evidence import PINYIN_MARK, Evidence, _resolve, _single_score, alone_is_no_link
from .graph import _clusters, _taint
from .results import Audit, PairRisk, _without_cyclic_gc, pair_to_json
from .rules import FacetRule, Rules


class _Resolved(NamedTuple):
    level: Level
    score: float
    kept: list
    pair: PairRisk | None  # made when at or above min_level
    kinds: tuple[str, ...] | None  # the link's kinds, when at or above link_level


class ExactSide:
    """What `audit_exact` made over the profiles read before the fuzzy matches."""

    def __init__(self, profiles: list[Profile], rules: Rules, min_level: Level, link_level: Level,
                 explanations: list[Explanation], mask: Mask, hub_keys: Collection[str], json_reveal: bool | None,
                 json_unsafe: Callable[[bytes], bool] | None = None):
        self.profiles = profiles
        self.rules, self.min_level, self.link_level = rules, min_level, link_level
        self.explanations, self.mask, self.hub_keys = explanations, mask, hub_keys
        names = list(map(_name_of, profiles))
        attr_of, owner, shared = _group_by_key(profiles, hub_keys)
        self.keys = set(chain.from_iterable(a.keys for a in attr_of))  # every key held here
        evidence, context, hubs, _blocks = _exact_pairs(shared, attr_of, owner, rules, hub_keys)
        del shared, _blocks
        self.attr_of, self.evidence, self.context, self.hubs = attr_of, evidence, context, hubs
        self.hub_at = {hub.key: h for h, hub in enumerate(hubs)}
        hubs_of: dict[int, list[int]] = {}
        for h, hub in enumerate(hubs):
            for o in hub.members:
                hubs_of.setdefault(o, []).append(h)
        self.hubs_of = hubs_of
        self.materialiser = materialiser = _Materialiser(mask, explanations)
        # Each exact pair resolved as the one-pass audit resolves it (in the evidence's order;
        # None: no link), its PairRisk and its link made.
        done: list[_Resolved | None] = []
        # With `json_reveal`, each pair's JSON, and its text as the audit's JSON holds it:
        # id(PairRisk) -> (the pair, its JSON); id(its JSON) -> (the JSON, its text, whether
        # `json_unsafe` was false of the text: `jsontext.dumps_bytes_found`).
        self.json: dict[int, tuple[PairRisk, dict]] = {}
        self._pieces: dict[int, tuple[dict, bytes, bool]] | None = None
        self._json_unsafe = json_unsafe
        self._pieces_child = None
        for (a, b), items in evidence.items():
            outcome = _resolve_one(_with_context(items, context.get((a, b)), hubs_of.get(a), hubs_of.get(b),
                                                 a, b, hubs, attr_of))
            if outcome is None:
                done.append(None)
                continue
            level, score, kept = outcome
            pair = materialiser.pair(names[a], names[b], level, score, kept) if level >= min_level else None
            if pair is not None and json_reveal is not None:
                self.json[id(pair)] = (pair, pair_to_json(pair, reveal=json_reveal))
            done.append(_Resolved(level, score, kept, pair, _link_kinds(kept) if level >= link_level else None))
        self.done = done
        if len(self.json) > PIECES_APART_OVER:
            # Their text (orjson's, checked and tried by `json_unsafe`) made in a forked helper on
            # the other core while this process goes on, written into memory the two share;
            # `pieces` takes it (what the helper did not write is made here).
            made_all = [made for _pair, made in self.json.values()]
            self._pieces_child = _PiecesApart(made_all, json_unsafe)
        elif self.json:
            self._pieces = _pieces_of([made for _pair, made in self.json.values()], json_unsafe)
        self.names = names
        # The pairs made, in the audit's order; the clusters of the exact links alone, and
        # which of them each account is in (a cluster no fuzzy match touches stays as it is).
        self.pairs = sorted((r.pair for r in done if r is not None and r.pair is not None), key=_pair_key)
        self.pair_keys = list(map(_pair_key, self.pairs))  # (the merge places the pairs it makes among them)
        edges = [(r.level, r.score, a, b, r.kinds) for (a, b), r in zip(evidence, done, strict=True)
                 if r is not None and r.level >= link_level]
        self.hub_links = [
            (hub.rule.level, _single_score(hub.rule.level, None), hub.rule.facet, list(hub.members))
            for hub in hubs
            if not hub.rule.context and hub.rule.level >= link_level
        ]
        self.clusters = _clusters(names, edges, self.hub_links)
        self.cluster_of = {name: c for c, cluster in enumerate(self.clusters) for name in cluster.accounts}
        self.reported_hubs = [
            _hub(hub, names, attr_of, materialiser) for hub in hubs if not hub.rule.context and hub.rule.level >= min_level
        ]
        self.reported_hubs.sort(key=lambda h: (-h.level, -len(h.accounts), h.facet, h.accounts))

    @property
    def pieces(self) -> dict[int, tuple[dict, bytes, bool]]:
        """id(a pair's JSON) -> (the JSON, its text as the audit's JSON holds it, whether
        `json_unsafe` was false of the text): `jsontext.dumps_bytes_found`'s pieces, for every
        pair JSON made (`json`) that orjson writes."""
        if self._pieces is None:
            apart, self._pieces_child = self._pieces_child, None
            self._pieces = apart.result() if apart is not None else _pieces_of(
                [made for _pair, made in self.json.values()], self._json_unsafe)
        return self._pieces

    def drop_pieces(self) -> None:
        """The pairs' text not wanted after all (the audit made whole, not merged): the helper
        making it, if any, stopped."""
        apart, self._pieces_child = self._pieces_child, None
        if apart is not None:
            apart.cancel()


# Above this many pairs' JSON, their text is made in a forked helper (`_PiecesApart`).
PIECES_APART_OVER = 2000


def _pieces_of(made_all: list[dict], json_unsafe: Callable[[bytes], bool] | None
               ) -> dict[int, tuple[dict, bytes, bool]]:
    """`ExactSide.pieces` of these pairs' JSON, made here."""
    pieces = {}
    for made in made_all:
        piece = _piece(made, json_unsafe)
        if piece is not None:
            pieces[id(made)] = piece
    return pieces


def _piece(made: dict, json_unsafe: Callable[[bytes], bool] | None) -> tuple[dict, bytes, bool] | None:
    """(the pair's JSON, its text, whether `json_unsafe` was false of the text), or None when
    orjson does not write it."""
    text = piece_bytes(made, 2)
    if text is None:
        return None
    return made, text, json_unsafe is not None and not json_unsafe(text)


class _PiecesApart:
    """`_pieces_of(made_all, json_unsafe)`, the texts made by a forked helper (`ForkedResult`)
    into an anonymous shared mapping, one after the other; the helper sends back only where
    each ends and whether `json_unsafe` was false of it (-1: not written, too large for the
    space left, or orjson does not write it). `result()` takes the texts the helper wrote and
    makes the rest here: the same pieces either way (no helper, a failed one, a full mapping)."""

    SPACE_PER_PAIR = 16 << 10  # (about 2 KiB each on the bench store; pages are only used once written)
    MIN_SPACE = 1 << 20
    MAX_SPACE = 1 << 30

    def __init__(self, made_all: list[dict], json_unsafe: Callable[[bytes], bool] | None):
        import mmap

        self._made_all, self._json_unsafe = made_all, json_unsafe
        self._child: ForkedResult | None = None
        if not hasattr(os, "fork"):  # no helper to be had (Windows): all made here, no space mapped
            return
        try:  # (anonymous and MAP_SHARED: the helper's writes are seen here)
            self._space = mmap.mmap(-1, min(self.MAX_SPACE, max(self.MIN_SPACE, self.SPACE_PER_PAIR * len(made_all))))
        except (OSError, ValueError, OverflowError):  # no such memory to be had: all made here
            return
        self._child = ForkedResult(self._write)

    def _write(self) -> tuple[bytes, bytes]:
        """In the helper: each text written, (its end as int64, or -1; clean 1 or 0) sent back."""
        from array import array

        space, json_unsafe = self._space, self._json_unsafe
        size = len(space)
        ends = array("q")
        clean = bytearray()
        at = 0
        for made in self._made_all:
            piece = _piece(made, json_unsafe)
            if piece is None or at + len(piece[1]) > size:
                ends.append(-1)
                clean.append(0)
                continue
            _made, text, is_clean = piece
            space[at : at + len(text)] = text
            at += len(text)
            ends.append(at)
            clean.append(is_clean)
        return ends.tobytes(), bytes(clean)

    def result(self) -> dict[int, tuple[dict, bytes, bool]]:
        from array import array

        made_all, json_unsafe = self._made_all, self._json_unsafe
        if self._child is None:
            return _pieces_of(made_all, json_unsafe)
        answer = self._child.result(None)
        ends = array("q")
        try:
            ends.frombytes(answer[0])
            clean = answer[1]
            if len(ends) != len(made_all) or len(clean) != len(made_all):
                raise ValueError
        except (TypeError, ValueError, IndexError):  # no helper, or it failed: all made here
            self._space.close()
            return _pieces_of(made_all, json_unsafe)
        space = self._space
        pieces = {}
        start = 0
        for made, end, is_clean in zip(made_all, ends, clean, strict=True):
            if end > len(space) or -1 < end <= start:  # (not what `_write` sends: a text is never empty)
                space.close()
                return _pieces_of(made_all, json_unsafe)
            if end < 0:
                piece = _piece(made, json_unsafe)
                if piece is not None:
                    pieces[id(made)] = piece
                continue
            pieces[id(made)] = (made, space[start:end], is_clean == 1)
            start = end
        space.close()
        return pieces

    def cancel(self) -> None:
        """The helper stopped, its texts no longer wanted."""
        if self._child is not None:
            self._child.cancel()
            self._space.close()
            self._child = None


def audit_exact(
    profiles: Sequence[Profile], rules: Rules, *, min_level: Level = Level.LOW, link_level: Level = Level.HIGH,
    explanations: Iterable[Explanation] = (), mask: Mask | None = None, hub_keys: Collection[str] = (),
    json_reveal: bool | None = None, json_unsafe: Callable[[bytes], bool] | None = None,
) -> ExactSide:
    """The exact side of `engine.audit(profiles + what the fuzzy matches add, rules, ...)`
    (no `account`, no `max_pairs`). `json_reveal`: also each pair's JSON, revealed or not,
    and its text, tried by `json_unsafe` (the output's test: `cli.output.json_bytes_unsafe`)."""
    with _without_cyclic_gc():
        return ExactSide(list(profiles), rules, min_level, link_level, list(explanations), mask or kinds_mask,
                         hub_keys, json_reveal, json_unsafe)


def _pair_key(pair: PairRisk) -> tuple:
    """The audit's order of pairs: strongest first, then by name (`engine._audit`'s two sorts)."""
    return -pair.level, -pair.score, pair.accounts


_name_of = attrgetter("account.name")  # Profile.name, without a property call per profile
_attributes_of = attrgetter("attributes")


def _placed(pairs: list[PairRisk], keys: list[tuple], dropped: set[int], made: list[PairRisk]) -> list[PairRisk]:
    """`sorted(those of pairs not dropped + made, key=_pair_key)`, `pairs` being in that order
    already with `keys` their keys: each made pair placed by a binary search (no two pairs have
    the same key: their accounts differ)."""
    if dropped:
        kept = [i for i, p in enumerate(pairs) if id(p) not in dropped]
        pairs, keys = [pairs[i] for i in kept], [keys[i] for i in kept]
    if not made:
        return list(pairs)
    out: list[PairRisk] = []
    start = 0
    for key, pair in sorted(zip(map(_pair_key, made), made, strict=True), key=itemgetter(0)):
        at = bisect.bisect_right(keys, key, start)
        out.extend(pairs[start:at])
        out.append(pair)
        start = at
    out.extend(pairs[start:])
    return out


def _with_context(items: list, more: list | None, a_hubs: list[int] | None, b_hubs: list[int] | None, a, b,
                  hubs: list[_HubGroup], member_attr) -> list:
    """A pair's evidence with its context findings and the hubs both accounts are in, in the
    order `engine._audit` adds them (a new list). `member_attr(hub, owner)` or a list: refs."""
    items = list(items)
    if more:
        items.extend(more)
    if a_hubs and b_hubs:
        for h in set(a_hubs).intersection(b_hubs):
            if isinstance(member_attr, list):
                members = hubs[h].members
                items.append(Evidence(hubs[h].rule, member_attr[members[a]], member_attr[members[b]], None))
            else:
                items.append(Evidence(hubs[h].rule, member_attr(h, a), member_attr(h, b), None))
    return items


def _resolve_one(items: list) -> tuple[Level, float, list] | None:
    """`engine._resolve_all` for one pair."""
    if len(items) == 1:
        rule, _x, _y, similarity = items[0]
        if alone_is_no_link(rule):
            return None
        return rule.level, _single_score(rule.level, similarity), items
    return _resolve(items)


class _Remap(NamedTuple):
    to_final: list[int]  # partial index -> final index
    from_final: dict[int, int]  # final index -> partial index, of the accounts read before
    joined: dict[int, dict[int, Attribute]]  # hub -> {added account (final index): its value}
    same: bool  # the two lists are the same accounts in the same places


def _remap(side: ExactSide, profiles: list[Profile]) -> _Remap | None:
    """How `profiles` extend `side.profiles`, or None where the exact side may differ."""
    partial = side.profiles
    n = len(partial)
    to_final = [-1] * n
    from_final: dict[int, int] = {}
    added: list[tuple[int, list[Attribute]]] = []  # (final index, or -1 - it: its values not read before)
    i = 0
    for f, profile in enumerate(profiles):
        if i < n:
            before = partial[i]
            if profile is before:
                to_final[i] = f
                from_final[f] = i
                i += 1
                continue
            if profile.account is before.account:  # the account read before, with more values
                held = {id(a) for a in before.attributes}
                if [id(a) for a in profile.attributes if id(a) in held] != [id(a) for a in before.attributes]:
                    return None
                fresh = [a for a in profile.attributes if id(a) not in held]
                if any(a.keys and any(k in side.hub_at for k in a.keys) for a in fresh):
                    return None  # (an account read before holds every hub key it holds already)
                added.append((-1 - f, [a for a in fresh if a.keys]))
                to_final[i] = f
                from_final[f] = i
                i += 1
                continue
        added.append((f, [a for a in profile.attributes if a.keys]))  # an account not read before
    if i != n:
        return None
    rules = side.rules
    joined: dict[int, dict[int, Attribute]] = {}
    seen: dict[str, int] = {}
    rule_of: dict[str, FacetRule] = {}
    for f, attributes in added:
        for attr in attributes:
            for key in attr.keys:
                if key.startswith(BLOCKING_PREFIX):
                    continue
                facet = _facet_of(key)
                rule = rule_of.get(facet)
                if rule is None:
                    rule = rule_of[facet] = rules.facet(facet)
                if rule.level is None:
                    continue  # (grouped, never a pair nor a hub)
                h = side.hub_at.get(key)
                if h is not None:
                    if f < 0 or key not in side.hub_keys or rule.common or rule.names \
                            or key.startswith(PINYIN_MARK, len(facet) + 1):
                        return None
                    joined.setdefault(h, {}).setdefault(f, attr)
                    continue
                if key in side.keys or seen.setdefault(key, id(attr)) != id(attr):
                    return None
    same = not added or all(f < 0 for f, _a in added)
    return _Remap(to_final, from_final, joined, same and len(profiles) == len(partial))


def merge(side: ExactSide, profiles: Sequence[Profile],
          fuzzy_matches: Iterable[tuple[int, int, int, int, float, str]], *, more_values=None) -> Audit:
    """`engine.audit(profiles, side's rules and options, fuzzy_matches=..., hub_keys=...,
    more_values=...)`, by adding the fuzzy matches (and what linkage.completion finds beyond
    them) to `side`; `profiles` are those `side` was made from with what the matches name added
    (see the module's description). Anything else: the whole audit."""
    profiles = list(profiles)
    fuzzy_matches = list(fuzzy_matches)
    with _without_cyclic_gc():
        remap = _remap(side, profiles)
        if remap is None:
            return audit(profiles, side.rules, min_level=side.min_level, link_level=side.link_level,
                         explanations=side.explanations, mask=side.mask, fuzzy_matches=fuzzy_matches,
                         hub_keys=side.hub_keys, more_values=more_values)
        return _merge(side, profiles, fuzzy_matches, remap, more_values)


def _complete(evidence: dict, context: dict, profiles: list[Profile], matches: list, rules, more_values,
              touched: set[tuple[int, int]]) -> None:
    """linkage.completion over the merged evidence, as engine._audit runs it after the fuzzy
    matches: its values as one flat list of refs (account by account, as engine._group_by_key
    numbers them), the matches' (account, value) refs turned into those; every pair it adds
    to is `touched` (resolved again)."""
    held = list(map(_attributes_of, profiles))
    sizes = list(map(len, held))
    attr_flat: list[Attribute] = list(chain.from_iterable(held))
    owner_flat: list[int] = list(chain.from_iterable(map(repeat, range(len(profiles)), sizes)))
    base = list(accumulate(sizes, initial=0))
    flat = [FuzzyMatch(base[m.a[0]] + m.a[1], base[m.b[0]] + m.b[1], m.similarity, m.facet) for m in matches]
    touched.update(complete_pairs(evidence, context, flat, attr_flat, owner_flat, rules, more_values))


def _merge(side: ExactSide, profiles: list[Profile], fuzzy_matches: list, remap: _Remap,
           more_values=None) -> Audit:
    min_level, link_level = side.min_level, side.link_level
    hubs, attr_of, hubs_of_partial = side.hubs, side.attr_of, side.hubs_of
    to_final, from_final, joined = remap.to_final, remap.from_final, remap.joined
    if remap.same:
        names = side.names
        evidence, context = side.evidence, side.context
        hub_links = side.hub_links
    else:
        names = list(map(_name_of, profiles))
        evidence = {(to_final[a], to_final[b]): items for (a, b), items in side.evidence.items()}
        context = {(to_final[a], to_final[b]): items for (a, b), items in side.context.items()}
        hub_links = [(level, score, facet, [to_final[o] for o in members])
                     for level, score, facet, members in side.hub_links]
    n_exact = len(evidence)
    joined_of: dict[int, list[int]] = {}  # added account -> the hubs it joins, in order
    for h in sorted(joined):
        for f in joined[h]:
            joined_of.setdefault(f, []).append(h)

    def hubs_of(f: int) -> list[int] | None:
        i = from_final.get(f)
        return hubs_of_partial.get(i) if i is not None else joined_of.get(f)

    def member_attr(h: int, f: int) -> Attribute:
        i = from_final.get(f)
        return attr_of[hubs[h].members[i]] if i is not None else joined[h][f]

    class _HubOwners:
        def __contains__(self, f: object) -> bool:
            i = from_final.get(f) if isinstance(f, int) else None
            return i in hubs_of_partial if i is not None else f in joined_of

    # The matches as FuzzyMatch of (account, value) refs: ordered as `engine._given_matches`'
    # refs are (an account's values in order, the accounts in order).
    value_of: dict[tuple[int, int], Attribute] = {}
    owner_of: dict[tuple[int, int], int] = {}
    matches: list = []
    for a, va, b, vb, similarity, facet in fuzzy_matches:
        ra, rb = (a, va), (b, vb)
        value_of[ra], value_of[rb] = profiles[a].attributes[va], profiles[b].attributes[vb]
        owner_of[ra], owner_of[rb] = a, b
        matches.append(FuzzyMatch(min(ra, rb), max(ra, rb), similarity, facet))  # type: ignore[arg-type]
    touched: set[tuple[int, int]] = {(owner_of[m[0]], owner_of[m[1]]) for m in matches}
    _add_fuzzy(matches, value_of, owner_of, side.rules, evidence, context, _HubOwners())  # type: ignore[arg-type]
    _complete(evidence, context, profiles, matches, side.rules, more_values, touched)

    # Every pair resolved, in the evidence's order: as made early unless a match touched it.
    materialiser = side.materialiser
    done = side.done
    resolved: list[tuple[Level, float, int, int, tuple[str, ...] | None]] = []
    pair_counts: Counter[Level] = Counter()
    dropped: set[int] = set()  # made early, touched since
    made: list[PairRisk] = []
    for i, (pair, items) in enumerate(evidence.items()):
        if i < n_exact and pair not in touched:
            held = done[i]
            if held is not None:
                resolved.append((held.level, held.score, pair[0], pair[1], held.kinds))
                if held.level >= min_level:
                    pair_counts[held.level] += 1
            continue
        if i < n_exact and done[i] is not None and done[i].pair is not None:  # type: ignore[union-attr]
            dropped.add(id(done[i].pair))  # type: ignore[union-attr]
        a, b = pair
        outcome = _resolve_one(_with_context(items, context.get(pair), hubs_of(a), hubs_of(b), a, b, hubs,
                                             member_attr))
        if outcome is None:
            continue
        level, score, kept = outcome
        resolved.append((level, score, a, b, _link_kinds(kept) if level >= link_level else None))
        if level >= min_level:
            pair_counts[level] += 1
            made.append(materialiser.pair(names[a], names[b], level, score, kept))

    pairs = _placed(side.pairs, side.pair_keys, dropped, made)

    edges = [(level, score, a, b, kinds) for level, score, a, b, kinds in resolved if level >= link_level]
    # Clusters: those of the exact links that no match touches, as they were; the others
    # again from their links (Kruskal within each cluster depends only on its own links).
    changed = {name for a, b in touched for name in (names[a], names[b])}
    redo = {c for c in map(side.cluster_of.get, changed) if c is not None}
    if redo:
        clusters = side.clusters
        changed.update(name for c in redo for name in clusters[c].accounts)
    clusters = [c for n, c in enumerate(side.clusters) if n not in redo]
    if changed:
        clusters.extend(_clusters(
            names, [e for e in edges if names[e[2]] in changed],
            [link for link in hub_links if link[3] and names[link[3][0]] in changed]))
        clusters.sort(key=lambda c: (-c.level, -len(c.accounts), c.accounts))
    at_risk = _taint(profiles, names, edges, hub_links)
    return Audit(
        tuple(pairs), tuple(clusters), tuple(at_risk), tuple(side.reported_hubs),
        pairs_omitted=sum(pair_counts.values()) - len(pairs),
        pair_counts=MappingProxyType(dict(pair_counts)),
    )
