"""This machine's fingerprint: the one adapter over psutil, netifaces and the OS (or a fixture machine)."""

from __future__ import annotations

import ipaddress
import json
import locale
import os
import platform
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from .errors import InvalidInput, InvalidValue, UsageError
from .formats import read_user_text

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
SUBPROCESS_TIMEOUT_SECONDS = 2.0

INTERFACE_KINDS = ("physical", "wireless", "virtual", "vpn", "loopback")
# Interfaces whose MAC belongs to this computer's hardware (or its VM's virtual NIC).
IDENTIFYING_INTERFACE_KINDS = ("physical", "wireless")

MACHINE_ID_PRESENT = "present (hashed when recorded)"

# MAC prefixes (OUIs) of virtual-machine NICs.
VM_OUIS = {
    "00:05:69": "VMware",
    "00:0c:29": "VMware",
    "00:1c:14": "VMware",
    "00:50:56": "VMware",
    "08:00:27": "VirtualBox",
    "0a:00:27": "VirtualBox",
    "52:54:00": "QEMU/KVM",
    "00:15:5d": "Hyper-V",
    "00:1c:42": "Parallels",
    "00:16:3e": "Xen",
}
# DMI vendor / product strings of hypervisors (Linux /sys/class/dmi/id).
VM_DMI = (
    ("vmware", "VMware"),
    ("virtualbox", "VirtualBox"),
    ("innotek", "VirtualBox"),
    ("qemu", "QEMU/KVM"),
    ("kvm", "QEMU/KVM"),
    ("parallels", "Parallels"),
    ("xen", "Xen"),
    ("virtual machine", "Hyper-V"),
    ("bochs", "QEMU/KVM"),
)

# Interface names by kind, for systems without /sys/class/net (macOS, BSD, Windows).
_VPN_NAMES = re.compile(
    r"^(tun|tap|utun|ipsec|ppp|wg|tailscale|zt|nordlynx|proton|gpd|vpn)|vpn|wireguard|openvpn|tap-windows|"
    r"tailscale|zerotier|fortinet|cisco anyconnect|globalprotect|pangp",
    re.IGNORECASE,
)
_VIRTUAL_NAMES = re.compile(
    r"^(docker|br-|virbr|veth|vmnet|vboxnet|bridge|lxc|lxd|cni|flannel|cali|vnet|awdl|llw|anpi|ap\d|gif|stf|"
    r"ifb|dummy|bond|team|macvlan|vxlan|kube|podman|p2p)|vethernet|virtualbox|vmware|hyper-v|host-only|"
    r"bluetooth|loopback pseudo|local area connection\*",
    re.IGNORECASE,
)
_WIRELESS_NAMES = re.compile(r"^(wlan|wlp|wlo|wlx|wifi|wl\d|ath|ra\d)|wi-?fi|wireless|wlan", re.IGNORECASE)
_LOOPBACK_NAMES = re.compile(r"^lo\d*$|loopback", re.IGNORECASE)
_MAC_TEXT = re.compile(r"([0-9a-fA-F]{1,2}[:-]){5}[0-9a-fA-F]{1,2}")

# Linux ARPHRD types (/sys/class/net/*/type) that are tunnels rather than Ethernet-like links.
_TUNNEL_ARPHRD = {512, 768, 769, 776, 778, 823, 65534}

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
    vendor = VM_OUIS.get(mac[:8])
    if vendor:
        flags.append(f"vm-vendor:{vendor}")
    return tuple(flags)


def classify_interface(name: str, *, loopback: bool = False, sys_class: Path | None = None) -> str:
    """physical, wireless, virtual, vpn or loopback: from Linux sysfs when present, else by name."""
    if loopback or _LOOPBACK_NAMES.search(name):
        return "loopback"
    if sys_class is not None and sys_class.exists():
        base = sys_class / name
        if (base / "wireless").exists() or (base / "phy80211").exists():
            return "wireless"
        arphrd = _read_int(base / "type")
        if (base / "tun_flags").exists() or arphrd in _TUNNEL_ARPHRD or _VPN_NAMES.search(name):
            return "vpn"
        try:
            target = os.readlink(base)
        except OSError:
            target = ""
        if "/virtual/" in target or not (base / "device").exists():
            return "virtual"
        return "physical"
    if _VPN_NAMES.search(name):
        return "vpn"
    if _VIRTUAL_NAMES.search(name):
        return "virtual"
    if _WIRELESS_NAMES.search(name):
        return "wireless"
    return "physical"


# ---------------------------------------------------------------------------------------------
# Reading the OS


def _read_text(path: Path | str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def _read_int(path: Path) -> int | None:
    text = _read_text(path)
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None


def _run(args: list[str]) -> str | None:
    """A system tool's output, or None: never raises, never waits long."""
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_SECONDS, check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _interfaces() -> tuple[list[Interface], list[str]]:
    import psutil

    warnings: list[str] = []
    try:
        addrs = psutil.net_if_addrs()
        stats = psutil.net_if_stats()
    except (OSError, RuntimeError) as exc:
        return [], [f"could not list network interfaces ({type(exc).__name__})"]
    sys_class = Path("/sys/class/net") if sys.platform.startswith("linux") else None
    out = []
    for name in sorted(addrs):
        stat = stats.get(name)
        up = bool(stat and stat.isup)
        flags = (getattr(stat, "flags", "") or "") if stat else ""
        mac = None
        ips = []
        for a in addrs[name]:
            if a.family == psutil.AF_LINK:
                mac = normalise_mac(a.address or "") or mac
            elif a.family in (socket.AF_INET, socket.AF_INET6) and a.address:
                text = a.address.split("%", 1)[0]
                try:
                    ips.append(
                        Address(text, "ipv4" if a.family == socket.AF_INET else "ipv6", address_scope(text))
                    )
                except ValueError:
                    continue
        kind = classify_interface(name, loopback="loopback" in flags, sys_class=sys_class)
        out.append(
            Interface(name, up, kind, tuple(ips), mac, mac_flags(mac) if mac and not _is_null_mac(mac) else ())
        )
    return out, warnings


def _default_gateway() -> Gateway | None:
    import netifaces

    try:
        defaults = netifaces.gateways().get("default", {})
    except (OSError, ValueError, RuntimeError):
        return None
    for family in (netifaces.AF_INET, netifaces.AF_INET6):
        found = defaults.get(family)
        if found:
            address, interface = found[0], found[1] if len(found) > 1 else None
            return Gateway(address.split("%", 1)[0], interface)
    return None


def gateway_mac_from_arp_table(text: str, address: str) -> str | None:
    """The MAC of `address` in Linux's /proc/net/arp, when the entry is complete."""
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 4 and parts[0] == address and parts[2] != "0x0":
            mac = normalise_mac(parts[3])
            if mac and not _is_null_mac(mac):
                return mac
    return None


def gateway_mac_from_neighbour_output(text: str, address: str) -> str | None:
    """The MAC next to `address` in `arp -n ADDR` / `arp -a ADDR` / `ip neigh` output."""
    for line in text.splitlines():
        if not re.search(rf"(^|[\s(]){re.escape(address)}([\s)]|$)", line):
            continue
        found = _MAC_TEXT.search(line)
        if found:
            mac = normalise_mac(found.group(0))
            if mac and not _is_null_mac(mac):
                return mac
    return None


def _gateway_mac(gateway: Gateway) -> str | None:
    if sys.platform.startswith("linux"):
        table = _read_text("/proc/net/arp")
        return gateway_mac_from_arp_table(table, gateway.address) if table else None
    # Elsewhere the neighbour table is only reachable through the system's own tools.
    if sys.platform == "win32":
        out = _run(["arp", "-a", gateway.address])
    else:
        out = _run(["arp", "-n", gateway.address]) or _run(["ip", "neigh", "show", gateway.address])
    return gateway_mac_from_neighbour_output(out, gateway.address) if out else None


def read_machine_id() -> str | None:
    """The OS's own machine identifier (raw): only ever passed to a keyed hash."""
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        for path in ("/etc/machine-id", "/var/lib/dbus/machine-id", "/etc/hostid"):
            text = _read_text(path)
            if text and text.strip():
                return text.strip()
        return None
    if sys.platform == "darwin":
        out = _run(["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"])
        found = re.search(r'"IOPlatformUUID"\s*=\s*"([^"]+)"', out or "")
        return found.group(1) if found else None
    if sys.platform == "win32":
        try:
            import winreg

            key = winreg.OpenKey(
                winreg.HKEY_LOCAL_MACHINE,
                r"SOFTWARE\Microsoft\Cryptography",
                0,
                winreg.KEY_READ | getattr(winreg, "KEY_WOW64_64KEY", 0),
            )
            with key:
                value, _type = winreg.QueryValueEx(key, "MachineGuid")
            return str(value).strip() or None
        except OSError:
            return None
    return None


def _os_description() -> tuple[str, str]:
    system = platform.system() or sys.platform
    if system == "Linux":
        try:
            release = platform.freedesktop_os_release()
            return "Linux", f"{release.get('PRETTY_NAME', 'Linux')} (kernel {platform.release()})"
        except OSError:
            return "Linux", platform.release()
    if system == "Darwin":
        return "macOS", platform.mac_ver()[0] or platform.release()
    if system == "Windows":
        release, version, *_ = platform.win32_ver()
        return "Windows", f"{release} ({version})" if version else release
    return system, platform.release()


def _cpu_model() -> str | None:
    if sys.platform.startswith("linux"):
        text = _read_text("/proc/cpuinfo") or ""
        for key in ("model name", "Hardware", "Processor", "cpu model"):
            found = re.search(rf"^{key}\s*:\s*(.+)$", text, re.MULTILINE)
            if found:
                return found.group(1).strip()
    return platform.processor() or platform.machine() or None


def _virtual_machine(interfaces: Iterable[Interface]) -> str | None:
    """The hypervisor's name when this computer is a virtual machine, from cheap signals only."""
    if sys.platform.startswith("linux"):
        dmi = " ".join(
            (_read_text(f"/sys/class/dmi/id/{f}") or "").strip().lower() for f in ("sys_vendor", "product_name")
        )
        for needle, name in VM_DMI:
            if needle in dmi:
                return name
        cpuinfo = _read_text("/proc/cpuinfo") or ""
        if re.search(r"^flags\s*:.*\bhypervisor\b", cpuinfo, re.MULTILINE):
            return "unknown hypervisor"
    for iface in interfaces:
        if iface.kind in IDENTIFYING_INTERFACE_KINDS:
            for flag in iface.mac_flags:
                if flag.startswith("vm-vendor:"):
                    return flag.partition(":")[2]
    return None


def _time_zone() -> str | None:
    name = os.environ.get("TZ", "").lstrip(":") or None
    if name is None:
        text = _read_text("/etc/timezone")
        if text and text.strip():
            name = text.strip()
    if name is None:
        try:
            target = os.readlink("/etc/localtime")
            if "zoneinfo/" in target:
                name = target.split("zoneinfo/", 1)[1]
        except OSError:
            pass
    if name is None:
        name = time.tzname[time.daylight and time.localtime().tm_isdst > 0] or None
    offset = -(time.altzone if time.daylight and time.localtime().tm_isdst > 0 else time.timezone)
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return f"{name} (UTC{sign}{hours:02d}:{minutes:02d})" if name else f"UTC{sign}{hours:02d}:{minutes:02d}"


def _locale() -> str | None:
    for var in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = os.environ.get(var)
        if value:
            return value
    try:
        lang, encoding = locale.getlocale()
    except ValueError:
        return None
    if lang:
        return f"{lang}.{encoding}" if encoding else lang
    return None


def _memory_bytes() -> int | None:
    import psutil

    try:
        return int(psutil.virtual_memory().total)
    except (OSError, RuntimeError):
        return None


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
        raise UsageError(f"IP echo URL {url!r} is not a valid URL") from None
    if parsed.scheme == "https" and host:
        return url
    if parsed.scheme == "http" and _is_loopback_host(host):
        return url
    raise UsageError(
        f"IP echo URL {url!r} must be https:// (plain http:// only for 127.0.0.1 or localhost)"
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
        raise UsageError(f"--proxy {proxy!r} is not a valid URL (e.g. http://127.0.0.1:7890)") from None
    if parsed.scheme not in ("http", "https") or not hostname:
        raise UsageError(
            f"--proxy must be an http:// or https:// proxy URL such as http://127.0.0.1:7890 "
            f"(got scheme {parsed.scheme or 'none'!r}; SOCKS proxies are not supported)"
        )
    return proxy


def _opener(proxy: str | None):
    import urllib.request  # only when asked to look the public IP up: it is slow to import

    # Without --proxy, connect directly: HTTP(S)_PROXY from the shell is not what the
    # browser uses, and a check must say which network it measured.
    proxies = {"http": proxy, "https": proxy} if proxy else {}
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies))


def _describe_failure(exc: BaseException) -> str:
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, socket.timeout) or "timed out" in str(reason):
            return "timed out"
        return getattr(reason, "strerror", None) or str(reason)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    return type(exc).__name__


def lookup_public_ip(
    *, proxy: str | None = None, echo_urls: Iterable[str] | None = None, timeout: float = ECHO_TIMEOUT_SECONDS
) -> PublicIp:
    """Ask the echo services in turn which address they see; a failure is a warning, not silence."""
    urls = [check_echo_url(u) for u in (tuple(echo_urls) if echo_urls is not None else echo_urls_from_env())]
    if proxy:
        check_proxy(proxy)
    if not urls:
        return PublicIp(None, None, "public IP not looked up: no IP echo service configured")
    import http.client
    import urllib.error
    import urllib.request

    opener = _opener(proxy)
    failures = []
    deadline = time.monotonic() + ECHO_TOTAL_SECONDS
    for url in urls:
        try:
            host = urllib.parse.urlsplit(url).hostname
        except ValueError:
            host = url
        remaining = deadline - time.monotonic()
        if remaining <= 0.05:
            failures.append(f"{host}: not asked (out of time)")
            continue
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "linkcheck", "Accept": "text/plain"})
            with opener.open(request, timeout=min(timeout, remaining)) as response:
                body = response.read(ECHO_MAX_BYTES + 1)
        except (OSError, ValueError, urllib.error.URLError, http.client.HTTPException) as exc:
            failures.append(f"{host}: {_describe_failure(exc)}")
            continue
        text = body.decode("ascii", errors="replace").strip() if len(body) <= ECHO_MAX_BYTES else ""
        try:
            address = canonical_ip(text)
        except ValueError:
            failures.append(f"{host}: answer is not an IP address")
            continue
        if address_scope(address) != "public":
            return PublicIp(
                None, None, f"the IP echo service {host} answered with a non-public address; public IP not known"
            )
        return PublicIp(address, f"auto:{url}")
    return PublicIp(None, None, "public IP lookup failed (" + "; ".join(failures) + ")")


def resolve_public_ip(
    public_ip: str | PublicIp | None, *, proxy: str | None = None, echo_urls: Iterable[str] | None = None
) -> PublicIp:
    """`--public-ip`: None (not checked), an address as given, or "auto" (asks the network)."""
    if isinstance(public_ip, PublicIp):
        return public_ip
    if public_ip is None:
        return PublicIp(None, None)
    text = public_ip.strip()
    if text.lower() == "auto":
        return lookup_public_ip(proxy=proxy, echo_urls=echo_urls)
    try:
        address = canonical_ip(text)
    except ValueError:
        raise InvalidValue("ip", "--public-ip must be an IPv4 or IPv6 address, or 'auto'") from None
    warning = None
    if address_scope(address) != "public":
        warning = f"--public-ip {address} is not a public address, so it identifies no network"
    return PublicIp(address, "given", warning)


def _apply_public_ip(fp: Fingerprint, found: PublicIp) -> Fingerprint:
    if found.address is None and found.source is None and found.warning is None:
        return fp
    warnings = fp.warnings + ((found.warning,) if found.warning else ())
    return replace(fp, public_ip=found.address, public_ip_source=found.source, warnings=warnings)


# ---------------------------------------------------------------------------------------------
# Capture


def hygiene_warnings(fp: Fingerprint) -> tuple[str, ...]:
    """What makes this machine look different from (or more linkable than) it should."""
    out = []
    for iface in fp.interfaces:
        if iface.kind == "vpn" and iface.up:
            out.append(
                f"VPN/tunnel interface {iface.name} is up: the marketplace sees the VPN's exit address, "
                "which other customers of that VPN share"
            )
    if fp.virtual_machine:
        out.append(
            f"this computer is a virtual machine ({fp.virtual_machine}): its network adapters and machine id "
            "are copied with every clone of it"
        )
    for iface in fp.interfaces:
        if iface.kind in IDENTIFYING_INTERFACE_KINDS and "locally-administered" in iface.mac_flags:
            out.append(
                f"{iface.name} uses a randomised (locally administered) MAC: it is recorded, but it may "
                "change, so a later check may not recognise this computer by it"
            )
    return tuple(out)


def capture_machine(
    *,
    public_ip: str | PublicIp | None = None,
    proxy: str | None = None,
    echo_urls: Iterable[str] | None = None,
    hash_machine_id: Callable[[str], str] | None = None,
) -> Fingerprint:
    """This computer's fingerprint. No network traffic unless `public_ip` is "auto"."""
    found_ip = resolve_public_ip(public_ip, proxy=proxy, echo_urls=echo_urls)
    interfaces, warnings = _interfaces()
    gateway = _default_gateway()
    if gateway is not None:
        mac = _gateway_mac(gateway)
        if mac is None:
            warnings.append(
                f"the router's MAC for gateway {gateway.address} is not in the neighbour table "
                "(open any web page and run again)"
            )
        gateway = replace(gateway, mac=mac)
    else:
        warnings.append("no default gateway: this computer seems to be offline")
    raw_id = read_machine_id()
    try:
        hostname = socket.gethostname() or None
    except OSError:
        hostname = None
    os_name, os_version = _os_description()
    fp = Fingerprint(
        interfaces=tuple(interfaces),
        gateway=gateway,
        hostname=hostname,
        machine_id=hash_machine_id(raw_id) if (raw_id and hash_machine_id) else None,
        machine_id_present=bool(raw_id),
        os_name=os_name,
        os_version=os_version,
        cpu_model=_cpu_model(),
        cpu_count=os.cpu_count(),
        memory_bytes=_memory_bytes(),
        time_zone=_time_zone(),
        locale=_locale(),
        virtual_machine=_virtual_machine(interfaces),
        origin="this computer",
    )
    del raw_id
    fp = replace(fp, warnings=tuple(warnings) + hygiene_warnings(fp))
    return _apply_public_ip(fp, found_ip)


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


class _FixtureReader:
    """Reads one fixture file's fields, naming the file and field in every complaint."""

    def __init__(self, name: str):
        self.name = name

    def bad(self, field: str, why: str) -> InvalidInput:
        return InvalidInput(f"machine file {self.name}: {field} {why}")

    def text(self, data: dict, key: str, field: str | None = None) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.bad(field or key, "must be text")
        return value.strip() or None

    def obj(self, data: dict, key: str) -> dict:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.bad(key, "must be an object")
        return value

    def integer(self, data: dict, key: str, field: str | None = None) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.bad(field or key, "must be a whole number")
        return value

    def mac(self, value: Any, field: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or normalise_mac(value) is None:
            raise self.bad(field, "must be a MAC address")
        return normalise_mac(value)

    def address(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise self.bad(field, "must be an IP address")
        try:
            return canonical_ip(value)
        except ValueError:
            raise self.bad(field, "must be an IP address") from None


def fingerprint_from_json(
    data: Any, *, name: str = "machine", hash_machine_id: Callable[[str], str] | None = None
) -> Fingerprint:
    """A fixture machine from `fingerprint --format json` output (or a hand-written file).

    A fixture may give `"machine_id": {"raw": "..."}` -- a made-up id that is hashed with the
    store's key like a real one; a `hash` from some other store would mean nothing here.
    """
    r = _FixtureReader(name)
    if not isinstance(data, dict):
        raise InvalidInput(f"machine file {name}: must hold one JSON object")
    interfaces = []
    raw_interfaces = data.get("interfaces") or []
    if not isinstance(raw_interfaces, list):
        raise r.bad("interfaces", "must be a list")
    for n, item in enumerate(raw_interfaces):
        where = f"interfaces[{n}]"
        if not isinstance(item, dict):
            raise r.bad(where, "must be an object")
        iname = r.text(item, "name", f"{where}.name")
        if not iname:
            raise r.bad(f"{where}.name", "is missing")
        kind = item.get("kind") or classify_interface(iname)
        if kind not in INTERFACE_KINDS:
            raise r.bad(f"{where}.kind", f"must be one of {', '.join(INTERFACE_KINDS)}")
        mac = r.mac(item.get("mac"), f"{where}.mac")
        addresses = []
        raw_addresses = item.get("addresses") or []
        if not isinstance(raw_addresses, list):
            raise r.bad(f"{where}.addresses", "must be a list")
        for m, a in enumerate(raw_addresses):
            text = a.get("address") if isinstance(a, dict) else a
            address = r.address(text, f"{where}.addresses[{m}]")
            family = "ipv6" if ":" in address else "ipv4"
            addresses.append(Address(address, family, address_scope(address)))
        flags = mac_flags(mac) if mac and not _is_null_mac(mac) else ()
        up = item.get("up", True)
        if not isinstance(up, bool):
            raise r.bad(f"{where}.up", "must be true or false")
        interfaces.append(Interface(iname, up, kind, tuple(addresses), mac, flags))
    gateway = None
    raw_gateway = data.get("gateway")
    if raw_gateway is not None:
        if not isinstance(raw_gateway, dict):
            raise r.bad("gateway", "must be an object")
        gateway = Gateway(
            r.address(raw_gateway.get("address"), "gateway.address"),
            r.text(raw_gateway, "interface", "gateway.interface"),
            r.mac(raw_gateway.get("mac"), "gateway.mac"),
        )
    machine = data.get("machine_id")
    raw_id = None
    present = False
    if isinstance(machine, dict):
        raw_id = r.text(machine, "raw", "machine_id.raw")
        present = bool(machine.get("present")) or raw_id is not None
    elif machine is not None:
        raise r.bad("machine_id", 'must be an object such as {"raw": "demo-machine-0001"}')
    os_info = r.obj(data, "os")
    cpu = r.obj(data, "cpu")
    public = r.obj(data, "public_ip")
    public_ip = public.get("address")
    if public_ip is not None:
        public_ip = r.address(public_ip, "public_ip.address")
    fp = Fingerprint(
        interfaces=tuple(interfaces),
        gateway=gateway,
        wifi_bssid=r.mac(data.get("wifi_bssid"), "wifi_bssid"),
        hostname=r.text(data, "hostname"),
        machine_id=hash_machine_id(raw_id) if (raw_id and hash_machine_id) else None,
        machine_id_present=present,
        os_name=r.text(os_info, "name", "os.name"),
        os_version=r.text(os_info, "version", "os.version"),
        cpu_model=r.text(cpu, "model", "cpu.model"),
        cpu_count=r.integer(cpu, "count", "cpu.count"),
        memory_bytes=r.integer(data, "memory_bytes"),
        time_zone=r.text(data, "time_zone"),
        locale=r.text(data, "locale"),
        public_ip=public_ip,
        public_ip_source="fixture" if public_ip else None,
        virtual_machine=r.text(data, "virtual_machine"),
        origin=f"machine file {name}",
    )
    return replace(fp, warnings=hygiene_warnings(fp))


def load_fixture(
    path: str | Path,
    *,
    public_ip: str | PublicIp | None = None,
    proxy: str | None = None,
    echo_urls: Iterable[str] | None = None,
    hash_machine_id: Callable[[str], str] | None = None,
) -> Fingerprint:
    """A recorded machine description instead of this computer (demos and tests).

    `public_ip` given here overrides the file's own public IP.
    """
    path = Path(path)
    text = read_user_text(path, "machine file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"machine file {path.name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise InvalidInput(f"machine file {path.name}: not valid JSON (nested too deeply)") from None
    fp = fingerprint_from_json(data, name=path.name, hash_machine_id=hash_machine_id)
    if public_ip is not None:
        fp = _apply_public_ip(fp, resolve_public_ip(public_ip, proxy=proxy, echo_urls=echo_urls))
    return fp


def machine_fingerprint(
    machine_file: str | Path | None,
    *,
    public_ip: str | PublicIp | None = None,
    proxy: str | None = None,
    echo_urls: Iterable[str] | None = None,
    hash_machine_id: Callable[[str], str] | None = None,
) -> Fingerprint:
    """This computer, or the fixture machine in `machine_file` when one is given."""
    if machine_file is not None:
        return load_fixture(
            machine_file, public_ip=public_ip, proxy=proxy, echo_urls=echo_urls, hash_machine_id=hash_machine_id
        )
    return capture_machine(public_ip=public_ip, proxy=proxy, echo_urls=echo_urls, hash_machine_id=hash_machine_id)
