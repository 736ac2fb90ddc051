"""Forgiving imports (issue 19): spreadsheet headers in any case and in Chinese, a "did you mean"
for unknown columns, numbers Excel wrote in scientific notation, unknown marketplaces."""

from __future__ import annotations

import json

import pytest

from linkcheck.registry.columns import column_name, column_suggestion


def _write(tmp_path, text, name="stores.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def _export(cli, tmp_path):
    out = tmp_path / "out.json"
    result = cli("export", "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    return {p["account"]: p for p in data}


def test_chinese_headers_import(cli, store, tmp_path):
    path = _write(
        tmp_path,
        "店铺名称,站点,状态,备注,邮箱,手机号,公司名称,法定代表人,IP地址,统一社会信用代码,品牌\n"
        "acme-us,amazon.com,active,主店铺,ops@acme.example,+86 138 0013 8000,Acme Trading Co.,Li Wei,"
        "203.0.113.7,91440300MA5F0ACME1,AcmeHome\n",
        encoding="utf-8-sig",
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    profile = _export(cli, tmp_path)["acme-us"]
    assert profile["marketplace"] == "amazon.com"
    assert profile["note"] == "主店铺"
    kinds = {k for k in profile["attributes"]}
    assert kinds == {"email", "phone", "company_name", "legal_representative", "ip", "registration_number", "brand"}


def test_chinese_status_words_import(cli, store, tmp_path):
    # A Chinese seller writes the status in Chinese too, in the interface's own words or the trade's.
    path = _write(
        tmp_path,
        "店铺名称,站点,状态,邮箱\n"
        "shop-a,amazon.com,正常,a@shop-a.example\nshop-b,amazon.com,已停用,b@shop-b.example\n"
        "shop-c,amazon.com,封号,c@shop-c.example\nshop-d,amazon.com,已关闭,d@shop-d.example\n"
        "shop-e,amazon.com,计划中,e@shop-e.example\nshop-g,amazon.com,Deactivated,g@shop-g.example\n",
        encoding="utf-8",
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    statuses = {name: p["status"] for name, p in _export(cli, tmp_path).items()}
    assert statuses == {"shop-a": "active", "shop-b": "suspended", "shop-c": "suspended", "shop-d": "closed",
                        "shop-e": "planned", "shop-g": "suspended"}
    bad = _write(tmp_path, "店铺名称,状态\nshop-f,暂停\n", encoding="utf-8")
    refused = cli("import", bad, env={"LINKCHECK_LANG": "zh"})
    assert refused.exit_code == 3 and "也可以写 正常、已停用、已关闭、计划中" in refused.output


def test_mixed_case_english_headers_with_spaces_and_full_width(cli, store, tmp_path):
    path = _write(
        tmp_path,
        " Account , MarketPlace,STATUS,E-Mail,Phone Number,Legal_Rep,ＩＰ Address,Credit Card\n"
        "acme-de,amazon.de,Suspended,ops@acme.example,+49 30 1234567,Jan Beispiel,198.51.100.4,"
        "4111 1111 1111 1111\n",
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    profile = _export(cli, tmp_path)["acme-de"]
    assert profile["status"] == "suspended"
    assert set(profile["attributes"]) == {"email", "phone", "legal_representative", "ip", "card"}


@pytest.mark.parametrize(
    "header, name",
    [("账号", "account"), ("平台", "marketplace"), ("电子邮件", "email"), ("联系电话", "phone"),
     ("企业名称", "company_name"), ("法人", "legal_representative"), ("公司地址", "address"),
     ("银行账号", "bank_account"), ("信用卡号", "card"), ("税号", "tax_id"), ("纳税人识别号", "tax_id"),
     ("MAC地址", "mac"), ("网卡地址", "mac"), ("供应商", "supplier"), ("物流", "logistics"), ("类目", "category"),
     ("VAT", "tax_id"), ("bank account", "bank_account"), ("company", "company_name"), ("e_mail", "email")],
)
def test_aliases(header, name):
    assert column_name(header) == name


def test_unknown_column_is_refused_once_for_the_file_with_did_you_mean(cli, store, tmp_path):
    rows = "".join(f"acme-{i},amazon.com,ops{i}@acme.example,x\n" for i in range(5))
    path = _write(tmp_path, "account,marketplace,emial,colour\n" + rows)
    result = cli("import", path)
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "unknown columns 'emial' (did you mean email?), 'colour'; nothing was imported" in lines[0]
    assert "ops0@" not in result.stderr
    assert _export(cli, tmp_path) == {}


def test_unknown_column_is_refused_even_with_skip_invalid(cli, store, tmp_path):
    path = _write(tmp_path, "account,compnay\nacme-us,Acme Ltd\n")
    result = cli("import", path, "--skip-invalid")
    assert result.exit_code == 3
    assert "unknown column 'compnay' (did you mean company_name?)" in result.stderr
    assert _export(cli, tmp_path) == {}


def test_two_columns_naming_the_account_are_refused(cli, store, tmp_path):
    path = _write(tmp_path, "account,店铺名称\nacme-us,acme-us\n")
    result = cli("import", path)
    assert result.exit_code == 3
    assert "columns 'account' and '店铺名称' both name the account; keep one" in result.stderr


def test_suggestion_is_none_for_unrelated_names():
    assert column_suggestion("colour") is None
    assert column_suggestion("markteplace") == "marketplace"


@pytest.mark.parametrize("kind, cell", [
    ("bank_account", "6.22202E+18"), ("card", "4.11111E+15"), ("bank_account", "6,22202E+18"),
    ("phone", "1.38001E+10"), ("tax_id", "9.14403E+17"), ("registration_number", "6.22E+18"),
])
def test_excel_scientific_notation_is_refused_with_a_hint(cli, store, tmp_path, kind, cell):
    path = _write(tmp_path, f'account,{kind}\nacme-us,"{cell}"\n')
    result = cli("import", path)
    assert result.exit_code == 3
    assert (f"stores.csv row 2: account 'acme-us': {kind}: Excel turned this number into {cell}, which has lost "
            f"its digits; format the column as Text before saving as CSV") in result.stderr
    assert _export(cli, tmp_path) == {}


def test_scientific_notation_in_a_text_kind_is_kept(cli, store, tmp_path):
    path = _write(tmp_path, "account,brand\nacme-us,6.2E+18\n")
    result = cli("import", path)
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------------------------------------
# Marketplaces


def test_unknown_marketplace_in_an_import_warns_once_and_is_kept(cli, store, tmp_path):
    path = _write(tmp_path, "account,marketplace\nshop-a,myshop.example\nshop-b,myshop.example\nshop-c,amazon.de\n")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: stores.csv row 2: marketplace 'myshop.example' is not one linkcheck knows (kept as given)"
    ]
    assert _export(cli, tmp_path)["shop-b"]["marketplace"] == "myshop.example"


def test_near_miss_marketplace_suggests_the_right_one(cli, store, tmp_path):
    path = _write(tmp_path, "账号,站点\nacme-us,amazon.con\n")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert ("warning: stores.csv row 2: marketplace 'amazon.con' is not one linkcheck knows "
            "(did you mean amazon.com? kept as given)") in result.stderr.splitlines()


def test_account_add_and_set_warn_about_an_unknown_marketplace(cli, store):
    result = cli("account", "add", "acme-de", "--marketplace", "amazn.de")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "warning: marketplace 'amazn.de' is not one linkcheck knows (did you mean amazon.de? kept as given)"
    ]
    result = cli("account", "set", "acme-de", "--marketplace", "amazon.de")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    result = cli("account", "set", "acme-de", "--marketplace", "ebay.cm")
    assert result.exit_code == 0, result.output
    assert "did you mean ebay.com?" in result.stderr


@pytest.mark.parametrize("marketplace", [
    "amazon.com", "amazon.com.be", "https://sellercentral.amazon.co.uk/home", "Amazon", "TikTok Shop", "shopee.com.my",
    "mercadolibre.com.mx", "allegro.pl", "zalando.de", "noon.com", "flipkart.com", "coupang.com", "shein.com", "US",
])
def test_known_marketplaces_do_not_warn(cli, store, marketplace):
    result = cli("account", "add", "acme", "--marketplace", marketplace)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_readme_lists_every_alias():
    from pathlib import Path

    from linkcheck.registry.columns import ALIASES

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name, aliases in ALIASES.items():
        row = f"| `{name}` | " + ", ".join(f"`{a}`" for a in aliases) + " |"
        assert row in readme, name


def test_chinese_excel_gb18030_tab_separated_with_comma_decimal(cli, store, tmp_path):
    """What Chinese Excel saves ("Unicode text" aside): GB18030, here tab separated; a European
    Excel writes the exponent form with a decimal comma."""
    path = _write(tmp_path, "店铺\t平台\t银行卡号\t电话\nacme-cn\tamazon.cn\t6,22202E+18\t+86 138 0013 8000\n",
                  encoding="gb18030")
    result = cli("import", path)
    assert result.exit_code == 3
    assert "account 'acme-cn': bank_account: Excel turned this number into 6,22202E+18" in result.stderr
    path.write_text("店铺\t平台\t银行卡号\t电话\nacme-cn\tamazon.cn\t6222020200012345678\t+86 138 0013 8000\n",
                    encoding="gb18030")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert set(_export(cli, tmp_path)["acme-cn"]["attributes"]) == {"bank_account", "phone"}


def test_a_bad_status_is_one_problem_not_also_a_phone_one(cli, store, tmp_path):
    # The status is refused, but the row's marketplace still says how to read its phone number.
    path = _write(tmp_path, "account,marketplace,status,phone\nshop-a,amazon.com,paused,(201) 555-0123\n")
    result = cli("import", path)
    assert result.exit_code == 3
    assert "status 'paused' must be one of" in result.output
    assert "no country code" not in result.output


BROKEN_JSON = [
    ('[{"account": "acme-us", "email": "ops@acme.example"', "it ends too early: a list, object or string is not closed"),
    ('[{"account": "acme-us" "email": "ops@acme.example"}]', "a comma or a closing brace is missing in an object"),
    ('[{"account": "acme-us"} {"account": "acme-de"}]', "a comma or a closing bracket is missing in a list"),
    ('[{"account" "acme-us"}]', "a key is not followed by a colon"),
    ("[{'account': 'acme-us'}]", "a character JSON does not allow, such as a single quote, a key without quotes, or NaN"),
    ('[{"account": "acme-us",}]', "a key is not in double quotes, or a comma comes before a closing brace"),
    ('[{"account": "acme-us"},]', "something JSON does not allow there, such as a comma before a closing bracket"),
    ('[{"account": "acme-us"}] and more', "there is more text after the end of the JSON"),
    ('[{"account": "acme\tus"}]', "a string holds a control character (a tab or a line break must be written \\t or \\n)"),
    ('[{"account": "acme\\qus"}]', "a string holds a backslash that starts no valid escape"),
    ('[{"account": "acme-us", "active": ture}]', "a word JSON does not know (only true, false and null are allowed)"),
]


@pytest.mark.parametrize("text, reason", BROKEN_JSON)
def test_broken_json_says_what_is_wrong_in_words_without_quoting_the_file(cli, store, tmp_path, text, reason):
    path = _write(tmp_path, text, name="stores.json")
    result = cli("import", path)
    assert result.exit_code == 3
    assert result.output.strip() == f"linkcheck: error: {path}: not valid JSON ({reason})"
    assert "acme" not in result.output.replace(str(path), "")  # the parser's excerpt of the file is not shown


def test_broken_json_reason_in_chinese(cli, store, tmp_path):
    path = _write(tmp_path, '[{"account": "acme-us"', name="stores.json")
    result = cli("import", path, env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 3
    assert "文件提前结束：有列表、对象或字符串没有闭合" in result.output
    assert "premature" not in result.output


def test_an_account_on_two_rows_of_one_big_file_is_warned_of_whoever_builds_its_rows(cli, store, tmp_path):
    # Enough rows that the import's parse-ahead child builds the new accounts' rows itself.
    # (The importing process takes the first batches itself, the child most of the rest.)
    rows = [f"shop-{n:04d},amazon.com,ops{n}@example.com" for n in range(3000)]
    rows += [f"shop-{n:04d},amazon.com," for n in range(0, 3000, 100)]
    path = _write(tmp_path, "account,marketplace,email\n" + "\n".join(rows) + "\n")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    for k, n in enumerate(range(0, 3000, 100)):
        assert (f"account 'shop-{n:04d}' is on more than one row of stores.csv (stores.csv row {n + 2} and "
                f"stores.csv row {3002 + k})") in result.output, n


@pytest.mark.parametrize("cell", ["s3cr3t-P@ssw0rd-2026!", "DE89370400440532013000"])
def test_a_refused_status_that_is_no_word_is_not_quoted(cli, store, tmp_path, cell):
    path = _write(tmp_path, f"account,marketplace,status\nshop-3,amazon.de,{cell}\n")
    result = cli("import", path)
    assert result.exit_code == 3
    assert cell not in result.output and "status must be one of" in result.output


def test_more_chinese_headers_and_columns_that_hold_no_identifier(cli, store, tmp_path):
    # An account-opening service's sheet: its own names for the legal representative, the licence
    # number and the browser profile, and a bank branch and a WeChat id, which link nothing.
    path = _write(
        tmp_path,
        "店铺名称,法人姓名,营业执照号码,开户行,微信号,紫鸟环境\n"
        "jinfan-us,陈志强,91440300MA5F0ACME1,中国银行深圳分行,lijl_88,ziniao:27810002\n",
        encoding="utf-8-sig",
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert (path.name + ": columns '开户行', '微信号' hold nothing a marketplace links accounts by; they were ignored") \
        in result.output
    attributes = _export(cli, tmp_path)["jinfan-us"]["attributes"]
    assert set(attributes) == {"legal_representative", "registration_number", "browser_profile"}
    assert "lijl_88" not in repr(attributes) and "中国银行" not in repr(attributes)


def test_a_sheet_without_an_account_column_names_the_headers_that_would_do(cli, store, tmp_path):
    path = _write(tmp_path, "公司名称,手机号,邮箱\n鹏远,+86 138 0013 8000,ops@pengyuan.example\n", encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        f"linkcheck: error: {path.name}: CSV needs a column naming the account: account, store name or shop (in "
        "Chinese 店铺名称, 店铺 or 账户) (found: 公司名称, 手机号, 邮箱)")
    zh = cli("import", path, env={"LINKCHECK_LANG": "zh"})
    assert zh.exit_code == 3
    assert "需要一个写账户名称的列：“店铺名称”（或“店铺”“账户”“account”）（现有的列：公司名称、手机号、邮箱）" in zh.stderr


def test_the_did_you_mean_names_the_chinese_header_in_the_chinese_interface(cli, store, tmp_path):
    path = _write(tmp_path, "店铺名称,统一社会信用代\nx,91440300MA5F0ACME1\n", encoding="utf-8")
    zh = cli("import", path, env={"LINKCHECK_LANG": "zh"})
    assert zh.exit_code == 3
    assert "统一社会信用代码" in zh.stderr and "registration_number" not in zh.stderr
