"""Store formats, as named migrations in order (after llm's migrations.py).

A store's header records its format: the number of migrations applied to it. `create`
applies `m001_schema` and writes the newest format directly (every later migration only
rewrites rows, so a new store has nothing to migrate). A store of an older format is read
as it is; the migrations after its format run, in order, in the transaction of its first
write (`Store._upgrade`), which then wraps the master key again under the new header (the
format number is bound into the wrapped key).

Format 3 (`m003_identifier_history`) adds each value's periods of use.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Callable

from .schema import SCHEMA

if TYPE_CHECKING:
    from .sqlite import Store


def m001_schema(conn: sqlite3.Connection) -> None:
    """Format 1: the tables (store/schema.py). Format 1 sealed each account as one JSON object
    and its key index as a bare sorted list of tags; formats 1 and 2 share the schema."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def m002_format2(store: "Store") -> None:
    """Format 2: every account row rewritten as JSON lines with the format-2 key index
    (store/codec.py, store/keyindex.py)."""
    profiles = store.profiles()
    store._format = 2
    for profile in profiles:
        store.put_profile(profile)


def m003_identifier_history(store: "Store") -> None:
    """Format 3: every account row rewritten with each value's periods of use (store/codec.py).
    A value of an older store has none recorded: it is current since its first_seen."""
    profiles = store.profiles()
    store._format = 3
    for profile in profiles:
        store.put_profile(profile)


# Format n is reached by MIGRATIONS[n - 1]; the upgrades of an open store take Store.
MIGRATIONS: tuple[Callable, ...] = (m001_schema, m002_format2, m003_identifier_history)
FORMAT_VERSION = len(MIGRATIONS)


def upgrade(store: "Store") -> None:
    """Run, in order, the migrations after the store's format (in its write transaction)."""
    for migrate in MIGRATIONS[store._format :]:
        migrate(store)
