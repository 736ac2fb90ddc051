"""Network identifiers: domains, hostnames, MAC addresses and IP addresses."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Sequence

from ..i18n import _
from .text import Canonical, Rejected, _nfkc, word_list

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
        raise Rejected(_("not a valid domain"))
    if text.isascii() and "xn--" not in text:
        for part in labels:
            if not label.fullmatch(part):
                raise Rejected(_("not a valid domain"))
        return text
    out = []
    for part in labels:
        if part.isascii() and not part.startswith("xn--"):
            if not label.fullmatch(part):
                raise Rejected(_("not a valid domain"))
            out.append(part)
            continue
        canonical = _idna_label(part)
        if not canonical:
            raise Rejected(_("not a valid domain"))
        out.append(canonical)
    return ".".join(out)


def _tld_ok(tld: str) -> bool:
    return bool(_TLD.fullmatch(tld)) or not tld.isascii()


# ---------------------------------------------------------------------------------------------
# MAC addresses (adapters, gateways, Wi-Fi access points)

_MAC_SEPARATED = re.compile(
    r"([0-9a-f]{1,2})([:\- ])([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})"
)
# 12 hex digits in equal groups of 3, 4 or 6 with one separator throughout: Cisco's
# `001b.7749.54fd`, HP's `001b77-4954fd`, `001b:7749:54fd`, `0090-96AF-CC39`. A group of 4 or
# 6 may have lost its leading zeros (`1b:7749:54fd`), as an octet in `0:1b:77:49:54:fd` may:
# each group is its own number. Two lost digits at most (`1.2.3` is a version, not a MAC).
_MAC_GROUPED = tuple(
    (size, re.compile(rf"([0-9a-f]{{{low},{size}}})([:.\- ])" + rf"([0-9a-f]{{{low},{size}}})\2" * (12 // size - 2)
                      + rf"([0-9a-f]{{{low},{size}}})"))
    for size, low in ((4, 1), (6, 1), (3, 3))
)
_MAC_BARE = re.compile(r"[0-9a-f]{12}")
_MAC_CANONICAL = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")

# Organisationally unique identifiers of hypervisors' virtual adapters.
VM_OUIS = {
    "00:50:56": "VMware", "00:0c:29": "VMware", "00:05:69": "VMware", "00:1c:14": "VMware",
    "08:00:27": "VirtualBox", "0a:00:27": "VirtualBox",
    "52:54:00": "QEMU/KVM",
    "00:15:5d": "Hyper-V",
    "00:1c:42": "Parallels",
    "00:16:3e": "Xen",
}


def vm_vendor(value: str) -> str | None:
    """The hypervisor whose virtual adapters carry this (normalised) MAC's prefix, if any."""
    return VM_OUIS.get(value[:8])


def mac(text: str) -> Canonical:
    """`3C-22-FB-12-34-56`, `3c:22:fb:12:34:56`, `3c22.fb12.3456`, `3c22:fb12:3456`,
    `3c22fb-123456`, `3C22FB123456` (and macOS's `3c:22:fb:1:2:3` without leading zeros) ->
    `3c:22:fb:12:34:56`: 12 hex digits in equal groups with one separator throughout.

    Multicast addresses name a group, not an adapter, so they yield no keys; randomised
    (locally administered) and virtual-machine addresses still do, flagged.
    """
    text = _nfkc(text).lower()
    if len(text) == 17 and _MAC_CANONICAL.fullmatch(text):
        octets = text.split(":")  # (the canonical form as written: what `_MAC_SEPARATED` gives back)
    elif m := _MAC_SEPARATED.fullmatch(text):
        octets = [g.zfill(2) for g in m.group(1, 3, 4, 5, 6, 7)]
    else:
        for size, pattern in _MAC_GROUPED:
            m = pattern.fullmatch(text)
            groups = [m.group(i) for i in range(1, (m.lastindex or 0) + 1) if i != 2] if m else []
            if groups and sum(map(len, groups)) >= 10:
                bare = "".join(group.zfill(size) for group in groups)
                break
        else:
            if not _MAC_BARE.fullmatch(text):
                raise Rejected(_("not a MAC address"))
            bare = text
        octets = [bare[i:i + 2] for i in range(0, 12, 2)]
    value = ":".join(octets)
    if value == "00:00:00:00:00:00":
        raise Rejected(_("all-zero MAC address"))
    if value == "ff:ff:ff:ff:ff:ff":
        raise Rejected(_("broadcast MAC address"))
    first = int(octets[0], 16)
    flags = []
    if first & 2:
        flags.append("locally_administered")
    vendor = vm_vendor(value) or ("Docker" if value.startswith("02:42:") else None)
    if vendor:
        flags.append(f"vm_vendor:{vendor}")
    if first & 1:
        flags.append("multicast")
        return Canonical(value, flags=tuple(flags), identifying=False)
    return Canonical(value, flags=tuple(flags))


# ---------------------------------------------------------------------------------------------
# IP addresses

_IPV4 = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})")


def _ranges(table: Sequence[tuple[str, int, str | None]], version: int) -> tuple[tuple[int, int, str | None], ...]:
    out = []
    for network, prefix, flag in table:
        net = ipaddress.ip_network(f"{network}/{prefix}")
        assert net.version == version
        out.append((int(net.network_address), int(net.broadcast_address), flag))
    return tuple(out)


# IANA special-purpose ranges, most specific first (None: a block the IANA registry marks
# "Globally Reachable" inside a larger block that is not). Documentation ranges count as
# public so that examples (and tests) behave like real addresses.
_V4_SPECIAL = _ranges((
    ("192.0.0.9", 32, None),  # Port Control Protocol anycast (RFC 7723)
    ("192.0.0.10", 32, None),  # TURN anycast (RFC 8155)
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
_V4_BY_OCTET: dict[int, tuple[tuple[int, int, str | None], ...]] = {
    octet: tuple(r for r in _V4_SPECIAL if r[0] >> 24 <= octet <= r[1] >> 24) for octet in range(256)
}
_V6_SPECIAL = _ranges((
    ("2001:1::1", 128, None),  # Port Control Protocol anycast (RFC 7723)
    ("2001:1::2", 128, None),  # TURN anycast (RFC 8155)
    ("2001:1::3", 128, None),  # DNS-SD service registration anycast (RFC 9665)
    ("2001:3::", 32, None),  # AMT (RFC 7450)
    ("2001:4:112::", 48, None),  # AS112-v6 (RFC 7535)
    ("2001:20::", 28, None),  # ORCHIDv2 (RFC 7343)
    ("2001:30::", 28, None),  # DRIP entity tags (RFC 9374)
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
# NAT64 (RFC 6052): the well-known prefix 64:ff9b::/96 and the local-use 64:ff9b:1::/48
# (RFC 8215) carry an IPv4 address, which is what the far side sees.
_NAT64_WKP = 0x0064FF9B << 96
_NAT64_LOCAL = (0x0064FF9B << 96) | (1 << 80)


def _nat64_ipv4(number: int) -> int | None:
    """The IPv4 address inside a NAT64 address, None if it is not one."""
    if number >> 32 == _NAT64_WKP >> 32:
        return number & 0xFFFFFFFF
    if number >> 80 != _NAT64_LOCAL >> 80:
        return None
    if (number >> 32) & ((1 << 48) - 1) == 0:  # a /96 inside the /48
        return number & 0xFFFFFFFF
    if (number >> 56) & 0xFF == 0 and number & ((1 << 40) - 1) == 0:  # the /48 itself: bits 64-71 are zero
        return ((number >> 64) & 0xFFFF) << 16 | ((number >> 40) & 0xFFFF)
    return None


# Lower-case text ipaddress reads as an IPv6 address by its hex groups alone: eight groups of
# one to four hex digits, or fewer around one `::` (which stands for at least one group).
_V6_FULL = re.compile(r"[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}")
_V6_GAP = re.compile(r"((?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?)::((?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?)")


def _v6_number(text: str) -> int | None:
    """`int(ipaddress.IPv6Address(text))` for the plain spellings (`_V6_FULL`, `_V6_GAP`: hex
    groups, one `::` for at least one zero group, no embedded IPv4 address), in a fraction of
    its time (the thirteenth session); None for any other text, which the caller gives to
    ipaddress (so what it accepts or refuses, and why, is ipaddress's own)."""
    # (What `_V6_FULL` or `_V6_GAP` matches, found by splitting at colons rather than by the
    # patterns' backtracking: hex digits and colons only, groups of 1-4 digits, one `::` at most.)
    if not _V6_CHARS(text):
        return None
    high, gap, low = text.partition("::")
    if gap:
        if "::" in low:
            return None
        high_groups = high.split(":") if high else []
        low_groups = low.split(":") if low else []
        if len(high_groups) + len(low_groups) > 7:
            return None  # (`::` must stand for a group: ipaddress refuses it)
        groups = [*high_groups, *["0"] * (8 - len(high_groups) - len(low_groups)), *low_groups]
    else:
        groups = text.split(":")
        if len(groups) != 8:
            return None
    for group in groups:
        if not 0 < len(group) < 5:
            return None
    return int("".join([group.zfill(4) for group in groups]), 16)


_V6_CHARS = re.compile(r"[0-9a-f:]+").fullmatch


def ipv6_text(number: int) -> str:
    """RFC 5952 text of an IPv6 address (what ipaddress prints, at a fraction of the cost):
    the hextets in hex without leading zeros, the longest run of two or more zero hextets
    (the first of equal runs) as `::`."""
    if 0 <= number < _V6_END:  # (the hextets by one C call and one format: the same text)
        text = _V6_COLONS % _HEXTETS(number.to_bytes(16, "big"))
    else:
        digits = f"{number:032x}"
        text = f":{':'.join([digits[i:i + 4].lstrip('0') or '0' for i in range(0, 32, 4)])}:"
    if ":0:0:" not in text:
        return text[1:-1]  # (no run of two zero hextets)
    for run in _ZERO_RUNS:
        at = text.find(run)
        if at >= 0:
            end = at + len(run)
            # (a colon added at either end goes, unless the run took it: `::1`, `1::`)
            return (text[1:at] if at else "") + "::" + (text[end:-1] if end < len(text) else "")
    return text[1:-1]


_V6_END = 1 << 128
_V6_COLONS = ":" + ":".join(["%x"] * 8) + ":"
_HEXTETS = __import__("struct").Struct(">8H").unpack
# ":0:0:...:0:" for runs of 8 zero hextets down to 2, longest first
_ZERO_RUNS = tuple(":" + "0:" * n for n in range(8, 1, -1))


def _ip_result(value: str, network: str, flag: str | None) -> Canonical:
    if flag is None:
        return Canonical(value, related=(("ip_network", network),))
    if flag == "documentation":
        return Canonical(value, related=(("ip_network", network),), flags=(flag,))
    return Canonical(value, flags=(flag,), identifying=False)


def ip(text: str) -> Canonical:
    """IPv4 or IPv6 in one spelling (IPv4-mapped IPv6 and NAT64 `64:ff9b::a.b.c.d` are the
    IPv4 address). Public addresses carry their /24 or /64 network; private, CGNAT,
    loopback, link-local, multicast, unspecified and reserved addresses identify no one:
    valid, but no keys. "Public" follows IANA's special-purpose registries, including the
    globally reachable blocks inside reserved ones (192.0.0.9, 2001:1::1, AS112-v6, ORCHIDv2)."""
    text = _nfkc(text).strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    m = _IPV4.fullmatch(text)
    if m:
        # Leading zeros are read as decimal ("203.000.113.007"): people pad, nobody means octal.
        a, b, c, d = (int(g) for g in m.groups())
        if a > 255 or b > 255 or c > 255 or d > 255:
            raise Rejected(_("not an IP address"))
        return _ipv4((a << 24) | (b << 16) | (c << 8) | d)
    if ":" not in text:
        raise Rejected(_("not an IP address"))
    text = text.partition("%")[0]  # a zone index names the local interface, not the address
    number = _v6_number(text)  # (most addresses: hex groups and one `::` at most)
    if number is None or number >> 32 == 0xFFFF:
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            raise Rejected(_("not an IP address")) from None
        mapped = address.ipv4_mapped
        if mapped is not None:
            return _ipv4(int(mapped))
        number = int(address)
    embedded = _nat64_ipv4(number)
    if embedded is not None:
        result = _ipv4(embedded)
        return Canonical(result.value, related=result.related, flags=(*result.flags, "nat64"),
                         identifying=result.identifying)
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
# Hostnames

# Names that many unrelated machines carry out of the box: they identify no one.
DEFAULT_HOSTNAMES = word_list("default_hostnames.txt")
_LOCAL_SUFFIXES = (".localdomain", ".local", ".lan", ".home.arpa", ".internal")
_LOOKS_LIKE_IPV4 = re.compile(r"[0-9]+(?:\.[0-9]+){3}")


def hostname(text: str) -> Canonical:
    """A machine's hostname: lower case, no trailing dot, without the local-network suffix
    (`Acme-Laptop.local` is `acme-laptop`)."""
    if ":" in text or _LOOKS_LIKE_IPV4.fullmatch(text):
        raise Rejected(_("an IP address, not a hostname"))
    try:
        value = domain_name(text, label=_HOST_LABEL)
    except Rejected:
        raise Rejected(_("not a valid hostname")) from None
    for suffix in _LOCAL_SUFFIXES:
        if value.endswith(suffix) and len(value) > len(suffix):
            value = value[: -len(suffix)]
            break
    if value in DEFAULT_HOSTNAMES:
        return Canonical(value, flags=("default",), identifying=False)
    return Canonical(value)
