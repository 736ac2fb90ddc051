"""The store's fuzzy scoring split over two processes (store/prefilter.py `_score_in_two`): exactly
one pass's matches, in its order, with its evidence, whatever the cut, in random worlds and in
worlds built to meet a pair of values in blocks of both halves; a child that dies, hangs or sends
garbage leaves the result as it is; the sieve's verdicts of both halves are remembered."""

from __future__ import annotations

import functools
import os
import random
import time

import pytest

from linkcheck import parallel
from linkcheck.linkage import engine, sieve
from linkcheck.linkage.rules import load_rules, rules_from_dict
from linkcheck.store import prefilter, sievecache

from test_sieve import _parts_address, _parts_blocks, _place, _random_blocks

MASTER = b"\x33" * 32
RULES = [load_rules(None), rules_from_dict({"combine": {"fuzzy_block_cap": 4}}),
         rules_from_dict({"fuzzy": {"company_name": 80, "address": 75}})]


class _InProcess:
    """ForkedResult's stand-in: the child's work done here, at once (every cut tried quickly)."""

    def __init__(self, work, then=None):
        self._out = work()

    def result(self, missing=None, timeout=None):
        return self._out

    def cancel(self):
        pass


class _Redone:
    """Counts the child's halves scored here again (`before` given) and the answers used."""

    def __init__(self, score):
        self.redone = self.used = 0
        self._score = score

    def __call__(self, blocks, text_of, exact_of, owner, before=None, gates=None, **kw):
        if before is not None:
            self.redone += 1
            return self._score(blocks, text_of, exact_of, owner, before=before, **kw)
        return self._score(blocks, text_of, exact_of, owner, gates=gates, **kw)


def _one_pass(blocks, texts, owner, exact, rules):
    return engine.score_blocks(blocks, texts.__getitem__, exact.__getitem__, owner, rules)


def _split(blocks, texts, owner, exact, score, half, monkeypatch, verdicts=None):
    monkeypatch.setattr(prefilter, "_split_at", lambda blocks: half)
    return prefilter._score_in_two(score, blocks, texts.__getitem__, exact.__getitem__, owner, True, verdicts)


def _pair_in_both_halves(rng: random.Random):
    """A world built against the split: pairs of address texts only the parts level matches,
    met in an early block of two values and again in later blocks where one of the texts is
    held by more values (one pass skips the pair of texts there; a child knowing nothing of the
    early block would not), and where the pair itself is met again (its early evidence kept);
    among random address blocks, and names met the same way."""
    texts: list[str] = []
    owner: list[int] = []
    blocks: list[tuple[str, list[int]]] = []
    rules = load_rules(None)
    comparison = engine.comparisons_for(rules)["address"]
    while len(blocks) < 6:
        place = _place(rng)
        x, y = _parts_address(rng, place), _parts_address(rng, place)
        fx, fy = engine.fuzzy_text(x, "address"), engine.fuzzy_text(y, "address")
        if fx == fy or comparison.compare(fx, fy) is not None:
            continue
        base = len(texts)
        texts += [x, y, x, x]
        owner += [rng.randrange(50) for _ in range(4)]
        found = _one_pass([("address", [base, base + 1])], texts, owner, texts, rules)
        if not found:  # not a parts match: no use
            del texts[base:], owner[base:]
            continue
        blocks.append(("address", [base, base + 1]))
        blocks.append(("address", [base, base + 1, base + 2]))
        blocks.append(("address", [base + 1, base + 2, base + 3]))
        blocks.append(("address", [base + 1, base + 2]))
    for _ in range(rng.randrange(20, 60)):
        texts.append(_parts_address(rng))
        owner.append(rng.randrange(50))
    for _ in range(rng.randrange(20, 80)):
        blocks.append(("address", sorted(rng.sample(range(len(texts)), rng.choice([2, 2, 3, 4, 5])))))
    rng.shuffle(blocks)
    return blocks, texts, owner, list(texts)


def _world(seed: int):
    rng = random.Random(seed)
    kind = seed % 3
    made = _random_blocks(rng) if kind == 0 else _parts_blocks(rng) if kind == 1 else _pair_in_both_halves(rng)
    return rng, *made


@pytest.mark.parametrize("seed", range(60))
def test_every_cut_gives_the_one_pass_result(seed, monkeypatch):
    """Cut anywhere, in random worlds and worlds built against the split: the same matches, in
    the same order, with the same similarity and facet, as one pass."""
    rng, blocks, texts, owner, exact = _world(seed)
    rules = rng.choice(RULES)
    one = _one_pass(blocks, texts, owner, exact, rules)
    monkeypatch.setattr(prefilter, "ForkedResult", _InProcess)
    score = _Redone(functools.partial(engine.score_blocks, rules=rules))
    for half in range(len(blocks) + 1):
        assert _split(blocks, texts, owner, exact, score, half, monkeypatch) == one, half


def test_the_worlds_meet_pairs_in_both_halves(monkeypatch):
    """The worlds above hold what the split must get right: the old merge (the first half's
    matches, then the second's not matched in the first) differed from one pass in many cuts,
    and the child's half was scored again in some, its answer used (some of its matches
    dropped) in others."""
    monkeypatch.setattr(prefilter, "ForkedResult", _InProcess)
    differed = redone = dropped = cuts = 0
    for seed in range(45):
        rng, blocks, texts, owner, exact = _world(seed)
        rules = RULES[0]
        one = _one_pass(blocks, texts, owner, exact, rules)
        score = _Redone(functools.partial(engine.score_blocks, rules=rules))
        for half in range(1, len(blocks), 2):
            cuts += 1
            first = _one_pass(blocks[:half], texts, owner, exact, rules)
            matched = {(m.a, m.b) for m in first}
            later = _one_pass(blocks[half:], texts, owner, exact, rules)
            differed += first + [m for m in later if (m.a, m.b) not in matched] != one
            before = score.redone
            assert _split(blocks, texts, owner, exact, score, half, monkeypatch) == one
            if score.redone == before:
                dropped += any((m.a, m.b) in matched for m in later)
            redone += score.redone - before
    assert differed > 50 and redone >= differed and dropped > 500
    assert redone < cuts / 4  # (mostly the child's answer is used)


@pytest.mark.parametrize("seed", range(0, 120, 7))
def test_a_forked_child_gives_the_one_pass_result(seed, monkeypatch):
    """The same through a real forked child, at a few cuts and at `_split_at`'s own."""
    rng, blocks, texts, owner, exact = _world(seed)
    rules = rng.choice(RULES)
    one = _one_pass(blocks, texts, owner, exact, rules)
    score = functools.partial(engine.score_blocks, rules=rules)
    monkeypatch.setattr(prefilter, "SPLIT_SCORING_OVER", 0)
    assert prefilter._score_in_two(score, blocks, texts.__getitem__, exact.__getitem__, owner, True) == one
    for half in sorted(rng.sample(range(len(blocks) + 1), min(4, len(blocks) + 1))):
        assert _split(blocks, texts, owner, exact, score, half, monkeypatch) == one


def test_split_at_cuts_near_half_the_comparisons(monkeypatch):
    blocks = [("a", [0, 1])] * 10 + [("a", list(range(10)))] + [("a", [0, 1])] * 10
    assert prefilter._split_at(blocks) is None  # 180 comparisons: under the default
    monkeypatch.setattr(prefilter, "SPLIT_SCORING_OVER", 100)
    assert prefilter._split_at(blocks) == 11  # (40 before the large block, 140 with it, of 180)
    assert prefilter._split_at([]) is None


# ----- a child that fails ---------------------------------------------------------------------


def _dying_world():
    _rng, blocks, texts, owner, exact = _world(2)  # (built against the split)
    return blocks, texts, owner, exact


@pytest.mark.parametrize("how", ["dies", "raises", "hangs", "garbage", "bad-match", "bad-gate", "no-pickle",
                                 "unpickling"])
def test_a_child_that_fails_leaves_the_one_pass_result(how, monkeypatch):
    """Whatever the child does -- dies, raises, hangs past the wait, sends garbage or what does
    not pickle, or its answer cannot be read -- its half is scored here: one pass's result."""
    blocks, texts, owner, exact = _dying_world()
    rules = load_rules(None)
    one = _one_pass(blocks, texts, owner, exact, rules)
    parent = os.getpid()
    real = functools.partial(engine.score_blocks, rules=rules)

    def score(blocks, text_of, exact_of, owner, **kw):
        if os.getpid() != parent:
            if how == "dies":
                os._exit(9)
            if how == "raises":
                raise RuntimeError("child")
            if how == "hangs":
                time.sleep(60)
            found = real(blocks, text_of, exact_of, owner, **kw)
            if how == "garbage":
                return "garbage"
            if how == "bad-match":
                return found + [engine.FuzzyMatch(len(owner), 0, 90.0, "address")]
            if how == "bad-gate":
                kw["gates"].append((0, 1, 5, 2))
            if how == "no-pickle":
                return found + [lambda: None]
            return found
        return real(blocks, text_of, exact_of, owner, **kw)

    if how == "unpickling":
        def unreadable(self, missing=None, timeout=None):
            raise EOFError("an answer that does not unpickle")

        monkeypatch.setattr(parallel.ForkedResult, "result", unreadable)
    monkeypatch.setattr(prefilter, "SPLIT_WAIT_FLOOR", 0.5)
    monkeypatch.setattr(prefilter, "SPLIT_WAIT_TIMES", 0.0)
    started = time.monotonic()
    assert _split(blocks, texts, owner, exact, score, len(blocks) // 2, monkeypatch) == one
    assert time.monotonic() - started < 20


def test_a_child_past_the_wait_is_stopped(monkeypatch):
    """ForkedResult's `timeout`: the child stopped (reaped), `missing` given; one in time is read."""
    slow = parallel.ForkedResult(lambda: time.sleep(60))
    started = time.monotonic()
    assert slow.result("late", timeout=0.3) == "late"
    assert time.monotonic() - started < 10 and slow._pid is None
    quick = parallel.ForkedResult(lambda: list(range(300_000)))  # (more than a pipe holds)
    assert quick.result("late", timeout=30) == list(range(300_000))


def test_unsplit_scoring_is_one_call(monkeypatch):
    """At or below SPLIT_SCORING_OVER (or without `parallel`), no child: one call of `score`."""
    calls = []

    def score(blocks, text_of, exact_of, owner, **kw):
        calls.append(kw)
        return []

    monkeypatch.setattr(prefilter, "ForkedResult", None)  # (would fail if used)
    blocks = [("a", [0, 1])] * 4
    assert prefilter._score_in_two(score, blocks, None, None, [0, 1], True) == []
    monkeypatch.setattr(prefilter, "SPLIT_SCORING_OVER", 0)
    assert prefilter._score_in_two(score, blocks, None, None, [0, 1], False) == []
    assert calls == [{}, {}]


# ----- the sieve's verdicts of both halves ------------------------------------------------------


@pytest.fixture
def sieving(monkeypatch):
    monkeypatch.setattr(sieve, "SIEVE_OVER", 0)
    monkeypatch.setattr(sievecache, "MIN_BLOCKS", 0)
    monkeypatch.setattr(sievecache, "BACKGROUND", False)


def _held(identity: str, rules) -> dict:
    comparison_of = engine.comparisons_for(rules)
    context = sievecache.rules_context(comparison_of, engine._partial_tests(rules, comparison_of),
                                       rules.combine.fuzzy_block_cap)
    known = sievecache.load(sievecache.read(identity), MASTER, identity, context)
    return {} if known is None else known.verdicts


def _digests(blocks, texts, rules) -> set:
    comparison_of = engine.comparisons_for(rules)
    context = sievecache.rules_context(comparison_of, engine._partial_tests(rules, comparison_of),
                                       rules.combine.fuzzy_block_cap)
    key = sievecache.hmac.digest(sievecache.crypto.hkdf(MASTER, sievecache._DIGEST_INFO), context, "sha256")
    return set(sievecache._digests(blocks, texts.__getitem__, key)) - {None}


@pytest.mark.parametrize("forked", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 4])
def test_both_halves_verdicts_are_remembered(seed, forked, sieving, monkeypatch):
    """A split scoring saves the verdicts of every block, both halves'; the next one (the
    file says exactly what it saw) sieves nothing and leaves the file as it is; one after a
    change sieves only the changed blocks, in either half. The matches are one pass's."""
    _rng, blocks, texts, owner, exact = _world(seed)
    rules = load_rules(None)
    one = _one_pass(blocks, texts, owner, exact, rules)
    if not forked:
        monkeypatch.setattr(prefilter, "ForkedResult", _InProcess)
    asked: list[list] = []
    real = sieve.hopeless_blocks
    monkeypatch.setattr(sieve, "hopeless_blocks", lambda blocks, *a, **kw: asked.append(list(blocks)) or real(
        blocks, *a, **kw))
    here = f"file:/split/{seed}"
    score = functools.partial(engine.score_blocks, rules=rules)
    half = len(blocks) // 2

    def audit(blocks, texts):
        verdicts = sievecache.Verdicts(MASTER, here)
        found = _split(blocks, texts, owner, exact, score, half, monkeypatch, verdicts)
        verdicts.save()
        return found

    assert audit(blocks, texts) == one
    assert set(_held(here, rules)) == _digests(blocks, texts, rules)  # both halves'
    made = sievecache.cache_path(here).read_bytes()
    asked.clear()
    assert audit(blocks, texts) == one
    assert asked == [] and sievecache.cache_path(here).read_bytes() == made
    # A text of each half changed: only its blocks are sieved again (here, or in the child).
    changed = {blocks[0][1][0], blocks[-1][1][-1]}
    texts2 = [text + " b" if r in changed else text for r, text in enumerate(texts)]
    one2 = _one_pass(blocks, texts2, owner, exact, rules)
    asked.clear()
    assert audit(blocks, texts2) == one2
    if not forked:
        assert sorted(b for call in asked for b in call) == sorted(b for b in blocks if set(b[1]) & changed)
    assert set(_held(here, rules)) == _digests(blocks, texts2, rules)


def test_a_childs_verdicts_that_are_not_an_answer_are_not_taken():
    verdicts = sievecache.Verdicts(MASTER, "file:/x")
    blocks = [("address", [0, 1]), ("address", [1, 2])]
    context = b"c" * 32
    good = (context, [1], [b"d" * 16, None], False, None, 2)
    assert verdicts.received(blocks, str, good)
    for bad in [None, "x", good[:5], (context, [2], None, False, None, 2), (context, [1], [b"d"], False, None, 2),
                (context, [1], None, False, None, 3), ("c", [1], None, False, None, 2),
                (context, [1], [b"d" * 16, 5], False, None, 2), (context, {1}, None, False, None, 2)]:
        assert not verdicts.received(blocks, str, bad), bad
    assert len(verdicts._seen) == 1
