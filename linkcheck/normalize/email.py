"""Email addresses: one mailbox, one spelling; free-mail domains identify no organisation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..i18n import _
from ..lazy import lazy_pattern
from .network import _tld_ok, domain_name
from .text import Canonical, Rejected, _nfkc, word_list, word_map

# Providers whose mailboxes are open to anyone: sharing one of these domains says nothing.
FREE_MAIL_DOMAINS = word_list("free_mail_domains.txt")
# Brands with a free-mail domain in many countries (hotmail.co.uk, yahoo.co.jp, outlook.jp).
_FREE_MAIL_BRANDS = frozenset("hotmail outlook live msn yahoo gmx yandex aol windowslive".split())
_COUNTRY_SUFFIX = re.compile(r"(?:com?\.)?[a-z]{2,3}")

# One mailbox namespace under several domains (user@me.com is user@icloud.com; yandex.ru,
# .com, .kz, .ua, .by and ya.ru are one Yandex mailbox): each group's first domain is kept.
_PROVIDERS = word_map("mail_providers.json")
_MAIL_ALIASES = {alias: group[0] for group in _PROVIDERS["groups"] for alias in group[1:]}
_IGNORE_DOTS = frozenset(_PROVIDERS["ignore_dots"])
_DASH_TAG_BRANDS = frozenset(_PROVIDERS["dash_tags"])
# Special-use names (RFC 6761, 6762, 7686) where no mailbox of anyone's can be. `.example`
# and example.com/.net/.org are reserved too but kept: they are what documentation and
# linkcheck's own examples use, and no real value can collide with them.
# `.arpa` is the infrastructure domain (reverse DNS, home.arpa: RFC 8375), no one's mail.
_SPECIAL_USE_TLDS = frozenset("test invalid localhost local onion arpa".split())
# A label with `--` in its third and fourth places is reserved unless it is Punycode's `xn--`
# (RFC 5891 4.2.3.1: "R-LDH" labels).
_RESERVED_LABEL = re.compile(r"(?!xn)..--")
# Characters that NFKC turns into a dot or an @ (`⒈` is "1."): inside a domain they would add
# a label no one typed, so they are refused, not read (UTS 46 disallows them too). The ideographic
# and full-width full stops and the full-width @ are typed by Chinese input methods and read.
_FOLDS_TO_SEPARATOR = re.compile("[\u2488-\u249b\ufe52\ufe6b]")
MAX_EMAIL_OCTETS = 254  # RFC 5321's 256-octet path less its angle brackets (RFC 3696 erratum 1690)
MAX_LOCAL_OCTETS = 64

_LOCAL_PART = re.compile(r"""[^\x00-\x20\x7f@."(),:;<>\[\]\\]+(?:\.[^\x00-\x20\x7f@."(),:;<>\[\]\\]+)*""")


def _ascii_domain(domain: str) -> str:
    """A valid domain (as domain_name gives it) in ASCII: each Unicode label as Punycode."""
    return ".".join(label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
                    for label in domain.split("."))


def is_free_mail(domain: str) -> bool:
    if domain in FREE_MAIL_DOMAINS:
        return True
    brand, _dot, rest = domain.partition(".")
    return brand in _FREE_MAIL_BRANDS and bool(_COUNTRY_SUFFIX.fullmatch(rest))


def _base_mailbox(local: str, separator: str) -> str:
    """The local part before a sub-address separator, when that is itself a mailbox name
    (a dot may end it: `some.name.+ext` is the mailbox `some.name.`)."""
    base = local.split(separator, 1)[0]
    return base if base and _LOCAL_PART.fullmatch(base.rstrip(".")) else local


@lru_cache(maxsize=1 << 14)
def _domain(text: str) -> tuple[str, str, int]:
    """An address's domain as written after its @: (the domain as `domain_name` gives it,
    its top-level label, its length in ASCII), or Rejected. Remembered: a store's addresses
    share a few domains (gmail.com, a company's own)."""
    if text.endswith("."):
        raise Rejected(_("not an email address (bad domain)"))  # a domain's root dot is never written in an address
    try:
        domain = domain_name(text)
    except Rejected:
        raise Rejected(_("not an email address (bad domain)")) from None
    tld = domain.rpartition(".")[2]
    if "." not in domain or not _tld_ok(tld) or any(_RESERVED_LABEL.match(label) for label in domain.split(".")):
        raise Rejected(_("not an email address (bad domain)"))
    return domain, tld, len(domain if domain.isascii() else _ascii_domain(domain))


# Two addresses typed into one cell, joined by a comma (either width), 、, a slash or spaces: each
# side something@something.tld, so a stray "@@/" is not taken for two addresses.
_ADDRESS_SHAPE = r"[^@\s,，、/／]+@[^@\s,，、/／]+\.[^@\s,，、/／.]+"
_TWO_ADDRESSES = lazy_pattern(globals(), "_TWO_ADDRESSES",  # (compiled when first used: a cell with two @)
                              _ADDRESS_SHAPE + r"\s*[,，、/／\s]\s*" + _ADDRESS_SHAPE)


def email(text: str) -> Canonical:
    """One mailbox, one spelling: `J.Doe+amz@GMail.com` -> `jdoe@gmail.com`.

    Case is folded everywhere (local parts are case-insensitive at every real provider).
    Sub-address tags (`+tag`) are dropped on every domain, not only at providers known to
    support them: Google Workspace, Microsoft 365, Fastmail and most mail servers deliver
    `name+tag@` to `name@`, so two tags of one mailbox are one mailbox, and no provider
    hands `name+a` and `name+b` to different people. Gmail also ignores dots (so a tag after
    a dot goes too: `some.name.+ext@gmail.com` is `somename@gmail.com`), and Yahoo's
    disposable addresses are `base-keyword@`, so the base identifies the owner. Domains of
    one provider's mailboxes are one domain (data/mail_providers.json). Refused: over 254
    octets in all or 64 before the @, and special-use domains (.local, .test, .invalid,
    .localhost, .onion); `.example` stays, as documentation uses it.
    """
    if text.count("@") > 1 and _TWO_ADDRESSES.search(text):
        # Two addresses in one cell joined by a comma, 、 or a slash, as staff type them.
        raise Rejected(_("two or more email addresses in one value: separate the values in one cell with ; "
                         "(or the full-width ；)"))
    if not text.isascii() and _FOLDS_TO_SEPARATOR.search(text):
        raise Rejected(_("not an email address"))
    text = _nfkc(text).replace("\u3002", ".")
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    local, at, domain = text.strip().rpartition("@")
    if not at or not local:
        raise Rejected(_("not an email address"))
    local = local.lower()
    ascii_local = local.isascii()
    local_octets = len(local) if ascii_local else len(local.encode("utf-8"))
    if local_octets > MAX_LOCAL_OCTETS or not _LOCAL_PART.fullmatch(local):
        raise Rejected(_("not an email address"))
    if not ascii_local and not _LOCAL_PART.fullmatch(unicodedata.normalize("NFD", local)):
        raise Rejected(_("not an email address"))  # `≮` is `<` and a combining mark
    domain, tld, ascii_length = _domain(domain)
    # The length that counts is the one sent: the domain in its ASCII (Punycode) form.
    octets = local_octets + 1 + ascii_length
    if octets > MAX_EMAIL_OCTETS:
        raise Rejected(_("longer than {limit} octets, more than an email address can be", limit=MAX_EMAIL_OCTETS))
    if tld in _SPECIAL_USE_TLDS:
        raise Rejected(_("a special-use domain (.{tld}) where no mailbox can be", tld=tld))
    domain, ignore_dots, dash_tags, free_mail = _mailbox_domain(domain)
    if ignore_dots:
        # Dots first, so `some.name.+ext` (a tag after a dot) is `somename`, as Gmail reads it.
        local = local.replace(".", "")
    if "+" in local:  # (without the separator `_base_mailbox` gives the local part back)
        local = _base_mailbox(local, "+")
    if dash_tags and "-" in local:
        local = _base_mailbox(local, "-")
    value = f"{local}@{domain}"
    if free_mail:
        return Canonical(value, flags=("free_mail",))
    return Canonical(value, related=(("email_domain", domain),))


@lru_cache(maxsize=1 << 14)
def _mailbox_domain(domain: str) -> tuple[str, bool, bool, bool]:
    """What a valid domain (as `_domain` gives it) says of its mailboxes: (the provider's one
    domain for it, whether it ignores dots, whether `-` tags, whether it is free mail).
    Remembered, as `_domain` is."""
    domain = _MAIL_ALIASES.get(domain, domain)
    return domain, domain in _IGNORE_DOTS, domain.partition(".")[0] in _DASH_TAG_BRANDS, is_free_mail(domain)
