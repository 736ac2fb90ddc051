"""The store's key derivation begun at process start (linkcheck/early.py).

A command that will open a file store with the passphrase in $LINKCHECK_PASSPHRASE begins the
Argon2id derivation in a thread before it imports its modules; the store's open takes that key
only for exactly the same passphrase and parameters. These tests hold that it is used (one
derivation, not two), that it decides nothing (a wrong passphrase, another store, a damaged
header behave as before), that it is not begun where it must not be, and that a fork waits for it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading

import pytest

from conftest import PASSPHRASE, PROFILES_DIR
from linkcheck import early
from linkcheck.crypto import keys


@pytest.fixture(autouse=True)
def fresh_early_state(monkeypatch):
    """Each test starts as a new process would: nothing begun yet."""
    monkeypatch.setattr(early, "_started", False)
    monkeypatch.setattr(early, "_pending", None)
    monkeypatch.setattr(early, "_thread", None)
    monkeypatch.setattr(early, "_command", None)
    yield
    pending = early._pending
    if pending is not None:
        pending.thread.join()


def _params(path) -> keys.KdfParams:
    conn = sqlite3.connect(str(path))
    try:
        return keys.KdfParams.from_json(json.loads(conn.execute("SELECT kdf FROM header").fetchone()[0]))
    finally:
        conn.close()


def _as_tuple(params: keys.KdfParams) -> tuple:
    return (params.algorithm, params.salt, params.iterations, params.memory_kib, params.lanes)


def test_begun_for_a_command_that_opens_the_store_and_taken_once(store, monkeypatch):
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    assert early.start(["audit", "--format", "json"]) is True
    params = _params(store)
    kek = early.take(PASSPHRASE.encode(), params)
    assert kek is not None and kek == keys._argon2(PASSPHRASE.encode(), params)
    assert early.take(PASSPHRASE.encode(), params) is None  # once
    assert early.start(["audit"]) is False  # once per process


def test_another_passphrase_or_other_parameters_get_nothing(store, monkeypatch):
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    params = _params(store)
    assert early.start(["check", "shop-a"]) is True
    assert early.take(b"not the passphrase", params) is None
    monkeypatch.setattr(early, "_started", False)
    assert early.start(["check", "shop-a"]) is True
    other_salt = keys.KdfParams(params.algorithm, bytes(16), params.iterations, params.memory_kib, params.lanes)
    derivation = early._pending
    assert early.take(PASSPHRASE.encode(), other_salt) is None  # the header changed since: not its key
    # Asked once: what it holds is dropped, and a later ask gets nothing.
    assert early._pending is None and derivation.passphrase is None
    assert early.take(PASSPHRASE.encode(), params) is None
    early.settle()
    assert not derivation.thread.is_alive()


def test_no_thread_to_be_had_means_not_begun(store, monkeypatch):
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    assert early.start(["account", "set", "shop-a", "--note", "hi"]) is False
    assert early._pending is None and early._thread is None
    assert early.take(PASSPHRASE.encode(), _params(store)) is None


def test_reading_the_header_early_writes_nothing_beside_the_store(store, monkeypatch):
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    before = sorted(p.name for p in store.parent.iterdir())
    assert early.start(["audit"]) is True
    early.settle()
    assert sorted(p.name for p in store.parent.iterdir()) == before


def test_the_magic_is_the_stores():
    from linkcheck.store import sqlite

    assert early.STORE_MAGIC == sqlite.MAGIC


def test_the_bounds_and_the_key_are_those_of_crypto_keys():
    # early.py bounds a header's parameters itself (it imports nothing of linkcheck.crypto before
    # the derivation begins): the same limits, and the same 32-byte Argon2id as keys._argon2.
    assert (early.KEY_BYTES, early.MAX_MEMORY_KIB, early.MAX_ITERATIONS, early.MAX_LANES) == (
        keys.KEY_BYTES, keys.MAX_MEMORY_KIB, keys.MAX_ITERATIONS, keys.MAX_LANES)
    params = keys.KdfParams("argon2id", b"salt of sixteen!", 2, 256, 2)
    assert early.argon2id(b"pass phrase", params.salt, 2, 256, 2) == keys._argon2(b"pass phrase", params)
    assert len(keys._argon2(b"pass phrase", params)) == keys.KEY_BYTES
    good = _as_tuple(params)
    assert early._within_bounds(good)
    for field, value in ((0, "argon2i"), (1, b"short"), (1, b"s" * 65), (2, 0), (2, keys.MAX_ITERATIONS + 1),
                         (3, 8 * 2 - 1), (3, keys.MAX_MEMORY_KIB + 1), (4, 0), (4, keys.MAX_LANES + 1)):
        bad = list(good)
        bad[field] = value
        with pytest.raises(keys.Damaged):
            keys.KdfParams(*bad).check_bounds()
        assert not early._within_bounds(tuple(bad)), (field, value)


@pytest.mark.parametrize("path", ["/tmp/store.db", "/home/a b/100%/x?y#z.db", "/home/用户/店铺.db", "/a/~b_c-d.e/f"])
def test_the_store_uri_is_quoted_as_urllib_quotes_it(path):
    from urllib.parse import quote

    assert early._uri_path(path) == quote(path)


def test_a_store_at_an_awkward_path_is_begun_early(tmp_path, cli, monkeypatch):
    path = tmp_path / "100% a?b#c 店" / "store.db"
    path.parent.mkdir()
    assert cli("init", "--store", path).exit_code == 0
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    assert early.start(["audit", "--store", str(path)]) is True
    assert early.take(PASSPHRASE.encode(), _params(path)) is not None


# What a fresh interpreter has imported once the derivation is running (the console script's first
# step): not linkcheck.crypto, hmac, dataclasses or urllib -- the second core idles until it begins.
BEFORE_THE_THREAD = """\
import json, sys
from linkcheck import early
begun = early.start(sys.argv[1:])
print(json.dumps({"begun": begun, "modules": sorted(sys.modules)}))
early.settle()
"""


def test_nothing_more_than_the_derivation_needs_is_imported_before_it_begins(store):
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    proc = subprocess.run([sys.executable, "-c", BEFORE_THE_THREAD, "check", "shop-a"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert found["begun"] is True
    modules = set(found["modules"])
    assert "cryptography.hazmat.bindings._rust" in modules  # what the derivation runs (kdfcall.py)
    # Beyond what the interpreter itself starts with (an editable install's finder loads urllib).
    bare = subprocess.run([sys.executable, "-c", "import json, sys; print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, check=True)
    added = modules - set(json.loads(bare.stdout))
    assert not {"linkcheck.crypto", "hmac", "dataclasses", "urllib.parse", "click"} & added


def test_the_default_store_is_found_without_importing_the_store(tmp_path, cli, monkeypatch):
    # Most users keep the store where linkcheck puts it (no --store, no $LINKCHECK_STORE): finding
    # it must not import the store package and linkcheck.crypto before the derivation begins.
    home = tmp_path / "home"
    path = home / ".config" / "linkcheck" / "store.db"
    path.parent.mkdir(parents=True)
    assert cli("init", "--store", path).exit_code == 0
    env = {k: v for k, v in os.environ.items()
           if k not in ("LINKCHECK_STORE", "XDG_CONFIG_HOME", "LINKCHECK_SETTINGS", "APPDATA")}
    env.update(HOME=str(home), LINKCHECK_PASSPHRASE=PASSPHRASE)
    proc = subprocess.run([sys.executable, "-c", BEFORE_THE_THREAD + "from linkcheck import settings\n"
                           "assert settings.value('store') == " + repr(str(path)) + "\n", "check", "shop-a"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert found["begun"] is True
    assert not [m for m in found["modules"] if m.startswith(("linkcheck.store", "linkcheck.crypto"))]


def test_derive_kek_uses_it_and_derives_only_once(store, monkeypatch):
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    calls: list[str] = []
    params = _params(store)
    expected = keys._argon2(PASSPHRASE.encode(), params)
    argon2id = early.argon2id

    def counting(*args):
        calls.append(threading.current_thread().name)
        return argon2id(*args)

    monkeypatch.setattr(early, "argon2id", counting)  # every derivation: the early one and keys._argon2
    assert early.start(["account", "list"]) is True
    assert keys.derive_kek(PASSPHRASE, params) == expected
    assert calls == ["linkcheck-early-key"]
    assert keys.derive_kek(PASSPHRASE, params) == expected  # later: derived again
    assert calls == ["linkcheck-early-key", "MainThread"]


@pytest.mark.parametrize("argv", [
    ["init"], ["passwd"], ["import", "a.json"], ["unlock"], ["demo"], ["config", "show"], ["--version"],
    ["audit", "--help"], ["check", "-h", "shop-a"], ["audit", "--passphrase-file", "pw.txt"],
    ["audit", "--passphrase-file=pw.txt"], ["audit", "--store", "postgresql://team@db.example.com/shops"],
    [], ["--", "audit"],
])
def test_not_begun_where_it_must_not_be(store, monkeypatch, argv):
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    assert early.start(argv) is False
    assert early._pending is None


def test_not_begun_without_a_passphrase_in_the_environment(store):
    assert early.start(["audit"]) is False


@pytest.mark.parametrize("what", ["missing", "folder", "fifo", "not sqlite", "no header", "out of bounds",
                                  "another magic", "a view"])
def test_not_begun_for_what_is_not_a_store(tmp_path, monkeypatch, what):
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "thing.db"
    if what == "folder":
        path.mkdir()
    elif what == "fifo":
        os.mkfifo(path)
    elif what == "not sqlite":
        path.write_bytes(b"a text file, not a store\n" * 100)
    elif what in ("no header", "out of bounds", "another magic", "a view"):
        conn = sqlite3.connect(str(path))
        table = "header_t" if what == "a view" else "header"
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, magic TEXT, kdf TEXT)")
        fine = {"algorithm": "argon2id", "salt": "00" * 16, "iterations": 1, "memory_kib": 64, "lanes": 1}
        if what == "out of bounds":
            huge = dict(fine, iterations=1000, memory_kib=1 << 30)
            conn.execute("INSERT INTO header VALUES (1, 'linkcheck-store', ?)", (json.dumps(huge),))
        elif what == "another magic":
            conn.execute("INSERT INTO header VALUES (1, 'not-a-store', ?)", (json.dumps(fine),))
        elif what == "a view":
            conn.execute("INSERT INTO header_t VALUES (1, 'linkcheck-store', ?)", (json.dumps(fine),))
            conn.execute("CREATE VIEW header AS SELECT * FROM header_t")
        conn.commit()
        conn.close()
    assert early.start(["audit", "--store", str(path)]) is False
    assert early._pending is None


def test_a_fifo_swapped_in_after_the_header_file_is_opened_is_never_read(store, monkeypatch):
    """The header is read from the file opened (and checked) first: renaming a FIFO over the
    store at that instant neither makes the read wait nor gets another file's header read."""
    real_open = os.open
    swapped = []

    def open_then_swap(path, flags, *args):
        fd = real_open(path, flags, *args)
        if not swapped and os.fspath(path) == str(store):
            os.rename(store, store.with_name("moved.db"))
            os.mkfifo(store)
            swapped.append(True)
        return fd

    monkeypatch.setattr(early.os, "open", open_then_swap)
    done = []
    reader = threading.Thread(target=lambda: done.append(early._header_params(str(store))), daemon=True)
    reader.start()
    reader.join(10)
    assert swapped and done, "reading the header waited on the FIFO"
    assert done[0] == _as_tuple(_params(store.with_name("moved.db")))


def test_the_store_option_wins_over_the_environment(tmp_path, cli, store, monkeypatch):
    other = tmp_path / "other.db"
    assert cli("init", "--store", other).exit_code == 0
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    assert early.start(["audit", "--store", str(other)]) is True
    assert early._pending.params == _as_tuple(_params(other)) != _as_tuple(_params(store))
    assert early.take(PASSPHRASE.encode(), _params(other)) is not None


# A command run the way a user runs it (the console script's entry point), with every Argon2id
# derivation counted: the name of the thread that made it, written to a file at exit.
COUNTING_RUNNER = """\
import atexit, json, sys, threading
out, args = sys.argv[1], sys.argv[2:]
from linkcheck import early
real, calls = early.argon2id, []
def counting(*args):
    calls.append(threading.current_thread().name)
    return real(*args)
early.argon2id = counting
atexit.register(lambda: open(out, "w").write(json.dumps(calls)))
sys.argv = ["linkcheck", *args]
from linkcheck.entry import run
run()
"""


def _run_counting(tmp_path, *args, passphrase=PASSPHRASE):
    out = tmp_path / "calls.json"
    env = dict(os.environ)
    env.pop("LINKCHECK_PASSPHRASE", None)
    if passphrase is not None:
        env["LINKCHECK_PASSPHRASE"] = passphrase
    proc = subprocess.run([sys.executable, "-c", COUNTING_RUNNER, str(out), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)
    return proc, json.loads(out.read_text())


def test_a_command_derives_once_in_the_early_thread(tmp_path, cli, store):
    assert cli("import", *sorted(PROFILES_DIR.glob("*.json"))).exit_code == 0
    proc, calls = _run_counting(tmp_path, "audit", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout)["pairs"]
    assert calls == ["linkcheck-early-key"]


def test_a_wrong_passphrase_is_still_exit_4(tmp_path, store):
    proc, calls = _run_counting(tmp_path, "account", "list", passphrase="wrong passphrase")
    assert proc.returncode == 4, proc.stderr
    assert "passphrase" in proc.stderr and "Traceback" not in proc.stderr
    assert calls == ["linkcheck-early-key"]


def test_without_the_early_start_the_command_derives_itself(tmp_path, store):
    # --passphrase-file: read where its permission checks are; the open derives as before.
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSPHRASE)
    secret.chmod(0o600)
    proc, calls = _run_counting(tmp_path, "account", "list", "--passphrase-file", secret, passphrase=None)
    assert proc.returncode == 0, proc.stderr
    assert calls and "linkcheck-early-key" not in calls


FORK_WAITS = """\
import json, os, sys, time
from linkcheck import early
real = early.argon2id
def slow(*args):
    time.sleep(0.5)
    return real(*args)
early.argon2id = slow
assert early.start(["audit"])
pid = os.fork()
if pid == 0:
    os._exit(0)
alive = early._pending.thread.is_alive()
os.waitpid(pid, 0)
print(json.dumps({"alive_after_fork": alive}))
"""


def test_a_fork_waits_for_the_derivation(tmp_path, store):
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    proc = subprocess.run([sys.executable, "-c", FORK_WAITS], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"alive_after_fork": False}


# ----- hostile headers and passphrases: the same exit with or without the early start -----------

def _hostile_store(tmp_path, store, change: str):
    path = tmp_path / "hostile.db"
    path.write_bytes(store.read_bytes())
    path.chmod(0o600)
    conn = sqlite3.connect(str(path))
    if change == "recursive view":
        conn.execute("ALTER TABLE header RENAME TO header_t")
        conn.execute("CREATE VIEW header AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                     "SELECT h.* FROM header_t h, c WHERE c.x = 0")
    elif change == "infinite iterations":
        kdf = conn.execute("SELECT kdf FROM header").fetchone()[0]
        data = json.loads(kdf)
        text = json.dumps(dict(data, iterations="@")).replace('"@"', "Infinity")
        conn.execute("UPDATE header SET kdf = ?", (text,))
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("change", ["recursive view", "infinite iterations"])
@pytest.mark.parametrize("entry", ["linkcheck.entry", "linkcheck.cli"])
def test_a_hostile_header_is_exit_5_not_a_hang_or_a_crash(tmp_path, store, change, entry):
    path = _hostile_store(tmp_path, store, change)
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    code = f"import sys; sys.argv = ['linkcheck', *sys.argv[1:]]; from {entry} import run; run()"
    proc = subprocess.run([sys.executable, "-c", code, "account", "list", "--store", str(path)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 5, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


@pytest.mark.parametrize("name", ["LINKCHECK_PASSPHRASE", "LINKCHECK_NEW_PASSPHRASE"])
def test_a_passphrase_that_is_not_utf8_is_exit_4(store, name):
    env = {k.encode(): v.encode() for k, v in os.environ.items() if k not in ("LINKCHECK_PASSPHRASE",)}
    env[b"LINKCHECK_PASSPHRASE"] = PASSPHRASE.encode() if name != "LINKCHECK_PASSPHRASE" else b"caf\xe9 au lait 1234"
    if name == "LINKCHECK_NEW_PASSPHRASE":
        env[name.encode()] = b"caf\xe9 au lait 1234"
    command = ["passwd"] if name == "LINKCHECK_NEW_PASSPHRASE" else ["account", "list"]
    proc = subprocess.run([sys.executable, "-m", "linkcheck", *command], env=env, capture_output=True, timeout=60)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 4, stderr
    assert f"{name} is not UTF-8 text" in stderr and "Traceback" not in stderr
