"""What every reader yields: one `ProfileRecord` per account, its values as `RawValue`s."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import Attribute


@dataclass(frozen=True)
class RawValue:
    """One value as it appears in an import file, before its kind validates it."""

    kind: str
    value: Any
    note: str | None = None
    source: str | None = None
    first_seen: int | None = None
    last_seen: int | None = None


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


def exported_value(a: Attribute) -> str:
    """The value as entered, unless it needs context the file cannot carry.

    A phone number entered without its country code was read with the account's (or the
    import's) region; exported as entered it would not import elsewhere, so it is written
    in E.164, which normalises to the very same number.
    """
    if a.kind == "phone" and not a.value.lstrip().startswith(("+", "00")):
        return a.normalized
    return a.value
