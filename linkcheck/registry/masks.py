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
        shown = [w if w in generic else _mask_word(w) for w in words]
        if shown == words:
            shown = [words[0]] + [_mask_word(w) for w in words[1:]] if len(words) > 1 else [_mask_word(words[0])]
        return " ".join(shown)

    return mask


_ZH_GENERIC: "re.Pattern | None" = None
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_OR_DIGITS = re.compile(r"[^\W_]+")


def mask_cjk_text(raw: str) -> str:
    """A Chinese name or address as it was written, masked: its generic words (places, trade
    words, legal forms, road, number and room words) as they are, the first character of every
    other run of Chinese and of every Latin word, every number as `*`: `深圳市星*贸易有限公司`,
    `深圳市南山区科技园路*号*室`. With nothing distinctive, all but its first word is masked."""
    global _ZH_GENERIC
    if _ZH_GENERIC is None:
        words = sorted(normalize.ZH_GENERIC_WORDS, key=len, reverse=True)
        _ZH_GENERIC = re.compile("|".join(map(re.escape, words)))
    generic = _ZH_GENERIC
    text = " ".join(raw.split())
    out: list[str] = []
    distinctive = False
    position = 0
    for m in _CJK_RUN.finditer(text):
        out.append(_mask_latin(text[position:m.start()]))
        run, at = m.group(0), 0
        for g in generic.finditer(run):
            if g.start() > at:
                out.append(_mask_word(run[at:g.start()]))
                distinctive = True
            out.append(g.group(0))
            at = g.end()
        if at < len(run):
            out.append(_mask_word(run[at:]))
            distinctive = True
        position = m.end()
    out.append(_mask_latin(text[position:]))
    shown = "".join(out)
    # A number or a Latin word is distinctive too (a street number, a room, ACME): masked above.
    if distinctive or _LATIN_OR_DIGITS.search(_CJK_RUN.sub(" ", text)):
        return shown
    first = generic.match(text)
    keep = first.end() if first else 1
    return text[:keep] + "".join("*" if not ch.isspace() else ch for ch in text[keep:])


def _mask_latin(text: str) -> str:
    """Latin words and numbers in a Chinese value: `A***`, `*` (punctuation kept)."""
    return _LATIN_OR_DIGITS.sub(lambda m: "*" if m.group(0).isdigit() else m.group(0)[0] + "***", text)


def mask_person(value: str) -> str:
    """`j*** d***`: initials only."""
    return " ".join(_mask_word(w) for w in value.split()) or "***"


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
