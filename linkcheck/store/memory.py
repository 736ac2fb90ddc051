"""An in-memory store backend, for tests: the `StoreBackend` interface over Python lists.

Rows hold the plaintext the SQLite backend seals (store/codec.py), encoded on write and
decoded on read, so a profile comes back exactly as it would from the SQLite store and a
value the SQLite store refuses is refused here too. No encryption, no file, no manifest:
nothing here is a security boundary. `MemoryStore.open(write=...)` gives a transaction:
its changes are kept only if the body succeeds.
"""

from __future__ import annotations

import copy
import json
import os
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Iterator

from ..i18n import _
from .. import crypto
from ..errors import PassphraseError, UsageError
from ..models import KEYS_VERSION, Account, Event, Explanation, Profile
from .codec import (_decode_event, _decode_explanation, _decode_profile, _encode_event, _encode_explanation,
                    _encode_profile, _exact_key_count, _value_tagger, explanation_name)
from .keyindex import index_blob
from .prefilter import AuditInput, FuzzyScorer, QuietHubs


class _Data:
    def __init__(self) -> None:
        self.master = crypto.new_master_key()
        self.accounts: dict[str, bytes] = {}  # name -> encoded profile, in insertion order
        self.events: list[bytes] = []
        self.explanations: dict[str, bytes] = {}  # codec.explanation_name -> encoded explanation
        self.keys_version = KEYS_VERSION


class MemoryStore:
    """An unlocked in-memory store inside one transaction (see `MemoryStore.open`)."""

    def __init__(self, data: _Data, write: bool):
        self._data = data
        self._keys = crypto.Keyring(data.master)
        self.write = write

    @classmethod
    def new(cls) -> "_Data":
        """A new, empty in-memory store, to pass to `open`."""
        return _Data()

    @classmethod
    @contextmanager
    def open(cls, data: "_Data", *, write: bool = False) -> Iterator["MemoryStore"]:
        work = copy.deepcopy(data) if write else data
        store = cls(work, write)
        yield store
        if write:
            data.__dict__.update(work.__dict__)

    def _require_write(self) -> None:
        if not self.write:
            raise RuntimeError("store opened read-only")

    # ----- accounts --------------------------------------------------------------------------

    def find_profile(self, name: str) -> Profile | None:
        raw = self._data.accounts.get(name)
        return None if raw is None else _decode_profile(raw)

    def profile(self, name: str) -> Profile:
        found = self.find_profile(name)
        if found is None:
            raise UsageError(_("no account named {name!r}; `linkcheck account list` shows the accounts on file", name=name))
        return found

    def has_account(self, name: str) -> bool:
        return name in self._data.accounts

    def profiles(self) -> list[Profile]:
        return [_decode_profile(raw) for raw in self._data.accounts.values()]

    def iter_profiles(self) -> Iterator[Profile]:
        yield from self.profiles()

    def accounts(self) -> list[Account]:
        return [p.account for p in self.profiles()]

    def count_accounts(self) -> int:
        return len(self._data.accounts)

    def put_profile(self, profile: Profile) -> None:
        self._require_write()
        n_exact = [_exact_key_count(a.keys) for a in profile.attributes]
        body = _encode_profile(profile, n_exact)
        index_blob(profile, self._keys.index_tag, n_exact)  # refuses what the SQLite index refuses
        self._data.accounts[profile.account.name] = body

    def remove_account(self, name: str) -> None:
        self._require_write()
        if self._data.accounts.pop(name, None) is None:
            raise UsageError(_("no account named {name!r}; `linkcheck account list` shows the accounts on file", name=name))
        for key in [k for k, raw in self._data.explanations.items() if name in self._decode_explanation(raw).accounts]:
            del self._data.explanations[key]

    def rename_account(self, old: str, new: str) -> None:
        self._require_write()
        profile = self.profile(old)
        if new == old:
            return
        if self.has_account(new):
            raise UsageError(_("an account named {new!r} already exists", new=new))
        moved = [e for e in self.explanations() if old in e.accounts]
        self.remove_account(old)
        self.put_profile(replace(profile, account=replace(profile.account, name=new)))
        for expl in moved:
            first, second = sorted(new if a == old else a for a in expl.accounts)
            self.put_explanation(replace(expl, accounts=(first, second)))
        events = self._data.events
        for i, raw in enumerate(events):
            event = _decode_event(raw)
            if event.account == old:
                events[i] = _encode_event(replace(event, account=new))

    # ----- what the audit and the pre-login checks read --------------------------------------

    def audit_input(
        self, block_cap: int, score: FuzzyScorer, *, include: str | None = None, parallel: bool = True,
        hubs: QuietHubs | None = None, accounts: bool = False, meanwhile=None,
    ) -> AuditInput:
        """Every profile, no fuzzy matches: the audit compares everything itself (the result
        equals the SQLite backend's prefiltered input; the contract tests compare them).
        `meanwhile` is not called: there is nothing to wait for."""
        return AuditInput(self.profiles(), None)

    def candidates(self, keys: Iterable[str], *, exclude: str | None = None, block_cap: int = 200) -> list[Profile]:
        """Accounts holding any of these match keys; a blocking key held by more than
        `block_cap` accounts is ignored (as the SQLite backend does)."""
        profiles = self.profiles()
        held = [{k for a in p.attributes for k in a.keys} for p in profiles]
        hits: set[int] = set()
        for key in set(keys):
            rows = {i for i, mine in enumerate(held) if key in mine}
            if key.startswith("~") and len(rows) > block_cap:
                continue
            hits |= rows
        return [p for i, p in enumerate(profiles) if i in hits and p.account.name != exclude]

    # ----- the check log and explanations ----------------------------------------------------

    def add_event(self, event: Event) -> None:
        self._require_write()
        self._data.events.append(_encode_event(event))

    def events(self, account: str | None = None, since: int | None = None, action: str | None = None) -> list[Event]:
        out = []
        for raw in self._data.events:
            event = _decode_event(raw)
            if account is not None and event.account != account:
                continue
            if since is not None and event.when < since:
                continue
            if action is not None and event.action != action:
                continue
            out.append(event)
        return out

    def remove_events(self, account: str, action: str) -> int:
        self._require_write()
        kept = []
        for raw in self._data.events:
            event = _decode_event(raw)
            if not (event.account == account and event.action == action):
                kept.append(raw)
        removed = len(self._data.events) - len(kept)
        self._data.events[:] = kept
        return removed

    def _decode_explanation(self, raw: bytes) -> Explanation:
        return _decode_explanation(raw, self.value_tag)

    def explanations(self) -> list[Explanation]:
        return [self._decode_explanation(raw) for raw in self._data.explanations.values()]

    def replace_explanation(self, old: Explanation, new: Explanation) -> None:
        self._require_write()
        self._data.explanations.pop(explanation_name(old), None)
        self.put_explanation(new)

    def put_explanation(self, expl: Explanation) -> None:
        self._require_write()
        self._data.explanations[explanation_name(expl)] = _encode_explanation(expl)

    @property
    def value_tag(self):
        return _value_tagger(self._keys)

    # ----- keys, counts, passphrase and backup -----------------------------------------------

    def machine_hash(self, raw: str) -> str:
        return self._keys.machine_hash(raw)

    def signing_key(self):
        return self._keys.signing_key()

    def counts(self) -> dict:
        return {
            "accounts": len(self._data.accounts),
            "attributes": sum(len(p.attributes) for p in self.profiles()),
            "events": len(self._data.events),
            "explanations": len(self._data.explanations),
        }

    @property
    def keys_version(self) -> int:
        return self._data.keys_version

    def keep_keys_version(self, version: int) -> None:
        self._require_write()
        self._data.keys_version = min(version, self._data.keys_version)

    def upgrade_keys_version(self, version: int) -> None:
        self._require_write()
        self._data.keys_version = version

    def rekey(self, new_passphrase: str) -> None:
        """Nothing is wrapped in memory; refuses an empty passphrase as the SQLite backend does."""
        self._require_write()
        if not new_passphrase:
            raise PassphraseError(_("refusing an empty passphrase"))

    def backup(self, target: Path) -> None:
        """A JSON copy of the plaintext rows (tests only: this backend keeps nothing secret)."""
        if target.exists():
            raise UsageError(_("{target} already exists; choose a new file for the backup", target=target))
        fd = os.open(str(target), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"accounts": [raw.decode() for raw in self._data.accounts.values()],
                       "events": [raw.decode() for raw in self._data.events],
                       "explanations": [raw.decode() for raw in self._data.explanations.values()]}, fh)
