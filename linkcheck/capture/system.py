"""The system adapter: reading this computer's interfaces, gateway, machine id and OS (psutil,
netifaces, /sys, /proc and a few commands), and capturing its fingerprint."""

from __future__ import annotations

import locale
import os
import platform
import re
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable


from ..i18n import _
from .fingerprint import (
    IDENTIFYING_INTERFACE_KINDS, Address, Fingerprint, Gateway, Interface, PublicIp, _is_null_mac, address_scope,
    _MAC_TEXT, hygiene_warnings, mac_flags, normalise_mac,
)
from .public_ip import _apply_public_ip, resolve_public_ip

SUBPROCESS_TIMEOUT_SECONDS = 2.0

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

# Linux ARPHRD types (/sys/class/net/*/type) that are tunnels rather than Ethernet-like links.
_TUNNEL_ARPHRD = {512, 768, 769, 776, 778, 823, 65534}

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
        return [], [_("could not list network interfaces ({error})", error=type(exc).__name__)]
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
        found = defaults.get(family)  # type: ignore[union-attr]  # "default" maps a family to one gateway
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
        win_release, version, *_ = platform.win32_ver()
        return "Windows", f"{win_release} ({version})" if version else win_release
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
# Capture


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
                _("the router's MAC for gateway {address} is not in the neighbour table "
                  "(open any web page and run again)", address=gateway.address)
            )
        gateway = replace(gateway, mac=mac)
    else:
        warnings.append(_("no default gateway: this computer seems to be offline"))
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
