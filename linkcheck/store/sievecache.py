"""The sieve's verdicts remembered across audits: a store that did not change, or changed in a
few accounts, re-sieves only the blocks it has not seen.

The fuzzy side of an audit (`engine.score_blocks`, in the forked child `prefilter.audit_input`
starts) spends most of its time finding the blocks in which nothing can match
(`linkage.sieve`: at 100,000 accounts 78,000 blocks give about 500 matches). That verdict --
the block is hopeless, or it is scored in full -- is a pure function of the block's facet, its
values' normalised texts in order, the comparison levels the rules give that facet, the
partial tests they leave on, the cap on a block, and the code that sieves. So each block is
named by a KEYED digest of exactly that: BLAKE2b-128 keyed with a subkey of the store's master
key (a team's: of the team key) made for this purpose alone (HKDF), bound by HMAC to a digest
of the rules' comparisons and of the code and library versions that decide (every source file
of linkcheck's linkage, normalize and registry packages, linkcheck's and rapidfuzz's versions):
a newer linkcheck, other rules or another store never meet an older verdict. Without the key
nobody -- an importer choosing values -- can make two blocks of different texts share a digest.

A verdict is true of its digest for ever, whatever store the file came from or when it was
made: a digest names the texts, not the accounts. So a file replayed from an older audit of
the same store can only hold verdicts that are still true (the blocks that changed have other
digests and are sieved again). An audit gives exactly what it gives without the file: tests
compare the audit's output with no file, the file of the same store, after accounts changed,
and with an edited or foreign file.

The file holds the digests of the last audit's blocks, those found hopeless and those scored,
sealed whole (AES-256-GCM) under a second purpose subkey, its associated data binding the
store's location; it lives in the user's cache folder (mode 600, its folder 700), named by a
hash of that location, beside the gate cache (store/gatecache.py). A file that is missing,
damaged, foreign, of another format or of other rules or code is ignored, never trusted,
never an error. It is written, only when its blocks differ from the audit's, by a detached
background process after the fuzzy side's result is sent (the audit that made it never waits
for it), complete or not at all.

It is used only where the sieve runs (more than `sieve.SIEVE_OVER` blocks). The first audit
with no usable file sieves as before and writes the file afterwards; one with a file digests
every block first (about 0.1-0.2 s at 100,000 accounts) and sieves only the blocks whose
digest the file does not hold.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
from itertools import compress
from pathlib import Path
from typing import Any, Callable, Collection, NamedTuple

from .. import crypto
from . import gatecache

FORMAT = 1
MAGIC = b"linkcheck-sieve-verdicts 1\n"
DIGEST_BYTES = 16
# Fewer blocks than this: the engine does not sieve (linkage.sieve.SIEVE_OVER), so no file.
MIN_BLOCKS = 2000
# Written by a detached process (Linux), so the audit that made it need not wait (tests: False).
BACKGROUND = True
# A larger file is not read (a store of 100,000 accounts writes about 1.3 MB, of a million
# about 14 MB): a planted file of a gigabyte would cost an audit three times that in memory.
MAX_FILE_BYTES = 64 << 20
_SEAL_INFO = b"linkcheck/sieve-verdicts/seal/v1"
_DIGEST_INFO = b"linkcheck/sieve-verdicts/digest/v1"
# The packages whose code and data decide a verdict: the fuzzy texts, the comparison levels and
# the partial tests (linkage), the normalised forms they read and the word lists and tables
# they read them with (normalize, normalize/data), the facets (registry).
_CODE_PACKAGES = ("linkage", "normalize", "registry")


def cache_path(identity: str) -> Path:
    """The verdicts file of the store known as `identity` ("file:/path", "team:ID:member")."""
    return (gatecache.cache_folder().parent / "sieve"
            / (hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:40] + ".sealed"))


def _ad(identity: str) -> bytes:
    return b"linkcheck-sieve-verdicts|%d|" % FORMAT + identity.encode("utf-8", "surrogatepass")


_code_digest: bytes | None = None


def code_digest() -> bytes | None:
    """A digest of the code and library versions that decide a verdict; None where the
    sources cannot be read (then no file is used)."""
    global _code_digest
    if _code_digest is None:
        try:
            import rapidfuzz

            from .. import __version__

            root = Path(__file__).resolve().parent.parent
            h = hashlib.sha256(b"linkcheck %s rapidfuzz %s python %s format %d\x00" % (
                __version__.encode(), str(rapidfuzz.__version__).encode(), sys.version.encode(), FORMAT))
            for package in _CODE_PACKAGES:
                # Every file of the package, its data too (a word list edited in place changes
                # the texts the sieve compares), but compiled bytecode.
                files = sorted(path for path in (root / package).rglob("*")
                               if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc")
                if not any(path.suffix == ".py" for path in files):  # (no sources to tell this build by)
                    return None
                for path in files:
                    data = path.read_bytes()
                    name = path.relative_to(root).as_posix().encode("utf-8", "surrogateescape")
                    h.update(b"%s %d\x00" % (name, len(data)))
                    h.update(data)
            _code_digest = h.digest()
        except (OSError, ImportError, AttributeError):
            return None
    return _code_digest


def rules_context(comparison_of: dict, partial: Collection[str], block_cap: int) -> bytes | None:
    """The rules' part of a verdict's key: each facet's comparison levels (class, threshold),
    the facets with a partial test, the cap on a block; with the code's digest."""
    code = code_digest()
    if code is None:
        return None
    described = {
        "comparisons": [[facet, [[type(level).__module__, type(level).__qualname__, getattr(level, "threshold", None)]
                                 for level in comparison.levels]] for facet, comparison in comparison_of.items()],
        "partial": sorted(partial), "block_cap": block_cap,
    }
    return hashlib.sha256(code + json.dumps(described, sort_keys=True).encode()).digest()


class _Known:
    """A file's verdicts: digest -> hopeless (True) or scored (False)."""

    def __init__(self, verdicts: dict[bytes, bool]):
        self.verdicts = verdicts


class _Seen(NamedTuple):
    """What one `hopeless` call saw: its blocks, their verdicts, their digests where made."""

    blocks: list
    text_of: Callable[[int], str]
    key: bytes
    context: bytes
    hopeless: Collection[int]  # positions in `blocks`
    digests: list[bytes | None] | None  # None: not made yet (no usable file)
    all_known: bool  # the file held every block's verdict
    file_count: int | None  # how many verdicts the file held (None: no usable file)


class Verdicts:
    """The remembered verdicts of one store, for one audit: `hopeless` in the engine (the
    forked child), `save` once the child's result is sent.

    A scoring split over two processes (store/prefilter.py `_score_in_two`) calls `hopeless`
    once in each: the second process's `sent()` goes back with its matches and is
    `received()` here, so `save` writes the verdicts of both halves' blocks."""

    def __init__(self, master: bytes, identity: str):
        self._master = master
        self._identity = identity
        self._seen: list[_Seen] = []

    @classmethod
    def for_store(cls, store) -> "Verdicts | None":
        """The verdicts of an open store (nothing read yet), or None for a store without a
        master key or a location."""
        try:
            master = store._keys.master
            team = getattr(store, "team", None)
            if team is not None:
                identity = f"team:{team}:{store.member.path}"
            else:
                identity = "file:" + str(Path(store.path).resolve())
        except (AttributeError, OSError, TypeError, ValueError):
            return None
        if not isinstance(master, bytes):
            return None
        return cls(master, identity)

    @staticmethod
    def context(comparison_of: dict, partial: Collection[str], block_cap: int) -> bytes | None:
        return rules_context(comparison_of, partial, block_cap)

    def hopeless(self, blocks: list, text_of: Callable[[int], str], find: Callable[[list], set[int]],
                 context: bytes | None) -> set[int]:
        """What `find(blocks)` gives (the positions of the hopeless blocks), asking it only of
        the blocks whose digest the file does not hold. `context`: `rules_context`."""
        if context is None:
            return find(blocks)
        key = self._key(context)
        known = self._load(context)
        if known is None:  # no usable file: sieve as before, digest afterwards (`save`)
            found = find(blocks)
            self._seen.append(_Seen(blocks, text_of, key, context, found, None, False, None))
            return found
        digests = _digests(blocks, text_of, key)
        verdicts = known.verdicts
        # (None: a digest without a verdict, or a block without a digest.)
        said: list[bool | None] = list(map(verdicts.get, digests))  # type: ignore[arg-type]  # None: absent
        out = set(compress(range(len(blocks)), said))
        unknown = [at for at, verdict in enumerate(said) if verdict is None]
        if unknown:
            found = find([blocks[at] for at in unknown])
            out.update(unknown[i] for i in found)
        self._seen.append(_Seen(blocks, text_of, key, context, out, digests, not unknown, len(verdicts)))
        return out

    def _key(self, context: bytes) -> bytes:
        return hmac.digest(crypto.hkdf(self._master, _DIGEST_INFO), context, "sha256")

    def forget(self) -> None:
        """Drop what `hopeless` saw so far (in a forked child: its parent's, not its own)."""
        self._seen = []

    def sent(self) -> tuple | None:
        """What the one `hopeless` call of this process saw, without its blocks, to send to the
        process that forked it (plain values: it is pickled); None if it saw none, or more."""
        if len(self._seen) != 1:
            return None
        seen = self._seen.pop()
        return (seen.context, sorted(seen.hopeless), seen.digests, seen.all_known, seen.file_count, len(seen.blocks))

    def received(self, blocks: list, text_of: Callable[[int], str], sent: object) -> bool:
        """Take what a forked process's `hopeless` saw of `blocks` (its `sent()`), to be saved
        with this process's; False (nothing taken) for anything that is not such an answer."""
        if type(sent) is not tuple or len(sent) != 6:
            return False
        fields: tuple[Any, ...] = sent
        try:
            context, hopeless, digests, all_known, file_count, count = fields
            if (type(context) is not bytes or count != len(blocks) or type(all_known) is not bool
                    or not (file_count is None or type(file_count) is int) or type(hopeless) is not list
                    or not all(type(at) is int and 0 <= at < count for at in hopeless)):
                return False
            if digests is not None and (type(digests) is not list or len(digests) != count or not all(
                    digest is None or (type(digest) is bytes and len(digest) == DIGEST_BYTES) for digest in digests)):
                return False
        except (TypeError, ValueError):
            return False
        self._seen.append(_Seen(blocks, text_of, self._key(context), context, set(hopeless), digests,
                                all_known and digests is not None, file_count))
        return True

    def save(self) -> None:
        """Write the verdicts of the blocks `hopeless` saw, where they differ from the file's:
        in a detached process (never an error, never waited for)."""
        seen, self._seen = self._seen, []
        if not seen or len({part.context for part in seen}) != 1:  # nothing seen (other rules: not reached)
            return
        if all(part.all_known for part in seen) and len({part.file_count for part in seen}) == 1:
            held: set[bytes | None] = set()
            for part in seen:
                held.update(part.digests)  # type: ignore[arg-type]  # made where all were known
            if len(held) == seen[0].file_count:  # the file says exactly this
                return
        _in_background(lambda: self._write(seen))

    def _write(self, seen: list[_Seen]) -> None:
        verdict_of: dict[bytes, bool] = {}
        for part in seen:
            digests = part.digests if part.digests is not None else _digests(part.blocks, part.text_of, part.key)
            for at, digest in enumerate(digests):
                if digest is not None:
                    verdict_of[digest] = at in part.hopeless
        write(self._identity, self._master, seen[0].context, verdict_of)

    def _load(self, context: bytes) -> _Known | None:
        return load(read(self._identity), self._master, self._identity, context)


def _digests(blocks: list, text_of: Callable[[int], str], key: bytes) -> list[bytes | None]:
    """Each block's keyed digest (BLAKE2b-128 under `key`) of its facet and its values' texts
    in order, each text once per value, joined by NULs; None for a block whose texts hold a
    NUL themselves (their joining would not be one-to-one: such a block is never remembered)."""
    bases: dict[str, Callable] = {}

    def digest(block: tuple[str, list[int]]) -> bytes | None:
        facet, refs = block
        copy = bases.get(facet)
        if copy is None:
            copy = bases[facet] = hashlib.blake2b(facet.encode("utf-8", "surrogatepass") + b"\x00", key=key,
                                                  digest_size=DIGEST_BYTES).copy
        joined = "\x00".join(map(text_of, refs))
        if joined.count("\x00") != len(refs) - 1:
            return None
        h = copy()
        h.update(joined.encode("utf-8", "surrogatepass"))
        return h.digest()

    return list(map(digest, blocks))


def _in_background(work: Callable[[], None]) -> None:
    if BACKGROUND:
        gatecache.in_background(work)
    else:
        try:
            work()
        except Exception:  # noqa: BLE001 - the file is optional: the next audit sieves in full
            pass


# ----- the file --------------------------------------------------------------------------------


def read(identity: str) -> bytes | None:
    """The file's bytes; None when there is none, or anything but this user's regular file in
    a private folder (a pipe must not hang the audit, a link must not be followed:
    `gatecache.read_sealed_at`), or larger than `MAX_FILE_BYTES`."""
    sealed = gatecache.read_sealed_at(cache_path(identity))
    if sealed is None or sealed.size > MAX_FILE_BYTES:
        return None
    return sealed.whole()


def load(data: bytes | None, master: bytes, identity: str, context: bytes) -> _Known | None:
    """The verdicts of a file made for this store, rules and code; None for anything else."""
    if data is None or not data.startswith(MAGIC):
        return None
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        sealed = memoryview(data)[len(MAGIC):]
        nonce = bytes(sealed[: crypto.NONCE_BYTES])
        plain = AESGCM(crypto.hkdf(master, _SEAL_INFO)).decrypt(nonce, bytes(sealed[crypto.NONCE_BYTES:]), _ad(identity))
        head_len = int.from_bytes(plain[:4], "little")
        head = json.loads(plain[4 : 4 + head_len])
        if (head.get("format") != FORMAT or head.get("context") != context.hex()
                or not isinstance(head.get("hopeless"), int) or not isinstance(head.get("scored"), int)):
            return None
        body = memoryview(plain)[4 + head_len:]
        n_hopeless, n_scored = head["hopeless"], head["scored"]
        if len(body) != DIGEST_BYTES * (n_hopeless + n_scored):
            return None
        raw = body.tobytes()
        size = DIGEST_BYTES
        verdicts = dict.fromkeys([raw[at : at + size] for at in range(0, size * n_hopeless, size)], True)
        verdicts.update(dict.fromkeys([raw[at : at + size] for at in range(size * n_hopeless, len(raw), size)], False))
        if len(verdicts) != n_hopeless + n_scored:
            return None
        return _Known(verdicts)
    except Exception:  # noqa: BLE001 - a damaged or foreign file is ignored, never trusted
        return None


def write(identity: str, master: bytes, context: bytes, verdict_of: dict[bytes, bool]) -> bool:
    """Replace the file with these verdicts (digest -> hopeless); False where it could not be
    written (another audit writing it now, a folder that cannot be made)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path = cache_path(identity)
    lock = gatecache._claim(path)
    if lock is None:
        return False
    try:
        hopeless = b"".join(digest for digest, verdict in verdict_of.items() if verdict)
        scored = b"".join(digest for digest, verdict in verdict_of.items() if not verdict)
        head = json.dumps({"format": FORMAT, "context": context.hex(), "hopeless": len(hopeless) // DIGEST_BYTES,
                           "scored": len(scored) // DIGEST_BYTES, "byteorder": sys.byteorder}, sort_keys=True).encode()
        nonce = os.urandom(crypto.NONCE_BYTES)
        plain = len(head).to_bytes(4, "little") + head + hopeless + scored
        sealed = AESGCM(crypto.hkdf(master, _SEAL_INFO)).encrypt(nonce, plain, _ad(identity))
        return gatecache._write_file(path, MAGIC + nonce + sealed)
    finally:
        lock.unlink(missing_ok=True)
