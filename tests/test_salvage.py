"""A file store refused after a row was deleted behind linkcheck's back: the refusal says what
to do next, and `store migrate --salvage` copies every row that still verifies on its own into
a new store, reports what is lost and logs it there. Each test fails without the salvage."""

from __future__ import annotations

import json
import sqlite3

NEW_PASSPHRASE = "a passphrase for the rescue"


def _sql(path, statement: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(statement)
    conn.close()


def test_a_deleted_account_row_points_at_salvage_and_salvage_keeps_the_rest(cli, demo_store, tmp_path):
    _sql(demo_store, "DELETE FROM accounts WHERE id = (SELECT max(id) FROM accounts)")
    refused = cli("account", "list")
    assert refused.exit_code == 5
    assert refused.output.strip() == (
        "linkcheck: error: store was tampered with or damaged: rows were deleted, added, replaced or rolled back; "
        "`linkcheck store migrate --salvage --to NEW-FILE` copies what still verifies into a new store and says "
        "what is lost")
    rescue = tmp_path / "rescue.db"
    result = cli("store", "migrate", "--salvage", "--to", rescue, env={"LINKCHECK_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert result.exit_code == 0, result.output
    assert "Refused because: store was tampered with or damaged: rows were deleted" in result.stdout
    assert "accounts: 9 verified and kept, 1 missing, 0 unreadable (left out)" in result.stdout
    mine = {"passphrase": NEW_PASSPHRASE, "env": {"LINKCHECK_STORE": str(rescue)}}
    assert len(json.loads(cli("account", "list", "--format", "json", **mine).output)) == 9
    (entry,) = json.loads(cli("log", "--format", "json", **mine).output)
    assert (entry["action"], entry["verdict"], entry["what"]) == ("salvage", "LOST", ["accounts: 1 missing"])
    # The damaged store is left as it was: still refused.
    assert cli("account", "list").exit_code == 5


def test_a_row_that_no_longer_opens_is_counted_unreadable(cli, demo_store, tmp_path):
    _sql(demo_store, "UPDATE accounts SET version = version + 1 WHERE id = (SELECT min(id) FROM accounts)")
    result = cli("store", "migrate", "--salvage", "--to", tmp_path / "r.db",
                 env={"LINKCHECK_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert result.exit_code == 0, result.output
    assert "accounts: 9 verified and kept, 0 missing, 1 unreadable (left out)" in result.stdout


def test_salvage_of_a_whole_store_says_nothing_is_lost(cli, demo_store, tmp_path):
    result = cli("store", "migrate", "--salvage", "--to", tmp_path / "r.db",
                 env={"LINKCHECK_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert result.exit_code == 0, result.output
    assert "The store was whole: every row matched its manifest; nothing is lost." in result.stdout


def test_a_sealed_column_that_is_a_number_is_counted_unreadable_not_allocated(cli, demo_store, tmp_path):
    """Attack 11, finding 3: the file's holder puts an SQLite INTEGER where a sealed BLOB belongs.
    `bytes(n)` of it would allocate n zero bytes (gigabytes; this n overflows at once): salvage
    checks the type first and counts the row unreadable, and copies the rest."""
    assert cli("account", "remove", "harbor-au", "--yes").exit_code == 0  # a log entry
    _sql(demo_store, "UPDATE accounts SET body = 9223372036854775807 WHERE id = (SELECT min(id) FROM accounts)")
    _sql(demo_store, "UPDATE events SET body = 9223372036854775807 WHERE id = (SELECT min(id) FROM events)")
    _sql(demo_store, "UPDATE accounts SET name_tag = 4000000000 WHERE id = (SELECT max(id) FROM accounts)")
    refused = cli("account", "list")
    assert refused.exit_code == 5 and "a row has the wrong shape" in refused.output
    rescue = tmp_path / "rescue.db"
    result = cli("store", "migrate", "--salvage", "--to", rescue, env={"LINKCHECK_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert result.exit_code == 0, result.output
    assert "accounts: 7 verified and kept, 0 missing, 2 unreadable (left out)" in result.stdout
    assert "log entries: 0 verified and kept, 0 missing, 1 unreadable (left out)" in result.stdout
    mine = {"passphrase": NEW_PASSPHRASE, "env": {"LINKCHECK_STORE": str(rescue)}}
    assert len(json.loads(cli("account", "list", "--format", "json", **mine).output)) == 7
