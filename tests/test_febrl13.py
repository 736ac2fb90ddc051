"""The thirteenth session's engine speedups, each against the old way on random inputs."""

from __future__ import annotations

import gc
import random

import pytest

from linkcheck import normalize
from linkcheck.linkage import engine
from linkcheck.linkage.results import _without_cyclic_gc
from linkcheck.registry import kinds, masks


def _old_mask_word(word: str) -> str:  # masks._mask_word before this session
    if normalize.is_cjk(word[0]):
        return word[0] + "*" * max(1, len(word) - 1)
    if word.isdigit():
        return "***"
    return word[0] + "***"


_LETTERS = "abcxyz0123456789é深圳市星贸易有限公司路号室٣ＡＢ１-'. "


def _words(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice(_LETTERS) for _ in range(rng.randint(1, 9))).strip() or "a" for _ in range(count)]


def test_mask_word_is_the_old_one_on_random_words():
    rng = random.Random(13)
    for word in _words(rng, 5000) + ["1203", "٣٣", "１２", "深", "a", "A1", "Acme"]:
        for w in word.split() or [word]:
            assert masks._mask_word(w) == _old_mask_word(w), w


def test_kinds_mask_is_the_registrys_mask_on_random_values():
    rng = random.Random(1313)
    for kind in ("legal_representative", "address", "company_name", "registration_number", "email", "phone"):
        for _ in range(300):
            words = _words(rng, rng.randint(1, 5))
            text = " ".join(words)
            raw = text if rng.random() < 0.5 else None
            assert engine.kinds_mask(kind, text, raw) == kinds.mask(kind, text, raw)


def test_kinds_mask_looks_the_registry_up_at_call_time(monkeypatch):
    engine.kinds_mask("address", "1 main street")  # the registry bound once
    monkeypatch.setattr(kinds, "mask", lambda kind, normalized, raw=None: "patched")
    assert engine.kinds_mask("address", "1 main street") == "patched"


@pytest.fixture()
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_what_the_audit_kept_goes_to_the_oldest_generation_unscanned(collector_on):
    assert gc.get_freeze_count() == 0
    with _without_cyclic_gc():
        assert not gc.isenabled()
        kept = [{"a": [i]} for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # nothing left frozen
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(item) in oldest for item in kept)
    # A cycle made inside is still freed by a full collection.
    with _without_cyclic_gc():
        cycle: list = []
        cycle.append(cycle)
        marker = id(cycle)
        del cycle
    gc.collect()
    assert marker not in {id(o) for o in gc.get_objects()}


def test_objects_the_caller_froze_stay_frozen(collector_on):
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with _without_cyclic_gc():
            [{"b": [i]} for i in range(100)]
        assert gc.get_freeze_count() >= frozen  # not thawed by the audit
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_collector_left_off_when_it_was_off():
    was = gc.isenabled()
    gc.disable()
    try:
        with _without_cyclic_gc():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_findings_and_pairs_made_faster_are_the_classes_own():
    import dataclasses

    from linkcheck.linkage.results import Finding, PairRisk, new_finding, new_pair
    from linkcheck.models import Level

    rng = random.Random(7)
    for _ in range(300):
        names = rng.sample(["a", "b", "c", "深圳"], 2)
        values = (rng.choice(["address", "email"]), rng.choice(["address", "email"]), rng.choice(["exact", "fuzzy"]),
                  rng.choice([None, 91.5, 100.0]), rng.choice(list(Level)), {n: _words(rng, 1)[0] for n in names},
                  {n: _words(rng, 1)[0] for n in names}, {n: (rng.randint(0, 9), rng.randint(0, 9)) for n in names},
                  "reason", rng.choice(["", "理由"]), rng.choice(["", "id"]), rng.random() < 0.5,
                  rng.choice([None, "note"]), rng.random() * 10, {n: ((1, None, None),) for n in names},
                  {n: rng.choice([(), ("bad-checksum",)]) for n in names}, (("fuzzy", 3.0, None),), None)
        made, built = new_finding(*values), Finding(*values)
        assert made == built and repr(made) == repr(built)
        assert vars(made) == vars(built) and list(vars(made)) == list(vars(built))
        assert [f.name for f in dataclasses.fields(Finding)] == list(vars(made))
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.kind = "x"  # type: ignore[misc]
        pair_values = (tuple(sorted(names)), rng.choice(list(Level)), rng.random(), (made,), rng.random())
        assert new_pair(*pair_values) == PairRisk(*pair_values)
        assert repr(new_pair(*pair_values)) == repr(PairRisk(*pair_values))
    with pytest.raises(ValueError):  # every field, or none made
        new_pair(("a", "b"), Level.LOW, 1.0, ())


def _old_same_place(a: str, b: str) -> float | None:  # comparisons.same_place before this session
    from linkcheck.linkage.comparisons import _ADDRESS_UNITS, _place_words

    if a == b:
        return 100.0
    codes_a, core_a = _place_words(a)
    codes_b, core_b = _place_words(b)
    if codes_a and codes_b and codes_a != codes_b:
        return None
    if len(core_a) > len(core_b):
        core_a, core_b = core_b, core_a
    if not core_a <= core_b:
        return None
    numbers = [w for w in core_a if w.isdigit()]
    if not numbers or len(core_a) - len(numbers) < 2:
        return None
    extra = core_b - core_a
    if extra & _ADDRESS_UNITS:
        return None
    extra_numbers = [w for w in extra if w.isdigit()]
    if extra_numbers and (len(extra_numbers) > 1 or "floor" not in extra):
        return None
    return 100.0


_ADDRESS_WORDS = ("12 14 88 1203 3071 3017 518057 518000 keyuan quenby road street nanshan shenzhen district "
                  "province city guangdong floor room building b suite china").split()


def _address(rng: random.Random) -> str:
    return " ".join(sorted(rng.sample(_ADDRESS_WORDS, rng.randint(1, 7))))


def test_same_place_matches_are_the_old_pairwise_ones_on_random_addresses():
    from linkcheck.linkage.comparisons import SamePlace, same_place

    rng = random.Random(2013)
    level = SamePlace()
    for _ in range(400):
        texts = list(dict.fromkeys(_address(rng) for _ in range(rng.randint(1, 25))))
        for x, text in enumerate(texts):
            others = texts[x + 1:] + ([text] if rng.random() < 0.1 else [])
            assert level.matches(text, others) == [(o, 100.0) for o in others if _old_same_place(text, o)]
            for other in others:
                assert same_place(text, other) == _old_same_place(text, other)
    hits = sum(bool(_old_same_place(_address(rng), _address(rng))) for _ in range(20000))
    assert hits > 20  # (the random addresses do meet the rule's every branch now and then)


def _old_group_by_key(profiles, hub_keys=()):  # engine._group_by_key before this session
    from collections import Counter
    from itertools import chain

    attr_of = [a for p in profiles for a in p.attributes if a.keys]
    owner = [i for i, p in enumerate(profiles) for a in p.attributes if a.keys]
    counts = Counter(chain.from_iterable(a.keys for a in attr_of))
    repeated = {key for key, n in counts.items() if n > 1}
    repeated.update(key for key in hub_keys if key in counts)
    shared: dict[str, list[int]] = {}
    for ref, attr in enumerate(attr_of):
        if repeated.isdisjoint(attr.keys):
            continue
        for key in attr.keys:
            if key in repeated:
                group = shared.get(key)
                if group is None:
                    shared[key] = [ref]
                elif group[-1] != ref:
                    group.append(ref)
    return attr_of, owner, {key: refs for key, refs in shared.items() if len(refs) > 1 or key in hub_keys}


def test_group_by_key_is_the_old_one_on_random_profiles():
    from linkcheck.models import Account, Attribute, Profile

    rng = random.Random(31)
    for _ in range(200):
        pool = [f"k{n}" for n in range(rng.randint(1, 40))]
        profiles = []
        for i in range(rng.randint(0, 30)):
            attrs = tuple(Attribute("email", f"v{i}.{j}", f"v{i}.{j}",
                                    tuple(rng.choice(pool) for _ in range(rng.randint(0, 6))))
                          for j in range(rng.randint(0, 4)))
            profiles.append(Profile(Account(f"acct{i}", "", "active"), attrs))
        hub_keys = set(rng.sample(pool, min(len(pool), rng.randint(0, 3))))
        got, want = engine._group_by_key(profiles, hub_keys), _old_group_by_key(profiles, hub_keys)
        assert got[0] == want[0] and got[1] == want[1]
        assert list(got[2].items()) == list(want[2].items())  # the groups, in the same order


def test_the_scoring_child_starts_before_the_exact_pairs_and_is_stopped_if_they_fail(monkeypatch):
    from linkcheck.linkage import byfacet
    from linkcheck.linkage.rules import DEFAULT_RULES
    from linkcheck.models import Level
    from test_audit_two_cores import _world

    profiles = _world(105)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    events: list[str] = []
    started = byfacet.Scoring.__init__
    cancel = byfacet.Scoring.cancel

    def starting(self, *args, **kwargs):
        started(self, *args, **kwargs)
        events.append("child" if self._child is not None else "none")

    def cancelling(self):
        events.append("cancel" if self._child is not None else "nothing to cancel")
        cancel(self)

    def failing(*args, **kwargs):
        events.append("exact")
        raise MemoryError

    monkeypatch.setattr(byfacet.Scoring, "__init__", starting)
    monkeypatch.setattr(byfacet.Scoring, "cancel", cancelling)
    monkeypatch.setattr(engine, "_exact_pairs", failing)
    with pytest.raises(MemoryError):
        engine.audit(profiles, DEFAULT_RULES, min_level=Level.LOW)
    assert events == ["child", "exact", "cancel"]
