"""Numbers and opaque identifiers: bank accounts, cards, payment accounts, tax and registration
numbers, machine IDs and browser fingerprints."""

from __future__ import annotations

import re

from .email import email
from .phone import phone
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
        raise Rejected("a bank account number has only letters and digits")
    if _IBAN_SHAPE.fullmatch(value):
        if not iban_valid(value):
            raise Rejected("fails the IBAN check (mod 97)")
        return Canonical(value, flags=("iban",))
    if not 6 <= len(value) <= 34:
        raise Rejected("a bank account number has 6 to 34 letters and digits")
    if len(_DIGIT_COUNT.findall(value)) < 4:
        raise Rejected("a bank account number has at least 4 digits")
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
        raise Rejected("a card number has 12 to 19 digits")
    if value.count(value[0]) == len(value):
        raise Rejected("not a card number (one repeated digit)")
    if not luhn_valid(value):
        raise Rejected("fails the Luhn check")
    return Canonical(value)


_ACCOUNT_ID = re.compile(r"[A-Z0-9_]{6,64}")


def payment_account(text: str, region: str | None = None) -> Canonical:
    """A wallet id (PayPal, Payoneer, Alipay...): an email, a phone number written with
    its `+` country code, or an account number.

    An email or phone wallet id is also that email or phone: sharing the mailbox behind one
    account's PayPal and another account's contact address is one shared identifier.
    """
    if "@" in text:
        mailbox = email(text)
        return Canonical(mailbox.value, related=(("email", mailbox.value),), flags=("email",))
    if _nfkc(text).lstrip().startswith("+"):
        number = phone(text, region).value
        return Canonical(number, related=(("phone", number),), flags=("phone",))
    value = _compact(text)
    if not _ACCOUNT_ID.fullmatch(value):
        raise Rejected("a payment account is an email or 6 to 64 letters and digits")
    if not _DIGIT_COUNT.search(value):
        raise Rejected("a payment account number has digits")
    return Canonical(value)


def registry_code(text: str) -> Canonical:
    """A tax ID or company registration number: letters and digits, upper case, without
    spaces, dashes, dots or slashes (`91440300-MA5F.0ACME1` is `91440300MA5F0ACME1`)."""
    value = _compact(text)
    if not _ALNUM.fullmatch(value):
        raise Rejected("only letters and digits expected")
    if not 5 <= len(value) <= 40:
        raise Rejected("expected 5 to 40 letters and digits")
    if len(_DIGIT_COUNT.findall(value)) < 3:
        raise Rejected("expected at least 3 digits")
    return Canonical(value)


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
        raise Rejected("an identifier is printable ASCII without spaces")
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    lower = text.lower()
    if _UUID.fullmatch(lower):
        text = lower.replace("-", "")
    elif _HEX.fullmatch(lower):
        text = lower
    if len(text) < 8:
        raise Rejected("too short to identify anything (at least 8 characters)")
    if text.count(text[0]) == len(text) or lower.replace("-", "") in PLACEHOLDER_IDS:
        return Canonical(text, flags=("placeholder",), identifying=False)
    return Canonical(text)
