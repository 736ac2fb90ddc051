"""Issue 16: the "near" comparison level. Two id numbers, or two addresses' house numbers or
postcodes, one digit apart (a digit substituted, two neighbours swapped, one dropped) are a
partial agreement with a modest weight of their own: never a link alone, but added to a name
or an address in the pair's sum. Profiles go through the kind registry, so keys (and the near
blocking keys) are the real ones. All names, numbers and companies are made up."""

from __future__ import annotations

import json

import pytest

from linkcheck.errors import InvalidInput
from linkcheck.linkage.comparisons import near_digits, near_numbers, fuzzy_text, one_edit
from linkcheck.linkage.engine import audit, audit_to_json, compare
from linkcheck.linkage.rules import DEFAULT_RULES, rules_from_dict
from linkcheck.models import Account, Level, Profile
from linkcheck.normalize.text import near_blocks
from linkcheck.registry.facets import ID_TYPO_BITS, NEAR_WEIGHT
from linkcheck.registry.kinds import parse_value
from conftest import facets_of, import_accounts as _import, only_audit_pair as only_pair
from conftest import registry_account as account, registry_attribute as value

CRITICAL, HIGH, MEDIUM, LOW = Level.CRITICAL, Level.HIGH, Level.MEDIUM, Level.LOW


# --- what is one digit apart ------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("58302716", "58302717"),   # one digit substituted
    ("58302716", "58320716"),   # two neighbours swapped
    ("58302716", "5830716"),    # one digit dropped
    ("5830716", "58309716"),    # one digit added
    ("91440300MA5F0QK2X7", "91440300MA5F0QK3X7"),
])
def test_ids_one_edit_apart_are_near(a, b):
    assert near_digits(a, b) and near_digits(b, a)


@pytest.mark.parametrize("a, b", [
    ("58302716", "58302716"),   # the same number is the exact level, not near
    ("58302716", "58312746"),   # two digits
    ("58302716", "61827305"),
    ("DE583027169", "FR583027169"),  # another country's number, not a typo of a digit
    ("91440300MA5F0QK2X7", "91440300MB5F0QK2X7"),  # a letter of the series
    ("830271", "830274"),       # too short to carry a typo that still identifies
])
def test_ids_further_apart_or_too_short_are_not_near(a, b):
    assert not near_digits(a, b)


def test_every_id_one_edit_away_shares_a_blocking_key():
    number = "7305918264"
    variants = set()
    for i in range(len(number)):
        variants.add(number[:i] + number[i + 1:])                                  # dropped
        variants.add(number[:i] + ("0" if number[i] != "0" else "1") + number[i + 1:])  # substituted
        variants.add(number[:i] + "5" + number[i:])                                # added
        if i + 1 < len(number):
            variants.add(number[:i] + number[i + 1] + number[i] + number[i + 2:])  # swapped
    variants.discard(number)
    assert len(variants) > 30
    keys = set(near_blocks(number))
    for other in variants:
        assert one_edit(number, other), other
        assert keys & set(near_blocks(other)), other


def test_near_blocking_keys_are_the_first_and_last_characters():
    assert near_blocks("7305918264") == ("^7305", "8264$")
    assert near_blocks("730591826") == ("^730", "826$", "^7305", "1826$")
    assert near_blocks("730591") == ()
    keys = parse_value("registration_number", "7305-9182-64").keys
    assert keys == ("registration_number:7305918264", "~registration_number:^7305", "~registration_number:8264$")


def test_addresses_one_number_a_digit_apart_are_near():
    def near(a: str, b: str) -> bool:
        return near_numbers(fuzzy_text(parse_value("address", a).normalized, "address"),
                            fuzzy_text(parse_value("address", b).normalized, "address"))

    assert near("14 Quenby Street, Harlow Vale 3071", "17 Quenby Street, Harlow Vale 3071")
    assert near("14 Quenby Street, Harlow Vale 3071", "14 Quenby Street, Harlow Vale 3017")
    assert near("14 Quenby Street, Harlow Vale 3071", "14 Quenby Stret, Harlow Vale 3011")  # and a typo
    assert not near("14 Quenby Street, Harlow Vale 3071", "14 Quenby Street, Harlow Vale 3071")
    assert not near("14 Quenby Street, Harlow Vale 3071", "47 Quenby Street, Harlow Vale 3071")
    assert not near("14 Quenby Street, Harlow Vale 3071", "17 Quenby Street, Harlow Vale 3011")  # two numbers
    assert not near("14 Quenby Street, Harlow Vale 3071", "17 Ormsby Street, Harlow Vale 3071")  # another street


# --- guards against false links -----------------------------------------------------------------


def test_two_companies_whose_numbers_are_one_digit_apart_are_no_link():
    # A near level alone is no link at all, whatever its weight: it only adds to other evidence.
    a = account("shop-a", registration_number="58302716", company_name="Tarnwick Lighting Ltd")
    b = account("shop-b", registration_number="58302717", company_name="Olvero Garden Supplies Ltd")
    assert audit([a, b], DEFAULT_RULES).pairs == ()
    assert audit([a, b], DEFAULT_RULES).clusters == ()
    assert compare(a, [b], DEFAULT_RULES) == []


def test_a_tax_id_and_a_registration_number_each_one_digit_off_are_one_fact_not_a_pair():
    # Two facets of one family (the legal identity): one coincidence seen twice, no pair.
    a = account("shop-a", tax_id="66607788", registration_number="77712345")
    b = account("shop-b", tax_id="66607789", registration_number="77712346")
    assert audit([a, b], DEFAULT_RULES).pairs == ()


def test_neighbours_at_12_and_13_of_one_street_with_different_names_are_not_high():
    a = account("shop-a", address="12 Quenby Street, Harlow Vale 3071", legal_representative="Odalys Brackwater")
    b = account("shop-b", address="13 Quenby Street, Harlow Vale 3071", legal_representative="Fenwick Ostrander")
    assert audit([a, b], DEFAULT_RULES).pairs == ()


@pytest.mark.parametrize("name", ["张伟", "John Smith"])
def test_a_common_name_and_a_near_id_are_not_high(name):
    a = account("shop-a", legal_representative=name, registration_number="58302716")
    b = account("shop-b", legal_representative=name, registration_number="58302717")
    # The name weighs nothing (context) and the near id makes no link alone: no pair.
    assert audit([a, b], DEFAULT_RULES).pairs == ()
    # An address one number off as well: two coincidences of two facets make a pair (3 + 3).
    a2 = account("shop-a", legal_representative=name, registration_number="58302716",
                 address="14 Quenby Street, Harlow Vale 3071")
    b2 = account("shop-b", legal_representative=name, registration_number="58302717",
                 address="17 Quenby Street, Harlow Vale 3071")
    found = only_pair(a2, b2)
    assert (found.level, found.weight) == (MEDIUM, 2 * NEAR_WEIGHT)


def test_a_rare_name_the_same_street_and_a_near_id_are_high():
    a = account("shop-a", legal_representative="Odalys Brackwater", address="14 Quenby Street, Harlow Vale 3071",
                registration_number="58302716")
    b = account("shop-b", legal_representative="Odalys Brackwater", address="17 Quenby Street, Harlow Vale 3071",
                registration_number="58302717")
    found = only_pair(a, b)
    assert (found.level, found.weight) == (HIGH, 9.0 + 2 * NEAR_WEIGHT)
    assert facets_of(found) == {"legal_representative": ("exact", 9.0), "address": ("near", NEAR_WEIGHT),
                                "registration_number": ("near", NEAR_WEIGHT)}
    # Without the near levels the same pair is the name alone: medium.
    off = rules_from_dict({"weights": {"address": {"near": 0}, "registration_number": {"near": 0}}})
    assert (only_pair(a, b, rules=off).level, only_pair(a, b, rules=off).weight) == (MEDIUM, 9.0)


def test_a_typo_of_a_rare_name_and_a_near_id_are_high():
    a = account("shop-a", legal_representative="Odalys Brackwater", registration_number="58302716")
    b = account("shop-b", legal_representative="Odalys Brackwatre", registration_number="5830716")
    found = only_pair(a, b)
    assert (found.level, found.weight) == (HIGH, 7.0 + NEAR_WEIGHT)


def test_numbers_that_both_pass_their_check_digits_are_two_numbers_not_a_typo():
    # Check digits catch one digit changed: two valid numbers one digit apart were issued so.
    valid = ("country:DE",)
    name = value("legal_representative", "Odalys Brackwater")
    a = Profile(Account("shop-a", "", "active"), (name, value("tax_id", "58302716", valid)))
    b = Profile(Account("shop-b", "", "active"), (name, value("tax_id", "58302717", valid)))
    assert facets_of(only_pair(a, b)) == {"legal_representative": ("exact", 9.0)}
    c = Profile(Account("shop-c", "", "active"),
                (name, value("tax_id", "58302717", ("country:DE", "bad-checksum"))))
    # One failing them where the other passes: a mistyped copy, the typo reading (7 bits).
    assert facets_of(only_pair(a, c)) == {"legal_representative": ("exact", 9.0),
                                          "tax_id": ("near", NEAR_WEIGHT + ID_TYPO_BITS)}


def test_the_same_number_is_exact_not_near():
    a = account("shop-a", registration_number="58302716")
    b = account("shop-b", registration_number="5830-2716")
    assert facets_of(only_pair(a, b)) == {"registration_number": ("normalised", 24.0)}


# --- rules ----------------------------------------------------------------------------------------


def test_rules_set_and_switch_off_the_near_weight():
    a = account("shop-a", registration_number="58302716", legal_representative="Odalys Brackwater")
    b = account("shop-b", registration_number="58302717", legal_representative="Odalys Brackwater")
    assert (only_pair(a, b).level, only_pair(a, b).weight) == (HIGH, 9.0 + NEAR_WEIGHT)
    heavier = rules_from_dict({"weights": {"registration_number": {"near": 5}}})
    assert (only_pair(a, b, rules=heavier).level, only_pair(a, b, rules=heavier).weight) == (HIGH, 14.0)
    nothing = rules_from_dict({"weights": {"registration_number": {"near": 0}}})
    assert (only_pair(a, b, rules=nothing).level, only_pair(a, b, rules=nothing).weight) == (MEDIUM, 9.0)
    assert facets_of(only_pair(a, b, rules=nothing)) == {"legal_representative": ("exact", 9.0)}  # no 0-bit row
    off = rules_from_dict({"levels": {"registration_number": "off"}})
    assert "registration_number" not in off.near
    assert facets_of(only_pair(a, b, rules=off)) == {"legal_representative": ("exact", 9.0)}
    # However heavy, a near level alone is no link.
    lone_a = account("shop-c", registration_number="58302716")
    lone_b = account("shop-d", registration_number="58302717")
    assert audit([lone_a, lone_b], heavier).pairs == ()


def test_near_weights_load_back_from_as_dict_and_bad_ones_are_refused():
    rules = rules_from_dict({"weights": {"tax_id": {"near": 2.5}, "address": {"fuzzy": 5, "near": 2}}})
    assert rules.as_dict()["weights"]["tax_id"] == {"exact": 24.0, "near": 2.5}
    assert rules.as_dict()["weights"]["address"] == {"exact": 12.0, "fuzzy": 5.0, "near": 2.0}
    assert rules_from_dict(rules.as_dict()).near == rules.near
    with pytest.raises(InvalidInput, match="weights.company_name: unknown comparison level 'near'; use exact, fuzzy"):
        rules_from_dict({"weights": {"company_name": {"near": 2}}})
    with pytest.raises(InvalidInput, match="weights.tax_id: expected a weight from 0 to 40"):
        rules_from_dict({"weights": {"tax_id": {"near": -1}}})


# --- explained, in the engine, compare and a store -------------------------------------------------


def test_audit_json_names_the_near_level_in_the_weight_terms():
    a = account("shop-a", legal_representative="Odalys Brackwater", registration_number="58302716")
    b = account("shop-b", legal_representative="Odalys Brackwater", registration_number="58302717")
    doc = json.loads(json.dumps(audit_to_json(audit([a, b], DEFAULT_RULES))))
    (found,) = doc["pairs"]
    near = next(f for f in found["findings"] if f["facet"] == "registration_number")
    assert (near["match"], near["weight"], near["level"], near["score"]) == ("near", 3.0, "low", 87.5)
    assert near["weight_terms"] == [{"term": "near", "bits": 3.0}]
    assert found["weight"] == 12.0 and found["level"] == "high"


def test_compare_finds_a_near_id_as_the_audit_does():
    planned = account("planned", registration_number="58302716", legal_representative="Odalys Brackwater")
    on_file = [account("shop-a", registration_number="58320716", legal_representative="Odalys Brackwater"),
               account("shop-b", registration_number="61827305", legal_representative="Fenwick Ostrander"),
               account("shop-c", registration_number="58302717")]
    (found,) = compare(planned, on_file, DEFAULT_RULES)
    # Two neighbours swapped: the typo reading (registry.facets.ID_TYPO_BITS more).
    assert (found.accounts, found.level, found.weight) == (("planned", "shop-a"), HIGH,
                                                           9.0 + NEAR_WEIGHT + ID_TYPO_BITS)


def test_a_store_audit_finds_near_ids_and_addresses_through_its_key_index(cli, store, tmp_path):
    _import(cli, tmp_path,
            ("shop-a", {"legal_representative": ["Odalys Brackwater"], "registration_number": ["58302716"],
                        "address": ["14 Quenby Street, Harlow Vale 3071"]}),
            ("shop-b", {"legal_representative": ["Odalys Brackwater"], "registration_number": ["58302717"],
                        "address": ["17 Quenby Street, Harlow Vale 3071"]}),
            ("shop-c", {"registration_number": ["61827305"], "address": ["9 Ormsby Road, Harlow Vale 3071"]}))
    doc = json.loads(cli("audit", "--format", "json").output)
    assert [(p["accounts"], p["level"], p["weight"]) for p in doc["pairs"]] == [(["shop-a", "shop-b"], "high", 15.0)]
    table = cli("audit").output.splitlines()
    rows = sorted(line.split()[:4] for line in table if line.split()[:1] in (["registration_number"], ["address"]))
    assert rows == [["address", "low", "3", "near"], ["registration_number", "low", "3", "near"]]


def test_another_room_of_one_building_is_not_near():
    # Room 1203 and room 1204 are two tenants; sorted words cannot tell a room from a house number.
    a = account("shop-a", address="Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen")
    b = account("shop-b", address="Room 1204, 88 Keyuan Road, Nanshan District, Shenzhen")
    c = account("shop-c", address="Suite 4, 88 Keyuan Road, Nanshan District, Shenzhen")
    d = account("shop-d", address="Suite 4, 89 Keyuan Road, Nanshan District, Shenzhen")
    assert audit([a, b, c, d], DEFAULT_RULES).pairs == ()


def test_an_address_whose_fuzzy_comparison_is_off_has_no_near_level():
    a = account("shop-a", address="14 Quenby Street, Harlow Vale 3071", legal_representative="Odalys Brackwater")
    b = account("shop-b", address="17 Quenby Street, Harlow Vale 3071", legal_representative="Odalys Brackwater")
    assert facets_of(only_pair(a, b)) == {"legal_representative": ("exact", 9.0), "address": ("near", NEAR_WEIGHT)}
    off = only_pair(a, b, rules=rules_from_dict({"fuzzy": {"address": "off"}}))
    assert facets_of(off) == {"legal_representative": ("exact", 9.0)}
