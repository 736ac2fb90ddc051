"""The SQLite backend of the encrypted store: the only module that touches the SQLite file.

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
import itertools
import json
import os
import sqlite3
import stat
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, TypeVar

from cryptography.exceptions import InvalidTag

from ..i18n import _, os_reason
from .. import crypto
from ..errors import LinkcheckError, PassphraseError, StoreBusy, StoreDamaged, UsageError
from ..models import Account, Event, Explanation, Profile
# Where the store lives by default is settings.py's: finding it imports nothing of this package.
from ..settings import STORE_ENV, STORE_FILENAME, default_store_path  # noqa: F401 - the package re-exports them
from . import auditcache, gatecache, migrations, prefilter
from .codec import (
    RowKeyring,
    _ad,
    _decode_account,
    _decode_event,
    _decode_explanation,
    _decode_profile,
    _decode_profile_v1,
    _encode_event,
    _encode_explanation,
    _encode_profile,
    _exact_key_count,
    _value_tagger,
    explanation_name,
)
from .api import closest_account
from .keyindex import _index_tags, index_blob, row_bytes
from .manifest import Manifest, check_row, check_scan, row_mac_input
from .prefilter import AuditInput, FuzzyScorer, QuietHubs
from .schema import TABLES, check_schema

if TYPE_CHECKING:
    from .salvage import Salvage

MAGIC = "linkcheck-store"
# The number of named migrations (store/migrations.py). An older store is read as it is and
# upgraded in the same transaction as the first write (`Store._upgrade`).
FORMAT_VERSION = migrations.FORMAT_VERSION
BUSY_TIMEOUT_MS = 60_000


# The log entries of the edits that erase values (`account remove`, `attr remove`): the audit
# cache's snapshot, which may hold them, is removed with them (`add_event`).
ERASING_ACTIONS = frozenset({"account-remove", "attr-remove"})


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
        return StoreBusy(_("store is busy (another linkcheck is writing to {path}); try again", path=path))
    detail = _sqlite_detail(exc)
    if any(
        word in text
        for word in ("readonly", "read-only", "unable to open", "disk i/o", "full", "permission", "out of memory")
    ):
        return StoreBusy(
            _("cannot write the store at {path}: {detail} (is the disk full, or the file or its folder read-only?)", path=path, detail=detail)
        )
    return StoreDamaged(_("store at {path} is damaged or not a linkcheck store ({detail})", path=path, detail=detail))


def _sqlite_detail(exc: sqlite3.Error) -> str:
    """SQLite's reason, safe for one line: sqlite3 quotes undecodable column text in its message."""
    text = str(exc)
    if text.startswith("Could not decode to UTF-8"):
        return "a text field is not valid UTF-8"
    first_line = text.splitlines()[0] if text else "unknown reason"
    text = "".join(ch if ch.isprintable() else "?" for ch in first_line)
    return text if len(text) <= 100 else text[:99] + "…"


_BULK_CACHE_KIB = 64 * 1024  # an import's page cache (`Store.expect_many_rows`), in KiB


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
    return StoreDamaged(_("store at {path} is damaged or not a linkcheck store (unreadable schema)", path=path))


def _header_ad(magic: str, fmt: int, kdf_json: str) -> bytes:
    return f"{magic}|{fmt}|".encode() + kdf_json.encode()


SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file


def check_store_file(path: Path) -> None:
    """Refuse, with the right error, a path that cannot be a store (missing, a folder, empty,
    a device or pipe, not an SQLite file) or that cannot be read, before any passphrase is asked."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UsageError(_("no store at {path}; create one with `linkcheck init` (or point --store / {STORE_ENV} at it)", path=path, STORE_ENV=STORE_ENV)) from None
    except OSError as exc:  # a symbolic link loop, a folder on the way that cannot be entered
        raise StoreBusy(_("cannot read the store at {path}: {strerror}", path=path, strerror=os_reason(exc))) from None
    if stat.S_ISDIR(info.st_mode):
        raise StoreDamaged(_("{path} is a directory, not a linkcheck store", path=path))
    if not stat.S_ISREG(info.st_mode):
        raise StoreDamaged(_("{path} is not a regular file: not a linkcheck store", path=path))
    if info.st_size == 0:
        raise StoreDamaged(_("{path} is empty: not a linkcheck store", path=path))
    # A file that is not even an SQLite database. Opened without blocking and checked on the
    # opened file, so a FIFO swapped in meanwhile is never waited on.
    try:
        fd = os.open(str(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise StoreDamaged(_("{path} is not a regular file: not a linkcheck store", path=path))
            head = os.pread(fd, len(SQLITE_MAGIC), 0)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreBusy(_("cannot read the store at {path}: {strerror}", path=path, strerror=os_reason(exc))) from None
    if head != SQLITE_MAGIC:
        raise StoreDamaged(_("store at {path} is damaged or not a linkcheck store (it is not an SQLite database)",
                             path=path))


def create(path: Path, passphrase: str) -> None:
    """Create a new, empty store at `path` (refuses to overwrite anything)."""
    if not passphrase:
        raise PassphraseError(_("refusing an empty passphrase"))
    if path.exists():
        raise UsageError(_("a store already exists at {path}; refusing to overwrite it", path=path))
    if not path.parent.exists():
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreBusy(_("cannot create the folder {parent}: {strerror}", parent=path.parent, strerror=os_reason(exc))) from None
    params = crypto.calibrate_kdf()
    kdf_json = json.dumps(params.to_json(), sort_keys=True)
    master = crypto.new_master_key()
    wrapped = crypto.PassphraseRecipient(params, passphrase=passphrase).wrap(
        master, _header_ad(MAGIC, FORMAT_VERSION, kdf_json)
    )
    keyring = RowKeyring(master)
    try:
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(_("a store already exists at {path}; refusing to overwrite it", path=path)) from None
    except OSError as exc:
        raise StoreBusy(_("cannot create the store at {path}: {strerror}", path=path, strerror=os_reason(exc))) from None
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
            migrations.m001_schema(conn)
            conn.execute(
                "INSERT INTO header (id, magic, format, kdf, wrapped) VALUES (1, ?, ?, ?, ?)",
                (MAGIC, FORMAT_VERSION, kdf_json, wrapped),
            )
            manifest = Manifest(0, 0, {t: 0 for t in TABLES})
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
            check_schema(conn, path)
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
    # A table, not a view: a file whose `header` is a view could make this read run for ever
    # (a recursive query) before the schema check refused it.
    if conn.execute("SELECT type FROM sqlite_master WHERE name = 'header'").fetchall() == [("view",)]:
        raise StoreDamaged(
            _("store at {path} was tampered with or damaged: its SQLite schema is not the one linkcheck creates", path=path)
        )
    try:
        row = conn.execute("SELECT magic, format, kdf, wrapped FROM header WHERE id = 1").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            raise StoreDamaged(_("{path} is not a linkcheck store", path=path)) from None
        raise
    if row is None:
        raise StoreDamaged(_("{path} is not a linkcheck store (no header)", path=path))
    magic, fmt, kdf_json, wrapped = row
    if magic != MAGIC:
        raise StoreDamaged(_("{path} is not a linkcheck store (bad magic)", path=path))
    if not isinstance(fmt, int):
        raise StoreDamaged(_("store header at {path} is damaged (format version)", path=path))
    if fmt > FORMAT_VERSION:
        raise StoreDamaged(
            _("store format {fmt} is newer than this linkcheck supports ({FORMAT_VERSION}); upgrade linkcheck", fmt=fmt, FORMAT_VERSION=FORMAT_VERSION)
        )
    if fmt < 1 or not isinstance(kdf_json, str) or not isinstance(wrapped, bytes):
        raise StoreDamaged(_("store header at {path} is damaged", path=path))
    return magic, fmt, kdf_json, wrapped


def _parse_kdf(kdf_json: str) -> crypto.KdfParams:
    try:
        data = json.loads(kdf_json)
    except ValueError:
        raise StoreDamaged(_("store header is damaged (key derivation parameters unreadable)")) from None
    if not isinstance(data, dict):
        raise StoreDamaged(_("store header is damaged (key derivation parameters unreadable)"))
    try:
        return crypto.KdfParams.from_json(data)
    except crypto.Damaged as exc:
        raise StoreDamaged(_("store header is damaged ({exc})", exc=exc)) from None


def _unwrap(identity: crypto.Identity, wrapped: bytes, header_ad: bytes) -> bytes:
    """The master key, crypto's errors mapped to the store's: a key that does not open the
    wrapped key is a wrong passphrase (or a tampered header)."""
    try:
        return identity.unwrap(wrapped, header_ad)
    except crypto.WrongKey:
        raise PassphraseError(_("wrong passphrase (or the store header was altered)")) from None
    except crypto.Damaged as exc:
        raise StoreDamaged(_("store header is damaged ({exc})", exc=exc)) from None


# Every read of a data table says NOT INDEXED: rows are found by scanning the table or by
# its rowid (`id`), never through an index, so no answer depends on which index SQLite picks
# or on an index's content agreeing with its table's.
_VERIFY_QUERIES = {
    "accounts": "SELECT id, version, name_tag, substr(body, -16), keys FROM accounts NOT INDEXED ORDER BY id",
    "events": "SELECT id, version, x'', substr(body, -16) FROM events NOT INDEXED ORDER BY id",
    "explanations": "SELECT id, version, name_tag, substr(body, -16) FROM explanations NOT INDEXED ORDER BY id",
}


# The accounts as `_VERIFY_QUERIES` reads them, but for the sealed key indexes: their
# authentication tags alone (`Store.open(..., bodies_only=True)`).
_ACCOUNT_TAGS_QUERY = ("SELECT id, version, name_tag, substr(body, -16), substr(keys, -16) FROM accounts NOT INDEXED"
                       " ORDER BY id")


def _fetch_for_verify(conn: sqlite3.Connection, tables: Iterable[str] = _VERIFY_QUERIES, *,
                      key_indexes: bool = True) -> tuple:
    """The manifest row and, per table, what the manifest check reads of every row: ids,
    versions, name tags and the sealed values' authentication tags (and the sealed key
    indexes, kept for a check or precheck; without `key_indexes`, their tags alone). Needs no key."""
    manifest = conn.execute("SELECT generation, body FROM manifest WHERE id = 1").fetchone()
    return manifest, {table: conn.execute(_VERIFY_QUERIES[table] if key_indexes or table != "accounts"
                                          else _ACCOUNT_TAGS_QUERY).fetchall() for table in tables}


def _import_numpy() -> None:
    try:
        import numpy  # noqa: F401
    except ImportError:  # (a dependency; IndexArrays says so where it is needed)
        pass


def _manifest_generation(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT generation FROM manifest WHERE id = 1").fetchone()
    return row[0] if row is not None else None


# What an audit or report verifies row by row while the key is derived, when the audit cache's
# snapshot may hold the accounts (store/auditcache.py).
_NOT_ACCOUNTS_AUDIT = ("events", "explanations")

# What a check or precheck verifies row by row while the key is derived, when the gate cache may
# hold the accounts (and the log entries it was made with): the explanations.
_NOT_ACCOUNTS = ("explanations",)


_T = TypeVar("_T")


def _in_thread(work: Callable[[], _T]) -> Callable[[], _T]:
    """Start `work` in a thread; the returned function waits for its result or re-raises
    its exception here.

    Not `concurrent.futures.ThreadPoolExecutor`: its workers are not daemon threads and are
    joined at interpreter exit, so Ctrl-C during the key derivation would wait for it to
    finish; this thread is a daemon, so Ctrl-C leaves at once. (And `check` would import
    concurrent.futures at start-up for one thread.)"""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=run, name="linkcheck-unlock", daemon=True)
    thread.start()

    def result() -> _T:
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
        self._manifest: Manifest | None = None
        self._dirty = False
        # name tag -> row id of every account / explanation, filled by _verify_manifest.
        self._account_ids: dict[bytes, int] = {}
        self._next_account_id = 0  # the id of the next account row; 0: not read yet (`_first_new_account_id`)
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
        # Each table's share of the manifest's accumulator (XOR of its rows' MACs), as verified.
        self._table_acc: dict[str, int] = {}
        # The tables whose rows' MACs are still to be checked (`Store.open(..., defer_macs=True)`).
        self._macs_pending: tuple[str, ...] = ()
        # The gate cache (store/gatecache.py): the snapshot answering for the accounts table,
        # or, after a full open by a check, the decrypted key indexes to make one from.
        self._gate: gatecache.Snapshot | None = None
        self._gate_index: tuple | None = None
        self._gate_identity: str | None = None
        # The audit cache (store/auditcache.py): the snapshot an audit or report read its accounts
        # and key indexes from, or, after such a command's full open, the arrays to make one from.
        self._audit_identity: str | None = None
        self._audit_snapshot: auditcache.Snapshot | None = None
        self._audit_arrays: tuple | None = None  # (row ids, IndexArrays), set by prefilter.audit_input
        # A snapshot of an earlier generation (the store was written since), opened: the key
        # indexes of the rows that did not change are taken from it (prefilter._open_arrays).
        self._audit_stale: auditcache.Snapshot | None = None
        # Every account, as a report's open read them (prefilter._every_account), for the snapshot.
        self._audit_accounts: list | None = None
        # The bodies an audit read from the store and opened (row position -> body), for the
        # snapshot (prefilter._opened_bodies: those the snapshot it read from does not hold).
        self._audit_bodies: dict[int, bytes] | None = None
        # An import's rows (`expect_many_rows`): row id -> (its sealed key index's AEAD tag, the
        # key index), for the audit cache's snapshot it leaves (`_write_audit_cache_after_import`).
        self._written_indexes: dict[int, tuple[bytes, bytes]] | None = None
        # The audit cache's snapshot whose verified rows the accounts table, not read at open,
        # must be as it is read (`Store.open(..., rows_as_read=True)`, `_rows_compared`).
        self._rows_unread: auditcache.Snapshot | None = None

    # ----- opening ---------------------------------------------------------------------------

    @classmethod
    @contextmanager
    def open(
        cls, path: Path, passphrase: str | Callable[[], str], *, write: bool = False, gate: bool = False,
        defer_macs: bool = False, salvage: bool = False, bodies_only: bool = False, rows_as_read: bool = False,
    ) -> Iterator["Store"]:
        """Unlock the store and run the body in one transaction (committed only on success).

        `passphrase` may be a function that returns it, called once the path is known to hold
        a store: then no caller's frame (nor this context manager, which keeps its
        arguments) holds the passphrase, and this one drops it once the store is unlocked.

        `gate` (a reader only: `check`, `precheck`): the accounts table may be answered from
        the gate cache when the manifest vouches for it (store/gatecache.py); after a full
        open the cache is made again.

        `defer_macs` (a reader that is not `gate`: the audit and the report): the manifest
        check's row MACs are left for `finish_verification()`, which the audit calls once its
        fuzzy side is forked (store/prefilter.py), so the MACs are made while the other core
        works. Everything else of the check (the manifest, the rows' counts, shapes, ids and
        names) is done here. Until the MACs are checked the body may read but must show
        nothing; whatever it raises, a failed check is what the command fails with, and the
        body's end checks them if it did not (before the transaction ends).

        `salvage` (a reader: `store migrate --salvage`): a manifest check that fails is kept,
        not raised, and the body reads what still verifies with `salvage()` (store/salvage.py).

        `bodies_only` (a reader that reads no key index: `account list`, `export`): the accounts'
        sealed key indexes are not read at open (their authentication tags are), and when the
        audit cache's snapshot of this manifest generation is there (store/auditcache.py), the
        accounts table is compared row by row with the snapshot's verified rows instead of each
        row's MAC being made (`_open_from_verified_rows`): the same rows pass, the same fail.
        `rows_as_read` (with `bodies_only`: an export to a file, which shows nothing before the
        command's end): with such a snapshot the accounts table is not read at open at all;
        `iter_account_rows` compares each row with the snapshot's as it reads it, and any
        difference, or a body that ends before every row was read and compared, is the full
        check's failure (`_verify_all`).
        """
        check_store_file(path)
        secret = passphrase() if callable(passphrase) else passphrase
        del passphrase
        conn = None
        try:
            conn = _connect(path)
            gate_id = sealed_snapshot = audit_id = audit_data = stale_data = rows_file = None
            bodies_only = bodies_only and not (write or gate or defer_macs or salvage)
            if write:
                # Derive the key before taking the write lock, so other writers do not wait
                # for it. The header can change before the lock is ours (a concurrent
                # `passwd` or upgrade): then unlock again from the snapshot we now hold.
                magic, fmt, kdf_json, wrapped = _read_header(conn, path)
                keyring, identity = cls._unlock(secret, fmt, kdf_json, wrapped)
                conn.execute("BEGIN IMMEDIATE")
                check_schema(conn, path)
                current = _read_header(conn, path)
                if current != (magic, fmt, kdf_json, wrapped):
                    magic, fmt, kdf_json, wrapped = current
                    keyring, identity = cls._unlock(secret, fmt, kdf_json, wrapped)
                del secret
                fetched = None
            else:
                # A reader's snapshot starts with the header. The key derivation (about half
                # a second, in C without the GIL) runs in a thread while the rows the
                # manifest check needs are read.
                conn.execute("PRAGMA query_only = ON")  # a reader cannot change the file
                conn.execute("BEGIN")
                magic, fmt, kdf_json, wrapped = _read_header(conn, path)
                check_schema(conn, path)
                unlocked = _in_thread(lambda: cls._unlock(secret, fmt, kdf_json, wrapped))
                gate_id = "file:" + str(path.resolve()) if gate else None
                if gate_id is not None:
                    fetched = _fetch_for_verify(conn, _NOT_ACCOUNTS)
                    sealed_snapshot = gatecache.read_sealed(gate_id)
                elif defer_macs and not salvage and fmt >= 2:
                    # The audit cache's snapshot, read now; the accounts table is left unread
                    # when the file says (in clear: a hint) it was made at this manifest's generation.
                    audit_id = "file:" + str(path.resolve())
                    audit_data = auditcache.read(audit_id, _manifest_generation(conn), auditcache.size_limit(path))
                    if audit_data is not None:
                        fetched = _fetch_for_verify(conn, _NOT_ACCOUNTS_AUDIT)
                    else:
                        fetched = _fetch_for_verify(conn)
                    if audit_data is not None or len(fetched[1]["accounts"]) > prefilter.ARRAYS_OVER:
                        _import_numpy()  # while the key is derived: the audit reads the key indexes as arrays
                    if audit_data is None and len(fetched[1]["accounts"]) > prefilter.ARRAYS_OVER:
                        # A snapshot of an earlier generation: the key indexes of the rows that did
                        # not change since are taken from it (prefilter._open_arrays).
                        stale_data = auditcache.read(audit_id, None, auditcache.size_limit(path))
                elif bodies_only:
                    if fmt >= 2:  # the snapshot's head, read now (its rows once the key is there)
                        audit_id = "file:" + str(path.resolve())
                        rows_file = auditcache.read_open(audit_id, _manifest_generation(conn),
                                                         auditcache.size_limit(path))
                    if rows_file is not None and rows_as_read:
                        fetched = _fetch_for_verify(conn, _NOT_ACCOUNTS_AUDIT)  # the accounts: as they are read
                    else:
                        fetched = _fetch_for_verify(conn, key_indexes=False)
                else:
                    fetched = _fetch_for_verify(conn)
                keyring, identity = unlocked()
                del secret, unlocked
            store = cls(path, conn, keyring, write, fmt)
            try:
                if salvage and not write:
                    store._salvage_open(fetched)
                elif not write and gate_id is not None:
                    store._gate_identity = gate_id
                    if fetched is None or not store._open_from_gate_cache(fetched, sealed_snapshot):
                        store._verify_manifest()
                    del sealed_snapshot
                elif defer_macs and not write:
                    store._audit_identity = audit_id
                    if audit_data is None or fetched is None or not store._open_from_audit_cache(fetched, audit_data):
                        if fetched is not None and "accounts" not in fetched[1]:
                            fetched = _fetch_for_verify(conn)  # the snapshot did not open: read everything now
                        store._verify_manifest_but_macs(fetched)
                        if stale_data is not None:
                            store._audit_stale = auditcache.load(stale_data, keyring.master, audit_id or "", bodies=False)
                    del audit_data, stale_data
                elif bodies_only:
                    store._index_rows = None  # (none read: a search would read and check them, `_decrypted_index`)
                    if fetched is None or rows_file is None or not store._open_from_verified_rows(
                            fetched, rows_file, audit_id or ""):
                        if fetched is None or "accounts" not in fetched[1]:  # the snapshot did not open: read everything now
                            fetched = _fetch_for_verify(conn, key_indexes=False)
                        store._verify_manifest(fetched)
                    del rows_file
                else:
                    store._verify_manifest(fetched)
            except StoreDamaged as exc:
                raise StoreDamaged(store._damage_hint(exc.message)) from None
            if write and fmt < FORMAT_VERSION:
                store._upgrade(identity, kdf_json)
            del identity
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
            store.finish_verification()
            if write:
                store._commit_manifest()
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            try:
                store.finish_verification(failing=True)  # a damaged store says so, whatever failed first
            finally:  # (after: the rows still to compare are read in this transaction)
                _rollback(conn)
            raise _sqlite_failure(exc, path) from None
        except Exception:
            try:
                store.finish_verification(failing=True)
            finally:
                _rollback(conn)
            raise
        except BaseException:
            _rollback(conn)
            raise
        finally:
            conn.close()
        store._write_gate_cache()
        store._write_audit_cache()
        store._write_audit_cache_after_import()

    @staticmethod
    def _unlock(
        passphrase: "str | StoreKey", fmt: int, kdf_json: str, wrapped: bytes
    ) -> tuple[crypto.Keyring, crypto.PassphraseIdentity]:
        params = _parse_kdf(kdf_json)
        # An unlock agent's key skips the key derivation; the unwrap below still checks it.
        if isinstance(passphrase, StoreKey):
            identity = crypto.PassphraseIdentity(passphrase.kek)
        else:
            identity = crypto.PassphraseIdentity.derive(passphrase, params)
        master = _unwrap(identity, wrapped, _header_ad(MAGIC, fmt, kdf_json))
        return RowKeyring(master), identity

    def _upgrade(self, identity: crypto.PassphraseIdentity, kdf_json: str) -> None:
        """Bring an older store's rows to the current format, in this transaction: the
        migrations after its format (store/migrations.py), in order. The header's format
        number is bound into the wrapped master key, so the key is wrapped again under the
        new header.
        """
        migrations.upgrade(self)
        wrapped = identity.recipient(_parse_kdf(kdf_json)).wrap(
            self._keys.master, _header_ad(MAGIC, FORMAT_VERSION, kdf_json)
        )
        self._conn.execute("UPDATE header SET format = ?, wrapped = ? WHERE id = 1", (FORMAT_VERSION, wrapped))
        self._dirty = True

    # ----- integrity -------------------------------------------------------------------------

    def _verify_manifest(self, fetched: tuple | None = None) -> None:
        row, tables = fetched or _fetch_for_verify(self._conn)
        manifest = self._read_manifest(row)
        acc, counts = self._verify_rows(tables)
        if counts != manifest.counts or acc != manifest.accumulator:
            raise StoreDamaged(
                _("store was tampered with or damaged: rows were deleted, added, replaced or rolled back")
            )
        self._manifest = manifest

    def _verify_manifest_but_macs(self, fetched: tuple | None) -> None:
        """`_verify_manifest` but for the rows' MACs, left for `finish_verification`."""
        row, tables = fetched or _fetch_for_verify(self._conn)
        manifest = self._read_manifest(row)
        _acc, counts = self._verify_rows(tables, macs=False)
        if counts != manifest.counts:
            raise StoreDamaged(
                _("store was tampered with or damaged: rows were deleted, added, replaced or rolled back")
            )
        self._manifest = manifest
        self._macs_pending = tuple(tables)

    def finish_verification(self, *, failing: bool = False) -> None:
        """The rows' MACs left by `Store.open(..., defer_macs=True)`, checked against the
        manifest's accumulator (no-op when none are left): the rows verified at open, as
        `_verify_rows` would have made them, with the same error when they do not add up; and
        after `Store.open(..., rows_as_read=True)`, the accounts rows the body did not read,
        compared with the snapshot's (`failing`: the body raised, so a table that does not read
        leaves the body's error standing)."""
        unread, self._rows_unread = self._rows_unread, None
        if unread is not None:  # the body did not read every row: they are compared now
            try:
                rows = self._conn.execute(_ACCOUNT_TAGS_QUERY).fetchall()
            except (sqlite3.Error, UnicodeDecodeError):
                if not failing:
                    self._verify_all()  # (which says what the full check reading them says)
                rows = None  # the table does not read: the error that stopped the body stands
            if rows is not None and not unread.same_rows(rows):
                self._verify_all()  # its failure raised; a table that passes it is what the full open gives
        accounts = self._verified["accounts"]
        if isinstance(accounts, auditcache.Deferred) and self._audit_snapshot is not None:
            # the audit cache's rows (an audit's or report's open): made now, as a plain map
            self._verified["accounts"] = accounts.real()
        # (The name tags' map of the audit cache's rows stays a `Deferred`, made if a name is
        # looked up: an audit of the whole store looks none up; 0.03 s at 100,000 accounts.)
        tables, self._macs_pending = self._macs_pending, ()
        if not tables:
            return
        mac = self._keys.row_mac
        total = 0
        try:
            for table in tables:
                acc = 0
                for row_id, (version, tag, *tails) in self._verified[table].items():
                    acc ^= mac(row_mac_input(table, row_id, version, tag, *tails))
                self._table_acc[table] = acc
                total ^= acc
        except TypeError:  # as `_verify_rows` says it
            self._manifest = None
            raise StoreDamaged(self._damage_hint(_("store is damaged: a row has the wrong shape"))) from None
        if total != self._open_manifest.accumulator:
            self._manifest = None
            raise StoreDamaged(self._damage_hint(
                _("store was tampered with or damaged: rows were deleted, added, replaced or rolled back")))

    def _damage_hint(self, problem: str) -> str:
        """`problem` (the check at open that failed) with what to do next."""
        return _("{problem}; `linkcheck store migrate --salvage --to NEW-FILE` copies what still verifies into a "
                 "new store and says what is lost", problem=problem)

    def _salvage_open(self, fetched: tuple | None) -> None:
        """`Store.open(..., salvage=True)`: the manifest check, its failure kept for `salvage()`."""
        row, tables = fetched or _fetch_for_verify(self._conn)
        self._salvage_problem: str | None = None
        try:
            self._verify_manifest((row, tables))
        except StoreDamaged as exc:
            self._salvage_problem = exc.message
        try:
            manifest = self._read_manifest(row)
            self._salvage_expected: dict | None = dict(manifest.counts)
        except StoreDamaged:
            manifest, self._salvage_expected = Manifest(0, 0, {t: 0 for t in TABLES}, 1), None  # keys: the oldest
        self._manifest = manifest  # its match keys' version, for the copy

    def salvage(self) -> "Salvage":
        """Every row that still opens on its own, and what is lost (store/salvage.py); only in a
        store opened with `salvage=True`."""
        from . import salvage as salvage_mod

        found = salvage_mod.read(self)
        found.problem, found.expected = self._salvage_problem, self._salvage_expected
        found.rows_match = self._salvage_problem is None
        return found

    def _read_manifest(self, row) -> Manifest:
        if row is None:
            raise StoreDamaged(_("store was tampered with or damaged: the manifest is missing"))
        try:
            return Manifest.open(self._keys, row[0], row[1])
        except (ValueError, KeyError, TypeError):
            raise StoreDamaged(_("store was tampered with or damaged: the manifest is unreadable")) from None

    def _verify_rows(self, tables: dict, macs: bool = True) -> tuple[int, dict]:
        """Check the rows of `tables` (as `_fetch_for_verify` reads them), fill the verified
        set and the name maps: the XOR of their MACs (without `macs`, 0: left for
        `finish_verification`) and their counts, per table."""
        total = 0
        counts = {}
        mac = self._keys.row_mac
        # Name lookups use these maps of the rows just verified, not SQLite's UNIQUE index:
        # a damaged index page would otherwise answer "no such account" without any error.
        by_tag = {"accounts": self._account_ids, "explanations": self._explanation_ids}
        for table, rows in tables.items():
            n = 0
            acc = 0
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
                    if macs:
                        acc ^= mac(row_mac_input(table, row_id, version, tag, *tails))
                    verified[row_id] = (version, tag, *tails)
                    n += 1
                    if ids is not None:
                        if tag in ids:
                            raise StoreDamaged(_("store is damaged: two rows are filed under one name"))
                        ids[tag] = row_id
            except TypeError:  # a damaged record decodes to NULL or text where bytes belong
                raise StoreDamaged(_("store is damaged: a row has the wrong shape")) from None
            if len(verified) != n:
                raise StoreDamaged(_("store was tampered with or damaged: two rows have one id"))
            counts[table] = n
            if macs:
                self._table_acc[table] = acc
            total ^= acc
        return total, counts

    # ----- the gate cache (store/gatecache.py) -------------------------------------------------

    def _open_from_gate_cache(self, fetched: tuple, sealed: "gatecache.SealedFile | None") -> bool:
        """Verify the manifest and every table but the accounts; take the accounts table from
        the snapshot if the manifest vouches for exactly the rows it was made from. False (the
        caller then verifies everything) when there is none or it does not fit."""
        row, tables = fetched
        manifest = self._read_manifest(row)
        snapshot = gatecache.load(sealed, self._keys.master, self._gate_identity or "")
        if snapshot is not None and self._snapshot_fits(snapshot):
            # The log entries written since the snapshot (ids above those it was made with).
            tables = dict(tables, events=self._events_after(snapshot.events_upto))
            acc, counts = self._verify_rows(tables)
            if (dict(counts, accounts=snapshot.count, events=counts["events"] + snapshot.events_count)
                    == manifest.counts and acc ^ snapshot.acc ^ snapshot.events_acc == manifest.accumulator):
                self._manifest = manifest
                self._gate = snapshot
                self._index_rows = None
                self._verified["accounts"] = gatecache.VerifiedAccounts(  # type: ignore[assignment]
                    snapshot, lambda: self._leave_gate_cache()._verified["accounts"])
                self._verified["events"] = gatecache.LaterEvents(  # type: ignore[assignment]
                    self._verified["events"], lambda: self._leave_gate_cache()._verified["events"])
                self._account_ids = gatecache.AccountIds(  # type: ignore[assignment]
                    snapshot, lambda: self._leave_gate_cache()._account_ids)
                return True
        # Not usable: start again from nothing (the caller verifies every table).
        self._forget_verified()
        return False

    def _forget_verified(self) -> None:
        """No table verified any more (a snapshot that does not fit, or left after all): the
        caller then verifies every table as a full open does."""
        self._verified = {table: {} for table in TABLES}
        self._account_ids = {}
        self._explanation_ids.clear()
        self._table_acc.clear()

    def _leave_gate_cache(self) -> "Store":
        """A part of the snapshot did not open: drop it and verify every table now, in this
        transaction, as a full open does (the snapshot is made again afterwards)."""
        self._gate = None
        self._forget_verified()
        self._index_rows = []
        self._verify_manifest()
        return self

    # ----- the audit cache (store/auditcache.py) -----------------------------------------------

    def _open_from_audit_cache(self, fetched: tuple, data: bytes) -> bool:
        """Verify the manifest and every table but the accounts (their MACs too); take the
        accounts table and its key indexes from the snapshot if the manifest vouches for exactly
        the rows it was made from. False (the caller then verifies everything) otherwise."""
        row, tables = fetched
        manifest = self._read_manifest(row)
        snapshot = auditcache.load(data, self._keys.master, self._audit_identity or "")
        if snapshot is not None and snapshot.generation == manifest.generation:
            acc, counts = self._verify_rows({table: rows for table, rows in tables.items() if table != "accounts"})
            if dict(counts, accounts=snapshot.count) == manifest.counts and acc ^ snapshot.acc == manifest.accumulator:
                self._manifest = manifest
                self._audit_snapshot = snapshot
                self._index_rows = None
                self._table_acc["accounts"] = snapshot.acc
                # Made when first used, or by finish_verification (after the audit's fork).
                self._verified["accounts"] = auditcache.Deferred(snapshot.verified)  # type: ignore[assignment]
                self._account_ids = auditcache.Deferred(snapshot.account_ids)  # type: ignore[assignment]
                return True
        # Not usable: start again from nothing (the caller verifies every table).
        self._forget_verified()
        return False

    def _open_from_verified_rows(self, fetched: tuple, rows_file: "gatecache.SealedFile", identity: str) -> bool:
        """Verify the manifest and every table but the accounts; the accounts table (as
        `_fetch_for_verify` read it, without the key indexes) must then be exactly the audit
        cache's snapshot's verified rows -- same ids, versions, name tags and authentication tags
        -- and the snapshot's share of the accumulator, with the other tables', the manifest's.
        The snapshot's share is the XOR of those very rows' MACs (made by the open that verified
        them, sealed under the store's key), so this passes for exactly the rows for which
        making every MAC again would. False (the caller then verifies everything, as without a
        snapshot) when the snapshot does not open, is of another generation or does not match."""
        row, tables = fetched
        try:
            manifest = self._read_manifest(row)
            snapshot = auditcache.load_rows(rows_file, self._keys.master, identity)
            rows = tables.get("accounts")  # None: compared as they are read (`Store.open(..., rows_as_read=True)`)
            if snapshot is not None and snapshot.generation == manifest.generation and (
                    rows is None or snapshot.same_rows(rows)):
                acc, counts = self._verify_rows({table: found for table, found in tables.items() if table != "accounts"})
                if dict(counts, accounts=snapshot.count) == manifest.counts and acc ^ snapshot.acc == manifest.accumulator:
                    self._manifest = manifest
                    self._table_acc["accounts"] = snapshot.acc
                    # The maps of those rows, made when first used (a first page uses neither).
                    self._verified["accounts"] = auditcache.Deferred(  # type: ignore[assignment]
                        snapshot.verified, snapshot.count)
                    self._account_ids = auditcache.Deferred(  # type: ignore[assignment]
                        snapshot.account_ids, snapshot.count)
                    self._rows_unread = snapshot if rows is None else None
                    return True
        except StoreDamaged:  # said by the full check, as without a snapshot (the same message)
            pass
        # Not usable: start again from nothing (the caller verifies every table).
        self._forget_verified()
        return False

    def _rows_compared(self, snapshot: auditcache.Snapshot) -> Iterator[tuple]:
        """`iter_account_rows` when the accounts table was not read at open (`rows_as_read`):
        each row, as it is read, must be the snapshot's verified row at its place (as
        `Snapshot.same_rows` compares them). At the first that is not -- or a row too many or
        too few, a text that does not decode -- every table is verified as a full open verifies
        it (`_verify_all`), whose failure is raised; a table that passes it (a row the snapshot
        holds otherwise than SQLite now gives it: a version stored as REAL, 1.5, which the MAC
        reads as 1) is read on as a fully verified table is (`_checked_rows`). A
        SQLite error is raised as it comes: `Store.open` then compares the rows still unread
        (`finish_verification`), so a tampered table says so and an intact one gives the error."""
        ids, versions = snapshot.ids(), memoryview(snapshot._versions).cast("Q").tolist()
        names, bodies, keys = snapshot._names, snapshot._bodies, snapshot._keys
        n = len(ids)
        i = 0
        try:
            rows = iter(self._conn.execute(
                "SELECT id, version, name_tag, body, substr(keys, -16) FROM accounts NOT INDEXED ORDER BY id"))
            while True:
                row = next(rows, None)
                if row is None:
                    break
                row_id, version, tag, body, keys_tag = row
                a = 16 * i
                if (i >= n or type(row_id) is not int or row_id != ids[i] or type(version) is not int
                        or version != versions[i] or type(tag) is not bytes or tag != names[a : a + 16]
                        or type(body) is not bytes or body[-16:] != bodies[a : a + 16] or type(keys_tag) is not bytes
                        or keys_tag != keys[a : a + 16]):
                    self._verify_all()
                    yield from self._checked_rows((r[:4] for r in itertools.chain([row], rows)), i)
                    return
                i += 1
                yield row_id, version, tag, body
        except UnicodeDecodeError:  # (a text column: the full check says what it says of it)
            if self._rows_unread is not None:
                self._verify_all()
            raise
        self._rows_unread = None
        if i != n:
            self._verify_all()
            self._check_rows_seen(i)

    def _verify_all(self) -> None:
        """Every table verified now, in this transaction, as a full open verifies it -- the
        accounts table no longer taken from the audit cache's snapshot (`rows_as_read`) -- its
        failure raised with the open's message; the maps then those of a full open."""
        self._rows_unread = None
        self._forget_verified()
        try:  # (said as the open says it)
            self._verify_manifest(_fetch_for_verify(self._conn, key_indexes=False))
        except StoreDamaged as exc:
            raise StoreDamaged(self._damage_hint(exc.message)) from None
        except sqlite3.Error as exc:
            raise _sqlite_failure(exc, self.path) from None
        except UnicodeDecodeError:
            raise _garbled_failure(self.path) from None

    def _write_audit_cache(self) -> None:
        """After an audit's or report's full open of a store large enough to gain from it, once
        every row's MAC was checked: the snapshot of the accounts table and of the key indexes
        it decrypted (never an error: the next audit then takes the full open)."""
        arrays, snapshot, accounts = self._audit_arrays, self._audit_snapshot, self._audit_accounts
        bodies = self._audit_bodies
        if (self._audit_identity is None or self.write or self._macs_pending or "accounts" not in self._table_acc
                or self._manifest is None):
            return
        identity, master, acc, generation = (self._audit_identity, self._keys.master, self._table_acc["accounts"],
                                             self._manifest.generation)
        if snapshot is not None:
            # A report from a snapshot an audit made (no accounts in it), or an audit that read
            # bodies the snapshot does not hold: the same snapshot, with every account the report
            # read from the bodies and the bodies read (each checked against its row) added --
            # what the snapshot holds made again by the detached writer, not here.
            if (accounts is None or snapshot.has_accounts()) and not bodies:
                return
            if snapshot.count < auditcache.MIN_ACCOUNTS or (accounts is not None and len(accounts) != snapshot.count):
                return
            held = snapshot

            def work_again() -> None:
                try:
                    auditcache.write(identity, master, generation=generation, acc=acc, verified=held.verified(),
                                     ids=held.ids(), indexes=held.indexes, lengths=held.lengths,
                                     accounts=accounts if accounts is not None else held.accounts(),
                                     bodies={**held.bodies(), **(bodies or {})})
                except (LinkcheckError, OSError, ValueError, MemoryError):
                    pass

            auditcache.after_the_command(work_again)
            return
        if arrays is None:
            return
        ids, index_arrays = arrays
        verified = self._verified["accounts"]
        if not isinstance(verified, dict):
            return
        indexes, lengths = index_arrays.padded()
        if len(ids) < auditcache.MIN_ACCOUNTS or len(verified) != len(ids) or (
                accounts is not None and len(accounts) != len(ids)):
            return

        def work() -> None:
            try:
                auditcache.write(identity, master, generation=generation, acc=acc, verified=verified, ids=ids,
                                 indexes=indexes, lengths=lengths, accounts=accounts, bodies=bodies)
            except (LinkcheckError, OSError, ValueError, MemoryError):
                pass

        auditcache.after_the_command(work)

    def _write_audit_cache_after_import(self) -> None:
        """After an import (`expect_many_rows`) committed into a store large enough to gain from
        it: the audit cache's snapshot a full open of `audit` would make of the store as it now
        is, from what the import holds -- every account row as verified at open or written since,
        and the key index of every row it wrote -- so the first audit needs no full open. Written
        by a detached process after the command (`auditcache.after_the_command`); a row the import
        did not write takes its key index from an older snapshot of the store when that one holds
        the same row (`prefilter._reusing`'s rule: same id, version, name tag and key index tag),
        and with any row left without one nothing is written (the next audit takes the full open).
        Never an error."""
        written, self._written_indexes = self._written_indexes, None
        manifest = self._manifest
        if written is None or not self.write or type(self) is not Store or self._format < 2 or manifest is None \
                or self._macs_pending:
            return
        verified = self._verified["accounts"]
        if not isinstance(verified, dict) or len(verified) < auditcache.MIN_ACCOUNTS:
            return
        identity = "file:" + str(self.path.resolve())
        master, generation, mac = self._keys.master, manifest.generation, self._keys.row_mac
        limit = auditcache.size_limit(self.path)

        def work() -> None:
            try:
                ids = sorted(verified)
                rows = {row_id: verified[row_id] for row_id in ids}
                plain: list = [None] * len(ids)
                missing = []
                for at, row_id in enumerate(ids):
                    held = written.get(row_id)
                    if held is not None and held[0] == rows[row_id][3]:
                        plain[at] = held[1]
                    else:
                        missing.append(at)
                if missing and not prefilter._indexes_from_older(
                        plain, missing, ids, rows, auditcache.load(auditcache.read(identity, None, limit), master,
                                                                   identity, bodies=False)):
                    return
                acc = 0
                for row_id, (version, tag, *tails) in rows.items():
                    acc ^= mac(row_mac_input("accounts", row_id, version, tag, *tails))
                indexes, lengths = prefilter._padded(plain)
                auditcache.write(identity, master, generation=generation, acc=acc, verified=rows, ids=ids,
                                 indexes=indexes, lengths=lengths)
            except (LinkcheckError, OSError, ValueError, TypeError, MemoryError):
                pass

        auditcache.after_the_command(work)

    def _events_after(self, row_id: int) -> list:
        """What the manifest check reads of the log entries with an id above `row_id`."""
        return self._conn.execute(
            "SELECT id, version, x'', substr(body, -16) FROM events NOT INDEXED WHERE id > ? ORDER BY id", (row_id,)
        ).fetchall()

    def _snapshot_fits(self, snapshot: "gatecache.Snapshot") -> bool:
        """More a backend asks of a snapshot before using it (a team store: made under this key epoch)."""
        return True

    def _gate_extra(self) -> dict:
        """What a backend keeps beside a snapshot it writes."""
        return {}

    def _write_gate_cache(self) -> None:
        """After a check's full open of a store large enough to gain from it: the snapshot of
        the accounts table just verified (never an error: the gate then takes the full path)."""
        if self._gate_identity is None or self._gate is not None or self.write or self._index_rows is None:
            return
        verified = self._verified["accounts"]
        if len(verified) < gatecache.MIN_ACCOUNTS or "accounts" not in self._table_acc:
            return
        try:
            index = self._gate_index or self._decrypted_index()
        except LinkcheckError:
            return
        identity, master, acc, extra = self._gate_identity, self._keys.master, self._table_acc["accounts"], self._gate_extra()
        events = self._verified["events"]
        # The log entries verified now are covered by the snapshot too: a check then verifies
        # only those written after them.
        log = (max(events, default=0), self._table_acc.get("events", 0), len(events))

        def work() -> None:
            try:
                gatecache.write(identity, master, acc=acc, verified=verified, index=index, extra=extra, events=log)
            except (LinkcheckError, OSError, ValueError, MemoryError):
                pass

        gatecache.in_background(work)

    def _mac_row(self, table: str, row_id: int, version: int, tag: bytes, *sealed: bytes) -> int:
        return self._keys.row_mac(row_mac_input(table, row_id, version, tag, *(s[-16:] for s in sealed)))

    def _check_row(self, table: str, row_id, version, tag, *sealed) -> None:
        """See `manifest.check_row`: the row must be one verified at open (or written since)."""
        check_row(self._verified, table, row_id, version, tag, *sealed)

    def _check_scan(self, table: str, rows: list, columns: tuple[int, ...] = (0,)) -> None:
        """See `manifest.check_scan`: a full scan must read back exactly the verified rows."""
        check_scan(self._verified, table, rows, columns)

    def _remember(self, table: str, row_id: int, version: int, tag: bytes, *sealed: bytes) -> None:
        self._verified[table][row_id] = (version, tag, *(s[-16:] for s in sealed))

    @property
    def keys_version(self) -> int:
        """The version of the match keys this store's values were given (models.KEYS_VERSION):
        older than this linkcheck's when they were keyed by an older one's rules."""
        return self._open_manifest.keys

    def keep_keys_version(self, version: int) -> None:
        """Record that the values written here were keyed by `version` (`store migrate` copies
        values with the keys they have: the copy is no newer than its source)."""
        self._require_write()
        self._open_manifest.keys = min(version, self._open_manifest.keys)

    def upgrade_keys_version(self, version: int) -> None:
        """Record that every value was keyed again by `version`'s rules (`store upgrade`)."""
        self._require_write()
        self._open_manifest.keys = version

    @property
    def _open_manifest(self) -> Manifest:
        """The manifest verified at open: every read and write runs after that check."""
        m = self._manifest
        assert m is not None, "the store is used before its manifest was verified"
        return m

    def _commit_manifest(self) -> None:
        m = self._manifest
        if m is None or not self._dirty:
            return
        m.generation += 1
        m.written_here()
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
            raise StoreDamaged(_("store is damaged: an account row went missing"))
        self._check_row("accounts", row[0], row[1], tag, row[2], row[3])
        return tag, row

    # ----- accounts --------------------------------------------------------------------------

    def _open_profile(self, row_id: int, version: int, tag: bytes, body: bytes) -> Profile:
        raw = self._keys.open(body, _ad("accounts", row_id, version, tag, "body"), "an account row")
        return self._profile_of(raw, tag)

    def _profile_of(self, raw: bytes, tag: bytes) -> Profile:
        """The account of an opened row's plaintext, filed under the name tag `tag`."""
        try:
            profile = _decode_profile(raw)
        except (ValueError, KeyError, TypeError):
            raise StoreDamaged(_("store is damaged: an account row is unreadable")) from None
        if self._keys.name_tag(profile.account.name) != tag:
            raise StoreDamaged(_("store was tampered with: an account row is filed under the wrong name"))
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
            raise self._no_account(name)
        return found

    def _no_account(self, name: str) -> UsageError:
        """"No account named NAME", with the closest name on file when one is close (a typo:
        lanjng-us for lanjing-us; api.closest_account)."""
        guess = closest_account(self, name)
        if guess is not None:
            return UsageError(_("no account named {name!r} (did you mean {guess}?); `linkcheck account list` shows the "
                                "accounts on file", name=name, guess=guess))
        return UsageError(_("no account named {name!r}; `linkcheck account list` shows the accounts on file", name=name))

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

    def iter_account_rows(self) -> Iterator[tuple]:
        """Every account's sealed row, in insertion order, one at a time, each checked to be
        the row the manifest check verified at open (and all of them there): what
        `open_account_row` opens, here or in a forked process (the export lays out every
        other batch of accounts in one)."""
        if self._rows_unread is not None:
            yield from self._rows_compared(self._rows_unread)
            return
        yield from self._checked_rows(
            self._conn.execute("SELECT id, version, name_tag, body FROM accounts NOT INDEXED ORDER BY id"))

    def _checked_rows(self, rows: Iterable[tuple], seen: int = 0) -> Iterator[tuple]:
        """`rows` (id, version, name tag, body), each checked to be a row verified at open,
        and all of them there with the `seen` already given."""
        verified = self._verified["accounts"]
        get = verified.real().get if isinstance(verified, auditcache.Deferred) else verified.get
        for row in rows:
            # `_check_row` inline for a row that passes it (100,000 of them in an export); any
            # other row goes through it, which says what is wrong.
            row_id, version, tag, body = row
            expected = get(row_id) if type(row_id) is int else None
            if (expected is None or expected[0] != version or expected[1] != tag or type(body) is not bytes
                    or body[-16:] != expected[2]):
                self._check_row("accounts", *row)
            seen += 1
            yield row
        self._check_rows_seen(seen)

    def _check_rows_seen(self, seen: int) -> None:
        if seen != len(self._verified["accounts"]):
            raise StoreDamaged(_("store was tampered with or damaged: a table reads back other rows than verified at open"))

    def open_account_row(self, row: tuple) -> Profile:
        """The account of a row from `iter_account_rows`, opened and authenticated."""
        return self._open_profile(*row)

    def open_account_row_as(self, row: tuple, direct: Callable[[bytes], tuple | None]):
        """`direct(plaintext)`'s result for a row from `iter_account_rows`, opened and
        authenticated as `open_account_row` opens it, where `direct` gives (the account's name,
        result) -- the name checked against the row's name tag as there; where it gives None,
        the row's Profile (`open_account_row`). The export reads its rows this way
        (`importers.json.export_item_bytes`), without building the Profiles."""
        row_id, version, tag, body = row
        raw = self._keys.open(body, _ad("accounts", row_id, version, tag, "body"), "an account row")
        found = direct(raw)
        if found is None:
            return self._profile_of(raw, tag)
        name, result = found
        if self._keys.name_tag(name) != tag:
            raise StoreDamaged(_("store was tampered with: an account row is filed under the wrong name"))
        return result

    def audit_input(
        self, block_cap: int, score: FuzzyScorer, *, include: str | None = None, parallel: bool = True,
        hubs: QuietHubs | None = None, accounts: bool = False, meanwhile=None,
    ) -> AuditInput:
        """What an audit needs: see `prefilter.audit_input`."""
        return prefilter.audit_input(self, block_cap, score, include=include, parallel=parallel, hubs=hubs,
                                     accounts=accounts, meanwhile=meanwhile)

    def accounts(self) -> list[Account]:
        """Every account without its attributes, in insertion order: of each sealed body (opened
        and authenticated whole) only the first line, the account, is decoded -- a tenth of the
        cost of `profiles()`. The report lists every account this way."""
        # Row by row from the cursor, not fetched all at once: one body in memory at a time.
        rows = self._conn.execute("SELECT id, version, name_tag, body FROM accounts ORDER BY id")
        return [self._open_account(*row) for row in rows]

    def _open_account(self, row_id: int, version: int, tag: bytes, body: bytes) -> Account:
        raw = self._keys.open(body, _ad("accounts", row_id, version, tag, "body"), "an account row")
        try:
            if raw.endswith(b"\n"):  # format 2: the account's line, then the attributes' lines
                account = _decode_account(json.loads(raw[: raw.index(b"\n")]))
            else:
                account = _decode_profile_v1(raw).account
        except (ValueError, KeyError, TypeError):
            raise StoreDamaged(_("store is damaged: an account row is unreadable")) from None
        if self._keys.name_tag(account.name) != tag:
            raise StoreDamaged(_("store was tampered with: an account row is filed under the wrong name"))
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
                _("store was tampered with or damaged: an account's key index fails its integrity check")
            ) from None
        found = ids, ends, b"".join(blobs)
        if self._gate_identity is not None:  # a check's full open: kept for the gate cache
            self._gate_index = found
        return found

    def _profiles_by_id(self, row_ids: Iterable[int], exclude_tag: bytes | None = None) -> list[Profile]:
        found: list[Profile] = []
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
                raise StoreDamaged(_("store was tampered with or damaged: an account row went missing"))
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
        hits = self._candidate_ids(keys, block_cap)
        if not hits:
            return []
        exclude_tag = self._keys.name_tag(exclude) if exclude is not None else None
        return self._profiles_by_id(hits, exclude_tag)

    def _candidate_ids(self, keys: Iterable[str], block_cap: int) -> set[int]:
        """Row ids of the accounts `candidates` gives for these keys: from the gate cache, else
        the decrypted key index."""
        wanted = {self._keys.index_tag(k): k.startswith("~") for k in set(keys)}
        if not wanted:
            return set()
        hits = None
        if self._gate is not None and self._index_rows is None and not self._dirty:
            try:
                hits = self._gate.search(wanted, block_cap)
            except gatecache.Unusable:
                self._leave_gate_cache()
        if hits is None:
            hits = self._search_index(wanted, block_cap)
        return hits

    def candidates_each(
        self, key_sets: list[set[str]], excludes: list[str], *, block_cap: int = 200
    ) -> list[list[Profile]]:
        """`candidates(key_sets[i], exclude=excludes[i])` for each i (a batch precheck), each
        account's row read and decrypted once however many of the sets it is a candidate of."""
        hit_sets = [self._candidate_ids(keys, block_cap) for keys in key_sets]
        every = sorted(set().union(*hit_sets))
        by_id = dict(zip(every, self._profiles_by_id(every), strict=True))
        return [[by_id[i] for i in sorted(hits) if by_id[i].name != exclude]
                for hits, exclude in zip(hit_sets, excludes, strict=True)]

    def _search_index(self, wanted: dict[bytes, bool], block_cap: int) -> set[int]:
        """Row ids of the accounts whose decrypted key index holds a wanted tag (see `candidates`)."""
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
        return hits

    def _index_blob(self, profile: Profile, n_exact: list[int] | None = None) -> bytes:
        """The account's sealed key index content: see `keyindex.index_blob`."""
        return index_blob(profile, self._keys.index_tag, n_exact, tags=self._keys.index_tags)

    def put_profile(self, profile: Profile) -> None:
        """Insert the account or replace it (matched by name) with this content."""
        self._require_write()
        tag, row = self._account_row(profile.account.name)
        body, index = self.row_content(profile)
        self._put_row(tag, row, body, index)

    def row_content(self, profile: Profile) -> tuple[bytes, bytes]:
        """The plaintext of the account's row, (body, key index), as `put_profile` seals it.
        Reads nothing from the file and writes nothing: the import's parse-ahead child makes
        these for new accounts (importers/ahead.py), and `put_new_row` seals and writes them."""
        n_exact = [_exact_key_count(a.keys) for a in profile.attributes]
        return _encode_profile(profile, n_exact, self._format), self._index_blob(profile, n_exact)

    def new_row_content(self, profile: Profile) -> tuple[bytes, bytes]:
        """`row_content(profile)`, the same bytes, made in one pass over the attributes where
        the row is plain (`keyindex.row_bytes`): what an import's new accounts are made of
        (`accounts.NewAccountRows`, in both processes)."""
        if self._format >= 3:
            made = row_bytes(profile, self._keys.index_tags)
            if made is not None:
                return made
        return self.row_content(profile)

    def rows_made_ahead(self) -> bool:
        """Whether an import's parse-ahead child may make this store's new rows (`row_content`):
        the file store's only (the team store is left as it was)."""
        return type(self) is Store

    def expect_many_rows(self) -> None:
        """An import is about to write many rows in this transaction: a page cache of
        `_BULK_CACHE_KIB` for this connection. With SQLite's default (2 MB), the pages written
        more than once (the name-tag index's, the tables' inner pages) leave the cache between two
        writes and go to the write-ahead log more than once; a page written there again in one
        transaction makes the commit read back every page logged after its first copy, to
        checksum them again (`walRewriteChecksums`): at 100,000 accounts, the whole 480 MB log,
        on one core after everything else. The rest still goes to the log as it is written.
        The file store's only (the team store's server keeps its own cache)."""
        if type(self) is Store:
            self._conn.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
            # The key indexes written, kept for the audit cache's snapshot the import leaves.
            self._written_indexes = {}

    def known_name(self, name: str) -> bool:
        """Whether an account of that name is on file, from the ids read at open and written
        since (no SQL: the parse-ahead child asks, in its copy of this object)."""
        return self._keys.name_tag(name) in self._account_ids

    def put_new_row(self, name: str, body: bytes, index: bytes) -> None:
        """Insert a new account `name` whose row content `row_content` made (RuntimeError if
        an account of that name is on file: the content was made for a new one)."""
        self._require_write()
        tag, row = self._account_row(name)
        if row is not None:
            raise RuntimeError("a row made for a new account, but the account is on file")
        self._put_row(tag, None, body, index)

    def _put_row(self, tag: bytes, row, body: bytes, index: bytes) -> None:
        m = self._open_manifest
        if row is None and type(self) is Store:
            # The id AUTOINCREMENT would give the row, known before it is written, so the row
            # is sealed first and written once (not inserted empty, then updated). (The team
            # store's ids come from the server, shared by concurrent writers: below.)
            row_id = self._next_account_id or self._first_new_account_id()
            version = 1
            sealed_body = self._keys.seal(body, _ad("accounts", row_id, version, tag, "body"))
            sealed_keys = self._keys.seal(index, _ad("accounts", row_id, version, tag, "keys"))
            self._conn.execute(
                "INSERT INTO accounts (id, name_tag, version, body, keys) VALUES (?, ?, 1, ?, ?)",
                (row_id, tag, sealed_body, sealed_keys),
            )
            self._next_account_id = row_id + 1
            m.counts["accounts"] += 1
            self._account_ids[tag] = row_id
        else:
            if row is None:
                cur = self._conn.execute(
                    "INSERT INTO accounts (name_tag, version, body, keys) VALUES (?, 1, x'', x'')", (tag,)
                )
                row_id = cur.lastrowid  # type: ignore[assignment]  # an INSERT sets it
                version = 1
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
        if self._written_indexes is not None:
            self._written_indexes[row_id] = (sealed_keys[-16:], index)

    def _first_new_account_id(self) -> int:
        """The id SQLite would give an account row inserted without one: one more than the
        largest ever used (AUTOINCREMENT: the table's largest id and `sqlite_sequence`, which
        keeps the largest ever inserted, even if deleted since). Read at the transaction's
        first new account, then counted by `_put_row` (the write transaction holds the file:
        no one else inserts); an explicit id above the sequence moves it on, as an insert
        without one does."""
        seq = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'accounts'").fetchone()
        top = self._conn.execute("SELECT max(id) FROM accounts").fetchone()[0]
        return max(seq[0] if seq is not None else 0, top or 0) + 1

    def remove_account(self, name: str) -> None:
        self._require_write()
        tag, row = self._account_row(name)
        if row is None:
            raise self._no_account(name)
        row_id, version, body, keys = row
        self._conn.execute("DELETE FROM accounts WHERE id = ?", (row_id,))
        del self._account_ids[tag]
        del self._verified["accounts"][row_id]
        self._open_manifest.accumulator ^= self._mac_row("accounts", row_id, version, tag, body, keys)
        self._open_manifest.counts["accounts"] -= 1
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
            raise UsageError(_("an account named {new!r} already exists", new=new))
        moved = []
        for _row_id, _version, _tag, expl in list(self._explanation_rows()):
            if old in expl.accounts:
                moved.append(expl)
        self.remove_account(old)  # also drops its explanations; they are re-filed below
        self.put_profile(replace(profile, account=replace(profile.account, name=new)))
        for expl in moved:
            renamed = tuple(sorted(new if a == old else a for a in expl.accounts))
            self.put_explanation(replace(expl, accounts=renamed))
        m = self._open_manifest
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
        row_id: int = cur.lastrowid  # type: ignore[assignment]  # an INSERT sets it
        sealed = self._keys.seal(_encode_event(event), _ad("events", row_id, 1, b"", "body"))
        self._conn.execute("UPDATE events SET body = ? WHERE id = ?", (sealed, row_id))
        self._remember("events", row_id, 1, b"", sealed)
        self._open_manifest.accumulator ^= self._mac_row("events", row_id, 1, b"", sealed)
        self._open_manifest.counts["events"] += 1
        path = getattr(self, "path", None)  # (a file store's: a team store has no audit cache)
        if event.action in ERASING_ACTIONS and isinstance(path, Path):
            # What was erased may be in the audit cache's snapshot (the bodies an audit decoded,
            # sealed): the file goes now, not at the next audit's rewrite (a rollback only costs
            # the next audit its full open).
            auditcache.remove("file:" + str(path.resolve()))

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
                raise StoreDamaged(_("store is damaged: a log entry is unreadable")) from None
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
                raise StoreDamaged(_("store is damaged: a log entry is unreadable")) from None
            if event.account != account or event.action != action:
                continue
            self._conn.execute("DELETE FROM events WHERE id = ?", (row_id,))
            del self._verified["events"][row_id]
            self._open_manifest.accumulator ^= self._mac_row("events", row_id, version, b"", body)
            self._open_manifest.counts["events"] -= 1
            self._dirty = True
            removed += 1
        return removed

    # ----- explanations ----------------------------------------------------------------------

    def _explanation_rows(self):
        rows = self._conn.execute(
            "SELECT id, version, name_tag, body FROM explanations NOT INDEXED ORDER BY id"
        ).fetchall()
        self._check_scan("explanations", rows)
        for row_id, version, tag, body in rows:
            raw = self._keys.open(body, _ad("explanations", row_id, version, tag, "body"), "an explanation")
            try:
                expl = _decode_explanation(raw, self.value_tag)
            except (ValueError, KeyError, TypeError):
                raise StoreDamaged(_("store is damaged: an explanation is unreadable")) from None
            yield row_id, version, tag, expl

    def explanations(self) -> list[Explanation]:
        return [expl for *_row, expl in self._explanation_rows()]

    def put_explanation(self, expl: Explanation) -> None:
        self._require_write()
        m = self._open_manifest
        tag = self._keys.name_tag(explanation_name(expl))
        existing = self._explanation_ids.get(tag)
        row = None
        if existing is not None:
            row = self._conn.execute(
                "SELECT id, version, body FROM explanations NOT INDEXED WHERE id = ?", (existing,)
            ).fetchone()
            if row is None:
                raise StoreDamaged(_("store is damaged: an explanation row went missing"))
            self._check_row("explanations", row[0], row[1], tag, row[2])
        if row is None:
            row_id: int = self._conn.execute(  # type: ignore[assignment]  # an INSERT sets it
                "INSERT INTO explanations (name_tag, version, body) VALUES (?, 1, x'')", (tag,)
            ).lastrowid
            version = 1
            m.counts["explanations"] += 1
            self._explanation_ids[tag] = row_id
        else:
            row_id, old_version, old_body = row
            m.accumulator ^= self._mac_row("explanations", row_id, old_version, tag, old_body)
            version = old_version + 1
        body = _encode_explanation(expl)
        sealed = self._keys.seal(body, _ad("explanations", row_id, version, tag, "body"))
        self._conn.execute(
            "UPDATE explanations SET version = ?, body = ? WHERE id = ?", (version, sealed, row_id)
        )
        self._remember("explanations", row_id, version, tag, sealed)
        m.accumulator ^= self._mac_row("explanations", row_id, version, tag, sealed)

    def replace_explanation(self, old: Explanation, new: Explanation) -> None:
        """Put `new` in the place of `old`, whose row is named by the values it covers
        (`store upgrade` tags them again): one transaction, like every write."""
        self._require_write()
        name = self._keys.name_tag(explanation_name(old))
        for row_id, version, tag, _expl in list(self._explanation_rows()):
            if tag == name:
                self._delete_explanation(row_id, version, tag)
                break
        self.put_explanation(new)

    def _delete_explanation(self, row_id: int, version: int, tag: bytes) -> None:
        row = self._conn.execute("SELECT body FROM explanations NOT INDEXED WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            raise StoreDamaged(_("store is damaged: an explanation row went missing"))
        body = row[0]
        self._check_row("explanations", row_id, version, tag, body)
        self._conn.execute("DELETE FROM explanations WHERE id = ?", (row_id,))
        self._explanation_ids.pop(tag, None)
        del self._verified["explanations"][row_id]
        self._open_manifest.accumulator ^= self._mac_row("explanations", row_id, version, tag, body)
        self._open_manifest.counts["explanations"] -= 1

    # ----- keys for other modules ------------------------------------------------------------

    def machine_hash(self, raw: str) -> str:
        """Keyed hash of a raw machine identifier (the raw value is never stored)."""
        return self._keys.machine_hash(raw)

    @property
    def value_tag(self):
        """The keyed tag (hex) of a match key, as the key index keeps it: what an explanation
        records of the values it covers. Usable after the store is closed."""
        return _value_tagger(self._keys)

    def signing_key(self):
        """This store's Ed25519 statement-signing key."""
        return self._keys.signing_key()

    def counts(self) -> dict:
        """Accounts, attributes and events on file."""
        attributes = sum(len(p.attributes) for p in self.profiles())
        return {
            "accounts": self._open_manifest.counts["accounts"],
            "attributes": attributes,
            "events": self._open_manifest.counts["events"],
            "explanations": self._open_manifest.counts["explanations"],
        }

    # ----- passphrase and backup -------------------------------------------------------------

    def rekey(self, new_passphrase: str) -> None:
        """Re-wrap the master key under a new passphrase (same transaction as everything else)."""
        self._require_write()
        if not new_passphrase:
            raise PassphraseError(_("refusing an empty passphrase"))
        magic, fmt, kdf_json, _wrapped = _read_header(self._conn, self.path)
        # Never weaker than the store's current parameters: not on a slower machine, and not
        # with the test-only fast-KDF switch set (which only ever applies to new stores).
        params = crypto.calibrate_kdf().at_least(_parse_kdf(kdf_json))
        kdf_json = json.dumps(params.to_json(), sort_keys=True)
        recipient = crypto.PassphraseRecipient(params, passphrase=new_passphrase)
        wrapped = recipient.wrap(self._keys.master, _header_ad(magic, fmt, kdf_json))
        self._conn.execute("UPDATE header SET kdf = ?, wrapped = ? WHERE id = 1", (kdf_json, wrapped))

    def backup(self, target: Path) -> None:
        """A consistent copy of the (still encrypted) store, created 0600, complete or absent."""
        if target.exists():
            raise UsageError(_("{target} already exists; choose a new file for the backup", target=target))
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
            raise StoreBusy(_("cannot write the backup {target}: {strerror}", target=target, strerror=os_reason(exc))) from None


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

    `Store.open` accepts it in place of the passphrase and skips the key derivation (it
    becomes a `crypto.PassphraseIdentity`); the wrapped master key's tag still checks it, so
    a stale or wrong key is a wrong passphrase.
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
    identity = crypto.PassphraseIdentity.derive(passphrase, _parse_kdf(kdf_json))
    _unwrap(identity, wrapped, _header_ad(magic, fmt, kdf_json))
    return StoreKey(identity.kek), _digest(header)
