"""Where a company is: the country a value says the company behind an account is in.

Used when a value is entered, not when it is matched: a tax or registration number without
a country prefix takes the company's country, and a phone number without a country code
that took the marketplace's country is worth a warning when the company is elsewhere.
"""

from __future__ import annotations

import re

from ..i18n import N_
from ..lazy import lazy_pattern
from .places import _CITIES, _PROVINCES
from .text import _HAS_CJK, fold

# Compiled when first used (CJK text): not at import.
_KANA_OR_JP_FORM = lazy_pattern(globals(), "_KANA_OR_JP_FORM", "[\u3040-\u30ff]|株式会社|合同会社|有限会社")
_HANGUL = lazy_pattern(globals(), "_HANGUL", "[\uac00-\ud7af]")
_CN_PLACES = frozenset(_CITIES.values()) | frozenset(_PROVINCES.values())
_WORD = re.compile(r"[^\W\d_]+")
# Country names an address ends with, as folded words -> ISO code.
_ADDRESS_COUNTRIES = {
    ("china",): "CN", ("prc",): "CN", ("p", "r", "china"): "CN", ("pr", "china"): "CN", ("中国",): "CN",
    ("usa",): "US", ("united", "states"): "US", ("united", "states", "of", "america"): "US",
    ("uk",): "GB", ("united", "kingdom"): "GB", ("england",): "GB", ("germany",): "DE", ("deutschland",): "DE",
    ("japan",): "JP", ("日本",): "JP", ("canada",): "CA", ("australia",): "AU", ("mexico",): "MX",
    ("méxico",): "MX", ("france",): "FR", ("italy",): "IT", ("italia",): "IT", ("spain",): "ES",
    ("españa",): "ES", ("hong", "kong"): "HK", ("hongkong",): "HK", ("singapore",): "SG", ("india",): "IN",
}
_NOT_ALNUM = re.compile(r"[\W_]+")
_PREFIXES = {"GR": ("EL",), "GB": ("XI",)}
_CN_ADDRESS = lazy_pattern(globals(), "_CN_ADDRESS", "[省市区县镇路街]")

# How strongly a kind says where the company is: a registered number beats an address,
# which beats the look of a name.
_STRENGTH = {"registration_number": 3, "tax_id": 3, "address": 2, "company_name": 1}
COUNTRY_KINDS = frozenset(_STRENGTH)  # the kinds whose values can place a company at all
_HOW = {"registration_number": N_("its registration number"), "tax_id": N_("its tax ID"),
        "address": N_("its address"), "company_name": N_("its company name")}


def country_hint(kind: str, value: str, flags: tuple[str, ...]) -> str | None:
    """The country one value (as entered, with its flags) places the company in, if any."""
    if kind in ("tax_id", "registration_number"):
        # Only a number that names its country itself (its prefix, or a Chinese credit
        # code's shape), not one that took the marketplace's country.
        for flag in flags:
            if flag.startswith("country:"):
                country = flag[8:]
                written = _NOT_ALNUM.sub("", value).upper()
                if written[:2] in (country, *_PREFIXES.get(country, ())) or (country == "CN" and len(written) == 18):
                    return country
        return None
    if kind == "company_name":
        ascii_text = value.isascii()  # (no CJK character, no Hangul: the first two tests pass)
        if not ascii_text and _HAS_CJK.search(value):
            if _KANA_OR_JP_FORM.search(value):
                return "JP"
            return "CN"
        if not ascii_text and _HANGUL.search(value):
            return "KR"
        first = _WORD.search(fold(value))  # (the first word findall would give)
        return "CN" if first is not None and first.group() in _CN_PLACES else None
    if kind == "address":
        words = _WORD.findall(fold(value))
        for size in (4, 3, 2, 1):
            if len(words) >= size and tuple(words[-size:]) in _ADDRESS_COUNTRIES:
                return _ADDRESS_COUNTRIES[tuple(words[-size:])]
        if not value.isascii() and _HAS_CJK.search(value) and _CN_ADDRESS.search(value) and not _KANA_OR_JP_FORM.search(value):
            return "CN"
        return None
    return None


def company_country(values) -> tuple[str, str] | None:
    """(country, what says so) for an account's values — (kind, value as entered, flags)
    triples — from the strongest kind that names one; None when none does or the strongest
    disagree."""
    best: dict[str, str] = {}
    best_strength = 0
    for kind, value, flags in values:
        strength = _STRENGTH.get(kind, 0)
        if strength < best_strength or not strength:
            continue
        country = country_hint(kind, value, flags)
        if country is None:
            continue
        if strength > best_strength:
            best, best_strength = {}, strength
        best.setdefault(country, _HOW[kind])
    if len(best) != 1:
        return None
    return next(iter(best.items()))
