"""Specification of linkage comparisons: each fuzzy facet's ordered levels, and adding a level."""

from __future__ import annotations

import configparser
import fnmatch
from pathlib import Path

from linkcheck import gate, normalize
from linkcheck.linkage.comparisons import (
    LEVELS, Comparison, NearDigits, NearNumber, SamePlace, Typo, comparisons_for, fuzzy_text,
)
from linkcheck.linkage.rules import DEFAULT_RULES, rules_from_dict
from linkcheck.registry import FACETS, KINDS, SECRET_KINDS, facet_labels
from linkcheck.registry.masks import SECRET

REPO = Path(__file__).resolve().parent.parent


def test_each_fuzzy_facet_compares_with_the_levels_the_registry_names():
    comparisons = comparisons_for(DEFAULT_RULES)
    assert {f: [type(level) for level in c.levels] for f, c in comparisons.items()} == {
        "company_name": [Typo],
        "address": [Typo, SamePlace, NearNumber],
        "legal_representative": [Typo],
        "tax_id": [NearDigits],
        "registration_number": [NearDigits],
    }
    assert comparisons["company_name"].levels[0].threshold == 92
    assert comparisons["legal_representative"].levels[0].threshold == 90


def test_every_comparison_the_registry_names_exists():
    named = {name for f in FACETS.values() for way in (f.fuzzy, f.near) if way for name in way.comparisons}
    assert named <= set(LEVELS)


def test_a_rules_file_threshold_reaches_the_typo_level_and_off_drops_the_comparison():
    rules = rules_from_dict({"fuzzy": {"company_name": 95, "address": "off"}})
    comparisons = comparisons_for(rules)
    assert comparisons["company_name"].levels[0].threshold == 95
    assert "address" not in comparisons  # its near level too: no comparison beyond the exact key
    assert "registration_number" in comparisons


def test_the_first_level_that_matches_decides():
    a = fuzzy_text("room 1203 88 keyuan road nanshan shenzhen 518057")
    b = fuzzy_text("room 1203 88 keyuan road nanshan district shenzhen guangdong")
    address = comparisons_for(DEFAULT_RULES)["address"]
    assert Typo(92).compare(a, b) is None  # too different for a typo...
    assert address.compare(a, b) == 100.0  # ...but the same place written more completely
    assert address.compare(fuzzy_text("acme trading shenzhen"), fuzzy_text("acne trading shenzhen")) is not None
    assert address.compare("", b) is None


class _SameInitials:
    """A made-up level: texts whose words have the same initials."""

    max_distinct = None

    def compare(self, a: str, b: str) -> float | None:
        return 50.0 if [w[0] for w in a.split()] == [w[0] for w in b.split()] else None

    def matches(self, text: str, others: list[str]) -> list[tuple[str, float]]:
        return [(o, 50.0) for o in others if self.compare(text, o) is not None]


def test_adding_a_way_to_compare_is_adding_one_level_object():
    texts = ["acme bright", "acme brighy", "apex brown", "zeta omega"]
    typo_only = Comparison("company_name", (Typo(80),))
    with_initials = Comparison("company_name", (Typo(80), _SameInitials()))
    assert typo_only.matches(texts, 0) == [("acme brighy", 90.9)]
    # The new level sees only what the earlier levels did not match, each text once.
    assert with_initials.matches(texts, 0) == [("acme brighy", 90.9), ("apex brown", 50.0)]


def test_a_level_with_a_block_limit_skips_larger_blocks():
    texts = [f"{n} keyuan road nanshan" for n in range(1, 62)] + ["1 keyuan road nanshan shenzhen"]
    address = Comparison("address", (SamePlace(),))
    assert address.matches(texts, 0) == []  # 62 distinct addresses: beyond SamePlace.max_distinct
    assert address.matches(texts[:1] + texts[-1:], 0) == [("1 keyuan road nanshan shenzhen", 100.0)]


def test_the_registry_is_where_labels_and_error_views_come_from():
    assert gate.FACET_LABELS == facet_labels() == {"ip_network": "IP network (/24 or /64)", "email_domain": "email domain"}
    assert SECRET_KINDS == {name for name, kind in KINDS.items() if kind.in_errors == SECRET}
    assert {"bank_account", "card", "tax_id", "machine_id"} <= SECRET_KINDS and "email" not in SECRET_KINDS


def test_word_lists_ship_as_package_data():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    patterns = [p.strip() for p in config["options.package_data"]["linkcheck"].split(",") if p.strip()]
    data = Path(normalize.__file__).resolve().parent / "data"
    files = [f"normalize/data/{p.name}" for p in data.iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, p) for p in patterns) for f in files)


def test_a_word_split_in_two_or_two_run_together_is_a_typo():
    from linkcheck.linkage.comparisons import same_but_typos, near_numbers

    assert same_but_typos("7 canberra hse frankston", "7 canberrahse frankston")
    assert same_but_typos("crozier circuit richn o rosebrook", "crozier circuit richon rosebrook")  # one edit too
    assert same_but_typos("bay view road 12", "12 bayview road")
    # ... and the rest still compared word by word, one edit each.
    assert same_but_typos("7 canberra hse frankdton", "7 canberrahse frankston")
    assert not same_but_typos("7 canberra hse melton", "7 canberrahse frankston")
    # Never numbers, never two edits in the joined word.
    assert not same_but_typos("12 3 main road", "123 main road")
    assert not same_but_typos("canberra hse road", "canbxrrahsx road")
    # Where the words alone already differ by a typo each, nothing changes.
    assert same_but_typos("acme trading", "acne trading")
    assert not same_but_typos("acme trading", "apex trading")
    # A postcode a digit apart, beside a split word: the near level's own test.
    assert near_numbers("crozier circuit richn o rosebrook 4156", "crozier circuit richon rosebrook 4151")


def _level_by_level(comparison: Comparison, distinct: list[str], x: int) -> list[tuple[str, float]]:
    """`Comparison.matches` as each level's own `matches` over the texts left gives it."""
    text, others = distinct[x], distinct[x + 1:]
    found: list[tuple[str, float]] = []
    for level in comparison.levels:
        if level.max_distinct is not None and len(distinct) > level.max_distinct:
            continue
        matched = {other for other, _similarity in found}
        found += level.matches(text, [o for o in others if o not in matched])
    return found


def test_a_second_ratio_level_reuses_the_first_ones_hits_in_the_same_order():
    """NearNumber after Typo at one threshold takes the texts left among Typo's hits instead of
    scoring them again: the same matches, in the same order (rapidfuzz's best first, ties as
    given), as each level over the texts left -- with many ties, SamePlace between them,
    other thresholds, and levels in other orders."""
    import random

    rng = random.Random(11)
    streets = ["keyuan road", "quenby street", "keyuan rd", "kyuan road", "main street nanshan"]
    levels_list = [
        (Typo(92), SamePlace(), NearNumber(92)), (Typo(80), NearNumber(80)), (Typo(92), NearNumber(80)),
        (NearNumber(85), Typo(85)), (SamePlace(), Typo(85), NearNumber(85)), (_SameInitials(), Typo(70), NearNumber(70)),
        (Typo(75), NearNumber(75), Typo(75)),
    ]
    seen_second = seen_typo = 0
    for _ in range(40):
        texts = list(dict.fromkeys(
            fuzzy_text(f"{rng.choice(['', '', 'room 12'])} {rng.randrange(1, 6)} {rng.choice(streets)} "
                       f"{rng.choice(['3071', '3017', '3072', ''])}")
            for _ in range(rng.randrange(2, 30))))
        for levels in levels_list:
            comparison = Comparison("address", levels)
            for x in range(len(texts) - 1):
                expected = _level_by_level(comparison, texts, x)
                assert comparison.matches(texts, x) == expected
                typo_found = {o for o, _s in levels[0].matches(texts[x], texts[x + 1:])} if type(levels[0]) is Typo else set()
                seen_second += any(o not in typo_found for o, _s in expected)
                seen_typo += bool(typo_found)
    assert seen_second > 20 and seen_typo > 20  # the first level matched, and later ones found texts it left
