"""The fifteenth session's engine speedups (issue 17, FEBRL4 against Splink), each against the
old way on random inputs: the blocking keys made from one joined text, the near reading of the
in-process scoring's own matches made while its child scores (and a lone near match dropped
before `_fuzzy_rule`), and the sieve's partners of the blocks tested pair by pair (the scoring
with them: tests/test_sieve.py). Made-up names and addresses only."""

from __future__ import annotations

import random

import pytest

from linkcheck import normalize
from linkcheck.linkage import byfacet, engine
from linkcheck.linkage.comparisons import comparisons_for, fuzzy_text, is_near
from linkcheck.linkage.rules import DEFAULT_RULES, rules_from_dict
from linkcheck.normalize.text import _CUTS, _cut
from linkcheck.registry import kinds
from test_audit_two_cores import RULES, _audited, _world


def _old_blocking(tokens, generic, *, min_length=3, limit=3):  # normalize.blocking before this session
    out: list[str] = []
    found = 0
    last = len(tokens) - 1
    for index, token in enumerate(tokens):
        if token in generic:
            continue
        h = _cut(token, min_length)
        if not h:
            continue
        head = " ".join(tokens[:index]) + " " if index else ""
        tail = " " + " ".join(tokens[index + 1:]) if index < last else ""
        out.append(token)
        out.append(f"{head}{token[:h]}*{tail}")
        out.append(f"{head}*{token[-h:]}{tail}")
        found += 1
        if found == limit:
            break
    return tuple(dict.fromkeys(out))


_WORDS = ["a", "ab", "abc", "acme", "road", "12", "1203", "深圳", "星", "x1", "a-b", "trading", "zz9", "école",
          "street", "co", "ltd", "ＡＢ", "٣٣", "shenzhen", "nanshan"]


def test_blocking_is_the_old_one_on_random_words():
    rng = random.Random(15)
    generic = frozenset({"road", "street", "co", "ltd", "trading", "shenzhen"})
    for _ in range(20000):
        tokens = [rng.choice(_WORDS) for _ in range(rng.randint(0, 10))]
        for min_length in (2, 3, 4):
            for limit in (1, 2, 3, 5):
                assert normalize.blocking(tokens, generic, min_length=min_length, limit=limit) == \
                    _old_blocking(tokens, generic, min_length=min_length, limit=limit), tokens
    _CUTS.clear()  # (and with no word remembered)
    assert normalize.blocking(["acme", "road", "12"], generic) == _old_blocking(["acme", "road", "12"], generic)


@pytest.mark.parametrize("kind", ["company_name", "address", "legal_representative", "supplier"])
def test_the_kinds_blocking_keys_are_the_old_ones(kind):
    rng = random.Random(hash(kind) % 1000)
    generic = {"company_name": normalize.COMPANY_GENERIC, "supplier": normalize.COMPANY_GENERIC,
               "address": normalize.ADDRESS_GENERIC, "legal_representative": frozenset()}[kind]
    for _ in range(2000):
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 8)))
        try:
            normalized, keys, _flags = kinds.parse_tuple(kind, text)
        except Exception:  # noqa: BLE001 - a refused value has no keys to compare
            continue
        words = normalized.split()
        if kind == "legal_representative":
            old = _old_blocking(sorted(words), generic, min_length=2)
        elif kind == "supplier":
            old = ()
        else:
            old = _old_blocking(words, generic)
        assert [k for k in keys if k.startswith("~")] == [f"~{kind}:{b}" for b in old]


@pytest.mark.parametrize("seed", range(8))
def test_near_of_is_is_near_of_each_match(seed):
    profiles = _world(300 + seed)
    rules = RULES[seed % len(RULES)]
    attr_of, owner, shared = engine._group_by_key(profiles)
    blocks = [(key[1: key.find(":")], refs) for key, refs in shared.items() if key.startswith("~")]
    matches = engine.score_blocks(blocks, lambda r: attr_of[r].normalized, lambda r: engine._own_exact_key(attr_of[r]),
                                  owner, rules)
    near_of: dict = {}
    engine._near_of(matches, attr_of, rules, near_of)
    comparison_of = comparisons_for(rules)
    expected = {}
    for m in matches:
        comparison = comparison_of.get(m.facet)
        if m.facet in rules.near and m.facet in rules.fuzzy and comparison is not None:
            expected[(m.a, m.b)] = is_near(comparison, fuzzy_text(attr_of[m.a].normalized, m.facet),
                                           fuzzy_text(attr_of[m.b].normalized, m.facet))
    assert near_of == expected
    assert any(expected.values()) and not all(expected.values())


@pytest.mark.parametrize("seed", range(8))
def test_add_fuzzy_with_the_near_reading_made_before_is_add_fuzzy_without(seed):
    profiles = _world(400 + seed)
    rules = [*RULES, rules_from_dict({"weights": {"legal_representative": {"near": 0}}})][seed % (len(RULES) + 1)]
    attr_of, owner, shared = engine._group_by_key(profiles)
    blocks = [(key[1: key.find(":")], refs) for key, refs in shared.items() if key.startswith("~")]
    matches = engine.score_blocks(blocks, lambda r: attr_of[r].normalized, lambda r: engine._own_exact_key(attr_of[r]),
                                  owner, rules)
    exact = {key: refs for key, refs in shared.items() if not key.startswith("~")}
    results = []
    for near_of in (None, {}, "made"):
        if near_of == "made":
            near_of = {}
            engine._near_of(matches[: len(matches) // 2 + 1], attr_of, rules, near_of)  # (a part: the rest asked)
        evidence, context, hubs, _blocks = engine._exact_pairs(exact, attr_of, owner, rules)
        engine._add_fuzzy(matches, attr_of, owner, rules, evidence, context, engine._hub_owners(hubs), near_of)
        results.append((evidence, context))
    assert results[0] == results[1] == results[2]
    assert any(len(items) > 0 for items in results[0][0].values())


@pytest.mark.parametrize("seed", range(6))
def test_the_split_audit_reads_its_own_matches_near_while_the_child_scores(seed, monkeypatch):
    profiles = _world(500 + seed)
    rules = RULES[seed % len(RULES)]
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 10**9)
    one_pass = _audited(profiles, rules)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    read = []
    original = engine._near_of

    def reading(matches, *args):
        read.append(len(matches))
        original(matches, *args)

    monkeypatch.setattr(engine, "_near_of", reading)
    assert _audited(profiles, rules) == one_pass
    assert read and read[0] > 0  # (split, and read while the child scored)


def test_no_near_reading_without_a_child(monkeypatch):
    profiles = _world(601)
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 10**9)
    monkeypatch.setattr(engine, "_near_of", lambda *args: pytest.fail("read without a child"))
    assert _audited(profiles, DEFAULT_RULES)["pairs"]


def _old_address(text: str):  # normalize.address before this session (what it returns or refuses)
    from linkcheck.i18n import _
    from linkcheck.normalize.address import _key_tokens, _without_subdistrict, address_tokens
    from linkcheck.normalize.text import _CJK_GAP, _LETTER, Canonical, Rejected

    tokens = address_tokens(text)
    if not any(_LETTER.search(t) for t in tokens):
        raise Rejected(_("an address has words, not only numbers"))
    value = " ".join(tokens)
    if not value.isascii():
        value = _CJK_GAP.sub("", value)
    if len(value) < 4:
        raise Rejected(_("too short to be an address"))
    key = "".join(_key_tokens(tokens))
    alone = _without_subdistrict(tokens)
    if alone is not None:
        other = "".join(_key_tokens(alone))
        if other and other != key:
            return Canonical(value, key=key, related=(("address", other),))
    return Canonical(value, key=key)


_ADDRESS_PARTS = ["12", "1203", "3071", "30714", "3071-1234", "5678", "po", "box", "post", "office", "main", "st",
                  "street", "nw", "ne", "fl", "ky", "ct", "tx", "ca", "78701", "austin", "room", "rm1203", "#5",
                  "12/f", "3rd", "floor", "深圳市", "南山区", "科技园路1号", "1203室", "粤海街道", "广东省", "china", "usa",
                  "٣٣", "١٢٣٤", ",", "-", "strasse", "friedrichstr.", "no.", "88号", "a", "b"]


def test_address_is_the_old_one_on_random_addresses():
    from linkcheck.normalize.address import address
    from linkcheck.normalize.text import Rejected

    rng = random.Random(1515)
    refused = kept = 0
    for _ in range(6000):
        text = " ".join(rng.choice(_ADDRESS_PARTS) for _ in range(rng.randint(1, 9)))
        try:
            want = _old_address(text)
        except Rejected as e:
            with pytest.raises(Rejected) as got:
                address(text)
            assert got.value.reason == e.reason
            refused += 1
            continue
        assert address(text) == want, text
        kept += 1
    assert refused > 50 and kept > 1000
