"""The audit cache an import leaves (Store._write_audit_cache_after_import): after a successful
import into a store above the audit cache's threshold, the snapshot is the one the full open of
`audit` would make of the store as it is -- the same verified rows, generation, accounts' MAC
share and key indexes -- so the first audit after an import needs no full open, and a store
edited after the import is caught as through an audit's snapshot."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import PASSPHRASE, PROFILES_DIR, write_json
from linkcheck.store import auditcache
from linkcheck.store.sqlite import Store
from test_audit_cache import DAMAGE, Paths, _audit, _flip_body, _full_audit, _row_id_of, _snapshot_file

FILES = sorted(PROFILES_DIR.glob("*.json"))


@pytest.fixture
def paths(monkeypatch) -> Paths:
    return Paths(monkeypatch)


def _snapshot(store_path: Path, audit_dir: Path):
    with Store.open(store_path, PASSPHRASE) as st:
        snapshot = auditcache.load(_snapshot_file(audit_dir).read_bytes(), st._keys.master,
                                   "file:" + str(store_path.resolve()))
    assert snapshot is not None
    return snapshot


def _content(snapshot) -> dict:
    """Everything a snapshot holds but its random id and time."""
    return {"generation": snapshot.generation, "count": snapshot.count, "acc": snapshot.acc, "ids": snapshot.ids(),
            "verified": snapshot.verified(), "lengths": snapshot.lengths, "indexes": snapshot.indexes,
            "accounts": snapshot.has_accounts()}


def _the_audits_snapshot(cli, store_path: Path, audit_dir: Path, paths: Paths) -> dict:
    """The snapshot the full open of an audit makes of the store as it is (the import's removed first)."""
    _snapshot_file(audit_dir).unlink()
    paths.reset()
    _audit(cli)
    assert paths == (1, 0)
    return _content(_snapshot(store_path, audit_dir))


def _import(cli, *files) -> None:
    result = cli("import", *files)
    assert result.exit_code == 0, result.output


def test_an_import_leaves_the_snapshot_the_audits_full_open_makes(cli, store, audit_dir, paths, monkeypatch):
    _import(cli, *FILES)
    made = _content(_snapshot(store, audit_dir))
    assert made["count"] == 10 and not made["accounts"]
    expected = _full_audit(cli, monkeypatch)
    assert expected[0] == 1 and json.loads(expected[1])["pairs"]
    paths.reset()
    assert _audit(cli) == expected  # the first audit after the import: from the import's snapshot
    assert paths == (0, 1)
    assert _the_audits_snapshot(cli, store, audit_dir, paths) == made


def test_an_import_into_a_store_with_an_audits_snapshot_takes_the_other_rows_from_it(
        cli, store, audit_dir, paths, monkeypatch, tmp_path):
    _import(cli, *FILES[:6])
    _audit(cli)
    # New accounts, and accounts on file changed (a value added): every row's index is the new one.
    more = write_json(tmp_path / "more.json", [
        {"account": "acme-us", "marketplace": "amazon.com", "attributes": {"email": ["new-ops@acme-trading.example"]}},
        {"account": "fresh-one", "marketplace": "amazon.com", "attributes": {"phone": ["+1 415 555 0142"]}},
    ])
    _import(cli, *FILES[6:], more)
    made = _content(_snapshot(store, audit_dir))
    expected = _full_audit(cli, monkeypatch)
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (0, 1)
    assert _the_audits_snapshot(cli, store, audit_dir, paths) == made
    assert made["count"] == 11


def test_an_import_into_a_store_without_a_snapshot_writes_none(cli, store, audit_dir, paths, monkeypatch):
    """The rows already on file: their key indexes are not in hand (nothing is decrypted for it)."""
    with monkeypatch.context() as mp:
        mp.setattr(auditcache, "MIN_ACCOUNTS", 10**9)
        _import(cli, *FILES[:6])
    assert not audit_dir.exists()
    _import(cli, *FILES[6:])
    assert not audit_dir.exists()
    expected = _full_audit(cli, monkeypatch)
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (1, 0)


def test_a_snapshot_of_other_rows_is_not_used_for_the_rows_the_import_did_not_write(
        cli, store, audit_dir, paths, monkeypatch):
    """An older snapshot that does not hold a row as it is now (an account changed since, by a
    command that writes no snapshot): the import writes none."""
    _import(cli, *FILES[:6])
    _audit(cli)
    older = _snapshot_file(audit_dir).read_bytes()
    assert cli("attr", "add", "acme-de", "email", "else@acme-trading.example").exit_code == 0
    _import(cli, *FILES[6:])
    assert _snapshot_file(audit_dir).read_bytes() == older
    expected = _full_audit(cli, monkeypatch)
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (1, 0)


def test_a_failed_import_and_a_small_store_leave_no_snapshot(cli, store, audit_dir, tmp_path, monkeypatch):
    bad = write_json(tmp_path / "bad.json", [{"account": "x", "marketplace": "amazon.com",
                                              "attributes": {"email": ["not an address"]}}])
    assert cli("import", *FILES, bad).exit_code != 0
    assert not audit_dir.exists()
    # The demo store has 10 accounts: below the threshold (the audit writes one from MIN_ACCOUNTS on).
    monkeypatch.setattr(auditcache, "MIN_ACCOUNTS", 11)
    _import(cli, *FILES)
    assert not audit_dir.exists()


def test_other_writes_leave_none_and_the_first_audit_after_them_takes_the_full_open(
        cli, store, audit_dir, paths, monkeypatch):
    _import(cli, *FILES)
    made = _snapshot_file(audit_dir).read_bytes()
    assert cli("account", "add", "fresh-shop").exit_code == 0
    assert _snapshot_file(audit_dir).read_bytes() == made
    expected = _full_audit(cli, monkeypatch)
    paths.reset()
    assert _audit(cli) == expected
    assert paths == (1, 0)


# ----- the store edited after the import ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["acme-us", "acme-de"])  # two accounts that share a company
def test_an_edited_row_the_audit_reads_after_an_import_is_damage(cli, store, audit_dir, paths, name):
    _import(cli, *FILES)
    _flip_body(store, _row_id_of(store, name))
    paths.reset()
    result = cli("audit", "--format", "json")
    assert result.exit_code == 5, result.output
    assert result.output.strip().splitlines()[-1].endswith(DAMAGE)
    assert paths == (0, 1)  # through the import's snapshot
    assert cli("account", "list").exit_code == 5


def test_a_row_deleted_after_an_import_is_caught(cli, store, audit_dir, paths, tmp_path):
    _import(cli, *FILES[:6])
    _import(cli, *FILES[6:])
    row_id = _row_id_of(store, "acme-us")  # (one the audit reads: it shares a company)
    with sqlite3.connect(store) as conn:
        conn.execute("DELETE FROM accounts WHERE id = ?", (row_id,))
    result = cli("audit", "--format", "json")
    assert result.exit_code == 5, result.output
    assert "store was tampered with or damaged" in result.output.strip().splitlines()[-1]
    assert paths == (0, 1)


def test_an_edited_key_index_after_an_import_is_refused_by_the_next_full_open(cli, store, audit_dir, paths):
    _import(cli, *FILES)
    expected = _audit(cli)
    row_id = _row_id_of(store, "acme-us")
    with sqlite3.connect(store) as conn:
        (keys,) = conn.execute("SELECT keys FROM accounts WHERE id = ?", (row_id,)).fetchone()
        conn.execute("UPDATE accounts SET keys = ? WHERE id = ?", (bytes(keys[:-1]) + bytes([keys[-1] ^ 1]), row_id))
    paths.reset()
    assert _audit(cli) == expected  # the key index the manifest vouched for at the import
    assert paths == (0, 1)
    result = cli("export", "-o", "all.json")
    assert result.exit_code == 5, result.output


def test_a_real_import_leaves_the_snapshot_from_a_detached_process(store, audit_dir, tmp_path):
    """A real `linkcheck import` process: its answer first, then, at its exit, the detached writer;
    the next audit is from the snapshot and gives the full open's output."""
    import os
    import subprocess
    import sys
    import time

    probe = ("import sys; from linkcheck.store import auditcache, prefilter; auditcache.MIN_ACCOUNTS = 1; "
             "prefilter.ARRAYS_OVER = 0; from linkcheck.cli import run; sys.argv = ['linkcheck', *sys.argv[1:]]; run()")
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    done = subprocess.run([sys.executable, "-c", probe, "import", *map(str, FILES)], env=env, capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    for _ in range(400):
        if audit_dir.is_dir() and any(audit_dir.glob("*.sealed")) and not any(audit_dir.glob(".*.lock")):
            break
        time.sleep(0.05)
    snapshot = _snapshot_file(audit_dir)
    made = snapshot.stat().st_mtime_ns
    # The audit's probe says which way its open went and whether it left a rewrite behind.
    watch = ("import atexit, sys; from linkcheck.store import auditcache; from linkcheck.store.sqlite import Store; "
             "seen = []; real_open, real_after = Store._open_from_audit_cache, auditcache.after_the_command; "
             "Store._open_from_audit_cache = lambda *a: seen.append('snapshot' if real_open(*a) else 'full') "
             "or seen[-1] == 'snapshot'; "
             "auditcache.after_the_command = lambda work: seen.append('rewrite') or real_after(work); "
             "atexit.register(lambda: sys.stderr.write('SEEN ' + ','.join(seen) + '\\n')); ")
    audit = subprocess.run([sys.executable, "-c", watch + probe, "audit", "--format", "json"], env=env,
                           capture_output=True, timeout=120)
    assert audit.returncode == 1, audit.stderr
    assert json.loads(audit.stdout)["pairs"]
    # From the import's snapshot, and written again once with the bodies the audit read (the
    # import's snapshot holds none) ...
    assert b"SEEN snapshot,rewrite\n" in audit.stderr, audit.stderr
    for _ in range(400):
        if snapshot.stat().st_mtime_ns != made and not any(audit_dir.glob(".*.lock")):
            break
        time.sleep(0.05)
    assert snapshot.stat().st_mtime_ns != made
    again = subprocess.run([sys.executable, "-c", watch + probe, "audit", "--format", "json"], env=env,
                           capture_output=True, timeout=120)
    assert again.stdout == audit.stdout
    assert b"SEEN snapshot\n" in again.stderr, again.stderr  # ... and then only used
