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


def test_many_mistyped_numbers_are_listed_up_to_twenty_then_counted_and_rows_still_made_ahead(
        cli, store, tmp_path, monkeypatch):
    # A file whose every registration number is 15 characters (the bench's synthetic data): 25
    # warnings would be 25 lines, 100,000 a flood that also sent every row down the slow path.
    from linkcheck import accounts

    slow = []  # rows the importing process made itself (the parsing child makes the rest, ahead)
    original = accounts.record_attributes

    def counting(*args, **kwargs):
        slow.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(accounts, "record_attributes", counting)
    rows = [{"account": f"shop-{n:04d}", "marketplace": "amazon.com",
             "attributes": {"registration_number": [f"91440300{n:06d}X"]}} for n in range(25)]
    path = write_json(tmp_path / "ids.json", rows)
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "registration number" in line or "more value(s)" in line]
    assert len(lines) == 21 and lines[0].endswith("has 15 characters where a unified social credit code has 18: "
                                                  "it is probably mistyped; check it against the document")
    assert lines[-1] == ("warning: 5 more value(s) fail their check digit or have an impossible length, not listed one "
                         "by one; `account show NAME` flags each, and `import --strict` refuses such rows")
    assert slow == []  # every new account's row made ahead by the parsing child, as for any other
    strict = cli("import", write_json(tmp_path / "more.json", [{**rows[0], "account": "shop-9999"}]), "--strict")
    assert strict.exit_code == 3 and "probably mistyped" in strict.output
