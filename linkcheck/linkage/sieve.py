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

import functools
import operator
import re
from itertools import chain
from typing import Callable, Sequence

from .comparisons import _ADDRESS_FILLER, _MIN_POSTCODE_DIGITS, Comparison, NearNumber, SamePlace, Typo

# A whole word of an ASCII fuzzy text that an address's core leaves out: an administrative
# word (comparisons._ADDRESS_FILLER) or a postcode (_MIN_POSTCODE_DIGITS digits or more).
_LEFT_OUT = re.compile(r"(?<!\S)(?:%s|[0-9]{%d,})(?!\S)" % (
    "|".join(map(re.escape, sorted(_ADDRESS_FILLER, key=lambda w: (-len(w), w)))), _MIN_POSTCODE_DIGITS))
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
    texts_for: Callable[[list[int], str], list[str]] | None = None,
) -> set[int]:
    """Positions in `blocks` of the blocks no pair of whose texts any level can match.

    `text_for(ref, facet)` is a value's fuzzy text (the caller's memo), asked once per value,
    or `texts_for(refs, facet)` those of many values of one facet at once when given;
    `skip(refs)` whether the scoring skips a block anyway (over the cap).

    The blocks are laid out as arrays (numpy), each value's text asked once: a block with an
    empty text, or with fewer than two texts, is hopeless; one holding a text twice is kept
    (perhaps a fuzzy 100); the pairs of distinct texts of the others, each pair of values
    once, are tested in one call per facet and test (the ratio's `cpdist`,
    `_one_within_the_other`), but for the larger blocks of a facet compared by ratio alone,
    each of which is one matrix (`cdist`).
    """
    import numpy as np
    from rapidfuzz import fuzz, process

    plans = {facet: _plan(comparison) for facet, comparison in comparison_of.items()}
    code_of = {facet: code for code, facet in enumerate(plans)}
    n = len(blocks)
    # Each block's facet (-1: none with a plan) and size; every block's refs in one array.
    facet_code = np.fromiter((code_of.get(facet, -1) for facet, _refs in blocks), dtype=np.int64, count=n)
    planned = [code for code, facet in enumerate(plans) if plans[facet] is not None]
    active = np.isin(facet_code, planned)
    sizes = np.fromiter((len(refs) for _facet, refs in blocks), dtype=np.int64, count=n)
    for at in np.flatnonzero(active).tolist():
        if skip(blocks[at][1]):
            active[at] = False
    entry_block = np.repeat(np.arange(n, dtype=np.int64), sizes)
    entry_ref = np.fromiter(chain.from_iterable(refs for _facet, refs in blocks), dtype=np.int64,
                            count=int(sizes.sum()))
    live = active[entry_block]
    entry_block, entry_ref = entry_block[live], entry_ref[live]
    # Each value's text, asked once (of the facet of the first block it is in).
    refs, first, entry_value = np.unique(entry_ref, return_index=True, return_inverse=True)
    entry_value = entry_value.reshape(-1)
    facets = list(plans)
    value_facet = facet_code[entry_block[first]]
    if texts_for is None:
        texts = list(map(text_for, refs.tolist(), map(facets.__getitem__, value_facet.tolist())))
    else:
        made = np.empty(len(refs), dtype=object)
        for code in np.unique(value_facet).tolist():
            chosen = np.flatnonzero(value_facet == code)
            made[chosen] = texts_for(refs[chosen].tolist(), facets[code])
        texts = made.tolist()
        del made
    # Equal texts have equal hashes (and two texts of one block with equal hashes are taken
    # for one text twice: the block is kept, which is always safe).
    text_number = np.fromiter(map(hash, texts), dtype=np.int64, count=len(texts))
    empty = np.fromiter(map(operator.not_, texts), dtype=bool, count=len(texts))
    # A block's texts: its entries with a text, in order.
    full = ~empty[entry_value]
    entry_block, entry_value = entry_block[full], entry_value[full]
    with_text = np.bincount(entry_block, minlength=n)
    # A block holding one text twice is kept (`twice`), one with fewer than two texts is out.
    order = np.lexsort((text_number[entry_value], entry_block))
    by_block, by_text = entry_block[order], text_number[entry_value[order]]
    twice = np.zeros(n, dtype=bool)
    twice[by_block[1:][(by_block[1:] == by_block[:-1]) & (by_text[1:] == by_text[:-1])]] = True
    hopeless_at = active & ~twice & (with_text < 2)
    tested = active & ~twice & (with_text >= 2)
    # Blocks tested pair by pair: the small ones, and any of a facet with a place test.
    place_codes = [code for code, plan in enumerate(plans.values()) if plan is not None and plan[1]]
    by_pairs = tested & ((with_text <= PAIRWISE_UP_TO) | np.isin(facet_code, place_codes))
    by_matrix = tested & ~by_pairs
    keep = by_pairs[entry_block]
    pair_block, pair_a, pair_b = _pairs_within(entry_block[keep], entry_value[keep], with_text, np)
    possible_block = np.zeros(n, dtype=bool)
    pair_facet = facet_code[pair_block]
    for code in np.unique(pair_facet).tolist():
        cutoff, place = plans[facets[code]]  # type: ignore[misc]  # only facets with a plan have pairs
        mine = pair_facet == code
        # Each pair of values once (two values in several blocks together).
        low = np.minimum(pair_a[mine], pair_b[mine])
        high = np.maximum(pair_a[mine], pair_b[mine])
        once, back = np.unique(low * len(texts) + high, return_inverse=True)
        first_texts = list(map(texts.__getitem__, (once // len(texts)).tolist()))
        second_texts = list(map(texts.__getitem__, (once % len(texts)).tolist()))
        possible = np.zeros(len(once), dtype=bool)
        if cutoff is not None:
            possible |= process.cpdist(first_texts, second_texts, scorer=fuzz.ratio, processor=None,
                                       score_cutoff=cutoff, dtype=np.float64) > 0
        if place:
            possible |= _one_within_the_other(first_texts, second_texts)
        possible_block[pair_block[mine][possible[back.reshape(-1)]]] = True
    hopeless_at |= by_pairs & ~possible_block
    # The larger blocks of a facet compared by ratio alone: one matrix each.
    matrix = by_matrix[by_block]
    in_matrix = by_block[matrix]
    values = entry_value[order][matrix].tolist()
    starts = np.flatnonzero(np.concatenate(([True], in_matrix[1:] != in_matrix[:-1]))).tolist() if values else []
    for at, start, end in zip(in_matrix[starts].tolist(), starts, starts[1:] + [len(values)] if starts else [], strict=True):
        distinct = list(map(texts.__getitem__, values[start:end]))
        cutoff = plans[blocks[at][0]][0]  # type: ignore[index]  # a facet with a plan
        scores = process.cdist(distinct, distinct, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff,
                               dtype=np.float64)
        if np.count_nonzero(scores) == len(distinct):  # only each text against itself
            hopeless_at[at] = True
    return set(np.flatnonzero(hopeless_at).tolist())


def _pairs_within(block, value, with_text, np):
    """Every pair of values x < y (positions in the entries) of each block, the entries
    (`block`, `value`) given block by block: (block, value x, value y) arrays."""
    starts = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1]))) if len(block) else block
    sizes = with_text[block[starts]] if len(block) else block
    out_block, out_a, out_b = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for size in np.unique(sizes).tolist():
        base = starts[sizes == size]
        x, y = np.triu_indices(size, 1)
        out_block.append(np.repeat(block[base], len(x)))
        out_a.append(value[(base[:, None] + x[None, :]).reshape(-1)])
        out_b.append(value[(base[:, None] + y[None, :]).reshape(-1)])
    return np.concatenate(out_block), np.concatenate(out_a), np.concatenate(out_b)


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

    # Each text's core once. In an ASCII text a digit is [0-9], so one substitution in C
    # takes out its administrative words and postcodes (`_LEFT_OUT`); any other text is
    # read word by word.
    texts = list(dict.fromkeys(chain(first, second)))
    cores = list(map(" ".join, map(str.split, map(functools.partial(_LEFT_OUT.sub, ""), texts))))
    for at in [at for at, text in enumerate(texts) if not text.isascii()]:
        cores[at] = " ".join(
            w for w in texts[at].split() if w not in _ADDRESS_FILLER and not (len(w) >= _MIN_POSTCODE_DIGITS and w.isdigit())
        )
    core = dict(zip(texts, cores, strict=True))
    del texts, cores
    core_a = list(map(core.__getitem__, first))
    core_b = list(map(core.__getitem__, second))
    within = process.cpdist(core_a, core_b, scorer=fuzz.token_set_ratio, processor=None, score_cutoff=100,
                            dtype=np.float64) >= 100
    empty_a = np.fromiter(map(operator.not_, core_a), dtype=bool, count=len(core_a))
    empty_b = np.fromiter(map(operator.not_, core_b), dtype=bool, count=len(core_b))
    return within | empty_a | empty_b
