"""The sealed manifest -- an XOR of a keyed MAC over every row, plus row counts -- and the
verified-row checks: every row read after the manifest check must be one it verified.

`check_row`/`check_scan` take the verified set (table -> {row id: (version, name tag, AEAD
tag of each sealed column)}) that the backend filled while verifying the manifest and keeps
up to date on every write; any backend (SQLite now, PostgreSQL next) runs the same checks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..i18n import _
from .. import crypto
from ..errors import StoreDamaged
from ..models import KEYS_VERSION

UNRECORDED_KEYS_VERSION = 1  # the match keys of a store whose manifest predates the record


def row_mac_input(table: str, row_id: int, version: int, tag: bytes, *sealed_tails: bytes) -> bytes:
    """What a row's MAC covers: table, id, version, name tag and its sealed columns' AEAD tags.
    TypeError for a version that is not an int: `%d` would write a REAL 1.5 as 1, and a row
    whose version was changed so would pass (the callers say "a row has the wrong shape")."""
    if type(version) is not int:
        raise TypeError("version")
    return b"%s|%d|%d|%s|" % (table.encode(), row_id, version, tag) + b"".join(sealed_tails)


@dataclass
class Manifest:
    generation: int
    accumulator: int
    counts: dict
    keys: int = field(default_factory=lambda: KEYS_VERSION)  # the version of the match keys the store's values were given (models.KEYS_VERSION)
    # A team store: the last restore an owner accepted (`team recover`, store/team.py's
    # `sign_restore`), carried by every later write; None until one is accepted.
    restore: dict | None = None

    def seal(self, keyring: crypto.Keyring) -> bytes:
        data = {"generation": self.generation, "acc": format(self.accumulator, "x"), "counts": self.counts,
                "keys": self.keys}
        if self.restore is not None:
            data["restore"] = self.restore
        return keyring.seal(crypto.canonical_json(data), b"manifest|1|%d" % self.generation)

    @classmethod
    def open(cls, keyring: crypto.Keyring, generation: int, sealed: bytes) -> "Manifest":
        data = json.loads(keyring.open(sealed, b"manifest|1|%d" % generation, "the manifest"))
        keys = data.get("keys", UNRECORDED_KEYS_VERSION)
        if type(keys) is not int or not 1 <= keys <= 1_000_000:
            raise ValueError("keys")
        restore = data.get("restore")
        if restore is not None and not isinstance(restore, dict):
            raise ValueError("restore")
        return cls(data["generation"], int(data["acc"], 16), data["counts"], keys, restore)

    def written_here(self) -> None:
        """This linkcheck writes to the store: its values are no newer than this linkcheck's
        keys (a store from a newer linkcheck claims no more once an older one has written)."""
        self.keys = min(self.keys, KEYS_VERSION)

    @property
    def keys_outdated(self) -> bool:
        """The values were keyed by an older linkcheck's rules than this one's."""
        return self.keys < KEYS_VERSION


def check_row(verified_tables: dict, table: str, row_id, version, tag, *sealed) -> None:
    """Refuse a row read now unless it is exactly one the manifest check verified (or this
    transaction wrote): same id, version, name tag and sealed columns (compared by their
    AEAD tags; `sealed` in the table's column order, None for a column not read)."""
    expected = verified_tables[table].get(row_id) if type(row_id) is int else None
    if expected is not None and expected[0] == version and expected[1] == tag:
        try:
            # not strict: a caller may pass fewer sealed columns than were verified (the body only)
            if all(s is None or s[-16:] == e for s, e in zip(sealed, expected[2:], strict=False)):
                return
        except TypeError:  # a damaged record decodes to NULL or a number where bytes belong
            pass
    raise StoreDamaged(_("store was tampered with or damaged: a row read differs from the one verified at open"))


def check_scan(verified_tables: dict, table: str, rows: list, columns: tuple[int, ...] = (0,)) -> None:
    """`rows` -- (id, version, name tag, sealed column, ...) of a full scan of `table`
    ordered by id, the sealed columns being the table's `columns` (0 body, 1 keys) -- must
    be exactly the rows verified at open (or written since): each once, none missing.

    Compared in bulk first (the verified map keeps ids in ascending order: they are
    filled by a scan ordered by id, and new rows get larger ids); anything else is
    checked row by row, so the answer never depends on that order."""
    verified = verified_tables[table]
    try:
        seen: list[tuple]
        wanted: list[tuple]
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
        for column, value in zip(columns, row[3:], strict=True):
            sealed[column] = value
        check_row(verified_tables, table, row[0], row[1], row[2], *sealed)
        if row[0] <= previous:
            raise StoreDamaged(_("store was tampered with or damaged: two rows have one id"))
        previous = row[0]
    if len(rows) != len(verified):
        raise StoreDamaged(_("store was tampered with or damaged: a table reads back other rows than verified at open"))
