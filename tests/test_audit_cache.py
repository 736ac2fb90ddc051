"""The audit cache (store/auditcache.py): `audit` and `report` give the same output from a
sealed snapshot of the verified accounts table and key indexes as from the full open, never
from a stale, damaged or foreign one; a row they read that differs from the snapshot is damage
(exit 5); the snapshot holds nothing in clear."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from conftest import PASSPHRASE, PROFILES_DIR
from linkcheck.store import auditcache, gatecache, prefilter
from linkcheck.store.indexarrays import IndexArrays
from linkcheck.store.sqlite import Store

DAMAGE = "store was tampered with or damaged: a row read differs from the one verified at open"


class Paths:
    """Counts, in this process, which way each open of an audit or report went."""

    def __init__(self, monkeypatch):
        self.full = self.snapshot = 0
        full, from_cache = Store._verify_manifest_but_macs, Store._open_from_audit_cache

        def counted_full(store, *args, **kwargs):
            self.full += 1
            return full(store, *args, **kwargs)

        def counted_cache(store, *args, **kwargs):
            used = from_cache(store, *args, **kwargs)
            self.snapshot += bool(used)
            return used

        monkeypatch.setattr(Store, "_verify_manifest_but_macs", counted_full)
        monkeypatch.setattr(Store, "_open_from_audit_cache", counted_cache)

    def reset(self) -> None:
        self.full = self.snapshot = 0

    def __eq__(self, other) -> bool:
        return (self.full, self.snapshot) == other

    def __repr__(self) -> str:
        return f"full={self.full} snapshot={self.snapshot}"


@pytest.fixture
def paths(monkeypatch) -> Paths:
    return Paths(monkeypatch)


def _audit(cli) -> tuple[int, str]:
    result = cli("audit", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.output


def _full_audit(cli, monkeypatch) -> tuple[int, str]:
    """The audit with no snapshot at all: the full open, as before the audit cache."""
    with monkeypatch.context() as mp:
        mp.setattr(auditcache, "read", lambda *args: None)
        mp.setattr(auditcache, "MIN_ACCOUNTS", 10**9)
        return _audit(cli)


def _snapshot_file(audit_dir: Path) -> Path:
    files = [p for p in audit_dir.iterdir() if p.suffix == ".sealed"]
    assert len(files) == 1, files
    return files[0]


def _read(store_path: Path, identity: str) -> bytes | None:
    """`auditcache.read` as the store's open calls it: at the manifest's generation, within the limit."""
    with sqlite3.connect(store_path) as conn:
        (generation,) = conn.execute("SELECT generation FROM manifest WHERE id = 1").fetchone()
    return auditcache.read(identity, generation, auditcache.size_limit(store_path))


def _row_id_of(store_path: Path, name: str) -> int:
    with Store.open(store_path, PASSPHRASE) as st:
        return st._account_ids[st._keys.name_tag(name)]


def _flip_body(store_path: Path, row_id: int) -> None:
    """Edit the last byte of the account's sealed body (its AEAD tag, which the manifest covers)."""
    with sqlite3.connect(store_path) as conn:
        (body,) = conn.execute("SELECT body FROM accounts WHERE id = ?", (row_id,)).fetchone()
        conn.execute("UPDATE accounts SET body = ? WHERE id = ?", (bytes(body[:-1]) + bytes([body[-1] ^ 1]), row_id))


# ----- the same output ------------------------------------------------------------------------------


def test_the_audit_is_the_same_from_the_snapshot_as_from_the_full_open(cli, demo_store, audit_dir, paths, monkeypatch):
    expected = _full_audit(cli, monkeypatch)
    assert expected[0] == 1 and json.loads(expected[1])["pairs"]
    assert not audit_dir.exists()
    paths.reset()
    assert _audit(cli) == expected  # the full open, which writes the snapshot
    assert paths == (1, 0)
    assert _snapshot_file(audit_dir).exists()
    paths.reset()
    assert _audit(cli) == expected
    assert _audit(cli) == expected
    assert paths == (0, 2)


def test_the_snapshot_holds_each_exact_tags_holders_and_the_audit_takes_them(cli, demo_store, audit_dir, paths,
                                                                               monkeypatch):
    """The writer counts each exact tag's holders from the indexes it seals (as the audit counts
    them); an audit through the snapshot takes those counts instead of counting, and one whose
    snapshot holds none (or the wrong number) counts them itself: the same output each way."""
    import numpy as np

    expected = _full_audit(cli, monkeypatch)
    assert _audit(cli) == expected  # the full open, which writes the snapshot
    with Store.open(demo_store, PASSPHRASE, defer_macs=True) as st:
        snapshot = st._audit_snapshot
        assert snapshot is not None
        arrays = IndexArrays.from_padded(snapshot.indexes, snapshot.lengths)
        account = np.repeat(np.arange(arrays.n, dtype=np.int64), arrays.n_exact)
        counted = prefilter._SharedInArrays._count_holders(arrays.exact, account, np)
        assert snapshot.exact_holders(len(arrays.exact)).tolist() == counted.tolist()
        assert snapshot.exact_holders(len(arrays.exact) + 1) is None
    counts = []
    real = prefilter._SharedInArrays._count_holders
    monkeypatch.setattr(prefilter._SharedInArrays, "_count_holders",
                        staticmethod(lambda *args: counts.append(1) or real(*args)))
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (0, 1) and counts == []
    monkeypatch.setattr(auditcache.Snapshot, "exact_holders", lambda self, count: None)
    assert _audit(cli) == expected
    assert paths == (0, 2) and counts == [1]


def test_a_snapshot_written_without_holders_is_used_and_they_are_counted(demo_store, audit_dir, monkeypatch):
    monkeypatch.setattr(auditcache, "exact_holders", lambda indexes, lengths: b"")
    with Store.open(demo_store, PASSPHRASE, defer_macs=True) as st:
        rows = st._index_rows
        arrays = prefilter._open_arrays(st, rows)
        st.finish_verification()
        verified, ids, master = dict(st._verified["accounts"]), [row[0] for row in rows], st._keys.master
    indexes, lengths = arrays.padded()
    assert auditcache.write("file:/x", master, generation=3, acc=5, verified=verified, ids=ids, indexes=indexes,
                            lengths=lengths)
    snapshot = auditcache.load(auditcache.read("file:/x", 3, 1 << 30), master, "file:/x")
    assert snapshot is not None and snapshot.exact_holders(len(arrays.exact)) is None


def _bodies_from_the_store(monkeypatch) -> list:
    """The positions of every account body the audit reads from the store (prefilter._bodies)."""
    positions: list = []
    real = prefilter._bodies

    def counted(store, rows, wanted):
        positions.extend(wanted)
        return real(store, rows, wanted)

    monkeypatch.setattr(prefilter, "_bodies", counted)
    return positions


def test_the_snapshot_holds_the_bodies_the_audit_read_and_the_next_audit_reads_none(cli, demo_store, audit_dir,
                                                                                     paths, monkeypatch):
    expected = _full_audit(cli, monkeypatch)
    read = _bodies_from_the_store(monkeypatch)
    paths.reset()
    assert _audit(cli) == expected  # the full open: reads the bodies of the accounts that share something
    held = list(read)
    assert held and paths == (1, 0)
    snapshot, _names = _load_snapshot(demo_store, audit_dir)
    bodies = snapshot.bodies()
    assert sorted(bodies) == sorted(set(held))
    for body in bodies.values():  # each held stripped: the blocking keys' lines cut, every value's line kept
        lines = body.split(b"\n")
        assert lines[-1] == b"" and all(line in (b"[]", b"~") for line in lines[2:-1:2])
        assert all(line.startswith(b'["') for line in lines[1:-1:2])
    read.clear()
    paths.reset()
    assert _audit(cli) == expected
    assert _audit(cli) == expected
    assert read == [] and paths == (0, 2)


def test_bodies_the_snapshot_does_not_hold_are_read_and_added_to_it(cli, demo_store, audit_dir, paths, monkeypatch):
    expected = _full_audit(cli, monkeypatch)
    real = auditcache.stripped
    kept: list = []

    def every_other(body):  # the snapshot made with every other body the audit read
        kept.append(1)
        return real(body) if len(kept) % 2 else None

    with monkeypatch.context() as mp:
        mp.setattr(auditcache, "stripped", every_other)
        assert _audit(cli) == expected
    before = _load_snapshot(demo_store, audit_dir)[0].bodies()
    assert 0 < len(before) < len(kept)
    read = _bodies_from_the_store(monkeypatch)
    paths.reset()
    assert _audit(cli) == expected  # from the snapshot: the bodies it holds taken, the others read
    assert paths == (0, 1) and read and not set(read) & set(before)
    after = _load_snapshot(demo_store, audit_dir)[0].bodies()  # and written again with them
    assert sorted(after) == sorted(set(before) | set(read))
    assert all(after[at] == body for at, body in before.items())
    read.clear()
    assert _audit(cli) == expected
    assert read == []


@pytest.mark.parametrize("fault", ["positions out of order", "a position past the rows", "lengths past the bodies",
                                   "an empty body", "fewer lengths"])
def test_held_bodies_not_as_the_writer_makes_them_are_refused(fault):
    from array import array

    positions, lengths, read = [1, 4, 7], [3, 2, 4], b"abcdefghi"
    assert auditcache._bodies_fit(array("q", positions).tobytes(), array("q", lengths).tobytes(), read, 8)
    if fault == "positions out of order":
        positions = [4, 1, 7]
    elif fault == "a position past the rows":
        positions = [1, 4, 8]
    elif fault == "lengths past the bodies":
        lengths = [3, 2, 5]
    elif fault == "an empty body":
        positions, lengths = [1, 4, 7, 7], [3, 2, 4, 0]
    else:
        lengths = [3, 6]
    assert not auditcache._bodies_fit(array("q", positions).tobytes(), array("q", lengths).tobytes(), read, 8)


def test_a_snapshot_of_the_format_before_is_refused_and_made_again(cli, demo_store, audit_dir, paths, monkeypatch):
    """A format-3 file (no bodies held) left by the code before: not read, the full open, then a new one."""
    expected = _audit(cli)
    with monkeypatch.context() as mp:
        mp.setattr(auditcache, "FORMAT", 3)
        mp.setattr(auditcache, "MAGIC", b"linkcheck-audit-cache 3\n")
        mp.setattr(auditcache, "_ARRAYS", auditcache._ARRAYS[:-3])
        snapshot = _snapshot_file(audit_dir)
        snapshot.unlink()
        assert _full_audit(cli, monkeypatch) == expected
        paths.reset()
        mp.setattr(auditcache, "MIN_ACCOUNTS", 1)
        assert _audit(cli) == expected  # (writes the format-3 file)
        assert _snapshot_file(audit_dir).read_bytes().startswith(b"linkcheck-audit-cache 3\n")
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (1, 0)
    assert _snapshot_file(audit_dir).read_bytes().startswith(auditcache.MAGIC)
    assert _load_snapshot(demo_store, audit_dir)[0].has_bodies()


def test_the_report_is_the_same_from_the_snapshot(cli, demo_store, audit_dir, paths, monkeypatch, tmp_path):
    from linkcheck.cli import report_cmds

    monkeypatch.setattr(report_cmds, "now", lambda: 1_790_000_000)  # one clock for the three pages
    with monkeypatch.context() as mp:
        mp.setattr(auditcache, "read", lambda *args: None)
        mp.setattr(auditcache, "MIN_ACCOUNTS", 10**9)
        assert cli("report", "-o", tmp_path / "full.html").exit_code == 0
    assert cli("report", "-o", tmp_path / "first.html").exit_code == 0
    paths.reset()
    assert cli("report", "-o", tmp_path / "again.html").exit_code == 0
    assert paths == (0, 1)
    full = (tmp_path / "full.html").read_bytes()
    assert full == (tmp_path / "first.html").read_bytes() == (tmp_path / "again.html").read_bytes()
    assert b"acme-us" in full


def _load_snapshot(store_path: Path, audit_dir: Path):
    with Store.open(store_path, PASSPHRASE) as st:
        snapshot = auditcache.load(_snapshot_file(audit_dir).read_bytes(), st._keys.master,
                                   "file:" + str(store_path.resolve()))
        names = [account.name for account in st.accounts()]
    assert snapshot is not None
    return snapshot, names


def _bodies_read(monkeypatch) -> list:
    """Every call of the report's reading of the accounts' first lines from their bodies."""
    calls: list = []
    real = prefilter._every_account_read

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(prefilter, "_every_account_read", counted)
    return calls


def test_a_reports_snapshot_holds_every_account_and_the_next_report_reads_no_body_for_them(
        cli, demo_store, audit_dir, paths, monkeypatch, tmp_path):
    from linkcheck.cli import report_cmds

    monkeypatch.setattr(report_cmds, "now", lambda: 1_790_000_000)
    read = _bodies_read(monkeypatch)
    assert cli("report", "-o", tmp_path / "first.html").exit_code == 0  # the full open: reads the bodies
    assert len(read) == 1 and paths == (1, 0)
    snapshot, names = _load_snapshot(demo_store, audit_dir)
    assert snapshot.has_accounts()
    assert [account.name for account in snapshot.accounts()] == sorted(names, key=lambda n: _row_id_of(demo_store, n))
    paths.reset()
    assert cli("report", "-o", tmp_path / "again.html").exit_code == 0
    assert len(read) == 1 and paths == (0, 1)  # from the snapshot: no body read for the list of accounts
    assert (tmp_path / "first.html").read_bytes() == (tmp_path / "again.html").read_bytes()
    assert _audit(cli) == _full_audit(cli, monkeypatch)  # and the audit from that snapshot is the same


def test_a_report_from_an_audits_snapshot_adds_the_accounts_to_it(cli, demo_store, audit_dir, paths, monkeypatch,
                                                                    tmp_path):
    from linkcheck.cli import report_cmds

    monkeypatch.setattr(report_cmds, "now", lambda: 1_790_000_000)
    _audit(cli)
    assert not _load_snapshot(demo_store, audit_dir)[0].has_accounts()  # an audit reads only some bodies
    read = _bodies_read(monkeypatch)
    paths.reset()
    assert cli("report", "-o", tmp_path / "first.html").exit_code == 0
    assert len(read) == 1 and paths == (0, 1)  # the audit's snapshot, every body's first line read
    assert _load_snapshot(demo_store, audit_dir)[0].has_accounts()  # ... and written with them
    assert cli("report", "-o", tmp_path / "again.html").exit_code == 0
    assert len(read) == 1
    assert (tmp_path / "first.html").read_bytes() == (tmp_path / "again.html").read_bytes()
    # A write: the snapshot is made again by the next full open, the accounts as they are now.
    assert cli("account", "set", "willow-us", "--status", "suspended").exit_code == 0
    assert cli("report", "-o", tmp_path / "after.html").exit_code == 0
    assert len(read) == 2
    snapshot, _names = _load_snapshot(demo_store, audit_dir)
    assert {a.name: a.status for a in snapshot.accounts()}["willow-us"] == "suspended"


def test_a_snapshot_is_not_written_with_accounts_that_are_not_one_per_row(demo_store, audit_dir):
    with Store.open(demo_store, PASSPHRASE) as st:
        accounts = st.accounts()
        ids = sorted(st._account_ids.values())
        verified = {row_id: ("v", b"n" * 16, b"b" * 16, b"k" * 16) for row_id in ids}
        master = st._keys.master
    assert not auditcache.write("file:/nowhere", master, generation=1, acc=0, verified=verified, ids=ids,
                                indexes=b"", lengths=b"\0" * 8 * len(ids), accounts=accounts[:-1])


def test_index_arrays_from_the_padded_indexes_are_the_same(demo_store, audit_dir):
    with Store.open(demo_store, PASSPHRASE, defer_macs=True) as st:
        rows = st._index_rows
        arrays = prefilter._open_arrays(st, rows)
    again = IndexArrays.from_padded(*arrays.padded())
    for name in ("attrs", "attr_start", "exact_counts", "block_counts", "exact", "blocking", "n_exact", "n_block",
                 "exact_start", "block_start"):
        assert getattr(again, name).tolist() == getattr(arrays, name).tolist(), name
    assert again.n == arrays.n == len(rows) == 10
    for at in range(arrays.n):
        assert (again.texts(at), again.exact_count_bytes(at)) == (arrays.texts(at), arrays.exact_count_bytes(at))
    buf, lengths = arrays.padded()
    with pytest.raises(ValueError):
        IndexArrays.from_padded(buf[:-8], lengths)


# ----- a write, and an attacker who can edit the snapshot and the store -------------------------------


WRITES = {
    "attr add": ("attr", "add", "nordic-de", "email", "ops@acme-trading.example"),
    "attr remove": ("attr", "remove", "acme-us", "email", "ops@acme-trading.example", "--yes"),
    "account add": ("account", "add", "fresh-shop"),
    "account remove": ("account", "remove", "acme-us", "--yes"),
    "account rename": ("account", "set", "acme-us", "--rename", "acme-renamed"),
    "explain": ("explain", "acme-us", "acme-de", "company_name", "--note", "one company's two stores"),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_after_a_write_the_audit_is_the_full_opens_and_the_snapshot_made_again(cli, demo_store, audit_dir, paths,
                                                                                 monkeypatch, write):
    before = _audit(cli)
    older = _snapshot_file(audit_dir).read_bytes()
    result = cli(*WRITES[write], input="y\n")
    assert result.exit_code in (0, 1), result.output
    expected = _full_audit(cli, monkeypatch)
    assert (expected != before) == (write != "account add")  # the write shows in the audit (a bare account: not)
    paths.reset()
    assert _audit(cli) == expected  # the first audit after the write: the full open
    assert paths == (1, 0)
    assert _snapshot_file(audit_dir).read_bytes() != older
    paths.reset()
    assert _audit(cli) == expected  # then the snapshot made after the write
    assert paths == (0, 1)


def test_an_older_snapshot_put_back_after_a_write_is_never_used(cli, demo_store, audit_dir, paths, monkeypatch):
    _audit(cli)
    older = _snapshot_file(audit_dir).read_bytes()
    assert cli("attr", "add", "nordic-de", "mac", "f8:e4:3b:0a:00:01").exit_code == 0
    expected = _audit(cli)
    snapshot = _snapshot_file(audit_dir)
    # The older snapshot put back, its clear generation hint set to the manifest's (the sealed one is older).
    newer_hint = snapshot.read_bytes()[len(auditcache.MAGIC) : len(auditcache.MAGIC) + 8]
    assert newer_hint != older[len(auditcache.MAGIC) : len(auditcache.MAGIC) + 8]
    for data in (older, older[: len(auditcache.MAGIC)] + newer_hint + older[len(auditcache.MAGIC) + 8 :]):
        snapshot.write_bytes(data)
        paths.reset()
        assert _audit(cli) == expected
        assert paths == (1, 0)


@pytest.mark.parametrize("where", ["hint", "head", "an account's tags", "the key indexes", "truncated", "garbage",
                                   "empty"])
def test_a_damaged_snapshot_is_ignored_and_made_again(cli, demo_store, audit_dir, paths, monkeypatch, where):
    expected = _audit(cli)
    snapshot = _snapshot_file(audit_dir)
    data = bytearray(snapshot.read_bytes())
    at = len(auditcache.MAGIC)
    head_end = at + 12 + int.from_bytes(data[at + 8 : at + 12], "little")
    if where == "hint":
        data[at] ^= 0x01
    elif where == "head":
        data[at + 12 + 30] ^= 0x40
    elif where == "an account's tags":
        data[head_end + 40] ^= 0x01
    elif where == "the key indexes":
        data[-20] ^= 0x01
    elif where == "truncated":
        del data[-100:]
    elif where == "garbage":
        data = bytearray(b"\x00" * len(data))
    else:
        data = bytearray()
    snapshot.write_bytes(bytes(data))
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (1, 0)
    assert _snapshot_file(audit_dir).read_bytes() != bytes(data)  # made again
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (0, 1)


def test_another_stores_snapshot_is_ignored(cli, demo_store, audit_dir, paths, tmp_path, monkeypatch):
    expected = _audit(cli)
    ours = _snapshot_file(audit_dir)
    other = tmp_path / "other" / "linkcheck.db"
    monkeypatch.setenv("LINKCHECK_STORE", str(other))
    assert cli("init").exit_code == 0
    assert cli("import", *sorted(PROFILES_DIR.glob("*.json"))).exit_code == 0
    _audit(cli)  # their snapshot made
    theirs = next(p for p in audit_dir.iterdir() if p != ours)
    # Their snapshot where ours belongs, its clear generation hint made ours.
    hint = ours.read_bytes()[len(auditcache.MAGIC) : len(auditcache.MAGIC) + 8]
    data = theirs.read_bytes()
    ours.write_bytes(data[: len(auditcache.MAGIC)] + hint + data[len(auditcache.MAGIC) + 8 :])
    monkeypatch.setenv("LINKCHECK_STORE", str(demo_store))
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (1, 0)


def test_a_copy_of_the_store_does_not_take_the_originals_snapshot(cli, demo_store, audit_dir, paths, tmp_path,
                                                                  monkeypatch):
    """A backup (same key) elsewhere, the original's snapshot where the copy's goes: bound to the place."""
    expected = _audit(cli)
    copy = tmp_path / "copy.db"
    assert cli("backup", copy).exit_code == 0
    ours = _snapshot_file(audit_dir)
    monkeypatch.setenv("LINKCHECK_STORE", str(copy))
    theirs = auditcache.cache_path("file:" + str(copy.resolve()))
    theirs.write_bytes(ours.read_bytes())
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (1, 0)


@pytest.mark.parametrize("name", ["acme-us", "acme-de"])  # two accounts that share a company
def test_an_edited_row_the_audit_reads_is_damage_through_the_snapshot(cli, demo_store, audit_dir, paths, name,
                                                                     monkeypatch):
    with monkeypatch.context() as mp:
        mp.setattr(auditcache, "stripped", lambda body: None)  # a snapshot holding no body: every one read
        _audit(cli)
    assert not _load_snapshot(demo_store, audit_dir)[0].has_bodies()
    _flip_body(demo_store, _row_id_of(demo_store, name))
    paths.reset()
    result = cli("audit", "--format", "json")
    assert result.exit_code == 5, result.output
    assert result.output.strip().splitlines()[-1].endswith(DAMAGE)
    assert paths == (0, 1)
    assert cli("account", "list").exit_code == 5  # and every full open refuses the store


@pytest.mark.parametrize("name", ["acme-us", "acme-de"])
def test_an_edited_row_whose_body_the_snapshot_holds_is_not_read_and_refused_by_the_next_full_open(
        cli, demo_store, audit_dir, paths, name):
    """As with the key indexes: the audit answers with the body the manifest vouched for when the
    snapshot was made (it reads none of the bodies the snapshot holds), never with the edited
    row, and every command that verifies every row refuses the store."""
    expected = _audit(cli)
    snapshot, names = _load_snapshot(demo_store, audit_dir)
    assert snapshot.has_bodies()
    _flip_body(demo_store, _row_id_of(demo_store, name))
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (0, 1)
    result = cli("account", "list")
    assert result.exit_code == 5, result.output
    assert "store was tampered with or damaged" in result.output.strip().splitlines()[-1]


def test_the_report_reads_every_row_through_the_snapshot(cli, demo_store, audit_dir, paths, tmp_path):
    """Whatever account is edited, the report (it lists every account) finds it; a row gone is damage too."""
    _audit(cli)
    _flip_body(demo_store, _row_id_of(demo_store, "willow-us"))
    paths.reset()
    result = cli("report", "-o", tmp_path / "page.html")
    assert result.exit_code == 5, result.output
    assert result.output.strip().splitlines()[-1].endswith(DAMAGE)
    assert paths == (0, 1)
    assert not (tmp_path / "page.html").exists()


def test_a_row_deleted_from_the_store_is_damage_through_the_snapshot(cli, demo_store, audit_dir, paths, tmp_path):
    _audit(cli)
    with sqlite3.connect(demo_store) as conn:
        conn.execute("DELETE FROM accounts WHERE id = ?", (_row_id_of(demo_store, "willow-us"),))
    paths.reset()
    result = cli("report", "-o", tmp_path / "page.html")
    assert result.exit_code == 5, result.output
    assert "store was tampered with or damaged" in result.output.strip().splitlines()[-1]
    assert paths == (0, 1)


def test_a_damaged_store_writes_no_snapshot(cli, demo_store, audit_dir):
    _flip_body(demo_store, _row_id_of(demo_store, "willow-us"))
    assert cli("audit", "--format", "json").exit_code == 5
    assert not audit_dir.exists() or not any(audit_dir.iterdir())


def test_the_snapshot_holds_nothing_in_clear_and_only_its_owner_reads_it(cli, demo_store, audit_dir):
    _audit(cli)
    snapshot = _snapshot_file(audit_dir)
    data = snapshot.read_bytes()
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
    assert stat.S_IMODE(audit_dir.stat().st_mode) == 0o700
    assert cli("export", "-o", "all.json").exit_code == 0
    texts = set()
    for profile in json.loads(Path("all.json").read_text()):
        texts.add(profile["account"])
        for values in profile["attributes"].values():
            texts.update(str(v["value"]) for v in values)
    assert "acme-us" in texts and len(texts) > 30
    for text in sorted(t for t in texts if len(t) >= 4):
        for encoded in (text.encode(), text.lower().encode(), text.encode("utf-16-le")):
            assert encoded not in data, text
    # Only the magic line and the generation are in clear; the rest looks random.
    assert len(set(data[-4096:])) > 200


def test_a_small_store_writes_no_snapshot(cli, demo_store, audit_dir, monkeypatch):
    monkeypatch.setattr(auditcache, "MIN_ACCOUNTS", 11)  # the demo store has 10 accounts
    _audit(cli)
    assert not audit_dir.exists()


def test_the_snapshot_is_written_by_a_detached_process_once_the_command_has_answered(demo_store, audit_dir, tmp_path):
    """A real `linkcheck audit` process: its answer first, then, at its exit, the detached writer."""
    import os
    import subprocess
    import sys
    import time

    probe = ("import sys; from linkcheck.store import auditcache, prefilter; auditcache.MIN_ACCOUNTS = 1; "
             "prefilter.ARRAYS_OVER = 0; from linkcheck.cli import run; sys.argv = ['linkcheck', *sys.argv[1:]]; run()")
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)

    def audit() -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-c", probe, "audit", "--format", "json"], env=env, capture_output=True,
                              timeout=120)
        assert done.returncode == 1, done.stderr
        return done

    first = audit()
    for _ in range(400):  # the detached writer, in its own process
        if audit_dir.is_dir() and any(audit_dir.glob("*.sealed")) and not any(audit_dir.glob(".*.lock")):
            break
        time.sleep(0.05)
    snapshot = _snapshot_file(audit_dir)
    made = snapshot.stat().st_mtime_ns
    again = audit()
    assert again.stdout == first.stdout and json.loads(first.stdout)["pairs"]
    assert snapshot.stat().st_mtime_ns == made  # used, not made again


def test_an_edited_key_index_is_not_read_through_the_snapshot_and_refused_by_the_next_full_open(
        cli, demo_store, audit_dir, paths):
    """The audit uses the key index the manifest vouched for when the snapshot was made; the edited
    column is refused by every command that verifies every row."""
    expected = _audit(cli)
    row_id = _row_id_of(demo_store, "acme-us")
    with sqlite3.connect(demo_store) as conn:
        (keys,) = conn.execute("SELECT keys FROM accounts WHERE id = ?", (row_id,)).fetchone()
        conn.execute("UPDATE accounts SET keys = ? WHERE id = ?", (bytes(keys[:-1]) + bytes([keys[-1] ^ 1]), row_id))
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (0, 1)
    for args in (("account", "list"), ("export", "-o", "all.json")):
        result = cli(*args)
        assert result.exit_code == 5, result.output
        assert "store was tampered with or damaged" in result.output.strip().splitlines()[-1]


def test_a_planted_huge_file_is_not_read(cli, demo_store, audit_dir, paths, monkeypatch):
    """A sparse file of many gigabytes where the snapshot goes (its name needs no key): not
    read at all -- larger than the store could have made -- so no memory error, no slow audit."""
    import os

    expected = _full_audit(cli, monkeypatch)
    identity = "file:" + str(demo_store.resolve())
    path = auditcache.cache_path(identity)
    audit_dir.mkdir(parents=True, mode=0o700)
    with open(path, "wb") as out:
        out.write(auditcache.MAGIC + (1).to_bytes(8, "little") + (0).to_bytes(4, "little"))
        out.truncate(64 << 30)
    os.chmod(path, 0o600)
    reads: list = []
    real_read = gatecache.SealedFile.read
    monkeypatch.setattr(gatecache.SealedFile, "read", lambda self, at, n: reads.append(n) or real_read(self, at, n))
    assert _read(demo_store, identity) is None and reads == []
    paths.reset()
    assert _audit(cli) == expected and paths == (1, 0)


def test_a_file_whose_hint_is_another_generation_is_not_read_beyond_its_head(cli, demo_store, audit_dir, monkeypatch):
    _audit(cli)  # the snapshot of this generation
    identity = "file:" + str(demo_store.resolve())
    reads: list = []
    real_read = gatecache.SealedFile.read
    monkeypatch.setattr(gatecache.SealedFile, "read", lambda self, at, n: reads.append(n) or real_read(self, at, n))
    assert _read(demo_store, identity) is not None and len(reads) == 2
    reads.clear()
    assert cli("account", "set", "willow-us", "--note", "a write: the next generation").exit_code == 0
    assert _read(demo_store, identity) is None
    assert reads == [len(auditcache.MAGIC) + 12]  # only the head


def test_a_named_pipe_or_a_link_is_ignored_not_waited_on_and_a_loose_folder_taken_back_to_700(
        cli, demo_store, audit_dir, paths, tmp_path, monkeypatch):
    import os
    import threading

    expected = _full_audit(cli, monkeypatch)
    identity = "file:" + str(demo_store.resolve())
    path = auditcache.cache_path(identity)
    audit_dir.mkdir(parents=True, mode=0o700)
    os.mkfifo(path)
    opened: list = []
    reader = threading.Thread(target=lambda: opened.append(_read(demo_store, identity)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "opening the snapshot waited on a named pipe"
    assert opened == [None]
    # A link to a real snapshot, elsewhere, is not followed.
    assert _audit(cli) == expected  # (the pipe stays: no snapshot is written over it)
    os.unlink(path)
    assert _audit(cli) == expected
    real = tmp_path / "elsewhere.sealed"
    real.write_bytes(_snapshot_file(audit_dir).read_bytes())
    os.unlink(path)
    os.symlink(real, path)
    assert _read(demo_store, identity) is None
    paths.reset()
    assert _audit(cli) == expected
    assert paths.snapshot == 0
    # A folder of ours that others may write is taken back to 700 before it is read from.
    os.unlink(path)
    assert _audit(cli) == expected
    os.chmod(audit_dir, 0o777)
    assert _read(demo_store, identity) is not None  # (the folder is ours: taken back to 700 first)
    assert stat.S_IMODE(audit_dir.stat().st_mode) == 0o700


# ----- a snapshot of an earlier generation: the unchanged rows' key indexes reused ---------------


def _opened_counts(monkeypatch) -> list:
    """How many key indexes each `open_all` of the audit's open decrypted."""
    from linkcheck.crypto.aead import Keyring

    counts: list = []
    real = Keyring.open_all

    def counted(self, sealed, ads, what):
        if what == "a key index":
            counts.append(len(sealed))
        return real(self, sealed, ads, what)

    monkeypatch.setattr(Keyring, "open_all", counted)
    return counts


@pytest.mark.parametrize("write", [
    ("attr", "add", "willow-us", "email", "new-mailbox@willow.example"),
    ("account", "add", "newcomer-us", "--marketplace", "amazon.com"),
    ("account", "set", "willow-us", "--note", "moved office"),
])
def test_after_a_write_only_the_changed_rows_key_indexes_are_decrypted(cli, demo_store, audit_dir, paths,
                                                                        monkeypatch, write):
    _audit(cli)  # the snapshot of this generation
    assert cli(*write).exit_code == 0
    expected = _full_audit(cli, monkeypatch)
    counts = _opened_counts(monkeypatch)
    paths.reset()
    assert _audit(cli) == expected  # the full open, the stale snapshot's indexes reused
    assert paths == (1, 0)
    assert counts == [1]  # the changed row's index alone
    counts.clear()
    assert _audit(cli) == expected  # ... and the snapshot made again is this generation's
    assert counts == []


def test_reused_indexes_are_the_arrays_decrypting_every_row_gives(cli, demo_store, audit_dir):
    _audit(cli)
    data = _snapshot_file(audit_dir).read_bytes()
    assert cli("attr", "add", "acme-us", "phone", "+1 201 555 0188").exit_code == 0
    with Store.open(demo_store, PASSPHRASE) as st:
        rows = st._conn.execute("SELECT id, version, name_tag, keys FROM accounts ORDER BY id").fetchall()
        stale = auditcache.load(data, st._keys.master, "file:" + str(demo_store.resolve()))
        assert stale is not None
        every = prefilter._open_arrays(st, rows)
        reused = prefilter._reusing(st, rows, stale)
    assert reused.padded() == every.padded()


def test_a_key_index_edited_since_the_snapshot_is_decrypted_and_refused(cli, demo_store, audit_dir):
    _audit(cli)
    row_id = _row_id_of(demo_store, "acme-us")
    assert cli("attr", "add", "acme-us", "phone", "+1 201 555 0188").exit_code == 0  # (a new generation)
    with sqlite3.connect(demo_store) as conn:
        (keys,) = conn.execute("SELECT keys FROM accounts WHERE id = ?", (row_id,)).fetchone()
        conn.execute("UPDATE accounts SET keys = ? WHERE id = ?", (bytes(keys[:-1]) + bytes([keys[-1] ^ 1]), row_id))
    result = cli("audit", "--format", "json")
    assert result.exit_code == 5, result.output


def test_an_edit_that_erases_values_removes_the_snapshot(cli, demo_store, audit_dir, paths):
    """The snapshot holds the bodies an audit decoded: `attr remove` and `account remove` take
    it away with what they erase; a write that erases nothing leaves it (the next audit takes
    the unchanged rows' key indexes from it); the audit after is the full open's, unchanged."""
    _audit(cli)
    snapshot = _snapshot_file(audit_dir)
    assert cli("account", "set", "acme-us", "--note", "moved office").exit_code == 0
    assert snapshot.exists()
    assert cli("attr", "remove", "acme-us", "email", "ops@acme-trading.example", "--yes").exit_code == 0
    assert not snapshot.exists()
    expected = _audit(cli)
    assert _snapshot_file(audit_dir).exists() and _audit(cli) == expected
    assert cli("account", "remove", "acme-de", "--yes").exit_code == 0
    assert not any(p.suffix == ".sealed" for p in audit_dir.iterdir())
    assert "acme-de" not in _audit(cli)[1]


def test_after_an_account_is_removed_every_key_index_is_decrypted_again(cli, demo_store, audit_dir, paths,
                                                                          monkeypatch):
    # (the snapshot went with the account's values: nothing stale to take the others' from)
    _audit(cli)
    assert cli("account", "remove", "willow-us", "--yes").exit_code == 0
    expected = _full_audit(cli, monkeypatch)
    counts = _opened_counts(monkeypatch)
    paths.reset()
    assert _audit(cli) == expected and paths == (1, 0)
    assert counts == [9]  # the demo store's ten accounts but the one removed
    counts.clear()
    assert _audit(cli) == expected and counts == []  # the snapshot made again


def test_an_older_snapshot_is_opened_without_its_bodies(cli, demo_store, audit_dir):
    # (the first audit after a write takes only the key indexes from it: its bodies stay sealed)
    _audit(cli)
    data = _snapshot_file(audit_dir).read_bytes()
    identity = "file:" + str(demo_store.resolve())
    with Store.open(demo_store, PASSPHRASE) as st:
        whole = auditcache.load(data, st._keys.master, identity)
        indexes_only = auditcache.load(data, st._keys.master, identity, bodies=False)
        assert auditcache.load(data[:-1], st._keys.master, identity, bodies=False) is None  # (its size still counts)
    assert whole is not None and indexes_only is not None
    assert whole.has_bodies() and whole.bodies() and not indexes_only.has_bodies() and indexes_only.bodies() == {}
    assert (indexes_only.ids(), indexes_only.indexes, indexes_only.lengths, indexes_only.verified()) == (
        whole.ids(), whole.indexes, whole.lengths, whole.verified())
