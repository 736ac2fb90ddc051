"""The eighteenth session (issue 17, FEBRL4 against Splink): the in-process audit's fuzzy child
forked once the keys are counted (`byfacet.start_early`), making its facets' groups itself
(`engine._grouped` of those keys) while this process groups the others; the two parts' matches
merged by each group's place in one grouping's order (`engine._placer`); the child masks values
once its part is scored (`engine.masks_of`, `_Materialiser.received`). Each against the old way,
on made-up values only."""

from __future__ import annotations

import os
import random
from array import array
from collections import Counter

import pytest

from linkcheck.linkage import byfacet, engine
from linkcheck.linkage.results import audit_to_json
from linkcheck.linkage.rules import DEFAULT_RULES
from linkcheck.models import Account, Attribute, Level, Profile
from test_audit_two_cores import RULES, _world


def _keyed_profiles(seed: int) -> tuple[list[Profile], set[str]]:
    """Profiles whose values hold keys from a small pool (exact and blocking ones, some twice in
    one value, some values with none), and a few hub keys (one of them held once, one never)."""
    rng = random.Random(seed)
    pool = [f"{facet}:{n}" for facet in ("email", "phone") for n in range(12)]
    pool += [f"~{facet}:{n}" for facet in ("address", "legal_representative", "registration_number")
             for n in range(15)]
    profiles = []
    for p in range(rng.randrange(5, 60)):
        attributes = []
        for v in range(rng.randrange(0, 5)):
            keys = tuple(rng.choice(pool) for _ in range(rng.randrange(0, 5)))
            if keys and rng.random() < 0.2:
                keys += (keys[0],)  # (a key twice in one value)
            attributes.append(Attribute("address", f"value {p} {v}", f"value {p} {v}", keys))
        profiles.append(Profile(Account(f"acct-{p:02d}", "", "active"), tuple(attributes)))
    return profiles, {rng.choice(pool), "email:never held"}


@pytest.mark.parametrize("seed", range(40))
def test_grouping_part_of_the_keys_gives_their_groups_in_one_groupings_order(seed):
    profiles, hub_keys = _keyed_profiles(seed)
    attr_of, owner, counts, repeated = engine._keys_counted(profiles, hub_keys)
    full = engine._grouped(attr_of, repeated, hub_keys)
    assert engine._group_by_key(profiles, hub_keys) == (attr_of, owner, full)
    rng = random.Random(seed)
    some = {key for key in repeated if rng.random() < 0.5}
    these = engine._grouped(attr_of, some, hub_keys)
    others = engine._grouped(attr_of, repeated - some, hub_keys)
    assert list(these.items()) == [item for item in full.items() if item[0] in some]
    assert list(others.items()) == [item for item in full.items() if item[0] not in some]
    # Each group's place: one grouping's order, whatever the keys grouped with it.
    place = engine._placer(attr_of)
    assert sorted([*these.items(), *others.items()], key=place) == list(full.items())
    assert [place(item) for item in these.items()] == sorted(map(place, these.items()))
    # The blocking keys by facet and their weights, read from the counts.
    sizes, keys_of = engine._blocking_keys(counts, repeated)
    assert {facet: sorted(keys) for facet, keys in keys_of.items()} == {
        facet: sorted(key for key in repeated if key.startswith(f"~{facet}:")) for facet in keys_of}
    assert sizes == Counter({facet: sum(counts[key] for key in keys) for facet, keys in keys_of.items()})


def _old_parts(blocks, rules):  # byfacet._parts before this session
    size = Counter()
    for facet, refs in blocks:
        size[facet] += len(refs)
    weights = {facet: n * byfacet._weight(facet, rules) for facet, n in size.items()}
    here, there, load = set(), set(), [0, 0]
    for facet in sorted(weights, key=lambda f: (-weights[f], f)):
        side = 0 if load[0] <= load[1] else 1
        (here if side == 0 else there).add(facet)
        load[side] += weights[facet]
    if not here or not there or not load[1]:
        return None
    return ([at for at, (facet, _refs) in enumerate(blocks) if facet in there],
            [at for at, (facet, _refs) in enumerate(blocks) if facet in here])


@pytest.mark.parametrize("seed", range(30))
def test_the_parts_are_the_old_ones(seed):
    rng = random.Random(seed)
    facets = ["address", "legal_representative", "registration_number", "company_name", "email"]
    blocks = [(rng.choice(facets[: rng.randrange(1, 6)]), list(range(rng.randrange(2, 9))))
              for _ in range(rng.randrange(0, 30))]
    assert byfacet._parts(blocks, DEFAULT_RULES) == _old_parts(blocks, DEFAULT_RULES)


def _audit_json(profiles, rules=DEFAULT_RULES, mask=None) -> dict:
    return audit_to_json(engine.audit(profiles, rules, min_level=Level.LOW, mask=mask))


def _one_pass_json(profiles, monkeypatch, rules=DEFAULT_RULES, mask=None) -> dict:
    with monkeypatch.context() as patched:
        patched.setattr(byfacet, "SPLIT_OVER", 10**9)
        return _audit_json(profiles, rules, mask)


def _scorings(monkeypatch) -> list:
    """Each scoring `start_early` gave, as (split, with a child at work; its `then` facets)."""
    seen: list = []
    scoring = byfacet.Early.scoring

    def recording(self, blocks, places, apart):
        made = scoring(self, blocks, places, apart)
        seen.append((isinstance(made, byfacet.EarlyScoring) and made._child is not None, made.then_facets))
        return made

    monkeypatch.setattr(byfacet.Early, "scoring", recording)
    return seen


@pytest.mark.parametrize("seed", range(12))
def test_the_early_child_gives_the_one_pass_audit(seed, monkeypatch):
    if not hasattr(os, "fork"):
        pytest.skip("no fork: no child")
    profiles = _world(seed)
    rules = RULES[seed % len(RULES)]
    one_pass = _one_pass_json(profiles, monkeypatch, rules)
    seen = _scorings(monkeypatch)
    received: list[int] = []
    take = engine._Materialiser.received

    def counted(self, attrs, made):
        take(self, attrs, made)
        received.append(len(made[1]))

    monkeypatch.setattr(engine._Materialiser, "received", counted)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    assert _audit_json(profiles, rules) == one_pass
    assert seen and seen[0][0] and seen[0][1]  # (the early child scored, and masked its facets' values)
    assert received and received[0] > 0
    # A mask of the caller's own: the child masks nothing (the mask is called as before).
    seen.clear()
    received.clear()
    own = lambda kind, normalized, raw: engine.kinds_mask(kind, normalized, raw)  # noqa: E731
    assert _audit_json(profiles, rules, mask=own) == one_pass
    assert seen and seen[0] == (True, frozenset()) and not received


def test_the_childs_masks_are_those_made_here():
    profiles = _world(3)
    attrs = [a for p in profiles for a in p.attributes if a.keys]
    kinds = {"address", "legal_representative"}
    refs, masks = engine.masks_of(engine.kinds_mask, attrs, kinds)
    assert list(refs) == [r for r, a in enumerate(attrs) if a.kind in kinds]
    assert masks == [engine.kinds_mask(a.kind, a.normalized, a.value) for a in attrs if a.kind in kinds]
    materialiser = engine._Materialiser(engine.kinds_mask, ())
    materialiser.received(attrs, (refs, masks))
    assert all(materialiser._masked[id(attrs[r])] == m for r, m in zip(refs, masks, strict=True))
    # Then the others, from the last backwards, until enough.
    refs, masks = engine.masks_of(engine.kinds_mask, attrs, kinds, lambda: False, step=7)
    others = [r for r in reversed(range(len(attrs))) if attrs[r].kind not in kinds]
    assert list(refs) == [r for r, a in enumerate(attrs) if a.kind in kinds] + others
    assert masks == [engine.kinds_mask(attrs[r].kind, attrs[r].normalized, attrs[r].value) for r in refs]
    asked: list[int] = []
    refs, _masks = engine.masks_of(engine.kinds_mask, attrs, kinds, lambda: asked.append(1) or len(asked) > 2, step=7)
    assert len(refs) == sum(a.kind in kinds for a in attrs) + sum(r >= len(attrs) - 14 for r in others)  # (two steps)
    # A value whose mask fails is left out (shown, it fails as before).
    odd = Attribute("shoe_size", "42", "42", ("shoe_size:42",))
    assert engine.masks_of(engine.kinds_mask, [odd, *attrs[:1]], {"shoe_size", attrs[0].kind}) == (
        array("q", [1]), [engine.kinds_mask(attrs[0].kind, attrs[0].normalized, attrs[0].value)])


@pytest.mark.parametrize("made", [None, "masks", (array("q", [0]),), (array("q", [0, 1]), ["x"]),
                                  ([0], ["x"]), (array("q", [0]), ("x",)), (array("q", [0]), [b"x"]),
                                  (array("q", [10**6]), ["x"]), (array("q", [-1]), ["x"])])
def test_what_is_not_the_childs_masks_is_ignored(made):
    attrs = [a for p in _world(1) for a in p.attributes if a.keys]
    materialiser = engine._Materialiser(engine.kinds_mask, ())
    materialiser.received(attrs, made)
    assert materialiser._masked == {}


@pytest.mark.parametrize("seed", range(4))
def test_a_child_that_masks_every_value_gives_the_same_audit(seed, monkeypatch):
    """This process slow with its own part: the child masks every value, this one none."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork: no child")
    profiles = _world(seed)
    one_pass = _one_pass_json(profiles, monkeypatch)
    received: list[int] = []
    take = engine._Materialiser.received

    def counted(self, attrs, made):
        take(self, attrs, made)
        received.append(len(made[1]))

    masks_of = engine.masks_of
    monkeypatch.setattr(engine._Materialiser, "received", counted)
    monkeypatch.setattr(engine, "masks_of", lambda mask, attrs, kinds, enough: masks_of(mask, attrs, kinds, lambda: False))
    monkeypatch.setattr(engine._Materialiser, "mask_ahead", lambda *args, **kwargs: None)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    assert _audit_json(profiles) == one_pass
    assert received == [sum(1 for p in profiles for a in p.attributes if a.keys)]


def test_a_child_that_fails_masking_leaves_its_part_to_this_process(monkeypatch):
    if not hasattr(os, "fork"):
        pytest.skip("no fork: no child")
    profiles = _world(5)
    one_pass = _one_pass_json(profiles, monkeypatch)

    def failing(*args):
        raise MemoryError

    monkeypatch.setattr(engine, "masks_of", failing)  # (in the child, a copy of this process)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    assert _audit_json(profiles) == one_pass


def test_a_value_in_groups_of_both_parts_has_them_scored_in_one_pass(monkeypatch):
    if not hasattr(os, "fork"):
        pytest.skip("no fork: no child")
    profiles = _world(2)
    attrs = [a for p in profiles for a in p.attributes]
    an_address = next(key for a in attrs for key in a.keys if key.startswith("~address:"))
    an_id = next(key for a in attrs for key in a.keys if key.startswith("~registration_number:"))
    both = Attribute("address", "odd", "odd", (an_address, an_id))  # (a caller's value with keys of two facets)
    profiles.append(Profile(Account("acct-odd", "", "active"), (both,)))
    one_pass = _one_pass_json(profiles, monkeypatch)
    seen = _scorings(monkeypatch)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    assert _audit_json(profiles) == one_pass
    assert seen == [(False, frozenset())]  # (scored in one pass here)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the child ended and reaped


def test_apart_by_keys():
    a = Attribute("address", "a", "a", ("~address:1", "~address:2"))
    b = Attribute("legal_representative", "b", "b", ("~legal_representative:1",))
    both = Attribute("address", "c", "c", ("~address:1", "~legal_representative:1"))
    these, those = {"~address:1", "~address:2"}, {"~legal_representative:1"}
    assert engine._apart_by_keys([a, b], these, those)
    assert not engine._apart_by_keys([a, b, both], these, those)
    assert engine._apart_by_keys([], these, those)


def test_a_failure_while_grouping_after_the_fork_ends_the_child(monkeypatch):
    if not hasattr(os, "fork"):
        pytest.skip("no fork: no child")
    calls: list[int] = []

    def failing(*args):
        calls.append(1)  # (this process's grouping, the child at work on its own)
        raise ValueError("no room")

    monkeypatch.setattr(engine, "_grouped", failing)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    with pytest.raises(ValueError):
        _audit_json(_world(4))
    assert len(calls) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
