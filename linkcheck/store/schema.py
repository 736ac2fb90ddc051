"""The store's SQLite schema, and the check that a file has exactly that schema (no key needed)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from ..i18n import _
from ..errors import StoreDamaged

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

_EXPECTED_SCHEMA: Counter | None = None


def expected_schema() -> Counter:
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


def check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a store whose schema is not exactly the one linkcheck creates.

    An extra or altered table, index, trigger or view -- or any other SQL text for one of
    ours, as `PRAGMA writable_schema` can write -- could make SQLite answer the integrity
    check and the later reads from different rows (a partial index presented as a full one,
    a table whose ids are not unique). Needs no key; runs inside the command's transaction,
    so the rows read next are read under this schema.
    """
    found = Counter(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    if found != expected_schema():
        raise StoreDamaged(
            _("store at {path} was tampered with or damaged: its SQLite schema is not the one linkcheck creates", path=path)
        )
