"""The audit's prefilter: what an audit needs, read from the sealed key indexes first
(`audit_input`), with the fuzzy side in a forked child process (`_Background`).

`audit_input(store, ...)` works on an open SQLite-backed `Store` (store/sqlite.py); the
store's `audit_input` method hands over to it.
"""

from __future__ import annotations

import bisect
import functools
import json
import time
from collections import Counter
from itertools import accumulate, chain, compress, repeat
from typing import Any, Callable, Collection, NamedTuple, Sequence

from ..i18n import _
from ..errors import StoreDamaged
from ..models import Account, Attribute, Profile
from ..parallel import ForkedResult
from . import auditcache, sievecache
from .codec import _ad, _decode_accounts, _decode_attribute
from .indexarrays import IndexArrays
from .keyindex import _TEXT_SEPARATOR, _Index, _parse_index

FuzzyScorer = Callable[[list, Callable[[int], str], Callable[[int], object], Sequence[int]], list]


class AuditInput(NamedTuple):
    """`Store.audit_input`: the profiles an audit needs, its fuzzy matches as positions in
    them (None: the audit compares the profiles' blocking keys itself), and the keys of the
    quiet hubs whose accounts were left out where they share nothing else (`QuietHubs`; for
    `engine.audit(..., hub_keys=...)`)."""

    profiles: list[Profile]
    fuzzy_matches: list[tuple[int, int, int, int, float, str]] | None
    hub_keys: frozenset[str] = frozenset()
    accounts: list[Account] | None = None  # every account on file, when asked for (the report)
    exact_side: object = None  # what `meanwhile` made of the profiles read before the fuzzy matches
    # The profiles' values left undecoded, for engine.audit(..., more_values=...) (linkage.completion).
    more_values: "UndecodedValues | None" = None


class QuietHubs(NamedTuple):
    """What `audit_input` needs to leave out the accounts that only share hubs which link
    nobody (on a large store, most of them: everyone ships with one of a few carriers).

    A key held by more than `size` accounts is a hub; `quiet(key)` says whether such a hub
    links nobody by itself and is never shown (`engine.quiet_hub`): its holders matter only
    beside pairs linked by something else, so an account sharing nothing but quiet hubs is
    in no pair, no cluster and no shown hub. The audit is told these keys are hubs
    (`AuditInput.hub_keys`) though it sees fewer of their holders."""

    size: int
    quiet: Callable[[str], bool]


class _Background:
    """`work()` in a forked child process, its result read back through a pipe.

    Forking only on Linux (elsewhere, or with `parallel` false, `result()` runs the work in
    this process). A child that fails for any reason -- killed, out of memory, a damaged row,
    a pipe or process that cannot be made -- gives no whole result: `result()` then runs the
    work here, which raises the proper error if there is one. The child shares this
    process's memory copy-on-write, drops stdin/stdout/stderr at once (an orphan never holds
    a caller's pipe open), dies with this process (Linux PR_SET_PDEATHSIG), writes nothing
    but its pickled result, after its length, to the pipe, and leaves with os._exit (no
    cleanup, no buffered output). A whole result is used as soon as it is read; the child is
    reaped by a thread meanwhile. `then()`, when given, runs after the work where the work
    ran: in the child once its result is sent (never an error).
    """

    def __init__(self, work: Callable[[], object], parallel: bool, then: Callable[[], None] | None = None):
        self._work = work
        self._then = then
        self._child = ForkedResult(work, then) if parallel else None

    def _here(self):
        out = self._work()
        if self._then is not None:
            try:
                self._then()
            except Exception:  # noqa: BLE001 - what comes after the work is optional
                pass
        return out

    def result(self):
        out = self._child.result(_NOT_DONE) if self._child is not None else _NOT_DONE
        return self._here() if out is _NOT_DONE else out

    def cancel(self) -> None:
        """Stop a child whose result is no longer wanted (the parent failed first)."""
        if self._child is not None:
            self._child.cancel()


_NOT_DONE = object()


def audit_input(
    store, block_cap: int, score: FuzzyScorer, *, include: str | None = None, parallel: bool = True,
    hubs: QuietHubs | None = None, accounts: bool = False,
    meanwhile: Callable[[list[Profile], frozenset[str]], object] | None = None,
) -> AuditInput:
    """What an audit needs, read from the sealed key indexes first and the bodies only
    where something is shared.

    An audit finds links by grouping the accounts' match keys, and on a large store most
    keys are held by one account and link nothing. So:

    - exact keys: the indexes tell which tags two or more accounts hold; only the
      attributes holding one are decoded (each with its exact keys; blocking keys are
      not needed), with their accounts. `include` names an account kept whatever it shares.
      With `hubs`, an account whose shared tags are all quiet hubs is left out (unless a
      fuzzy match names it); the first holder of each hub tag is always read, and names
      its key.
    - with `accounts` (the report lists every account), every account's first line, read
      while the fuzzy side runs, each body opened once.
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

    `meanwhile(profiles, hub keys)`, when given, runs while the fuzzy side is still being
    found, over the profiles read so far (in the order of the final ones, which are these
    with the accounts and values the fuzzy matches name added, the unchanged ones the same
    objects); what it returns is `exact_side` (linkage.exactfirst: the audit's exact side).
    Not called where there are no matches to wait for (a format-1 store).
    """
    if store._format < 2:
        return AuditInput(store.profiles(), None, accounts=store.accounts() if accounts else None)
    # Each account's sealed key index, as the manifest check read and verified it at open
    # (a store that has written since reads them again, checked against what it verified).
    # The bodies are read later, and only those of the accounts that share something.
    rows = store._index_rows
    # Or the audit cache's snapshot (store/auditcache.py), which the manifest vouched for at
    # open: the key indexes already decrypted, the rows read from it after the fork.
    snapshot = getattr(store, "_audit_snapshot", None)
    if rows is None and snapshot is None:
        rows = store._conn.execute("SELECT id, version, name_tag, keys FROM accounts NOT INDEXED ORDER BY id").fetchall()
        store._check_scan("accounts", rows, (1,))
    # Opened once, here; the forked child that runs the fuzzy side shares them. A large
    # store's indexes are read as arrays (numpy), a small one's one by one (quicker than
    # importing numpy).
    indexes: list[_Index] | IndexArrays
    if snapshot is not None:
        try:
            indexes = IndexArrays.from_padded(snapshot.indexes, snapshot.lengths)
        except ValueError:  # (load checked the lengths: not reached)
            raise StoreDamaged(
                _("store was tampered with or damaged: an account's key index fails its integrity check")
            ) from None
        counts_of = indexes.exact_count_bytes
    elif len(rows) > ARRAYS_OVER:
        indexes = _open_arrays(store, rows)
        counts_of = indexes.exact_count_bytes
    else:
        indexes = [_open_index(store, row) for row in rows]
        counts_of = lambda at: indexes[at].exact_counts  # noqa: E731
    # The sieve's verdicts of earlier audits (store/sievecache.py), read and written by the child.
    verdicts = sievecache.Verdicts.for_store(store)
    fuzzy = _Background(lambda: _fuzzy_matches(indexes, block_cap, score, parallel, verdicts), parallel,
                        then=verdicts.save if verdicts is not None else None)
    try:
        # The manifest check's row MACs, where the store's open left them (`defer_macs`): made
        # here, while the child works, and before anything else is read or the child's result
        # used -- a store that fails the check fails the audit as it would fail the open.
        store.finish_verification()
        if snapshot is not None:
            rows = snapshot.rows()
        elif isinstance(indexes, IndexArrays):
            # Kept for the audit cache, written once the command succeeded (Store._write_audit_cache).
            store._audit_arrays = ([row[0] for row in rows], indexes)
        include_tag = store._keys.name_tag(include) if include is not None else None
        include_at = next((at for at, row in enumerate(rows) if row[2] == include_tag), None)
        crowd = hubs.size if hubs is not None else None
        shared: _SharedInLoop | _SharedInArrays
        if isinstance(indexes, IndexArrays):
            # (the snapshot holds each exact tag's holders, counted by its writer from these indexes)
            shared = _SharedInArrays(indexes, crowd, include_at,
                                     snapshot.exact_holders(len(indexes.exact)) if snapshot is not None else None)
        else:
            shared = _SharedInLoop(indexes, crowd, include_at)
        first = shared.first
        kept: dict[int, tuple[bytes, Sequence[int]]] = {}  # the opened bodies, for UndecodedValues
        decoded = _decode_lines(store, rows, counts_of, shared.wanted, kept)
        quiet: dict[int, str] = {}
        for t, (at, attr, k) in first.items():
            key = decoded[at][1][attr].keys[k]
            if hubs is not None and hubs.quiet(key):
                quiet[t] = key
        # An account that shares only quiet hubs links nobody and is named nowhere: left out
        # (its attributes are remembered, should a fuzzy match name it).
        more_wanted = shared.not_only_quiet(quiet.keys())
        decoded.update(_decode_lines(store, rows, counts_of, more_wanted, kept))
        every = _every_account(store, rows, decoded) if accounts else None
        exact_side = None
        provisional: dict[int, Profile] = {}
        if meanwhile is not None:
            # The audit's exact side, while the child still works (its result not used yet).
            for at in sorted(decoded):
                account, attributes = decoded[at]
                provisional[at] = Profile(account, tuple(attributes[p] for p in sorted(attributes)))
            exact_side = meanwhile(list(provisional.values()), frozenset(quiet.values()))
        matches = fuzzy.result()
    finally:
        fuzzy.cancel()
    if matches is None:
        drop = getattr(exact_side, "drop_pieces", None)
        if drop is not None:
            drop()  # (exactfirst.ExactSide) its helper stopped: the audit is made whole instead
        return AuditInput(store.profiles(), None, accounts=every)
    # The values fuzzy matches name, where not decoded already.
    more: dict[int, set[int]] = {}
    for a, va, b, vb, _similarity, _facet in matches:
        for at, position in ((a, va), (b, vb)):
            if at not in decoded or position not in decoded[at][1]:
                more.setdefault(at, shared.left_out(at)).add(position)
    for at, attributes in _decode_lines(store, rows, counts_of, more, kept).items():
        if at in decoded:
            decoded[at][1].update(attributes[1])
        else:
            decoded[at] = attributes
    profiles: list[Profile] = []
    index_of: dict[int, int] = {}  # row -> profile
    for at in sorted(decoded):
        profile = provisional.get(at)
        if profile is None or at in more:
            account, attributes = decoded[at]
            profile = Profile(account, tuple(attributes[p] for p in sorted(attributes)))
        index_of[at] = len(profiles)
        profiles.append(profile)
    positions_of: dict[int, list[int]] = {}

    def place(at: int, position: int) -> tuple[int, int]:
        """(row, attribute) -> (profile, value)"""
        positions = positions_of.get(at)
        if positions is None:
            positions = positions_of[at] = sorted(decoded[at][1])
        return index_of[at], bisect.bisect_left(positions, position)

    given = [(*place(a, va), *place(b, vb), similarity, facet) for a, va, b, vb, similarity, facet in matches]
    undecoded = UndecodedValues([(kept[at], decoded[at][1]) for at in sorted(decoded)])
    return AuditInput(profiles, given, frozenset(quiet.values()), every, exact_side, undecoded)


def _held_twice(tag_lists) -> set[int]:
    """The tags that two or more of the lists hold (a tag twice in one list counts once)."""
    seen: set[int] = set()
    twice: set[int] = set()
    for tags in tag_lists:
        mine = set(tags)
        twice |= seen & mine
        seen |= mine
    return twice


class _SharedInLoop:
    """Which accounts' exact tags are shared, account by account (a small store).

    `wanted`: row position -> positions of the attributes holding a tag another account
    holds, for the accounts to read whatever the hubs turn out to be. With `crowd` (the hub
    size), an account whose shared tags are all held by more than `crowd` accounts (perhaps
    quiet hubs) is not in `wanted` but kept aside, unless it is the first holder of such a
    tag (`first`: tag -> (row, attribute, key), the key that names it) or the `include_at`
    account; `not_only_quiet(quiet tags)` gives those of them that hold another crowded tag,
    and `left_out(at)` the shared attributes of one left out (an empty set for any other)."""

    def __init__(self, indexes: list[_Index], crowd: int | None, include_at: int | None):
        # Which exact tags do two or more accounts hold? (A tag one account holds twice is
        # not shared.) Set operations in C, each tag list turned into Python ints once.
        shared = _held_twice(index.exact for index in indexes)
        # Tags held by more accounts than a hub has: perhaps hubs that link nobody (`hubs`).
        crowded: set[int] = set()
        if crowd is not None:
            holders = Counter(chain.from_iterable(map(shared.intersection, (index.exact for index in indexes))))
            crowded = {tag for tag, n in holders.items() if n > crowd}
        is_shared = shared.__contains__
        wanted: dict[int, set[int]] = {}  # row position -> attribute positions
        # Accounts whose shared tags are all crowded: row position -> (attributes, tags).
        maybe: dict[int, tuple[set[int], set[int]]] = {}
        first: dict[int, tuple[int, int, int]] = {}  # crowded tag -> (row, attribute, key) first holding it
        for at, index in enumerate(indexes):
            exact = index.exact
            flags = list(map(is_shared, exact))
            if True in flags:
                hits = list(compress(range(len(exact)), flags))
                ends = list(accumulate(index.exact_counts))
                attributes = {bisect.bisect_right(ends, position) for position in hits}
                mine = crowded.intersection(compress(exact, flags)) if crowded else None
                if not mine:
                    wanted[at] = attributes
                    continue
                if not first.keys() >= mine:
                    for position in hits:
                        t = exact[position]
                        if t in mine and t not in first:
                            attr = bisect.bisect_right(ends, position)
                            first[t] = (at, attr, position - (ends[attr - 1] if attr else 0))
                if at == include_at or len(mine) < len(set(compress(exact, flags))):
                    wanted[at] = attributes  # it shares something else too
                else:
                    maybe[at] = (attributes, mine)
            elif at == include_at:
                wanted[at] = set()
        del shared
        # The first holder of each crowded tag is kept whatever it shares (so every key keeps
        # its place in the audit's order), and names the key: is it a quiet hub?
        for at, _attr, _k in first.values():
            if at in maybe:
                wanted[at] = maybe.pop(at)[0]
        self.wanted, self.first, self._maybe = wanted, first, maybe
        self._left_out: dict[int, set[int]] = {}

    def not_only_quiet(self, quiet) -> dict[int, set[int]]:
        more_wanted: dict[int, set[int]] = {}
        for at, (attributes, tags) in self._maybe.items():
            if quiet >= tags:
                self._left_out[at] = attributes
            else:
                more_wanted[at] = attributes
        self._maybe = {}
        return more_wanted

    def left_out(self, at: int) -> set[int]:
        return set(self._left_out.get(at, ()))


class _SharedInArrays:
    """What `_SharedInLoop` finds, with array operations over every account's exact tags
    at once (`IndexArrays`: a large store). `holders`, when given: how many accounts hold
    each tag, counted already (the audit cache's snapshot, store/auditcache.py)."""

    def __init__(self, arrays: IndexArrays, crowd: int | None, include_at: int | None, holders=None):
        import numpy as np

        n = arrays.n
        tags = arrays.exact
        account = np.repeat(np.arange(n, dtype=np.int64), arrays.n_exact)  # of each tag
        if holders is not None and len(holders) != len(tags):
            holders = None
        if holders is None:
            # How many accounts hold each tag (a tag one account holds twice counts once).
            holders = self._count_holders(tags, account, np)
        shared = holders > 1
        crowded = shared & (holders > crowd) if crowd is not None else np.zeros(len(tags), dtype=bool)
        n_shared = np.bincount(account[shared], minlength=n)
        n_plain = np.bincount(account[shared & ~crowded], minlength=n)
        # Accounts whose shared tags are all crowded (the include_at one is read whatever).
        maybe = (n_shared > n_plain) & (n_plain == 0)
        if include_at is not None:
            maybe[include_at] = False
        wanted = (n_shared > 0) & ~maybe
        # Each tag's attribute (overall) and its attribute's first tag.
        attribute = np.repeat(np.arange(len(arrays.exact_counts), dtype=np.int64), arrays.exact_counts)
        attribute_first = np.cumsum(arrays.exact_counts) - arrays.exact_counts
        # The first holder of each crowded tag (in account, attribute, key order) names it,
        # and is read.
        at_crowded = np.flatnonzero(crowded)
        _unique, firsts = np.unique(tags[at_crowded], return_index=True)
        entries = at_crowded[np.sort(firsts)]
        first_accounts = account[entries]
        first_attributes = attribute[entries]
        self.first = {
            tag: (at, attr - attr_start, key)
            for tag, at, attr, attr_start, key in zip(
                tags[entries].tolist(), first_accounts.tolist(), first_attributes.tolist(),
                arrays.attr_start[first_accounts].tolist(), (entries - attribute_first[first_attributes]).tolist(),
                strict=True,
            )
        }
        wanted[first_accounts] = True
        maybe[first_accounts] = False
        self._np, self._arrays, self._tags, self._account, self._attribute = np, arrays, tags, account, attribute
        self._shared, self._crowded, self._maybe = shared, crowded, maybe
        self.wanted = self._attributes_of(wanted)
        if include_at is not None and include_at not in self.wanted:
            self.wanted[include_at] = set()
        self._out = np.zeros(n, dtype=bool)

    @staticmethod
    def _count_holders(tags, account, np):
        holders = np.zeros(len(tags), dtype=np.int64)
        if len(tags):
            order, group, counts = _holders_per_tag(tags, account)
            holders[order] = counts[group]
        return holders

    def _attributes_of(self, accounts) -> dict[int, set[int]]:
        """row position -> positions of its attributes holding a shared tag, for the
        accounts `accounts` (a boolean array) marks."""
        picked = self._shared & accounts[self._account]
        at = self._account[picked]
        attr = self._attribute[picked]
        once = self._np.ones(len(at), dtype=bool)
        once[1:] = attr[1:] != attr[:-1]
        at, attr = at[once], attr[once]
        out: dict[int, set[int]] = {}
        for a, p in zip(at.tolist(), (attr - self._arrays.attr_start[at]).tolist(), strict=True):
            held = out.get(a)
            if held is None:
                out[a] = {p}
            else:
                held.add(p)
        return out

    def not_only_quiet(self, quiet) -> dict[int, set[int]]:
        np = self._np
        loud = self._crowded & ~np.isin(self._tags, np.fromiter(quiet, dtype=np.uint64, count=len(quiet)))
        has_loud = np.bincount(self._account[loud], minlength=self._arrays.n) > 0
        more = self._maybe & has_loud
        self._out = self._maybe & ~has_loud
        return self._attributes_of(more)

    def left_out(self, at: int) -> set[int]:
        if not self._out[at]:
            return set()
        start = int(self._arrays.exact_start[at])
        end = start + int(self._arrays.n_exact[at])
        attributes = self._attribute[start:end][self._shared[start:end]] - self._arrays.attr_start[at]
        return set(attributes.tolist())


def _open_index(store, row) -> _Index:
    try:
        return _parse_index(_open_blob(store, row))
    except (TypeError, ValueError):
        raise StoreDamaged(
            _("store was tampered with or damaged: an account's key index fails its integrity check")
        ) from None


def _open_blob(store, row) -> bytes:
    row_id, version, tag, sealed = row
    return store._keys.open(sealed, _ad("accounts", row_id, version, tag, "keys"), "a key index")


def _open_arrays(store, rows: list) -> IndexArrays:
    """Every account's key index, decrypted, as arrays -- or, where an audit cache's snapshot of
    an earlier generation opened (`store._audit_stale`), those of the rows that did not change
    since taken from it (`_reusing`) and only the others decrypted."""
    stale = getattr(store, "_audit_stale", None)
    try:
        if stale is not None:
            return _reusing(store, rows, stale)
        return IndexArrays(_open_indexes(store, rows))
    except (TypeError, ValueError):
        raise StoreDamaged(
            _("store was tampered with or damaged: an account's key index fails its integrity check")
        ) from None


def _open_indexes(store, rows: list) -> list[bytes]:
    """The key indexes of these (id, version, name tag, sealed index) rows, decrypted (each
    row's associated data is `_ad("accounts", id, version, name tag, "keys")`)."""
    ads = [b"accounts|%d|%d|%s|keys" % (row_id, version, tag) for row_id, version, tag, _sealed in rows]
    return store._keys.open_all([row[3] for row in rows], ads, "a key index")


def _reusing(store, rows: list, stale) -> IndexArrays:
    """`_open_arrays` with a snapshot of an earlier generation (sealed under this store's key,
    opened whole): a row with the snapshot's id, version, name tag and key index's AEAD tag is
    the row the snapshot decrypted -- the tag authenticates the sealed index under its
    associated data (id, version, name tag), so the same tag is the same plaintext -- and its
    index is taken as the snapshot holds it; every other row (added or changed since) is
    decrypted. The same arrays as decrypting every row (tests compare them)."""
    position, versions, lengths, starts = stale.index_of()
    view = memoryview(stale.indexes)
    pieces: list = []
    out_lengths: list[int] = []
    fresh: list[int] = []
    for at, (row_id, version, tag, sealed) in enumerate(rows):
        i = position.get(row_id)
        if i is not None and versions[i] == version and stale.row_tags(i) == (tag, sealed[-16:]):
            length = lengths[i]
            pieces.append(view[starts[i] : starts[i] + length + (-length % 8)])
            out_lengths.append(length)
        else:
            fresh.append(at)
            pieces.append(b"")
            out_lengths.append(0)
    if fresh:
        for at, plain in zip(fresh, _open_indexes(store, [rows[at] for at in fresh]), strict=True):
            pieces[at] = plain + bytes(-len(plain) % 8)
            out_lengths[at] = len(plain)
    from array import array

    return IndexArrays.from_padded(b"".join(pieces), array("q", out_lengths).tobytes())


def _indexes_from_older(plain: list, missing: list[int], ids: list[int], rows: dict, stale) -> bool:
    """Fill `plain[at]` for each position `at` in `missing` (row `ids[at]`, verified as `rows`
    holds it: (version, name tag, body tag, key index tag)) with the key index an older snapshot
    (`stale`, opened whole, or None) holds for the same row -- same id, version, name tag and
    key index tag, `_reusing`'s rule. Whether every one was found."""
    if stale is None:
        return False
    position, versions, lengths, starts = stale.index_of()
    data = stale.indexes
    for at in missing:
        row_id = ids[at]
        version, tag, _body, keys = rows[row_id]
        i = position.get(row_id)
        if i is None or versions[i] != version or stale.row_tags(i) != (tag, keys):
            return False
        plain[at] = data[starts[i] : starts[i] + lengths[i]]
    return True


def _padded(plain: list[bytes]) -> tuple[bytes, bytes]:
    """The key indexes as `IndexArrays.padded()` gives them: each padded to a multiple of 8
    bytes with zeros, joined, and their lengths as int64."""
    from array import array

    pads = [bytes(-len(index) % 8) for index in plain]
    return b"".join(chain.from_iterable(zip(plain, pads, strict=True))), array("q", map(len, plain)).tobytes()


def _bodies(store, rows: list, positions: list[int]):
    """(position, sealed body) of the accounts at these ascending positions of `rows`, read
    by id a chunk at a time (never the whole table at once), each row checked against the
    one the manifest check verified at open; a row that does not come back is damage."""
    for start in range(0, len(positions), 500):
        chunk = positions[start : start + 500]
        ids = [rows[at][0] for at in chunk]
        found = store._conn.execute(
            f"SELECT id, version, name_tag, body FROM accounts NOT INDEXED WHERE id IN ({','.join('?' * len(ids))})"
            " ORDER BY id",
            ids,
        ).fetchall()
        if [row[0] for row in found] != ids:
            raise StoreDamaged(_("store was tampered with or damaged: an account row went missing"))
        _check_bodies(store, found)
        for at, (_row_id, _version, _tag, body) in zip(chunk, found, strict=True):
            yield at, body


def _check_bodies(store, found: list) -> None:
    """`store._check_row("accounts", ...)` of each (id, version, name tag, body) row, without a
    call per row where the row is the one verified (the report reads every body); any other
    row is checked by `_check_row` itself, which refuses it as it always does."""
    verified = store._verified["accounts"]
    get = verified.get
    for row in found:
        row_id, version, tag, body = row
        held: Any = get(row_id) if type(row_id) is int else None
        try:
            if held[0] == version and held[1] == tag and type(body) is bytes and body[-16:] == held[2]:
                continue
        except (TypeError, IndexError):  # none verified (None), or not as verified rows are
            pass
        store._check_row("accounts", *row)


def _every_account(store, rows: list, decoded: dict) -> list[Account]:
    """Every account, in row order: those `decoded` already, and the first line of every
    other body (read by `_bodies`, so checked against the verified rows like the rest) -- or,
    from the audit cache's snapshot that the manifest vouched for, the accounts a report read
    so when it was made (kept for the snapshot's writer, `Store._write_audit_cache`, when read)."""
    snapshot = getattr(store, "_audit_snapshot", None)
    held_all = snapshot.accounts() if snapshot is not None else None
    if held_all is not None and len(held_all) == len(rows):
        return [decoded[at][0] if at in decoded else held_all[at] for at in range(len(rows))]
    out = _every_account_read(store, rows, decoded)
    store._audit_accounts = out
    return out


def _every_account_read(store, rows: list, decoded: dict) -> list[Account]:
    """`_every_account`, every body not decoded read and its first line decoded."""
    lines: list[bytes] = []
    tags: list[bytes] = []
    for at, body in _bodies(store, rows, [at for at in range(len(rows)) if at not in decoded]):
        row_id, version, tag, _keys = rows[at]
        raw = store._keys.open(body, _ad("accounts", row_id, version, tag, "body"), "an account row")
        end = raw.find(b"\n")
        if end < 0:
            raise StoreDamaged(_("store is damaged: an account row is unreadable"))
        lines.append(raw[:end])
        tags.append(tag)
    try:
        read = iter(_decode_accounts(json.loads(b"[" + b",".join(lines) + b"]")))
        del lines
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        raise StoreDamaged(_("store is damaged: an account row is unreadable")) from None
    out = []
    name_tag = store._keys.name_tag
    i = 0
    for at in range(len(rows)):
        held = decoded.get(at)
        if held is not None:
            out.append(held[0])
            continue
        account = next(read)
        if name_tag(account.name) != tags[i]:
            raise StoreDamaged(_("store was tampered with: an account row is filed under the wrong name"))
        i += 1
        out.append(account)
    return out


def _decode_lines(store, rows: list, counts_of: Callable[[int], bytes], wanted: dict[int, set[int]],
                  keep: dict | None = None) -> dict:
    """{row position: (account, {attribute position: attribute with its exact keys})} for
    the wanted rows and attributes: the wanted lines of every body, in one JSON parse
    (`counts_of(at)`: the index's number of exact keys of each of its attributes).

    A line several accounts hold byte for byte (the same carrier or category, imported at the
    same time: on the bench store 19,000 distinct lines among 86,000) is parsed once and its
    attribute shared between them, when the value has no blocking keys (no fuzzy match, which
    the engine finds by the attribute object, ever names it) and only across accounts (two
    attributes of one account stay two objects)."""
    parse: list[bytes] = []  # the lines to parse: each account's, each shared line once
    place_of: dict[bytes, int] = {}  # a line that may be shared -> its place in `parse`
    plan = []
    for at, raw in _opened_bodies(store, rows, sorted(wanted)):
        tag = rows[at][2]
        counts = counts_of(at)
        lines = raw.split(b"\n")
        if keep is not None:  # (UndecodedValues: the values left undecoded, split on demand)
            keep[at] = (raw, counts)
        del raw
        if lines.pop() != b"" or len(lines) != 2 * len(counts) + 1:
            raise StoreDamaged(_("store is damaged: an account row is unreadable"))
        positions = sorted(wanted[at])
        first = len(parse)
        parse.append(lines[0])
        places = []
        mine: set[bytes] = set()
        for p in positions:
            line = lines[2 * p + 1]
            if lines[2 * p + 2] == b"[]" and line not in mine:
                mine.add(line)
                place = place_of.get(line)
                if place is None:
                    place = place_of[line] = len(parse)
                    parse.append(line)
            else:
                place = len(parse)
                parse.append(line)
            places.append(place)
        plan.append((at, tag, counts, positions, first, places))
    del place_of
    try:
        decoded = json.loads(b"[" + b",".join(parse) + b"]")
        del parse
        made: dict[int, Attribute] = {}
        out = {}
        accounts = _decode_accounts([decoded[step[4]] for step in plan])
        for (at, tag, counts, positions, _first, places), account in zip(plan, accounts, strict=True):
            if store._keys.name_tag(account.name) != tag:
                raise StoreDamaged(_("store was tampered with: an account row is filed under the wrong name"))
            attributes = {}
            for position, place in zip(positions, places, strict=True):
                attribute = made.get(place)
                if attribute is None:
                    fields = decoded[place]
                    if not isinstance(fields[3], list):
                        raise ValueError("body and index disagree")
                    attribute = made[place] = _decode_attribute(fields)
                if len(attribute.keys) != counts[position]:
                    raise ValueError("body and index disagree")
                attributes[position] = attribute
            out[at] = (account, attributes)
        return out
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        raise StoreDamaged(_("store is damaged: an account row is unreadable")) from None


def _opened_bodies(store, rows: list, positions: list[int]):
    """(position, opened body) of the accounts at these ascending positions of `rows`: as the
    audit cache's snapshot holds it (`Snapshot.bodies`: opened from a row checked like the rest
    when it was made, the manifest vouching for that row since), else read (`_bodies`: checked
    against the verified row) and opened -- and then kept for the snapshot's writer
    (`Store._write_audit_cache`), when the store makes snapshots."""
    snapshot = getattr(store, "_audit_snapshot", None)
    held = snapshot.bodies() if snapshot is not None else {}
    missing = [at for at in positions if at not in held] if held else positions
    # (kept only where a snapshot may be written of them: a file store of its size)
    keep = getattr(store, "_audit_identity", None) is not None and len(rows) >= auditcache.MIN_ACCOUNTS
    opened: dict[int, bytes] = {}
    for at, body in _bodies(store, rows, missing):
        row_id, version, tag, _keys = rows[at]  # as verified, and as the body's row (`_bodies`)
        raw = store._keys.open(body, _ad("accounts", row_id, version, tag, "body"), "an account row")
        if not held:
            yield at, raw
        if held or keep:
            opened[at] = raw
    if held:
        for at in positions:
            raw = held.get(at)
            yield at, raw if raw is not None else opened[at]
    if opened and keep:
        if store._audit_bodies is None:
            store._audit_bodies = {}
        store._audit_bodies.update(opened)


def _fuzzy_matches(indexes: list[_Index] | IndexArrays, block_cap: int, score: FuzzyScorer, parallel: bool = False,
                   verdicts: "sievecache.Verdicts | None" = None) -> list[tuple] | None:
    """The fuzzy side of `audit_input`, from the key indexes alone: blocks of blocking tags
    held by 2 to `block_cap` accounts, in the order the audit would meet them; one ref per
    value in such a block, in (account, value) order; its text and the tag of its own
    exact key from the index. Returns (row, attribute, row, attribute, similarity, facet),
    or None for a store written by a development build whose index kept no texts. With
    `parallel`, a large scoring is split in two processes (`_score_in_two`). `verdicts`: the
    sieve's verdicts remembered (store/sievecache.py), given to `score` where the sieve runs."""
    try:
        if isinstance(indexes, IndexArrays):  # a large store (ARRAYS_OVER)
            built = _blocks_in_arrays(indexes, block_cap)
        else:  # fewer: importing numpy would take longer than the loop
            built = _blocks_in_python(indexes, block_cap)
    except (IndexError, ValueError, UnicodeDecodeError):
        raise StoreDamaged(_("store is damaged: an account's key index is unreadable")) from None
    if built is None:
        return None
    blocks_list, owner, where, texts, exact = built
    found = _score_in_two(score, blocks_list, texts.__getitem__, exact.__getitem__, owner, parallel,
                          verdicts if len(blocks_list) > sievecache.MIN_BLOCKS else None)
    return [(*where[m.a], *where[m.b], m.similarity, m.facet) for m in found]


# Above this many accounts the fuzzy side's blocks are built with array operations (numpy).
ARRAYS_OVER = 20_000


def _blocks_in_python(indexes: list[_Index], block_cap: int):
    """What `_blocks_in_arrays` returns, one account and one tag at a time: for a store of up
    to ARRAYS_OVER accounts, where it is quicker than importing numpy."""
    # blocking tag -> accounts holding it, counted in C
    holders: Counter[int] = Counter(chain.from_iterable(map(set, (index.blocking for index in indexes))))
    shared = {tag for tag, n in holders.items() if 1 < n <= block_cap}
    del holders
    blocks: dict[int, tuple[str, list[int]]] = {}
    owner: list[int] = []
    where: list[tuple[int, int]] = []
    texts: list[str] = []
    exact: list[int | None] = []
    is_shared = shared.__contains__
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
                mine = list(filter(is_shared, tags[end - counts[attr] : end]))
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
        raise StoreDamaged(_("store is damaged: an account's key index is unreadable")) from None
    return list(blocks.values()), owner, where, texts, exact


def _holders_per_tag(tags, account):
    """For tags (not empty) held by accounts (`account` ascending, as the index arrays lay the
    tags out): an order that sorts the tags (not a stable one: its groups are what matters),
    each sorted position's group (the run of its tag), and each group's number of distinct
    holding accounts (a tag one account holds twice counts once).

    numpy sorts plain numbers several times as fast as it argsorts them, so the order comes from
    one sort of numbers that hold each tag's high bits above its position: equal tags then sit
    together in position order, so in account order, and an account holding a tag twice is two
    neighbours (no second sort to count holders). Two different tags that share their high bits
    (rare: keyed hashes) are put in tag order within their run by a stable argsort of the run.
    The same answer as sorting the tags and counting the (group, account) pairs
    (`_holders_per_tag_by_argsort`, kept for an `account` that is not ascending; tests compare)."""
    import numpy as np

    m = len(tags)
    if m >= 1 << 40 or bool((account[1:] < account[:-1]).any()):
        return _holders_per_tag_by_argsort(tags, account)
    bits = max(1, (m - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    packed = (tags & ~low) | np.arange(m, dtype=np.uint64)
    packed.sort()  # numpy's SIMD sort
    order = (packed & low).astype(np.int64)
    by_tag = tags[order]
    high = packed >> np.uint64(bits)
    del packed
    same_high = high[1:] == high[:-1]
    mixed = np.flatnonzero(same_high & (by_tag[1:] != by_tag[:-1]))
    if len(mixed):
        starts = np.flatnonzero(np.concatenate(([True], ~same_high)))
        ends = np.append(starts[1:], m)
        runs = np.unique(np.searchsorted(starts, mixed, side="right") - 1)
        if len(runs) > _MIXED_RUNS_AT_MOST:
            return _holders_per_tag_by_argsort(tags, account)
        for start, end in zip(starts[runs].tolist(), ends[runs].tolist(), strict=True):
            within = np.argsort(by_tag[start:end], kind="stable")  # equal tags keep their position order
            order[start:end] = order[start:end][within]
            by_tag[start:end] = by_tag[start:end][within]
    del high, same_high
    new_tag = np.ones(m, dtype=bool)
    new_tag[1:] = by_tag[1:] != by_tag[:-1]
    del by_tag
    group = np.cumsum(new_tag) - 1
    held = account[order]
    again = np.zeros(m, dtype=bool)  # the same tag held by the same account as its neighbour
    again[1:] = ~new_tag[1:] & (held[1:] == held[:-1])
    return order, group, np.bincount(group[~again], minlength=int(group[-1]) + 1)


# More runs of different tags sharing their high bits than this (not met with keyed tags):
# `_holders_per_tag` argsorts them all instead.
_MIXED_RUNS_AT_MOST = 10_000


def _holders_per_tag_by_argsort(tags, account):
    """`_holders_per_tag` by argsorting the tags and counting each tag's distinct holders on the
    (group, account) pairs sorted as numbers (any `account`)."""
    import numpy as np

    order = np.argsort(tags)  # quicker than a stable sort (SIMD sorting in numpy 2)
    by_tag = tags[order]
    new_tag = np.ones(len(order), dtype=bool)
    new_tag[1:] = by_tag[1:] != by_tag[:-1]
    del by_tag
    group = np.cumsum(new_tag) - 1
    accounts = int(account.max()) + 1
    held = np.sort(group * accounts + account[order])
    new_holder = np.ones(len(held), dtype=bool)
    new_holder[1:] = held[1:] != held[:-1]
    return order, group, np.bincount(held[new_holder] // accounts, minlength=int(group[-1]) + 1)


def _blocks_in_arrays(arrays: IndexArrays, block_cap: int):
    """The fuzzy side's blocks and values from the key indexes, by sorting and counting the
    8-byte tags as arrays (numpy) instead of a Python loop over every account and tag:
    (blocks as (facet, refs), owner, (row, attribute), text and first exact tag of each
    ref), exactly as `_blocks_in_python` builds them, or None for an index without texts."""
    import numpy as np  # here: only the audit's fuzzy side uses it

    n = arrays.n
    lengths = arrays.n_block
    if not n or not lengths.any():
        return [], [], [], [], []
    tags = arrays.blocking
    account = np.repeat(np.arange(n, dtype=np.int64), lengths)
    per_attr = arrays.block_counts
    attr_start = arrays.attr_start  # each account's first attribute, overall
    attribute = np.repeat(np.arange(len(per_attr), dtype=np.int64), per_attr)  # of each tag, overall
    # Holders of each tag: its distinct accounts.
    order, group, holders = _holders_per_tag(tags, account)
    in_block = np.zeros(len(order), dtype=bool)
    in_block[order] = ((holders > 1) & (holders <= block_cap))[group]
    entries = np.flatnonzero(in_block)  # in (account, attribute, key) order
    if not len(entries):
        return [], [], [], [], []
    # A ref for each value holding a shared tag, in (account, attribute) order (the tags'
    # attributes never decrease, so each value's tags are one run).
    held = attribute[entries]
    new_value = np.ones(len(held), dtype=bool)
    new_value[1:] = held[1:] != held[:-1]
    values = held[new_value]
    ref = np.cumsum(new_value) - 1
    # Blocks in the order their tag is first met (each entry's tag group as the count above
    # sorted them, and the first entry of each group); each one's refs ascending, each once.
    group_of = np.empty(len(order), dtype=np.int64)
    group_of[order] = group
    del group, order
    entry_group = group_of[entries]
    del group_of
    first_of = np.full(int(entry_group.max()) + 1, len(entries), dtype=np.int64)
    np.minimum.at(first_of, entry_group, np.arange(len(entries), dtype=np.int64))
    entry_first = first_of[entry_group]  # the first entry of each entry's block
    del first_of, entry_group
    opens = np.zeros(len(entries), dtype=bool)
    opens[entry_first] = True
    block = (np.cumsum(opens) - 1)[entry_first]
    # (block, ref) pairs sorted as numbers: `np.lexsort((ref, block))`'s order but for equal
    # pairs, which are one pair.
    width = int(ref[-1]) + 1
    pairs = np.sort(block * width + ref)
    block, ref_sorted = pairs // width, pairs % width
    del pairs
    once = np.ones(len(block), dtype=bool)
    once[1:] = (block[1:] != block[:-1]) | (ref_sorted[1:] != ref_sorted[:-1])
    block, ref_sorted = block[once], ref_sorted[once]
    cuts = (np.flatnonzero(np.diff(block)) + 1).tolist()
    refs_all = ref_sorted.tolist()
    starts, ends = [0, *cuts], [*cuts, len(refs_all)]
    first_ref = ref[opens].tolist()  # the value that opened each block
    # Each value's account and position, its text and kind (the nth attribute with blocking
    # keys overall has the nth pair of words of the joined texts), its first exact tag.
    owner_of = np.searchsorted(attr_start, values, side="right") - 1
    with_blocks = (per_attr > 0).astype(np.int64)
    nth = (np.cumsum(with_blocks) - with_blocks)[values].tolist()
    holders_of_texts = np.flatnonzero(lengths).tolist()
    # Of each account with blocking keys, how many attributes have some.
    with_blocks_of = np.bincount(np.repeat(np.arange(n, dtype=np.int64), arrays.attrs)[per_attr > 0], minlength=n)
    texts_of = list(map(arrays.texts, holders_of_texts))
    # Each holder's texts hold 2 * (its attributes with blocking keys) - 1 NULs; at the first
    # that does not, an empty one is an index written before it kept the texts.
    nuls = np.fromiter(map(bytes.count, texts_of, repeat(b"\x00")), np.int64, len(texts_of))
    wrong = np.flatnonzero(nuls != 2 * with_blocks_of[holders_of_texts] - 1)
    if len(wrong):
        if not texts_of[int(wrong[0])]:
            return None
        raise ValueError("index texts")
    words = b"\x00".join(texts_of).decode("utf-8").split(_TEXT_SEPARATOR)
    del texts_of
    exact_counts = arrays.exact_counts
    exact_tags = arrays.exact
    first_exact = (np.cumsum(exact_counts) - exact_counts)[values]
    has_exact = exact_counts[values] > 0
    exact_of = np.zeros(len(values), dtype=np.uint64)
    exact_of[has_exact] = exact_tags[first_exact[has_exact]]
    exact_tag = exact_of.astype(object)  # Python ints, as `tolist` makes them
    exact_tag[~has_exact] = None
    exact = exact_tag.tolist()
    del exact_tag
    owner = owner_of.tolist()
    where = list(zip(owner, (values - attr_start[owner_of]).tolist(), strict=True))
    texts = words[1::2]
    texts = list(map(texts.__getitem__, nth))
    kinds = words[0::2]  # each block's facet: the kind of the value that opened it
    blocks = list(zip(map(kinds.__getitem__, map(nth.__getitem__, first_ref)),
                      map(refs_all.__getitem__, map(slice, starts, ends)), strict=True))
    return blocks, owner, where, texts, exact


# Above this many comparisons (the sum of each block's size squared) the fuzzy scoring is
# split between two processes. Since the sieve (linkage/sieve.py) the 13 million of the
# 100,000-account bench store take about 0.8 s of CPU, less than the audit's own process
# does meanwhile: a third process would only take CPU from it (measured at a load of 6:
# 0.3 s more CPU, no shorter wall time), so only a store several times larger splits.
SPLIT_SCORING_OVER = 50_000_000


# A child that has not sent its half this long after this process scored its own (at least the
# floor, else that many times as long as its own took) is stopped, and its half scored here.
SPLIT_WAIT_FLOOR = 60.0
SPLIT_WAIT_TIMES = 4.0


def _split_at(blocks: list) -> int | None:
    """Where `_score_in_two` cuts the blocks (about half the comparisons before), or None
    where it does not split them (SPLIT_SCORING_OVER)."""
    work = list(accumulate(len(refs) * len(refs) for _facet, refs in blocks))
    if not work or work[-1] <= SPLIT_SCORING_OVER:
        return None
    return bisect.bisect_left(work, work[-1] / 2) + 1


def _score_in_two(score: FuzzyScorer, blocks: list, text_of, exact_of, owner: list[int], parallel: bool,
                  verdicts: "sievecache.Verdicts | None" = None) -> list:
    """`score(blocks, ...)` -- exactly its matches, in its order, with its evidence -- the
    later blocks (about half the comparisons) scored in a forked child meanwhile. `verdicts`
    (the sieve's, store/sievecache.py) are given to `score` in both processes, and the child's
    sent back with its matches: both halves' are saved.

    One pass skips a pair of values in a later block once an earlier block matched it, and
    the partial test (the address by its parts) of a pair of texts whose first values it
    matched (engine.score_blocks `before`). The child does not know this half's matches: it
    scores its blocks as if nothing were matched before them, and notes which partial tests
    added matches (`gates`). Its matches of pairs this half matched are dropped, as one pass
    skips them; where a noted partial test's first pair was matched in this half and it added
    a pair this half did not match (one pass would not have tried it, and the child skipped
    that pair afterwards where one pass may not), the child's half is scored here again,
    after this half's matches (`before`): one pass's rest. So is it when the child fails, is
    not made, has not answered in time (SPLIT_WAIT_*) or sends anything but such an answer."""
    if verdicts is not None:
        score = functools.partial(score, verdicts=verdicts)  # type: ignore[call-arg]  # engine.score_blocks
    half = _split_at(blocks) if parallel else None
    if half is None:
        return score(blocks, text_of, exact_of, owner)
    later = blocks[half:]

    def in_child() -> tuple:
        if verdicts is not None:
            verdicts.forget()  # (this process's copy of what the parent saw before the fork)
        gates: list[tuple[int, int, int, int]] = []
        found = score(later, text_of, exact_of, owner, gates=gates)  # type: ignore[call-arg]
        return found, gates, verdicts.sent() if verdicts is not None else None

    child = ForkedResult(in_child)
    try:
        started = time.monotonic()
        found = score(blocks[:half], text_of, exact_of, owner)
        wait = max(SPLIT_WAIT_FLOOR, SPLIT_WAIT_TIMES * (time.monotonic() - started))
        try:
            answer = child.result(None, timeout=wait)
        except Exception:  # noqa: BLE001 - an answer that does not unpickle: scored here
            answer = None
    finally:
        child.cancel()
    matched = {(m.a, m.b) for m in found}
    rest = _the_rest(answer, matched, len(owner))
    if rest is None:
        return found + score(later, text_of, exact_of, owner, before=matched)  # type: ignore[call-arg]
    if verdicts is not None:
        verdicts.received(later, text_of, answer[2])  # (a tuple of three: `_the_rest`)
    return found + rest


def _the_rest(answer: object, matched: set[tuple[int, int]], refs: int) -> list | None:
    """The child's matches that one pass would find after the first half's (`matched`), or
    None where the child's half must be scored again (see `_score_in_two`): no answer, not
    an answer, or a partial test one pass would have skipped that added a pair."""
    if type(answer) is not tuple or len(answer) != 3:
        return None
    found, gates, _verdicts = answer
    if type(found) is not list or type(gates) is not list:
        return None
    for m in found:
        if not (isinstance(m, tuple) and len(m) == 4 and type(m[0]) is int and type(m[1]) is int
                and 0 <= m[0] < m[1] < refs and isinstance(m[2], (int, float)) and type(m[3]) is str):
            return None
    for gate in gates:
        if not (type(gate) is tuple and len(gate) == 4 and all(type(n) is int for n in gate)
                and 0 <= gate[2] < gate[3] <= len(found)):
            return None
        a, b, start, end = gate
        if (a, b) in matched and any((m[0], m[1]) not in matched for m in found[start:end]):
            return None
    return [m for m in found if (m[0], m[1]) not in matched]


class UndecodedValues:
    """The values of the profiles `audit_input` gives that it left undecoded (they share no key),
    of the kinds a comparison level reads, decoded only when asked for (`values`): the engine's
    pair completion (linkage.completion) compares them for the few pairs whose level they could
    change. Holds the bodies `_decode_lines` opened (no store needed); `kinds` reads
    which kinds a profile's undecoded values are of without decoding them."""

    def __init__(self, held: list[tuple[tuple[bytes, Sequence[int]], dict[int, Attribute]]]):
        self._held = held  # per profile: ((its opened body, its exact-key counts), decoded positions)
        self._kinds: dict[int, list[tuple[str, int]]] = {}
        self._lines: dict[int, list[bytes]] = {}

    def _lines_of(self, profile: int) -> list[bytes]:
        got = self._lines.get(profile)
        if got is None:  # (`_decode_lines` checked the body's shape)
            got = self._lines[profile] = self._held[profile][0][0].split(b"\n")
        return got

    def __eq__(self, other: object) -> bool:  # (AuditInputs compare equal: the same lines, the same values)
        return isinstance(other, UndecodedValues) and self._held == other._held

    __hash__ = None  # type: ignore[assignment]

    def _undecoded(self, profile: int) -> list[tuple[str, int]]:
        got = self._kinds.get(profile)
        if got is None:
            (_raw, counts), decoded = self._held[profile]
            lines = self._lines_of(profile)
            got = []
            for p in range(len(counts)):
                if p not in decoded and counts[p]:  # (a value with no key is in no audit)
                    line = lines[2 * p + 1]
                    end = line.find(b'"', 2)
                    if not line.startswith(b'["') or end < 0:
                        raise StoreDamaged(_("store is damaged: an account row is unreadable"))
                    got.append((line[2:end].decode("utf-8", "replace"), p))
            self._kinds[profile] = got
        return got

    def kinds(self, profile: int) -> set[str]:
        """The kinds of the profile's undecoded values."""
        return {kind for kind, _p in self._undecoded(profile)}

    def values(self, profile: int, kinds: Collection[str]) -> list[Attribute]:
        """The profile's undecoded values of these kinds, decoded (with their exact keys)."""
        counts = self._held[profile][0][1]
        lines = self._lines_of(profile)
        out = []
        try:
            for kind, p in self._undecoded(profile):
                if kind in kinds:
                    fields = json.loads(lines[2 * p + 1])
                    if not isinstance(fields[3], list):
                        raise ValueError("body and index disagree")
                    attribute = _decode_attribute(fields)
                    if len(attribute.keys) != counts[p] or attribute.kind != kind:
                        raise ValueError("body and index disagree")
                    out.append(attribute)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            raise StoreDamaged(_("store is damaged: an account row is unreadable")) from None
        return out
