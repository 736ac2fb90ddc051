"""A person's name in part (issue 16): the same uncommon family name beside another given name
(or none) is the legal representative's near level -- 3 bits at most, by how common the family
name is, never a pair alone -- found in the blocking groups (`names_agree_in_part`), skipped
by the sieve only where its necessary test (`sieve.names_may_agree`) says no pair may agree."""

from __future__ import annotations

import json
import random

import pytest

from linkcheck.linkage import engine, sieve
from linkcheck.linkage.comparisons import family_candidates, name_parts, names_agree_in_part
from linkcheck.linkage.engine import audit, compare
from linkcheck.linkage.evidence import family_share, name_part_weight
from linkcheck.linkage.rules import DEFAULT_RULES, load_rules, rules_from_dict
from linkcheck.models import Level
from linkcheck.normalize.person import UNLISTED_FAMILY
from linkcheck.registry.facets import NEAR_WEIGHT
from linkcheck.registry.kinds import parse_value
from conftest import facets_of, only_audit_pair as only_pair, registry_account as account, write_json

HIGH, MEDIUM = Level.HIGH, Level.MEDIUM


def normalised(name: str) -> str:
    return parse_value("legal_representative", name).normalized


def agree(a: str, b: str) -> bool:
    na, nb = name_parts(normalised(a)), name_parts(normalised(b))
    return names_agree_in_part(na, nb) and names_agree_in_part(nb, na)


# --- which names agree in part ------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("Joel Quillfeather", "Ada Quillfeather"),      # another given name
    ("Quillfeather", "Joel Quillfeather"),          # the given name left out
    ("J. Quillfeather", "Joel Quillfeather"),       # an initial for it
    ("Joel Ander Quillfeather", "Ada Quillfeather"),  # a middle name
])
def test_names_that_agree_in_part(a, b):
    assert agree(a, b)


@pytest.mark.parametrize("a, b", [
    ("Joel Quillfeather", "Quillfeather Joel"),     # the same name: the exact key's business
    ("Joel Quillfeather", "Joel Brackwater"),       # the same given name only
    ("Quillfeather Joel", "Ada Quillfeather"),      # English order: Joel is the family name here
    ("张伟", "张强"),                                # Han names: the family name never says enough
    ("司徒嘉颖", "司徒嘉莹"),
    ("Joel Q", "Ada Q"),                            # an initial is no family name
    ("Joel Smith", "Ada Smith"),                    # a common family name is none to agree on
    ("Ouyang Wei", "Ouyang Lan"),                   # ... nor a Chinese one in pinyin (the tables list it)
    # A name in pinyin is written either way round: the shared word may be the given name.
    ("Zhang Zihan", "Li Zihan"),
    ("Chen Haoran", "Zhou Haoran"),
    ("Duanmu Wei", "Duanmu Lan"),                   # so nothing in pinyin agrees in part
    # Family names among the commonest of other countries are common, not rare
    ("Amit Singh", "Priya Singh"),
    ("Ana Santos", "Joao Santos"),
    ("Haruto Sato", "Yui Sato"),
    ("Anh Tran", "Minh Tran"),
    ("Klaus Schmidt", "Anna Schmidt"),
])
def test_names_that_do_not_agree_in_part(a, b):
    assert not agree(a, b)


def test_family_candidates_follow_the_order_the_name_is_written_in():
    assert family_candidates(["joel", "quillfeather"]) == {"quillfeather"}
    assert family_candidates(["quillfeather"]) == {"quillfeather"}
    assert family_candidates(["duanmu", "lan"]) == frozenset()  # pinyin: either end may be the given name
    assert family_candidates(["zhang", "zihan"]) == frozenset()
    assert family_candidates(["li", "wei"]) == frozenset()  # both listed: common
    assert family_candidates(["张伟"]) == frozenset()


# --- what it weighs -----------------------------------------------------------------------------


def test_an_uncommon_family_name_weighs_the_near_level_and_a_common_one_nothing():
    near = DEFAULT_RULES.near["legal_representative"]
    # Unlisted (1 in 100,000): log2(1e5) - 13.5 = 3.1, at most the near level's 3.
    assert family_share(normalised("Joel Quillfeather"), normalised("Ada Quillfeather")) == UNLISTED_FAMILY
    assert name_part_weight(near, normalised("Joel Quillfeather"), normalised("Ada Quillfeather")) == NEAR_WEIGHT
    # Smith (about 1 in 100) and a word the tables know as a given name say nothing.
    assert name_part_weight(near, normalised("Joel Smith"), normalised("Ada Smith")) == 0.0
    assert name_part_weight(near, normalised("Ada James"), normalised("Joel James")) == 0.0
    assert name_part_weight(near, normalised("Li Wei"), normalised("Li Qiang")) == 0.0
    # A name in pinyin agrees in part on nothing (written either way round).
    assert name_part_weight(near, normalised("Duanmu Wei"), normalised("Duanmu Lan")) == 0.0


RARE_A, RARE_B = "Joel Quillfeather", "Ada Quillfeather"
ADDRESS_A, ADDRESS_B = "14 Tarnbrook Lane, Harlow Vale 3071", "14 Tarnbrok Lane, Harlow Vale 3071"  # fuzzy: 4.5


def test_a_family_name_alone_is_no_pair():
    assert audit([account("shop-a", legal_representative=RARE_A),
                  account("shop-b", legal_representative=RARE_B)], DEFAULT_RULES).pairs == ()


def test_a_family_name_beside_a_near_identical_address_and_a_near_id_is_high():
    a = account("shop-a", legal_representative=RARE_A, address=ADDRESS_A, registration_number="58302716")
    b = account("shop-b", legal_representative=RARE_B, address=ADDRESS_B, registration_number="58302717")
    found = only_pair(a, b)
    assert facets_of(found) == {"legal_representative": ("near", NEAR_WEIGHT), "address": ("fuzzy", 4.5),
                                "registration_number": ("near", NEAR_WEIGHT)}
    assert (found.level, found.weight) == (HIGH, 4.5 + 2 * NEAR_WEIGHT)
    # Without the family name: 7.5, medium.
    c = account("shop-c", legal_representative="Ada Brackwater", address=ADDRESS_B, registration_number="58302717")
    assert only_pair(a, c).level == MEDIUM


def test_a_common_family_name_adds_no_finding():
    a = account("shop-a", legal_representative="Joel Smith", address=ADDRESS_A, registration_number="58302716")
    b = account("shop-b", legal_representative="Ada Smith", address=ADDRESS_B, registration_number="58302717")
    assert facets_of(only_pair(a, b)) == {"address": ("fuzzy", 4.5), "registration_number": ("near", NEAR_WEIGHT)}


def test_a_family_name_a_shared_company_carries_counts_once():
    # Quillfeather Home Goods, and two Quillfeathers behind it: the company name says it; the
    # family name adds nothing (a business named after its family).
    a = account("shop-a", legal_representative=RARE_A, company_name="Quillfeather Home Goods Ltd")
    b = account("shop-b", legal_representative=RARE_B, company_name="Quillfeather Home Goods Ltd")
    assert facets_of(only_pair(a, b)) == {"company_name": ("exact", 12.0)}
    # A brand written as one word carries it too.
    c = account("shop-c", legal_representative=RARE_A, brand="QuillfeatherHome")
    d = account("shop-d", legal_representative=RARE_B, brand="QuillfeatherHome")
    assert facets_of(only_pair(c, d)) == {"brand": ("exact", 4.5)}


def test_a_lone_family_name_weighs_as_much_as_beside_a_given_name():
    # `Quillfeather` and `Quillfeather` say no less than `Quillfeather` and `Joel
    # Quillfeather`: the family name's near level (3), never a pair alone, where a bare name
    # used to weigh nothing. A common one (Smith) still weighs nothing: context.
    assert audit([account("shop-a", legal_representative="Quillfeather"),
                  account("shop-b", legal_representative="Quillfeather")], DEFAULT_RULES).pairs == ()
    a = account("shop-a", legal_representative="Quillfeather", address=ADDRESS_A, registration_number="58302716")
    b = account("shop-b", legal_representative="Quillfeather", address=ADDRESS_B, registration_number="58302717")
    found = only_pair(a, b)
    assert facets_of(found)["legal_representative"] == ("near", NEAR_WEIGHT)
    assert (found.level, found.weight) == (HIGH, 10.5)
    (name,) = [f for f in found.findings if f.facet == "legal_representative"]
    assert name.weight_terms == (("near", 3.0, None), ("family", 0.0, UNLISTED_FAMILY))
    c = account("shop-c", legal_representative="Smith", address=ADDRESS_A, registration_number="58302716")
    d = account("shop-d", legal_representative="Smith", address=ADDRESS_B, registration_number="58302717")
    found = only_pair(c, d)
    assert facets_of(found)["legal_representative"] == ("exact", 0.0)
    assert found.level == MEDIUM
    # Compared for a planned account the same way.
    assert [(p.level, p.weight) for p in compare(a, [b], DEFAULT_RULES)] == [(HIGH, 10.5)]


def test_a_lone_family_name_many_accounts_hold_weighs_less():
    # Held by four accounts: 3 - 1 (log2(4/2)) = 2; by eight, 3 - 2 = 1; by sixteen, nothing.
    def weight_among(holders: int) -> float | None:
        others = [account(f"shop-{i:02d}", legal_representative="Quillfeather") for i in range(holders - 2)]
        a = account("shop-a", legal_representative="Quillfeather", address=ADDRESS_A, registration_number="58302716")
        b = account("shop-b", legal_representative="Quillfeather", address=ADDRESS_B, registration_number="58302717")
        (pair,) = [p for p in audit([*others, a, b], DEFAULT_RULES).pairs if p.accounts == ("shop-a", "shop-b")]
        found = facets_of(pair).get("legal_representative")
        return found[1] if found and found[0] == "near" else None

    assert [weight_among(n) for n in (2, 4, 8, 16)] == [3.0, 2.0, 1.0, None]


def test_a_near_weight_of_0_switches_it_off():
    a = account("shop-a", legal_representative=RARE_A, address=ADDRESS_A, registration_number="58302716")
    b = account("shop-b", legal_representative=RARE_B, address=ADDRESS_B, registration_number="58302717")
    off = rules_from_dict({"weights": {"legal_representative": {"near": 0}}})
    assert "legal_representative" not in facets_of(only_pair(a, b, rules=off))


def test_compare_weighs_it_as_audit_does():
    planned = account("planned", legal_representative=RARE_A, address=ADDRESS_A, registration_number="58302716")
    on_file = account("shop-a", legal_representative=RARE_B, address=ADDRESS_B, registration_number="58302717")
    found = compare(planned, [on_file], DEFAULT_RULES)
    assert [(p.level, p.weight) for p in found] == [(HIGH, 4.5 + 2 * NEAR_WEIGHT)]
    assert facets_of(found[0])["legal_representative"] == ("near", NEAR_WEIGHT)


def test_the_command_line_audit_explains_it(cli, store, tmp_path):
    source = write_json(tmp_path / "accounts.json", [
        {"account": "shop-a", "attributes": {"legal_representative": [RARE_A], "address": [ADDRESS_A],
                                             "registration_number": ["58302716"]}},
        {"account": "shop-b", "attributes": {"legal_representative": [RARE_B], "address": [ADDRESS_B],
                                             "registration_number": ["58302717"]}},
    ])
    assert cli("import", str(source)).exit_code == 0
    result = cli("audit", "--format", "json")
    assert result.exit_code == 1, result.output
    (pair,) = json.loads(result.output)["pairs"]
    assert (pair["level"], pair["weight"]) == ("high", 10.5)
    name = next(f for f in pair["findings"] if f["facet"] == "legal_representative")
    assert (name["match"], name["weight"]) == ("near", 3.0)
    assert name["weight_terms"] == [{"term": "near", "bits": 3.0}, {"term": "family", "bits": 0.0, "share": 1e-05}]
    table = cli("audit").output
    assert "3 = 3 + 0 (a family name about 1 in 100,000 people bear)" in table
    zh = cli("audit", env={"LINKCHECK_LANG": "zh"}).output
    assert "3 = 3 + 0（大约每 100,000 人中有 1 人姓这个姓）  部分一致" in zh


# --- the sieve's necessary test (sieve.names_may_agree) -----------------------------------------

GIVEN = ["joel", "ada", "mara", "li", "wei", "duanmu", "tuo", "j"]
FAMILY = ["quillfeather", "quilfeather", "brackwater", "smith", "duanmu", "zhan", "li", "lan"]


def _name(rng: random.Random) -> str:
    words = [rng.choice(GIVEN) for _ in range(rng.randrange(0, 3))] + [rng.choice(FAMILY)]
    return " ".join(words)


def _name_blocks(rng: random.Random):
    texts = [_name(rng) for _ in range(rng.randrange(20, 80))]
    owner = [rng.randrange(30) for _ in texts]
    exact: list[object] = [" ".join(sorted(t.split())) for t in texts]
    blocks = [("legal_representative", sorted(rng.sample(range(len(texts)), rng.choice([2, 2, 3, 4, 5, 7, 12]))))
              for _ in range(rng.randrange(20, 120))]
    return blocks, texts, owner, exact


def _score(blocks, texts, owner, exact, rules):
    return engine.score_blocks(blocks, texts.__getitem__, exact.__getitem__, owner, rules)


@pytest.mark.parametrize("seed", range(40))
def test_sieved_scoring_with_names_in_part_finds_the_same_matches(seed, monkeypatch):
    rng = random.Random(seed)
    blocks, texts, owner, exact = _name_blocks(rng)
    rules = rng.choice([load_rules(None), rules_from_dict({"fuzzy": {"legal_representative": 80}}),
                        rules_from_dict({"combine": {"fuzzy_block_cap": 4}})])
    monkeypatch.setattr(sieve, "SIEVE_OVER", 10**9)
    every_block = _score(blocks, texts, owner, exact, rules)
    monkeypatch.setattr(sieve, "SIEVE_OVER", 0)
    assert _score(blocks, texts, owner, exact, rules) == every_block


def test_the_name_blocks_match_in_part_and_are_sieved_by_the_names_test():
    by_parts = kept = skipped = 0
    rules = load_rules(None)
    comparison = engine.comparisons_for(rules)["legal_representative"]
    for seed in range(40):
        blocks, texts, owner, exact = _name_blocks(random.Random(seed))
        by_parts += sum(1 for m in _score(blocks, texts, owner, exact, rules)
                        if comparison.compare(engine.fuzzy_text(texts[m.a]), engine.fuzzy_text(texts[m.b])) is None)
        hopeless = sieve.hopeless_blocks(blocks, lambda r, facet, texts=texts: engine.fuzzy_text(texts[r], facet),
                                         engine.comparisons_for(rules), lambda refs: False)
        possible = sieve.names_may_agree(blocks, hopeless, texts.__getitem__)
        kept += len(possible)
        skipped += len(hopeless) - len(possible)
    assert by_parts > 50 and kept > 50 and skipped > 100


@pytest.mark.parametrize("seed", range(5))
def test_the_names_test_keeps_every_pair_that_agrees_in_part(seed):
    rng = random.Random(seed)
    pairs = [(_name(rng), _name(rng)) for _ in range(2000)]
    texts = [t for pair in pairs for t in pair]
    blocks = [("legal_representative", [2 * k, 2 * k + 1]) for k in range(len(pairs))]
    agreeing = {k for k, (a, b) in enumerate(pairs) if names_agree_in_part(name_parts(a), name_parts(b))}
    kept = sieve.names_may_agree(blocks, range(len(blocks)), texts.__getitem__)
    assert len(agreeing) > 50
    assert agreeing <= kept, [pairs[k] for k in agreeing - kept]
    assert len(kept - agreeing) < 0.5 * (len(pairs) - len(agreeing))


def test_a_statement_words_a_name_in_part_as_what_agrees(cli, store, tmp_path):
    # A signed statement says what agrees: the family name, not "one digit apart".
    source = write_json(tmp_path / "accounts.json", [
        {"account": "shop-a", "marketplace": "amazon.com",
         "attributes": {"legal_representative": [RARE_A], "address": [ADDRESS_A], "registration_number": ["58302716"]}},
        {"account": "shop-b", "marketplace": "amazon.com",
         "attributes": {"legal_representative": [RARE_B], "address": [ADDRESS_B], "registration_number": ["58302717"]}},
    ])
    assert cli("import", str(source)).exit_code == 0
    for lang, person, number in (("en", "the same family name, another given name", "one digit apart"),
                                 ("zh", "姓氏相同，名字不同", "仅差一位数字")):
        result = cli("statement", "shop-a", "--against", "shop-b", "--lang", lang, "--disclose")
        assert result.exit_code == 0, result.output
        text = "".join(result.stdout.split())  # (wrapped lines)
        assert "".join(f"({person})".split()) in text or f"（{person}）" in text, result.stdout
        assert "".join(number.split()) in text  # the registration numbers


# --- a lone near match is not weighed (engine._add_fuzzy): the same audit -----------------------

_STREETS = ["Quenby Street", "Marlow Road", "Tannery Lane"]
_PEOPLE = ["Joel Quillfeather", "Ada Quillfeather", "Mara Brackwater", "Quillfeather", "Joel Brackwater",
           "Ada Smith", "J. Quillfeather", "Li Zihan"]


def _random_profiles(rng: random.Random):
    profiles = []
    for i in range(rng.randrange(8, 40)):
        values = {"legal_representative": rng.choice(_PEOPLE)}
        if rng.random() < 0.6:
            values["address"] = (f"{rng.choice([12, 13, 14, 28])} {rng.choice(_STREETS)}, "
                                 f"Springfield, IL {rng.choice(['62704', '62705'])}")
        if rng.random() < 0.5:  # a few IPs, one held by many accounts: a hub when over hub_size
            values["ip"] = rng.choice(["203.0.113.7", "203.0.113.7", "198.51.100.20", "198.51.100.21"])
        if rng.random() < 0.3:
            values["logistics"] = "Fulfilled by Amazon"
        profiles.append(account(f"acct-{i:02d}", **values))
    return profiles


@pytest.mark.parametrize("seed", range(30))
def test_a_lone_near_match_left_unweighed_changes_nothing(seed, monkeypatch):
    rng = random.Random(seed)
    profiles = _random_profiles(rng)
    rules = rng.choice([load_rules(None), rules_from_dict({"combine": {"hub_size": 3}}),
                        rules_from_dict({"combine": {"hub_size": 5}})])
    target = rng.choice([None, profiles[0].name])
    quick = audit(profiles, rules, min_level=Level.LOW, account=target)
    real = engine._fuzzy_rule
    monkeypatch.setattr(engine, "_fuzzy_rule", lambda *args, lone=False, **kwargs: real(*args, **kwargs))
    weighed_all = audit(profiles, rules, min_level=Level.LOW, account=target)
    assert quick == weighed_all


def test_lone_near_matches_are_common_in_the_random_profiles(monkeypatch):
    """The test above means something: near matches that are a pair's only evidence, which
    would have been weighed as a finding, occur."""
    lone = 0
    real = engine._fuzzy_rule

    def counting(*args, **kwargs):
        nonlocal lone
        lone += bool(kwargs.get("lone")) and real(*args, **{**kwargs, "lone": False}) is not None
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "_fuzzy_rule", counting)
    for seed in range(30):
        audit(_random_profiles(random.Random(seed)), load_rules(None), min_level=Level.LOW)
    assert lone > 100
