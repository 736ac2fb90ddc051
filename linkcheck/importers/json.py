"""linkcheck's JSON import format: its reader, and its twin `profile_to_json` (what `export` writes)."""

from __future__ import annotations

from typing import Any, Callable, Iterator

from ..i18n import _
from ..models import IDENTITY_FIELDS, Profile, iso
from . import ImportFile, reader
from .records import ProfileRecord, RawValue, exported_phone, exported_value, parse_time, period_time
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
    return _periods_json(a.periods)


def _periods_json(periods: tuple) -> dict:
    if not periods:
        return {}
    if len(periods) == 1 and periods[0][2] is None:
        since, until, _ = periods[0]
        return {"since": period_time(since), **({"until": period_time(until)} if until is not None else {})}
    return {"periods": [{"since": period_time(since), "until": period_time(until) if until is not None else None,
                         **({"note": note} if note is not None else {})} for since, until, note in periods]}


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


# ----- the export straight from a sealed row's plaintext -----------------------------------------

# The account line's keys of the identity fields (store/codec.py `_account_header`), in the
# order of IDENTITY_FIELDS (tests/test_export_direct.py holds the two together).
_IDENTITY_KEYS = (("display_name", "dn"), ("merchant_token", "mt"), ("legal_name_en", "le"), ("legal_name_local", "ll"))
_ISO_CACHE: dict = {}
_ORJSON: tuple | None = None


def export_item_bytes(raw: bytes) -> tuple[Any, bytes] | None:
    """(the account's name, the UTF-8 of `jsontext.dumps(profile_to_json(profile))` indented one
    level as the export's list holds it) for an account row's plaintext `raw` in format 3
    (store/codec.py `_decode_profile`: the account's line, then two lines per attribute, its ten
    fields and its blocking keys), without building the Profile: the same bytes, about a third
    of the work. None for anything else: another format, a field of another type than the store
    writes, a row json would read otherwise than orjson (a float or an int past 64 bits where
    the text is made of it, a character escape that is no character): the caller then takes the
    standard way, which gives the same text or the same error. Stricter than the standard way by
    design: where this answers, `_decode_profile`, `profile_to_json` and `jsontext.dumps` would
    not have raised, and every value in the document is text, None, a list or a dict, which
    orjson writes as json does (tests/test_export_direct.py compares the two)."""
    global _ORJSON
    if _ORJSON is None:
        try:
            import orjson
        except ImportError:  # pragma: no cover - a dependency
            _ORJSON = ()
        else:
            _ORJSON = (orjson.loads, orjson.dumps, orjson.OPT_INDENT_2)
    if not _ORJSON or not raw.endswith(b"\n"):  # format 1 ends otherwise
        return None
    try:
        return _export_item_bytes(raw, *_ORJSON)
    except Exception:  # noqa: BLE001 - the standard way gives this row's text or its error
        return None


def _export_item_bytes(raw: bytes, loads: Callable, dumps: Callable, indent: int) -> tuple[Any, bytes] | None:
    header, *lines = loads(b"[" + raw[:-1].replace(b"\n", b",") + b"]")
    if type(header) is not dict or len(lines) % 2:
        return None
    # `_decode_account`'s required fields, and those the export shows, text.
    name, marketplace, status, note, _created, _updated = (
        header["n"], header["m"], header["s"], header["o"], header["c"], header["u"])
    if type(name) is not str or type(marketplace) is not str or type(status) is not str:
        return None
    isos = _ISO_CACHE
    if len(isos) > 4096:
        isos.clear()
    attributes: dict[str, list] = {}
    for fields, blocking in zip(lines[::2], lines[1::2], strict=True):  # (as many: checked above)
        if type(fields) is not list or type(blocking) is not list:
            return None
        kind, value, normalized, keys, source, first, last, a_note, flags, periods = fields  # format 3's ten
        if type(kind) is not str or type(value) is not str or type(source) is not str or type(keys) is not list \
                or type(flags) is not list or type(periods) is not list:
            return None
        first_text = isos.get(first)
        if first_text is None:
            first_text = isos[first] = iso(first)
        last_text = isos.get(last)
        if last_text is None:
            last_text = isos[last] = iso(last)
        if kind == "phone":
            if type(normalized) is not str:
                return None
            value = exported_phone(value, normalized)
        entry = {"value": value, "source": source, "first_seen": first_text, "last_seen": last_text}
        if a_note:
            if type(a_note) is not str:
                return None
            entry["note"] = a_note
        if periods:
            spans = tuple((since, until, p_note) for since, until, p_note in periods)
            if any(p_note is not None and type(p_note) is not str for _since, _until, p_note in spans):
                return None
            entry.update(_periods_json(spans))
        same = attributes.get(kind)
        if same is None:
            attributes[kind] = [entry]
        else:
            same.append(entry)
    out: dict[str, Any] = {"account": name, "marketplace": marketplace, "status": status}
    if note:
        if type(note) is not str:
            return None
        out["note"] = note
    for field_name, key in _IDENTITY_KEYS:
        given = header.get(key)
        if given:
            if type(given) is not str:
                return None
            out[field_name] = given
    out["attributes"] = attributes
    return name, dumps(out, option=indent).replace(b"\n", b"\n  ")
