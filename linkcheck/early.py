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
`cryptography`'s Argon2id for it (its Rust binding) -- not linkcheck.crypto (whose package loads
AES-GCM, X25519, Ed25519 and dataclasses, 10-15 ms), nor hmac (2 ms). The Argon2id call itself
is `argon2id` (linkcheck/kdfcall.py), the one every derivation of linkcheck goes through
(crypto/keys.py's `_argon2` calls it here); the header's parameters are bounded by the same
limits as `KdfParams.check_bounds` (kdfcall.within_bounds; a test holds them equal) before
anything is derived.

Huge pages, in a helper process (Linux, glibc 2.35 and later, transparent huge pages in
`madvise` mode). The store's Argon2id touches 64 MiB or more of fresh memory: in 4 KiB pages
that is 16,384 page faults and as many TLB misses as the lanes jump about, a fifth of the
derivation's CPU. glibc's allocator asks for transparent huge pages for its large blocks when
`glibc.malloc.hugetlb=1` is in GLIBC_TUNABLES -- read by the loader only when a process starts.
So for the pre-login commands (`check`, `precheck`, `run`) the derivation's thread hands the
derivation to a helper process started with the tunable in its environment: this same
interpreter, isolated (`-I -S`: no site, no user or PYTHON* settings, no current folder on its
path), its command line fixed (`HELPER_CODE`: nothing of the user's on it), its environment
GLIBC_TUNABLES alone (and LD_LIBRARY_PATH when set: never the passphrase), its standard error
/dev/null. The thread writes it, through a pipe, where linkcheck and cryptography are found,
the header's parameters and the passphrase, and reads the 32-byte key back through another; the
helper runs `argon2id` (kdfcall.py), the same call, and imports nothing else of linkcheck. Any
failure of the helper (no interpreter to start, an exit, a short answer) and the thread derives
the key itself, as without it. A passphrase that is not in the environment (typed at the
prompt, read from --passphrase-file) is derived when the store is opened, by the same helper
(`derive`). A helper still running when this process exits (the command
failed before opening the store) is killed. Nothing else of the process changes: the command
line, the environment, what `run` starts.
"""

from __future__ import annotations

import os
import stat
import sys
import threading

from .kdfcall import KEY_BYTES, MAX_ITERATIONS, MAX_LANES, MAX_MEMORY_KIB, argon2id  # noqa: F401
from .kdfcall import within_bounds as _within_bounds

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


# The commands whose derivation runs in a helper process with huge pages (see above): the
# pre-login ones, whose whole time is the derivation's.
HELPER_COMMANDS = frozenset({"check", "precheck", "run"})
# Below this much memory the huge pages save less than the helper's start costs.
HELPER_MIN_MEMORY_KIB = 16 * 1024
TUNABLES = "GLIBC_TUNABLES"
HUGE_PAGES = "glibc.malloc.hugetlb=1"
_THP_SETTING = "/sys/kernel/mm/transparent_hugepage/enabled"
# The helper's whole command line after the interpreter's (nothing of the user's on it): read
# standard input to its end -- the length of what follows it on its first line, the folders to
# import linkcheck and cryptography from (split by NUL bytes), then what `serve` reads -- and serve.
# It first closes any descriptor beyond the three it uses that the command was started with (a
# launcher's pipe, say): the helper holds none of them open.
HELPER_CODE = ("import os,sys\n"
               "os.closerange(3,65536)\n"
               "d=b''\n"
               "while 1:\n"
               " c=os.read(0,65536)\n"
               " if not c:break\n"
               " d+=c\n"
               "n,_,d=d.partition(b'\\n')\n"
               "n=int(n)\n"
               "sys.path+=os.fsdecode(d[:n]).split('\\0')\n"
               "from linkcheck.kdfcall import serve\n"
               "serve(d[n:])\n")

# A header's Argon2id parameters, as a tuple: (algorithm, salt, iterations, memory_kib, lanes).
Params = tuple[str, bytes, int, int, int]


class _Derivation:
    def __init__(self, passphrase: bytes, params: Params) -> None:
        self.passphrase: bytes | None = passphrase
        self.params = params
        self.kek: bytes | None = None
        self.helper = False  # derive in a helper process with huge pages (`_in_helper`)
        self.helper_pid: int | None = None  # while it runs and is not yet waited for
        self.cancelled = False  # stopped (`_stop_helper`): the key is not wanted any more
        self.thread: threading.Thread | None = None  # `begin`'s (a later `derive` runs in its caller)

    def begin(self) -> None:
        """Derive in a thread of its own (`start`'s derivation)."""
        self.thread = threading.Thread(target=self._run, name="linkcheck-early-key", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            _algorithm, salt, iterations, memory_kib, lanes = self.params
            passphrase = self.passphrase
            if passphrase is not None:
                kek = None
                if self.helper:
                    try:
                        kek = _in_helper(self, passphrase)
                    except Exception:  # noqa: BLE001 - derived here instead
                        kek = None
                    if kek is None and self.cancelled:  # the helper killed at exit: nothing to derive
                        return
                self.kek = kek or argon2id(passphrase, salt, iterations, memory_kib, lanes)
        except BaseException:  # noqa: BLE001 - not begun early; the store's open derives it
            self.kek = None


_lock = threading.Lock()
_pending: _Derivation | None = None
_thread: threading.Thread | None = None  # the derivation's thread, taken or not (a fork waits for it)
_started = False
_command: str | None = None  # the command `start` read (a pre-login one derives in a helper)


def start(argv: list[str]) -> bool:
    """Begin the store's key derivation in a thread if this command line will surely open a
    file store with the passphrase in the environment; whether it was begun. Once per process:
    the console script calls it before importing the command line, which calls it again."""
    global _command, _pending, _started, _thread
    with _lock:
        if _started:
            return False
        _started = True
    try:
        command, store, begin = read_command_line(argv, COMMANDS)
        _command = command
        passphrase = os.environ.get(PASSPHRASE_ENV)
        if not begin or command not in COMMANDS or not passphrase:
            return False
        if store is None:
            store = _store_setting()
        if store is None or store.strip().lower().startswith(("postgresql://", "postgres://")):
            return False
        params = _header_params(os.path.expanduser(store))
        if params is None:
            return False
        derivation = _Derivation(passphrase.encode("utf-8"), params)
        derivation.helper = command in HELPER_COMMANDS and _helper_pays(params)
        if not derivation.helper:
            # Imported here, so the thread begins deriving at once instead of importing while
            # this thread imports the command's modules (kdfcall falls back to the public
            # module should a later cryptography move it).
            try:
                from cryptography.hazmat.bindings._rust import openssl  # noqa: F401
            except ImportError:
                pass
        derivation.begin()  # published only once it runs: take() joins it
        if hasattr(os, "register_at_fork"):  # (not on Windows: no fork to wait before)
            os.register_at_fork(before=settle)
        if derivation.helper:
            import atexit

            atexit.register(_stop_helper, derivation)
        with _lock:
            _pending, _thread = derivation, derivation.thread
        return True
    except Exception:  # noqa: BLE001 - not begun early (no thread to be had, say): the open derives it
        return False


def derive(passphrase: bytes, params) -> bytes:
    """The key for this passphrase and these parameters (a crypto.KdfParams), derived now: by a
    helper process with huge pages for a pre-login command (a passphrase typed at its prompt or
    read from --passphrase-file, say), as the early derivation would (`_in_helper`), else -- and on any failure of the
    helper -- here."""
    wanted = (params.algorithm, params.salt, params.iterations, params.memory_kib, params.lanes)
    if _command in HELPER_COMMANDS:
        try:
            if _helper_pays(wanted):
                key = _in_helper(_Derivation(passphrase, wanted), passphrase)
                if key is not None:
                    return key
        except Exception:  # noqa: BLE001 - derived here instead
            pass
    return argon2id(passphrase, *wanted[1:])


def read_command_line(argv: list[str], commands: frozenset[str]) -> tuple[str | None, str | None, bool]:
    """The command's name (the first word that is one of `commands`), a --store given, and
    whether the derivation may begin early: (None, None, False) when help or the version is
    asked for; not early when a passphrase file is given (it is read where its checks are),
    though the command is still named, so a pre-login command's derivation at the store's open
    runs in the helper (`derive`)."""
    command = store = None
    begin = True
    args = iter(argv)
    for arg in args:
        if arg == "--":
            break
        if arg in ("-h", "--help", "--version"):
            return None, None, False
        if arg == "--passphrase-file":
            begin = False
            next(args, None)  # its value is a file's name, never the command's
        elif arg.startswith("--passphrase-file="):
            begin = False
        elif arg == "--store":
            store = next(args, None)
        elif arg.startswith("--store="):
            store = arg[len("--store="):]
        elif command is None and arg in commands:
            command = arg
    return command, store, begin


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
        _stop_helper(derivation)  # its key is not wanted: not left deriving on the other core
        return None
    import hmac  # here, not at the top: nothing before the derivation begins waits for it

    if derivation.thread is not None:  # (always: only `start`'s derivation is pending)
        derivation.thread.join()
    kek, early_secret = derivation.kek, derivation.passphrase
    derivation.kek = derivation.passphrase = None  # held by nothing here once taken
    if kek is None or early_secret is None or not hmac.compare_digest(early_secret, passphrase):
        return None
    return kek


def deriving() -> bool:
    """Whether the derivation begun at start is still running, its key not yet taken: a command
    about to wait for it may load meanwhile what it needs after the key (a precheck: the fuzzy
    comparisons' library), on the core the derivation's lanes leave between their passes."""
    derivation = _pending
    return derivation is not None and derivation.thread is not None and derivation.thread.is_alive()


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


# What urllib.parse.quote leaves as it is (its default: letters, digits, "_.-~" and "/"); urllib
# itself is not imported for this (2 ms before the derivation could begin).
_URI_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/")


def _uri_path(path: str) -> str:
    """`path` percent-encoded for an SQLite URI, as urllib.parse.quote(path) writes it."""
    return "".join(c if c in _URI_SAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in path)


# ----- the helper process with huge pages ---------------------------------------------------------


def _helper_pays(params: Params) -> bool:
    """Whether a helper process with the tunable derives this key for less: Linux with glibc 2.35
    or later and transparent huge pages on request, memory enough to gain, a Python interpreter
    to start (not a frozen program), and the user's own GLIBC_TUNABLES not deciding huge pages
    already (`glibc.malloc.hugetlb=0` keeps the derivation in this process)."""
    if not sys.platform.startswith("linux") or params[3] < HELPER_MIN_MEMORY_KIB:
        return False
    if "glibc.malloc.hugetlb" in os.environ.get(TUNABLES, "") or getattr(sys, "frozen", False):
        return False
    if not sys.executable or not os.path.isabs(sys.executable) or not hasattr(os, "posix_spawn"):
        return False
    return glibc_with_tunable() and thp_on_request()


def glibc_with_tunable() -> bool:
    try:
        name, _space, version = (os.confstr("CS_GNU_LIBC_VERSION") or "").partition(" ")
        major, minor = (int(part) for part in version.split(".")[:2])
    except (ValueError, OSError, AttributeError):
        return False
    return name == "glibc" and (major, minor) >= (2, 35)


def thp_on_request() -> bool:
    """Transparent huge pages given to the memory that asks (`madvise` mode): under `always`
    every large block has them already, under `never` none can."""
    try:
        with open(_THP_SETTING, "rb") as setting:
            return b"[madvise]" in setting.read(200)
    except OSError:
        return False


def helper_environment() -> dict[str, str]:
    """The helper's whole environment: the tunable (after the user's own tunables), and the
    library path an interpreter may need to start. Never the passphrase or anything else."""
    own = os.environ.get(TUNABLES)
    env = {TUNABLES: f"{own}:{HUGE_PAGES}" if own else HUGE_PAGES}
    if os.environ.get("LD_LIBRARY_PATH"):
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    return env


def _import_folders() -> bytes:
    """Where this process found linkcheck and cryptography, for the helper's sys.path (after
    its standard library)."""
    import cryptography

    folders = []
    for package in (__file__, cryptography.__file__):
        folder = os.path.dirname(os.path.dirname(os.path.abspath(package)))
        if folder not in folders:
            folders.append(folder)
    return os.fsencode("\0".join(folders))


def _in_helper(derivation: _Derivation, passphrase: bytes) -> bytes | None:
    """The key, derived by a helper process started with huge pages; None on any failure (the
    thread then derives it itself)."""
    _algorithm, salt, iterations, memory_kib, lanes = derivation.params
    folders = _import_folders()
    request = b"%d\n%s" % (len(folders), folders) + b"\0".join(
        (salt.hex().encode("ascii"), b"%d" % iterations, b"%d" % memory_kib, b"%d" % lanes, passphrase))
    to_helper: int | None
    to_helper, its_input = os.pipe()[::-1]
    from_helper, its_output = os.pipe()
    pid: int | None = None
    registered = False  # helper_pid set: whoever takes it back (here or _stop_helper) reaps it
    answer = b""
    status = -1
    try:
        try:
            pid = os.posix_spawn(sys.executable, [sys.executable, "-I", "-S", "-c", HELPER_CODE],
                                 helper_environment(), file_actions=[
                                     (os.POSIX_SPAWN_DUP2, its_input, 0),
                                     (os.POSIX_SPAWN_DUP2, its_output, 1),
                                     (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
        except Exception:  # noqa: BLE001 - no helper: derived in this process
            return None
        finally:
            os.close(its_input)
            os.close(its_output)
        with _lock:
            if derivation.cancelled:  # stopped while it started: ended (and reaped below)
                _kill(pid)
                return None
            derivation.helper_pid, registered = pid, True
        pipe, to_helper = open(to_helper, "wb", closefd=True), None  # all of it, then its end
        with pipe:
            pipe.write(request)
        while len(answer) <= KEY_BYTES:
            chunk = os.read(from_helper, 64)
            if not chunk:
                break
            answer += chunk
    except OSError:  # the helper ended before reading (a broken pipe): derived here
        answer = b""
    except BaseException:  # an interrupt (Ctrl-C at a prompt's derivation): the helper ends now
        if pid is not None:
            _kill(pid)
        raise
    finally:
        for fd in (to_helper, from_helper):
            if fd is not None:
                os.close(fd)
        with _lock:
            if registered:
                mine, derivation.helper_pid = derivation.helper_pid, None
            else:
                mine = pid
        if mine is not None:  # else _stop_helper killed and reaped it
            try:
                _pid, status = os.waitpid(mine, 0)
            except OSError:
                status = -1
    if status != 0 or len(answer) != KEY_BYTES:
        return None
    return answer


def _kill(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _stop_helper(derivation: _Derivation) -> None:
    """At exit, or when its key is not wanted: a helper still deriving (the command ended before
    it opened the store) is killed, not left to finish alone, and the thread does not derive the
    key itself instead."""
    with _lock:
        derivation.cancelled = True
        derivation.passphrase = None
        pid, derivation.helper_pid = derivation.helper_pid, None
    if pid is not None:
        _kill(pid)
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
