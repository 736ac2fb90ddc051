"""Salvage: what a damaged or rolled-back store still holds that verifies on its own.

A store whose rows no longer add up to its manifest (a row deleted, added or replaced behind
linkcheck's back) is refused by every command: the manifest is the only thing that says the
set of rows is whole and current. Each row, though, is sealed on its own (AES-256-GCM, its
associated data binding the table, its id, its version and its name tag), so a row that
opens under the store's key was written by someone holding that key, in that place, with
that version. `read` opens every row it can, one by one, and says what it cannot vouch for:

- rows that do not open (damaged, or not written with this key) are left out and counted;
- rows missing: the manifest's counts (it is sealed and, in a team store, signed) against
  the rows that opened -- how many of each kind, not which (the manifest holds a MAC sum,
  not a list); accounts the log or an explanation names that are not found are named;
- what cannot be verified at all once the manifest no longer matches: that each row is its
  newest version (an older copy of a row also opens) -- said in the report, every time.

The owner then copies it out (`store migrate --salvage`) or, in a team store, accepts it in
place (`team recover`): the rows re-sealed under a new manifest that an owner signs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..errors import StoreDamaged
from ..models import EVERY_HOLDER, Event, Explanation, Profile
from .codec import _ad, _decode_event, _decode_explanation
from .schema import TABLES

_QUERIES = {
    "accounts": "SELECT id, version, name_tag, body FROM accounts NOT INDEXED ORDER BY id",
    "events": "SELECT id, version, x'', body FROM events NOT INDEXED ORDER BY id",
    "explanations": "SELECT id, version, name_tag, body FROM explanations NOT INDEXED ORDER BY id",
}


@dataclass
class Salvage:
    profiles: list[Profile] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    explanations: list[Explanation] = field(default_factory=list)
    found: dict[str, int] = field(default_factory=lambda: {t: 0 for t in TABLES})
    unreadable: dict[str, int] = field(default_factory=lambda: {t: 0 for t in TABLES})
    expected: dict[str, int] | None = None  # the manifest's counts (None: it could not be read)
    problem: str | None = None  # why the store was refused (None: it was not)
    rows_match: bool = False  # the rows are exactly those the (signed) manifest counts: refused only as a rollback
    named_missing: list[str] = field(default_factory=list)  # accounts the log or explanations name, not found
    # Accounts here that the log says were removed after they were created: an older copy put back?
    removed_yet_here: list[str] = field(default_factory=list)
    # Second copies of one row (one id, or one account name): the newest version is kept.
    duplicates: dict[str, int] = field(default_factory=lambda: {t: 0 for t in TABLES})
    older_copies: list[str] = field(default_factory=list)  # accounts that had an older copy too
    kept: str = ""  # a digest of which rows were kept (table, id, version): `team recover` compares it
    account_rows: list[tuple[str, int, int]] = field(default_factory=list)  # (name, id, version) kept
    # Accounts kept in an older version than this computer's gate cache last verified (None: no cache to compare).
    older_than_seen: list[str] | None = None

    @property
    def extra(self) -> dict[str, int]:
        """Rows kept beyond the manifest's count, per table: put back, or forged by a key holder."""
        if self.expected is None:
            return {t: 0 for t in TABLES}
        return {t: max(self.found[t] - int(self.expected.get(t, 0)), 0) for t in TABLES}

    @property
    def whole(self) -> bool:
        """Nothing missing, unreadable, duplicated or extra -- as of the manifest: an older copy
        of a row would still look the same (see `salvage_lines`)."""
        return not self.lost and not any(self.extra.values()) and not any(self.duplicates.values())

    @property
    def missing(self) -> dict[str, int]:
        """Rows the manifest counts that are not in the table at all, per table (a row that is
        there but does not open is counted as unreadable, not again as missing)."""
        if self.expected is None:
            return {t: 0 for t in TABLES}
        return {t: max(int(self.expected.get(t, 0)) - self.found[t] - self.unreadable[t], 0) for t in TABLES}

    @property
    def lost(self) -> bool:
        return any(self.missing.values()) or any(self.unreadable.values())

    def facts(self) -> dict:
        """The loss as kept in the log (counts and account names only: the entry is sealed)."""
        facts = {"found": dict(self.found), "missing": self.missing, "unreadable": dict(self.unreadable),
                 "named_missing": list(self.named_missing), "removed_yet_here": list(self.removed_yet_here)}
        if any(self.extra.values()) or any(self.duplicates.values()):
            facts.update(extra=self.extra, duplicates=dict(self.duplicates), older_copies=list(self.older_copies))
        return facts


def _blob(value) -> bytes:
    """A sealed column as bytes; TypeError (the row is counted unreadable) for anything else the
    file's holder may have put there -- an SQLite INTEGER would otherwise become `bytes(n)`, n
    zero bytes (gigabytes for a large n), and text or NULL is not a sealed value either."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("not a sealed value")
    return bytes(value)


def _newest_by_id(out: Salvage, conn, keys, table: str, what: str, decode) -> dict[int, tuple[int, object]]:
    """{id: (version, item)} of every row of `table` that opens on its own (events carry no name
    tag: the query gives x''), each id once -- its newest version kept, a second copy counted in
    `out.duplicates`; what does not open is counted in `out.unreadable`."""
    rows: dict[int, tuple[int, object]] = {}
    for row_id, version, tag, body in conn.execute(_QUERIES[table]).fetchall():
        try:
            item = decode(keys.open(_blob(body), _ad(table, row_id, version, _blob(tag), "body"), what))
        except (StoreDamaged, ValueError, KeyError, TypeError):
            out.unreadable[table] += 1
            continue
        if row_id in rows:  # one row twice: counted once, the duplicate reported
            out.duplicates[table] += 1
            if version <= rows[row_id][0]:
                continue
        rows[row_id] = (version, item)
    out.found[table] = len(rows)
    return rows


def read(store) -> Salvage:
    """Every row of `store` (an open `Store` or `TeamStore`, its key unlocked) that opens on
    its own, with what is missing, unreadable, duplicated or beyond the manifest's count. Reads
    the tables directly: nothing here trusts the manifest or the verified set. Of two copies
    of one row (one id, or one account name) the newest is kept and the older copy is reported:
    the highest id, then the highest version. Ids only grow and each row's id is sealed into it,
    so a higher id was written later (`team recover`, like a removal and a new `account add`,
    writes an account again under a new id at version 1); versions count the rewrites of one id
    and cannot be compared across ids."""
    out = Salvage()
    conn, keys = store._conn, store._keys
    accounts: dict[str, tuple[int, int, Profile]] = {}  # name -> (version, id, profile)
    seen_ids: set[int] = set()
    for row_id, version, tag, body in conn.execute(_QUERIES["accounts"]).fetchall():
        try:
            profile = store._open_profile(row_id, version, _blob(tag), _blob(body))
        except (StoreDamaged, ValueError, TypeError):
            out.unreadable["accounts"] += 1
            continue
        name = profile.account.name
        if row_id in seen_ids or name in accounts:  # two copies of one account: the newest is kept
            out.duplicates["accounts"] += 1
            out.older_copies.append(name)
            if name in accounts and (row_id, version) <= (accounts[name][1], accounts[name][0]):
                continue
        seen_ids.add(row_id)
        accounts[name] = (version, row_id, profile)
    out.profiles = [p for _v, _i, p in sorted(accounts.values(), key=lambda t: t[1])]
    out.account_rows = sorted(((n, i, v) for n, (v, i, _p) in accounts.items()), key=lambda t: t[1])
    out.found["accounts"] = len(out.profiles)
    names = set(accounts)
    events = _newest_by_id(out, conn, keys, "events", "a log entry", _decode_event)
    out.events = [events[i][1] for i in sorted(events)]  # type: ignore[misc]
    explanations = _newest_by_id(out, conn, keys, "explanations", "an explanation",
                                 lambda raw: _decode_explanation(raw, store.value_tag))
    out.explanations = [explanations[i][1] for i in sorted(explanations)]  # type: ignore[misc]
    out.older_copies = sorted(set(out.older_copies))
    kept = sorted([("accounts", i, v) for v, i, _p in accounts.values()]
                  + [("events", i, v) for i, (v, _e) in events.items()]
                  + [("explanations", i, v) for i, (v, _x) in explanations.items()])
    out.kept = hashlib.sha256(repr(kept).encode()).hexdigest()
    named = {e.account for e in out.events if e.account} | {a for x in out.explanations for a in x.accounts}
    removed_at: dict[str, int] = {}  # the last removal of each account the log says was removed
    for e in out.events:
        if e.action == "account-remove":
            removed_at[e.account] = max(removed_at.get(e.account, 0), e.when)
    renamed = {str((e.detail or {}).get("renamed_from")) for e in out.events if e.action == "account-rename"}
    # An account removed on purpose leaves its log behind: not missing (`account remove` logs it).
    out.named_missing = sorted(n for n in named - names - removed_at.keys() - renamed if n != EVERY_HOLDER)
    out.removed_yet_here = sorted(p.account.name for p in out.profiles
                                  if p.account.created <= removed_at.get(p.account.name, -1))
    return out
