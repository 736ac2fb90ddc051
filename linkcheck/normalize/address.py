"""Addresses: abbreviations spelled out, numbers, floors and rooms in one form, countries trimmed."""

from __future__ import annotations

import re
from importlib import resources

from ..i18n import _
from ..lazy import lazy_pattern
from .company import _LEGAL_ZH, _PREFECTURES, _TRADE_ZH, TRADE_WORDS
from .places import _CITIES, _DISTRICTS, _FUNCTION_WORDS, _PLACES_ZH, _PROVINCES, PLACE_WORDS
from .text import _CJK_GAP, _HAS_CJK, _LETTER, Canonical, Rejected, _folded, _spaced, _split_cjk, _words, word_list, word_map

_ADDRESS_SPELLINGS = word_map("address_spellings.json")

_ADDRESS_ZH = {
    **_PLACES_ZH,
    **_DISTRICTS, **{k + "区": v + " district" for k, v in _DISTRICTS.items()},
    **_ADDRESS_SPELLINGS["zh"],
}
_ADDRESS_ZH_WORDS = _words(_ADDRESS_ZH)
_ZH_PROVINCE_WORDS = frozenset(_PROVINCES.values())
_ZH_CITY_WORDS = frozenset(_CITIES.values()) - _ZH_PROVINCE_WORDS
# A district's name says it is one: 南山区 and 南山 (after 深圳) are one place, as "Nanshan District"
# and "Nanshan" are, so "district" after a known district's name is dropped like "city" after a city.
_ZH_DISTRICT_WORDS = frozenset(_DISTRICTS.values())
# The words 区, 县, 镇 and 街道 become: an address's key leaves them out after a Chinese place name.
_ZH_LEVEL_WORDS = frozenset({"district", "county", "town", "subdistrict"})
# A number before a Chinese unit word belongs to it: 1203室 is room 1203, 5号楼 building 5.
_ZH_UNITS = {"号楼": "building", "栋": "building", "幢": "building", "座": "building", "室": "room", "房": "room",
             "楼": "floor", "层": "floor", "单元": "unit", "号": ""}
_ZH_UNIT_NUMBER = lazy_pattern(globals(), "_ZH_UNIT_NUMBER", r"([0-9]+|[a-z])\s*(号楼|栋|幢|座|室|房|楼|层|单元|号)")
ZH_UNIT_WORDS = frozenset(_ZH_UNITS)  # (for masks: the unit after a number is structure, not place)
# A province before a prefecture-level city adds nothing (the city names it): 广东省深圳市 is 深圳市.
# (These three serve Chinese addresses only: compiled when first used.)
_ZH_PROVINCE_BEFORE_CITY = lazy_pattern(
    globals(), "_ZH_PROVINCE_BEFORE_CITY",
    r"^\s*(?:中国|中华人民共和国)?\s*[\u4e00-\u9fff]{2,7}?(?:省|自治区)\s*(?=[\u4e00-\u9fff]{2,5}?(?:市|自治州|地区|盟))")
# The number that ends an address after its street number, building or floor is the room:
# 科技园路1号1203 is 科技园路1号1203室, as it is read.
_ZH_TRAILING_ROOM = lazy_pattern(globals(), "_ZH_TRAILING_ROOM", r"(?<=[号栋幢座楼层元])\s*([0-9]{3,5})\s*$")


def _zh_unit_number(m: re.Match) -> str:
    number, unit = m.groups()
    start = m.start()
    if start and m.string[start - 1].isascii() and m.string[start - 1].isalnum():
        return m.group(0)  # part of a longer word or number
    word = _ZH_UNITS[unit]
    if not number.isdigit() and word != "building":
        return m.group(0)  # only buildings are lettered (A座)
    return f" {word} {number} "


def _table(name: str) -> list[list[str]]:
    """A data file's lines as word lists (# starts a comment line)."""
    text = (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")
    return [line.lower().split() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


# USPS Publication 28 Appendix C1: every street suffix and its spellings -> the suffix's name.
_US_SUFFIXES = {spelling: row[0] for row in _table("us_street_suffixes.txt") for spelling in row}
STREET_TYPES = frozenset(_US_SUFFIXES.values())
# US states, DC and territories: USPS code -> name ("ak" -> ["alaska"]), read in a state's position.
_US_STATES = {row[0]: row[1:] for row in _table("us_states.txt")}
_US_STATE_WORDS = frozenset(w for name in _US_STATES.values() for w in name)
_DIRECTIONALS = {"n": "north", "s": "south", "e": "east", "w": "west",
                 "ne": "northeast", "nw": "northwest", "se": "southeast", "sw": "southwest"}
# Words after which a letter is a unit's name ("Building E", "Tower N"), not a direction.
_UNIT_WORDS = frozenset(
    "building bldg bld block blk tower twr unit room rm suite ste apartment apt flat wing floor fl flr lot gate "
    "house hall dept department".split()
)
_ZIP = re.compile(r"[0-9]{5}")
_ZIP4 = re.compile(r"[0-9]{4}")
_TRAILING_COUNTRY = frozenset("usa us united states of america".split())

# Street types that are never a street's own name join the generic words; the others (Lake,
# Mission, Spring…) often are the distinctive part ("Mission Street").
ADDRESS_WORDS = word_list("address_words.txt") | frozenset(_DIRECTIONALS.values()) | frozenset(
    "alley circle trail terrace crescent expressway freeway turnpike junction crossing heights stravenue "
    "throughway trafficway causeway bypass".split()
)
# The shared table's spellings win over USPS's where both have one (`str` is German `strasse`).
_ADDRESS_ABBREVIATIONS = {**_US_SUFFIXES, **_ADDRESS_SPELLINGS["abbreviations"]}
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
ADDRESS_GENERIC = ADDRESS_WORDS | PLACE_WORDS | _FUNCTION_WORDS | TRADE_WORDS | _US_STATE_WORDS
# The Chinese words of names and addresses that tell nothing about whose they are -- places with
# their suffixes, trade words, legal forms, road/number/room words: a mask shows them as written.
ZH_GENERIC_WORDS = frozenset(
    {*_ADDRESS_ZH, *_TRADE_ZH, *_LEGAL_ZH, *_PREFECTURES, *(p + "市" for p in _PREFECTURES), "中国", "有限", "责任"}
)
# Place names without their 市/省/区: generic where a place stands (first, or in brackets), a
# name's own characters elsewhere (阿里 in 阿里巴巴 is no prefecture there).
ZH_BARE_PLACES = frozenset({*_CITIES, *_PROVINCES, *_DISTRICTS, *_PREFECTURES})


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
        text = _ZH_PROVINCE_BEFORE_CITY.sub("", text, count=1)
        text = _ZH_TRAILING_ROOM.sub(r"\1室", text, count=1)
        text = _ZH_UNIT_NUMBER.sub(_zh_unit_number, text)
        text = _split_cjk(_ADDRESS_ZH_WORDS.sub(lambda m: f" {_ADDRESS_ZH[m.group(0)]} ", text))
    words: list[str] = []
    for word in text.split():
        # Rm1203 is Rm 1203, 12A is 12 A: split letters from digits (most words are neither).
        if word.isalpha() or word.isdigit():
            words.append(word)
        else:
            words.extend(_LETTER_DIGIT.sub(" ", word).split())
    tokens: list[str] = []
    for token in _us_words(words):
        if token == "box" and tokens[-2:] == ["post", "office"]:
            tokens[-2:] = ["po"]  # Post Office Box is PO Box (USPS Publication 28)
        _add_address_token(tokens, token)
    _drop_provinces_beside_cities(tokens)
    before = len(tokens)
    _trim_countries(tokens)
    if len(tokens) != before:
        # What a dropped country stood in front of is read again as it will be when this text
        # is parsed again: "Springfield MN, UK" ends with a state once the UK is gone.
        tokens = _us_words(tokens)
    return tokens


def _is_street_type(word: str) -> bool:
    return word in _US_SUFFIXES or _ADDRESS_ABBREVIATIONS.get(word) in STREET_TYPES


def _state_position(words: list[str], index: int) -> bool:
    """Whether words[index] stands where a US state does: after a city (not after a street
    type: "Main St NE" is a direction), followed by nothing but a ZIP code and a country."""
    if index == 0 or words[index - 1].isdigit() or _is_street_type(words[index - 1]):
        return False
    if words[index - 1] in _UNIT_WORDS:
        return False
    rest = words[index + 1:]
    zip_code = bool(rest) and bool(_ZIP.fullmatch(rest[0]))
    if zip_code:
        rest = rest[2:] if len(rest) > 1 and _ZIP4.fullmatch(rest[1]) else rest[1:]
    if not all(w in _TRAILING_COUNTRY for w in rest):
        return False
    # `CT`, `KY`, `WY` are also street types: "9 Elm Ct" ends with its street, "100 Main St,
    # Hartford, CT" and "Hartford, CT 06103" with a state.
    return zip_code or not _is_street_type(words[index]) or any(_is_street_type(w) for w in words[:index])


def _us_words(words: list[str]) -> list[str]:
    """US spellings in one form: a state's code where a state stands is its name (`FL` at
    the end, or before the ZIP, is Florida; `FL 3` elsewhere is a floor; a ZIP+4's last four
    digits are dropped after a state), and a directional
    (`E`, `NW`) is a direction unless it is a street's own name (`E St`, `K St NW`: a letter
    before a street type) or a unit's (`Building E`)."""
    out: list[str] = []
    last = len(words) - 1
    for index, word in enumerate(words):
        if (len(word) == 4 and _ZIP4.fullmatch(word) and len(out) > 1 and _ZIP.fullmatch(out[-1])
                and out[-2] in _US_STATE_WORDS):
            continue  # ZIP+4: the address is the one its 5-digit ZIP and street name
        if len(word) <= 2 and word.isascii() and word.isalpha():
            if word in _US_STATES and _state_position(words, index):
                out.extend(_US_STATES[word])
                continue
            direction = _DIRECTIONALS.get(word)
            if direction is not None and not (index < last and _is_street_type(words[index + 1])) and not (
                index and words[index - 1] in _UNIT_WORDS
            ):
                out.append(direction)
                continue
        out.append(word)
    return out


def _add_address_token(tokens: list[str], token: str) -> None:
    token = _ADDRESS_ABBREVIATIONS.get(token, token)
    if token in _ADDRESS_DROPPED:
        return
    if token == "city" and tokens and tokens[-1] in PLACE_WORDS:
        return
    if token == "district" and tokens and tokens[-1] in _ZH_DISTRICT_WORDS:
        return
    if len(token) > 5 and token.endswith("str"):
        token = token + "asse"  # German: Friedrichstr. is Friedrichstrasse
    tokens.append(token)


def _drop_provinces_beside_cities(tokens: list[str]) -> None:
    """A Chinese province next to one of its cities adds nothing: "Shenzhen, Guangdong" and
    "Guangdong Shenzhen" are Shenzhen (the city names its province)."""
    if len(tokens) < 2 or _ZH_PROVINCE_WORDS.isdisjoint(tokens):
        return
    keep = [t for i, t in enumerate(tokens)
            if not (t in _ZH_PROVINCE_WORDS
                    and ((i and tokens[i - 1] in _ZH_CITY_WORDS) or (i + 1 < len(tokens) and tokens[i + 1] in _ZH_CITY_WORDS)))]
    tokens[:] = keep


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
    # No space between two CJK words, as the text itself is read (`_spaced`): a word dropped
    # between them (号) must not leave one, or the canonical text would read differently again.
    value = " ".join(tokens)
    if not _LETTER.search(value):  # (a letter in a word: a space is none)
        raise Rejected(_("an address has words, not only numbers"))
    if not value.isascii():
        value = _CJK_GAP.sub("", value)
    if len(value) < 4:
        raise Rejected(_("too short to be an address"))
    key = "".join(_key_tokens(tokens))
    alone = _without_subdistrict(tokens)
    if alone is not None:
        # Also the key the address has when its subdistrict is left out (as it often is): one
        # road and number of one district, with or without the 街道 it lies in.
        other = "".join(_key_tokens(alone))
        if other and other != key:
            return Canonical(value, key=key, related=(("address", other),))
    return Canonical(value, key=key)


def _without_subdistrict(tokens: list[str]) -> list[str] | None:
    """The address's words without a Chinese subdistrict (`粤海 subdistrict`: a Chinese name
    before 街道's word), or None when it names none."""
    if "subdistrict" not in tokens:
        return None
    at = tokens.index("subdistrict")
    if at == 0 or not _HAS_CJK.search(tokens[at - 1]) or at + 1 >= len(tokens):
        return None
    return tokens[:at - 1] + tokens[at + 1:]


def _key_tokens(tokens: list[str]) -> list[str]:
    """The words an address's key is made of: the word that says what level a Chinese place is (区,
    县, 镇, 街道: `district`, `county`, `town`, `subdistrict` after a Chinese name) is left out, since
    addresses name the place with it or without it (东莞市长安镇振安路 and 东莞长安振安路, 顺德区北滘镇
    and 顺德北滘, are one road) -- the canonical text keeps it."""
    if _ZH_LEVEL_WORDS.isdisjoint(tokens):
        return tokens
    return [t for i, t in enumerate(tokens)
            if not (t in _ZH_LEVEL_WORDS and i and _HAS_CJK.search(tokens[i - 1]))]
