"""Email addresses: one mailbox, one spelling; free-mail domains identify no organisation."""

from __future__ import annotations

import re

from .network import _tld_ok, domain_name
from .text import Canonical, Rejected, _nfkc, word_list

# Providers whose mailboxes are open to anyone: sharing one of these domains says nothing.
FREE_MAIL_DOMAINS = word_list("free_mail_domains.txt")
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
