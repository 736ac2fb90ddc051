"""Damage and tampering: every way a store file can be broken gives exit 5 (or 4), one line, no traceback.

A small reference store (the ten example profiles, a logged check, an explanation, an updated
account) is built once; each test writes a damaged copy of its bytes where the test's store
lives and runs `linkcheck` in-process. Where SQLite itself ignores a byte (its change counter,
reserved fields), the only other acceptable outcome is a store that opens with its full,
correct content: never a silently wrong answer.
"""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from linkcheck.errors import PassphraseError, StoreDamaged
from linkcheck.store import Store

from conftest import PASSPHRASE, PROFILES_DIR, Cli

MACHINES = Path(__file__).resolve().parent / "fixtures" / "machines"
FAST_KDF = {"LINKCHECK_TEST_INSECURE_FAST_KDF": "1"}
ACCOUNT_NAMES = (
    "acme-us", "acme-de", "brightway-uk", "brightway-ca", "pine-mx",
    "harbor-au", "cedar-us", "lotus-jp", "nordic-de", "willow-us",
)


def _build(cli: Cli, path: Path) -> None:
    steps = [
        ("init",),
        ("import", *sorted(PROFILES_DIR.glob("*.json"))),
        ("check", "lotus-jp", "--record", "--machine", MACHINES / "laptop-a.json"),
        ("explain", "harbor-au", "cedar-us", "ip", "--note", "Both teams work from one coworking space"),
        ("attr", "add", "nordic-de", "hostname", "nordic-second-laptop"),
    ]
    for step in steps:
        result = cli(*step, "--store", path, env=FAST_KDF)
        assert result.exit_code in (0, 1), (step, result.output)


def _content(path: Path):
    """Everything a store holds, read through every lookup path (scan, name, events, explanations)."""
    with Store.open(path, PASSPHRASE) as st:
        return (
            st.profiles(),
            [st.profile(name) for name in ACCOUNT_NAMES],
            st.events(),
            st.explanations(),
        )


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """(bytes of a small, checkpointed store; its full content)."""
    path = tmp_path_factory.mktemp("reference") / "store.db"
    _build(Cli(), path)
    assert not path.with_name(path.name + "-wal").exists(), "the reference store must be checkpointed"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LINKCHECK_TEST_INSECURE_FAST_KDF", "1")
        content = _content(path)
    assert len(content[0]) == 10 and content[2] and content[3]
    return path.read_bytes(), content


def _place(store_path: Path, data: bytes) -> Path:
    """Put these bytes where the test's store lives (and nothing else next to them)."""
    store_path.parent.mkdir(parents=True, exist_ok=True)
    for sibling in store_path.parent.iterdir():
        sibling.unlink()
    store_path.write_bytes(data)
    return store_path


def _refusal(result, codes=(5,)) -> str | None:
    """None if the result is a clean refusal with one of `codes`; else what is wrong with it."""
    lines = result.output.strip().splitlines()
    if result.exit_code not in codes:
        return f"exit {result.exit_code}: {result.output.strip()[:200]}"
    if len(lines) != 1 or not lines[0].startswith("linkcheck: error: ") or "Traceback" in result.output:
        return f"not one error line: {result.output[:300]!r}"
    return None


def _assert_refused(result, codes=(5,)) -> None:
    problem = _refusal(result, codes)
    assert problem is None, problem


def _intact_or_refused(cli, store_path: Path, content, label: str) -> str | None:
    """Open the damaged store: it must refuse with 4/5, or hold exactly the reference content.

    A store that opens is then read in full (every row, every name lookup); damage found
    there must surface as StoreDamaged/PassphraseError, which the CLI turns into exit 5/4.
    """
    result = cli("account", "list", "--format", "json")
    if result.exit_code == 0:
        try:
            json.loads(result.output)
            if _content(store_path) != content:
                return f"{label}: opened with different content"
        except (StoreDamaged, PassphraseError):
            return None
        except Exception as exc:  # noqa: BLE001 - any other failure is what the test reports
            return f"{label}: opened, then {type(exc).__name__}: {exc}"
        return None
    problem = _refusal(result, (4, 5))
    return f"{label}: {problem}" if problem else None


def _sql(path: Path, *statements: tuple) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(*statement)
        conn.commit()
    finally:
        conn.close()


def _header_record_span(data: bytes, path: Path) -> range:
    """Byte offsets of the `header` row's whole cell (lengths, record header and values) in the file."""
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'header'").fetchone()[0]
    conn.close()
    page_size = int.from_bytes(data[16:18], "big")
    page = (root - 1) * page_size
    assert data[page] == 0x0D and int.from_bytes(data[page + 3 : page + 5], "big") == 1  # a leaf with one cell
    start = page + int.from_bytes(data[page + 8 : page + 10], "big")

    def varint(i):
        value = 0
        for k in range(9):
            byte = data[i + k]
            if k == 8:
                return (value << 8) | byte, i + 9
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                return value, i + k + 1
        raise AssertionError("unreachable")

    payload, after_size = varint(start)
    _rowid, payload_start = varint(after_size)
    return range(start, payload_start + payload)


# ----- flipped bytes -------------------------------------------------------------------------


def test_every_sqlite_header_byte_flipped_opens_intact_or_exits_4_or_5(cli, store_path, reference):
    data, content = reference
    problems = []
    for position in range(100):
        for mask in (0x01, 0xFF):
            damaged = bytearray(data)
            damaged[position] ^= mask
            _place(store_path, bytes(damaged))
            problem = _intact_or_refused(cli, store_path, content, f"byte {position} ^ {mask:#x}")
            if problem:
                problems.append(problem)
    assert problems == []


def test_damaged_sqlite_magic_is_refused_as_not_a_store(cli, store_path, reference):
    data, _ = reference
    _place(store_path, b"SQLite format 4\x00" + data[16:])
    result = cli("account", "list")
    _assert_refused(result)
    assert "not a linkcheck store" in result.output


def test_every_byte_of_the_header_row_flipped_exits_4_or_5(cli, store_path, reference):
    data, _ = reference
    span = _header_record_span(data, _place(store_path, data))
    assert data.find(b"linkcheck-store") in span and data.find(b'"argon2id"') in span
    problems = []
    for position in span:
        for mask in (0x01, 0xFF):
            damaged = bytearray(data)
            damaged[position] ^= mask
            _place(store_path, bytes(damaged))
            problem = _refusal(cli("account", "list"), (4, 5))
            if problem:
                problems.append(f"byte {position - span.start} of the header row ^ {mask:#x}: {problem}")
    assert problems == []


def test_header_flips_never_break_the_store_command(cli, store_path, reference):
    """`linkcheck store` reads the header without the passphrase: it reports or refuses, never crashes."""
    data, _ = reference
    span = _header_record_span(data, _place(store_path, data))
    problems = []
    for position in [*range(100), *span]:
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        _place(store_path, bytes(damaged))
        result = cli("store", "--format", "json", passphrase=None)
        if result.exit_code == 0:
            info = json.loads(result.output)
            if info["kdf"].get("algorithm") != "argon2id":
                problems.append(f"byte {position}: reported {info['kdf']}")
        elif _refusal(result):
            problems.append(f"byte {position}: {_refusal(result)}")
    assert problems == []


def test_sampled_bytes_across_the_file_flipped_open_intact_or_exit_4_or_5(cli, store_path, reference):
    data, content = reference
    positions = sorted(random.Random(20261122).sample(range(100, len(data)), 200))
    problems = []
    for position in positions:
        for mask in (0x01, 0xFF):
            damaged = bytearray(data)
            damaged[position] ^= mask
            _place(store_path, bytes(damaged))
            problem = _intact_or_refused(cli, store_path, content, f"byte {position} ^ {mask:#x}")
            if problem:
                problems.append(problem)
    assert problems == []


def test_damaged_name_index_does_not_hide_an_account(cli, store_path, reference):
    """SQLite's UNIQUE index on the name tags is not what name lookups trust."""
    path = _place(store_path, reference[0])
    conn = sqlite3.connect(path)
    (root,) = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts'"
    ).fetchone()
    conn.close()
    # Zero the index leaf's cell count: the table is intact, but the index now finds nothing.
    raw = bytearray(path.read_bytes())
    page = (root - 1) * int.from_bytes(raw[16:18], "big")
    assert raw[page] == 0x0A  # an index leaf page
    raw[page + 3 : page + 5] = b"\x00\x00"
    _place(store_path, bytes(raw))
    result = cli("account", "show", "acme-us", "--format", "json")
    if result.exit_code == 0:
        assert json.loads(result.output)["name"] == "acme-us"
    else:
        _assert_refused(result)


# ----- rows deleted, added, swapped, rolled back ---------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM events WHERE id = (SELECT max(id) FROM events)",
        "DELETE FROM explanations",
        "DELETE FROM manifest",
        "DELETE FROM header",
    ],
    ids=["an event", "an explanation", "the manifest", "the header"],
)
def test_deleted_row_exits_5(cli, store_path, reference, statement):
    path = _place(store_path, reference[0])
    _sql(path, (statement,))
    _assert_refused(cli("log", "--format", "json"))


def test_added_copy_of_an_account_row_is_detected(cli, store_path, reference):
    path = _place(store_path, reference[0])
    _sql(
        path,
        (
            "INSERT INTO accounts (name_tag, version, body, keys) "
            "SELECT randomblob(16), version, body, keys FROM accounts ORDER BY id LIMIT 1",
        ),
    )
    result = cli("account", "list")
    _assert_refused(result)
    assert "deleted, added, replaced or rolled back" in result.output


def test_added_copy_of_an_event_is_detected(cli, store_path, reference):
    path = _place(store_path, reference[0])
    _sql(path, ("INSERT INTO events (version, body) SELECT version, body FROM events ORDER BY id LIMIT 1",))
    _assert_refused(cli("log"))


def test_account_row_moved_to_another_id_is_detected(cli, store_path, reference):
    path = _place(store_path, reference[0])
    _sql(path, ("UPDATE accounts SET id = 1000 WHERE id = (SELECT min(id) FROM accounts)",))
    _assert_refused(cli("account", "list"))


def test_version_bumped_without_resealing_is_detected(cli, store_path, reference):
    path = _place(store_path, reference[0])
    _sql(path, ("UPDATE accounts SET version = version + 1 WHERE id = (SELECT min(id) FROM accounts)",))
    _assert_refused(cli("account", "list"))


def test_name_tags_swapped_between_accounts_are_detected(cli, store_path, reference):
    path = _place(store_path, reference[0])
    conn = sqlite3.connect(path)
    (a, tag_a), (b, tag_b) = conn.execute("SELECT id, name_tag FROM accounts ORDER BY id LIMIT 2").fetchall()
    conn.execute("UPDATE accounts SET name_tag = randomblob(16) WHERE id = ?", (a,))
    conn.execute("UPDATE accounts SET name_tag = ? WHERE id = ?", (tag_a, b))
    conn.execute("UPDATE accounts SET name_tag = ? WHERE id = ?", (tag_b, a))
    conn.commit()
    conn.close()
    _assert_refused(cli("account", "show", "acme-us"))


def test_key_indexes_swapped_between_accounts_are_detected(cli, store_path, reference):
    path = _place(store_path, reference[0])
    conn = sqlite3.connect(path)
    (a, keys_a), (b, keys_b) = conn.execute("SELECT id, keys FROM accounts ORDER BY id LIMIT 2").fetchall()
    conn.execute("UPDATE accounts SET keys = ? WHERE id = ?", (keys_b, a))
    conn.execute("UPDATE accounts SET keys = ? WHERE id = ?", (keys_a, b))
    conn.commit()
    conn.close()
    _assert_refused(cli("check", "acme-us", "--machine", MACHINES / "laptop-b.json"))


def test_event_bodies_swapped_are_detected(cli, store_path, reference):
    path = _place(store_path, reference[0])
    assert cli("check", "pine-mx", "--record", "--machine", MACHINES / "laptop-b.json").exit_code in (0, 1)
    conn = sqlite3.connect(path)
    (a, body_a), (b, body_b) = conn.execute("SELECT id, body FROM events ORDER BY id LIMIT 2").fetchall()
    conn.execute("UPDATE events SET body = ? WHERE id = ?", (body_b, a))
    conn.execute("UPDATE events SET body = ? WHERE id = ?", (body_a, b))
    conn.commit()
    conn.close()
    _assert_refused(cli("log"))


def test_explanation_replaced_by_its_older_version_is_detected(cli, store_path, reference):
    path = _place(store_path, reference[0])
    conn = sqlite3.connect(path)
    old = conn.execute("SELECT id, version, body FROM explanations").fetchone()
    conn.close()
    result = cli("explain", "harbor-au", "cedar-us", "ip", "--note", "A newer note")
    assert result.exit_code == 0, result.output
    _sql(path, ("UPDATE explanations SET version = ?, body = ? WHERE id = ?", (old[1], old[2], old[0])))
    _assert_refused(cli("explain", "--list"))


def test_manifest_replaced_by_its_older_version_is_detected(cli, store_path, reference):
    path = _place(store_path, reference[0])
    conn = sqlite3.connect(path)
    old = conn.execute("SELECT generation, body FROM manifest").fetchone()
    conn.close()
    assert cli("attr", "add", "lotus-jp", "hostname", "lotus-spare-laptop").exit_code == 0
    _sql(path, ("UPDATE manifest SET generation = ?, body = ?", old))
    result = cli("account", "list")
    _assert_refused(result)
    assert "tampered" in result.output


def test_one_row_rolled_back_with_an_older_manifest_is_detected_when_another_row_changed(
    cli, store_path, reference
):
    path = _place(store_path, reference[0])
    conn = sqlite3.connect(path)
    old_manifest = conn.execute("SELECT generation, body FROM manifest").fetchone()
    lotus_before = {row[0]: row for row in conn.execute("SELECT id, version, body, keys FROM accounts")}
    conn.close()
    assert cli("attr", "add", "lotus-jp", "hostname", "lotus-spare-laptop").exit_code == 0
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT id, version, body, keys FROM accounts").fetchall()
    changed = [row for row in rows if row != lotus_before[row[0]]]
    conn.close()
    (lotus_id,) = [row[0] for row in changed]
    assert cli("attr", "add", "pine-mx", "hostname", "pine-spare-laptop").exit_code == 0
    # lotus-jp's row and the manifest go back to before both changes; pine-mx's newer row stays.
    _, version, body, keys = lotus_before[lotus_id]
    _sql(
        path,
        ("UPDATE accounts SET version = ?, body = ?, keys = ? WHERE id = ?", (version, body, keys, lotus_id)),
        ("UPDATE manifest SET generation = ?, body = ?", old_manifest),
    )
    result = cli("account", "list")
    _assert_refused(result)
    assert "rolled back" in result.output


def test_whole_file_replaced_by_an_older_copy_is_not_detected(cli, store_path, reference):
    """A documented limit: a complete older copy of the store is a valid store (README, Security)."""
    data, content = reference
    path = _place(store_path, data)
    assert cli("account", "remove", "acme-us", "--yes").exit_code == 0
    _place(store_path, data)
    assert cli("account", "list").exit_code == 0
    assert _content(path) == content


def test_write_command_on_a_tampered_store_changes_nothing(cli, store_path, reference):
    path = _place(store_path, reference[0])
    _sql(path, ("DELETE FROM events",))
    before = path.read_bytes()
    _assert_refused(cli("attr", "add", "acme-us", "hostname", "another-laptop"))
    assert path.read_bytes() == before


# ----- truncated and foreign files -----------------------------------------------------------


@pytest.mark.parametrize(
    "keep", ["1", "16", "99", "100", "4095", "4096", "4097", "half", "all but a page", "all but one"]
)
def test_truncated_store_exits_4_or_5_or_opens_intact(cli, store_path, reference, keep):
    data, content = reference
    page = int.from_bytes(data[16:18], "big")
    length = {"half": len(data) // 2, "all but a page": len(data) - page, "all but one": len(data) - 1}.get(keep)
    _place(store_path, data[: length if length is not None else int(keep)])
    assert _intact_or_refused(cli, store_path, content, f"truncated to {keep}") is None


def test_truncated_store_mid_page_is_refused(cli, store_path, reference):
    data, _ = reference
    _place(store_path, data[: len(data) // 2 + 123])
    _assert_refused(cli("audit"))


def test_sqlite_file_with_a_header_table_of_another_shape_is_not_a_store(cli, store_path):
    store_path.parent.mkdir(parents=True)
    _sql(
        store_path,
        ("CREATE TABLE header (id INTEGER PRIMARY KEY, title TEXT)",),
        ("INSERT INTO header VALUES (1, 'x')",),
    )
    result = cli("account", "list")
    _assert_refused(result)
    assert "not a linkcheck store" in result.output


def test_sqlite_file_with_a_foreign_magic_is_not_a_store(cli, store_path, reference):
    path = _place(store_path, reference[0])
    _sql(path, ("UPDATE header SET magic = 'another-app'",))
    result = cli("account", "list")
    _assert_refused(result)
    assert "not a linkcheck store" in result.output


@pytest.mark.parametrize(
    "content",
    [b"", b"account,email\nacme-us,ops@acme.example\n", bytes(random.Random(7).randbytes(8192)), bytes(65536)],
    ids=["empty", "a CSV file", "random bytes", "zeros"],
)
@pytest.mark.parametrize("command", [("account", "list"), ("store",)], ids=["unlocking", "store info"])
def test_file_that_is_not_a_store_exits_5(cli, store_path, content, command):
    _place(store_path, content)
    result = cli(*command)
    _assert_refused(result)
    assert "not a linkcheck store" in result.output


@pytest.mark.parametrize("command", [("account", "list"), ("store",), ("account", "add", "x")])
def test_store_path_that_is_a_directory_exits_5(cli, store_path, command):
    store_path.mkdir(parents=True)
    result = cli(*command)
    _assert_refused(result)
    assert "directory" in result.output


def test_unreadable_key_derivation_parameters_in_store_info_exit_5(cli, store_path, reference):
    path = _place(store_path, reference[0])
    _sql(path, ("UPDATE header SET kdf = '{not json'",))
    _assert_refused(cli("store", passphrase=None))


@pytest.mark.parametrize(
    "column, value",
    [
        ("format", 0),
        ("format", "one"),
        ("format", 1.5),
        ("kdf", "{}"),
        ("kdf", "null"),
        ("kdf", json.dumps({"algorithm": "argon2i", "salt": "00" * 16, "iterations": 1, "memory_kib": 64, "lanes": 1})),
        ("kdf", json.dumps({"algorithm": "argon2id", "salt": "00", "iterations": 1, "memory_kib": 64, "lanes": 1})),
        ("kdf", json.dumps({"algorithm": "argon2id", "salt": "00" * 16, "iterations": 10**6, "memory_kib": 64,
                            "lanes": 1})),
        ("wrapped", b""),
        ("wrapped", b"\x00" * 60),
        ("wrapped", "text, not bytes"),
    ],
)
def test_header_field_replaced_exits_4_or_5(cli, store_path, reference, column, value):
    path = _place(store_path, reference[0])
    _sql(path, (f"UPDATE header SET {column} = ?", (value,)))
    _assert_refused(cli("account", "list"), (4, 5))


def test_header_kdf_respelled_with_the_same_meaning_fails_the_key_check(cli, store_path, reference):
    """The parameters are bound to the wrapped key as text: any edit, even a harmless-looking one, is caught."""
    path = _place(store_path, reference[0])
    conn = sqlite3.connect(path)
    kdf = conn.execute("SELECT kdf FROM header").fetchone()[0]
    conn.close()
    _sql(path, ("UPDATE header SET kdf = ?", (json.dumps(json.loads(kdf), indent=1),)))
    result = cli("account", "list")
    _assert_refused(result, (4,))
    assert "header was altered" in result.output


@pytest.mark.parametrize("content", [bytes(random.Random(8).randbytes(100)), b"SQLite format 4\x00" + bytes(4096)],
                         ids=["random bytes", "another magic"])
def test_a_file_that_is_not_a_store_is_refused_before_any_passphrase_is_asked(cli, store_path, content):
    _place(store_path, content)
    result = cli("account", "list", passphrase=None)  # no passphrase anywhere, no terminal
    assert result.exit_code == 5, result.output
    assert "is damaged or not a linkcheck store (it is not an SQLite database)" in result.output
    assert "passphrase" not in result.output


def test_a_fifo_swapped_in_after_the_path_was_checked_is_refused_not_waited_on(store_path, monkeypatch):
    import os
    import signal
    import stat as stat_mod

    from linkcheck.errors import StoreDamaged
    from linkcheck.store.sqlite import check_store_file

    store_path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(store_path)
    regular = os.stat_result((stat_mod.S_IFREG | 0o600, 0, 0, 1, 0, 0, 4096, 0, 0, 0))
    monkeypatch.setattr(type(store_path), "stat", lambda self, **kw: regular)  # the race: it was a file
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutError("check_store_file hung")))
    signal.alarm(5)
    try:
        with pytest.raises(StoreDamaged, match="not a regular file"):
            check_store_file(store_path)
    finally:
        signal.alarm(0)


def test_a_store_path_that_is_a_symlink_loop_says_it_cannot_be_read(cli, store_path):
    store_path.parent.mkdir(parents=True, exist_ok=True)
    store_path.symlink_to(store_path)
    result = cli("account", "list", passphrase=None)
    assert result.exit_code == 6, result.output
    assert f"cannot read the store at {store_path}:" in result.output and "no store" not in result.output


def test_a_store_path_that_is_a_fifo_says_so(cli, store_path):
    import os

    store_path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(store_path)
    result = cli("account", "list", passphrase=None)
    assert result.exit_code == 5, result.output
    assert f"{store_path} is not a regular file: not a linkcheck store" in result.output


# ----- the audit and the report check the row MACs after their fork (Store.open defer_macs) --


def _rolled_back_row(path: Path, cli) -> None:
    """lotus-jp's row and the manifest put back to before two changes (pine-mx's stays newer):
    every row's AEAD still opens, the counts agree, only the MACs' sum tells."""
    conn = sqlite3.connect(path)
    old_manifest = conn.execute("SELECT generation, body FROM manifest").fetchone()
    before = {row[0]: row for row in conn.execute("SELECT id, version, body, keys FROM accounts")}
    conn.close()
    assert cli("attr", "add", "lotus-jp", "hostname", "lotus-spare-laptop").exit_code == 0
    conn = sqlite3.connect(path)
    (changed,) = [row[0] for row in conn.execute("SELECT id, version, body, keys FROM accounts") if row != before[row[0]]]
    conn.close()
    assert cli("attr", "add", "pine-mx", "hostname", "pine-spare-laptop").exit_code == 0
    _, version, body, keys = before[changed]
    _sql(path, ("UPDATE accounts SET version = ?, body = ?, keys = ? WHERE id = ?", (version, body, keys, changed)),
         ("UPDATE manifest SET generation = ?, body = ?", old_manifest))


def _version_bumped(path: Path, cli) -> None:
    _sql(path, ("UPDATE accounts SET version = version + 1 WHERE id = (SELECT min(id) FROM accounts)",))


def _key_indexes_swapped(path: Path, cli) -> None:
    conn = sqlite3.connect(path)
    (a, keys_a), (b, keys_b) = conn.execute("SELECT id, keys FROM accounts ORDER BY id LIMIT 2").fetchall()
    conn.execute("UPDATE accounts SET keys = ? WHERE id = ?", (keys_b, a))
    conn.execute("UPDATE accounts SET keys = ? WHERE id = ?", (keys_a, b))
    conn.commit()
    conn.close()


def _name_tags_swapped(path: Path, cli) -> None:
    conn = sqlite3.connect(path)
    (a, tag_a), (b, tag_b) = conn.execute("SELECT id, name_tag FROM accounts ORDER BY id LIMIT 2").fetchall()
    conn.execute("UPDATE accounts SET name_tag = randomblob(16) WHERE id = ?", (a,))
    conn.execute("UPDATE accounts SET name_tag = ? WHERE id = ?", (tag_a, b))
    conn.execute("UPDATE accounts SET name_tag = ? WHERE id = ?", (tag_b, a))
    conn.commit()
    conn.close()


TAMPER_TOLD_BY_MACS = [_rolled_back_row, _version_bumped, _key_indexes_swapped, _name_tags_swapped]
AUDITS = [
    ("audit",), ("audit", "--format", "json"), ("audit", "--account", "acme-us"), ("audit", "--account", "lotus-jp"),
    ("report", "-o", "-"),
]


def _version_made_text(path: Path, cli) -> None:
    _sql(path, ("UPDATE accounts SET version = 'one' WHERE id = (SELECT max(id) FROM accounts)",))


def _version_made_real(path: Path, cli) -> None:
    """1.5 (REAL): the MAC's and the associated data's `%d` would read it as 1, the row's own."""
    _sql(path, ("UPDATE accounts SET version = version + 0.5 WHERE id = (SELECT max(id) FROM accounts)",))


def _name_tag_made_text(path: Path, cli) -> None:
    _sql(path, ("UPDATE explanations SET name_tag = 'a name tag' WHERE id = (SELECT min(id) FROM explanations)",))


@pytest.mark.parametrize("tamper", [*TAMPER_TOLD_BY_MACS, _version_made_text, _version_made_real, _name_tag_made_text],
                         ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("command", AUDITS, ids=" ".join)
def test_audit_and_report_fail_a_store_the_mac_check_fails_as_every_command_does(cli, store_path, reference,
                                                                                   tamper, command):
    """The audit and the report check the rows' MACs only once their fuzzy side is forked;
    a store that fails that check fails them with the one line and exit code the manifest
    check gives at open (as `account list` shows), whatever their reading met first (a key
    index that does not open, a name that is not found), and with nothing on stdout."""
    path = _place(store_path, reference[0])
    tamper(path, cli)
    expected = cli("account", "list")
    _assert_refused(expected)
    assert ("tampered" if tamper in TAMPER_TOLD_BY_MACS else "wrong shape") in expected.output
    result = cli(*command)
    assert (result.exit_code, result.output) == (expected.exit_code, expected.output)
    assert result.stdout == ""


def test_audit_on_a_store_left_intact_is_the_audit_of_a_full_check(cli, store_path, reference, monkeypatch):
    """The MACs are checked, and the audit given, when nothing is wrong: the same JSON whether
    the store's open checked the MACs or left them to the audit."""
    _place(store_path, reference[0])
    deferred = cli("audit", "--format", "json", "--min-level", "low")
    import linkcheck.cli.options as options

    real = options.open_store
    monkeypatch.setattr(options, "open_store", lambda **kw: real(**{**kw, "defer_macs": False}))
    import linkcheck.cli.audit_cmds as audit_cmds

    monkeypatch.setattr(audit_cmds, "open_store", options.open_store)
    checked = cli("audit", "--format", "json", "--min-level", "low")
    assert deferred.exit_code == checked.exit_code == 1
    assert json.loads(deferred.output)["pairs"]
    assert deferred.output == checked.output


def test_a_deferred_mac_check_fails_the_body_whatever_it_raised(store_path, reference, cli, monkeypatch):
    """`Store.open(..., defer_macs=True)` on a store with a rolled-back row: the open passes,
    `finish_verification` fails with the open's error; if the body does not call it, its end
    does; if the body raises, the MAC check's error is raised instead."""
    monkeypatch.setenv("LINKCHECK_TEST_INSECURE_FAST_KDF", "1")
    path = _place(store_path, reference[0])
    _rolled_back_row(path, cli)
    with pytest.raises(StoreDamaged, match="rolled back"):
        with Store.open(path, PASSPHRASE):
            pass
    with Store.open(path, PASSPHRASE, defer_macs=True) as st:
        with pytest.raises(StoreDamaged, match="rolled back"):
            st.finish_verification()
    with pytest.raises(StoreDamaged, match="rolled back"):
        with Store.open(path, PASSPHRASE, defer_macs=True):
            pass
    with pytest.raises(StoreDamaged, match="rolled back"):
        with Store.open(path, PASSPHRASE, defer_macs=True):
            raise KeyError("what the body met first")
    _place(store_path, reference[0])
    with Store.open(path, PASSPHRASE) as st:
        full = dict(st._table_acc)
    with Store.open(path, PASSPHRASE, defer_macs=True) as st:
        assert st._table_acc == {}
        st.finish_verification()
        assert st._table_acc == full
        assert len(st.profiles()) == 10
