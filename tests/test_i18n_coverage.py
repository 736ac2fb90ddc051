"""What the second pass of the Chinese interface covers stays Chinese (issue 19): the appeal's
errors, the gate's and capture's warnings, the audit table's weight explanation, the problems
`import` lists, the normalisers' reasons, health's and the browser audit's findings, the HTML
report, and one word for account (账户) everywhere.

tests/test_i18n_messages.py checks that each message has Chinese text; these check that the
Chinese reaches the user, with the same exit code as the English."""

from __future__ import annotations

import json
from pathlib import Path

from linkcheck import i18n

ZH = {"LINKCHECK_LANG": "zh"}
MACHINE = Path(i18n.__file__).parent / "capture" / "fixtures" / "demo-machine.json"


# ---- 1. the appeal's errors


def test_a_file_without_a_signature_block_is_refused_in_chinese(cli, store, tmp_path):
    plain = tmp_path / "letter.txt"
    plain.write_text("We are independent. Trust us.\n", encoding="utf-8")
    en = cli("verify", plain)
    zh = cli("verify", plain, env=ZH)
    assert en.exit_code == zh.exit_code == 3
    assert en.stderr.strip() == "linkcheck: error: no signature block: this file is not a signed linkcheck statement"
    assert zh.stderr.strip() == "linkcheck：错误：没有签名块：这个文件不是 linkcheck 签名的说明"


def test_a_folder_that_is_not_a_pack_is_refused_in_chinese(cli, store, tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "plan-of-action.txt").write_text("text\n", encoding="utf-8")
    zh = cli("verify", folder, env=ZH)
    assert zh.exit_code == 3
    assert zh.stderr.strip() == f"linkcheck：错误：{folder} 不是申诉材料包：其中没有 SHA256SUMS 和 SHA256SUMS.sig"


# ---- 2. the gate's and capture's warnings; the audit table's weight explanation


def test_the_gate_s_warnings_are_chinese(cli, demo_store, tmp_path):
    machine = json.loads(MACHINE.read_text(encoding="utf-8"))
    machine["virtual_machine"] = "VMware"
    path = tmp_path / "vm.json"
    path.write_text(json.dumps(machine), encoding="utf-8")
    en = cli("check", "acme-de", "--machine", path)
    zh = cli("check", "acme-de", "--machine", path, env=ZH)
    assert en.exit_code == zh.exit_code == 1
    assert ("  - this computer is a virtual machine (VMware): its network adapters and machine id are copied "
            "with every clone of it") in en.output.splitlines()
    assert "  - 这台电脑是虚拟机（VMware）：它的网卡和机器 ID 会随每一个克隆一起被复制" in zh.output.splitlines()
    assert "  - acme-de 已停用：在这台电脑上登录它，会把这台电脑与一个已停用的账户关联起来" in zh.output.splitlines()
    assert "virtual machine" not in zh.output and "suspended" not in zh.output


def test_a_machine_file_s_problem_is_chinese(cli, demo_store, tmp_path):
    machine = json.loads(MACHINE.read_text(encoding="utf-8"))
    machine["interfaces"] = "eth0"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(machine), encoding="utf-8")
    zh = cli("check", "acme-de", "--machine", path, env=ZH)
    en = cli("check", "acme-de", "--machine", path)
    assert zh.exit_code == en.exit_code != 0
    assert "interfaces must be a list" in en.stderr
    assert "interfaces 必须是列表" in zh.stderr


def test_the_audit_table_explains_weights_in_chinese(cli, demo_store):
    en = cli("audit")
    zh = cli("audit", env=ZH)
    assert en.exit_code == zh.exit_code
    assert "(score 1.00, weight 45 = 24 mac + 12 company_name + 4.5 brand + 4.5 email_domain; critical from 22)" \
        in en.output
    assert "（得分 1.00，权重 45 = 24 mac + 12 company_name + 4.5 brand + 4.5 email_domain；22 及以上为严重）" in zh.output
    assert "critical from" not in zh.output


def test_the_weight_terms_and_value_notes_are_chinese():
    i18n.set_language("zh")
    try:
        assert i18n._("{accounts} accounts hold it", accounts=4) == "4 个账户共用"
        assert i18n._("{value} (bad checksum)", value="****0142") == "****0142（校验位错误）"
        assert i18n._("{value} (until {day})", value="x", day="2026-01-02") == "x（用到 2026-01-02）"
    finally:
        i18n.set_language(None)


# ---- 3. the problems `import` lists, and the normalisers' reasons


BAD_CSV = (
    "account,marketplace,email,bank_account,ip\n"
    "zz-one,amazon.com,not-an-email,6.22202E+18,1.2.3\n"
    "zz-two,amazon.com,a@example.com,,\"203.0.113.5|2020-13-01..\"\n"
    "zz-three,amazon.com,b@example.com,,,extra\n"
)


def test_import_lists_its_row_problems_in_chinese(cli, store, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    en = cli("import", path)
    zh = cli("import", path, env=ZH)
    assert en.exit_code == zh.exit_code == 3
    assert "  bad.csv row 2: account 'zz-one': email 'not-an-email': not an email address" in en.output.splitlines()
    lines = zh.output.splitlines()
    assert "  bad.csv 第 2 行：账户 'zz-one'：email 'not-an-email'：不是电子邮件地址" in lines
    assert "  bad.csv 第 2 行：账户 'zz-one'：ip '1.2.3'：不是 IP 地址" in lines
    assert any(line.startswith("  bad.csv 第 2 行：账户 'zz-one'：bank_account：Excel 把这个号码变成了 6.22202E+18")
               for line in lines)
    assert "  bad.csv 第 3 行：账户 'zz-two'：ip：开始时间 '2020-13-01' 不是 ISO 日期或日期时间" in lines
    assert "  bad.csv 第 4 行：账户 'zz-three'：有 6 个单元格，但只有 5 列" in lines
    assert lines[-1] == "linkcheck：错误：3 行无效（共 5 个问题）；未导入任何内容"
    problems = [line for line in lines if line.startswith("  ")]
    assert len(problems) == 5
    assert not any(word in line for line in problems for word in (" row ", "account '", "not an", "cells"))


def test_a_refused_value_gives_its_reason_in_chinese(cli, demo_store):
    en = cli("attr", "add", "acme-us", "email", "bad")
    zh = cli("attr", "add", "acme-us", "email", "bad", env=ZH)
    assert en.exit_code == zh.exit_code == 3
    assert en.stderr.strip() == "linkcheck: error: account 'acme-us': email 'bad': not an email address"
    assert zh.stderr.strip() == "linkcheck：错误：账户 'acme-us'：email 'bad'：不是电子邮件地址"


def test_a_json_profile_s_problems_are_chinese(cli, store, tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"account": "zz-j", "colour": "red", "attributes": {"email": "x@example.com"}}),
                    encoding="utf-8")
    zh = cli("import", path, env=ZH)
    assert zh.exit_code == 3
    assert "未知字段：colour" in zh.output


# ---- 4. health's and the browser audit's findings


def test_health_s_table_and_the_audit_s_health_section_are_chinese(cli, demo_store):
    assert cli("health", "set", "cedar-us", "--date", "2026-10-01", "--odr", "0.5%").exit_code == 0
    assert cli("health", "set", "cedar-us", "--date", "2026-11-01", "--odr", "1.2%").exit_code == 0
    en = cli("health")
    zh = cli("health", env=ZH)
    assert en.exit_code == zh.exit_code == 1  # a breach
    assert "    order defect rate  1.2%      2026-11-01  below 1%  breach    0.5% → 1.2% (worsening)" in en.output
    zh_lines = zh.output.splitlines()
    assert "违规       cedar-us (amazon.com): 2 个日期，2026-10-01 至 2026-11-01" in zh_lines
    assert "    订单缺陷率  1.2%      2026-11-01  低于1%  违规    0.5% → 1.2%（变差）" in zh_lines
    assert "1 个违规，0 个预警，0 个正常；10 个账户中有 9 个没有记录数据" in zh_lines
    audit = cli("audit", env=ZH).output.splitlines()
    assert "有停用风险的账户：账户健康违规" in audit
    assert "  cedar-us（amazon.com）：订单缺陷率 1.2%（要求低于1%，2026-11-01）" in audit


def test_a_refused_health_figure_is_said_in_chinese(cli, demo_store):
    en = cli("health", "set", "cedar-us", "--date", "2026-11-01", "--odr", "-1%")
    zh = cli("health", "set", "cedar-us", "--date", "2026-11-01", "--odr", "-1%", env=ZH)
    assert en.exit_code == zh.exit_code == 3
    assert en.stderr.strip() == "linkcheck: error: --odr: -1% is negative; a rate is between 0% and 100%; nothing was recorded"
    assert zh.stderr.strip() == "linkcheck：错误：--odr：-1% 是负数；比率应在 0% 到 100% 之间；未记录任何数据"


def test_a_health_import_with_a_bad_json_record_lists_it_in_chinese(cli, demo_store, tmp_path):
    path = tmp_path / "h.json"
    path.write_text(json.dumps([{"account": "cedar-us", "date": "2026-11-01", "colour": "red"}]), encoding="utf-8")
    zh = cli("health", "import", path, env=ZH)
    assert zh.exit_code == 3
    # The record's problem is cut from the message naming it: with a Chinese colon too (this was an IndexError).
    assert zh.output.splitlines() == [
        "  h.json 第 1 条记录：未知的列 'colour'；可用的列：account, date, odr, cancel_rate, late_shipment, valid_tracking",
        "linkcheck：错误：1 行无效；未导入任何内容"]


def test_a_health_file_naming_one_metric_twice_is_refused_in_chinese(cli, demo_store, tmp_path):
    csv_path = tmp_path / "health.csv"
    csv_path.write_text("account,date,odr,order_defect_rate\nacme-us,2026-10-01,0.1%,0.9%\n", encoding="utf-8")
    json_path = tmp_path / "health.json"
    json_path.write_text(json.dumps([{"account": "acme-us", "date": "2026-10-01", "odr": "0.1%",
                                      "order_defect_rate": "0.9%"}]), encoding="utf-8")
    on_csv = cli("health", "import", csv_path, env=ZH)
    on_json = cli("health", "import", json_path, env=ZH)
    assert on_csv.exit_code == on_json.exit_code == 3
    assert on_csv.stderr.strip() == "linkcheck：错误：health.csv 表头：odr 有两列；请只保留一列"
    assert "  health.json 第 1 条记录：odr 有两个成员；请只保留一个" in on_json.output.splitlines()


def test_the_browser_audit_s_findings_are_chinese(cli, store):
    fixtures = Path(__file__).resolve().parent / "fixtures" / "vendors"
    for name in ("shop-a", "shop-b", "shop-c"):
        assert cli("account", "add", name).exit_code == 0
    assert cli("browser", "import", "gologin", fixtures / "gologin" / "profiles.json").exit_code == 0
    en = cli("browser", "audit")
    zh = cli("browser", "audit", env=ZH)
    assert en.exit_code == zh.exit_code
    assert any(line.startswith("CRITICAL: shop-a, shop-b: Same combined fingerprint: the same user agent")
               for line in en.output.splitlines())
    assert any(line.startswith("严重：shop-a、shop-b：综合指纹相同：不同账户的浏览器环境有相同的 User-Agent")
               for line in zh.output.splitlines())
    assert "共用代理账户：同一个代理账户或 IP 刷新链接" in zh.output
    assert "profiles of different accounts" not in zh.output
    data = json.loads(cli("browser", "audit", "--format", "json", env=ZH).output)
    checks = {f["check"] for f in data["findings"]}
    assert {"same combined fingerprint", "shared proxy account"} <= checks  # JSON values stay English


# ---- 5. the HTML report


def _report(cli, tmp_path, env=None):
    target = tmp_path / ("zh.html" if env else "en.html")
    result = cli("report", "-o", target, env=env)
    assert result.exit_code == 0, result.output
    return target, target.read_text(encoding="utf-8")


def test_a_zh_report_page_has_chinese_headings_and_english_data_keys(cli, demo_store, tmp_path):
    _path, en = _report(cli, tmp_path)
    _path, zh = _report(cli, tmp_path, env=ZH)
    assert '<html lang="en">' in en and "<h2>Linked accounts</h2>" in en and "<h2>Findings</h2>" in en
    assert '<html lang="zh">' in zh
    for heading in ("<h1>linkcheck 关联排查报告</h1>", "<h2>关联账户</h2>", "<h2>关联群组</h2>", "<h2>受牵连的账户</h2>",
                    "<h2>关联明细</h2>", "<th>第一个账户的值</th>", '<option value="3">高及以上</option>'):
        assert heading in zh, heading
    body = zh[zh.index("<body>"):zh.index('<script type="application/json"')]  # not the scripts' code
    for english in ("Linked accounts", "Findings", "Why it links", "Hover over", "and above"):
        assert english not in body, english
    from test_report import page_data

    en_data, zh_data = page_data(en), page_data(zh)
    assert en_data["words"] == {}  # English: nothing to look up, the catalog is not read
    assert zh_data["words"]["Show in graph"] == "在图中显示"
    assert zh_data["words"]["critical"] == "严重"
    assert {k: v for k, v in zh_data.items() if k not in ("words", "generated_at")} == \
        {k: v for k, v in en_data.items() if k not in ("words", "generated_at")}


def test_the_report_template_writes_no_english_outside_the_catalog():
    import re

    source = (Path(i18n.__file__).parent / "report" / "templates" / "report.html.j2").read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}|<!DOCTYPE html>|<[^>]*>", " ", source, flags=re.S)
    assert re.findall(r"[A-Za-z]{2,}", text) == []


def test_a_zh_report_page_is_chinese_once_its_script_ran(cli, demo_store, tmp_path):
    from test_report import run_chromium

    page, _html = _report(cli, tmp_path, env=ZH)
    done = run_chromium(page, tmp_path / "chromium-dom", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    import re

    dom = re.sub(r"<script.*?</script>", "", done.stdout, flags=re.S)  # the page, not its scripts' code
    assert 'data-status="ready"' in dom
    assert "<b>关联群组 1</b>" in dom and "在图中显示" in dom
    assert '<span class="badge lvl-critical">严重</span>' in dom
    # kinds by their Chinese labels, listed with the enumeration comma; how each matched in words
    assert "得分 1.00 · 共用 MAC 地址、公司名称、品牌、邮箱域名" in dom
    assert "<td>MAC 地址</td>" in dom and "<td>完全相同</td>" in dom and "<td>规范化后相同</td>" in dom
    assert "Show in graph" not in dom and "Cluster 1" not in dom and "score 1.00" not in dom
    for code in ("<td>exact</td>", "<td>normalised</td>", "<td>mac</td>", "email_domain"):
        assert code not in dom, code


# ---- 6. one word for account: 账户


def _seller_account_as_zhanghao(text: str) -> list[str]:
    """Where TEXT says 账号 for a seller account: 账号 meaning an account number or a login name
    (银行账号, 收款账号, 金融账号, 登录账号, 账号后四位) is a different word and allowed."""
    import re

    return re.findall(r".{0,8}(?<![银行款融录])账号(?!后四位).{0,8}", text)


def test_the_statement_and_the_reasons_say_zhanghu_like_the_cli_and_the_appeal():
    from linkcheck.registry import facets

    root = Path(i18n.__file__).parent
    found = _seller_account_as_zhanghao((root / "catalogs" / "zh" / "statement.toml").read_text(encoding="utf-8"))
    for name in ("appeal.toml",):
        found += _seller_account_as_zhanghao((root / "catalogs" / "zh" / name).read_text(encoding="utf-8"))
    for _name, text in i18n.message_files("zh"):
        found += _seller_account_as_zhanghao(text.replace('en = "账号"', ""))
    found += _seller_account_as_zhanghao((root / "registry" / "facets.py").read_text(encoding="utf-8"))
    assert found == []
    assert "这些账户" in "".join(f.reason_zh for f in facets.FACETS.values() if f.reason_zh)


def test_a_chinese_statement_says_zhanghu(cli, demo_store):
    result = cli("statement", "acme-us", "--against", "acme-de", "--disclose", "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert "账户独立运营说明" in result.output
    assert "共用网卡 MAC 地址：这些账户在同一台电脑上使用过。" in result.output
    assert _seller_account_as_zhanghao(result.output) == []


def test_english_never_reads_the_chinese_catalog(cli, demo_store, tmp_path):
    i18n.messages.cache_clear()
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    assert cli("import", path).exit_code == 3
    assert cli("audit").exit_code == 1
    assert cli("check", "acme-de", "--machine", MACHINE).exit_code == 1
    assert cli("report", "-o", tmp_path / "r.html").exit_code == 0
    assert i18n.messages.cache_info().currsize == 0


def test_the_report_s_count_line_ends_with_a_chinese_full_stop(cli, demo_store, tmp_path):
    page = tmp_path / "report.html"
    assert cli("report", "-o", page, env={"LINKCHECK_LANG": "zh"}).exit_code == 0
    html = page.read_text(encoding="utf-8")
    line = html.split('id="findings-count"', 1)[1].split("</p>", 1)[0]
    assert line.endswith("条共用信息。") and "条共用信息." not in html
    english = tmp_path / "en.html"
    assert cli("report", "-o", english).exit_code == 0
    assert english.read_text(encoding="utf-8").split('id="findings-count"', 1)[1].split("</p>", 1)[0].endswith("finding(s).")


def test_a_workbook_is_refused_in_chinese(cli, store, tmp_path):
    book = tmp_path / "店铺.xlsx"
    book.write_bytes(b"PK\x03\x04" + b"\0" * 64)
    result = cli("import", book, env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 3
    assert "这看起来是 Excel 工作簿；请先另存为 CSV（文件 > 另存为 > CSV UTF-8）" in result.output


def test_the_report_s_cluster_label_says_what_its_level_is(cli, demo_store, tmp_path):
    page = tmp_path / "report.html"
    assert cli("report", "-o", page, env={"LINKCHECK_LANG": "zh"}).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "以{level}及以上级别的关联相连" in html  # the page's words, filled in by its script
