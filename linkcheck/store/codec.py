"""Row formats: how an account, a log entry and an explanation become the plaintext a row seals.

Format 1 (the first development builds) sealed each account as one JSON object; format 2 as
JSON lines (`_profile_body`); format 3 as format 2 with a tenth field on each attribute line,
its periods of use (`Attribute.periods`). All are read; a store writes rows in its own format,
which after the upgrade of its first write is the newest (see migrations).
"""

from __future__ import annotations

import json

from ..i18n import _
from .. import crypto
from ..errors import InvalidInput, StoreDamaged
from ..models import Account, Attribute, Event, Explanation, Profile
from ..registry.facets import BLOCKING_PREFIX


class RowKeyring(crypto.Keyring):
    """The keyring as the store uses it: crypto's `Damaged` from opening a sealed value
    becomes the store's StoreDamaged (exit code 5), naming what failed."""

    def open(self, sealed: bytes, ad: bytes, what: str) -> bytes:
        try:
            return super().open(sealed, ad, what)
        except crypto.Damaged as exc:
            raise _store_damaged(exc) from None

    def open_all(self, sealed, ads, what: str) -> list[bytes]:
        try:
            return super().open_all(sealed, ads, what)
        except crypto.Damaged as exc:
            raise _store_damaged(exc) from None


def _store_damaged(exc: crypto.Damaged) -> StoreDamaged:
    if exc.truncated:
        return StoreDamaged(_("store is damaged: {exc}", exc=exc))
    return StoreDamaged(_("store was tampered with or damaged: {exc}", exc=exc))


def _ad(table: str, row_id: int, version: int, tag: bytes, column: str) -> bytes:
    return b"%s|%d|%d|%s|%s" % (table.encode(), row_id, version, tag, column.encode())


def _utf8_or_invalid(encode, what: str) -> bytes:
    """Encode a row; text with lone surrogates (undecodable input) is refused, not crashed on."""
    try:
        return encode()
    except UnicodeEncodeError:
        raise InvalidInput(_("{what} holds characters that are not valid text; nothing was written", what=what)) from None


def _encode_profile(profile: Profile, n_exact: list[int] | None = None, fmt: int = 3) -> bytes:
    if n_exact is None:
        n_exact = [_exact_key_count(a.keys) for a in profile.attributes]
    return _utf8_or_invalid(lambda: _profile_body(profile, n_exact, fmt), f"account {profile.account.name!r}")


def _json_line_encoder():
    """`json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode` for a row's lines
    (lists and dicts, never cyclic), with the standard library's C encoder made once rather than
    at every call: the same text, a third of the time (an import writes millions of lines)."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:
        return encoder.encode
    one_shot = c_make_encoder(
        None, encoder.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )
    return lambda data: one_shot(data, 0)[0]


_JSON_LINE = _json_line_encoder()
_new_tuple = tuple.__new__


def _profile_body(profile: Profile, n_exact: list[int], fmt: int = 3) -> bytes:
    """`_profile_lines` (the body of formats 2 and 3), its attribute lines written by orjson
    where that is the same text (`_profile_bytes`: a format-3 row, the attributes' dates
    plain ints): a third of the time, the encoding to UTF-8 included."""
    if fmt >= 3:
        try:
            return _profile_bytes(profile, n_exact)
        except (TypeError, ValueError):  # orjson refused something (text that is not UTF-8, ...)
            pass
    return _profile_lines(profile, n_exact, fmt)


def _orjson_line():
    """orjson.dumps(obj, None, newline): the line of a tuple or list of str, int and None with its
    newline, as bytes; a subclass of str, int, list or dict refused (`default` is None)."""
    global _ORJSON_LINE
    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency; the standard way still works
        _ORJSON_LINE = False
        return False
    option = orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_SUBCLASS
    dumps = orjson.dumps
    _ORJSON_LINE = lambda data: dumps(data, None, option)  # noqa: E731
    return _ORJSON_LINE


_ORJSON_LINE = None  # loaded at the first row written (`check` and `precheck` write none)
_EMPTY_LINE = b"[]\n"


def _profile_bytes(profile: Profile, n_exact: list[int]) -> bytes:
    """`_profile_lines(profile, n_exact, 3)`, the same bytes, each attribute line whose dates are
    ints and that has no periods written by orjson (TypeError or ValueError where orjson
    refuses a line: the caller writes the row the standard way).

    Why the same text: for str, int and None, tuples and lists of them, orjson writes what the
    standard library's compact encoder with ensure_ascii=False writes -- the same escapes
    (\\", \\\\, \\b \\f \\n \\r \\t, \\u00XX for the other control characters, everything
    else as is), ints as decimal -- and refuses text that is not UTF-8 and ints past 64 bits,
    where `_profile_lines` is used. Floats are where the two differ; an attribute's only
    numbers are its dates (ints: `make_attribute`, the decoder) and its periods, so a line
    with a date of another type or with periods is written by the standard encoder
    (`tests/test_import_speedups.py` compares the two on generated rows)."""
    line = _ORJSON_LINE if _ORJSON_LINE is not None else _orjson_line()
    if not line:
        raise TypeError("orjson is not installed")
    lines = [_JSON_LINE(_account_header(profile.account)).encode("utf-8"), b"\n"]
    append = lines.append
    for attr, exact in zip(profile.attributes, n_exact, strict=True):
        keys = attr[3]
        if attr[9] or type(attr[5]) is not int or type(attr[6]) is not int:
            if exact < len(keys):
                append(_JSON_LINE(_new_tuple(Attribute, (*attr[:3], keys[:exact], *attr[4:]))).encode("utf-8"))
                append(b"\n")
                append(line(keys[exact:]))
            else:
                append(_JSON_LINE(attr).encode("utf-8"))
                append(b"\n[]\n")
        elif exact < len(keys):
            append(line((*attr[:3], keys[:exact], *attr[4:])))
            append(line(keys[exact:]))
        else:
            append(line(tuple(attr)))
            append(_EMPTY_LINE)
    return b"".join(lines)


def _profile_lines(profile: Profile, n_exact: list[int], fmt: int = 3) -> bytes:
    """Formats 2 and 3: a JSON line for the account, then two per attribute: the attribute with its
    exact match keys only, and the list of its blocking keys (for fuzzy comparison).

    JSON never holds a raw newline, so a reader can split the lines and decode only what it
    needs: the audit decodes only attributes that share a key, and never their blocking keys
    (the key index has their tags, which is all the audit groups on). Format 3 adds the
    attribute's periods as its tenth field; format 2 (written only by a format-2 store being
    upgraded, before m003 rewrites it) has nine.
    """
    lines = [_JSON_LINE(_account_header(profile.account))]
    append = lines.append
    for attr, exact in zip(profile.attributes, n_exact, strict=True):
        keys = attr.keys
        if fmt < 3:  # the nine fields of format 2
            append(_JSON_LINE((*attr[:3], keys[:exact], *attr[4:9])))
            append(_JSON_LINE(keys[exact:]) if exact < len(keys) else "[]")
        elif exact < len(keys):
            append(_JSON_LINE(_new_tuple(Attribute, (*attr[:3], keys[:exact], *attr[4:]))))  # (_replace, faster)
            append(_JSON_LINE(keys[exact:]))
        else:
            append(_JSON_LINE(attr))
            append("[]")
    append("")
    return "\n".join(lines).encode("utf-8")


def _exact_key_count(keys: tuple[str, ...]) -> int:
    """How many of the keys are exact match keys: the kinds put blocking keys last."""
    n_exact = len(keys)
    if n_exact == 1 and not keys[0].startswith(BLOCKING_PREFIX):
        return 1  # (most values: their one key)
    while n_exact and keys[n_exact - 1].startswith(BLOCKING_PREFIX):
        n_exact -= 1
    for key in keys[: max(n_exact - 1, 0)]:  # (a loop, not any(): most values have one or two keys)
        if key.startswith(BLOCKING_PREFIX):
            raise ValueError("match keys out of order: blocking keys come last")
    return n_exact


def _decode_profile(raw: bytes) -> Profile:
    if not raw.endswith(b"\n"):
        return _decode_profile_v1(raw)
    header, *lines = json.loads(b"[" + raw[:-1].replace(b"\n", b",") + b"]")
    if len(lines) % 2:
        raise ValueError("odd number of attribute lines")
    return Profile(
        _decode_account(header),
        tuple(
            _decode_attribute(fields, fields[3] + blocking)
            for fields, blocking in zip(lines[::2], lines[1::2], strict=True)
        ),
    )


# Header keys of Account's optional fields, in the order of `_optional_values`.
_OPTIONAL_KEYS = ("dn", "mt", "le", "ll", "ac")


def _optional_values(acc: Account) -> tuple:
    return (acc.display_name, acc.merchant_token, acc.legal_name_en, acc.legal_name_local, acc.appeal_case)


def _account_header(acc: Account) -> dict:
    """The first line of an account's body, as a dict of short keys: identity fields and the
    appeal case (issue 14) only when recorded, so an account without them is sealed byte for
    byte as before (no store format change)."""
    header = {"n": acc.name, "m": acc.marketplace, "s": acc.status, "o": acc.note, "c": acc.created, "u": acc.updated}
    for key, value in zip(_OPTIONAL_KEYS, _optional_values(acc), strict=True):
        if value is not None:
            header[key] = value
    return header


def _decode_account(data: dict) -> Account:
    return Account(data["n"], data["m"], data["s"], data["o"], data["c"], data["u"],
                   *(data.get(key) for key in _OPTIONAL_KEYS))


def _decode_accounts(items: list) -> list[Account]:
    """`_decode_account` of each (the report reads every account on file): the same Accounts,
    their fields set at once instead of one `object.__setattr__` each in the frozen dataclass's
    __init__ (tests compare the two)."""
    new, set_fields = object.__new__, object.__setattr__
    out = []
    for data in items:
        get = data.get
        account = new(Account)
        set_fields(account, "__dict__", {
            "name": data["n"], "marketplace": data["m"], "status": data["s"], "note": data["o"], "created": data["c"],
            "updated": data["u"], "display_name": get("dn"), "merchant_token": get("mt"), "legal_name_en": get("le"),
            "legal_name_local": get("ll"), "appeal_case": get("ac"),
        })
        out.append(account)
    return out


def _decode_attribute(fields: list, keys: list | None = None) -> Attribute:
    if len(fields) == 10:  # format 3
        kind, value, normalized, all_keys, source, first, last, note, flags, periods = fields
        return Attribute(kind, value, normalized, tuple(all_keys if keys is None else keys), source, first, last,
                         note, tuple(flags), tuple((since, until, pnote) for since, until, pnote in periods))
    kind, value, normalized, all_keys, source, first, last, note, flags = fields
    return Attribute(kind, value, normalized, tuple(all_keys if keys is None else keys), source, first, last, note,
                     tuple(flags))


def _decode_profile_v1(raw: bytes) -> Profile:
    """Format 1: the account and its attributes as one JSON object."""
    data = json.loads(raw)
    return Profile(_decode_account(data), tuple(map(_decode_attribute, data["a"])))



def _encode_event(event: Event) -> bytes:
    return _utf8_or_invalid(
        lambda: crypto.canonical_json(
            {"when": event.when, "account": event.account, "action": event.action,
             "verdict": event.verdict, "detail": event.detail}
        ),
        "a log entry",
    )


def _decode_event(raw: bytes) -> Event:
    d = json.loads(raw)
    return Event(d["when"], d["account"], d["action"], d["verdict"], d["detail"])



def _encode_explanation(expl: Explanation) -> bytes:
    """An explanation's sealed body: the values it covers (their keyed tags) only when it names them,
    so an explanation of a kind is written byte for byte as before."""
    return _utf8_or_invalid(
        lambda: crypto.canonical_json(
            {"accounts": sorted(expl.accounts), "kind": expl.kind, "note": expl.note, "when": expl.when,
             **({"note_zh": expl.note_zh} if expl.note_zh else {}),
             **({"values": sorted(expl.values), "shown": list(expl.shown)} if expl.values is not None else {})}
        ),
        "the explanation",
    )


def _decode_explanation(raw: bytes, tag=None) -> Explanation:
    """An explanation's body (ValueError, KeyError or TypeError when it is not one); `tag`, the
    store's keyed tag of a match key, to tell which values it covers."""
    d = json.loads(raw)
    values, shown = d.get("values"), d.get("shown", [])
    if values is not None and not all(isinstance(v, str) for v in [*values, *shown]):
        raise TypeError("explanation values")
    return Explanation(tuple(d["accounts"]), d["kind"], d["note"], d["when"], d.get("note_zh"),
                       tuple(values) if values is not None else None, tuple(shown), tag)


def explanation_name(expl: Explanation) -> str:
    """What names an explanation's row: its accounts and kind, and the values it covers if it names them
    (recording the same again replaces it)."""
    a, b = sorted(expl.accounts)
    name = f"explanation\x1f{a}\x1f{b}\x1f{expl.kind}"
    return name if expl.values is None else name + "\x1f" + ",".join(sorted(expl.values))


def _value_tagger(keys: crypto.Keyring):
    """`index_tag` of a match key, in hex: the tag an explanation keeps of each value it covers."""
    index_tag = keys.index_tag
    return lambda key: index_tag(key).hex()
