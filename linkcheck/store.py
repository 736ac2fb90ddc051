"""The encrypted store: the only module that touches the SQLite file.

Layout. A plaintext `header` row (magic, format version, Argon2id parameters, the master key
wrapped by the passphrase-derived key) and tables whose rows are AEAD-sealed:

- `accounts`: one row per account. `body` seals the account and all its attributes, one JSON
  line each (format 2); `keys` seals the 8-byte keyed tags of its match keys, attribute by
  attribute, and the normalised text of each value compared fuzzily. A pre-login check finds
  candidate accounts by decrypting a few bytes per account instead of whole profiles; an
  audit tells which attributes share a key with another account before decoding any, and
  runs its fuzzy comparison on the index alone (see `_index_blob`, `audit_input`). `name_tag`
  is a keyed hash of the account name, so names are unique and found without decrypting.
- `events`: the check/capture log. `explanations`: why two accounts share a kind.
- `manifest`: one sealed row holding an XOR of a keyed MAC over every row (table, id,
  version, name tag, ciphertext tags) plus row counts, so deleted, added, replayed or
  rolled-back rows are detected when the store is opened.

Each sealed value's associated data binds table, row id, version, tag and column, so rows
cannot be swapped between places or replaced by older versions without detection.

Every command runs in one SQLite transaction: a reader sees one snapshot, a writer holds
`BEGIN IMMEDIATE` (other writers wait up to the busy timeout) and commits all or nothing.
"""

from __future__ import annotations

import bisect
import json
import os
import pickle
import signal
import sqlite3
import stat
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import accumulate, compress
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple, Sequence

from cryptography.exceptions import InvalidTag

from . import crypto
from .errors import InvalidInput, LinkcheckError, PassphraseError, StoreBusy, StoreDamaged, UsageError
from .models import Account, Attribute, Event, Explanation, Profile
from .registry.facets import BLOCKING_PREFIX

MAGIC = "linkcheck-store"
# Format 1 (the first development builds) sealed each account as one JSON object and its key
# index as a bare sorted list of tags. It is read as it is, and upgraded to format 2 in the
# same transaction as the first write (`Store._upgrade`).
FORMAT_VERSION = 2
STORE_ENV = "LINKCHECK_STORE"
STORE_FILENAME = "store.db"
BUSY_TIMEOUT_MS = 60_000

SCHEMA = """
CREATE TABLE header (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    magic TEXT NOT NULL,
    format INTEGER NOT NULL,
    kdf TEXT NOT NULL,
    wrapped BLOB NOT NULL
);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name_tag BLOB NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    body BLOB NOT NULL,
    keys BLOB NOT NULL
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE explanations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name_tag BLOB NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE manifest (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,
    body BLOB NOT NULL
);
"""
TABLES = ("accounts", "events", "explanations")


def default_store_path() -> Path:
    """Where the store lives: LINKCHECK_STORE if set, else the platform's app directory."""
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env).expanduser()
    import click  # only for its well-tested per-platform app directory logic

    return Path(click.get_app_dir("linkcheck")) / STORE_FILENAME


@dataclass(frozen=True)
class StoreInfo:
    """What `linkcheck store` prints without unlocking: nothing sensitive."""

    path: str
    format_version: int
    kdf: dict
    size_bytes: int


def _sqlite_failure(exc: sqlite3.Error, path: Path) -> LinkcheckError:
    """Map a sqlite3 error to the user-facing error with the documented exit code."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreBusy(f"store is busy (another linkcheck is writing to {path}); try again")
    detail = _sqlite_detail(exc)
    if any(
        word in text
        for word in ("readonly", "read-only", "unable to open", "disk i/o", "full", "permission", "out of memory")
    ):
        return StoreBusy(
            f"cannot write the store at {path}: {detail} (is the disk full, or the file or its folder read-only?)"
        )
    return StoreDamaged(f"store at {path} is damaged or not a linkcheck store ({detail})")


def _sqlite_detail(exc: sqlite3.Error) -> str:
    """SQLite's reason, safe for one line: sqlite3 quotes undecodable column text in its message."""
    text = str(exc)
    if text.startswith("Could not decode to UTF-8"):
        return "a text field is not valid UTF-8"
    first_line = text.splitlines()[0] if text else "unknown reason"
    text = "".join(ch if ch.isprintable() else "?" for ch in first_line)
    return text if len(text) <= 100 else text[:99] + "…"


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = FULL")
        # Keep SQLite's own temporary data (sorts, indexes) in memory, never in a temp file.
        conn.execute("PRAGMA temp_store = MEMORY")
        # Nothing in the file's schema (a view, trigger or index expression) may call
        # functions with side effects; `_check_schema` refuses any such entry anyway.
        conn.execute("PRAGMA trusted_schema = OFF")
    except BaseException:
        conn.close()
        raise
    return conn


def _garbled_failure(path: Path) -> StoreDamaged:
    # sqlite3 raises UnicodeDecodeError instead of its own error when SQLite's message
    # quotes a damaged schema (the message itself is not valid UTF-8).
    return StoreDamaged(f"store at {path} is damaged or not a linkcheck store (unreadable schema)")


def _header_ad(magic: str, fmt: int, kdf_json: str) -> bytes:
    return f"{magic}|{fmt}|".encode() + kdf_json.encode()


_EXPECTED_SCHEMA: Counter | None = None


def _expected_schema() -> Counter:
    """(type, name, tbl_name, sql) of every entry of `sqlite_master` in a store `create()` made,
    SQLite's own entries (sqlite_sequence, the UNIQUE autoindexes) included: derived by
    running SCHEMA on an empty in-memory database, not written out by hand. Format 1 and
    format 2 stores share this schema."""
    global _EXPECTED_SCHEMA
    if _EXPECTED_SCHEMA is None:
        conn = sqlite3.connect(":memory:")
        try:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            _EXPECTED_SCHEMA = Counter(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        finally:
            conn.close()
    return _EXPECTED_SCHEMA


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a store whose schema is not exactly the one linkcheck creates.

    An extra or altered table, index, trigger or view -- or any other SQL text for one of
    ours, as `PRAGMA writable_schema` can write -- could make SQLite answer the integrity
    check and the later reads from different rows (a partial index presented as a full one,
    a table whose ids are not unique). Needs no key; runs inside the command's transaction,
    so the rows read next are read under this schema.
    """
    found = Counter(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    if found != _expected_schema():
        raise StoreDamaged(
            f"store at {path} was tampered with or damaged: its SQLite schema is not the one linkcheck creates"
        )


def check_store_file(path: Path) -> None:
    """Refuse, with the right error, a path that cannot be a store (missing, a folder, empty)."""
    if not path.exists():
        raise UsageError(f"no store at {path}; create one with `linkcheck init` (or point --store / {STORE_ENV} at it)")
    if path.is_dir():
        raise StoreDamaged(f"{path} is a directory, not a linkcheck store")
    if path.stat().st_size == 0:
        raise StoreDamaged(f"{path} is empty: not a linkcheck store")


def create(path: Path, passphrase: str) -> None:
    """Create a new, empty store at `path` (refuses to overwrite anything)."""
    if not passphrase:
        raise PassphraseError("refusing an empty passphrase")
    if path.exists():
        raise UsageError(f"a store already exists at {path}; refusing to overwrite it")
    if not path.parent.exists():
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreBusy(f"cannot create the folder {path.parent}: {exc.strerror}") from None
    params = crypto.calibrate_kdf()
    kdf_json = json.dumps(params.to_json(), sort_keys=True)
    master = crypto.new_master_key()
    kek = crypto.derive_kek(passphrase, params)
    wrapped = crypto.wrap_master(kek, master, _header_ad(MAGIC, FORMAT_VERSION, kdf_json))
    keyring = crypto.Keyring(master)
    try:
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"a store already exists at {path}; refusing to overwrite it") from None
    except OSError as exc:
        raise StoreBusy(f"cannot create the store at {path}: {exc.strerror}") from None
    os.close(fd)
    os.chmod(path, 0o600)
    # SQLite's journal files for this path that a failed create must not leave behind.
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
    sidecars = [p for p in sidecars if not p.exists()]
    try:
        conn = _connect(path)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT INTO header (id, magic, format, kdf, wrapped) VALUES (1, ?, ?, ?, ?)",
                (MAGIC, FORMAT_VERSION, kdf_json, wrapped),
            )
            manifest = _Manifest(0, 0, {t: 0 for t in TABLES})
            conn.execute(
                "INSERT INTO manifest (id, generation, body) VALUES (1, 0, ?)",
                (manifest.seal(keyring),),
            )
            conn.execute("COMMIT")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        for leftover in (path, *sidecars):
            leftover.unlink(missing_ok=True)
        raise _sqlite_failure(exc, path) from None


def read_info(path: Path) -> StoreInfo:
    """The header facts of a store, without the passphrase."""
    check_store_file(path)
    try:
        conn = _connect(path)
        try:
            magic, fmt, kdf_json, _wrapped = _read_header(conn, path)
            _check_schema(conn, path)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _sqlite_failure(exc, path) from None
    except UnicodeDecodeError:
        raise _garbled_failure(path) from None
    kdf = _parse_kdf(kdf_json).to_json()
    kdf.pop("salt")
    return StoreInfo(path=str(path), format_version=fmt, kdf=kdf, size_bytes=path.stat().st_size)


def _read_header(conn: sqlite3.Connection, path: Path) -> tuple[str, int, str, bytes]:
    try:
        row = conn.execute("SELECT magic, format, kdf, wrapped FROM header WHERE id = 1").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            raise StoreDamaged(f"{path} is not a linkcheck store") from None
        raise
    if row is None:
        raise StoreDamaged(f"{path} is not a linkcheck store (no header)")
    magic, fmt, kdf_json, wrapped = row
    if magic != MAGIC:
        raise StoreDamaged(f"{path} is not a linkcheck store (bad magic)")
    if not isinstance(fmt, int):
        raise StoreDamaged(f"store header at {path} is damaged (format version)")
    if fmt > FORMAT_VERSION:
        raise StoreDamaged(
            f"store format {fmt} is newer than this linkcheck supports ({FORMAT_VERSION}); upgrade linkcheck"
        )
    if fmt < 1 or not isinstance(kdf_json, str) or not isinstance(wrapped, bytes):
        raise StoreDamaged(f"store header at {path} is damaged")
    return magic, fmt, kdf_json, wrapped


def _parse_kdf(kdf_json: str) -> crypto.KdfParams:
    try:
        data = json.loads(kdf_json)
    except ValueError:
        raise StoreDamaged("store header is damaged (key derivation parameters unreadable)") from None
    if not isinstance(data, dict):
        raise StoreDamaged("store header is damaged (key derivation parameters unreadable)")
    return crypto.KdfParams.from_json(data)


@dataclass
class _Manifest:
    generation: int
    accumulator: int
    counts: dict

    def seal(self, keyring: crypto.Keyring) -> bytes:
        body = crypto.canonical_json(
            {"generation": self.generation, "acc": format(self.accumulator, "x"), "counts": self.counts}
        )
        return keyring.seal(body, b"manifest|1|%d" % self.generation)

    @classmethod
    def open(cls, keyring: crypto.Keyring, generation: int, sealed: bytes) -> "_Manifest":
        data = json.loads(keyring.open(sealed, b"manifest|1|%d" % generation, "the manifest"))
        return cls(data["generation"], int(data["acc"], 16), data["counts"])


def _ad(table: str, row_id: int, version: int, tag: bytes, column: str) -> bytes:
    return b"%s|%d|%d|%s|%s" % (table.encode(), row_id, version, tag, column.encode())


def _row_mac_input(table: str, row_id: int, version: int, tag: bytes, *sealed_tails: bytes) -> bytes:
    return b"%s|%d|%d|%s|" % (table.encode(), row_id, version, tag) + b"".join(sealed_tails)


def _utf8_or_invalid(encode, what: str) -> bytes:
    """Encode a row; text with lone surrogates (undecodable input) is refused, not crashed on."""
    try:
        return encode()
    except UnicodeEncodeError:
        raise InvalidInput(f"{what} holds characters that are not valid text; nothing was written") from None


def _encode_profile(profile: Profile, n_exact: list[int] | None = None) -> bytes:
    if n_exact is None:
        n_exact = [_exact_key_count(a.keys) for a in profile.attributes]
    return _utf8_or_invalid(lambda: _profile_body(profile, n_exact), f"account {profile.account.name!r}")


_JSON_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _profile_body(profile: Profile, n_exact: list[int]) -> bytes:
    """Format 2: a JSON line for the account, then two per attribute: the attribute with its
    exact match keys only, and the list of its blocking keys (for fuzzy comparison).

    JSON never holds a raw newline, so a reader can split the lines and decode only what it
    needs: the audit decodes only attributes that share a key, and never their blocking keys
    (the key index has their tags, which is all the audit groups on).
    """
    acc = profile.account
    header = {"n": acc.name, "m": acc.marketplace, "s": acc.status, "o": acc.note, "c": acc.created, "u": acc.updated}
    lines = [_JSON_LINE(header)]
    append = lines.append
    for attr, exact in zip(profile.attributes, n_exact):
        keys = attr.keys
        if exact < len(keys):
            append(_JSON_LINE(attr._replace(keys=keys[:exact])))
            append(_JSON_LINE(keys[exact:]))
        else:
            append(_JSON_LINE(attr))
            append("[]")
    append("")
    return "\n".join(lines).encode("utf-8")


def _exact_key_count(keys: tuple[str, ...]) -> int:
    """How many of the keys are exact match keys: the kinds put blocking keys last."""
    n_exact = len(keys)
    while n_exact and keys[n_exact - 1].startswith(BLOCKING_PREFIX):
        n_exact -= 1
    if n_exact and any(k.startswith(BLOCKING_PREFIX) for k in keys[: n_exact - 1]):
        raise ValueError("match keys out of order: blocking keys come last")
    return n_exact


def _decode_profile(raw: bytes) -> Profile:
    if not raw.endswith(b"\n"):
        return _decode_profile_v1(raw)
    header, *lines = json.loads(b"[" + raw[:-1].replace(b"\n", b",") + b"]")
    if len(lines) % 2:
        raise ValueError("odd number of attribute lines")
    return Profile(
        _decode_account(header),
        tuple(_decode_attribute(fields, fields[3] + blocking) for fields, blocking in zip(lines[::2], lines[1::2])),
    )


def _decode_account(data: dict) -> Account:
    return Account(data["n"], data["m"], data["s"], data["o"], data["c"], data["u"])


def _decode_attribute(fields: list, keys: list | None = None) -> Attribute:
    kind, value, normalized, all_keys, source, first, last, note, flags = fields
    return Attribute(kind, value, normalized, tuple(all_keys if keys is None else keys), source, first, last, note,
                     tuple(flags))


def _decode_profile_v1(raw: bytes) -> Profile:
    """Format 1: the account and its attributes as one JSON object."""
    data = json.loads(raw)
    return Profile(_decode_account(data), tuple(map(_decode_attribute, data["a"])))


class _Index(NamedTuple):
    """One account's decrypted key index (format 2), as `_index_blob` lays it out."""

    exact_counts: bytes  # per attribute
    block_counts: bytes
    tags: memoryview  # unsigned 64-bit tags: the exact ones, then the blocking ones
    exact: memoryview
    blocking: memoryview
    texts: bytes  # kind and normalised text of each attribute with blocking keys, NUL-separated


_TEXT_SEPARATOR = "\x00"  # never in a value: the kinds refuse control characters


def _index_layout(blob: bytes) -> tuple[int, int, int, int]:
    """(attributes, start of the tags, number of exact tags, end of the tags)."""
    if len(blob) < 4:
        raise ValueError("index length")
    attributes = int.from_bytes(blob[:4], "little")
    head = 4 + 2 * attributes
    start = head + (-head % 8)
    n_exact = sum(blob[4 : 4 + attributes])
    end = start + 8 * (n_exact + sum(blob[4 + attributes : head]))
    if len(blob) < end:
        raise ValueError("index length")
    return attributes, start, n_exact, end


def _index_tags(blob: bytes) -> bytes:
    """The tag region of a format-2 index: every tag, exact then blocking."""
    _attributes, start, _n_exact, end = _index_layout(blob)
    return blob[start:end]


def _parse_index(blob: bytes) -> _Index:
    attributes, start, n_exact, end = _index_layout(blob)
    tags = memoryview(blob)[start:end].cast("Q")
    return _Index(blob[4 : 4 + attributes], blob[4 + attributes : 4 + 2 * attributes], tags, tags[:n_exact],
                  tags[n_exact:], blob[end:])


def _encode_event(event: Event) -> bytes:
    return _utf8_or_invalid(
        lambda: crypto.canonical_json(
            {"when": event.when, "account": event.account, "action": event.action,
             "verdict": event.verdict, "detail": event.detail}
        ),
        "a log entry",
    )


def _decode_event(raw: bytes) -> Event:
    d = json.loads(raw)
    return Event(d["when"], d["account"], d["action"], d["verdict"], d["detail"])


FuzzyScorer = Callable[[list, Callable[[int], str], Callable[[int], object], Sequence[int]], list]


class AuditInput(NamedTuple):
    """`Store.audit_input`: the profiles an audit needs, and its fuzzy matches as positions in
    them (None: the audit compares the profiles' blocking keys itself)."""

    profiles: list[Profile]
    fuzzy_matches: list[tuple[int, int, int, int, float, str]] | None


class _Background:
    """`work()` in a forked child process, its result read back through a pipe.

    Forking only on Linux (elsewhere, or with `parallel` false, `result()` runs the work in
    this process). A child that fails for any reason -- killed, out of memory, a damaged row,
    a pipe or process that cannot be made, a SIGCHLD set to be ignored -- counts as no
    result: `result()` then runs the work here, which raises the proper error if there is
    one. The child shares this process's memory copy-on-write, drops stdin/stdout/stderr at
    once (an orphan never holds a caller's pipe open), dies with this process (Linux
    PR_SET_PDEATHSIG), writes nothing but its pickled result to the pipe, and leaves with
    os._exit (no cleanup, no buffered output).
    """

    def __init__(self, work: Callable[[], object], parallel: bool):
        self._work = work
        self._pid: int | None = None
        self._read = None
        if not (parallel and sys.platform.startswith("linux") and hasattr(os, "fork")):
            return
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return
        if pid == 0:  # the child
            status = 1
            try:
                _detach_child()
                os.close(read_fd)
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(data)
                status = 0
            except BaseException:  # noqa: BLE001 - the parent redoes the work and reports
                pass
            finally:
                os._exit(status)
        os.close(write_fd)
        self._pid = pid
        self._read = os.fdopen(read_fd, "rb")

    def result(self):
        if self._pid is None:
            return self._work()
        try:
            data = self._read.read()
        except BaseException:
            self.cancel()  # e.g. Ctrl-C: do not wait for the child to finish its work
            raise
        self._read.close()
        status = self._reap()
        if status == 0 and data:
            return pickle.loads(data)  # our own child's output, through our own pipe
        return self._work()

    def cancel(self) -> None:
        """Stop a child whose result is no longer wanted (the parent failed first)."""
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._read.close()
            self._reap()

    def _reap(self) -> int | None:
        pid, self._pid = self._pid, None
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:  # SIGCHLD ignored: the kernel reaped it; its status is lost
            return None


def _detach_child() -> None:
    """In a forked child: no terminal streams, and die with the parent (Linux only)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# Every read of a data table says NOT INDEXED: rows are found by scanning the table or by
# its rowid (`id`), never through an index, so no answer depends on which index SQLite picks
# or on an index's content agreeing with its table's.
_VERIFY_QUERIES = {
    "accounts": "SELECT id, version, name_tag, substr(body, -16), keys FROM accounts NOT INDEXED ORDER BY id",
    "events": "SELECT id, version, x'', substr(body, -16) FROM events NOT INDEXED ORDER BY id",
    "explanations": "SELECT id, version, name_tag, substr(body, -16) FROM explanations NOT INDEXED ORDER BY id",
}


def _fetch_for_verify(conn: sqlite3.Connection) -> tuple:
    """The manifest row and, per table, what the manifest check reads of every row: ids,
    versions, name tags and the sealed values' authentication tags (and the sealed key
    indexes, kept for a check or precheck). Needs no key."""
    manifest = conn.execute("SELECT generation, body FROM manifest WHERE id = 1").fetchone()
    return manifest, {table: conn.execute(query).fetchall() for table, query in _VERIFY_QUERIES.items()}


def _in_thread(work: Callable[[], object]) -> Callable[[], object]:
    """Start `work` in a thread; the returned function waits for its result or re-raises
    its exception here."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=run, name="linkcheck-unlock", daemon=True)
    thread.start()

    def result():
        thread.join()
        if "error" in box:
            raise box.pop("error")
        return box["value"]

    return result


class Store:
    """An unlocked store inside one transaction. Use `Store.open(...)` as a context manager."""

    def __init__(self, path: Path, conn: sqlite3.Connection, keyring: crypto.Keyring, write: bool, fmt: int):
        self.path = path
        self._format = fmt  # the layout of the account rows (see FORMAT_VERSION)
        self._conn = conn
        self._keys = keyring
        self.write = write
        self._manifest: _Manifest | None = None
        self._dirty = False
        # name tag -> row id of every account / explanation, filled by _verify_manifest.
        self._account_ids: dict[bytes, int] = {}
        # (id, version, name tag, sealed key index) of every account, read while verifying;
        # dropped at the first write so nothing stale is ever searched.
        self._index_rows: list | None = []
        self._explanation_ids: dict[bytes, int] = {}
        # table -> {row id: (version, name tag, last 16 bytes -- the AEAD tag -- of each sealed
        # column)} of every row the manifest check verified, kept up to date by every write.
        # Every row read later is compared with it (`_checked_row`, `_checked_rows`): a row the
        # check did not see, an older copy of a row, or a requested row that does not come
        # back is damage, whatever SQLite's schema or query plan made of the file.
        self._verified: dict[str, dict[int, tuple]] = {table: {} for table in TABLES}

    # ----- opening ---------------------------------------------------------------------------

    @classmethod
    @contextmanager
    def open(cls, path: Path, passphrase: str | Callable[[], str], *, write: bool = False) -> Iterator["Store"]:
        """Unlock the store and run the body in one transaction (committed only on success).

        `passphrase` may be a function that returns it, called once the path is known to hold
        a store: then no caller's frame (nor this context manager, which keeps its
        arguments) holds the passphrase, and this one drops it once the store is unlocked.
        """
        check_store_file(path)
        secret = passphrase() if callable(passphrase) else passphrase
        del passphrase
        conn = None
        try:
            conn = _connect(path)
            if write:
                # Derive the key before taking the write lock, so other writers do not wait
                # for it. The header can change before the lock is ours (a concurrent
                # `passwd` or upgrade): then unlock again from the snapshot we now hold.
                magic, fmt, kdf_json, wrapped = _read_header(conn, path)
                keyring, kek = cls._unlock(secret, fmt, kdf_json, wrapped)
                conn.execute("BEGIN IMMEDIATE")
                _check_schema(conn, path)
                current = _read_header(conn, path)
                if current != (magic, fmt, kdf_json, wrapped):
                    magic, fmt, kdf_json, wrapped = current
                    keyring, kek = cls._unlock(secret, fmt, kdf_json, wrapped)
                del secret
                fetched = None
            else:
                # A reader's snapshot starts with the header. The key derivation (about half
                # a second, in C without the GIL) runs in a thread while the rows the
                # manifest check needs are read.
                conn.execute("PRAGMA query_only = ON")  # a reader cannot change the file
                conn.execute("BEGIN")
                magic, fmt, kdf_json, wrapped = _read_header(conn, path)
                _check_schema(conn, path)
                unlocked = _in_thread(lambda: cls._unlock(secret, fmt, kdf_json, wrapped))
                fetched = _fetch_for_verify(conn)
                keyring, kek = unlocked()
                del secret, unlocked
            store = cls(path, conn, keyring, write, fmt)
            store._verify_manifest(fetched)
            if write and fmt < FORMAT_VERSION:
                store._upgrade(kek, kdf_json)
            del kek
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise _sqlite_failure(exc, path) from None
        except UnicodeDecodeError:
            if conn is not None:
                conn.close()
            raise _garbled_failure(path) from None
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        try:
            yield store
            if write:
                store._commit_manifest()
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            raise _sqlite_failure(exc, path) from None
        except BaseException:
            _rollback(conn)
            raise
        finally:
            conn.close()

    @staticmethod
    def _unlock(passphrase: str, fmt: int, kdf_json: str, wrapped: bytes) -> tuple[crypto.Keyring, bytes]:
        params = _parse_kdf(kdf_json)
        # An unlock agent's key skips the key derivation; the unwrap below still checks it.
        kek = passphrase.kek if isinstance(passphrase, StoreKey) else crypto.derive_kek(passphrase, params)
        master = crypto.unwrap_master(kek, wrapped, _header_ad(MAGIC, fmt, kdf_json))
        return crypto.Keyring(master), kek

    def _upgrade(self, kek: bytes, kdf_json: str) -> None:
        """Rewrite a format-1 store's account rows in the current layout, in this transaction.

        Format 1 (the first development builds) sealed each account as one JSON object and
        its key index as a bare list of tags. The header's format number is bound into the
        wrapped master key, so the key is wrapped again under the new header.
        """
        profiles = self.profiles()
        self._format = FORMAT_VERSION
        for profile in profiles:
            self.put_profile(profile)
        wrapped = crypto.wrap_master(kek, self._keys.master, _header_ad(MAGIC, FORMAT_VERSION, kdf_json))
        self._conn.execute("UPDATE header SET format = ?, wrapped = ? WHERE id = 1", (FORMAT_VERSION, wrapped))
        self._dirty = True

    # ----- integrity -------------------------------------------------------------------------

    def _verify_manifest(self, fetched: tuple | None = None) -> None:
        row, tables = fetched or _fetch_for_verify(self._conn)
        if row is None:
            raise StoreDamaged("store was tampered with or damaged: the manifest is missing")
        try:
            manifest = _Manifest.open(self._keys, row[0], row[1])
        except (ValueError, KeyError, TypeError):
            raise StoreDamaged("store was tampered with or damaged: the manifest is unreadable") from None
        acc = 0
        counts = {}
        mac = self._keys.row_mac
        # Name lookups use these maps of the rows just verified, not SQLite's UNIQUE index:
        # a damaged index page would otherwise answer "no such account" without any error.
        by_tag = {"accounts": self._account_ids, "explanations": self._explanation_ids}
        for table, rows in tables.items():
            n = 0
            ids = by_tag.get(table)
            verified = self._verified[table]
            index_rows = self._index_rows if table == "accounts" else None
            try:
                for row_id, version, tag, *tails in rows:
                    if index_rows is not None:
                        # Keep each account's sealed key index: a check or precheck searches
                        # them next, and this saves a second pass over the table.
                        index_rows.append((row_id, version, tag, tails[1]))
                        tails[1] = tails[1][-16:]
                    acc ^= mac(_row_mac_input(table, row_id, version, tag, *tails))
                    verified[row_id] = (version, tag, *tails)
                    n += 1
                    if ids is not None:
                        if tag in ids:
                            raise StoreDamaged("store is damaged: two rows are filed under one name")
                        ids[tag] = row_id
            except TypeError:  # a damaged record decodes to NULL or text where bytes belong
                raise StoreDamaged("store is damaged: a row has the wrong shape") from None
            if len(verified) != n:
                raise StoreDamaged("store was tampered with or damaged: two rows have one id")
            counts[table] = n
        if counts != manifest.counts or acc != manifest.accumulator:
            raise StoreDamaged(
                "store was tampered with or damaged: rows were deleted, added, replaced or rolled back"
            )
        self._manifest = manifest

    def _mac_row(self, table: str, row_id: int, version: int, tag: bytes, *sealed: bytes) -> int:
        return self._keys.row_mac(_row_mac_input(table, row_id, version, tag, *(s[-16:] for s in sealed)))

    def _check_row(self, table: str, row_id, version, tag, *sealed) -> None:
        """Refuse a row read now unless it is exactly one the manifest check verified (or this
        transaction wrote): same id, version, name tag and sealed columns (compared by their
        AEAD tags; `sealed` in the table's column order, None for a column not read)."""
        expected = self._verified[table].get(row_id) if type(row_id) is int else None
        if expected is not None and expected[0] == version and expected[1] == tag:
            try:
                if all(s is None or s[-16:] == e for s, e in zip(sealed, expected[2:])):
                    return
            except TypeError:  # a damaged record decodes to NULL or a number where bytes belong
                pass
        raise StoreDamaged("store was tampered with or damaged: a row read differs from the one verified at open")

    def _check_scan(self, table: str, rows: list, columns: tuple[int, ...] = (0,)) -> None:
        """`rows` -- (id, version, name tag, sealed column, ...) of a full scan of `table`
        ordered by id, the sealed columns being the table's `columns` (0 body, 1 keys) -- must
        be exactly the rows verified at open (or written since): each once, none missing.

        Compared in bulk first (the verified map keeps ids in ascending order: they are
        filled by a scan ordered by id, and new rows get larger ids); anything else is
        checked row by row, so the answer never depends on that order."""
        verified = self._verified[table]
        try:
            if columns == (0,):
                seen = [(r[0], r[1], r[2], r[3][-16:]) for r in rows]
                wanted = [(i, e[0], e[1], e[2]) for i, e in verified.items()]
            elif columns == (1,):
                seen = [(r[0], r[1], r[2], r[3][-16:]) for r in rows]
                wanted = [(i, e[0], e[1], e[3]) for i, e in verified.items()]
            else:
                seen = [(r[0], r[1], r[2], r[3][-16:], r[4][-16:]) for r in rows]
                wanted = [(i, *e) for i, e in verified.items()]
            if seen == wanted:
                return
        except TypeError:  # a damaged record decodes to NULL or a number where bytes belong
            pass
        previous = 0
        for row in rows:
            sealed = [None, None]
            for column, value in zip(columns, row[3:]):
                sealed[column] = value
            self._check_row(table, row[0], row[1], row[2], *sealed)
            if row[0] <= previous:
                raise StoreDamaged("store was tampered with or damaged: two rows have one id")
            previous = row[0]
        if len(rows) != len(verified):
            raise StoreDamaged("store was tampered with or damaged: a table reads back other rows than verified at open")

    def _remember(self, table: str, row_id: int, version: int, tag: bytes, *sealed: bytes) -> None:
        self._verified[table][row_id] = (version, tag, *(s[-16:] for s in sealed))

    def _commit_manifest(self) -> None:
        m = self._manifest
        if m is None or not self._dirty:
            return
        m.generation += 1
        self._conn.execute(
            "UPDATE manifest SET generation = ?, body = ? WHERE id = 1", (m.generation, m.seal(self._keys))
        )

    def _require_write(self) -> None:
        if not self.write:
            raise RuntimeError("store opened read-only")
        self._dirty = True
        self._index_rows = None

    def _account_row(self, name: str):
        tag = self._keys.name_tag(name)
        row_id = self._account_ids.get(tag)
        if row_id is None:
            return tag, None
        row = self._conn.execute(
            "SELECT id, version, body, keys FROM accounts NOT INDEXED WHERE id = ?", (row_id,)
        ).fetchone()
        if row is None:
            raise StoreDamaged("store is damaged: an account row went missing")
        self._check_row("accounts", row[0], row[1], tag, row[2], row[3])
        return tag, row

    # ----- accounts --------------------------------------------------------------------------

    def _open_profile(self, row_id: int, version: int, tag: bytes, body: bytes) -> Profile:
        raw = self._keys.open(body, _ad("accounts", row_id, version, tag, "body"), "an account row")
        try:
            profile = _decode_profile(raw)
        except (ValueError, KeyError, TypeError):
            raise StoreDamaged("store is damaged: an account row is unreadable") from None
        if self._keys.name_tag(profile.account.name) != tag:
            raise StoreDamaged("store was tampered with: an account row is filed under the wrong name")
        return profile

    def find_profile(self, name: str) -> Profile | None:
        tag, row = self._account_row(name)
        if row is None:
            return None
        row_id, version, body, _keys = row
        return self._open_profile(row_id, version, tag, body)

    def profile(self, name: str) -> Profile:
        found = self.find_profile(name)
        if found is None:
            raise UsageError(f"no account named {name!r}; `linkcheck account list` shows the accounts on file")
        return found

    def has_account(self, name: str) -> bool:
        return self._account_row(name)[1] is not None

    def profiles(self) -> list[Profile]:
        """Every account with its attributes, in insertion order."""
        rows = self._conn.execute("SELECT id, version, name_tag, body FROM accounts NOT INDEXED ORDER BY id").fetchall()
        self._check_scan("accounts", rows)
        return [self._open_profile(*row) for row in rows]

    def iter_profiles(self) -> Iterator[Profile]:
        """Every account with its attributes, in insertion order, one at a time (for export)."""
        for row in self._conn.execute("SELECT id, version, name_tag, body FROM accounts ORDER BY id"):
            yield self._open_profile(*row)

    def audit_input(
        self, block_cap: int, score: FuzzyScorer, *, include: str | None = None, parallel: bool = True
    ) -> AuditInput:
        """What an audit needs, read from the sealed key indexes first and the bodies only
        where something is shared.

        An audit finds links by grouping the accounts' match keys, and on a large store most
        keys are held by one account and link nothing. So:

        - exact keys: the indexes tell which tags two or more accounts hold; only the
          attributes holding one are decoded (each with its exact keys; blocking keys are
          not needed), with their accounts. `include` names an account kept whatever it shares.
        - fuzzy comparison: blocking tags held by 2 to `block_cap` accounts make the blocks,
          and `score` (engine.score_blocks with the rules bound) compares the normalised texts
          the index keeps beside them -- no profile is decoded for it. Its matches come back
          as (account, value, account, value, similarity, facet) positions in `profiles`, the
          attributes they name decoded too, for `engine.audit(..., fuzzy_matches=...)`.

        With `parallel` (and a platform that forks), the fuzzy side runs in a forked child
        process while this one decodes the exact side: the two take about as long. If the
        child fails, the fuzzy side runs here. The audit over this input equals the audit over
        `profiles()` (tests compare them). That relies on what the kind registry guarantees:
        a value with blocking keys ("~kind:...") has its own exact key ("kind:...") first. A
        format-1 store has no such index: it gives every profile and no matches, and the
        audit compares everything itself.
        """
        if self._format < 2:
            return AuditInput(self.profiles(), None)
        rows = self._conn.execute(
            "SELECT id, version, name_tag, body, keys FROM accounts NOT INDEXED ORDER BY id"
        ).fetchall()
        self._check_scan("accounts", rows, (0, 1))
        indexes: list[_Index] | None = None
        # A forked child opens the indexes itself (it starts before they exist here); run in
        # this process, the fuzzy side reuses the ones opened below.
        fuzzy = _Background(
            lambda: self._fuzzy_matches(indexes or [self._open_index(row) for row in rows], block_cap, score),
            parallel,
        )
        try:
            indexes = [self._open_index(row) for row in rows]
            # Which exact tags do two or more accounts hold? Set operations run in C, each
            # tag list turned into Python ints once; a tag one account holds twice is not shared.
            seen: set[int] = set()
            shared: set[int] = set()
            for index in indexes:
                mine = set(index.exact)
                shared |= seen & mine
                seen |= mine
            del seen
            include_tag = self._keys.name_tag(include) if include is not None else None
            is_shared = shared.__contains__
            wanted: dict[int, set[int]] = {}  # row position -> attribute positions
            for at, ((_row_id, _version, tag, _body, _keys), index) in enumerate(zip(rows, indexes)):
                hits = list(compress(range(len(index.exact)), map(is_shared, index.exact)))
                if hits:
                    ends = list(accumulate(index.exact_counts))
                    wanted[at] = {bisect.bisect_right(ends, position) for position in hits}
                elif tag == include_tag:
                    wanted[at] = set()
            del shared
            decoded = self._decode_lines(rows, indexes, wanted)
            matches = fuzzy.result()
        finally:
            fuzzy.cancel()
        if matches is None:
            return AuditInput(self.profiles(), None)
        # The values fuzzy matches name, where not decoded already.
        more: dict[int, set[int]] = {}
        for a, va, b, vb, _similarity, _facet in matches:
            for at, position in ((a, va), (b, vb)):
                if at not in decoded or position not in decoded[at][1]:
                    more.setdefault(at, set()).add(position)
        for at, attributes in self._decode_lines(rows, indexes, more).items():
            if at in decoded:
                decoded[at][1].update(attributes[1])
            else:
                decoded[at] = attributes
        profiles = []
        place: dict[tuple[int, int], tuple[int, int]] = {}  # (row, attribute) -> (profile, value)
        for at in sorted(decoded):
            account, attributes = decoded[at]
            positions = sorted(attributes)
            for i, position in enumerate(positions):
                place[(at, position)] = (len(profiles), i)
            profiles.append(Profile(account, tuple(attributes[p] for p in positions)))
        given = [(*place[(a, va)], *place[(b, vb)], similarity, facet) for a, va, b, vb, similarity, facet in matches]
        return AuditInput(profiles, given)

    def _open_index(self, row) -> _Index:
        row_id, version, tag, _body, sealed = row
        try:
            return _parse_index(self._keys.open(sealed, _ad("accounts", row_id, version, tag, "keys"), "a key index"))
        except (TypeError, ValueError):
            raise StoreDamaged(
                "store was tampered with or damaged: an account's key index fails its integrity check"
            ) from None

    def _decode_lines(self, rows: list, indexes: list[_Index], wanted: dict[int, set[int]]) -> dict:
        """{row position: (account, {attribute position: attribute with its exact keys})} for
        the wanted rows and attributes: the wanted lines of every body, in one JSON parse."""
        lines_wanted: list[bytes] = []
        plan = []
        for at in sorted(wanted):
            row_id, version, tag, body, _keys = rows[at]
            index = indexes[at]
            raw = self._keys.open(body, _ad("accounts", row_id, version, tag, "body"), "an account row")
            lines = raw.split(b"\n")
            if lines.pop() != b"" or len(lines) != 2 * len(index.exact_counts) + 1:
                raise StoreDamaged("store is damaged: an account row is unreadable")
            positions = sorted(wanted[at])
            lines_wanted.append(lines[0])
            lines_wanted.extend([lines[2 * p + 1] for p in positions])
            plan.append((at, tag, index, positions))
        try:
            decoded = json.loads(b"[" + b",".join(lines_wanted) + b"]")
            del lines_wanted
            out = {}
            i = 0
            for at, tag, index, positions in plan:
                account = _decode_account(decoded[i])
                if self._keys.name_tag(account.name) != tag:
                    raise StoreDamaged("store was tampered with: an account row is filed under the wrong name")
                attributes = {}
                for position in positions:
                    i += 1
                    fields = decoded[i]
                    if not isinstance(fields[3], list) or len(fields[3]) != index.exact_counts[position]:
                        raise ValueError("body and index disagree")
                    attributes[position] = _decode_attribute(fields)
                i += 1
                out[at] = (account, attributes)
            return out
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            raise StoreDamaged("store is damaged: an account row is unreadable") from None

    def _fuzzy_matches(self, indexes: list[_Index], block_cap: int, score: FuzzyScorer) -> list[tuple] | None:
        """The fuzzy side of `audit_input`, from the key indexes alone: blocks of blocking tags
        held by 2 to `block_cap` accounts, in the order the audit would meet them; one ref per
        value in such a block, in (account, value) order; its text and the tag of its own
        exact key from the index. Returns (row, attribute, row, attribute, similarity, facet),
        or None for a store written by a development build whose index kept no texts."""
        holders = Counter()  # blocking tag -> accounts holding it (counted in C)
        count = holders.update
        for index in indexes:
            if index.blocking:
                count(set(index.blocking))
        shared = {tag for tag, n in holders.items() if 1 < n <= block_cap}
        del holders
        blocks: dict[int, tuple[str, list[int]]] = {}
        owner: list[int] = []
        where: list[tuple[int, int]] = []
        texts: list[str] = []
        exact: list[int | None] = []
        try:
            for at, index in enumerate(indexes):
                if not index.blocking:
                    continue
                tags = index.blocking.tolist()
                if shared.isdisjoint(tags):
                    continue
                counts = index.block_counts
                block_ends = list(accumulate(counts))
                exact_ends = list(accumulate(index.exact_counts))
                if not index.texts:
                    return None  # an index written before it kept the texts
                words = index.texts.decode("utf-8").split(_TEXT_SEPARATOR)
                with_blocks = list(compress(range(len(counts)), counts))
                if len(words) != 2 * len(with_blocks):
                    raise ValueError("index texts")
                # The values with blocking keys, the nth of which has the nth text.
                for nth, attr in enumerate(with_blocks):
                    end = block_ends[attr]
                    mine = [t for t in tags[end - counts[attr] : end] if t in shared]
                    if not mine:
                        continue
                    ref = len(owner)
                    owner.append(at)
                    where.append((at, attr))
                    kind = words[2 * nth]  # a blocking key is "~kind:...": the block's facet
                    texts.append(words[2 * nth + 1])
                    n_exact = index.exact_counts[attr]
                    exact.append(index.exact[exact_ends[attr] - n_exact] if n_exact else None)
                    for tag in mine:
                        block = blocks.get(tag)
                        if block is None:
                            blocks[tag] = (kind, [ref])
                        elif block[1][-1] != ref:
                            block[1].append(ref)
        except (IndexError, ValueError, UnicodeDecodeError):
            raise StoreDamaged("store is damaged: an account's key index is unreadable") from None
        found = score(list(blocks.values()), texts.__getitem__, exact.__getitem__, owner)
        return [(*where[m.a], *where[m.b], m.similarity, m.facet) for m in found]

    def accounts(self) -> list[Account]:
        """Every account without its attributes, in insertion order: of each sealed body (opened
        and authenticated whole) only the first line, the account, is decoded -- a tenth of the
        cost of `profiles()`. The report lists every account this way."""
        rows = self._conn.execute("SELECT id, version, name_tag, body FROM accounts ORDER BY id").fetchall()
        return [self._open_account(*row) for row in rows]

    def _open_account(self, row_id: int, version: int, tag: bytes, body: bytes) -> Account:
        raw = self._keys.open(body, _ad("accounts", row_id, version, tag, "body"), "an account row")
        try:
            if raw.endswith(b"\n"):  # format 2: the account's line, then the attributes' lines
                account = _decode_account(json.loads(raw[: raw.index(b"\n")]))
            else:
                account = _decode_profile_v1(raw).account
        except (ValueError, KeyError, TypeError):
            raise StoreDamaged("store is damaged: an account row is unreadable") from None
        if self._keys.name_tag(account.name) != tag:
            raise StoreDamaged("store was tampered with: an account row is filed under the wrong name")
        return account

    def count_accounts(self) -> int:
        # The rows verified at open (and written since), not SQLite's count(*), which may
        # answer from an index.
        return len(self._verified["accounts"])

    def _decrypted_index(self) -> tuple[list[int], list[int], bytes]:
        """Every account's key index: row ids, end offsets into one joined blob, and the blob."""
        width = crypto.INDEX_TAG_BYTES
        decrypt = self._keys.aead.decrypt
        nonce_bytes = crypto.NONCE_BYTES
        ids: list[int] = []
        ends: list[int] = []
        blobs: list[bytes] = []
        offset = 0
        legacy = self._format < 2
        rows = self._index_rows  # the rows the manifest check read
        if rows is None:
            rows = self._conn.execute("SELECT id, version, name_tag, keys FROM accounts NOT INDEXED ORDER BY id").fetchall()
            self._check_scan("accounts", rows, (1,))
        try:
            for row_id, version, tag, sealed in rows:
                # The hot loop at 100,000 accounts: decrypt inline, no helpers.
                blob = decrypt(
                    sealed[:nonce_bytes], sealed[nonce_bytes:], b"accounts|%d|%d|%s|keys" % (row_id, version, tag)
                )
                blob = blob if legacy else _index_tags(blob)
                if len(blob) % width:
                    raise ValueError("index length")
                blobs.append(blob)
                offset += len(blob)
                ids.append(row_id)
                ends.append(offset)
        except (InvalidTag, TypeError, ValueError):
            raise StoreDamaged(
                "store was tampered with or damaged: an account's key index fails its integrity check"
            ) from None
        return ids, ends, b"".join(blobs)

    def _profiles_by_id(self, row_ids: Iterable[int], exclude_tag: bytes | None = None) -> list[Profile]:
        found = []
        ordered = sorted(row_ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            rows = self._conn.execute(
                f"SELECT id, version, name_tag, body FROM accounts NOT INDEXED WHERE id IN ({','.join('?' * len(chunk))})"
                " ORDER BY id",
                chunk,
            ).fetchall()
            for row in rows:
                self._check_row("accounts", *row)
            if [row[0] for row in rows] != chunk:
                raise StoreDamaged("store was tampered with or damaged: an account row went missing")
            found.extend(self._open_profile(*row) for row in rows if row[2] != exclude_tag)
        return found

    def candidates(
        self, keys: Iterable[str], *, exclude: str | None = None, block_cap: int = 200
    ) -> list[Profile]:
        """Accounts holding any of these match keys (a prefilter: the engine re-checks every value).

        Decrypts only each account's small sealed tag list, searches them all at once, then
        decrypts the bodies of the hits. A blocking key ("~kind:...", for fuzzy comparison)
        held by more than `block_cap` accounts is too generic to compare on and is ignored,
        as the audit ignores it.
        """
        wanted = {self._keys.index_tag(k): k.startswith("~") for k in set(keys)}
        if not wanted:
            return []
        width = crypto.INDEX_TAG_BYTES
        ids, ends, everything = self._decrypted_index()
        hits: set[int] = set()
        for wanted_tag, blocking in wanted.items():
            rows = set()
            pos = everything.find(wanted_tag)
            while pos != -1:
                if pos % width == 0:
                    rows.add(ids[bisect.bisect_right(ends, pos)])
                    if blocking and len(rows) > block_cap:
                        break
                pos = everything.find(wanted_tag, pos + 1)
            if blocking and len(rows) > block_cap:
                continue
            hits |= rows
        if not hits:
            return []
        exclude_tag = self._keys.name_tag(exclude) if exclude is not None else None
        return self._profiles_by_id(hits, exclude_tag)

    def _index_blob(self, profile: Profile, n_exact: list[int] | None = None) -> bytes:
        """The account's key index (format 2): the 8-byte tag of every match key, exact keys
        and blocking keys apart, each in attribute order, with per-attribute counts.

            u32 attributes | u8 exact keys per attribute | u8 blocking keys per attribute |
            zero padding to a multiple of 8 | exact tags | blocking tags |
            kind NUL normalised text, NUL-separated, of each attribute with blocking keys

        `check` and `precheck` search the tags. The audit counts them across all accounts to
        find, before decrypting any profile, which attributes share a key at all, and runs
        the fuzzy comparison on the texts here, without decoding any profile.
        """
        tag = self._keys.index_tag
        exact_counts, block_counts = bytearray(), bytearray()
        exact_tags, block_tags, texts = [], [], []
        if n_exact is None:
            n_exact = [_exact_key_count(a.keys) for a in profile.attributes]
        for attr, split in zip(profile.attributes, n_exact):
            exact, blocking = attr.keys[:split], attr.keys[split:]
            if len(exact) > 255 or len(blocking) > 255:
                raise InvalidInput(f"a {attr.kind} value of account {profile.account.name!r} has too many match keys")
            exact_counts.append(len(exact))
            block_counts.append(len(blocking))
            exact_tags.extend(map(tag, exact))
            if blocking:
                block_tags.extend(map(tag, blocking))
                if _TEXT_SEPARATOR in attr.kind or _TEXT_SEPARATOR in attr.normalized:
                    raise InvalidInput(f"a {attr.kind} value of account {profile.account.name!r} holds a NUL character")
                texts.append(attr.kind)
                texts.append(attr.normalized)
        head = len(profile.attributes).to_bytes(4, "little") + exact_counts + block_counts
        text = _TEXT_SEPARATOR.join(texts).encode("utf-8") if texts else b""
        return b"".join((head, bytes(-len(head) % 8), *exact_tags, *block_tags, text))

    def put_profile(self, profile: Profile) -> None:
        """Insert the account or replace it (matched by name) with this content."""
        self._require_write()
        m = self._manifest
        tag, row = self._account_row(profile.account.name)
        n_exact = [_exact_key_count(a.keys) for a in profile.attributes]
        body = _encode_profile(profile, n_exact)
        index = self._index_blob(profile, n_exact)
        if row is None:
            cur = self._conn.execute(
                "INSERT INTO accounts (name_tag, version, body, keys) VALUES (?, 1, x'', x'')", (tag,)
            )
            row_id, version = cur.lastrowid, 1
            m.counts["accounts"] += 1
            self._account_ids[tag] = row_id
        else:
            row_id, old_version, old_body, old_keys = row
            m.accumulator ^= self._mac_row("accounts", row_id, old_version, tag, old_body, old_keys)
            version = old_version + 1
        sealed_body = self._keys.seal(body, _ad("accounts", row_id, version, tag, "body"))
        sealed_keys = self._keys.seal(index, _ad("accounts", row_id, version, tag, "keys"))
        self._conn.execute(
            "UPDATE accounts SET version = ?, body = ?, keys = ? WHERE id = ?",
            (version, sealed_body, sealed_keys, row_id),
        )
        self._remember("accounts", row_id, version, tag, sealed_body, sealed_keys)
        m.accumulator ^= self._mac_row("accounts", row_id, version, tag, sealed_body, sealed_keys)

    def put_profiles(self, profiles: Iterable[Profile]) -> int:
        n = 0
        for profile in profiles:
            self.put_profile(profile)
            n += 1
        return n

    def remove_account(self, name: str) -> None:
        self._require_write()
        tag, row = self._account_row(name)
        if row is None:
            raise UsageError(f"no account named {name!r}; `linkcheck account list` shows the accounts on file")
        row_id, version, body, keys = row
        self._conn.execute("DELETE FROM accounts WHERE id = ?", (row_id,))
        del self._account_ids[tag]
        del self._verified["accounts"][row_id]
        self._manifest.accumulator ^= self._mac_row("accounts", row_id, version, tag, body, keys)
        self._manifest.counts["accounts"] -= 1
        # Explanations naming this account go with it.
        for expl_id, expl_version, expl_tag, expl in self._explanation_rows():
            if name in expl.accounts:
                self._delete_explanation(expl_id, expl_version, expl_tag)

    def rename_account(self, old: str, new: str) -> None:
        """Give an account a new name, carrying its explanations and its check log along."""
        self._require_write()
        profile = self.profile(old)
        if new == old:
            return
        if self.has_account(new):
            raise UsageError(f"an account named {new!r} already exists")
        moved = []
        for _row_id, _version, _tag, expl in list(self._explanation_rows()):
            if old in expl.accounts:
                moved.append(expl)
        self.remove_account(old)  # also drops its explanations; they are re-filed below
        self.put_profile(replace(profile, account=replace(profile.account, name=new)))
        for expl in moved:
            renamed = tuple(sorted(new if a == old else a for a in expl.accounts))
            self.put_explanation(replace(expl, accounts=renamed))
        m = self._manifest
        rows = self._conn.execute("SELECT id, version, body FROM events NOT INDEXED ORDER BY id").fetchall()
        self._check_scan("events", [(row_id, version, b"", body) for row_id, version, body in rows])
        for row_id, version, body in rows:
            raw = self._keys.open(body, _ad("events", row_id, version, b"", "body"), "a log entry")
            event = _decode_event(raw)
            if event.account != old:
                continue
            sealed = self._keys.seal(
                _encode_event(replace(event, account=new)), _ad("events", row_id, version + 1, b"", "body")
            )
            self._conn.execute("UPDATE events SET version = ?, body = ? WHERE id = ?", (version + 1, sealed, row_id))
            self._remember("events", row_id, version + 1, b"", sealed)
            m.accumulator ^= self._mac_row("events", row_id, version, b"", body)
            m.accumulator ^= self._mac_row("events", row_id, version + 1, b"", sealed)

    # ----- events ----------------------------------------------------------------------------

    def add_event(self, event: Event) -> None:
        self._require_write()
        cur = self._conn.execute("INSERT INTO events (version, body) VALUES (1, x'')")
        row_id = cur.lastrowid
        sealed = self._keys.seal(_encode_event(event), _ad("events", row_id, 1, b"", "body"))
        self._conn.execute("UPDATE events SET body = ? WHERE id = ?", (sealed, row_id))
        self._remember("events", row_id, 1, b"", sealed)
        self._manifest.accumulator ^= self._mac_row("events", row_id, 1, b"", sealed)
        self._manifest.counts["events"] += 1

    def events(self, account: str | None = None, since: int | None = None, action: str | None = None) -> list[Event]:
        out = []
        # An entry is canonical JSON, so one of `action` holds `"action":"…"` verbatim: the others
        # are skipped before decoding (a busy log holds tens of thousands of checks).
        marker = crypto.canonical_json({"action": action})[1:-1] if action is not None else None
        rows = self._conn.execute("SELECT id, version, body FROM events NOT INDEXED ORDER BY id").fetchall()
        self._check_scan("events", [(row_id, version, b"", body) for row_id, version, body in rows])
        for row_id, version, body in rows:
            raw = self._keys.open(body, _ad("events", row_id, version, b"", "body"), "a log entry")
            if marker is not None and marker not in raw:
                continue
            try:
                event = _decode_event(raw)
            except (ValueError, KeyError, TypeError):
                raise StoreDamaged("store is damaged: a log entry is unreadable") from None
            if account is not None and event.account != account:
                continue
            if since is not None and event.when < since:
                continue
            if action is not None and event.action != action:
                continue
            out.append(event)
        return out

    def remove_events(self, account: str, action: str) -> int:
        """Delete the log entries of `action` for `account` (its health figures when it is
        removed, say); returns how many. The manifest is updated like any delete."""
        self._require_write()
        marker = crypto.canonical_json({"action": action})[1:-1]
        rows = self._conn.execute("SELECT id, version, body FROM events NOT INDEXED ORDER BY id").fetchall()
        self._check_scan("events", [(row_id, version, b"", body) for row_id, version, body in rows])
        removed = 0
        for row_id, version, body in rows:
            raw = self._keys.open(body, _ad("events", row_id, version, b"", "body"), "a log entry")
            if marker not in raw:
                continue
            try:
                event = _decode_event(raw)
            except (ValueError, KeyError, TypeError):
                raise StoreDamaged("store is damaged: a log entry is unreadable") from None
            if event.account != account or event.action != action:
                continue
            self._conn.execute("DELETE FROM events WHERE id = ?", (row_id,))
            del self._verified["events"][row_id]
            self._manifest.accumulator ^= self._mac_row("events", row_id, version, b"", body)
            self._manifest.counts["events"] -= 1
            self._dirty = True
            removed += 1
        return removed

    # ----- explanations ----------------------------------------------------------------------

    @staticmethod
    def _explanation_key(accounts: tuple[str, str], kind: str) -> str:
        a, b = sorted(accounts)
        return f"explanation\x1f{a}\x1f{b}\x1f{kind}"

    def _explanation_rows(self):
        rows = self._conn.execute(
            "SELECT id, version, name_tag, body FROM explanations NOT INDEXED ORDER BY id"
        ).fetchall()
        self._check_scan("explanations", rows)
        for row_id, version, tag, body in rows:
            raw = self._keys.open(body, _ad("explanations", row_id, version, tag, "body"), "an explanation")
            try:
                d = json.loads(raw)
                expl = Explanation(tuple(d["accounts"]), d["kind"], d["note"], d["when"])
            except (ValueError, KeyError, TypeError):
                raise StoreDamaged("store is damaged: an explanation is unreadable") from None
            yield row_id, version, tag, expl

    def explanations(self) -> list[Explanation]:
        return [expl for *_, expl in self._explanation_rows()]

    def put_explanation(self, expl: Explanation) -> None:
        self._require_write()
        m = self._manifest
        tag = self._keys.name_tag(self._explanation_key(expl.accounts, expl.kind))
        existing = self._explanation_ids.get(tag)
        row = None
        if existing is not None:
            row = self._conn.execute(
                "SELECT id, version, body FROM explanations NOT INDEXED WHERE id = ?", (existing,)
            ).fetchone()
            if row is None:
                raise StoreDamaged("store is damaged: an explanation row went missing")
            self._check_row("explanations", row[0], row[1], tag, row[2])
        if row is None:
            row_id = self._conn.execute(
                "INSERT INTO explanations (name_tag, version, body) VALUES (?, 1, x'')", (tag,)
            ).lastrowid
            version = 1
            m.counts["explanations"] += 1
            self._explanation_ids[tag] = row_id
        else:
            row_id, old_version, old_body = row
            m.accumulator ^= self._mac_row("explanations", row_id, old_version, tag, old_body)
            version = old_version + 1
        body = _utf8_or_invalid(
            lambda: crypto.canonical_json(
                {"accounts": sorted(expl.accounts), "kind": expl.kind, "note": expl.note, "when": expl.when}
            ),
            "the explanation",
        )
        sealed = self._keys.seal(body, _ad("explanations", row_id, version, tag, "body"))
        self._conn.execute(
            "UPDATE explanations SET version = ?, body = ? WHERE id = ?", (version, sealed, row_id)
        )
        self._remember("explanations", row_id, version, tag, sealed)
        m.accumulator ^= self._mac_row("explanations", row_id, version, tag, sealed)

    def _delete_explanation(self, row_id: int, version: int, tag: bytes) -> None:
        row = self._conn.execute("SELECT body FROM explanations NOT INDEXED WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            raise StoreDamaged("store is damaged: an explanation row went missing")
        body = row[0]
        self._check_row("explanations", row_id, version, tag, body)
        self._conn.execute("DELETE FROM explanations WHERE id = ?", (row_id,))
        self._explanation_ids.pop(tag, None)
        del self._verified["explanations"][row_id]
        self._manifest.accumulator ^= self._mac_row("explanations", row_id, version, tag, body)
        self._manifest.counts["explanations"] -= 1

    # ----- keys for other modules ------------------------------------------------------------

    def machine_hash(self, raw: str) -> str:
        """Keyed hash of a raw machine identifier (the raw value is never stored)."""
        return self._keys.machine_hash(raw)

    def signing_key(self):
        """This store's Ed25519 statement-signing key."""
        return self._keys.signing_key()

    def counts(self) -> dict:
        """Accounts, attributes and events on file."""
        attributes = sum(len(p.attributes) for p in self.profiles())
        return {
            "accounts": self._manifest.counts["accounts"],
            "attributes": attributes,
            "events": self._manifest.counts["events"],
            "explanations": self._manifest.counts["explanations"],
        }

    # ----- passphrase and backup -------------------------------------------------------------

    def rekey(self, new_passphrase: str) -> None:
        """Re-wrap the master key under a new passphrase (same transaction as everything else)."""
        self._require_write()
        if not new_passphrase:
            raise PassphraseError("refusing an empty passphrase")
        magic, fmt, kdf_json, _wrapped = _read_header(self._conn, self.path)
        # Never weaker than the store's current parameters: not on a slower machine, and not
        # with the test-only fast-KDF switch set (which only ever applies to new stores).
        params = crypto.calibrate_kdf().at_least(_parse_kdf(kdf_json))
        kdf_json = json.dumps(params.to_json(), sort_keys=True)
        master = self._keys.master
        kek = crypto.derive_kek(new_passphrase, params)
        wrapped = crypto.wrap_master(kek, master, _header_ad(magic, fmt, kdf_json))
        self._conn.execute("UPDATE header SET kdf = ?, wrapped = ? WHERE id = 1", (kdf_json, wrapped))

    def backup(self, target: Path) -> None:
        """A consistent copy of the (still encrypted) store, created 0600, complete or absent."""
        if target.exists():
            raise UsageError(f"{target} already exists; choose a new file for the backup")
        partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
        try:
            fd = os.open(str(partial), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            dest = sqlite3.connect(str(partial))
            try:
                self._conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
            with open(partial, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(partial, target)
        except sqlite3.Error as exc:
            _remove_partial(partial)
            raise _sqlite_failure(exc, target) from None
        except OSError as exc:
            _remove_partial(partial)
            raise StoreBusy(f"cannot write the backup {target}: {exc.strerror}") from None


def _remove_partial(partial: Path) -> None:
    """A failed backup's partial copy and the journal files SQLite made for it."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        partial.with_name(partial.name + suffix).unlink(missing_ok=True)


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ----- the unlock agent's entry points (see linkcheck/agent.py) ------------------------------


@dataclass(frozen=True, repr=False)
class StoreKey:
    """A store's key-encryption key, already derived from its passphrase: what `unlock` keeps.

    `Store.open` accepts it in place of the passphrase and skips the key derivation; the
    wrapped master key's tag still checks it, so a stale or wrong key is a wrong passphrase.
    """

    kek: bytes

    def __repr__(self) -> str:  # never print the key
        return "StoreKey(<hidden>)"


def _header_row(path: Path) -> tuple[str, int, str, bytes]:
    check_store_file(path)
    try:
        conn = _connect(path)
        try:
            return _read_header(conn, path)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _sqlite_failure(exc, path) from None
    except UnicodeDecodeError:
        raise _garbled_failure(path) from None


def _digest(header: tuple[str, int, str, bytes]) -> str:
    import hashlib

    magic, fmt, kdf_json, wrapped = header
    return hashlib.sha256(_header_ad(magic, fmt, kdf_json) + b"|" + wrapped).hexdigest()


def header_digest(path: Path) -> str:
    """A digest of the store's header (KDF salt and parameters, wrapped key): changes on `passwd`."""
    return _digest(_header_row(path))


def derive_store_key(path: Path, passphrase: str) -> tuple[StoreKey, str]:
    """The store's key-encryption key for `passphrase` (PassphraseError when wrong) and the
    digest of the header it opens."""
    header = _header_row(path)
    magic, fmt, kdf_json, wrapped = header
    kek = crypto.derive_kek(passphrase, _parse_kdf(kdf_json))
    crypto.unwrap_master(kek, wrapped, _header_ad(magic, fmt, kdf_json))
    return StoreKey(kek), _digest(header)
