"""`account list` and `export` open the store without making every account row's MAC when the
audit cache's snapshot of this manifest generation is there (`Store.open(..., bodies_only=True)`,
`Store._open_from_verified_rows`): the accounts table read at open must be exactly the
snapshot's verified rows. The same output as the full open, and on every tampered store the
same exit code and message; the export's file handed to the disk as it is written
(`output._written_behind`) is the same bytes."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PASSPHRASE
from linkcheck.cli import output
from linkcheck.store import auditcache, gatecache
from linkcheck.store.sqlite import _ACCOUNT_TAGS_QUERY, Store

LISTINGS = [
    ("account", "list"),
    ("account", "list", "--format", "json"),
    ("account", "list", "--format", "csv"),
    ("account", "list", "--limit", "3"),
    ("account", "list", "--limit", "3", "--page", "2"),
    ("account", "list", "--limit", "2", "--offset", "4", "--format", "json"),
    ("account", "list", "--filter", "acme"),
    ("account", "list", "--status", "active", "--format", "json"),
    ("account", "list", "--marketplace", "amazon.com"),
    ("account", "list", "--limit", "4", "--count-values"),
]


class Opens:
    """Counts, in this process, the opens that took the snapshot and the full manifest checks."""

    def __init__(self, monkeypatch):
        self.snapshot = self.full = 0
        from_rows, full = Store._open_from_verified_rows, Store._verify_manifest

        def counted_rows(store, *args, **kwargs):
            used = from_rows(store, *args, **kwargs)
            self.snapshot += bool(used)
            return used

        def counted_full(store, *args, **kwargs):
            self.full += 1
            return full(store, *args, **kwargs)

        monkeypatch.setattr(Store, "_open_from_verified_rows", counted_rows)
        monkeypatch.setattr(Store, "_verify_manifest", counted_full)

    def take(self) -> tuple[int, int]:
        counts, self.snapshot, self.full = (self.snapshot, self.full), 0, 0
        return counts


@pytest.fixture
def opens(monkeypatch) -> Opens:
    return Opens(monkeypatch)


def _snapshot(cli, audit_dir: Path) -> None:
    assert cli("audit", "--format", "json").exit_code in (0, 1)
    assert any(audit_dir.glob("*.sealed"))


def _without_snapshot(cli, monkeypatch, *args):
    """The command with no snapshot to read: the full open, as before."""
    with monkeypatch.context() as mp:
        mp.setattr(auditcache, "read_open", lambda *a: None)
        return cli(*args)


def _row(store_path: Path, name: str) -> tuple[int, int]:
    with Store.open(store_path, PASSPHRASE) as s:
        row_id = s._account_ids[s._keys.name_tag(name)]
        return row_id, s._verified["accounts"][row_id][0]


# ----- the same output ------------------------------------------------------------------------------


def test_every_listing_and_the_export_are_the_full_opens_and_take_the_snapshot(cli, demo_store, audit_dir, opens,
                                                                                monkeypatch, tmp_path):
    _snapshot(cli, audit_dir)
    opens.take()
    for args in LISTINGS:
        through = cli(*args)
        assert through.exit_code == 0, through.output
        assert opens.take() == (1, 0), args
        full = _without_snapshot(cli, monkeypatch, *args)
        assert opens.take() == (0, 1), args
        assert (through.exit_code, through.output) == (full.exit_code, full.output), args
    assert cli("export", "-o", str(tmp_path / "a.json")).exit_code == 0
    assert opens.take() == (1, 0)
    assert _without_snapshot(cli, monkeypatch, "export", "-o", str(tmp_path / "b.json")).exit_code == 0
    assert opens.take() == (0, 1)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert cli("export", "--format", "csv", "-o", str(tmp_path / "a.csv")).exit_code == 0
    assert _without_snapshot(cli, monkeypatch, "export", "--format", "csv", "-o", str(tmp_path / "b.csv")).exit_code == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_no_snapshot_or_one_of_another_generation_is_the_full_open(cli, demo_store, audit_dir, opens):
    expected = cli("account", "list", "--format", "json").output
    opens.take()
    assert cli("account", "list", "--format", "json").output == expected  # no snapshot yet
    assert opens.take() == (0, 1)
    _snapshot(cli, audit_dir)
    assert cli("account", "set", "acme-us", "--note", "changed").exit_code == 0  # the snapshot is now older
    changed = cli("account", "list", "--format", "json")
    assert changed.exit_code == 0 and "changed" in changed.output
    assert opens.take()[0] == 0


@pytest.mark.parametrize("where", ["head", "ids", "versions", "names", "bodies", "keys", "indexes", "end"])
def test_a_damaged_snapshot_is_the_full_open(cli, demo_store, audit_dir, opens, monkeypatch, where):
    _snapshot(cli, audit_dir)
    expected = _without_snapshot(cli, monkeypatch, "account", "list", "--format", "json").output
    (path,) = audit_dir.glob("*.sealed")
    data = bytearray(path.read_bytes())
    at = {"head": len(auditcache.MAGIC) + 20, "end": len(data) - 1}.get(where)
    if at is None:  # inside the array's sealed piece: after the head, in array order
        head_len = int.from_bytes(data[len(auditcache.MAGIC) + 8 : len(auditcache.MAGIC) + 12], "little")
        at = len(auditcache.MAGIC) + 12 + head_len
        snapshot = auditcache.load(bytes(data), _master(demo_store), "file:" + str(demo_store.resolve()))
        assert snapshot is not None
        for name, _size in auditcache._ARRAYS:
            size = auditcache._sealed_size(len(_array(snapshot, name)))
            if name == where:
                at += size // 2
                break
            at += size
    data[at] ^= 1
    path.write_bytes(bytes(data))
    opens.take()
    result = cli("account", "list", "--format", "json")
    assert (result.exit_code, result.output) == (0, expected)
    assert opens.take() == ((0, 1) if where in ("head", "ids", "versions", "names", "bodies", "keys") else (1, 0))


def _master(store_path: Path) -> bytes:
    with Store.open(store_path, PASSPHRASE) as s:
        return s._keys.master


def _array(snapshot, name: str) -> bytes:
    return {"ids": snapshot._ids, "versions": snapshot._versions, "names": snapshot._names, "bodies": snapshot._bodies,
            "keys": snapshot._keys, "lengths": snapshot.lengths, "indexes": snapshot.indexes}[name]


# ----- a tampered store: the full open's exit code and message ----------------------------------------


def _tamper_key_index(store_path: Path, copy: Path) -> None:
    row_id, _version = _row(store_path, "acme-us")
    with sqlite3.connect(store_path) as conn:
        (keys,) = conn.execute("SELECT keys FROM accounts WHERE id = ?", (row_id,)).fetchone()
        conn.execute("UPDATE accounts SET keys = ? WHERE id = ?", (bytes(keys[:-1]) + bytes([keys[-1] ^ 1]), row_id))


def _tamper_body_tag(store_path: Path, copy: Path) -> None:
    row_id, _version = _row(store_path, "willow-us")
    with sqlite3.connect(store_path) as conn:
        (body,) = conn.execute("SELECT body FROM accounts WHERE id = ?", (row_id,)).fetchone()
        conn.execute("UPDATE accounts SET body = ? WHERE id = ?", (bytes(body[:-1]) + bytes([body[-1] ^ 1]), row_id))


def _tamper_delete(store_path: Path, copy: Path) -> None:
    row_id, _version = _row(store_path, "willow-us")
    with sqlite3.connect(store_path) as conn:
        conn.execute("DELETE FROM accounts WHERE id = ?", (row_id,))


def _tamper_swap(store_path: Path, copy: Path) -> None:
    """Two rows' sealed columns swapped (each under the other's id and name)."""
    first, _v1 = _row(store_path, "acme-us")
    second, _v2 = _row(store_path, "acme-de")
    with sqlite3.connect(store_path) as conn:
        one = conn.execute("SELECT body, keys FROM accounts WHERE id = ?", (first,)).fetchone()
        two = conn.execute("SELECT body, keys FROM accounts WHERE id = ?", (second,)).fetchone()
        conn.execute("UPDATE accounts SET body = ?, keys = ? WHERE id = ?", (*two, first))
        conn.execute("UPDATE accounts SET body = ?, keys = ? WHERE id = ?", (*one, second))


def _tamper_rollback(store_path: Path, copy: Path) -> None:
    """The first account's row as it was before the last write (the copy), put back."""
    with sqlite3.connect(copy) as old:
        row = old.execute("SELECT id, version, body, keys FROM accounts ORDER BY id LIMIT 1").fetchone()
    with sqlite3.connect(store_path) as conn:
        conn.execute("UPDATE accounts SET version = ?, body = ?, keys = ? WHERE id = ?", (*row[1:], row[0]))


def _tamper_wrong_type(store_path: Path, copy: Path) -> None:
    with sqlite3.connect(store_path) as conn:
        conn.execute("UPDATE accounts SET version = 'x' WHERE id = (SELECT max(id) FROM accounts)")


def _tamper_short_keys(store_path: Path, copy: Path) -> None:
    with sqlite3.connect(store_path) as conn:
        conn.execute("UPDATE accounts SET keys = x'00' WHERE id = (SELECT min(id) FROM accounts)")


def _tamper_added(store_path: Path, copy: Path) -> None:
    with sqlite3.connect(store_path) as conn:
        body, keys = conn.execute("SELECT body, keys FROM accounts ORDER BY id LIMIT 1").fetchone()
        conn.execute("INSERT INTO accounts (name_tag, version, body, keys) VALUES (?, 1, ?, ?)",
                     (os.urandom(16), body, keys))


def _tamper_undecodable(store_path: Path, copy: Path) -> None:
    """A name tag turned into text that is not UTF-8 (sqlite3 cannot even read the row)."""
    with sqlite3.connect(store_path) as conn:
        conn.execute("UPDATE accounts SET name_tag = CAST(x'fffe41' AS TEXT) WHERE id = (SELECT max(id) FROM accounts)")


@pytest.mark.parametrize("tamper", [_tamper_key_index, _tamper_body_tag, _tamper_delete, _tamper_swap,
                                    _tamper_rollback, _tamper_wrong_type, _tamper_short_keys, _tamper_added,
                                    _tamper_undecodable])
@pytest.mark.parametrize("args", [("account", "list", "--limit", "2"), ("account", "list", "--format", "json"),
                                  ("export", "-o", "all.json")])
def test_a_tampered_store_fails_as_the_full_open_says(cli, demo_store, audit_dir, opens, monkeypatch, tmp_path,
                                                      tamper, args):
    copy = tmp_path / "before.db"
    # A write, then the snapshot of the store as it now is (the copy: the store before the write).
    sqlite3.connect(demo_store).backup(sqlite3.connect(copy))
    first = cli("account", "list", "--format", "json")
    name = first.output.split('"name": "')[1].split('"')[0]
    assert cli("account", "set", name, "--note", "written since").exit_code == 0
    _snapshot(cli, audit_dir)
    tamper(demo_store, copy)
    opens.take()
    through = cli(*args)
    if args[0] == "export":  # the accounts not read at open: each compared as it is read, then the full check
        assert opens.take()[0] == 1
    else:
        assert opens.take()[0] == 0  # never the snapshot's way
    full = _without_snapshot(cli, monkeypatch, *args)
    assert through.exit_code == 5, through.output
    assert (through.exit_code, through.output) == (full.exit_code, full.output)
    assert not Path("all.json").exists()


def test_a_wrong_passphrase_is_exit_4_with_a_snapshot(cli, demo_store, audit_dir):
    _snapshot(cli, audit_dir)
    for args in (("account", "list", "--limit", "2"), ("export", "-o", "all.json")):
        result = cli(*args, passphrase="not the passphrase at all")
        assert result.exit_code == 4, result.output
        assert "wrong passphrase" in result.output


# ----- the pieces --------------------------------------------------------------------------------------


def test_the_rows_snapshot_is_the_whole_snapshots_verified_rows(cli, demo_store, audit_dir):
    _snapshot(cli, audit_dir)
    identity = "file:" + str(demo_store.resolve())
    with sqlite3.connect(demo_store) as conn:
        (generation,) = conn.execute("SELECT generation FROM manifest WHERE id = 1").fetchone()
    master = _master(demo_store)
    whole = auditcache.load(auditcache.read(identity, generation, 1 << 30), master, identity)
    rows = auditcache.load_rows(auditcache.read_open(identity, generation, 1 << 30), master, identity)
    assert whole is not None and rows is not None
    assert (rows.generation, rows.count, rows.acc) == (whole.generation, whole.count, whole.acc)
    assert rows.verified() == whole.verified()
    assert [name for name, _size in auditcache._ARRAYS[: len(auditcache._ROW_ARRAYS)]] == list(auditcache._ROW_ARRAYS)
    assert auditcache.read_open(identity, generation + 1, 1 << 30) is None
    assert auditcache.load_rows(auditcache.read_open(identity, generation, 1 << 30), bytes(32), identity) is None
    assert auditcache.load_rows(auditcache.read_open(identity, generation, 1 << 30), master, identity + "x") is None
    with sqlite3.connect(demo_store) as conn:
        table = conn.execute(_ACCOUNT_TAGS_QUERY).fetchall()
    assert rows.same_rows(table)


def test_a_truncated_or_longer_snapshot_is_refused(cli, demo_store, audit_dir):
    _snapshot(cli, audit_dir)
    identity = "file:" + str(demo_store.resolve())
    (path,) = audit_dir.glob("*.sealed")
    data = path.read_bytes()
    master = _master(demo_store)
    for changed in (data[:-1], data + b"\0", data[: len(data) // 2]):
        path.write_bytes(changed)
        assert auditcache.load_rows(gatecache.read_sealed_at(path), master, identity) is None
    path.write_bytes(data)
    assert auditcache.load_rows(gatecache.read_sealed_at(path), master, identity) is not None


_ROWS = st.lists(st.tuples(st.integers(1, 2**40), st.integers(1, 2**40), st.binary(min_size=16, max_size=16),
                           st.binary(min_size=16, max_size=16), st.binary(min_size=16, max_size=16)),
                 min_size=1, max_size=8, unique_by=lambda r: r[0]).map(sorted)
_ODD = st.one_of(st.none(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=17),
                 st.binary(max_size=20), st.integers(2**64, 2**70))


def _snapshot_of(rows: list) -> auditcache.Snapshot:
    from array import array

    arrays = dict.fromkeys((name for name, _size in auditcache._ARRAYS), b"")
    arrays.update(ids=array("Q", [r[0] for r in rows]).tobytes(), versions=array("Q", [r[1] for r in rows]).tobytes(),
                  names=b"".join(r[2] for r in rows), bodies=b"".join(r[3] for r in rows),
                  keys=b"".join(r[4] for r in rows))
    return auditcache.Snapshot({"generation": 1, "accounts": len(rows), "acc": "0"}, arrays)


@settings(max_examples=300, deadline=None)
@given(_ROWS, st.data())
def test_same_rows_is_exactly_row_by_row_equality(rows, data):
    """`Snapshot.same_rows` (in bulk) says yes exactly when every row equals the verified row at its place,
    each column of its type -- what comparing the verified maps row by row says."""
    snapshot = _snapshot_of(rows)
    assert snapshot.same_rows(rows)
    assert snapshot.same_rows([tuple(r) for r in rows])
    changed = [list(r) for r in rows]
    kind = data.draw(st.sampled_from(["value", "odd", "split", "drop", "add", "order"]))
    i = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.integers(0, 4))
    if kind == "value":
        changed[i][column] = data.draw(st.integers(1, 2**40) if column < 2 else st.binary(min_size=16, max_size=16))
    elif kind == "odd":
        changed[i][column] = data.draw(_ODD)
    elif kind == "split" and len(rows) > 1 and column >= 2:  # one byte moved from a row's tag to the next's
        j = (i + 1) % len(rows)
        changed[i][column], changed[j][column] = changed[i][column][:-1], changed[i][column][-1:] + changed[j][column]
    elif kind == "drop":
        del changed[i]
    elif kind == "add":
        changed.append(list(rows[i]))
    elif kind == "order" and len(rows) > 1:
        changed.reverse()
    changed_rows = [tuple(r) for r in changed]
    row_by_row = len(changed_rows) == len(rows) and all(
        type(a[0]) is int and type(a[1]) is int and all(type(x) is bytes for x in a[2:]) and a == b
        for a, b in zip(changed_rows, rows, strict=True))
    assert snapshot.same_rows(changed_rows) == row_by_row


def test_the_export_file_is_handed_to_the_disk_as_it_is_written(cli, demo_store, monkeypatch, tmp_path):
    """Every WRITE_BEHIND_BYTES the export asks the kernel to write its pages back (here: every
    byte); the file is the same bytes as without, and standard output is never advised."""
    expected = cli("export", "-o", str(tmp_path / "plain.json"))
    assert expected.exit_code == 0
    advised: list[tuple] = []
    real = getattr(os, "posix_fadvise", None)

    def advise(fd, offset, length, advice):
        advised.append((os.fstat(fd).st_ino, offset, length, advice))
        if real is not None:
            real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", advise, raising=False)
    monkeypatch.setattr(os, "POSIX_FADV_DONTNEED", getattr(os, "POSIX_FADV_DONTNEED", 4), raising=False)
    monkeypatch.setattr(output, "WRITE_BEHIND_BYTES", 1)
    assert cli("export", "-o", str(tmp_path / "behind.json")).exit_code == 0
    data = (tmp_path / "behind.json").read_bytes()
    assert data == (tmp_path / "plain.json").read_bytes()
    assert advised and len({a[0] for a in advised}) == 1
    assert all(a[3] == os.POSIX_FADV_DONTNEED for a in advised)
    ends = [offset + length for _ino, offset, length, _advice in advised]
    assert ends == sorted(ends) and ends[-1] <= len(data)
    advised.clear()
    to_stdout = cli("export", "-o", "-")
    assert to_stdout.exit_code == 0 and not advised


def test_a_failing_advice_changes_nothing(cli, demo_store, monkeypatch, tmp_path):
    assert cli("export", "-o", str(tmp_path / "plain.json")).exit_code == 0

    def refuse(*args):
        raise OSError(22, "not here")

    monkeypatch.setattr(os, "posix_fadvise", refuse, raising=False)
    monkeypatch.setattr(output, "WRITE_BEHIND_BYTES", 1)
    assert cli("export", "-o", str(tmp_path / "behind.json")).exit_code == 0
    assert (tmp_path / "behind.json").read_bytes() == (tmp_path / "plain.json").read_bytes()


def test_a_store_copied_elsewhere_does_not_take_the_originals_snapshot(cli, demo_store, audit_dir, opens,
                                                                       monkeypatch, tmp_path):
    _snapshot(cli, audit_dir)
    copy = tmp_path / "elsewhere.db"
    sqlite3.connect(demo_store).backup(sqlite3.connect(copy))
    (ours,) = audit_dir.glob("*.sealed")
    theirs = auditcache.cache_path("file:" + str(copy.resolve()))
    theirs.write_bytes(ours.read_bytes())
    monkeypatch.setenv("LINKCHECK_STORE", str(copy))
    opens.take()
    result = cli("account", "list", "--format", "json")
    assert result.exit_code == 0
    assert opens.take() == (0, 1)


# ----- the export to a file: the accounts compared as they are read ----------------------------------


def test_an_export_that_fails_on_its_own_says_its_own_error_or_the_damage(cli, demo_store, audit_dir, monkeypatch):
    """The body stops before every row was read: the rows left are compared then (before the
    transaction ends), so an untouched store gives the export's own error and a tampered one the
    full check's, as when every row was checked at open."""
    _snapshot(cli, audit_dir)
    calls = []

    def failing(raw: bytes):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return None  # (the row's Profile: the old way)

    monkeypatch.setattr(output, "export_item_bytes", failing)
    def in_one_process(work, items):  # (the calls counted here)
        yield from map(work, items)

    monkeypatch.setattr(output, "balanced_map", in_one_process)
    monkeypatch.setattr(output, "_EXPORT_BATCH", 1)
    own = cli("export", "-o", "all.json")
    assert own.exit_code != 5 and "No space left on device" in own.output, own.output
    assert not Path("all.json").exists()
    calls.clear()
    _tamper_body_tag(demo_store, demo_store)  # willow-us: not among the first two rows
    damaged = cli("export", "-o", "all.json")
    calls.clear()
    full = _without_snapshot(cli, monkeypatch, "export", "-o", "all.json")
    assert damaged.exit_code == 5, damaged.output
    assert damaged.output == full.output
    assert not Path("all.json").exists()


def test_a_version_stored_as_real_is_refused_by_the_export_as_by_the_full_open(cli, demo_store, audit_dir, opens,
                                                                               monkeypatch):
    """A version stored as REAL (1.5, which the MAC's `%d` would read as 1: the row would pass
    with a version no write gave it): not the snapshot's row as read, so every table is checked
    then -- and that check refuses it, as the full open does, with the same message."""
    _snapshot(cli, audit_dir)
    with sqlite3.connect(demo_store) as conn:
        conn.execute("UPDATE accounts SET version = version + 0.5 WHERE id = (SELECT max(id) FROM accounts)")
    opens.take()
    through = cli("export", "-o", "through.json")
    assert opens.take() == (1, 1)  # the snapshot's way at open, then the full check at the row
    full = _without_snapshot(cli, monkeypatch, "export", "-o", "full.json")
    assert through.exit_code == full.exit_code == 5, (through.output, full.output)
    assert through.output == full.output
    assert "a row has the wrong shape" in full.output
    assert not Path("through.json").exists() and not Path("full.json").exists()


@pytest.mark.parametrize("tampered", [False, True])
def test_a_read_error_during_the_export_is_the_full_opens_message(cli, demo_store, audit_dir, monkeypatch,
                                                                   tampered):
    """SQLite failing once while the rows are read as they come: raised as it comes (the old
    code's message on an intact store), the rows not yet read compared before the transaction
    ends (the damage on a tampered one) -- never "tampered with" for a read that failed once."""
    _snapshot(cli, audit_dir)
    if tampered:
        _tamper_body_tag(demo_store, demo_store)  # willow-us: a row after the failing read
    import linkcheck.store.sqlite as backend

    class Failing:
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, *args):
            cursor = self._conn.execute(sql, *args)
            if sql.startswith("SELECT id, version, name_tag, body, substr(keys, -16) FROM accounts"):  # the rows as read
                def rows():
                    yield next(cursor)
                    raise sqlite3.OperationalError("disk I/O error")
                return rows()
            return cursor

        def __getattr__(self, name):
            return getattr(self._conn, name)

    def in_one_process(work, items):
        yield from map(work, items)

    monkeypatch.setattr(output, "balanced_map", in_one_process)
    monkeypatch.setattr(output, "_EXPORT_BATCH", 1)
    connect = backend._connect
    with monkeypatch.context() as mp:
        mp.setattr(backend, "_connect", lambda path: Failing(connect(path)))
        failed = cli("export", "-o", "all.json")
    assert not Path("all.json").exists()
    if tampered:
        full = _without_snapshot(cli, monkeypatch, "export", "-o", "all.json")
        assert failed.exit_code == full.exit_code == 5, failed.output
        assert failed.output == full.output
    else:
        assert failed.exit_code != 0 and "disk I/O error" in failed.output, failed.output
        assert "tampered" not in failed.output


def test_an_export_to_standard_output_compares_every_row_before_it_shows_one(cli, demo_store, audit_dir, opens,
                                                                              monkeypatch):
    _snapshot(cli, audit_dir)
    opens.take()
    whole = cli("export", "-o", "-")
    assert whole.exit_code == 0 and '"account": "acme-us"' in whole.output
    assert opens.take() == (1, 0)
    _tamper_body_tag(demo_store, demo_store)
    opens.take()
    damaged = cli("export", "-o", "-")
    assert damaged.exit_code == 5
    assert '"account"' not in damaged.output  # nothing shown: the open refused the table
    assert opens.take() == (0, 1)


def test_an_export_reads_the_accounts_table_once(cli, demo_store, audit_dir, monkeypatch):
    """To a file, with the snapshot: no read of the accounts table at open, one as the rows are written."""
    _snapshot(cli, audit_dir)
    reads = []
    real = sqlite3.Connection.execute

    import linkcheck.store.sqlite as backend

    class Counting:
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, *args):
            if "FROM accounts" in sql:
                reads.append(sql)
            return real(self._conn, sql, *args)

        def __getattr__(self, name):
            return getattr(self._conn, name)

    connect = backend._connect
    monkeypatch.setattr(backend, "_connect", lambda path: Counting(connect(path)))
    assert cli("export", "-o", "all.json").exit_code == 0
    assert len(reads) == 1 and "substr(keys, -16)" in reads[0] and "body," in reads[0], reads
