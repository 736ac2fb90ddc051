"""The Chinese interface: how the language is chosen, and what is in Chinese (messages, help,
errors, verdicts, tables) and what is not (JSON keys, exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from wcwidth import wcswidth

from linkcheck import i18n
from linkcheck.cli import main
from linkcheck.cli.localise import wrap_line
from linkcheck.cli.output import render_rows

ZH_TITLE = "排查你的各个电商卖家账户之间的关联风险。"
EN_TITLE = "Audit related-account risk across your marketplace seller accounts."
ZH_UNKNOWN = "linkcheck：错误：没有名为 'nobody' 的账户；`linkcheck account list` 可列出已登记的账户"
EN_UNKNOWN = "linkcheck: error: no account named 'nobody'; `linkcheck account list` shows the accounts on file"


def test_help_is_chinese_with_linkcheck_lang_zh(cli):
    result = cli("--help", env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("用法： ")
    assert "  " + ZH_TITLE in lines
    assert "  init         创建一个新的加密存储库。" in lines
    assert "    4  口令错误或未提供口令，或新口令太短被拒绝；" in lines
    assert EN_TITLE not in result.output


def test_a_command_s_help_and_options_are_chinese(cli):
    result = cli("account", "add", "--help", env={"LINKCHECK_LANG": "zh_CN"})
    assert result.exit_code == 0
    assert "  添加一个账户。" in result.output.splitlines()
    assert "站点，如 amazon.com 或 amazon.co.uk。" in result.output
    assert "显示本帮助并退出。" in result.output


def test_an_unknown_account_is_said_in_chinese_with_the_same_exit_code(cli, demo_store):
    zh = cli("account", "show", "nobody", env={"LINKCHECK_LANG": "zh"})
    assert (zh.exit_code, zh.stderr.strip()) == (2, ZH_UNKNOWN)
    en = cli("account", "show", "nobody")
    assert (en.exit_code, en.stderr.strip()) == (2, EN_UNKNOWN)


def test_a_wrong_passphrase_is_said_in_chinese(cli, store):
    result = cli("account", "list", passphrase="not the passphrase", env={"LINKCHECK_LANG": "zh"})
    assert (result.exit_code, result.stderr.strip()) == (4, "linkcheck：错误：口令错误（或存储库文件头被改动过）")


def test_the_passphrase_prompt_is_chinese(cli, store, monkeypatch):
    from linkcheck.cli import options

    monkeypatch.setattr(options, "_interactive", lambda: True)
    asked = cli("account", "list", input="not the passphrase\n" * 3, passphrase=None, env={"LINKCHECK_LANG": "zh"})
    assert asked.exit_code == 4
    assert asked.output.count("存储库口令: ") == 3


def test_a_zh_locale_picks_chinese(cli, demo_store):
    result = cli("account", "show", "nobody", env={"LANG": "zh_CN.UTF-8"})
    assert (result.exit_code, result.stderr.strip()) == (2, ZH_UNKNOWN)


def test_linkcheck_lang_en_overrides_a_zh_locale(cli, demo_store):
    result = cli("account", "show", "nobody", env={"LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8",
                                                   "LINKCHECK_LANG": "en"})
    assert (result.exit_code, result.stderr.strip()) == (2, EN_UNKNOWN)


def test_lc_all_wins_over_lang(cli, demo_store):
    result = cli("account", "show", "nobody", env={"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"})
    assert result.stderr.strip() == EN_UNKNOWN
    result = cli("account", "show", "nobody", env={"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"})
    assert result.stderr.strip() == ZH_UNKNOWN


def test_the_settings_file_language_is_used_and_the_environment_wins_over_it(cli, demo_store):
    assert cli("config", "set", "lang", "zh").exit_code == 0
    result = cli("account", "show", "nobody")
    assert result.stderr.strip() == ZH_UNKNOWN
    result = cli("account", "show", "nobody", env={"LINKCHECK_LANG": "en"})
    assert result.stderr.strip() == EN_UNKNOWN


def test_the_settings_file_english_wins_over_a_zh_locale(cli, demo_store):
    assert cli("config", "set", "lang", "en").exit_code == 0
    result = cli("account", "show", "nobody", env={"LANG": "zh_CN.UTF-8"})
    assert result.stderr.strip() == EN_UNKNOWN


def test_one_process_switches_back_to_english(cli):
    assert ZH_TITLE in cli("--help", env={"LINKCHECK_LANG": "zh"}).output
    assert "站点" in cli("account", "add", "--help", env={"LINKCHECK_LANG": "zh"}).output
    english = cli("account", "add", "--help")
    assert "Marketplace, e.g. amazon.com" in english.output
    assert "站点" not in english.output
    assert EN_TITLE in cli("--help").output


def test_the_gate_verdict_is_chinese_and_the_exit_code_unchanged(cli, demo_store, tmp_path):
    from pathlib import Path

    fixtures = Path(i18n.__file__).parent / "capture" / "fixtures"
    machine = sorted(fixtures.glob("*.json"))[0]
    en = cli("check", "acme-de", "--machine", machine)
    zh = cli("check", "acme-de", "--machine", machine, env={"LINKCHECK_LANG": "zh"})
    assert en.exit_code == zh.exit_code == 1
    assert en.output.splitlines()[0].startswith("STOP: this machine's ")
    assert zh.output.splitlines()[0].startswith("停止登录（STOP）：本机的")
    assert "名下（高）" in zh.output.splitlines()[0]


def test_json_keys_stay_english(cli, demo_store):
    en = json.loads(cli("account", "list", "--format", "json").output)
    zh = json.loads(cli("account", "list", "--format", "json", env={"LINKCHECK_LANG": "zh"}).output)
    assert en == zh
    assert set(zh[0]) >= {"name", "marketplace", "status"}
    assert zh[0]["status"] in ("active", "suspended", "closed", "planned")


def test_table_headers_and_levels_are_chinese_in_a_table(cli, demo_store):
    result = cli("account", "list", env={"LINKCHECK_LANG": "zh"})
    header = result.output.splitlines()[0].split()
    assert header[:3] == ["名称", "站点", "状态"]
    assert "已停用" in result.output


def _column_starts(line: str) -> list[int]:
    """Display columns where each cell of a tabulate line begins (cells are 2+ spaces apart)."""
    starts, width, gap = [], 0, 2
    for ch in line:
        if ch != " " and gap >= 2:
            starts.append(width)
        gap = gap + 1 if ch == " " else 0
        width += wcswidth(ch)
    return starts


def test_table_columns_line_up_in_display_width_with_chinese_text():
    i18n.set_language("zh")
    rows = [
        {"name": "深圳店铺", "status": "suspended", "note": "法人 相同"},
        {"name": "acme-us", "status": "active", "note": "ok"},
        {"name": "乐家家居旗舰店", "status": "closed", "note": "关联"},
    ]
    table = render_rows(rows, "table", ["name", "status", "note"])
    lines = table.splitlines()
    assert lines[0].split() == ["名称", "状态", "备注"]
    starts = {tuple(_column_starts(line)) for line in lines if not line.startswith("-")}
    assert len(starts) == 1, table
    widths = {wcswidth(line.rstrip()) <= wcswidth(lines[1]) for line in lines}
    assert widths == {True}
    assert "已停用" in table and "正常" in table


@pytest.mark.parametrize("width", [20, 40, 78])
def test_chinese_help_wraps_by_display_width(width):
    text = "把本机的识别信息（见 `linkcheck fingerprint`）与已登记的其他所有账户比对。" * 3
    lines = wrap_line(text, width)
    assert all(wcswidth(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_chinese_help_of_every_command_fits_the_terminal():
    runner = CliRunner()
    names = ["--help", "check --help", "account list --help", "import --help", "statement --help"]
    for args in names:
        result = runner.invoke(main, args.split(), env={"LINKCHECK_LANG": "zh", "COLUMNS": "80"})
        assert result.exit_code == 0
        too_wide = [line for line in result.output.splitlines() if wcswidth(line) > 80
                    and "linkcheck " not in line]  # example commands are kept whole
        assert too_wide == [], args


@pytest.mark.parametrize("value,lang", [
    ("zh", "zh"), ("zh_CN", "zh"), ("zh-Hans", "zh"), ("zh_CN.UTF-8", "zh"), ("ZH_tw@x", "zh"),
    ("en", "en"), ("en_US.UTF-8", "en"), ("fr_FR", None), ("C", None), ("", None),
])
def test_language_names(value, lang):
    assert i18n.normalise(value) == lang


@pytest.mark.parametrize("locale_value,lang", [("C.UTF-8", "en"), ("POSIX", "en"), ("de_DE.UTF-8", "en"),
                                               ("zh_CN.GB18030", "zh"), ("zh_SG", "zh")])
def test_a_locale_other_than_chinese_is_english(monkeypatch, locale_value, lang):
    monkeypatch.setenv("LANG", locale_value)
    assert i18n.locale_lang() == lang
    assert i18n.resolve_language() == (lang, "locale")


def test_config_accepts_a_locale_name_for_lang(cli):
    assert cli("config", "set", "lang", "zh_CN.UTF-8").exit_code == 0
    assert cli("config", "get", "lang").output.strip() == "zh"


def test_a_message_without_chinese_stays_english():
    i18n.set_language("zh")
    assert i18n._("no such message {n}", n=3) == "no such message 3"
    assert i18n._("linkcheck: error: {message}", message="x") == "linkcheck：错误：x"


def test_a_line_break_between_two_chinese_characters_is_no_space():
    text = "审计员的数据库登录只能读取\n（以及在邀请上提交自己的公钥），操作员的登录不能改动成员。\n本命令打印 SQL；\n或者加 --apply。"
    joined = "".join(wrap_line(text, 200))
    assert joined == "审计员的数据库登录只能读取（以及在邀请上提交自己的公钥），操作员的登录不能改动成员。本命令打印 SQL；或者加 --apply。"


@pytest.mark.parametrize("width", range(8, 40))
def test_no_chinese_line_starts_with_closing_punctuation_or_ends_with_an_opening_bracket(width):
    text = "在服务器上执行这些语句（以存储库地址中的登录身份）。审计员只能读取（以及提交公钥），操作员不能改动成员。"
    lines = wrap_line(text, width)
    assert "".join(lines) == text
    assert all(line[0] not in "，。、；：！？）》」』】" for line in lines[1:]), lines
    assert all(line[-1] not in "（《「『【" for line in lines[:-1]), lines


def test_a_retired_value_is_not_called_suspended_in_chinese(cli, demo_store):
    # 已停用 is an account's suspension (the glossary); a value no longer used is 停止使用.
    shown = cli("account", "show", "acme-us", "--format", "json", "--reveal").output
    value = next(v for v in __import__("json").loads(shown)["attributes"] if v["kind"] == "email")["value"]
    result = cli("attr", "retire", "acme-us", "email", value, env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 0, result.output
    assert "不再使用" in result.output and "停用" not in result.output


def test_account_show_history_and_store_speak_chinese(cli, demo_store):
    zh = {"LINKCHECK_LANG": "zh"}
    assert cli("account", "set", "acme-us", "--display-name", "Acme Home", "--merchant-token", "A1B2C3D4E5").exit_code == 0
    show = cli("account", "show", "acme-us", env=zh).output.splitlines()
    assert show[:3] == ["acme-us（amazon.com，正常）", "店铺显示名称：Acme Home", "卖家记号：A1B2C3D4E5"]
    history = cli("account", "history", "acme-us", env=zh).output
    assert "开始使用" in history and "in use" not in history
    # JSON and CSV keep their words: they are read by programs.
    assert "in use" in cli("account", "history", "acme-us", "--format", "csv", env=zh).output
    store = cli("store", env=zh).output
    assert "格式版本" in store and "密钥派生" in store and "format version" not in store
    bad = cli("audit", "--fail-on", "hihg", env=zh)
    assert bad.exit_code == 2 and "未知级别 'hihg'" in bad.output
    help_text = cli("account", "add", "--help", env=zh).output
    assert "店铺显示名称" in help_text and "display name, as buyers" not in help_text


def test_log_table_and_machine_origin_speak_chinese(cli, demo_store):
    machine = Path(__file__).resolve().parent / "fixtures" / "machines" / "laptop-a.json"
    zh = {"LINKCHECK_LANG": "zh"}
    captured = cli("capture", "acme-us", "--machine", machine, env=zh)
    assert captured.exit_code == 0 and "机器文件 laptop-a.json" in captured.output
    log = cli("log", env=zh).output
    assert "记录本机信息" in log and "已记录" in log and "RECORDED" not in log
    assert json.loads(cli("log", "--format", "json", env=zh).output)[-1]["verdict"] == "RECORDED"
    assert cli("fingerprint", "--machine", machine, env=zh).output.startswith("机器文件 laptop-a.json：")
