"""The gate cache: a sealed snapshot of every account's key index, verified once, so `check`
and `precheck` answer without verifying and decrypting every account row again.

A full open of a store checks every row against the sealed manifest (store/manifest.py) and
decrypts every account's key index before searching it: at 100,000 accounts that is most of
a check after the key derivation. After such an open, `check`/`precheck` write what it
established as ONE file, sealed (AES-256-GCM) under a subkey of the store's master key (a
team's: of the team key) made for this purpose alone:

- the accounts table as verified: each row's id, version, name tag and the AEAD tags of its
  sealed columns (what `manifest.check_row` compares every row read later with), and the XOR
  of the rows' keyed MACs (the accounts table's share of the manifest's accumulator);
- every account's match-key tags, sorted, each with the account it belongs to (a search is
  a binary search: no per-account decryption).

A later `check`/`precheck` opens the manifest and verifies the other tables' rows as a full
open does; the snapshot is used only if its accounts' MAC share XOR the other tables' equals
the manifest's accumulator and the counts agree -- that is, only when the manifest vouches for
exactly the account rows the snapshot was made from (the accumulator is a keyed MAC the file
never shows in clear, sealed in the manifest). Otherwise the full open runs, as before, and
the snapshot is made again. Every account row read (the account checked, the candidates)
is still compared with the snapshot's verified row, so an edited row read is damage (exit 5).

The file lives in the user's cache folder (mode 600, its folder 700), named by a hash of the
store's location; its associated data binds that location. A file that is missing, damaged,
foreign, of another format or that does not open is ignored, never trusted, never an error.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import stat
import sys
import time
import weakref
from pathlib import Path

from .. import crypto

FORMAT = 2
MAGIC = b"linkcheck-gate-cache 1\n"
# Below this many accounts a full open is fast: no snapshot is written (nor needed).
MIN_ACCOUNTS = 2000
# Written by a detached process (Linux), so the check that made it need not wait (tests: False).
BACKGROUND = True
NAME_TAG_BYTES = 16
AEAD_TAG_BYTES = crypto.TAG_BYTES
_INFO = b"linkcheck/gate-cache/v1"


def cache_folder() -> Path:
    """linkcheck's folder in the user's cache folder (platformdirs; $XDG_CACHE_HOME on Linux)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("linkcheck", appauthor=False)) / "gate"


def cache_path(identity: str) -> Path:
    """The snapshot file of the store known as `identity` ("file:/path", "team:ID:member")."""
    return cache_folder() / (hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:40] + ".sealed")


def _ad(identity: str) -> bytes:
    return b"linkcheck-gate-cache|%d|" % FORMAT + identity.encode("utf-8", "surrogatepass")


def _align(n: int) -> int:
    return n + (-n % 8)


class Unusable(Exception):
    """A part of the snapshot does not open: it is dropped and the store verified in full."""


_ARRAYS = (  # name, item size, memoryview format ("" : fixed-size bytes)
    ("ids", 8, "Q"), ("versions", 8, "Q"), ("names", NAME_TAG_BYTES, ""), ("bodies", AEAD_TAG_BYTES, ""),
    ("keys", AEAD_TAG_BYTES, ""), ("name_order", 4, "I"), ("tags", 8, "Q"), ("owners", 4, "I"),
)
CHUNK_BYTES = 16384  # each array is sealed in chunks of this size, opened only when read


class _Chunked:
    """One array of the snapshot, sealed chunk by chunk, each chunk opened when first read."""

    def __init__(self, snap: "Snapshot", number: int, offset: int, itemsize: int, count: int, fmt: str):
        self._snap, self._number, self._offset = snap, number, offset
        self.itemsize, self.count, self._fmt = itemsize, count, fmt
        self.per = CHUNK_BYTES // itemsize
        self._chunks: dict[int, memoryview] = {}

    def __len__(self) -> int:
        return self.count

    def chunk(self, c: int) -> memoryview:
        found = self._chunks.get(c)
        if found is None:
            size = min(self.per, self.count - c * self.per) * self.itemsize
            at = self._offset + c * (CHUNK_BYTES + _SEAL_OVERHEAD)
            found = memoryview(self._snap.open_chunk(self._number, c, at, size))
            if self._fmt:
                found = found.cast(self._fmt)  # type: ignore[call-overload]  # "Q" or "I"
            self._chunks[c] = found
        return found

    def __getitem__(self, i: int):
        if not 0 <= i < self.count:
            raise IndexError(i)
        c, r = divmod(i, self.per)
        if self._fmt:
            return self.chunk(c)[r]
        return bytes(self.chunk(c)[r * self.itemsize : (r + 1) * self.itemsize])


class _Indirect:
    """`array` in the order of `order` (name tags by ascending tag), as a sequence for `bisect`."""

    def __init__(self, array: _Chunked, order: _Chunked):
        self._array, self._order = array, order

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, i: int):
        return self._array[self._order[i]]


_SEAL_OVERHEAD = crypto.NONCE_BYTES + AEAD_TAG_BYTES


class Snapshot:
    """A snapshot whose header opened: `acc`/`count` are the accounts table's share of the
    manifest (XOR of row MACs, rows); `made` when it was made (Unix seconds); `extra` what a
    backend keeps beside it (a team store: the team manifest it was made under). Its arrays
    are opened chunk by chunk as a search reads them (`Unusable` when one does not open)."""

    def __init__(self, data: SealedFile, aead, base_ad: bytes, head: dict, fences: memoryview, offset: int):
        self._data, self._aead, self._base_ad = data, aead, base_ad
        self._sid = bytes.fromhex(head["sid"])
        self.acc, self.count, self.made = int(head["acc"], 16), int(head["accounts"]), int(head["made"])
        # The log entries it was made with: ids up to `events_upto`, their MAC share and number.
        self.events_upto, self.events_acc = int(head["events_upto"]), int(head["events_acc"], 16)
        self.events_count = int(head["events_count"])
        self.extra = dict(head.get("extra") or {})
        self._fences = fences  # the first tag of each chunk of `tags`
        arrays = {}
        for number, (name, itemsize, fmt) in enumerate(_ARRAYS):
            count = int(head["counts"][number])
            arrays[name] = _Chunked(self, number, offset, itemsize, count, fmt)
            per = CHUNK_BYTES // itemsize
            chunks = -(-count // per)
            offset += chunks * _SEAL_OVERHEAD + count * itemsize
        if offset != data.size or arrays["tags"].count != arrays["owners"].count \
                or any(arrays[a].count != self.count for a in ("ids", "versions", "names", "bodies", "keys", "name_order")) \
                or len(fences) != -(-arrays["tags"].count // arrays["tags"].per):
            raise Unusable("shape")
        self.ids, self.versions, self.names = arrays["ids"], arrays["versions"], arrays["names"]
        self.bodies, self.keys, self.name_order = arrays["bodies"], arrays["keys"], arrays["name_order"]
        self.tags, self.owners = arrays["tags"], arrays["owners"]

    def open_chunk(self, number: int, c: int, at: int, size: int) -> bytes:
        try:
            sealed = self._data.read(at, size + _SEAL_OVERHEAD)
            if len(sealed) != size + _SEAL_OVERHEAD:
                raise ValueError("truncated")
            return self._aead.decrypt(sealed[: crypto.NONCE_BYTES], sealed[crypto.NONCE_BYTES :],
                                      self._base_ad + b"|%s|%d|%d" % (self._sid, number, c))
        except Exception:  # noqa: BLE001 - a damaged chunk: the whole snapshot is dropped
            raise Unusable("chunk") from None

    # ----- what the store asks of it ---------------------------------------------------------

    def position(self, row_id: int) -> int | None:
        if type(row_id) is not int:
            return None
        i = bisect.bisect_left(self.ids, row_id)
        return i if i < self.count and self.ids[i] == row_id else None

    def verified(self, i: int) -> tuple:
        """(version, name tag, body's AEAD tag, key index's AEAD tag) of the account at `i`,
        as `Store._verified` keeps them."""
        return self.versions[i], self.names[i], self.bodies[i], self.keys[i]

    def row_id_of(self, name_tag: bytes) -> int | None:
        names = _Indirect(self.names, self.name_order)
        i = bisect.bisect_left(names, name_tag)
        if i < len(names) and names[i] == name_tag:
            return self.ids[self.name_order[i]]
        return None

    def search(self, wanted: dict[bytes, bool], block_cap: int) -> set[int]:
        """Row ids of the accounts holding any of the `wanted` tags (tag -> is a blocking key);
        a blocking key held by more than `block_cap` accounts is ignored (as `Store.candidates`)."""
        hits: set[int] = set()
        tags, owners, ids, per = self.tags, self.owners, self.ids, self.tags.per
        for tag, blocking in wanted.items():
            value = int.from_bytes(tag, sys.byteorder)  # the key index's tags, read as 'Q'
            # The fences (each chunk's first tag) narrow the search to the chunks that can hold it.
            lo = max(bisect.bisect_left(self._fences, value) - 1, 0) * per
            hi = min(bisect.bisect_right(self._fences, value) * per, tags.count)
            lo = bisect.bisect_left(tags, value, lo, hi)
            hi = bisect.bisect_right(tags, value, lo, hi)
            if lo == hi:
                continue
            if blocking and hi - lo > block_cap:
                # A blocking key held by too many accounts is dropped: stop counting at one past
                # the cap (a common word's key can be held by tens of thousands of accounts).
                rows = set()
                for i in range(lo, hi):
                    rows.add(ids[owners[i]])
                    if len(rows) > block_cap:
                        break
            else:
                rows = {ids[owners[i]] for i in range(lo, hi)}
            if blocking and len(rows) > block_cap:
                continue
            hits |= rows
        return hits


class VerifiedAccounts:
    """`Store._verified["accounts"]` answered from a snapshot: row id -> verified tuple.
    `fallback()` verifies the store in full and gives the real map, when the snapshot fails."""

    def __init__(self, snapshot: Snapshot, fallback):
        self._snap, self._fallback = snapshot, fallback

    def get(self, row_id, default=None):
        try:
            i = self._snap.position(row_id)
            return default if i is None else self._snap.verified(i)
        except Unusable:
            return self._fallback().get(row_id, default)

    def __getitem__(self, row_id):
        found = self.get(row_id)
        if found is None:
            raise KeyError(row_id)
        return found

    def __contains__(self, row_id) -> bool:
        return self.get(row_id) is not None

    def __len__(self) -> int:
        return self._snap.count

    def _all(self) -> dict:
        try:
            return {self._snap.ids[i]: self._snap.verified(i) for i in range(self._snap.count)}
        except Unusable:
            return dict(self._fallback())

    def __iter__(self):
        return iter(self._all())

    def keys(self):
        return self._all().keys()

    def items(self):
        return self._all().items()

    def values(self):
        return self._all().values()


class LaterEvents:
    """`Store._verified["events"]` when the snapshot answers for the log entries it was made
    with: the entries written since, verified now; anything else (a check reads no log entry)
    verifies the store in full first."""

    def __init__(self, later: dict, fallback):
        self._later, self._fallback = later, fallback

    def get(self, row_id, default=None):
        found = self._later.get(row_id)
        return found if found is not None else self._fallback().get(row_id, default)

    def __getitem__(self, row_id):
        return self._fallback()[row_id] if row_id not in self._later else self._later[row_id]

    def __contains__(self, row_id) -> bool:
        return row_id in self._later or row_id in self._fallback()

    def __len__(self) -> int:
        return len(self._fallback())

    def __iter__(self):
        return iter(self._fallback())

    def keys(self):
        return self._fallback().keys()

    def items(self):
        return self._fallback().items()

    def values(self):
        return self._fallback().values()


class AccountIds:
    """`Store._account_ids` answered from a snapshot: name tag -> row id."""

    def __init__(self, snapshot: Snapshot, fallback):
        self._snap, self._fallback = snapshot, fallback

    def get(self, tag, default=None):
        try:
            found = self._snap.row_id_of(tag) if isinstance(tag, bytes) else None
        except Unusable:
            return self._fallback().get(tag, default)
        return default if found is None else found

    def __getitem__(self, tag):
        found = self.get(tag)
        if found is None:
            raise KeyError(tag)
        return found

    def __contains__(self, tag) -> bool:
        return self.get(tag) is not None

    def __len__(self) -> int:
        return self._snap.count


# ----- reading ---------------------------------------------------------------------------------


class SealedFile:
    """The snapshot file, open: its size and its bytes read where asked (the chunks a search
    needs, not the whole file). The descriptor is closed with the object."""

    def __init__(self, fd: int):
        self._fd = fd
        self.size = os.fstat(fd).st_size
        weakref.finalize(self, os.close, fd)

    def read(self, at: int, n: int) -> bytes:
        return os.pread(self._fd, n, at)

    def whole(self) -> bytes | None:
        """Every byte of the file (the audit cache's and the sieve's verdicts, read at once);
        None when it cannot be read whole."""
        try:
            data = self.read(0, self.size)
        except (OSError, MemoryError):
            return None
        return data if len(data) == self.size else None


def _private_folder(folder: Path, *, make: bool) -> bool:
    """Whether `folder` is a real folder of this user that nobody else may write (made 700 when
    `make`, and taken back to 700 when it is this user's but looser): else the cache is not used,
    so nobody else can plant a file, a pipe or a lock where a check would open it."""
    try:
        if make:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or not _mine(info):
            return False
        if info.st_mode & 0o077:
            os.chmod(folder, 0o700)
        return True
    except OSError:
        return False


def _mine(info: os.stat_result) -> bool:
    return not hasattr(os, "geteuid") or info.st_uid == os.geteuid()


_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_NONBLOCK", 0))


def read_sealed(identity: str) -> SealedFile | None:
    """The snapshot file, opened (while the key is being derived), None when there is none --
    or when it is anything but this user's regular file in a private folder (a named pipe
    there must not hang the check, a link must not be followed)."""
    return read_sealed_at(cache_path(identity))


def read_sealed_at(path: Path) -> SealedFile | None:
    """`read_sealed` of the file at `path` (store/auditcache.py's too)."""
    if not _private_folder(path.parent, make=False):
        return None
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _mine(info):
            os.close(fd)
            return None
        return SealedFile(fd)
    except OSError:
        os.close(fd)
        return None


def load(data: SealedFile | None, master: bytes, identity: str) -> Snapshot | None:
    """The snapshot, its header opened and its shape checked; None for anything else (never an
    error). Its arrays are opened as they are read."""
    if data is None:
        return None
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        at = len(MAGIC)
        start = data.read(0, at + 4)
        if not start.startswith(MAGIC):
            return None
        aead = AESGCM(crypto.hkdf(master, _INFO))
        base_ad = _ad(identity)
        head_len = int.from_bytes(start[at : at + 4], "little")
        sealed = data.read(at + 4, head_len)
        plain = aead.decrypt(sealed[: crypto.NONCE_BYTES], sealed[crypto.NONCE_BYTES :], base_ad + b"|head")
        json_len = int.from_bytes(plain[:4], "little")
        head = json.loads(plain[4 : 4 + json_len])
        if head.get("format") != FORMAT or head.get("byteorder") != sys.byteorder or head.get("chunk") != CHUNK_BYTES:
            return None
        fences = memoryview(plain[4 + json_len :]).cast("Q")
        return Snapshot(data, aead, base_ad, head, fences, at + 4 + head_len)
    except Exception:  # noqa: BLE001 - a damaged or foreign snapshot is ignored, never trusted
        return None


# ----- writing ---------------------------------------------------------------------------------


def write(identity: str, master: bytes, *, acc: int, verified: dict, index: tuple[list[int], list[int], bytes],
          extra: dict | None = None, events: tuple[int, int, int] = (0, 0, 0)) -> bool:
    """Write the snapshot of a fully verified accounts table: `verified` (row id -> (version,
    name tag, body tag, keys tag), every account), `acc` its MAC share, `index` the decrypted
    key indexes (`Store._decrypted_index`), `events` the log entries verified with them (the
    largest id, their MAC share, how many). False when it could not be made (no numpy, a
    folder that cannot be written): the gate then simply takes the full path next time."""
    try:
        import numpy as np
    except ImportError:
        return False
    lock = _claim(cache_path(identity))
    if lock is None:  # another linkcheck is writing this snapshot now
        return False
    try:
        return _write(identity, master, acc, verified, index, extra, events, np)
    finally:
        lock.unlink(missing_ok=True)


LOCK_SECONDS = 120


def _claim(path: Path) -> Path | None:
    """A lock file beside the snapshot, so checks run one after another make it once; one older
    than LOCK_SECONDS (its writer died) is taken over. None when another writer holds it."""
    lock = path.with_name(f".{path.name}.lock")
    if not _private_folder(lock.parent, make=True):
        return None
    try:
        for _attempt in range(2):
            try:
                os.close(os.open(str(lock), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                                 0o600))
                _remove_partials(path)
                return lock
            except FileExistsError:
                # A lock dated in the future is no writer's: only a recent one is honoured.
                held = os.lstat(lock)
                if 0 <= time.time() - held.st_mtime < LOCK_SECONDS:
                    return None
                if stat.S_ISDIR(held.st_mode):
                    os.rmdir(lock)
                else:
                    lock.unlink(missing_ok=True)
    except OSError:
        return None
    return None


def _remove_partials(path: Path) -> None:
    """The partial files (`_write_file`) of `path` that earlier writers left: a writer killed
    while it wrote (kill -9, out of memory, the machine stopped) leaves its whole file behind,
    as large as the snapshot, and no later writer would ever take it away. Only a file no live
    writer can still be writing goes (`_abandoned`): the lock is ours, but a writer slower than
    LOCK_SECONDS, whose lock was taken over, may still be writing its own (it then fails to
    rename it, and the next command writes the snapshot again)."""
    prefix = f".{path.name}.partial-"
    try:
        with os.scandir(path.parent) as entries:
            for entry in entries:
                if entry.name.startswith(prefix) and entry.is_file(follow_symlinks=False) and _abandoned(
                        entry, entry.name[len(prefix):]):
                    try:
                        os.unlink(entry.path)
                    except OSError:
                        pass
    except OSError:
        pass


def _abandoned(entry: os.DirEntry, writer: str) -> bool:
    """True when the partial file's writer (the process id its name ends with) is gone, or when
    nothing has written to it for LOCK_SECONDS; a live process's fresh file is kept."""
    try:
        if not 0 <= time.time() - entry.stat(follow_symlinks=False).st_mtime < LOCK_SECONDS:
            return True
    except OSError:
        return False
    if not writer.isdigit() or int(writer) <= 0:
        return False
    try:
        os.kill(int(writer), 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):  # alive but another user's, or no such number of process
        return False
    return False


def _write(identity: str, master: bytes, acc: int, verified: dict, index: tuple, extra: dict | None,
           events: tuple[int, int, int], np) -> bool:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ids_list, ends, blob = index
    rows = sorted(verified.items())
    if [row_id for row_id, _v in rows] != list(ids_list):
        return False
    n = len(rows)
    names = b"".join(v[1] for _r, v in rows)
    bodies = b"".join(v[2] for _r, v in rows)
    keys = b"".join(v[3] for _r, v in rows)
    if len(names) != NAME_TAG_BYTES * n or len(bodies) != AEAD_TAG_BYTES * n or len(keys) != AEAD_TAG_BYTES * n:
        return False
    # The name tags as two big-endian integers each: their order is the bytes' order.
    as_ints = np.frombuffer(names, dtype=">u8").reshape(n, 2)
    name_order = np.lexsort((as_ints[:, 1], as_ints[:, 0])).astype(np.uint32)
    tags = np.frombuffer(blob, dtype=np.uint64)
    counts = np.diff(np.asarray([0, *ends], dtype=np.int64)).astype(np.int64) // crypto.INDEX_TAG_BYTES
    owners = np.repeat(np.arange(n, dtype=np.uint32), counts)
    order = np.argsort(tags)  # equal tags in any order: a search takes them all
    sorted_tags = tags[order]
    per_tag_chunk = CHUNK_BYTES // 8
    fences = sorted_tags[::per_tag_chunk].tobytes()
    arrays = (np.array(ids_list, dtype=np.uint64).tobytes(), np.array([v[0] for _r, v in rows], dtype=np.uint64).tobytes(),
              names, bodies, keys, name_order.tobytes(), sorted_tags.tobytes(), owners[order].tobytes())
    sid = os.urandom(16)
    head = json.dumps({"format": FORMAT, "byteorder": sys.byteorder, "chunk": CHUNK_BYTES, "sid": sid.hex(),
                       "accounts": n, "acc": format(acc, "x"), "made": int(time.time()), "extra": extra or {},
                       "events_upto": events[0], "events_acc": format(events[1], "x"), "events_count": events[2],
                       "counts": [len(a) // size for a, (_n, size, _f) in zip(arrays, _ARRAYS, strict=True)]},
                      sort_keys=True).encode()
    aead = AESGCM(crypto.hkdf(master, _INFO))
    base_ad = _ad(identity)

    def seal(plain: bytes, ad: bytes) -> bytes:
        nonce = os.urandom(crypto.NONCE_BYTES)
        return nonce + aead.encrypt(nonce, plain, ad)

    sealed_head = seal(len(head).to_bytes(4, "little") + head + fences, base_ad + b"|head")
    out = [MAGIC, len(sealed_head).to_bytes(4, "little"), sealed_head]
    for number, data in enumerate(arrays):
        view = memoryview(data)
        for c, start in enumerate(range(0, len(data), CHUNK_BYTES)):
            out.append(seal(bytes(view[start : start + CHUNK_BYTES]), base_ad + b"|%s|%d|%d" % (sid, number, c)))
    return _write_file(cache_path(identity), b"".join(out))


def in_background(work) -> None:
    """Run `work()` in a detached grandchild where there is fork (the caller goes on at once:
    its command answers and exits while the snapshot is written), else here. The grandchild
    holds what this process holds (the same program, memory and user), writes only the
    snapshot file, has no terminal streams and leaves with os._exit."""
    if not (BACKGROUND and sys.platform.startswith("linux") and hasattr(os, "fork")):
        work()
        return
    try:
        pid = os.fork()
    except OSError:
        work()
        return
    if pid:
        try:
            os.waitpid(pid, 0)  # the child leaves at once; its child is adopted by init
        except ChildProcessError:
            pass
        return
    try:
        if os.fork() == 0:
            os.setsid()
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            work()
    except BaseException:  # noqa: BLE001 - the cache is optional: the next check takes the full path
        pass
    finally:
        os._exit(0)


def _write_file(path: Path, data: bytes) -> bool:
    """Replace `path` with `data`, created 600 in a 700 folder, complete or not at all."""
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    if not _private_folder(path.parent, make=True):
        return False
    try:
        fd = os.open(str(partial), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, path)
        return True
    except OSError:
        partial.unlink(missing_ok=True)
        return False


def remove(identity: str) -> None:
    try:
        cache_path(identity).unlink(missing_ok=True)
    except OSError:
        pass
