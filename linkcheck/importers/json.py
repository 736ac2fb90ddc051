"""linkcheck's JSON import format: its reader, and its twin `profile_to_json` (what `export` writes)."""

from __future__ import annotations

from typing import Any, Iterator

from ..i18n import _
from ..models import IDENTITY_FIELDS, Profile, iso
from . import ImportFile, reader
from .records import ProfileRecord, RawValue, exported_value, parse_time, period_time
from .safety import json_items

PROFILE_FIELDS = frozenset({"account", "marketplace", "status", "note", "attributes", *IDENTITY_FIELDS})
VALUE_FIELDS = frozenset({"value", "source", "first_seen", "last_seen", "note", "since", "until", "periods"})
PERIOD_FIELDS = frozenset({"since", "until", "note"})


@reader("json", extensions=(".json",))
def read_json(source: ImportFile) -> Iterator[ProfileRecord]:
    name = source.path.name
    for index, (in_list, item) in enumerate(json_items(source.path, source.fh)):
        yield _json_profile(f"{name}[{index}]" if in_list else name, item)


def _json_profile(origin: str, item: Any) -> ProfileRecord:
    if not isinstance(item, dict):
        return ProfileRecord(origin, None, problems=(_("a profile must be a JSON object"),))
    problems = []
    unknown = set(item) - PROFILE_FIELDS
    if unknown:
        problems.append(_("unknown field(s) {items}", items=", ".join(sorted(map(str, unknown)))))
    attributes = item.get("attributes") or {}
    values: list[RawValue] = []
    if not isinstance(attributes, dict):
        problems.append(_("'attributes' must be an object of kind -> list of values"))
        attributes = {}
    for kind, entries in attributes.items():
        if isinstance(entries, (str, dict)):
            entries = [entries]
        if not isinstance(entries, list):
            problems.append(_("{kind}: values must be a list", kind=kind))
            continue
        for entry in entries:
            if isinstance(entry, dict):
                unknown = set(entry) - VALUE_FIELDS
                if unknown:  # a misspelt "since" would otherwise make a retired value current
                    problems.append(_("{kind}: unknown field(s) {items} in a value; a value object has {fields}",
                                      kind=kind, items=", ".join(sorted(map(str, unknown))),
                                      fields=", ".join(sorted(VALUE_FIELDS))))
                values.append(
                    RawValue(
                        kind,
                        entry.get("value"),
                        note=entry.get("note"),
                        source=entry.get("source"),
                        first_seen=_int_or_none(entry.get("first_seen")),
                        last_seen=_int_or_none(entry.get("last_seen")),
                        periods=_json_periods(kind, entry, problems),
                    )
                )
            else:
                values.append(RawValue(kind, entry))
    return ProfileRecord(
        origin,
        item.get("account"),
        item.get("marketplace"),
        item.get("status"),
        item.get("note"),
        tuple(values),
        tuple(problems),
        tuple((f, item[f]) for f in IDENTITY_FIELDS if f in item),
    )


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        from datetime import datetime

        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    return None


def _json_time(kind: str, field: str, value: Any, problems: list[str]) -> int | None:
    if value is None:
        return None
    ts = parse_time(value)
    if ts is None:
        problems.append(_("{kind}: {field} is not an ISO date or date-time", kind=kind, field=field))
    return ts


def _json_periods(kind: str, entry: dict, problems: list[str]) -> tuple:
    """A value object's periods: `"periods": [{"since", "until", "note"}, ...]`, or for one
    period the shorthand `"since"`/`"until"` on the value itself."""
    if "periods" in entry:
        if "since" in entry or "until" in entry:
            problems.append(_("{kind}: give either 'periods' or 'since'/'until', not both", kind=kind))
            return ()
        items = entry["periods"]
        if not isinstance(items, list) or not all(isinstance(p, dict) for p in items):
            problems.append(_("{kind}: 'periods' must be a list of objects with since, until and note", kind=kind))
            return ()
        out = []
        for item in items:
            unknown = set(item) - PERIOD_FIELDS
            if unknown:
                problems.append(_("{kind}: unknown field(s) {items} in a period; a period has since, until and note",
                                  kind=kind, items=", ".join(sorted(map(str, unknown)))))
            note = item.get("note")
            if note is not None and not isinstance(note, str):
                problems.append(_("{kind}: a period's note must be text", kind=kind))
                note = None
            out.append((_json_time(kind, "since", item.get("since"), problems),
                        _json_time(kind, "until", item.get("until"), problems), note))
        return tuple(out)
    if entry.get("since") is None and entry.get("until") is None:
        return ()
    return ((_json_time(kind, "since", entry.get("since"), problems),
             _json_time(kind, "until", entry.get("until"), problems), None),)


def _periods_to_json(a) -> dict:
    """What `_json_periods` reads back to `a.periods` (nothing for the implicit current period)."""
    if not a.periods:
        return {}
    if len(a.periods) == 1 and a.periods[0][2] is None:
        since, until, _ = a.periods[0]
        return {"since": period_time(since), **({"until": period_time(until)} if until is not None else {})}
    return {"periods": [{"since": period_time(since), "until": period_time(until) if until is not None else None,
                         **({"note": note} if note is not None else {})} for since, until, note in a.periods]}


def profile_to_json(profile: Profile) -> dict:
    """The profile as this reader reads it back, with each value's metadata so a round trip is exact."""
    acc = profile.account
    attributes: dict[str, list] = {}
    for a in profile.attributes:
        entry = {"value": exported_value(a), "source": a.source, "first_seen": iso(a.first_seen), "last_seen": iso(a.last_seen)}
        if a.note:
            entry["note"] = a.note
        entry.update(_periods_to_json(a))
        attributes.setdefault(a.kind, []).append(entry)
    out: dict[str, Any] = {"account": acc.name, "marketplace": acc.marketplace, "status": acc.status}
    if acc.note:
        out["note"] = acc.note
    for name in IDENTITY_FIELDS:
        if getattr(acc, name):
            out[name] = getattr(acc, name)
    out["attributes"] = attributes
    return out
