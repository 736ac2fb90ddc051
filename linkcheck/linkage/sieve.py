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

The address by its parts (`comparisons.agree_in_parts`) is no comparison level: of the
blocks found here, `engine.score_blocks` skips only those in which `parts_may_agree`, a
necessary test of it in numpy, finds no pair that may agree; it scores the others in full.
"""

from __future__ import annotations

import functools
import operator
import re
from itertools import chain, count
from operator import itemgetter
from typing import TYPE_CHECKING, Callable, Iterable, NamedTuple, Sequence

from .comparisons import (
    _ADDRESS_FILLER, _DIGITS, _MIN_POSTCODE_DIGITS, _PARTS_MAX_UNMATCHED, _UNIT_WORDS, Comparison, NearNumber, SamePlace,
    Typo, _address_generic,
)

if TYPE_CHECKING:
    import numpy as np

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
    partners: dict[int, set[str]] | None = None,
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

    `partners`, when given, receives for each block of such a matrix its position and the
    texts of it that reach the cutoff with another of its texts: the only ones the scoring need
    compare with the texts after them (a text no other one reaches is matched by no level of
    the facet, each of which accepts only a pair reaching its ratio); and likewise for each
    block of more than two values tested pair by pair, its texts that come first in a pair
    found possible (a pair no test finds possible no level matches). A hopeless block's are none: the scoring
    tries no level on it if a partial test keeps it all the same (`engine.score_blocks`).
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
    # (The entries come block by block, so this is `np.lexsort((text_number[entry_value],
    # entry_block))`, the same order, as one stable sort of numbers: a text's rank among the
    # texts under its block's; timsort takes the block runs already in order.)
    _numbers, text_rank = np.unique(text_number, return_inverse=True)
    order = np.argsort(entry_block * len(texts) + text_rank.reshape(-1)[entry_value], kind="stable")
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
    possible_pairs = []  # (block, value, value) of the pairs found possible, for `partners`
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
        found = possible[back.reshape(-1)]
        possible_block[pair_block[mine][found]] = True
        if partners is not None:
            possible_pairs.append((pair_block[mine][found], pair_a[mine][found], pair_b[mine][found]))
    hopeless_at |= by_pairs & ~possible_block
    if partners is not None:
        _pair_partners(partners, by_pairs & (sizes > 2), possible_pairs, texts, np)
    # The larger blocks of a facet compared by ratio alone: one matrix each.
    matrix = by_matrix[by_block]
    in_matrix = by_block[matrix]
    values = entry_value[order][matrix].tolist()
    in_order = list(map(texts.__getitem__, values))  # the matrices' texts, block after block
    starts = np.flatnonzero(np.concatenate(([True], in_matrix[1:] != in_matrix[:-1]))).tolist() if values else []
    for at, start, end in zip(in_matrix[starts].tolist(), starts, starts[1:] + [len(values)] if starts else [], strict=True):
        distinct = in_order[start:end]
        cutoff = plans[blocks[at][0]][0]  # type: ignore[index]  # a facet with a plan
        # Against a copy: rapidfuzz scores one list against itself by another path, slower
        # than its batched one for two lists (about a fifth, on the bench store's blocks).
        scores = process.cdist(distinct, in_order[start:end], scorer=fuzz.ratio, processor=None, score_cutoff=cutoff,
                               dtype=np.float64)
        if np.count_nonzero(scores) == len(distinct):  # only each text against itself
            hopeless_at[at] = True
            if partners is not None:
                partners[at] = set()
        elif partners is not None:
            np.fill_diagonal(scores, 0)
            partners[at] = set(map(distinct.__getitem__, np.flatnonzero(scores.any(axis=1)).tolist()))
    return set(np.flatnonzero(hopeless_at).tolist())


def _pair_partners(partners: dict[int, set[str]], wanted, possible_pairs: list, texts: list[str], np) -> None:
    """`hopeless_blocks`' `partners` of the blocks tested pair by pair (`wanted`, of more than two
    values: a block of two the scoring compares at once): each block's texts that are the first
    of a pair found possible (a pair's values come in the block's order, and such a block holds
    no text twice: the scoring's distinct texts, in its order), the only ones a later text of
    the block may match; none: the block is hopeless, unless a partial test keeps it."""
    for at in np.flatnonzero(wanted).tolist():
        partners[at] = set()
    if not possible_pairs:
        return
    block = np.concatenate([b for b, _x, _y in possible_pairs])
    value = np.concatenate([x for _b, x, _y in possible_pairs])
    keep = wanted[block]
    held = np.unique(block[keep] * len(texts) + value[keep])
    for at, v in zip((held // len(texts)).tolist(), (held % len(texts)).tolist(), strict=True):
        partners[at].add(texts[v])


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


# ---------------------------------------------------------------------------------------------
# The address by its parts (comparisons.agree_in_parts) is no comparison level, so
# `hopeless_blocks` cannot rule it out: `engine.score_blocks` asks this of the blocks it found.

# Words (less numbers and administrative words) and numbers of one address the test reads; an
# address with more, or with a word twice, keeps its pairs possible (it is not read further).
PARTS_WORDS = 6
PARTS_NUMBERS = 4


def parts_may_agree(blocks: Sequence[tuple[str, list[int]]], candidates: Iterable[int],
                    text_of: Callable[[int], str]) -> set[int]:
    """Of the positions `candidates` in `blocks`, those holding a pair of values whose
    normalised texts (`text_of(ref)`) may agree in their parts, which `engine.score_blocks`
    must then score: a NECESSARY test of `comparisons.agree_in_parts`, in numpy over all
    their pairs at once. A pair is ruled out only by what makes `agree_in_parts` say no:

    - their numbers disagree (`_numbers_agree`): one has two numbers more than the other, or
      the fewer numbers are not all among the other's -- all but one is enough only where
      there are two or more and neither address names a unit (another house number);
    - they share no distinctive word (`_agree`);
    - one has more than `_PARTS_MAX_UNMATCHED` words the other lacks (`_words_agree`);
    - they share exactly one distinctive word -- so the one-word allowance, which wants two,
      is out and every word of the shorter must find a partner -- each has words the other
      lacks, and no such word of one is one edit from such a word of the other (both of 4
      characters or more) nor could be a word split by a space (the whole as long as a piece
      or longer, with its first letter, on the side of one word and the pieces' side with two).

    Words and numbers count as sets: an address with a word or a number twice, or with more
    than PARTS_WORDS words or PARTS_NUMBERS numbers, keeps its pairs possible."""
    import numpy as np

    at = list(candidates)
    if not at:
        return set()
    members = [blocks[a][1] for a in at]
    sizes = np.fromiter(map(len, members), np.int64, len(at))
    flat = np.fromiter(chain.from_iterable(members), np.int64, int(sizes.sum()))
    refs, text_at = np.unique(flat, return_inverse=True)
    read = _read_addresses(list(map(text_of, refs.tolist())))
    # Every pair of each block's values (as rows of `read`), with the block it is in.
    starts = np.cumsum(sizes) - sizes
    first_of, second_of, block_of = [], [], []
    for size in np.unique(sizes).tolist():
        which = np.flatnonzero(sizes == size)
        i, j = np.triu_indices(size, 1)
        base = starts[which][:, None]
        first_of.append(text_at[(base + i).ravel()])
        second_of.append(text_at[(base + j).ravel()])
        block_of.append(np.repeat(which, len(i)))
    possible = _pairs_may_agree(read, np.concatenate(first_of), np.concatenate(second_of))
    return {at[k] for k in np.unique(np.concatenate(block_of)[possible]).tolist()}


def parts_pairs_may_agree(groups: Sequence[list[int]], text_of: Callable[[int], str]) -> list[list[tuple[int, int]]]:
    """For each group of refs, the pairs of its positions (x, y), x < y, in that order, whose
    normalised texts (`text_of(ref)`) may agree in their parts (`agree_in_parts(parts of
    group[x], parts of group[y])`): the test of `parts_may_agree`, pair by pair, for all the
    groups' pairs at once. `engine.score_blocks` tries the others no more."""
    import numpy as np

    out: list[list[tuple[int, int]]] = [[] for _group in groups]
    sizes = np.fromiter(map(len, groups), np.int64, len(groups))
    if not len(groups) or int(sizes.max()) < 2:
        return out
    flat = np.fromiter(chain.from_iterable(groups), np.int64, int(sizes.sum()))
    refs, text_at = np.unique(flat, return_inverse=True)
    text_at = text_at.reshape(-1)
    read = _read_addresses(list(map(text_of, refs.tolist())))
    starts = np.cumsum(sizes) - sizes
    group_of, x_of, y_of = [], [], []
    for size in np.unique(sizes[sizes >= 2]).tolist():
        which = np.flatnonzero(sizes == size)
        i, j = np.triu_indices(size, 1)
        group_of.append(np.repeat(which, len(i)))
        x_of.append(np.tile(i, len(which)))
        y_of.append(np.tile(j, len(which)))
    group, x, y = np.concatenate(group_of), np.concatenate(x_of), np.concatenate(y_of)
    possible = np.flatnonzero(_pairs_may_agree(read, text_at[starts[group] + x], text_at[starts[group] + y]))
    group, x, y = group[possible], x[possible], y[possible]
    order = np.lexsort((y, x, group))
    for g, a, b in zip(group[order].tolist(), x[order].tolist(), y[order].tolist(), strict=True):
        out[g].append((a, b))
    return out


class _Read(NamedTuple):
    """Addresses as `parts_may_agree` reads them, a row each: word ids (-1 after its words),
    the same with -2 (so that two rows' fillers never meet), number ids likewise, how many
    numbers, whether it names a unit, whether its words are read too little to rule anything
    out, and its numbers likewise (each test then holds for its pairs); per word id, whether it is distinctive (the id -1: not), its length and its first
    letter; and the text of each id (words, then runs of digits that are no word)."""

    words: "np.ndarray"
    words_other: "np.ndarray"
    numbers: "np.ndarray"
    numbers_other: "np.ndarray"
    numbers_count: "np.ndarray"
    unit: "np.ndarray"
    unread: "np.ndarray"
    numbers_unread: "np.ndarray"
    distinctive: "np.ndarray"
    length: "np.ndarray"
    initial: "np.ndarray"
    text: list[str]


def _read_addresses(texts: list[str]) -> _Read:
    """Each normalised address's words less numbers and administrative words (what
    `comparisons._parsed` keeps) and its numbers (runs of digits), as ids."""
    import numpy as np

    n = len(texts)
    # (Not a list of each text's words: so many lists would wake the cyclic garbage collector.)
    text_of_token = np.repeat(np.arange(n, dtype=np.int32), np.fromiter(map(len, map(str.split, texts)), np.int64, n))
    tokens = " ".join(texts).split()
    # One id per distinct word: its first position, then its rank among the distinct words.
    index: dict[str, int] = {}
    first_seen = np.fromiter(map(index.setdefault, tokens, count()), np.int64, len(tokens))
    words = list(index)
    size = len(words)
    rank = np.empty(len(tokens), np.int32)
    rank[np.fromiter(index.values(), np.int64, size)] = np.arange(size, dtype=np.int32)
    token_word = rank[first_seen]
    # Digits only in words that are not all letters (a letter is never a digit).
    digits = np.zeros(size, dtype=bool)
    plain = np.zeros(size, dtype=bool)
    mixed: list[int] = []
    for w in np.flatnonzero(~np.fromiter(map(str.isalpha, words), bool, size)).tolist():
        word = words[w]
        if word.isdigit():
            digits[w] = True
            plain[w] = word.isascii()
        if not plain[w] and _DIGITS.search(word):
            mixed.append(w)
    kept = ~digits & ~np.fromiter(map(_ADDRESS_FILLER.__contains__, words), bool, size)
    length = np.fromiter(map(len, words), np.int64, size)
    generic = _address_generic()
    distinctive = kept & (length >= 3) & ~np.fromiter(map(generic.__contains__, words), bool, size)
    unread = np.zeros(n, dtype=bool)
    is_kept = kept[token_word]
    word_rows = _rows(text_of_token[is_kept], token_word[is_kept], n, PARTS_WORDS, unread)
    # Numbers: a word of ASCII digits is one (its word id); another word with digits in it
    # gives its runs (a run that is no word gets an id after the words').
    is_plain = plain[token_word]
    number_text, number_id = text_of_token[is_plain], token_word[is_plain]
    if mixed:
        extra: dict[str, int] = {}  # (mypy: typed here)

        def run_id(run: str) -> int:
            seen = index.get(run)
            return int(rank[seen]) if seen is not None else extra.setdefault(run, size + len(extra))

        runs_of = {w: [run_id(run) for run in _DIGITS.findall(words[w])] for w in mixed}
        where = np.flatnonzero(np.isin(token_word, mixed))
        text_parts, id_parts = [number_text], [number_id]
        for t, w in zip(text_of_token[where].tolist(), token_word[where].tolist(), strict=True):
            text_parts.append(np.full(len(runs_of[w]), t, np.int64))
            id_parts.append(np.asarray(runs_of[w], np.int64))
        number_text, number_id = np.concatenate(text_parts), np.concatenate(id_parts)
        order = np.argsort(number_text, kind="stable")
        number_text, number_id = number_text[order], number_id[order]
    else:
        extra = {}
    numbers_unread = np.zeros(n, dtype=bool)
    numbers = _rows(number_text, number_id, n, PARTS_NUMBERS, numbers_unread)
    units = np.fromiter(map(_UNIT_WORDS.__contains__, words), bool, size)
    unit = np.bincount(text_of_token[units[token_word]], minlength=n) > 0
    initial = np.fromiter(map(ord, map(itemgetter(0), words)), np.int64, size)
    return _Read(word_rows, np.where(word_rows < 0, -2, word_rows), numbers, np.where(numbers < 0, -2, numbers),
                 np.bincount(number_text, minlength=n), unit, unread, numbers_unread, np.append(distinctive, False), length, initial,
                 words + list(extra))


def _rows(text: "np.ndarray", ids: "np.ndarray", n: int, width: int, unread: "np.ndarray",
          duplicates: bool = False) -> "np.ndarray":
    """(n, width) ids, row t holding text t's `ids` (given in text order), -1 after them. A
    text with more than `width`, or (unless `duplicates`) an id twice, is marked `unread`."""
    import numpy as np

    rows = np.full((n, width), -1, np.int32)
    if len(text):
        counts = np.bincount(text, minlength=n)
        rank = np.arange(len(text)) - (np.cumsum(counts) - counts)[text]
        fits = rank < width
        unread[text[~fits]] = True
        rows[text[fits], rank[fits]] = ids[fits]
        if not duplicates:
            ordered = np.sort(rows, axis=1)
            unread |= ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any(axis=1)
    return rows


def _pairs_may_agree(read: _Read, first: "np.ndarray", second: "np.ndarray") -> "np.ndarray":
    """For each pair of read addresses (row numbers), whether it may agree in its parts (see
    `parts_may_agree`)."""
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    words_a, words_b = read.words[first], read.words_other[second]
    same = words_a[:, :, None] == words_b[:, None, :]
    a_in_b, b_in_a = same.any(axis=2), same.any(axis=1)
    shared = (a_in_b & read.distinctive[words_a]).sum(axis=1)
    only_a, only_b = (words_a >= 0) & ~a_in_b, (words_b >= 0) & ~b_in_a
    left_a, left_b = only_a.sum(axis=1), only_b.sum(axis=1)
    # The words and the numbers are each a necessary test: one read too little holds (for the
    # pair) without ruling out what the other rules out.
    numbers = _numbers_may_agree(read, first, second) | read.numbers_unread[first] | read.numbers_unread[second]
    words_unread = read.unread[first] | read.unread[second]
    possible = ((shared >= 1) & (left_a <= _PARTS_MAX_UNMATCHED) & (left_b <= _PARTS_MAX_UNMATCHED) & numbers)
    hard = np.flatnonzero(possible & (shared == 1) & (left_a > 0) & (left_b > 0) & ~words_unread)
    if len(hard):
        # Each word one has and the other lacks, against each such word of the other.
        pair, i, j = np.nonzero(only_a[hard][:, :, None] & only_b[hard][:, None, :])
        x, y = words_a[hard[pair], i], words_b[hard[pair], j]
        len_x, len_y = read.length[x], read.length[y]
        split = (read.initial[x] == read.initial[y]) & (((len_x >= len_y) & (left_b[hard[pair]] >= 2))
                                                        | ((len_y >= len_x) & (left_a[hard[pair]] >= 2)))
        near = (len_x >= 4) & (len_y >= 4) & (np.abs(len_x - len_y) <= 1) & ~split
        edit = np.flatnonzero(near)
        if len(edit):
            text = read.text
            near[edit] = process.cpdist(list(map(text.__getitem__, x[edit].tolist())),
                                        list(map(text.__getitem__, y[edit].tolist())),
                                        scorer=OSA.distance, score_cutoff=1, dtype=np.int64) <= 1
        partnered = np.zeros(len(hard), dtype=bool)
        partnered[pair[split | near]] = True
        possible[hard] = partnered
    return possible | (words_unread & numbers)


def _numbers_may_agree(read: _Read, first: "np.ndarray", second: "np.ndarray") -> "np.ndarray":
    """For each pair, whether its numbers may agree (`comparisons._numbers_agree`): the
    fewer numbers (either side when as many) all among the other's, which has at most one
    more; or all but one, of two or more, where neither names a unit (the other then has a
    number in its place: one edit from it, or it and the other's all shorter than a number
    they share)."""
    import numpy as np

    numbers_a, numbers_b = read.numbers[first], read.numbers_other[second]
    same = numbers_a[:, :, None] == numbers_b[:, None, :]
    only_a, only_b = (numbers_a >= 0) & ~same.any(axis=2), (numbers_b >= 0) & ~same.any(axis=1)
    count_a, count_b = read.numbers_count[first], read.numbers_count[second]
    a_fewer = count_a <= count_b
    fewer = np.minimum(count_a, count_b)
    missed = np.where(a_fewer, only_a.sum(axis=1), only_b.sum(axis=1))
    possible = (fewer >= 1) & (np.abs(count_a - count_b) <= 1) & (missed == 0)
    # All but one of two or more, where neither names a unit (the one left in another's place):
    # a house number a digit off -- one edit from a number only the other has (`one_edit`, in
    # C for the pairs whose lengths are at most one apart) -- or another house number of the
    # same street: it and the other's numbers it lacks all shorter than a number they share.
    tried = np.flatnonzero((fewer > 1) & (np.abs(count_a - count_b) <= 1) & (missed == 1)
                           & ~read.unit[first] & ~read.unit[second])
    if len(tried):
        length = np.append(np.fromiter(map(len, read.text), np.int64, len(read.text)), (0, 0))  # ids -1, -2: 0
        a_side = a_fewer[tried][:, None]
        few_ids = np.where(a_side, numbers_a[tried], numbers_b[tried])
        more_ids = np.where(a_side, numbers_b[tried], numbers_a[tried])
        few_only = np.where(a_side, only_a[tried], only_b[tried])
        more_only = np.where(a_side, only_b[tried], only_a[tried])
        missed_id = np.where(few_only, few_ids, -1).max(axis=1)
        shared_length = np.where(few_only, 0, length[few_ids]).max(axis=1)
        more_length = length[more_ids]
        street = ((length[missed_id] < shared_length)
                  & (np.where(more_only, more_length, 0).max(axis=1) < shared_length))
        pair, at = np.nonzero(more_only & (np.abs(more_length - length[missed_id][:, None]) <= 1))
        if len(pair):
            from rapidfuzz import process
            from rapidfuzz.distance import OSA

            text = read.text
            edit = process.cpdist(list(map(text.__getitem__, missed_id[pair].tolist())),
                                  list(map(text.__getitem__, more_ids[pair, at].tolist())),
                                  scorer=OSA.distance, score_cutoff=1, dtype=np.int64) <= 1
            street[pair[edit]] = True
        possible[tried[street]] = True
    return possible


# ---------------------------------------------------------------------------------------------
# A person's name in part (comparisons.names_agree_in_part) is no comparison level either.


def names_may_agree(blocks: Sequence[tuple[str, list[int]]], candidates: Iterable[int],
                    text_of: Callable[[int], str]) -> set[int]:
    """Of the positions `candidates` in `blocks`, those holding two values whose normalised
    names (`text_of(ref)`) may agree in part, which `engine.score_blocks` must then score: a
    NECESSARY test of `comparisons.names_agree_in_part` -- two names agree in part only if a
    family-name candidate (`comparisons.family_candidates`) of one is one of the other's and
    their words differ. A name's candidates (one or two of its words) are read once per text
    (`comparisons.family_words`), then each block once: most blocks of a large store are one
    given name's holders with family names all different (`Acme K*`)."""
    from .comparisons import _pinyin_word, family_words

    at = list(candidates)
    # First a cheaper superset of each value's family-name candidates, read once per value:
    # its last word, and its first where that reads as pinyin. Only values holding such a
    # word that another text holds too can agree in part, and only blocks with two such
    # values are read further, with the candidates themselves.
    refs = list(set(chain.from_iterable(blocks[a][1] for a in at)))
    texts = list(map(text_of, refs))
    first_text: dict[str, str] = {}
    shared: set[str] = set()
    for text in texts:
        last = text.rpartition(" ")[2]
        if first_text.setdefault(last, text) != text:
            shared.add(last)
        first, space, _rest = text.partition(" ")
        if space and _pinyin_word(first) and first_text.setdefault(first, text) != text:
            shared.add(first)
    hopeful = {ref for ref, text in zip(refs, texts, strict=True)
               if text.rpartition(" ")[2] in shared or text.partition(" ")[0] in shared}
    out = set()
    for a in at:
        refs = blocks[a][1]
        if sum(map(hopeful.__contains__, refs)) < 2:
            continue
        holders: dict[str, str] = {}
        for text in map(text_of, (ref for ref in refs if ref in hopeful)):
            for word in family_words(text):
                held = holders.setdefault(word, text)
                if held != text and sorted(held.split()) != sorted(text.split()):
                    out.add(a)
                    break
            if a in out:
                break
    return out

