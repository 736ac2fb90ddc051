"""The fingerprint of a machine: its interfaces, gateway, public IP and what they say about it; the
small pure classifiers behind it; its JSON shape (`fingerprint --format json`, fixture files)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any


from ..i18n import _
from ..normalize import vm_vendor

INTERFACE_KINDS = ("physical", "wireless", "virtual", "vpn", "loopback")
# Interfaces whose MAC belongs to this computer's hardware (or its VM's virtual NIC).
IDENTIFYING_INTERFACE_KINDS = ("physical", "wireless")

MACHINE_ID_PRESENT = "present (hashed when recorded)"

_MAC_TEXT = re.compile(r"([0-9a-fA-F]{1,2}[:-]){5}[0-9a-fA-F]{1,2}")

CGNAT = ipaddress.ip_network("100.64.0.0/10")
RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
ULA = ipaddress.ip_network("fc00::/7")


# ---------------------------------------------------------------------------------------------
# The fingerprint


@dataclass(frozen=True)
class Address:
    """One IP address on an interface, and whether it can identify anyone (its scope)."""

    address: str
    family: str  # "ipv4" | "ipv6"
    scope: str  # "public" | "private" | "cgnat" | "loopback" | "link-local" | "multicast" | "unspecified"


@dataclass(frozen=True)
class Interface:
    """A network interface as the OS reports it."""

    name: str
    up: bool
    kind: str  # one of INTERFACE_KINDS
    addresses: tuple[Address, ...] = ()
    mac: str | None = None  # lower case, colon-separated
    mac_flags: tuple[str, ...] = ()  # "locally-administered", "vm-vendor:VMware", ...


@dataclass(frozen=True)
class Gateway:
    """The default route: the router's address, the interface towards it, and its MAC when known."""

    address: str
    interface: str | None = None
    mac: str | None = None


@dataclass(frozen=True)
class PublicIp:
    """The public IP the marketplace would see: given, looked up, or unknown (with why)."""

    address: str | None
    source: str | None  # "given" | "auto:<url>" | "fixture" | None
    warning: str | None = None


@dataclass(frozen=True)
class Fingerprint:
    """What a marketplace could see of one computer and its network.

    `machine_id` is never the OS machine id itself: it is the store's keyed hash of it, or None
    when no store is open (`machine_id_present` then says whether the OS has one).
    """

    interfaces: tuple[Interface, ...] = ()
    gateway: Gateway | None = None
    wifi_bssid: str | None = None
    hostname: str | None = None
    machine_id: str | None = None
    machine_id_present: bool = False
    os_name: str | None = None
    os_version: str | None = None
    cpu_model: str | None = None
    cpu_count: int | None = None
    memory_bytes: int | None = None
    time_zone: str | None = None
    locale: str | None = None
    public_ip: str | None = None
    public_ip_source: str | None = None
    virtual_machine: str | None = None  # hypervisor name when this computer is a VM
    warnings: tuple[str, ...] = ()
    origin: str = "this computer"  # or "machine file <file name>" for a fixture machine

    def identifying_values(self) -> list[tuple[str, str]]:
        """(kind, value) for every value a marketplace could link accounts by.

        Physical and wireless MACs (virtual, VPN and loopback ones belong to software, not to
        this computer), the router's MAC, the Wi-Fi access point, hostname, machine id hash,
        the public IP and the interfaces' own addresses (private ones carry no match keys, so
        they are recorded but never link). Never the gateway's IP: 192.168.1.1 is everyone's.
        """
        values: list[tuple[str, str]] = []
        for iface in self.interfaces:
            if iface.kind in IDENTIFYING_INTERFACE_KINDS and iface.mac and not _is_null_mac(iface.mac):
                values.append(("mac", iface.mac))
        if self.gateway and self.gateway.mac and not _is_null_mac(self.gateway.mac):
            values.append(("gateway_mac", self.gateway.mac))
        if self.wifi_bssid and not _is_null_mac(self.wifi_bssid):
            values.append(("wifi_bssid", self.wifi_bssid))
        if self.hostname:
            values.append(("hostname", self.hostname))
        if self.machine_id:
            values.append(("machine_id", self.machine_id))
        if self.public_ip:
            values.append(("ip", self.public_ip))
        for iface in self.interfaces:
            if iface.kind == "loopback":
                continue
            for addr in iface.addresses:
                if addr.scope in ("public", "private", "cgnat"):
                    values.append(("ip", addr.address))
        return list(dict.fromkeys(values))  # one of each, in order


# ---------------------------------------------------------------------------------------------
# Small classifiers (pure)


def address_scope(text: str) -> str:
    """Whether an address can identify anyone. Documentation ranges count as public (examples)."""
    ip = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address):
        if ip in CGNAT:
            return "cgnat"
        if any(ip in net for net in RFC1918):
            return "private"
    elif ip in ULA:
        return "private"
    return "public"


def normalise_mac(text: str) -> str | None:
    """A MAC as lower-case colon-separated octets, or None when it is not one."""
    digits = re.sub(r"[^0-9a-fA-F]", "", text or "")
    if _MAC_TEXT.fullmatch(text.strip()):
        parts = re.split(r"[:-]", text.strip())
        return ":".join(p.zfill(2).lower() for p in parts)
    if len(digits) == 12:
        return ":".join(digits[i : i + 2].lower() for i in range(0, 12, 2))
    return None


def _is_null_mac(mac: str) -> bool:
    return mac in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff")


def mac_flags(mac: str) -> tuple[str, ...]:
    """What a MAC says about itself: randomised (locally administered) or a VM vendor's NIC."""
    flags = []
    first = int(mac[:2], 16)
    if first & 0x02:
        flags.append("locally-administered")
    vendor = vm_vendor(mac)
    if vendor:
        flags.append(f"vm-vendor:{vendor}")
    return tuple(flags)


# ---------------------------------------------------------------------------------------------
# Hygiene


def hygiene_warnings(fp: Fingerprint) -> tuple[str, ...]:
    """What makes this machine look different from (or more linkable than) it should."""
    out = []
    for iface in fp.interfaces:
        if iface.kind == "vpn" and iface.up:
            out.append(
                _("VPN/tunnel interface {name} is up: the marketplace sees the VPN's exit address, "
                  "which other customers of that VPN share", name=iface.name)
            )
    if fp.virtual_machine:
        out.append(
            _("this computer is a virtual machine ({vm}): its network adapters and machine id "
              "are copied with every clone of it", vm=fp.virtual_machine)
        )
    for iface in fp.interfaces:
        if iface.kind in IDENTIFYING_INTERFACE_KINDS and "locally-administered" in iface.mac_flags:
            out.append(
                _("{name} uses a randomised (locally administered) MAC: it is recorded, but it may "
                  "change, so a later check may not recognise this computer by it", name=iface.name)
            )
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# JSON: `fingerprint --format json`, and fixture machines in the same shape


def fingerprint_to_json(fp: Fingerprint) -> dict[str, Any]:
    """The fingerprint as JSON (never the raw machine id). Fixture files use this shape."""
    return {
        "origin": fp.origin,
        "hostname": fp.hostname,
        "machine_id": {"present": fp.machine_id_present or bool(fp.machine_id), "hash": fp.machine_id},
        "os": {"name": fp.os_name, "version": fp.os_version},
        "cpu": {"model": fp.cpu_model, "count": fp.cpu_count},
        "memory_bytes": fp.memory_bytes,
        "time_zone": fp.time_zone,
        "locale": fp.locale,
        "virtual_machine": fp.virtual_machine,
        "public_ip": {"address": fp.public_ip, "source": fp.public_ip_source},
        "gateway": (
            {"address": fp.gateway.address, "interface": fp.gateway.interface, "mac": fp.gateway.mac}
            if fp.gateway
            else None
        ),
        "wifi_bssid": fp.wifi_bssid,
        "interfaces": [
            {
                "name": i.name,
                "up": i.up,
                "kind": i.kind,
                "mac": i.mac,
                "mac_flags": list(i.mac_flags),
                "addresses": [{"address": a.address, "family": a.family, "scope": a.scope} for a in i.addresses],
            }
            for i in fp.interfaces
        ],
        "warnings": list(fp.warnings),
    }
