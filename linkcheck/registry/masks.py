"""Masks: how a normalised value is shown unless revealed -- enough to recognise it in an appeal
statement, never the value itself -- and how much of a rejected value an error message may quote."""

from __future__ import annotations

import ipaddress
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
