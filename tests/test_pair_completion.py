"""Issue 16: the values of two accounts something already links, compared where no blocking key
brought them together (linkage.completion), for the pairs below high that this could lift to
high: a rare name and two addresses whose every word the blocking keys cut is mistyped or
split; two ids one typo apart and such addresses; a name with a space typed inside a word,
which the blocks' ratio on sorted words reads as two words (`laur a` for `laura`). What it
finds is kept only where it lifts the pair to high, and a pair further from high than a near
level (3 bits) is not compared. The store's audit (values left undecoded until asked for)
finds the same. All names, numbers, companies and addresses are made up."""

from __future__ import annotations

import json

import pytest

from linkcheck.linkage.comparisons import comparisons_for
from linkcheck.linkage.completion import complete_pairs, most_added, split_reading
from linkcheck.linkage.engine import audit
from linkcheck.linkage.rules import DEFAULT_RULES
from linkcheck.models import Level
from linkcheck.registry.facets import ID_TYPO_BITS, NEAR_WEIGHT
from conftest import facets_of, import_accounts as _import, only_audit_pair as only_pair
from conftest import registry_account as account

HIGH, MEDIUM = Level.HIGH, Level.MEDIUM
RARE = "Odalys Brackwater"
# One address, every word the blocking keys cut mistyped or split: no blocking key of the one
# is a key of the other, so no block ever compares them; read whole, they agree (a typo).
SPLIT = ("7 Harrowgatehse, Quenbdale VIC 3158", "7 Harrowgate Hse, Quenbydale VIC 3158")


def _blocking(profile, kind):
    return {k for a in profile.attributes if a.kind == kind for k in a.keys if k.startswith("~")}


def test_the_addresses_no_block_compares_share_no_blocking_key():
    a, b = account("shop-a", address=SPLIT[0]), account("shop-b", address=SPLIT[1])
    assert _blocking(a, "address") and _blocking(b, "address")
    assert not _blocking(a, "address") & _blocking(b, "address")
    assert audit([a, b], DEFAULT_RULES).pairs == ()  # (and the address alone is no pair)


def test_a_rare_name_and_addresses_no_block_compared_are_high():
    # The rare name alone is medium (9); the addresses, compared once the name links the two,
    # agree as one address mistyped (4.5): high (13.5).
    found = only_pair(account("shop-a", legal_representative=RARE, address=SPLIT[0]),
                      account("shop-b", legal_representative=RARE, address=SPLIT[1]))
    assert facets_of(found) == {"legal_representative": ("exact", 9.0), "address": ("fuzzy", 4.5)}
    assert found.level == HIGH
    # Without the addresses' agreement the name alone stays medium.
    alone = only_pair(account("shop-a", legal_representative=RARE, address=SPLIT[0]),
                      account("shop-b", legal_representative=RARE, address="3 Tallowford Lane, Brackenmere NSW 2480"))
    assert facets_of(alone) == {"legal_representative": ("exact", 9.0)}
    assert alone.level == MEDIUM


def test_ids_one_typo_apart_and_addresses_no_block_compared_are_high():
    # Two ids one swap apart make no pair alone (7, near); the addresses, compared because the
    # ids brought the two together, add 4.5: high (11.5).
    found = only_pair(account("shop-a", registration_number="58302716", address=SPLIT[0]),
                      account("shop-b", registration_number="58320716", address=SPLIT[1]))
    assert facets_of(found) == {"registration_number": ("near", NEAR_WEIGHT + ID_TYPO_BITS), "address": ("fuzzy", 4.5)}
    assert found.level == HIGH


def test_what_completion_finds_below_high_is_not_kept():
    # Ids issued one after the other (the last digit: 3 bits) and the addresses (4.5) make 7.5:
    # below high, so the addresses no block compared stay uncompared, and the ids alone are no pair.
    a = account("shop-a", registration_number="58302716", address=SPLIT[0])
    b = account("shop-b", registration_number="58302717", address=SPLIT[1])
    assert audit([a, b], DEFAULT_RULES).pairs == ()


def test_a_pair_further_from_high_than_a_near_level_is_not_compared():
    # A shared supplier (4.5) is more than a near level (3) from high (10): the names (a typo of
    # a rare name, 7) and the addresses (4.5) would lift it, but are not compared; the pair
    # stays what the blocks found.
    a = account("shop-a", supplier="Quillfeather Tool Works", legal_representative="Odalysandra Brackwaterford",
                address=SPLIT[0])
    b = account("shop-b", supplier="Quillfeather Tool Works", legal_representative="Odalysanrda Brackwaterfrod",
                address=SPLIT[1])
    assert not _blocking(a, "legal_representative") & _blocking(b, "legal_representative")
    found = only_pair(a, b)
    assert facets_of(found) == {"supplier": ("exact", 4.5)}
    assert found.level == MEDIUM


def test_most_added_is_each_compared_facets_strongest_level():
    adds = most_added(DEFAULT_RULES)
    assert adds["address"] == ("place", 4.5)
    assert adds["registration_number"] == ("legal", NEAR_WEIGHT + ID_TYPO_BITS)
    assert adds["legal_representative"][1] == 7.0
    evidence: dict = {}
    complete_pairs(evidence, {}, [], [], [], DEFAULT_RULES)
    assert evidence == {}


# --- a word split by a space, read as the word it is ------------------------------------------


@pytest.mark.parametrize("a, b, read", [
    ("a hefford laur", "hefford laura", 100.0),       # `laur a hefford`: sorted, the pieces part
    ("jason len mcmul", "jason mcmullen", 100.0),     # `jason mcmul len`
    ("brack odalys watre", "brackwater odalys", 94.1),  # split, and a typo in it
    ("brackwatre odalys", "brackwater odalys", None),   # no split: the typo level's own reading
    ("a hefford laur", "hefford lauren", None),       # `laura` and `lauren`: two names
    ("brack odalys water", "brackwater odalys ruth", None),  # a word more besides
])
def test_a_split_word_reads_as_the_word_it_is(a, b, read):
    comparison = comparisons_for(DEFAULT_RULES)["legal_representative"]
    assert split_reading(comparison, a, b) == read
    if read is not None:  # the blocks' comparison, on the sorted words, does not find it
        assert comparison.compare(a, b) is None


def test_ids_one_typo_apart_and_a_name_split_by_a_space_are_high():
    # The ids bring the two together (7, no pair alone); the names, a word split by a space,
    # read as one rare name mistyped (7): high (14).
    found = only_pair(account("shop-a", registration_number="58302716", legal_representative="Odalys Brack water"),
                      account("shop-b", registration_number="58320716", legal_representative="Odalys Brackwater"))
    assert facets_of(found) == {"registration_number": ("near", NEAR_WEIGHT + ID_TYPO_BITS),
                                "legal_representative": ("fuzzy", 7.0)}
    assert found.level == HIGH
    name = next(f for f in found.findings if f.facet == "legal_representative")
    assert name.weight_terms == (("fuzzy", 7.0, None),)


def test_a_name_in_part_read_again_as_a_split_name():
    # `Laur A Quillfeather` and `Laura Quillfeather`: the blocks find the family name only (a
    # name in part, 3) beside the addresses (4.5): 7.5. Read again with the split word joined,
    # the names are one rare name mistyped (7): high (11.5), the name in part replaced.
    found = only_pair(account("shop-a", address="3 Tallowford Lane, Brackenmere NSW 2480",
                              legal_representative="Laur A Quillfeather"),
                      account("shop-b", address="3 Tallowford Lanes, Brackenmere NSW 2480",
                              legal_representative="Laura Quillfeather"))
    assert facets_of(found) == {"address": ("fuzzy", 4.5), "legal_representative": ("fuzzy", 7.0)}
    assert found.level == HIGH


def test_the_store_audit_finds_what_the_engine_finds(cli, store, tmp_path, monkeypatch):
    # The store's audit decodes only the values two accounts share; the addresses here share no
    # key, and are decoded when completion asks for them.
    _import(cli, tmp_path,
            ("shop-a", {"legal_representative": [RARE], "address": [SPLIT[0]], "registration_number": ["58302716"]}),
            ("shop-b", {"legal_representative": [RARE], "address": [SPLIT[1]], "registration_number": ["73019942"]}),
            ("shop-c", {"legal_representative": ["Tamsin Wolderidge"], "address": ["3 Tallowford Lane, Brackenmere NSW 2480"]}))
    result = cli("audit", "--format", "json")
    pairs = json.loads(result.output)["pairs"]
    assert [p["accounts"] for p in pairs] == [["shop-a", "shop-b"]]
    (pair,) = pairs
    assert pair["level"] == "high"
    address = next(f for f in pair["findings"] if f["facet"] == "address")
    assert (address["match"], address["weight"]) == ("fuzzy", 4.5)
    assert address["weight_terms"] == [{"term": "fuzzy", "bits": 4.5}]
    table = cli("audit").output
    assert "weight 13.5 = 9 legal_representative + 4.5 address; high from 10" in table
    monkeypatch.setenv("LINKCHECK_LANG", "zh")
    table = cli("audit").output
    assert "权重 13.5 = 9 legal_representative + 4.5 address；10 及以上为高" in table
    row = next(line for line in table.splitlines() if line.strip().startswith("address"))
    assert "相似 97%" in row
