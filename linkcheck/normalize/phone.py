"""Phone numbers in E.164."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from .text import Canonical, Rejected, _nfkc

_PHONE_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#|分机|转)\s*\d{1,7}$", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-/]+")
_NOT_DIGIT = re.compile(r"\D")
NO_COUNTRY_CODE = "no country code; give --region or a marketplace with a country"


@lru_cache(maxsize=65536)
def _e164(digits: str, region: str | None) -> str:
    """E.164 for a number given as digits (international when `region` is None); "" if
    the number is not valid. Cached: phonenumbers parsing costs ~20 us a number."""
    try:
        if region is None:
            number = phonenumbers.parse("+" + digits, None)
        else:
            number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_region(region: str) -> str:
    """A region code phonenumbers knows (`UK` is taken as GB), or Rejected."""
    code = region.strip().upper()
    if code == "UK":
        code = "GB"
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise Rejected(f"unknown region {region[:20]!r}; use a two-letter country code such as US")
    return code


def phone(text: str, region: str | None = None) -> Canonical:
    """E.164: `+86 (138) 0013-8000`, `+86.138.0013.8000` and `008613800138000` are
    `+8613800138000`. A number without a country code needs `region`; guessing one would
    make different people's numbers collide."""
    text = _nfkc(text)
    if text[:4].lower() == "tel:":
        text = text[4:]
    text = _PHONE_EXTENSION.sub("", text).strip()
    if not _PHONE_CHARS.fullmatch(text) or "+" in text[1:]:
        raise Rejected("not a phone number")
    digits = _NOT_DIGIT.sub("", text)
    international = text.startswith("+")
    if not international and digits.startswith("00"):
        # "00" is the international prefix nearly everywhere (ITU-T E.164 recommends it).
        digits, international = digits[2:], True
    if not 4 <= len(digits) <= 17:
        raise Rejected("not a phone number")
    if international:
        value = _e164(digits, None)
    elif region is None:
        raise Rejected(NO_COUNTRY_CODE)
    else:
        value = _e164(digits, phone_region(region))
    if not value:
        raise Rejected("not a valid phone number for its country")
    return Canonical(value)
