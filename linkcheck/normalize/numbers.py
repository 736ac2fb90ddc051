"""Numbers and opaque identifiers: bank accounts, cards, payment accounts, tax and registration
numbers, machine IDs and browser fingerprints."""

from __future__ import annotations

import re
from functools import lru_cache

from ..i18n import _
from ..lazy import LazyImport
from .email import email
from .phone import CN_MOBILE_SHAPE, phone
from .text import Canonical, Rejected, _nfkc, word_list

_NUMBER_SEPARATORS = re.compile(r"[\s\-./]+")
_ALNUM = re.compile(r"[A-Z0-9]+")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_IBAN_DIGITS = str.maketrans({chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)})
_DIGIT_COUNT = re.compile(r"[0-9]")
_CARD = re.compile(r"[0-9]{12,19}")
_LUHN_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _compact(text: str) -> str:
    """Upper case without spaces, dashes, dots or slashes: how people group long numbers."""
    return _NUMBER_SEPARATORS.sub("", _nfkc(text)).upper()


def iban_valid(compact: str) -> bool:
    rotated = compact[4:] + compact[:4]
    return int(rotated.translate(_IBAN_DIGITS)) % 97 == 1


def bank_account(text: str) -> Canonical:
    """An IBAN (which must pass its mod-97 check) or another account number of 6-34
    letters and digits, without spaces or separators."""
    value = _compact(text)
    if not _ALNUM.fullmatch(value):
        raise Rejected(_("a bank account number has only letters and digits"))
    if _IBAN_SHAPE.fullmatch(value):
        if not iban_valid(value):
            raise Rejected(_("fails the IBAN check (mod 97)"))
        return Canonical(value, flags=("iban",))
    if not 6 <= len(value) <= 34:
        raise Rejected(_("a bank account number has 6 to 34 letters and digits"))
    if len(_DIGIT_COUNT.findall(value)) < 4:
        raise Rejected(_("a bank account number has at least 4 digits"))
    return Canonical(value)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = ord(char) - 48
        total += _LUHN_DOUBLE[n] if position & 1 else n
    return total % 10 == 0


def card(text: str) -> Canonical:
    """A payment card number: 12-19 digits passing the Luhn check."""
    value = _compact(text)
    if not _CARD.fullmatch(value):
        raise Rejected(_("a card number has 12 to 19 digits"))
    if value.count(value[0]) == len(value):
        raise Rejected(_("not a card number (one repeated digit)"))
    if not luhn_valid(value):
        raise Rejected(_("fails the Luhn check"))
    return Canonical(value)


_ACCOUNT_ID = re.compile(r"[A-Z0-9_]{6,64}")
# A Chinese mobile number (phone's shape of one), with 86 or 0086 in front or not.
_CN_MOBILE_ACCOUNT = re.compile(r"(?:0{0,2}86)?" + CN_MOBILE_SHAPE.pattern)


# Payout and wallet providers sellers write before the account (`Payoneer 4455667788`,
# `万里汇：…`): read apart, the account alone is the value, the provider a flag. Names as the
# providers write them, in English and Chinese; casefolded here.
_PROVIDERS = {
    name.casefold(): shown
    for shown, names in {
        "Payoneer": ("Payoneer", "派安盈", "P卡"),
        "PingPong": ("PingPong", "Ping Pong"),
        "WorldFirst": ("WorldFirst", "World First", "万里汇", "WFPay"),
        "LianLian": ("LianLian", "LianLian Pay", "LianLianPay", "连连", "连连支付", "连连国际"),
        "Airwallex": ("Airwallex", "空中云汇"),
        "PayPal": ("PayPal", "贝宝"),
        "Alipay": ("Alipay", "支付宝"),
        "Wise": ("Wise", "TransferWise"),
        "SUNRATE": ("SUNRATE", "寻汇"),
        "PhotonPay": ("PhotonPay", "光子易"),
        "Skyee": ("Skyee", "收款易"),
        "Tipalti": ("Tipalti",),
        "Hyperwallet": ("Hyperwallet",),
        "Stripe": ("Stripe",),
    }.items()
    for name in names
}
# Where a provider's name may end: a colon (either width) or a run of spaces.
_PROVIDER_CUTS = re.compile(r"[:：]|\s+")


def _provider_apart(text: str) -> tuple[str | None, str]:
    """(the provider, the account) when `text` begins with a provider's name and a colon or a
    space; else (None, text). Each cut tried in turn: `Ping Pong 12345678` is PingPong's."""
    folded = _nfkc(text).strip()
    for cut in _PROVIDER_CUTS.finditer(folded):
        name = folded[:cut.start()].strip().casefold()
        if name in _PROVIDERS:
            rest = folded[cut.end():].strip(" \t:：-")
            if rest:
                return _PROVIDERS[name], rest
    return None, text


def payment_account(text: str, region: str | None = None) -> Canonical:
    """A wallet id (PayPal, Payoneer, Alipay...): an email, a phone number written with
    its `+` country code, or an account number; written after its provider's name or not
    (`Payoneer 4455667788` is the account 4455667788, flagged `provider:Payoneer`).

    An email or phone wallet id is also that email or phone: sharing the mailbox behind one
    account's PayPal and another account's contact address is one shared identifier.
    """
    provider, text = _provider_apart(text)
    found = _payment_account(text, region, named=provider is not None)
    if provider is None:
        return found
    return found._replace(flags=(*found.flags, f"provider:{provider}"))


def _payment_account(text: str, region: str | None, *, named: bool) -> Canonical:
    if "@" in text:
        if not named and len(text.split()) > 1:
            raise Rejected(_("a payment account is an email or an account number; write the provider's name "
                             "(Payoneer, PingPong, 万里汇…) before it, or leave it out"))
        mailbox = email(text)
        return Canonical(mailbox.value, related=(("email", mailbox.value),), flags=("email",))
    if _nfkc(text).lstrip().startswith("+"):
        number = phone(text, region).value
        return Canonical(number, related=(("phone", number),), flags=("phone",))
    value = _compact(text)
    if named and _CN_MOBILE_ACCOUNT.fullmatch(value):
        # A wallet opened with a Chinese mobile number (支付宝：13800138001, 万里汇 138…) is that
        # number, written without +86 as everyone in China writes it: also the phone it is.
        number = phone("+86" + value[-11:]).value
        return Canonical(number, related=(("phone", number),), flags=("phone",))
    if not _ACCOUNT_ID.fullmatch(value):
        raise Rejected(_("a payment account is an email or 6 to 64 letters and digits"))
    if not _DIGIT_COUNT.search(value):
        raise Rejected(_("a payment account number has digits"))
    return Canonical(value)


_REGISTRY_SEPARATORS = re.compile(r"[\s\-./:()]+")
# A Mexican RFC may also hold & and Ñ (a company named "A&B", "Muñoz"): read only where the
# number is one (its country MX, from its prefix or the region).
_RFC_CHARS = re.compile(r"[A-Z0-9&Ñ]+")
_COUNTRY_PREFIX = re.compile(r"[A-Z]{2}")
# A Chinese unified social credit code's shape (GB 32100-2015): the registering authority, the
# kind of body, a six-digit region code (provinces 11-82), a nine-character organisation code and
# the check character, all in the code's alphabet (no I, O, S, V, Z). Distinctive enough that one
# whose check character fails is still read as Chinese, and flagged, on any marketplace.
_USCC_SHAPE = re.compile(r"[1-9A-HJ-NP-RTUW-Y][1-9][1-8][0-9]{5}[0-9A-HJ-NP-RTUW-Y]{10}")
# VAT prefixes that are not the country's ISO code: Greece writes EL, Northern Ireland XI.
_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}


def _fast_clean(original):
    """python-stdnum's `util.clean(number, deletechars)`, the very same text, at a tenth of the
    cost for the plain ASCII text this module gives it (stdnum joins three generators a call;
    its number modules call it a dozen times for each number tried, about half of an import's
    time on registration numbers). Anything else (non-ASCII text, another type) goes to
    `original`, unchanged.

    For a `str` of ASCII characters, stdnum's clean is: the text as is (its first join), each
    character through its table of look-alike characters (`_char_map`, where only a few ASCII
    characters appear, all but one mapped to themselves), then without the characters of
    `deletechars`; two `str.translate`s with the table's ASCII part do exactly that."""
    from stdnum import util

    ascii_map = str.maketrans({k: v for k, v in util._char_map.items() if k.isascii() and k != v})
    deleting: dict[str, dict[int, None]] = {}

    def clean(number, deletechars=""):
        if type(number) is not str or not number.isascii() or type(deletechars) is not str:
            return original(number, deletechars)
        table = deleting.get(deletechars)
        if table is None:
            table = deleting[deletechars] = dict.fromkeys(map(ord, deletechars))
        return number.translate(ascii_map).translate(table)

    clean.original = original  # for the tests
    return clean


def _speed_up_stdnum() -> None:
    """Every loaded python-stdnum module that calls `util.clean` calls `_fast_clean` instead
    (each module imported the function by name, so each module's own name is replaced)."""
    import sys

    from stdnum import util

    original = util.clean
    fast = getattr(util, "_linkcheck_fast_clean", None)
    if fast is None:
        fast = util._linkcheck_fast_clean = _fast_clean(original)  # type: ignore[attr-defined]
    for name, module in list(sys.modules.items()):
        if name.startswith("stdnum.") and getattr(module, "clean", None) is original and module is not util:
            module.__dict__["clean"] = fast


@lru_cache(maxsize=None)
def _country_modules(country: str) -> tuple:
    """python-stdnum's number modules of one country (`DE` -> de.vat, de.stnr, ...), its VAT
    module first; () for a country stdnum has none for. Imported on first use only."""
    import importlib
    import pkgutil

    try:
        package = importlib.import_module(f"stdnum.{country.lower()}")
    except ImportError:
        try:
            package = importlib.import_module(f"stdnum.{country.lower()}_")  # stdnum.in_, stdnum.is_
        except ImportError:
            return ()
    names = sorted((m.name for m in pkgutil.iter_modules(package.__path__)), key=lambda n: (n != "vat", n))
    modules = []
    for name in names:
        module = importlib.import_module(f"{package.__name__}.{name}")
        if hasattr(module, "validate") and hasattr(module, "compact"):
            if module.__name__ in _EITHER_OF and all(m in modules for m in module._tin_modules):
                continue  # it accepts only what one of its modules, tried before it, accepted
            modules.append(module)
    _speed_up_stdnum()
    return tuple(modules)


# stdnum modules whose validate() is that of the first of its `_tin_modules` that accepts the
# number (else InvalidFormat, whatever they raised): where each of those comes before it in
# its country's list, it can accept nothing they have not (the US TIN is an SSN, ITIN, EIN,
# PTIN or ATIN), nor make a number's checksum fail first -- trying it is a US number's
# second pass at the same five modules.
_EITHER_OF = frozenset({"stdnum.us.tin", "stdnum.th.tin"})


_WRONG_LENGTH: set = set()


# stdnum modules whose validate() refuses with InvalidFormat, before anything else, every
# number of ASCII letters and digits that is not all digits: their first step is a pattern of
# digits and dashes (atin, ein, itin, ssn: `_xxx_re.search(clean(number, '').strip())`) or
# `isdigits` (rtn) on the number as given -- `clean` and `strip` leave such a number as it is.
# A unified social credit code, or any registration number with a letter, meets all of them on
# a US marketplace (six modules, about 30 us a number). Only for the stdnum versions read to
# say so (`_AUDITED_STDNUM`); tests/test_import_speedups.py checks each against validate().
_REFUSE_LETTERS = frozenset({"stdnum.us.atin", "stdnum.us.ein", "stdnum.us.itin", "stdnum.us.ssn", "stdnum.us.rtn"})
# stdnum.us.ptin: `compact(number).upper()` must match ^P[0-9]{8}$ (else InvalidFormat, first).
_PTIN = "stdnum.us.ptin"
_AUDITED_STDNUM = frozenset({"2.2"})


def _ptin_shape(number: str) -> bool:
    return len(number) == 9 and number[0] in "Pp" and number[1:].isdigit()


def _country_checks(country: str) -> tuple:
    """`_country_modules(country)`, each with what it refuses by format before anything else:
    0 nothing known, 1 every ASCII alphanumeric number with a letter, 2 every ASCII
    alphanumeric number not shaped as a PTIN (`_ptin_shape`)."""
    return _module_checks(_country_modules(country), _AUDITED_STDNUM)


@lru_cache(maxsize=None)
def _module_checks(modules: tuple, audited_versions: frozenset) -> tuple:
    import stdnum

    audited = getattr(stdnum, "__version__", None) in audited_versions
    return tuple((module, 0 if not audited else 1 if module.__name__ in _REFUSE_LETTERS else 2 if module.__name__ == _PTIN else 0)
                 for module in modules)


def _national_number(country: str, number: str) -> tuple[str, bool] | None:
    """`number` as `country`'s tax or registration number in stdnum's compact form, and
    whether its check digits fail; None when no number of that country has its shape."""
    errors = _stdnum_exceptions
    failing = None
    shape = (len(number), number[:2])
    plain = number.isascii() and number.isalnum()  # (ASCII letters and digits only)
    lettered = plain and not number.isdigit()
    for module, refuses in _country_checks(country):
        if refuses and plain and (lettered if refuses == 1 else not _ptin_shape(number)):
            continue  # (validate would raise InvalidFormat: see _REFUSE_LETTERS)
        if (module, shape) in _WRONG_LENGTH:
            continue
        try:
            return module.compact(module.validate(number)), False
        except errors.InvalidChecksum:
            if failing is None:
                failing = module
        except errors.InvalidLength:
            # A module refuses a length (and a start, which a prefix check may strip) whatever
            # the rest: remembered, so most imports try each module once per length.
            if len(_WRONG_LENGTH) < 100_000:
                _WRONG_LENGTH.add((module, shape))
        except (errors.ValidationError, ValueError, TypeError, IndexError, KeyError):
            continue
    if failing is not None:
        try:
            return failing.compact(number), True
        except Exception:  # noqa: BLE001 - a third-party compact() must not break an import
            return None
    return None


# stdnum's exceptions, imported at the first number (with its modules), then a global lookup.
_stdnum_exceptions = LazyImport(globals(), "_stdnum_exceptions", "stdnum.exceptions")


@lru_cache(maxsize=65536)
def _registry_value(value: str, region: str | None) -> tuple[str, tuple[str, ...]]:
    """(value, flags): a reading whose check digits pass wins over one whose check digits
    fail, so a Mexican RFC that begins with `BE` (a name's initials) is the valid Mexican
    number it is on an amazon.com.mx account, not a Belgian one with a bad checksum."""
    failing: tuple[str, tuple[str, bool]] | None = None
    prefix = value[:2]
    if prefix == "EU":
        # EU is no country: its one registration number is the VAT One Stop Shop's
        # (non-union scheme, EU + 9 digits); stdnum's other stdnum.eu modules are not tax ids.
        from stdnum.eu import oss
        from stdnum.exceptions import ValidationError

        try:
            return _qualified("EU", oss.compact(oss.validate(value)), False)
        except ValidationError:
            pass
    elif _COUNTRY_PREFIX.fullmatch(prefix):
        country = _PREFIX_COUNTRY.get(prefix, prefix)
        found = _national_number(country, value[2:])
        if found is not None:
            if not found[1]:
                return _qualified(country, *found)
            failing = (country, found)
    countries = [region.upper()] if region else []
    if "CN" not in countries:
        countries.append("CN")  # a unified social credit code says it is Chinese by itself
    for country in countries:
        found = _national_number(country, value)
        if found is not None and not found[1]:
            return _qualified(country, *found)
        if found is not None and failing is None and (country == region or (
                country == "CN" and _USCC_SHAPE.fullmatch(value))):
            failing = (country, found)
    if failing is not None:
        return _qualified(failing[0], *failing[1])
    return value, ()


def _qualified(country: str, number: str, bad_checksum: bool) -> tuple[str, tuple[str, ...]]:
    number = number.upper()
    flags = (f"country:{country}", "bad-checksum") if bad_checksum else (f"country:{country}",)
    return country + (number[2:] if number[:2] == country or number[:2] in _PREFIX_COUNTRY else number), flags


def registry_code(text: str, region: str | None = None) -> Canonical:
    """A tax ID or company registration number: letters and digits, upper case, without
    spaces, dashes, dots, slashes, colons or brackets (`91440300-MA5F.0ACME1` is
    `91440300MA5F0ACME1`).

    Where its country is known, it is that country's number (python-stdnum) written with the
    country's code in front, so `DE 123 456 789`, `DE123456789` and `123456789` entered with
    region DE are one number, `DK: 31415926` is `DK31415926` and `BE (0)468.135.757` is
    `BE0468135757`. The country is the prefix when the rest is a number of that country,
    else `region` when the number has a shape of that country's, else CN for a unified social
    credit code (valid, or of its exact shape with a wrong check character); else the number
    stands alone. A number whose check digits fail is
    kept, flagged `bad-checksum` (documents have typos; the value still identifies), and
    every qualified number is flagged with its `country:XX`.
    """
    value = _REGISTRY_SEPARATORS.sub("", _nfkc(text)).upper()
    if not _ALNUM.fullmatch(value) and not _RFC_CHARS.fullmatch(value):
        raise Rejected(_("only letters and digits expected"))
    if not 5 <= len(value) <= 40:
        raise Rejected(_("expected 5 to 40 letters and digits"))
    if not _THREE_DIGITS(value):
        raise Rejected(_("expected at least 3 digits"))
    value, flags = _registry_value(value, region)
    if not flags and not _ALNUM.fullmatch(value):
        raise Rejected(_("only letters and digits expected"))  # & and Ñ only in a Mexican RFC
    if not flags and _uscc_wrong_length(value, region):
        flags = ("bad-length",)
    return Canonical(value, flags=flags)


# Three digits or more (`len(_DIGIT_COUNT.findall(value)) >= 3` without the list).
_THREE_DIGITS = re.compile(r"(?:[^0-9]*[0-9]){3}").match


# The first eight characters of a unified social credit code: the registering authority, the
# kind of entity, and a county-level division code (its province 11-65).
_USCC_START = re.compile(r"[1-9A-HJ-NP-RTUW-Y][1-9](?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5])[0-9]{4}")


def _uscc_wrong_length(value: str, region: str | None) -> bool:
    """Whether `value` begins as a unified social credit code does but is not 18 characters
    (a character left out or typed twice): flagged `bad-length`, still kept (it may identify).
    Only for a Chinese account (region CN) or a value with letters past its division code; 15
    digits is the old business registration number (工商注册号), not a mistake."""
    if len(value) == 18 or not 10 <= len(value) <= 24 or (len(value) == 15 and value.isdigit()):
        return False
    return bool(_USCC_START.match(value)) and (region == "CN" or not value[8:].isdigit())


# ---------------------------------------------------------------------------------------------
# Opaque identifiers (machine IDs, browser fingerprints)

_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_HEX = re.compile(r"[0-9a-f]+")
_PRINTABLE = re.compile(r"[!-~]+")
# Placeholder identifiers firmware and browsers report when they have none of their own.
PLACEHOLDER_IDS = word_list("placeholder_ids.txt")


def opaque_token(text: str) -> Canonical:
    """A machine ID or browser fingerprint: trimmed; hex (and GUIDs, with or without braces
    and dashes) in lower case without dashes; anything else kept as given."""
    text = _nfkc(text)
    if not _PRINTABLE.fullmatch(text):
        raise Rejected(_("an identifier is printable ASCII without spaces"))
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    lower = text.lower()
    if _UUID.fullmatch(lower):
        text = lower.replace("-", "")
    elif _HEX.fullmatch(lower):
        text = lower
    if len(text) < 8:
        raise Rejected(_("too short to identify anything (at least 8 characters)"))
    if text.count(text[0]) == len(text) or lower.replace("-", "") in PLACEHOLDER_IDS:
        return Canonical(text, flags=("placeholder",), identifying=False)
    return Canonical(text)


_CN_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
_ID_DOCUMENT = re.compile(r"[A-Z0-9]{5,20}")


def id_number(text: str) -> Canonical:
    """A person's identity document number (a Chinese resident identity card, 身份证号; a
    passport): upper case without spaces, dashes, dots or slashes, 5 to 20 letters and digits
    with at least 2 digits. Eighteen characters shaped as a Chinese resident ID (17 digits and a
    digit or X) are checked with python-stdnum's `cn.ric`: a wrong check character or birth date
    is kept and flagged `bad-checksum`, never refused (a typo still identifies), and every such
    number is flagged `country:CN`."""
    value = _compact(text)
    if not _ID_DOCUMENT.fullmatch(value) or len(_DIGIT_COUNT.findall(value)) < 2:
        raise Rejected(_("an ID document number is 5 to 20 letters and digits"))
    if _CN_RESIDENT_ID.fullmatch(value):
        from stdnum.cn import ric
        from stdnum.exceptions import ValidationError

        try:
            ric.validate(value)
        except (ValidationError, LookupError):
            # stdnum raises KeyError, not a ValidationError, for a region code it does not know
            # (378438…): as invalid as a wrong check character, so flagged the same way.
            return Canonical(value, flags=("country:CN", "bad-checksum"))
        return Canonical(value, flags=("country:CN",))
    if len(value) in (16, 17, 19) and _CN_RESIDENT_ID_NEAR.fullmatch(value):
        # A Chinese resident ID (its province, and a birth date after six digits) with a digit
        # left out or typed twice: 15 or 18 characters, never 16, 17 or 19.
        return Canonical(value, flags=("bad-length",))
    return Canonical(value)


_CN_RESIDENT_ID_NEAR = re.compile(r"(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|8[1-3])[0-9]{4}(?:19|20)[0-9]{2}"
                                  r"(?:0[1-9]|1[0-2])[0-9]{3,7}X?")
