"""The key indexes read as arrays (store/indexarrays.py) and the audit's exact side found with
them (`prefilter._SharedInArrays`): the same as reading each index (`keyindex._parse_index`)
and looping over the accounts (`prefilter._SharedInLoop`), on randomized indexes with many
shared and crowded tags, accounts without attributes or blocking keys, and malformed ones."""

from __future__ import annotations

import random
import sys

import pytest

from linkcheck.store import prefilter
from linkcheck.store.indexarrays import IndexArrays
from linkcheck.store.keyindex import _index_layout, _parse_index


def _blob(attributes: list[tuple[list[int], list[int]]], texts: bytes = b"") -> bytes:
    """An index laid out as `keyindex.index_blob` lays it out, from (exact tags, blocking
    tags) per attribute."""
    head = len(attributes).to_bytes(4, "little") + bytes(len(e) for e, _b in attributes)
    head += bytes(len(b) for _e, b in attributes)
    tags = b"".join(t.to_bytes(8, sys.byteorder) for e, _b in attributes for t in e)
    tags += b"".join(t.to_bytes(8, sys.byteorder) for _e, b in attributes for t in b)
    return head + bytes(-len(head) % 8) + tags + texts


def _random_blobs(rng: random.Random, n: int, alphabet: int) -> list[bytes]:
    blobs = []
    for _ in range(n):
        attributes = []
        for _a in range(rng.choice([0, 1, 2, 3, 5])):
            exact = [rng.randrange(alphabet) + (0 if rng.random() < 0.5 else 2**63) for _ in range(rng.choice([0, 1, 1, 2, 3]))]
            blocking = [rng.randrange(alphabet) for _ in range(rng.choice([0, 0, 1, 2]))]
            attributes.append((exact, blocking))
        with_blocks = sum(1 for _e, b in attributes if b)
        texts = b"\x00".join(b"kind\x00text%d" % i for i in range(with_blocks))
        blobs.append(_blob(attributes, texts))
    return blobs


@pytest.mark.parametrize("seed", range(40))
def test_arrays_hold_what_each_index_holds(seed):
    rng = random.Random(seed)
    blobs = _random_blobs(rng, rng.randrange(0, 60), rng.choice([3, 20, 1000]))
    arrays = IndexArrays(blobs)
    indexes = [_parse_index(b) for b in blobs]
    assert arrays.n == len(blobs)
    assert arrays.exact.tolist() == [t for ix in indexes for t in ix.exact.tolist()]
    assert arrays.blocking.tolist() == [t for ix in indexes for t in ix.blocking.tolist()]
    assert arrays.exact_counts.tolist() == [c for ix in indexes for c in ix.exact_counts]
    assert arrays.block_counts.tolist() == [c for ix in indexes for c in ix.block_counts]
    assert arrays.n_exact.tolist() == [len(ix.exact) for ix in indexes]
    assert arrays.n_block.tolist() == [len(ix.blocking) for ix in indexes]
    assert arrays.attrs.tolist() == [len(ix.exact_counts) for ix in indexes]
    for at, ix in enumerate(indexes):
        assert arrays.texts(at) == ix.texts
        assert arrays.exact_count_bytes(at) == ix.exact_counts
        start = int(arrays.exact_start[at])
        assert arrays.exact[start : start + len(ix.exact)].tolist() == ix.exact.tolist()
    # The audit cache's way in (the blocking tags and the texts gathered when first read):
    # the same arrays, whichever is read first.
    again = IndexArrays.from_padded(*arrays.padded())
    if seed % 2:
        assert [again.texts(at) for at in range(len(blobs))] == [ix.texts for ix in indexes]
    assert again.blocking.tolist() == arrays.blocking.tolist()
    assert again.block_start.tolist() == arrays.block_start.tolist()
    assert [again.texts(at) for at in range(len(blobs))] == [ix.texts for ix in indexes]
    assert again.exact.tolist() == arrays.exact.tolist()


@pytest.mark.parametrize("cut", ["short", "attributes", "tags"])
def test_a_malformed_index_is_refused_as_parse_index_refuses_it(cut):
    good = _blob([([1, 2], [3]), ([4], [])], b"kind\x00text")
    if cut == "short":
        bad = good[:3]
    elif cut == "attributes":
        bad = (10_000).to_bytes(4, "little") + good[4:]
    else:
        bad = good[: _index_layout(good)[3] - 8]
    with pytest.raises(ValueError):
        _parse_index(bad)
    with pytest.raises(ValueError):
        IndexArrays([good, bad, good])
    assert IndexArrays([good, good]).exact.tolist() == [1, 2, 4, 1, 2, 4]


def _as_python(shared) -> tuple:
    return shared.wanted, list(shared.first.items())


def _compare_shared(seed: int) -> tuple[int, int]:
    """Compare both ways on one randomized store; (crowded tags, accounts left out)."""
    rng = random.Random(seed)
    blobs = _random_blobs(rng, rng.randrange(1, 80), rng.choice([4, 12, 40, 400]))
    arrays = IndexArrays(blobs)
    indexes = [_parse_index(b) for b in blobs]
    crowd = rng.choice([None, 1, 2, 3, 6])
    include_at = rng.choice([None, rng.randrange(len(blobs))])
    loop = prefilter._SharedInLoop(indexes, crowd, include_at)
    fast = prefilter._SharedInArrays(arrays, crowd, include_at)
    # The same with the holders the audit cache's writer counts (auditcache.exact_holders).
    import numpy as np

    from linkcheck.store import auditcache

    counted = auditcache.exact_holders(*arrays.padded())
    held = np.frombuffer(counted, dtype=np.int32).astype(np.int64) if counted else None
    assert (held is None) == (not len(arrays.exact))
    given = prefilter._SharedInArrays(arrays, crowd, include_at, held)
    assert _as_python(fast) == _as_python(loop) == _as_python(given)
    # Some of the crowded tags are quiet hubs: the accounts holding another are read too.
    quiet = {t for t in loop.first if rng.random() < 0.6}
    assert fast.not_only_quiet(quiet) == loop.not_only_quiet(quiet) == given.not_only_quiet(quiet)
    left_out = 0
    for at in range(len(blobs)):
        assert fast.left_out(at) == loop.left_out(at) == given.left_out(at)
        left_out += bool(loop.left_out(at))
    return len(loop.first), left_out


@pytest.mark.parametrize("seed", range(60))
def test_shared_tags_found_with_arrays_are_those_of_the_loop(seed):
    """Which accounts to read and which attributes, which tags are crowded and their first
    holders, which accounts share only quiet tags: the same with arrays as with the loop,
    whatever the hub size and the account asked for."""
    _compare_shared(seed)


def test_the_randomized_stores_have_crowded_tags_and_accounts_left_out():
    found = [_compare_shared(seed) for seed in range(60)]
    assert sum(1 for crowded, _out in found if crowded) >= 10
    assert sum(1 for _crowded, out in found if out) >= 5


@pytest.mark.parametrize("seed", range(40))
def test_fuzzy_blocks_built_as_arrays_are_those_of_the_loop(seed):
    """The fuzzy side's blocks from arrays (`_blocks_in_arrays`) are those of the loop
    (`_blocks_in_python`), on randomized indexes where an account often holds one blocking
    tag twice (it is one holder) and tags are held by 1 to many accounts, whatever the cap."""
    rng = random.Random(seed)
    blobs = _random_blobs(rng, rng.randrange(1, 80), rng.choice([3, 8, 40, 400]))
    arrays = IndexArrays(blobs)
    indexes = [_parse_index(b) for b in blobs]
    for cap in (2, 3, 5, 200):
        assert prefilter._blocks_in_arrays(arrays, cap) == prefilter._blocks_in_python(indexes, cap)



@pytest.mark.parametrize("texts", [
    [b"kind\x00a", b"", b"kind\x00c"],  # an index without texts (a development build's)
    [b"kind\x00a", b"kind", b""],  # too few NULs before the empty one: damaged
    [b"kind\x00a", b"kind\x00b\x00c", b"kind\x00c"],  # too many
    [b"", b"kind", b"kind\x00c"],
])
def test_blocks_from_arrays_meet_missing_or_wrong_texts_as_the_loop_does(texts):
    """The first account whose texts are not one kind and one text per attribute with blocking
    keys decides: empty, the index kept no texts (None); else the index is damaged."""
    from linkcheck.store.sqlite import StoreDamaged

    blobs = [_blob([([i], [7])], t) for i, t in enumerate(texts)]
    arrays = IndexArrays(blobs)
    try:
        expected = prefilter._blocks_in_python([_parse_index(b) for b in blobs], 5)
    except StoreDamaged:
        with pytest.raises(ValueError):
            prefilter._blocks_in_arrays(arrays, 5)
    else:
        assert expected is None
        assert prefilter._blocks_in_arrays(arrays, 5) is None

@pytest.mark.parametrize("seed", range(20))
def test_holders_per_tag_counts_each_tags_distinct_holders(seed):
    import numpy as np

    rng = random.Random(seed)
    n = rng.randrange(1, 3000)
    tags = [rng.randrange(rng.choice([2, 50, 2**64])) for _ in range(n)]
    account = sorted(rng.randrange(rng.choice([1, 5, 500])) for _ in range(n))
    order, group, holders = prefilter._holders_per_tag(np.array(tags, dtype=np.uint64), np.array(account, dtype=np.int64))
    by_tag = [tags[i] for i in order.tolist()]
    assert by_tag == sorted(tags)
    holders_of = {t: len({a for t2, a in zip(tags, account, strict=True) if t2 == t}) for t in set(tags)}
    assert [holders[g] for g in group.tolist()] == [holders_of[t] for t in by_tag]
    assert group.tolist() == [sorted(set(tags)).index(t) for t in by_tag]


def _holders_of_each(order, group, holders, count):
    """Each tag entry's number of distinct holders, and its group, in entry order."""
    import numpy as np

    per_entry = np.empty(count, dtype=np.int64)
    per_entry[order] = holders[group]
    group_of = np.empty(count, dtype=np.int64)
    group_of[order] = group
    return per_entry.tolist(), group_of.tolist()


@pytest.mark.parametrize("seed", range(40))
def test_holders_per_tag_by_packed_sort_is_the_argsorts_answer(seed):
    """The packed sort gives every tag entry the group and the holder count the argsort gives,
    also where different tags share their high bits (only their low bits -- the bits the
    positions take -- differ) and where one account holds a tag several times."""
    import numpy as np

    rng = random.Random(seed)
    n = rng.randrange(1, 5000)
    shape = rng.choice(["random", "low bits", "few", "high only"])
    bits = max(1, (n - 1).bit_length())
    if shape == "random":
        pool = [rng.randrange(2**64) for _ in range(rng.randrange(1, n + 1))]
    elif shape == "low bits":  # many tags alike but for the bits below the positions' width
        bases = [rng.randrange(2**64) for _ in range(rng.randrange(1, 4))]
        pool = [(rng.choice(bases) & ~((1 << bits) - 1)) | rng.randrange(1 << bits) for _ in range(rng.randrange(1, 60))]
    elif shape == "few":
        pool = list(range(rng.randrange(1, 6)))
    else:
        pool = [rng.randrange(2**20) << 44 for _ in range(rng.randrange(1, 30))]
    tags = np.array([rng.choice(pool) for _ in range(n)], dtype=np.uint64)
    account = np.array(sorted(rng.randrange(rng.choice([1, 5, 500, n])) for _ in range(n)), dtype=np.int64)
    new = prefilter._holders_per_tag(tags, account)
    old = prefilter._holders_per_tag_by_argsort(tags, account)
    assert tags[new[0]].tolist() == sorted(tags.tolist())
    assert _holders_of_each(*new, n) == _holders_of_each(*old, n)
    assert new[2].tolist() == old[2].tolist()


def test_holders_per_tag_with_many_mixed_runs_argsorts(monkeypatch):
    """Past `_MIXED_RUNS_AT_MOST` runs of different tags sharing high bits, the argsort's way."""
    import numpy as np

    monkeypatch.setattr(prefilter, "_MIXED_RUNS_AT_MOST", 2)
    rng = random.Random(7)
    tags = np.array([(rng.randrange(8) << 40) | rng.randrange(4) for _ in range(3000)], dtype=np.uint64)
    account = np.arange(3000, dtype=np.int64) // 3
    new = prefilter._holders_per_tag(tags, account)
    old = prefilter._holders_per_tag_by_argsort(tags, account)
    assert _holders_of_each(*new, 3000) == _holders_of_each(*old, 3000)


def test_holders_per_tag_of_accounts_out_of_order_is_the_argsorts():
    import numpy as np

    tags = np.array([5, 5, 9, 5, 9], dtype=np.uint64)
    account = np.array([2, 0, 1, 2, 1], dtype=np.int64)
    new = prefilter._holders_per_tag(tags, account)
    assert _holders_of_each(*new, 5) == _holders_of_each(*prefilter._holders_per_tag_by_argsort(tags, account), 5)
    assert _holders_of_each(*new, 5)[0] == [2, 2, 1, 2, 1]
