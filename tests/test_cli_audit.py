"""`audit` and `precheck` on the shipped example profiles, as a user runs them."""

from __future__ import annotations

import json

import pytest

from conftest import write_json


def _audit(cli, *args) -> tuple[int, dict]:
    result = cli("audit", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def _pair(data: dict, a: str, b: str) -> dict:
    wanted = sorted([a, b])
    for pair in data["pairs"]:
        if pair["accounts"] == wanted:
            return pair
    raise AssertionError(f"no pair {wanted} in audit")


def test_audit_json_has_the_documented_shape(cli, demo_store):
    code, data = _audit(cli)
    assert code == 1
    assert set(data) >= {"pairs", "clusters", "at_risk"}
    pair = data["pairs"][0]
    assert set(pair) >= {"accounts", "level", "score", "findings"}
    assert pair["accounts"] == sorted(pair["accounts"])
    finding = pair["findings"][0]
    assert set(finding) >= {"kind", "match", "level", "values", "reason"}
    assert set(finding["values"]) == set(pair["accounts"])


def test_audit_links_mac_and_company_written_differently(cli, demo_store):
    _, data = _audit(cli)
    pair = _pair(data, "acme-us", "acme-de")
    assert pair["level"] == "critical"
    by_kind = {f["kind"]: f for f in pair["findings"]}
    assert by_kind["mac"]["match"] == "normalised"
    assert by_kind["mac"]["values"]["acme-us"] == "3c:22:fb:**:**:56"
    assert "company_name" in by_kind


def test_audit_links_gmail_spellings_and_phone_spellings(cli, demo_store):
    _, data = _audit(cli)
    emails = [f for f in _pair(data, "brightway-uk", "brightway-ca")["findings"] if f["facet"] == "email"]
    assert emails and emails[0]["level"] == "critical"
    phones = [f for f in _pair(data, "brightway-ca", "pine-mx")["findings"] if f["kind"] == "phone"]
    assert phones and phones[0]["level"] == "critical"


def test_audit_cluster_chains_three_accounts(cli, demo_store):
    _, data = _audit(cli)
    clusters = [c for c in data["clusters"] if "pine-mx" in c["accounts"]]
    assert clusters and clusters[0]["accounts"] == ["brightway-ca", "brightway-uk", "pine-mx"]
    assert len(clusters[0]["chain"]) == 2


def test_audit_marks_accounts_at_risk_from_the_suspended_one(cli, demo_store):
    _, data = _audit(cli)
    risks = {r["account"]: r for r in data["at_risk"]}
    assert risks["acme-us"]["because_of"] == "acme-de"
    assert "acme-de" not in risks
    assert "lotus-jp" not in risks


def test_audit_independent_accounts_are_not_paired(cli, demo_store):
    _, data = _audit(cli)
    paired = {tuple(p["accounts"]) for p in data["pairs"]}
    assert ("lotus-jp", "nordic-de") not in paired


def test_audit_masks_values_unless_revealed(cli, demo_store):
    masked = cli("audit").output
    assert "jdoe@gmail.com" not in masked
    revealed = cli("audit", "--reveal").output
    assert "jdoe@gmail.com" in revealed


def test_audit_table_shows_pairs_clusters_and_risk(cli, demo_store):
    result = cli("audit")
    assert result.exit_code == 1
    assert "Linked pairs" in result.output
    assert "Clusters of linked accounts" in result.output
    assert "at risk" in result.output


def test_audit_fail_on_critical_still_fails_with_critical_pairs(cli, demo_store):
    assert cli("audit", "--fail-on", "critical").exit_code == 1


def test_audit_exit_0_when_nothing_reaches_fail_on(cli, store, tmp_path):
    write_json(tmp_path / "a.json", [
        {"account": "a", "attributes": {"ip": ["203.0.113.5"]}},
        {"account": "b", "attributes": {"ip": ["203.0.113.6"]}},
    ])
    cli("import", tmp_path / "a.json")
    code, data = _audit(cli)
    assert data["pairs"][0]["level"] == "medium"
    assert code == 0


def test_fail_unexplained_stays_quiet_about_explained_links_only(cli, store, tmp_path):
    write_json(tmp_path / "a.json", [
        {"account": "a", "attributes": {"phone": ["+1 415 555 0142"], "email": ["ops@a-shop.example"]}},
        {"account": "b", "attributes": {"phone": ["+1 415 555 0142"], "email": ["ops@b-shop.example"]}},
    ])
    cli("import", tmp_path / "a.json")
    assert cli("audit", "--fail-unexplained").exit_code == 1  # nothing explained yet
    assert cli("explain", "a", "b", "phone", "--note", "One switchboard for both brands of our group").exit_code == 0
    assert cli("audit").exit_code == 1  # the pair is still linked ...
    assert cli("audit", "--fail-unexplained").exit_code == 0  # ... but everything linking it is explained
    write_json(tmp_path / "b.json", [{"account": "b", "attributes": {"email": ["ops@a-shop.example"]}}])
    cli("import", tmp_path / "b.json")
    assert cli("audit", "--fail-unexplained").exit_code == 1  # a new, unexplained link

def test_the_table_says_why_each_pair_is_linked_in_the_interface_language(cli, demo_store):
    lines = cli("audit").stdout.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("CRITICAL  acme-de — acme-us"))
    assert lines[heading + 1] == "    why: Shared network adapter (MAC address): the accounts were used from the same computer."
    zh = cli("audit", env={"LINKCHECK_LANG": "zh"}).stdout.splitlines()
    heading = next(i for i, line in enumerate(zh) if "acme-de — acme-us" in line)
    assert zh[heading + 1] == "    原因：共用网卡 MAC 地址：这些账户在同一台电脑上使用过。"

def test_audit_min_level_filters_pairs(cli, demo_store):
    _, data = _audit(cli, "--min-level", "critical")
    assert data["pairs"] and all(p["level"] == "critical" for p in data["pairs"])


def test_audit_account_filter(cli, demo_store):
    _, data = _audit(cli, "--account", "pine-mx")
    assert data["pairs"] and all("pine-mx" in p["accounts"] for p in data["pairs"])


def test_audit_unknown_account_is_usage_error(cli, demo_store):
    assert cli("audit", "--account", "nobody").exit_code == 2


def test_audit_csv_one_row_per_finding(cli, demo_store):
    result = cli("audit", "--format", "csv")
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("account_a,account_b,pair_level")
    assert len(lines) > 5


def test_audit_rules_override_changes_levels(cli, demo_store, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"levels": {"ip_network": "high"}}))
    _, data = _audit(cli, "--rules", rules)
    assert _pair(data, "harbor-au", "cedar-us")["level"] == "high"


def test_audit_invalid_rules_exit_3(cli, demo_store, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"levels": {"ip_network": "enormous"}}))
    assert cli("audit", "--rules", rules).exit_code == 3


def test_precheck_options_find_a_collision(cli, demo_store):
    result = cli("precheck", "--email", "JDoe@googlemail.com", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    others = {name for p in data["pairs"] for name in p["accounts"]} - {"planned"}
    assert others == {"brightway-uk", "brightway-ca"}


def test_precheck_clear_planned_account_exits_0(cli, demo_store):
    result = cli("precheck", "--email", "new@fresh-brand.example", "--phone", "+44 20 7946 0999")
    assert result.exit_code == 0, result.output
    assert "CLEAR" in result.output


def test_precheck_file_with_fuzzy_company(cli, demo_store, tmp_path):
    planned = write_json(
        tmp_path / "planned.json",
        {"account": "acme-fr", "marketplace": "amazon.fr", "attributes": {"company_name": ["Shenzhen Acmee Trading Co Ltd"]}},
    )
    result = cli("precheck", planned, "--format", "json", "--fail-on", "medium")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    matches = {f["match"] for p in data["pairs"] for f in p["findings"]}
    assert "fuzzy" in matches


def test_precheck_writes_nothing(cli, demo_store):
    before = demo_store.read_bytes()
    cli("precheck", "--email", "ops@acme-trading.example")
    assert demo_store.read_bytes() == before


def test_precheck_invalid_value_exits_3(cli, demo_store):
    result = cli("precheck", "--email", "nope")
    assert result.exit_code == 3


def test_precheck_needs_input(cli, demo_store):
    assert cli("precheck").exit_code == 2


def test_precheck_phone_without_country_uses_marketplace(cli, demo_store):
    result = cli("precheck", "-m", "amazon.com", "--phone", "(201) 555-0123")
    assert result.exit_code == 1
    assert "willow-us" in result.output


ADDRESS_ON_FILE = "Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen"


def _address_store(cli, tmp_path, address=ADDRESS_ON_FILE):
    write_json(tmp_path / "a.json", {"account": "shop-a", "attributes": {"address": [address]}})
    assert cli("import", tmp_path / "a.json").exit_code == 0


def test_precheck_links_an_address_written_less_completely(cli, store, tmp_path):
    _address_store(cli, tmp_path)
    for spelling in (
        "Room 1203, 88 Keyuan Road, Nanshan, Shenzhen",
        "Rm 1203, 88 Keyuan Rd, Nanshan Dist., Shenzhen, Guangdong 518057",
    ):
        result = cli("precheck", "--address", spelling, "--format", "json", "--fail-on", "medium")
        assert result.exit_code == 1, spelling
        assert "shop-a" in result.stdout


def test_precheck_links_a_chinese_address_without_its_province(cli, store, tmp_path):
    _address_store(cli, tmp_path, "广东省深圳市南山区科苑路88号12楼1203室")
    result = cli("precheck", "--address", "深圳市南山区科苑路88号12楼1203室", "--fail-on", "medium")
    assert result.exit_code == 1


def test_precheck_keeps_another_room_or_building_apart(cli, store, tmp_path):
    _address_store(cli, tmp_path)
    for other in (
        "Room 1208, 88 Keyuan Road, Nanshan District, Shenzhen",
        "Building B, Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen",
        "Room 1203, 88 Keyuan Road, Futian District, Guangzhou",
    ):
        result = cli("precheck", "--address", other, "--fail-on", "low")
        assert result.exit_code == 0, (other, result.output)


def test_precheck_verdict_line_in_chinese_names_the_verdict_and_level_in_chinese(cli, demo_store):
    stop = cli("precheck", "--email", "JDoe@googlemail.com", env={"LINKCHECK_LANG": "zh"})
    assert stop.exit_code == 1
    first = stop.stdout.splitlines()[0]
    assert first.startswith("不要注册（STOP）：计划账户 与 ") and first.endswith("（最强：严重）"), first
    # Another mailbox of a company's own domain: medium, below the default --fail-on high.
    caution = cli("precheck", "--email", "sales@cedarlane.example", env={"LINKCHECK_LANG": "zh"})
    assert caution.exit_code == 0, caution.output
    line = caution.stdout.splitlines()[0]
    assert line.startswith("注意（CAUTION）：计划账户 与 ") and line.endswith("（最强：中）"), line
    english = cli("precheck", "--email", "JDoe@googlemail.com")
    assert english.stdout.splitlines()[0].startswith("STOP: planned shares identifiers with ")


def test_precheck_options_errors_name_the_value_not_an_origin(cli, store):
    # Values given as options have no file to name: the problem is said as it is.
    result = cli("precheck", "-m", "amazon.com", "--email", "nope")
    assert result.exit_code == 3
    assert "error: email 'nope': not an email address" in result.output
    assert "the options" not in result.output
    zh = cli("precheck", "-m", "amazon.com", "--email", "nope", "--phone", "12345", env={"LINKCHECK_LANG": "zh"})
    assert zh.exit_code == 3 and "the options" not in zh.output and "；" in zh.output


def test_a_cluster_says_its_level_is_its_weakest_link_and_names_the_strongest(cli, store, tmp_path):
    write_json(tmp_path / "c.json", [
        {"account": "xa", "attributes": {"email": ["owner@example.com"]}},
        {"account": "xb", "attributes": {"email": ["owner@example.com"], "proxy": ["http://u@198.51.100.7:8000"]}},
        {"account": "xc", "attributes": {"proxy": ["http://u@198.51.100.7:8000"]}},
        {"account": "xd", "attributes": {"email": ["other@example.com"]}},
        {"account": "xe", "attributes": {"email": ["other@example.com"]}},
    ])
    assert cli("import", tmp_path / "c.json").exit_code == 0
    lines = cli("audit").output.splitlines()
    assert "  1. xd, xe: joined by links at critical" in lines
    assert "  2. xa, xb, xc: joined by links at high or above (strongest link: critical)" in lines
    _, data = _audit(cli)
    assert [(c["accounts"], c["level"]) for c in data["clusters"]] == [(["xd", "xe"], "critical"), (["xa", "xb", "xc"], "high")]


def test_chinese_names_and_addresses_are_masked_as_written_not_in_their_english_reading(cli, store, tmp_path):
    write_json(tmp_path / "zh.json", [
        {"account": "xing-us", "attributes": {"company_name": ["深圳市星辰贸易有限公司"],
                                              "address": ["广东省深圳市南山区科技园路1号1203室"]}},
        {"account": "xing-de", "attributes": {"company_name": ["深圳市星辰贸易有限公司"],
                                              "address": ["深圳市南山区科技园路1号1203"]}},
    ])
    assert cli("import", tmp_path / "zh.json").exit_code == 0
    out = cli("audit").output
    assert "深圳市星*贸易有限公司" in out and "shenzhen" not in out and "星辰" not in out
    assert "广东省深圳市南山区科技园路*号*室" in out and "1203" not in out  # one address, as each wrote it
    assert "深圳市南山区科技园路*号*" in out
    shown = cli("account", "show", "xing-us").output
    assert "深圳市星*贸易有限公司" in shown and "guangdong" not in shown
    pairs = json.loads(cli("audit", "--format", "json").output)["pairs"]
    company = next(f for f in pairs[0]["findings"] if f["kind"] == "company_name")
    assert company["values"] == {"xing-de": "深圳市星*贸易有限公司", "xing-us": "深圳市星*贸易有限公司"}


def test_pair_headings_line_up_by_display_width_in_chinese(cli, demo_store):
    from wcwidth import wcswidth

    out = cli("audit", env={"LINKCHECK_LANG": "zh"}).output
    headings = [line for line in out.splitlines() if " — " in line and "得分" in line]
    assert headings and all(wcswidth(line[: line.index(" — ")].rsplit(" ", 1)[0]) == 9 for line in headings), headings
    english = cli("audit").output
    assert "CRITICAL  acme-de — acme-us  (score 1.00" in english


@pytest.mark.parametrize("raw, shown", [
    ("深圳市金路达贸易有限公司", "深圳市金**贸易有限公司"),          # 路 inside a name is the name's
    ("广东省深圳市南山区楼村街88号", "广东省深圳市南山区楼***号"),      # one-character words do not split it
    ("深圳市星\u200b光贸易有限公司", "深圳市星*贸易有限公司"),          # nor a zero-width space
    ("深圳市\u202e星光贸易有限公司", "深圳市星*贸易有限公司"),          # a bidi override is dropped
    ("深圳市\u2fa6\u2f2d\u2f24\u2f1a星光贸易有限公司", "深圳市金*****贸易有限公司"),  # Kangxi radicals read as characters
    ("杭州阿里巴巴网络技术有限公司", "杭州阿***网络技术有限公司"),     # a place name inside a name is the name's
    ("浙江杭州星辰", "浙江杭州星*"),                                  # a city after its province is a place
    ("星辰（深圳）贸易有限公司", "星*(深圳)贸易有限公司"),
])
def test_chinese_masks_show_one_distinctive_character_whatever_splits_the_name(raw, shown):
    from linkcheck.registry import kinds

    assert kinds.mask("company_name", "x", raw) == shown
