"""The fuzzy scoring's sieve (linkage/sieve.py): blocks in which nothing can match are skipped,
and the matches are the same, in the same order, as scoring every block — on randomized
blocks of names, companies, addresses and ids built to be near one another."""

from __future__ import annotations

import random

import pytest

from linkcheck.linkage import engine, sieve
from linkcheck.linkage.comparisons import _place_words, address_parts, agree_in_parts, comparisons_for, fuzzy_text
from linkcheck.linkage.rules import load_rules, rules_from_dict
from linkcheck.normalize.address import address
from linkcheck.normalize.text import Rejected

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


# --- the address by its parts: the sieve's necessary test (sieve.parts_may_agree) ---------------

PARTS_WORDS = ["quenby", "oakridge", "pellam", "marrowfield", "ashgrove", "harlow", "vale", "tindlecross", "street",
               "road", "room", "flat", "district", "k", "p", "larnwick", "ab"]
PARTS_NUMBERS = ["14", "17", "41", "28", "3071", "3017", "3072", "600", "201", "12b", "\u00b2\u00b2", "\u0661\u0664"]


def _mistyped(rng: random.Random, word: str) -> str:
    at = rng.randrange(len(word))
    how = rng.randrange(4)
    if how == 0:  # substituted
        return word[:at] + rng.choice("aeioux") + word[at + 1:]
    if how == 1 and at + 1 < len(word):  # two neighbours swapped
        return word[:at] + word[at + 1] + word[at] + word[at + 2:]
    if how == 2 and len(word) > 1:  # dropped
        return word[:at] + word[at + 1:]
    return word[:at] + rng.choice("aeioux") + word[at:]  # added


def _place(rng: random.Random) -> str:
    """A house number, a street, perhaps a locality, a town, a postcode."""
    return " ".join([rng.choice(["14", "600 201", "28"]), rng.choice(["quenby", "oakridge", "vakodu", "zepiru"]),
                     rng.choice(["street", "road"]), rng.choice(["marrowfield", "ashgrove", ""]),
                     rng.choice(["harlow vale", "tindlecross", "larnwick"]), rng.choice(["3071", "3072", "2040"])])


def _parts_address(rng: random.Random, place: str | None = None) -> str:
    """An address of one place (`_place`), changed a few times the ways addresses differ: a
    word left out, added, mistyped, split by a space or joined, a number a digit off or
    another one, a word twice."""
    words = (place or _place(rng)).split()
    if rng.random() < 0.3:
        words.insert(0, "room " + rng.choice(["5", "7"]))
    for _ in range(rng.randrange(0, 5)):
        at = rng.randrange(len(words))
        change = rng.randrange(8)
        if change == 0 and len(words) > 1:
            del words[at]
        elif change == 1:
            words.insert(at, rng.choice(PARTS_WORDS + PARTS_NUMBERS))
        elif change == 2:
            words[at] = _mistyped(rng, words[at])
        elif change == 3 and len(words[at]) > 2:
            cut = rng.randrange(1, len(words[at]))
            words[at:at + 1] = [words[at][:cut], words[at][cut:]]
        elif change == 4 and at + 1 < len(words):
            words[at:at + 2] = [words[at] + words[at + 1]]
        elif change == 5:
            words[at] = rng.choice(PARTS_NUMBERS if words[at][0].isdigit() else PARTS_WORDS)
        elif change == 6:
            words.insert(at, words[at])
        else:
            words[at] = rng.choice(PARTS_WORDS)
    return _normalised(" ".join(words))


def _normalised(text: str) -> str:
    """The address as the audit compares it (normalize.address: a letter run and a digit run
    are two words), or a place of its own when nothing of it is left."""
    try:
        return address(text).value
    except Rejected:
        return "9 nowhere lane"


def _parts_blocks(rng: random.Random):
    places = [_place(rng) for _ in range(6)]
    texts = [_parts_address(rng, rng.choice(places)) for _ in range(rng.randrange(20, 80))]
    owner = [rng.randrange(30) for _ in texts]
    exact: list[object] = list(texts)
    blocks = [("address", sorted(rng.sample(range(len(texts)), rng.choice([2, 2, 2, 3, 4, 5, 7]))))
              for _ in range(rng.randrange(20, 120))]
    return blocks, texts, owner, exact


@pytest.mark.parametrize("seed", range(60))
def test_sieved_scoring_with_the_parts_level_finds_the_same_matches(seed, monkeypatch):
    """The blocks the sieve finds hopeless for the comparison levels are skipped only when
    `parts_may_agree` finds no pair in them that may agree in parts: the same matches, parts
    matches among them, in the same order."""
    rng = random.Random(seed)
    blocks, texts, owner, exact = _parts_blocks(rng)
    rules = rng.choice([load_rules(None), rules_from_dict({"fuzzy": {"address": 80}}),
                        rules_from_dict({"combine": {"fuzzy_block_cap": 4}})])
    monkeypatch.setattr(sieve, "SIEVE_OVER", 10**9)
    every_block = _score(blocks, texts, owner, exact, rules)
    monkeypatch.setattr(sieve, "SIEVE_OVER", 0)
    monkeypatch.setattr(sieve, "PARTS_WORDS", rng.choice([2, 4, 6]))
    assert _score(blocks, texts, owner, exact, rules) == every_block


def test_the_parts_blocks_match_by_parts_and_are_sieved_by_the_parts_test():
    """The blocks above hold pairs only the parts level matches, blocks the comparison levels
    cannot match of which the parts test keeps some and skips more."""
    rules = load_rules(None)
    by_parts = kept = skipped = 0
    for seed in range(60):
        blocks, texts, owner, exact = _parts_blocks(random.Random(seed))
        memo: dict[int, str] = {}

        def text_for(r, facet, memo=memo, texts=texts):
            return memo.setdefault(r, fuzzy_text(texts[r], facet))

        comparison = comparisons_for(rules)["address"]
        by_parts += sum(1 for m in _score(blocks, texts, owner, exact, rules)
                        if comparison.compare(text_for(m.a, "address"), text_for(m.b, "address")) is None)
        hopeless = sieve.hopeless_blocks(blocks, text_for, comparisons_for(rules), lambda refs: False)
        possible = sieve.parts_may_agree(blocks, hopeless, texts.__getitem__)
        kept += len(possible)
        skipped += len(hopeless) - len(possible)
    assert by_parts > 100 and kept > 50 and skipped > 500


def _pair_agrees(a: str, b: str) -> bool:
    return agree_in_parts(address_parts(a), address_parts(b))


@pytest.mark.parametrize("seed", range(10))
def test_the_parts_test_keeps_every_pair_that_agrees_in_parts(seed, monkeypatch):
    """Whenever two addresses agree in their parts (either way round), the block of the two
    is kept, also when addresses of more words than it reads keep theirs unread; and it rules
    out a share of the pairs that do not (here most are variants of one place, so most are
    near enough to be read in full)."""
    rng = random.Random(seed)
    places = [_place(rng) for _ in range(1500)]
    pairs = [(_parts_address(rng, place), _parts_address(rng, place if rng.random() < 0.7 else None))
             for place in places]
    # Addresses no generator here makes: a Chinese one, digits of other scripts, a word twice.
    pairs += [("88 科苑路 南山区 518057", "88 科苑路 南山区"), ("\u00b2\u00b2 quenby street 3071", "quenby street 3071"),
              ("14 quenby quenby street 3071", "14 quenby street marrowfield 3071"),
              ("14b quenby street 3071", "14 quenby street harlow 3071")]
    texts = [text for pair in pairs for text in pair]
    blocks = [("address", [2 * k, 2 * k + 1]) for k in range(len(pairs))]
    agreeing = {k for k, (a, b) in enumerate(pairs) if _pair_agrees(a, b) or _pair_agrees(b, a)}
    assert len(agreeing) > 30
    kept = sieve.parts_may_agree(blocks, range(len(blocks)), texts.__getitem__)
    assert agreeing <= kept, [pairs[k] for k in agreeing - kept]
    assert len(kept - agreeing) < 0.75 * (len(pairs) - len(agreeing))
    monkeypatch.setattr(sieve, "PARTS_WORDS", 3)
    assert agreeing <= sieve.parts_may_agree(blocks, range(len(blocks)), texts.__getitem__)


def test_the_parts_test_rules_out_two_streets_of_one_town():
    """What a large store's blocks mostly are (the synthetic bench store): one room, one house
    number, one town, two streets. Kept: two neighbours (the street level: another house
    number), a street mistyped, one split in two, an address with a locality more."""
    texts = ["room 600 201 vakodu road larnwick", "room 600 201 zepiru road larnwick",
             "14 quenby street harlow 3071", "28 quenby street harlow 3071",
             "14 quenby street harlow 3071", "14 quenbby street harlow 3071",
             "14 quenby street harlow 3071", "14 quen by street harlow 3071",
             "14 quenby street harlow 3071", "14 quenby street marrowfield harlow 3071"]
    blocks = [("address", [k, k + 1]) for k in range(0, len(texts), 2)]
    assert sieve.parts_may_agree(blocks, range(len(blocks)), texts.__getitem__) == {1, 2, 3, 4}


@pytest.mark.parametrize("seed", range(12))
def test_the_parts_test_pair_by_pair_keeps_every_pair_that_agrees(seed, monkeypatch):
    """`parts_pairs_may_agree` gives, for each group, its pairs of positions in order, every
    pair that agrees in parts among them (`agree_in_parts`, that way round) -- also when an
    address has more words (or numbers) than the test reads: its numbers (or words) still rule
    pairs out -- and few of the others: another house number, another postcode."""
    rng = random.Random(seed)
    monkeypatch.setattr(sieve, "PARTS_WORDS", rng.choice([2, 3, 6]))
    monkeypatch.setattr(sieve, "PARTS_NUMBERS", rng.choice([1, 2, 4]))
    places = [_place(rng) for _ in range(3)]
    texts = [_parts_address(rng, rng.choice(places)) for _ in range(rng.randrange(40, 120))]
    texts += ["14 quenby street harlow 3071", "28 quenby street harlow 3071", "14 quenby street harlow 3072",
              "17 quenby street harlow 3071", "8 stanley street miami winston hills nsw 4223",
              "8 lethbridge street winston hills qld 2767", "88 科苑路 南山区 518057", "88 科苑路 南山区"]
    groups = [rng.sample(range(len(texts)), rng.choice([0, 1, 2, 3, 5, 9, 14])) for _ in range(rng.randrange(5, 40))]
    groups.append(list(range(len(texts) - 8, len(texts))))
    found = sieve.parts_pairs_may_agree(groups, texts.__getitem__)
    assert len(found) == len(groups)
    agreeing = kept = others = 0
    for group, pairs in zip(groups, found, strict=True):
        every = [(x, y) for x in range(len(group)) for y in range(x + 1, len(group))]
        assert pairs == [pair for pair in every if pair in set(pairs)]  # positions in order, each once
        for x, y in every:
            if _pair_agrees(texts[group[x]], texts[group[y]]):
                agreeing += 1
                assert (x, y) in pairs, (texts[group[x]], texts[group[y]])
            else:
                others += 1
                kept += (x, y) in pairs
    assert agreeing > 3 and kept < others


def test_the_parts_test_pair_by_pair_rules_out_other_numbers_of_long_addresses():
    """Addresses of more words than the test reads (FEBRL's) are still ruled out by their
    numbers: another house number where no number they share is longer, a postcode changed
    beyond one edit. Kept: a postcode one digit off, another house number in one postcode."""
    texts = ["8 stanley street miami winston hills nsw 4223", "8 lethbridge street winston hills qld 2767",
             "47 kent street blue hills forest hill vic 4655", "47 kent street blue hills forest hill vic 4655 x",
             "12 kent street blue hills forest hill vic 4655", "47 kent street blue hills forest hill vic 4656"]
    assert sieve.parts_pairs_may_agree([[0, 1, 2, 3, 4, 5]], texts.__getitem__) == [[(2, 3), (2, 4), (2, 5), (3, 4), (3, 5)]]


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


@pytest.mark.parametrize("seed", range(5))
def test_company_fuzzy_texts_with_and_without_place_words(seed):
    """`fuzzy_texts` of company names takes the words as they are only where none is a place
    word: names with place words anywhere, in any case and punctuation, give `fuzzy_text`."""
    from linkcheck.linkage.comparisons import _company_places, fuzzy_texts

    rng = random.Random(seed)
    places = sorted(_company_places())
    words = ["acme", "jade", "tiger", "trading", "co", "ltd", "北京", "有限公司", "zeta", "7"]
    values = []
    for _ in range(300):
        name = [rng.choice(words) for _ in range(rng.randrange(1, 5))]
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            name.insert(rng.randrange(len(name) + 1), rng.choice(places).title() if rng.random() < 0.5 else rng.choice(places))
        values.append(rng.choice([" ", ", ", "-", "(", ") "]).join(name))
    assert any(not _company_places().isdisjoint(fuzzy_text(v).split()) for v in values)
    assert fuzzy_texts(values, "company_name") == [fuzzy_text(v, "company_name") for v in values]


@pytest.mark.parametrize("seed", range(20))
def test_two_values_of_one_text_score_as_they_do_in_a_larger_block(seed):
    """A block of two values with one fuzzy text (`score_blocks`' quick path) gives what the
    two give in a larger block beside a value with no text (`_consider_identical`): a fuzzy
    100 where their exact keys differ, nothing where they are the same or one account's."""
    rng = random.Random(seed)
    spellings = ["Acme Trading", "acme trading", "ACME  Trading", "acme-trading", "Trading Acme", "Jade Tiger"]
    texts = [rng.choice(spellings) for _ in range(30)] + ["-"]
    owner = [rng.randrange(8) for _ in texts]
    exact: list[object] = [rng.choice(["a", "b", None, 1]) for _ in texts]
    facet = rng.choice(["company_name", "legal_representative", "address"])
    same = [(a, b) for a in range(30) for b in range(a + 1, 30)
            if fuzzy_text(texts[a], facet) == fuzzy_text(texts[b], facet)]
    pairs = rng.sample(same, min(len(same), 40))
    rules = load_rules(None)
    two = _score([(facet, [a, b]) for a, b in pairs], texts, owner, exact, rules)
    three = _score([(facet, [a, b, 30]) for a, b in pairs], texts, owner, exact, rules)
    assert two == three
    assert len(two) > 3 and len(two) < len(pairs)


@pytest.mark.parametrize("seed", range(40))
def test_the_partners_of_a_tested_block_are_its_texts_another_may_match(seed, monkeypatch):
    """`hopeless_blocks(..., partners=...)`: for each block compared as one matrix, the texts
    that reach the facet's cutoff with another of its texts (rapidfuzz's ratio, pair by pair);
    for each block of more than two values tested pair by pair, the texts that come first in a
    pair a test finds possible (the ratio, or one's place words within the other's) -- all the
    scoring compares with the later texts; none for a hopeless one (a partial test may keep
    it). And the scoring with them finds the same matches, in the same order, as every block
    scored in full (a third of the blocks' verdicts given by a file of earlier ones: `find`
    asked of the others only)."""
    from rapidfuzz import fuzz

    rng = random.Random(seed)
    blocks, texts, owner, exact = _random_blocks(rng)
    rules = rng.choice([load_rules(None), rules_from_dict({"fuzzy": {"company_name": 80, "address": 75}})])
    monkeypatch.setattr(sieve, "PAIRWISE_UP_TO", rng.choice([1, 2, 4]))
    comparison_of = comparisons_for(rules)
    partners: dict[int, set[str]] = {}

    def text_for(r, facet):
        return fuzzy_text(texts[r], facet)

    hopeless = sieve.hopeless_blocks(blocks, text_for, comparison_of, lambda refs: False, partners=partners)
    assert hopeless == sieve.hopeless_blocks(blocks, text_for, comparison_of, lambda refs: False)
    plans = {facet: sieve._plan(comparison) for facet, comparison in comparison_of.items()}
    seen = set()
    for at, (facet, refs) in enumerate(blocks):
        plan = plans.get(facet)
        distinct = list(dict.fromkeys(text for text in (text_for(r, facet) for r in refs) if text))
        by_pairs = plan is not None and (plan[1] or len(distinct) <= sieve.PAIRWISE_UP_TO)
        if plan is None or len(distinct) < 2 or len(distinct) < len([r for r in refs if text_for(r, facet)]) or \
                by_pairs and len(refs) <= 2:
            assert at not in partners
            continue
        cutoff, place = plan

        def possible(a, b, cutoff=cutoff, place=place):
            return (cutoff is not None and fuzz.ratio(a, b) >= cutoff) or (
                place and bool(sieve._one_within_the_other([a], [b])[0]))

        if by_pairs:
            expected = {a for x, a in enumerate(distinct) for b in distinct[x + 1:] if possible(a, b)}
            seen.add("pairs")
        else:
            expected = {a for a in distinct for b in distinct if a != b and fuzz.ratio(a, b) >= cutoff}
            seen.add("matrix")
        assert partners[at] == expected
        assert (at in hopeless) == (not expected)
    assert seen
    monkeypatch.setattr(sieve, "SIEVE_OVER", 10**9)
    every_block = _score(blocks, texts, owner, exact, rules)
    monkeypatch.setattr(sieve, "SIEVE_OVER", 0)
    assert _score(blocks, texts, owner, exact, rules) == every_block

    class Known:
        """Verdicts of a file: a third of the blocks' (true ones: `truth`, the first call's), the
        rest asked of `find` (as `sievecache.Verdicts.hopeless` asks it: of a list of the others)."""

        truth: set[int] | None = None

        def context(self, *args):
            return b"context"

        def hopeless(self, blocks, text_of, find, context):
            if self.truth is None:
                self.truth = find(blocks)
                return self.truth
            known = {at for at in range(len(blocks)) if rng.random() < 0.33}
            unknown = [at for at in range(len(blocks)) if at not in known]
            found = find([blocks[at] for at in unknown])
            return {at for at in known if at in self.truth} | {unknown[i] for i in found}

    verdicts = Known()
    for _ in range(2):
        assert engine.score_blocks(blocks, texts.__getitem__, exact.__getitem__, owner, rules,
                                   verdicts=verdicts) == every_block
