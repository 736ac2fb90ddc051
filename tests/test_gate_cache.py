"""The gate cache (store/gatecache.py): `check` and `precheck` answer from a sealed snapshot of
the verified accounts table exactly as from the full open, never from a stale, damaged or
foreign one, and the snapshot holds nothing in clear. On a file store and on a team store on
a real PostgreSQL server (tests/pgcluster.py)."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from conftest import PASSPHRASE, PROFILES_DIR, write_json
from linkcheck import gate
from linkcheck.store import gatecache
from linkcheck.store.sqlite import Store

MACHINES = Path(__file__).resolve().parent / "fixtures" / "machines"
LAPTOP_A = MACHINES / "laptop-a.json"
LAPTOP_B = MACHINES / "laptop-b.json"
LAPTOP_B_SAME_ROUTER = MACHINES / "laptop-b-same-router.json"
LAPTOP_A_MAC = "f8:e4:3b:0a:00:01"
LAPTOP_B_MAC = "f8:e4:3b:0b:00:02"


@pytest.fixture
def gate_dir(tmp_path, monkeypatch) -> Path:
    """Snapshots for every store size (the threshold is 2,000 accounts), in tmp_path's cache folder."""
    folder = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.setattr(gatecache, "MIN_ACCOUNTS", 1)
    monkeypatch.setattr(gatecache, "BACKGROUND", False)  # written before the check returns
    # One clock for every check, so two answers compare whole (a check shows when it saw a value).
    monkeypatch.setattr(gate, "now", lambda: 1_790_000_000)
    return folder / "linkcheck" / "gate"


class Paths:
    """Counts, in this process, which way each open of a check went."""

    def __init__(self, monkeypatch):
        self.full = self.snapshot = 0
        full, from_cache = Store._verify_manifest, Store._open_from_gate_cache

        def counted_full(store, *args, **kwargs):
            self.full += 1
            return full(store, *args, **kwargs)

        def counted_cache(store, *args, **kwargs):
            used = from_cache(store, *args, **kwargs)
            self.snapshot += bool(used)
            return used

        monkeypatch.setattr(Store, "_verify_manifest", counted_full)
        monkeypatch.setattr(Store, "_open_from_gate_cache", counted_cache)

    def reset(self) -> None:
        self.full = self.snapshot = 0


@pytest.fixture
def paths(monkeypatch) -> Paths:
    return Paths(monkeypatch)


@pytest.fixture
def demo(cli, demo_store, gate_dir):
    """The demo accounts; acme-us also holds laptop A's MAC (a check of lotus-jp from A is a STOP)."""
    assert cli("attr", "add", "acme-us", "mac", LAPTOP_A_MAC).exit_code == 0
    return demo_store


CHECKS = (
    ("check", "lotus-jp", "--machine", LAPTOP_A),
    ("check", "acme-us", "--machine", LAPTOP_A),
    ("check", "lotus-jp", "--machine", LAPTOP_B),
    ("check", "pine-mx", "--machine", LAPTOP_B_SAME_ROUTER, "--fail-on", "critical"),
    ("check", "lotus-jp", "--machine", LAPTOP_A, "--format", "json"),
)


def _answers(cli, checks=CHECKS) -> list[tuple[int, str]]:
    out = []
    for args in checks:
        result = cli(*args)
        assert result.exit_code in (0, 1, 2), result.output  # 2: an account a write removed
        out.append((result.exit_code, result.output))
    return out


def _full_answers(cli, gate_dir: Path, monkeypatch, checks=CHECKS) -> list[tuple[int, str]]:
    """The same checks with no snapshot at all: the full open, as before the gate cache."""
    with monkeypatch.context() as mp:
        mp.setattr(gatecache, "MIN_ACCOUNTS", 10**9)
        mp.setattr(gatecache, "read_sealed", lambda identity: None)
        return _answers(cli, checks)


def _snapshot_file(gate_dir: Path) -> Path:
    files = [p for p in gate_dir.iterdir() if p.suffix == ".sealed"]
    assert len(files) == 1, files
    return files[0]


# ----- the same answers --------------------------------------------------------------------------


def test_check_answers_the_same_from_the_snapshot_as_from_the_full_open(cli, demo, gate_dir, paths, monkeypatch):
    expected = _full_answers(cli, gate_dir, monkeypatch)
    assert expected[0][0] == 1 and expected[0][1].startswith("STOP: this machine's MAC address")
    assert not gate_dir.exists()
    paths.reset()
    first = _answers(cli, CHECKS[:1])  # the full open, which writes the snapshot
    assert (paths.full, paths.snapshot) == (1, 0)
    assert _snapshot_file(gate_dir).exists()
    paths.reset()
    assert first + _answers(cli, CHECKS[1:]) == expected
    assert (paths.full, paths.snapshot) == (0, len(CHECKS) - 1)


def test_precheck_answers_the_same_from_the_snapshot(cli, demo, gate_dir, paths, tmp_path):
    planned = write_json(tmp_path / "planned.json", {"account": "new-shop", "marketplace": "amazon.com",
                                                       "attributes": {"mac": [LAPTOP_A_MAC]}})
    full = cli("precheck", planned)
    assert full.exit_code == 1 and "acme-us" in full.output
    paths.reset()
    again = cli("precheck", planned)
    assert (paths.full, paths.snapshot) == (0, 1)
    assert (again.exit_code, again.output) == (full.exit_code, full.output)


WRITES = {
    "capture": ("capture", "lotus-jp", "--machine", LAPTOP_B),
    "attr add": ("attr", "add", "nordic-de", "mac", "f8:e4:3b:0b:00:01"),
    "attr remove": ("attr", "remove", "acme-us", "mac", LAPTOP_A_MAC, "--yes"),
    "account add": ("account", "add", "fresh-shop"),
    "account remove": ("account", "remove", "acme-us", "--yes"),
    "account rename": ("account", "set", "acme-us", "--rename", "acme-renamed"),
    "account set": ("account", "set", "acme-us", "--status", "suspended"),
    "explain": ("explain", "acme-us", "lotus-jp", "mac", "--value", LAPTOP_A_MAC, "--note", "a shared test laptop"),
    "check --record": ("check", "lotus-jp", "--machine", LAPTOP_B, "--record"),
    "import": ("import", PROFILES_DIR / "acme-us.json"),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_after_every_kind_of_write_the_check_answers_as_the_full_open(cli, demo, gate_dir, paths, monkeypatch, write):
    _answers(cli, CHECKS[:1])  # the snapshot of the state before the write
    assert _snapshot_file(gate_dir).exists()
    result = cli(*WRITES[write], input="y\n")
    assert result.exit_code in (0, 1), result.output
    checks = CHECKS + (("check", "lotus-jp", "--machine", LAPTOP_B),)
    expected = _full_answers(cli, gate_dir, monkeypatch, checks)
    paths.reset()
    assert _answers(cli, checks) == expected  # the first check after the write (full or snapshot)...
    assert _answers(cli, checks) == expected  # ...and the snapshot made after it
    assert paths.snapshot >= len(checks)


def test_a_write_that_changes_accounts_is_never_answered_from_the_older_snapshot(cli, demo, gate_dir, paths):
    assert cli("check", "pine-mx", "--machine", LAPTOP_B).exit_code == 0  # GO, the snapshot made
    older = _snapshot_file(gate_dir).read_bytes()
    assert cli("attr", "add", "nordic-de", "mac", LAPTOP_B_MAC).exit_code == 0
    assert cli("check", "pine-mx", "--machine", LAPTOP_B).exit_code == 1  # the snapshot made again
    _snapshot_file(gate_dir).write_bytes(older)  # the snapshot made before the write, put back
    paths.reset()
    result = cli("check", "pine-mx", "--machine", LAPTOP_B)
    assert result.exit_code == 1 and "on file for nordic-de" in result.output.splitlines()[0]
    assert (paths.full, paths.snapshot) == (1, 0)


def test_a_log_entry_alone_keeps_the_snapshot_in_use(cli, demo, gate_dir, paths):
    """`check --record` of a STOP adds a log entry and changes no account: the snapshot's
    accounts are still the ones the manifest vouches for."""
    _answers(cli, CHECKS[:1])
    stop = cli("check", "lotus-jp", "--machine", LAPTOP_A, "--record")
    assert stop.exit_code == 1
    paths.reset()
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    assert (paths.full, paths.snapshot) == (0, 1)


# ----- tampering with the store or the snapshot ---------------------------------------------------


def _row_id_of(store_path: Path, name: str) -> int:
    with Store.open(store_path, PASSPHRASE) as st:
        return st._account_ids[st._keys.name_tag(name)]


def _flip_body(store_path: Path, row_id: int) -> None:
    """Edit the last byte of the account's sealed body (its AEAD tag, which the manifest covers)."""
    with sqlite3.connect(store_path) as conn:
        (body,) = conn.execute("SELECT body FROM accounts WHERE id = ?", (row_id,)).fetchone()
        edited = bytes(body[:-1]) + bytes([body[-1] ^ 1])
        conn.execute("UPDATE accounts SET body = ? WHERE id = ?", (edited, row_id))


@pytest.mark.parametrize("name", ["lotus-jp", "acme-us"])  # the account checked; the one it STOPs on
def test_an_edited_row_the_check_reads_is_damage_through_the_snapshot(cli, demo, gate_dir, paths, name):
    _answers(cli, CHECKS[:1])
    _flip_body(demo, _row_id_of(demo, name))
    paths.reset()
    result = cli("check", "lotus-jp", "--machine", LAPTOP_A)
    assert result.exit_code == 5, result.output
    assert result.output.strip().splitlines()[-1].endswith(
        "store was tampered with or damaged: a row read differs from the one verified at open")
    assert paths.snapshot == 1
    assert cli("account", "list").exit_code == 5


def test_an_edited_row_the_check_does_not_read_is_refused_by_every_full_open(cli, demo, gate_dir):
    """Through the snapshot a check answers for the rows the manifest vouches for; the edited
    row is refused by the next command that reads every row (and by a check after any write)."""
    _answers(cli, CHECKS[:1])
    _flip_body(demo, _row_id_of(demo, "nordic-de"))
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    for args in (("account", "list"), ("audit",), ("export", "-o", "all.json")):
        assert cli(*args).exit_code == 5
    assert cli("account", "add", "newer").exit_code == 5


@pytest.mark.parametrize("where", ["head", "first chunk", "last chunk", "truncated", "garbage", "empty"])
def test_a_damaged_snapshot_is_ignored_and_made_again(cli, demo, gate_dir, paths, monkeypatch, where):
    expected = _answers(cli, CHECKS)
    snapshot = _snapshot_file(gate_dir)
    data = bytearray(snapshot.read_bytes())
    head_end = len(gatecache.MAGIC) + 4 + int.from_bytes(data[len(gatecache.MAGIC):len(gatecache.MAGIC) + 4], "little")
    if where == "head":
        data[len(gatecache.MAGIC) + 30] ^= 0x40
    elif where == "first chunk":
        data[head_end + 20] ^= 0x01
    elif where == "last chunk":
        data[-3] ^= 0x01
    elif where == "truncated":
        del data[-100:]
    elif where == "garbage":
        data = bytearray(b"\x00" * len(data))
    else:
        data = bytearray()
    snapshot.write_bytes(bytes(data))
    paths.reset()
    assert _answers(cli, CHECKS) == expected
    assert paths.full >= 1
    assert _snapshot_file(gate_dir).read_bytes() != bytes(data)  # made again
    paths.reset()
    assert _answers(cli, CHECKS) == expected
    assert (paths.full, paths.snapshot) == (0, len(CHECKS))


def test_another_stores_snapshot_is_ignored(cli, demo, gate_dir, paths, tmp_path, monkeypatch):
    _answers(cli, CHECKS[:1])
    ours = _snapshot_file(gate_dir)
    other = tmp_path / "other" / "linkcheck.db"
    monkeypatch.setenv("LINKCHECK_STORE", str(other))
    assert cli("init").exit_code == 0
    assert cli("import", *sorted(PROFILES_DIR.glob("*.json"))).exit_code == 0
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 0
    theirs = next(p for p in gate_dir.iterdir() if p != ours)
    ours.write_bytes(theirs.read_bytes())  # their snapshot where ours belongs
    monkeypatch.setenv("LINKCHECK_STORE", str(demo))
    paths.reset()
    result = cli("check", "lotus-jp", "--machine", LAPTOP_A)
    assert result.exit_code == 1 and "on file for acme-us" in result.output.splitlines()[0]
    assert (paths.full, paths.snapshot) == (1, 0)


def test_a_copy_of_the_store_opens_its_own_way(cli, demo, gate_dir, paths, tmp_path, monkeypatch):
    """A backup (same key) elsewhere does not take the original's snapshot: it is bound to the place."""
    _answers(cli, CHECKS[:1])
    copy = tmp_path / "copy.db"
    assert cli("backup", copy).exit_code == 0
    monkeypatch.setenv("LINKCHECK_STORE", str(copy))
    paths.reset()
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    assert (paths.full, paths.snapshot) == (1, 0)


def test_the_snapshot_holds_nothing_in_clear_and_only_its_owner_reads_it(cli, demo, gate_dir):
    _answers(cli, CHECKS[:1])
    snapshot = _snapshot_file(gate_dir)
    data = snapshot.read_bytes()
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
    assert stat.S_IMODE(gate_dir.stat().st_mode) == 0o700
    exported = cli("export", "-o", "all.json")
    assert exported.exit_code == 0
    texts = {"acme-us", "lotus-jp", "nordic-de", LAPTOP_A_MAC, LAPTOP_A_MAC.replace(":", "")}
    for profile in json.loads(Path("all.json").read_text()):
        texts.add(profile["account"])
        for values in profile["attributes"].values():
            texts.update(str(v["value"]) for v in values)
    for text in sorted(t for t in texts if len(t) >= 4):
        for encoded in (text.encode(), text.lower().encode(), text.encode("utf-16-le")):
            assert encoded not in data, text
    # Only the magic line is in clear; the rest looks random.
    body = data[len(gatecache.MAGIC):]
    assert len(set(body[-4096:])) > 200


def test_a_small_store_writes_no_snapshot(cli, demo_store, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 0
    assert not (tmp_path / "cache-home").exists()


# ----- the team store ----------------------------------------------------------------------------


@pytest.fixture
def team(cli, team_url, monkeypatch, gate_dir):
    monkeypatch.setenv("LINKCHECK_STORE", team_url)
    assert cli("init", "--member", "dana").exit_code == 0
    assert cli("import", *sorted(PROFILES_DIR.glob("*.json"))).exit_code == 0
    assert cli("attr", "add", "acme-us", "mac", LAPTOP_A_MAC).exit_code == 0
    return team_url


def test_team_check_answers_the_same_from_the_snapshot(cli, team, gate_dir, paths, monkeypatch):
    expected = _full_answers(cli, gate_dir, monkeypatch)
    paths.reset()
    assert _answers(cli) == expected
    assert paths.snapshot == len(CHECKS) - 1 and _snapshot_file(gate_dir).exists()


def test_team_another_members_write_is_never_answered_from_the_older_snapshot(cli, team, gate_dir, paths, tmp_path):
    from test_team_store import _admit

    sam = _admit(cli, tmp_path, "sam", "operator")
    assert cli("check", "pine-mx", "--machine", LAPTOP_B).exit_code == 0  # GO, the snapshot made
    paths.reset()
    assert cli("check", "pine-mx", "--machine", LAPTOP_B).exit_code == 0
    assert (paths.full, paths.snapshot) == (0, 1)
    assert sam("attr", "add", "nordic-de", "mac", LAPTOP_B_MAC).exit_code == 0
    paths.reset()
    result = cli("check", "pine-mx", "--machine", LAPTOP_B)
    assert result.exit_code == 1 and "on file for nordic-de" in result.output.splitlines()[0]
    assert (paths.full, paths.snapshot) == (1, 0)


def test_team_a_tampered_snapshot_is_ignored(cli, team, gate_dir, paths):
    expected = _answers(cli)
    snapshot = _snapshot_file(gate_dir)
    data = bytearray(snapshot.read_bytes())
    data[-5] ^= 0x10
    snapshot.write_bytes(bytes(data))
    paths.reset()
    assert _answers(cli) == expected


def test_team_a_rollback_is_still_damage_with_a_snapshot(cli, team, gate_dir, pg_cluster, tmp_path):
    from test_team_store import _roll_back, _snapshot

    _snapshot(pg_cluster, team)
    assert cli("attr", "add", "pine-mx", "mac", "f8:e4:3b:0c:00:09").exit_code == 0
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1  # snapshot of the newer state
    _roll_back(pg_cluster, team)
    result = cli("check", "lotus-jp", "--machine", LAPTOP_A)
    assert result.exit_code == 5 and "the team store was rolled back" in result.output


def test_team_a_hidden_account_row_is_damage_with_a_snapshot(cli, team, gate_dir, pg_cluster):
    """The server hides the account the STOP names: the check reads its row, which is gone."""
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    from test_team_store import _account_row_id

    pg_cluster.sql(team, "DELETE FROM linkcheck.accounts WHERE id = %s", (_account_row_id(team, "acme-us"),))
    result = cli("check", "lotus-jp", "--machine", LAPTOP_A)
    assert result.exit_code == 5, result.output


def test_the_snapshot_is_written_by_a_detached_process(cli, demo, gate_dir, paths, monkeypatch):
    """Outside tests the check that makes the snapshot answers without waiting for it."""
    import time

    monkeypatch.setattr(gatecache, "BACKGROUND", True)
    expected = _answers(cli, CHECKS[:1])
    deadline = time.monotonic() + 60
    while not (gate_dir.exists() and any(p.suffix == ".sealed" for p in gate_dir.iterdir())):
        assert time.monotonic() < deadline, "no snapshot written"
        time.sleep(0.05)
    paths.reset()
    assert _answers(cli, CHECKS[:1]) == expected
    assert (paths.full, paths.snapshot) == (0, 1)


def test_team_snapshot_holds_nothing_in_clear(cli, team, gate_dir):
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    data = _snapshot_file(gate_dir).read_bytes()
    assert stat.S_IMODE(_snapshot_file(gate_dir).stat().st_mode) == 0o600
    for text in ("acme-us", "lotus-jp", "dana", LAPTOP_A_MAC, "f8e43b0a0001"):
        assert text.encode() not in data


def _flip_event(store_path: Path, position: int) -> None:
    with sqlite3.connect(store_path) as conn:
        row_id, body = conn.execute("SELECT id, body FROM events ORDER BY id LIMIT 1 OFFSET ?", (position,)).fetchone()
        conn.execute("UPDATE events SET body = ? WHERE id = ?", (bytes(body[:-1]) + bytes([body[-1] ^ 1]), row_id))


def test_log_entries_made_before_the_snapshot_are_covered_by_it_and_later_ones_verified(cli, demo, gate_dir, paths):
    for _ in range(3):
        assert cli("check", "lotus-jp", "--machine", LAPTOP_A, "--record").exit_code == 1
    _answers(cli, CHECKS[:1])  # the snapshot, made with those three entries
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A, "--record").exit_code == 1  # a fourth, after it
    paths.reset()
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    assert (paths.full, paths.snapshot) == (0, 1)
    assert len(json.loads(cli("log", "lotus-jp", "--format", "json").output)) == 4
    _flip_event(demo, 3)  # the entry written after the snapshot: every check verifies it
    result = cli("check", "lotus-jp", "--machine", LAPTOP_A)
    assert result.exit_code == 5 and "tampered with or damaged" in result.output


def test_an_edited_log_entry_the_snapshot_covers_is_refused_by_the_log(cli, demo, gate_dir, paths):
    for _ in range(2):
        assert cli("check", "lotus-jp", "--machine", LAPTOP_A, "--record").exit_code == 1
    _answers(cli, CHECKS[:1])
    _flip_event(demo, 0)
    paths.reset()
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1  # reads no log entry
    assert (paths.full, paths.snapshot) == (0, 1)
    assert cli("log", "lotus-jp").exit_code == 5
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A, "--record").exit_code == 5


def test_a_snapshot_being_written_is_not_written_twice_and_a_dead_writers_lock_is_taken_over(cli, demo, gate_dir):
    import os

    path = gatecache.cache_path("file:" + str(demo.resolve()))
    lock = path.with_name(f".{path.name}.lock")
    gate_dir.mkdir(parents=True)
    lock.touch()
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    assert not path.exists() and lock.exists()  # another writer holds it
    old = lock.stat().st_mtime - gatecache.LOCK_SECONDS - 5
    os.utime(lock, (old, old))
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    assert path.exists() and not lock.exists()


def test_a_lock_dated_in_the_future_is_no_writers(cli, demo, gate_dir):
    import os

    path = gatecache.cache_path("file:" + str(demo.resolve()))
    lock = path.with_name(f".{path.name}.lock")
    gate_dir.mkdir(parents=True, mode=0o700)
    lock.touch()
    future = lock.stat().st_mtime + 100 * 365 * 86400
    os.utime(lock, (future, future))
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    assert path.exists() and not lock.exists()


def test_a_named_pipe_or_a_link_where_the_snapshot_goes_is_ignored_not_waited_on(cli, demo, gate_dir, paths,
                                                                               tmp_path):
    import os
    import threading

    path = gatecache.cache_path("file:" + str(demo.resolve()))
    gate_dir.mkdir(parents=True, mode=0o700)
    os.mkfifo(path)
    opened: list = []
    reader = threading.Thread(target=lambda: opened.append(gatecache.read_sealed("file:" + str(demo.resolve()))),
                              daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "opening the snapshot waited on a named pipe"
    assert opened == [None]
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    assert paths.snapshot == 0
    # A link to a real snapshot file elsewhere is not followed either.
    os.unlink(path)
    real = tmp_path / "elsewhere.sealed"
    real.write_bytes(b"x" * 64)
    os.symlink(real, path)
    assert gatecache.read_sealed("file:" + str(demo.resolve())) is None


def test_a_gate_folder_others_may_write_is_taken_back_to_700(cli, demo, gate_dir, paths):
    gate_dir.mkdir(parents=True)
    gate_dir.chmod(0o777)
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    assert stat.S_IMODE(gate_dir.stat().st_mode) == 0o700
    paths.reset()
    gate_dir.chmod(0o777)  # loosened again between two checks: taken back before it is read
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    assert stat.S_IMODE(gate_dir.stat().st_mode) == 0o700 and paths.snapshot == 1


def test_a_blocking_key_over_the_cap_is_dropped_through_the_snapshot_as_through_the_full_open(
        cli, demo, gate_dir, paths, store_path):
    # The snapshot's search stops counting a blocking key's holders one past the cap.
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1  # writes the snapshot
    with Store.open(store_path, PASSPHRASE) as st:
        profiles = st.profiles()
    counts: dict[str, list] = {}
    for p in profiles:
        for key in {k for a in p.attributes for k in a.keys if k.startswith("~")}:
            counts.setdefault(key, []).append(p.account.name)
    blocking, holders = max(counts.items(), key=lambda item: len(item[1]))
    assert len(holders) >= 2
    for cap, expected in ((len(holders), sorted(holders)), (len(holders) - 1, []), (0, [])):
        paths.reset()
        with Store.open(store_path, PASSPHRASE, gate=True) as st:
            found = sorted(p.account.name for p in st.candidates([blocking], block_cap=cap))
        assert (paths.full, paths.snapshot) == (0, 1)
        assert found == expected
