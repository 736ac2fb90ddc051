"""Pair completion: the values of two accounts that something already links, compared where the
blocking keys never brought them together, for the pairs whose link that could still change.

Blocking (the "~facet:..." keys, see engine.score_blocks) only spares comparing every two
accounts: two values are compared when a blocking key of each meets. Two addresses whose every
word the keys cut is mistyped or split (`7 canberrathse frankdton`, `7 canberra hse
frankston`) never meet, though they agree by parts once compared. So once something else has
made two accounts a pair -- or brought them together through a near match that alone makes no
pair (two ids one typo apart) -- their other values are compared as a block of two would compare
them, but only where it can change a link (`complete_pairs`): a pair below high, no more than a
near level (3 bits) below it, that the most its facets of other families could add lifts to
high. A facet found only at its near level (a name in part) is read again for a word split by
a space (`split_reading`), which the typo level's ratio on sorted words misreads. What is found
is kept only where the pair then reaches high: a pair it would leave below high stays as the
blocks left it, so the audit of a store with no such pair is unchanged to the byte.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Collection, Sequence

from ..models import Attribute, Level
from ..registry.facets import ID_TYPO_BITS, NEAR_WEIGHT, threshold_of
from . import comparisons
from .comparisons import Typo, _joined, comparisons_for, fuzzy_text, same_but_typos
from .evidence import Evidence, _resolve, shares_facet_key, weigh, weighed
from .rules import past_rule

if TYPE_CHECKING:
    from .engine import FuzzyMatch
    from .rules import Rules
    from ..store.prefilter import UndecodedValues


def most_added(rules: Rules) -> dict[str, tuple[str, float]]:
    """Each compared facet's family and the most a match of it that is not exact can weigh: its
    fuzzy level's weight (a name's rarity only takes off), or its near level's, an id's read
    as a typo (registry.facets.ID_TYPO_BITS) more."""
    out: dict[str, tuple[str, float]] = {}
    for facet in comparisons_for(rules):
        best, family = 0.0, ""
        fuzzy = rules.fuzzy.get(facet)
        if fuzzy is not None:
            best, family = max(best, fuzzy.weight), fuzzy.family
        near = rules.near.get(facet)
        if near is not None and near.weight > 0:
            typo = ID_TYPO_BITS if fuzzy is None else 0.0
            best, family = max(best, near.weight + typo), family or near.family
        if best > 0:
            out[facet] = (family, best)
    return out


def complete_pairs(evidence: dict, context: dict, matches: Sequence[FuzzyMatch], attr_of: list[Attribute],
                   owner: list[int], rules: Rules, more: UndecodedValues | None = None) -> set[tuple[int, int]]:
    """Adds to `evidence` and `context` (engine._audit's, after the blocks' fuzzy matches) what
    comparing the values of the pairs that could still reach high finds, as a block of two
    values would find it (`score_blocks`), and where it lifts the pair to high.

    A pair is compared when its level is below high, its weight so far (the strongest finding
    of each family, summed) is at most a near level (NEAR_WEIGHT) below high's threshold, and
    that weight plus the most each facet of a family it has no finding of could add
    (`most_added`) reaches it; then only those facets are compared, each value of one account
    against each of the other's of the same kind. A facet it has only a near finding of (a
    name in part) is read again for a word split by a space (`split_reading`). A pair only
    near matches brought together (`matches` of a near level, no other evidence: they make no
    pair alone and were not weighed) is compared the same way from the most those near matches
    could weigh (an id read as a typo). What is found is kept only where the pair then
    resolves to high; a pair it leaves below high stays as the blocks left it.

    `more`: the accounts' values not in `attr_of` (`Store.audit_input` decodes only what is
    shared): their kinds count as held, and a compared pair's values of the facets it compares
    are decoded and appended to `attr_of` and `owner` (so findings can name them). Without it,
    `attr_of` holds every value.

    Returns the pairs whose evidence (and context) it changed."""
    from .engine import FuzzyMatch, _add_fuzzy, _own_exact_key, _partial_tests, _set_similarity

    comparison_of = comparisons_for(rules)
    changed: set[tuple[int, int]] = set()
    adds = most_added(rules)
    if not adds:
        return changed
    partial_of = _partial_tests(rules, comparison_of)
    high = threshold_of(Level.HIGH)
    # The compared values each account holds, by facet (a value is compared under its kind's
    # own facet, as its blocking keys "~kind:..." are).
    held: dict[int, dict[str, list[int]]] = {}
    for r, attr in enumerate(attr_of):
        if attr.kind in adds:
            held.setdefault(owner[r], {}).setdefault(attr.kind, []).append(r)

    kinds_of: dict[int, set[str]] = {}

    def kinds(o: int) -> set[str]:
        got = kinds_of.get(o)
        if got is None:
            got = kinds_of[o] = set(held.get(o, ()))
            if more is not None:
                got.update(k for k in more.kinds(o) if k in adds)
        return got

    def both_hold(pair: tuple[int, int]) -> set[str]:
        return kinds(pair[0]) & kinds(pair[1])

    def reachable(best: dict[str, float], facets: Collection[str]) -> bool:
        more = dict(best)
        for facet in facets:
            family, weight = adds[facet]
            if weight > more.get(family, 0.0):
                more[family] = weight
        return sum(more.values()) >= high

    least = high - NEAR_WEIGHT  # the weight so far a pair needs to be compared (see above)
    # (pair, facets to compare, facets to read again for a split word, near matches that brought it)
    candidates: list[tuple[tuple[int, int], list[str], list[str], list[FuzzyMatch], dict[str, float]]] = []
    for pair, items in evidence.items():
        best: dict[str, float] = {}
        for e in items:
            rule = e.rule
            if not rule.context and rule.weight > best.get(rule.family, -1.0):
                best[rule.family] = rule.weight
        so_far = sum(best.values())
        if not least <= so_far < high:
            continue
        found_by: dict[str, bool] = {}  # facet -> whether all its findings are near ones
        for e in items:
            found_by[e.rule.facet] = found_by.get(e.rule.facet, True) and getattr(e.rule, "near", False)
        for e in context.get(pair, ()):
            found_by[e.rule.facet] = False
        common = both_hold(pair)
        facets = sorted(f for f in common if f not in found_by and adds[f][0] not in best)
        again = sorted(f for f in common if found_by.get(f) and f in rules.fuzzy and _splits(comparison_of[f]))
        if (facets or again) and reachable(best, facets + again):
            candidates.append((pair, facets, again, [], best))
    brought: dict[tuple[int, int], list[FuzzyMatch]] = {}
    for m in matches:
        pair = (owner[m.a], owner[m.b])
        if pair not in evidence and m.facet in rules.near:
            brought.setdefault(pair, []).append(m)
    for pair, near in brought.items():
        have = {m.facet for m in near}
        best = {}
        for facet in have:  # a near level's weight, an id's as a typo (the most it can weigh)
            rule = rules.near[facet]
            weight = rule.weight + (ID_TYPO_BITS if facet not in rules.fuzzy else 0.0)
            best[rule.family] = max(best.get(rule.family, 0.0), weight)
        common = both_hold(pair)
        facets = sorted(f for f in common if f not in have and adds[f][0] not in best)
        again = sorted(f for f in common if f in have and f in rules.fuzzy and _splits(comparison_of[f]))
        if (facets or again) and reachable(best, facets + again):
            candidates.append((pair, facets, again, near, best))
    if not candidates:
        return changed

    if more is not None:  # the compared accounts' undecoded values of the facets compared
        wanted: dict[int, set[str]] = {}
        for pair, facets, again, _near, _best in candidates:
            for o in pair:
                wanted.setdefault(o, set()).update(facets, again)
        for o in sorted(wanted):
            for attr in more.values(o, wanted[o]):
                held.setdefault(o, {}).setdefault(attr.kind, []).append(len(attr_of))
                attr_of.append(attr)
                owner.append(o)

    texts: dict[int, str] = {}
    parsed: dict[int, object] = {}

    def text(r: int, facet: str) -> str:
        got = texts.get(r)
        if got is None:
            got = texts[r] = fuzzy_text(attr_of[r].normalized, facet)
        return got

    def agree(facet: str, ra: int, rb: int) -> float | None:
        text_a, text_b = text(ra, facet), text(rb, facet)
        if not text_a or not text_b:
            return None
        if text_a == text_b:
            return 100.0 if _own_exact_key(attr_of[ra]) != _own_exact_key(attr_of[rb]) else None
        similarity = comparison_of[facet].compare(text_a, text_b)
        if similarity is None and facet in partial_of:
            parse, partial = partial_of[facet][0], partial_of[facet][1]
            for r in (ra, rb):
                if r not in parsed:
                    parsed[r] = parse(attr_of[r].normalized)
            if partial(parsed[ra], parsed[rb]):
                similarity = _set_similarity(text_a, text_b)
        return similarity

    def split(facet: str, ra: int, rb: int) -> Evidence | None:
        """Two values a word split by a space apart, as the facet's fuzzy rule weighs them."""
        similarity = split_reading(comparison_of[facet], text(ra, facet), text(rb, facet))
        if similarity is None:
            return None
        attr_a, attr_b = attr_of[ra], attr_of[rb]
        if shares_facet_key(attr_a, attr_b, facet):
            return None
        rule = rules.fuzzy[facet]
        if rule.names:
            rule = weighed(rule, weigh(rule, attr_a.normalized, other=attr_b.normalized))
        return Evidence(past_rule(rule, rules.past, attr_a, attr_b), attr_a, attr_b, similarity)

    def cost(facet: str) -> int:  # ids first (one C call), then names, addresses (parts) last
        return 0 if facet not in rules.fuzzy else 2 if facet in partial_of else 1

    for (a, b), facets, again, near, best in candidates:
        found: list[FuzzyMatch] = []
        read: list[Evidence] = []
        # The cheaper facets first; once those that found nothing leave high out of reach,
        # the rest are not compared (what they found could not be kept).
        left = sorted(facets + again, key=lambda f: (f not in again, cost(f), f))
        hopeless = False
        for facet in list(left):
            before = len(found) + len(read)
            for ra in held[a].get(facet, ()):
                for rb in held[b].get(facet, ()):
                    similarity = None if facet in again else agree(facet, ra, rb)
                    if similarity is not None:
                        found.append(FuzzyMatch(min(ra, rb), max(ra, rb), similarity, facet))
                    elif facet in rules.fuzzy and _splits(comparison_of[facet]):
                        item = split(facet, ra, rb)
                        if item is not None:
                            read.append(item)
            if len(found) + len(read) == before:
                left.remove(facet)
                if not reachable(best, left):
                    hopeless = True
                    break
        if hopeless or not found and not read:
            continue
        # Kept only where they lift the pair to high: below it, what the blocks did not
        # compare stays uncompared (a medium pair gains no finding it would not have had).
        pair = (a, b)
        trial = {pair: list(evidence.get(pair, ()))}
        trial_context = {pair: list(context.get(pair, ()))}
        _add_fuzzy([*near, *found], attr_of, owner, rules, trial, trial_context)
        for item in read:
            (trial_context if item.rule.context else trial)[pair].append(item)
        if not trial[pair]:
            continue
        outcome = _resolve(trial[pair] + trial_context[pair])
        if outcome is not None and outcome[0] >= Level.HIGH:
            evidence[pair] = trial[pair]
            if trial_context[pair]:
                context[pair] = trial_context[pair]
            changed.add(pair)
    return changed


def _splits(comparison) -> bool:
    """Whether the comparison's first level is a typo level (`split_reading` reads for it)."""
    return bool(comparison.levels) and isinstance(comparison.levels[0], Typo)


def split_reading(comparison, text_a: str, text_b: str) -> float | None:
    """The similarity of two fuzzy texts that differ by a word split by a space (or two run
    together) and typos, read as they are meant: the two pieces joined. `Typo` scores the
    texts with their words sorted, so `laur a hefford` reads `a hefford laur` and
    `jason mcmul len` reads `jason len mcmul` -- a ratio below the level's threshold though
    `same_but_typos` finds the one word. Here the pieces are joined (`laura`, `mcmullen`)
    before the ratio. None unless the comparison's first level is a typo level whose
    threshold the joined texts reach, and the texts differ by such a split."""
    if not text_a or not text_b or not _splits(comparison):
        return None
    level = comparison.levels[0]
    words_a, words_b = text_a.split(), text_b.split()
    set_a, set_b = set(words_a), set(words_b)
    only_a = sorted(w for w in words_a if w not in set_b)
    only_b = sorted(w for w in words_b if w not in set_a)
    if abs(len(only_a) - len(only_b)) != 1 or not same_but_typos(text_a, text_b):
        return None  # (a split leaves one word more on one side: `_joined`)
    rest_a, rest_b = _joined(only_a, only_b)
    if rest_a is only_a:
        return None  # no split: the typo level said what there is to say
    longer, rest, words, other = (only_a, rest_a, words_a, text_b) if len(only_a) > len(only_b) else \
        (only_b, rest_b, words_b, text_a)
    pieces = list((Counter(longer) - Counter(rest)).elements())
    shorter = only_b if longer is only_a else only_a
    whole = list((Counter(shorter) - Counter(rest_b if longer is only_a else rest_a)).elements())
    if len(pieces) != 2 or len(whole) != 1:
        return None
    x, y = pieces
    joined = x + y if comparisons.OSA.distance(x + y, whole[0]) <= comparisons.OSA.distance(y + x, whole[0]) else y + x
    kept = list(words)
    kept.remove(x)
    kept.remove(y)
    read = " ".join(sorted([*kept, joined]))
    similarity = comparisons.fuzz.ratio(read, other, processor=None, score_cutoff=level.threshold)
    return round(float(similarity), 1) if similarity else None
