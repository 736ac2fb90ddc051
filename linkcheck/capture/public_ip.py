"""The public IP: given, or asked of plain-text echo services (only when asked to, with a time limit)."""

from __future__ import annotations

import ipaddress
import os
import socket
import time
import urllib.parse
from dataclasses import replace
from typing import Iterable

from ..i18n import _
from ..errors import InvalidValue, UsageError

from .fingerprint import Fingerprint, PublicIp, address_scope

ECHO_URLS_ENV = "LINKCHECK_IP_ECHO_URLS"
# Plain-text "what is my IP" services, asked in order until one answers.
DEFAULT_ECHO_URLS = (
    "https://api.ipify.org",
    "https://icanhazip.com",
    "https://checkip.amazonaws.com",
    "https://ifconfig.me/ip",
)
ECHO_TIMEOUT_SECONDS = 3.0  # per service
ECHO_TOTAL_SECONDS = 8.0  # for the whole list: a check must not hang on a dead network
ECHO_MAX_BYTES = 256
SOCKS_SCHEMES = ("socks5", "socks5h")  # capture.socks: asked through as http(s) proxies are


# ---------------------------------------------------------------------------------------------
# The public IP


def echo_urls_from_env() -> tuple[str, ...]:
    """The echo services to ask: LINKCHECK_IP_ECHO_URLS (comma-separated) or the defaults."""
    text = os.environ.get(ECHO_URLS_ENV, "").strip()
    if not text:
        return DEFAULT_ECHO_URLS
    return tuple(u.strip() for u in text.split(",") if u.strip())


def check_echo_url(url: str) -> str:
    """An echo URL is HTTPS, or plain HTTP to this computer only (a local test server)."""
    try:
        parsed = urllib.parse.urlsplit(url)
        host = parsed.hostname or ""
    except ValueError:
        raise UsageError(_("IP echo URL {url!r} is not a valid URL", url=url)) from None
    if parsed.scheme == "https" and host:
        return url
    if parsed.scheme == "http" and _is_loopback_host(host):
        return url
    raise UsageError(
        _("IP echo URL {url!r} must be https:// (plain http:// only for 127.0.0.1 or localhost)", url=url)
    )


def canonical_ip(text: str) -> str:
    """An address in its canonical text form; IPv4-mapped IPv6 as the IPv4 it carries."""
    ip = ipaddress.ip_address(text.strip().split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip)


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_proxy(proxy: str) -> str:
    try:
        parsed = urllib.parse.urlsplit(proxy)
        hostname = parsed.hostname
    except ValueError:
        raise UsageError(_("--proxy {proxy!r} is not a valid URL (e.g. http://127.0.0.1:7890)", proxy=proxy)) from None
    if parsed.scheme not in ("http", "https") or not hostname:
        raise UsageError(
            _("--proxy must be an http:// or https:// proxy URL such as http://127.0.0.1:7890 (got scheme {value!r}; SOCKS proxies are not supported)", value=parsed.scheme or 'none')
        )
    return proxy


def _opener(proxy: str | None, watchdog=None):
    """`watchdog` (capture.watchdog): every connection's socket is shut down at its deadline."""
    import urllib.request  # only when asked to look the public IP up: it is slow to import

    if proxy and is_socks(proxy):
        from . import socks

        return socks.opener(proxy, watchdog)

    # Without --proxy, connect directly: HTTP(S)_PROXY from the shell is not what the
    # browser uses, and a check must say which network it measured.
    proxies = {"http": proxy, "https": proxy} if proxy else {}
    if watchdog is None:
        return urllib.request.build_opener(urllib.request.ProxyHandler(proxies))
    from .watchdog import handlers

    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies), *handlers(watchdog))


def _describe_failure(exc: BaseException) -> str:
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, socket.timeout) or "timed out" in str(reason):
            return _("timed out")
        return getattr(reason, "strerror", None) or str(reason)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return _("timed out")
    return type(exc).__name__


def is_socks(proxy: str | None) -> bool:
    """A socks5:// (or socks5h://) proxy URL: asked through with capture.socks."""
    try:
        return bool(proxy) and urllib.parse.urlsplit(proxy or "").scheme.lower() in SOCKS_SCHEMES
    except ValueError:
        return False


def lookup_public_ip(
    *, proxy: str | None = None, echo_urls: Iterable[str] | None = None, timeout: float = ECHO_TIMEOUT_SECONDS,
    socks: bool = False,
) -> PublicIp:
    """Ask the echo services in turn which address they see; a failure is a warning, not silence.

    `socks`: `proxy` may be a SOCKS5 proxy (a browser profile's: `check --browser`); `--proxy`
    and the `proxy` setting stay http(s)."""
    urls = [check_echo_url(u) for u in (tuple(echo_urls) if echo_urls is not None else echo_urls_from_env())]
    if proxy and not (socks and is_socks(proxy)):
        check_proxy(proxy)
    if not urls:
        return PublicIp(None, None, _("public IP not looked up: no IP echo service configured"))
    from .watchdog import Watchdog

    with Watchdog(ECHO_TOTAL_SECONDS) as watchdog:
        return _ask_echo_services(urls, _opener(proxy, watchdog), timeout, watchdog)


def _ask_echo_services(urls: list[str], opener, timeout: float, watchdog) -> PublicIp:
    """`lookup_public_ip`'s loop: every service asked within the watchdog's one deadline (a
    server or SOCKS5 proxy that drips its answer is cut off at it, not only between services)."""
    import http.client
    import urllib.error
    import urllib.request

    failures = []
    deadline = watchdog.deadline
    for url in urls:
        try:
            host = urllib.parse.urlsplit(url).hostname
        except ValueError:
            host = url
        remaining = deadline - time.monotonic()
        if remaining <= 0.05:
            failures.append(_("{host}: not asked (out of time)", host=host))
            continue
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "linkcheck", "Accept": "text/plain"})
            with opener.open(request, timeout=min(timeout, remaining)) as response:
                body = response.read(ECHO_MAX_BYTES + 1)
        except (OSError, ValueError, urllib.error.URLError, http.client.HTTPException) as exc:
            failures.append(_("{host}: {reason}", host=host,
                              reason=_("timed out") if watchdog.fired else _describe_failure(exc)))
            continue
        if watchdog.fired:  # cut off mid-answer: what was read is not the answer
            failures.append(_("{host}: {reason}", host=host, reason=_("timed out")))
            continue
        text = body.decode("ascii", errors="replace").strip() if len(body) <= ECHO_MAX_BYTES else ""
        try:
            address = canonical_ip(text)
        except ValueError:
            failures.append(_("{host}: answer is not an IP address", host=host))
            continue
        if address_scope(address) != "public":
            return PublicIp(
                None, None, _("the IP echo service {host} answered with a non-public address; public IP not known",
                              host=host)
            )
        return PublicIp(address, f"auto:{url}")
    return PublicIp(None, None, _("public IP lookup failed ({failures})", failures="; ".join(failures)))


def resolve_public_ip(
    public_ip: str | PublicIp | None, *, proxy: str | None = None, echo_urls: Iterable[str] | None = None,
    socks: bool = False,
) -> PublicIp:
    """`--public-ip`: None (not checked), an address as given, or "auto" (asks the network)."""
    if isinstance(public_ip, PublicIp):
        return public_ip
    if public_ip is None:
        return PublicIp(None, None)
    text = public_ip.strip()
    if text.lower() == "auto":
        return lookup_public_ip(proxy=proxy, echo_urls=echo_urls, socks=socks)
    try:
        address = canonical_ip(text)
    except ValueError:
        raise InvalidValue("ip", _("--public-ip must be an IPv4 or IPv6 address, 'auto' or 'off'")) from None
    warning = None
    if address_scope(address) != "public":
        warning = _("--public-ip {address} is not a public address, so it identifies no network", address=address)
    return PublicIp(address, "given", warning)


def _apply_public_ip(fp: Fingerprint, found: PublicIp) -> Fingerprint:
    if found.address is None and found.source is None and found.warning is None:
        return fp
    warnings = fp.warnings + ((found.warning,) if found.warning else ())
    return replace(fp, public_ip=found.address, public_ip_source=found.source, warnings=warnings)
