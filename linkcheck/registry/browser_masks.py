"""Masks of the anti-detect browser kinds (see normalize.browser): a proxy shows its type, the
first letter of its user, its host masked like an IP and its port; a proxy account its host."""

from __future__ import annotations

import urllib.parse

from .masks import mask_email, mask_ip, mask_token


def mask_proxy(value: str) -> str:
    """`socks5://u***@203.0.113.x:1080`."""
    scheme, _, rest = value.partition("://")
    user, at, hostport = rest.rpartition("@")
    host, _, port = hostport.rpartition(":")
    bare = host.strip("[]")
    if bare.replace(".", "").isdigit() or ":" in bare:
        shown_host = mask_ip(bare)
    else:  # a host name: its first letter and its parent domain (p***.proxy.example)
        first, _, parent = bare.partition(".")
        shown_host = f"{first[:1]}***" + (f".{parent}" if parent else "")
    shown_user = f"{user[0]}***@" if at and user else ""
    return f"{scheme}://{shown_user}{shown_host}:{port}"


def mask_proxy_account(value: str) -> str:
    """`https://api.proxy.example/…` for a refresh URL (its path and query hold keys); `u***` otherwise."""
    if "://" in value:
        parsed = urllib.parse.urlsplit(value)
        return f"{parsed.scheme}://{parsed.hostname}/…"
    return mask_email(value) if "@" in value else (value[:1] + "***")


def mask_login(value: str) -> str:
    return mask_email(value) if "@" in value else (value[:1] + "***")


def mask_cookie(value: str) -> str:
    """`sellercentral.amazon.com:9f86…`."""
    domain, _, digest = value.rpartition(":")
    return f"{domain}:{mask_token(digest)}"
