"""Bring a store's match keys up to this linkcheck's rules, in place (`linkcheck store upgrade`).

A store keeps each value's normalised form, match keys and flags as the rules of the linkcheck
that entered it made them (models.KEYS_VERSION). Here they are derived again from the value as
written, by today's rules; everything else recorded of a value (as written, source, first and
last seen, note, periods of use) stays as it is, and so does everything else in the store: the
accounts' fields and appeal cases, the log (checks, captures, health figures) and the
explanations. Nothing is copied to another store, so nothing is keyed again by another key:

- a keyed hash (a captured machine ID, a 2FA secret, a session cookie: the store's own keyed
  hash of a value it never keeps) is kept as it is; the store keeps its key, so the hash still
  matches what the gate computes on the same computer;
- an explanation names the values it covers by the store's keyed tags of their match keys: a
  value given new keys is tagged again by them (its old tags are kept too, matching nothing).

A value today's rules refuse (they were stricter in some way) keeps its old keys and is counted,
never dropped. `upgrade` writes the changed accounts and explanations, records the new version
(`store.upgrade_keys_version()`) and logs the upgrade inside the caller's one write transaction,
so an upgrade interrupted at any point leaves the store as it was.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

from ..errors import InvalidValue
from ..models import Account, Attribute, Event, Explanation, Profile, now
from ..registry import kinds

# Kinds a value of which is read in a region (a number without its country code).
REGION_KINDS = frozenset({"phone", "tax_id", "registration_number", "payment_account"})
# Kinds whose values are (or may be) the store's keyed hash of a secret or of a machine's own
# id (crypto Keyring.machine_hash): valid only under the key of the store that made them.
HASHED_KINDS = ("machine_id", "totp_secret", "cookie")
# Kinds whose flags are not the normaliser's but set when the value is recorded: a browser
# profile's settings (time zone, language, country, hardware showing through: usecases/browser.py
# `_attributes`), which `browser audit` reads. Kept as they are.
FLAGS_AS_RECORDED = frozenset({"browser_profile"})
ACTION = "store-upgrade"
VERDICT = "UPGRADED"


@dataclass
class UpgradeResult:
    """What an upgrade did (or, with `write=False`, would do)."""

    old_version: int
    new_version: int
    accounts: int = 0  # accounts read
    accounts_changed: int = 0  # accounts with a value given other keys, form or flags
    values: int = 0  # values read
    values_rekeyed: int = 0  # values given other keys, form or flags
    rekeyed_kinds: Counter = field(default_factory=Counter)  # kind -> values re-keyed
    kept_kinds: Counter = field(default_factory=Counter)  # kind -> values today's rules refuse (old keys kept)
    hashed: int = 0  # keyed hashes kept as they are
    explanations: int = 0  # explanations tagged again

    @property
    def kept(self) -> int:
        return sum(self.kept_kinds.values())

    def detail(self) -> dict:
        """The log entry's detail: counts only, never a value."""
        return {"from": self.old_version, "to": self.new_version, "accounts": self.accounts_changed,
                "values": self.values_rekeyed, "kinds": dict(sorted(self.rekeyed_kinds.items())),
                "kept": dict(sorted(self.kept_kinds.items())), "explanations": self.explanations}

    def event(self) -> Event:
        return Event(now(), "", ACTION, VERDICT, self.detail())


def hashed_kinds_in(path) -> list[str]:
    """The kinds of HASHED_KINDS an import file (an export: JSON, or CSV with a header row) has
    values of: a captured machine ID, a 2FA secret and a cookie are a store's keyed hashes. The
    file does not say which store made them. Read as bytes, without parsing (an export of
    100,000 accounts is some 400 MiB)."""
    import mmap

    try:
        with open(path, "rb") as fh:
            try:
                data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file
                return []
            with data:
                found = [kind for kind in HASHED_KINDS if data.find(b'"%s"' % kind.encode()) != -1]
                header = data[:65536].split(b"\n", 1)[0]
        if not found and any(kind.encode() in header for kind in HASHED_KINDS):
            found = _csv_kinds(path)
    except (OSError, UnicodeError, csv.Error):
        return []
    return found


def _csv_kinds(path) -> list[str]:
    """The kinds of HASHED_KINDS a CSV export has a value in (its header names every kind)."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        header = [name.strip() for name in next(reader, [])]
        columns = {i: name for i, name in enumerate(header) if name in HASHED_KINDS}
        found: set[str] = set()
        for row in reader:
            for i, name in columns.items():
                if i < len(row) and row[i].strip():
                    found.add(name)
            if len(found) == len(columns):
                break
    return [kind for kind in HASHED_KINDS if kind in found]


def _phone_region(number: str) -> str | None:
    """The region of an E.164 number (`+8613800138000` -> CN), for a value read in one."""
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or None
    except phonenumbers.NumberParseException:
        return None


def _regions(attr: Attribute, account: Account, default_region: str | None) -> list[str | None]:
    """The regions the value may have been read in, most likely first: the one its flags name
    (`region:CN` of a phone read without its country code, `country:CN` of a registry code),
    the country of the number it was read as, the account's marketplace's, the user's default,
    none."""
    found: list[str | None] = [f.split(":", 1)[1] for f in attr.flags if f.startswith(("region:", "country:"))]
    if attr.kind in ("phone", "payment_account") and attr.normalized.startswith("+"):
        found.append(_phone_region(attr.normalized))
    found += [kinds.region_for_marketplace(account.marketplace or "") or None, default_region, None]
    out: list[str | None] = []
    for region in found:
        if region not in out:
            out.append(region)
    return out


def rederived(attr: Attribute, account: Account, default_region: str | None = None) -> Attribute | None:
    """`attr` with its normalised form, keys and flags derived again from the value as written
    by today's rules; None when today's rules refuse it (or its kind is gone)."""
    if attr.kind not in kinds.KINDS:
        return None
    entry = kinds.KINDS[attr.kind]
    regions = _regions(attr, account, default_region) if attr.kind in REGION_KINDS else [None]
    chosen = None
    for region in regions:
        try:
            parsed = kinds.parse_tuple(attr.kind, attr.value, region)
        except InvalidValue:
            continue
        if parsed[0] == attr.normalized:  # the reading that gives the value it was: the region it was read in
            chosen = parsed
            break
        if chosen is None:
            chosen = parsed
    if chosen is None:
        return None
    normalized, keys, flags = chosen
    if attr.kind in FLAGS_AS_RECORDED:
        flags = attr.flags
    # A kind that keeps no raw value (a proxy: its password) keeps its canonical form as written.
    value = attr.value if entry.keeps_raw else normalized
    return attr._replace(value=value, normalized=normalized, keys=keys, flags=flags)


def _exact_keys(keys: Iterable[str]) -> list[str]:
    return [k for k in keys if not k.startswith(kinds.BLOCKING_PREFIX)]


def upgrade_profiles(
    profiles: Iterable[Profile], old_version: int, new_version: int, *, default_region: str | None = None,
) -> tuple[UpgradeResult, list[Profile], dict[str, set[str]]]:
    """Every profile's values keyed by today's rules: (what changed, the profiles that changed,
    each old exact match key given up -> the new exact keys of the same facet its values got)."""
    result = UpgradeResult(old_version, new_version)
    changed: list[Profile] = []
    new_keys_of: dict[str, set[str]] = {}
    hashed = frozenset(HASHED_KINDS)
    for profile in profiles:
        result.accounts += 1
        attrs = list(profile.attributes)
        touched = False
        for i, attr in enumerate(attrs):
            result.values += 1
            if attr.kind in hashed:
                result.hashed += 1
            new = rederived(attr, profile.account, default_region)
            if new is None:
                result.kept_kinds[attr.kind] += 1
                continue
            if new == attr:
                continue
            attrs[i] = new
            touched = True
            result.values_rekeyed += 1
            result.rekeyed_kinds[attr.kind] += 1
            gone = set(_exact_keys(attr.keys)) - set(new.keys)
            for key in gone:
                facet = key.split(":", 1)[0] + ":"
                new_keys_of.setdefault(key, set()).update(k for k in _exact_keys(new.keys) if k.startswith(facet))
        if touched:
            result.accounts_changed += 1
            changed.append(replace(profile, attributes=tuple(attrs)))
    return result, changed, new_keys_of


def retagged(explanations: Iterable[Explanation], new_keys_of: dict[str, set[str]],
             tag: Callable[[str], str]) -> list[tuple[Explanation, Explanation]]:
    """The explanations that name a value given new keys, each naming it by its new keys too."""
    if not new_keys_of:
        return []
    new_tags: dict[str, set[str]] = {}
    for old, new in new_keys_of.items():
        new_tags.setdefault(tag(old), set()).update(tag(k) for k in new)
    out = []
    for expl in explanations:
        if not expl.values:
            continue  # one recorded before explanations named values: it covers its kind, whatever the keys
        values = set(expl.values)
        for t in expl.values:
            values |= new_tags.get(t, set())
        if values != set(expl.values):
            out.append((expl, replace(expl, values=tuple(sorted(values)))))
    return out


def upgrade(store, *, default_region: str | None = None, write: bool = True) -> UpgradeResult:
    """Key every value of the open `store` by today's rules (see the module's docstring). With
    `write`, the changed accounts and explanations are written, the new version recorded and
    the upgrade logged, all in the store's one transaction; without, nothing is written."""
    from ..models import KEYS_VERSION

    if hasattr(store, "iter_account_rows"):  # the SQLite store: each row checked, one account at a time
        profiles: Iterable[Profile] = (store.open_account_row(row) for row in store.iter_account_rows())
    else:
        profiles = store.iter_profiles()
    result, changed, new_keys_of = upgrade_profiles(profiles, store.keys_version, KEYS_VERSION,
                                                    default_region=default_region)
    explanations = retagged(store.explanations(), new_keys_of, store.value_tag)
    result.explanations = len(explanations)
    if write:
        for profile in changed:
            store.put_profile(profile)
        for old, new in explanations:
            store.replace_explanation(old, new)
        store.upgrade_keys_version(KEYS_VERSION)
        store.add_event(result.event())
    return result
