"""Issue 16: linkage that weighs evidence. Rare values count more than common ones (in the
store and, for names, among people), Chinese names are compared as Chinese, a company's
word order matters, and the audit explains each finding's weight. Profiles are built through
the kind registry, so keys are the real ones. All names and companies are made up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from linkcheck.errors import InvalidInput
from linkcheck.linkage.engine import audit, audit_to_json, compare
from linkcheck.linkage.evidence import name_weight, store_frequency_bits
from linkcheck.linkage.rules import DEFAULT_RULES, parse_rules, rules_from_dict
from linkcheck.models import Account, Attribute, Level, Profile
from linkcheck.normalize import company_name, person_name
from linkcheck.normalize.person import name_share
from linkcheck.registry.facets import level_of_weight
from linkcheck.registry.kinds import parse_value
from conftest import import_accounts as _import

CRITICAL, HIGH, MEDIUM, LOW = Level.CRITICAL, Level.HIGH, Level.MEDIUM, Level.LOW


def value(kind: str, text: str) -> Attribute:
    parsed = parse_value(kind, text)
    return Attribute(kind, text, parsed.normalized, parsed.keys, "manual", 1_700_000_000, 1_700_000_000)


def account(name: str, **values: str | list[str]) -> Profile:
    attributes = []
    for kind, texts in values.items():
        for text in [texts] if isinstance(texts, str) else texts:
            attributes.append(value(kind, text))
    return Profile(Account(name, "amazon.example", "active"), tuple(attributes))


def pairs(*profiles: Profile, rules=DEFAULT_RULES):
    return {p.accounts: p for p in audit(profiles, rules).pairs}


def pair(*profiles: Profile, rules=DEFAULT_RULES):
    found = audit(profiles, rules).pairs
    assert len(found) == 1, found
    return found[0]


# --- the scale --------------------------------------------------------------------------------


def test_weights_reach_levels_through_the_documented_thresholds():
    assert [level_of_weight(w) for w in (24, 22, 21.9, 12, 10, 9.9, 4.5, 4, 3.9, 1, 0.9, 0)] == [
        CRITICAL, CRITICAL, HIGH, HIGH, HIGH, MEDIUM, MEDIUM, MEDIUM, LOW, LOW, None, None,
    ]


def test_store_frequency_halves_the_odds_for_each_doubling_of_holders():
    assert [store_frequency_bits(n) for n in (2, 4, 8, 16)] == [0.0, 1.0, 2.0, 3.0]


def test_common_names_carry_no_weight_and_rare_ones_do():
    for common in ("张伟", "王芳", "李娜", "John Smith", "Li Wei", "Smith", "Maria"):
        assert name_weight(person_name(common).value) == 0.0, common
    assert name_weight(person_name("Ada Quillfeather").value) > 9
    assert name_weight(person_name("司徒嘉颖").value) > 9
    # Surname x given name from the shipped tables: 张 about 6.4 %, 伟 about 0.4 %.
    assert name_share("张伟") == pytest.approx(0.064 * 0.004)


# --- names ------------------------------------------------------------------------------------


def test_a_common_full_name_alone_is_not_a_link():
    a = account("shop-a", legal_representative="John Smith")
    b = account("shop-b", legal_representative="Smith, John")
    assert pairs(a, b) == {}


def test_a_bare_surname_alone_is_not_a_link():
    a = account("shop-a", legal_representative="Garcia")
    b = account("shop-b", legal_representative="GARCIA")
    assert pairs(a, b) == {}


@pytest.mark.parametrize("name", ["张伟", "王芳", "李娜"])
def test_the_commonest_chinese_legal_representatives_alone_do_not_link(name):
    a = account("shop-a", legal_representative=name)
    b = account("shop-b", legal_representative=name + "先生")
    assert pairs(a, b) == {}


def test_a_common_name_is_shown_as_context_beside_a_real_link():
    a = account("shop-a", legal_representative="张伟", address="Room 1203, 88 Keyuan Road, Nanshan, Shenzhen")
    b = account("shop-b", legal_representative="张伟", address="Room 1203, 88 Keyuan Road, Nanshan, Shenzhen")
    found = pair(a, b)
    assert found.level == HIGH
    by_facet = {f.facet: f for f in found.findings}
    assert by_facet["legal_representative"].context and by_facet["legal_representative"].weight == 0.0
    assert by_facet["address"].weight == 12.0 and found.weight == 12.0


def test_a_rare_full_name_alone_is_medium_and_with_the_same_address_high():
    alone = pair(account("a", legal_representative="Ada Quillfeather"),
                 account("b", legal_representative="Quillfeather, Ada"))
    assert (alone.level, alone.weight) == (MEDIUM, 9.0)
    a = account("a", legal_representative="Ada Quillfeather", address="12 Larkspur Lane, Springfield 99501")
    b = account("b", legal_representative="Ada Quillfeather", address="12 Larkspur Lane, Springfield 99501")
    both = pair(a, b)
    assert both.level == HIGH
    assert both.weight == 21.0  # 9 (name, capped) + 12 (address)


def test_person_names_in_another_word_order_still_match():
    a = account("a", legal_representative="Quillfeather Ada")
    b = account("b", legal_representative="Ada Quillfeather")
    assert pair(a, b).findings[0].facet == "legal_representative"


def test_a_name_many_accounts_of_the_store_hold_counts_less():
    holders = [account(f"shop-{i}", legal_representative="Ada Quillfeather") for i in range(8)]
    found = audit(holders, DEFAULT_RULES).pairs
    assert len(found) == 28
    assert {(p.level, p.weight) for p in found} == {(MEDIUM, 7.0)}  # 9 less log2(8/2)


def test_li_wei_in_chinese_and_in_pinyin_meet():
    a = account("a", legal_representative="李伟", address="Room 5, 7 Lotus Road, Futian, Shenzhen 518000")
    b = account("b", legal_representative="Li Wei", address="Room 5, 7 Lotus Road, Futian, Shenzhen 518000")
    found = pair(a, b)
    assert "legal_representative" in {f.facet for f in found.findings}
    # A rare Chinese name meets its pinyin spelling on its own: medium, weighed less than
    # the same spelling (the pinyin level).
    rare = pair(account("a", legal_representative="司徒嘉颖"), account("b", legal_representative="Jiaying Situ"))
    assert rare.level == MEDIUM and rare.weight == 7.0
    assert rare.findings[0].values  # masked values of both accounts


def test_two_chinese_names_one_character_apart_are_two_people():
    a = account("a", legal_representative="司徒嘉颖")
    b = account("b", legal_representative="司徒嘉莹")
    assert pairs(a, b) == {}


# --- companies --------------------------------------------------------------------------------


def test_chinese_brands_one_character_apart_are_different_companies():
    a = account("a", company_name="深圳市洞庭香科技有限公司")
    b = account("b", company_name="深圳市满庭香科技有限公司")
    assert pairs(a, b) == {}


def test_a_city_in_brackets_and_as_a_prefix_is_one_company_for_any_prefecture():
    # 肇庆 was not in the old hand list of ~45 cities; every prefecture-level division is now.
    assert company_name("洞庭香(肇庆)有限公司").value == "洞庭香 zhaoqing"
    a = account("a", company_name="洞庭香(肇庆)有限公司")
    b = account("b", company_name="肇庆市洞庭香有限公司")
    found = pair(a, b)
    assert found.findings[0].facet == "company_name" and found.findings[0].score == 100.0
    c = account("c", company_name="青松（六安市）贸易有限公司")
    d = account("d", company_name="六安市青松贸易有限公司")
    assert pair(c, d).findings[0].facet == "company_name"


def test_a_city_name_inside_a_brand_is_not_taken_for_the_city():
    assert company_name("三明治美食有限公司").value.startswith("三明治")


def test_the_same_words_in_another_order_are_two_companies():
    a = account("a", company_name="Jade Tiger Trading Co., Ltd.")
    b = account("b", company_name="Tiger Jade Trading Co., Ltd.")
    assert pairs(a, b) == {}


def test_a_typo_in_a_company_name_still_links():
    a = account("a", company_name="Shenzhen Zorbex Trading Co., Ltd.")
    b = account("b", company_name="Shenzhen Zorbax Trading Co Ltd")
    assert pair(a, b).findings[0].match == "fuzzy"


# --- strong identifiers keep their meaning ------------------------------------------------------


@pytest.mark.parametrize("kind, text", [
    ("email", "ops@zorbex.example"), ("phone", "+86 138 0013 8000"), ("bank_account", "DE89 3704 0044 0532 0130 00"),
    ("card", "4111 1111 1111 1111"), ("mac", "3C-22-FB-12-34-56"), ("machine_id", "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}"),
    ("browser_fingerprint", "9f86d081884c7d65"), ("tax_id", "DE123456789"),
])
def test_a_shared_strong_identifier_is_still_critical(kind, text):
    found = pair(account("a", **{kind: text}), account("b", **{kind: text}))
    assert found.level == CRITICAL and found.weight == 24.0


def test_strong_identifiers_are_not_weakened_by_how_many_accounts_share_them():
    holders = [account(f"s{i}", phone="+86 138 0013 8000") for i in range(6)]
    assert {p.level for p in audit(holders, DEFAULT_RULES).pairs} == {CRITICAL}


# --- rules: levels and weights ------------------------------------------------------------------


def test_rules_can_set_a_weight():
    rules = parse_rules('[weights]\nlegal_representative = 14.0\n', toml=True)
    assert rules.facet("legal_representative").weight == 14.0
    rare = pair(account("a", legal_representative="Ada Quillfeather"),
                account("b", legal_representative="Ada Quillfeather"), rules=rules)
    assert (rare.level, rare.weight) == (HIGH, 14.0)
    # Still weighed by how common the name is: 张伟 alone stays no link.
    assert pairs(account("a", legal_representative="张伟"), account("b", legal_representative="张伟"), rules=rules) == {}


def test_rules_can_set_the_fuzzy_weight_of_a_facet():
    rules = rules_from_dict({"weights": {"company_name": {"exact": 12, "fuzzy": 11}}})
    a = account("a", company_name="Shenzhen Zorbex Trading Co., Ltd.")
    b = account("b", company_name="Shenzhen Zorbax Trading Co Ltd")
    assert pair(a, b, rules=rules).level == HIGH


def test_a_level_set_in_rules_still_sets_the_level():
    rules = rules_from_dict({"levels": {"legal_representative": "critical"}})
    found = pair(account("a", legal_representative="张伟"), account("b", legal_representative="张伟"), rules=rules)
    assert (found.level, found.weight) == (CRITICAL, 24.0)


def test_a_weight_below_one_makes_a_facet_context():
    rules = rules_from_dict({"weights": {"brand": 0.5}})
    assert rules.facet("brand").label == "context"


@pytest.mark.parametrize("document, named", [
    ({"weights": {"hostnme": 3}}, "weights.hostnme"),
    ({"weights": {"brand": -1}}, "weights.brand"),
    ({"weights": {"brand": 41}}, "weights.brand"),
    ({"weights": {"brand": "6"}}, "weights.brand"),
    ({"weights": {"brand": True}}, "weights.brand"),
    ({"weights": {"brand": {"fuzzy": 3}}}, "weights.brand"),
    ({"weights": {"company_name": {"exactly": 3}}}, "weights.company_name"),
    ({"weights": {"category": 3}}, "weights.category"),
    ({"weights": ["brand"]}, "weights"),
])
def test_bad_weights_are_refused_naming_the_entry(document, named):
    with pytest.raises(InvalidInput) as caught:
        rules_from_dict(document, name="mine.toml")
    assert f"mine.toml: {named}:" in caught.value.message
    assert caught.value.exit_code == 3


def test_rules_with_weights_load_back_from_as_dict():
    rules = rules_from_dict({"weights": {"brand": 7.5, "company_name": {"fuzzy": 5}}})
    assert rules_from_dict(rules.as_dict()).facets == rules.facets
    assert rules_from_dict(rules.as_dict()).fuzzy == rules.fuzzy
    assert rules.as_dict()["weights"]["brand"] == 7.5


def test_bad_weight_in_a_rules_file_exits_3(cli, store, tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[weights]\nlegal_representative = "heavy"\n', encoding="utf-8")
    result = cli("audit", "--rules", str(path))
    assert result.exit_code == 3
    assert "weights.legal_representative: expected a weight from 0 to 40" in result.output


# --- the audit explains weights -----------------------------------------------------------------


def test_audit_json_carries_each_findings_weight_and_the_pairs_total():
    a = account("a", legal_representative="Ada Quillfeather", address="12 Larkspur Lane, Springfield 99501",
                category="Pet Supplies")
    b = account("b", legal_representative="Ada Quillfeather", address="12 Larkspur Lane, Springfield 99501",
                category="Pet Supplies")
    doc = json.loads(json.dumps(audit_to_json(audit([a, b], DEFAULT_RULES))))
    (found,) = doc["pairs"]
    assert found["weight"] == 21.0 and found["level"] == "high"
    weights = {f["facet"]: (f["weight"], f["level"], f["context"]) for f in found["findings"]}
    assert weights == {"address": (12.0, "high", False), "legal_representative": (9.0, "medium", False),
                       "category": (0.0, "low", True)}


def test_the_audit_table_shows_weights(cli, store, tmp_path):
    values = {"legal_representative": ["Ada Quillfeather"], "address": ["12 Larkspur Lane, Springfield 99501"]}
    _import(cli, tmp_path, ("shop-a", values), ("shop-b", values))
    result = cli("audit")
    assert "HIGH      shop-a — shop-b  (score 0.68, weight 21 = 12 address + 9 legal_representative; high from 10)" \
        in result.output
    assert any(line.split()[:3] == ["legal_representative", "medium", "9"] for line in result.output.splitlines())


def test_the_audit_table_explains_an_adjusted_weight(cli, store, tmp_path):
    # Four accounts hold the company name (12 - 1 bit); two of them name 张伟, who weighs nothing.
    company = {"company_name": ["Zorbex Trading Ltd"]}
    _import(cli, tmp_path, ("shop-a", company | {"legal_representative": ["张伟"]}),
            ("shop-b", company | {"legal_representative": ["张伟"]}), ("shop-c", company), ("shop-d", company))
    lines = cli("audit").output.splitlines()
    assert "HIGH      shop-a — shop-b  (score 0.65, weight 11 = 11 company_name; high from 10)" in lines
    company_row = next(line for line in lines if line.split()[:1] == ["company_name"])
    assert "11 = 12 - 1 (4 accounts hold it)" in company_row
    name_row = next(line for line in lines if line.split()[:1] == ["legal_representative"])
    assert "0 = 9 - 9 (a name about 1 in 3,906 people bear)" in name_row


def test_audit_json_explains_each_weight_and_what_the_pair_sums(cli, store, tmp_path):
    company = {"company_name": ["Zorbex Trading Ltd"], "address": ["12 Larkspur Lane, Springfield 99501"]}
    _import(cli, tmp_path, ("shop-a", company | {"legal_representative": ["张伟"]}),
            ("shop-b", company | {"legal_representative": ["张伟"]}), ("shop-c", {"company_name": ["Zorbex Trading Ltd"]}))
    doc = json.loads(cli("audit", "--format", "json").output)
    top = doc["pairs"][0]
    assert (top["accounts"], top["level"], top["weight"], top["threshold"]) == (["shop-a", "shop-b"], "critical", 23.4, 22.0)
    assert top["weight_parts"] == [{"facet": "address", "family": "place", "weight": 12.0},
                                   {"facet": "company_name", "family": "legal", "weight": 11.4}]
    terms = {f["facet"]: f["weight_terms"] for f in top["findings"]}
    assert terms["address"] == [{"term": "exact", "bits": 12.0}]
    assert terms["company_name"] == [{"term": "exact", "bits": 12.0}, {"term": "accounts", "bits": -0.6, "accounts": 3}]
    assert terms["legal_representative"] == [{"term": "exact", "bits": 9.0},
                                             {"term": "name", "bits": -9.0, "share": 0.000256}]


def test_a_tax_id_with_bad_check_digits_is_flagged_in_the_audit(cli, store, tmp_path):
    # DE123456789 fails its check digits: kept, linked, and flagged on the value.
    _import(cli, tmp_path, ("shop-a", {"tax_id": ["DE 123 456 789"]}), ("shop-b", {"tax_id": ["DE123456789"]}),
            ("shop-c", {"tax_id": ["DE136695976"]}), ("shop-d", {"tax_id": ["DE 136 695 976"]}))
    table = cli("audit").output.splitlines()
    rows = [line.split() for line in table if line.split()[:1] == ["tax_id"]]
    assert sorted(rows) == sorted([
        ["tax_id", "critical", "24", "normalised", "****6789", "(bad", "checksum)", "****6789", "(bad", "checksum)"],
        ["tax_id", "critical", "24", "normalised", "****5976", "****5976"],
    ])
    doc = json.loads(cli("audit", "--format", "json").output)
    flags = {tuple(p["accounts"]): p["findings"][0]["flags"] for p in doc["pairs"]}
    assert flags[("shop-a", "shop-b")] == {"shop-a": ["country:DE", "bad-checksum"], "shop-b": ["country:DE", "bad-checksum"]}
    assert flags[("shop-c", "shop-d")] == {"shop-c": ["country:DE"], "shop-d": ["country:DE"]}
    names = {"legal_representative": ["Ada Quillfeather"]}
    _import(cli, tmp_path, ("shop-e", names), ("shop-f", names))
    doc = json.loads(cli("audit", "--format", "json").output)
    assert [p["findings"][0]["flags"] for p in doc["pairs"] if p["accounts"] == ["shop-e", "shop-f"]] == [{}]


def test_compare_weighs_names_as_the_audit_does():
    planned = account("planned", legal_representative="张伟")
    on_file = [account("shop-a", legal_representative="张伟"), account("shop-b", legal_representative="Ada Quillfeather")]
    assert compare(planned, on_file, DEFAULT_RULES) == []
    rare = account("planned", legal_representative="Quillfeather Ada")
    (found,) = compare(rare, on_file, DEFAULT_RULES)
    assert (found.accounts, found.level, found.weight) == (("planned", "shop-b"), MEDIUM, 9.0)


def test_audit_of_a_store_weighs_as_the_engine_does(cli, store, tmp_path):
    # Through the store's key index (audit_input): the commonest names stay context.
    _import(cli, tmp_path,
            ("shop-a", {"legal_representative": ["王芳"]}), ("shop-b", {"legal_representative": ["王芳"]}),
            ("shop-c", {"legal_representative": ["司徒嘉颖"]}), ("shop-d", {"legal_representative": ["Situ Jiaying"]}))
    result = cli("audit", "--format", "json")
    doc = json.loads(result.output)
    assert [(p["accounts"], p["level"], p["weight"]) for p in doc["pairs"]] == [(["shop-c", "shop-d"], "medium", 7.0)]


def test_the_readme_rules_example_with_weights_is_valid():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("```toml\n[levels]")
    example = readme[start + len("```toml\n"): readme.index("```", start + 7)]
    rules = parse_rules(example, toml=True)
    assert rules.facet("legal_representative").weight == 12.0
    assert rules.fuzzy["company_name"].weight == 8.0


def test_the_command_line_starts_without_pypinyin():
    # pypinyin is imported when a Chinese person's name is first normalised, never at start-up.
    code = "import sys, linkcheck.cli, linkcheck.linkage.engine; print('pypinyin' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_two_spellings_of_a_common_name_are_not_a_link_but_of_a_rare_one_are():
    assert pairs(account("a", legal_representative="Zhang Wei"), account("b", legal_representative="Zhang Wie")) == {}
    rare = pair(account("a", legal_representative="Ada Quillfeather"),
                account("b", legal_representative="Ada Quilfeather"))
    assert rare.findings[0].match == "fuzzy" and (rare.level, rare.weight) == (MEDIUM, 7.0)


def test_a_typo_of_a_rare_name_beside_a_near_identical_address_is_high():
    a = account("a", legal_representative="Ada Quillfeather", address="12 Larkspur Lane, Springfield 99501")
    b = account("b", legal_representative="Ada Quilfeather", address="12 Larkspurr Lane, Springfield 99501")
    found = pair(a, b)
    assert sorted((f.facet, f.match, f.weight) for f in found.findings) == [
        ("address", "fuzzy", 4.5), ("legal_representative", "fuzzy", 7.0)]
    assert (found.level, found.weight) == (HIGH, 11.5)


def test_a_common_name_held_by_more_accounts_than_the_hub_size_links_no_one():
    holders = [account(f"shop-{i:02d}", legal_representative="王芳") for i in range(60)]
    result = audit(holders, DEFAULT_RULES)
    assert (result.pairs, result.hubs, result.clusters) == ((), (), ())


# --- a pair's level is its summed weight (issue 16) ---------------------------------------------


def test_every_default_rule_reaches_the_level_of_its_own_weight():
    # One table for findings and pairs: a pair of one finding is at that finding's level.
    for rule in list(DEFAULT_RULES.facets.values()) + list(DEFAULT_RULES.fuzzy.values()):
        expected = None if rule.context else rule.level
        assert level_of_weight(rule.weight) == expected, rule.facet


def test_the_same_company_name_and_address_sum_to_critical():
    a = account("a", company_name="Zorbex Trading Ltd", address="12 Larkspur Lane, Springfield 99501")
    b = account("b", company_name="Zorbex Trading Ltd", address="12 Larkspur Lane, Springfield 99501")
    found = pair(a, b)
    assert (found.level, found.weight, found.weight_parts) == (
        CRITICAL, 24.0, (("address", "place", 12.0), ("company_name", "legal", 12.0)))


def test_a_rare_name_beside_a_medium_finding_sums_to_high_and_a_common_one_does_not():
    rare = pair(account("a", legal_representative="Ada Quillfeather", brand="Zorbex"),
                account("b", legal_representative="Ada Quillfeather", brand="Zorbex"))
    assert (rare.level, rare.weight) == (HIGH, 13.5)  # 9 + 4.5 >= 10
    common = pair(account("a", legal_representative="John Smith", brand="Zorbex"),
                  account("b", legal_representative="John Smith", brand="Zorbex"))
    assert (common.level, common.weight) == (MEDIUM, 4.5)  # the name weighs nothing


def test_one_fact_seen_through_two_facets_of_a_family_counts_once():
    # The same IP (12) and so the same /24 (4.5): one "network" fact, weight 12.
    a = account("a", ip="203.0.113.7")
    b = account("b", ip="203.0.113.7")
    found = pair(a, b)
    assert (found.level, found.weight) == (HIGH, 12.0)


def _terms_sum(finding) -> float:
    return round(sum(bits for _term, bits, _detail in finding.weight_terms), 1)


def test_each_findings_weight_terms_add_up_to_its_weight():
    company = dict(company_name="Zorbex Trading Ltd")
    found = audit([account("a", legal_representative="张伟", **company), account("b", legal_representative="张伟", **company),
                   account("c", legal_representative="张伟", **company), account("d", legal_representative="张伟", **company),
                   account("e", legal_representative="司徒嘉颖"), account("f", legal_representative="Situ Jiaying"),
                   account("g", legal_representative="Ada Quillfeather"), account("h", legal_representative="Ada Quilfeather")],
                  DEFAULT_RULES).pairs
    findings = {(p.accounts, f.facet): f for p in found for f in p.findings}
    name = findings[(("a", "b"), "legal_representative")]
    assert [t for t, _b, _d in name.weight_terms] == ["exact", "name", "accounts", "floor"]  # 9 - 9 - 1 + 1 = 0
    assert findings[(("a", "b"), "company_name")].weight_terms == (("exact", 12.0, None), ("accounts", -1.0, 4))
    pinyin = findings[(("e", "f"), "legal_representative")]
    assert pinyin.weight == 7.0 and ("pinyin", -2.0, None) in pinyin.weight_terms
    typo = findings[(("g", "h"), "legal_representative")]
    assert typo.match == "fuzzy" and typo.weight_terms == (("fuzzy", 7.0, None),)  # 9 - 2, a rare name
    for finding in findings.values():
        assert abs(_terms_sum(finding) - finding.weight) <= 0.1, finding.weight_terms
