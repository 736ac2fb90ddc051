"""What a Chinese-speaking user trial (session 7) found in the Chinese interface: each line in
Chinese as the user reads it, and the same line in English as it was before."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ZH = {"LINKCHECK_LANG": "zh"}


def test_no_passphrase_source_is_said_in_chinese(cli, store, monkeypatch):
    from linkcheck.cli import options

    monkeypatch.setattr(options, "_interactive", lambda: False)
    zh = cli("account", "list", passphrase=None, env=ZH)
    assert (zh.exit_code, zh.stderr.strip()) == (
        4, "linkcheck：错误：没有口令：请给出 --passphrase-file FILE（权限 600）、设置 LINKCHECK_PASSPHRASE、"
           "先运行 `linkcheck unlock`，或在终端中运行以便输入")
    en = cli("account", "list", passphrase=None)
    assert (en.exit_code, en.stderr.strip()) == (
        4, "linkcheck: error: no passphrase: give --passphrase-file FILE (mode 600), set LINKCHECK_PASSPHRASE, "
           "run `linkcheck unlock` first, or run in a terminal to be asked")


def test_a_missing_passphrase_file_is_said_in_chinese(cli, store, tmp_path):
    missing = tmp_path / "nope.txt"
    zh = cli("account", "list", "--passphrase-file", str(missing), passphrase=None, env=ZH)
    assert (zh.exit_code, zh.stderr.strip()) == (4, f"linkcheck：错误：无法读取口令文件 {missing}：没有这个文件或文件夹")
    en = cli("account", "list", "--passphrase-file", str(missing), passphrase=None)
    assert (en.exit_code, en.stderr.strip()) == (4, f"linkcheck: error: cannot read passphrase file {missing}: No such file or directory")


@pytest.mark.parametrize("key, value, zh, en", [
    ("region", "XX", "设置项 'region' 的值无效：必须是两个字母的国家代码，例如 US、GB 或 CN",
     "invalid value for setting 'region': must be a two-letter country code such as US, GB or CN"),
    ("proxy", "socks://127.0.0.1:1080", "设置项 'proxy' 的值无效：必须是 http:// 或 https:// 开头的代理地址，例如 http://127.0.0.1:7890",
     "invalid value for setting 'proxy': must be an http:// or https:// proxy URL such as http://127.0.0.1:7890"),
    ("lang", "fr", "设置项 'lang' 的值无效：必须是以下之一：en、zh（也可以写 zh_CN 这样的区域设置名称）",
     "invalid value for setting 'lang': must be one of en, zh (or a locale name such as zh_CN)"),
    ("format", "xml", "设置项 'format' 的值无效：必须是以下之一：table、json、csv",
     "invalid value for setting 'format': must be one of table, json, csv"),
    ("public_ip", "maybe", "设置项 'public_ip' 的值无效：必须是以下之一：auto、off",
     "invalid value for setting 'public_ip': must be one of auto, off"),
    ("store", "", "设置项 'store' 的值无效：必须是绝对路径（或以 ~ 开头）",
     "invalid value for setting 'store': must be an absolute path (or start with ~)"),
    ("operator", "", "设置项 'operator' 的值无效：必须是 1 到 200 个字符的可打印文字",
     "invalid value for setting 'operator': must be printable text of 1 to 200 characters"),
])
def test_config_set_refuses_a_bad_value_in_chinese(cli, key, value, zh, en):
    result = cli("config", "set", key, value, env=ZH)
    assert (result.exit_code, result.stderr.strip()) == (3, "linkcheck：错误：" + zh)
    result = cli("config", "set", key, value)
    assert (result.exit_code, result.stderr.strip()) == (3, "linkcheck: error: " + en)


def test_a_bad_value_in_the_settings_file_or_environment_is_said_in_chinese(cli, tmp_path):
    settings = tmp_path / "s.toml"
    settings.write_text('region = "XX"\n', encoding="utf-8")
    zh = cli("config", "list", env={**ZH, "LINKCHECK_SETTINGS": str(settings)})
    assert (zh.exit_code, zh.stderr.strip()) == (
        3, f"linkcheck：错误：设置文件 {settings} 第 1 行：region 必须是两个字母的国家代码，例如 US、GB 或 CN")
    en = cli("config", "list", env={"LINKCHECK_SETTINGS": str(settings)})
    assert (en.exit_code, en.stderr.strip()) == (
        3, f"linkcheck: error: settings file {settings}, line 1: region must be a two-letter country code such as US, GB or CN")
    zh = cli("config", "list", env={**ZH, "LINKCHECK_FORMAT": "xml"})
    assert (zh.exit_code, zh.stderr.strip()) == (3, "linkcheck：错误：$LINKCHECK_FORMAT：必须是以下之一：table、json、csv")


def test_a_missing_rules_file_is_said_in_chinese(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    zh = cli("config", "set", "rules", "rel.json", env=ZH)
    assert (zh.exit_code, zh.stderr.strip()) == (3, "linkcheck：错误：规则文件 rel.json：无法读取（没有这个文件或文件夹）")
    en = cli("config", "set", "rules", "rel.json")
    assert (en.exit_code, en.stderr.strip()) == (3, "linkcheck: error: rules file rel.json: cannot read it (No such file or directory)")


def test_the_fingerprint_table_speaks_chinese_and_english_reads_as_before(cli):
    machine = str(Path(__file__).parent / "fixtures" / "machines" / "vm-behind-vpn.json")
    zh = cli("fingerprint", "--machine", machine, env=ZH)
    assert zh.exit_code == 0, zh.output
    lines = zh.output.splitlines()
    for line in ("  操作系统  Linux Ubuntu 22.04.4 LTS", "  CPU       未知 × ?", "  内存      未知",
                 "  机器 ID   有（记录时只存哈希值）", "  公网 IP   未检查（加上 --public-ip auto）",
                 "  网关      10.0.2.2，经由 enp0s3，路由器 MAC 52:55:0a:00:02:02", "  虚拟机    VirtualBox"):
        assert line in lines
    assert any(line.split() == ["enp0s3", "启用", "物理网卡", "08:00:27:4e:66:a1", "虚拟机厂商", "VirtualBox", "10.0.2.15（内网）"]
               for line in lines)
    assert any(line.split() == ["docker0", "未启用", "虚拟网卡", "02:42:ac:11:00:01", "本地管理（随机）", "172.17.0.1（内网）"]
               for line in lines)
    assert any(line.split() == ["ip", "10.0.2.15", "否（不能识别任何人）"] for line in lines)
    assert any(line.split() == ["machine_id", "有（记录时只存哈希值）", "是"] for line in lines)
    en = cli("fingerprint", "--machine", machine)
    lines = en.output.splitlines()
    for line in ("  OS               Linux Ubuntu 22.04.4 LTS", "  Machine id       present (hashed when recorded)",
                 "  Public IP        not checked (add --public-ip auto)",
                 "  Gateway          10.0.2.2 via enp0s3, router MAC 52:55:0a:00:02:02"):
        assert line in lines
    assert any(line.split() == ["enp0s3", "up", "physical", "08:00:27:4e:66:a1", "vm-vendor:VirtualBox", "10.0.2.15", "(private)"]
               for line in lines)
    assert any(line.split() == ["ip", "10.0.2.15", "no", "(identifies", "no", "one)"] for line in lines)
    # JSON keeps the English words scripts read.
    data = json.loads(cli("fingerprint", "--machine", machine, "--format", "json", env=ZH).output)
    assert data["interfaces"][0]["kind"] == "physical"


def test_health_set_help_names_the_metrics_and_targets_in_chinese(cli):
    # Help wraps at the terminal's width: lines are joined again before looking.
    zh = re.sub(r"\n\s+", "", cli("health", "set", "--help", env=ZH).output)
    assert "订单缺陷率（0.4% 或 0.004；目标：低于1%）。" in zh
    assert "有效追踪率（98.6% 或 0.986；目标：高于95%）。" in zh
    assert "below" not in zh and "Order defect rate" not in zh
    en = " ".join(cli("health", "set", "--help").output.split())
    assert "--odr RATE Order defect rate (0.4% or 0.004; target below 1%)." in en
    assert "--valid-tracking RATE Valid tracking rate (98.6% or 0.986; target above 95%)." in en


def test_precheck_help_names_each_kind_in_chinese(cli):
    zh = re.sub(r"\n\s+", "", cli("precheck", "--help", env=ZH).output)
    assert "计划账户的公司名称（可重复指定）。" in zh and "Company name" not in zh
    en = " ".join(cli("precheck", "--help").output.split())
    assert "--company-name VALUE Company name of the planned account (repeatable)." in en


def test_chinese_help_headings_and_defaults_use_chinese_punctuation(cli):
    zh = cli("audit", "--help", env={**ZH, "COLUMNS": "120"})
    lines = zh.output.splitlines()
    assert "选项：" in lines
    assert "选项:" not in lines
    assert "输出格式。[默认：table]" in re.sub(r"\n\s+", "", zh.output)
    assert "命令：" in cli("--help", env=ZH).output.splitlines()
    en = cli("audit", "--help", env={"COLUMNS": "120"})
    assert "Options:" in en.output.splitlines()
    assert "--format [table|json|csv] Output format. [default: (table)]" in " ".join(en.output.split())


def test_click_s_errors_end_with_chinese_punctuation(cli):
    zh = cli("account", "show", env=ZH)
    assert (zh.exit_code, zh.stderr.splitlines()[-1]) == (2, "错误：缺少参数 'NAME'。")
    zh = cli("audit", "--format", "xml", env=ZH)
    assert zh.stderr.splitlines()[-1] == "错误：'--format' 的值无效：'xml' 不在可选值 'table'、'json'、'csv' 之中。"
    zh = cli("fingerprint", "--machin", "x", env=ZH)
    assert zh.stderr.splitlines()[-1] == "错误：没有选项 '--machin'。你是不是想用 '--machine'？"
    en = cli("account", "show")
    assert (en.exit_code, en.stderr.splitlines()[-1]) == (2, "Error: Missing argument 'NAME'.")
    en = cli("fingerprint", "--machin", "x")
    assert en.stderr.splitlines()[-1] == "Error: No such option '--machin'. Did you mean '--machine'?"



def test_click_s_path_errors_name_the_kind_of_path_in_chinese(cli, tmp_path):
    missing = str(tmp_path / "missing.json")
    zh = cli("import", missing, env=ZH)
    assert zh.stderr.splitlines()[-1] == f"错误：'FILES...' 的值无效：文件 '{missing}' 不存在。"
    zh = cli("import", str(tmp_path), env=ZH)
    assert zh.stderr.splitlines()[-1] == f"错误：'FILES...' 的值无效：文件 '{tmp_path}' 是文件夹。"
    en = cli("import", missing)
    assert en.stderr.splitlines()[-1] == f"Error: Invalid value for 'FILES...': File '{missing}' does not exist."

VENDORS = Path(__file__).parent / "fixtures" / "vendors"


def _row(output: str, *cells: str) -> bool:
    """A table row whose cells, split on white space, start with CELLS."""
    return any(line.split()[:len(cells)] == list(cells) for line in output.splitlines())


def test_history_and_show_say_status_changes_sources_and_flags_in_words(cli, demo_store):
    assert cli("account", "set", "acme-us", "--status", "suspended").exit_code == 0
    assert cli("attr", "add", "acme-us", "ip", "203.0.113.7").exit_code == 0
    zh = cli("account", "history", "acme-us", env=ZH).output
    assert any(line.split()[1:] == ["状态", "正常", "→", "已停用"] for line in zh.splitlines())
    assert "active -> suspended" not in zh
    assert any(line.split()[1:4] == ["开始使用", "ip", "203.0.113.x"] and line.split()[-1] == "手动添加"
               for line in zh.splitlines())
    en = cli("account", "history", "acme-us").output
    assert "active -> suspended" in en
    assert any(line.split()[1:5] == ["in", "use", "ip", "203.0.113.x"] and line.split()[-1] == "manual"
               for line in en.splitlines())
    # CSV and JSON keep the words scripts read.
    csv_text = cli("account", "history", "acme-us", "--format", "csv", env=ZH).output
    assert "active -> suspended" in csv_text and ",manual" in csv_text
    show = cli("account", "show", "acme-us", env=ZH).output
    assert _row(show, "ip", "203.0.113.x", "手动添加") and show.rstrip().splitlines()[-1].split()[-1] == "文档示例地址"
    show = cli("account", "show", "acme-us").output
    assert _row(show, "ip", "203.0.113.x", "manual") and show.rstrip().splitlines()[-1].split()[-1] == "documentation"
    assert '"documentation"' in cli("account", "show", "acme-us", "--format", "json", env=ZH).output


def test_store_counts_and_log_actions_in_words(cli, demo_store):
    zh = cli("store", "--counts", env=ZH).output
    assert _row(zh, "账户", "10") and _row(zh, "识别信息") and _row(zh, "日志记录") and _row(zh, "说明原因", "0")
    en = cli("store", "--counts").output
    assert _row(en, "accounts", "10") and _row(en, "explanations", "0")
    result = cli("browser", "import", "adspower", str(VENDORS / "adspower" / "export.json"), "--create", env=ZH)
    assert result.output.startswith("从AdsPower读取了 4 个浏览器环境：")
    assert cli("browser", "import", "adspower", str(VENDORS / "adspower" / "export.json")).output.startswith(
        "Read 4 adspower profile(s):")
    log = cli("log", env=ZH).output
    assert any(line.split()[1:4] == ["shop-a", "导入浏览器环境", "已记录"] for line in log.splitlines())
    assert any(line.split()[1:4] == ["shop-a", "browser-import", "RECORDED"] for line in cli("log").output.splitlines())


def test_browser_audit_lists_accounts_and_profiles_the_chinese_way(cli, demo_store):
    assert cli("browser", "import", "adspower", str(VENDORS / "adspower" / "export.json"), "--create").exit_code == 0
    zh = cli("browser", "audit", env=ZH).output.splitlines()
    assert "高：shop-a、shop-b：共用代理：不同账户的浏览器环境使用同一个代理（主机、端口和用户名）：它们从同一个出口出去（adspower:jh001、adspower:jh002）。" in zh
    hardware = next(line for line in zh if "暴露真实硬件" in line)
    assert "2 个不同账户的 AdsPower 浏览器环境" in hardware
    assert "音频噪音已关闭、MAC 地址是电脑本身的" in hardware and "；adspower:jh003（shop-c）：" in hardware
    en = cli("browser", "audit").output.splitlines()
    assert any(line.startswith("HIGH: shop-a, shop-b: ") and "(adspower:jh001, adspower:jh002)." in line for line in en)


def test_match_column_in_words_in_the_table_and_as_is_in_csv(cli, demo_store):
    zh = cli("audit", env=ZH).output
    assert _row(zh, "mac", "严重", "24", "规范化后相同") and _row(zh, "brand", "中", "4.5", "完全相同")
    en = cli("audit").output
    assert _row(en, "mac", "critical", "24", "normalised") and _row(en, "brand", "medium", "4.5", "exact")
    assert ",normalised," in cli("audit", "--format", "csv", env=ZH).output


def test_precheck_names_the_planned_account_as_its_table_does(cli, demo_store):
    zh = cli("precheck", "-m", "amazon.com", "--brand", "acmehome", "--company-name", "Shenzhen Acme Trading Co., Ltd.",
             env=ZH).output.splitlines()
    # acme-de is suspended: named with its status (a new account linked to it is linked from day one).
    assert zh[0].startswith(("注意（CAUTION）：计划账户 与 acme-de（已停用）、acme-us ", "不要注册（STOP）：计划账户 与 acme-de（已停用）、acme-us "))
    assert any(line.split()[1:4] == ["计划账户", "—", "acme-de（已停用）"] or line.split()[1:4] == ["acme-de（已停用）", "—", "计划账户"] for line in zh)
    assert "planned" not in "\n".join(zh)
    en = cli("precheck", "-m", "amazon.com", "--brand", "acmehome", "--company-name", "Shenzhen Acme Trading Co., Ltd.").output
    assert " planned shares identifiers with acme-de (suspended), acme-us (strongest: " in en.splitlines()[0]
    data = json.loads(cli("precheck", "-m", "amazon.com", "--brand", "acmehome", "--format", "json", env=ZH).output)
    assert data["account"] == "planned"


def test_the_appeal_pack_calls_a_retired_value_stopped_and_a_chinese_company_number_by_its_name(cli, store, tmp_path):
    from test_appeal import _appeal, _base, _used, ok

    _base(cli)
    _used(cli, "marigold-us", "phone", "+1 201 555 0188", "2023-05-01")
    _used(cli, "kestrel-us", "phone", "+1 201 555 0188", "2025-04-01", "2026-09-30")  # retired, no replacement
    _used(cli, "kestrel-us", "registration_number", "91440300343CF4220Q", "2024-01-01")
    ok(_appeal(cli, "--relationship", "not-owned", "--lang", "zh", "-o", tmp_path / "p"))
    texts = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "p").glob("*.txt"))
    assert "2026年9月30日停止使用的尾号为0188的电话号码换成了什么" in texts
    assert "停用的尾号" not in texts
    evidence = (tmp_path / "p" / "evidence.html").read_text(encoding="utf-8")
    assert "<td>统一社会信用代码</td><td>91440300343CF4220Q</td>" in evidence
    ok(_appeal(cli, "--relationship", "not-owned", "--lang", "en", "-o", tmp_path / "en"))
    evidence = (tmp_path / "en" / "evidence.html").read_text(encoding="utf-8")
    assert "<td>Registration number</td><td>91440300343CF4220Q</td>" in evidence


def test_the_chinese_catalogs_use_one_term_for_each_thing():
    folder = Path(__file__).resolve().parent.parent / "linkcheck" / "catalogs" / "zh"
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.toml")))
    for other, term in (("商家记号", "卖家记号"), ("申诉案例", "申诉案件"), ("证据包", "材料包"),
                        ("停用了尾号", "停止使用了尾号"), ("}停用的{", "}停止使用的{"), ("新增 {added} 个值", "添加 {added} 项信息")):
        assert other not in text, f"{other!r}: the glossary's word is {term!r}"
    assert "添加 {added} 项信息" in text and "申诉案件" in text


MACHINES = Path(__file__).parent / "fixtures" / "machines"


def test_capture_and_check_read_as_chinese_sentences(cli, demo_store):
    laptop_a, laptop_b = str(MACHINES / "laptop-a.json"), str(MACHINES / "laptop-b.json")
    zh = cli("capture", "acme-us", "--machine", laptop_a, env=ZH).output.splitlines()
    assert zh[0] == "已把机器文件 laptop-a.json 中的 6 项信息记录到 acme-us（其中 5 项为新信息）。"
    assert cli("capture", "acme-us", "--machine", laptop_a).output.startswith(
        "Recorded 6 value(s) from machine file laptop-a.json on acme-us (0 new).")
    capture = cli("capture", "willow-us", "--machine", laptop_a, env=ZH).output.splitlines()
    assert any(line.startswith("  acme-us（严重）：MAC 地址 f8:e4:3b:**:**:01、机器 ID ") for line in capture)
    en = cli("capture", "willow-us", "--machine", laptop_a).output.splitlines()
    assert any(line.startswith("  acme-us (critical): MAC address f8:e4:3b:**:**:01, machine ID ") for line in en)
    stop = cli("check", "cedar-us", "--machine", laptop_a, env=ZH).output.splitlines()[0]
    assert stop == "停止登录（STOP）：本机的 MAC 地址（f8:e4:3b:**:**:01）已登记在 acme-us 名下（严重）；另有 1 个账户达到高级别或以上"
    stop = cli("check", "cedar-us", "--machine", laptop_a).output.splitlines()[0]
    assert stop == ("STOP: this machine's MAC address (f8:e4:3b:**:**:01) is on file for acme-us (critical); "
                    "1 more account at or above high")
    new = cli("check", "cedar-us", "--machine", laptop_b, env=ZH).output
    assert "cedar-us 的新信息（这些信息从未在该账户上出现过）：" in new
    assert cli("account", "set", "acme-de", "--status", "suspended").exit_code == 0
    go = cli("check", "acme-de", "--machine", laptop_b, env=ZH).output.splitlines()[0]
    assert go.startswith("可以登录（GO）（未检查公网 IP；acme-de 已停用）：")
    go = cli("check", "acme-de", "--machine", laptop_b).output.splitlines()[0]
    assert go.startswith("GO (public IP not checked; acme-de is suspended): ")


def test_audit_says_at_risk_accounts_the_chinese_way(cli, demo_store):
    assert cli("account", "set", "acme-de", "--status", "suspended").exit_code == 0
    zh = cli("audit", env=ZH).output.splitlines()
    assert any(line.startswith("  acme-us（因 acme-de 受牵连）：acme-de –") for line in zh)
    en = cli("audit").output.splitlines()
    assert any(line.startswith("  acme-us  because of acme-de: acme-de –") for line in en)


def test_the_cluster_and_other_sentences_read_naturally():
    from linkcheck import i18n

    i18n.set_language("zh")
    try:
        assert i18n._("  {n}. {accounts}: joined by links at {level} or above (strongest link: {strongest})",
                      n=1, accounts="a、b", level="高", strongest="严重") == "  1. a、b：由高及以上级别的关联相连（最强关联：严重）"
        assert i18n._("Aborted!") == "已取消。"
        assert i18n._("{sign} {bits} ({text})", sign="-", bits="9", text="大约每 9,434 人中有 1 人叫这个名字") == \
            "- 9（大约每 9,434 人中有 1 人叫这个名字）"
    finally:
        i18n.set_language(None)


def test_health_set_lists_its_figures_the_chinese_way(cli, demo_store):
    zh = cli("health", "set", "acme-us", "--date", "2026-11-02", "--odr", "0.3%", "--late-shipment", "50%", env=ZH)
    assert zh.output.splitlines()[0] == "已记录 acme-us 在 2026-11-02 的数据：订单缺陷率 0.3%、迟发率 50%。"
    en = cli("health", "set", "acme-us", "--date", "2026-11-03", "--odr", "0.3%", "--late-shipment", "50%")
    assert en.output.splitlines()[0] == "Recorded acme-us on 2026-11-03: order defect rate 0.3%, late shipment rate 50%."
    audit = cli("audit", env=ZH).output.splitlines()
    assert any(line.startswith("  acme-us（amazon.com）：迟发率 50%（") for line in audit)
    nothing = cli("health", "set", "acme-us", env=ZH)
    assert (nothing.exit_code, nothing.stderr.splitlines()[-1]) == (
        2, "错误：没有可记录的数据：请至少给出 --odr、--cancel-rate、--late-shipment、--valid-tracking 之一")
    assert cli("health", "set", "acme-us").stderr.splitlines()[-1] == (
        "Error: nothing to record: give at least one of --odr, --cancel-rate, --late-shipment, --valid-tracking")


def test_chinese_status_and_level_words_are_taken_as_import_takes_them(cli, demo_store):
    assert cli("account", "set", "acme-de", "--status", "已停用").exit_code == 0
    listed = cli("account", "list", "--status", "已停用", "--format", "json")
    assert [a["name"] for a in json.loads(listed.output)] == ["acme-de"]
    assert json.loads(cli("account", "show", "acme-de", "--format", "json").output)["status"] == "suspended"
    high = cli("audit", "--min-level", "高", "--fail-on", "严重", "--format", "json")
    assert high.exit_code == cli("audit", "--min-level", "high", "--fail-on", "critical", "--format", "json").exit_code
    assert high.output == cli("audit", "--min-level", "high", "--fail-on", "critical", "--format", "json").output
    bad = cli("audit", "--min-level", "很高", env=ZH)
    assert (bad.exit_code, bad.stderr.splitlines()[-1]) == (
        2, "错误：'--min-level' 的值无效：未知级别 '很高'；可用的级别：critical、high、medium、low")


def test_attr_takes_the_kind_names_import_takes_as_headers(cli, demo_store):
    added = cli("attr", "add", "acme-us", "手机号", "+1 201 555 0177", env=ZH)
    assert (added.exit_code, added.output.strip()) == (0, "已为 acme-us 添加 phone ****0177")
    assert cli("attr", "add", "acme-us", "邮件地址", "ops7@acme-trading.example").exit_code == 0
    unknown = cli("attr", "add", "acme-us", "手机好", "1", env=ZH)
    assert unknown.exit_code == 2 and ("未知类型 '手机好'（你是不是想写 电话？）；可用的类型：company_name、"
                                       "registration_number、") in unknown.stderr
    unknown = cli("attr", "add", "acme-us", "鞋码", "1", env=ZH)
    assert unknown.exit_code == 2 and "未知类型 '鞋码'；可用的类型：company_name、registration_number、" in unknown.stderr


def test_chinese_site_names_are_marketplaces_with_a_did_you_mean(cli, store, tmp_path):
    path = tmp_path / "stores.csv"
    path.write_text("店铺名称,站点,邮件地址,手机号\nshop-x,美国站,a@example.com,(201) 555-0123\n"
                    "shop-w,美国站点,b@example.com,+1 201 555 0199\nshop-v,亚马逊日本,c@example.com,03-1234-5678\n"
                    "shop-x,amazon.com,d@example.com,\n", encoding="utf-8")
    zh = cli("import", str(path), env=ZH)
    assert zh.exit_code == 0, zh.output
    assert zh.stderr.splitlines() == [
        f"警告：{path.name} 第 3 行：站点 '美国站点' 不是 linkcheck 认识的站点（你是不是想写 amazon.com？按原样保留）",
        f"警告：账户 'shop-x' 在 {path.name} 中出现了不止一行（{path.name} 第 2 行 和 {path.name} 第 5 行）；这些行已合并为同一个账户",
    ]
    phones = {a["name"]: a for a in json.loads(cli("account", "list", "--format", "json").output)}
    assert phones["shop-v"]["marketplace"] == "亚马逊日本"  # kept as given, read as amazon.co.jp
    shown = json.loads(cli("account", "show", "shop-v", "--format", "json").output)
    assert [a["value"] for a in shown["attributes"] if a["kind"] == "phone"] == ["****5678"]
    en = cli("import", str(path))
    assert f"warning: account 'shop-x' is on more than one row of {path.name} ({path.name} row 2 and {path.name} row 5); the rows were merged into one account" in en.stderr.splitlines()


def test_import_quotes_a_refused_status_word_and_reads_utf16(cli, store, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("店铺名称,站点,状态\nshop-y,amazon.com,暂停\n", encoding="utf-8")
    zh = cli("import", str(path), env=ZH)
    assert zh.exit_code == 3
    assert ("  bad.csv 第 2 行：账户 'shop-y'：状态 '暂停' 无法识别，只能是以下之一：active、suspended、closed、planned"
            "（也可以写 正常、已停用、已关闭、计划中）") in zh.stderr.splitlines()
    en = cli("import", str(path))
    assert "  bad.csv row 2: account 'shop-y': status '暂停' must be one of active, suspended, closed, planned" in en.stderr.splitlines()
    phone = cli("import", str(path), "--skip-invalid", env=ZH)  # no country code: said in Chinese
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes("店铺名称\t站点\t状态\r\n店铺60-US\tamazon.com\t正常\r\n".encode("utf-16"))
    assert utf16.read_bytes()[:2] == b"\xff\xfe"
    done = cli("import", str(utf16), "--format", "csv", env=ZH)
    assert (done.exit_code, done.output.strip()) == (0, "已导入：新增 1 个账户，更新 0 个，添加 0 项信息。")
    assert phone.exit_code == 0
    nocode = tmp_path / "nocode.csv"
    nocode.write_text("店铺名称,手机号\nshop-n,(201) 555-0123\n", encoding="utf-8")
    zh = cli("import", str(nocode), env=ZH)
    assert "  nocode.csv 第 2 行：账户 'shop-n'：phone '(201…23'：没有国家代码；请给出 --region，或给账户一个带国家的站点" in zh.stderr.splitlines()


def test_os_reasons_in_chinese_wherever_a_file_cannot_be_read_or_written(cli, store, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    result = cli("report", "-o", blocked / "r.html", env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code != 0 and "Not a directory" not in result.output, result.output
    result = cli("config", "set", "region", "CN", env={"LINKCHECK_LANG": "zh", "XDG_CONFIG_HOME": str(blocked)})
    assert result.exit_code == 3, result.output
    assert "不是文件夹" in result.output and "Not a directory" not in result.output, result.output


def test_a_chinese_site_name_is_the_site_in_an_english_letter_and_statement(cli, store, tmp_path):
    from linkcheck.health import _marketplace_owner
    from linkcheck.registry.regions import marketplace_in

    assert marketplace_in("美国站", "en") == "amazon.com" and marketplace_in("美国站", "zh") == "美国站"
    assert marketplace_in("shop.example", "en") == "shop.example"
    assert _marketplace_owner("美国站", "en") == "Amazon's" and _marketplace_owner("亚马逊日本", "zh") == "亚马逊"
    assert cli("account", "add", "us-1", "--marketplace", "美国站").exit_code == 0
    assert cli("account", "add", "us-2", "--marketplace", "amazon.com").exit_code == 0
    out = tmp_path / "s.md"
    result = cli("statement", "us-1", "--against", "us-2", "--format", "markdown", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "美国站" not in text and "us-1 (amazon.com" in text


def test_several_values_in_a_table_cell_are_listed_the_chinese_way():
    from linkcheck import i18n
    from linkcheck.cli.output import render_rows

    rows = [{"value": ["Jade Tiger Trading, Shenzhen", "深圳市星辰贸易有限公司"]}]
    try:
        i18n.set_language("zh")
        assert "Jade Tiger Trading, Shenzhen；深圳市星辰贸易有限公司" in render_rows(rows, "table")
        assert "Jade Tiger Trading, Shenzhen; 深圳市星辰贸易有限公司" in render_rows(rows, "csv")
        i18n.set_language("en")
        assert "Jade Tiger Trading, Shenzhen; 深圳市星辰贸易有限公司" in render_rows(rows, "table")
    finally:
        i18n.set_language(None)


def test_a_mistyped_command_gets_a_did_you_mean_though_commands_load_on_demand(cli):
    en = cli("audti")
    assert (en.exit_code, en.stderr.splitlines()[-1]) == (2, "Error: No such command 'audti'. Did you mean 'audit'?")
    zh = cli("statment", env=ZH)
    assert zh.stderr.splitlines()[-1] == "错误：没有命令 'statment'。你是不是想用 'statement'？"
    assert cli("zzz").stderr.splitlines()[-1] == "Error: No such command 'zzz'."
