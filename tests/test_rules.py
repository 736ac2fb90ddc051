"""The rules table and the --rules file: defaults, overrides, and strict validation."""

from __future__ import annotations

import json

import pytest

from linkcheck.errors import EXIT_INPUT, InvalidInput
from linkcheck.models import Level
from linkcheck.linkage.rules import DEFAULT_RULES, FACETS, load_rules, parse_rules, rules_from_dict

EXPECTED_DEFAULT_LEVELS = {
    "tax_id": "critical",
    "registration_number": "critical",
    "id_number": "critical",
    "bank_account": "critical",
    "card": "critical",
    "payment_account": "critical",
    "email": "critical",
    "phone": "critical",
    "mac": "critical",
    "machine_id": "critical",
    "browser_fingerprint": "critical",
    "ip": "high",
    "gateway_mac": "high",
    "wifi_bssid": "high",
    "company_name": "high",
    "address": "high",
    "legal_representative": "medium",  # issue 16: a name alone is at most medium
    "ip_network": "medium",
    "email_domain": "medium",
    "hostname": "medium",
    "brand": "medium",
    "supplier": "medium",
    "logistics": "context",
    "category": "context",
    "browser_profile": "critical",
    "proxy": "high",
    "proxy_account": "high",
    "platform_login": "critical",
    "totp_secret": "critical",
    "cookie": "critical",
    "device_name": "medium",
}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults ---------------------------------------------------------------------------------


def test_the_table_covers_exactly_the_documented_facets():
    assert set(FACETS) == set(EXPECTED_DEFAULT_LEVELS)


@pytest.mark.parametrize("facet, label", sorted(EXPECTED_DEFAULT_LEVELS.items()))
def test_each_facet_has_its_documented_default_level(facet, label):
    assert DEFAULT_RULES.facet(facet).label == label


@pytest.mark.parametrize("facet", FACETS)
def test_each_facet_has_a_reason_in_english_and_chinese(facet):
    rule = DEFAULT_RULES.facet(facet)
    assert rule.reason.endswith(".") and len(rule.reason) > 20
    assert rule.reason_zh.endswith("。")


def test_logistics_and_category_are_low_and_context_only():
    for facet in ("logistics", "category"):
        rule = DEFAULT_RULES.facet(facet)
        assert rule.level == Level.LOW and rule.context


def test_bank_account_reason_says_one_payout_account_is_one_operator():
    assert DEFAULT_RULES.facet("bank_account").reason == (
        "Shared bank account: marketplaces treat one payout account as one operator."
    )


def test_fuzzy_defaults_are_medium_with_thresholds():
    assert {f: (r.threshold, r.level) for f, r in DEFAULT_RULES.fuzzy.items()} == {
        "company_name": (92, Level.MEDIUM),
        "address": (92, Level.MEDIUM),
        "legal_representative": (90, Level.MEDIUM),
    }


def test_combination_defaults():
    combine = DEFAULT_RULES.combine
    assert not hasattr(combine, "critical_after_high")  # the summed weight decides (issue 16)
    assert (combine.hub_size, combine.fuzzy_block_cap) == (50, 200)


def test_no_rules_file_means_the_defaults():
    assert load_rules(None) is DEFAULT_RULES


def test_a_facet_missing_from_the_table_counts_as_medium():
    rule = DEFAULT_RULES.facet("licence_plate")
    assert rule.level == Level.MEDIUM and not rule.context


def test_rules_are_frozen():
    with pytest.raises(AttributeError):
        DEFAULT_RULES.combine = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        DEFAULT_RULES.facets["ip"] = None  # type: ignore[index]


# --- overrides --------------------------------------------------------------------------------


def test_json_rules_file_overrides_levels_fuzzy_and_combine(tmp_path):
    path = write(tmp_path, "rules.json", json.dumps({
        "levels": {"ip_network": "low", "hostname": "high"},
        "combine": {"hub_size": 10},
        "fuzzy": {"company_name": 95},
    }))
    rules = load_rules(path)
    assert rules.facet("ip_network").level == Level.LOW
    assert rules.facet("hostname").level == Level.HIGH
    assert rules.fuzzy["company_name"].threshold == 95
    assert rules.combine.hub_size == 10
    assert rules.source == "rules.json"


def test_unnamed_entries_keep_their_defaults(tmp_path):
    rules = load_rules(write(tmp_path, "rules.json", '{"levels": {"hostname": "high"}}'))
    assert rules.facet("phone").level == Level.CRITICAL
    assert rules.fuzzy == DEFAULT_RULES.fuzzy
    assert rules.combine == DEFAULT_RULES.combine


def test_toml_rules_file_overrides_levels_fuzzy_and_combine(tmp_path):
    path = write(tmp_path, "rules.toml", """
[levels]
ip_network = "low"
hostname = "high"

[fuzzy]
company_name = 94
address = { threshold = 90, level = "high" }
legal_representative = "off"

[combine]
hub_size = 40
fuzzy_block_cap = 100
""")
    rules = load_rules(path)
    assert rules.facet("ip_network").level == Level.LOW
    assert rules.facet("hostname").level == Level.HIGH
    assert rules.fuzzy["company_name"].threshold == 94
    assert (rules.fuzzy["address"].threshold, rules.fuzzy["address"].level) == (90, Level.HIGH)
    assert rules.fuzzy["legal_representative"].threshold is None
    assert rules.combine.hub_size == 40 and rules.combine.fuzzy_block_cap == 100


def test_a_file_without_a_known_suffix_is_sniffed(tmp_path):
    assert load_rules(write(tmp_path, "rules", '{"levels": {"brand": "low"}}')).facet("brand").level == Level.LOW
    assert load_rules(write(tmp_path, "rules.cfg", '[levels]\nbrand = "high"\n')).facet("brand").level == Level.HIGH


def test_a_facet_can_be_switched_off():
    rules = rules_from_dict({"levels": {"hostname": "off"}})
    assert rules.facet("hostname").level is None and rules.facet("hostname").label == "off"


def test_a_facet_can_be_made_context_only():
    rule = rules_from_dict({"levels": {"supplier": "context"}}).facet("supplier")
    assert rule.level == Level.LOW and rule.context


def test_a_context_facet_given_a_level_links_like_any_other():
    rule = rules_from_dict({"levels": {"logistics": "medium"}}).facet("logistics")
    assert rule.level == Level.MEDIUM and not rule.context


def test_levels_are_case_insensitive():
    assert rules_from_dict({"levels": {"brand": " High "}}).facet("brand").level == Level.HIGH


def test_as_dict_loads_back_to_the_same_rules():
    custom = rules_from_dict({"levels": {"hostname": "off", "brand": "context"},
                              "fuzzy": {"address": "off"}})
    again = rules_from_dict(json.loads(json.dumps(custom.as_dict())))
    assert again.facets == custom.facets
    assert again.fuzzy == custom.fuzzy
    assert again.combine == custom.combine


# --- strict validation ------------------------------------------------------------------------


@pytest.mark.parametrize("document, named", [
    ({"levels": {"hostnme": "high"}}, "levels.hostnme"),
    ({"levels": {"hostname": "severe"}}, "levels.hostname"),
    ({"levels": {"hostname": 3}}, "levels.hostname"),
    ({"levels": ["hostname"]}, "levels"),
    ({"level": {"hostname": "high"}}, "level"),
    ({"fuzzy": {"brand": 90}}, "fuzzy.brand"),
    ({"fuzzy": {"company_name": 30}}, "fuzzy.company_name"),
    ({"fuzzy": {"company_name": 101}}, "fuzzy.company_name"),
    ({"fuzzy": {"company_name": True}}, "fuzzy.company_name"),
    ({"fuzzy": {"company_name": {"treshold": 90}}}, "fuzzy.company_name"),
    ({"fuzzy": {"address": {"level": "huge"}}}, "fuzzy.address"),
    ({"combine": {"hub_size": 1}}, "combine.hub_size"),
    ({"combine": {"hub_size": "50"}}, "combine.hub_size"),
    ({"combine": {"critical_after_high": 2.5}}, "combine.critical_after_high"),
    ({"combine": {"pairs_cap": 10}}, "combine.pairs_cap"),
    (["levels"], "top level"),
])
def test_invalid_entries_are_refused_naming_the_entry(document, named):
    with pytest.raises(InvalidInput) as caught:
        rules_from_dict(document, name="mine.json")
    assert f"mine.json: {named}:" in caught.value.message
    assert caught.value.exit_code == EXIT_INPUT == 3


def test_unknown_facet_message_lists_the_known_facets():
    with pytest.raises(InvalidInput, match="known facets: tax_id, "):
        rules_from_dict({"levels": {"hostnme": "high"}})


def test_invalid_json_file_is_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match=r"rules\.json: .*not valid JSON"):
        load_rules(write(tmp_path, "rules.json", '{"levels": {"hostname": "high",}}'))


def test_invalid_toml_file_is_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match=r"rules\.toml: .*not valid TOML"):
        load_rules(write(tmp_path, "rules.toml", "[levels\nhostname = high\n"))


def test_invalid_entry_in_a_toml_file_is_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match=r"rules\.toml: levels\.wifi: unknown facet"):
        load_rules(write(tmp_path, "rules.toml", '[levels]\nwifi = "high"\n'))


def test_missing_rules_file_is_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match="nowhere.toml: cannot read it"):
        load_rules(tmp_path / "nowhere.toml")


def test_parse_rules_reads_toml_text():
    assert parse_rules('[combine]\nhub_size = 7\n', toml=True).combine.hub_size == 7
