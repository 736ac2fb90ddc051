"""The audit's prefilter: what an audit needs, read from the sealed key indexes first
(`audit_input`), with the fuzzy side in a forked child process (`_Background`).

`audit_input(store, ...)` works on an open SQLite-backed `Store` (store/sqlite.py); the
store's `audit_input` method hands over to it.
"""

from __future__ import annotations

import bisect
import json
import os
import pickle
from collections import Counter
from itertools import accumulate, compress
from typing import Callable, NamedTuple, Sequence

from ..i18n import _
from ..errors import StoreDamaged
from ..models import Profile
from ..parallel import detach_child, fork_with_pipes, kill_and_reap, reap
from .codec import _ad, _decode_account, _decode_attribute
from .keyindex import _TEXT_SEPARATOR, _Index, _parse_index

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
        forked = fork_with_pipes(1) if parallel else None
        if forked is None:
            return
        pid, [(read_fd, write_fd)] = forked
        if pid == 0:  # the child
            status = 1
            try:
                detach_child()
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
        pid, self._pid = self._pid, None
        status = reap(pid)  # None: SIGCHLD ignored, the kernel reaped it and its status is lost
        if status == 0 and data:
            return pickle.loads(data)  # our own child's output, through our own pipe
        return self._work()

    def cancel(self) -> None:
        """Stop a child whose result is no longer wanted (the parent failed first)."""
        pid, self._pid = self._pid, None
        if pid is not None:
            self._read.close()  # type: ignore[union-attr]  # open while the child runs
            kill_and_reap(pid)


def audit_input(
    store, block_cap: int, score: FuzzyScorer, *, include: str | None = None, parallel: bool = True
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
    if store._format < 2:
        return AuditInput(store.profiles(), None)
    # Each account's sealed key index, as the manifest check read and verified it at open
    # (a store that has written since reads them again, checked against what it verified).
    # The bodies are read later, and only those of the accounts that share something.
    rows = store._index_rows
    if rows is None:
        rows = store._conn.execute("SELECT id, version, name_tag, keys FROM accounts NOT INDEXED ORDER BY id").fetchall()
        store._check_scan("accounts", rows, (1,))
    # Opened once, here; the forked child that runs the fuzzy side shares them.
    indexes = [_open_index(store, row) for row in rows]
    fuzzy = _Background(lambda: _fuzzy_matches(indexes, block_cap, score), parallel)
    try:
        # Which exact tags do two or more accounts hold? Set operations run in C, each
        # tag list turned into Python ints once; a tag one account holds twice is not shared.
        seen: set[int] = set()
        shared: set[int] = set()
        for index in indexes:
            mine = set(index.exact)
            shared |= seen & mine
            seen |= mine
        del seen
        include_tag = store._keys.name_tag(include) if include is not None else None
        is_shared = shared.__contains__
        wanted: dict[int, set[int]] = {}  # row position -> attribute positions
        for at, ((_row_id, _version, tag, _keys), index) in enumerate(zip(rows, indexes, strict=True)):
            hits = list(compress(range(len(index.exact)), map(is_shared, index.exact)))
            if hits:
                ends = list(accumulate(index.exact_counts))
                wanted[at] = {bisect.bisect_right(ends, position) for position in hits}
            elif tag == include_tag:
                wanted[at] = set()
        del shared
        decoded = _decode_lines(store, rows, indexes, wanted)
        matches = fuzzy.result()
    finally:
        fuzzy.cancel()
    if matches is None:
        return AuditInput(store.profiles(), None)
    # The values fuzzy matches name, where not decoded already.
    more: dict[int, set[int]] = {}
    for a, va, b, vb, _similarity, _facet in matches:
        for at, position in ((a, va), (b, vb)):
            if at not in decoded or position not in decoded[at][1]:
                more.setdefault(at, set()).add(position)
    for at, attributes in _decode_lines(store, rows, indexes, more).items():
        if at in decoded:
            decoded[at][1].update(attributes[1])
        else:
            decoded[at] = attributes
    profiles: list[Profile] = []
    place: dict[tuple[int, int], tuple[int, int]] = {}  # (row, attribute) -> (profile, value)
    for at in sorted(decoded):
        account, attributes = decoded[at]
        positions = sorted(attributes)
        for i, position in enumerate(positions):
            place[(at, position)] = (len(profiles), i)
        profiles.append(Profile(account, tuple(attributes[p] for p in positions)))
    given = [(*place[(a, va)], *place[(b, vb)], similarity, facet) for a, va, b, vb, similarity, facet in matches]
    return AuditInput(profiles, given)


def _open_index(store, row) -> _Index:
    row_id, version, tag, sealed = row
    try:
        return _parse_index(store._keys.open(sealed, _ad("accounts", row_id, version, tag, "keys"), "a key index"))
    except (TypeError, ValueError):
        raise StoreDamaged(
            _("store was tampered with or damaged: an account's key index fails its integrity check")
        ) from None


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
        for at, (row_id, version, tag, body) in zip(chunk, found, strict=True):
            store._check_row("accounts", row_id, version, tag, body)
            yield at, body


def _decode_lines(store, rows: list, indexes: list[_Index], wanted: dict[int, set[int]]) -> dict:
    """{row position: (account, {attribute position: attribute with its exact keys})} for
    the wanted rows and attributes: the wanted lines of every body, in one JSON parse."""
    lines_wanted: list[bytes] = []
    plan = []
    for at, body in _bodies(store, rows, sorted(wanted)):
        row_id, version, tag, _keys = rows[at]  # as verified, and as the body's row (`_bodies`)
        index = indexes[at]
        raw = store._keys.open(body, _ad("accounts", row_id, version, tag, "body"), "an account row")
        lines = raw.split(b"\n")
        del raw
        if lines.pop() != b"" or len(lines) != 2 * len(index.exact_counts) + 1:
            raise StoreDamaged(_("store is damaged: an account row is unreadable"))
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
            if store._keys.name_tag(account.name) != tag:
                raise StoreDamaged(_("store was tampered with: an account row is filed under the wrong name"))
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
        raise StoreDamaged(_("store is damaged: an account row is unreadable")) from None


def _fuzzy_matches(indexes: list[_Index], block_cap: int, score: FuzzyScorer) -> list[tuple] | None:
    """The fuzzy side of `audit_input`, from the key indexes alone: blocks of blocking tags
    held by 2 to `block_cap` accounts, in the order the audit would meet them; one ref per
    value in such a block, in (account, value) order; its text and the tag of its own
    exact key from the index. Returns (row, attribute, row, attribute, similarity, facet),
    or None for a store written by a development build whose index kept no texts."""
    holders: Counter[int] = Counter()  # blocking tag -> accounts holding it (counted in C)
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
        raise StoreDamaged(_("store is damaged: an account's key index is unreadable")) from None
    found = score(list(blocks.values()), texts.__getitem__, exact.__getitem__, owner)
    return [(*where[m.a], *where[m.b], m.similarity, m.facet) for m in found]
