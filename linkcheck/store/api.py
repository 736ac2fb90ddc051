"""The store's typed interface: what commands need of a store, whatever keeps it.

`StoreBackend` names the operations of an *unlocked* store inside one transaction (the
SQLite backend's `Store.open(path, passphrase, write=...)` yields one; so does
`MemoryStore`). Commands are written against this interface; tests run one contract suite
over every backend (tests/test_store_contract.py).

Implementations:

- `sqlite.Store` -- the encrypted single-file store (the default; see store/sqlite.py).
- `memory.MemoryStore` -- plain in-memory, for tests; no encryption, no file.
- `postgres.TeamStore` -- the team store on PostgreSQL (store/postgres.py): `Store`'s row logic
  over a PostgreSQL connection. One transaction per command (a reader: REPEATABLE READ READ
  ONLY; a writer: a session advisory lock, then REPEATABLE READ, commits all or nothing); rows
  sealed exactly as the SQLite backend seals them; the manifest and verified-row checks, plus
  a team manifest signed by the writing member with a counter each client remembers
  (store/team.py); the master key wrapped once per member (crypto/recipients.py's X25519
  recipients). The server is not trusted, so there is no catalogue check: every answer is
  checked against the signed manifest instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol, runtime_checkable

from ..models import Account, Event, Explanation, Profile

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from .prefilter import AuditInput, FuzzyScorer, QuietHubs


# "No account named X" suggests the closest name on file up to this many accounts (the names are
# sealed: reading them all takes about 0.1 s per 10,000 accounts).
SUGGEST_MAX_ACCOUNTS = 20_000


def closest_account(store: "StoreBackend", name: str) -> str | None:
    """The account on file whose name is closest to `name` (a typo: lanjng-us for lanjing-us),
    if one is close and the store is small enough to read every name (SUGGEST_MAX_ACCOUNTS)."""
    if store.count_accounts() > SUGGEST_MAX_ACCOUNTS:
        return None
    import difflib

    close = difflib.get_close_matches(name, [a.name for a in store.accounts()], n=1, cutoff=0.75)
    return close[0] if close else None


@runtime_checkable
class StoreBackend(Protocol):
    """An unlocked store inside one transaction (committed when the command succeeds)."""

    write: bool

    # accounts
    def find_profile(self, name: str) -> Profile | None: ...
    def profile(self, name: str) -> Profile: ...  # UsageError when there is none
    def has_account(self, name: str) -> bool: ...
    def profiles(self) -> list[Profile]: ...  # insertion order
    def iter_profiles(self) -> Iterator[Profile]: ...
    def accounts(self) -> list[Account]: ...
    def count_accounts(self) -> int: ...
    def put_profile(self, profile: Profile) -> None: ...  # insert, or replace by name
    def remove_account(self, name: str) -> None: ...  # and the explanations naming it
    def rename_account(self, old: str, new: str) -> None: ...  # carries explanations and the log

    # what the audit and the pre-login checks read
    def audit_input(
        self, block_cap: int, score: "FuzzyScorer", *, include: str | None = None, parallel: bool = True,
        hubs: "QuietHubs | None" = None, accounts: bool = False, meanwhile=None,
    ) -> "AuditInput": ...
    def candidates(self, keys: Iterable[str], *, exclude: str | None = None, block_cap: int = 200) -> list[Profile]: ...

    # the check log and explanations
    def add_event(self, event: Event) -> None: ...
    def events(self, account: str | None = None, since: int | None = None, action: str | None = None) -> list[Event]: ...
    def remove_events(self, account: str, action: str) -> int: ...
    def explanations(self) -> list[Explanation]: ...
    def put_explanation(self, expl: Explanation) -> None: ...
    def replace_explanation(self, old: Explanation, new: Explanation) -> None: ...  # `new` in `old`'s row
    @property
    def value_tag(self) -> Callable[[str], str]: ...  # an explanation's keyed tag of a match key

    # keys for other modules, counts, passphrase and backup
    def machine_hash(self, raw: str) -> str: ...
    def signing_key(self) -> "Ed25519PrivateKey": ...
    def counts(self) -> dict: ...
    @property
    def keys_version(self) -> int: ...  # the match keys' version its values were given (models.KEYS_VERSION)
    def keep_keys_version(self, version: int) -> None: ...
    def upgrade_keys_version(self, version: int) -> None: ...  # every value keyed again (`store upgrade`)
    def rekey(self, new_passphrase: str) -> None: ...
    def backup(self, target: Path) -> None: ...
