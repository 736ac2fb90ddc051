"""The in-process audit's fuzzy scoring on two cores: the blocking groups split by facet, the
facets of one part scored in a forked child process while this process scores the others'.

`engine.audit` over profiles (no store: `bench/linkage.py`, a caller with its own records) scores
its blocking groups with `engine.score_blocks`, a Python loop that a thread cannot spread. The
groups of two facets hold values of two kinds (a blocking key is "~kind:...", the value's own
kind), so no pair of values is in groups of both: scored apart, each part finds the matches it
finds in one pass, and the one pass's order is the groups' order (`score_blocks` reports
where it found each match, `found_in`). The parts are the facets, heaviest first, each given
to the lighter part so far (`_weight`: the values in its groups, by how many tests a value of
the facet meets). Anything unusual -- one facet, too few groups, groups of two facets sharing a
value, no fork, a child that fails -- scores them here in one pass, as before.

`engine._audit` starts the child before any group is made (`start_early`): the facets' weights
are read from the keys' counts, the child makes its facets' groups itself while this process
makes the others', and the two parts' matches merge by each group's place in the order one
grouping of all the keys gives (`engine._placer`). Once its part is scored, the child masks the
values the findings will show, its own facets' first, then others until this process is done
with its part (`then`: work this process need not do afterwards).

(The store's audit scores in a child already, beside the command's own work:
store/prefilter.py.)
"""

from __future__ import annotations

import heapq
import mmap
from array import array
from collections import Counter
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Callable, Collection, Iterable, Sequence

from ..parallel import ForkedResult

if TYPE_CHECKING:
    from .engine import FuzzyMatch
    from .rules import Rules

# Above this many blocking groups the scoring is split (below, forking and reading the child's
# matches back would take longer than the half it saves). FEBRL4's 10,000 records: 25,000.
SPLIT_OVER = 8000


def score_blocks_by_facet(
    blocks: Iterable[tuple[str, list[int]]],
    text_of: Callable[[int], str],
    exact_of: Callable[[int], object],
    owner: Sequence[int],
    rules: Rules,
    parallel: bool = True,
) -> list[FuzzyMatch]:
    """`engine.score_blocks(blocks, ...)`: the same matches in the same order, the groups of
    some facets scored in a forked child meanwhile (see the module's docstring)."""
    return start_scoring(blocks, text_of, exact_of, owner, rules, parallel).matches()


class _WithChild:
    """What has a forked child at work (`_child`) that `cancel()` stops when its work is not
    wanted after all (an error meanwhile)."""

    _child: _Child | None = None

    def cancel(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.cancel()


class Scoring(_WithChild):
    """`score_blocks_by_facet` in two steps (`start_scoring`): the child, if any, is at work from
    the start; `matches()` scores this process's part and merges the two; `cancel()` stops the
    child when the matches are not wanted after all (an error meanwhile)."""

    def __init__(self, blocks: list[tuple[str, list[int]]], text_of: Callable[[int], str],
                 exact_of: Callable[[int], object], owner: Sequence[int], rules: Rules,
                 parts: tuple[list[int], list[int]] | None = None):
        self._args = (text_of, exact_of, owner, rules)
        self._blocks = blocks
        self._parts = parts
        self._child = None
        if parts is not None:
            from .engine import score_blocks

            there_blocks = [blocks[at] for at in parts[1]]
            self._child = _Child(lambda: _packed(score_blocks, there_blocks, text_of, exact_of, owner, rules))

    then_facets: frozenset[str] = frozenset()  # (no child here runs `start_early`'s `then`)

    def matches(self, meanwhile: Callable[[list[FuzzyMatch]], None] | None = None,
                idle: Callable[[Callable[[], bool]], None] | None = None,
                received: Callable[[object], None] | None = None) -> list[FuzzyMatch]:
        """The matches, in the one pass's order. `meanwhile(here)`: called with this process's
        part's matches once they are found, while the child may still be at work (when there is
        one), before its part is waited for. `idle(done)`: called after it when there is a
        child, for work this process would do later anyway, in small steps until `done()` (the
        child's part has come: no core waits for the other). `received`: not called (no child
        here runs `start_early`'s `then`: `EarlyScoring`)."""
        from .engine import score_blocks

        blocks, parts = self._blocks, self._parts
        text_of, exact_of, owner, rules = self._args
        if parts is None:
            return score_blocks(blocks, text_of, exact_of, owner, rules)
        here_at, there_at = parts
        child = self._child
        try:
            here_found: list[int] = []
            here = score_blocks([blocks[at] for at in here_at], text_of, exact_of, owner, rules, found_in=here_found)
            if meanwhile is not None and child is not None:
                meanwhile(here)
            if idle is not None and child is not None:
                idle(child.ready)
            packed = child.result() if child is not None else None
        finally:
            self.cancel()
        if packed is None:  # the child failed: its part here
            there_found: list[int] = []
            there = score_blocks([blocks[at] for at in there_at], text_of, exact_of, owner, rules,
                                 found_in=there_found)
        else:
            there, there_found = _unpacked(packed)
        return _merged(here, here_found, here_at, there, there_found, there_at)


def _unpacked(packed: tuple) -> tuple[list[FuzzyMatch], list[int]]:
    """`_packed`'s matches and where each was found, as `score_blocks` gave them."""
    from .engine import FuzzyMatch

    if len(packed) == 2:
        return packed
    facets, facet_no, a, b, similarity, found_in = packed
    return list(map(FuzzyMatch, a, b, similarity, map(facets.__getitem__, facet_no))), found_in.tolist()


def _merged(here: list[FuzzyMatch], here_found: list[int], here_at: list[int],
            there: list[FuzzyMatch], there_found: list[int], there_at: list[int]) -> list[FuzzyMatch]:
    """The two parts' matches in the one pass's order: by the place of the group each was found
    in (`*_found`: its group's position in the part; `*_at`: each group's place)."""
    merged: list[FuzzyMatch] = []
    x = y = 0
    while x < len(here) and y < len(there):
        if here_at[here_found[x]] < there_at[there_found[y]]:
            merged.append(here[x])
            x += 1
        else:
            merged.append(there[y])
            y += 1
    merged.extend(here[x:])
    merged.extend(there[y:])
    return merged


def start_scoring(
    blocks: Iterable[tuple[str, list[int]]],
    text_of: Callable[[int], str],
    exact_of: Callable[[int], object],
    owner: Sequence[int],
    rules: Rules,
    parallel: bool = True,
) -> Scoring:
    """The scoring of `score_blocks_by_facet`, its child (if the groups are split) started now:
    the caller does other work meanwhile (engine._audit: the exact keys' pairs), then asks
    `matches()`. The heaviest facet's groups are the child's: this process has that other work."""
    blocks = list(blocks)
    parts = _parts(blocks, rules) if parallel and len(blocks) > SPLIT_OVER else None
    if parts is not None and not _apart(blocks, *parts):
        parts = None
    return Scoring(blocks, text_of, exact_of, owner, rules, parts)


# How many tests a value of a facet meets in its groups, roughly: its comparison levels, and
# its partial test (the address by its parts, a name in part) as two.
def _weight(facet: str, rules: Rules) -> int:
    from .comparisons import comparisons_for
    from .engine import _PARTIAL

    comparison = comparisons_for(rules).get(facet)
    if comparison is None:
        return 0
    return len(comparison.levels) + (2 if facet in _PARTIAL else 0)


def _parts(blocks: list[tuple[str, list[int]]], rules: Rules) -> tuple[list[int], list[int]] | None:
    """The groups' positions in two parts by facet, this process's and the child's (the
    heaviest facet's: this process has the exact keys' pairs to find meanwhile, `start_scoring`);
    None when all are of one facet (or all the weight is in one part)."""
    size: Counter[str] = Counter()
    for facet, refs in blocks:
        size[facet] += len(refs)
    there = _child_facets(size, rules)
    return None if there is None else _positions(blocks, there)


def _child_facets(size: Counter[str], rules: Rules) -> frozenset[str] | None:
    """The child's facets, given how many values each facet's groups hold: the facets, heaviest
    first, each given to the lighter part so far, the heaviest's part the child's; None when
    all are of one facet (or all the weight is in one part)."""
    weights = {facet: n * _weight(facet, rules) for facet, n in size.items()}
    first: set[str] = set()
    second: set[str] = set()
    load = [0, 0]
    for facet in sorted(weights, key=lambda f: (-weights[f], f)):
        side = 0 if load[0] <= load[1] else 1
        (first if side == 0 else second).add(facet)
        load[side] += weights[facet]
    if not first or not second or not load[1]:
        return None
    return frozenset(first)


def _positions(blocks: list[tuple[str, list[int]]], there: Collection[str]) -> tuple[list[int], list[int]]:
    """The positions of the groups of the facets not in `there` (this process's), and of those in it."""
    here_at = [at for at, (facet, _refs) in enumerate(blocks) if facet not in there]
    there_at = [at for at, (facet, _refs) in enumerate(blocks) if facet in there]
    return here_at, there_at


# Groups with their places: (the groups as (facet, refs), each one's place in the one pass's
# order, increasing).
Placed = tuple[list[tuple[str, list[int]]], list[int]]


def start_early(
    sizes: Counter[str],
    groups: int,
    groups_of: Callable[[frozenset[str]], Placed],
    text_of: Callable[[int], str],
    exact_of: Callable[[int], object],
    owner: Sequence[int],
    rules: Rules,
    parallel: bool = True,
    then: Callable[[frozenset[str], Callable[[], bool]], object] | None = None,
) -> Early:
    """The scoring of `start_scoring` started before any blocking group is made (engine._audit):
    `sizes`, how many values each facet's groups hold, and `groups`, about how many groups
    there are, choose the child's facets (`Early.facets`) as `start_scoring` would from the
    groups, and the child is forked at once: it makes those facets' groups itself
    (`groups_of(facets)`, with their places in the one pass's order) and scores them, while
    this process makes the others' (`Early.scoring`). `then(facets, waited)`: run in the child
    once its part is scored (work for later that this process need not do: what it gives is
    `Scoring.matches`'s `received`'s); `waited()` tells it whether this process is done with
    its own part and waits for the child (what is left is best left to this process's `idle`)."""
    there = _child_facets(sizes, rules) if parallel and groups > SPLIT_OVER else None
    if there is None:
        return Early((text_of, exact_of, owner, rules), groups_of)
    from .engine import score_blocks

    # One byte both processes see (a shared page made before the fork): set once this process is
    # done with its own part (`EarlyScoring.matches`).
    done_here = mmap.mmap(-1, 1) if then is not None else None

    def work() -> tuple:
        blocks, places = groups_of(there)
        packed = (_packed(score_blocks, blocks, text_of, exact_of, owner, rules), array("q", places))
        if then is None or done_here is None:
            return packed
        return packed, then(there, lambda: done_here[0] != 0)

    return Early((text_of, exact_of, owner, rules), groups_of, there, _Child(work), done_here)


class Early(_WithChild):
    """`start_early`'s: the child's facets (`facets`, none when the groups are not split) and
    the child at work on them; `scoring(...)` once this process has made the other groups, or
    `cancel()`."""

    def __init__(self, args: tuple, groups_of: Callable[[frozenset[str]], Placed],
                 there: frozenset[str] | None = None, child: _Child | None = None,
                 done_here: mmap.mmap | None = None):
        self._args = args
        self._groups_of = groups_of
        self._there = there
        self._child = child
        self._done_here = done_here  # (where `then` was given)

    @property
    def facets(self) -> frozenset[str]:
        """The child's facets: their groups are the child's to make (none: no split)."""
        return self._there or frozenset()

    def scoring(self, blocks: list[tuple[str, list[int]]], places: list[int], apart: bool) -> Scoring | EarlyScoring:
        """The scoring of all the groups, given this process's (`blocks` with their `places`:
        all of them when there are no `facets`, else all but those facets'). `apart`: whether no
        value is in groups of both parts (where one is, the child is stopped, its facets' groups
        made here and all scored in one pass, in their places' order)."""
        there, groups_of = self._there, self._groups_of
        if there is None:
            return Scoring(list(blocks), *self._args)
        if not apart:
            self.cancel()
            there_blocks, there_places = groups_of(there)
            merged = heapq.merge(zip(places, blocks, strict=True), zip(there_places, there_blocks, strict=True),
                                 key=itemgetter(0))
            return Scoring([block for _place, block in merged], *self._args)
        child, self._child = self._child, None
        return EarlyScoring(list(blocks), list(places), self._args, child, lambda: groups_of(there),
                            there if self._done_here is not None else frozenset(), self._done_here)


class EarlyScoring(_WithChild):
    """`Early.scoring`'s where the groups are split: this process scores its groups, the child
    (if it is at work) its facets'; `matches()` merges the two by the groups' places."""

    def __init__(self, blocks: list[tuple[str, list[int]]], places: list[int], args: tuple, child: _Child | None,
                 there_groups: Callable[[], Placed], besides: frozenset[str], done_here: mmap.mmap | None):
        self._blocks, self._places, self._args = blocks, places, args
        self._child = child
        self._there_groups = there_groups
        self._besides = besides
        self._done_here = done_here

    @property
    def then_facets(self) -> frozenset[str]:
        """The facets `start_early`'s `then` is run with in the child (none: no child, or no `then`)."""
        return self._besides if self._child is not None else frozenset()

    def matches(self, meanwhile: Callable[[list[FuzzyMatch]], None] | None = None,
                idle: Callable[[Callable[[], bool]], None] | None = None,
                received: Callable[[object], None] | None = None) -> list[FuzzyMatch]:
        """As `Scoring.matches`: the matches in the one pass's order; `meanwhile`, `idle` and
        `received` as there (`received` where `start_early` was given `then`)."""
        from .engine import score_blocks

        text_of, exact_of, owner, rules = self._args
        child = self._child
        try:
            here_found: list[int] = []
            here = score_blocks(self._blocks, text_of, exact_of, owner, rules, found_in=here_found)
            if meanwhile is not None and child is not None:
                meanwhile(here)
            if self._done_here is not None:
                self._done_here[0] = 1  # (the child's `then` leaves the rest to `idle`)
            if idle is not None and child is not None:
                idle(child.ready)
            answer = child.result() if child is not None else None
        finally:
            self.cancel()
        if answer is not None and self._done_here is not None:
            answer, extra = answer
            if received is not None:
                received(extra)
        if answer is None:  # the child failed (or none was made): its part here
            there_blocks, there_places = self._there_groups()
            there_found: list[int] = []
            there = score_blocks(there_blocks, text_of, exact_of, owner, rules, found_in=there_found)
        else:
            packed, places = answer
            there, there_found = _unpacked(packed)
            there_places = places.tolist()
        return _merged(here, here_found, self._places, there, there_found, there_places)


def _apart(blocks: list[tuple[str, list[int]]], here_at: list[int], there_at: list[int]) -> bool:
    """Whether no value is in groups of both parts (then neither part's matches depend on the
    other's: `score_blocks` skips only pairs of values it matched already)."""
    here_refs = set(chain.from_iterable(blocks[at][1] for at in here_at))
    return here_refs.isdisjoint(chain.from_iterable(blocks[at][1] for at in there_at))


def _packed(score_blocks, blocks, text_of, exact_of, owner, rules) -> tuple:
    """The child's matches as arrays (a few copies of memory instead of a pickled object each)."""
    found_in: list[int] = []
    matches = score_blocks(blocks, text_of, exact_of, owner, rules, found_in=found_in)
    if any(type(m.similarity) is not float or type(m.facet) is not str for m in matches):
        return matches, found_in  # (as they are: arrays would change them)
    facets = sorted({m.facet for m in matches})
    number = {facet: n for n, facet in enumerate(facets)}
    return (facets, array("q", [number[m.facet] for m in matches]), array("q", [m.a for m in matches]),
            array("q", [m.b for m in matches]), array("d", [m.similarity for m in matches]), array("q", found_in))


class _Child(ForkedResult):
    """`work()` in a forked child process (linkcheck.parallel.ForkedResult); `result()` None
    when there is no child or it failed (the caller then does the work itself)."""


