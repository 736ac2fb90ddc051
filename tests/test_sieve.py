"""The fuzzy scoring's sieve (linkage/sieve.py): blocks in which nothing can match are skipped,
and the matches are the same, in the same order, as scoring every block — on randomized
blocks of names, companies, addresses and ids built to be near one another."""

from __future__ import annotations

import random

import pytest

from linkcheck.linkage import engine, sieve
from linkcheck.linkage.comparisons import _place_words, comparisons_for, fuzzy_text
from linkcheck.linkage.rules import load_rules, rules_from_dict

WORDS = ["acme", "acne", "acmee", "zorbex", "zorbax", "trading", "tradng", "qilvan", "jade", "tiger", "co", "ltd"]
STREET = ["keyuan", "keyuam", "road", "rd", "nanshan", "district", "shenzhen", "guangdong", "room", "building", "b",
          "floor", "city", "province"]
NUMBERS = ["88", "89", "1203", "1204", "12", "518057", "518058", "3071", "3017", "14", "17"]
PEOPLE = ["ada", "quillfeather", "quilfeather", "wei", "li", "lee", "mara", "jones", "jone"]
IDS = ["DE123456789", "DE123456780", "DE123465789", "FR123456789", "12345678", "12345679"]


def _value(rng: random.Random, facet: str) -> str:
    if facet == "company_name":
        return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 5)))
    if facet == "address" and rng.random() < 0.5:
        # One place written more or less completely: administrative words and a postcode
        # added or left out (a low ratio, the same place).
        words = ["88", "keyuan", "road", rng.choice(["nanshan", "futian"])]
        words += rng.sample(["district", "province", "guangdong", "city", "shenzhen", "518057", "floor", "12"],
                            rng.randrange(0, 5))
        rng.shuffle(words)
        return " ".join(words)
    if facet == "address":
        words = [rng.choice(STREET) for _ in range(rng.randrange(0, 6))]
        words += [rng.choice(NUMBERS) for _ in range(rng.randrange(0, 3))]
        rng.shuffle(words)
        return " ".join(words)
    if facet == "legal_representative":
        return " ".join(rng.choice(PEOPLE) for _ in range(rng.randrange(1, 4)))
    return rng.choice(IDS)


def _random_blocks(rng: random.Random):
    facets = ["company_name", "address", "legal_representative", "tax_id"]
    texts: list[str] = []
    owner: list[int] = []
    exact: list[object] = []
    kind_of: list[str] = []
    for _ in range(rng.randrange(20, 120)):
        facet = rng.choice(facets)
        kind_of.append(facet)
        texts.append(_value(rng, facet))
        owner.append(rng.randrange(40))
        exact.append(rng.randrange(5) if rng.random() < 0.3 else texts[-1])
    blocks = []
    for _ in range(rng.randrange(5, 200)):
        facet = rng.choice(facets)
        mine = [r for r in range(len(texts)) if kind_of[r] == facet]
        if len(mine) < 2:
            continue
        size = rng.choice([2, 2, 2, 3, 4, 5, 7, 12])
        blocks.append((facet, sorted(rng.sample(mine, min(size, len(mine))))))
    return blocks, texts, owner, exact


def _score(blocks, texts, owner, exact, rules):
    return engine.score_blocks(blocks, texts.__getitem__, exact.__getitem__, owner, rules)


@pytest.mark.parametrize("seed", range(80))
def test_sieved_scoring_finds_the_same_matches_in_the_same_order(seed, monkeypatch):
    rng = random.Random(seed)
    blocks, texts, owner, exact = _random_blocks(rng)
    rules = rng.choice([load_rules(None), rules_from_dict({"combine": {"fuzzy_block_cap": 4}}),
                        rules_from_dict({"fuzzy": {"company_name": 80, "address": 75}})])
    monkeypatch.setattr(sieve, "SIEVE_OVER", 10**9)
    every_block = _score(blocks, texts, owner, exact, rules)
    monkeypatch.setattr(sieve, "SIEVE_OVER", 0)
    monkeypatch.setattr(sieve, "PAIRWISE_UP_TO", rng.choice([1, 2, 4, 100]))
    assert _score(blocks, texts, owner, exact, rules) == every_block


def test_the_randomized_blocks_match_and_are_sieved(monkeypatch):
    """The blocks above are near enough to match often, and far enough to be sieved often."""
    matched = sieved = 0
    rules = load_rules(None)
    for seed in range(80):
        blocks, texts, owner, exact = _random_blocks(random.Random(seed))
        matched += len(_score(blocks, texts, owner, exact, rules))
        memo: dict[int, str] = {}

        def text_for(r, facet, memo=memo, texts=texts):
            return memo.setdefault(r, fuzzy_text(texts[r], facet))

        sieved += len(sieve.hopeless_blocks(blocks, text_for, comparisons_for(rules), lambda refs: False))
    assert matched > 100 and sieved > 500


def _core_within(a: str, b: str) -> bool:
    _codes_a, core_a = _place_words(a)
    _codes_b, core_b = _place_words(b)
    return core_a <= core_b or core_b <= core_a


@pytest.mark.parametrize("seed", range(10))
def test_one_address_within_the_other_is_the_subset_of_their_cores(seed):
    """rapidfuzz's token_set_ratio of the cores is 100 exactly when one core holds the other
    (an empty core counts as possible: `same_place` says no to it anyway)."""
    rng = random.Random(seed)
    first = [fuzzy_text(_value(rng, "address"), "address") or "room" for _ in range(300)]
    second = [rng.choice([fuzzy_text(_value(rng, "address"), "address") or "road", a + " district", a + " 518057"])
              for a in first]
    # Not ASCII: a postcode of other digits (str.isdigit), a Chinese address.
    first += ["88 keyuan road \u00b2\u00b2\u00b2\u00b2\u00b2", "88 南山区 科苑路", "88 keyuan road"]
    second += ["88 keyuan road", "88 科苑路", "88 keyuan road \u0661\u0662\u0663\u0664\u0665 district"]
    found = sieve._one_within_the_other(first, second).tolist()
    assert found[-3:] == [True, True, True]
    for a, b, possible in zip(first, second, found, strict=True):
        empty = not _place_words(a)[1] or not _place_words(b)[1]
        assert possible == (_core_within(a, b) or empty), (a, b)
    assert 50 < sum(found) < 300


def _loop_hopeless_blocks(blocks, text_for, comparison_of, skip):
    """The sieve as it was written first, block by block in Python: what the array form must
    find exactly (the same positions)."""
    import numpy as np
    from rapidfuzz import fuzz, process

    plans = {facet: sieve._plan(comparison) for facet, comparison in comparison_of.items()}
    pairs: dict[str, tuple[list[int], list[str], list[str]]] = {}
    hopeless: set[int] = set()
    for at, (facet, refs) in enumerate(blocks):
        plan = plans.get(facet)
        if plan is None or skip(refs):
            continue
        cutoff, place = plan
        texts = [text for text in (text_for(r, facet) for r in refs) if text]
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            continue
        if len(distinct) < 2:
            hopeless.add(at)
            continue
        if len(distinct) <= sieve.PAIRWISE_UP_TO or place:
            where, first, second = pairs.setdefault(facet, ([], [], []))
            for x in range(len(distinct) - 1):
                for y in range(x + 1, len(distinct)):
                    where.append(at)
                    first.append(distinct[x])
                    second.append(distinct[y])
            continue
        scores = process.cdist(distinct, distinct, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff,
                               dtype=np.float64)
        if np.count_nonzero(scores) == len(distinct):
            hopeless.add(at)
    for facet, (where, first, second) in pairs.items():
        cutoff, place = plans[facet]
        possible = np.zeros(len(where), dtype=bool)
        if cutoff is not None:
            possible |= process.cpdist(first, second, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff,
                                       dtype=np.float64) > 0
        if place:
            possible |= sieve._one_within_the_other(first, second)
        kept = {at for at, ok in zip(where, possible.tolist(), strict=True) if ok}
        hopeless.update(at for at in where if at not in kept)
    return hopeless


@pytest.mark.parametrize("seed", range(60))
def test_the_sieve_in_arrays_finds_what_the_loop_finds(seed, monkeypatch):
    """The same hopeless blocks as the block-by-block loop, with the texts asked one by one or
    facet by facet, blocks over the cap skipped, small and large blocks, empty texts, a text
    twice in one block, a value in several blocks, facets with no plan and no comparison."""
    from linkcheck.linkage.comparisons import fuzzy_texts

    rng = random.Random(seed)
    blocks, texts, owner, exact = _random_blocks(rng)
    # Empty texts (nothing left after punctuation), a value twice, and a facet with no plan.
    for _ in range(rng.randrange(0, 6)):
        texts[rng.randrange(len(texts))] = rng.choice(["", "-", "!!"])
    for _ in range(rng.randrange(0, 4)):
        facet, refs = rng.choice(blocks)
        blocks.append((facet, sorted(refs + refs[:1])))
    blocks.append(("phone", [0, 1]))
    rng.shuffle(blocks)
    rules = rng.choice([load_rules(None), rules_from_dict({"fuzzy": {"company_name": 80, "address": 75}}),
                        rules_from_dict({"fuzzy": {"company_name": "off"}})])
    monkeypatch.setattr(sieve, "PAIRWISE_UP_TO", rng.choice([1, 2, 4, 100]))
    comparison_of = comparisons_for(rules)
    cap = rng.choice([3, 5, 200])

    def skip(refs):
        return len(refs) > cap

    def text_for(r, facet):
        return fuzzy_text(texts[r], facet)

    asked: list[int] = []

    def texts_for(refs, facet):
        asked.extend(refs)
        return fuzzy_texts([texts[r] for r in refs], facet)

    expected = _loop_hopeless_blocks(blocks, text_for, comparison_of, skip)
    assert sieve.hopeless_blocks(blocks, text_for, comparison_of, skip) == expected
    assert sieve.hopeless_blocks(blocks, text_for, comparison_of, skip, texts_for=texts_for) == expected
    assert len(asked) == len(set(asked))  # each value's text asked once


@pytest.mark.parametrize("facet", ["company_name", "address", "legal_representative", "tax_id", None])
def test_fuzzy_texts_are_fuzzy_text_of_each(facet):
    rng = random.Random(7)
    values = [_value(rng, facet or "address") for _ in range(200)]
    values += ["", "  ", "Room 1203, 88 Keyuan Rd.", "洞庭香(肇庆)有限公司", "肇庆市洞庭香有限公司", "ÄÖÜ straße", "A\tB\nC"]
    from linkcheck.linkage.comparisons import fuzzy_texts

    assert fuzzy_texts(values, facet) == [fuzzy_text(v, facet) for v in values]
