"""The store's key derivation, begun the moment the process starts.

Opening a store costs one Argon2id derivation of about half a second, calibrated to cost that;
before this module, a command first spent 0.1-0.2 s importing its modules and reading its
options, and only then began it. Argon2id runs in C without the GIL, so when the passphrase
comes from $LINKCHECK_PASSPHRASE and the store is a file, `start` reads the store's header
and begins the derivation in a thread at once, while the interpreter imports the command.
When the store is opened, `crypto.keys.derive_kek` asks `take` first: the key derived early
is used only for exactly the same passphrase (compared in constant time) and exactly the
same parameters and salt the store's header gives then; anything else derives again, as
before. Nothing here decides anything: a wrong passphrase, a damaged header or a different
store is found by the code that opens the store, exactly as without it.

Nothing is written anywhere (the header is read from an immutable read-only connection) and
nothing is printed: any failure here (no store, a header that is not one, no thread to be had)
only means the derivation is not begun early. The passphrase is held until the store's open
asks for the key, once; a key or passphrase it does not take is dropped then.

A process must not fork while the derivation runs in its thread (the child would inherit
whatever the library's locks were at that instant): a hook registered with
`os.register_at_fork` waits for it to finish before any fork. (A program started with
`subprocess` -- `arp` or `ioreg`, which reading this machine runs on macOS while the key is
derived -- is no such fork: its child execs at once and runs nothing of the library.)

Everything imported before the thread begins is on the path of every command, with the second
core idle: so this module reads the header with `sqlite3` and `json` alone and imports only
`cryptography`'s Argon2id for it -- not linkcheck.crypto (whose package loads AES-GCM, X25519,
Ed25519 and dataclasses, 10-15 ms), nor hmac (2 ms). The Argon2id call itself is `argon2id`
below, the one every derivation of linkcheck goes through (crypto/keys.py's `_argon2` calls it);
the header's parameters are bounded here by the same limits as `KdfParams.check_bounds` (a test
holds them equal) before anything is derived.
"""

from __future__ import annotations

import os
import stat
import threading

from .entry import read_command_line

PASSPHRASE_ENV = "LINKCHECK_PASSPHRASE"
STORE_ENV = "LINKCHECK_STORE"
STORE_MAGIC = "linkcheck-store"  # store/sqlite.py's MAGIC (a test holds them equal; that module is heavy)

# Commands that open the file store with its passphrase as soon as their options are read.
# Not `import` (it forks its parsing child before it opens the store: it would wait for the
# derivation instead of parsing meanwhile), nor the commands that make or rewrap a key
# (`init`, `passwd`, `unlock`) or open no store with this passphrase.
COMMANDS = frozenset({
    "account", "appeal", "attr", "audit", "backup", "capture", "check", "explain", "export",
    "health", "log", "precheck", "pubkey", "report", "run", "statement",
})

# crypto/keys.py's KEY_BYTES and the bounds of KdfParams.check_bounds (a test holds them equal).
KEY_BYTES = 32
MAX_MEMORY_KIB = 1024 * 1024
MAX_ITERATIONS = 32
MAX_LANES = 16

# A header's Argon2id parameters, as a tuple: (algorithm, salt, iterations, memory_kib, lanes).
Params = tuple[str, bytes, int, int, int]


def argon2id(passphrase: bytes, salt: bytes, iterations: int, memory_kib: int, lanes: int) -> bytes:
    """The key-encryption key: cryptography's Argon2id, 32 bytes (OpenSSL's, which runs the lanes
    on threads of its own without the GIL). Every derivation of linkcheck is this call
    (crypto/keys.py's `_argon2` too)."""
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    return Argon2id(salt=salt, length=KEY_BYTES, iterations=iterations, lanes=lanes,
                    memory_cost=memory_kib).derive(passphrase)


class _Derivation:
    def __init__(self, passphrase: bytes, params: Params) -> None:
        self.passphrase: bytes | None = passphrase
        self.params = params
        self.kek: bytes | None = None
        self.thread = threading.Thread(target=self._run, name="linkcheck-early-key", daemon=True)

    def _run(self) -> None:
        try:
            _algorithm, salt, iterations, memory_kib, lanes = self.params
            if self.passphrase is not None:
                self.kek = argon2id(self.passphrase, salt, iterations, memory_kib, lanes)
        except BaseException:  # noqa: BLE001 - not begun early; the store's open derives it
            self.kek = None


_lock = threading.Lock()
_pending: _Derivation | None = None
_thread: threading.Thread | None = None  # the derivation's thread, taken or not (a fork waits for it)
_started = False


def start(argv: list[str]) -> bool:
    """Begin the store's key derivation in a thread if this command line will surely open a
    file store with the passphrase in the environment; whether it was begun. Once per process:
    the console script calls it before importing the command line, which calls it again."""
    global _pending, _started, _thread
    with _lock:
        if _started:
            return False
        _started = True
    try:
        command, store = read_command_line(argv, COMMANDS)
        passphrase = os.environ.get(PASSPHRASE_ENV)
        if command not in COMMANDS or not passphrase:
            return False
        if store is None:
            store = _store_setting()
        if store is None or store.strip().lower().startswith(("postgresql://", "postgres://")):
            return False
        params = _header_params(os.path.expanduser(store))
        if params is None:
            return False
        # Imported here, so the thread begins deriving at once instead of importing while this
        # thread imports the command's modules.
        from cryptography.hazmat.primitives.kdf import argon2  # noqa: F401
        derivation = _Derivation(passphrase.encode("utf-8"), params)
        derivation.thread.start()  # published only once it runs: take() joins it
        os.register_at_fork(before=settle)
        with _lock:
            _pending, _thread = derivation, derivation.thread
        return True
    except Exception:  # noqa: BLE001 - not begun early (no thread to be had, say): the open derives it
        return False


def take(passphrase: bytes, params) -> bytes | None:
    """The key derived early for exactly this passphrase and these parameters (a
    crypto.KdfParams, as the store's open read them from the header), once; or None."""
    global _pending
    with _lock:
        derivation, _pending = _pending, None  # asked once: the first open is the one it was for
    if derivation is None:
        return None
    wanted = (params.algorithm, params.salt, params.iterations, params.memory_kib, params.lanes)
    if derivation.params != wanted:  # the header changed since (or another key): derive anew
        derivation.passphrase = None
        return None
    import hmac  # here, not at the top: nothing before the derivation begins waits for it

    derivation.thread.join()
    kek, early_secret = derivation.kek, derivation.passphrase
    derivation.kek = derivation.passphrase = None  # held by nothing here once taken
    if kek is None or early_secret is None or not hmac.compare_digest(early_secret, passphrase):
        return None
    return kek


def settle() -> None:
    """Wait for a derivation still running (before a fork), whether or not it was taken."""
    thread = _thread
    if thread is not None and thread.is_alive():
        thread.join()


def _store_setting() -> str | None:
    """The store the command will open when no --store is given: $LINKCHECK_STORE, else the
    `store` setting or its default (settings.py, as the command line reads it)."""
    env = os.environ.get(STORE_ENV)
    if env:
        return env
    from . import settings

    return settings.value("store")


def _header_params(path: str) -> Params | None:
    """The Argon2id parameters in the header of the store file at `path`, within bounds; None
    when it is not a regular file with a readable header right now (an exception: the same)."""
    # Opened without blocking and checked on the opened file: a FIFO swapped in for the store
    # is never waited on. SQLite then opens that very file through /dev/fd where there is one.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        target = f"/dev/fd/{fd}" if os.path.isdir("/dev/fd") else os.path.abspath(path)
        return _read_header(target)
    finally:
        os.close(fd)


def _read_header(target: str) -> Params | None:
    import json
    import sqlite3

    # Read-only and immutable: no lock taken, no -wal or -shm file made beside the store. A
    # header changing meanwhile is only a header the open finds different (it derives anew).
    conn = sqlite3.connect(f"file:{_uri_path(target)}?mode=ro&immutable=1", uri=True, timeout=0,
                           isolation_level=None)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")  # as the store's own connection (store/sqlite.py)
        # A table, not a view: a view could run for ever (the open refuses one before reading).
        if conn.execute("SELECT type FROM sqlite_master WHERE name = 'header'").fetchall() != [("table",)]:
            return None
        row = conn.execute("SELECT magic, kdf FROM header WHERE id = 1").fetchone()
    finally:
        conn.close()
    if row is None or row[0] != STORE_MAGIC or not isinstance(row[1], str):
        return None
    data = json.loads(row[1])  # read as KdfParams.from_json reads it
    params = (str(data["algorithm"]), bytes.fromhex(data["salt"]), int(data["iterations"]),
              int(data["memory_kib"]), int(data["lanes"]))
    return params if _within_bounds(params) else None


def _within_bounds(params: Params) -> bool:
    """KdfParams.check_bounds: a damaged or hostile header must not make this thread allocate
    gigabytes or spin for minutes."""
    algorithm, salt, iterations, memory_kib, lanes = params
    return (algorithm == "argon2id" and 16 <= len(salt) <= 64 and 1 <= iterations <= MAX_ITERATIONS
            and 1 <= lanes <= MAX_LANES and 8 * lanes <= memory_kib <= MAX_MEMORY_KIB)


# What urllib.parse.quote leaves as it is (its default: letters, digits, "_.-~" and "/"); urllib
# itself is not imported for this (2 ms before the derivation could begin).
_URI_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/")


def _uri_path(path: str) -> str:
    """`path` percent-encoded for an SQLite URI, as urllib.parse.quote(path) writes it."""
    return "".join(c if c in _URI_SAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in path)
