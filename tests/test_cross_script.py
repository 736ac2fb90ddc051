"""Matching across scripts and fields (a Chinese seller's trial, issue 16): the company's legal
name meets the same name entered as a company name; Traditional and Simplified Chinese are one
script; a Chinese company's brand meets its pinyin or English name. Made-up companies only."""

from __future__ import annotations

import csv
import io
import json

from conftest import write_json

LEGAL_EN = "QINGLAN INTERNATIONAL TRADING (HONG KONG) LIMITED"


def _pairs(result) -> dict[frozenset, dict]:
    data = json.loads(result.stdout)
    return {frozenset(p["accounts"]): p for p in data["pairs"]}


# ----- 1. the legal name is a company name --------------------------------------------------------


def test_account_add_legal_name_meets_a_company_name_in_precheck(cli, store):
    assert cli("account", "add", "qinglan-us", "-m", "amazon.com", "--legal-name-en", LEGAL_EN).exit_code == 0
    assert cli("account", "add", "qinglan-jp", "-m", "amazon.co.jp", "--legal-name-en", LEGAL_EN.title()).exit_code == 0
    result = cli("precheck", "-m", "amazon.com", "--company-name", LEGAL_EN, "--format", "json")
    assert result.exit_code == 1, result.output
    pairs = _pairs(result)
    assert set(pairs) == {frozenset({"planned", "qinglan-us"}), frozenset({"planned", "qinglan-jp"})}
    assert [(f["facet"], f["match"]) for f in pairs[frozenset({"planned", "qinglan-us"})]["findings"]] == [
        ("company_name", "exact")]
    assert [(f["facet"], f["match"]) for f in pairs[frozenset({"planned", "qinglan-jp"})]["findings"]] == [
        ("company_name", "normalised")]
    # The two accounts meet each other in the audit through their legal names alone.
    audit = cli("audit", "--format", "json")
    assert [f["facet"] for f in _pairs(audit)[frozenset({"qinglan-us", "qinglan-jp"})]["findings"]] == ["company_name"]


def test_account_set_legal_name_is_kept_as_a_company_name_once(cli, store):
    assert cli("account", "add", "qinglan-de", "-m", "amazon.de").exit_code == 0
    assert cli("attr", "add", "qinglan-de", "company_name", "Qinglan International Trading (Hong Kong) Ltd").exit_code == 0
    assert cli("account", "set", "qinglan-de", "--legal-name-en", LEGAL_EN,
               "--legal-name-local", "青澜国际贸易(香港)有限公司").exit_code == 0
    shown = json.loads(cli("account", "show", "qinglan-de", "--reveal", "--format", "json").stdout)
    names = sorted(a["value"] for a in shown["attributes"] if a["kind"] == "company_name")
    # The English legal name normalises as the company name already held: not added twice.
    assert names == ["Qinglan International Trading (Hong Kong) Ltd", "青澜国际贸易(香港)有限公司"]


def test_import_legal_name_meets_a_planned_company_name_and_the_audit(cli, store, tmp_path):
    path = write_json(tmp_path / "stores.json", [
        {"account": "qinglan-uk", "marketplace": "amazon.co.uk", "legal_name_en": LEGAL_EN},
        {"account": "other-uk", "marketplace": "amazon.co.uk", "attributes": {"company_name": [LEGAL_EN.lower()]}},
    ])
    assert cli("import", path).exit_code == 0
    audit = _pairs(cli("audit", "--format", "json"))
    assert [f["facet"] for f in audit[frozenset({"qinglan-uk", "other-uk"})]["findings"]] == ["company_name"]
    # A planned profile whose legal name is the on-file company name: precheck finds both.
    planned = write_json(tmp_path / "planned.json", {"account": "qinglan-fr", "legal_name_en": LEGAL_EN})
    result = cli("precheck", planned, "--format", "json")
    assert result.exit_code == 1
    assert set(_pairs(result)) == {frozenset({"qinglan-fr", "qinglan-uk"}), frozenset({"qinglan-fr", "other-uk"})}


# ----- 2. Traditional and Simplified Chinese are one script --------------------------------------

import pytest  # noqa: E402

from conftest import PASSPHRASE, only_audit_pair, registry_account  # noqa: E402
from linkcheck.registry.kinds import parse_value  # noqa: E402


@pytest.mark.parametrize("kind, traditional, simplified", [
    ("company_name", "瀚嶺國際貿易(香港)有限公司", "瀚岭国际贸易(香港)有限公司"),
    ("company_name", "深圳市豐達電子商務有限公司", "深圳市丰达电子商务有限公司"),
    ("address", "香港九龍油麻地彌敦道520號華豐大廈12樓1203室", "香港九龙油麻地弥敦道520号华丰大厦12楼1203室"),
    ("legal_representative", "陳國樑", "陈国梁"),
    ("brand", "豐達", "丰达"),
])
def test_traditional_and_simplified_are_one_value(kind, traditional, simplified):
    a, b = parse_value(kind, traditional), parse_value(kind, simplified)
    assert a.normalized == b.normalized and a.keys == b.keys


def test_a_phrase_is_converted_as_a_phrase_and_other_scripts_are_left_alone():
    # 乾 stays 乾 in 乾坤 (not 干): OpenCC converts by phrase; Latin and kana are untouched.
    assert parse_value("company_name", "乾坤貿易有限公司").normalized == "乾坤 trading"
    assert parse_value("company_name", "株式会社さくら").normalized == "さくら"
    assert parse_value("company_name", "Harbour Lights Trading Ltd").normalized == "harbour lights trading"


def test_the_audit_links_a_traditional_and_a_simplified_company_name_at_the_exact_level():
    pair = only_audit_pair(registry_account("hk", company_name="瀚嶺國際貿易(香港)有限公司"),
                           registry_account("sz", company_name="瀚岭国际贸易(香港)有限公司"))
    assert [(f.facet, f.weight) for f in pair.findings] == [("company_name", 12.0)]


def test_a_store_keyed_before_simplification_is_rekeyed_by_export_and_import(cli, store, tmp_path):
    """A value entered under match keys version 3 keeps its Traditional key; the store says it
    is older, and the export and import the README gives keys it by today's rules."""
    from linkcheck import models
    from linkcheck.models import Account, Attribute, Profile
    from linkcheck.store import Store, manifest

    old_key = "company_name:瀚嶺internationaltradingxianggang"  # as version 3 keyed it
    with Store.open(store, PASSPHRASE, write=True) as st:
        st.put_profile(Profile(Account("hk-old", "amazon.com", "active"), (
            Attribute("company_name", "瀚嶺國際貿易(香港)有限公司", "瀚嶺 international trading xianggang",
                      (old_key,), "manual", 1_700_000_000, 1_700_000_000),)))
    with pytest.MonkeyPatch.context() as older:  # the store was last written by version 3
        older.setattr(manifest, "KEYS_VERSION", models.KEYS_VERSION - 1)
        assert cli("account", "add", "another").exit_code == 0
    planned = ("precheck", "--company-name", "瀚岭国际贸易(香港)有限公司", "--format", "json")
    before = cli(*planned)
    assert before.exit_code == 0, before.output
    assert json.loads(before.stdout)["pairs"] == []
    assert "older linkcheck" in before.stderr
    out = tmp_path / "all.json"
    assert cli("export", "--format", "json", "-o", out).exit_code == 0
    env = {"LINKCHECK_STORE": str(tmp_path / "fresh.db")}
    assert cli("init", env=env).exit_code == 0
    assert cli("import", out, env=env).exit_code == 0
    after = cli(*planned, env=env)
    assert after.exit_code == 1 and "older linkcheck" not in after.stderr
    assert set(_pairs(after)) == {frozenset({"planned", "hk-old"})}


# ----- 3. a Chinese company's brand in pinyin ------------------------------------------------------

PINYIN_NAMES = ("深圳市澜川科技有限公司", "Shenzhen Lanchuan Technology Co., Ltd.", "Shenzhen Lanchuan Keji Youxian Gongsi")


@pytest.mark.parametrize("name", PINYIN_NAMES)
def test_a_company_name_carries_its_brand_in_pinyin(name):
    keys = parse_value("company_name", name).keys
    assert "company_name:py lanchuan" in keys


def test_pinyin_legal_forms_and_trade_words_are_dropped_like_english_ones():
    assert parse_value("company_name", "Shenzhen Lanchuan Keji Youxian Gongsi").normalized == \
        parse_value("company_name", "Shenzhen Lanchuan Technology Co., Ltd.").normalized == "shenzhen lanchuan technology"
    assert parse_value("company_name", "Yiwu Lanchuan Dianzi Shangwu Youxian Zeren Gongsi").normalized == \
        "yiwu lanchuan electronics ecommerce"


@pytest.mark.parametrize("name", [
    "深圳市鑫科技有限公司",  # one syllable: shared by far too many brands
    "Acme Trading Co., Ltd.",  # not pinyin
    "深圳ACME贸易有限公司",  # a Latin brand in a Chinese name
    "Shenzhen Technology Co., Ltd.",  # no brand at all
])
def test_no_brand_pinyin_key_where_it_would_say_nothing(name):
    assert not any(k.startswith("company_name:py ") for k in parse_value("company_name", name).keys)


def test_a_supplier_gets_no_company_pinyin_key():
    assert parse_value("supplier", "深圳市澜川科技有限公司").keys == ("supplier:shenzhen澜川technology",)


@pytest.mark.parametrize("latin", PINYIN_NAMES[1:])
def test_the_audit_weighs_a_brand_met_through_pinyin_below_the_same_name(latin):
    pair = only_audit_pair(registry_account("cn", company_name=PINYIN_NAMES[0]),
                           registry_account("en", company_name=latin))
    (finding,) = pair.findings
    assert (finding.facet, finding.weight, finding.level.name) == ("company_name", 4.5, "MEDIUM")
    assert finding.weight_terms == (("exact", 12.0, None), ("brand_pinyin", -7.5, None))
    assert finding.reason.startswith("The same brand name read in pinyin")


def test_homophone_brands_in_characters_stay_two_companies():
    # 澜川 and 兰川 both read lanchuan: written in characters they are two brands.
    from linkcheck.linkage.engine import audit
    from linkcheck.linkage.rules import DEFAULT_RULES

    found = audit([registry_account("a", company_name="深圳市澜川科技有限公司"),
                   registry_account("b", company_name="深圳市兰川科技有限公司")], DEFAULT_RULES).pairs
    assert list(found) == []


def test_a_brand_in_pinyin_beside_the_same_address_is_high():
    address = "Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen"
    pair = only_audit_pair(registry_account("cn", company_name=PINYIN_NAMES[0], address=address),
                           registry_account("en", company_name=PINYIN_NAMES[1], address=address))
    assert pair.weight == 16.5 and pair.level.name == "HIGH"


def test_precheck_meets_a_chinese_company_by_its_pinyin_name(cli, store, tmp_path):
    path = write_json(tmp_path / "cn.json", [{"account": "lanchuan-us", "attributes": {"company_name": [PINYIN_NAMES[0]]}}])
    assert cli("import", path).exit_code == 0
    result = cli("precheck", "--company-name", PINYIN_NAMES[2], "--fail-on", "medium")
    assert result.exit_code == 1, result.output
    assert "4.5 = 12 - 7.5 (the same brand name read in pinyin)" in result.output
    pairs = _pairs(cli("precheck", "--company-name", PINYIN_NAMES[2], "--format", "json"))
    (finding,) = pairs[frozenset({"planned", "lanchuan-us"})]["findings"]
    assert finding["level"] == "medium" and finding["weight_terms"][1] == {"term": "brand_pinyin", "bits": -7.5}


# ----- 4. precheck shows what is shared as context -------------------------------------------------


def test_precheck_shows_a_common_name_shared_as_context_and_never_says_nothing_is_shared(cli, store, tmp_path):
    path = write_json(tmp_path / "reps.json", [
        {"account": "willow-us", "attributes": {"legal_representative": ["张伟"]}},
        {"account": "willow-uk", "attributes": {"legal_representative": ["張偉"]}},  # Traditional: the same name
        {"account": "other-de", "attributes": {"legal_representative": ["Odalys Brackwater"]}},
    ])
    assert cli("import", path).exit_code == 0
    result = cli("precheck", "--legal-representative", "张伟")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("CLEAR: planned shares no identifier that links it with the accounts on file; it shares only "
                        "values that never link by themselves, with willow-uk, willow-us (below).")
    assert "shares nothing" not in result.output
    assert "Shared, but never a link by itself (context, or a number one digit apart): it adds to anything else " \
           "the accounts share." in lines
    assert "planned — willow-us" in lines and "planned — willow-uk" in lines and "planned — other-de" not in lines
    row = next(line for line in lines if line.strip().startswith("legal_representative"))
    assert "low (context)" in row and "(a name about 1 in" in row
    data = json.loads(cli("precheck", "--legal-representative", "张伟", "--format", "json").stdout)
    assert data["pairs"] == [] and data["level"] is None
    assert [c["accounts"] for c in data["context"]] == [["planned", "willow-uk"], ["planned", "willow-us"]]
    assert all(f["context"] and f["facet"] == "legal_representative" for c in data["context"] for f in c["findings"])
    rows = list(csv.DictReader(io.StringIO(cli("precheck", "--legal-representative", "张伟", "--format", "csv").stdout)))
    assert [(r["account_a"], r["account_b"], r["pair_level"], r["pair_score"], r["kind"], r["level"]) for r in rows] == [
        ("planned", "willow-uk", "context", "", "legal_representative", "low (context)"),
        ("planned", "willow-us", "context", "", "legal_representative", "low (context)")]


def test_precheck_with_nothing_shared_still_says_so(cli, store, tmp_path):
    path = write_json(tmp_path / "one.json", [{"account": "willow-us", "attributes": {"legal_representative": ["张伟"]}}])
    assert cli("import", path).exit_code == 0
    result = cli("precheck", "--legal-representative", "Odalys Brackwater")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["CLEAR: planned shares nothing with the accounts on file."]
    assert json.loads(cli("precheck", "--legal-representative", "Odalys Brackwater", "--format", "json").stdout
                      )["context"] == []


def test_precheck_lists_context_beside_a_link(cli, store, tmp_path):
    path = write_json(tmp_path / "two.json", [
        {"account": "willow-us", "attributes": {"legal_representative": ["张伟"]}},
        {"account": "willow-uk", "attributes": {"email": ["ops@willow-goods.example"]}},
    ])
    assert cli("import", path).exit_code == 0
    result = cli("precheck", "--legal-representative", "张伟", "--email", "ops@willow-goods.example")
    assert result.exit_code == 1
    assert result.output.startswith("STOP: planned shares identifiers with willow-uk (strongest: critical)")
    assert "planned — willow-us" in result.output.splitlines()


# ----- 4b. a person's ID document number ----------------------------------------------------------


def test_an_id_number_is_normalised_and_a_bad_chinese_check_character_flagged_not_refused():
    good = parse_value("id_number", "110105 19491231 002x")
    assert (good.normalized, good.keys, good.flags) == ("11010519491231002X", ("id_number:11010519491231002X",),
                                                          ("country:CN",))
    bad = parse_value("id_number", "110105194912310021")  # the check character should be X
    assert bad.flags == ("country:CN", "bad-checksum") and bad.keys == ("id_number:110105194912310021",)
    assert parse_value("id_number", "e1234-5678").normalized == "E12345678"  # a passport: no check
    assert parse_value("id_number", "e1234-5678").flags == ()


@pytest.mark.parametrize("text", ["王建国", "ab", "12", "ABCDEFG", "1" * 21])
def test_what_is_no_id_number_is_refused_without_quoting_it(cli, store, text):
    assert cli("account", "add", "willow-us").exit_code == 0
    result = cli("attr", "add", "willow-us", "id_number", text)
    assert result.exit_code == 3
    assert "an ID document number is 5 to 20 letters and digits" in result.stderr
    assert text not in result.stderr


def test_a_shared_id_number_is_critical_masked_and_counted_once_with_the_name(cli, store, tmp_path):
    path = write_json(tmp_path / "ids.json", [
        {"account": "willow-us", "attributes": {"id_number": ["11010519491231002X"], "legal_representative": ["Odalys Brackwater"]}},
    ])
    assert cli("import", path).exit_code == 0
    sheet = tmp_path / "店铺.csv"  # a Chinese sheet's own column names
    sheet.write_text("店铺名称,身份证号,法定代表人\nwillow-uk,110105-19491231-002X,Odalys Brackwater\n", encoding="utf-8")
    imported = cli("import", sheet)
    assert imported.exit_code == 0, imported.output
    data = json.loads(cli("audit", "--format", "json").stdout)
    (pair,) = data["pairs"]
    assert pair["level"] == "critical" and pair["weight"] == 24.0  # the name adds nothing: one person
    finding = next(f for f in pair["findings"] if f["facet"] == "id_number")
    assert finding["values"] == {"willow-uk": "****002X", "willow-us": "****002X"}
    table = cli("audit").output
    assert "11010519491231002X" not in table and "****002X" in table
    shown = cli("account", "show", "willow-us").output
    assert "11010519491231002X" not in shown and "****002X" in shown
    result = cli("precheck", "--id-number", "110105194912310021")  # a typo: flagged, matches nothing
    assert result.exit_code == 0


def test_a_bad_checksum_id_number_is_shown_flagged(cli, store):
    assert cli("account", "add", "willow-us").exit_code == 0
    assert cli("attr", "add", "willow-us", "id_number", "110105194912310021").exit_code == 0
    shown = json.loads(cli("account", "show", "willow-us", "--format", "json").stdout)
    (attr,) = shown["attributes"]
    assert attr["kind"] == "id_number" and "bad-checksum" in attr["flags"] and attr["value"] == "****0021"


# ----- 5. a unified social credit code is both the tax and the registration number ----------------

USCC = "91440300MA5GPY7K39"  # valid check character (made-up company)


def test_a_uscc_entered_as_tax_id_meets_the_same_code_entered_as_registration_number(cli, store, tmp_path):
    path = write_json(tmp_path / "codes.json", [
        {"account": "lanchuan-us", "marketplace": "amazon.com", "attributes": {"tax_id": [USCC]}},
        {"account": "lanchuan-uk", "marketplace": "amazon.co.uk", "attributes": {"registration_number": [USCC]}},
    ])
    assert cli("import", path).exit_code == 0
    (pair,) = json.loads(cli("audit", "--format", "json").stdout)["pairs"]
    assert pair["level"] == "critical" and pair["weight"] == 24.0
    assert len(pair["findings"]) == 1  # one fact, not two rows
    planned = cli("precheck", "--tax-id", USCC, "--format", "json")
    assert planned.exit_code == 1
    assert set(_pairs(planned)) == {frozenset({"planned", "lanchuan-us"}), frozenset({"planned", "lanchuan-uk"})}


def test_a_uscc_with_a_wrong_check_character_is_read_as_chinese_and_flagged():
    parsed = parse_value("registration_number", "91440300-MA5GPY7K3X", region="amazon.com")
    assert parsed.normalized == "CN91440300MA5GPY7K3X"
    assert parsed.flags == ("country:CN", "bad-checksum")
    # One digit off a valid code (its check digit mistyped): the near level (never a pair alone).
    from linkcheck.linkage.engine import audit
    from linkcheck.linkage.rules import DEFAULT_RULES

    pairs = audit([registry_account("a", registration_number=USCC, legal_representative="Odalys Brackwater"),
                   registry_account("b", registration_number="91440300MA5GPY7K38",
                                    legal_representative="Odalys Brackwater")], DEFAULT_RULES).pairs
    (pair,) = pairs
    assert {(f.facet, f.match) for f in pair.findings} >= {("registration_number", "near")}


def test_other_18_character_numbers_are_not_taken_for_a_uscc():
    # Letters where the region code stands: no USCC shape, so not Chinese.
    parsed = parse_value("tax_id", "ABCD900101HDFRRL09")
    assert "country:CN" not in parsed.flags
    assert not any(k.startswith("registration_number:") for k in parsed.keys)


# --- a review's false links: characters OpenCC merges, English words that split into pinyin ------

def _exact(kind: str, text: str) -> set[str]:
    """A value's exact match keys (not the blocking keys, not the cross-script pinyin key)."""
    return {k for k in parse_value(kind, text).keys if not k.startswith("~") and ":py " not in k}


@pytest.mark.parametrize("kind, a, b", [
    ("company_name", "髮藝國際有限公司", "發藝國際有限公司"),   # hair art / prosper art: both 发艺 in Simplified
    ("legal_representative", "鍾偉明", "鐘偉明"),               # two surnames, both 钟 in Simplified
    ("legal_representative", "於美玲", "于美玲"),
    ("company_name", "薑記食品有限公司", "姜記食品有限公司"),   # ginger / the surname 姜
])
def test_traditional_characters_that_simplify_alike_stay_apart(kind, a, b):
    assert not _exact(kind, a) & _exact(kind, b)


@pytest.mark.parametrize("kind, a, b", [
    ("company_name", "發展貿易有限公司", "发展贸易有限公司"),   # 發 (the common one) still meets 发
    ("company_name", "匯豐發展有限公司", "汇丰发展有限公司"),
    ("company_name", "雲海貿易有限公司", "云海贸易有限公司"),
    ("address", "香港九龍旺角彌敦道688號", "香港九龙旺角弥敦道688号"),
])
def test_the_usual_traditional_forms_still_meet_the_simplified(kind, a, b):
    assert _exact(kind, a) & _exact(kind, b)


@pytest.mark.parametrize("latin", ["Panda Technology Inc.", "Nike Trading LLC", "Human Electronics LLC"])
def test_an_english_name_without_a_place_in_china_has_no_brand_in_pinyin(latin):
    assert not any(":py " in k for k in parse_value("company_name", latin).keys)


def test_a_romanised_chinese_name_keeps_its_brand_in_pinyin():
    latin = parse_value("company_name", "Shenzhen Pengyuan Technology Co., Ltd.").keys
    han = parse_value("company_name", "深圳市鹏远科技有限公司").keys
    assert "company_name:py pengyuan" in latin and "company_name:py pengyuan" in han
    assert "company_name:py hengtong" in parse_value("company_name", "HENGTONG INTERNATIONAL TRADING (HONG KONG) LIMITED").keys
