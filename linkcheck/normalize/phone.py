"""Phone numbers in E.164."""

from __future__ import annotations

import re
from functools import lru_cache

from ..i18n import _
from ..lazy import LazyImport, lazy_pattern
from .text import Canonical, Rejected, _nfkc

# An extension after the number: `ext 12`, `ext. 12`, `ext: 12`, `extn 12`, `extension 12`,
# `x12`, `#12`, `;ext=12` (RFC 3966), Russian `доб. 12`, Chinese `分机 12` / `转 12`,
# Spanish `anexo`, Portuguese `ramal`, French `poste`, Japanese `内線`, and `int. 12`
# (interno: Romania, Uruguay, Argentina).
_PHONE_EXTENSION = re.compile(
    r"\s*[,;]?\s*(?:(?:ext(?:ension|n)?|int(?:erno)?|доб(?:авочный)?|anexo|ramal|poste|内线|內線|内線|分机|分機|转|轉)"
    r"\s*[.:=]?|x|#)"
    r"\s*\d{1,7}\s*#?$",
    re.IGNORECASE,
)
# `~` is "wait for the dial tone" inside an international prefix (Russia's `8~10`).
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-/~]+")
_NOT_DIGIT = re.compile(r"\D")
# A country code in parentheses in front, as Chinese business cards write it: `(+86)138…`
# (full-width `（+86）` is the same after NFKC).
_CODE_IN_PARENS = re.compile(r"\(\s*\+\s*(\d{1,3})\s*\)")
NO_COUNTRY_CODE = "no country code; give --region or a marketplace with a country"
# A note in brackets after the number, with no digit in it, as Chinese staff write them:
# `138 0013 8101（微信同号）` ("the same number on WeChat"), `(mobile)`, `(office)`.
_TRAILING_NOTE = re.compile(r"(?<=\d)\s*\([^()\d]*\)\s*$")
# The same note without brackets, or a WeChat id in brackets: `137 1234 5678 微信同号`,
# `13712345678，同微信`, `13712345678 / 微信同号`, `13712345678（微信：abc123）` -- after the last
# digit, text with no digit that holds Chinese, or a bracket that names WeChat.
_TRAILING_WORDS = lazy_pattern(globals(), "_TRAILING_WORDS",  # (compiled when first used: a number with Chinese)
                               r"(?<=\d)[\s,、/:;-]*(?=[^\d()]*[\u3400-\u9fff])[^\d()]*$")
_WECHAT_NOTE = re.compile(r"(?<=\d)\s*\(\s*(?:微信|wechat|wx|vx)[^()]*\)\s*$", re.IGNORECASE)


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
            number = _international(digits) or phonenumbers.parse("+" + digits, None)
        else:
            number = phonenumbers.parse(digits, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return "", False
    if not _valid(number):
        return "", False
    # The country is the region's when the number had no country code, and also when its
    # leading digits were read as the region's own code without a `+` or an international
    # prefix in front (`13012345678` under US, `4930901820` under DE): only the region said so.
    national = region is not None and number.country_code_source in (
        phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY, phonenumbers.CountryCodeSource.FROM_NUMBER_WITHOUT_PLUS_SIGN)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), national


def _international(digits: str):
    """`phonenumbers.parse("+" + digits, None)` for plain ASCII digits, in half its time: the
    steps it takes for such text, by phonenumbers' own functions and metadata -- the country
    code from the leading digits, the national prefix stripped where the number's length
    allows it, its leading zeros -- without first scanning the text for a number inside
    other characters, an extension or a phone-context. None whenever parse would do anything
    else (no country code, too short or too long: it raises), for parse itself to do it."""
    if len(digits) <= 2 or not (digits.isascii() and digits.isdigit()):
        return None
    util = _util
    country_code, national = util._extract_country_code(digits)
    if country_code == 0:
        return None
    metadata = _PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, util.region_code_for_country_code(country_code))
    if metadata is None or len(national) < util._MIN_LENGTH_FOR_NSN:
        return None
    _carrier, stripped, _found = util._maybe_strip_national_prefix_carrier_code(national, metadata)
    kept = util.ValidationResult
    if util._test_number_length(stripped, metadata) not in (kept.TOO_SHORT, kept.IS_POSSIBLE_LOCAL_ONLY,
                                                           kept.INVALID_LENGTH):
        national = stripped
    if not util._MIN_LENGTH_FOR_NSN <= len(national) <= util._MAX_LENGTH_FOR_NSN:
        return None
    number = _PhoneNumber(country_code=country_code)
    util._set_italian_leading_zeros_for_phone_number(national, number)
    number.national_number = int(national)
    return number


def _valid(number) -> bool:
    """`phonenumbers.is_valid_number(number)`, without reading the number twice against the
    metadata of a region that shares its country code with others (+1 is 25 regions, +44
    four, +7 two...): is_valid_number finds the region whose patterns the number matches,
    then matches it against that region's patterns again. The same answer, from the first
    match."""
    util = _util
    regions = util.COUNTRY_CODE_TO_REGION_CODE.get(number.country_code)
    if regions is None:
        return util.is_valid_number(number)
    if len(regions) == 1:  # is_valid_number: region_code_for_number is that region
        return _valid_for_region(number, regions[0])
    national = util.national_significant_number(number)
    for region in regions:
        metadata = _PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if _re_compile(metadata.leading_digits).match(national):
                return _valid_for_region(number, region)
        elif _typed(national, metadata):
            if region == util.REGION_CODE_FOR_NON_GEO_ENTITY:
                return _valid_for_region(number, region)
            # is_valid_number_for_region(number, region): the region's country code, then the
            # same type from the same metadata
            return metadata.country_code == number.country_code
    return False


def _valid_for_region(number, region: str) -> bool:
    """`phonenumbers.is_valid_number_for_region(number, region)`, its last step (the number's
    type from the region's metadata, not UNKNOWN) by `_typed`."""
    util = _util
    country_code = number.country_code
    if region is None:
        return False
    metadata = _PhoneMetadata.metadata_for_region_or_calling_code(country_code, region.upper())
    if metadata is None or (region != util.REGION_CODE_FOR_NON_GEO_ENTITY
                            and country_code != util.country_code_for_valid_region(region)):
        return False
    return _typed(util.national_significant_number(number), metadata)


def _typed(national: str, metadata) -> bool:
    """`phonenumbers' _number_type_helper(national, metadata) != PhoneNumberType.UNKNOWN` in
    one pattern match rather than up to eleven (the sixteenth session): the number matches the
    general description, and then any one of the types _number_type_helper tries (premium
    rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail, fixed line, and
    mobile unless its pattern is the fixed line's) -- each a possible length and a pattern
    matched whole, so one pattern of the alternatives whose lengths allow the number's,
    matched whole, says whether one of them does."""
    table = _TYPE_TABLES.get(id(metadata))
    if table is None or table[0] is not metadata:
        table = _TYPE_TABLES[id(metadata)] = (metadata, _desc_pattern(metadata.general_desc), {})
    _metadata, general, by_length = table
    if general is None:
        return False
    lengths, pattern = general
    length = len(national)
    if lengths and length not in lengths or not pattern.fullmatch(national):
        return False
    types = by_length.get(length, _NOT_MADE)
    if types is _NOT_MADE:
        types = by_length[length] = _types_pattern(metadata, length)
    return types is not None and bool(types(national))


_NOT_MADE = object()
# id(metadata) -> (metadata, its general description's (lengths, pattern) or None, {length: matcher or None})
_TYPE_TABLES: dict[int, tuple] = {}
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def _desc_pattern(desc):
    """(possible lengths, compiled pattern) of a phone number description, None for a
    description _is_number_matching_desc never matches (none, or no pattern)."""
    if desc is None or desc.national_number_pattern is None or len(desc.national_number_pattern) == 0:
        return None
    return tuple(desc.possible_length or ()), re.compile(desc.national_number_pattern)


def _types_pattern(metadata, length: int):
    """A function telling whether a national number of `length` digits (that matched the
    general description) matches one of the types _number_type_helper tries; None if none
    can (no type allows that length)."""
    descs = [metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip,
             metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail, metadata.fixed_line]
    if not metadata.same_mobile_and_fixed_line_pattern:
        descs.append(metadata.mobile)
    patterns = []
    for desc in descs:
        found = _desc_pattern(desc)
        if found is not None and (not found[0] or length in found[0]):
            patterns.append(found[1].pattern)
    if not patterns:
        return None
    if not any(_BACKREFERENCE.search(p) for p in patterns):  # (none in phonenumbers' metadata: kept apart if so)
        try:
            return re.compile("|".join([f"(?:{p})" for p in patterns])).fullmatch
        except re.error:  # (a later metadata's inline flag or group name repeated: tried one by one)
            pass
    compiled = [re.compile(p) for p in patterns]
    return lambda national: any(p.fullmatch(national) for p in compiled)


# phonenumbers' pieces `_international`, `_valid` and `_valid_for_region` use, imported at the
# first number (a command that reads none never loads them), then plain global lookups.
_util = LazyImport(globals(), "_util", "phonenumbers.phonenumberutil")
_PhoneMetadata = LazyImport(globals(), "_PhoneMetadata", "phonenumbers.phonemetadata", "PhoneMetadata")
_PhoneNumber = LazyImport(globals(), "_PhoneNumber", "phonenumbers.phonenumber", "PhoneNumber")
_re_compile = LazyImport(globals(), "_re_compile", "phonenumbers.re_util", "re_compile")


def _keep_patterns(phonenumbers) -> None:
    """phonenumbers' own switch (where its version has it; it does nothing once on) to keep
    the metadata's compiled regular expressions rather than look each up again in the re
    module's cache: some eight a number, a tenth of its parsing time. The same patterns."""
    if _PATTERNS_KEPT:
        return
    enable = getattr(phonenumbers, "enable_pattern_cache", None)
    if enable is not None:
        enable()
    _PATTERNS_KEPT.append(True)


_PATTERNS_KEPT: list[bool] = []  # (switched on once a process: `_e164` asks at every number it parses)


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
    """E.164: `+86 (138) 0013-8000`, `+86.138.0013.8000`, `(+86)13800138000` and `008613800138000`
    are `+8613800138000`. A number without a country code needs `region`; guessing one would
    make different people's numbers collide. A leading international prefix is read as the
    region's (`0011` in Australia, `011` in the US); `00`, the prefix of most of the world,
    is also read as one where the region's own reading gives no valid number, and when
    there is no region. A number that took the region's country is flagged `region:XX`."""
    text = _nfkc(text)
    if text[:4].lower() == "tel:":
        text = text[4:]
    if ")" in text:  # (most numbers have no bracket: the import parses every phone)
        text = _WECHAT_NOTE.sub("", _TRAILING_NOTE.sub("", text))
    if not text.isascii():
        text = _TRAILING_WORDS.sub("", text)
    if _PHONE_CHARS.fullmatch(text):  # (digits and separators only: no extension, which needs a word, x or #)
        text = text.strip()
    else:
        text = _PHONE_EXTENSION.sub("", text).strip()
    if text[:1] == "(":
        text = _CODE_IN_PARENS.sub(r"+\1 ", text, count=1) if _CODE_IN_PARENS.match(text) else text
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
    chinese_mobile = region is not None and not text.startswith("+") and _chinese_mobile(digits, phone_region(region))
    if not value and region is not None and not text.startswith("+") and CN_MOBILE_SHAPE.fullmatch(digits) \
            and phone_region(region) == "CN":
        # --region CN given already: the number itself is wrong (a prefix no Chinese mobile has).
        raise Rejected(_("not a valid Chinese mobile number: no Chinese mobile number begins with {prefix}; check the "
                         "digits", prefix=digits[:3]))
    if not value and region is not None and not text.startswith("+") and CN_MOBILE_SHAPE.fullmatch(digits):
        # Not the region's number, but a Chinese mobile's shape: said whatever the region (a
        # Chinese company's UK, German or Japanese store), not only where +1 could read it.
        raise Rejected(_("not a valid {region} phone number, but a Chinese mobile number's shape: write it as "
                         "+86 and the number if that is what it is, or give --region CN where every number without "
                         "a country code is Chinese", region=phone_region(region)))
    if not value and region is not None and not text.startswith("+"):
        # Read as the region's because it has no country code: say which, and how to say otherwise.
        raise Rejected(_("not a valid phone number of {country}, the country a number without a country code is read "
                         "in (the account's marketplace's, or --region's): write it with its country code, such as "
                         "+86 138 0013 8000, or give --region", country=phone_region(region)))
    if not value:
        raise Rejected(_("not a valid phone number for its country"))
    if national:
        flags = (f"region:{phone_region(region)}", CHINESE_MOBILE) if chinese_mobile else (f"region:{phone_region(region)}",)  # type: ignore[arg-type]
        return Canonical(value, flags=flags)
    return Canonical(value)


# Flag of a number read in a North American region that is also, digit for digit, a Chinese
# mobile number (11 digits, 1[3-9]...): `13012345678` is +1 301 234 5678 (the US `1` in front)
# or +86 130 1234 5678; only the account's company, or how it was written, can tell.
CHINESE_MOBILE = "cn_mobile_shape"
CN_MOBILE_SHAPE = re.compile(r"1[3-9][0-9]{9}")


def _chinese_mobile(digits: str, region: str) -> bool:
    """Whether `digits`, read in `region`, could be a Chinese mobile number written without +86:
    only in the regions of country code 1, where a leading 1 is also the trunk prefix."""
    if not CN_MOBILE_SHAPE.fullmatch(digits):
        return False
    import phonenumbers

    if phonenumbers.country_code_for_region(region) != 1:
        return False
    return bool(_e164("86" + digits, None)[0])
