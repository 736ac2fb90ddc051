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

from array import array
from collections import Counter
from itertools import chain
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

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
                 parts: tuple[list[int], list[int]] | None = None):
        self._args = (text_of, exact_of, owner, rules)
        self._blocks = blocks
        self._parts = parts
        self._child = None
        if parts is not None:
            from .engine import score_blocks

            there_blocks = [blocks[at] for at in parts[1]]
            self._child = _Child(lambda: _packed(score_blocks, there_blocks, text_of, exact_of, owner, rules))

    def cancel(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.cancel()

    def matches(self, meanwhile: Callable[[list[FuzzyMatch]], None] | None = None,
                idle: Callable[[Callable[[], bool]], None] | None = None) -> list[FuzzyMatch]:
        """The matches, in the one pass's order. `meanwhile(here)`: called with this process's
        part's matches once they are found, while the child may still be at work (when there is
        one), before its part is waited for. `idle(done)`: called after it when there is a
        child, for work this process would do later anyway, in small steps until `done()` (the
        child's part has come: no core waits for the other)."""
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
            if idle is not None and child is not None:
                idle(child.ready)
            packed = child.result() if child is not None else None
        finally:
            self.cancel()
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
    weights = {facet: n * _weight(facet, rules) for facet, n in size.items()}
    here: set[str] = set()
    there: set[str] = set()
    load = [0, 0]
    for facet in sorted(weights, key=lambda f: (-weights[f], f)):
        side = 0 if load[0] <= load[1] else 1
        (here if side == 0 else there).add(facet)
        load[side] += weights[facet]
    if not here or not there or not load[1]:
        return None
    # (The heaviest facet was put first, in `here`: it is the child's.)
    here_at = [at for at, (facet, _refs) in enumerate(blocks) if facet in there]
    there_at = [at for at, (facet, _refs) in enumerate(blocks) if facet in here]
    return here_at, there_at


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


