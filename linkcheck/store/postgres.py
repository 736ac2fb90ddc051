"""The team store: the same sealed rows as the file store, kept in a PostgreSQL database that
linkcheck does not trust, opened by each member with their own key (store/team.py).

What the server holds (schema `linkcheck`): `header` (magic, format, the team's random id),
`members` (each member's name, role, public keys, the team's master key wrapped to their
X25519 key, and an owner's signature over the record), `invitations` (pending: name, role,
the public keys a joining member posted), and the file store's tables -- `accounts`,
`events`, `explanations` -- with rows sealed exactly as there (store/codec.py,
store/keyindex.py: no value, account name, note or match key in clear), and `manifest`: the
sealed row manifest (an XOR of keyed MACs over every row, store/manifest.py) plus the team
manifest's counter, key epoch, writer and the writer's Ed25519 signature.

Opening (`TeamStore.open`): the member's key file is unlocked with their passphrase (in a
thread, while the rows are fetched), the member records are verified to chain to the founder
pinned in that file, the team manifest's signature to a member who may write, its counter
against the highest this computer has seen, and then -- the same code as the file store --
every row against the row manifest; every row read later is compared with the verified set.
A server that hides, replays, reorders or rolls back anything is detected (exit 5).

Transactions. A reader runs in one REPEATABLE READ READ ONLY transaction: one snapshot, so
the manifest and the rows it covers are read consistently. A writer first takes a
session-level advisory lock (writers queue on it, up to 60 s, then exit 6), then runs in a
REPEATABLE READ transaction whose snapshot is taken after the lock is granted, so it sees
every earlier write and commits all or nothing. Every write rewrites the one manifest row,
so SERIALIZABLE would only abort all but one concurrent writer (after each had derived its
key and read the store) and make them start again; a queue does the same work once.

`Store` (store/sqlite.py) provides the row logic; this module gives it a connection that
speaks PostgreSQL (`_Connection`: the same statements, PostgreSQL's spelling) and replaces
opening, committing and what is specific to a server.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

from ..i18n import _, translate
from .. import crypto
from ..errors import LinkcheckError, PassphraseError, StoreBusy, StoreDamaged, UsageError
from ..models import Account, Event, Profile
from . import team as team_mod
from .codec import RowKeyring
from .manifest import Manifest
from .schema import TABLES
from . import gatecache
from .sqlite import _NOT_ACCOUNTS, _VERIFY_QUERIES, FORMAT_VERSION, MAGIC, Store, _in_thread

URL_SCHEMES = ("postgresql://", "postgres://")
SCHEMA_NAME = "linkcheck"
LOCK_TIMEOUT_S = 60
CONNECT_TIMEOUT_S = 10
# The writers' advisory lock (per database): "link" in ASCII.
WRITER_LOCK = 0x6C696E6B

PG_SCHEMA = """
CREATE SCHEMA linkcheck;
CREATE TABLE linkcheck.header (
    id integer PRIMARY KEY CHECK (id = 1),
    magic text NOT NULL,
    format integer NOT NULL,
    team text NOT NULL
);
CREATE TABLE linkcheck.members (
    name text PRIMARY KEY,
    role text NOT NULL,
    x25519 bytea NOT NULL,
    ed25519 bytea NOT NULL,
    epoch bigint NOT NULL,
    signed_by text NOT NULL,
    signature bytea NOT NULL,
    wrapped bytea NOT NULL
);
CREATE TABLE linkcheck.invitations (
    name text PRIMARY KEY,
    role text NOT NULL,
    x25519 bytea,
    ed25519 bytea
);
CREATE TABLE linkcheck.accounts (
    id bigserial PRIMARY KEY,
    name_tag bytea NOT NULL UNIQUE,
    version bigint NOT NULL,
    body bytea NOT NULL,
    keys bytea NOT NULL,
    body_tag bytea GENERATED ALWAYS AS (substring(body from octet_length(body) - 15)) STORED
);
CREATE TABLE linkcheck.events (
    id bigserial PRIMARY KEY,
    version bigint NOT NULL,
    body bytea NOT NULL,
    body_tag bytea GENERATED ALWAYS AS (substring(body from octet_length(body) - 15)) STORED
);
CREATE TABLE linkcheck.explanations (
    id bigserial PRIMARY KEY,
    name_tag bytea NOT NULL UNIQUE,
    version bigint NOT NULL,
    body bytea NOT NULL,
    body_tag bytea GENERATED ALWAYS AS (substring(body from octet_length(body) - 15)) STORED
);
ALTER TABLE linkcheck.accounts ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE linkcheck.events ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE linkcheck.explanations ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE linkcheck.manifest (
    id integer PRIMARY KEY CHECK (id = 1),
    generation bigint NOT NULL,
    epoch bigint NOT NULL,
    body bytea NOT NULL,
    signed_by text NOT NULL,
    signature bytea NOT NULL,
    roster_by text NOT NULL,
    roster_signature bytea NOT NULL
)
"""


def is_team_url(text: object) -> bool:
    return isinstance(text, str) and text.strip().lower().startswith(URL_SCHEMES)


class TeamURL(str):
    """A team store's location, where a file store has its path. It answers the two questions
    commands ask of a store path before opening it (`exists`: there is somewhere to open;
    `is_dir`: it is not a folder), so they need not tell the two kinds apart; `display` is the
    URL without any password, for messages."""

    def exists(self) -> bool:
        return True

    def is_dir(self) -> bool:
        return False

    def expanduser(self) -> "TeamURL":
        return self

    @property
    def display(self) -> str:
        return display_url(self)


def display_url(url: str) -> str:
    """The URL with any password taken out (of the authority and of the query)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = userinfo.split(":", 1)[0] + "@" + host
    query = "&".join(p for p in parts.query.split("&") if p.split("=", 1)[0].lower() != "password")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def has_password(url: str) -> bool:
    """The URL holds a password (in its authority or its query): `config set store` refuses it."""
    parts = urlsplit(url)
    try:
        password = parts.password
    except ValueError:
        password = None
    return bool(password) or any(p.split("=", 1)[0].lower() == "password" for p in parts.query.split("&"))


# ----- the connection: the file store's statements in PostgreSQL's spelling -------------------


@functools.lru_cache(maxsize=256)
def _translate(sql: str) -> tuple[str, bool]:
    """SQLite's statement as PostgreSQL takes it, and whether it returns the new row's id.

    `NOT INDEXED` (a SQLite planner directive) goes: this server is not trusted to plan or
    to answer honestly, and every row it returns is checked against the verified set anyway."""
    out = sql.replace(" NOT INDEXED", "").replace("x''", "''::bytea").replace("?", "%s")
    out = re.sub(r"substr\((\w+), -16\)", r"substring(\1 from octet_length(\1) - 15)", out)
    returning = out.lstrip().upper().startswith("INSERT")
    if returning:
        out += " RETURNING id"
    return out, returning


class _Result:
    def __init__(self, cursor, lastrowid: int | None):
        self._cursor = cursor
        self.lastrowid = lastrowid

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()

    def __iter__(self):
        return iter(self._cursor)


class _Connection:
    """What `Store` needs of a connection: `execute(sql, params)` -> fetchone/fetchall/lastrowid."""

    def __init__(self, pg):
        self.pg = pg

    def execute(self, sql: str, params=()) -> _Result:
        text, returning = _translate(sql)
        cursor = self.pg.cursor(binary=True)
        cursor.execute(text, tuple(params) if params else None)
        lastrowid = None
        if returning:
            row = cursor.fetchone()
            lastrowid = row[0] if row else None
        return _Result(cursor, lastrowid)


def _pg_detail(exc: Exception) -> str:
    """The server's first line about `exc`, printable and short, for a message."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return "".join(ch if ch.isprintable() else "?" for ch in detail)[:160]


def _pg_failure(exc: Exception, where: str) -> LinkcheckError:
    import psycopg
    from psycopg import errors as pge

    detail = _pg_detail(exc)
    if isinstance(exc, (pge.UndefinedTable, pge.InvalidSchemaName)):
        return UsageError(_("no team store at {where}; create one with `linkcheck init --store URL`", where=where))
    if isinstance(exc, pge.LockNotAvailable):
        return StoreBusy(_("team store is busy (another member is writing to {where}); try again", where=where))
    if isinstance(exc, pge.SerializationFailure):
        return StoreBusy(_("team store at {where} was changed by another writer at the same time; try again", where=where))
    if isinstance(exc, pge.InsufficientPrivilege):
        return UsageError(_("the database refused this: the login in the store address may not do it ({detail}); "
                            "`linkcheck team db-roles` shows what each team role may do on the server",
                            detail=detail))
    if isinstance(exc, (pge.ReadOnlySqlTransaction, pge.DiskFull,
                        pge.InsufficientResources)):
        return StoreBusy(_("cannot write the team store at {where}: {detail}", where=where, detail=detail))
    if isinstance(exc, psycopg.OperationalError):
        return StoreBusy(_("cannot reach the team store at {where}: {detail}", where=where, detail=detail))
    return StoreDamaged(_("team store at {where} is damaged or not a linkcheck store ({detail})", where=where, detail=detail))


def _driver():
    """psycopg, or the one-line error that says how to install it (exit 2), wherever a team
    store is first touched: not an internal error from the first `import psycopg` reached."""
    try:
        import psycopg
    except ImportError:
        raise UsageError(_("a team store needs the PostgreSQL driver: python -m pip install 'psycopg[binary]>=3.2' (the team extra linkcheck's folder installs as '.[team]')")) from None
    return psycopg


def _connect(url: str):
    psycopg = _driver()
    try:
        pg = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        pg.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_S}s'")
        pg.execute(f"SET search_path TO {SCHEMA_NAME}")
    except psycopg.Error as exc:
        raise _pg_failure(exc, display_url(url)) from None
    return pg


def _close(pg) -> None:
    try:
        pg.close()
    except Exception:  # noqa: BLE001 - closing after a failure: the first error is the one to report
        pass


def _read_header(pg, where: str) -> str:
    """The team's id; the header is checked as the file store checks its own."""
    usage = pg.execute("SELECT has_schema_privilege(oid, 'USAGE') FROM pg_namespace WHERE nspname = %s",
                       (SCHEMA_NAME,)).fetchone()
    if usage is not None and not usage[0]:
        raise UsageError(_("the database login in the store address may not read the team store at {where}; its "
                           "owner grants a role with `linkcheck team db-roles --grant LOGIN=ROLE --apply`",
                           where=where))
    row = pg.cursor(binary=True).execute("SELECT magic, format, team FROM header WHERE id = 1").fetchone()
    if row is None:
        raise StoreDamaged(_("{where} is not a linkcheck team store (no header)", where=where))
    magic, fmt, team = row
    if magic != MAGIC:
        raise StoreDamaged(_("{where} is not a linkcheck team store (bad magic)", where=where))
    if fmt > FORMAT_VERSION:
        raise StoreDamaged(
            _("store format {fmt} is newer than this linkcheck supports ({FORMAT_VERSION}); upgrade linkcheck",
              fmt=fmt, FORMAT_VERSION=FORMAT_VERSION))
    if fmt != FORMAT_VERSION or not isinstance(team, str) or not re.fullmatch(r"[0-9a-f]{32}", team):
        raise StoreDamaged(_("team store header at {where} is damaged", where=where))
    return team


def read_info(url: str) -> dict:
    """The header facts of a team store, without any key."""
    psycopg = _driver()

    pg = _connect(url)
    try:
        team = _read_header(pg, display_url(url))
    except psycopg.Error as exc:
        raise _pg_failure(exc, display_url(url)) from None
    finally:
        _close(pg)
    return {"format_version": FORMAT_VERSION, "team": team}


def db_roles(url: str, prefix: str | None, logins, apply: bool) -> tuple[str, dict[str, str], list[str]]:
    """The PostgreSQL roles backing the team roles (store/pgroles.py): (prefix, role names,
    statements); with `apply`, run them in one transaction as the login in `url`."""
    psycopg = _driver()

    from . import pgroles

    where = display_url(url)
    pg = _connect(url)
    try:
        _read_header(pg, where)
        if prefix is None:
            database = pg.execute("SELECT current_database()").fetchone()[0]
            prefix = pgroles.default_prefix(database)
        else:
            prefix = pgroles.normalise_prefix(prefix)
        sql = pgroles.statements(prefix, SCHEMA_NAME, logins)
        if apply:
            with pg.transaction():
                for statement in sql:
                    pg.execute(statement.encode())
    except psycopg.errors.UndefinedObject as exc:
        missing = [login for login, _role in logins if f'"{login}"' in str(exc)]
        raise UsageError(_("there is no database login {login} on the server: create it first (CREATE ROLE {login} "
                           "LOGIN …), then grant it its role", login=missing[0] if missing else "?")) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        raise UsageError(_("the database login in the store address may not set these roles ({detail}): run "
                           "`linkcheck team db-roles --apply` as the login that created the store, with the "
                           "right to create roles, or give the printed statements to whoever runs the server",
                           detail=_pg_detail(exc))) from None
    except psycopg.Error as exc:
        raise _pg_failure(exc, where) from None
    finally:
        _close(pg)
    return prefix, pgroles.role_names(prefix), sql


def _wrap_ad(team: str, epoch: int, name: str) -> bytes:
    return f"linkcheck-team-key|{team}|{epoch}|{name}".encode()


def _member_rows(pg) -> list[team_mod.Member]:
    rows = pg.cursor(binary=True).execute(
        "SELECT name, role, x25519, ed25519, epoch, signed_by, signature, wrapped FROM members ORDER BY name"
    ).fetchall()
    try:
        return [team_mod.Member(str(n), str(r), bytes(x), bytes(e), int(ep), str(by), bytes(sig), bytes(w))
                for n, r, x, e, ep, by, sig, w in rows]
    except (TypeError, ValueError):
        raise StoreDamaged(_("the team store is damaged: a member record has the wrong shape")) from None


# What the row manifest check reads of every row (as store/sqlite.py's `_VERIFY_QUERIES`): the
# sealed bodies' AEAD tags come from `body_tag`, a column the server computes from `body` when a
# row is written, because the tail of a body stored out of line (TOAST) costs a lookup per row.
# The server is not trusted with it either: a body read later must end with the tag verified
# here (`check_row`) and open under its row's associated data.
_PG_VERIFY_QUERIES = {
    "accounts": "SELECT id, version, name_tag, body_tag, keys FROM accounts ORDER BY id",
    "events": "SELECT id, version, ''::bytea, body_tag FROM events ORDER BY id",
    "explanations": "SELECT id, version, name_tag, body_tag FROM explanations ORDER BY id",
}
assert _PG_VERIFY_QUERIES.keys() == _VERIFY_QUERIES.keys()


def _fetch(pg, tables=tuple(_PG_VERIFY_QUERIES)) -> tuple:
    """Everything the checks at open read, in the transaction's snapshot: the members, the
    team manifest, and per table (of `tables`) what the row manifest check reads of every row."""
    members = _member_rows(pg)
    manifest = pg.cursor(binary=True).execute(
        "SELECT generation, epoch, body, signed_by, signature, roster_by, roster_signature FROM manifest WHERE id = 1"
    ).fetchone()
    return members, manifest, _fetch_tables(pg, tables)


def _fetch_tables(pg, tables) -> dict:
    return {table: pg.cursor(binary=True).execute(_PG_VERIFY_QUERIES[table]).fetchall() for table in tables}


def member_key(url: str, secret: "str | team_mod.MemberKey") -> team_mod.MemberKey:
    """This member's unlocked key for the team store at `url` (a passphrase derives it)."""
    if isinstance(secret, team_mod.MemberKey):
        return secret
    return team_mod.unlock_member_file(read_info(url)["team"], secret)


# ----- creating a team store -----------------------------------------------------------------


def create(url: str, passphrase: str, member: str) -> team_mod.MemberKey:
    """A new team store in the database at `url`, its founder `member` (an owner) with a new
    member key file on this computer protected by `passphrase`."""
    psycopg = _driver()

    if not passphrase:
        raise PassphraseError(_("refusing an empty passphrase"))
    team_mod.check_member_name(member)
    where = display_url(url)
    pg = _connect(url)
    key = None
    try:
        exists = pg.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA_NAME,)).fetchone()
        if exists:
            raise UsageError(_("a team store already exists at {where}; refusing to overwrite it", where=where))
        team = uuid.uuid4().hex
        key = team_mod.new_member_file(team, member, None, passphrase)
        x25519, ed25519 = key.public_keys()
        master = crypto.new_master_key()
        keyring = RowKeyring(master)
        founder = team_mod.sign_member(team, team_mod.Member(
            member, "owner", x25519, ed25519, 0, member, b"",
            crypto.X25519Recipient(x25519).wrap(master, _wrap_ad(team, 0, member))), key)
        members = {member: founder}
        sealed = Manifest(0, 0, {t: 0 for t in TABLES}).seal(keyring)
        digest = team_mod.members_digest(team, members)
        payload = team_mod.manifest_payload(team, 0, 0, sealed, digest, member)
        roster_signature = key.ed25519.sign(team_mod.roster_payload(team, digest))
        with pg.transaction():
            for statement in PG_SCHEMA.split(";"):
                pg.execute(statement)
            pg.execute("INSERT INTO linkcheck.header (id, magic, format, team) VALUES (1, %s, %s, %s)",
                       (MAGIC, FORMAT_VERSION, team))
            _insert_member(pg, founder)
            pg.execute("INSERT INTO linkcheck.manifest (id, generation, epoch, body, signed_by, signature, roster_by, "
                       "roster_signature) VALUES (1, 0, 0, %s, %s, %s, %s, %s)",
                       (sealed, member, key.ed25519.sign(payload), member, roster_signature))
        team_mod.remember(key, 0, 0, hashlib.sha256(payload).hexdigest())
        return key
    except BaseException as exc:
        if key is not None and not isinstance(exc, UsageError):
            key.path.unlink(missing_ok=True)
        if isinstance(exc, psycopg.Error):
            raise _pg_failure(exc, where) from None
        raise
    finally:
        _close(pg)


def _insert_member(pg, m: team_mod.Member) -> None:
    pg.execute("INSERT INTO linkcheck.members (name, role, x25519, ed25519, epoch, signed_by, signature, wrapped) "
               "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
               (m.name, m.role, m.x25519, m.ed25519, m.epoch, m.by, m.signature, m.wrapped))


def join(url: str, invitation: str, passphrase: str) -> team_mod.MemberKey:
    """Redeem an invitation on this computer: a new member key file, its public keys posted
    to the invitation on the server. An owner then confirms the fingerprint (`team confirm`)."""
    psycopg = _driver()

    invite = team_mod.read_invitation(invitation)
    where = display_url(url)
    pg = _connect(url)
    key = None
    try:
        team = _read_header(pg, where)
        if team != invite["team"]:
            raise UsageError(_("this invitation is for another team store than the one at {where}", where=where))
        key = team_mod.new_member_file(team, invite["name"], invite["founder"], passphrase)
        x25519, ed25519 = key.public_keys()
        cur = pg.execute("UPDATE invitations SET x25519 = %s, ed25519 = %s WHERE name = %s AND role = %s "
                         "AND x25519 IS NULL", (x25519, ed25519, invite["name"], invite["role"]))
        if cur.rowcount != 1:
            raise UsageError(_("there is no open invitation for {name} at {where} (already redeemed, or "
                               "withdrawn); ask the owner for a new one", name=invite['name'], where=where))
        return key
    except BaseException as exc:
        if key is not None:
            key.path.unlink(missing_ok=True)
        if isinstance(exc, psycopg.Error):
            raise _pg_failure(exc, where) from None
        raise
    finally:
        _close(pg)


def _unrecoverable(problem: str) -> StoreDamaged:
    """Damage nothing can be salvaged from -- what binds the team key (the member records, the
    signed manifest, your wrapped key) is forged or broken -- with the way back."""
    return StoreDamaged(_("{problem}; nothing on the server can be trusted as it is: restore the database from "
                          "a backup (pg_dump), after which an owner accepts it with `linkcheck team recover`",
                          problem=problem))


# ----- the open team store -------------------------------------------------------------------


class TeamStore(Store):
    """An unlocked team store inside one transaction. Use `TeamStore.open(...)`."""

    team: str
    member: team_mod.MemberKey
    role: str
    epoch: int
    _members: dict[str, team_mod.Member]
    _pg: object
    _seen: tuple[int, int, str, int, str, list[str]] | None
    _roster_changed: bool
    _restore_facts: dict | None
    _seen_before: dict
    _salvage_problem: str | None
    _salvage_expected: dict | None
    _salvage_rows_match: bool
    accepted_restore: dict | None

    @classmethod
    @contextmanager
    def open(cls, path, passphrase, *, write: bool = False, gate: bool = False,
             defer_macs: bool = False, salvage: bool = False, bodies_only: bool = False,
             rows_as_read: bool = False) -> Iterator["TeamStore"]:
        """Unlock the team store at `path` (a URL) with the member's passphrase (or a function
        giving it once, or their `MemberKey`) and run the body in one transaction. `gate`: a
        reader may take the accounts from this member's gate cache (store/gatecache.py).
        `defer_macs`, `bodies_only` and `rows_as_read` are ignored: a team store checks every row
        at open (it has no audit cache). `salvage` (an owner:
        `team recover`, `store migrate --salvage`): a rollback or rows that do not match the
        manifest are kept for `salvage()`, not raised; the members, the signatures and the
        team key are checked as ever."""
        psycopg = _driver()

        url = str(path)
        where = display_url(url)
        box = [passphrase() if callable(passphrase) else passphrase]  # dropped once unlocked
        del passphrase
        pg = _connect(url)
        locked = False
        gate_id = sealed_snapshot = None
        try:
            team = _read_header(pg, where)
            given = box[0]
            key_path = given.path if isinstance(given, team_mod.MemberKey) else team_mod.member_file_path(team)
            del given

            def unlock() -> team_mod.MemberKey:
                secret = box.pop()
                if isinstance(secret, team_mod.MemberKey):
                    if secret.team != team:
                        raise PassphraseError(_("this member key is for another team store"))
                    return secret
                return team_mod.unlock_member_file(team, secret)

            if write:
                # The key first, then the writers' lock: others do not wait for our derivation.
                key = unlock()
                pg.execute("SELECT pg_advisory_lock(%s)", (WRITER_LOCK,))
                locked = True
                seen_before = team_mod.read_seen(key_path)
                pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                if _read_header(pg, where) != team:
                    raise StoreDamaged(_("team store header at {where} changed while opening it", where=where))
                fetched = _fetch(pg)
            else:
                seen_before = team_mod.read_seen(key_path)
                pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                unlocked = _in_thread(unlock)
                if gate:
                    # This computer's snapshot for this team, by the member key file's place.
                    gate_id = f"team:{team}:{key_path}"
                    fetched = _fetch(pg, _NOT_ACCOUNTS)
                    sealed_snapshot = gatecache.read_sealed(gate_id)
                else:
                    fetched = _fetch(pg)
                key = unlocked()
            store = cls._verified_open(where, pg, team, key, write, fetched, seen_before,
                                       (gate_id, sealed_snapshot) if gate and not write and not salvage else None,
                                       salvage)
        except psycopg.Error as exc:
            _close(pg)
            raise _pg_failure(exc, where) from None
        except BaseException:
            _close(pg)
            raise
        try:
            yield store
            if write:
                store._commit_manifest()
            pg.execute("COMMIT")
        except psycopg.Error as exc:
            _close(pg)
            raise _pg_failure(exc, where) from None
        except BaseException:
            _close(pg)  # the server rolls back an unfinished transaction and frees the lock
            raise
        if locked:
            try:
                pg.execute("SELECT pg_advisory_unlock(%s)", (WRITER_LOCK,))
            except psycopg.Error:
                pass
        _close(pg)
        if store._seen is not None:
            team_mod.remember(key, *store._seen)
        store._write_gate_cache()

    @classmethod
    def _verified_open(cls, where: str, pg, team: str, key: team_mod.MemberKey, write: bool,
                       fetched: tuple, seen_before: tuple, gate: tuple | None = None,
                       salvage: bool = False) -> "TeamStore":
        members_rows, manifest_row, tables = fetched
        if manifest_row is None:
            raise _unrecoverable(_("the team store was tampered with or damaged: the manifest is missing"))
        generation, epoch, sealed, by, signature, roster_by, roster_signature = manifest_row
        try:
            members = team_mod.verified_members(team, key.founder, members_rows, epoch)
            members_digest = team_mod.members_digest(team, members)
            payload = team_mod.manifest_payload(team, generation, epoch, sealed, members_digest, by)
            team_mod.verify_manifest_signature(members, payload, by, signature)
            team_mod.verify_roster(members, team_mod.roster_payload(team, members_digest), roster_by, roster_signature)
        except StoreDamaged as exc:
            raise _unrecoverable(exc.message) from None
        digest = hashlib.sha256(payload).hexdigest()
        me = members.get(key.name)
        if me is None or (me.x25519, me.ed25519) != key.public_keys():
            raise PassphraseError(
                _("{name} is not (or no longer) a member of the team store at {where}: its key opens nothing "
                  "here; ask an owner of the team to invite you again", name=key.name, where=where))
        try:
            master = key.x25519.unwrap(me.wrapped, _wrap_ad(team, epoch, me.name))
        except (crypto.WrongKey, crypto.Damaged):
            raise _unrecoverable(_("the team store was tampered with: your wrapped team key does not open")) from None
        if salvage and me.role != "owner":
            raise UsageError(_("you are {name}, an {role}: only an owner of the team salvages or recovers it",
                               name=me.name, role=translate(me.role)))
        keyring = RowKeyring(master)
        # The sealed row manifest opens only under the team's key (and the signature above
        # covers it): it says whether an owner accepted a restore, which the counter check needs.
        try:
            opened = Manifest.open(keyring, generation, bytes(sealed))
        except (StoreDamaged, ValueError, KeyError, TypeError):
            raise _unrecoverable(_("store was tampered with or damaged: the manifest is unreadable")) from None
        restores = team_mod.verify_restore(team, members, opened.restore, generation)
        problem = None
        try:
            team_mod.check_acceptance_state(opened.restore, generation, epoch, members_digest)
            team_mod.check_seen(key, seen_before, generation, epoch, digest, restores, me.role == "owner",
                                opened.restore)
        except StoreDamaged as exc:
            if not salvage:
                raise
            problem = exc.message
        if write and me.role not in team_mod.WRITERS:
            raise UsageError(_("you are {name}, an {role} of this team: auditors only read", name=me.name, role=translate(me.role)))
        store = cls(Path(where), _Connection(pg), keyring, write, FORMAT_VERSION)  # type: ignore[arg-type]
        store.path = where  # type: ignore[assignment]  # a URL, for messages
        store.team, store.member, store.role, store.epoch = team, key, me.role, epoch
        store._members, store._pg, store._seen = members, pg, (generation, epoch, digest, restores,
                                                                team_mod.acceptance_id(opened.restore),
                                                                team_mod.followed(opened.restore))
        store._roster_changed = False
        store._restore_facts = None
        store._seen_before = team_mod.checked_seen(key, seen_before)
        # An owner's acceptance this computer had not seen: the command says so once (cli/options.py).
        store.accepted_restore = (dict(opened.restore) if opened.restore is not None and not salvage
                                  and restores > int(store._seen_before.get("restores", 0)) else None)
        try:
            if salvage:
                store._salvage_problem = problem
                store._salvage_expected = dict(opened.counts)
                store._salvage_rows_match = True
                try:
                    store._verify_manifest((generation, sealed), tables)
                except StoreDamaged as exc:
                    store._salvage_problem = store._salvage_problem or exc.message
                    store._salvage_rows_match = False
                if store._salvage_problem is not None:
                    store._seen = None  # a state refused is not remembered as seen
                store._manifest = opened
            elif gate is not None:
                store._gate_identity = gate[0]
                if not store._open_from_gate_cache(((generation, sealed), tables), gate[1]):
                    store._verify_manifest()
            else:
                store._verify_manifest((generation, sealed), tables)
        except StoreDamaged as exc:
            raise StoreDamaged(store._damage_hint(exc.message)) from None
        return store

    def _damage_hint(self, problem: str) -> str:
        if self.role == "owner":
            return _("{problem}; you can salvage what still verifies: `linkcheck team recover` (in place, for every "
                     "member) or `linkcheck store migrate --salvage --to FILE`", problem=problem)
        return _("{problem}; tell an owner of the team: they salvage what still verifies with "
                 "`linkcheck team recover`", problem=problem)

    def _verify_manifest(self, fetched: tuple | None = None, tables: dict | None = None) -> None:
        if tables is None and fetched is None:  # every table again, in this transaction's snapshot
            row = self._pg.cursor(binary=True).execute(  # type: ignore[attr-defined]
                "SELECT generation, body FROM manifest WHERE id = 1").fetchone()
            super()._verify_manifest((row, _fetch_tables(self._pg, _PG_VERIFY_QUERIES)))
        elif tables is None:  # the base class's call shape
            super()._verify_manifest(fetched)
        else:
            super()._verify_manifest((fetched, tables))

    def _events_after(self, row_id: int) -> list:
        return self._pg.cursor(binary=True).execute(  # type: ignore[attr-defined]
            "SELECT id, version, ''::bytea, body_tag FROM events WHERE id > %s ORDER BY id", (row_id,)).fetchall()

    def _gate_extra(self) -> dict:
        seen = self._seen
        return {"generation": seen[0], "epoch": seen[1], "digest": seen[2]} if seen is not None else {}

    # ----- committing: the signed, counted team manifest ---------------------------------------

    def _commit_manifest(self) -> None:
        m = self._manifest
        if m is None or not self._dirty:
            return
        m.generation += 1
        m.written_here()
        restores = int((m.restore or {}).get("restores", 0))
        if self._restore_facts is not None:  # `team recover`: this owner accepts the state written now
            # Above any acceptance this state or this computer knows of: a backup restored from
            # before an earlier acceptance starts a newer series than that one, not the same.
            restores = max(restores, int(self._seen_before.get("restores", 0))) + 1
        digest = team_mod.members_digest(self.team, self._members)
        if self._restore_facts is not None:
            m.restore = team_mod.sign_restore(self.team, restores, m.generation, self.member, self._restore_facts,
                                              epoch=self.epoch, members=digest,
                                              follows=team_mod.lineage(m.restore, self._seen_before))
        sealed = m.seal(self._keys)
        payload = team_mod.manifest_payload(self.team, m.generation, self.epoch, sealed, digest, self.member.name)
        self._conn.execute(
            "UPDATE manifest SET generation = ?, epoch = ?, body = ?, signed_by = ?, signature = ? WHERE id = 1",
            (m.generation, self.epoch, sealed, self.member.name, self.member.ed25519.sign(payload)),
        )
        if self._roster_changed:  # only an owner changes members (`_require_owner`)
            self._conn.execute(
                "UPDATE manifest SET roster_by = ?, roster_signature = ? WHERE id = 1",
                (self.member.name, self.member.ed25519.sign(team_mod.roster_payload(self.team, digest))),
            )
        self._seen = (m.generation, self.epoch, hashlib.sha256(payload).hexdigest(), restores,
                      team_mod.acceptance_id(m.restore), team_mod.followed(m.restore))

    # ----- salvage and recovery (store/salvage.py) ---------------------------------------------

    def salvage(self):
        """Every row that opens under the team key, and what is lost; only in a store opened
        with `salvage=True` (an owner)."""
        from . import salvage as salvage_mod

        found = salvage_mod.read(self)
        found.problem, found.expected = self._salvage_problem, self._salvage_expected
        found.rows_match = self._salvage_rows_match
        found.older_than_seen = self._older_than_gate_cache(found.account_rows)
        return found

    def _older_than_gate_cache(self, rows: list[tuple[str, int, int]]) -> list[str] | None:
        """Accounts kept in an older version than this computer's gate cache last verified (by
        name: a higher id, or the same id and a higher version there); None without a cache
        that opens under this key. Ids only grow, so a row the cache saw later is newer."""
        gate_id = f"team:{self.team}:{self.member.path}"
        snap = gatecache.load(gatecache.read_sealed(gate_id), self._keys.master, gate_id)
        if snap is None:
            return None
        older = []
        try:
            for name, row_id, version in rows:
                seen_id = snap.row_id_of(self._keys.name_tag(name))
                at = snap.position(seen_id) if seen_id is not None else None
                if at is not None and (seen_id, int(snap.versions[at])) > (row_id, version):
                    older.append(name)
        except Exception:  # noqa: BLE001 - a damaged cache says nothing, it is not trusted
            return None
        return sorted(older)

    def seen_here(self) -> dict:
        """The newest team manifest this computer had seen before this command (counter, when)."""
        return dict(self._seen_before)

    @property
    def generation(self) -> int:
        return self._open_manifest.generation

    @property
    def restores(self) -> int:
        return int((self._open_manifest.restore or {}).get("restores", 0))

    def recover(self, found, facts: dict) -> int:
        """Accept the store as `found` holds it (`team recover`, an owner): every row that opened
        sealed again under a new manifest, whose counter is above any this computer has seen,
        with a restore record this owner signs -- so every member's computer takes it as newer
        than anything it saw before (store/team.py's `check_seen`). The rows that did not open
        are dropped. Returns the new manifest's counter."""
        self._require_write()
        self._require_owner()
        old = self._open_manifest
        for table in TABLES:
            self._conn.execute(f"DELETE FROM {table}")
        self._verified = {table: {} for table in TABLES}
        self._account_ids.clear()
        self._explanation_ids.clear()
        self._table_acc = {}
        generation = max(old.generation, int(self._seen_before.get("generation", 0)))
        self._manifest = Manifest(generation, 0, {t: 0 for t in TABLES}, old.keys, old.restore)
        for profile in found.profiles:
            self.put_profile(profile)
        for event in found.events:
            self.add_event_as_is(event)
        for expl in found.explanations:
            self.put_explanation(expl)
        self._restore_facts = facts
        self._dirty = True
        return generation + 1

    # ----- reads the file store leaves to its open-time check: here each row is checked -------

    def iter_profiles(self) -> Iterator[Profile]:
        """Every account, one at a time (export), through a server-side cursor: each row must be
        one verified at open, in ascending ids, and all of them must come back."""
        cursor = self._pg.cursor(name="linkcheck_profiles", binary=True)  # type: ignore[attr-defined]
        cursor.itersize = 500
        cursor.execute("SELECT id, version, name_tag, body FROM accounts ORDER BY id")
        count = previous = 0
        for row in cursor:
            self._check_row("accounts", *row)
            if row[0] <= previous:
                raise StoreDamaged(_("store was tampered with or damaged: two rows have one id"))
            previous = row[0]
            count += 1
            yield self._open_profile(*row)
        cursor.close()
        if count != len(self._verified["accounts"]):
            raise StoreDamaged(_("store was tampered with or damaged: a table reads back other rows than verified at open"))

    def accounts(self) -> list[Account]:
        rows = self._conn.execute("SELECT id, version, name_tag, body FROM accounts ORDER BY id").fetchall()
        self._check_scan("accounts", rows)
        return [self._open_account(*row) for row in rows]

    # ----- who did what ------------------------------------------------------------------------

    def add_event(self, event: Event) -> None:
        """Every logged check, run, capture or change records the member who made it."""
        detail = dict(event.detail or {})
        detail["member"] = self.member.name
        super().add_event(Event(event.when, event.account, event.action, event.verdict, detail))

    def add_event_as_is(self, event: Event) -> None:
        """A log entry copied from another store (`store migrate`, a re-key): its member, if any, kept."""
        super().add_event(event)

    # ----- passphrase and backup ---------------------------------------------------------------

    def rekey(self, new_passphrase: str) -> None:
        """`passwd` on a team store changes this member's own passphrase (their key file)."""
        if not new_passphrase:
            raise PassphraseError(_("refusing an empty passphrase"))
        team_mod.rewrap_member_file(self.member, new_passphrase)

    def backup(self, target: Path) -> None:
        raise UsageError(_("a team store is backed up on its server (pg_dump sees only ciphertext), or copied "
                           "into a file store with `linkcheck store migrate --to FILE`"))

    # ----- members -----------------------------------------------------------------------------

    def _require_owner(self) -> None:
        if self.role != "owner":
            raise UsageError(_("you are {name}, an {role}: only owners manage the team's members", name=self.member.name,
                               role=translate(self.role)))

    def members(self) -> list[team_mod.Member]:
        return [self._members[name] for name in sorted(self._members)]

    def invitations(self) -> list[tuple[str, str, str | None]]:
        """Pending invitations: name, role, and the fingerprint of the keys posted (None: not joined yet)."""
        rows = self._pg.cursor(binary=True).execute(  # type: ignore[attr-defined]
            "SELECT name, role, x25519, ed25519 FROM invitations ORDER BY name").fetchall()
        return [(n, r, team_mod.fingerprint(x, e) if x is not None and e is not None else None) for n, r, x, e in rows]

    def invite(self, name: str, role: str) -> str:
        self._require_write()
        self._require_owner()
        team_mod.check_member_name(name)
        if role not in team_mod.ROLES:
            raise UsageError(_("role must be one of {items}", items=', '.join(team_mod.ROLES)))
        if name in self._members:
            raise UsageError(_("{name} is already a member of this team", name=name))
        self._conn.execute("DELETE FROM invitations WHERE name = ?", (name,))
        self._pg.execute("INSERT INTO invitations (name, role) VALUES (%s, %s)", (name, role))  # type: ignore[attr-defined]
        return team_mod.invitation_text(self.team, self.member.founder, name, role)

    def confirm(self, name: str, given_fingerprint: str) -> team_mod.Member:
        """Admit the member who redeemed `name`'s invitation, if their keys have the fingerprint
        the owner was told by another channel; the team key is wrapped to them."""
        self._require_write()
        self._require_owner()
        row = self._pg.cursor(binary=True).execute(  # type: ignore[attr-defined]
            "SELECT role, x25519, ed25519 FROM invitations WHERE name = %s", (name,)).fetchone()
        if row is None:
            raise UsageError(_("there is no invitation for {name}; `linkcheck team invite {name} --role ROLE` makes one", name=name))
        role, x25519, ed25519 = row
        if x25519 is None or ed25519 is None:
            raise UsageError(_("{name} has not joined yet (`linkcheck team join INVITATION` on their computer)", name=name))
        x25519, ed25519 = bytes(x25519), bytes(ed25519)
        wanted = given_fingerprint.strip().lower()
        if team_mod.fingerprint(x25519, ed25519) != wanted:
            raise StoreDamaged(
                _("the key posted for {name} does not have the fingerprint you were given: it was not admitted "
                  "(someone else may have answered the invitation; withdraw it with `linkcheck team remove`)", name=name))
        if role not in team_mod.ROLES:
            raise StoreDamaged(_("the team store was tampered with: an invitation names an unknown role"))
        member = team_mod.sign_member(self.team, team_mod.Member(
            name, role, x25519, ed25519, self.epoch, "", b"",
            crypto.X25519Recipient(x25519).wrap(self._keys.master, _wrap_ad(self.team, self.epoch, name))),
            self.member)
        self._pg.execute("DELETE FROM invitations WHERE name = %s", (name,))  # type: ignore[attr-defined]
        _insert_member(self._pg, member)
        self._members[name] = member
        self._roster_changed = True
        return member

    def remove_member(self, name: str) -> bool:
        """Remove a member (or withdraw an invitation) and re-key the team in this transaction:
        a new master key, every row sealed again under it, wrapped to the members left. True
        when a member was removed (False: only an invitation was withdrawn)."""
        self._require_write()
        self._require_owner()
        if name not in self._members:
            cur = self._pg.execute("DELETE FROM invitations WHERE name = %s", (name,))  # type: ignore[attr-defined]
            if cur.rowcount:
                return False
            raise UsageError(_("{name} is not a member of this team (nor invited)", name=name))
        if self._members[name].ed25519 == self.member.founder:
            raise UsageError(_("{name} founded this team and cannot be removed", name=name))
        # Records the removed owner signed are signed again by you; the new member list must
        # still chain to the founder (it cannot if your own record is one of them).
        kept: dict[str, team_mod.Member] = {}
        for other, m in self._members.items():
            if other == name:
                continue
            if m.by == name:
                if other == self.member.name:
                    raise UsageError(_("{name} admitted you, so you cannot remove them: ask the founder or another owner", name=name))
                m = team_mod.sign_member(self.team, m, self.member)
            kept[other] = m
        team_mod.verified_members(self.team, self.member.founder, list(kept.values()), self.epoch)
        profiles, events, explanations = self.profiles(), self.events(), self.explanations()
        for table in TABLES:
            self._conn.execute(f"DELETE FROM {table}")
        self._conn.execute("DELETE FROM members")
        master = crypto.new_master_key()
        self._keys = RowKeyring(master)
        self.epoch += 1
        self._verified = {table: {} for table in TABLES}
        self._account_ids.clear()
        self._explanation_ids.clear()
        restore = self._open_manifest.restore
        if restore is not None and restore.get("by") == name:  # an accepted restore the removed owner signed
            # Signed again as it was: the same epoch, members and nonce (members who saw it keep it as one).
            kept_keys = ("restores", "generation", "by", "signature", "epoch", "members", "nonce", "follows")
            facts = {k: v for k, v in restore.items() if k not in kept_keys}
            restore = team_mod.sign_restore(self.team, restore["restores"], restore["generation"], self.member, facts,
                                            epoch=int(restore.get("epoch", self.epoch - 1)),
                                            members=str(restore.get("members", "")),
                                            nonce=restore.get("nonce", f"legacy-{restore['generation']}"),
                                            follows=restore.get("follows"))
        self._manifest = Manifest(self._open_manifest.generation, 0, {t: 0 for t in TABLES}, self._open_manifest.keys,
                                  restore)
        for other, m in kept.items():
            kept[other] = dataclasses.replace(m, epoch=self.epoch, wrapped=crypto.X25519Recipient(m.x25519).wrap(
                master, _wrap_ad(self.team, self.epoch, other)))
            _insert_member(self._pg, kept[other])
        self._members = kept
        self._roster_changed = True
        for profile in profiles:
            self.put_profile(profile)
        for event in events:
            self.add_event_as_is(event)
        for expl in explanations:
            self.put_explanation(expl)
        return True


def default_member_name() -> str:
    """The founder's member name when `init` is not given one: the user's login name."""
    import getpass

    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = "owner"
    return re.sub(r"[^A-Za-z0-9._-]", "-", name)[:64] or "owner"
