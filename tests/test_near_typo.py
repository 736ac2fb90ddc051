"""Issue 16: a near id that reads as a typo of one number weighs more than one that may be two
numbers issued close together. Two neighbouring digits swapped, or one digit other than the
last changed, or one of the two failing its check digits where the other passes: the near
level's 3 bits and ID_TYPO_BITS more (7). The last digit changed, or a digit dropped or added,
stays at 3 bits (an agent registering two companies the same day gets 58302716 and 58302717).
Never a pair alone either way; two numbers that both pass their check digits are two numbers.
All names, numbers and companies are made up."""

from __future__ import annotations

import json

import pytest

from linkcheck.linkage.comparisons import id_typo, near_digits
from linkcheck.linkage.engine import audit, audit_to_json, compare
from linkcheck.linkage.rules import DEFAULT_RULES, rules_from_dict
from linkcheck.models import Account, Level, Profile
from linkcheck.registry.facets import ID_TYPO_BITS, NEAR_WEIGHT
from conftest import facets_of, import_accounts as _import, only_audit_pair as only_pair
from conftest import registry_account as account, registry_attribute as value

HIGH, MEDIUM = Level.HIGH, Level.MEDIUM
TYPO = NEAR_WEIGHT + ID_TYPO_BITS
RARE = "Odalys Brackwater"


# --- how two near numbers read --------------------------------------------------------------------


@pytest.mark.parametrize("a, b, reading", [
    ("58302716", "58320716", "swap"),    # two neighbours swapped in the middle
    ("58302716", "85302716", "swap"),    # ... the first two
    ("58302716", "58302761", "swap"),    # ... the last two: 45 apart, a slip rather than a batch
    ("58302716", "58302746", "digit"),   # the tens digit changed
    ("58302716", "18302716", "digit"),   # the first digit changed
    ("91440300MA5F0QK2X7", "91440300MA5F0QK3X7", "digit"),
    ("58302716", "58302717", None),      # the last digit: numbers issued one after the other
    ("91440000000002X", "91440000000003X", None),  # ... before a letter that is not a digit
    ("91440000000012X", "91440000000002X", "digit"),  # the tens digit before it
    ("58302716", "5830716", None),       # a digit dropped: as much a shorter number as a typo
    ("5830716", "58309716", None),       # a digit added
    ("58302716", "58302716", None),      # the same number is no typo
])
def test_the_shape_of_the_difference(a, b, reading):
    assert id_typo(a, b) == reading and id_typo(b, a) == reading


def test_two_digits_swapped_that_are_not_neighbours_are_not_near_at_all():
    # 58302716 -> 58702316: the 3 and the 7 swapped across a digit, two substitutions.
    assert not near_digits("58302716", "58702316")
    assert id_typo("58302716", "58702316") is None
    a = account("shop-a", legal_representative=RARE, registration_number="58302716")
    b = account("shop-b", legal_representative=RARE, registration_number="58702316")
    assert facets_of(only_pair(a, b)) == {"legal_representative": ("exact", 9.0)}


# --- what it weighs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("other", ["58320716", "58302746"])
def test_a_typo_of_the_id_adds_seven_bits_to_the_pair(other):
    a = account("shop-a", legal_representative=RARE, registration_number="58302716")
    b = account("shop-b", legal_representative=RARE, registration_number=other)
    found = only_pair(a, b)
    assert facets_of(found) == {"legal_representative": ("exact", 9.0), "registration_number": ("near", TYPO)}
    assert (found.level, found.weight) == (HIGH, 16.0)


def test_a_typo_of_the_id_beside_a_neighbouring_address_is_high_where_the_last_digit_is_medium():
    street_a, street_b = "14 Quenby Street, Harlow Vale 3071", "17 Quenby Street, Harlow Vale 3071"
    a = account("shop-a", registration_number="58302716", address=street_a, legal_representative="John Smith")
    typo = account("shop-b", registration_number="58320716", address=street_b, legal_representative="John Smith")
    batch = account("shop-c", registration_number="58302717", address=street_b, legal_representative="John Smith")
    assert (only_pair(a, typo).level, only_pair(a, typo).weight) == (HIGH, TYPO + NEAR_WEIGHT)
    assert (only_pair(a, batch).level, only_pair(a, batch).weight) == (MEDIUM, 2 * NEAR_WEIGHT)


def test_a_typo_of_the_id_is_never_a_pair_alone():
    # Alone, beside a common name (context), or with any weight a rules file gives the level.
    for name in (None, "张伟", "John Smith"):
        extra = {"legal_representative": name} if name else {}
        a = account("shop-a", registration_number="58302716", **extra)
        b = account("shop-b", registration_number="58320716", **extra)
        assert audit([a, b], DEFAULT_RULES).pairs == ()
        assert compare(a, [b], DEFAULT_RULES) == []
    heavy = rules_from_dict({"weights": {"registration_number": {"near": 20}}})
    a = account("shop-a", registration_number="58302716")
    b = account("shop-b", registration_number="58320716")
    assert audit([a, b], heavy).pairs == ()


def test_a_tax_id_and_a_registration_number_each_a_typo_are_still_one_fact():
    # One family (the legal identity): the stronger of the two, and no pair without other evidence.
    a = account("shop-a", tax_id="66607788", registration_number="77712345")
    b = account("shop-b", tax_id="66670788", registration_number="77721345")
    assert audit([a, b], DEFAULT_RULES).pairs == ()
    a2 = account("shop-a", tax_id="66607788", registration_number="77712345", legal_representative=RARE)
    b2 = account("shop-b", tax_id="66670788", registration_number="77721345", legal_representative=RARE)
    assert only_pair(a2, b2).weight == 9.0 + TYPO


def test_check_digits_decide_before_the_shape():
    name = value("legal_representative", RARE)
    valid, bad = ("country:DE",), ("country:DE", "bad-checksum")
    a = Profile(Account("shop-a", "", "active"), (name, value("tax_id", "58302716", valid)))
    # Both pass their check digits: two real numbers, however they differ (a swap included).
    b = Profile(Account("shop-b", "", "active"), (name, value("tax_id", "58320716", valid)))
    assert facets_of(only_pair(a, b)) == {"legal_representative": ("exact", 9.0)}
    # One fails where the other passes: a mistyped copy, even in the last digit.
    c = Profile(Account("shop-c", "", "active"), (name, value("tax_id", "58302717", bad)))
    found = only_pair(a, c)
    assert facets_of(found) == {"legal_representative": ("exact", 9.0), "tax_id": ("near", TYPO)}
    (near,) = [f for f in found.findings if f.facet == "tax_id"]
    assert near.weight_terms == (("near", NEAR_WEIGHT, None), ("typo", ID_TYPO_BITS, "checksum"))
    assert near.reason_zh.startswith("号码仅差一位数字，且一个号码校验位错误")
    # Both fail: nothing to tell by, the shape decides (the last digit: 3 bits).
    d = Profile(Account("shop-d", "", "active"), (name, value("tax_id", "58302716", bad)))
    assert facets_of(only_pair(c, d)) == {"legal_representative": ("exact", 9.0), "tax_id": ("near", NEAR_WEIGHT)}


def test_rules_weigh_the_near_level_and_the_typo_follows():
    a = account("shop-a", legal_representative=RARE, registration_number="58302716")
    b = account("shop-b", legal_representative=RARE, registration_number="58320716")
    lighter = rules_from_dict({"weights": {"registration_number": {"near": 1}}})
    assert facets_of(only_pair(a, b, rules=lighter))["registration_number"] == ("near", 1 + ID_TYPO_BITS)
    off = rules_from_dict({"weights": {"registration_number": {"near": 0}}})
    assert facets_of(only_pair(a, b, rules=off)) == {"legal_representative": ("exact", 9.0)}


# --- explained -----------------------------------------------------------------------------------


def test_audit_json_explains_the_typo_in_the_weight_terms():
    a = account("shop-a", legal_representative=RARE, registration_number="58302716")
    b = account("shop-b", legal_representative=RARE, registration_number="58320716")
    doc = json.loads(json.dumps(audit_to_json(audit([a, b], DEFAULT_RULES))))
    (pair,) = doc["pairs"]
    near = next(f for f in pair["findings"] if f["facet"] == "registration_number")
    assert (near["match"], near["weight"], near["level"]) == ("near", TYPO, "medium")
    assert near["weight_terms"] == [{"term": "near", "bits": NEAR_WEIGHT},
                                    {"term": "typo", "bits": ID_TYPO_BITS, "typo": "swap"}]
    assert near["reason"].startswith("Numbers one typo apart: two neighbouring digits swapped")
    assert (pair["weight"], pair["level"]) == (16.0, "high")


def test_the_audit_table_explains_the_typo_in_english_and_chinese(cli, store, tmp_path, monkeypatch):
    _import(cli, tmp_path,
            ("shop-a", {"legal_representative": [RARE], "registration_number": ["58302716"]}),
            ("shop-b", {"legal_representative": [RARE], "registration_number": ["58302746"]}))
    table = cli("audit").output
    assert "weight 16 = 9 legal_representative + 7 registration_number; high from 10" in table
    row = next(line for line in table.splitlines() if line.strip().startswith("registration_number"))
    assert "7 = 3 + 4 (a digit other than the last changed: a typo)" in row
    monkeypatch.setenv("LINKCHECK_LANG", "zh")
    row = next(line for line in cli("audit").output.splitlines() if line.strip().startswith("registration_number"))
    assert "7 = 3 + 4（改动的不是最后一位数字：属于输入笔误）" in row
