"""Issue 16: an address compared by its parts. Two addresses that are neither the same, nor a
typo of one another, nor one digit apart may still agree part by part -- the same house number
and postcode, the same street and locality, with a locality left out, a word mistyped beyond
one edit, a word split by a space. That partial agreement weighs as the near level (3 bits):
never a pair alone, but beside a rare name it lifts the pair to high. It is tried inside the
blocking groups where no comparison level matched, in `audit` (in-process and from the store's
key index alike) and in `compare`. All names, streets and numbers are made up."""

from __future__ import annotations

import json

import pytest

from linkcheck.linkage.comparisons import parts_agree
from linkcheck.linkage.engine import PARTS_MAX_DISTINCT, audit, audit_to_json, compare, score_blocks
from linkcheck.linkage.rules import DEFAULT_RULES, rules_from_dict
from linkcheck.models import Level
from linkcheck.registry.facets import NEAR_WEIGHT
from linkcheck.registry.kinds import parse_value
from conftest import facets_of, only_audit_pair as only_pair, registry_account as account, write_json

HIGH, MEDIUM = Level.HIGH, Level.MEDIUM
RARE = "Odalys Brackwater"


def agree(a: str, b: str) -> bool:
    na, nb = parse_value("address", a).normalized, parse_value("address", b).normalized
    return parts_agree(na, nb) and parts_agree(nb, na)


# --- what agrees in its parts -------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    # a locality one of them leaves out, and a typo in the street
    ("14 Quenby Street, Marrowfield, Harlow Vale 3071", "14 Quenbby Street, Harlow Vale 3071"),
    # a word split by a space, and a locality left out
    ("14 Quenby Street, Marrowfield, Harlow Vale 3071", "14 Quenby Stre et, Harlow Vale 3071"),
    # the house number left out on one side
    ("Quenby Street, Marrowfield, Harlow Vale 3071", "14 Quenby Street, Marrowfield, Harlow Vale 3071"),
    # the postcode one digit off beside a locality left out
    ("14 Quenby Street, Marrowfield, Harlow Vale 3071", "14 Quenby Street, Harlow Vale 3017"),
    # the town written otherwise, the street and the locality the same
    ("14 Quenby Street, Marrowfield, Harlow Vale 3071", "14 Quenby Street, Marrowfield, Tindlecross 3071"),
    ("14 Quenby Street, Ashgrove Marrowfield, Harlow Vale 3071", "14 Quenby Street, Ashgrove Marrowfield, Tindlecross 3071"),
])
def test_addresses_that_agree_in_their_parts(a, b):
    assert agree(a, b)


@pytest.mark.parametrize("a, b", [
    # another house number and another postcode: two numbers in another's place
    ("14 Quenby Street, Marrowfield, Harlow Vale 3071", "28 Quenby Street, Harlow Vale 3075"),
    # another house number, and nothing else to place it (no postcode)
    ("14 Quenby Street, Marrowfield, Harlow Vale", "28 Quenby Street, Marrowfield, Harlow Vale"),
    # another street of one town: only the town and the numbers agree
    ("12 Oakridge Street, Harlow Vale 3071", "12 Pellam Street, Harlow Vale 3071"),
    ("12 Oakridge Street, Marrowfield, Tindlecross 3071", "12 Pellam Street, Marrowfield, Tindlecross 3071"),
    # a street's name is no town written otherwise, however much else agrees
    ("14 Oakridge Street, Ashgrove Marrowfield, Harlow Vale 3071",
     "14 Pellam Street, Ashgrove Marrowfield, Harlow Vale 3071"),
    # two words of the shorter one differ
    ("14 Quenby Street, Marrowfield, Harlow Vale 3071", "14 Quenby Street, Tindlecross, Ashvale 3071"),
    # the same numbers, one town, another street (a street type and the town are not two places)
    ("Room 600, 201 Vakodu Road, Larnwick", "Room 600, 201 Zepiru Road, Larnwick"),
    # two rooms of one building
    ("Room 5, 88 Quenby Street, Harlow Vale 3071", "Room 7, 88 Quenby Street, Harlow Vale 3071"),
    # one letter for another is another street
    ("12 K Street, Marrowfield, Harlow Vale 3071", "12 P Street, Marrowfield, Harlow Vale 3071"),
    # no number in common
    ("Quenby Street, Marrowfield, Harlow Vale", "Quenby Street, Marrowfield, Harlow Vale"),
    # both numbers one digit off: nothing exact to stand on
    ("14 Quenby Street, Marrowfield 3071", "17 Quenby Street, Marrowfield 3017"),
    # the same house number and street in another postcode (and state): another place
    ("12 Main Street, Springfield, IL 62704", "12 Main Street, Springfield, MA 01103"),
    ("1 Main St, Springfield, IL 62704", "1 Main St, Springfield, IL 62711"),
])
def test_addresses_that_do_not_agree_in_their_parts(a, b):
    assert not agree(a, b)


# --- what it weighs -----------------------------------------------------------------------------


def test_a_rare_name_and_an_address_agreeing_in_its_parts_are_high():
    a = account("shop-a", legal_representative=RARE, address="14 Quenby Street, Marrowfield, Harlow Vale 3071")
    b = account("shop-b", legal_representative=RARE, address="14 Quenbby Street, Harlow Vale 3071")
    found = only_pair(a, b)
    assert (found.level, found.weight) == (HIGH, 9.0 + NEAR_WEIGHT)
    assert facets_of(found) == {"legal_representative": ("exact", 9.0), "address": ("near", NEAR_WEIGHT)}
    row = json.loads(json.dumps(audit_to_json(audit([a, b], DEFAULT_RULES))))["pairs"][0]
    address = next(f for f in row["findings"] if f["facet"] == "address")
    assert address["match"] == "near"
    assert address["weight_terms"] == [{"term": "near", "bits": NEAR_WEIGHT}]


def test_a_typo_of_a_rare_name_and_an_address_agreeing_in_its_parts_are_high():
    a = account("shop-a", legal_representative=RARE, address="14 Quenby Street, Marrowfield, Harlow Vale 3071")
    b = account("shop-b", legal_representative="Odalys Brackwatre", address="14 Quenby Stre et, Harlow Vale 3071")
    found = only_pair(a, b)
    assert (found.level, found.weight) == (HIGH, 7.0 + NEAR_WEIGHT)


def test_an_address_agreeing_in_its_parts_alone_is_no_pair():
    a = account("shop-a", address="14 Quenby Street, Marrowfield, Harlow Vale 3071")
    b = account("shop-b", address="14 Quenbby Street, Harlow Vale 3071")
    assert audit([a, b], DEFAULT_RULES).pairs == ()


@pytest.mark.parametrize("name", ["张伟", "John Smith"])
def test_a_common_name_and_an_address_agreeing_in_its_parts_are_no_pair(name):
    a = account("shop-a", legal_representative=name, address="14 Quenby Street, Marrowfield, Harlow Vale 3071")
    b = account("shop-b", legal_representative=name, address="14 Quenbby Street, Harlow Vale 3071")
    assert audit([a, b], DEFAULT_RULES).pairs == ()


def test_parts_and_a_near_id_sum_to_medium():
    a = account("shop-a", registration_number="58302716", address="14 Quenby Street, Marrowfield, Harlow Vale 3071")
    b = account("shop-b", registration_number="58302717", address="14 Quenbby Street, Harlow Vale 3071")
    found = only_pair(a, b)
    assert (found.level, found.weight) == (MEDIUM, 2 * NEAR_WEIGHT)


def test_the_same_street_of_one_locality_agrees_in_its_parts_whatever_the_house_number():
    # Another house number on the same street, the postcode and the town the same: the
    # street level of the parts (3 bits). Not where a unit is named: two rooms of one
    # building are two tenants.
    assert agree("14 Quenby Street, Marrowfield, Harlow Vale 3071", "28 Quenby Street, Harlow Vale 3071")
    assert agree("14 Quenby Street, Harlow Vale 3071", "286 Quenbby Street, Harlow Vale 3071")
    assert not agree("Suite 2, 14 Quenby Street, Harlow Vale 3071", "Suite 2, 28 Quenby Street, Harlow Vale 3071")


def test_a_rare_name_on_the_same_street_is_high():
    # One rare name (9) on one street of one town, at another house number (3): one person
    # who moved or mistyped the number, or relatives -- high (12), where the name alone is
    # medium. Neighbours with a common name stay apart (0 + 3: no pair).
    a = account("shop-a", legal_representative=RARE, address="14 Quenby Street, Marrowfield, Harlow Vale 3071")
    b = account("shop-b", legal_representative=RARE, address="28 Quenby Street, Harlow Vale 3071")
    found = only_pair(a, b)
    assert facets_of(found) == {"legal_representative": ("exact", 9.0), "address": ("near", NEAR_WEIGHT)}
    assert found.level == HIGH
    c = account("shop-c", legal_representative="John Smith", address="14 Quenby Street, Marrowfield, Harlow Vale 3071")
    d = account("shop-d", legal_representative="John Smith", address="28 Quenby Street, Harlow Vale 3071")
    assert audit([c, d], DEFAULT_RULES).pairs == ()


def test_a_street_too_many_accounts_share_is_not_compared_by_parts():
    # Parts are tried pairwise in Python, inside blocking groups of at most
    # PARTS_MAX_DISTINCT distinct addresses; a larger group (a street everyone here shares)
    # is left to the levels rapidfuzz scores in C.
    street = [account(f"shop-{i:02d}", address=f"{i + 30} Quenby Street, Marrowfield, Harlow Vale 3071")
              for i in range(PARTS_MAX_DISTINCT)]
    a = account("shop-a", legal_representative=RARE, address="14 Quenby Street, Marrowfield, Harlow Vale 3071")
    b = account("shop-b", legal_representative=RARE, address="14 Quenbby Street, Harlow Vale 3071")
    profiles = [*street, a, b]
    texts = [next(v for v in p.attributes if v.kind == "address").normalized for p in profiles]
    owner = list(range(len(profiles)))
    shop_a, shop_b = len(profiles) - 2, len(profiles) - 1

    def a_and_b(refs):  # the block's matches of shop-a's and shop-b's addresses
        found = score_blocks([("address", refs)], texts.__getitem__, texts.__getitem__, owner, DEFAULT_RULES)
        return [(m.a, m.b) for m in found if {m.a, m.b} == {shop_a, shop_b}]

    assert a_and_b(owner) == []
    # With fewer on the street, the block compares the two by parts.
    assert a_and_b([*range(10), shop_a, shop_b]) == [(shop_a, shop_b)]
    # Two accounts something else links (the rare name: medium, 9 bits) are compared all the
    # same, outside the blocks (linkage.completion): the pair has its parts finding however
    # large the street.
    pairs = [p for p in audit(profiles, DEFAULT_RULES).pairs if p.accounts == ("shop-a", "shop-b")]
    assert [facets_of(p) for p in pairs] == [{"legal_representative": ("exact", 9.0), "address": ("near", NEAR_WEIGHT)}]


def test_the_command_line_audit_finds_the_parts_as_the_engine_does(cli, store, tmp_path):
    # `audit` reads its input from the store's key index (Store.audit_input) and compares the
    # blocks there: the same finding as the engine over every profile.
    source = write_json(tmp_path / "accounts.json", [
        {"account": "shop-a", "attributes": {"legal_representative": [RARE],
                                             "address": ["14 Quenby Street, Marrowfield, Harlow Vale 3071"]}},
        {"account": "shop-b", "attributes": {"legal_representative": [RARE],
                                             "address": ["14 Quenbby Street, Harlow Vale 3071"]}},
        {"account": "shop-c", "attributes": {"address": ["28 Quenby Street, Harlow Vale 3071"]}},
    ])
    assert cli("import", str(source)).exit_code == 0
    result = cli("audit", "--format", "json", "--min-level", "low")
    assert result.exit_code == 1, result.output  # a high pair: --fail-on high
    pairs = json.loads(result.output)["pairs"]
    assert [(p["accounts"], p["level"], p["weight"]) for p in pairs] == [
        (["shop-a", "shop-b"], "high", 9.0 + NEAR_WEIGHT)]
    address = next(f for f in pairs[0]["findings"] if f["facet"] == "address")
    assert (address["match"], address["weight"]) == ("near", NEAR_WEIGHT)


def test_compare_weighs_the_parts_as_audit_does():
    planned = account("planned", legal_representative=RARE, address="14 Quenby Street, Marrowfield, Harlow Vale 3071")
    on_file = account("shop-a", legal_representative=RARE, address="14 Quenby Stre et, Harlow Vale 3071")
    found = compare(planned, [on_file], DEFAULT_RULES)
    assert [(p.accounts, p.level, p.weight) for p in found] == [(("planned", "shop-a"), HIGH, 9.0 + NEAR_WEIGHT)]


def test_a_near_weight_of_0_switches_the_parts_level_off_too():
    a = account("shop-a", legal_representative=RARE, address="14 Quenby Street, Marrowfield, Harlow Vale 3071")
    b = account("shop-b", legal_representative=RARE, address="14 Quenbby Street, Harlow Vale 3071")
    off = rules_from_dict({"weights": {"address": {"near": 0}}})
    assert facets_of(only_pair(a, b, rules=off)) == {"legal_representative": ("exact", 9.0)}
    no_fuzzy = rules_from_dict({"fuzzy": {"address": "off"}})
    assert facets_of(only_pair(a, b, rules=no_fuzzy)) == {"legal_representative": ("exact", 9.0)}
