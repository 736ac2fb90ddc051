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
from itertools import chain
from typing import TYPE_CHECKING, Callable, Collection, Sequence

from ..models import Attribute, Level
from ..registry.facets import ID_TYPO_BITS, NEAR_WEIGHT, threshold_of
from . import comparisons
from .comparisons import NearDigits, Typo, _joined, comparisons_for, fuzzy_text, fuzzy_texts, same_but_typos
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

    # Each account's compared kinds, one frozenset object per distinct set (shapes below).
    kinds_of: dict[int, frozenset[str]] = {}
    interned: dict[frozenset[str], frozenset[str]] = {}

    if more is None:  # (else each account's are read when asked for)
        for o, by_kind in held.items():
            mine = frozenset(by_kind)
            kinds_of[o] = interned.setdefault(mine, mine)

    def kinds(o: int) -> frozenset[str]:
        got = kinds_of.get(o)
        if got is None:
            mine = set(held.get(o, ()))
            if more is not None:
                mine.update(k for k in more.kinds(o) if k in adds)
            got = frozenset(mine)
            got = kinds_of[o] = interned.setdefault(got, got)
        return got

    def reachable(best: dict[str, float], facets: Collection[str]) -> bool:
        more = dict(best)
        for facet in facets:
            family, weight = adds[facet]
            if weight > more.get(family, 0.0):
                more[family] = weight
        return sum(more.values()) >= high

    # The facets read again for a word split by a space (their first level a typo level).
    splits = {f for f in adds if f in rules.fuzzy and _splits(comparison_of[f])}
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
        common = kinds(pair[0]) & kinds(pair[1])
        facets = sorted(f for f in common if f not in found_by and adds[f][0] not in best)
        again = sorted(f for f in common if found_by.get(f) and f in splits)
        if (facets or again) and reachable(best, facets + again):
            candidates.append((pair, facets, again, [], best))
    brought: dict[tuple[int, int], list[FuzzyMatch]] = {}
    near_rules = rules.near
    for m in matches:
        if m.facet in near_rules:
            pair = (owner[m.a], owner[m.b])
            if pair not in evidence:
                brought.setdefault(pair, []).append(m)
    # A pair near matches brought is decided by its shape alone -- the facets of those matches,
    # in order, and the kinds each account holds -- once per shape (tens of thousands of pairs
    # that share a family name, a few shapes).
    shape_at: dict[tuple, int] = {}
    shapes: list[tuple[list[str], list[str], dict[str, float]] | None] = []
    shape_of: list[int] = []  # each brought pair's shape (-1: none, not compared)
    held_kinds = kinds_of.get
    for pair, near in brought.items():
        kinds_a = held_kinds(pair[0]) or kinds(pair[0])
        kinds_b = held_kinds(pair[1]) or kinds(pair[1])
        key = (near[0].facet if len(near) == 1 else tuple(m.facet for m in near), kinds_a, kinds_b)
        at = shape_at.get(key)
        if at is None:
            have = {m.facet for m in near}
            best = {}
            for facet in have:  # a near level's weight, an id's as a typo (the most it can weigh)
                rule = near_rules[facet]
                weight = rule.weight + (ID_TYPO_BITS if facet not in rules.fuzzy else 0.0)
                best[rule.family] = max(best.get(rule.family, 0.0), weight)
            common = kinds_a & kinds_b
            facets = sorted(f for f in common if f not in have and adds[f][0] not in best)
            again = sorted(f for f in common if f in have and f in splits)
            worth = (facets or again) and reachable(best, facets + again)
            at = shape_at[key] = len(shapes) if worth else -1
            if worth:
                shapes.append((facets, again, best))
        shape_of.append(at)
    del shape_at
    if not candidates and not shapes:
        return changed

    if more is not None:  # the compared accounts' undecoded values of the facets compared
        wanted: dict[int, set[str]] = {}
        for pair, facets, again, _near, _best in candidates:
            for o in pair:
                wanted.setdefault(o, set()).update(facets, again)
        for pair, at in zip(brought, shape_of, strict=True):
            if at >= 0:
                facets, again, _best = shapes[at]  # type: ignore[misc]  # (at >= 0: a shape)
                for o in pair:
                    wanted.setdefault(o, set()).update(facets, again)
        for o in sorted(wanted):
            for attr in more.values(o, wanted[o]):
                held.setdefault(o, {}).setdefault(attr.kind, []).append(len(attr_of))
                attr_of.append(attr)
                owner.append(o)

    texts: dict[int, str] = {}
    parsed: dict[int, object] = {}
    words_of: dict[int, tuple[int, bool]] = {}

    def text(r: int, facet: str) -> str:
        got = texts.get(r)
        if got is None:
            got = texts[r] = fuzzy_text(attr_of[r].normalized, facet)
        return got

    # An id compared by near levels alone (one edit apart): two texts more than one edit apart
    # are not compared further (`NearDigits` asks that of them first).
    by_edits = {f for f, comparison in comparison_of.items()
                if comparison.levels and all(type(level) is NearDigits for level in comparison.levels)}

    def agree(facet: str, ra: int, rb: int) -> float | None:
        text_a, text_b = text(ra, facet), text(rb, facet)
        if not text_a or not text_b:
            return None
        if text_a == text_b:
            return 100.0 if _own_exact_key(attr_of[ra]) != _own_exact_key(attr_of[rb]) else None
        if facet in by_edits and comparisons.OSA.distance(text_a, text_b, score_cutoff=1) > 1:
            return None
        similarity = comparison_of[facet].compare(text_a, text_b)
        if similarity is None and facet in partial_of:
            parse, partial = partial_of[facet][0], partial_of[facet][1]
            for r in (ra, rb):
                if r not in parsed:
                    parsed[r] = parse(attr_of[r].normalized)
            if partial(parsed[ra], parsed[rb]):
                similarity = _set_similarity(text_a, text_b)
        return similarity

    def words(r: int, facet: str) -> tuple[int, bool]:
        got = words_of.get(r)
        if got is None:
            split_words = text(r, facet).split()
            got = words_of[r] = (len(split_words), len(set(split_words)) < len(split_words))
        return got

    def split(facet: str, ra: int, rb: int) -> Evidence | None:
        """Two values a word split by a space apart, as the facet's fuzzy rule weighs them."""
        # A split leaves one word more on one side than the other has that it lacks: with no
        # word twice on either side, one word more in all (`split_reading`).
        (count_a, twice_a), (count_b, twice_b) = words(ra, facet), words(rb, facet)
        if not twice_a and not twice_b and abs(count_a - count_b) != 1:
            return None
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

    def compared(facet: str, is_again: bool, a: int, b: int) -> tuple[list[FuzzyMatch], list[Evidence]]:
        """What comparing the two accounts' values of `facet` finds: matches, split readings."""
        found: list[FuzzyMatch] = []
        read: list[Evidence] = []
        reads = facet in splits
        for ra in held[a].get(facet, ()):
            for rb in held[b].get(facet, ()):
                similarity = None if is_again else agree(facet, ra, rb)
                if similarity is not None:
                    found.append(FuzzyMatch(min(ra, rb), max(ra, rb), similarity, facet))
                elif reads:
                    item = split(facet, ra, rb)
                    if item is not None:
                        read.append(item)
        return found, read

    def cost(facet: str) -> int:  # ids first (one C call), then names, addresses (parts) last
        return 0 if facet not in rules.fuzzy else 2 if facet in partial_of else 1

    def kept_order_of(facets: list[str], again: list[str]) -> list[str]:
        return sorted(facets + again, key=lambda f: (f not in again, cost(f), f))

    # The pairs near matches brought, each with its shape's facets; when many, those that a
    # necessary test finds cannot be lifted to high left out first.
    pairs, nears = list(brought), list(brought.values())
    del brought
    if len(pairs) > PRETEST_OVER:
        rows = _pretested(pairs, shape_of, shapes, held, attr_of, texts, splits, by_edits, kept_order_of, reachable)
    else:
        rows = [row for row, at in enumerate(shape_of) if at >= 0]
    for row in rows:
        facets, again, best = shapes[shape_of[row]]  # type: ignore[misc]  # (rows have a shape)
        candidates.append((pairs[row], facets, again, nears[row], best))
    del pairs, nears, shape_of

    # The facets in the order their findings are kept (facets read again first, then ids,
    # names, addresses), and the order they are compared in: the cheapest first (a facet
    # only read again for a split word costs a word count most often), so that once those
    # that found nothing leave high out of reach the rest are not compared (what they found
    # could not be kept). Whether a pair's findings are kept does not depend on the order:
    # `reachable` of the facets that found something, as checked after each that did not.
    orders: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[list[str], list[str]]] = {}
    for (a, b), facets, again, near, best in candidates:
        order_key = (tuple(facets), tuple(again))
        got_order = orders.get(order_key)
        if got_order is None:
            kept_order = kept_order_of(facets, again)
            tried_order = sorted(kept_order, key=lambda f: (0 if f in again else 1 + cost(f), f))
            got_order = orders[order_key] = (kept_order, tried_order)
        kept_order, tried_order = got_order
        results: dict[str, tuple[list[FuzzyMatch], list[Evidence]]] = {}
        empty: set[str] = set()
        hopeless = False
        for facet in tried_order:
            result = compared(facet, facet in again, a, b)
            if result[0] or result[1]:
                results[facet] = result
                continue
            empty.add(facet)
            if not reachable(best, [f for f in kept_order if f not in empty]):
                hopeless = True
                break
        if hopeless or not results:
            continue
        # As compared in the kept order, one facet after another: after each that found
        # nothing, whether high is still within reach of those left.
        left = list(kept_order)
        for facet in kept_order:
            if facet in empty:
                left.remove(facet)
                if not reachable(best, left):
                    hopeless = True
                    break
        if hopeless:
            continue
        found = [m for facet in kept_order if facet in results for m in results[facet][0]]
        read = [item for facet in kept_order if facet in results for item in results[facet][1]]
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


# Above this many pairs to compare, those that near matches brought are first tested all at once
# (`_pretested`; below, importing numpy would take longer than the comparisons it spares).
PRETEST_OVER = 1000


def _pretested(pairs: list[tuple[int, int]], shape_of: list[int], shapes: list,
               held: dict[int, dict[str, list[int]]], attr_of: list[Attribute], texts: dict[int, str],
               splits: Collection[str], by_edits: Collection[str],
               kept_order_of: Callable[[list[str], list[str]], list[str]],
               reachable: Callable[[dict[str, float], Collection[str]], bool]) -> list[int]:
    """The rows of `pairs` (complete_pairs' pairs that near matches brought, each of the shape
    `shapes[shape_of[row]]`: facets, facets read again, weight so far; -1 for none, never
    compared) worth comparing, in order: those a necessary test does not find out of reach
    of high, for all of them at once -- the tens of thousands of pairs that share a family
    name and nothing else, most of which no facet could lift.

    Two necessary tests, each over every such pair holding one value of the facet on each side
    (numpy, and rapidfuzz's `cpdist` in C): a facet only read again for a split word finds
    nothing unless, of the words only one side has, one side has one more and the other a
    word of five letters or more (`split_reading`, `_joined`); an id compared by near levels
    alone (`NearDigits`) finds nothing between two texts more than one edit apart. A pair is
    left out when the facets left -- those whose test it passed, or that have none -- cannot
    lift it to high (`reachable`): whatever the others would find could not be kept, as
    `complete_pairs` would find comparing them one by one (whether a pair's findings are kept
    depends only on the facets that found something). `texts`: the fuzzy texts made so far,
    by ref (made here for the values tested, as `fuzzy_text` makes them)."""
    import numpy as np
    from rapidfuzz import process

    n = len(pairs)
    pair_owners = np.fromiter(chain.from_iterable(pairs), dtype=np.int64, count=2 * n).reshape(n, 2)
    owners = int(pair_owners.max()) + 1
    shape_no = np.array(shape_of, dtype=np.int64)

    def single_ref(facet: str) -> np.ndarray:
        """The ref of each account's value of `facet`, -1 unless it holds exactly one."""
        table = np.full(owners, -1, dtype=np.int64)
        for o, by_kind in held.items():
            refs = by_kind.get(facet)
            if refs is not None and len(refs) == 1 and o < owners:
                table[o] = refs[0]
        return table

    def texts_of(facet: str, refs: list[int]) -> list[str]:
        missing = [r for r in refs if r not in texts]
        if missing:
            texts.update(zip(missing, fuzzy_texts([attr_of[r].normalized for r in missing], facet), strict=True))
        return list(map(texts.__getitem__, refs))

    def test(facet: str, kind: str, rows: np.ndarray) -> np.ndarray:
        """Whether each pair of `rows` may find something in `facet` (True where an account
        holds more or fewer than one value of it: compared one by one)."""
        table = single_ref(facet)
        ref_a, ref_b = table[pair_owners[rows, 0]], table[pair_owners[rows, 1]]
        known = np.flatnonzero((ref_a >= 0) & (ref_b >= 0))
        got = np.ones(len(rows), dtype=bool)
        # Each value once: its text (and, for a split, its words).
        values, inverse = np.unique(np.concatenate([ref_a[known], ref_b[known]]), return_inverse=True)
        inverse = inverse.reshape(-1)
        side_a, side_b = inverse[: len(known)], inverse[len(known):]
        text = texts_of(facet, values.tolist())
        if kind == "split":
            words = list(map(str.split, text))
            count = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
            twice = np.fromiter(map(len, map(set, words)), dtype=np.int64, count=len(words)) < count
            # Neither holds a word twice: the words only one side has differ in number as the
            # words do (a split leaves one more on one side).
            may = (count[side_a] > 0) & (count[side_b] > 0) & (
                twice[side_a] | twice[side_b] | (np.abs(count[side_a] - count[side_b]) == 1))
            word_sets = list(map(set, words))
            for at in np.flatnonzero(may).tolist():
                x, y = side_a[at], side_b[at]
                if twice[x] or twice[y]:
                    may[at] = _may_split(words[x], words[y])
                else:  # (no word twice: the words only one side has are a set difference)
                    may[at] = _may_split_sets(word_sets[x] - word_sets[y], word_sets[y] - word_sets[x])
            got[known] = may
        else:
            text_a, text_b = list(map(text.__getitem__, side_a.tolist())), list(map(text.__getitem__, side_b.tolist()))
            apart = np.asarray(process.cpdist(text_a, text_b, scorer=comparisons.OSA.distance, processor=None,
                                              score_cutoff=1))
            empty = np.fromiter(map(len, text), dtype=np.int64, count=len(text)) == 0
            got[known] = (apart <= 1) & ~empty[side_a] & ~empty[side_b]
        return got

    # The tests each shape asks for, each run once over the pairs of all shapes that ask for it.
    tests_of: dict[int, list[tuple[str, str]]] = {}
    rows_of: dict[int, np.ndarray] = {}
    asked: dict[tuple[str, str], list[np.ndarray]] = {}
    for at, shape in enumerate(shapes):
        if shape is None:
            continue
        facets, again, _best = shape
        tested = [(f, "split") for f in again if f in splits] + \
            [(f, "edits") for f in facets if f in by_edits and f not in splits]
        mine = np.flatnonzero(shape_no == at)
        if tested and len(mine):
            tests_of[at], rows_of[at] = tested, mine
            for one in tested:
                asked.setdefault(one, []).append(mine)
    passed: dict[tuple[str, str], np.ndarray] = {}
    for (facet, kind), parts in asked.items():
        rows = np.concatenate(parts)
        passed[(facet, kind)] = outcome = np.zeros(n, dtype=bool)
        outcome[rows] = test(facet, kind, rows)

    keep = shape_no >= 0
    for at, tested in tests_of.items():
        facets, again, best = shapes[at]
        mine = rows_of[at]
        code = np.zeros(len(mine), dtype=np.int64)
        for bit, one in enumerate(tested):
            code |= passed[one][mine].astype(np.int64) << bit
        kept_order = kept_order_of(facets, again)
        for value in np.unique(code).tolist():
            found_nothing = {facet for bit, (facet, _kind) in enumerate(tested) if not value >> bit & 1}
            left = [f for f in kept_order if f not in found_nothing]
            if not left or not reachable(best, left):
                keep[mine[code == value]] = False
    return np.flatnonzero(keep).tolist()


def _may_split(words_a: list[str], words_b: list[str]) -> bool:
    """Whether two texts' words leave room for `split_reading` to find a split word: of the
    words only one side has, one side has one more, two of them letters only, and the other
    a word of five letters or more (`_joined`)."""
    set_a, set_b = set(words_a), set(words_b)
    return _may_split_sets([w for w in words_a if w not in set_b], [w for w in words_b if w not in set_a])


def _may_split_sets(only_a: Collection[str], only_b: Collection[str]) -> bool:
    """`_may_split` of the words only one side has."""
    longer, shorter = (only_a, only_b) if len(only_a) > len(only_b) else (only_b, only_a)
    if len(longer) != len(shorter) + 1 or not shorter:
        return False
    return sum(map(str.isalpha, longer)) >= 2 and any(len(w) >= 5 and w.isalpha() for w in shorter)


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
