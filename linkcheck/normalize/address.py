"""Addresses: abbreviations spelled out, numbers, floors and rooms in one form, countries trimmed."""

from __future__ import annotations

import re

from .company import TRADE_WORDS
from .places import _DISTRICTS, _FUNCTION_WORDS, _PLACES_ZH, PLACE_WORDS
from .text import _HAS_CJK, _LETTER, Canonical, Rejected, _folded, _spaced, _split_cjk, _words, word_list, word_map

_ADDRESS_SPELLINGS = word_map("address_spellings.json")

_ADDRESS_ZH = {
    **_PLACES_ZH,
    **_DISTRICTS, **{k + "区": v + " district" for k, v in _DISTRICTS.items()},
    **_ADDRESS_SPELLINGS["zh"],
}
_ADDRESS_ZH_WORDS = _words(_ADDRESS_ZH)
# A number before a Chinese unit word belongs to it: 1203室 is room 1203, 5号楼 building 5.
_ZH_UNITS = {"号楼": "building", "栋": "building", "幢": "building", "座": "building", "室": "room", "房": "room",
             "楼": "floor", "层": "floor", "单元": "unit", "号": ""}
_ZH_UNIT_NUMBER = re.compile(r"([0-9]+|[a-z])\s*(号楼|栋|幢|座|室|房|楼|层|单元|号)")


def _zh_unit_number(m: re.Match) -> str:
    number, unit = m.groups()
    start = m.start()
    if start and m.string[start - 1].isascii() and m.string[start - 1].isalnum():
        return m.group(0)  # part of a longer word or number
    word = _ZH_UNITS[unit]
    if not number.isdigit() and word != "building":
        return m.group(0)  # only buildings are lettered (A座)
    return f" {word} {number} "


ADDRESS_WORDS = word_list("address_words.txt")
_ADDRESS_ABBREVIATIONS = _ADDRESS_SPELLINGS["abbreviations"]
# Number markers: "No. 88", "88号", "#88" and "88" are one number.
_ADDRESS_DROPPED = frozenset("no number num nr province prov".split())
_ADDRESS_COUNTRIES = (
    ("peoples", "republic", "of", "china"), ("united", "states", "of", "america"), ("united", "states"),
    ("united", "kingdom"), ("pr", "china"), ("china",), ("prc",), ("usa",), ("uk",),
)
_COUNTRY_EDGES = frozenset(w for country in _ADDRESS_COUNTRIES for w in (country[0], country[-1]))
_FLOOR_NUMBER = (
    # 12/F, 12th Floor, 12F: the floor number in front of its floor word -> "floor 12".
    (re.compile(r"(?<![a-z0-9])([0-9]+)(?:st|nd|rd|th)?\s*/\s*f(?![a-z0-9])"), r" floor \1 "),
    (re.compile(r"(?<![a-z0-9])([0-9]+)(?:st|nd|rd|th)\s+(?:floor|fl|flr)(?![a-z0-9])"), r" floor \1 "),
    (re.compile(r"(?<![a-z0-9])([0-9]+)(?:f|fl|flr)(?![a-z0-9])"), r" floor \1 "),
    (re.compile(r"(?<![a-z0-9])([0-9]+)(?:st|nd|rd|th)(?![a-z0-9])"), r"\1"),
)
_FLOOR_HINT = re.compile(r"[0-9](?:st|nd|rd|th|f|\s*/)")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
ADDRESS_GENERIC = ADDRESS_WORDS | PLACE_WORDS | _FUNCTION_WORDS | TRADE_WORDS


def address_tokens(text: str) -> list[str]:
    """An address's words: abbreviations spelled out (Rd -> road, Rm -> room), number
    markers dropped (No. 88 -> 88), floors and rooms as `floor 12` / `room 1203`, and a
    leading or trailing country name dropped."""
    text = _folded(text).replace("#", " ")
    if _FLOOR_HINT.search(text):
        for pattern, replacement in _FLOOR_NUMBER:
            text = pattern.sub(replacement, text)
    text = _spaced(text)
    if not text.isascii() and _HAS_CJK.search(text):
        text = _ZH_UNIT_NUMBER.sub(_zh_unit_number, text)
        text = _split_cjk(_ADDRESS_ZH_WORDS.sub(lambda m: f" {_ADDRESS_ZH[m.group(0)]} ", text))
    tokens: list[str] = []
    for word in text.split():
        # Rm1203 is Rm 1203, 12A is 12 A: split letters from digits (most words are neither).
        parts = (word,) if word.isalpha() or word.isdigit() else _LETTER_DIGIT.sub(" ", word).split()
        for token in parts:
            _add_address_token(tokens, token)
    _trim_countries(tokens)
    return tokens


def _add_address_token(tokens: list[str], token: str) -> None:
    token = _ADDRESS_ABBREVIATIONS.get(token, token)
    if token in _ADDRESS_DROPPED:
        return
    if token == "city" and tokens and tokens[-1] in PLACE_WORDS:
        return
    if len(token) > 5 and token.endswith("str"):
        token = token + "asse"  # German: Friedrichstr. is Friedrichstrasse
    tokens.append(token)


def _trim_countries(tokens: list[str]) -> None:
    """Drop a country name at either end: "..., Shenzhen, China" is "..., Shenzhen"."""
    while len(tokens) > 1 and (tokens[-1] in _COUNTRY_EDGES or tokens[0] in _COUNTRY_EDGES):
        for country in _ADDRESS_COUNTRIES:
            n = len(country)
            if len(tokens) > n and tuple(tokens[-n:]) == country:
                del tokens[-n:]
                break
            if len(tokens) > n and tuple(tokens[:n]) == country:
                del tokens[:n]
                break
        else:
            return


def address(text: str) -> Canonical:
    """Canonical address; equal addresses share a key that also ignores spacing."""
    tokens = address_tokens(text)
    if not any(_LETTER.search(t) for t in tokens):
        raise Rejected("an address has words, not only numbers")
    value = " ".join(tokens)
    if len(value) < 4:
        raise Rejected("too short to be an address")
    return Canonical(value, key="".join(tokens))
