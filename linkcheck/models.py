"""Plain data classes passed between the layers: accounts, attributes, profiles, events, levels."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import IntEnum
from functools import lru_cache
from typing import Callable, NamedTuple

STATUSES = ("active", "suspended", "closed", "planned")
SOURCES = ("manual", "import", "capture", "check")
# The version of the match keys the normalisers give (registry/kinds.py, normalize/): bumped by
# every change that gives any value other keys, a normalised form or flags (tests/test_keys_version.py
# holds the sample's output per version, so such a change fails the tests until it is bumped).
# A store records the version its values were keyed by (the sealed manifest's "keys"; a store
# from before the version was recorded: 1): values keyed by an older version may not meet a value
# written otherwise that today's rules read as the same, so commands that read it say so.
KEYS_VERSION = 6


class Level(IntEnum):
    """How strongly a shared value links two accounts; ordered, so levels compare."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> "Level":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown level {text!r}; use one of: critical, high, medium, low"
            ) from None

    @property
    def label(self) -> str:
        return self.name.lower()


LEVEL_NAMES = tuple(level.label for level in sorted(Level, reverse=True))


def now() -> int:
    """Current time as whole seconds since the epoch (UTC); the store's time unit."""
    return int(time.time())


def iso(ts: int | None) -> str:
    """Render a stored timestamp for people and JSON (UTC, ISO 8601)."""
    if ts is None:
        return ""
    return _iso(ts)


@lru_cache(maxsize=4096)
def _iso(ts: int) -> str:
    # Cached: an export or report renders the same few import times millions of times.
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def missing_day(text: str) -> str | None:
    """Why `text`, written YYYY-MM-DD, names no day in the calendar (2026-02-30, 2026-13-01), or None
    when it is not written that way or is a real day. The caller puts its option's name before it."""
    import calendar
    import re

    from .i18n import _  # i18n imports errors, not this module; kept off the import path of most commands

    found = re.fullmatch(r"\s*([0-9]{4})-([0-9]{2})-([0-9]{2})\s*", text or "")
    if not found:
        return None
    year, month, day = (int(g) for g in found.groups())
    shown = found.group(0).strip()
    if not 1 <= month <= 12:
        return _("{shown} does not exist: there is no month {month}", shown=shown, month=month)
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days:
        return _("{shown} does not exist: {month} has {days} days", shown=shown, month=f"{year:04d}-{month:02d}",
                 days=days)
    return None


class Attribute(NamedTuple):
    """One identifying value of an account.

    `value` is as entered, `normalized` its canonical form, `keys` the match keys
    (``"facet:value"``) the kind derives from it. A value that identifies no one
    (a private IP, a free-mail domain) has no keys and so never links accounts.

    A NamedTuple rather than a frozen dataclass: a store of 100,000 accounts holds about
    two million of these, and a NamedTuple is built three times faster. It is just as immutable.
    """

    kind: str
    value: str
    normalized: str
    keys: tuple[str, ...] = ()
    source: str = "manual"
    first_seen: int = 0
    last_seen: int = 0
    note: str | None = None
    flags: tuple[str, ...] = ()
    # When the account used the value: (since, until, note) triples in order, `until` None
    # while in use. Empty means one period, current since `first_seen` (every value recorded
    # before identifier history, and every value never retired).
    periods: tuple[tuple[int, int | None, str | None], ...] = ()


Period = tuple[int, int | None, str | None]


def periods_of(attr: Attribute) -> tuple[Period, ...]:
    """The value's periods of use, the implicit one (current since first_seen) made explicit."""
    return attr.periods or ((attr.first_seen, None, None),)


def is_current(attr: Attribute) -> bool:
    """Whether the account uses the value now (its last period has no end)."""
    return not attr.periods or attr.periods[-1][1] is None


@dataclass(frozen=True)
class Account:
    """A marketplace seller account as recorded by the operator."""

    name: str
    marketplace: str = ""
    status: str = "active"
    note: str | None = None
    created: int = 0
    updated: int = 0
    # How the marketplace knows the account (issue 14): the store's display name, its merchant
    # token, the company's legal name in English and in its local script. None when not recorded.
    display_name: str | None = None
    merchant_token: str | None = None
    legal_name_en: str | None = None
    legal_name_local: str | None = None
    # The account's appeal case (`linkcheck appeal`): the facts the store cannot know, as
    # canonical JSON text (appeal/case.py reads it). None until an appeal is written.
    appeal_case: str | None = None


# Account.identity fields in the order import, export and `account show` use them.
IDENTITY_FIELDS = ("display_name", "merchant_token", "legal_name_en", "legal_name_local")


@dataclass(frozen=True)
class Profile:
    """An account with all its attributes: what the engine compares."""

    account: Account
    attributes: tuple[Attribute, ...] = ()

    @property
    def name(self) -> str:
        return self.account.name

    def values(self, kind: str) -> list[Attribute]:
        return [a for a in self.attributes if a.kind == kind]


@dataclass(frozen=True)
class Event:
    """A pre-login check or capture, kept in the store's log (sealed like everything else)."""

    when: int
    account: str
    action: str  # "check", "capture", "run"
    verdict: str  # "GO", "STOP", "RECORDED", "ERROR"
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Explanation:
    """Why two accounts legitimately share values of one kind (`linkcheck explain`)."""

    accounts: tuple[str, str]  # sorted; EVERY_HOLDER twice: every account holding the values
    kind: str
    note: str
    when: int
    note_zh: str | None = None  # the same explanation in Chinese (`explain --note-zh`)
    # The values it covers, as the store's keyed tags of their match keys (never the values):
    # None for an explanation recorded before explanations named values, which covers the values
    # of its kind both accounts had on record when it was recorded (linkage.explained).
    values: tuple[str, ...] | None = None
    shown: tuple[str, ...] = ()  # those values masked as `account show` masks them, for `explain --list`
    # The store's keyed tag of a match key, which `values` holds: set by the store that read it.
    tag: "Callable[[str], str] | None" = field(default=None, compare=False, repr=False)

    @property
    def every_holder(self) -> bool:
        return self.accounts == (EVERY_HOLDER, EVERY_HOLDER)


# The accounts of an explanation for every account holding its values (a hub: an agency's office
# IP shared by all its stores): no account is named so.
EVERY_HOLDER = ""
