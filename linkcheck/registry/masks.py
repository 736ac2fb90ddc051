"""Masks: how a normalised value is shown unless revealed -- enough to recognise it in an appeal
statement, never the value itself -- and how much of a rejected value an error message may quote."""

from __future__ import annotations

import ipaddress
import re
from typing import Callable

from .. import normalize


def mask_last_four(value: str) -> str:
    """`****3000`: the last four characters (none of a value that short)."""
    return "****" + value[-4:] if len(value) > 6 else "****"


def mask_email(value: str) -> str:
    """`j***@example.com`."""
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return mask_last_four(value)
    return f"{local[0]}***@{domain}"


def mask_mac(value: str) -> str:
    """`3c:22:fb:**:**:56`: the vendor prefix and the last octet."""
    parts = value.split(":")
    if len(parts) != 6:
        return "**:**:**:**:**:**"
    return f"{parts[0]}:{parts[1]}:{parts[2]}:**:**:{parts[5]}"


def mask_ip(value: str) -> str:
    """`203.0.113.x` for IPv4, the /64 for IPv6 (`2001:db8:1:2:x:x:x:x`)."""
    if ":" not in value:
        head = value.rsplit(".", 1)[0]
        return f"{head}.x" if head != value else "x.x.x.x"
    try:
        hextets = ipaddress.IPv6Address(value).exploded.split(":")[:4]
    except ValueError:
        return "x:x:x:x:x:x:x:x"
    return ":".join(h.lstrip("0") or "0" for h in hextets) + ":x:x:x:x"


def mask_payment_account(value: str) -> str:
    return mask_email(value) if "@" in value else mask_last_four(value)


def _mask_word(word: str) -> str:
    if word.isascii():  # (no ASCII character is CJK: most words, without the pattern)
        return "***" if word.isdigit() else word[0] + "***"
    if normalize.is_cjk(word[0]):
        return word[0] + "*" * max(1, len(word) - 1)
    if word.isdigit():
        return "***"
    return word[0] + "***"


def _mask_words(generic: frozenset[str]) -> Callable[[str], str]:
    """Names and addresses: generic words (places, legal forms, road, room) as they are,
    every other word reduced to its first character: `shenzhen a*** trading`. The whole
    value is never shown: with nothing distinctive, all but the first word are masked."""

    def mask(value: str) -> str:
        words = value.split()
        if not words:
            return "***"
        mask_word = _mask_word
        shown = [w if w in generic else mask_word(w) for w in words]
        if shown == words:
            shown = [words[0]] + [_mask_word(w) for w in words[1:]] if len(words) > 1 else [_mask_word(words[0])]
        return " ".join(shown)

    return mask


_ZH_GENERIC: "re.Pattern | None" = None
_ZH_PLACE: "re.Pattern | None" = None


def mask_cjk_text(raw: str) -> str:
    """A Chinese name or address as it was written, masked: its generic words of two characters
    or more (places, trade words, legal forms, 科技园…) as they are, a one-character unit word
    right after a number (88号, 1203室, 5楼) too; of everything else -- the distinctive
    characters, Chinese or Latin -- only the first is shown, every other one and every digit run
    is `*`: `深圳市星*贸易有限公司`, `深圳市南山区科技园路*号*室`. A one-character generic word
    anywhere else (路 in 金路达) counts as distinctive, so no name splits into pieces each shown
    by its first character. Read after NFKC (Kangxi radicals, full-width letters) without format
    characters (bidi overrides, zero-width spaces). With nothing distinctive, all but its first
    word is masked."""
    import unicodedata

    global _ZH_GENERIC, _ZH_PLACE
    if _ZH_GENERIC is None or _ZH_PLACE is None:
        bare = normalize.ZH_BARE_PLACES
        words = sorted((w for w in normalize.ZH_GENERIC_WORDS if len(w) > 1 and w not in bare), key=len, reverse=True)
        _ZH_GENERIC = re.compile("|".join(map(re.escape, words)))
        _ZH_PLACE = re.compile("|".join(map(re.escape, sorted(bare, key=len, reverse=True))))
    units = _ZH_UNITS
    zh_generic = normalize.ZH_GENERIC_WORDS
    text = "".join(ch for ch in unicodedata.normalize("NFKC", raw) if unicodedata.category(ch) != "Cf")
    text = " ".join(text.split())
    out: list[str] = []
    shown_one = False  # the first distinctive character has been shown
    distinctive = False
    at, n = 0, len(text)
    while at < n:
        generic = _ZH_GENERIC.match(text, at)
        # A bare place where a place stands: first (or after its province: 浙江杭州), or in brackets.
        if generic is None and ((not out or out[-1] in "(（") or (not distinctive and out[-1] + "省" in zh_generic)):
            generic = _ZH_PLACE.match(text, at)
        if generic is not None:
            out.append(generic.group(0))
            at = generic.end()
            continue
        ch = text[at]
        if ch.isdigit():
            end = at
            while end < n and text[end].isdigit():
                end += 1
            out.append("*")
            distinctive = True
            if end < n and text[end] in units:  # 88号, 1203室: the unit after a number
                out.append(text[end])
                end += 1
            at = end
            continue
        if ch.isalpha():
            distinctive = True
            out.append("*" if shown_one else ch)
            shown_one = True
        else:
            out.append(ch)  # punctuation and spaces as written
        at += 1
    if distinctive:
        return "".join(out)
    first = _ZH_GENERIC.match(text)
    keep = first.end() if first else 1
    return text[:keep] + "".join("*" if not ch.isspace() else ch for ch in text[keep:])


# The one-character unit words shown after a number (88号, 1203室, 5楼): the address's
# structure, not its place.
_ZH_UNITS = frozenset(w for w in normalize.ZH_UNIT_WORDS if len(w) == 1)


def mask_person(value: str) -> str:
    """`j*** d***`: initials only."""
    return " ".join([_mask_word(w) for w in value.split()]) or "***"


def mask_token(value: str) -> str:
    """`3f25…`: the first four characters."""
    return value[:4] + "…"


def _shown(value: str) -> str:
    return value


# ---------------------------------------------------------------------------------------------
# What an error message may quote of a value a kind rejected (see accounts.shown_in_error)

SECRET = "secret"  # the first and last two characters at most
PARTIAL = "partial"  # enough to find the row (a phone number's first four and last two), not the whole value
TEXT = "text"  # the value itself, cut at 60 characters
