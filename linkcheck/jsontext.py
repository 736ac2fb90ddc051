"""`dumps(data)`: exactly `json.dumps(data, ensure_ascii=False, indent=2)`, several times faster.

The standard library encodes with its C accelerator only without `indent`; with it, every
value goes through a chain of Python generators. Audits, reports and exports of 100,000
accounts print tens to hundreds of megabytes of indented JSON, so this writes the same text
with one recursive function over the plain types linkcheck's JSON holds (dict with text
keys, list, tuple, str, int, float, bool, None), strings escaped by the standard library's
own C function. Anything else (another key type, a subclass, a value `json` would pass to
`default`) makes it hand the whole document to `json.dumps`, so the text is always what
`json.dumps` writes (tests compare the two).

`dumps_bytes(data)`, the same text as UTF-8, is for the audit's tens of megabytes: where
orjson is installed (it is a dependency), a document of the plain types whose floats
orjson writes as `float.__repr__` does (every finite float of 0 or of magnitude 1e-4 to 1e16;
it writes NaN and the infinities as null and smaller magnitudes as 0.00001 or 1e-7, where
Python writes NaN, Infinity, 1e-05) is written by orjson instead, about five times as fast:
one walk over the document checks its types and floats first, and anything else (or
anything orjson refuses: a str that is not UTF-8, an int beyond 64 bits, a depth past its
limit, a key that is not text) takes the way above; its bytes go to a binary stream without
a round trip through str.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C function when available
from typing import Any, Callable

_INFINITY = float("inf")


class _Unsupported(Exception):
    """A value this writer leaves to json.dumps."""


def dumps(data: Any) -> str:
    """`json.dumps(data, ensure_ascii=False, indent=2)`, the same text."""
    return _dumps(data)


def dumps_bytes(data: Any, pieces: dict[int, tuple] | None = None) -> bytes:
    """`dumps(data)` encoded as UTF-8 (a str json cannot encode fails as its encoding fails),
    written by orjson where its text is the same. For the audit's large document: orjson and
    what it imports take a few milliseconds to load, which `dumps` (the gate's small
    documents, whose start-up is counted) does not spend.

    `pieces`: id(item) -> (item, `piece_bytes(item, 2)`, ...) for items of the list that is
    the document's first value (the audit's pairs, written while the audit waited), used
    where the item is that same object; the text is the same."""
    parts = _spliced(data, pieces) if pieces else None
    if parts is not None:
        return b"".join(text for text, _clean in parts)
    fast = _orjson(data)
    if fast is not None:
        return fast
    return _dumps(data).encode("utf-8")


def dumps_bytes_found(data: Any, pieces: dict[int, tuple] | None, found: Callable[[bytes], bool]
                      ) -> tuple[bytes, bool]:
    """(`dumps_bytes(data, pieces)`, whether `found` is true of it), `found` tried only on
    the text outside the pieces whose third element is True (`found` was false of them
    before): the same answer where `found` looks for whole UTF-8 characters, UTF-8 being
    self-synchronising and each piece a whole JSON value between ASCII."""
    parts = _spliced(data, pieces) if pieces else None
    if parts is None:
        text = dumps_bytes(data)
        return text, found(text)
    return b"".join(text for text, _clean in parts), any(found(text) for text, clean in parts if not clean)


def piece_bytes(value: Any, depth: int) -> bytes | None:
    """`dumps_bytes(value)` as it stands `depth` containers deep in an indented document
    (every line after its first indented 2 * depth spaces more), where orjson writes it
    (None: it does not). JSON text holds no raw line break but these."""
    fast = _orjson(value)
    return None if fast is None else fast.replace(b"\n", b"\n" + b" " * (2 * depth))


def dumps_compact(data: Any) -> str:
    """`json.dumps(data, ensure_ascii=False, separators=(",", ":"))`, the same text: written by
    orjson where its text is the same (as `dumps_bytes`: the plain types, floats it writes as
    Python does), else by json. For the report's few megabytes of page data."""
    try:
        import orjson

        text = orjson.dumps(data)
    except ImportError:  # pragma: no cover - a dependency; the standard way still works
        text = None
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        text = None
    if text is not None and _plain(data):
        return text.decode("utf-8")
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _spliced(data: Any, pieces: dict[int, tuple]) -> list[tuple[bytes, bool]] | None:
    """The parts of `dumps_bytes(data)` (text, whether a clean piece) for a dict whose first
    value is a non-empty list, its items written from `pieces` or here; None where orjson
    does not write it."""
    if type(data) is not dict or not data:
        return None
    key, items = next(iter(data.items()))
    if type(key) is not str or type(items) is not list or not items:
        return None
    rest = dict(data)
    rest[key] = []  # (in its place: the first)
    head = _orjson(rest)
    if head is None:
        return None
    import orjson

    start = b"{\n  " + orjson.dumps(key) + b": ["
    if not head.startswith(start + b"]"):
        return None
    parts = [(start + b"\n    ", False)]
    between = (b",\n    ", True)
    for item in items:
        held = pieces.get(id(item))
        if held is not None and held[0] is item:
            parts.append((held[1], len(held) > 2 and held[2] is True))
        else:
            text = piece_bytes(item, 2)
            if text is None:
                return None
            parts.append((text, False))
        parts.append(between)
    parts[-1] = (b"\n  ]" + head[len(start) + 1:], False)
    return parts


def _orjson(data: Any) -> bytes | None:
    """orjson's indented text of `data` where it is exactly json.dumps's, else None."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency; the standard way still works
        return None
    try:
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return None
    # Checked after: orjson has refused what would make this walk long (a cycle, a deep nest).
    return text if _plain(data) else None


def _plain(data: Any) -> bool:
    """Whether `data` holds only dict, list, tuple, str, int, bool, None and floats that
    orjson and json write alike (the exact types: json writes a subclass its own way)."""
    stack = [data]
    pop, extend = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind is str:
            continue
        if kind is dict:
            extend(value.values())
        elif kind is list or kind is tuple:
            extend(value)
        elif kind is float:
            if value and not 1e-4 <= abs(value) < 1e16:  # NaN fails this too
                return False
        elif not (value is None or kind is bool or kind is int):
            return False
    return True


def _dumps(data: Any) -> str:
    try:
        parts: list[str] = []
        _write(data, "\n", parts)
        return "".join(parts)
    except (_Unsupported, RecursionError):
        return json.dumps(data, ensure_ascii=False, indent=2)


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if value != value:
            return "NaN"
        if value == _INFINITY:
            return "Infinity"
        if value == -_INFINITY:
            return "-Infinity"
        return float.__repr__(value)
    raise _Unsupported


# What goes before a dict's key at one indentation: (the first key's, each later key's), by
# the key (its line break and indentation, the key written as JSON, ": "). A document has a
# few keys at a few depths, written a million times; keys that are data (account names) are
# kept only up to _KEYS_KEPT an indentation.
_KEY_TEXTS: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
_KEYS_KEPT = 1000


def _key_texts(inner: str) -> tuple[dict[str, str], dict[str, str]]:
    held = _KEY_TEXTS.get(inner)
    if held is None:
        held = _KEY_TEXTS[inner] = ({}, {})
    return held


def _write(value: Any, newline: str, parts: list[str]) -> None:
    """Append `value`'s text; `newline` is a line break and the current indentation."""
    kind = type(value)
    append = parts.append
    if kind is dict:
        if not value:
            append("{}")
            return
        inner = newline + "  "
        firsts, laters = _key_texts(inner)
        before = firsts
        append("{")
        for key, item in value.items():
            text = before.get(key)
            if text is None:
                if type(key) is not str:
                    raise _Unsupported
                text = ("," if before is laters else "") + inner + encode_basestring(key) + ": "
                if len(before) < _KEYS_KEPT:
                    before[key] = text
            append(text)
            before = laters
            item_kind = type(item)
            if item_kind is str:
                append(encode_basestring(item))
            elif item_kind is dict or item_kind is list or item_kind is tuple:
                _write(item, inner, parts)
            else:
                append(_scalar(item))
        append(newline)
        append("}")
    elif kind is list or kind is tuple:
        if not value:
            append("[]")
            return
        inner = newline + "  "
        separator = "," + inner
        append("[")
        append(inner)
        first = True
        for item in value:
            if not first:
                append(separator)
            first = False
            item_kind = type(item)
            if item_kind is str:
                append(encode_basestring(item))
            elif item_kind is dict or item_kind is list or item_kind is tuple:
                _write(item, inner, parts)
            else:
                append(_scalar(item))
        append(newline)
        append("]")
    else:
        append(_scalar(value))
