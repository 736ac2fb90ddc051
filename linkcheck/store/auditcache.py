"""The audit cache: a sealed snapshot of the accounts table as a full open of `audit` or
`report` verified it, with every account's decrypted key index, so the next audit or report of
an unchanged store skips verifying and decrypting every account row before it forks its fuzzy
side (store/prefilter.py; at 100,000 accounts about half a second of one core).

After an audit's or report's full open of a store with more than `MIN_ACCOUNTS` accounts (the
store's key indexes then read as arrays, store/indexarrays.py), and only once the command
succeeded -- every row's MAC checked against the manifest, every body it holds read from a row
so checked -- a detached process writes what it
established as ONE file, sealed (AES-256-GCM) under a subkey of the store's master key made for
this purpose alone (not the gate cache's):

- the accounts table as verified: each row's id, version, name tag and the AEAD tags of its
  sealed body and key index (what `manifest.check_row` compares every row read later with),
  the XOR of the rows' keyed MACs (the accounts table's share of the manifest's accumulator)
  and the manifest's generation;
- every account's key index, decrypted (each padded to 8 bytes, as `IndexArrays` lays them);
- each exact tag's number of distinct holding accounts, in the key indexes' order (what the
  audit counts first from the indexes, `prefilter._SharedInArrays`: a function of the indexes
  alone, counted once by the writer instead of at every audit);
- when a report made it, every account as the first line of its body says (`Snapshot.accounts`:
  the report lists every account, and reading 100,000 bodies for their first lines is about half
  a second); a report from a snapshot an audit made reads them and writes the snapshot again
  with them;
- the bodies the audit decoded (the accounts that share something: 27,000 of 100,000 on the
  bench store), opened, each blocking-key line but an empty one cut to "~" (`stripped`: the
  audit reads only whether that line is empty), with their row positions (`Snapshot.bodies`):
  reading, checking and opening 27,000 bodies is about a third of a second of every audit. An
  audit from a snapshot without them (or without some it wants: other rules) reads those from
  the store and writes the snapshot again with them.

A later audit or report reads the file while the key is derived; it is used only if its
accounts' MAC share XOR the other tables' (verified row by row, as a full open does) equals the
manifest's accumulator, the counts agree and the generation is the manifest's -- that is, only
when the manifest vouches for exactly the account rows the snapshot was made from. Otherwise the
full open runs, as before, and the snapshot is made again. Every account body read (those that
share something and that the snapshot does not hold; the report: every other one too, unless the
snapshot holds the accounts) is still compared with the snapshot's verified row and opened, so
an edited row read is damage (exit 5); a row not read -- its body held by the snapshot, as its
key index is -- is checked by the next command that opens it (the audit's answer is the
snapshot's: what the manifest vouched for, never the edited row).

The file holds the generation it was made at in clear too, before its sealed part: only a hint
(a file whose hint is not the manifest's generation is not even opened, and the accounts table
is read while the key is derived, as a full open reads it); the sealed generation decides.

The file lives in the user's cache folder (mode 600, its folder 700), named by a hash of the
store's location; its associated data binds that location. A file that is missing, damaged,
foreign, of another format or that does not open is ignored, never trusted, never an error.
Team stores (PostgreSQL) keep the full open.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import cast

from .. import crypto
from . import gatecache

FORMAT = 4
MAGIC = b"linkcheck-audit-cache 4\n"
# Above this many accounts an audit reads the key indexes as arrays (prefilter.ARRAYS_OVER):
# only those audits write a snapshot, and use one.
MIN_ACCOUNTS = 20_000
NAME_TAG_BYTES = 16
AEAD_TAG_BYTES = crypto.TAG_BYTES
_INFO = b"linkcheck/audit-cache/v1"
# Each array is sealed in pieces of at most this size (AES-GCM calls take at most 2 GiB).
CHUNK_BYTES = 1 << 26
_SEAL_OVERHEAD = crypto.NONCE_BYTES + AEAD_TAG_BYTES
# name, item size (the padded key indexes: bytes)
# (the accounts: a JSON list of every account's first line, as the body's, in row order -- or
# nothing, when the snapshot was made by an audit, which does not read every body)
# (the holders: each exact tag's distinct holders, int32, in the indexes' order -- or nothing,
# where the writer could not count them)
# (read_at, read_lengths, read: the row positions of the bodies held, ascending, int64; each one's
# length, int64; the bodies, `stripped`, one after the other -- or nothing)
_ARRAYS = (("ids", 8), ("versions", 8), ("names", NAME_TAG_BYTES), ("bodies", AEAD_TAG_BYTES),
           ("keys", AEAD_TAG_BYTES), ("lengths", 8), ("indexes", 1), ("accounts", 1), ("holders", 4),
           ("read_at", 8), ("read_lengths", 8), ("read", 1))
# The held bodies' arrays (`load(..., bodies=False)` passes over them).
_BODY_ARRAYS = ("read_at", "read_lengths", "read")
# Arrays of any size (the others: one item per account).
_FREE_SIZE = ("indexes", "accounts", "holders", *_BODY_ARRAYS)


def cache_folder() -> Path:
    """Beside the gate cache's folder, in linkcheck's folder of the user's cache folder."""
    return gatecache.cache_folder().parent / "audit"


def cache_path(identity: str) -> Path:
    """The snapshot file of the store known as `identity` ("file:/path")."""
    return cache_folder() / (hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:40] + ".sealed")


def _ad(identity: str) -> bytes:
    return b"linkcheck-audit-cache|%d|" % FORMAT + identity.encode("utf-8", "surrogatepass")


def size_limit(store_path: Path) -> int:
    """The largest snapshot a store can have made: what it holds is at most what the store file
    holds (the key indexes, each account's first line, a few numbers a row), so a larger file
    -- one planted to make the audit read gigabytes -- is not read. Twice the store's size, and
    64 MiB for a small one."""
    try:
        return 2 * os.stat(store_path).st_size + (64 << 20)
    except OSError:
        return 64 << 20


def read(identity: str, generation: int | None, limit: int) -> bytes | None:
    """The snapshot file's bytes (read while the key is derived), None when there is none, or
    when it is anything but this user's regular file in a private folder, larger than `limit`
    bytes, or made (its clear hint says) at another manifest generation than `generation` --
    then the rest of it is not read. `generation` None: a snapshot of any generation (the
    rows that did not change since are still what it says they were)."""
    sealed = read_open(identity, generation, limit)
    return sealed.whole() if sealed is not None else None


def read_open(identity: str, generation: int | None, limit: int) -> gatecache.SealedFile | None:
    """`read`'s file, open, its head alone read (`load_rows` reads what it opens of the rest)."""
    sealed = gatecache.read_sealed_at(cache_path(identity))
    if sealed is None or sealed.size > limit:
        return None
    try:
        hint = generation_hint(sealed.read(0, len(MAGIC) + 12))
    except OSError:
        return None
    if hint is None or (generation is not None and hint != generation):
        return None
    return sealed


def generation_hint(data: bytes | None) -> int | None:
    """The manifest generation the file says in clear it was made at (a hint, never trusted)."""
    if data is None or not data.startswith(MAGIC) or len(data) < len(MAGIC) + 12:
        return None
    return int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "little")


class Snapshot:
    """A snapshot that opened whole: `generation`, `acc` (the accounts' MAC share) and `count`
    (accounts), the verified rows, and the key indexes (`indexes`, each padded to 8 bytes;
    `lengths`, their lengths, int64) in row order (ascending ids)."""

    def __init__(self, head: dict, arrays: dict[str, bytes]):
        self.generation, self.count = int(head["generation"]), int(head["accounts"])
        self.acc = int(head["acc"], 16)
        self._ids, self._versions = arrays["ids"], arrays["versions"]
        self._names, self._bodies, self._keys = arrays["names"], arrays["bodies"], arrays["keys"]
        self.lengths, self.indexes = arrays["lengths"], arrays["indexes"]
        self._accounts = arrays["accounts"]
        self._holders = arrays["holders"]
        self._read_at, self._read_lengths, self._read = arrays["read_at"], arrays["read_lengths"], arrays["read"]
        self._bodies_held: dict[int, bytes] | None = None

    def has_bodies(self) -> bool:
        return bool(self._read_at)

    def bodies(self) -> dict[int, bytes]:
        """Row position -> the account's body as the snapshot holds it (opened, `stripped`), for
        the accounts whose bodies it holds (`load` checked their positions and lengths; each
        body's lines are checked where they are read, `prefilter._decode_lines`)."""
        if self._bodies_held is None:
            held: dict[int, bytes] = {}
            data, at = memoryview(self._read), 0
            for position, length in zip(memoryview(self._read_at).cast("q"), memoryview(self._read_lengths).cast("q"),
                                        strict=True):
                held[position] = bytes(data[at : at + length])
                at += length
            data.release()
            self._bodies_held, self._read = held, b""  # (each body its own bytes now: the buffer freed)
        return self._bodies_held

    def exact_holders(self, count: int):
        """Each of the `count` exact tags' number of distinct holders (numpy int32, in the
        indexes' order), or None where the snapshot holds no such count for that many tags."""
        if not self._holders or len(self._holders) != 4 * count:
            return None
        import numpy as np

        return np.frombuffer(self._holders, dtype=np.int32).astype(np.int64)

    def index_of(self) -> tuple[dict[int, int], list[int], list[int], list[int]]:
        """(row id -> position, each row's version, each index's length, its start in `indexes`)."""
        from array import array

        ids = self.ids()
        lengths = array("q")
        lengths.frombytes(self.lengths)
        starts, at = [], 0
        for length in lengths:
            starts.append(at)
            at += length + (-length % 8)
        return ({row_id: i for i, row_id in enumerate(ids)}, memoryview(self._versions).cast("Q").tolist(),
                lengths.tolist(), starts)

    def row_tags(self, i: int) -> tuple[bytes, bytes]:
        """(name tag, key index's AEAD tag) of the row at position `i`."""
        return (self._names[NAME_TAG_BYTES * i : NAME_TAG_BYTES * (i + 1)],
                self._keys[AEAD_TAG_BYTES * i : AEAD_TAG_BYTES * (i + 1)])

    def has_accounts(self) -> bool:
        return bool(self._accounts)

    def accounts(self) -> list | None:
        """Every account (models.Account), in row order, as the report's full open read them
        from the first line of each body; None when the snapshot holds none (made by an audit)
        or they do not read as `count` accounts."""
        if not self._accounts:
            return None
        from .codec import _decode_accounts

        try:
            accounts = _decode_accounts(json.loads(self._accounts))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return accounts if len(accounts) == self.count else None

    def ids(self) -> list[int]:
        return memoryview(self._ids).cast("Q").tolist()

    def rows(self) -> list[tuple]:
        """(id, version, name tag, None) of every account, as `prefilter.audit_input` reads rows."""
        names = self._names
        return [(row_id, version, names[16 * i : 16 * i + 16], None) for i, (row_id, version) in
                enumerate(zip(self.ids(), memoryview(self._versions).cast("Q").tolist(), strict=True))]

    def verified(self) -> dict[int, tuple]:
        """Row id -> (version, name tag, body's AEAD tag, key index's AEAD tag), as `Store._verified` keeps them."""
        n, t = NAME_TAG_BYTES, AEAD_TAG_BYTES
        names, bodies, keys = self._names, self._bodies, self._keys
        return {row_id: (version, names[n * i : n * i + n], bodies[t * i : t * i + t], keys[t * i : t * i + t])
                for i, (row_id, version) in
                enumerate(zip(self.ids(), memoryview(self._versions).cast("Q").tolist(), strict=True))}

    def same_rows(self, rows: list) -> bool:
        """Whether `rows` -- (id, version, name tag, body's AEAD tag, key index's AEAD tag) of
        every account, as a scan ordered by id reads them -- are exactly the verified rows, in
        the same order: the same ids, versions and tags, each of its size. Compared in bulk
        (the rows' columns joined), not row by row."""
        from array import array

        if len(rows) != self.count:
            return False
        if not rows:
            return True
        try:
            ids, versions, names, bodies, keys = zip(*rows, strict=True)
            return (array("Q", ids).tobytes() == self._ids and array("Q", versions).tobytes() == self._versions
                    and {*map(len, names)} == {NAME_TAG_BYTES} and b"".join(names) == self._names
                    and {*map(len, bodies)} == {AEAD_TAG_BYTES} and b"".join(bodies) == self._bodies
                    and {*map(len, keys)} == {AEAD_TAG_BYTES} and b"".join(keys) == self._keys)
        except (TypeError, ValueError, OverflowError):  # a NULL, a number or text where bytes belong
            return False

    def account_ids(self) -> dict[bytes, int]:
        """Name tag -> row id."""
        names = self._names
        return {names[16 * i : 16 * i + 16]: row_id for i, row_id in enumerate(self.ids())}


class Deferred:
    """A map made from the snapshot when first used (the audit forks its fuzzy side first):
    `Store._verified["accounts"]`, `Store._account_ids`. `Store.finish_verification` puts the
    real map in its place."""

    def __init__(self, make, length: int | None = None):
        self._make = make
        self._map: dict | None = None
        self._length = length  # the map's length, when known before it is made

    def real(self) -> dict:
        if self._map is None:
            self._map = self._make()
        return self._map

    def get(self, key, default=None):
        return self.real().get(key, default)

    def __getitem__(self, key):
        return self.real()[key]

    def __setitem__(self, key, value) -> None:
        self.real()[key] = value

    def __delitem__(self, key) -> None:
        del self.real()[key]

    def __contains__(self, key) -> bool:
        return key in self.real()

    def __len__(self) -> int:
        if self._map is None and self._length is not None:
            return self._length
        return len(self.real())

    def __iter__(self):
        return iter(self.real())

    def keys(self):
        return self.real().keys()

    def items(self):
        return self.real().items()

    def values(self):
        return self.real().values()

    def clear(self) -> None:
        self.real().clear()


def load(data: bytes | None, master: bytes, identity: str, *, bodies: bool = True) -> Snapshot | None:
    """The snapshot, every part of it opened and its shape checked; None for anything else
    (never an error). `bodies=False`: without the bodies it holds (left sealed, unread: an older
    generation's snapshot, whose key indexes alone are wanted, `prefilter._indexes_from_older`)."""
    if data is None:
        return None
    try:
        view = memoryview(data)
        opened = _open_head(view[: len(MAGIC) + 12], lambda at, n: view[at : at + n], master, identity)
        if opened is None:
            return None
        aead, base_ad, head, at = opened
        sid = bytes.fromhex(head["sid"])
        n = int(head["accounts"])
        arrays: dict[str, bytes] = {}
        for number, ((name, itemsize), size) in enumerate(zip(_ARRAYS, head["sizes"], strict=True)):
            size = int(size)
            if (name not in _FREE_SIZE and size != n * itemsize) or size % itemsize:
                return None
            if not bodies and name in _BODY_ARRAYS:  # passed over: the sealed header gave its size
                at += _sealed_size(size)
                arrays[name] = b""
                continue
            # The bodies (the largest array, in pieces) opened straight into one buffer, where
            # cryptography can (no copy of 85 MB joined).
            into = bytearray(size) if name == "read" and size and hasattr(aead, "decrypt_into") else None
            pieces = []
            for c, start in enumerate(range(0, size, CHUNK_BYTES)):
                length = min(CHUNK_BYTES, size - start) + _SEAL_OVERHEAD
                sealed = view[at : at + length]
                if len(sealed) != length:
                    return None
                ad = base_ad + b"|%s|%d|%d" % (sid, number, c)
                if into is not None:
                    aead.decrypt_into(sealed[: crypto.NONCE_BYTES], sealed[crypto.NONCE_BYTES :], ad,
                                      memoryview(into)[start : start + length - _SEAL_OVERHEAD])
                else:
                    pieces.append(aead.decrypt(sealed[: crypto.NONCE_BYTES], sealed[crypto.NONCE_BYTES :], ad))
                at += length
            # (a bytearray read as bytes are: sliced, measured, never changed)
            arrays[name] = cast(bytes, into) if into is not None else b"".join(pieces)
        if at != len(data):
            return None
        lengths = memoryview(arrays["lengths"]).cast("q")
        if sum(length + (-length % 8) for length in lengths) != len(arrays["indexes"]) or (n and min(lengths) < 4):
            return None
        if not _bodies_fit(arrays["read_at"], arrays["read_lengths"], arrays["read"], n):
            return None
        return Snapshot(head, arrays)
    except Exception:  # noqa: BLE001 - a damaged or foreign snapshot is ignored, never trusted
        return None


# The arrays of the accounts table as verified (ids, versions, name tags, the two AEAD tags):
# the first ones in the file, all that `load_rows` opens.
_ROW_ARRAYS = ("ids", "versions", "names", "bodies", "keys")


def load_rows(sealed: gatecache.SealedFile | None, master: bytes, identity: str) -> Snapshot | None:
    """The snapshot of `read_open`'s file with only its accounts table as verified opened (and
    its head: generation, count, the accounts' MAC share) -- `Snapshot.verified()`, not its key
    indexes, accounts or bodies, which are left sealed and unread (at 100,000 accounts 6.4 MB of
    a file of about 150 MB). None for anything else (never an error), as `load`."""
    if sealed is None:
        return None
    try:
        opened = _open_head(sealed.read(0, len(MAGIC) + 12), sealed.read, master, identity)
        if opened is None:
            return None
        aead, base_ad, head, at = opened
        sid = bytes.fromhex(head["sid"])
        n = int(head["accounts"])
        sizes = [int(size) for size in head["sizes"]]
        if len(sizes) != len(_ARRAYS) or at + sum(map(_sealed_size, sizes)) != sealed.size:
            return None
        arrays = dict.fromkeys((name for name, _itemsize in _ARRAYS), b"")
        for number, ((name, itemsize), size) in enumerate(zip(_ARRAYS, sizes, strict=True)):
            if name not in _ROW_ARRAYS:
                break
            if size != n * itemsize:
                return None
            pieces = []
            for c, start in enumerate(range(0, size, CHUNK_BYTES)):
                length = min(CHUNK_BYTES, size - start) + _SEAL_OVERHEAD
                piece = sealed.read(at, length)
                if len(piece) != length:
                    return None
                pieces.append(aead.decrypt(piece[: crypto.NONCE_BYTES], piece[crypto.NONCE_BYTES :],
                                           base_ad + b"|%s|%d|%d" % (sid, number, c)))
                at += length
            arrays[name] = b"".join(pieces)
        return Snapshot(head, arrays)
    except Exception:  # noqa: BLE001 - a damaged or foreign snapshot is ignored, never trusted
        return None


def _sealed_size(size: int) -> int:
    """The bytes an array of `size` bytes takes in the file, sealed in its pieces."""
    return size + _SEAL_OVERHEAD * -(-size // CHUNK_BYTES)


def _open_head(start, read, master: bytes, identity: str) -> tuple | None:
    """(the AEAD, the associated data's base, the opened head, where the arrays begin) of a
    snapshot whose first bytes are `start` and whose bytes `read(at, n)` reads; None when it is
    not one of this format, key and place, or its sealed generation is not its clear hint."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    at = len(MAGIC) + 8
    if bytes(start[: len(MAGIC)]) != MAGIC or len(start) < at + 4:
        return None
    aead = AESGCM(crypto.hkdf(master, _INFO))
    base_ad = _ad(identity)
    head_len = int.from_bytes(start[at : at + 4], "little")
    at += 4
    sealed = read(at, head_len)
    if len(sealed) != head_len:
        return None
    at += head_len
    head = json.loads(aead.decrypt(sealed[: crypto.NONCE_BYTES], sealed[crypto.NONCE_BYTES :], base_ad + b"|head"))
    if head.get("format") != FORMAT or head.get("byteorder") != sys.byteorder or head.get("chunk") != CHUNK_BYTES \
            or int(head["generation"]) != generation_hint(bytes(start)):
        return None
    return aead, base_ad, head, at


def _bodies_fit(read_at: bytes, read_lengths: bytes, read: bytes, n: int) -> bool:
    """Whether the held bodies' arrays are what `write` makes: as many positions as lengths,
    the positions ascending within the `n` rows, the lengths positive and adding up to the bodies."""
    positions, lengths = memoryview(read_at).cast("q"), memoryview(read_lengths).cast("q")
    if len(positions) != len(lengths) or sum(lengths) != len(read) or (len(lengths) and min(lengths) < 1):
        return False
    last = -1
    for position in positions:
        if not last < position < n:
            return False
        last = position
    return True


def stripped(body: bytes) -> bytes | None:
    """An opened account body as the snapshot holds it: its lines (the account, then each
    value's line and its blocking keys' line) with every blocking-key line but an empty one
    ("[]") cut to "~" -- the audit reads only the account's line, the values' lines, and whether
    a value's blocking line is empty (`prefilter._decode_lines`, `UndecodedValues`). None for a
    body not of that shape (it is then not held)."""
    lines = body.split(b"\n")
    if len(lines) < 2 or lines[-1] != b"" or len(lines) % 2:
        return None
    for p in range(2, len(lines) - 1, 2):
        if lines[p] != b"[]":
            lines[p] = b"~"
    return b"\n".join(lines)


def write(identity: str, master: bytes, *, generation: int, acc: int, verified: dict, ids: list[int],
          indexes: bytes, lengths: bytes, accounts: list | None = None, bodies: dict[int, bytes] | None = None
          ) -> bool:
    """Write the snapshot of a fully verified accounts table: `verified` (row id -> (version,
    name tag, body tag, keys tag), every account), `ids` the rows' ids in the order of the key
    indexes, `acc` the accounts' MAC share, `generation` the manifest's; `indexes` the padded
    decrypted key indexes and `lengths` their lengths (int64, `IndexArrays.padded()`);
    `accounts`, when given, every account (models.Account) in the same order, as a report read
    them; `bodies`, when given, row position (in that order) -> an account's body, opened from
    a row checked against `verified`, either as read (it is `stripped` here) or as a snapshot
    held it (already stripped: stripping again gives the same). False when it could not be
    made: the next audit then simply takes the full open."""
    path = cache_path(identity)
    lock = gatecache._claim(path)
    if lock is None:  # another linkcheck is writing this snapshot now
        return False
    try:
        return _write(path, identity, master, generation, acc, verified, ids, indexes, lengths, accounts, bodies)
    finally:
        lock.unlink(missing_ok=True)


def _write(path: Path, identity: str, master: bytes, generation: int, acc: int, verified: dict, ids: list[int],
           indexes: bytes, lengths: bytes, accounts: list | None = None, bodies: dict[int, bytes] | None = None
           ) -> bool:
    from array import array

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    n = len(ids)
    if list(verified) != ids or len(lengths) != 8 * n or (accounts is not None and len(accounts) != n):
        return False
    rows = list(verified.values())
    names = b"".join(v[1] for v in rows)
    bodies_tags = b"".join(v[2] for v in rows)
    keys = b"".join(v[3] for v in rows)
    if len(names) != NAME_TAG_BYTES * n or len(bodies_tags) != AEAD_TAG_BYTES * n or len(keys) != AEAD_TAG_BYTES * n:
        return False
    read_at, read_lengths, read = array("q"), array("q"), []
    for position in sorted(bodies or ()):
        body = stripped(bodies[position])  # type: ignore[index]
        if body is not None and 0 <= position < n:
            read_at.append(position)
            read_lengths.append(len(body))
            read.append(body)
    arrays = (array("Q", ids).tobytes(), array("Q", [v[0] for v in rows]).tobytes(), names, bodies_tags, keys,
              bytes(lengths), bytes(indexes), b"" if accounts is None else _accounts_json(accounts),
              exact_holders(indexes, lengths), read_at.tobytes(), read_lengths.tobytes(), b"".join(read))
    sid = os.urandom(16)
    head = json.dumps({"format": FORMAT, "byteorder": sys.byteorder, "chunk": CHUNK_BYTES, "sid": sid.hex(),
                       "accounts": n, "acc": format(acc, "x"), "generation": generation, "made": int(time.time()),
                       "sizes": [len(a) for a in arrays]}, sort_keys=True).encode()
    aead = AESGCM(crypto.hkdf(master, _INFO))
    base_ad = _ad(identity)

    def seal(plain, ad: bytes) -> bytes:
        nonce = os.urandom(crypto.NONCE_BYTES)
        return nonce + aead.encrypt(nonce, plain, ad)

    sealed_head = seal(head, base_ad + b"|head")
    out = [MAGIC, generation.to_bytes(8, "little"), len(sealed_head).to_bytes(4, "little"), sealed_head]
    for number, data in enumerate(arrays):
        view = memoryview(data)
        for c, start in enumerate(range(0, len(data), CHUNK_BYTES)):
            out.append(seal(view[start : start + CHUNK_BYTES], base_ad + b"|%s|%d|%d" % (sid, number, c)))
    return gatecache._write_file(path, b"".join(out))


def exact_holders(indexes: bytes, lengths: bytes) -> bytes:
    """Each exact tag's number of distinct holding accounts (int32), in the order of the
    indexes' tags (`IndexArrays.exact`), as `prefilter._holders_per_tag` counts them; nothing
    where the indexes do not read or a count does not fit (the audit then counts them)."""
    try:
        import numpy as np

        from .indexarrays import IndexArrays
        from .prefilter import _holders_per_tag

        arrays = IndexArrays.from_padded(bytes(indexes), bytes(lengths))
        tags = arrays.exact
        if not len(tags) or arrays.n >= 1 << 31:
            return b""
        order, group, counts = _holders_per_tag(tags, np.repeat(np.arange(arrays.n, dtype=np.int64), arrays.n_exact))
        holders = np.zeros(len(tags), dtype=np.int32)
        holders[order] = counts[group]
        return holders.tobytes()
    except (ValueError, ImportError, MemoryError):
        return b""


def _accounts_json(accounts: list) -> bytes:
    """Every account as the first line of its body says it (codec's short keys), one JSON list."""
    from .codec import _account_header

    out = [_account_header(account) for account in accounts]
    try:
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # (never in a store: kept without them, the report reads every body)
        return b""


def after_the_command(work) -> None:
    """`work()` in a detached process (`gatecache.in_background`) once this process has answered:
    at its exit. Forked earlier, the command's own writes to its memory afterwards (the audit's
    merge, its JSON) would each copy a page the writer still shares. Without a detached process
    (tests: `gatecache.BACKGROUND` false) it runs here, now."""
    if not gatecache.BACKGROUND:
        work()
        return
    import atexit

    atexit.register(gatecache.in_background, work)


def remove(identity: str) -> None:
    try:
        cache_path(identity).unlink(missing_ok=True)
    except OSError:
        pass
