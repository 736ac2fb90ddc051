"""`precheck FILE` with many rows (a batch of planned accounts), the status of the accounts a
planned one collides with (suspended/closed), and values whose check digit or length says they
are mistyped (import, attr add, precheck). Fake data only."""

from __future__ import annotations

import csv
import json

import pytest

from linkcheck.normalize.numbers import id_number, registry_code

ZH = {"LINKCHECK_LANG": "zh"}

# Valid made-up numbers (check characters computed with python-stdnum).
USCC_A = "91440300MA5F0AAA1M"
USCC_B = "91440300MA5F0BBB2N"
RIC_A = "110105199003071239"
RIC_B = "11010519850512456X"

ON_FILE = [
    ["account", "marketplace", "status", "phone", "email", "registration_number", "id_number"],
    ["acme-us", "amazon.com", "active", "+1 201 555 0101", "ops@acme.example", USCC_A, RIC_A],
    ["banned-us", "amazon.com", "suspended", "+1 201 555 0102", "ops@banned.example", "", ""],
    ["old-de", "amazon.de", "closed", "+1 201 555 0103", "ops@old.example", "", ""],
]


def _write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def on_file(cli, store, tmp_path):
    result = cli("import", _write_csv(tmp_path / "on-file.csv", ON_FILE))
    assert result.exit_code == 0, result.output
    return store


def _planned(tmp_path, rows, name="planned.csv"):
    header = ["account", "marketplace", "status", "phone", "email"]
    return _write_csv(tmp_path / name, [header, *rows])


PLANNED_ROWS = [
    ["new-1", "amazon.com", "planned", "+1 201 555 0101", "hello@new1.example"],  # acme-us's phone
    ["new-2", "amazon.com", "planned", "+1 201 555 0102", "hello@new2.example"],  # the suspended account's
    ["new-3", "amazon.com", "planned", "+1 201 555 0201", "same@shared.example"],  # shares an email with new-4
    ["new-4", "amazon.com", "planned", "+1 201 555 0202", "same@shared.example"],
    ["new-5", "amazon.com", "planned", "+1 201 555 0203", "hello@new5.example"],  # nothing
    ["acme-uk", "amazon.co.uk", "active", "+1 201 555 0103", "x@acme-uk.example"],  # registered: not checked
]


def test_batch_precheck_one_line_per_planned_account_then_counts(cli, on_file, tmp_path):
    path = _planned(tmp_path, PLANNED_ROWS)
    result = cli("precheck", path)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "new-1: STOP: linked with acme-us (strongest: phone shared with acme-us, critical)",
        "new-2: STOP: linked with banned-us (suspended) (strongest: phone shared with banned-us (suspended), "
        "critical); a suspended or closed account among them would drag the new account down from its first day",
        "new-3: STOP: linked with new-4 (planned) (strongest: email shared with new-4 (planned), critical)",
        "new-4: STOP: linked with new-3 (planned) (strongest: email shared with new-3 (planned), critical)",
        "new-5: CLEAR",
        "",
        "5 planned account(s) checked: 4 STOP, 0 CAUTION, 1 CLEAR",
    ]
    assert (f"note: 1 row(s) of {path} have the status of an account already registered and were not checked "
            "(a row to check has the status planned, 计划中, or none)") in result.stderr


def test_batch_precheck_agrees_with_one_precheck_per_row(cli, on_file, tmp_path):
    batch = json.loads(cli("precheck", _planned(tmp_path, PLANNED_ROWS[:2] + PLANNED_ROWS[4:5]),
                           "--format", "json").stdout)
    for entry, row in zip(batch["accounts"], [PLANNED_ROWS[0], PLANNED_ROWS[1], PLANNED_ROWS[4]], strict=True):
        one = cli("precheck", _planned(tmp_path, [row], name=f"{row[0]}.csv"), "--format", "json")
        single = json.loads(one.stdout)
        others = sorted({a for p in single["pairs"] for a in p["accounts"]} - {row[0]})
        assert entry["account"] == row[0]
        assert entry["level"] == single["level"]
        assert [a["name"] for a in entry["accounts"]] == others


def test_batch_precheck_json_and_csv_have_one_entry_per_row(cli, on_file, tmp_path):
    path = _planned(tmp_path, PLANNED_ROWS)
    result = cli("precheck", path, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["summary"] == {"STOP": 4, "CAUTION": 0, "CLEAR": 1}
    assert [e["account"] for e in data["accounts"]] == ["new-1", "new-2", "new-3", "new-4", "new-5"]
    second = data["accounts"][1]
    assert second["row"] == "planned.csv row 3"
    assert (second["verdict"], second["level"], second["kind"], second["with"]) == ("STOP", "critical", "phone",
                                                                                     "banned-us")
    assert second["accounts"] == [{"name": "banned-us", "status": "suspended"}]
    assert second["suspended_or_closed"] == ["banned-us"]
    assert data["accounts"][2]["accounts"] == [{"name": "new-4", "status": "planned"}]
    assert data["accounts"][4]["verdict"] == "CLEAR" and data["accounts"][4]["with"] is None

    rows = list(csv.DictReader(cli("precheck", path, "--format", "csv").stdout.splitlines()))
    assert [r["verdict"] for r in rows] == ["STOP", "STOP", "STOP", "STOP", "CLEAR"]
    assert rows[1] == {"row": "planned.csv row 3", "account": "new-2", "verdict": "STOP", "level": "critical",
                       "kind": "phone", "with": "banned-us", "accounts": "banned-us",
                       "suspended_or_closed": "banned-us", "mistyped": "0"}


def test_batch_precheck_exits_0_without_a_stop(cli, on_file, tmp_path):
    result = cli("precheck", _planned(tmp_path, [PLANNED_ROWS[4], ["new-6", "amazon.com", "", "+1 201 555 0204", ""]]))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "2 planned account(s) checked: 0 STOP, 0 CAUTION, 2 CLEAR"


def test_batch_precheck_in_chinese_with_chinese_headers(cli, on_file, tmp_path):
    path = _write_csv(tmp_path / "计划.csv", [
        ["店铺名称", "平台", "状态", "手机号"],
        ["JH001", "亚马逊美国", "计划中", "+1 201 555 0102"],
        ["JH002", "亚马逊美国", "计划中", "+1 201 555 0299"],
        ["KH001", "亚马逊美国", "正常", "+1 201 555 0101"],
    ])
    result = cli("precheck", path, env=ZH)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "JH001：不要注册（STOP）：与 banned-us（已停用） 有关联（最强：与 banned-us（已停用） 共用电话号码，严重）；"
        "其中有已停用或已关闭的账户，新账户从注册第一天起就会被它牵连",
        "JH002：无关联",
        "",
        "共检查 2 个计划账户：不要注册（STOP）1 个，注意（CAUTION）0 个，无关联 1 个",
    ]
    assert f"提示：{path} 中有 1 行是已注册账户的状态，没有检查（要检查的行，状态应为“计划中”或留空）" in result.stderr


def test_batch_precheck_reports_every_invalid_row_and_checks_nothing(cli, on_file, tmp_path):
    path = _planned(tmp_path, [PLANNED_ROWS[0], ["new-7", "amazon.com", "planned", "not a phone", ""],
                               ["new-8", "amazon.com", "someday", "+1 201 555 0205", ""]])
    result = cli("precheck", path)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == "linkcheck: error: 2 invalid row(s); nothing was checked"
    assert "planned.csv row 3: account 'new-7'" in result.stderr
    assert "planned.csv row 4: status 'someday' must be one of" in result.stderr


def test_batch_precheck_of_registered_rows_only_is_refused(cli, on_file, tmp_path):
    path = _planned(tmp_path, [PLANNED_ROWS[5], ["acme-fr", "amazon.fr", "active", "+1 201 555 0299", ""]])
    result = cli("precheck", path)
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        f"linkcheck: error: {path}: no planned account to check: every row's status is that of an account already "
        "registered (a row to check has the status planned, 计划中, or none)")


def test_one_row_file_and_empty_file(cli, on_file, tmp_path):
    one = cli("precheck", _planned(tmp_path, [PLANNED_ROWS[4]]))
    assert (one.exit_code, one.stdout) == (0, "CLEAR: new-5 shares nothing with the accounts on file.\n")
    empty = tmp_path / "empty.json"
    empty.write_text("[]", encoding="utf-8")
    result = cli("precheck", empty)
    assert (result.exit_code, result.stderr.strip()) == (3, f"linkcheck: error: {empty}: the file has no account to check")


# ----- the status of the accounts a single precheck collides with -------------------------------

def test_precheck_names_a_suspended_account_and_says_what_it_means(cli, on_file):
    result = cli("precheck", "--phone", "+1 201 555 0102", "--email", "ops@acme.example")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "STOP: planned shares identifiers with acme-us, banned-us (suspended) (strongest: critical)"
    assert lines[1] == ("Linked with a suspended or closed account (banned-us): the new account would be linked to it "
                        "from its first day, and is likely to be suspended with it.")
    assert any(line.startswith("CRITICAL  banned-us (suspended) — planned  (score") for line in lines)
    zh = cli("precheck", "--phone", "+1 201 555 0103", env=ZH)
    assert zh.stdout.splitlines()[:2] == [
        "不要注册（STOP）：计划账户 与 old-de（已关闭） 共用识别信息（最强：严重）",
        "关联到已停用或已关闭的账户（old-de）：新账户从注册第一天起就与它关联，很可能被一并停用。",
    ]


def test_precheck_without_a_suspended_account_says_nothing_of_it(cli, on_file):
    result = cli("precheck", "--phone", "+1 201 555 0101")
    assert result.stdout.splitlines()[:2] == [
        "STOP: planned shares identifiers with acme-us (strongest: critical)", ""]


def test_precheck_json_gives_each_pair_the_status_of_the_account_on_file(cli, on_file):
    data = json.loads(cli("precheck", "--phone", "+1 201 555 0102", "--email", "ops@acme.example",
                          "--format", "json").stdout)
    assert {tuple(p["accounts"]): p["status"] for p in data["pairs"]} == {
        ("banned-us", "planned"): "suspended", ("acme-us", "planned"): "active"}
    assert data["suspended_or_closed"] == ["banned-us"]


# ----- mistyped numbers: a failing check digit, an impossible length -----------------------------

def test_length_flags():
    assert registry_code("91440300MA5F", "CN").flags == ("bad-length",)
    assert registry_code("91440300MA5F0AAA1MX", None).flags == ("bad-length",)
    assert registry_code(USCC_A, "CN").flags == ("country:CN",)
    assert registry_code("440301104567897", "CN").flags == ()  # 15 digits: an old business registration number
    assert registry_code("123456789012", "US").flags == ()
    assert id_number(RIC_A[:-1]).flags == ("bad-length",)  # 17 digits
    assert id_number(RIC_A + "1").flags == ("bad-length",)  # 19
    assert id_number("110105900307123").flags == ()  # 15: a first-generation ID
    assert id_number("E12345678").flags == ()  # a passport
    assert id_number("1234567890123456").flags == ()  # no Chinese ID's shape


BAD = [
    ["account", "marketplace", "registration_number", "id_number"],
    ["typo-1", "amazon.com", USCC_B[:-1] + "0", RIC_B[:-1] + "1"],
    ["typo-2", "amazon.com", "91440300MA5F", RIC_B[:-1]],
    ["fine", "amazon.com", USCC_B, RIC_B],
]


def test_import_warns_of_each_mistyped_value_and_strict_refuses(cli, store, tmp_path):
    path = _write_csv(tmp_path / "bad.csv", BAD)
    strict = cli("import", path, "--region", "CN", "--strict")
    assert strict.exit_code == 3
    assert strict.stderr.splitlines()[-1] == "linkcheck: error: 2 invalid rows (4 problems); nothing was imported"
    assert cli("account", "list", "--format", "json").stdout.strip() == "[]"
    result = cli("import", path, "--region", "CN")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("warning:")] == [
        "warning: bad.csv row 2: account 'typo-1': registration number ****BB20 fails its check digit: it is "
        "probably mistyped; check it against the document",
        "warning: bad.csv row 2: account 'typo-1': id document number ****4561 fails its check digit: it is "
        "probably mistyped; check it against the document",
        "warning: bad.csv row 3: account 'typo-2': registration number ****MA5F has 12 characters where a unified "
        "social credit code has 18: it is probably mistyped; check it against the document",
        "warning: bad.csv row 3: account 'typo-2': id document number ****2456 has 17 characters where a Chinese ID "
        "number has 18 (or 15): it is probably mistyped; check it against the document",
    ]


def test_import_warning_in_chinese(cli, store, tmp_path):
    path = _write_csv(tmp_path / "bad.csv", BAD[:3])
    result = cli("import", path, "--region", "CN", env=ZH)
    assert result.exit_code == 0, result.output
    assert ("警告：bad.csv 第 3 行：账户 'typo-2'：注册号 ****MA5F 只有 12 位，而统一社会信用代码应为 18 位，可能输错了，"
            "请对照营业执照核对") in result.stderr.splitlines()


def test_attr_add_and_precheck_warn_of_a_mistyped_value(cli, store):
    assert cli("account", "add", "typo-3", "-m", "amazon.com").exit_code == 0
    added = cli("attr", "add", "typo-3", "id_number", RIC_B[:-1] + "1")
    assert added.exit_code == 0
    assert added.stderr.strip() == ("warning: account 'typo-3': id document number ****4561 fails its check digit: "
                                    "it is probably mistyped; check it against the document")
    fine = cli("attr", "add", "typo-3", "id_number", RIC_A)
    assert fine.stderr == ""
    checked = cli("precheck", "--id-number", RIC_B[:-1], env=ZH)
    assert ("警告：账户 '计划账户'：身份证件号码 ****2456 有 17 位，而身份证号应为 18 位（老证件 15 位），可能输错了，请对照身份证核对"
            in checked.stderr.splitlines())


def test_batch_precheck_warns_of_mistyped_values_by_row(cli, on_file, tmp_path):
    path = _write_csv(tmp_path / "p.csv", [["account", "id_number"], ["p-1", RIC_B[:-1] + "1"], ["p-2", RIC_B]])
    result = cli("precheck", path, "--format", "json")
    assert result.exit_code == 0
    assert result.stderr.strip() == ("warning: p.csv row 2: account 'p-1': id document number ****4561 fails its check "
                                     "digit: it is probably mistyped; check it against the document")
    data = json.loads(result.stdout)
    assert [len(e["mistyped"]) for e in data["accounts"]] == [1, 0]


def test_precheck_help_spaces_latin_kind_labels_in_chinese(cli):
    text = cli("precheck", "--help", env=ZH).stdout
    assert "计划账户的 IP 地址（可重复指定）" in text
    assert "计划账户的电话号码（可重复指定）" in text


# ----- a mistyped number one typo from a number on file ------------------------------------------

def test_precheck_says_a_mistyped_id_is_one_typo_from_a_number_on_file(cli, on_file, tmp_path):
    # RIC_A and USCC_A are acme-us's; the planned values change their check character, or
    # leave a digit out: the near-id blocking keys would not meet them under a shared prefix.
    result = cli("precheck", "--id-number", RIC_A[:-1] + "1", "--registration-number", USCC_A[:-1] + "0")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "CLEAR: planned shares nothing with the accounts on file.",
        "Probably mistyped: planned's registration number ****AA10 fails its check and is one typo from ****AA1M "
        "on acme-us; if they are one number, the accounts share it.",
        "Probably mistyped: planned's id document number ****1231 fails its check and is one typo from ****1239 "
        "on acme-us; if they are one number, the accounts share it.",
    ]
    data = json.loads(cli("precheck", "--id-number", RIC_A[:15] + RIC_A[16:], "--format", "json").stdout)
    assert data["typos"] == [{"kind": "id_number", "value": "****7139", "account": "acme-us",
                              "status": "active", "value_on_file": "****1239"}]
    # A valid number is no typo of anything; nor is one whose neighbours are on no account.
    assert "Probably mistyped" not in cli("precheck", "--id-number", RIC_B).stdout
    assert "Probably mistyped" not in cli("precheck", "--id-number", RIC_B[:-1] + "1").stdout


def test_batch_precheck_says_a_mistyped_id_under_its_row(cli, on_file, tmp_path):
    path = _write_csv(tmp_path / "p.csv", [["account", "id_number"], ["p-1", RIC_A[:-1] + "1"], ["p-2", RIC_B]])
    result = cli("precheck", path)
    assert result.stdout.splitlines()[:3] == [
        "p-1: CLEAR",
        "    Probably mistyped: p-1's id document number ****1231 fails its check and is one typo from ****1239 on "
        "acme-us; if they are one number, the accounts share it.",
        "p-2: CLEAR",
    ]
    data = json.loads(cli("precheck", path, "--format", "json").stdout)
    assert [len(e["typos"]) for e in data["accounts"]] == [1, 0]


# ----- audit --status: only the pairs with an account of a status ---------------------------------

def test_audit_status_keeps_only_pairs_with_a_planned_account(cli, store, tmp_path):
    path = _write_csv(tmp_path / "all.csv", [
        ["account", "marketplace", "status", "phone", "email"],
        ["acme-us", "amazon.com", "active", "+1 201 555 0101", "a@acme.example"],
        ["new-1", "amazon.com", "planned", "+1 201 555 0101", "n@new1.example"],
        ["x-1", "amazon.com", "active", "+1 201 555 0111", "same@x.example"],
        ["x-2", "amazon.com", "active", "+1 201 555 0112", "same@x.example"],
    ])
    assert cli("import", path).exit_code == 0
    every = json.loads(cli("audit", "--format", "json").stdout)
    assert sorted(tuple(p["accounts"]) for p in every["pairs"]) == [("acme-us", "new-1"), ("x-1", "x-2")]
    for word in ("planned", "计划中"):
        result = cli("audit", "--status", word, "--format", "json")
        assert result.exit_code == 1
        data = json.loads(result.stdout)
        assert [p["accounts"] for p in data["pairs"]] == [["acme-us", "new-1"]]
    table = cli("audit", "--status", "planned").stdout
    assert "acme-us — new-1" in table and "x-1 — x-2" not in table
    assert cli("audit", "--status", "suspended", "--format", "json").exit_code == 0
