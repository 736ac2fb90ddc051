"""What an agency's team trial (session 10, /work/notes/trial10.md items 7 and 11) found in the
data Chinese staff type: a district written without 区, a wallet opened with a phone number, the
full-width ； between two values, a note after a phone number, a Chinese mobile on a UK store."""

from __future__ import annotations

import json

import pytest


def _import_csv(cli, tmp_path, text: str, *args: str):
    path = tmp_path / "stores.csv"
    path.write_text(text, encoding="utf-8")
    return cli("import", path, *args)


def _pairs(cli) -> dict[frozenset, dict]:
    data = json.loads(cli("audit", "--format", "json", "--min-level", "low").stdout)
    return {frozenset(p["accounts"]): p for p in data["pairs"]}


def test_an_address_without_its_district_suffix_meets_the_full_one(cli, store, tmp_path):
    result = _import_csv(cli, tmp_path, "account,address\n"
                         "yunfan-us,广东省深圳市南山区科技园路1号\n"
                         "edge-c,深圳南山科技园路1号\n")
    assert result.exit_code == 0, result.output
    (finding,) = _pairs(cli)[frozenset({"yunfan-us", "edge-c"})]["findings"]
    assert (finding["kind"], finding["match"], finding["level"]) == ("address", "normalised", "high")


def test_an_address_without_its_town_and_district_words_meets_the_full_one(cli, store, tmp_path):
    result = _import_csv(cli, tmp_path, "account,address\n"
                         "meidi-us,广东省佛山市顺德区北滘镇美的大道6号\n"
                         "beijiao-c,佛山顺德北滘美的大道6号\n")
    assert result.exit_code == 0, result.output
    (finding,) = _pairs(cli)[frozenset({"meidi-us", "beijiao-c"})]["findings"]
    assert (finding["kind"], finding["match"], finding["level"]) == ("address", "normalised", "high")


def test_an_address_without_its_subdistrict_meets_the_full_one_room_and_all(cli, store, tmp_path):
    result = _import_csv(cli, tmp_path, "account,address\n"
                         "xinghe-us,广东省深圳市南山区粤海街道科技园路1号A座1201室\n"
                         "planned-c,广东省深圳市南山区科技园路1号A座1201室\n")
    assert result.exit_code == 0, result.output
    (finding,) = _pairs(cli)[frozenset({"xinghe-us", "planned-c"})]["findings"]
    assert (finding["kind"], finding["match"], finding["level"]) == ("address", "normalised", "high")


def test_a_wallet_given_by_its_phone_number_meets_that_phone(cli, store, tmp_path):
    result = _import_csv(cli, tmp_path, "account,phone\nyunfan-us,+86 138 0013 8001\n")
    assert result.exit_code == 0, result.output
    found = cli("precheck", "--payment-account", "支付宝：13800138001", "--format", "json")
    assert found.exit_code == 1, found.output
    (pair,) = json.loads(found.stdout)["pairs"]
    assert pair["accounts"] == ["planned", "yunfan-us"] and pair["level"] == "critical"
    assert {(f["kind"], f["facet"]) for f in pair["findings"]} == {("payment_account", "phone")}


def test_two_emails_in_one_cell_split_by_a_full_width_semicolon(cli, store, tmp_path):
    result = _import_csv(cli, tmp_path, "account,email\nmingda-us,ops@mingda.example；mingda.us@example.com\n")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("account", "show", "mingda-us", "--reveal", "--format", "json").stdout)
    emails = sorted(v["value"] for v in shown["attributes"] if v["kind"] == "email")
    assert emails == ["mingda.us@example.com", "ops@mingda.example"]
    # The round trip keeps a value that holds the full-width semicolon itself whole.
    assert cli("attr", "add", "mingda-us", "category", "宠物用品；猫砂").exit_code == 0
    out = tmp_path / "all.csv"
    assert cli("export", "-o", out, "--format", "csv").exit_code == 0
    assert "宠物用品\\；猫砂" in out.read_text(encoding="utf-8")


def test_a_phone_with_a_note_after_it_and_a_chinese_mobile_on_a_uk_store(cli, store, tmp_path):
    result = _import_csv(cli, tmp_path, "account,marketplace,phone\n"
                         "qingfeng-us,amazon.com,+86 138 0013 8101（微信同号）\n"
                         "qingfeng-uk,amazon.co.uk,138 0013 8102\n", "--skip-invalid")
    assert result.exit_code == 0, result.output  # the bad row skipped, as --skip-invalid says
    assert ("not a valid GB phone number, but a Chinese mobile number's shape: write it as +86 and the number if "
            "that is what it is, or give --region CN where every number without a country code is Chinese") \
        in result.output
    found = cli("precheck", "--phone", "+86 138 0013 8101", "--format", "json")
    (pair,) = json.loads(found.stdout)["pairs"]
    assert pair["accounts"] == ["planned", "qingfeng-us"] and pair["level"] == "critical"


def test_a_long_chain_to_a_suspended_account_is_shown_short_and_kept_whole_in_json(cli, store, tmp_path):
    # s0 suspended; s0-s1, s1-s2, ... s8-s9 each share one phone: s9 is at risk through 9 links.
    rows = ["account,status,phone"] + [
        f"s{i},{'suspended' if i == 0 else 'active'},+1 201 555 01{i:02d};+1 201 555 01{i + 1:02d}" for i in range(10)]
    result = _import_csv(cli, tmp_path, "\n".join(rows) + "\n")
    assert result.exit_code == 0, result.output
    data = json.loads(cli("audit", "--format", "json").stdout)
    (far,) = [r for r in data["at_risk"] if r["account"] == "s9"]
    assert len(far["chain"]) == 9
    table = cli("audit").stdout
    (line,) = [line for line in table.splitlines() if line.strip().startswith("s9  because of")]
    assert "… 6 more link(s) …" in line and line.count("–phone→") == 3, line
    (near,) = [line for line in table.splitlines() if line.strip().startswith("s4  because of")]
    assert near.count("–phone→") == 4 and "more link" not in near  # four links: shown whole
    page = tmp_path / "page.html"
    assert cli("report", "-o", page).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert html.count('<span class="more-links">… 6 more link(s) …</span>') == 1
    zh = cli("audit", env={"LINKCHECK_LANG": "zh"}).stdout
    assert "……中间还有 6 个关联……" in zh


@pytest.mark.parametrize("args", [("account", "list"), ("init", "--member", "dana"), ("store", "--counts")])
def test_without_the_postgresql_driver_the_error_says_what_to_install(cli, tmp_path, monkeypatch, args):
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` raises ImportError
    result = cli(*args, env={"LINKCHECK_STORE": "postgresql://lc@db.example.com/agency"})
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        "linkcheck: error: a team store needs the PostgreSQL driver: python -m pip install 'psycopg[binary]>=3.2' "
        "(the team extra linkcheck's folder installs as '.[team]')")


def test_two_emails_joined_by_a_comma_or_a_slash_say_how_to_separate_values(cli, store, tmp_path):
    result = _import_csv(cli, tmp_path, "account,email\n"
                         "a-us,ops@a.example，a.us@example.com\n"
                         "b-us,ops@b.example、b.us@example.com\n"
                         "c-us,ops@c.example / c.us@example.com\n", "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert result.output.count("two or more email addresses in one value: separate the values in one cell with ; "
                               "(or the full-width ；)") == 3
    # Only two whole addresses get the hint: a stray second @ is still just not an address.
    from linkcheck.errors import InvalidValue
    from linkcheck.registry.kinds import parse_value

    with pytest.raises(InvalidValue) as caught:
        parse_value("email", "ops@@a.example/")
    assert caught.value.reason == "not an email address"


def test_a_value_retired_as_account_show_reveals_it_even_when_the_store_s_region_cannot_read_it(cli, store, tmp_path):
    """A Chinese mobile imported under --region CN onto a US store is shown as entered; pasting that
    into `attr retire` (read in the US by default) retires it instead of failing."""
    result = _import_csv(cli, tmp_path, "account,marketplace,phone\nqingfeng-us,amazon.com,13800138002\n",
                         "--region", "CN")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("account", "show", "qingfeng-us", "--reveal", "--format", "json").stdout)
    (phone,) = [a["value"] for a in shown["attributes"] if a["kind"] == "phone"]
    assert phone == "13800138002"
    retired = cli("attr", "retire", "qingfeng-us", "phone", phone)
    assert retired.exit_code == 0, retired.output
    # Something never on file is still refused with the reason it cannot be read.
    other = cli("attr", "retire", "qingfeng-us", "phone", "13800138009")
    assert other.exit_code == 3 and "Chinese mobile number's shape" in other.output


def test_a_shared_legal_representative_name_is_called_a_name_not_one_person(cli, store, tmp_path):
    # Two people can bear one name (an account-opening service's trial: two 周秀兰 with two ID
    # numbers were "the same person"): the reason says what is shared, a name.
    result = _import_csv(cli, tmp_path, "account,legal_representative\nkh003,Quillfeather Zebulon\n"
                         "kh246,Quillfeather Zebulon\n")
    assert result.exit_code == 0, result.output
    (finding,) = _pairs(cli)[frozenset({"kh003", "kh246"})]["findings"]
    assert finding["reason"].startswith("Same legal representative name: possibly one person")
    zh = cli("audit", env={"LINKCHECK_LANG": "zh"}).output
    assert "法定代表人同名：可能是同一个人" in zh and "同一个人是这些企业的负责人。" not in zh
