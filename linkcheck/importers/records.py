"""What every reader yields: one `ProfileRecord` per account, its values as `RawValue`s."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..models import Attribute, iso


class RawValue(NamedTuple):
    """One value as it appears in an import file, before its kind validates it.

    A named tuple, not a dataclass: an import makes one per value (two million at 100,000
    accounts), and a frozen dataclass costs several times as much to build."""

    kind: str
    value: Any
    note: str | None = None
    source: str | None = None
    first_seen: int | None = None
    last_seen: int | None = None
    # Periods of use as read: (since, until, note); since None means "from first_seen", until
    # None "still in use". Checked (order, no overlap) when the value becomes an attribute.
    periods: tuple = ()


@dataclass(frozen=True)
class ProfileRecord:
    """One account as read from an import file; `origin` says where (file and row/index)."""

    origin: str
    name: Any
    marketplace: Any = None
    status: Any = None
    note: Any = None
    values: tuple[RawValue, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)
    identity: tuple[tuple[str, Any], ...] = ()  # (field, value) of models.IDENTITY_FIELDS given
    notes: tuple[str, ...] = ()  # about the file, said once as warnings (an index column ignored)


def exported_value(a: Attribute) -> str:
    """The value as entered, unless it needs context the file cannot carry.

    A phone number entered without its country code was read with the account's (or the
    import's) region; exported as entered it would not import elsewhere, so it is written
    in E.164, which normalises to the very same number.
    """
    return exported_phone(a.value, a.normalized) if a.kind == "phone" else a.value


def exported_phone(value: str, normalized: str) -> str:
    """`exported_value` of a phone number."""
    return value if value.lstrip().startswith(("+", "00")) else normalized


def parse_time(text) -> int | None:
    """An ISO date (midnight UTC) or date-time (UTC without an offset) as a timestamp; None if
    it is neither."""
    from datetime import datetime, timezone

    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp())


def period_time(ts: int) -> str:
    """A period's bound as written in import files: the date alone at midnight UTC, else the
    date-time; `parse_time` reads either back to the same second."""
    text = iso(ts)
    return text[:10] if text.endswith("T00:00:00Z") else text
