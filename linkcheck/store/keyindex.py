"""The sealed key index of an account (format 2): its match keys' 8-byte keyed tags and the
normalised texts compared fuzzily, laid out so `check`, `precheck` and the audit read it
without decoding any profile."""

from __future__ import annotations

from typing import Callable, NamedTuple

from ..i18n import _
from ..errors import InvalidInput
from ..models import Profile
from . import codec
from .codec import _exact_key_count
from ..registry.facets import BLOCKING_PREFIX
from ..lazy import LazyImport

_orjson = LazyImport(globals(), "_orjson", "orjson")  # (`_row_bytes`: loaded with the first row)


class _Index(NamedTuple):
    """One account's decrypted key index (format 2), as `_index_blob` lays it out."""

    exact_counts: bytes  # per attribute
    block_counts: bytes
    tags: memoryview  # unsigned 64-bit tags: the exact ones, then the blocking ones
    exact: memoryview
    blocking: memoryview
    texts: bytes  # kind and normalised text of each attribute with blocking keys, NUL-separated


_TEXT_SEPARATOR = "\x00"  # never in a value: the kinds refuse control characters


def _index_layout(blob: bytes) -> tuple[int, int, int, int]:
    """(attributes, start of the tags, number of exact tags, end of the tags)."""
    if len(blob) < 4:
        raise ValueError("index length")
    attributes = int.from_bytes(blob[:4], "little")
    head = 4 + 2 * attributes
    start = head + (-head % 8)
    n_exact = sum(blob[4 : 4 + attributes])
    end = start + 8 * (n_exact + sum(blob[4 + attributes : head]))
    if len(blob) < end:
        raise ValueError("index length")
    return attributes, start, n_exact, end


def _index_tags(blob: bytes) -> bytes:
    """The tag region of a format-2 index: every tag, exact then blocking."""
    _attributes, start, _n_exact, end = _index_layout(blob)
    return blob[start:end]


def _parse_index(blob: bytes) -> _Index:
    attributes, start, n_exact, end = _index_layout(blob)
    tags = memoryview(blob)[start:end].cast("Q")
    return _Index(blob[4 : 4 + attributes], blob[4 + attributes : 4 + 2 * attributes], tags, tags[:n_exact],
                  tags[n_exact:], blob[end:])


def index_blob(profile: Profile, tag: Callable[[str], bytes], n_exact: list[int] | None = None, *,
               tags: Callable[[list[str]], list[bytes]] | None = None) -> bytes:
    """The account's key index (format 2): the 8-byte tag of every match key, exact keys
    and blocking keys apart, each in attribute order, with per-attribute counts.

        u32 attributes | u8 exact keys per attribute | u8 blocking keys per attribute |
        zero padding to a multiple of 8 | exact tags | blocking tags |
        kind NUL normalised text, NUL-separated, of each attribute with blocking keys

    `check` and `precheck` search the tags. The audit counts them across all accounts to
    find, before decrypting any profile, which attributes share a key at all, and runs
    the fuzzy comparison on the texts here, without decoding any profile.

    `tags`, when given, is `tag` of each key of a list at once (`Keyring.index_tags`: one
    call for the whole account rather than one a key).
    """
    exact_counts, block_counts = bytearray(), bytearray()
    exact_keys: list[str] = []
    block_keys: list[str] = []
    texts = []
    if n_exact is None:
        n_exact = [_exact_key_count(a.keys) for a in profile.attributes]
    for attr, split in zip(profile.attributes, n_exact, strict=True):
        attr_keys = attr.keys
        if split == len(attr_keys) and split <= 255:  # no blocking keys (most values)
            exact_counts.append(split)
            block_counts.append(0)
            exact_keys.extend(attr_keys)
            continue
        exact, blocking = attr_keys[:split], attr_keys[split:]
        if len(exact) > 255 or len(blocking) > 255:
            raise InvalidInput(_("a {kind} value of account {name!r} has too many match keys", kind=attr.kind, name=profile.account.name))
        exact_counts.append(len(exact))
        block_counts.append(len(blocking))
        exact_keys.extend(exact)
        if blocking:
            block_keys.extend(blocking)
            if _TEXT_SEPARATOR in attr.kind or _TEXT_SEPARATOR in attr.normalized:
                raise InvalidInput(_("a {kind} value of account {name!r} holds a NUL character", kind=attr.kind, name=profile.account.name))
            texts.append(attr.kind)
            texts.append(attr.normalized)
    head = len(profile.attributes).to_bytes(4, "little") + exact_counts + block_counts
    text = _TEXT_SEPARATOR.join(texts).encode("utf-8") if texts else b""
    keys = exact_keys + block_keys
    return b"".join((head, bytes(-len(head) % 8), *(tags(keys) if tags is not None else map(tag, keys)), text))


_EMPTY_LINE = b"[]\n"


def row_bytes(profile: Profile, tags: Callable[[list[str]], list[bytes]]) -> tuple[bytes, bytes] | None:
    """(body, key index) of a format-3 row -- `codec._encode_profile(profile, n_exact, 3)` and
    `index_blob(profile, ..., n_exact, tags=tags)`, the same bytes -- in one pass over the
    attributes (an import writes millions of them): each attribute's match keys are split
    once, its JSON lines written by orjson (as `codec._profile_bytes` writes them) and its
    keys laid out for the index in the same step, the keys of a single exact key (most
    values) without a call. None for a row that is not plain -- an attribute with periods,
    dates that are not ints, more than 255 keys of one sort, a NUL, blocking keys out of
    order, text orjson refuses (anything that raises) --: the caller makes it the usual way,
    which says what is wrong with it exactly as before."""
    try:
        return _row_bytes(profile, tags)
    except Exception:  # noqa: BLE001 - the usual way meets the same problem and says it
        return None


def _row_bytes(profile: Profile, tags: Callable[[list[str]], list[bytes]]) -> tuple[bytes, bytes] | None:
    line = codec._ORJSON_LINE if codec._ORJSON_LINE is not None else codec._orjson_line()
    if not line:
        return None
    # `line(data)`, called without the lambda around it (a Python call a value saved); orjson
    # is installed (`line` is its), imported once (`_orjson`), not by an import statement a row
    dumps, option = _orjson.dumps, _orjson.OPT_APPEND_NEWLINE | _orjson.OPT_PASSTHROUGH_SUBCLASS
    body = [codec._JSON_LINE(codec._account_header(profile.account)).encode("utf-8"), b"\n"]
    append = body.append
    exact_counts, block_counts = bytearray(), bytearray()
    count_exact, count_blocking = exact_counts.append, block_counts.append
    exact_keys: list[str] = []
    add_exact = exact_keys.append
    block_keys: list[str] = []
    texts: list[str] = []
    for attr in profile.attributes:
        if attr[9] or type(attr[5]) is not int or type(attr[6]) is not int:
            return None
        keys = attr[3]
        if len(keys) == 1 and keys[0][:1] != BLOCKING_PREFIX:  # (most values: their one exact key)
            append(dumps(attr[:], None, option))
            append(_EMPTY_LINE)
            count_exact(1)
            count_blocking(0)
            add_exact(keys[0])
            continue
        exact = _exact_key_count(keys)
        blocking = len(keys) - exact
        if exact > 255 or blocking > 255:
            return None
        count_exact(exact)
        count_blocking(blocking)
        if blocking:
            append(line((*attr[:3], keys[:exact], *attr[4:])))
            append(line(keys[exact:]))
            exact_keys.extend(keys[:exact])
            block_keys.extend(keys[exact:])
            kind, normalized = attr[0], attr[2]
            if _TEXT_SEPARATOR in kind or _TEXT_SEPARATOR in normalized:
                return None
            texts.append(kind)
            texts.append(normalized)
        else:
            append(line(attr[:]))
            append(_EMPTY_LINE)
            exact_keys.extend(keys)
    head = len(profile.attributes).to_bytes(4, "little") + exact_counts + block_counts
    text = _TEXT_SEPARATOR.join(texts).encode("utf-8") if texts else b""
    exact_keys += block_keys
    return b"".join(body), b"".join((head, bytes(-len(head) % 8), *tags(exact_keys), text))
