"""Phone numbers in E.164."""

from __future__ import annotations

import re
from functools import lru_cache

from ..i18n import _
from .text import Canonical, Rejected, _nfkc

# An extension after the number: `ext 12`, `ext. 12`, `ext: 12`, `extn 12`, `extension 12`,
# `x12`, `#12`, `;ext=12` (RFC 3966), Russian `доб. 12`, Chinese `分机 12` / `转 12`,
# Spanish `anexo`, Portuguese `ramal`, French `poste`, Japanese `内線`.
_PHONE_EXTENSION = re.compile(
    r"\s*[,;]?\s*(?:(?:ext(?:ension|n)?|доб(?:авочный)?|anexo|ramal|poste|内线|內線|内線|分机|分機|转|轉)\s*[.:=]?|x|#)"
    r"\s*\d{1,7}\s*#?$",
    re.IGNORECASE,
)
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-/]+")
_NOT_DIGIT = re.compile(r"\D")
NO_COUNTRY_CODE = "no country code; give --region or a marketplace with a country"


@lru_cache(maxsize=65536)
def _e164(digits: str, region: str | None) -> tuple[str, bool]:
    """E.164 for a number given as digits (international when `region` is None), and whether
    its country is the region's because it had no country code of its own; ("", False) if
    the number is not valid. With a region, a leading international prefix is that
    region's (phonenumbers' metadata: 00 in Germany, 011 in the US, 0011 in Australia, 8~10
    in Russia). Cached: phonenumbers parsing costs ~20 us a number."""
    import phonenumbers  # imported where used: a command that reads no phone number never loads it

    _keep_patterns(phonenumbers)
    try:
        if region is None:
            number = phonenumbers.parse("+" + digits, None)
        else:
            number = phonenumbers.parse(digits, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return "", False
    if not phonenumbers.is_valid_number(number):
        return "", False
    national = region is not None and number.country_code_source == phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), national


def _keep_patterns(phonenumbers) -> None:
    """phonenumbers' own switch (where its version has it; it does nothing once on) to keep
    the metadata's compiled regular expressions rather than look each up again in the re
    module's cache: some eight a number, a tenth of its parsing time. The same patterns."""
    enable = getattr(phonenumbers, "enable_pattern_cache", None)
    if enable is not None:
        enable()


def phone_region(region: str) -> str:
    """A region code phonenumbers knows (`UK` is taken as GB), or Rejected."""
    code = region.strip().upper()
    if code == "UK":
        code = "GB"
    import phonenumbers

    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise Rejected(_("unknown region {region!r}; use a two-letter country code such as US", region=region[:20]))
    return code


def phone(text: str, region: str | None = None) -> Canonical:
    """E.164: `+86 (138) 0013-8000`, `+86.138.0013.8000` and `008613800138000` are
    `+8613800138000`. A number without a country code needs `region`; guessing one would
    make different people's numbers collide. A leading international prefix is read as the
    region's (`0011` in Australia, `011` in the US); `00`, the prefix of most of the world,
    is also read as one where the region's own reading gives no valid number, and when
    there is no region. A number that took the region's country is flagged `region:XX`."""
    text = _nfkc(text)
    if text[:4].lower() == "tel:":
        text = text[4:]
    text = _PHONE_EXTENSION.sub("", text).strip()
    if not _PHONE_CHARS.fullmatch(text) or "+" in text[1:]:
        raise Rejected(_("not a phone number"))
    digits = _NOT_DIGIT.sub("", text)
    if not 4 <= len(digits) <= 19:
        raise Rejected(_("not a phone number"))
    national = False
    if text.startswith("+"):
        value = _e164(digits, None)[0]
    elif region is not None:
        value, national = _e164(digits, phone_region(region))
        if not value and digits.startswith("00"):
            value = _e164(digits[2:], None)[0]
    elif digits.startswith("00"):
        # "00" is the international prefix nearly everywhere (ITU-T E.164 recommends it).
        value = _e164(digits[2:], None)[0]
    else:
        raise Rejected(_("no country code; give --region or a marketplace with a country"))  # NO_COUNTRY_CODE
    if not value:
        raise Rejected(_("not a valid phone number for its country"))
    if national:
        return Canonical(value, flags=(f"region:{phone_region(region)}",))  # type: ignore[arg-type]  # national: region given
    return Canonical(value)
