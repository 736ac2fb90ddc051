"""The normalisers: pure functions turning one kind's raw text into its canonical form and facets."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import phonenumbers

MAX_LENGTH = 1000


class Rejected(ValueError):
    """A value its kind cannot accept; `reason` is one short phrase that never quotes the value."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Canonical:
    """One value in canonical form, with what it reveals beyond itself.

    `key` is what two spellings of one value share when it differs from `value` (company
    names ignore spacing); `related` holds other facets the value carries, as (facet, value)
    pairs; `identifying` is False for values that identify no one (a private IP), which
    then yield no match keys at all.
    """

    value: str
    key: str = ""
    related: tuple[tuple[str, str], ...] = ()
    flags: tuple[str, ...] = ()
    identifying: bool = True


# ---------------------------------------------------------------------------------------------
# Input hygiene shared by every kind

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Invisible characters pasted along with values (zero-width spaces, BOMs, bidi marks and
# overrides, soft hyphens, variation selectors): cosmetic, and able to hide a shared value.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)


def clean(value: object) -> str:
    """The text of a value, trimmed and stripped of invisible characters, or Rejected.

    Tabs and newlines survive (text kinds fold them into spaces); other control characters,
    lone surrogates, blank and over-long values are refused before any parsing.
    """
    if not isinstance(value, str):
        raise Rejected("not text")
    if len(value) > MAX_LENGTH:
        raise Rejected(f"longer than {MAX_LENGTH:,} characters")
    if _CONTROL.search(value):
        raise Rejected("contains control characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Rejected("not valid text") from None
        value = _INVISIBLE.sub("", value)
    value = value.strip()
    if not value:
        raise Rejected("empty")
    return value


def _nfkc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """NFKC and case folding until stable, so full-width, compatibility and case variants
    of a character are one character (plain lower() for ASCII, the common case)."""
    if text.isascii():
        return text.lower()
    for _ in range(4):
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        if folded == text:
            break
        text = folded
    return text


# ---------------------------------------------------------------------------------------------
# Domains (email domains, hostnames)

_ASCII_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


@lru_cache(maxsize=4096)
def _idna_label(label: str) -> str:
    """A non-ASCII or punycode label in its one Unicode form, "" if it is not valid IDNA.

    Both spellings of an internationalised label (U-label and xn-- A-label) go through
    ToASCII (nameprep folds case and compatibility forms) and back, so they meet.
    """
    try:
        unicode = label.encode("ascii").decode("idna") if label.startswith("xn--") else label
        ace = unicode.encode("idna")
        canonical = ace.decode("idna")
    except (UnicodeError, ValueError):
        return ""
    if not _ASCII_LABEL.fullmatch(ace.decode("ascii")):
        return ""
    return canonical


def domain_name(text: str, *, label: re.Pattern = _ASCII_LABEL) -> str:
    """A lower-case domain with each internationalised label in Unicode form, or Rejected."""
    text = _nfkc(text).replace("\u3002", ".").lower().rstrip(".")
    labels = text.split(".")
    if len(text) > 253 or not all(labels):
        raise Rejected("not a valid domain")
    if text.isascii() and "xn--" not in text:
        for part in labels:
            if not label.fullmatch(part):
                raise Rejected("not a valid domain")
        return text
    out = []
    for part in labels:
        if part.isascii() and not part.startswith("xn--"):
            if not label.fullmatch(part):
                raise Rejected("not a valid domain")
            out.append(part)
            continue
        canonical = _idna_label(part)
        if not canonical:
            raise Rejected("not a valid domain")
        out.append(canonical)
    return ".".join(out)


def _tld_ok(tld: str) -> bool:
    return bool(_TLD.fullmatch(tld)) or not tld.isascii()


# ---------------------------------------------------------------------------------------------
# Email

# Providers whose mailboxes are open to anyone: sharing one of these domains says nothing.
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com outlook.com hotmail.com live.com msn.com passport.com
    yahoo.com ymail.com rocketmail.com aol.com aim.com icloud.com me.com mac.com
    protonmail.com protonmail.ch proton.me pm.me tutanota.com tutanota.de tuta.io
    gmx.com gmx.net gmx.de gmx.at gmx.ch web.de t-online.de freenet.de posteo.de mailbox.org
    mail.ru inbox.ru list.ru bk.ru yandex.ru yandex.com ya.ru rambler.ru
    qq.com foxmail.com vip.qq.com 163.com 126.com yeah.net vip.163.com vip.126.com 188.com
    sina.com sina.cn vip.sina.com sohu.com aliyun.com 139.com 189.cn wo.cn tom.com 21cn.com
    naver.com daum.net hanmail.net nate.com kakao.com
    zoho.com zohomail.com fastmail.com fastmail.fm hey.com mail.com email.com usa.com
    inbox.com hushmail.com lycos.com rediffmail.com
    libero.it virgilio.it tiscali.it orange.fr wanadoo.fr free.fr laposte.net sfr.fr
    seznam.cz wp.pl o2.pl onet.pl interia.pl op.pl
    bol.com.br uol.com.br terra.com.br ig.com.br
    btinternet.com sky.com virginmedia.com ntlworld.com talktalk.net
    comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net charter.net
    shaw.ca rogers.com sympatico.ca bigpond.com optusnet.com.au
    """.split()
)
# Brands with a free-mail domain in many countries (hotmail.co.uk, yahoo.co.jp, outlook.jp).
_FREE_MAIL_BRANDS = frozenset("hotmail outlook live msn yahoo gmx yandex aol windowslive".split())
_COUNTRY_SUFFIX = re.compile(r"(?:com?\.)?[a-z]{2,3}")

# One mailbox namespace under several domains: user@me.com is user@icloud.com.
_MAIL_ALIASES = {
    "googlemail.com": "gmail.com",
    "me.com": "icloud.com",
    "mac.com": "icloud.com",
    "protonmail.com": "proton.me",
    "protonmail.ch": "proton.me",
    "pm.me": "proton.me",
    "ya.ru": "yandex.ru",
    "yandex.com": "yandex.ru",
}

_LOCAL_PART = re.compile(r"""[^\x00-\x20\x7f@."(),:;<>\[\]\\]+(?:\.[^\x00-\x20\x7f@."(),:;<>\[\]\\]+)*""")


def is_free_mail(domain: str) -> bool:
    if domain in FREE_MAIL_DOMAINS:
        return True
    brand, _, rest = domain.partition(".")
    return brand in _FREE_MAIL_BRANDS and bool(_COUNTRY_SUFFIX.fullmatch(rest))


def _base_mailbox(local: str, separator: str) -> str:
    """The local part before a sub-address separator, when that is itself a mailbox name."""
    base = local.split(separator, 1)[0]
    return base if base and _LOCAL_PART.fullmatch(base) else local


def email(text: str) -> Canonical:
    """One mailbox, one spelling: `J.Doe+amz@GMail.com` -> `jdoe@gmail.com`.

    Case is folded everywhere (local parts are case-insensitive at every real provider).
    Sub-address tags (`+tag`) are dropped on every domain, not only at providers known to
    support them: Google Workspace, Microsoft 365, Fastmail and most mail servers deliver
    `name+tag@` to `name@`, so two tags of one mailbox are one mailbox, and no provider
    hands `name+a` and `name+b` to different people. Gmail also ignores dots, and Yahoo's
    disposable addresses are `base-keyword@`, so the base identifies the owner.
    """
    text = _nfkc(text).replace("\u3002", ".")
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    local, at, domain = text.strip().rpartition("@")
    if not at or not local:
        raise Rejected("not an email address")
    local = local.lower()
    if len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        raise Rejected("not an email address")
    try:
        domain = domain_name(domain)
    except Rejected:
        raise Rejected("not an email address (bad domain)") from None
    if "." not in domain or not _tld_ok(domain.rpartition(".")[2]):
        raise Rejected("not an email address (bad domain)")
    domain = _MAIL_ALIASES.get(domain, domain)
    local = _base_mailbox(local, "+")
    if domain == "gmail.com":
        local = local.replace(".", "")
    elif domain.startswith("yahoo."):
        local = _base_mailbox(local, "-")
    value = f"{local}@{domain}"
    if is_free_mail(domain):
        return Canonical(value, flags=("free_mail",))
    return Canonical(value, related=(("email_domain", domain),))


# ---------------------------------------------------------------------------------------------
# Phone

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


# ---------------------------------------------------------------------------------------------
# MAC addresses (adapters, gateways, Wi-Fi access points)

_MAC_SEPARATED = re.compile(
    r"([0-9a-f]{1,2})([:\- ])([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})"
)
_MAC_DOTTED = re.compile(r"([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})")
_MAC_BARE = re.compile(r"[0-9a-f]{12}")

# Organisationally unique identifiers of hypervisors' virtual adapters.
VM_OUIS = {
    "00:50:56": "VMware", "00:0c:29": "VMware", "00:05:69": "VMware", "00:1c:14": "VMware",
    "08:00:27": "VirtualBox", "0a:00:27": "VirtualBox",
    "52:54:00": "QEMU/KVM",
    "00:15:5d": "Hyper-V",
    "00:1c:42": "Parallels",
    "00:16:3e": "Xen",
}


def mac(text: str) -> Canonical:
    """`3C-22-FB-12-34-56`, `3c:22:fb:12:34:56`, `3c22.fb12.3456`, `3C22FB123456` (and
    macOS's `3c:22:fb:1:2:3` without leading zeros) -> `3c:22:fb:12:34:56`.

    Multicast addresses name a group, not an adapter, so they yield no keys; randomised
    (locally administered) and virtual-machine addresses still do, flagged.
    """
    text = _nfkc(text).lower()
    m = _MAC_SEPARATED.fullmatch(text)
    if m:
        octets = [g.zfill(2) for g in m.group(1, 3, 4, 5, 6, 7)]
    else:
        m = _MAC_DOTTED.fullmatch(text)
        if m:
            bare = "".join(m.groups())
        elif _MAC_BARE.fullmatch(text):
            bare = text
        else:
            raise Rejected("not a MAC address")
        octets = [bare[i:i + 2] for i in range(0, 12, 2)]
    value = ":".join(octets)
    if value == "00:00:00:00:00:00":
        raise Rejected("all-zero MAC address")
    if value == "ff:ff:ff:ff:ff:ff":
        raise Rejected("broadcast MAC address")
    first = int(octets[0], 16)
    flags = []
    if first & 2:
        flags.append("locally_administered")
    vendor = VM_OUIS.get(value[:8]) or ("Docker" if value.startswith("02:42:") else None)
    if vendor:
        flags.append(f"vm_vendor:{vendor}")
    if first & 1:
        flags.append("multicast")
        return Canonical(value, flags=tuple(flags), identifying=False)
    return Canonical(value, flags=tuple(flags))


# ---------------------------------------------------------------------------------------------
# IP addresses

_IPV4 = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})")


def _ranges(table: Sequence[tuple[str, int, str]], version: int) -> tuple[tuple[int, int, str], ...]:
    out = []
    for network, prefix, flag in table:
        net = ipaddress.ip_network(f"{network}/{prefix}")
        assert net.version == version
        out.append((int(net.network_address), int(net.broadcast_address), flag))
    return tuple(out)


# IANA special-purpose ranges, most specific first. Documentation ranges count as public so
# that examples (and tests) behave like real addresses.
_V4_SPECIAL = _ranges((
    ("0.0.0.0", 32, "unspecified"),
    ("0.0.0.0", 8, "reserved"),
    ("10.0.0.0", 8, "private"),
    ("100.64.0.0", 10, "cgnat"),
    ("127.0.0.0", 8, "loopback"),
    ("169.254.0.0", 16, "link_local"),
    ("172.16.0.0", 12, "private"),
    ("192.0.0.0", 24, "reserved"),
    ("192.0.2.0", 24, "documentation"),
    ("192.88.99.0", 24, "reserved"),
    ("192.168.0.0", 16, "private"),
    ("198.18.0.0", 15, "reserved"),
    ("198.51.100.0", 24, "documentation"),
    ("203.0.113.0", 24, "documentation"),
    ("224.0.0.0", 4, "multicast"),
    ("240.0.0.0", 4, "reserved"),
), 4)
# First octet -> the special ranges that can contain it, so a public address costs one lookup.
_V4_BY_OCTET: dict[int, tuple[tuple[int, int, str], ...]] = {
    octet: tuple(r for r in _V4_SPECIAL if r[0] >> 24 <= octet <= r[1] >> 24) for octet in range(256)
}
_V6_SPECIAL = _ranges((
    ("::", 128, "unspecified"),
    ("::1", 128, "loopback"),
    ("2001:db8::", 32, "documentation"),
    ("3fff::", 20, "documentation"),
    ("2001::", 23, "reserved"),
    ("100::", 64, "reserved"),
    ("fc00::", 7, "private"),
    ("fe80::", 10, "link_local"),
    ("fec0::", 10, "reserved"),
    ("ff00::", 8, "multicast"),
), 6)
_V6_GLOBAL_UNICAST = (1 << 125, (1 << 126) - 1)  # 2000::/3
_V6_HOST_MASK = (1 << 64) - 1


def ipv6_text(number: int) -> str:
    """RFC 5952 text of an IPv6 address (what ipaddress prints, at a third of the cost)."""
    hextets = [(number >> shift) & 0xFFFF for shift in range(112, -16, -16)]
    best_start, best_length, start = -1, 1, -1
    for index, value in enumerate(hextets + [1]):
        if value == 0:
            if start < 0:
                start = index
        elif start >= 0:
            if index - start > best_length:
                best_start, best_length = start, index - start
            start = -1
    texts = [f"{h:x}" for h in hextets]
    if best_start < 0:
        return ":".join(texts)
    return ":".join(texts[:best_start]) + "::" + ":".join(texts[best_start + best_length:])


def _ip_result(value: str, network: str, flag: str | None) -> Canonical:
    if flag is None:
        return Canonical(value, related=(("ip_network", network),))
    if flag == "documentation":
        return Canonical(value, related=(("ip_network", network),), flags=(flag,))
    return Canonical(value, flags=(flag,), identifying=False)


def ip(text: str) -> Canonical:
    """IPv4 or IPv6 in one spelling (IPv4-mapped IPv6 is the IPv4 address). Public
    addresses carry their /24 or /64 network; private, CGNAT, loopback, link-local,
    multicast, unspecified and reserved addresses identify no one: valid, but no keys."""
    text = _nfkc(text).strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    m = _IPV4.fullmatch(text)
    if m:
        # Leading zeros are read as decimal ("203.000.113.007"): people pad, nobody means octal.
        a, b, c, d = (int(g) for g in m.groups())
        if a > 255 or b > 255 or c > 255 or d > 255:
            raise Rejected("not an IP address")
        return _ipv4((a << 24) | (b << 16) | (c << 8) | d)
    if ":" not in text:
        raise Rejected("not an IP address")
    text = text.partition("%")[0]  # a zone index names the local interface, not the address
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        raise Rejected("not an IP address") from None
    mapped = address.ipv4_mapped
    if mapped is not None:
        return _ipv4(int(mapped))
    number = int(address)
    network = f"{ipv6_text(number & ~_V6_HOST_MASK)}/64"
    flag = None
    for start, end, name in _V6_SPECIAL:
        if start <= number <= end:
            flag = name
            break
    else:
        if not _V6_GLOBAL_UNICAST[0] <= number <= _V6_GLOBAL_UNICAST[1]:
            flag = "reserved"
    return _ip_result(ipv6_text(number), network, flag)


def _ipv4(number: int) -> Canonical:
    a, b, c, d = number >> 24, (number >> 16) & 255, (number >> 8) & 255, number & 255
    flag = None
    for start, end, name in _V4_BY_OCTET[a]:
        if start <= number <= end:
            flag = name
            break
    return _ip_result(f"{a}.{b}.{c}.{d}", f"{a}.{b}.{c}.0/24", flag)


# ---------------------------------------------------------------------------------------------
# Numbers: bank accounts, cards, payment accounts, tax and registration numbers

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
# Text shared by names, addresses and labels

_CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAS_CJK = re.compile(f"[{_CJK_CLASS}]")
_CJK_GAP = re.compile(f"(?<=[{_CJK_CLASS}]) +(?=[{_CJK_CLASS}])")
_CJK_EDGE = re.compile(f"(?<=[{_CJK_CLASS}])(?=[^{_CJK_CLASS} ])|(?<=[^{_CJK_CLASS} ])(?=[{_CJK_CLASS}])")
_MARKS = re.compile("[\u2122\u00ae\u00a9\u2120]")  # ™ ® © ℠: NFKC would turn ™ into "TM"
_APOSTROPHES = re.compile("['\u2019\u2018\u02bc`\u00b4]")
# A period after a lone letter is an abbreviation dot: L.L.C. -> llc, P.R. China -> pr china.
# (The dot comes first in the pattern so the regex engine can scan for it quickly.)
_INITIAL_DOT = re.compile(r"\.(?<=(?<![^\W_])[^\W\d_]\.)")
_NON_WORD = re.compile(r"[\W_]+")
_LETTER = re.compile(r"[^\W\d_]")


def is_cjk(char: str) -> bool:
    return bool(_HAS_CJK.match(char))


def _folded(text: str, *, initials: bool = True) -> str:
    """Folded text without trademark signs, apostrophes or abbreviation dots."""
    if text.isascii():
        text = text.lower()
        if "'" in text or "`" in text:
            text = text.replace("'", "").replace("`", "")
    else:
        text = _APOSTROPHES.sub("", fold(_MARKS.sub("", text)))
    if initials and "." in text:
        text = _INITIAL_DOT.sub("", text)
    return text


def _spaced(text: str) -> str:
    """Punctuation as single spaces (& as "and"), no spaces inside CJK runs."""
    text = _NON_WORD.sub(" ", text.replace("&", " and "))
    if not text.isascii() and _HAS_CJK.search(text):
        text = _CJK_GAP.sub("", text)
    return text


def _text(text: str, *, initials: bool = True) -> str:
    return _spaced(_folded(text, initials=initials))


def _split_cjk(text: str) -> str:
    """Spaces between CJK runs and everything else, so `深圳ACME` is two tokens."""
    if text.isascii():
        return text
    return _CJK_EDGE.sub(" ", text)


def _words(mapping: dict[str, str]) -> re.Pattern:
    keys = sorted(mapping, key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys))


def _translate(text: str, pattern: re.Pattern, mapping: dict[str, str]) -> str:
    if text.isascii() or not _HAS_CJK.search(text):
        return text
    return pattern.sub(lambda m: f" {mapping[m.group(0)]} ", text)


# Chinese place names as they are romanised in English spellings of the same name, so that
# `深圳ACME贸易有限公司` and `Shenzhen Acme Trading Co Ltd` meet. Each also with its
# administrative suffix (深圳市, 广东省, 南山区).
_CITIES = {
    "深圳": "shenzhen", "广州": "guangzhou", "上海": "shanghai", "北京": "beijing", "杭州": "hangzhou",
    "义乌": "yiwu", "东莞": "dongguan", "香港": "hongkong", "厦门": "xiamen", "宁波": "ningbo",
    "苏州": "suzhou", "佛山": "foshan", "珠海": "zhuhai", "中山": "zhongshan", "惠州": "huizhou",
    "泉州": "quanzhou", "金华": "jinhua", "温州": "wenzhou", "南京": "nanjing", "天津": "tianjin",
    "重庆": "chongqing", "成都": "chengdu", "武汉": "wuhan", "长沙": "changsha", "福州": "fuzhou",
    "青岛": "qingdao", "郑州": "zhengzhou", "西安": "xian", "汕头": "shantou", "莆田": "putian",
    "揭阳": "jieyang", "台州": "taizhou", "绍兴": "shaoxing", "嘉兴": "jiaxing", "湖州": "huzhou",
    "常州": "changzhou", "无锡": "wuxi", "南通": "nantong", "合肥": "hefei", "济南": "jinan",
    "昆明": "kunming", "南宁": "nanning", "江门": "jiangmen", "潮州": "chaozhou", "澳门": "macau",
    "台北": "taipei",
}
_PROVINCES = {
    "广东": "guangdong", "浙江": "zhejiang", "江苏": "jiangsu", "福建": "fujian", "山东": "shandong",
    "河北": "hebei", "河南": "henan", "湖南": "hunan", "湖北": "hubei", "安徽": "anhui",
    "江西": "jiangxi", "四川": "sichuan", "广西": "guangxi", "云南": "yunnan", "辽宁": "liaoning",
}
_DISTRICTS = {
    "南山": "nanshan", "福田": "futian", "龙岗": "longgang", "宝安": "baoan", "龙华": "longhua",
    "罗湖": "luohu", "坪山": "pingshan", "光明": "guangming", "盐田": "yantian", "天河": "tianhe",
    "白云": "baiyun", "番禺": "panyu", "海珠": "haizhu", "越秀": "yuexiu", "黄埔": "huangpu",
    "浦东": "pudong", "闵行": "minhang", "徐汇": "xuhui", "朝阳": "chaoyang", "海淀": "haidian",
    "西湖": "xihu", "滨江": "binjiang", "余杭": "yuhang", "萧山": "xiaoshan",
}
_PLACES_ZH = {
    **_CITIES, **{k + "市": v for k, v in _CITIES.items()},
    **_PROVINCES, **{k + "省": v for k, v in _PROVINCES.items()},
    "中国": "china", "中华人民共和国": "china",
}
_TRADE_ZH = {
    "贸易": "trading", "商贸": "trading", "商行": "trading", "工贸": "industrial trading",
    "科技": "technology", "技术": "technology", "电子商务": "ecommerce", "电商": "ecommerce",
    "电子": "electronics", "实业": "industrial", "工业": "industrial", "进出口": "import export",
    "国际": "international", "集团": "group", "控股": "holdings", "网络": "network",
    "信息": "information", "发展": "development", "供应链": "supply chain", "物流": "logistics",
    "电器": "electric", "服饰": "apparel", "服装": "garment", "玩具": "toys", "文化": "culture",
    "传媒": "media", "制造": "manufacturing", "智能": "smart", "数码": "digital", "塑料": "plastics",
    "塑胶": "plastics", "五金": "hardware", "照明": "lighting", "纺织": "textile", "包装": "packaging",
    "化妆品": "cosmetics",
}
# Legal forms become "ltd", which company folding then drops like every other legal form.
_LEGAL_ZH = {
    "股份有限公司": "ltd", "有限责任公司": "ltd", "有限公司": "ltd", "总公司": "ltd", "公司": "ltd",
    "分公司": "branch", "株式会社": "ltd", "有限会社": "ltd", "合同会社": "ltd", "个体工商户": "ltd",
    "个体户": "ltd", "合伙企业": "ltd", "经营部": "ltd", "工作室": "studio", "工厂": "factory",
}
_COMPANY_ZH = {**_PLACES_ZH, **_TRADE_ZH, **_LEGAL_ZH}
_COMPANY_ZH_WORDS = _words(_COMPANY_ZH)

_ADDRESS_ZH = {
    **_PLACES_ZH,
    **_DISTRICTS, **{k + "区": v + " district" for k, v in _DISTRICTS.items()},
    "路": "road", "大道": "avenue", "街": "street", "巷": "lane", "弄": "lane", "号": " ",
    "室": "room", "房": "room", "层": "floor", "楼": "floor", "大楼": "building", "大厦": "building",
    "栋": "building", "幢": "building", "座": "building", "单元": "unit", "区": "district",
    "街道": "subdistrict", "社区": "community", "镇": "town", "村": "village", "县": "county",
    "市": " ", "省": " ", "工业园": "industrial park", "工业区": "industrial zone",
    "科技园": "science park", "产业园": "industrial park", "广场": "plaza", "花园": "garden",
    "中心": "center", "市场": "market",
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


# ---------------------------------------------------------------------------------------------
# Company names

# Legal forms dropped wherever they stand: never the distinctive part of a name.
LEGAL_FORMS = frozenset(
    """
    co ltd limited company inc incorporated corp corporation llc pllc lc coltd gmbh mbh plc llp
    pte pty pvt ltda sdn bhd sarl eurl
    """.split()
)
# Legal forms dropped only at the end, where they cannot be a word of the name ("SA Trading").
_LEGAL_ENDINGS = tuple(
    tuple(form.split())
    for form in sorted(
        """
        s de rl de cv|sa de cv|s de rl|sp z oo|spzoo|spol s r o|s r o|sro|sa|sas|sasu|spa|srl|sl|slu
        |sau|ag|kg|ohg|ug|ev|e v|ek|e k|ab|as|asa|aps|oy|oyj|bv|nv|kk|kabushiki kaisha|gk|lp|se|cv
        |kft|zrt|doo|ood|and
        """.replace("\n", "").split("|"),
        key=lambda form: -len(form.split()),
    )
)
_LEGAL_ENDINGS_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
for _form in _LEGAL_ENDINGS:
    _LEGAL_ENDINGS_BY_LAST.setdefault(_form[-1], []).append(_form)
# Trade words: shared by countless unrelated companies, so never distinctive.
TRADE_WORDS = frozenset(
    """
    trading technology electronics electronic electric industrial international import export
    commerce commercial comercio ecommerce group holdings global enterprise enterprises
    development network information supply supplies chain logistics manufacturing products
    goods services service solutions management investment consulting culture media digital
    smart apparel garment toys cosmetics hardware lighting textile packaging plastics store shop
    online direct sourcing science sciences branch factory studio industries
    """.split()
)
PLACE_WORDS = frozenset(
    set(_CITIES.values()) | set(_PROVINCES.values()) | set(_DISTRICTS.values())
    | set(
        """
        hong kong hongkong macau china prc usa us america american uk britain british england
        canada germany deutschland japan australia mexico europe european asia pacific new york
        london los angeles chicago miami toronto vancouver sydney melbourne tokyo osaka berlin
        munich hamburg paris singapore dubai
        """.split()
    )
)
_FUNCTION_WORDS = frozenset("and the of de del la le les des du der die das und y et en".split())
_COMPANY_SYNONYMS = {
    "tech": "technology", "techs": "technology", "technologies": "technology", "techn": "technology",
    "intl": "international", "inter": "international", "trade": "trading", "traders": "trading",
    "industry": "industrial", "industries": "industrial", "indust": "industrial",
    "holding": "holdings", "hk": "hongkong", "grp": "group", "mfg": "manufacturing",
    "ecom": "ecommerce", "elec": "electronics", "bros": "brothers",
}
_COMPANY_PHRASES = {
    "hong kong": "hongkong", "e commerce": "ecommerce", "import and export": "import export",
    "imp and exp": "import export", "imp exp": "import export", "i and e": "import export",
}
_COMPANY_PHRASE_WORDS = re.compile(
    "(?<!\\S)(" + "|".join(re.escape(p) for p in sorted(_COMPANY_PHRASES, key=len, reverse=True)) + ")(?!\\S)"
)
COMPANY_GENERIC = LEGAL_FORMS | TRADE_WORDS | PLACE_WORDS | _FUNCTION_WORDS | frozenset(
    f for form in _LEGAL_ENDINGS for f in form
)


def company_tokens(text: str) -> list[str]:
    """A company name's words with legal forms removed and trade words in one spelling.

    `SHENZHEN ACME TRADING CO LTD`, `Shenzhen Acme Trading Company Limited` and
    `深圳ACME TRADING 有限公司` all give [shenzhen, acme, trading].
    """
    text = _split_cjk(_translate(_text(text), _COMPANY_ZH_WORDS, _COMPANY_ZH))
    tokens = [_COMPANY_SYNONYMS.get(t, t) for t in text.split()]
    tokens = [t for t in tokens if t not in LEGAL_FORMS]
    while tokens:
        for form in _LEGAL_ENDINGS_BY_LAST.get(tokens[-1], ()):
            if tuple(tokens[-len(form):]) == form:
                del tokens[-len(form):]
                break
        else:
            break
    while tokens and tokens[0] == "the":
        del tokens[0]
    joined = " ".join(tokens)
    if " " in joined:
        joined = _COMPANY_PHRASE_WORDS.sub(lambda m: _COMPANY_PHRASES[m.group(1)], joined)
    return joined.split()


def company_name(text: str) -> Canonical:
    """Canonical company name; equal names share a key that also ignores spacing
    (`AcmeHome Trading` is `Acme Home Trading`)."""
    tokens = company_tokens(text)
    if not tokens:
        raise Rejected("no name besides the legal form")
    if not any(_LETTER.search(t) for t in tokens):
        raise Rejected("a company name has letters")
    return Canonical(" ".join(tokens), key="".join(tokens))


# ---------------------------------------------------------------------------------------------
# Addresses

ADDRESS_WORDS = frozenset(
    """
    road street avenue boulevard lane drive court place square highway parkway way center plaza
    building tower block room suite unit floor apartment flat district subdistrict community
    village town county city province state zone park garden gardens estate industrial science
    technology hi high tech new east west north south middle central upper lower section phase
    box po market mall ground level house mansion strasse weg platz allee gasse avenida calle
    rue via ku shi cho chome ken machi
    """.split()
)
_ADDRESS_ABBREVIATIONS = {
    "rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "blvd": "boulevard",
    "bldg": "building", "bld": "building", "rm": "room", "dist": "district", "fl": "floor",
    "flr": "floor", "ste": "suite", "apt": "apartment", "ln": "lane", "dr": "drive", "ct": "court",
    "pl": "place", "sq": "square", "hwy": "highway", "pkwy": "parkway", "ctr": "center",
    "centre": "center", "twr": "tower", "blk": "block", "ind": "industrial", "pk": "park",
    "hk": "hongkong", "gdn": "garden", "gdns": "gardens", "str": "strasse",
}
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


# ---------------------------------------------------------------------------------------------
# People

_HONORIFICS = frozenset("mr mrs ms miss mx dr prof sir madam mme herr frau".split())
_HONORIFICS_ZH = re.compile("(?:先生|女士|小姐|さん|様)$")


def person_name(text: str) -> Canonical:
    """A person's name: case, spacing and punctuation folded, titles dropped. The key sorts
    the words, so `DOE, John` and `John Doe` are one person."""
    words = _text(text, initials=False)
    if not words.isascii():
        words = _split_cjk(_HONORIFICS_ZH.sub("", words.strip()))
    tokens = [t for t in words.split() if t not in _HONORIFICS]
    if not tokens or not any(_LETTER.search(t) for t in tokens):
        raise Rejected("not a name")
    if any(c.isdigit() for t in tokens for c in t):
        raise Rejected("a name has no digits")
    return Canonical(" ".join(tokens), key=" ".join(sorted(tokens)))


# ---------------------------------------------------------------------------------------------
# Hostnames, opaque identifiers, business labels

# Names that many unrelated machines carry out of the box: they identify no one.
DEFAULT_HOSTNAMES = frozenset(
    """
    localhost ubuntu debian raspberrypi kali fedora centos android iphone ipad macbook
    macbook-pro macbook-air imac mac-mini mac pc desktop laptop computer user-pc admin-pc
    administrator-pc my-pc mypc home-pc owner-pc windows win10 win11 host server
    """.split()
)
_LOCAL_SUFFIXES = (".localdomain", ".local", ".lan", ".home.arpa", ".internal")
_LOOKS_LIKE_IPV4 = re.compile(r"[0-9]+(?:\.[0-9]+){3}")


def hostname(text: str) -> Canonical:
    """A machine's hostname: lower case, no trailing dot, without the local-network suffix
    (`Acme-Laptop.local` is `acme-laptop`)."""
    if ":" in text or _LOOKS_LIKE_IPV4.fullmatch(text):
        raise Rejected("an IP address, not a hostname")
    try:
        value = domain_name(text, label=_HOST_LABEL)
    except Rejected:
        raise Rejected("not a valid hostname") from None
    for suffix in _LOCAL_SUFFIXES:
        if value.endswith(suffix) and len(value) > len(suffix):
            value = value[: -len(suffix)]
            break
    if value in DEFAULT_HOSTNAMES:
        return Canonical(value, flags=("default",), identifying=False)
    return Canonical(value)


_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_HEX = re.compile(r"[0-9a-f]+")
_PRINTABLE = re.compile(r"[!-~]+")
# Placeholder identifiers firmware and browsers report when they have none of their own.
PLACEHOLDER_IDS = frozenset(
    """
    03000200040005000006000700080009 00020003000400050006000700080009
    12345678123456781234567812345678 undefined unknown notavailable not-available
    none null default
    """.split()
)


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


def label_text(text: str) -> Canonical:
    """A brand, logistics provider or category: case, punctuation and spacing folded;
    equal labels share a key that also ignores spacing (`AcmeHome` is `Acme Home`)."""
    tokens = _split_cjk(_text(text)).split()
    if not tokens:
        raise Rejected("has no letters or digits")
    return Canonical(" ".join(tokens), key="".join(tokens))


# ---------------------------------------------------------------------------------------------
# Blocking for fuzzy comparison


def blocking(tokens: Sequence[str], generic: frozenset[str], *, min_length: int = 3, limit: int = 3) -> tuple[str, ...]:
    """Blocking values for fuzzy comparison: which pairs are worth comparing at all.

    For each of the first `limit` distinctive words (not generic, with a letter, at least
    `min_length` characters, or 2 for CJK):
      - the word alone ("acme"): survives a typo anywhere else in the value;
      - the whole value with that word cut to its first or its last h characters
        ("shenzhen ac* trading", "shenzhen *me trading"; h = 1 for words of up to 3
        characters and CJK words, else 2): one typo inside the word leaves one of the two
        intact (an edit at position i keeps the prefix when i >= h, the suffix when
        i < len - h).
    So a one-character typo anywhere (Acme/Acne, Room 1203/1208) leaves a shared value,
    while every value holds a distinctive word: generic words (legal forms, trade words,
    places, address words) and numbers alone never make one. At most 3 values per word.
    """
    out: list[str] = []
    found = 0
    for index, token in enumerate(tokens):
        if token in generic or not _LETTER.search(token):
            continue
        cjk = is_cjk(token[0])
        if len(token) < (2 if cjk else min_length):
            continue
        h = 1 if cjk or len(token) <= 3 else 2
        head, tail = tokens[:index], tokens[index + 1:]
        out.append(token)
        out.append(" ".join((*head, token[:h] + "*", *tail)))
        out.append(" ".join((*head, "*" + token[-h:], *tail)))
        found += 1
        if found == limit:
            break
    return tuple(dict.fromkeys(out))
