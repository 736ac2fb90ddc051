"""Issue 17, the in-process audit's speed with the same result: the fuzzy scoring split by facet
between two processes (linkage.byfacet), and the pair completion's necessary tests over all
the pairs near matches brought at once (linkage.completion._pretested). Each is compared with
the one-pass, one-by-one audit on random worlds of people who share family names, ids one
typo apart, addresses written with typos and words split by a space. Made-up names and
addresses only."""

from __future__ import annotations

import random

import pytest

from linkcheck.accounts import make_attribute
from linkcheck.linkage import byfacet, completion, engine
from linkcheck.linkage.comparisons import comparisons_for
from linkcheck.linkage.completion import split_reading
from linkcheck.linkage.results import audit_to_json
from linkcheck.linkage.rules import DEFAULT_RULES, rules_from_dict
from linkcheck.models import Account, Level, Profile

GIVEN = ["odalys", "laura", "jason", "borislav", "cyrene", "ada", "quentin", "mirabel"]
FAMILY = ["quillfeather", "brackwater", "tenmarrow", "palavoux", "harrowgate", "vantoro", "zorbexley"]
STREETS = ["tallowford lane", "harrowgate street", "quenby place", "brackenmere road"]
TOWNS = ["brackenmere nsw 2480", "quenbydale vic 3158", "tallowvale qld 4221"]


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    return word[:i] + ("x" if word[i] != "x" else "q") + word[i + 1:]


def _split(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    return word[:i] + " " + word[i:]


def _person(rng: random.Random) -> dict[str, str]:
    return {"given": rng.choice(GIVEN), "family": rng.choice(FAMILY),
            "id": str(rng.randrange(10_000_000, 99_999_999)),
            "address": f"{rng.randrange(1, 60)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}"}


def _written(person: dict[str, str], rng: random.Random) -> dict[str, str]:
    """One account's values of a person, each as written by someone in a hurry (or not)."""
    given, family = person["given"], person["family"]
    roll = rng.random()
    if roll < 0.15:
        given = _split(given, rng)
    elif roll < 0.3:
        given = _typo(given, rng)
    elif roll < 0.4:
        given = ""
    values = {"legal_representative": f"{given} {family}".strip()}
    number = person["id"]
    roll = rng.random()
    if roll < 0.2:  # a digit changed, not the last
        i = rng.randrange(len(number) - 1)
        number = number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1:]
    elif roll < 0.35:  # two neighbours swapped
        i = rng.randrange(len(number) - 1)
        number = number[:i] + number[i + 1] + number[i] + number[i + 2:]
    if rng.random() < 0.9:
        values["registration_number"] = number
    words = person["address"].split()
    roll = rng.random()
    if roll < 0.3:
        at = rng.randrange(1, len(words))
        words[at] = _typo(words[at], rng) if rng.random() < 0.5 else _split(words[at], rng)
    values["address"] = " ".join(words)
    return values


def _world(seed: int) -> list[Profile]:
    rng = random.Random(seed)
    people = [_person(rng) for _ in range(rng.randrange(30, 70))]
    profiles = []
    for n in range(rng.randrange(60, 140)):
        values = _written(rng.choice(people), rng)
        attributes = tuple(make_attribute(kind, text, region="AU") for kind, text in values.items())
        profiles.append(Profile(Account(f"acct-{n:03d}", "", "active"), attributes))
    return profiles


def _audited(profiles, rules=DEFAULT_RULES) -> dict:
    return audit_to_json(engine.audit(profiles, rules, min_level=Level.LOW))


RULES = [DEFAULT_RULES, rules_from_dict({"fuzzy": {"address": 80}}),
         rules_from_dict({"weights": {"address": {"near": 0}, "registration_number": {"near": 5}}})]


@pytest.mark.parametrize("seed", range(24))
def test_the_necessary_tests_leave_the_audit_as_comparing_one_by_one(seed, monkeypatch):
    profiles = _world(seed)
    rules = RULES[seed % len(RULES)]
    monkeypatch.setattr(completion, "PRETEST_OVER", 10**9)
    one_by_one = _audited(profiles, rules)
    monkeypatch.setattr(completion, "PRETEST_OVER", 0)
    assert _audited(profiles, rules) == one_by_one


def test_the_worlds_bring_pairs_the_tests_rule_out_and_pairs_completion_lifts(monkeypatch):
    """The worlds above exercise the tests: pairs brought by near matches, most of them left out
    by the tests, some kept and compared, and pairs that completion lifts to high."""
    monkeypatch.setattr(completion, "PRETEST_OVER", 0)
    brought = kept = 0
    original = completion._pretested

    def counting(pairs, shape_of, *args):
        nonlocal brought, kept
        rows = original(pairs, shape_of, *args)
        brought += sum(1 for at in shape_of if at >= 0)
        kept += len(rows)
        return rows

    monkeypatch.setattr(completion, "_pretested", counting)
    lifted = 0
    original_complete = engine.complete_pairs

    def completing(*args):
        nonlocal lifted
        changed = original_complete(*args)
        lifted += len(changed)
        return changed

    monkeypatch.setattr(engine, "complete_pairs", completing)
    for seed in range(24):
        engine.audit(_world(seed), RULES[seed % len(RULES)], min_level=Level.LOW)
    assert brought > 1000 and 0 < kept < brought / 2
    assert lifted > 10


@pytest.mark.parametrize("words_a, words_b, may", [
    (["laur", "a", "quillfeather"], ["laura", "quillfeather"], True),   # a split: `laur a`, `laura`
    (["laura", "quillfeather"], ["mirabel", "quillfeather"], False),    # as many words on each side
    (["quillfeather"], ["laura", "quillfeather"], False),               # a word left out: none to join
    (["la", "ur", "quillfeather"], ["ada", "quillfeather"], False),     # the word to join into is short
    (["12", "a", "quillfeather"], ["laura", "quillfeather"], False),    # a number is never joined
    # A word twice: as many words on each side, one more among those only one side has.
    (["laura", "quillfeather", "quillfeather"], ["a", "laur", "quillfeather"], True),
])
def test_may_split_is_what_split_reading_needs(words_a, words_b, may):
    assert completion._may_split(words_a, words_b) is may
    assert completion._may_split(words_b, words_a) is may


@pytest.mark.parametrize("seed", range(4))
def test_no_split_reading_where_may_split_says_none(seed):
    comparison = comparisons_for(DEFAULT_RULES)["legal_representative"]
    rng = random.Random(seed)
    read = 0
    for _ in range(3000):
        texts = []
        base = [rng.choice(GIVEN), rng.choice(FAMILY[:2])] + [rng.choice(GIVEN) for _ in range(rng.randrange(2))]
        for _side in range(2):
            words = list(base)
            at = rng.randrange(len(words))
            roll = rng.random()
            if roll < 0.4:
                words[at:at + 1] = _split(words[at], rng).split()
            elif roll < 0.6:
                words[at] = _typo(words[at], rng)
            elif roll < 0.7:
                words.append(words[0])
            texts.append(" ".join(sorted(words)))
        if split_reading(comparison, *texts) is not None:
            read += 1
            assert completion._may_split(texts[0].split(), texts[1].split())
    assert read > 100


@pytest.mark.parametrize("seed", range(12))
def test_scoring_by_facet_on_two_cores_finds_the_one_pass_matches_in_order(seed, monkeypatch):
    profiles = _world(100 + seed)
    rules = RULES[seed % len(RULES)]
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 10**9)
    one_pass = _audited(profiles, rules)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    forked = []
    original = byfacet._Child.__init__

    def counting(self, work):
        forked.append(1)
        original(self, work)

    monkeypatch.setattr(byfacet._Child, "__init__", counting)
    assert _audited(profiles, rules) == one_pass
    assert forked  # (split indeed)


def _blocks_and_values(seed: int):
    profiles = _world(seed)
    attr_of = [a for p in profiles for a in p.attributes]
    owner = [i for i, p in enumerate(profiles) for _a in p.attributes]
    groups: dict[str, list[int]] = {}
    for ref, attr in enumerate(attr_of):
        for key in attr.keys:
            if key.startswith("~"):
                groups.setdefault(key, []).append(ref)
    blocks = [(key[1:key.index(":")], refs) for key, refs in groups.items() if len(refs) > 1]
    return blocks, attr_of, owner


def _scored(score, blocks, attr_of, owner, **options):
    return score(blocks, lambda r: attr_of[r].normalized, lambda r: attr_of[r].keys[0], owner, DEFAULT_RULES, **options)


@pytest.mark.parametrize("seed", range(6))
def test_score_blocks_reports_where_it_found_each_match(seed):
    blocks, attr_of, owner = _blocks_and_values(seed)
    found_in: list[int] = []
    matches = _scored(engine.score_blocks, blocks, attr_of, owner, found_in=found_in)
    assert len(found_in) == len(matches) and matches
    assert found_in == sorted(found_in)
    for match, at in zip(matches, found_in, strict=True):
        assert match.facet == blocks[at][0] and {match.a, match.b} <= set(blocks[at][1])


def test_a_child_that_fails_leaves_its_part_to_this_process(monkeypatch):
    blocks, attr_of, owner = _blocks_and_values(3)
    one_pass = _scored(engine.score_blocks, blocks, attr_of, owner)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)

    def failing(*args):
        raise MemoryError

    monkeypatch.setattr(byfacet, "_packed", failing)  # (the child, a copy of this process, fails)
    assert _scored(byfacet.score_blocks_by_facet, blocks, attr_of, owner) == one_pass


def test_groups_of_two_facets_sharing_a_value_are_scored_in_one_pass(monkeypatch):
    blocks, attr_of, owner = _blocks_and_values(4)
    an_id = next(refs[0] for facet, refs in blocks if facet == "registration_number")
    an_address = next(refs[0] for facet, refs in blocks if facet == "address")
    blocks.append(("address", [an_address, an_id]))  # (a value in groups of two facets)
    parts = byfacet._parts(blocks, DEFAULT_RULES)
    assert parts is not None and not byfacet._apart(blocks, *parts)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    monkeypatch.setattr(byfacet, "_Child", None)  # (no child may be made)
    assert _scored(byfacet.score_blocks_by_facet, blocks, attr_of, owner) == \
        _scored(engine.score_blocks, blocks, attr_of, owner)
