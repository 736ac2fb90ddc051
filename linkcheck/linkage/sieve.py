"""The fuzzy scoring's sieve: the blocks in which no two values can match, found with a few
calls into C (rapidfuzz's `cpdist` and `cdist`, numpy) instead of comparing their pairs one
Python call at a time, so `engine.score_blocks` skips them.

On a large store nearly every block holds different things (the same street number in the
same city, a surname two companies share): at 100,000 accounts 78,000 blocks give 442
matches. A block is skipped only when, for every pair of its distinct texts, each comparison
level of its facet is certain to say no:

- `Typo` and `NearNumber` accept only texts whose rapidfuzz ratio reaches their threshold
  (they call `fuzz.ratio` with that cutoff first), so a pair below the lowest threshold is
  out;
- `SamePlace` accepts only one address whose words, less postcodes and administrative
  words, are all words of the other (`comparisons.same_place`), so a pair where neither
  holds is out.

A facet with any other level (or a level class not exactly one of these) is never sieved,
nor is a block in which two values have the same text (they may be a fuzzy 100). A block
skipped would have given no match, and the blocks kept are scored as before, in order: the
matches are the same, in the same order (tests compare them on randomized blocks).
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from .comparisons import _ADDRESS_FILLER, _MIN_POSTCODE_DIGITS, Comparison, NearNumber, SamePlace, Typo

# A word of digits only, long enough to be a postcode (comparisons._MIN_POSTCODE_DIGITS), in
# an ASCII fuzzy text (its words joined by single spaces).
_POSTCODE = re.compile(r"(?:^| )[0-9]{%d,}(?= |$)" % _MIN_POSTCODE_DIGITS)
# Above this many blocks `engine.score_blocks` sieves them (below, importing numpy and
# making the pairs would take longer than the comparisons it saves).
SIEVE_OVER = 2000
# Blocks of up to this many distinct texts are sieved pair by pair (all such pairs at once);
# larger ones, of a facet compared by ratio alone, one matrix each (`cdist`).
PAIRWISE_UP_TO = 4


def hopeless_blocks(
    blocks: Sequence[tuple[str, list[int]]],
    text_for: Callable[[int, str], str],
    comparison_of: dict[str, Comparison],
    skip: Callable[[list[int]], bool],
) -> set[int]:
    """Positions in `blocks` of the blocks no pair of whose texts any level can match.

    `text_for(ref, facet)` is a value's fuzzy text (the caller's memo: asked in block order,
    as the scoring asks), `skip(refs)` whether the scoring skips a block anyway (over the cap).
    """
    import numpy as np
    from rapidfuzz import fuzz, process

    plans = {facet: _plan(comparison) for facet, comparison in comparison_of.items()}
    # Pairs of distinct texts of small blocks, per facet.
    pairs: dict[str, _Pairs] = {}
    hopeless: set[int] = set()
    for at, (facet, refs) in enumerate(blocks):
        plan = plans.get(facet)
        if plan is None or skip(refs):
            continue
        cutoff, place = plan
        if len(refs) == 2:  # most blocks
            text_a, text_b = text_for(refs[0], facet), text_for(refs[1], facet)
            if not text_a or not text_b:
                hopeless.add(at)
            elif text_a != text_b:  # (the same text: perhaps a fuzzy 100)
                _pairs_of(pairs, facet).add(at, text_a, text_b)
            continue
        texts = [text for text in (text_for(r, facet) for r in refs) if text]
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            continue  # the same text twice: perhaps a fuzzy 100
        if len(distinct) < 2:
            hopeless.add(at)
            continue
        if len(distinct) <= PAIRWISE_UP_TO or place:
            held = _pairs_of(pairs, facet)
            for x in range(len(distinct) - 1):
                for y in range(x + 1, len(distinct)):
                    held.add(at, distinct[x], distinct[y])
            continue
        scores = process.cdist(distinct, distinct, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff,
                               dtype=np.float64)
        if np.count_nonzero(scores) == len(distinct):  # only each text against itself
            hopeless.add(at)
    for facet, held in pairs.items():
        where, first, second = held.where, held.first, held.second
        cutoff, place = plans[facet]  # type: ignore[misc]  # only facets with a plan have pairs
        possible = np.zeros(len(where), dtype=bool)
        if cutoff is not None:
            possible |= process.cpdist(first, second, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff,
                                       dtype=np.float64) > 0
        if place:
            possible |= _one_within_the_other(first, second)
        blocks_at = np.asarray(where, dtype=np.int64)
        kept = np.zeros(len(blocks), dtype=bool)
        kept[blocks_at[possible]] = True
        hopeless.update(np.unique(blocks_at[~kept[blocks_at]]).tolist())
    return hopeless


class _Pairs:
    """Pairs of texts to sieve, each with its block's position."""

    __slots__ = ("where", "first", "second")

    def __init__(self) -> None:
        self.where: list[int] = []
        self.first: list[str] = []
        self.second: list[str] = []

    def add(self, at: int, a: str, b: str) -> None:
        self.where.append(at)
        self.first.append(a)
        self.second.append(b)


def _pairs_of(pairs: dict[str, _Pairs], facet: str) -> _Pairs:
    held = pairs.get(facet)
    if held is None:
        held = pairs[facet] = _Pairs()
    return held


def _plan(comparison: Comparison) -> tuple[float | None, bool] | None:
    """(the lowest ratio threshold of its levels, whether one is `SamePlace`), or None when a
    level is one the sieve cannot rule out."""
    cutoff: float | None = None
    place = False
    for level in comparison.levels:
        if type(level) in (Typo, NearNumber):
            cutoff = level.threshold if cutoff is None else min(cutoff, level.threshold)
        elif type(level) is SamePlace:
            place = True
        else:
            return None
    if cutoff is None and not place:
        return None
    return cutoff, place


def _one_within_the_other(first: list[str], second: list[str]):
    """For each pair of address texts, whether the words of one, less postcodes and
    administrative words (`comparisons._place_words`' core), are all words of the other:
    rapidfuzz's token_set_ratio of the two cores is 100 exactly when one's words are all
    in the other and they share one. An empty core (`same_place` then says no) counts as
    possible all the same: the sieve only ever keeps more."""
    import numpy as np
    from rapidfuzz import fuzz, process

    core: dict[str, str] = {}
    for text in (*first, *second):
        if text in core:
            continue
        if text.isascii() and _POSTCODE.search(text) is None and _ADDRESS_FILLER.isdisjoint(text.split()):
            core[text] = text  # most addresses: nothing to leave out (ASCII: isdigit is [0-9])
        else:
            core[text] = " ".join(
                w for w in text.split() if w not in _ADDRESS_FILLER and not (len(w) >= _MIN_POSTCODE_DIGITS and w.isdigit())
            )
    core_a = list(map(core.__getitem__, first))
    core_b = list(map(core.__getitem__, second))
    within = process.cpdist(core_a, core_b, scorer=fuzz.token_set_ratio, processor=None, score_cutoff=100,
                            dtype=np.float64) >= 100
    empty = np.fromiter((not a or not b for a, b in zip(core_a, core_b, strict=True)), dtype=bool, count=len(core_a))
    return within | empty
