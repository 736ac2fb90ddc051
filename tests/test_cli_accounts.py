"""Accounts, values, import and export as a user drives them from the command line."""

from __future__ import annotations

import csv
import json
import stat

import pytest

from conftest import PROFILES_DIR, write_json


def _accounts(cli) -> list[dict]:
    result = cli("account", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_account_add_list_show(cli, store):
    assert cli("account", "add", "acme-us", "--marketplace", "amazon.com", "--note", "main brand").exit_code == 0
    rows = _accounts(cli)
    assert [(r["name"], r["marketplace"], r["status"], r["note"]) for r in rows] == [
        ("acme-us", "amazon.com", "active", "main brand")
    ]
    result = cli("account", "show", "acme-us")
    assert result.exit_code == 0
    assert "acme-us" in result.output and "amazon.com" in result.output


def test_account_list_json_is_an_array_of_objects(cli, demo_store):
    rows = _accounts(cli)
    assert isinstance(rows, list) and len(rows) == 10
    assert all(isinstance(r, dict) and "name" in r and "status" in r for r in rows)


def test_account_add_duplicate_is_refused(cli, store):
    cli("account", "add", "acme-us")
    result = cli("account", "add", "acme-us")
    assert result.exit_code == 2
    assert "already exists" in result.output


def test_account_set_changes_status(cli, store):
    cli("account", "add", "acme-us")
    assert cli("account", "set", "acme-us", "--status", "suspended").exit_code == 0
    assert _accounts(cli)[0]["status"] == "suspended"



@pytest.mark.parametrize("word", ["Suspended", "SUSPENDED", "Deactivated", "deactivated", "已停用"])
def test_account_set_takes_a_status_in_any_case_and_amazons_word(cli, store, word):
    cli("account", "add", "acme-us")
    assert cli("account", "set", "acme-us", "--status", word).exit_code == 0
    assert _accounts(cli)[0]["status"] == "suspended"
    assert [a["name"] for a in json.loads(cli("account", "list", "--status", word, "--format", "json").stdout)] == ["acme-us"]

def test_account_set_with_nothing_to_change_is_usage_error(cli, store):
    cli("account", "add", "acme-us")
    assert cli("account", "set", "acme-us").exit_code == 2


def test_account_set_rename_keeps_values(cli, store):
    cli("account", "add", "acme-us")
    cli("attr", "add", "acme-us", "email", "ops@acme.example")
    assert cli("account", "set", "acme-us", "--rename", "acme-north").exit_code == 0
    shown = json.loads(cli("account", "show", "acme-north", "--format", "json", "--reveal").output)
    assert [a["value"] for a in shown["attributes"]] == ["ops@acme.example"]


def test_account_remove_needs_yes_without_terminal(cli, store):
    cli("account", "add", "acme-us")
    result = cli("account", "remove", "acme-us")
    assert result.exit_code == 2
    assert "--yes" in result.output
    assert cli("account", "remove", "acme-us", "--yes").exit_code == 0
    assert _accounts(cli) == []


def test_unknown_account_is_usage_error(cli, store):
    result = cli("account", "show", "nobody")
    assert result.exit_code == 2
    assert "no account named 'nobody'" in result.output


def test_attr_add_normalises_and_does_not_duplicate(cli, store):
    cli("account", "add", "acme-us", "-m", "amazon.com")
    assert cli("attr", "add", "acme-us", "email", "J.Doe+amz@GMail.com").exit_code == 0
    result = cli("attr", "add", "acme-us", "email", "jdoe@gmail.com")
    assert result.exit_code == 0
    assert "already has" in result.output
    shown = json.loads(cli("account", "show", "acme-us", "--format", "json").output)
    assert len(shown["attributes"]) == 1


def test_attr_values_are_masked_unless_revealed(cli, store):
    cli("account", "add", "acme-us")
    cli("attr", "add", "acme-us", "card", "4111 1111 1111 1111")
    masked = cli("account", "show", "acme-us").output
    assert "4111 1111 1111 1111" not in masked and "4111111111111111" not in masked
    assert "1111" in masked
    revealed = cli("account", "show", "acme-us", "--reveal").output
    assert "4111 1111 1111 1111" in revealed


def test_attr_add_invalid_value_exits_3_naming_account_kind_and_reason(cli, store):
    cli("account", "add", "acme-us")
    result = cli("attr", "add", "acme-us", "email", "not-an-email")
    assert result.exit_code == 3
    line = result.output.strip().splitlines()[-1]
    assert "acme-us" in line and "email" in line and "not-an-email" in line
    shown = json.loads(cli("account", "show", "acme-us", "--format", "json").output)
    assert shown["attributes"] == []


def test_attr_add_unknown_kind_is_a_usage_error_exit_2(cli, store):
    cli("account", "add", "acme-us")
    result = cli("attr", "add", "acme-us", "shoe_size", "42")
    assert result.exit_code == 2
    assert "shoe_size" in result.output


def test_invalid_card_reason_does_not_echo_the_number(cli, store):
    cli("account", "add", "acme-us")
    result = cli("attr", "add", "acme-us", "card", "4111 1111 1111 1112")
    assert result.exit_code == 3
    assert "1111 1111 1111" not in result.output


def test_phone_without_country_code_uses_marketplace_region(cli, store):
    cli("account", "add", "acme-us", "-m", "amazon.com")
    assert cli("attr", "add", "acme-us", "phone", "(201) 555-0123").exit_code == 0
    shown = json.loads(cli("account", "show", "acme-us", "--format", "json", "--reveal").output)
    assert shown["attributes"][0]["value"] == "(201) 555-0123"


def test_phone_without_country_code_and_no_region_is_invalid(cli, store):
    cli("account", "add", "shop")
    result = cli("attr", "add", "shop", "phone", "(201) 555-0123")
    assert result.exit_code == 3
    assert cli("attr", "add", "shop", "phone", "(201) 555-0123", "--region", "US").exit_code == 0


def test_attr_remove_matches_any_spelling(cli, store):
    cli("account", "add", "acme-us")
    cli("attr", "add", "acme-us", "mac", "3C-22-FB-12-34-56")
    assert cli("attr", "remove", "acme-us", "mac", "3c22.fb12.3456", "--yes").exit_code == 0
    assert json.loads(cli("account", "show", "acme-us", "--format", "json").output)["attributes"] == []


def test_import_json_profiles(cli, demo_store):
    names = {r["name"] for r in _accounts(cli)}
    assert {"acme-us", "acme-de", "lotus-jp", "willow-us"} <= names
    statuses = {r["name"]: r["status"] for r in _accounts(cli)}
    assert statuses["acme-de"] == "suspended"


def test_import_csv_with_multiple_values_per_cell(cli, store, tmp_path):
    path = tmp_path / "stores.csv"
    path.write_text(
        "account,marketplace,status,email,ip\n"
        "acme-us,amazon.com,active,ops@acme.example;sales@acme.example,203.0.113.7\n"
        "lotus-jp,amazon.co.jp,planned,hello@lotus.example,\n",
        encoding="utf-8",
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("account", "show", "acme-us", "--format", "json", "--reveal").output)
    assert sorted(a["value"] for a in shown["attributes"]) == ["203.0.113.7", "ops@acme.example", "sales@acme.example"]


@pytest.mark.parametrize("tail", ["\n", ""])
def test_import_csv_refuses_a_quote_never_closed_and_writes_nothing(cli, store, tmp_path, tail):
    """A quote opened and never closed made the rest of the file one cell, imported silently as
    an account named "unterminated,amazon.com,..." with no values: now exit 3, the line named."""
    path = tmp_path / "unterm.csv"
    path.write_text("account,marketplace,email\n"
                    "acme-us,amazon.com,ops@acme.example\n"
                    '"unterminated,amazon.com,a@b.example' + tail, encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 3, result.output
    assert result.stderr.strip() == (f"linkcheck: error: {path}: line 3: a quote (\") opens a cell that is never "
                                     "closed; close it or remove it")
    assert _accounts(cli) == []


@pytest.mark.parametrize("tail", ["\n", ""])
def test_import_csv_reads_quoted_cells_over_several_lines_and_a_last_line_without_newline(cli, store, tmp_path, tail):
    path = tmp_path / "quoted.csv"
    path.write_text("account,marketplace,email,address\n"
                    'acme-us,amazon.com,ops@acme.example,"1 Example Road\nSpringfield, IL 62701"\n'
                    'lotus-jp,"amazon.co.jp","hello@lotus.example",' + tail, encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert sorted(r["name"] for r in _accounts(cli)) == ["acme-us", "lotus-jp"]
    shown = json.loads(cli("account", "show", "acme-us", "--format", "json", "--reveal").output)
    assert "1 Example Road\nSpringfield, IL 62701" in [a["value"] for a in shown["attributes"]]


def test_import_csv_reads_a_row_that_holds_the_readers_end_line_as_a_row(cli, store, tmp_path):
    """The line the reader adds after the file's last one, met inside the file, is an ordinary
    row (here: an invalid account name), not the end: the rows after it are read too."""
    from linkcheck.importers.safety import _END_LINE

    path = tmp_path / "odd.csv"
    path.write_text(f"account,marketplace\n{_END_LINE}\nacme-us,amazon.com\n", encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 3, result.output
    assert "row 2" in result.output and "row 3" not in result.output


def test_import_invalid_rows_reports_every_one_and_writes_nothing(cli, store, tmp_path):
    path = write_json(
        tmp_path / "bad.json",
        [
            {"account": "good", "attributes": {"email": ["ok@good.example"]}},
            {"account": "bad-one", "attributes": {"email": ["nope"]}},
            {"account": "bad-two", "attributes": {"mac": ["zz:zz"]}},
        ],
    )
    result = cli("import", path)
    assert result.exit_code == 3
    assert "bad.json[1]" in result.output and "bad-one" in result.output and "email" in result.output
    assert "bad.json[2]" in result.output and "bad-two" in result.output and "mac" in result.output
    assert _accounts(cli) == []


def test_import_skip_invalid_imports_the_rest(cli, store, tmp_path):
    path = write_json(
        tmp_path / "bad.json",
        [
            {"account": "good", "attributes": {"email": ["ok@good.example"]}},
            {"account": "bad-one", "attributes": {"email": ["nope"]}},
        ],
    )
    result = cli("import", path, "--skip-invalid")
    assert result.exit_code == 0
    assert "skipped" in result.output and "bad-one" in result.output
    assert [r["name"] for r in _accounts(cli)] == ["good"]


def test_reimport_merges_without_duplicates_or_drops(cli, store, tmp_path):
    first = write_json(tmp_path / "a.json", {"account": "acme-us", "attributes": {"email": ["ops@acme.example"]}})
    second = write_json(
        tmp_path / "b.json", {"account": "acme-us", "attributes": {"email": ["OPS@acme.example"], "ip": ["203.0.113.7"]}}
    )
    assert cli("import", first).exit_code == 0
    assert cli("import", second).exit_code == 0
    shown = json.loads(cli("account", "show", "acme-us", "--format", "json").output)
    assert sorted(a["kind"] for a in shown["attributes"]) == ["email", "ip"]


def test_import_missing_account_field_is_invalid(cli, store, tmp_path):
    path = write_json(tmp_path / "x.json", {"attributes": {"email": ["a@b.example"]}})
    result = cli("import", path)
    assert result.exit_code == 3
    assert "name" in result.output


def test_import_not_json_is_invalid(cli, store, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    result = cli("import", path)
    assert result.exit_code == 3
    assert "not valid JSON" in result.output


def test_import_unknown_extension_asks_for_format(cli, store, tmp_path):
    path = tmp_path / "x.dat"
    path.write_text("{}")
    result = cli("import", path)
    assert result.exit_code == 3
    assert "--format" in result.output


def test_export_json_round_trip_is_exact(cli, demo_store, tmp_path):
    out = tmp_path / "export.json"
    result = cli("export", "-o", out)
    assert result.exit_code == 0
    assert "plain text" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    first = json.loads(out.read_text())
    other = tmp_path / "other.db"
    assert cli("init", "--store", other).exit_code == 0
    assert cli("import", "--store", other, out).exit_code == 0
    again = tmp_path / "again.json"
    assert cli("export", "--store", other, "-o", again).exit_code == 0
    assert json.loads(again.read_text()) == first


def test_export_csv_round_trip_keeps_accounts_and_values(cli, demo_store, tmp_path):
    out = tmp_path / "export.csv"
    assert cli("export", "--format", "csv", "-o", out).exit_code == 0
    other = tmp_path / "other.db"
    assert cli("init", "--store", other).exit_code == 0
    assert cli("import", "--store", other, out).exit_code == 0, "re-import of CSV export"
    again = tmp_path / "again.csv"
    assert cli("export", "--store", other, "--format", "csv", "-o", again).exit_code == 0
    assert out.read_text() == again.read_text()


def test_export_csv_escapes_formulas(cli, store, tmp_path):
    cli("account", "add", "=cmd|calc", "-m", "amazon.com")
    cli("attr", "add", "=cmd|calc", "phone", "+1 201 555 0123")
    out = tmp_path / "export.csv"
    assert cli("export", "--format", "csv", "-o", out).exit_code == 0
    rows = list(csv.reader(out.open()))
    assert rows[1][0] == "'=cmd|calc"
    phone_cell = rows[1][rows[0].index("phone")]
    assert phone_cell.startswith("'+")


def test_every_shipped_profile_imports(cli, store):
    for path in sorted(PROFILES_DIR.glob("*.json")):
        result = cli("import", path)
        assert result.exit_code == 0, (path.name, result.output)


def test_help_lists_exit_codes(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for code in ("0", "1", "2", "3", "4", "5", "6"):
        assert f"  {code}  " in result.output


def test_rename_carries_explanations_and_log_along(cli, demo_store):
    from linkcheck.models import Event
    from linkcheck.store import Store

    from conftest import PASSPHRASE

    assert cli("explain", "harbor-au", "cedar-us", "ip_network", "--note", "coworking space").exit_code == 0
    with Store.open(demo_store, PASSPHRASE, write=True) as st:
        st.add_event(Event(1_700_000_000, "harbor-au", "check", "GO", {}))
    assert cli("account", "set", "harbor-au", "--rename", "harbor-oceania").exit_code == 0
    listed = json.loads(cli("explain", "--list", "--format", "json").stdout)
    assert [row["accounts"] for row in listed] == ["cedar-us / harbor-oceania"]
    log = json.loads(cli("log", "harbor-oceania", "--format", "json").stdout)
    # The check, carried to the new name, and the rename itself (a destructive edit leaves a trace).
    assert [(e["action"], e["verdict"]) for e in log] == [("check", "GO"), ("account-rename", "RENAMED")]
    assert log[1]["what"] == ["renamed from harbor-au"]


def test_export_writes_local_phone_numbers_in_e164_so_they_import_anywhere(cli, store, tmp_path):
    cli("account", "add", "shop-cn", "-m", "amazon.com")
    assert cli("attr", "add", "shop-cn", "phone", "13800138000", "--region", "CN").exit_code == 0
    out = tmp_path / "export.json"
    assert cli("export", "-o", out).exit_code == 0
    exported = json.loads(out.read_text())
    assert exported[0]["attributes"]["phone"][0]["value"] == "+8613800138000"
    other = tmp_path / "other.db"
    assert cli("init", "--store", other).exit_code == 0
    assert cli("import", "--store", other, out).exit_code == 0


def test_export_csv_starts_with_a_bom_for_excel(cli, demo_store, tmp_path):
    out = tmp_path / "export.csv"
    assert cli("export", "--format", "csv", "-o", out).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_export_to_a_missing_folder_is_a_clear_usage_error(cli, demo_store, tmp_path):
    result = cli("export", "-o", tmp_path / "missing" / "x.json")
    assert result.exit_code == 2
    assert "cannot write" in result.output


def test_import_counts_invalid_rows_not_problems(cli, store, tmp_path):
    path = write_json(tmp_path / "bad.json", [{"account": "x", "attributes": {"email": ["nope"], "mac": ["zz"]}}])
    result = cli("import", path)
    assert result.exit_code == 3
    assert "1 invalid row (2 problems)" in result.output


def test_import_refuses_an_excel_workbook_with_advice(cli, store, tmp_path):
    path = tmp_path / "stores.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    result = cli("import", path)
    assert result.exit_code == 3
    assert "save it as CSV" in result.output


def test_init_refuses_a_short_passphrase(cli, store_path):
    result = cli("init", passphrase="abc")
    assert result.exit_code == 4
    assert "at least 8" in result.output
    assert not store_path.exists()


def test_init_on_a_directory_says_to_give_a_file_name(cli, tmp_path):
    result = cli("init", "--store", tmp_path)
    assert result.exit_code == 2
    assert "is a directory" in result.output


def test_an_unknown_account_name_suggests_the_closest_one(cli, demo_store, monkeypatch):
    from linkcheck.store import api

    result = cli("account", "show", "acme-su")
    assert result.exit_code == 2
    assert "no account named 'acme-su' (did you mean acme-us?)" in result.output
    assert "did you mean" not in cli("account", "show", "zzzz").output
    zh = cli("account", "set", "acme-su", "--note", "x", env={"LINKCHECK_LANG": "zh"})
    assert zh.exit_code == 2 and "是不是 acme-us？" in zh.output
    # A store too large to read every name for an error says only that there is none.
    monkeypatch.setattr(api, "SUGGEST_MAX_ACCOUNTS", 1)
    assert "did you mean" not in cli("account", "show", "acme-su").output


def test_a_mistyped_kind_gets_a_did_you_mean_on_the_command_line_and_in_an_import(cli, store, tmp_path):
    """`attr add NAME emial …` and a JSON import's "emial" name the kind meant, as a CSV header
    and an account name already did; a name close to no kind gets none."""
    assert cli("account", "add", "acme-us").exit_code == 0
    result = cli("attr", "add", "acme-us", "emial", "ops@acme.example")
    assert result.exit_code == 2
    assert "unknown kind 'emial' (did you mean email?); use one of: company_name, " in result.stderr
    assert "did you mean" not in cli("attr", "add", "acme-us", "zzzz", "x").stderr
    zh = cli("attr", "add", "acme-us", "emial", "ops@acme.example", env={"LINKCHECK_LANG": "zh"})
    assert "未知类型 'emial'（你是不是想写 email？）；可用的类型：company_name、" in zh.stderr
    path = write_json(tmp_path / "e.json", [{"account": "x-2", "attributes": {"emial": ["a@b.example"]}}])
    result = cli("import", path)
    assert result.exit_code == 3
    assert "unknown attribute kind 'emial' (did you mean email?); valid kinds: company_name, " in result.output


def test_a_csv_header_in_latin_letters_is_answered_with_the_kind_name_in_chinese_too(cli, store, tmp_path):
    """In Chinese, "emial" is answered with email (what the user was writing), not 邮箱."""
    path = tmp_path / "e.csv"
    path.write_text("account,emial\nx-1,a@b.example\n", encoding="utf-8")
    result = cli("import", path, env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 3
    assert "未知的列 'emial'（你是不是想写 email？）" in result.stderr


def test_a_value_warning_names_the_account_in_the_interfaces_language(cli, store):
    """`attr add`'s warning about a number read in another country said "account 'x'" in a
    Chinese sentence: 账户 now, as every other line does."""
    assert cli("account", "add", "sunrise-uk", "-m", "amazon.co.uk").exit_code == 0
    assert cli("attr", "add", "sunrise-uk", "company_name", "Shenzhen Xinghe Trading Co., Ltd.").exit_code == 0
    result = cli("attr", "add", "sunrise-uk", "phone", "020 7946 0000", "--region", "GB", env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 0, result.output
    assert "警告：账户 'sunrise-uk'：电话 ****0000 没有国家代码" in result.stderr
    assert "account" not in result.stderr


def test_attr_add_help_names_every_kind_it_takes(cli):
    from linkcheck.registry import kinds

    for env in ({}, {"LINKCHECK_LANG": "zh"}):
        shown = " ".join(cli("attr", "add", "--help", env=env).output.split())
        missing = [name for name in kinds.KIND_NAMES if name not in shown]
        assert not missing, (env, missing)


def test_a_json_import_answers_a_mistyped_chinese_kind_name_as_a_csv_header_is_answered(cli, store, tmp_path):
    path = write_json(tmp_path / "z.json", [{"account": "x-2", "attributes": {"邮箱地": ["a@b.example"]}}])
    result = cli("import", path, env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 3
    assert "未知的信息类型 '邮箱地'（你是不是想写 邮箱？）" in result.output
