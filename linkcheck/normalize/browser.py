"""Anti-detect browser identifiers: profiles, proxies, proxy accounts, platform logins, keyed
hashes of 2FA secrets and cookies, device names, combined fingerprints.

Secrets never reach a normaliser in the clear where it can be helped: a proxy's password is
dropped here (the canonical form and the match key carry host, port and user only); a 2FA
secret or a cookie is accepted only as the store's keyed hash (see `browser_secret_hash`).
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse

from ..i18n import _, join_list
from .email import email as _email
from .network import domain_name, ip as _ip
from .text import Canonical, Rejected

PROXY_TYPES = ("http", "https", "socks4", "socks5", "ssh")
_VENDOR = re.compile(r"[a-z][a-z0-9_-]{1,23}")
_PROFILE_ID = re.compile(r"[\x21-\x7e]{1,128}")
_USER = re.compile(r"[\x21-\x7e]{1,128}")
_HASH = re.compile(r"[0-9a-f]{32}")
_DEVICE = re.compile(r"[\w.\- ]{1,63}")


# The vendors as Chinese sellers name them (their own Chinese names: 紫鸟, 比特浏览器), read as
# their keys; the keys of the vendors `browser import` reads, for the error's list.
VENDOR_WORDS = {"紫鸟": "ziniao", "比特浏览器": "bitbrowser"}
KNOWN_VENDORS = ("adspower", "bitbrowser", "ziniao", "gologin")


def split_profile(text: str) -> tuple[str, str, str]:
    """(vendor, ":" or "" when there is none, id) of `vendor:profile-id`: the vendor in lower case
    (its Chinese name read as its key: 紫鸟 is ziniao), a full-width colon a colon, both parts
    stripped. `browser_profile` and `check --browser` read a profile so."""
    vendor, sep, ident = text.strip().replace("：", ":").partition(":")
    vendor = vendor.strip().lower()
    return VENDOR_WORDS.get(vendor, vendor), sep, ident.strip()


def browser_profile(text: str) -> Canonical:
    """`vendor:profile-id` (`adspower:jh3k9x`): vendor in lower case (or its Chinese name, 紫鸟:1002),
    the id as the vendor wrote it; a full-width colon is a colon."""
    vendor, sep, ident = split_profile(text)
    if not sep or not _VENDOR.fullmatch(vendor):
        raise Rejected(_("a browser profile is VENDOR:ID, such as adspower:jh3k9x; the vendors linkcheck reads are {items} (ziniao also 紫鸟, bitbrowser also 比特浏览器)", items=join_list(KNOWN_VENDORS)))
    if not _PROFILE_ID.fullmatch(ident):
        raise Rejected(_("a browser profile ID is printable ASCII without spaces, at most 128 characters"))
    return Canonical(f"{vendor}:{ident}")


def _host(text: str) -> str:
    text = text.strip().strip("[]")
    try:
        return _ip(text).value
    except Rejected:
        pass
    try:
        return domain_name(text)
    except Rejected:
        raise Rejected(_("the proxy host is not an IP address or a host name")) from None


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise Rejected(_("the proxy port is not a number from 1 to 65535"))
    return int(text)


def proxy_parts(text: str) -> tuple[str, str, int, str]:
    """(type, host, port, user) of `type://user:password@host:port` or `host:port:user:password`;
    the password is read past and dropped."""
    text = text.strip()
    if "://" in text:
        try:
            parsed = urllib.parse.urlsplit(text)
            scheme, host, port = parsed.scheme.lower(), parsed.hostname or "", parsed.port
            user = urllib.parse.unquote(parsed.username or "")
        except ValueError:
            raise Rejected(_("not a proxy URL such as socks5://user@203.0.113.5:1080")) from None
        if scheme not in PROXY_TYPES:
            raise Rejected(_("the proxy type is one of {items}", items=', '.join(PROXY_TYPES)))
        if not host or port is None:
            raise Rejected(_("a proxy needs a host and a port"))
        if not 0 < port < 65536:
            raise Rejected(_("the proxy port is not a number from 1 to 65535"))
    else:
        parts = text.split(":")
        if len(parts) < 2:
            raise Rejected(_("not a proxy: type://user@host:port or host:port:user:password"))
        scheme, host, port = "http", parts[0], _port(parts[1])
        user = parts[2] if len(parts) > 2 else ""
    if user and not _USER.fullmatch(user):
        raise Rejected(_("the proxy user is printable ASCII without spaces"))
    return scheme, _host(host), port, user


def proxy(text: str) -> Canonical:
    """A proxy as `type://user@host:port` (never its password); key `host:port:user`."""
    scheme, host, port, user = proxy_parts(text)
    shown_host = f"[{host}]" if ":" in host else host
    value = f"{scheme}://{user + '@' if user else ''}{shown_host}:{port}"
    return Canonical(value, key=f"{host}:{port}:{user}")


def proxy_account(text: str) -> Canonical:
    """A proxy provider account or IP-refresh URL: URLs with the host in lower case and no
    fragment; anything else (`user@provider`) folded to lower case."""
    text = text.strip()
    if not text or len(text) > 512 or not text.isprintable():
        raise Rejected(_("a proxy account is printable text of at most 512 characters"))
    if "://" in text:
        try:
            parsed = urllib.parse.urlsplit(text)
            host = parsed.hostname or ""
            port = parsed.port
        except ValueError:
            raise Rejected(_("not a valid URL")) from None
        if parsed.scheme.lower() not in ("http", "https") or not host:
            raise Rejected(_("an IP-refresh URL is http:// or https:// with a host"))
        netloc = host + (f":{port}" if port else "")
        value = urllib.parse.urlunsplit((parsed.scheme.lower(), netloc, parsed.path or "/", parsed.query, ""))
        return Canonical(value)
    return Canonical(" ".join(text.lower().split()))


def platform_login(text: str) -> Canonical:
    """The marketplace login of a profile: lower case; an email login also carries the email's key,
    so it meets the accounts' contact emails."""
    text = text.strip()
    if not text or len(text) > 254 or not text.isprintable():
        raise Rejected(_("a platform login is printable text of at most 254 characters"))
    if "@" in text:
        try:
            mail = _email(text)
        except Rejected:
            pass
        else:
            return Canonical(mail.value, key=mail.key or mail.value, related=(("email", mail.key or mail.value),))
    return Canonical(text.lower())


def keyed_hash(text: str) -> Canonical:
    """A 2FA secret's keyed hash: 32 hexadecimal digits, never the secret itself."""
    value = text.strip().lower()
    if not _HASH.fullmatch(value):
        raise Rejected(_("only the store's keyed hash is kept (32 hex digits); `linkcheck browser import` makes it"))
    return Canonical(value)


def cookie_hash(text: str) -> Canonical:
    """A session cookie as `domain:keyed-hash` (`sellercentral.amazon.com:9f86…`)."""
    domain, sep, digest = text.strip().rpartition(":")
    if not sep:
        raise Rejected(_("a cookie is DOMAIN:HASH, the store's keyed hash of its value"))
    digest = keyed_hash(digest).value
    domain = domain_name(domain.strip().lstrip("."))
    return Canonical(f"{domain}:{digest}")


def device_name(text: str) -> Canonical:
    """A device (computer) name a profile shows: spacing folded, lower case."""
    value = " ".join(text.split()).lower()
    if not _DEVICE.fullmatch(value):
        raise Rejected(_("a device name is letters, digits, '.', '-', '_' and spaces, at most 63 characters"))
    return Canonical(value)


def combined_fingerprint(
    *, user_agent: str = "", webgl_vendor: str = "", webgl_renderer: str = "", screen: str = "",
    cpu: str = "", memory: str = "", fonts: tuple[str, ...] | list[str] = (), platform: str = "",
) -> str | None:
    """One hash over what a site combines: user agent, WebGL vendor and renderer, screen, CPU,
    memory, fonts, platform. None when less than the user agent and two more parts are known --
    each part alone is common, so a partial hash would link strangers."""
    parts = {
        "ua": user_agent.strip(), "webgl_vendor": webgl_vendor.strip(), "webgl_renderer": webgl_renderer.strip(),
        "screen": screen.strip().lower(), "cpu": str(cpu).strip(), "memory": str(memory).strip(),
        "fonts": sorted({f.strip().lower() for f in fonts if f.strip()}), "platform": platform.strip().lower(),
    }
    known = sum(1 for k, v in parts.items() if k != "ua" and v)
    if not parts["ua"] or known < 2:
        return None
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
