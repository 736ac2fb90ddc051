"""The eleventh session's import (issue 17): what it changes about how the rows are written,
and that the store holds exactly what it held before."""

from __future__ import annotations

import pytest

from conftest import write_json
from linkcheck.store import sqlite as store_sqlite
from linkcheck.store.sqlite import Store


def _profiles(count: int, start: int = 0) -> list[dict]:
    return [{"account": f"shop-{n:04d}", "marketplace": "amazon.com",
             "attributes": {"email": [f"ops{n}@shop{n}.example"], "ip": [f"203.0.113.{n % 250 + 1}"]}}
            for n in range(start, start + count)]


def _cache_sizes(monkeypatch) -> list[int]:
    """The page cache (PRAGMA cache_size) of the connection each account row is written through."""
    seen: list[int] = []
    for name in ("put_new_row", "put_profile"):
        real = getattr(Store, name)

        def wrapped(self, *args, _real=real, **kwargs):
            seen.append(self._conn.execute("PRAGMA cache_size").fetchone()[0])
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Store, name, wrapped)
    return seen


def test_an_import_writes_its_rows_through_the_bulk_page_cache(cli, store, tmp_path, monkeypatch):
    # SQLite's default page cache (2 MB) sends pages written twice to the log twice, and the
    # commit then reads back the whole log to checksum it again: an import writes with more.
    seen = _cache_sizes(monkeypatch)
    result = cli("import", str(write_json(tmp_path / "first.json", _profiles(30))))
    assert result.exit_code == 0, result.output
    # A second import: updates (put_profile) and new accounts, through the same cache.
    result = cli("import", str(write_json(tmp_path / "second.json", _profiles(20, start=20))))
    assert result.exit_code == 0, result.output
    assert len(seen) == 50
    assert set(seen) == {-store_sqlite._BULK_CACHE_KIB}
    assert store_sqlite._BULK_CACHE_KIB == 64 * 1024


def test_other_writes_keep_sqlite_s_default_cache(cli, demo_store, monkeypatch):
    seen = _cache_sizes(monkeypatch)
    result = cli("attr", "add", "acme-us", "email", "new-ops@acme.example")
    assert result.exit_code == 0, result.output
    assert seen and set(seen) == {-2000}


@pytest.mark.parametrize("skip", [False, True])
def test_an_import_refused_or_skipping_leaves_a_readable_store(cli, store, tmp_path, skip):
    good = write_json(tmp_path / "good.json", _profiles(5))
    assert cli("import", str(good)).exit_code == 0
    bad = _profiles(5, start=5) + [{"account": "shop-bad", "attributes": {"email": ["not an address"]}}]
    args = ["import", str(write_json(tmp_path / "bad.json", bad))] + (["--skip-invalid"] if skip else [])
    result = cli(*args)
    assert result.exit_code == (0 if skip else 3), result.output
    listed = cli("account", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    assert listed.output.count('"shop-0') == (10 if skip else 5)


def test_a_team_store_import_is_as_before(cli, team_url, monkeypatch, tmp_path):
    # The team store (PostgreSQL) has no SQLite page cache to size: its import goes on as before.
    monkeypatch.setenv("LINKCHECK_STORE", team_url)
    assert cli("init", "--member", "dana").exit_code == 0
    result = cli("import", str(write_json(tmp_path / "team.json", _profiles(12))))
    assert result.exit_code == 0, result.output
    listed = cli("account", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    assert listed.output.count('"shop-0') == 12
