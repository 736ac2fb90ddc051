"""An import has the disk take the store's pages while it writes (`Store.flush_as_it_writes`,
issue 17): a thread fdatasyncs the write-ahead log and the file, and its descriptors are
closed only after SQLite's connection (closing a descriptor of a file drops every POSIX lock
the process holds on it)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest

from conftest import PASSPHRASE, write_json
from linkcheck.store import sqlite as store_sqlite


@pytest.fixture
def synced(monkeypatch):
    """Every path fdatasync'd by a flusher, and when each flusher stopped."""
    seen: dict = {"paths": set(), "stops": []}
    real_sync = os.fdatasync

    def fdatasync(fd):
        seen["paths"].add(os.readlink(f"/proc/self/fd/{fd}"))
        return real_sync(fd)

    monkeypatch.setattr(store_sqlite.os, "fdatasync", fdatasync)
    monkeypatch.setattr(store_sqlite._Flusher, "PERIOD", 0.01)
    real_stop = store_sqlite._Flusher.stop

    def stop(self):
        fds = list(self._fds)
        real_stop(self)
        seen["stops"].append(fds)

    monkeypatch.setattr(store_sqlite._Flusher, "stop", stop)
    return seen


def _profiles(n: int) -> list[dict]:
    return [{"account": f"flush-{i:04d}", "marketplace": "amazon.com",
             "attributes": {"email": [f"ops{i}@flush.example"], "ip": [f"203.0.113.{i % 250}"]}}
            for i in range(n)]


def test_an_import_syncs_the_log_and_the_file_while_it_writes_and_stops_after_the_close(
        cli, store, store_path, tmp_path, synced, monkeypatch):
    real_import = store_sqlite.Store.put_new_row
    slow = {"n": 0}

    def put_new_row(self, *args):  # give the thread time to run while rows are written
        slow["n"] += 1
        if slow["n"] % 200 == 0:
            time.sleep(0.05)
        return real_import(self, *args)

    monkeypatch.setattr(store_sqlite.Store, "put_new_row", put_new_row)
    path = write_json(tmp_path / "many.json", _profiles(1000))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "Imported 1000 new account(s)" in result.output
    real = str(store_path.resolve())
    assert synced["paths"] == {real, real + "-wal"}
    assert len(synced["stops"]) == 1 and len(synced["stops"][0]) == 2
    for fd in synced["stops"][0]:  # closed by stop
        with pytest.raises(OSError):
            os.fstat(fd)
    assert not [t for t in threading.enumerate() if t.name == "linkcheck-flush" and t.is_alive()]
    result = cli("account", "list")
    assert result.exit_code == 0 and "flush-0999" in result.output


def test_the_flusher_stops_after_the_connection_closes_even_when_the_import_fails(
        cli, store, store_path, tmp_path, monkeypatch):
    order: list[str] = []
    real_stop = store_sqlite._Flusher.stop
    real_connect = store_sqlite._connect

    class Conn:
        """The store's connection, saying when it is closed."""

        def __init__(self, conn):
            self._conn = conn

        def close(self):
            order.append("close")
            self._conn.close()

        def __getattr__(self, name):
            return getattr(self._conn, name)

    monkeypatch.setattr(store_sqlite, "_connect", lambda path: Conn(real_connect(path)))
    monkeypatch.setattr(store_sqlite._Flusher, "stop", lambda self: (order.append("stop"), real_stop(self))[1])
    bad = write_json(tmp_path / "bad.json", [{"account": "ok-1", "attributes": {"email": ["a@flush.example"]}},
                                             {"account": "bad-1", "attributes": {"email": ["not an address"]}}])
    result = cli("import", str(bad))
    assert result.exit_code == 3
    assert order[-2:] == ["close", "stop"]
    result = cli("account", "list")
    assert "ok-1" not in result.output  # all or nothing, as before


def test_no_flusher_for_a_read_or_a_small_write(cli, store, store_path, synced):
    result = cli("account", "list")
    assert result.exit_code == 0
    assert synced["stops"] == []
    with store_sqlite.Store.open(store_path, PASSPHRASE) as st:
        st.flush_as_it_writes()  # read-only: nothing started
        assert st._flusher is None
    assert synced["stops"] == []


def test_a_store_written_with_the_flusher_is_a_sound_sqlite_file(cli, store, store_path, tmp_path, synced):
    path = write_json(tmp_path / "some.json", _profiles(300))
    assert cli("import", str(path)).exit_code == 0
    conn = sqlite3.connect(store_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (300,)
    finally:
        conn.close()
