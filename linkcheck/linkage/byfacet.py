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

(The store's audit scores in a child already, beside the command's own work:
store/prefilter.py.)
"""

from __future__ import annotations

import mmap
from array import array
from collections import Counter
from itertools import chain
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


class Scoring:
    """`score_blocks_by_facet` in two steps (`start_scoring`): the child, if any, is at work from
    the start; `matches()` scores this process's part and merges the two; `cancel()` stops the
    child when the matches are not wanted after all (an error meanwhile)."""

    def __init__(self, blocks: list[tuple[str, list[int]]], text_of: Callable[[int], str],
                 exact_of: Callable[[int], object], owner: Sequence[int], rules: Rules,
                 parts: tuple[list[int], list[int]] | None = None, child: _Child | None = None,
                 besides: frozenset[str] | None = None, done_here: mmap.mmap | None = None):
        self._args = (text_of, exact_of, owner, rules)
        self._done_here = done_here
        self._blocks = blocks
        self._parts = parts
        self._child = child  # (started by `start_early` on the groups at `parts[1]`)
        # (Where `start_early` was given `then`: its facets; the child's result is then its part's
        # and what `then` gave.)
        self._besides = besides

    @property
    def then_facets(self) -> frozenset[str]:
        """The facets `start_early`'s `then` is run with in the child (none: no child, or no `then`)."""
        return self._besides if self._child is not None and self._besides is not None else frozenset()
        if parts is not None and child is None:
            from .engine import score_blocks

            there_blocks = [blocks[at] for at in parts[1]]
            self._child = _Child(lambda: _packed(score_blocks, there_blocks, text_of, exact_of, owner, rules))

    def cancel(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.cancel()

    def matches(self, meanwhile: Callable[[list[FuzzyMatch]], None] | None = None,
                idle: Callable[[Callable[[], bool]], None] | None = None,
                received: Callable[[object], None] | None = None) -> list[FuzzyMatch]:
        """The matches, in the one pass's order. `meanwhile(here)`: called with this process's
        part's matches once they are found, while the child may still be at work (when there is
        one), before its part is waited for. `idle(done)`: called after it when there is a
        child, for work this process would do later anyway, in small steps until `done()` (the
        child's part has come: no core waits for the other). `received(extra)`: called with what
        `start_early`'s `then` gave in the child, when it did (not when the child failed)."""
        from .engine import FuzzyMatch, score_blocks

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
            if self._done_here is not None:
                self._done_here[0] = 1  # (the child's `then` leaves the rest to `idle`)
            if idle is not None and child is not None:
                idle(child.ready)
            packed = child.result() if child is not None else None
        finally:
            self.cancel()
        if packed is not None and self._besides is not None:
            packed, extra = packed
            if received is not None:
                received(extra)
        if packed is None:  # the child failed: its part here
            there_found: list[int] = []
            there = score_blocks([blocks[at] for at in there_at], text_of, exact_of, owner, rules,
                                 found_in=there_found)
        elif len(packed) == 2:
            there, there_found = packed
        else:
            facets, facet_no, a, b, similarity, there_found_array = packed
            there = list(map(FuzzyMatch, a, b, similarity, map(facets.__getitem__, facet_no)))
            there_found = there_found_array.tolist()
        # The one pass's order: by the group each was found in (each part's in order).
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


def start_early(
    sizes: Counter[str],
    groups: int,
    groups_of: Callable[[frozenset[str]], list[tuple[str, list[int]]]],
    text_of: Callable[[int], str],
    exact_of: Callable[[int], object],
    owner: Sequence[int],
    rules: Rules,
    parallel: bool = True,
    then: Callable[[frozenset[str], Callable[[], bool]], object] | None = None,
) -> Early:
    """`start_scoring` before the blocking groups are all made (engine._audit): `sizes`, how
    many values each facet's groups hold, and `groups`, about how many groups there are, choose
    the child's facets (as `start_scoring` would from the groups); `groups_of(facets)` makes
    those facets' groups, in the order they take among all, and the child is started on them
    at once. `Early.scoring(blocks)`, once this process has made every group, is the
    `Scoring` of them all, with that child when its groups are exactly those facets' among
    `blocks` and no value is in groups of both parts (else none: one pass, as before).
    `then(facets, waited)`: run in the child once its part is scored, with its facets (work for
    later that this process need not do: what it gives is `Scoring.matches`'s `received`'s);
    `waited()` tells it whether this process is done with its own part (then it waits for the
    child: the work it does then is best left to this process, `Scoring.matches`'s `idle`)."""
    there = _child_facets(sizes, rules) if parallel and groups > SPLIT_OVER else None
    if there is None:
        return Early((text_of, exact_of, owner, rules))
    from .engine import score_blocks

    there_blocks = groups_of(there)
    # One byte both processes see (a shared page made before the fork): set once this process is
    # done with its own part (`Scoring.matches`).
    done_here = mmap.mmap(-1, 1) if then is not None and there_blocks else None

    def work() -> tuple:
        packed = _packed(score_blocks, there_blocks, text_of, exact_of, owner, rules)
        if then is None or done_here is None:
            return packed
        return packed, then(there, lambda: done_here[0] != 0)

    child = _Child(work) if there_blocks else None
    return Early((text_of, exact_of, owner, rules), there, there_blocks, child, done_here)


class Early:
    """A child started by `start_early` on some facets' groups, before this process has made
    them all; `scoring(blocks)` then, or `cancel()`."""

    def __init__(self, args: tuple, there: frozenset[str] | None = None,
                 there_blocks: list[tuple[str, list[int]]] | None = None, child: _Child | None = None,
                 done_here: mmap.mmap | None = None):
        self._args = args
        self._done_here = done_here  # (where `then` was given)
        self._there = there
        self._there_blocks = there_blocks
        self._child = child

    def cancel(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.cancel()

    def scoring(self, blocks: list[tuple[str, list[int]]]) -> Scoring:
        """The `Scoring` of `blocks` (all the groups): its child the one started early, where
        it scores exactly the groups of its facets in `blocks` and the two parts share no value."""
        child, self._child = self._child, None
        blocks = list(blocks)
        if child is None:
            return Scoring(blocks, *self._args)
        assert self._there is not None
        here_at, there_at = _positions(blocks, self._there)
        if not here_at or [blocks[at] for at in there_at] != self._there_blocks or not _apart(blocks, here_at, there_at):
            child.cancel()
            return Scoring(blocks, *self._args)
        return Scoring(blocks, *self._args, parts=(here_at, there_at), child=child,
                       besides=self._there if self._done_here is not None else None, done_here=self._done_here)


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


