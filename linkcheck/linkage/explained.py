"""Which recorded explanation (`linkcheck explain`) covers a finding or a hub.

An explanation names the values it covers by the store's keyed tags of their match keys
(`Explanation.values`), so explaining the office IP 203.0.113.7 does not explain a second, different
IP the same two accounts come to share. One recorded before explanations named values covers the
values of its kind both accounts had on record when it was recorded (their `first_seen`), and none
added since. One for every holder (`explain --all-holders`) covers its values between any accounts,
and the hub they make. Where several cover a finding, the newest is the one shown."""

from __future__ import annotations

from typing import Iterable

from ..models import EVERY_HOLDER, Attribute, Explanation
from ..registry.facets import BLOCKING_PREFIX


class Explained:
    def __init__(self, explanations: Iterable[Explanation]):
        self._by: dict[tuple[str, str, str], list[Explanation]] = {}
        for e in sorted(explanations, key=lambda e: -e.when):
            a, b = sorted(e.accounts)
            self._by.setdefault((a, b, e.kind), []).append(e)

    def __bool__(self) -> bool:
        return bool(self._by)

    def _candidates(self, a: str, b: str, kind: str, facet: str) -> list[Explanation]:
        found: list[Explanation] = []
        for pair in ((a, b), (EVERY_HOLDER, EVERY_HOLDER)):
            for name in dict.fromkeys((kind, facet)):
                found.extend(self._by.get((*pair, name), ()))
        if len(found) > 1:
            found.sort(key=lambda e: -e.when)
        return found

    def finding(self, name_a: str, attr_a: Attribute, name_b: str, attr_b: Attribute, facet: str) -> Explanation | None:
        """The explanation of the values `attr_a` and `attr_b` the two accounts share through `facet`."""
        a, b = (name_a, name_b) if name_a < name_b else (name_b, name_a)
        candidates = self._candidates(a, b, attr_a.kind, facet)
        if not candidates:
            return None
        keys = _value_keys(attr_a, attr_b, facet)
        for e in candidates:
            if e.values is None:
                if not e.every_holder and max(attr_a.first_seen, attr_b.first_seen) <= e.when:
                    return e
            elif e.tag is not None and keys and all(any(e.tag(k) in e.values for k in side) for side in keys):
                return e
        return None

    def hub(self, kind: str, facet: str, key: str) -> Explanation | None:
        """The explanation for every holder of the hub's value (match key `key`)."""
        for e in self._candidates(EVERY_HOLDER, EVERY_HOLDER, kind, facet):
            if e.values is not None and e.tag is not None and e.tag(key) in e.values:
                return e
        return None


def _value_keys(attr_a: Attribute, attr_b: Attribute, facet: str) -> tuple[tuple[str, ...], ...]:
    """What identifies the shared value: the match key of `facet` both values hold (one side), or,
    for values compared fuzzily, each value's own exact keys (both sides must be covered)."""
    prefix = facet + ":"
    common = tuple(k for k in attr_a.keys if k.startswith(prefix) and k in attr_b.keys)
    if common:
        return (common,)
    sides = tuple(tuple(k for k in attr.keys if not k.startswith(BLOCKING_PREFIX)) for attr in (attr_a, attr_b))
    return sides if all(sides) else ()


def value_keys(attr: Attribute, facet: str | None = None) -> tuple[str, ...]:
    """A value's exact match keys (of `facet` only, when given): what an explanation of it records."""
    keys = tuple(k for k in attr.keys if not k.startswith(BLOCKING_PREFIX))
    if facet is None:
        return keys
    return tuple(k for k in keys if k.startswith(facet + ":"))
