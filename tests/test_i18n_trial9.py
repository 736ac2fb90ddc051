"""What a Chinese seller's trial (session 9, /work/notes/trial9.md items 13-20) found: GBK exports,
Chinese headers and vendor names, index columns, English words in Chinese lines, help alignment,
phone numbers as Chinese sellers write them, a display name's typo, values shown as entered."""

from __future__ import annotations

import json

import pytest

ZH = {"LINKCHECK_LANG": "zh"}
ZINIAO_CN = "店铺ID,店铺名称,平台,IP\n1001,鹏远美国,亚马逊-美国,203.0.113.11\n1002,恒通日本,亚马逊-日本,203.0.113.14\n"


@pytest.fixture
def cn_shops(cli, store):
    for name in ("鹏远美国", "恒通日本"):
        assert cli("account", "add", name).exit_code == 0


def _matched(cli, *args):
    result = cli("browser", "import", "ziniao", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return {m["profile"]: m["account"] for m in json.loads(result.output)["matched"]}


# ----- 13: Ziniao's export as Chinese Excel saves it ---------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_a_ziniao_export_with_chinese_headers_is_read_in_the_encodings_import_reads(cli, cn_shops, tmp_path, encoding):
    export = tmp_path / "ziniao_cn.csv"
    export.write_bytes(ZINIAO_CN.encode(encoding))
    assert _matched(cli, export) == {"ziniao:1001": "鹏远美国", "ziniao:1002": "恒通日本"}
    shown = json.loads(cli("account", "show", "恒通日本", "--reveal", "--format", "json").output)
    assert "203.0.113.14" in json.dumps(shown)


def test_ziniao_s_documented_chinese_field_names_are_read(cli, cn_shops, tmp_path):
    """店铺 ID, 店铺名称, 平台名称, 绑定的 IP: the names Ziniao's documentation gives its store list's fields."""
    export = tmp_path / "z.csv"
    export.write_bytes("店铺 ID,店铺名称,平台名称,绑定的 IP\n1002,Amazon JP,恒通日本,203.0.113.14\n".encode("gbk"))
    assert _matched(cli, export, "--account-from", "group") == {"ziniao:1002": "恒通日本"}


def test_encoding_is_an_option_as_for_import(cli, cn_shops, tmp_path):
    export = tmp_path / "z.csv"
    export.write_bytes(ZINIAO_CN.encode("gbk"))
    assert _matched(cli, export, "--encoding", "gbk") == {"ziniao:1001": "鹏远美国", "ziniao:1002": "恒通日本"}
    wrong = cli("browser", "import", "ziniao", export, "--encoding", "utf-8", env=ZH)
    assert (wrong.exit_code, wrong.stderr.strip()) == (
        3, "linkcheck：错误：" + str(export) + "：不是有效的 utf-8 文本；请换一个 --encoding 试试（utf-8、gb18030、utf-16 等）")
    assert cli("browser", "import", "ziniao", "--encoding", "gbk").exit_code == 2  # no FILE: nothing to decode


def test_a_gbk_map_file_names_accounts_in_chinese(cli, cn_shops, tmp_path):
    export = tmp_path / "z.csv"
    export.write_bytes("storeId,storeName\n1001,US-1\n1002,JP-1\n".encode("gbk"))
    mapping = tmp_path / "map.csv"
    mapping.write_bytes("浏览器环境,账户\n1001,鹏远美国\n1002,恒通日本\n".encode("gbk"))
    assert _matched(cli, export, "--map", mapping) == {"ziniao:1001": "鹏远美国", "ziniao:1002": "恒通日本"}


def test_an_export_without_a_store_id_column_says_so_in_chinese(cli, cn_shops, tmp_path):
    export = tmp_path / "z.csv"
    export.write_bytes("编码,店铺名称\n1001,鹏远美国\n".encode("gbk"))
    zh = cli("browser", "import", "ziniao", export, env=ZH)
    assert (zh.exit_code, zh.stderr.strip()) == (
        3, "linkcheck：错误：z.csv：没有店铺 ID 列：紫鸟的店铺列表里这一列叫 storeId（店铺 ID）；文件里的列是 '编码', 'storeName'")
    empty_id = tmp_path / "e.csv"
    empty_id.write_text("storeId,storeName\n,鹏远美国\n", encoding="utf-8")
    zh = cli("browser", "import", "ziniao", empty_id, env=ZH)
    assert (zh.exit_code, zh.stderr.strip()) == (3, "linkcheck：错误：e.csv：第 1 个店铺 没有店铺 ID（browserId 或 storeId）")
    en = cli("browser", "import", "ziniao", empty_id)
    assert en.stderr.strip() == "linkcheck: error: e.csv: store #1 has no browserId or storeId"


@pytest.mark.parametrize("written", ["紫鸟:1002", "紫鸟：1002", "ZINIAO:1002", " ziniao : 1002 "])
def test_a_browser_profile_takes_the_vendor_s_chinese_name(cli, cn_shops, written):
    added = cli("attr", "add", "恒通日本", "browser_profile", written)
    assert added.exit_code == 0, added.output
    rows = json.loads(cli("browser", "list", "--format", "json").output)
    assert [(r["vendor"], r["id"], r["account"]) for r in rows] == [("ziniao", "1002", "恒通日本")]


def test_bitbrowser_s_chinese_name_and_an_unknown_vendor_lists_the_vendors(cli, cn_shops):
    assert cli("attr", "add", "恒通日本", "browser_profile", "比特浏览器:b77").exit_code == 0
    zh = cli("attr", "add", "恒通日本", "browser_profile", "紫鸟浏览器 1002", env=ZH)
    assert (zh.exit_code, zh.stderr.strip()) == (
        3, "linkcheck：错误：账户 '恒通日本'：browser_profile '紫鸟浏览器 1002'：浏览器环境写作 厂商:ID，例如 adspower:jh3k9x "
           "或 紫鸟:1002；linkcheck 能读取的厂商有 adspower、bitbrowser、ziniao、gologin（ziniao 也可写 紫鸟，bitbrowser "
           "也可写 比特浏览器）")


def test_the_vendor_lists_agree():
    from linkcheck.importers.vendors import VENDORS
    from linkcheck.normalize.browser import KNOWN_VENDORS, VENDOR_WORDS

    assert KNOWN_VENDORS == VENDORS and set(VENDOR_WORDS.values()) <= set(VENDORS)


# ----- 14: a spreadsheet's 序号 column --------------------------------------------------------------


@pytest.mark.parametrize("index", ["序号", "No.", "#", "行号", "编号", "ＮＯ"])
def test_a_leading_index_column_is_ignored_with_a_note(cli, store, tmp_path, index):
    sheet = tmp_path / "xuhao.csv"
    sheet.write_bytes(f"{index},店铺名称,站点,状态,邮箱,,\n1,测试店,美国站,正常,t1@example.com,,\n2,,,,,,\n3,第二店,英国站,正常,,,\n"
                      .encode("gbk"))
    zh = cli("import", sheet, env=ZH)
    assert zh.exit_code == 0, zh.output
    assert zh.stderr.splitlines() == [f"警告：xuhao.csv：第一列 {index!r} 只是行号，已忽略"]
    assert zh.stdout.strip() == "已导入：新增 2 个账户，更新 0 个，添加 1 项信息。"
    names = [a["name"] for a in json.loads(cli("account", "list", "--format", "json").output)]
    assert sorted(names) == ["测试店", "第二店"]  # the row holding only its number is no account
    en = cli("import", sheet)
    assert en.stderr.splitlines() == [f"warning: xuhao.csv: the first column {index!r} numbers the rows; it was ignored"]


def test_an_index_column_elsewhere_is_unknown_and_the_error_says_what_to_do(cli, store, tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("店铺名称,序号,邮箱\n测试店,1,t1@example.com\n", encoding="utf-8")
    zh = cli("import", sheet, env=ZH)
    assert (zh.exit_code, zh.stderr.strip()) == (
        3, "linkcheck：错误：s.csv：未知的列 '序号'；未导入任何内容。可用的列为 account、marketplace、status、note 以及类型名称或其别名"
           "（见 README 的 Import 一节）；不需要导入的列，请删除该列或清空列名")
    en = cli("import", sheet)
    assert en.stderr.strip().endswith("(see the README's Import section); a column not meant for linkcheck: remove the "
                                      "column or clear its header")
    assert json.loads(cli("account", "list", "--format", "json").output) == []


# ----- 16: no code words in Chinese lines ----------------------------------------------------------


def _two_linked(cli):
    for name in ("鹏远美国", "恒通美国"):
        assert cli("account", "add", name, "--marketplace", "amazon.com").exit_code == 0
        assert cli("attr", "add", name, "gateway_mac", "50:d4:f7:12:34:02").exit_code == 0
        assert cli("attr", "add", name, "supplier", "东莞市长安恒达电子厂").exit_code == 0


def test_the_statement_s_refusal_names_kinds_and_matches_in_chinese(cli, store):
    _two_linked(cli)
    zh = cli("statement", "恒通美国", "-a", "鹏远美国", env=ZH)
    assert zh.exit_code == 1
    lines = zh.stderr.splitlines()
    assert "  - 与 鹏远美国 共用 路由器（网关）MAC（gateway_mac，完全相同）：恒通美国: 50:d4:f7:**:**:02 / 鹏远美国: " \
           "50:d4:f7:**:**:02" in lines
    assert "  - 与 鹏远美国 共用 供应商（supplier，完全相同）：恒通美国: 东莞市长安恒达电子厂 / 鹏远美国: 东莞市长安恒达电子厂" in lines
    assert "exact" not in zh.stderr
    en = cli("statement", "恒通美国", "-a", "鹏远美国")
    assert "  - gateway_mac with 鹏远美国 (exact): 恒通美国: 50:d4:f7:**:**:02 / 鹏远美国: 50:d4:f7:**:**:02" \
        in en.stderr.splitlines()


def test_a_report_in_chinese_joins_its_status_counts_with_a_chinese_comma_and_names_hub_kinds(cli, store, tmp_path):
    _two_linked(cli)
    assert cli("account", "set", "恒通美国", "--status", "suspended").exit_code == 0
    assert cli("account", "add", "恒通日本").exit_code == 0
    page = tmp_path / "r.html"
    assert cli("report", "-o", page, env=ZH).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "2 正常，1 已停用" in html
    from test_report import page_data

    words = page_data(html)["words"]
    assert (words["exact"], words["gateway_mac"], words["supplier"], words[", "]) == ("完全相同", "路由器（网关）MAC", "供应商", "、")
    assert cli("report", "-o", page, "--force").exit_code == 0
    assert "2 active, 1 suspended" in page.read_text(encoding="utf-8")


def test_health_import_names_the_figure_and_the_date_in_chinese(cli, store, tmp_path):
    assert cli("account", "add", "鹏远美国").exit_code == 0
    sheet = tmp_path / "h2.csv"
    sheet.write_bytes("店铺名称,日期,订单缺陷率,迟发率\n鹏远美国,2026-11-15,0.5,百分之一\n鹏远美国,昨天,0.5%,1%\n".encode("gbk"))
    zh = cli("health", "import", sheet, env=ZH)
    assert zh.exit_code == 3
    lines = zh.stderr.splitlines()
    assert "  h2.csv 第 2 行：迟发率：'百分之一' 不是百分比；请写 0.4% 或小数 0.004" in lines
    assert any(line.startswith("  h2.csv 第 3 行：日期：") for line in lines), lines
    en = cli("health", "import", sheet)
    assert "  h2.csv row 2: late_shipment: '百分之一' is not a percentage; write 0.4% or the fraction 0.004" \
        in en.stderr.splitlines()


def test_account_show_says_what_a_payment_account_is_in_words(cli, store):
    assert cli("account", "add", "鹏远美国").exit_code == 0
    assert cli("attr", "add", "鹏远美国", "payment_account", "pengyuan.pay@example.com").exit_code == 0
    row = next(line for line in cli("account", "show", "鹏远美国", env=ZH).output.splitlines()
               if line.startswith("payment_account"))
    assert row.rstrip().endswith("邮箱地址") and not row.rstrip().endswith("email")
    row = next(line for line in cli("account", "show", "鹏远美国").output.splitlines()
               if line.startswith("payment_account"))
    assert row.rstrip().endswith("email address")


def test_the_appeal_s_status_warning_says_the_status_and_the_option_value_in_chinese(cli, store, tmp_path):
    from test_appeal import _appeal, ok, scenario_family

    scenario_family(cli, store)
    result = ok(_appeal(cli, "--relationship", "family", "-o", tmp_path / "p", env=ZH))
    warning = next(line for line in result.output.splitlines() if line.startswith("警告：记录中"))
    assert warning == ("警告：记录中kestrel-us的状态为正常，而申诉信中说亚马逊的通知已停用该账户；请核对通知：如果通知确实停用了"
                       "账户，请用 `linkcheck account set kestrel-us --status 已停用` 记录；如果没有停用，请不要发送这封申诉信")
    assert ok(cli("account", "set", "kestrel-us", "--status", "已停用"))


# ----- 17: Chinese help lined up by display width -------------------------------------------------


def test_chinese_help_lines_up_options_with_chinese_placeholders(cli):
    from wcwidth import wcswidth

    result = cli("import", "--help", env={**ZH, "COLUMNS": "100"})
    assert result.exit_code == 0
    options = result.output[result.output.index("选项："):].splitlines()[1:]
    starts = {}
    for line in options:
        for option in ("--store 路径", "--problems 文件", "--skip-invalid", "--encoding TEXT"):
            if line.strip().startswith(option):
                head = line[:len(line) - len(line[len("  " + option):].lstrip())]
                starts[option] = wcswidth(head)
    assert len(starts) == 4 and len(set(starts.values())) == 1, starts
    # a wrapped description's next line starts in that column too
    store = next(i for i, line in enumerate(options) if line.strip().startswith("--store 路径"))
    assert len(options[store + 1]) - len(options[store + 1].lstrip()) == starts["--store 路径"]


def test_a_bracket_is_not_left_at_a_line_s_end():
    from linkcheck.cli.localise import wrap_line

    lines = wrap_line("写入材料包的文件夹（会创建；权限 700）。[必填]", 41)
    assert all(not line.endswith("[") for line in lines) and all(not line.startswith("]") for line in lines)


# ----- 18: phone numbers as Chinese sellers write them ---------------------------------------------


@pytest.mark.parametrize("written", ["(+86)13800138001", "（+86）13800138001", "（＋８６）１３８ ００１３ ８００１",
                                     "( +86 ) 138-0013-8001", "+86 138 0013 8001", "0086 138 0013 8001",
                                     "００８６１３８００１３８００１", "+86（0）13800138001"])
def test_a_chinese_mobile_number_with_its_country_code_written_any_usual_way_is_one_number(written):
    from linkcheck.normalize.phone import phone

    assert phone(written).value == "+8613800138001"
    assert phone(written, "US").value == "+8613800138001"  # the country code written wins over the region


def test_a_country_code_in_parentheses_is_found_by_precheck(cli, store):
    assert cli("account", "add", "鹏远美国", "--marketplace", "amazon.com").exit_code == 0
    assert cli("attr", "add", "鹏远美国", "phone", "+86 138 0013 8001").exit_code == 0
    result = cli("precheck", "-m", "美国站", "--phone", "(+86)13800138001", "--format", "json")
    assert result.exit_code == 1, result.output
    (pair,) = json.loads(result.output)["pairs"]
    assert "鹏远美国" in json.dumps(pair, ensure_ascii=False) and pair["findings"][0]["kind"] == "phone"


def test_a_country_code_without_its_plus_keeps_its_hint(cli, store):
    zh = cli("precheck", "-m", "美国站", "--phone", "(86)13800138001", env=ZH)
    assert zh.exit_code == 3
    assert "请写上国家代码，例如 +86 138 0013 8000" in zh.stderr


# ----- 19: a typo in a display name ----------------------------------------------------------------


def test_a_typo_in_a_related_store_s_display_name_gets_a_suggestion(cli, store, tmp_path):
    for name, shown in (("恒通美国", "KORVELL Outdoor"), ("鹏远美国", "LUMIVAO Home")):
        assert cli("account", "add", name, "--marketplace", "amazon.com").exit_code == 0
        assert cli("account", "set", name, "--display-name", shown).exit_code == 0
    zh = cli("appeal", "恒通美国", "-r", "LUMIVAO Hom", "--notice-date", "2026-11-27", "-o", tmp_path / "a", env=ZH)
    assert (zh.exit_code, zh.stderr.strip()) == (
        2, "linkcheck：错误：没有名为 'LUMIVAO Hom' 的账户，也没有哪个账户的卖家记号或店铺显示名称是它（是不是 LUMIVAO Home？"
           "这是 鹏远美国 的店铺显示名称）")
    en = cli("appeal", "恒通美国", "-r", "lumivao hom", "--notice-date", "2026-11-27", "-o", tmp_path / "a")
    assert en.stderr.strip() == ("linkcheck: error: no account named 'lumivao hom', and no account has it as its merchant "
                                 "token or display name (did you mean LUMIVAO Home, the display name of 鹏远美国?)")
    far = cli("appeal", "恒通美国", "-r", "Harbor Goods", "--notice-date", "2026-11-27", "-o", tmp_path / "a")
    assert far.stderr.strip().endswith("`linkcheck account list` shows the accounts on file")
    assert not (tmp_path / "a").exists()


# ----- 20: values shown as entered ------------------------------------------------------------------


def test_account_tables_show_brands_and_carriers_as_entered_and_json_keeps_its_values(cli, store):
    assert cli("account", "add", "恒通美国").exit_code == 0
    for kind, value in (("brand", "KORVELL"), ("logistics", "FBA"), ("hostname", "DESKTOP-XIAOWANG"),
                        ("browser_profile", "ADSPOWER:jh3k9x"), ("email", "Ops.Korvell@Example.com")):
        added = cli("attr", "add", "恒通美国", kind, value)
        assert added.exit_code == 0, added.output
    assert "Added brand LUMIVAO to 恒通美国" in cli("attr", "add", "恒通美国", "brand", "LUMIVAO").output
    table = {line.split()[0]: line.split()[1] for line in cli("account", "show", "恒通美国").output.splitlines()
             if line.split() and line.split()[0] in ("brand", "logistics", "hostname", "browser_profile", "email")}
    assert table == {"brand": "LUMIVAO", "logistics": "FBA", "hostname": "DESKTOP-XIAOWANG",
                     "browser_profile": "adspower:jh3k9x", "email": "o***@example.com"}
    shown = json.loads(cli("account", "show", "恒通美国", "--format", "json").output)
    assert {a["value"] for a in shown["attributes"] if a["kind"] == "brand"} == {"korvell", "lumivao"}
    history = cli("account", "history", "恒通美国").output
    assert "KORVELL" in history and "korvell" not in history
    assert "korvell" in cli("account", "history", "恒通美国", "--format", "json").output
