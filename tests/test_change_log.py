"""Destructive edits leave a trace in the sealed log: `account remove`, `attr remove`,
`attr retire` and a rename each log what they removed (kind and masked value), and `log`
shows it (table and JSON). The entries are sealed like the rest of the log."""

from __future__ import annotations

import json
import sqlite3

from pathlib import Path

LAPTOP_A = Path(__file__).resolve().parent / "fixtures" / "machines" / "laptop-a.json"


def _ok(result) -> None:
    assert result.exit_code == 0, result.output


def _log(cli, *args):
    result = cli("log", *args, "--format", "json")
    _ok(result)
    return json.loads(result.output)


def test_account_remove_logs_what_it_erased(cli, demo_store):
    shown = json.loads(cli("account", "show", "acme-us", "--format", "json").output)
    _ok(cli("account", "remove", "acme-us", "--yes"))
    entries = [e for e in _log(cli) if e["action"] == "account-remove"]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["account"], entry["verdict"]) == ("acme-us", "REMOVED")
    masked = sorted(f"{a['kind']} {a['value']}" for a in shown["attributes"])
    assert sorted(entry["what"]) == masked and len(masked) >= 3
    # `log NAME` still finds the account's entries after it is gone.
    assert [e["action"] for e in _log(cli, "acme-us")] == ["account-remove"]


def test_attr_remove_retire_and_rename_are_logged_masked(cli, store, store_path):
    _ok(cli("account", "add", "shop-a"))
    _ok(cli("attr", "add", "shop-a", "email", "owner.private@example.com"))
    _ok(cli("attr", "add", "shop-a", "ip", "203.0.113.7"))
    _ok(cli("attr", "remove", "shop-a", "email", "OWNER.PRIVATE@example.com", "--yes"))
    _ok(cli("attr", "retire", "shop-a", "ip", "203.0.113.7"))
    _ok(cli("account", "set", "shop-a", "--rename", "shop-b"))
    entries = [(e["account"], e["action"], e["verdict"], e["what"]) for e in _log(cli)]
    assert entries[0][:3] == ("shop-b", "attr-remove", "REMOVED")
    (removed,) = entries[0][3]
    assert removed.startswith("email ") and "owner.private" not in removed
    assert entries[1][:3] == ("shop-b", "attr-retire", "RETIRED") and entries[1][3] == ["ip 203.0.113.x"]
    assert entries[2] == ("shop-b", "account-rename", "RENAMED", ["renamed from shop-a"])
    table = cli("log")
    _ok(table)
    assert "what" in table.output.splitlines()[0] and "renamed from shop-a" in table.output
    # Sealed: nothing of it is in the file in clear.
    raw = b"".join(bytes(row[0]) for row in sqlite3.connect(store_path).execute("SELECT body FROM events"))
    for secret in (b"owner.private", b"shop-a", b"attr-remove", b"renamed"):
        assert secret not in raw


def test_the_log_of_checks_alone_has_no_what_column(cli, demo_store):
    _ok(cli("capture", "acme-us", "--machine", LAPTOP_A))
    table = cli("log")
    _ok(table)
    assert "what" not in table.output.splitlines()[0]
    assert "what" not in _log(cli)[0]
