"""PostgreSQL's own privileges behind the team's roles: a second wall, kept by the server.

linkcheck's guarantees do not depend on the server (every write is signed by its member and
checked by every reader: an auditor's write is damage, exit 5). But a team that gives each
member a database login of their own can also have PostgreSQL refuse what a role may not do,
so a modified client on an auditor's computer cannot even write its rows. Three group roles
per team store, named `<prefix>_owner`, `<prefix>_operator`, `<prefix>_auditor`:

- auditor: reads every table; may only post its own public keys to an invitation (`team join`);
- operator: also writes accounts, the log and explanations, and the manifest's counter, body
  and signature (not the roster signature, not members, not invitations);
- owner: also members, invitations, the header and the roster signature (invite, confirm,
  remove and its re-key).

The statements are idempotent (an existing role is kept) and can be printed for whoever
administers the server (`linkcheck team db-roles`) or applied with `--apply` by the database
login that created the store (the tables' owner, which PostgreSQL lets grant on them) if it may
also create roles. The tables' owner keeps every right whatever is granted: give the other
members other logins.
"""

from __future__ import annotations

import re
from typing import Sequence

from ..errors import UsageError
from ..i18n import _

ROLE_SUFFIXES = ("owner", "operator", "auditor")
MAX_PREFIX = 40  # role names are at most 63 bytes in PostgreSQL
_SAFE = re.compile(r"[^a-z0-9_]+")

# What each role may do beyond reading every table. Column lists are PostgreSQL column grants.
_JOIN = ("UPDATE (x25519, ed25519)", ("invitations",))
_WRITE_ROWS = ("INSERT, UPDATE, DELETE", ("accounts", "events", "explanations"))
_WRITE_MANIFEST = ("UPDATE (generation, epoch, body, signed_by, signature)", ("manifest",))
_MANAGE = ("INSERT, UPDATE, DELETE", ("members", "invitations", "manifest", "header"))
GRANTS = {
    "auditor": (_JOIN,),
    "operator": (_JOIN, _WRITE_ROWS, _WRITE_MANIFEST),
    "owner": (_JOIN, _WRITE_ROWS, _WRITE_MANIFEST, _MANAGE),
}
WRITERS = ("operator", "owner")


def default_prefix(database: str) -> str:
    """`linkcheck_<database>`, folded to the characters a role name needs no care for."""
    return normalise_prefix(f"linkcheck_{database}")


def normalise_prefix(prefix: str) -> str:
    folded = _SAFE.sub("_", prefix.strip().lower()).strip("_")
    if not folded or not folded[0].isalpha():
        raise UsageError(_("a role prefix must start with a letter (given: {prefix})", prefix=prefix))
    return folded[:MAX_PREFIX]


def role_names(prefix: str) -> dict[str, str]:
    return {suffix: f"{prefix}_{suffix}" for suffix in ROLE_SUFFIXES}


def _ident(name: str) -> str:
    """A PostgreSQL identifier, quoted (names here are already [a-z0-9_], this is belt and braces)."""
    return '"' + name.replace('"', '""') + '"'


def statements(prefix: str, schema: str, logins: Sequence[tuple[str, str]] = ()) -> list[str]:
    """The SQL, in order: create the three roles if missing, take back what PUBLIC could do,
    grant each role its rights, and make each given login a member of its role."""
    names = role_names(prefix)
    s = _ident(schema)
    every = ", ".join(_ident(names[r]) for r in ROLE_SUFFIXES)
    out = []
    for role in ROLE_SUFFIXES:
        out.append("DO $$ BEGIN CREATE ROLE %s NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                   % _ident(names[role]))
    out.append(f"REVOKE ALL ON SCHEMA {s} FROM PUBLIC")
    out.append(f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM PUBLIC")
    out.append(f"GRANT USAGE ON SCHEMA {s} TO {every}")
    out.append(f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {every}")
    for role in ROLE_SUFFIXES:
        for privileges, tables in GRANTS[role]:
            listed = ", ".join(f"{s}.{_ident(t)}" for t in tables)
            out.append(f"GRANT {privileges} ON {listed} TO {_ident(names[role])}")
    writers = ", ".join(_ident(names[r]) for r in WRITERS)
    out.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {writers}")
    for login, role in logins:
        out.append(f"GRANT {_ident(names[role])} TO {_ident(login)}")
    return out


def parse_login(text: str) -> tuple[str, str]:
    """`LOGIN=ROLE` (a database login, one of owner/operator/auditor)."""
    login, sep, role = text.partition("=")
    login, role = login.strip(), role.strip().lower()
    if not sep or not login or role not in ROLE_SUFFIXES:
        raise UsageError(_("--grant takes LOGIN=ROLE with ROLE one of owner, operator, auditor (given: {text})",
                           text=text))
    if len(login.encode()) > 63 or any(not ch.isprintable() for ch in login):
        raise UsageError(_("--grant: {login} is not a PostgreSQL login name", login=login))
    return login, role
