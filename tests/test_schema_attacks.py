"""Attacks on the store's SQLite schema and query plan, without the passphrase.

An outside review edited a store so that the integrity check at open and the reads after it
saw different rows: a partial index presented as a full one (`PRAGMA writable_schema`) hid
an account from lookups by id; an older copy of a row beside the current one, each hidden
from one side by an index, let a lookup return the older content. Each test here performs
one such attack on a real store and runs the commands that were fooled: every one must
refuse with exit 5 and one line, and `run` must never start COMMAND.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from linkcheck.errors import StoreDamaged
from linkcheck.store import Store

from conftest import PASSPHRASE

MACHINES = Path(__file__).resolve().parent / "fixtures" / "machines"
LAPTOP_A = MACHINES / "laptop-a.json"
LAPTOP_A_MAC = "f8:e4:3b:0a:00:01"  # laptop A's Wi-Fi interface
SHARED_EMAIL = "payouts@shared-brand.example"
SHARED_IBAN = "GB82 WEST 1234 5698 7654 32"

# The accounts table as the attacker rebuilds it: no INTEGER PRIMARY KEY (so `id` is an
# ordinary column that may repeat) and no UNIQUE name tag.
REBUILT_ACCOUNTS = (
    "CREATE TABLE accounts_rebuilt (id INTEGER, name_tag BLOB NOT NULL, version INTEGER NOT NULL, "
    "body BLOB NOT NULL, keys BLOB NOT NULL)"
)


def _touch_command(marker: Path) -> list[str]:
    """A COMMAND that leaves a marker file when (and only when) it is started."""
    return [sys.executable, "-c", "import pathlib, sys; pathlib.Path(sys.argv[1]).touch()", str(marker)]


def _ok(result) -> None:
    assert result.exit_code == 0, result.output


def _one_line_exit_5(result) -> None:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 5, result.output
    assert len(lines) == 1 and lines[0].startswith("linkcheck: error: "), result.output
    assert "tampered with or damaged" in lines[0], lines[0]


def _account_rows(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, name_tag, version, body, keys FROM accounts ORDER BY id").fetchall()
    finally:
        conn.close()


def _rebuild_accounts(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Replace `accounts` by a table without INTEGER PRIMARY KEY holding these rows."""
    conn.execute("BEGIN")
    conn.execute(REBUILT_ACCOUNTS)
    conn.executemany("INSERT INTO accounts_rebuilt VALUES (?, ?, ?, ?, ?)", rows)
    conn.execute("DROP TABLE accounts")
    conn.execute("ALTER TABLE accounts_rebuilt RENAME TO accounts")


def _disguise_partial_indexes(conn: sqlite3.Connection, plain_sql: dict[str, str]) -> None:
    """Rewrite partial indexes' SQL in sqlite_master to read as plain (full) indexes."""
    conn.execute("PRAGMA writable_schema = ON")
    for name, sql in plain_sql.items():
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (sql, name))
    conn.execute("COMMIT")
    conn.execute("PRAGMA writable_schema = OFF")


# ----- recipe 1: a partial index on id hides one account from every lookup by id -------------


@pytest.fixture
def mac_shared(cli, store):
    """shop-a captured on laptop A; shop-b holds laptop A's MAC too: one critical pair."""
    for name in ("shop-a", "shop-b"):
        _ok(cli("account", "add", name))
    _ok(cli("capture", "shop-a", "--machine", LAPTOP_A))
    _ok(cli("attr", "add", "shop-b", "mac", LAPTOP_A_MAC))
    return store


def _hide_account_from_id_lookups(path: Path, hidden_id: int) -> None:
    rows = _account_rows(path)
    assert hidden_id in [row[0] for row in rows]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        _rebuild_accounts(conn, rows)
        conn.execute(f"CREATE INDEX accounts_by_id ON accounts(id) WHERE id <> {hidden_id}")
        _disguise_partial_indexes(conn, {"accounts_by_id": "CREATE INDEX accounts_by_id ON accounts(id)"})
    finally:
        conn.close()


def test_the_partial_index_attack_is_caught_before_run_starts_the_command(cli, mac_shared, tmp_path):
    marker = tmp_path / "started"
    before = cli("run", "shop-b", "--machine", LAPTOP_A, "--", *_touch_command(marker))
    assert before.exit_code == 1 and not marker.exists()  # the honest store stops it
    _hide_account_from_id_lookups(mac_shared, hidden_id=1)  # shop-a
    result = cli("run", "shop-b", "--machine", LAPTOP_A, "--", *_touch_command(marker))
    _one_line_exit_5(result)
    assert not marker.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("check", "shop-b", "--machine", str(LAPTOP_A)),
        ("audit",),
        ("audit", "--format", "json"),
        ("account", "list"),
        ("account", "show", "shop-a"),
        ("export", "-o", "accounts.json"),
        ("precheck", "--mac", LAPTOP_A_MAC),
        ("statement", "shop-a", "--against", "shop-b"),
        ("log",),
        ("store",),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_the_partial_index_attack_makes_every_command_exit_5(cli, mac_shared, args):
    _hide_account_from_id_lookups(mac_shared, hidden_id=1)
    _one_line_exit_5(cli(*args))
    assert not Path("accounts.json").exists()


def test_the_partial_index_attack_is_caught_by_a_writing_command(cli, mac_shared):
    _hide_account_from_id_lookups(mac_shared, hidden_id=1)
    _one_line_exit_5(cli("account", "add", "shop-c"))


# ----- recipe 2: an older copy of a row, each copy hidden from one side by an index -----------


@pytest.fixture
def email_and_iban_shared(cli, store):
    """shop-a and shop-b share an email and an IBAN; returns (store, shop-b's row before that)."""
    for name in ("shop-a", "shop-b"):
        _ok(cli("account", "add", name))
    _ok(cli("attr", "add", "shop-a", "email", SHARED_EMAIL))
    _ok(cli("attr", "add", "shop-a", "bank_account", SHARED_IBAN))
    _ok(cli("attr", "add", "shop-b", "email", "team@shop-b.example"))
    old_b = _account_rows(store)[1]
    _ok(cli("attr", "add", "shop-b", "email", SHARED_EMAIL))
    _ok(cli("attr", "add", "shop-b", "bank_account", SHARED_IBAN))
    refused = cli("statement", "shop-a", "--against", "shop-b")
    assert refused.exit_code == 1 and refused.stdout == ""  # the honest store refuses
    return store, old_b


def _replay_old_row_behind_indexes(path: Path, old_row: tuple) -> None:
    """Keep `old_row` beside the current row of the same id. A covering index that leaves the
    old copy out answers the manifest scan (sqlite_stat1 makes it look cheapest); an index on
    id that leaves the current copy out answers lookups. Both are disguised as full indexes."""
    rows = _account_rows(path)
    current = next(row for row in rows if row[0] == old_row[0])
    assert current[2] > old_row[2]
    row_id = old_row[0]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        _rebuild_accounts(conn, [*rows, old_row])
        conn.execute(
            "CREATE INDEX accounts_cover ON accounts(version, id, name_tag, body, keys) "
            f"WHERE NOT (id = {row_id} AND version = {old_row[2]})"
        )
        conn.execute(f"CREATE INDEX accounts_by_id ON accounts(id) WHERE NOT (id = {row_id} AND version = {current[2]})")
        # Statistics for a large table whose covering index is tiny: SQLite then scans the
        # covering index for the manifest check and searches the id index for lookups.
        conn.execute("ANALYZE")
        conn.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'accounts'")
        conn.executemany(
            "INSERT INTO sqlite_stat1 VALUES ('accounts', ?, ?)",
            [(None, "100000 sz=250"), ("accounts_by_id", "100000 1"), ("accounts_cover", "100000 100000 1 1 1 1 sz=1")],
        )
        _disguise_partial_indexes(
            conn,
            {
                "accounts_cover": "CREATE INDEX accounts_cover ON accounts(version, id, name_tag, body, keys)",
                "accounts_by_id": "CREATE INDEX accounts_by_id ON accounts(id)",
            },
        )
    finally:
        conn.close()


def test_the_replayed_row_attack_cannot_get_a_separation_statement_signed(cli, email_and_iban_shared, tmp_path):
    path, old_b = email_and_iban_shared
    _replay_old_row_behind_indexes(path, old_b)
    out = tmp_path / "statement.json"
    result = cli("statement", "shop-a", "--against", "shop-b", "--format", "json", "-o", out)
    _one_line_exit_5(result)
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("account", "show", "shop-b"),
        ("account", "list"),
        ("audit",),
        ("export", "-o", "accounts.json"),
        ("check", "shop-a", "--machine", str(LAPTOP_A)),
        ("precheck", "--email", SHARED_EMAIL),
        ("attr", "add", "shop-b", "hostname", "shop-b-laptop"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_the_replayed_row_attack_makes_every_command_exit_5(cli, email_and_iban_shared, args):
    path, old_b = email_and_iban_shared
    _replay_old_row_behind_indexes(path, old_b)
    _one_line_exit_5(cli(*args))
    assert not Path("accounts.json").exists()


# ----- the schema is exactly linkcheck's ------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE INDEX extra ON events(version)",
        "CREATE TABLE notes (x)",
        "CREATE VIEW everything AS SELECT * FROM accounts",
        "CREATE TRIGGER wipe AFTER INSERT ON events BEGIN DELETE FROM explanations; END",
    ],
    ids=["index", "table", "view", "trigger"],
)
def test_anything_added_to_the_schema_is_damage(cli, mac_shared, statement, tmp_path):
    conn = sqlite3.connect(mac_shared, isolation_level=None)
    conn.execute(statement)
    conn.close()
    marker = tmp_path / "started"
    _one_line_exit_5(cli("run", "shop-a", "--machine", LAPTOP_A, "--", *_touch_command(marker)))
    assert not marker.exists()
    _one_line_exit_5(cli("account", "list"))


def test_a_schema_whose_sql_text_was_rewritten_is_damage(cli, mac_shared):
    """Same tables, same meaning, other SQL text: linkcheck cannot tell what else changed."""
    conn = sqlite3.connect(mac_shared, isolation_level=None)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'events'", (sql.replace("\n", " "),))
    conn.execute("PRAGMA writable_schema = OFF")
    conn.close()
    _one_line_exit_5(cli("check", "shop-a", "--machine", LAPTOP_A))


def test_sqlite_statistics_are_damage(cli, mac_shared):
    """linkcheck never runs ANALYZE: a sqlite_stat1 table can only steer the query plan."""
    conn = sqlite3.connect(mac_shared, isolation_level=None)
    conn.execute("ANALYZE")
    conn.close()
    _one_line_exit_5(cli("audit"))


def test_a_fresh_and_a_used_store_pass_the_schema_check(cli, mac_shared):
    """The expected schema is the one `create()` makes, SQLite's own entries included."""
    _ok(cli("store"))
    _ok(cli("account", "list"))
    result = cli("audit")
    assert result.exit_code == 1 and "critical" in result.output.lower()


# ----- second line: every row read is the row verified at open -------------------------------
# The schema check stops the attacks above at open. Behind it, whatever SQLite returns later
# in the command is compared with what the manifest check verified; these tests make SQLite
# return something else from inside the command's own transaction.


def _row_id(st: Store, name: str) -> int:
    return st._account_ids[st._keys.name_tag(name)]


def test_an_older_copy_of_a_row_read_after_the_check_is_damage(demo_store):
    with pytest.raises(StoreDamaged, match="differs from the one verified at open"):
        with Store.open(demo_store, PASSPHRASE, write=True) as st:
            row_id = _row_id(st, "acme-de")
            old = st._conn.execute("SELECT version, body, keys FROM accounts WHERE id = ?", (row_id,)).fetchone()
            profile = st.profile("acme-de")
            st.put_profile(replace(profile, account=replace(profile.account, note="updated")))
            st._conn.execute("UPDATE accounts SET version = ?, body = ?, keys = ? WHERE id = ?", (*old, row_id))
            st.profile("acme-de")


@pytest.mark.parametrize("read", ["profile", "profiles", "audit_input", "candidates", "count"])
def test_a_row_gone_after_the_check_is_damage(demo_store, read):
    with pytest.raises(StoreDamaged):
        with Store.open(demo_store, PASSPHRASE, write=True) as st:
            keys = st.profile("acme-de").attributes[0].keys
            st._conn.execute("DELETE FROM accounts WHERE id = ?", (_row_id(st, "acme-de"),))
            st._index_rows = None  # as after a write: the next search reads the table
            if read == "profile":
                st.profile("acme-de")
            elif read == "profiles":
                st.profiles()
            elif read == "audit_input":
                st.audit_input(200, lambda *args: [], parallel=False)
            elif read == "candidates":
                st.candidates(keys)
            else:
                assert st.count_accounts() == 10  # the verified count, not SQLite's
                st.profiles()


def test_a_row_the_check_never_saw_is_damage(demo_store):
    with pytest.raises(StoreDamaged, match="differs from the one verified at open"):
        with Store.open(demo_store, PASSPHRASE, write=True) as st:
            row = st._conn.execute("SELECT name_tag, version, body, keys FROM accounts WHERE id = 1").fetchone()
            st._conn.execute("INSERT INTO accounts (id, name_tag, version, body, keys) VALUES (999, ?, ?, ?, ?)",
                             (b"x" * 16, *row[1:]))
            st.profiles()


def test_a_reader_cannot_write_to_the_store(demo_store):
    with Store.open(demo_store, PASSPHRASE) as st:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            st._conn.execute("DELETE FROM events")
